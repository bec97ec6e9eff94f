/*
 * A statistics query as it runs, shared by the files that answer one:
 * stats.c reads the series and groups them (published_read.c answers
 * as=published with report.c too), report.c renders the run as
 * JSON or CSV, evaluation_summary.c groups evaluations the same way, and
 * query.c settles the period.  Nothing outside them includes this.
 *
 * The calls go one way: stats.c and evaluation_summary.c call query.c
 * and report.c (apologies.c calls report.c too); report.c and query.c
 * call none of them.
 */

#ifndef ONESTOP_STATS_INT_H
#define ONESTOP_STATS_INT_H

#include <lmdb.h>
#include <yajl/yajl_gen.h>

#include "onestop_scratch.h"
#include "onestop_stats.h"
#include "onestop_store.h"


typedef struct {
    const uint8_t          *data;       /* in the map */
    size_t                  size;
    unsigned                month;
    int                     kind;       /* ONESTOP_BLOCK_* */
    int                     ready;      /* tot decoded (a year's block is
                                           decoded when it is summed) */
    int64_t                 tot[ONESTOP_K_COUNT];
    int64_t                 last[ONESTOP_K_COUNT];  /* a year's December
                                           31 (ONESTOP_K_LAST_DAY), with
                                           tot */
} onestop_read_block_t;

/* a cut as months: its prefix sum is the sum of the months before b
 * plus, when d is not negative, the days 0 .. d of month b, of the
 * counters in need (1 << ONESTOP_K_*: those the sub-periods read at the
 * cut); d is ONESTOP_CUT_YEAR_LAST for a cut on December 30 read for the
 * counters a year block keeps of its last day alone: the years up to b's,
 * less that day */
#define ONESTOP_CUT_YEAR_LAST  (-2)

typedef struct {
    unsigned                b;
    int                     d;
    uint32_t                need;
} onestop_cut_month_t;

/* the cuts i .. j - 1 of one year, and the months a series is read for
 * them: lo .. hi (none when lo > hi), forwards from January or backwards
 * from December */
typedef struct {
    size_t                  i, j;
    unsigned                year;
    unsigned                lo, hi;
    int                     fwd;
} onestop_year_span_t;

typedef struct {
    uint32_t                dim[3];
    onestop_counts_t       *counts;     /* one per sub-period */
} onestop_group_t;

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
    size_t                  cut0;       /* the first cut from month 0 */
    onestop_cut_month_t    *cm;         /* ncuts */
    onestop_year_span_t    *spans;      /* up to ncuts */
    size_t                  nspans;
    onestop_read_block_t   *blocks;     /* a series' blocks read */
    size_t                  bcap;
    onestop_group_t        *groups;
    size_t                  ngroups;
    size_t                  gcap;
    uint32_t               *gmap;
    uint32_t                gmask;
    size_t                 *from;       /* nspans: series.c's */
    onestop_scratch_t      *mem;        /* every table above: the
                                           handle's scratch */
    onestop_scratch_mark_t  mark;       /* where the run's tables begin */
} onestop_run_t;

/* stats.c: a run of a query on st (whose read is open), its tables taken
 * from st's scratch; onestop_run_free gives them back */
void onestop_run_init(onestop_run_t *rn, onestop_store_t *st,
    onestop_query_t *q, onestop_day_t today);
void onestop_run_free(onestop_run_t *rn);


/* query.c */

/*
 * The effective [from, to] of a query: `period` (the current day, month,
 * quarter or year up to today, or all from `first`), else from/to with
 * from defaulting to `first` and to to today; to is never after today.
 * 0, or -1 with q->error when from is after to.
 */
int onestop_query_settle(onestop_query_t *q, onestop_day_t first,
    onestop_day_t today, onestop_day_t *fromp, onestop_day_t *top);


/* series.c: the plan of a query's cuts (once a query), then a series'
 * prefix sums at every cut into rn->prefix (prefix: the key of its
 * months, read through mcur), the years' cursor ycur standing on the
 * series' first year (ONESTOP_SERIES_YEARS), in key and val, and left on
 * the key after its years: 0, 1 when there is none, -1 on an error */
int onestop_series_plan(onestop_run_t *rn);
int onestop_series_prefix(onestop_run_t *rn, MDB_cursor *ycur,
    MDB_cursor *mcur, const uint8_t *prefix, size_t plen, MDB_val *key,
    MDB_val *val);

/* stats.c: grouping */

/* the group of those dimension values, created (rn->nperiods zeroed
 * counts) on first use; NULL when memory is exhausted */
onestop_group_t *onestop_group_get(onestop_run_t *rn, const uint32_t *dim);
/* the value of one dimension (ONESTOP_DIM_*) of a series (ret: its
 * return channel, the 'R' series') */
uint32_t onestop_group_value(const onestop_run_t *rn, int dim,
    uint32_t agency, uint32_t procedure, unsigned channel, unsigned ret);
/* 1 when the query's filters keep a series (ONESTOP_SERIES_*) */
int onestop_series_wanted(const onestop_run_t *rn, uint32_t agency,
    uint32_t procedure, unsigned channel, unsigned ret, char tag);
/* the groups in the order of their ids */
void onestop_groups_sort(onestop_run_t *rn);


/* report.c */

/* a yajl generator that writes into out; NULL when memory is exhausted */
yajl_gen onestop_report_gen(onestop_buf_t *out);

/* issue 15: a group's dimensions as CSV headings and cells (report.c),
 * for the evaluation summary's CSV too */
struct onestop_csv_s;
void onestop_report_csv_dims_head(const struct onestop_csv_s *d,
    onestop_buf_t *b, const onestop_query_t *q);
void onestop_report_csv_dims(const struct onestop_csv_s *d,
    onestop_buf_t *out, const onestop_run_t *rn, const uint32_t *dim);
/* the shortest decimal that reads back as v (15 to 17 digits) */
void onestop_report_rate(char *buf, size_t size, double v);
/* a dimension's word, and a value's id and name (NULL: none) */
const char *onestop_dim_word(int dim);
const onestop_str_t *onestop_dim_id(const onestop_catalog_t *cat, int dim,
    uint32_t v, onestop_str_t *tmp);
const onestop_str_t *onestop_dim_name(const onestop_catalog_t *cat, int dim,
    uint32_t v);
/* opens the answer's object: "from", "to" and "group" */
void onestop_report_head(yajl_gen g, const onestop_query_t *q,
    onestop_day_t from, onestop_day_t to);
/* a group's dimensions as members: "agency": id, "agency_name": name */
void onestop_report_dims(yajl_gen g, const onestop_run_t *rn,
    const uint32_t *dim);
/* the answer of a run: its totals (one per sub-period) and groups, as
 * JSON or CSV */
void onestop_report_stats(const onestop_run_t *rn,
    const onestop_counts_t *totals, onestop_buf_t *out);

#endif /* ONESTOP_STATS_INT_H */
