/*
 * The answers of statistics as the API gives them: JSON (SPEC section 7's
 * COUNTERS per group or sub-period) or CSV (one row each, a spreadsheet's
 * way).  The idea: one list of the counters (counters_list) that both
 * renderings walk, so that JSON members and CSV columns are the same
 * figures in the same order, the rates derived in one place.  This file
 * only renders what stats.c read; it reads nothing of the store.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_csv.h"
#include "onestop_number.h"
#include "onestop_stats_int.h"


static void
gen_print(void *ctx, const char *s, size_t len)
{
    onestop_buf_add(ctx, s, len);
}


yajl_gen
onestop_report_gen(onestop_buf_t *out)
{
    yajl_gen  g;

    g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        return NULL;
    }

    yajl_gen_config(g, yajl_gen_print_callback, gen_print, out);
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);

    return g;
}


void
onestop_report_rate(char *buf, size_t size, double v)
{
    onestop_number_rate(buf, size, v);
}


/* the longest name of a counter or rate, which json_counts makes room
 * for; a longer one, or one that is not a string literal, does not
 * compile */
#define JSON_NAME_MAX  24
#define NAME_LEN(name)                                                      \
    (sizeof("" name) - 1 + 0 * sizeof(char[sizeof(name) - 1 <= JSON_NAME_MAX \
                                           ? 1 : -1]))

typedef struct {
    const char  *name;
    size_t       len;           /* the name's */
    int64_t      value;
} counter_t;

#define COUNTER(name, value)  (counter_t) { name, NAME_LEN(name), value }


/* a rate: its name, and its numerator and denominator (null when 0) */
typedef struct {
    const char  *name;
    size_t       len;           /* the name's */
    int64_t      num;
    int64_t      den;
} rate_t;

#define RATE(name, num, den)  (rate_t) { name, NAME_LEN(name), num, den }

#define RATES  3


static size_t
counters_list(const onestop_counts_t *c, counter_t *out, rate_t *rates)
{
    size_t   n;
    int64_t  resolved, judged, in_time, denom;

    /* judged: resolved against a deadline; a dossier without one counts
     * as resolved, not in the on-time rate (issue 18) */

    judged = c->resolved_early + c->resolved_on_time + c->resolved_late;
    resolved = judged + c->resolved_no_deadline;
    in_time = c->resolved_early + c->resolved_on_time;
    denom = c->carried_over + c->received;

    n = 0;
    out[n++] = COUNTER("carried_over", c->carried_over);
    out[n++] = COUNTER("received", c->received);
    out[n++] = COUNTER("received_online",
                             c->received_channel[ONESTOP_CH_ONLINE]);
    out[n++] = COUNTER("received_direct",
                             c->received_channel[ONESTOP_CH_DIRECT]);
    out[n++] = COUNTER("received_postal",
                             c->received_channel[ONESTOP_CH_POSTAL]);
    out[n++] = COUNTER("resolved", resolved);
    out[n++] = COUNTER("resolved_early", c->resolved_early);
    out[n++] = COUNTER("resolved_on_time", c->resolved_on_time);
    out[n++] = COUNTER("resolved_late", c->resolved_late);
    out[n++] = COUNTER("resolved_in_time", in_time);
    out[n++] = COUNTER("resolved_no_deadline",
                             c->resolved_no_deadline);
    out[n++] = COUNTER("withdrawn", c->withdrawn);
    out[n++] = COUNTER("withdrawn_in_time", c->withdrawn_in_time);
    out[n++] = COUNTER("returned_postal", c->returned_postal);
    out[n++] = COUNTER("pending", c->pending);
    out[n++] = COUNTER("pending_not_due",
                             c->pending - c->pending_overdue);
    out[n++] = COUNTER("pending_overdue", c->pending_overdue);
    out[n++] = COUNTER("apologies_issued", c->apologies_issued);
    out[n++] = COUNTER("due_moved_late", c->due_moved_late);

    rates[0] = RATE("resolution_rate", resolved, denom);
    rates[1] = RATE("on_time_rate", in_time, judged);

    /* Decision 766/QĐ-TTg, group 2 (progress and results): the dossiers
     * handled in the period that were, or still are, within their time
     * (resolved or withdrawn by the due date or without one, pending and
     * not yet due at the period's end), of all handled in it */

    rates[2] = RATE("progress_rate",
                          in_time + c->resolved_no_deadline
                          + c->withdrawn_in_time
                          + c->pending - c->pending_overdue,
                          denom);

    return n;
}


/* a rate's number as every answer writes it, and its length; 0 when its
 * denominator is 0 (the answer's null, the CSV's empty cell) */
static size_t
rate_text(char *num, size_t size, const rate_t *r)
{
    if (r->den == 0) {
        return 0;
    }

    return onestop_number_rate(num, size, (double) r->num / (double) r->den);
}


void
onestop_counts_render(yajl_gen g, const onestop_counts_t *c)
{
    char       num[40];
    size_t     i, n, len;
    rate_t     rates[RATES];
    counter_t  list[24];

    n = counters_list(c, list, rates);

    for (i = 0; i < n; i++) {
        onestop_gen_cstr(g, list[i].name);
        yajl_gen_number(g, num, onestop_number_int(num, list[i].value));
    }

    for (i = 0; i < RATES; i++) {
        onestop_gen_cstr(g, rates[i].name);

        if ((len = rate_text(num, sizeof(num), &rates[i])) != 0) {
            yajl_gen_number(g, num, len);
        } else {
            yajl_gen_null(g);
        }
    }
}


static void
csv_counters(const onestop_csv_t *d, onestop_buf_t *b,
    const onestop_counts_t *c)
{
    char       num[40];
    size_t     i, n;
    rate_t     rates[RATES];
    counter_t  list[24];

    n = counters_list(c, list, rates);

    for (i = 0; i < n; i++) {
        onestop_csv_integer(d, b, (long long) list[i].value, 0);
    }

    for (i = 0; i < RATES; i++) {
        if (rate_text(num, sizeof(num), &rates[i]) != 0) {
            onestop_csv_number(d, b, num, i == RATES - 1);
        } else {
            onestop_csv_empty(d, b, i == RATES - 1);
        }
    }
}


/* the headings of a group's dimensions (their ids, and names where they
 * have one), shared with the evaluation summary's CSV */

void
onestop_report_csv_dims_head(const onestop_csv_t *d, onestop_buf_t *b,
    const onestop_query_t *q)
{
    int   i;
    char  name[64];

    for (i = 0; i < q->ngroup; i++) {
        onestop_csv_heading(d, b, onestop_dim_word(q->group[i]), 0);

        if (q->group[i] <= ONESTOP_DIM_PROCEDURE) {
            snprintf(name, sizeof(name), "%s_name",
                     onestop_dim_word(q->group[i]));
            onestop_csv_heading(d, b, name, 0);
        }
    }
}


void
onestop_report_csv_dims(const onestop_csv_t *d, onestop_buf_t *out,
    const onestop_run_t *rn, const uint32_t *dim)
{
    int                     i;
    onestop_str_t           tmp;
    const onestop_str_t    *s;
    const onestop_query_t  *q = rn->q;

    for (i = 0; i < q->ngroup; i++) {
        s = onestop_dim_id(rn->cat, q->group[i], dim[i], &tmp);
        onestop_csv_text(d, out, s->data, s->len, 0);

        s = onestop_dim_name(rn->cat, q->group[i], dim[i]);

        if (s != NULL) {
            onestop_csv_text(d, out, s->data, s->len, 0);
        }
    }
}


static void
csv_header(const onestop_csv_t *d, onestop_buf_t *b, const onestop_query_t *q)
{
    int        i;
    size_t     n;
    rate_t     rates[RATES];
    counter_t  list[24];
    onestop_counts_t  zero;

    onestop_csv_bom(b);

    if (q->interval) {
        onestop_csv_heading(d, b, "from", 0);
        onestop_csv_heading(d, b, "to", 0);
    }

    onestop_report_csv_dims_head(d, b, q);

    memset(&zero, 0, sizeof(zero));
    n = counters_list(&zero, list, rates);

    for (i = 0; i < (int) n; i++) {
        onestop_csv_heading(d, b, list[i].name, 0);
    }

    for (i = 0; i < RATES; i++) {
        onestop_csv_heading(d, b, rates[i].name, i == RATES - 1);
    }
}


static void
csv_render(const onestop_run_t *rn, const onestop_counts_t *totals,
    onestop_buf_t *out)
{
    size_t                  k, p;
    const onestop_csv_t    *d;
    const onestop_query_t  *q = rn->q;

    d = onestop_csv_dialect(q->csv);
    csv_header(d, out, q);

    if (q->interval) {
        for (p = 0; p < rn->nperiods; p++) {
            onestop_csv_day(d, out, rn->pfrom[p], 0);
            onestop_csv_day(d, out, rn->pto[p], 0);
            csv_counters(d, out, &totals[p]);
        }

    } else if (q->ngroup == 0) {
        csv_counters(d, out, &totals[0]);

    } else {
        for (k = 0; k < rn->ngroups; k++) {
            onestop_report_csv_dims(d, out, rn, rn->groups[k].dim);
            csv_counters(d, out, &rn->groups[k].counts[0]);
        }
    }
}


void
onestop_report_head(yajl_gen g, const onestop_query_t *q, onestop_day_t from,
    onestop_day_t to)
{
    int   i;
    char  d[ONESTOP_DATE_LEN];

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "from");
    onestop_day_format(from, d);
    onestop_gen_str(g, d, ONESTOP_DATE_LEN);
    onestop_gen_cstr(g, "to");
    onestop_day_format(to, d);
    onestop_gen_str(g, d, ONESTOP_DATE_LEN);

    onestop_gen_cstr(g, "group");
    yajl_gen_array_open(g);

    for (i = 0; i < q->ngroup; i++) {
        onestop_gen_cstr(g, onestop_dim_word(q->group[i]));
    }

    yajl_gen_array_close(g);
}


void
onestop_report_dims(yajl_gen g, const onestop_run_t *rn, const uint32_t *dim)
{
    int                     i;
    onestop_buf_t           key;
    onestop_str_t           tmp;
    const onestop_str_t    *s;
    const onestop_query_t  *q = rn->q;

    for (i = 0; i < q->ngroup; i++) {
        onestop_gen_cstr(g, onestop_dim_word(q->group[i]));
        s = onestop_dim_id(rn->cat, q->group[i], dim[i], &tmp);
        onestop_gen_str(g, s->data, s->len);

        s = onestop_dim_name(rn->cat, q->group[i], dim[i]);

        if (s != NULL) {
            memset(&key, 0, sizeof(key));
            onestop_buf_printf(&key, "%s_name", onestop_dim_word(q->group[i]));
            onestop_gen_str(g, key.data, key.len);
            onestop_buf_free(&key);
            onestop_gen_str(g, s->data, s->len);
        }
    }
}


/*
 * The statistics answer is written straight into the buffer, the same
 * bytes as the yajl renderers above write (the change feed's figures,
 * the published figures and the evaluation summary still use them): its
 * members' names are literals or ASCII words, its numbers are ours
 * (number.c), and only the catalog's ids and names need escaping.  A
 * group=agency answer of 200 groups is some 5,000 members; through yajl
 * each was six print calls.
 */


/* "word": a member's name, after a comma unless it is the first */
static void
json_name(onestop_buf_t *b, const char *word, int first)
{
    if (!first) {
        onestop_buf_lit(b, ",");
    }

    onestop_buf_lit(b, "\"");
    onestop_buf_adds(b, word);
    onestop_buf_lit(b, "\":");
}


/* ,"name": into p, the comma unless first; the position after it */
static char *
json_member(char *p, const char *name, size_t len, int first)
{
    if (!first) {
        *p++ = ',';
    }

    *p++ = '"';
    memcpy(p, name, len);
    p += len;
    *p++ = '"';
    *p++ = ':';

    return p;
}


/* onestop_counts_render's members, written in place: a group's room is
 * made once (a grouped answer writes some twenty of them a group, and
 * checking the room for each of their pieces was a tenth of the query) */
static void
json_counts(onestop_buf_t *b, const onestop_counts_t *c, int first)
{
    char       *p;
    size_t      i, n, len, room;
    rate_t      rates[RATES];
    counter_t   list[24];

    n = counters_list(c, list, rates);

    room = (n + RATES) * (JSON_NAME_MAX + 4 + ONESTOP_NUMBER_MAX);

    if (b->failed
        || (b->cap - b->len < room + 1 && onestop_buf_grow(b, room) != 0))
    {
        return;
    }

    p = b->data + b->len;

    for (i = 0; i < n; i++) {
        p = json_member(p, list[i].name, list[i].len, first && i == 0);
        p += onestop_number_int(p, list[i].value);
    }

    for (i = 0; i < RATES; i++) {
        p = json_member(p, rates[i].name, rates[i].len, 0);

        if ((len = rate_text(p, ONESTOP_NUMBER_MAX, &rates[i])) != 0) {
            p += len;
        } else {
            memcpy(p, "null", 4);
            p += 4;
        }
    }

    b->len = (size_t) (p - b->data);
    b->data[b->len] = '\0';
}


/* onestop_report_dims's members, the group's first */
static void
json_dims(onestop_buf_t *b, const onestop_run_t *rn, const uint32_t *dim)
{
    int                     i;
    onestop_str_t           tmp;
    const onestop_str_t    *s;
    const onestop_query_t  *q = rn->q;

    for (i = 0; i < q->ngroup; i++) {
        json_name(b, onestop_dim_word(q->group[i]), i == 0);
        s = onestop_dim_id(rn->cat, q->group[i], dim[i], &tmp);
        onestop_json_str(b, s->data, s->len);

        s = onestop_dim_name(rn->cat, q->group[i], dim[i]);

        if (s != NULL) {
            onestop_buf_lit(b, ",\"");
            onestop_buf_adds(b, onestop_dim_word(q->group[i]));
            onestop_buf_lit(b, "_name\":");
            onestop_json_str(b, s->data, s->len);
        }
    }
}


void
onestop_report_stats(const onestop_run_t *rn, const onestop_counts_t *totals,
    onestop_buf_t *out)
{
    int                     i;
    size_t                  k, p;
    onestop_counts_t        all;
    const onestop_query_t  *q = rn->q;

    if (q->csv) {
        csv_render(rn, totals, out);
        return;
    }

    /* onestop_report_head's */

    onestop_buf_lit(out, "{\"from\":");
    onestop_json_day(out, rn->pfrom[0]);
    onestop_buf_lit(out, ",\"to\":");
    onestop_json_day(out, rn->pto[rn->nperiods - 1]);
    onestop_buf_lit(out, ",\"group\":[");

    for (i = 0; i < q->ngroup; i++) {
        if (i) {
            onestop_buf_lit(out, ",");
        }

        onestop_buf_lit(out, "\"");
        onestop_buf_adds(out, onestop_dim_word(q->group[i]));
        onestop_buf_lit(out, "\"");
    }

    onestop_buf_lit(out, "],\"totals\":{");

    if (q->interval) {
        /* the totals of the whole span: its first sub-period's carried
         * over, the sums of the flows, the last one's pending */

        memset(&all, 0, sizeof(all));

        for (p = 0; p < rn->nperiods; p++) {
            onestop_counts_add(&all, &totals[p]);
        }

        all.carried_over = totals[0].carried_over;
        all.pending = totals[rn->nperiods - 1].pending;
        all.pending_overdue = totals[rn->nperiods - 1].pending_overdue;

        json_counts(out, &all, 1);
        onestop_buf_lit(out, "},\"series\":[");

        for (p = 0; p < rn->nperiods; p++) {
            if (p) {
                onestop_buf_lit(out, ",");
            }

            onestop_buf_lit(out, "{\"from\":");
            onestop_json_day(out, rn->pfrom[p]);
            onestop_buf_lit(out, ",\"to\":");
            onestop_json_day(out, rn->pto[p]);
            json_counts(out, &totals[p], 0);
            onestop_buf_lit(out, "}");
        }

    } else {
        json_counts(out, &totals[0], 1);
        onestop_buf_lit(out, "},\"groups\":[");

        for (k = 0; k < rn->ngroups; k++) {
            if (k) {
                onestop_buf_lit(out, ",");
            }

            onestop_buf_lit(out, "{");
            json_dims(out, rn, rn->groups[k].dim);
            json_counts(out, &rn->groups[k].counts[0], q->ngroup == 0);
            onestop_buf_lit(out, "}");
        }
    }

    onestop_buf_lit(out, "]}\n");
}


/* the dimensions' words, and their values' ids and names */

const onestop_str_t *
onestop_dim_id(const onestop_catalog_t *cat, int dim, uint32_t v,
    onestop_str_t *tmp)
{
    const char  *s;

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
    case ONESTOP_DIM_RETURN_CHANNEL:
        s = onestop_return_channel_name(v);
        break;
    default:
        s = onestop_level_name(v);
    }

    tmp->data = s;
    tmp->len = strlen(s);
    return tmp;
}


const onestop_str_t *
onestop_dim_name(const onestop_catalog_t *cat, int dim, uint32_t v)
{
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


const char *
onestop_dim_word(int dim)
{
    static const char  *words[] = {
        "", "agency", "top_agency", "field", "procedure", "channel", "level",
        "kind", "return_channel"
    };

    return words[dim];
}
