/*
 * Unit tests of the counter blocks' codec (counters.c) against a brute
 * force: random month blocks (few or many days set, small and large
 * values of either sign, nine counters or the wide thirteen) are
 * encoded; decoding gives them back, onestop_block_sum() adds every
 * counter's days up to any day, and onestop_block_sum_of() the same for
 * any set of counters alone (a statistics query's cut before a month's
 * last day reads two), leaving the others untouched.  Every truncation of
 * a block and a block with a day changed under its total are refused.
 * Year blocks keep their totals and their last day of two counters
 * (schema 5): the same, for them.
 *
 * The seed is printed; ONESTOP_SEED=N repeats a run.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "tap.h"


#define BLOCKS  3000
#define DAYS    ONESTOP_MONTH_DAYS

/* schema 1's month block: nine int64 totals, nine counters' int32 days */
#define LEGACY_MONTH  (ONESTOP_K_BASE * 8 + ONESTOP_K_BASE * DAYS * 4)


static unsigned long long  rng;


static unsigned
rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;

    return (unsigned) (rng % n);
}


static void
random_block(onestop_month_block_t *b)
{
    int       c, j, wide, density;
    int32_t   v;

    memset(b, 0, sizeof(*b));
    wide = rnd(3) == 0;
    density = 1 + (int) rnd(100);

    for (c = 0; c < (wide ? ONESTOP_K_COUNT : ONESTOP_K_BASE); c++) {
        for (j = 0; j < DAYS; j++) {
            if ((int) rnd(100) >= density) {
                continue;
            }

            switch (rnd(4)) {
            case 0:
                v = (int32_t) rnd(5) + 1;
                break;
            case 1:
                v = -(int32_t) rnd(5) - 1;
                break;
            case 2:
                v = (int32_t) rnd(100000) + 1;
                break;
            default:
                v = (int32_t) (rnd(2) ? 2000000000 - rnd(1000)
                                      : -2000000000 + rnd(1000));
            }

            /* the received count of a month is a count, never below 0:
             * a block of nine whose first total is -1 would begin with
             * the byte that marks a wide one, which only a decoding of
             * its days tells apart (the store never writes one) */

            if (c == ONESTOP_K_RECEIVED && v < 0) {
                v = -v;
            }

            b->day[c][j] = v;
            b->tot[c] += v;
        }
    }
}


/*
 * Year blocks (schema 5): random totals, not negative as stored ones are,
 * and a last day of each counter of ONESTOP_K_LAST_DAY no more than its
 * total; decoded as a year's they give back the totals and that day (the
 * other days zero), onestop_block_year() and onestop_block_totals_only()
 * read them; read as an all-time block they are refused (they are not
 * one), as is a last day over its total; no truncation reads as the
 * block, and nearly all are refused (a year block has no days to add up
 * to its totals, the check that refuses a month block's).
 */

static void
years_check(void)
{
    int                    i, c, j, wide, bad, bad_last, bad_as_total;
    int                    bad_cut, bad_over, over;
    long                   cuts, refused;
    size_t                 n, k;
    int64_t                tot[ONESTOP_K_COUNT], last[ONESTOP_K_COUNT];
    uint8_t                out[ONESTOP_BLOCK_MAX];
    onestop_month_block_t  b, d;

    bad = bad_last = bad_as_total = bad_cut = bad_over = over = 0;
    cuts = refused = 0;

    for (i = 0; i < BLOCKS; i++) {
        memset(&b, 0, sizeof(b));
        wide = rnd(3) == 0;

        for (c = 0; c < (wide ? ONESTOP_K_COUNT : ONESTOP_K_BASE); c++) {
            b.tot[c] = rnd(4) == 0 ? 0 : rnd(5) == 0 ? rnd(1u << 30)
                                                      : rnd(300);

            if (((ONESTOP_K_LAST_DAY >> c) & 1) && b.tot[c] > 0) {
                b.day[c][DAYS - 1] = (int32_t) rnd((unsigned) b.tot[c] + 1);
            }
        }

        n = onestop_block_encode(&b, ONESTOP_BLOCK_YEAR, out);

        if (onestop_block_decode(out, n, ONESTOP_BLOCK_YEAR, &d) != 0
            || memcmp(b.tot, d.tot, sizeof(b.tot)) != 0
            || memcmp(b.day, d.day, sizeof(b.day)) != 0)
        {
            bad++;
        }

        if (onestop_block_year(out, n, tot, last) != 0
            || memcmp(tot, b.tot, sizeof(tot)) != 0
            || onestop_block_totals_only(out, n, ONESTOP_BLOCK_YEAR, tot)
               != 0
            || memcmp(tot, b.tot, sizeof(tot)) != 0)
        {
            bad_last++;

        } else {
            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                bad_last += last[c] != ((ONESTOP_K_LAST_DAY >> c) & 1
                                        ? b.day[c][DAYS - 1] : 0);
            }
        }

        bad_as_total += onestop_block_decode(out, n, ONESTOP_BLOCK_TOTAL, &d)
                        == 0
                        || onestop_block_totals_only(out, n,
                                                     ONESTOP_BLOCK_TOTAL, tot)
                           == 0;

        for (k = 0; k < n; k++) {
            if (onestop_block_year(out, k, tot, last) != 0) {
                refused++;

            } else if (memcmp(tot, b.tot, sizeof(tot)) == 0) {
                bad_cut++;
            }

            cuts++;
        }

        /* a last day over its total */

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            if (((ONESTOP_K_LAST_DAY >> c) & 1) && b.tot[c] < 100000) {
                j = b.day[c][DAYS - 1];
                b.day[c][DAYS - 1] = (int32_t) b.tot[c] + 1;
                n = onestop_block_encode(&b, ONESTOP_BLOCK_YEAR, out);
                bad_over += onestop_block_year(out, n, tot, last) == 0
                            || onestop_block_decode(out, n, ONESTOP_BLOCK_YEAR,
                                                    &d) == 0;
                b.day[c][DAYS - 1] = j;
                over++;
            }
        }
    }

    is_int(bad, 0, "%d random year blocks decode to what was encoded: the "
           "totals and the last day", BLOCKS);
    is_int(bad_last, 0, "onestop_block_year and onestop_block_totals_only "
           "read a year block's totals and last day");
    is_int(bad_as_total, 0, "a year block is not read as an all-time block");
    is_int(bad_cut, 0, "no truncation of a year block reads as the block");
    ok(refused >= cuts - cuts / 50, "%ld of %ld truncations refused",
       refused, cuts);
    ok(over > BLOCKS / 2 && bad_over == 0, "a last day over its total is "
       "refused (%d blocks)", over);
}


int
main(void)
{
    int                     i, c, j, bad_decode, bad_sum, bad_of, bad_cut;
    int                     bad_change, upto, changed;
    long                    cuts, refused;
    size_t                  n, k;
    int64_t                 sum[ONESTOP_K_COUNT], want[ONESTOP_K_COUNT];
    uint8_t                 out[ONESTOP_BLOCK_MAX], copy[ONESTOP_BLOCK_MAX];
    uint32_t                need;
    const char             *env;
    unsigned long           seed;
    onestop_month_block_t   b, d;

    env = getenv("ONESTOP_SEED");
    seed = env != NULL ? strtoul(env, NULL, 10) : 20190709;
    printf("# seed %lu (ONESTOP_SEED=%lu repeats this run)\n", seed, seed);
    rng = seed * 2654435761u + 88172645463325252ull;

    bad_decode = bad_sum = bad_of = bad_cut = bad_change = changed = 0;
    cuts = refused = 0;

    for (i = 0; i < BLOCKS; i++) {
        random_block(&b);
        n = onestop_block_encode(&b, 0, out);

        if (onestop_block_decode(out, n, 0, &d) != 0
            || memcmp(b.tot, d.tot, sizeof(b.tot)) != 0
            || memcmp(b.day, d.day, sizeof(b.day)) != 0)
        {
            bad_decode++;
        }

        /* every counter's days up to a day */

        upto = (int) rnd(DAYS);
        memset(want, 0, sizeof(want));

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            for (j = 0; j <= upto; j++) {
                want[c] += b.day[c][j];
            }
        }

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            sum[c] = 1000 + c;
        }

        if (onestop_block_sum(out, n, (unsigned) upto, sum) != 0) {
            bad_sum++;

        } else {
            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                bad_sum += sum[c] != want[c] + 1000 + c;
            }
        }

        /* some counters alone: a query's p1 (ONESTOP_K_P1), one counter,
         * or a random set; the others are not touched */

        need = i % 3 == 0 ? ONESTOP_K_P1
               : i % 3 == 1 ? 1u << rnd(ONESTOP_K_COUNT)
               : (uint32_t) rnd(1u << ONESTOP_K_COUNT);

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            sum[c] = 1000 + c;
        }

        if (onestop_block_sum_of(out, n, (unsigned) upto, need, sum) != 0) {
            bad_of++;

        } else {
            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                bad_of += sum[c] != ((need >> c) & 1 ? want[c] : 0)
                                    + 1000 + c;
            }
        }

        /* a truncation is refused, by a sum of every counter and by the
         * decoder, or (rarely: a wide block's first bytes may read as a
         * block of nine) taken for another block, never for this one */

        for (k = 0; k < n; k++) {
            cuts++;

            if (onestop_block_sum(out, k, (unsigned) upto, sum) != 0
                || onestop_block_decode(out, k, 0, &d) != 0)
            {
                refused++;

            } else {
                bad_cut += memcmp(b.tot, d.tot, sizeof(b.tot)) == 0
                           && memcmp(b.day, d.day, sizeof(b.day)) == 0;
            }
        }

        /* a day changed, its total not: refused by the sum of that
         * counter, alone or with the others */

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            for (j = 0; j < DAYS && b.day[c][j] == 0; j++) {
                /* void */
            }

            if (j == DAYS) {
                continue;
            }

            /* the encoder writes the totals it is given: b's, over a
             * changed day */

            d = b;
            d.day[c][j] = d.day[c][j] == 1 ? 2 : 1;
            k = onestop_block_encode(&d, 0, copy);

            bad_change += onestop_block_sum_of(copy, k, DAYS - 1, 1u << c,
                                               sum) == 0;
            bad_change += onestop_block_sum(copy, k, DAYS - 1, sum) == 0;
            changed++;
            break;
        }
    }

    /* a wide block exactly as long as schema 1's month block (nine int64
     * totals, nine counters' 31 int32 days): read as what it is, its
     * four counters after the nine summed too */

    memset(&b, 0, sizeof(b));

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        for (j = 0; j < DAYS; j++) {
            b.day[c][j] = 100;
            b.tot[c] += 100;
        }
    }

    /* days of 100 (two bytes) made 10,000 (three) from the first, or 1
     * (one) from the last, until the size is right */

    k = 0;
    upto = ONESTOP_K_COUNT * DAYS;

    while ((n = onestop_block_encode(&b, 0, out)) != LEGACY_MONTH
           && k < (size_t) upto)
    {
        if (n < LEGACY_MONTH) {
            c = (int) k / DAYS;
            j = (int) k++ % DAYS;
            b.tot[c] += 10000 - b.day[c][j];
            b.day[c][j] = 10000;

        } else {
            upto--;
            c = upto / DAYS;
            j = upto % DAYS;
            b.tot[c] += 1 - b.day[c][j];
            b.day[c][j] = 1;
        }
    }

    is_int(n, LEGACY_MONTH, "a wide block of schema 1's size");

    memset(sum, 0, sizeof(sum));
    ok(onestop_block_sum(out, n, DAYS - 1, sum) == 0
       && memcmp(sum, b.tot, sizeof(sum)) == 0
       && sum[ONESTOP_K_COUNT - 1] != 0,
       "onestop_block_sum: its thirteen counters");
    memset(sum, 0, sizeof(sum));
    ok(onestop_block_sum_of(out, n, DAYS - 1, 1u << ONESTOP_K_APOLOGY, sum)
       == 0 && sum[ONESTOP_K_APOLOGY] == b.tot[ONESTOP_K_APOLOGY],
       "onestop_block_sum_of: one of the four after the nine");

    is_int(bad_decode, 0, "%d random blocks decode to what was encoded",
           BLOCKS);
    is_int(bad_sum, 0, "onestop_block_sum: every counter's days up to a "
           "random day, as the brute force adds them");
    is_int(bad_of, 0, "onestop_block_sum_of: the counters asked for alone "
           "(ONESTOP_K_P1, one, random sets), the others untouched");
    is_int(bad_cut, 0, "no truncation of a block reads as the block");
    ok(refused >= cuts - cuts / 1000, "%ld of %ld truncations refused",
       refused, cuts);
    ok(changed > BLOCKS / 2, "%d blocks with a day changed under its total",
       changed);
    is_int(bad_change, 0, "a day that does not add up to its total is "
           "refused by a sum of that counter, alone or with the others");

    years_check();

    return done_testing();
}
