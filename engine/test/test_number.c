/*
 * Unit tests of engine/number.c: integers as printf's "%lld" writes them,
 * and rates as the shortest of "%.15g", "%.16g", "%.17g" that strtod()
 * reads back (what the statistics answers wrote before, with snprintf),
 * byte for byte, over every ratio of counts up to 1,000, a million random
 * ratios of counts up to ten million, random doubles, and the edges.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_number.h"
#include "tap.h"


static void
reference(char *buf, size_t size, double v)
{
    int  p;

    for (p = 15; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, v);

        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}


static uint64_t  state = 88172645463325252ULL;

static uint64_t
rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}


/* 1 when v is written as the reference writes it (the first difference
 * told) */

static int
same_rate(double v, long *bad)
{
    char    a[ONESTOP_NUMBER_MAX], b[ONESTOP_NUMBER_MAX];
    size_t  n;

    n = onestop_number_rate(a, sizeof(a), v);
    reference(b, sizeof(b), v);

    if (strcmp(a, b) == 0 && n == strlen(b)) {
        return 1;
    }

    if ((*bad)++ == 0) {
        printf("# %.17g: \"%s\", printf \"%s\"\n", v, a, b);
    }

    return 0;
}


int
main(void)
{
    long     i, num, den, bad, same;
    char     a[ONESTOP_NUMBER_MAX], b[ONESTOP_NUMBER_MAX];
    int64_t  iv;
    double   v;

    static const int64_t  ints[] = {
        0, 1, -1, 9, 10, 99, 100, 12345, -12345, 1000000007,
        INT64_MAX, INT64_MIN, INT64_MIN + 1, 4294967296LL
    };

    static const double  edges[] = {
        0.0, -0.0, 1.0, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.9999999999999999,
        1e-4, 9.9999999999999991e-5, 1e-5, 123456789.0 / 1e-3, 1e15,
        999999999999999.9, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
        0.30000000000000004, 1.0000000000000002, 0.99999999999999989
    };

    /* integers */

    same = 0;

    for (i = 0; i < (long) (sizeof(ints) / sizeof(ints[0])); i++) {
        onestop_number_int(a, ints[i]);
        snprintf(b, sizeof(b), "%" PRId64, ints[i]);
        same += strcmp(a, b) == 0;
    }

    for (i = 0; i < 1000000; i++) {
        iv = (int64_t) rnd() >> (rnd() % 64);
        onestop_number_int(a, iv);
        snprintf(b, sizeof(b), "%" PRId64, iv);
        same += strcmp(a, b) == 0;
    }

    is_int(same, 1000000 + (long) (sizeof(ints) / sizeof(ints[0])),
           "integers as printf writes them");

    /* rates */

    bad = 0;

    for (den = 1; den <= 1000; den++) {
        for (num = 0; num <= den; num++) {
            same_rate((double) num / (double) den, &bad);
        }
    }

    is_int(bad, 0, "every ratio of counts up to 1,000");

    bad = 0;

    for (i = 0; i < 1000000; i++) {
        den = (long) (rnd() % 10000000) + 1;
        num = (long) (rnd() % (uint64_t) (den + 1));
        same_rate((double) num / (double) den, &bad);
    }

    is_int(bad, 0, "a million random ratios of counts up to 10,000,000");

    bad = 0;

    for (i = 0; i < 1000000; i++) {
        uint64_t  bits = rnd();

        memcpy(&v, &bits, sizeof(v));

        if (v == v) {
            same_rate(v, &bad);
        }
    }

    is_int(bad, 0, "a million random doubles of any exponent");

    /* the method's own range, [1e-4, 1e15): random doubles, and the
     * doubles next to every power of ten and to every ratio 1/2^k */

    bad = 0;

    for (i = 0; i < 1000000; i++) {
        uint64_t  bits = (rnd() & ((1ULL << 52) - 1))
                         | (uint64_t) (1023 - 14 + rnd() % 64) << 52;

        memcpy(&v, &bits, sizeof(v));

        if (v >= 1e-4 && v < 1e15) {
            same_rate(v, &bad);
        }
    }

    for (i = -4; i <= 15; i++) {
        double    p10 = 1;
        uint64_t  bits, d;
        long      j;

        for (j = 0; j < (i < 0 ? -i : i); j++) {
            p10 = i < 0 ? p10 / 10 : p10 * 10;
        }

        for (j = 0; j < 2; j++) {
            v = j == 0 ? p10 : 1.0 / (double) (1ULL << (i + 4));
            memcpy(&bits, &v, sizeof(bits));

            for (d = 0; d < 7; d++) {
                uint64_t  b2 = bits + d - 3;

                memcpy(&v, &b2, sizeof(v));
                same_rate(v, &bad);
            }
        }
    }

    is_int(bad, 0, "a million doubles in [1e-4, 1e15), and the neighbours "
           "of powers of ten and of two");

    bad = 0;

    for (i = 0; i < (long) (sizeof(edges) / sizeof(edges[0])); i++) {
        same_rate(edges[i], &bad);
    }

    is_int(bad, 0, "the edges: zero, one, thirds, 1e-4, 1e15, the extremes");

    done_testing();
}
