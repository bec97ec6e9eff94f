/*
 * The counters database and the statistics query.
 *
 * Counters are kept per series - the province by channel ('P'), an agency
 * by channel ('A'), a cell: agency, procedure, channel ('C') - as one
 * block per month (the nine counters' month totals and their 31 days) and
 * one block of all-time totals after the months.  The prefix sum at a day
 * is then the total, less the months after the day's month, less the days
 * after it within its month: a query reads, per series, only the months
 * from its earliest day to now, and the coarsest series that can answer
 * it (an agency-by-channel query never touches the cells).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* qsort_r */
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_store_int.h"


#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX
#define MONTH_TOTAL    ONESTOP_MONTH_ALL_TIME
#define DAYS           ONESTOP_MONTH_DAYS

typedef onestop_month_block_t  month_block_t;


/* the query's arguments */

static int
arg_is(const onestop_arg_t *a, const char *name)
{
    return a->key.len == strlen(name)
           && memcmp(a->key.data, name, a->key.len) == 0;
}


static int
val_is(const onestop_str_t *v, const char *s)
{
    return v->len == strlen(s) && memcmp(v->data, s, v->len) == 0;
}


static int
parse_dim(const char *s, size_t len)
{
    static const char  *dims[] = {
        "agency", "top_agency", "field", "procedure", "channel", "level"
    };
    int                 i;

    for (i = 0; i < 6; i++) {
        if (strlen(dims[i]) == len && memcmp(dims[i], s, len) == 0) {
            return i + 1;
        }
    }

    return 0;
}


/* the arguments both queries share: dates and the catalog filters */

/* 1: the argument was one of them; 0: not; -1: a bad value (error) */

static int
parse_common(const onestop_arg_t *a, const onestop_catalog_t *cat,
    onestop_filter_t *f, char *error, size_t errlen)
{
    uint32_t              id;
    onestop_day_t         day;
    const onestop_str_t  *v;
    char                  shown[ONESTOP_ARGS_SHOWN];

    v = &a->value;

    if (arg_is(a, "from") || arg_is(a, "to")) {
        if (onestop_day_parse(v->data, v->len, &day) != 0) {
            snprintf(error, errlen,
                     "%s must be a date YYYY-MM-DD (1990-2100)",
                     a->key.data[0] == 'f' ? "from" : "to");
            return -1;
        }

        if (a->key.data[0] == 'f') {
            f->from = day;
            f->has_from = 1;
        } else {
            f->to = day;
            f->has_to = 1;
        }

        return 1;
    }

    if (arg_is(a, "agency") || arg_is(a, "under")) {
        id = onestop_catalog_agency(cat, v->data, v->len);

        if (id == 0) {
            snprintf(error, errlen,
                     "%s: no agency \"%s\" in the catalog",
                     a->key.data[0] == 'a' ? "agency" : "under",
                     onestop_args_quote(v, shown));
            return -1;
        }

        *(a->key.data[0] == 'a' ? &f->agency : &f->under) = id;
        return 1;
    }

    if (arg_is(a, "field")) {
        f->field = onestop_catalog_field(cat, v->data, v->len);

        if (f->field == 0) {
            snprintf(error, errlen,
                     "field: no field \"%s\" in the catalog",
                     onestop_args_quote(v, shown));
            return -1;
        }

        return 1;
    }

    if (arg_is(a, "procedure")) {
        f->procedure = onestop_catalog_procedure(cat, v->data, v->len);

        if (f->procedure == 0) {
            snprintf(error, errlen,
                     "procedure: no procedure \"%s\" in the catalog",
                     onestop_args_quote(v, shown));
            return -1;
        }

        return 1;
    }

    return 0;
}


int
onestop_query_parse(onestop_query_t *q, const onestop_catalog_t *cat,
    const onestop_arg_t *args, size_t nargs)
{
    int                   d, j;
    size_t                i, start, k;
    const onestop_arg_t  *a;
    const onestop_str_t  *v;

    static const char  *periods[] = { "today", "month", "quarter", "year",
                                      "all" };
    static const char  *intervals[] = { "day", "month", "quarter", "year" };
    static const char  *const names[] = {
        "from", "to", "agency", "under", "field", "procedure", "period",
        "interval", "group", "channel", "level", "format", NULL
    };

    memset(q, 0, sizeof(onestop_query_t));
    q->channel = -1;

    if (onestop_args_once(args, nargs, names, q->error, sizeof(q->error))
        != 0)
    {
        return -1;
    }

    for (i = 0; i < nargs; i++) {
        a = &args[i];
        v = &a->value;

        d = parse_common(a, cat, &q->f, q->error, sizeof(q->error));

        if (d < 0) {
            return -1;
        }

        if (d > 0) {
            continue;
        }

        if (arg_is(a, "period")) {
            for (j = 0; j < 5; j++) {
                if (val_is(v, periods[j])) {
                    q->period = j + 1;
                }
            }

            if (q->period == 0) {
                snprintf(q->error, sizeof(q->error),
                         "period must be today, month, quarter, year or all");
                return -1;
            }

        } else if (arg_is(a, "interval")) {
            for (j = 0; j < 4; j++) {
                if (val_is(v, intervals[j])) {
                    q->interval = j + 1;
                }
            }

            if (q->interval == 0) {
                snprintf(q->error, sizeof(q->error),
                         "interval must be day, month, quarter or year");
                return -1;
            }

        } else if (arg_is(a, "group")) {
            q->ngroup = 0;
            start = 0;

            for (k = 0; k <= v->len; k++) {
                if (k < v->len && v->data[k] != ',') {
                    continue;
                }

                d = parse_dim(v->data + start, k - start);

                if (d == 0 || q->ngroup == 3) {
                    snprintf(q->error, sizeof(q->error),
                             "group is up to three of agency, top_agency, "
                             "field, procedure, channel, level");
                    return -1;
                }

                for (j = 0; j < q->ngroup; j++) {
                    if (q->group[j] == d) {
                        snprintf(q->error, sizeof(q->error),
                                 "group names a dimension twice");
                        return -1;
                    }
                }

                q->group[q->ngroup++] = d;
                start = k + 1;
            }

        } else if (arg_is(a, "channel")) {
            q->channel = onestop_channel_parse(v->data, v->len);

            if (q->channel < 0) {
                snprintf(q->error, sizeof(q->error),
                         "channel must be direct, online or postal");
                return -1;
            }

        } else if (arg_is(a, "level")) {
            q->level = onestop_level_parse(v->data, v->len);

            if (q->level < 0) {
                q->level = 0;
                snprintf(q->error, sizeof(q->error),
                         "level must be province, district or commune");
                return -1;
            }

        } else if (arg_is(a, "format")) {
            if (val_is(v, "csv")) {
                q->csv = 1;

            } else if (!val_is(v, "json")) {
                snprintf(q->error, sizeof(q->error),
                         "format must be json or csv");
                return -1;
            }
        }
    }

    if (q->period && (q->f.has_from || q->f.has_to)) {
        snprintf(q->error, sizeof(q->error),
                 "period cannot be combined with from or to");
        return -1;
    }

    if (q->interval && q->ngroup) {
        snprintf(q->error, sizeof(q->error),
                 "interval cannot be combined with group");
        return -1;
    }

    return 0;
}


/* running a query */

typedef struct {
    const uint8_t          *data;       /* in the map */
    size_t                  size;
    unsigned                month;
    int64_t                 tot[ONESTOP_K_COUNT];
} read_block_t;

typedef struct {
    uint32_t          dim[3];
    onestop_counts_t *counts;           /* one per sub-period */
} group_t;

typedef struct {
    onestop_store_t        *st;
    const onestop_catalog_t *cat;
    onestop_query_t        *q;
    onestop_day_t           today;
    onestop_day_t          *cuts;
    size_t                  ncuts;
    onestop_day_t          *pfrom;      /* sub-periods */
    onestop_day_t          *pto;
    size_t                 *pcut;       /* 3 cut indices per sub-period */
    size_t                  nperiods;
    int64_t                *prefix;     /* ncuts x ONESTOP_K_COUNT */
    read_block_t           *blocks;     /* a series' month blocks read */
    size_t                  bcap;
    group_t                *groups;
    size_t                  ngroups;
    size_t                  gcap;
    uint32_t               *gmap;
    uint32_t                gmask;
} run_t;


static int
cut_index(run_t *rn, onestop_day_t day)
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
    uint8_t         k[4];
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
        onestop_series_key(k, 'P', 0, 0, (unsigned) c);
        be16(k + 2, 0);
        key.mv_data = k;
        key.mv_size = 4;

        rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

        for ( ; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
            const uint8_t  *kp = key.mv_data;

            if (key.mv_size != 4 || kp[0] != 'P' || kp[1] != c) {
                break;
            }

            month = (unsigned) kp[2] << 8 | kp[3];

            if (month == MONTH_TOTAL
                || onestop_block_decode(val.mv_data, val.mv_size, 0, &blk) != 0)
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


/*
 * The prefix sums of one series at every cut.  A cut before the series'
 * first month sees nothing.  For the others there are two ways, and the
 * one that reads fewer month blocks is taken: forwards from the series'
 * first month up to the last cut's month (the months before a cut add up
 * to its prefix), or backwards from the first cut's month to the all-time
 * block (the total less the months after the cut).  An all-time query
 * reads only the months from today on; one year long ago reads only the
 * months up to it.
 */

static int
series_prefix(run_t *rn, MDB_cursor *cur, const uint8_t *prefix,
    size_t plen, unsigned first)
{
    int             rc, forward, have_total;
    size_t          n, i, c, b, lo;
    uint8_t         k[KEY_MAX];
    unsigned        m0, mhi, mend, month, mday;
    int64_t         cum[ONESTOP_K_COUNT], *p;
    int64_t         total[ONESTOP_K_COUNT];
    MDB_val         key, val;
    read_block_t   *rb;
    month_block_t   blk;
    onestop_day_t   day0, x;

    day0 = onestop_days_from_civil(1990, 1, 1);

    /* the cuts before the series' first month (or before 1990) */

    for (lo = 0; lo < rn->ncuts; lo++) {
        x = rn->cuts[lo];

        if (x >= day0 && (first == MONTH_TOTAL || onestop_month_of(x, NULL) >= first))
        {
            break;
        }

        memset(rn->prefix + lo * ONESTOP_K_COUNT, 0,
               ONESTOP_K_COUNT * sizeof(int64_t));
    }

    if (lo == rn->ncuts || first == MONTH_TOTAL) {
        /* every cut before the first event, or no months at all */
        for ( ; lo < rn->ncuts; lo++) {
            memset(rn->prefix + lo * ONESTOP_K_COUNT, 0,
                   ONESTOP_K_COUNT * sizeof(int64_t));
        }

        return 0;
    }

    m0 = onestop_month_of(rn->cuts[lo], NULL);
    mhi = onestop_month_of(rn->cuts[rn->ncuts - 1], NULL);

    /* the series ends about today (due dates run a little later) */
    mend = onestop_month_of(rn->today, NULL) + 2;
    mend = mend > mhi ? mend : mhi + 1;

    forward = mhi - first < mend - m0;

    memcpy(k, prefix, plen);
    be16(k + plen, forward ? first : m0);
    key.mv_data = k;
    key.mv_size = plen + 2;

    n = 0;
    have_total = 0;

    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

    for ( ; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (key.mv_size != plen + 2 || memcmp(key.mv_data, prefix, plen) != 0)
        {
            break;
        }

        month = (unsigned) ((const uint8_t *) key.mv_data)[plen] << 8
                | ((const uint8_t *) key.mv_data)[plen + 1];

        if (forward && month > mhi) {
            break;
        }

        if (month == MONTH_TOTAL) {
            if (onestop_block_decode(val.mv_data, val.mv_size, 1, &blk) != 0) {
                return -1;
            }
            memcpy(total, blk.tot, sizeof(total));
            have_total = 1;
            break;
        }

        if (n == rn->bcap) {
            rb = realloc(rn->blocks, (rn->bcap ? rn->bcap * 2 : 64)
                                     * sizeof(read_block_t));
            if (rb == NULL) {
                return -1;
            }

            rn->blocks = rb;
            rn->bcap = rn->bcap ? rn->bcap * 2 : 64;
        }

        rb = &rn->blocks[n];

        if (onestop_block_totals(val.mv_data, val.mv_size, rb->tot) != 0) {
            return -1;
        }

        rb->data = val.mv_data;
        rb->size = val.mv_size;
        rb->month = month;
        n++;
    }

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return -1;
    }

    /* what the months before the first block read add up to: nothing
     * forwards; backwards, the total less the months read */

    if (!forward && !have_total) {
        /* no all-time block: no figures at all in this series */
        n = 0;
    }

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        cum[c] = 0;

        if (!forward && have_total) {
            cum[c] = total[c];

            for (b = 0; b < n; b++) {
                cum[c] -= rn->blocks[b].tot[c];
            }
        }
    }

    b = 0;

    for (i = lo; i < rn->ncuts; i++) {
        p = rn->prefix + i * ONESTOP_K_COUNT;
        month = onestop_month_of(rn->cuts[i], &mday);

        /* the whole months before the cut's month */
        while (b < n && rn->blocks[b].month < month) {
            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                cum[c] += rn->blocks[b].tot[c];
            }
            b++;
        }

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            p[c] = cum[c];
        }

        if (b < n && rn->blocks[b].month == month
            && onestop_block_sum(rn->blocks[b].data, rn->blocks[b].size, mday, p)
               != 0)
        {
            return -1;
        }
    }

    return 0;
}


static uint32_t
group_hash(const uint32_t *dim)
{
    return (dim[0] * 2654435761u) ^ (dim[1] * 40503u) ^ (dim[2] * 97u);
}


static group_t *
group_get(run_t *rn, const uint32_t *dim)
{
    uint32_t   h, i, *map, mask;
    group_t   *g;
    size_t     k;

    if ((rn->ngroups + 1) * 2 > (size_t) rn->gmask + 1 || rn->gmap == NULL) {
        mask = rn->gmap ? rn->gmask * 2 + 1 : 63;
        map = calloc((size_t) mask + 1, sizeof(uint32_t));

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

        free(rn->gmap);
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
        rn->gcap = rn->gcap ? rn->gcap * 2 : 16;
        g = realloc(rn->groups, rn->gcap * sizeof(group_t));

        if (g == NULL) {
            return NULL;
        }

        rn->groups = g;
    }

    g = &rn->groups[rn->ngroups];
    memcpy(g->dim, dim, sizeof(g->dim));
    g->counts = calloc(rn->nperiods, sizeof(onestop_counts_t));

    if (g->counts == NULL) {
        return NULL;
    }

    rn->gmap[h] = (uint32_t) ++rn->ngroups;

    return g;
}


static uint32_t
dim_value(const run_t *rn, int dim, uint32_t agency, uint32_t procedure,
    unsigned channel)
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
    }

    return 0;
}


static int
series_wanted(const run_t *rn, uint32_t agency, uint32_t procedure,
    unsigned channel, char tag)
{
    const onestop_query_t    *q = rn->q;
    const onestop_catalog_t  *cat = rn->cat;

    if (q->channel >= 0 && (unsigned) q->channel != channel) {
        return 0;
    }

    if (tag == 'P') {
        return 1;
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

    if (tag == 'A') {
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


static const onestop_str_t *
dim_id(const run_t *rn, int dim, uint32_t v, onestop_str_t *tmp)
{
    const onestop_catalog_t  *cat = rn->cat;
    const char               *s;

    switch (dim) {
    case ONESTOP_DIM_AGENCY:
    case ONESTOP_DIM_TOP_AGENCY:
        return &cat->agencies[v].id;
    case ONESTOP_DIM_FIELD:
        return &cat->fields[v].id;
    case ONESTOP_DIM_PROCEDURE:
        return &cat->procedures[v].id;
    case ONESTOP_DIM_CHANNEL:
        s = onestop_channel_name(v);
        break;
    default:
        s = onestop_level_name(v);
    }

    tmp->data = s;
    tmp->len = strlen(s);
    return tmp;
}


static const onestop_str_t *
dim_name(const run_t *rn, int dim, uint32_t v)
{
    const onestop_catalog_t  *cat = rn->cat;

    switch (dim) {
    case ONESTOP_DIM_AGENCY:
    case ONESTOP_DIM_TOP_AGENCY:
        return &cat->agencies[v].name;
    case ONESTOP_DIM_FIELD:
        return &cat->fields[v].name;
    case ONESTOP_DIM_PROCEDURE:
        return &cat->procedures[v].name;
    }

    return NULL;
}


static const char *
dim_word(int dim)
{
    static const char  *words[] = {
        "", "agency", "top_agency", "field", "procedure", "channel", "level"
    };

    return words[dim];
}


static int
group_cmp(const void *a, const void *b, void *arg)
{
    run_t  *sort_run = arg;

    int                  i, c;
    size_t               n;
    onestop_str_t        ta, tb;
    const group_t       *x = a, *y = b;
    const onestop_str_t *sa, *sb;

    for (i = 0; i < sort_run->q->ngroup; i++) {
        sa = dim_id(sort_run, sort_run->q->group[i], x->dim[i], &ta);
        sb = dim_id(sort_run, sort_run->q->group[i], y->dim[i], &tb);
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


static void
gen_print(void *ctx, const char *s, size_t len)
{
    onestop_buf_add(ctx, s, len);
}


static void
fmt_rate(char *buf, size_t size, double v)
{
    int  prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);

        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}


typedef struct {
    const char  *name;
    int64_t      value;
} counter_t;


static size_t
counters_list(const onestop_counts_t *c, counter_t *out, double *rr,
    double *otr, int *has_rr, int *has_otr)
{
    size_t   n;
    int64_t  resolved, in_time, denom;

    resolved = c->resolved_early + c->resolved_on_time + c->resolved_late;
    in_time = c->resolved_early + c->resolved_on_time;
    denom = c->carried_over + c->received;

    n = 0;
    out[n++] = (counter_t) { "carried_over", c->carried_over };
    out[n++] = (counter_t) { "received", c->received };
    out[n++] = (counter_t) { "received_online",
                             c->received_channel[ONESTOP_CH_ONLINE] };
    out[n++] = (counter_t) { "received_direct",
                             c->received_channel[ONESTOP_CH_DIRECT] };
    out[n++] = (counter_t) { "received_postal",
                             c->received_channel[ONESTOP_CH_POSTAL] };
    out[n++] = (counter_t) { "resolved", resolved };
    out[n++] = (counter_t) { "resolved_early", c->resolved_early };
    out[n++] = (counter_t) { "resolved_on_time", c->resolved_on_time };
    out[n++] = (counter_t) { "resolved_late", c->resolved_late };
    out[n++] = (counter_t) { "resolved_in_time", in_time };
    out[n++] = (counter_t) { "withdrawn", c->withdrawn };
    out[n++] = (counter_t) { "returned_postal", c->returned_postal };
    out[n++] = (counter_t) { "pending", c->pending };
    out[n++] = (counter_t) { "pending_not_due",
                             c->pending - c->pending_overdue };
    out[n++] = (counter_t) { "pending_overdue", c->pending_overdue };

    *has_rr = denom != 0;
    *rr = denom ? (double) resolved / (double) denom : 0;
    *has_otr = resolved != 0;
    *otr = resolved ? (double) in_time / (double) resolved : 0;

    return n;
}


void
onestop_counts_render(yajl_gen g, const onestop_counts_t *c)
{
    int        has_rr, has_otr;
    char       num[40];
    size_t     i, n;
    double     rr, otr;
    counter_t  list[16];

    n = counters_list(c, list, &rr, &otr, &has_rr, &has_otr);

    for (i = 0; i < n; i++) {
        onestop_gen_cstr(g, list[i].name);
        yajl_gen_integer(g, (long long) list[i].value);
    }

    onestop_gen_cstr(g, "resolution_rate");

    if (has_rr) {
        fmt_rate(num, sizeof(num), rr);
        yajl_gen_number(g, num, strlen(num));
    } else {
        yajl_gen_null(g);
    }

    onestop_gen_cstr(g, "on_time_rate");

    if (has_otr) {
        fmt_rate(num, sizeof(num), otr);
        yajl_gen_number(g, num, strlen(num));
    } else {
        yajl_gen_null(g);
    }
}


static void
csv_counters(onestop_buf_t *b, const onestop_counts_t *c)
{
    int        has_rr, has_otr;
    char       num[40];
    size_t     i, n;
    double     rr, otr;
    counter_t  list[16];

    n = counters_list(c, list, &rr, &otr, &has_rr, &has_otr);

    for (i = 0; i < n; i++) {
        onestop_buf_printf(b, "%s%lld", i ? "," : "",
                           (long long) list[i].value);
    }

    onestop_buf_add(b, ",", 1);

    if (has_rr) {
        fmt_rate(num, sizeof(num), rr);
        onestop_buf_adds(b, num);
    }

    onestop_buf_add(b, ",", 1);

    if (has_otr) {
        fmt_rate(num, sizeof(num), otr);
        onestop_buf_adds(b, num);
    }

    onestop_buf_add(b, "\r\n", 2);
}


static void
csv_header(onestop_buf_t *b, const onestop_query_t *q)
{
    int        i, has_rr, has_otr;
    size_t     n;
    double     rr, otr;
    counter_t  list[16];
    onestop_counts_t  zero;

    onestop_buf_add(b, "\xef\xbb\xbf", 3);

    if (q->interval) {
        onestop_buf_adds(b, "from,to,");
    }

    for (i = 0; i < q->ngroup; i++) {
        onestop_buf_printf(b, "%s,", dim_word(q->group[i]));

        if (q->group[i] <= ONESTOP_DIM_PROCEDURE) {
            onestop_buf_printf(b, "%s_name,", dim_word(q->group[i]));
        }
    }

    memset(&zero, 0, sizeof(zero));
    n = counters_list(&zero, list, &rr, &otr, &has_rr, &has_otr);

    for (i = 0; i < (int) n; i++) {
        onestop_buf_printf(b, "%s,", list[i].name);
    }

    onestop_buf_adds(b, "resolution_rate,on_time_rate\r\n");
}


static void
render(run_t *rn, onestop_counts_t *totals, onestop_buf_t *out)
{
    int                   i;
    char                  d1[ONESTOP_DATE_LEN], d2[ONESTOP_DATE_LEN];
    size_t                k, p;
    yajl_gen              g;
    onestop_str_t         tmp;
    const onestop_str_t  *s;
    const onestop_query_t *q = rn->q;

    if (q->csv) {
        csv_header(out, q);

        if (q->interval) {
            for (p = 0; p < rn->nperiods; p++) {
                onestop_day_format(rn->pfrom[p], d1);
                onestop_day_format(rn->pto[p], d2);
                onestop_buf_add(out, d1, ONESTOP_DATE_LEN);
                onestop_buf_add(out, ",", 1);
                onestop_buf_add(out, d2, ONESTOP_DATE_LEN);
                onestop_buf_add(out, ",", 1);
                csv_counters(out, &totals[p]);
            }

        } else if (q->ngroup == 0) {
            csv_counters(out, &totals[0]);

        } else {
            for (k = 0; k < rn->ngroups; k++) {
                for (i = 0; i < q->ngroup; i++) {
                    s = dim_id(rn, q->group[i], rn->groups[k].dim[i], &tmp);
                    onestop_csv_cell(out, s->data, s->len);
                    onestop_buf_add(out, ",", 1);

                    s = dim_name(rn, q->group[i], rn->groups[k].dim[i]);

                    if (s != NULL) {
                        onestop_csv_cell(out, s->data, s->len);
                        onestop_buf_add(out, ",", 1);
                    }
                }

                csv_counters(out, &rn->groups[k].counts[0]);
            }
        }

        return;
    }

    g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        out->failed = 1;
        return;
    }

    yajl_gen_config(g, yajl_gen_print_callback, gen_print, out);
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "from");
    onestop_day_format(rn->pfrom[0], d1);
    onestop_gen_str(g, d1, ONESTOP_DATE_LEN);
    onestop_gen_cstr(g, "to");
    onestop_day_format(rn->pto[rn->nperiods - 1], d2);
    onestop_gen_str(g, d2, ONESTOP_DATE_LEN);

    onestop_gen_cstr(g, "group");
    yajl_gen_array_open(g);

    for (i = 0; i < q->ngroup; i++) {
        onestop_gen_cstr(g, dim_word(q->group[i]));
    }

    yajl_gen_array_close(g);

    if (q->interval) {
        onestop_counts_t  all;

        /* the totals of the whole span: its first sub-period's carried
         * over, the sums of the flows, the last one's pending */

        memset(&all, 0, sizeof(all));

        for (p = 0; p < rn->nperiods; p++) {
            onestop_counts_add(&all, &totals[p]);
        }

        all.carried_over = totals[0].carried_over;
        all.pending = totals[rn->nperiods - 1].pending;
        all.pending_overdue = totals[rn->nperiods - 1].pending_overdue;

        onestop_gen_cstr(g, "totals");
        yajl_gen_map_open(g);
        onestop_counts_render(g, &all);
        yajl_gen_map_close(g);

        onestop_gen_cstr(g, "series");
        yajl_gen_array_open(g);

        for (p = 0; p < rn->nperiods; p++) {
            yajl_gen_map_open(g);
            onestop_gen_cstr(g, "from");
            onestop_day_format(rn->pfrom[p], d1);
            onestop_gen_str(g, d1, ONESTOP_DATE_LEN);
            onestop_gen_cstr(g, "to");
            onestop_day_format(rn->pto[p], d2);
            onestop_gen_str(g, d2, ONESTOP_DATE_LEN);
            onestop_counts_render(g, &totals[p]);
            yajl_gen_map_close(g);
        }

        yajl_gen_array_close(g);

    } else {
        onestop_gen_cstr(g, "totals");
        yajl_gen_map_open(g);
        onestop_counts_render(g, &totals[0]);
        yajl_gen_map_close(g);

        onestop_gen_cstr(g, "groups");
        yajl_gen_array_open(g);

        for (k = 0; k < rn->ngroups; k++) {
            yajl_gen_map_open(g);

            for (i = 0; i < q->ngroup; i++) {
                onestop_gen_cstr(g, dim_word(q->group[i]));
                s = dim_id(rn, q->group[i], rn->groups[k].dim[i], &tmp);
                onestop_gen_str(g, s->data, s->len);

                s = dim_name(rn, q->group[i], rn->groups[k].dim[i]);

                if (s != NULL) {
                    onestop_buf_t  key;

                    memset(&key, 0, sizeof(key));
                    onestop_buf_printf(&key, "%s_name",
                                       dim_word(q->group[i]));
                    onestop_gen_str(g, key.data, key.len);
                    onestop_buf_free(&key);
                    onestop_gen_str(g, s->data, s->len);
                }
            }

            onestop_counts_render(g, &rn->groups[k].counts[0]);
            yajl_gen_map_close(g);
        }

        yajl_gen_array_close(g);
    }

    yajl_gen_map_close(g);
    yajl_gen_free(g);
    onestop_buf_add(out, "\n", 1);
}


static void
run_free(run_t *rn)
{
    size_t  k;

    for (k = 0; k < rn->ngroups; k++) {
        free(rn->groups[k].counts);
    }

    free(rn->groups);
    free(rn->gmap);
    free(rn->cuts);
    free(rn->pfrom);
    free(rn->pto);
    free(rn->pcut);
    free(rn->prefix);
    free(rn->blocks);
}


/*
 * The effective [from, to] of a query: `period` (the current day, month,
 * quarter or year up to today, or all from `first`), else from/to with
 * from defaulting to `first` and to to today; to is never after today.
 * 0, or -1 with q->error when from is after to.
 */
static int
settle_period(onestop_query_t *q, onestop_day_t first, onestop_day_t today,
    onestop_day_t *fromp, onestop_day_t *top)
{
    int            y;
    unsigned       m, d;
    onestop_day_t  from, to;

    onestop_civil_from_days(today, &y, &m, &d);

    if (first > today) {
        first = today;
    }

    switch (q->period) {
    case 1:
        from = today;
        break;
    case 2:
        from = onestop_days_from_civil(y, m, 1);
        break;
    case 3:
        from = onestop_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
        break;
    case 4:
        from = onestop_days_from_civil(y, 1, 1);
        break;
    case 5:
        from = first;
        break;
    default:
        from = q->f.has_from ? q->f.from : first;
    }

    to = q->f.has_to && q->f.to < today ? q->f.to : today;

    if (!q->f.has_from && !q->period && from > to) {
        from = to;          /* a `to` before the first one: empty */
    }

    if (from > to) {
        snprintf(q->error, sizeof(q->error),
                 "from is after to (to is never later than today)");
        return -1;
    }

    *fromp = from;
    *top = to;

    return 0;
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
    unsigned                  channel;
    MDB_val                   key, val;
    MDB_cursor               *cur;
    onestop_day_t             first, from, to, y0;
    onestop_counts_t         *totals, c;
    group_t                  *g;
    run_t                     rn;

    if (!st->reading) {
        return -2;
    }

    memset(&rn, 0, sizeof(run_t));
    rn.st = st;
    rn.q = q;
    rn.today = today;
    rn.cat = onestop_store_catalog(st);
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

    if (settle_period(q, first, today, &from, &to) != 0) {
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
    rn.pfrom = malloc(n * sizeof(onestop_day_t));
    rn.pto = malloc(n * sizeof(onestop_day_t));
    rn.pcut = malloc(3 * n * sizeof(size_t));
    rn.cuts = malloc(3 * n * sizeof(onestop_day_t));
    totals = calloc(n, sizeof(onestop_counts_t));
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

    rn.prefix = malloc(rn.ncuts * ONESTOP_K_COUNT * sizeof(int64_t));

    if (rn.prefix == NULL) {
        goto done;
    }

    /* the coarsest series that answers */

    tag = 'P';

    for (i = 0; i < (size_t) q->ngroup; i++) {
        d = q->group[i];

        if (d == ONESTOP_DIM_FIELD || d == ONESTOP_DIM_PROCEDURE) {
            tag = 'C';
        } else if (d != ONESTOP_DIM_CHANNEL && tag == 'P') {
            tag = 'A';
        }
    }

    if (q->f.field || q->f.procedure) {
        tag = 'C';
    } else if ((q->f.agency || q->f.under || q->level) && tag == 'P') {
        tag = 'A';
    }

    if (mdb_cursor_open(st->rtxn, st->counters, &cur) != 0) {
        goto done;
    }

    /* every series of the tag, or only those of the agencies the query
     * keeps (one, or one and those under it): a seek each */

    seek[0] = (uint8_t) tag;
    plen = 1;
    nlist = 0;

    if (tag != 'P' && (q->f.agency || q->f.under)) {
        list = malloc((rn.cat->nagencies + 1) * sizeof(uint32_t));

        if (list == NULL) {
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

            slen = tag == 'P' ? 2 : tag == 'A' ? 6 : 10;

            if (key.mv_size != slen + 2 || memcmp(kp, seek, plen) != 0) {
                break;
            }

            memcpy(prefix, kp, slen);
            agency = tag == 'P' ? 0 : get_be32(kp + 1);
            procedure = tag == 'C' ? get_be32(kp + 5) : 0;
            channel = kp[slen - 1];

            if (series_wanted(&rn, agency, procedure, channel, tag)) {
                if (series_prefix(&rn, cur, prefix, slen,
                                  (unsigned) kp[slen] << 8 | kp[slen + 1])
                    != 0)
                {
                    mdb_cursor_close(cur);
                    goto done;
                }

                dim[0] = dim[1] = dim[2] = 0;

                for (i = 0; i < (size_t) q->ngroup; i++) {
                    dim[i] = dim_value(&rn, q->group[i], agency, procedure,
                                       channel);
                }

                g = q->ngroup ? group_get(&rn, dim) : NULL;

                if (q->ngroup && g == NULL) {
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
            }

            /* on to the next series: past this one's total */

            memcpy(prefix + slen, "\xff\xff", 2);
            key.mv_data = prefix;
            key.mv_size = slen + 2;
            rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

            if (rc == 0 && key.mv_size == slen + 2
                && memcmp(key.mv_data, prefix, slen + 2) == 0)
            {
                rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
            }
        }

        if (rc != 0 && rc != MDB_NOTFOUND) {
            break;
        }
    }

    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        goto done;
    }

    /* empty groups out, the rest in order */

    for (i = 0, k = 0; i < rn.ngroups; i++) {
        if (onestop_counts_zero(&rn.groups[i].counts[0])) {
            free(rn.groups[i].counts);
            continue;
        }

        rn.groups[k++] = rn.groups[i];
    }

    rn.ngroups = k;

    if (rn.ngroups > 1) {
        qsort_r(rn.groups, rn.ngroups, sizeof(group_t), group_cmp, &rn);
    }

    if (q->visit != NULL) {
        q->visit(q->visit_ctx, NULL, &totals[0]);

        for (k = 0; k < rn.ngroups; k++) {
            q->visit(q->visit_ctx, rn.groups[k].dim, &rn.groups[k].counts[0]);
        }

        result = 0;

    } else {
        render(&rn, totals, out);
        result = out->failed ? -2 : 0;
    }

done:

    free(list);
    free(totals);
    run_free(&rn);

    return result;
}


/* verify: the counters recomputed from the records, in passes over the
 * agencies so that the expected blocks fit in memory */

static void
describe_key(onestop_buf_t *report, const uint8_t *k, size_t len)
{
    size_t    i;
    unsigned  month;

    onestop_buf_printf(report, "%c", k[0]);

    if (k[0] != 'P' && len >= 6) {
        onestop_buf_printf(report, " agency %u", get_be32(k + 1));
    }

    if (k[0] == 'C' && len >= 10) {
        onestop_buf_printf(report, " procedure %u", get_be32(k + 5));
    }

    onestop_buf_printf(report, " channel %s",
                       onestop_channel_name(k[len - 3]));

    month = (unsigned) k[len - 2] << 8 | k[len - 1];

    if (month == MONTH_TOTAL) {
        onestop_buf_adds(report, " all time");
    } else {
        onestop_buf_printf(report, " month %04u-%02u", 1990 + month / 12,
                           month % 12 + 1);
    }

    (void) i;
}


long
onestop_store_verify(onestop_store_t *st, onestop_buf_t *report)
{
    int                     rc, t;
    char                    tag;
    long                    diffs, slot;
    size_t                  i, nslots;
    uint32_t                pass, npasses, agency;
    MDB_val                 key, val;
    MDB_cursor             *cur;
    onestop_record_t        r;
    onestop_deltas_t       *d;
    const onestop_delta_t  *e;
    month_block_t           blk;
    uint8_t                *seen;

    static const char  tags[] = {
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL
    };

    if (!st->reading) {
        return -1;
    }

    d = onestop_deltas_create();

    if (d == NULL) {
        return -1;
    }

    diffs = 0;

    for (t = 0; t < 3; t++) {
        tag = tags[t];
        npasses = tag == ONESTOP_SERIES_CELL ? 8 : 1;

        for (pass = 0; pass < npasses; pass++) {
            onestop_deltas_reset(d);

            /* expected, from every record */

            if (mdb_cursor_open(st->rtxn, st->dossiers, &cur) != 0) {
                goto failed;
            }

            for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
                 rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
            {
                if (onestop_record_decode(val.mv_data, val.mv_size, &r)
                    != 0)
                {
                    onestop_buf_printf(report, "dossier \"%.*s\": "
                                       "unreadable record\n",
                                       (int) key.mv_size,
                                       (char *) key.mv_data);
                    diffs++;
                    continue;
                }

                if (r.tombstone || r.agency_id % npasses != pass) {
                    continue;
                }

                if (onestop_deltas_series(d, &r, st->offset, tag) != 0) {
                    mdb_cursor_close(cur);
                    goto failed;
                }
            }

            mdb_cursor_close(cur);

            if (rc != MDB_NOTFOUND) {
                goto failed;
            }

            /* stored, against expected */

            nslots = onestop_deltas_slots(d);
            seen = calloc(nslots, 1);

            if (seen == NULL
                || mdb_cursor_open(st->rtxn, st->counters, &cur) != 0)
            {
                free(seen);
                goto failed;
            }

            key.mv_data = &tag;
            key.mv_size = 1;

            for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
                 rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
            {
                const uint8_t  *kp = key.mv_data;

                if (kp[0] != (uint8_t) tag) {
                    break;
                }

                agency = tag == ONESTOP_SERIES_PROVINCE ? 0 : get_be32(kp + 1);

                if (agency % npasses != pass) {
                    continue;
                }

                slot = onestop_deltas_find(d, kp, key.mv_size);

                if (slot < 0) {
                    onestop_buf_adds(report, "stored but not in any record: ");
                    describe_key(report, kp, key.mv_size);
                    onestop_buf_adds(report, "\n");
                    diffs++;
                    continue;
                }

                e = onestop_deltas_slot(d, (size_t) slot);
                seen[slot] = 1;

                if (onestop_block_decode(val.mv_data, val.mv_size, e->total,
                                         &blk) != 0)
                {
                    onestop_buf_adds(report, "unreadable: ");
                    describe_key(report, kp, key.mv_size);
                    onestop_buf_adds(report, "\n");
                    diffs++;
                    continue;
                }

                if (e->total) {
                    memset(blk.day, 0, sizeof(blk.day));
                }

                if (memcmp(blk.tot, e->b->tot, sizeof(blk.tot)) != 0
                    || (!e->total
                        && memcmp(blk.day, e->b->day, sizeof(blk.day)) != 0))
                {
                    onestop_buf_adds(report, "differs: ");
                    describe_key(report, kp, key.mv_size);
                    onestop_buf_adds(report, "\n");
                    diffs++;
                }
            }

            mdb_cursor_close(cur);

            for (i = 0; i < nslots; i++) {
                e = onestop_deltas_slot(d, i);

                if (e != NULL && !seen[i]) {
                    onestop_buf_adds(report, "missing: ");
                    describe_key(report, e->key, e->klen);
                    onestop_buf_adds(report, "\n");
                    diffs++;
                }
            }

            free(seen);
        }
    }

    onestop_deltas_destroy(d);
    return diffs;

failed:

    onestop_deltas_destroy(d);
    return -1;
}


/* apology letters */

int
onestop_apology_query_parse(onestop_apology_query_t *q,
    const onestop_catalog_t *cat, const onestop_arg_t *args, size_t nargs)
{
    int                   rc;
    size_t                i, k;
    unsigned long         n;
    const onestop_arg_t  *a;
    const onestop_str_t  *v;

    static const char  *const names[] = {
        "from", "to", "agency", "under", "field", "procedure", "limit",
        "after", NULL
    };

    memset(q, 0, sizeof(onestop_apology_query_t));
    q->limit = 100;

    if (onestop_args_once(args, nargs, names, q->error, sizeof(q->error))
        != 0)
    {
        return -1;
    }

    for (i = 0; i < nargs; i++) {
        a = &args[i];
        v = &a->value;

        rc = parse_common(a, cat, &q->f, q->error, sizeof(q->error));

        if (rc < 0) {
            return -1;
        }

        if (rc > 0) {
            continue;
        }

        if (arg_is(a, "limit")) {
            n = 0;

            for (k = 0; k < v->len && v->data[k] >= '0' && v->data[k] <= '9'
                        && n <= 1000; k++)
            {
                n = n * 10 + (unsigned long) (v->data[k] - '0');
            }

            if (v->len == 0 || k != v->len || n < 1 || n > 1000) {
                snprintf(q->error, sizeof(q->error),
                         "limit must be an integer from 1 to 1000");
                return -1;
            }

            q->limit = n;

        } else if (arg_is(a, "after")) {
            /* YYYY-MM-DD~CODE, as "next" gave it */

            if (v->len < 12 || v->data[10] != '~'
                || onestop_day_parse(v->data, 10, &q->after_day) != 0
                || !onestop_code_valid(v->data + 11, v->len - 11))
            {
                snprintf(q->error, sizeof(q->error),
                         "after must be a cursor from a previous answer");
                return -1;
            }

            q->has_after = 1;
            q->after_len = v->len - 11;
            memcpy(q->after_code, v->data + 11, q->after_len);
        }
    }

    if (q->f.has_from && q->f.has_to && q->f.from > q->f.to) {
        snprintf(q->error, sizeof(q->error), "from is after to");
        return -1;
    }

    return 0;
}


static void
gen_day(yajl_gen g, const char *member, const onestop_ts_t *ts,
    int32_t offset)
{
    char  d[ONESTOP_DATE_LEN];

    onestop_gen_cstr(g, member);
    onestop_day_format(onestop_ts_day(ts, offset), d);
    onestop_gen_str(g, d, ONESTOP_DATE_LEN);
}


int
onestop_store_apologies(onestop_store_t *st,
    const onestop_apology_query_t *q, onestop_buf_t *out)
{
    int                       rc;
    char                      d[ONESTOP_DATE_LEN];
    char                      next[ONESTOP_DATE_LEN + 1 + ONESTOP_CODE_MAX];
    int                       more;
    size_t                    n, nlen;
    uint8_t                   start[4 + ONESTOP_CODE_MAX];
    uint32_t                  agency, procedure;
    yajl_gen                  g;
    MDB_val                   key, val, dk, dv;
    MDB_cursor               *cur;
    onestop_day_t             day;
    onestop_record_t          r;
    onestop_shown_name_t      name;
    onestop_str_t             code;
    const uint8_t            *kp;
    const onestop_catalog_t  *cat;

    if (!st->reading || (cat = onestop_store_catalog(st)) == NULL) {
        return -2;
    }

    if (mdb_cursor_open(st->rtxn, st->apologies, &cur) != 0) {
        return -2;
    }

    g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        mdb_cursor_close(cur);
        return -2;
    }

    yajl_gen_config(g, yajl_gen_print_callback, gen_print, out);
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "items");
    yajl_gen_array_open(g);

    /* where to start: after the cursor, or at `to` */

    if (q->has_after) {
        be32(start, 0xffffffffu - (uint32_t) q->after_day);
        memcpy(start + 4, q->after_code, q->after_len);
        key.mv_size = 4 + q->after_len;

    } else {
        be32(start, q->f.has_to ? 0xffffffffu - (uint32_t) q->f.to : 0);
        key.mv_size = 4;
    }

    key.mv_data = start;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

    if (rc == 0 && q->has_after && key.mv_size == 4 + q->after_len
        && memcmp(key.mv_data, start, key.mv_size) == 0)
    {
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
    }

    n = 0;
    nlen = 0;
    more = 0;

    for ( ; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        kp = key.mv_data;

        if (key.mv_size < 5 || val.mv_size != 8) {
            continue;
        }

        day = (onestop_day_t) (0xffffffffu - get_be32(kp));

        if (q->f.has_to && day > q->f.to) {
            continue;
        }

        if (q->f.has_from && day < q->f.from) {
            break;
        }

        memcpy(&agency, val.mv_data, 4);
        memcpy(&procedure, (const uint8_t *) val.mv_data + 4, 4);

        if (agency == 0 || agency > cat->nagencies
            || procedure == 0 || procedure > cat->nprocedures
            || (q->f.agency && agency != q->f.agency)
            || (q->f.under && !onestop_catalog_under(cat, agency, q->f.under))
            || (q->f.procedure && procedure != q->f.procedure)
            || (q->f.field && cat->procedures[procedure].field != q->f.field))
        {
            continue;
        }

        if (n == q->limit) {
            more = 1;           /* one more exists: there is a next page */
            break;
        }

        dk.mv_data = (void *) (kp + 4);
        dk.mv_size = key.mv_size - 4;

        if (mdb_get(st->rtxn, st->dossiers, &dk, &dv) != 0
            || onestop_record_decode(dv.mv_data, dv.mv_size, &r) != 0
            || r.tombstone || !r.has_apology)
        {
            continue;
        }

        code.data = dk.mv_data;
        code.len = dk.mv_size;

        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "code");
        onestop_gen_str(g, code.data, code.len);
        onestop_gen_ref(g, "agency", &cat->agencies[agency].id,
                &cat->agencies[agency].name);
        onestop_gen_ref(g, "procedure", &cat->procedures[procedure].id,
                &cat->procedures[procedure].name);

        onestop_gen_cstr(g, "applicant");
        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "name");

        onestop_shown_name(&name, &r, 0);
        onestop_gen_str(g, name.data, name.len);
        onestop_shown_name_free(&name);

        onestop_gen_cstr(g, "type");
        onestop_gen_cstr(g, r.applicant_type == ONESTOP_APPLICANT_ORGANIZATION
                            ? "organization" : "citizen");
        yajl_gen_map_close(g);

        gen_day(g, "due_date", &r.t[ONESTOP_T_DUE], st->offset);
        gen_day(g, "new_due_date", &r.t[ONESTOP_T_APOLOGY_NEW_DUE],
                st->offset);
        gen_day(g, "issued_date", &r.t[ONESTOP_T_APOLOGY_ISSUED], st->offset);

        onestop_gen_cstr(g, "reason");

        if (r.reason.len) {
            onestop_gen_str(g, r.reason.data, r.reason.len);
        } else {
            yajl_gen_null(g);
        }

        yajl_gen_map_close(g);

        n++;
        onestop_day_format(day, d);
        memcpy(next, d, ONESTOP_DATE_LEN);
        next[ONESTOP_DATE_LEN] = '~';
        memcpy(next + ONESTOP_DATE_LEN + 1, code.data, code.len);
        nlen = ONESTOP_DATE_LEN + 1 + code.len;
    }

    yajl_gen_array_close(g);
    onestop_gen_cstr(g, "next");

    if (more) {
        onestop_gen_str(g, next, nlen);
    } else {
        yajl_gen_null(g);
    }

    yajl_gen_map_close(g);
    yajl_gen_free(g);
    mdb_cursor_close(cur);
    onestop_buf_add(out, "\n", 1);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return -2;
    }

    return out->failed ? -2 : 0;
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


/* evaluation summaries (Điều 12, 18): counts and means of the nine
 * indices, from the evaluations of the period */

typedef struct {
    int64_t   evaluations;
    int64_t   comments;
    int64_t   count[ONESTOP_INDICES + 1];
    int64_t   sum[ONESTOP_INDICES + 1];
} eval_acc_t;

/* the fewest evaluations an answer publishes figures of */
#define EVAL_MIN  5

#define EVAL_PERIODS  \
    ((sizeof(eval_acc_t) + sizeof(onestop_counts_t) - 1)                     \
     / sizeof(onestop_counts_t))


static void
eval_add(eval_acc_t *acc, const uint8_t *answers, int comment)
{
    int  i;

    acc->evaluations++;
    acc->comments += comment;

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        if (answers[i] <= 2) {
            acc->count[i]++;
            acc->sum[i] += answers[i];
        }
    }
}


/*
 * Every answer that covers fewer than EVAL_MIN evaluations, a group or
 * the totals of any filter and period, withholds all its figures: the
 * count, the comments and the nine indices are null. A group that small
 * is left out altogether; the totals keep their shape.
 */

static void
eval_render(yajl_gen g, const eval_acc_t *acc)
{
    int   i, withheld;
    char  key[2], num[40];

    withheld = acc->evaluations < EVAL_MIN;

    onestop_gen_cstr(g, "evaluations");

    if (withheld) {
        yajl_gen_null(g);
    } else {
        yajl_gen_integer(g, (long long) acc->evaluations);
    }

    onestop_gen_cstr(g, "comments");

    if (withheld) {
        yajl_gen_null(g);
    } else {
        yajl_gen_integer(g, (long long) acc->comments);
    }

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        key[0] = (char) ('0' + i);
        onestop_gen_str(g, key, 1);
        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "count");

        if (withheld) {
            yajl_gen_null(g);
        } else {
            yajl_gen_integer(g, (long long) acc->count[i]);
        }

        onestop_gen_cstr(g, "mean");

        if (!withheld && acc->count[i]) {
            fmt_rate(num, sizeof(num),
                     (double) acc->sum[i] / (double) acc->count[i]);
            yajl_gen_number(g, num, strlen(num));
        } else {
            yajl_gen_null(g);
        }

        yajl_gen_map_close(g);
    }
}


int
onestop_store_evaluation_summary(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out)
{
    int                       rc, i, result;
    char                      d1[ONESTOP_DATE_LEN];
    size_t                    k;
    uint8_t                   start[4];
    uint32_t                  agency, procedure, dim[3];
    unsigned                  channel;
    yajl_gen                  g;
    MDB_val                   key, val, ek, ev;
    MDB_cursor               *cur;
    onestop_day_t             from, to, first, day;
    eval_acc_t                totals;
    group_t                  *grp;
    run_t                     rn;
    onestop_str_t             tmp;
    const uint8_t            *p;
    const onestop_str_t      *s;

    if (!st->reading) {
        return -2;
    }

    memset(&rn, 0, sizeof(run_t));
    rn.st = st;
    rn.q = q;
    rn.today = today;
    rn.cat = onestop_store_catalog(st);
    rn.nperiods = EVAL_PERIODS;

    if (rn.cat == NULL || q->interval) {
        if (q->interval) {
            snprintf(q->error, sizeof(q->error),
                     "interval is not available for evaluations");
            return -1;
        }
        return -2;
    }

    if (mdb_cursor_open(st->rtxn, st->evaluation_days, &cur) != 0) {
        return -2;
    }

    first = today;
    rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);

    if (rc == 0 && key.mv_size > 4) {
        day = (onestop_day_t) get_be32(key.mv_data);
        first = day < today ? day : today;
    }

    if (settle_period(q, first, today, &from, &to) != 0) {
        mdb_cursor_close(cur);
        return -1;
    }

    memset(&totals, 0, sizeof(totals));
    be32(start, (uint32_t) from);
    key.mv_data = start;
    key.mv_size = 4;
    result = -2;

    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        if (key.mv_size <= 4) {
            continue;
        }

        day = (onestop_day_t) get_be32(key.mv_data);

        if (day > to) {
            break;
        }

        ek.mv_data = (uint8_t *) key.mv_data + 4;
        ek.mv_size = key.mv_size - 4;

        if (mdb_get(st->rtxn, st->evaluations, &ek, &ev) != 0
            || ev.mv_size < 31)
        {
            continue;
        }

        p = ev.mv_data;
        channel = p[11];
        memcpy(&agency, p + 21, 4);
        memcpy(&procedure, p + 25, 4);

        if (!series_wanted(&rn, agency, procedure, channel, 'C')) {
            continue;
        }

        eval_add(&totals, p + 1, (p[29] | p[30] << 8) != 0);

        if (q->ngroup) {
            dim[0] = dim[1] = dim[2] = 0;

            for (i = 0; i < q->ngroup; i++) {
                dim[i] = dim_value(&rn, q->group[i], agency, procedure,
                                   channel);
            }

            grp = group_get(&rn, dim);

            if (grp == NULL) {
                goto done;
            }

            eval_add((eval_acc_t *) grp->counts, p + 1,
                     (p[29] | p[30] << 8) != 0);
        }
    }

    if (rc != 0 && rc != MDB_NOTFOUND) {
        goto done;
    }

    /* groups of fewer than EVAL_MIN evaluations are left out */

    for (k = 0, i = 0; k < rn.ngroups; k++) {
        if (((eval_acc_t *) rn.groups[k].counts)->evaluations < EVAL_MIN) {
            free(rn.groups[k].counts);
            continue;
        }

        rn.groups[i++] = rn.groups[k];
    }

    rn.ngroups = (size_t) i;

    if (rn.ngroups > 1) {
        qsort_r(rn.groups, rn.ngroups, sizeof(group_t), group_cmp, &rn);
    }

    g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        goto done;
    }

    yajl_gen_config(g, yajl_gen_print_callback, gen_print, out);
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "from");
    onestop_day_format(from, d1);
    onestop_gen_str(g, d1, ONESTOP_DATE_LEN);
    onestop_gen_cstr(g, "to");
    onestop_day_format(to, d1);
    onestop_gen_str(g, d1, ONESTOP_DATE_LEN);
    onestop_gen_cstr(g, "group");
    yajl_gen_array_open(g);

    for (i = 0; i < q->ngroup; i++) {
        onestop_gen_cstr(g, dim_word(q->group[i]));
    }

    yajl_gen_array_close(g);
    onestop_gen_cstr(g, "totals");
    yajl_gen_map_open(g);
    eval_render(g, &totals);
    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "groups");
    yajl_gen_array_open(g);

    for (k = 0; k < rn.ngroups; k++) {
        yajl_gen_map_open(g);

        for (i = 0; i < q->ngroup; i++) {
            onestop_gen_cstr(g, dim_word(q->group[i]));
            s = dim_id(&rn, q->group[i], rn.groups[k].dim[i], &tmp);
            onestop_gen_str(g, s->data, s->len);
            s = dim_name(&rn, q->group[i], rn.groups[k].dim[i]);

            if (s != NULL) {
                onestop_buf_t  name;

                memset(&name, 0, sizeof(name));
                onestop_buf_printf(&name, "%s_name", dim_word(q->group[i]));
                onestop_gen_str(g, name.data, name.len);
                onestop_buf_free(&name);
                onestop_gen_str(g, s->data, s->len);
            }
        }

        eval_render(g, (eval_acc_t *) rn.groups[k].counts);
        yajl_gen_map_close(g);
    }

    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    yajl_gen_free(g);
    onestop_buf_add(out, "\n", 1);

    result = out->failed ? -2 : 0;

done:

    mdb_cursor_close(cur);
    run_free(&rn);

    return result;
}
