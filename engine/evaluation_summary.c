/*
 * Evaluation summaries (Điều 12, 18; SPEC section 8): the count and the
 * mean of each of the nine indices over the evaluations of a period, by
 * the statistics query's filters and groups.  The idea: the
 * evaluation_days index (day, code) makes a period one range of keys, and
 * each evaluation carries its channel, agency and procedure, so that it
 * is filtered and grouped exactly as a cell of the counters is (stats.c's
 * grouping, report.c's head and dimensions); no mean or split of scores
 * is published of fewer than EVAL_MIN evaluations, nor of an index's
 * fewer than EVAL_MIN answers (their counts are).
 * Only reads.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_csv.h"
#include "onestop_stats_int.h"
#include "onestop_store_int.h"


typedef struct {
    int64_t   evaluations;
    int64_t   count[ONESTOP_INDICES + 1];
    int64_t   sum[ONESTOP_INDICES + 1];
} eval_part_t;

typedef struct {
    eval_part_t  all;
    int64_t      comments;
    int64_t      scores[ONESTOP_INDICES + 1][3];
    eval_part_t  source[ONESTOP_EVAL_SOURCES];
    int          hidden;         /* withheld besides (eval_residue) */
} eval_acc_t;

/* the sources' names in the summary, by ONESTOP_EVAL_SRC_* */
static const char  *eval_sources[ONESTOP_EVAL_SOURCES] = {
    "unrecorded", "qr", "desk", "portal"
};

/* the fewest evaluations an answer publishes figures of, and the fewest
 * answers an index's are published of */
#define EVAL_MIN  5

/* index i's figures of a part withheld (withheld: the part's): answered
 * 1 to EVAL_MIN - 1 times (of none there is nothing to tell) */
#define eval_index_held(part, i, withheld)                                  \
    ((withheld) || ((part)->count[i] > 0 && (part)->count[i] < EVAL_MIN))

#define EVAL_PERIODS  \
    ((sizeof(eval_acc_t) + sizeof(onestop_counts_t) - 1)                     \
     / sizeof(onestop_counts_t))


static void
eval_part_add(eval_part_t *part, const uint8_t *answers)
{
    int  i;

    part->evaluations++;

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        if (answers[i] <= 2) {
            part->count[i]++;
            part->sum[i] += answers[i];
        }
    }
}


static void
eval_add(eval_acc_t *acc, const uint8_t *answers, int comment,
    unsigned source)
{
    int  i;

    eval_part_add(&acc->all, answers);
    eval_part_add(&acc->source[source < ONESTOP_EVAL_SOURCES ? source : 0],
                  answers);
    acc->comments += comment;

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        if (answers[i] <= 2) {
            acc->scores[i][answers[i]]++;
        }
    }
}


static void
eval_number(yajl_gen g, double v)
{
    char  num[40];

    onestop_report_rate(num, sizeof(num), v);
    yajl_gen_number(g, num, strlen(num));
}


/* the mean total out of 18 (Circular 01/2018, Art. 13: nine indices of
 * 0 to 2 points): the sum of the nine indices' means; 0 when there is
 * none to give (withheld, or an index of fewer than EVAL_MIN answers,
 * whose mean the total less the others' would be) */
static int
eval_total_of(const eval_part_t *part, int withheld, double *total)
{
    int  i;

    *total = 0;

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        if (withheld || part->count[i] < EVAL_MIN) {
            return 0;
        }

        *total += (double) part->sum[i] / (double) part->count[i];
    }

    return 1;
}


static void
eval_total(yajl_gen g, const eval_part_t *part, int withheld)
{
    double  total;

    if (eval_total_of(part, withheld, &total)) {
        eval_number(g, total);
    } else {
        yajl_gen_null(g);
    }
}


/*
 * Parts of a whole that is shown (the sources of a group or of the
 * totals; the groups: eval_groups_residue), n[k] evaluations each: the
 * whole less the parts shown is the parts withheld, so these must hold
 * none or EVAL_MIN or more, else their answers (one citizen's, with one)
 * are a difference away.  hidden[k] (0 on entry) is set for a part
 * withheld: one of fewer than EVAL_MIN, and besides, one at a time, the
 * smallest part shown while the withheld hold 1 to EVAL_MIN - 1.  (Counts
 * stay shown.)
 */

static void
eval_residue(const int64_t *n, size_t parts, int *hidden)
{
    size_t   k, min;
    int64_t  out;

    out = 0;

    for (k = 0; k < parts; k++) {
        if (n[k] < EVAL_MIN) {
            out += n[k];
            hidden[k] = 1;
        }
    }

    while (out > 0 && out < EVAL_MIN) {
        min = parts;

        for (k = 0; k < parts; k++) {
            if (!hidden[k] && (min == parts || n[k] < n[min])) {
                min = k;
            }
        }

        if (min == parts) {
            break;
        }

        out += n[min];
        hidden[min] = 1;
    }
}


/*
 * Fewer than EVAL_MIN evaluations, in a group or in the totals of any
 * filter and period, keep their counts (evaluations, comments, and how
 * many answered each index and each source) and withhold every figure
 * that could tell one person's answers: the means, the scores' split,
 * the totals.
 */

static void
eval_render(yajl_gen g, const eval_acc_t *acc)
{
    int      i, j, withheld, held, hide[ONESTOP_EVAL_SOURCES];
    char     key[2];
    int64_t  n[ONESTOP_EVAL_SOURCES];

    withheld = acc->all.evaluations < EVAL_MIN || acc->hidden;

    onestop_gen_cstr(g, "evaluations");
    yajl_gen_integer(g, (long long) acc->all.evaluations);
    onestop_gen_cstr(g, "comments");
    yajl_gen_integer(g, (long long) acc->comments);
    onestop_gen_cstr(g, "withheld");
    yajl_gen_bool(g, withheld);
    onestop_gen_cstr(g, "total_mean");
    eval_total(g, &acc->all, withheld);

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        key[0] = (char) ('0' + i);
        onestop_gen_str(g, key, 1);
        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "count");
        yajl_gen_integer(g, (long long) acc->all.count[i]);
        onestop_gen_cstr(g, "mean");

        held = eval_index_held(&acc->all, i, withheld);

        if (!held && acc->all.count[i]) {
            eval_number(g, (double) acc->all.sum[i]
                           / (double) acc->all.count[i]);
        } else {
            yajl_gen_null(g);
        }

        onestop_gen_cstr(g, "scores");

        if (held) {
            yajl_gen_null(g);

        } else {
            yajl_gen_map_open(g);

            for (j = 0; j < 3; j++) {
                key[0] = (char) ('0' + j);
                onestop_gen_str(g, key, 1);
                yajl_gen_integer(g, (long long) acc->scores[i][j]);
            }

            yajl_gen_map_close(g);
        }

        yajl_gen_map_close(g);
    }

    /* by source: how many, and their mean total where they are enough
     * and the sources withheld are too (against the whole's total) */

    for (j = 0; j < ONESTOP_EVAL_SOURCES; j++) {
        n[j] = acc->source[j].evaluations;
        hide[j] = withheld;
    }

    if (!withheld) {
        eval_residue(n, ONESTOP_EVAL_SOURCES, hide);
    }

    onestop_gen_cstr(g, "sources");
    yajl_gen_map_open(g);

    for (j = 0; j < ONESTOP_EVAL_SOURCES; j++) {
        onestop_gen_cstr(g, eval_sources[j]);
        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "evaluations");
        yajl_gen_integer(g, (long long) acc->source[j].evaluations);
        onestop_gen_cstr(g, "total_mean");
        eval_total(g, &acc->source[j], hide[j]);
        yajl_gen_map_close(g);
    }

    yajl_gen_map_close(g);
}


/* issue 15: the summary as CSV, one row (the totals) or one per group,
 * as the statistics' CSV is: the counts, the mean total and each index's
 * count and mean; what is withheld (fewer than EVAL_MIN) is an empty
 * cell, as null is in the JSON */

static void
eval_csv_mean(const onestop_csv_t *d, onestop_buf_t *b, int64_t sum,
    int64_t count, int withheld, int last)
{
    char  num[40];

    if (withheld || count == 0) {
        onestop_csv_empty(d, b, last);
        return;
    }

    onestop_report_rate(num, sizeof(num), (double) sum / (double) count);
    onestop_csv_number(d, b, num, last);
}


static void
eval_csv_row(const onestop_csv_t *d, onestop_buf_t *b, const eval_acc_t *acc)
{
    int      i, withheld;
    char     num[40];
    double   total;

    withheld = acc->all.evaluations < EVAL_MIN || acc->hidden;

    onestop_csv_integer(d, b, (long long) acc->all.evaluations, 0);
    onestop_csv_integer(d, b, (long long) acc->comments, 0);

    if (eval_total_of(&acc->all, withheld, &total)) {
        onestop_report_rate(num, sizeof(num), total);
        onestop_csv_number(d, b, num, 0);
    } else {
        onestop_csv_empty(d, b, 0);
    }

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        onestop_csv_integer(d, b, (long long) acc->all.count[i], 0);
        eval_csv_mean(d, b, acc->all.sum[i], acc->all.count[i],
                      eval_index_held(&acc->all, i, withheld),
                      i == ONESTOP_INDICES);
    }
}


static void
eval_csv(const onestop_csv_t *d, onestop_buf_t *b, const onestop_run_t *rn,
    const eval_acc_t *totals)
{
    int     i;
    char    name[24];
    size_t  k;

    onestop_csv_bom(b);
    onestop_report_csv_dims_head(d, b, rn->q);
    onestop_csv_heading(d, b, "evaluations", 0);
    onestop_csv_heading(d, b, "comments", 0);
    onestop_csv_heading(d, b, "total_mean", 0);

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        snprintf(name, sizeof(name), "%d_count", i);
        onestop_csv_heading(d, b, name, 0);
        snprintf(name, sizeof(name), "%d_mean", i);
        onestop_csv_heading(d, b, name, i == ONESTOP_INDICES);
    }

    if (rn->q->ngroup == 0) {
        eval_csv_row(d, b, totals);
        return;
    }

    for (k = 0; k < rn->ngroups; k++) {
        onestop_report_csv_dims(d, b, rn, rn->groups[k].dim);
        eval_csv_row(d, b, (const eval_acc_t *) rn->groups[k].counts);
    }
}


/*
 * The groups of a shown totals, as eval_residue has it, for the number of
 * evaluations and for each index's answers: the totals less what the
 * groups show of a dimension (the evaluations, an index's answers) is
 * what they withhold of it, which must be none or EVAL_MIN or more where
 * the totals show it.  Else the smallest group that shows it is withheld
 * too (counts kept), which settles that dimension for good: ten rounds at
 * most.
 */

static void
eval_groups_residue(onestop_run_t *rn, const eval_acc_t *totals)
{
    int          d, held;
    size_t       k;
    int64_t      out[ONESTOP_INDICES + 1], whole;
    eval_acc_t  *a, *m;

    if (totals->all.evaluations < EVAL_MIN) {
        return;
    }

    for ( ;; ) {
        memset(out, 0, sizeof(out));

        for (k = 0; k < rn->ngroups; k++) {
            a = (eval_acc_t *) rn->groups[k].counts;
            held = a->hidden || a->all.evaluations < EVAL_MIN;
            out[0] += held ? a->all.evaluations : 0;

            for (d = 1; d <= ONESTOP_INDICES; d++) {
                out[d] += eval_index_held(&a->all, d, held)
                          ? a->all.count[d] : 0;
            }
        }

        for (d = 0; d <= ONESTOP_INDICES; d++) {
            whole = d ? totals->all.count[d] : totals->all.evaluations;

            if (whole >= EVAL_MIN && out[d] > 0 && out[d] < EVAL_MIN) {
                break;
            }
        }

        if (d > ONESTOP_INDICES) {
            return;
        }

        m = NULL;

        for (k = 0; k < rn->ngroups; k++) {
            a = (eval_acc_t *) rn->groups[k].counts;

            if (!a->hidden && a->all.evaluations >= EVAL_MIN
                && (d == 0 || a->all.count[d] >= EVAL_MIN)
                && (m == NULL || a->all.evaluations < m->all.evaluations))
            {
                m = a;
            }
        }

        if (m == NULL) {
            return;         /* never: the totals would withhold it */
        }

        m->hidden = 1;
    }
}


int
onestop_store_evaluation_summary(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out)
{
    int                       rc, i, result, comment;
    size_t                    k;
    uint8_t                   start[ONESTOP_EVAL_DAY_LEN];
    uint32_t                  agency, procedure, dim[3];
    unsigned                  channel;
    yajl_gen                  g;
    MDB_val                   key, val, ek, ev;
    MDB_cursor               *cur;
    onestop_day_t             from, to, first, day;
    eval_acc_t                totals;
    onestop_group_t          *grp;
    onestop_run_t             rn;
    const uint8_t            *p;

    if (!st->reading) {
        return -2;
    }

    /* an evaluation carries its dossier's agency, procedure and intake
     * channel, nothing else: a return channel (group or filter), the
     * frozen figures and the questions would be ignored, and the answer
     * would claim a filter it never applied */

    for (i = 0; i < q->ngroup; i++) {
        if (q->group[i] == ONESTOP_DIM_RETURN_CHANNEL) {
            break;
        }
    }

    if (i < q->ngroup || q->return_channel >= 0 || q->published
        || q->subject)
    {
        snprintf(q->error, sizeof(q->error),
                 "return_channel, as=published and subject are not "
                 "available for evaluations");
        return -1;
    }

    onestop_run_init(&rn, st, q, today);
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

    if (rc == 0 && key.mv_size > ONESTOP_EVAL_DAY_LEN) {
        day = (onestop_day_t) get_be32(key.mv_data);
        first = day < today ? day : today;
    }

    if (onestop_query_settle(q, first, today, &from, &to) != 0) {
        mdb_cursor_close(cur);
        return -1;
    }

    memset(&totals, 0, sizeof(totals));
    be32(start, (uint32_t) from);
    key.mv_data = start;
    key.mv_size = ONESTOP_EVAL_DAY_LEN;
    result = -2;

    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        if (key.mv_size <= ONESTOP_EVAL_DAY_LEN) {
            continue;
        }

        day = (onestop_day_t) get_be32(key.mv_data);

        if (day > to) {
            break;
        }

        ek.mv_data = (uint8_t *) key.mv_data + ONESTOP_EVAL_DAY_LEN;
        ek.mv_size = key.mv_size - ONESTOP_EVAL_DAY_LEN;

        if (mdb_get(st->rtxn, st->evaluations, &ek, &ev) != 0
            || ev.mv_size < ONESTOP_EVAL_COMMENT)
        {
            continue;
        }

        p = ev.mv_data;
        channel = p[ONESTOP_EVAL_CHANNEL];
        memcpy(&agency, p + ONESTOP_EVAL_AGENCY, 4);
        memcpy(&procedure, p + ONESTOP_EVAL_PROCEDURE, 4);
        comment = (p[ONESTOP_EVAL_COMMENT_LEN]
                   | p[ONESTOP_EVAL_COMMENT_LEN + 1] << 8) != 0;

        if (!onestop_series_wanted(&rn, agency, procedure, channel, 0,
                                   ONESTOP_SERIES_CELL))
        {
            continue;
        }

        eval_add(&totals, p + ONESTOP_EVAL_ANSWERS, comment,
                 p[ONESTOP_EVAL_SOURCE]);

        if (q->ngroup) {
            dim[0] = dim[1] = dim[2] = 0;

            for (i = 0; i < q->ngroup; i++) {
                dim[i] = onestop_group_value(&rn, q->group[i], agency,
                                             procedure, channel, 0);
            }

            grp = onestop_group_get(&rn, dim);

            if (grp == NULL) {
                goto done;
            }

            eval_add((eval_acc_t *) grp->counts, p + ONESTOP_EVAL_ANSWERS,
                     comment, p[ONESTOP_EVAL_SOURCE]);
        }
    }

    if (rc != 0 && rc != MDB_NOTFOUND) {
        goto done;
    }

    onestop_groups_sort(&rn);

    eval_groups_residue(&rn, &totals);

    if (q->csv) {
        eval_csv(onestop_csv_dialect(q->csv), out, &rn, &totals);
        result = out->failed ? -2 : 0;
        goto done;
    }

    g = onestop_report_gen(out);

    if (g == NULL) {
        goto done;
    }

    onestop_report_head(g, q, from, to);
    onestop_gen_cstr(g, "totals");
    yajl_gen_map_open(g);
    eval_render(g, &totals);
    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "groups");
    yajl_gen_array_open(g);

    for (k = 0; k < rn.ngroups; k++) {
        yajl_gen_map_open(g);
        onestop_report_dims(g, &rn, rn.groups[k].dim);
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
    onestop_run_free(&rn);

    return result;
}
