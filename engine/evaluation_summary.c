/*
 * Evaluation summaries (Điều 12, 18; SPEC section 8): the count and the
 * mean of each of the nine indices over the evaluations of a period, by
 * the statistics query's filters and groups.  The idea: the
 * evaluation_days index (day, code) makes a period one range of keys, and
 * each evaluation carries its channel, agency and procedure, so that it
 * is filtered and grouped exactly as a cell of the counters is (stats.c's
 * grouping, report.c's head and dimensions); no figure is published of
 * fewer than EVAL_MIN evaluations.  Only reads.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_csv.h"
#include "onestop_stats_int.h"
#include "onestop_store_int.h"


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
            onestop_report_rate(num, sizeof(num),
                     (double) acc->sum[i] / (double) acc->count[i]);
            yajl_gen_number(g, num, strlen(num));
        } else {
            yajl_gen_null(g);
        }

        yajl_gen_map_close(g);
    }
}


/* issue 15: the summary as CSV, one row (the totals) or one per group,
 * as the statistics' CSV is; withheld figures are empty cells */

static void
eval_csv_row(const onestop_csv_t *d, onestop_buf_t *b, const eval_acc_t *acc)
{
    int   i, withheld;
    char  num[40];

    withheld = acc->evaluations < EVAL_MIN;

    for (i = 0; i <= ONESTOP_INDICES; i++) {
        if (withheld) {
            onestop_csv_empty(d, b, 0);
            onestop_csv_empty(d, b, i == ONESTOP_INDICES);
            continue;
        }

        if (i == 0) {
            onestop_csv_integer(d, b, (long long) acc->evaluations, 0);
            onestop_csv_integer(d, b, (long long) acc->comments, 0);
            continue;
        }

        onestop_csv_integer(d, b, (long long) acc->count[i], 0);

        if (acc->count[i]) {
            onestop_report_rate(num, sizeof(num),
                     (double) acc->sum[i] / (double) acc->count[i]);
            onestop_csv_number(d, b, num, i == ONESTOP_INDICES);
        } else {
            onestop_csv_empty(d, b, i == ONESTOP_INDICES);
        }
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

    memset(&rn, 0, sizeof(onestop_run_t));
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

        if (!onestop_series_wanted(&rn, agency, procedure, channel,
                                   ONESTOP_SERIES_CELL))
        {
            continue;
        }

        eval_add(&totals, p + ONESTOP_EVAL_ANSWERS, comment);

        if (q->ngroup) {
            dim[0] = dim[1] = dim[2] = 0;

            for (i = 0; i < q->ngroup; i++) {
                dim[i] = onestop_group_value(&rn, q->group[i], agency,
                                             procedure, channel);
            }

            grp = onestop_group_get(&rn, dim);

            if (grp == NULL) {
                goto done;
            }

            eval_add((eval_acc_t *) grp->counts, p + ONESTOP_EVAL_ANSWERS,
                     comment);
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

    onestop_groups_sort(&rn);

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
