/*
 * A counter series' prefix sums at a query's cuts (stats.c runs the query
 * and adds the series up).
 *
 * The idea that makes a period's figures cost the same however long ago
 * it was: the sum of a series' months before month b is the sum of its
 * years before b's year plus the months of that year before b - or the
 * years up to b's year less the months of that year from b on.  So a
 * series costs its year blocks (a handful, next to its all-time block)
 * and, in each year a cut falls in, the month blocks on the shorter side
 * of that year's cuts; a cut at a year's start reads no month at all.
 * The years before a year are themselves taken from the shorter side:
 * summed, or the all-time block less the years since (a year block is
 * decoded only when summed).  A cut on December 30 read for ONESTOP_K_P1
 * alone (the day before a period that ends with a year) is the years up
 * to its year less the year's last day, which the year block keeps of
 * those counters (schema 5).  Every series' years and all time are in a
 * key range apart from the months, side by side (schema 6), so a query
 * walks them through one cursor, seeking only the months it needs
 * through another: a one-year query reads no month at all, whatever the
 * year, and no seek from the root for a series.
 *
 * It reads through the caller's cursor and never writes.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_keys.h"
#include "onestop_stats_int.h"


#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX


/*
 * The blocks of a series whose month field is in lo .. hi, appended to
 * rn->blocks from *n on (a year block's month is its year's number, the
 * all-time block's 0xfff).  here: the cursor already stands on the first
 * of them, in key and val (the years' cursor, which the caller walks: a
 * seek would search the leaf again, a fifth of a query's time); else it
 * seeks.  The cursor is left on the first key after them: the return
 * value says whether there is one (0) or not (1); -1 on an error.
 */

static int
series_read(onestop_run_t *rn, MDB_cursor *cur, const uint8_t *prefix,
    size_t plen, unsigned lo, unsigned hi, int here, size_t *n,
    MDB_val *key, MDB_val *val)
{
    int                    rc;
    uint8_t                k[KEY_MAX];
    unsigned               month;
    onestop_read_block_t  *rb;

    if (here) {
        rc = 0;

    } else {
        memcpy(k, prefix, plen);
        be16(k + plen, lo);
        key->mv_data = k;
        key->mv_size = plen + ONESTOP_SERIES_MONTH_LEN;

        rc = mdb_cursor_get(cur, key, val, MDB_SET_RANGE);
    }

    for ( ; rc == 0; rc = mdb_cursor_get(cur, key, val, MDB_NEXT)) {
        if (key->mv_size != plen + ONESTOP_SERIES_MONTH_LEN
            || memcmp(key->mv_data, prefix, plen) != 0)
        {
            break;
        }

        month = get_be16((const uint8_t *) key->mv_data + plen);

        if (month > hi) {
            break;
        }

        if (*n == rn->bcap) {
            rb = onestop_scratch_grow(rn->mem, rn->blocks,
                                      rn->bcap * sizeof(onestop_read_block_t),
                                      (rn->bcap ? rn->bcap * 2 : 64)
                                      * sizeof(onestop_read_block_t));
            if (rb == NULL) {
                return -1;
            }

            rn->blocks = rb;
            rn->bcap = rn->bcap ? rn->bcap * 2 : 64;
        }

        rb = &rn->blocks[*n];
        rb->kind = onestop_block_kind(month);
        rb->ready = rb->kind == ONESTOP_BLOCK_MONTH;

        if (rb->ready
            && onestop_block_totals(val->mv_data, val->mv_size, rb->tot) != 0)
        {
            return -1;
        }

        rb->data = val->mv_data;
        rb->size = val->mv_size;
        rb->month = month >= ONESTOP_MONTH_YEARS
                    ? month - ONESTOP_MONTH_YEARS : month;
        (*n)++;
    }

    return rc == 0 ? 0 : rc == MDB_NOTFOUND ? 1 : -1;
}


/* the plan, made once a query: each cut as months (a cut on its month's
 * last day is the next month's start, and needs no days), and the cuts by
 * year with the months to read for them */

int
onestop_series_plan(onestop_run_t *rn)
{
    size_t                i, j;
    unsigned              m, mday, first, last, blo;
    onestop_day_t         day0;
    onestop_cut_month_t  *cm;
    onestop_year_span_t  *sp;

    rn->cm = onestop_scratch_alloc(rn->mem,
                                   rn->ncuts * sizeof(onestop_cut_month_t));
    rn->spans = onestop_scratch_alloc(rn->mem,
                                      rn->ncuts * sizeof(onestop_year_span_t));
    rn->from = onestop_scratch_alloc(rn->mem, rn->ncuts * sizeof(size_t));

    if (rn->cm == NULL || rn->spans == NULL || rn->from == NULL) {
        return -1;
    }

    /* the cuts before month 0 see nothing */

    day0 = onestop_month_first_day(0);

    for (rn->cut0 = 0; rn->cut0 < rn->ncuts && rn->cuts[rn->cut0] < day0;
         rn->cut0++)
    {
        /* void */
    }

    /* what each cut is read for: a sub-period's figures read every
     * counter at from - 1 and to, two at to - 1 */

    for (i = 0; i < rn->ncuts; i++) {
        rn->cm[i].need = 0;
    }

    for (i = 0; i < rn->nperiods; i++) {
        rn->cm[rn->pcut[3 * i]].need |= ONESTOP_K_ALL;
        rn->cm[rn->pcut[3 * i + 1]].need |= ONESTOP_K_P1;
        rn->cm[rn->pcut[3 * i + 2]].need |= ONESTOP_K_ALL;
    }

    for (i = rn->cut0; i < rn->ncuts; i++) {
        cm = &rn->cm[i];
        m = onestop_month_of(rn->cuts[i], &mday);

        if (onestop_month_first_day(m + 1) - 1 == rn->cuts[i]) {
            cm->b = m + 1;
            cm->d = -1;

        } else if (m % 12 == 11 && mday == ONESTOP_MONTH_DAYS - 2
                   && (cm->need & ~(uint32_t) ONESTOP_K_LAST_DAY) == 0)
        {
            cm->b = m;              /* December 30: from the year block */
            cm->d = ONESTOP_CUT_YEAR_LAST;

        } else {
            cm->b = m;
            cm->d = (int) mday;
        }
    }

    rn->nspans = 0;

    for (i = rn->cut0; i < rn->ncuts; i = j) {
        sp = &rn->spans[rn->nspans++];
        sp->i = i;
        sp->year = rn->cm[i].b / 12;
        first = sp->year * 12;
        last = 0;
        blo = first + 12;

        for (j = i; j < rn->ncuts && rn->cm[j].b / 12 == sp->year; j++) {
            cm = &rn->cm[j];

            if ((cm->b == first && cm->d < 0)
                || cm->d == ONESTOP_CUT_YEAR_LAST)
            {
                continue;           /* the years alone */
            }

            last = cm->d < 0 ? cm->b - 1 : cm->b;
            blo = cm->b < blo ? cm->b : blo;
        }

        sp->j = j;
        sp->fwd = blo == first + 12 || last + 1 - first <= first + 12 - blo;
        sp->lo = sp->fwd ? first : blo;
        sp->hi = sp->fwd ? last : first + 11;

        if (blo == first + 12) {
            sp->lo = 1;             /* nothing to read */
            sp->hi = 0;
        }
    }

    return 0;
}


/* a year's or the all-time block's totals (a year's last day with
 * them), decoded when first summed */

static int
series_tot(onestop_read_block_t *rb)
{
    int  rc;

    if (!rb->ready) {
        rc = rb->kind == ONESTOP_BLOCK_YEAR
             ? onestop_block_year(rb->data, rb->size, rb->tot, rb->last)
             : onestop_block_totals_only(rb->data, rb->size, rb->kind,
                                         rb->tot);
        if (rc != 0) {
            return -1;
        }

        rb->ready = 1;
    }

    return 0;
}


/*
 * The sum of a series' years before year into base: the years summed
 * forwards, or the all-time block less the years from year on, whichever
 * decodes fewer blocks (a query of last year reads the all-time block and
 * two years, one of 2019 one year, whatever the years since).  The years
 * are blocks ny .. n - 1, the all-time block last when there is one;
 * *at is set to the first year from year on.  0, or -1.
 */

static int
series_years_before(onestop_run_t *rn, size_t ny, size_t n, unsigned year,
    int64_t *base, size_t *at)
{
    size_t                 b, k, all;
    unsigned               c;
    onestop_read_block_t  *rb;

    for (k = ny; k < n && rn->blocks[k].month < year; k++) {
        /* void */
    }

    *at = k;
    onestop_row_clear(base);

    all = n;

    if (n > ny && rn->blocks[n - 1].month
                  == ONESTOP_MONTH_ALL_TIME - ONESTOP_MONTH_YEARS)
    {
        all = n - 1;
    }

    if (all < n && all - k + 1 < k - ny) {
        rb = &rn->blocks[all];

        if (series_tot(rb) != 0) {
            return -1;
        }

        memcpy(base, rb->tot, ONESTOP_K_COUNT * sizeof(int64_t));

        for (b = k; b < all; b++) {
            rb = &rn->blocks[b];

            if (series_tot(rb) != 0) {
                return -1;
            }

            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                base[c] -= rb->tot[c];
            }
        }

        return 0;
    }

    for (b = ny; b < k; b++) {
        rb = &rn->blocks[b];

        if (series_tot(rb) != 0) {
            return -1;
        }

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            base[c] += rb->tot[c];
        }
    }

    return 0;
}


/* a cut on December 30 of year (ONESTOP_CUT_YEAR_LAST): the years
 * before it (base), its year's totals less its last day; blocks ny .. n - 1
 * are the years and the all-time block, from the first year from year on
 * (at) */

static int
series_year_less_last(onestop_run_t *rn, size_t at, size_t n, unsigned year,
    const int64_t *base, int64_t *p)
{
    size_t                 c;
    onestop_read_block_t  *rb;

    memcpy(p, base, ONESTOP_K_COUNT * sizeof(int64_t));

    if (at >= n || rn->blocks[at].month != year) {
        return 0;                   /* nothing that year */
    }

    rb = &rn->blocks[at];

    if (series_tot(rb) != 0) {      /* decoded once, whoever sums it */
        return -1;
    }

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        p[c] += rb->tot[c] - rb->last[c];
    }

    return 0;
}


/*
 * The prefix sums of one series (prefix: its months' key) at every cut,
 * as planned: its months through mcur, its years and all time through
 * ycur, which stands on the first (in key and val: read from there, not
 * sought) and is left on the key after them (in key and val): 0, or 1
 * when there is none; -1 on an error.
 */

int
onestop_series_prefix(onestop_run_t *rn, MDB_cursor *ycur, MDB_cursor *mcur,
    const uint8_t *prefix, size_t plen, MDB_val *key, MDB_val *val)
{
    int                   rc;
    uint8_t               yprefix[KEY_MAX];
    size_t                i, s, b, c, n, ny, at;
    MDB_val               mkey, mval;
    size_t               *from;
    int64_t               base[ONESTOP_K_COUNT], cum[ONESTOP_K_COUNT], *p;
    onestop_cut_month_t  *cm;
    onestop_year_span_t  *sp;

    for (i = 0; i < rn->cut0; i++) {
        memset(rn->prefix + i * ONESTOP_K_COUNT, 0,
               ONESTOP_K_COUNT * sizeof(int64_t));
    }

    /* the months of every span, then the years (their reading ends past
     * the series' years) */

    from = rn->from;

    n = 0;
    rc = 0;

    for (s = 0; s < rn->nspans; s++) {
        sp = &rn->spans[s];
        from[s] = n;

        if (sp->lo <= sp->hi) {
            rc = series_read(rn, mcur, prefix, plen, sp->lo, sp->hi, 0, &n,
                             &mkey, &mval);
            if (rc < 0) {
                goto done;
            }
        }
    }

    ny = n;
    memcpy(yprefix, prefix, plen);
    yprefix[0] = (uint8_t) ONESTOP_SERIES_YEARS((char) prefix[0]);
    rc = series_read(rn, ycur, yprefix, plen, ONESTOP_MONTH_YEARS,
                     ONESTOP_MONTH_ALL_TIME, 1, &n, key, val);

    if (rc < 0) {
        goto done;
    }

    for (s = 0; s < rn->nspans; s++) {
        sp = &rn->spans[s];

        /* the sum of the years before the span's */

        if (series_years_before(rn, ny, n, sp->year, base, &b) != 0) {
            rc = -1;
            goto done;
        }

        at = b;

        memcpy(cum, base, sizeof(cum));

        if (!sp->fwd) {
            /* the years up to the span's, less the months read */

            if (b < n && rn->blocks[b].month == sp->year) {
                if (series_tot(&rn->blocks[b]) != 0) {
                    rc = -1;
                    goto done;
                }

                for (c = 0; c < ONESTOP_K_COUNT; c++) {
                    cum[c] += rn->blocks[b].tot[c];
                }
            }

            for (b = from[s]; b < (s + 1 < rn->nspans ? from[s + 1] : ny);
                 b++)
            {
                for (c = 0; c < ONESTOP_K_COUNT; c++) {
                    cum[c] -= rn->blocks[b].tot[c];
                }
            }
        }

        b = from[s];

        for (i = sp->i; i < sp->j; i++) {
            p = rn->prefix + i * ONESTOP_K_COUNT;
            cm = &rn->cm[i];

            if (cm->b == sp->year * 12 && cm->d < 0) {
                memcpy(p, base, sizeof(base));
                continue;
            }

            if (cm->d == ONESTOP_CUT_YEAR_LAST) {
                if (series_year_less_last(rn, at, n, sp->year, base, p)
                    != 0)
                {
                    rc = -1;
                    goto done;
                }

                continue;
            }

            while (b < ny && rn->blocks[b].month < cm->b) {
                for (c = 0; c < ONESTOP_K_COUNT; c++) {
                    cum[c] += rn->blocks[b].tot[c];
                }
                b++;
            }

            memcpy(p, cum, sizeof(cum));

            if (cm->d >= 0 && b < ny && rn->blocks[b].month == cm->b
                && onestop_block_sum_of(rn->blocks[b].data,
                                        rn->blocks[b].size, (unsigned) cm->d,
                                        cm->need, p)
                   != 0)
            {
                rc = -1;
                goto done;
            }
        }
    }

done:

    return rc;
}
