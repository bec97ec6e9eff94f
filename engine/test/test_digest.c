/*
 * Unit tests of onestop_digest64 (engine/util.c), the ETag of every
 * answer: the same bytes give the same digest, and a body that differs
 * from another by any one byte, or by its length, gives another.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "onestop_util.h"
#include "tap.h"


/* of the digests of p with any one bit changed, how many equal d (p is
 * left as it was) */
static size_t
flips_alike(uint8_t *p, size_t len, uint64_t d)
{
    size_t  i, n, same;

    same = 0;

    for (i = 0; i < len; i++) {
        for (n = 0; n < 8; n++) {
            p[i] ^= (uint8_t) (1u << n);
            same += onestop_digest64(p, len) == d;
            p[i] ^= (uint8_t) (1u << n);
        }
    }

    return same;
}


/* of the digests of p's prefixes of 0 .. max bytes, how many pairs are
 * alike */
static size_t
prefixes_alike(const uint8_t *p, size_t max)
{
    size_t    i, n, same;
    uint64_t  e;

    same = 0;

    for (n = 0; n <= max; n++) {
        e = onestop_digest64(p, n);

        for (i = 0; i < n; i++) {
            same += onestop_digest64(p, i) == e;
        }
    }

    return same;
}


int
main(void)
{
    size_t    i;
    uint64_t  d;
    uint8_t   a[700], b[700], page[4096];

    for (i = 0; i < sizeof(a); i++) {
        a[i] = (uint8_t) (i * 7 + 3);
    }

    d = onestop_digest64(a, sizeof(a));
    is_int(onestop_digest64(a, sizeof(a)) == d, 1, "the same bytes, the same");

    memcpy(b, a, sizeof(a));
    is_int(onestop_digest64(b, sizeof(b)) == d, 1, "a copy, the same");

    /* one byte changed, at every position, by every bit */

    is_int(flips_alike(b, sizeof(b), d), 0,
           "any one bit changed anywhere: another digest");

    /* every length a prefix of the other: all different */

    is_int(prefixes_alike(a, 63), 0,
           "prefixes of 0 to 63 bytes: 2,016 pairs, no two alike");
    ok(onestop_digest64("", 0) != onestop_digest64("\0", 1),
       "the empty body and one zero byte differ");

    /* across the four lanes' rounds of 32 bytes and the 8-byte words
     * after them: every prefix of up to 200 bytes differs from the
     * others, and a page of 4 KiB (a lookup page's size) changes with
     * any bit */

    is_int(prefixes_alike(a, 200), 0,
           "prefixes of 0 to 200 bytes: 20,100 pairs, no two alike");

    for (i = 0; i < sizeof(page); i++) {
        page[i] = (uint8_t) (i * 13 + 5);
    }

    d = onestop_digest64(page, sizeof(page));
    is_int(flips_alike(page, sizeof(page), d), 0,
           "a 4 KiB page, any one bit changed: another digest");

    /* two lanes' words swapped: another digest (the lanes are not
     * summed alike) */

    memcpy(b, page, 8);
    memcpy(page, page + 8, 8);
    memcpy(page + 8, b, 8);
    ok(onestop_digest64(page, sizeof(page)) != d,
       "the first two words swapped: another digest");

    return done_testing();
}
