/*
 * Integers in LMDB keys are big-endian, so that LMDB's byte order is
 * their numeric order (lmdb-schema/onestop_schema.h): the helpers every
 * file that builds or reads a key uses.
 */

#ifndef ONESTOP_KEYS_H
#define ONESTOP_KEYS_H

#include <stdint.h>


static inline void
be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}


static inline unsigned
get_be16(const uint8_t *p)
{
    return (unsigned) p[0] << 8 | p[1];
}


static inline void
be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}


static inline uint32_t
get_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}


static inline void
be64(uint8_t *p, uint64_t v)
{
    be32(p, (uint32_t) (v >> 32));
    be32(p + 4, (uint32_t) v);
}


static inline uint64_t
get_be64(const uint8_t *p)
{
    return (uint64_t) get_be32(p) << 32 | get_be32(p + 4);
}

#endif /* ONESTOP_KEYS_H */
