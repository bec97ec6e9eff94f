/*
 * Numbers as an answer writes them: integers in decimal, and rates (a
 * ratio of two counts) as the shortest of "%.15g", "%.16g" and "%.17g"
 * that reads back as the same double - what printf and strtod give, byte
 * for byte, without them.  A grouped statistics answer writes some twenty
 * integers and three rates a group, and printf's general machinery was a
 * fifth of the query's time.
 *
 * The idea that makes a rate exact without printf: a double is M * 2^E
 * with M an integer of 53 bits, so v * 10^k, for the k that leaves P
 * digits before the point, is the integer M * 10^k shifted right by -E,
 * which 128 bits hold for every rate in [1e-4, 1e15): its quotient
 * rounded half to even (as printf rounds) is the P digits, and the
 * remainder says exactly whether those digits read back as v (they do
 * when they are within half a unit of M's last place).  Anything else
 * (zero apart) goes to snprintf and strtod, as before.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_number.h"


typedef unsigned __int128  u128;


size_t
onestop_number_int(char *buf, int64_t v)
{
    char      tmp[24], *p;
    size_t    n;
    uint64_t  u;

    u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
    p = tmp + sizeof(tmp);

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);

    if (v < 0) {
        *--p = '-';
    }

    n = (size_t) (tmp + sizeof(tmp) - p);
    memcpy(buf, p, n);
    buf[n] = '\0';

    return n;
}


/* 10^k for k in 0 .. 22 (digits() asks for 10^21 at most): a table,
 * where a loop of multiplications was a quarter of a rate's time */

#define P10_19  ((u128) 10000000000000000000ULL)

static const u128  pow10_tab[] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
    10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
    100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, P10_19, P10_19 * 10,
    P10_19 * 100, P10_19 * 1000
};


static u128
pow10_128(int k)
{
    return pow10_tab[k];
}


/*
 * v = m * 2^-s rounded to p significant digits: the digits (q, with
 * 10^(p-1) <= q < 10^p) and the decimal exponent x of the first; 1 when
 * they read back as v, 0 when not, -1 when out of this method's range.
 */

static int
digits(uint64_t m, int s, int x, int p, uint64_t *q, int *xo)
{
    int   k, tries;
    u128  n, t, r, half, lo, hi, err, pk;

    for (tries = 0; tries < 3; tries++) {
        k = p - 1 - x;

        if (k < 0 || k > 21 || s < 1 || s > 120) {
            return -1;
        }

        pk = pow10_128(k);
        n = (u128) m * pk;
        t = n >> s;
        r = n - (t << s);
        half = (u128) 1 << (s - 1);

        if (r > half || (r == half && (t & 1))) {
            t++;
        }

        lo = pow10_128(p - 1);
        hi = lo * 10;

        if (t >= hi) {
            x++;
            continue;
        }

        if (t < lo) {
            x--;
            continue;
        }

        /* does t * 10^-k read back as m * 2^-s?  |t * 2^s - n| against
         * half of 10^k (a quarter below a power of two, where the next
         * double down is nearer); a tie goes to the even m */

        err = t << s;
        err = err > n ? err - n : n - err;

        *q = (uint64_t) t;
        *xo = x;

        if (m == (uint64_t) 1 << 52 && (t << s) < n) {
            return 4 * err < pk || (4 * err == pk && !(m & 1));
        }

        return 2 * err < pk || (2 * err == pk && !(m & 1));
    }

    return -1;
}


/* q's p digits as %g writes them for a decimal exponent x in -4 .. p - 1:
 * fixed, trailing zeros and a bare point dropped */

static size_t
format_g(char *buf, uint64_t q, int p, int x)
{
    int     i, end;
    char    d[24];
    size_t  n;

    for (i = p - 1; i >= 0; i--) {
        d[i] = (char) ('0' + q % 10);
        q /= 10;
    }

    for (end = p; end > 0 && d[end - 1] == '0'; end--) {
        /* void */
    }

    n = 0;

    if (x >= 0) {
        for (i = 0; i <= x; i++) {
            buf[n++] = d[i];
        }

        if (end > x + 1) {
            buf[n++] = '.';

            for (i = x + 1; i < end; i++) {
                buf[n++] = d[i];
            }
        }

    } else {
        buf[n++] = '0';
        buf[n++] = '.';

        for (i = x + 1; i < 0; i++) {
            buf[n++] = '0';
        }

        for (i = 0; i < end; i++) {
            buf[n++] = d[i];
        }
    }

    buf[n] = '\0';

    return n;
}


size_t
onestop_number_rate(char *buf, size_t size, double v)
{
    int       p, x, x0, e, rc;
    uint64_t  bits, m, q;

    memcpy(&bits, &v, sizeof(bits));

    if (bits == 0) {
        buf[0] = '0';               /* +0.0 */
        buf[1] = '\0';
        return 1;
    }

    if (size >= ONESTOP_NUMBER_MAX && v >= 1e-4 && v < 1e15) {

        /* v = m * 2^(e - 52), a normal double in [2^e, 2^(e + 1)); its
         * decimal exponent floor(e * log10(2)) or one more */

        m = (bits & (((uint64_t) 1 << 52) - 1)) | (uint64_t) 1 << 52;
        e = (int) ((bits >> 52) & 0x7ff) - 1023;
        x0 = e >= 0 ? (e * 78913) >> 18
                    : -((-e * 78913 + (1 << 18) - 1) >> 18);

        for (p = 15; p <= 17; p++) {

            /* from the estimate each time: rounding to fewer digits may
             * have carried into one more (0.99...9 to 1) */

            rc = digits(m, 52 - e, x0, p, &q, &x);

            if (rc < 0 || x >= p || x < -4) {
                break;              /* %g would write an exponent */
            }

            if (rc == 1 || p == 17) {
                return format_g(buf, q, p, x);
            }
        }
    }

    for (p = 15; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, v);

        if (strtod(buf, NULL) == v) {
            break;
        }
    }

    return strlen(buf);
}
