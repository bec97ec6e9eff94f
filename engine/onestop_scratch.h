/*
 * A reader's scratch memory: the tables a statistics query builds (its
 * groups, their counters, the days it cuts at, the blocks it reads) are
 * taken from a stack of chunks that the store handle keeps from one
 * query to the next, and given back whole when the query ends.
 *
 * Memory that a process touches for the first time costs a page fault a
 * page, and glibc gives every thread of nginx's pool a malloc arena of
 * its own: with malloc, each thread's first queries faulted their tables
 * in anew (docs/performance.md, section 17).  A handle's scratch is
 * touched once, by whichever thread reads with the handle first, and is
 * warm for every thread after it.  It belongs to the handle's read side:
 * used only inside onestop_store_read_begin() .. read_end(), by the one
 * thread reading with the handle.
 *
 * Allocations nest: a run takes a mark and releases to it, and what it
 * took is gone; a run inside another (the change feed's figures are
 * statistics queries) takes its own mark above the outer one's.  When
 * the scratch is empty again it keeps one chunk, the largest, when it is
 * no larger than ONESTOP_SCRATCH_KEEP, and frees the rest.
 */

#ifndef ONESTOP_SCRATCH_H
#define ONESTOP_SCRATCH_H

#include <stddef.h>

/* what a handle keeps between queries at most */
#define ONESTOP_SCRATCH_KEEP  (4 * 1024 * 1024)

typedef struct onestop_scratch_chunk_s  onestop_scratch_chunk_t;

typedef struct {
    onestop_scratch_chunk_t  *chunk;    /* the newest, where allocations go */
    size_t                    used;     /* bytes of it given out */
} onestop_scratch_t;

typedef struct {
    onestop_scratch_chunk_t  *chunk;
    size_t                    used;
    int                       empty;    /* nothing was taken before it */
} onestop_scratch_mark_t;

onestop_scratch_mark_t onestop_scratch_mark(const onestop_scratch_t *s);
/* Everything taken since the mark is given back. */
void onestop_scratch_release(onestop_scratch_t *s, onestop_scratch_mark_t m);
/* Every chunk freed (the handle's close). */
void onestop_scratch_free(onestop_scratch_t *s);

/* n bytes aligned to 16, uninitialised; NULL when memory is exhausted. */
void *onestop_scratch_alloc(onestop_scratch_t *s, size_t n);
/* n * size bytes of zeros, or NULL (also when n * size overflows). */
void *onestop_scratch_calloc(onestop_scratch_t *s, size_t n, size_t size);
/* p (old bytes, from this scratch, or NULL) made new bytes long, in place
 * when it is the last allocation and its chunk has room, else copied; the
 * bytes past old are uninitialised.  NULL when memory is exhausted (p
 * stays valid). */
void *onestop_scratch_grow(onestop_scratch_t *s, void *p, size_t old,
    size_t n);

#endif /* ONESTOP_SCRATCH_H */
