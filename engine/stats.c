/*
 * The statistics query, run: figures for any period, grouping and filter
 * from the counters database (counters.c keeps it; onestop_stats.h says
 * why prefix sums of a few counters are enough).
 *
 * The idea that makes it fast: a query needs the prefix sums of a series
 * at a few days only (the cuts: each sub-period's from - 1, to - 1 and
 * to), which series.c reads from a few of the series' blocks, and only
 * the coarsest series that can answer it are read (an agency-by-channel
 * query never touches the cells).  The series' figures are then added up
 * into groups (a hash table of dimension values), sorted by their ids,
 * and handed to report.c or to the caller's visitor.
 *
 * It reads the store through its read transaction and catalog; it never
 * writes, and store.c calls nothing here.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* qsort_r */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_feedback.h"
#include "onestop_stats_int.h"
#include "onestop_store_int.h"


#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX
#define MONTH_TOTAL    ONESTOP_MONTH_ALL_TIME
#define DAYS           ONESTOP_MONTH_DAYS

typedef onestop_month_block_t  month_block_t;


static int
cut_index(onestop_run_t *rn, onestop_day_t day)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = rn->ncuts;

    while (lo < hi) {
        mid = (lo + hi) / 2;

        if (rn->cuts[mid] < day) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    return (int) lo;
}


static int
day_cmp(const void *a, const void *b)
{
    onestop_day_t  x = *(const onestop_day_t *) a;
    onestop_day_t  y = *(const onestop_day_t *) b;

    return x < y ? -1 : x > y;
}


static onestop_day_t
period_end(onestop_day_t from, int interval)
{
    int       y;
    unsigned  m, d;

    onestop_civil_from_days(from, &y, &m, &d);

    switch (interval) {
    case ONESTOP_IV_DAY:
        return from;
    case ONESTOP_IV_MONTH:
        m += 1;
        break;
    case ONESTOP_IV_QUARTER:
        m = (m - 1) / 3 * 3 + 4;
        break;
    default:
        m = 13;
    }

    if (m > 12) {
        y += 1;
        m -= 12;
    }

    return onestop_days_from_civil(y, m, 1) - 1;
}


/* the earliest received day in the store, from the province series */

static int
first_received(onestop_store_t *st, onestop_day_t *first)
{
    int             rc, found, c, j;
    uint8_t         k[ONESTOP_SERIES_PROVINCE_LEN + ONESTOP_SERIES_MONTH_LEN];
    unsigned        month, best;
    MDB_val         key, val;
    MDB_cursor     *cur;
    month_block_t   blk;

    found = 0;
    best = 0;

    rc = mdb_cursor_open(st->rtxn, st->counters, &cur);
    if (rc != 0) {
        return -1;
    }

    for (c = 0; c < ONESTOP_CH_COUNT; c++) {
        onestop_series_key(k, ONESTOP_SERIES_PROVINCE, 0, 0, (unsigned) c, 0);
        be16(k + ONESTOP_SERIES_PROVINCE_LEN, 0);
        key.mv_data = k;
        key.mv_size = sizeof(k);

        rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

        for ( ; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
            const uint8_t  *kp = key.mv_data;

            if (key.mv_size != sizeof(k) || kp[0] != ONESTOP_SERIES_PROVINCE
                || kp[1] != c)
            {
                break;
            }

            month = get_be16(kp + ONESTOP_SERIES_PROVINCE_LEN);

            if (month >= ONESTOP_MONTH_YEARS
                || onestop_block_decode(val.mv_data, val.mv_size,
                                        ONESTOP_BLOCK_MONTH, &blk) != 0)
            {
                break;
            }

            if (blk.tot[ONESTOP_K_RECEIVED] > 0) {
                for (j = 0; j < DAYS; j++) {
                    if (blk.day[ONESTOP_K_RECEIVED][j] > 0) {
                        break;
                    }
                }

                if (!found || onestop_month_first_day(month) + j
                              < (onestop_day_t) best)
                {
                    best = (unsigned) (onestop_month_first_day(month) + j);
                    found = 1;
                }

                break;
            }
        }
    }

    mdb_cursor_close(cur);

    if (found) {
        *first = (onestop_day_t) best;
    }

    return found;
}


/* grouping: a hash table of the groups' dimension values */

static uint32_t
group_hash(const uint32_t *dim)
{
    return (dim[0] * 2654435761u) ^ (dim[1] * 40503u) ^ (dim[2] * 97u);
}


onestop_group_t *
onestop_group_get(onestop_run_t *rn, const uint32_t *dim)
{
    uint32_t   h, i, *map, mask;
    onestop_group_t   *g;
    size_t     k;

    if ((rn->ngroups + 1) * 2 > (size_t) rn->gmask + 1 || rn->gmap == NULL) {
        mask = rn->gmap ? rn->gmask * 2 + 1 : 63;
        map = onestop_scratch_calloc(rn->mem, (size_t) mask + 1,
                                     sizeof(uint32_t));

        if (map == NULL) {
            return NULL;
        }

        for (k = 0; k < rn->ngroups; k++) {
            h = group_hash(rn->groups[k].dim) & mask;
            while (map[h]) {
                h = (h + 1) & mask;
            }
            map[h] = (uint32_t) k + 1;
        }

        rn->gmap = map;
        rn->gmask = mask;
    }

    h = group_hash(dim) & rn->gmask;

    while ((i = rn->gmap[h]) != 0) {
        g = &rn->groups[i - 1];

        if (memcmp(g->dim, dim, sizeof(g->dim)) == 0) {
            return g;
        }

        h = (h + 1) & rn->gmask;
    }

    if (rn->ngroups == rn->gcap) {
        g = onestop_scratch_grow(rn->mem, rn->groups,
                                 rn->gcap * sizeof(onestop_group_t),
                                 (rn->gcap ? rn->gcap * 2 : 16)
                                 * sizeof(onestop_group_t));

        if (g == NULL) {
            return NULL;
        }

        rn->groups = g;
        rn->gcap = rn->gcap ? rn->gcap * 2 : 16;
    }

    g = &rn->groups[rn->ngroups];
    memcpy(g->dim, dim, sizeof(g->dim));
    g->counts = onestop_scratch_calloc(rn->mem, rn->nperiods,
                                       sizeof(onestop_counts_t));

    if (g->counts == NULL) {
        return NULL;
    }

    rn->gmap[h] = (uint32_t) ++rn->ngroups;

    return g;
}


uint32_t
onestop_group_value(const onestop_run_t *rn, int dim, uint32_t agency,
    uint32_t procedure, unsigned channel, unsigned ret)
{
    const onestop_catalog_t  *cat = rn->cat;

    switch (dim) {
    case ONESTOP_DIM_AGENCY:
        return agency;
    case ONESTOP_DIM_TOP_AGENCY:
        return agency <= cat->nagencies ? cat->agencies[agency].top : 0;
    case ONESTOP_DIM_FIELD:
        return procedure <= cat->nprocedures
               ? cat->procedures[procedure].field : 0;
    case ONESTOP_DIM_PROCEDURE:
        return procedure;
    case ONESTOP_DIM_CHANNEL:
        return channel;
    case ONESTOP_DIM_LEVEL:
        return agency <= cat->nagencies ? cat->agencies[agency].level : 0;
    case ONESTOP_DIM_RETURN_CHANNEL:
        return ret;
    }

    return 0;
}


int
onestop_series_wanted(const onestop_run_t *rn, uint32_t agency,
    uint32_t procedure, unsigned channel, unsigned ret, char tag)
{
    const onestop_query_t    *q = rn->q;
    const onestop_catalog_t  *cat = rn->cat;

    if (q->channel >= 0 && (unsigned) q->channel != channel) {
        return 0;
    }

    if (tag == ONESTOP_SERIES_PROVINCE) {
        return 1;
    }

    if (tag == ONESTOP_SERIES_RETURN && q->return_channel >= 0
        && (unsigned) q->return_channel != ret)
    {
        return 0;
    }

    if (agency == 0 || agency > cat->nagencies) {
        return 0;
    }

    if ((q->f.agency && agency != q->f.agency)
        || (q->f.under && !onestop_catalog_under(cat, agency, q->f.under))
        || (q->level && cat->agencies[agency].level != q->level))
    {
        return 0;
    }

    if (tag != ONESTOP_SERIES_CELL) {
        return 1;
    }

    if (procedure == 0 || procedure > cat->nprocedures) {
        return 0;
    }

    if ((q->f.procedure && procedure != q->f.procedure)
        || (q->f.field && cat->procedures[procedure].field != q->f.field))
    {
        return 0;
    }

    return 1;
}


static int
group_cmp(const void *a, const void *b, void *arg)
{
    onestop_run_t  *sort_run = arg;

    int                  i, c;
    size_t               n;
    onestop_str_t        ta, tb;
    const onestop_group_t       *x = a, *y = b;
    const onestop_str_t *sa, *sb;

    for (i = 0; i < sort_run->q->ngroup; i++) {
        sa = onestop_dim_id(sort_run->cat, sort_run->q->group[i], x->dim[i],
                            &ta);
        sb = onestop_dim_id(sort_run->cat, sort_run->q->group[i], y->dim[i],
                            &tb);
        n = sa->len < sb->len ? sa->len : sb->len;
        c = memcmp(sa->data, sb->data, n);

        if (c == 0) {
            c = sa->len < sb->len ? -1 : sa->len > sb->len;
        }

        if (c != 0) {
            return c;
        }
    }

    return 0;
}


void
onestop_groups_sort(onestop_run_t *rn)
{
    if (rn->ngroups > 1) {
        qsort_r(rn->groups, rn->ngroups, sizeof(onestop_group_t), group_cmp,
                rn);
    }
}


void
onestop_run_init(onestop_run_t *rn, onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today)
{
    memset(rn, 0, sizeof(onestop_run_t));
    rn->st = st;
    rn->q = q;
    rn->today = today;
    rn->cat = onestop_store_catalog(st);
    rn->mem = &st->scratch;
    rn->mark = onestop_scratch_mark(rn->mem);
}


void
onestop_run_free(onestop_run_t *rn)
{
    onestop_scratch_release(rn->mem, rn->mark);
    rn->groups = NULL;
    rn->ngroups = 0;
}


long
onestop_store_prewarm(onestop_store_t *st, onestop_buf_t *out)
{
    int               rc;
    long              n;
    size_t            t;
    uint8_t           seek[1];
    MDB_val           key, val;
    MDB_cursor       *cur;
    onestop_query_t   q;

    static const char  tags[] = {
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL,
        ONESTOP_SERIES_RETURN
    };

    if (onestop_store_catalog(st) == NULL
        || mdb_cursor_open(st->rtxn, st->counters, &cur) != 0)
    {
        return -1;
    }

    n = 0;
    rc = 0;

    for (t = 0; t < sizeof(tags) && rc == 0; t++) {
        seek[0] = (uint8_t) ONESTOP_SERIES_YEARS(tags[t]);
        key.mv_data = seek;
        key.mv_size = 1;

        /* the walk maps each leaf (a block, some dozens of bytes, is in
         * its leaf) and the branches above it */

        for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
             rc == 0 && *(const uint8_t *) key.mv_data == seek[0];
             rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
        {
            n++;
        }

        rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
    }

    mdb_cursor_close(cur);

    if (rc != 0) {
        return -1;
    }

    /* this year by agency, as the portal and the dashboard ask */

    memset(&q, 0, sizeof(q));
    q.channel = -1;
    q.return_channel = -1;
    q.period = 4;
    q.group[0] = ONESTOP_DIM_AGENCY;
    q.ngroup = 1;

    rc = onestop_store_stats(st, &q, onestop_today(st->offset), out);

    return rc == 0 ? n : -1;
}


int
onestop_store_stats(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out)
{
    int                       rc, d, result;
    char                      tag;
    size_t                    i, n, plen, k, a, nlist;
    uint8_t                   prefix[KEY_MAX], seek[KEY_MAX];
    uint32_t                  agency, procedure, dim[3], *list;
    unsigned                  channel, ret;
    MDB_val                   key, val;
    MDB_cursor               *cur, *mcur;
    onestop_day_t             first, from, to, y0;
    onestop_counts_t         *totals, c;
    onestop_group_t                  *g;
    onestop_run_t                     rn;

    if (!st->reading) {
        return -2;
    }

    if (q->subject) {
        /* questions and complaints (Điều 13): their own counters */
        return onestop_feedback_stats(st, q, today, out);
    }

    if (q->published) {
        /* the figures of closed months as frozen (issue 18) */
        return onestop_published_stats(st, q, today, out);
    }

    onestop_run_init(&rn, st, q, today);
    list = NULL;

    if (rn.cat == NULL) {
        return -2;
    }

    /* the period */

    rc = first_received(st, &first);

    if (rc < 0) {
        return -2;
    }

    if (rc == 0) {
        first = today;
    }

    if (onestop_query_settle(q, first, today, &from, &to) != 0) {
        return -1;
    }



    /* sub-periods and the days whose prefix sums they need */

    n = 1;

    if (q->interval) {
        n = 0;
        for (y0 = from; y0 <= to; y0 = period_end(y0, q->interval) + 1) {
            n++;
        }

        if (n > 20000) {
            snprintf(q->error, sizeof(q->error),
                     "too many sub-periods: choose a longer interval");
            return -1;
        }
    }

    rn.nperiods = n;
    rn.pfrom = onestop_scratch_alloc(rn.mem, n * sizeof(onestop_day_t));
    rn.pto = onestop_scratch_alloc(rn.mem, n * sizeof(onestop_day_t));
    rn.pcut = onestop_scratch_alloc(rn.mem, 3 * n * sizeof(size_t));
    rn.cuts = onestop_scratch_alloc(rn.mem, 3 * n * sizeof(onestop_day_t));
    totals = onestop_scratch_calloc(rn.mem, n, sizeof(onestop_counts_t));
    result = -2;

    if (rn.pfrom == NULL || rn.pto == NULL || rn.pcut == NULL
        || rn.cuts == NULL || totals == NULL)
    {
        goto done;
    }

    y0 = from;

    for (i = 0; i < n; i++) {
        rn.pfrom[i] = y0;
        rn.pto[i] = q->interval ? period_end(y0, q->interval) : to;

        if (rn.pto[i] > to) {
            rn.pto[i] = to;
        }

        y0 = rn.pto[i] + 1;
        rn.cuts[3 * i] = rn.pfrom[i] - 1;
        rn.cuts[3 * i + 1] = rn.pto[i] - 1;
        rn.cuts[3 * i + 2] = rn.pto[i];
    }

    qsort(rn.cuts, 3 * n, sizeof(onestop_day_t), day_cmp);

    for (i = 0, k = 0; i < 3 * n; i++) {
        if (k == 0 || rn.cuts[k - 1] != rn.cuts[i]) {
            rn.cuts[k++] = rn.cuts[i];
        }
    }

    rn.ncuts = k;

    for (i = 0; i < n; i++) {
        rn.pcut[3 * i] = (size_t) cut_index(&rn, rn.pfrom[i] - 1);
        rn.pcut[3 * i + 1] = (size_t) cut_index(&rn, rn.pto[i] - 1);
        rn.pcut[3 * i + 2] = (size_t) cut_index(&rn, rn.pto[i]);
    }

    rn.prefix = onestop_scratch_alloc(rn.mem, rn.ncuts * ONESTOP_K_COUNT
                                              * sizeof(int64_t));

    if (rn.prefix == NULL || onestop_series_plan(&rn) != 0) {
        goto done;
    }

    /* the coarsest series that answers */

    tag = ONESTOP_SERIES_PROVINCE;

    for (i = 0; i < (size_t) q->ngroup; i++) {
        d = q->group[i];

        if (d == ONESTOP_DIM_FIELD || d == ONESTOP_DIM_PROCEDURE) {
            tag = ONESTOP_SERIES_CELL;
        } else if (d != ONESTOP_DIM_CHANNEL
                   && tag == ONESTOP_SERIES_PROVINCE)
        {
            tag = ONESTOP_SERIES_AGENCY;
        }
    }

    if (q->f.field || q->f.procedure) {
        tag = ONESTOP_SERIES_CELL;
    } else if ((q->f.agency || q->f.under || q->level)
               && tag == ONESTOP_SERIES_PROVINCE)
    {
        tag = ONESTOP_SERIES_AGENCY;
    }

    /* by return channel: the 'R' series, by agency (the query refuses
     * field and procedure with it) */

    for (i = 0; i < (size_t) q->ngroup; i++) {
        if (q->group[i] == ONESTOP_DIM_RETURN_CHANNEL) {
            tag = ONESTOP_SERIES_RETURN;
        }
    }

    if (q->return_channel >= 0) {
        tag = ONESTOP_SERIES_RETURN;
    }

    /* two cursors: the series' years, side by side, and their months */

    if (mdb_cursor_open(st->rtxn, st->counters, &cur) != 0) {
        goto done;
    }

    if (mdb_cursor_open(st->rtxn, st->counters, &mcur) != 0) {
        mdb_cursor_close(cur);
        goto done;
    }

    /* every series of the tag, or only those of the agencies the query
     * keeps (one, or one and those under it): a seek each; in the key
     * range of their years */

    seek[0] = (uint8_t) ONESTOP_SERIES_YEARS(tag);
    plen = 1;
    nlist = 0;

    if (tag != ONESTOP_SERIES_PROVINCE && (q->f.agency || q->f.under)) {
        list = onestop_scratch_alloc(rn.mem, (rn.cat->nagencies + 1)
                                             * sizeof(uint32_t));

        if (list == NULL) {
            mdb_cursor_close(mcur);
            mdb_cursor_close(cur);
            goto done;
        }

        for (agency = 1; agency <= rn.cat->nagencies; agency++) {
            if ((q->f.agency == 0 || agency == q->f.agency)
                && (q->f.under == 0
                    || onestop_catalog_under(rn.cat, agency, q->f.under)))
            {
                list[nlist++] = agency;
            }
        }

        plen = 5;
    }

    rc = 0;

    for (a = 0; list == NULL ? a < 1 : a < nlist; a++) {
        if (list != NULL) {
            be32(seek + 1, list[a]);
        }

        key.mv_data = seek;
        key.mv_size = plen;
        rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

        while (rc == 0) {
            const uint8_t  *kp = key.mv_data;
            size_t          slen;

            slen = onestop_series_len(tag);

            if (key.mv_size != slen + ONESTOP_SERIES_MONTH_LEN
                || memcmp(kp, seek, plen) != 0)
            {
                break;
            }

            memcpy(prefix, kp, slen);
            prefix[0] = (uint8_t) tag;          /* the months' key */
            agency = tag == ONESTOP_SERIES_PROVINCE ? 0 : get_be32(kp + 1);
            procedure = tag == ONESTOP_SERIES_CELL ? get_be32(kp + 5) : 0;
            ret = tag == ONESTOP_SERIES_RETURN ? kp[5] : 0;
            channel = kp[slen - 1];

            if (onestop_series_wanted(&rn, agency, procedure, channel, ret,
                                      tag))
            {
                rc = onestop_series_prefix(&rn, cur, mcur, prefix, slen, &key,
                                           &val);

                if (rc < 0) {
                    mdb_cursor_close(mcur);
                    mdb_cursor_close(cur);
                    goto done;
                }

                rc = rc == 0 ? 0 : MDB_NOTFOUND;

                dim[0] = dim[1] = dim[2] = 0;

                for (i = 0; i < (size_t) q->ngroup; i++) {
                    dim[i] = onestop_group_value(&rn, q->group[i], agency,
                                                 procedure, channel, ret);
                }

                g = q->ngroup ? onestop_group_get(&rn, dim) : NULL;

                if (q->ngroup && g == NULL) {
                    mdb_cursor_close(mcur);
                    mdb_cursor_close(cur);
                    goto done;
                }

                for (i = 0; i < n; i++) {
                    onestop_counts_from_prefix(&c, channel,
                        rn.prefix + rn.pcut[3 * i] * ONESTOP_K_COUNT,
                        rn.prefix + rn.pcut[3 * i + 1] * ONESTOP_K_COUNT,
                        rn.prefix + rn.pcut[3 * i + 2] * ONESTOP_K_COUNT);

                    onestop_counts_add(&totals[i], &c);

                    if (g != NULL) {
                        onestop_counts_add(&g->counts[i], &c);
                    }
                }

                continue;           /* the cursor is past the series */
            }

            /* on to the next series: past this one's total */

            prefix[0] = seek[0];
            be16(prefix + slen, MONTH_TOTAL);
            key.mv_data = prefix;
            key.mv_size = slen + ONESTOP_SERIES_MONTH_LEN;
            rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

            if (rc == 0 && key.mv_size == slen + ONESTOP_SERIES_MONTH_LEN
                && memcmp(key.mv_data, prefix, key.mv_size) == 0)
            {
                rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
            }
        }

        if (rc != 0 && rc != MDB_NOTFOUND) {
            break;
        }
    }

    mdb_cursor_close(mcur);
    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        goto done;
    }

    /* empty groups out, the rest in order */

    for (i = 0, k = 0; i < rn.ngroups; i++) {
        if (onestop_counts_zero(&rn.groups[i].counts[0])) {
            continue;
        }

        rn.groups[k++] = rn.groups[i];
    }

    rn.ngroups = k;

    onestop_groups_sort(&rn);

    if (q->visit != NULL) {
        q->visit(q->visit_ctx, NULL, &totals[0]);

        for (k = 0; k < rn.ngroups; k++) {
            q->visit(q->visit_ctx, rn.groups[k].dim, &rn.groups[k].counts[0]);
        }

        result = 0;

    } else {
        onestop_report_stats(&rn, totals, out);
        result = out->failed ? -2 : 0;
    }

done:

    onestop_run_free(&rn);

    return result;
}


/* an agency's figures for the change feed */

static void
visit_totals(void *ctx, const uint32_t *dim, const onestop_counts_t *c)
{
    if (dim == NULL) {
        *(onestop_counts_t *) ctx = *c;
    }
}


int
onestop_store_agency_counts(onestop_store_t *st, uint32_t agency,
    onestop_day_t today, onestop_counts_t *all, onestop_counts_t *year)
{
    int             y, p;
    unsigned        m, d;
    onestop_buf_t   none;
    onestop_query_t q;

    memset(&none, 0, sizeof(none));
    onestop_civil_from_days(today, &y, &m, &d);

    for (p = 0; p < 2; p++) {
        memset(&q, 0, sizeof(q));
        q.channel = -1;
        q.return_channel = -1;
        q.f.under = agency;
        q.period = p == 0 ? 5 : 4;          /* all, year */
        q.visit = visit_totals;
        q.visit_ctx = p == 0 ? all : year;

        if (onestop_store_stats(st, &q, today, &none) != 0) {
            onestop_buf_free(&none);
            return -1;
        }
    }

    onestop_buf_free(&none);
    return 0;
}
