/*
 * A reader's scratch memory (onestop_scratch.h): a stack of chunks, each
 * at least twice the size of the one below it, so that a query that
 * needs more than the kept chunk holds makes one more chunk, and the next
 * such query finds the larger one kept.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_scratch.h"


#define ALIGN       16
#define FIRST_SIZE  (64 * 1024)

/*
 * Under AddressSanitizer a bump allocator would hide what malloc's
 * redzones show: each allocation is unpoisoned alone, with a poisoned
 * gap after it, and what is given back is poisoned again.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ONESTOP_SCRATCH_ASAN  1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ONESTOP_SCRATCH_ASAN  1
#endif

#ifdef ONESTOP_SCRATCH_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE           ALIGN
#define POISON(p, n)      ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n)    ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define REDZONE           0
#define POISON(p, n)      ((void) (p), (void) (n))
#define UNPOISON(p, n)    ((void) (p), (void) (n))
#endif

struct onestop_scratch_chunk_s {
    onestop_scratch_chunk_t  *below;
    size_t                    size;
    _Alignas(ALIGN) unsigned char  data[];
};


static size_t
round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t) (ALIGN - 1);
}


/* the chunks from c down freed, but keep */
static void
drop(onestop_scratch_chunk_t *c, onestop_scratch_chunk_t *keep)
{
    onestop_scratch_chunk_t  *below;

    for ( ; c != NULL; c = below) {
        below = c->below;

        if (c != keep) {
            free(c);
        }
    }
}


onestop_scratch_mark_t
onestop_scratch_mark(const onestop_scratch_t *s)
{
    onestop_scratch_mark_t  m;

    m.chunk = s->chunk;
    m.used = s->used;
    m.empty = s->chunk == NULL || (s->used == 0 && s->chunk->below == NULL);

    return m;
}


void
onestop_scratch_release(onestop_scratch_t *s, onestop_scratch_mark_t m)
{
    onestop_scratch_chunk_t  *c, *keep;

    if (m.empty) {
        /* nothing is held: the newest chunk, the largest, stays when it
         * is not too large (m.chunk may be freed here: not read) */

        keep = s->chunk;

        if (keep != NULL && keep->size > ONESTOP_SCRATCH_KEEP) {
            keep = NULL;
        }

        drop(s->chunk, keep);

        if (keep != NULL) {
            keep->below = NULL;
            POISON(keep->data, keep->size);
        }

        s->chunk = keep;
        s->used = 0;
        return;
    }

    while (s->chunk != m.chunk) {
        c = s->chunk;
        s->chunk = c->below;
        free(c);
    }

    s->used = m.used;

    if (s->chunk != NULL) {
        POISON(s->chunk->data + s->used, s->chunk->size - s->used);
    }
}


void
onestop_scratch_free(onestop_scratch_t *s)
{
    drop(s->chunk, NULL);
    s->chunk = NULL;
    s->used = 0;
}


void *
onestop_scratch_alloc(onestop_scratch_t *s, size_t n)
{
    size_t                    size, want;
    onestop_scratch_chunk_t  *c;

    if (n > SIZE_MAX / 2 - sizeof(onestop_scratch_chunk_t) - REDZONE) {
        return NULL;
    }

    want = n;
    n = round_up(n ? n : 1) + REDZONE;

    if (s->chunk == NULL || s->chunk->size - s->used < n) {
        size = s->chunk ? s->chunk->size * 2 : FIRST_SIZE;

        while (size < n) {
            size *= 2;
        }

        c = malloc(sizeof(onestop_scratch_chunk_t) + size);

        if (c == NULL) {
            return NULL;
        }

        c->below = s->chunk;
        c->size = size;
        POISON(c->data, size);
        s->chunk = c;
        s->used = 0;
    }

    s->used += n;
    UNPOISON(s->chunk->data + s->used - n, want);

    return s->chunk->data + s->used - n;
}


void *
onestop_scratch_calloc(onestop_scratch_t *s, size_t n, size_t size)
{
    void  *p;

    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }

    p = onestop_scratch_alloc(s, n * size);

    if (p != NULL) {
        memset(p, 0, n * size);
    }

    return p;
}


void *
onestop_scratch_grow(onestop_scratch_t *s, void *p, size_t old, size_t n)
{
    size_t          r;
    unsigned char  *q;

    if (p == NULL) {
        return onestop_scratch_alloc(s, n);
    }

    if (n <= old) {
        return p;
    }

    r = round_up(old ? old : 1) + REDZONE;
    q = p;

    /* the last allocation, with room after it: it grows where it is */

    if (s->chunk != NULL && q + r == s->chunk->data + s->used
        && n <= SIZE_MAX / 2
        && round_up(n) + REDZONE - r <= s->chunk->size - s->used)
    {
        s->used += round_up(n) + REDZONE - r;
        UNPOISON(q, n);
        return p;
    }

    q = onestop_scratch_alloc(s, n);

    if (q != NULL && old) {
        memcpy(q, p, old);
    }

    return q;
}
