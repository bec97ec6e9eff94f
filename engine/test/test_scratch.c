/*
 * Unit test of a reader's scratch memory (onestop_scratch.h): alignment,
 * growth in place and by copy, nested marks, and what it keeps when it is
 * empty again (the largest chunk, when not too large), so that the next
 * query of the same size takes no new memory.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_scratch.h"
#include "tap.h"


static int
aligned(const void *p)
{
    return ((uintptr_t) p & 15) == 0;
}


int
main(void)
{
    int                     i, good;
    char                   *a, *b, *c, *first;
    size_t                  n;
    uint32_t               *v;
    onestop_scratch_t       s;
    onestop_scratch_mark_t  m0, m1;

    memset(&s, 0, sizeof(s));

    /* allocations: aligned, apart, zeroed by calloc */

    m0 = onestop_scratch_mark(&s);
    ok(m0.empty, "a new scratch is empty");

    good = 1;

    for (i = 1; i < 200; i++) {
        a = onestop_scratch_alloc(&s, (size_t) i * 7);
        good &= a != NULL && aligned(a);
        memset(a, i, (size_t) i * 7);
    }

    ok(good, "199 allocations of 7 to 1,393 bytes, each aligned to 16");

    a = onestop_scratch_calloc(&s, 1000, sizeof(uint64_t));
    good = a != NULL;

    for (n = 0; good && n < 8000; n++) {
        good = a[n] == 0;
    }

    ok(good, "calloc gives zeros");
    ok(onestop_scratch_calloc(&s, SIZE_MAX / 4, 8) == NULL,
       "calloc refuses a size that overflows");
    ok(onestop_scratch_alloc(&s, SIZE_MAX - 8) == NULL,
       "alloc refuses a size no chunk can hold");

    /* growth: in place when last, else by copy */

    v = onestop_scratch_alloc(&s, 16 * sizeof(uint32_t));

    for (i = 0; i < 16; i++) {
        v[i] = (uint32_t) i * 3;
    }

    b = (char *) v;
    v = onestop_scratch_grow(&s, v, 16 * sizeof(uint32_t),
                             32 * sizeof(uint32_t));
    ok((char *) v == b, "the last allocation grows in place");

    c = onestop_scratch_alloc(&s, 40);
    v = onestop_scratch_grow(&s, v, 32 * sizeof(uint32_t),
                             64 * sizeof(uint32_t));
    good = (char *) v != b && v != NULL && aligned(v);

    for (i = 0; good && i < 16; i++) {
        good = v[i] == (uint32_t) i * 3;
    }

    ok(good, "one that is not last is copied, its bytes kept");
    ok(c != NULL && (c + 40 <= (char *) v || (char *) v + 256 <= c),
       "the copy does not overlap what was allocated after the original");

    v = onestop_scratch_grow(&s, v, 64 * sizeof(uint32_t),
                             1024 * 1024 * sizeof(uint32_t));
    good = v != NULL && aligned(v);

    for (i = 0; good && i < 16; i++) {
        good = v[i] == (uint32_t) i * 3;
    }

    ok(good, "growing past the chunk (to 4 MB) makes a new chunk, the bytes "
       "kept");
    memset(v, 0xab, 1024 * 1024 * sizeof(uint32_t));

    /* nested marks */

    a = onestop_scratch_alloc(&s, 100);
    memset(a, 'x', 100);
    m1 = onestop_scratch_mark(&s);
    ok(!m1.empty, "a mark above allocations is not empty");
    c = onestop_scratch_alloc(&s, 16);

    for (i = 0; i < 50; i++) {
        b = onestop_scratch_alloc(&s, 100000);
        memset(b, 'y', 100000);
    }

    onestop_scratch_release(&s, m1);
    b = onestop_scratch_alloc(&s, 16);
    ok(b == c, "released to a mark, the next allocation is where the mark "
       "stood");
    ok(a[0] == 'x' && a[99] == 'x', "what was taken before the mark is "
       "intact");

    onestop_scratch_release(&s, m0);
    ok(s.used == 0 && onestop_scratch_mark(&s).empty,
       "released to the first mark, it is empty again");
    onestop_scratch_free(&s);

    /* empty again: the largest chunk kept, when not too large */

    m0 = onestop_scratch_mark(&s);
    a = onestop_scratch_alloc(&s, 100 * 1024);
    first = onestop_scratch_alloc(&s, 200 * 1024);
    ok(a != NULL && first != NULL, "100 KB, then 200 KB in a second chunk");
    memset(first, 2, 200 * 1024);
    onestop_scratch_release(&s, m0);
    ok(s.chunk != NULL && s.used == 0,
       "released to an empty mark, one chunk is kept");

    m0 = onestop_scratch_mark(&s);
    ok(m0.empty, "a scratch whose allocations were released is empty");
    a = onestop_scratch_alloc(&s, 200 * 1024);
    ok(a == first, "the next query of that size takes the kept chunk, the "
       "largest, again");
    onestop_scratch_release(&s, m0);

    /* a chunk larger than the limit is not kept */

    m0 = onestop_scratch_mark(&s);
    a = onestop_scratch_alloc(&s, ONESTOP_SCRATCH_KEEP + 1);
    ok(a != NULL && aligned(a),
       "an allocation larger than the kept size succeeds");
    memset(a, 1, ONESTOP_SCRATCH_KEEP + 1);
    onestop_scratch_release(&s, m0);
    ok(s.chunk == NULL && s.used == 0,
       "a chunk larger than ONESTOP_SCRATCH_KEEP is freed when empty");

    onestop_scratch_free(&s);
    ok(s.chunk == NULL, "free leaves no chunk");

    return done_testing();
}
