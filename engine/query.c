/*
 * The queries of statistics, evaluation summaries and the apology list,
 * typed once.  onestop_args_parse() (args.c) splits a query string into
 * arguments, and the CLI makes the same of its options; here each one is
 * checked and turned into the typed query (interned catalog ids, day
 * numbers, dimensions) that HTTP and the CLI hand alike to the store's
 * readers, or refused with the message of the 400.  Nothing after this
 * file reads an argument.  The period a query names is settled against
 * today and the store here too.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_csv.h"
#include "onestop_stats_int.h"


static int published_check(onestop_query_t *q);


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
    int                   d, j, has_return, has_cell;
    size_t                i, start, k;
    const onestop_arg_t  *a;
    const onestop_str_t  *v;

    static const char  *periods[] = { "today", "month", "quarter", "year",
                                      "all" };
    static const char  *intervals[] = { "day", "month", "quarter", "year" };
    static const char  *const names[] = {
        "from", "to", "agency", "under", "field", "procedure", "period",
        "interval", "group", "channel", "level", "format", "subject",
        "kind", "locale", "return_channel", "as", NULL
    };

    memset(q, 0, sizeof(onestop_query_t));
    q->channel = -1;
    q->return_channel = -1;
    q->kind = -1;

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

                if (k - start == 4 && memcmp(v->data + start, "kind", 4)
                                      == 0)
                {
                    d = ONESTOP_DIM_KIND;
                }

                if (k - start == 14
                    && memcmp(v->data + start, "return_channel", 14) == 0)
                {
                    d = ONESTOP_DIM_RETURN_CHANNEL;
                }

                if (d == 0 || q->ngroup == 3) {
                    snprintf(q->error, sizeof(q->error),
                             "group is up to three of agency, top_agency, "
                             "field, procedure, channel, level, "
                             "return_channel");
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

        } else if (arg_is(a, "return_channel")) {
            q->return_channel = onestop_return_channel_parse(v->data, v->len);

            if (q->return_channel < 0) {
                snprintf(q->error, sizeof(q->error),
                         "return_channel must be counter, postal or online");
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

        } else if (arg_is(a, "subject")) {
            if (val_is(v, "feedback")) {
                q->subject = 1;

            } else if (!val_is(v, "dossiers")) {
                snprintf(q->error, sizeof(q->error),
                         "subject must be dossiers or feedback");
                return -1;
            }

        } else if (arg_is(a, "as")) {
            if (val_is(v, "published")) {
                q->published = 1;

            } else if (!val_is(v, "today")) {
                snprintf(q->error, sizeof(q->error),
                         "as must be today or published");
                return -1;
            }

        } else if (arg_is(a, "kind")) {
            for (j = 0; j < 3; j++) {
                static const char  *kinds[] = { "question", "complaint",
                                                "suggestion" };
                if (val_is(v, kinds[j])) {
                    q->kind = j;
                }
            }

            if (q->kind < 0) {
                snprintf(q->error, sizeof(q->error),
                         "kind must be question, complaint or suggestion");
                return -1;
            }

        }
    }

    /* format and locale (onestop_csv.h) */

    j = onestop_csv_format(args, nargs, q->error, sizeof(q->error));

    if (j < 0) {
        return -1;
    }

    q->csv = j;

    if (q->period && (q->f.has_from || q->f.has_to)) {
        snprintf(q->error, sizeof(q->error),
                 "period cannot be combined with from or to");
        return -1;
    }

    /* questions: their own counters, by agency and kind only */

    has_return = 0;
    has_cell = 0;

    for (j = 0; j < q->ngroup; j++) {
        if ((q->group[j] == ONESTOP_DIM_KIND) != 0 && !q->subject) {
            snprintf(q->error, sizeof(q->error),
                     "group is up to three of agency, top_agency, field, "
                     "procedure, channel, level, return_channel");
            return -1;
        }

        if (q->group[j] == ONESTOP_DIM_RETURN_CHANNEL) {
            has_return = 1;
        }

        if (q->group[j] == ONESTOP_DIM_FIELD
            || q->group[j] == ONESTOP_DIM_PROCEDURE)
        {
            has_cell = 1;
        }

        if (q->subject && q->group[j] != ONESTOP_DIM_AGENCY
            && q->group[j] != ONESTOP_DIM_TOP_AGENCY
            && q->group[j] != ONESTOP_DIM_KIND)
        {
            snprintf(q->error, sizeof(q->error),
                     "with subject=feedback, group is up to three of "
                     "agency, top_agency, kind");
            return -1;
        }
    }

    /* the return channel is counted by agency (issue 18: the 'R' series),
     * not by field or procedure */

    if ((has_return || q->return_channel >= 0)
        && (has_cell || q->f.field || q->f.procedure || q->subject))
    {
        snprintf(q->error, sizeof(q->error),
                 "return_channel (group or filter) cannot be combined with "
                 "field, procedure or subject=feedback");
        return -1;
    }

    if (q->subject && (q->f.field || q->f.procedure || q->channel >= 0
                       || q->level || q->interval || q->csv))
    {
        snprintf(q->error, sizeof(q->error),
                 "with subject=feedback, the filters are agency, under and "
                 "kind, without interval or format=csv");
        return -1;
    }

    if (q->kind >= 0 && !q->subject) {
        snprintf(q->error, sizeof(q->error), "kind needs subject=feedback");
        return -1;
    }

    if (q->interval && q->ngroup) {
        snprintf(q->error, sizeof(q->error),
                 "interval cannot be combined with group");
        return -1;
    }

    return published_check(q);
}


/* as=published (issue 18): the figures kept per agency and whole month */

static int
published_check(onestop_query_t *q)
{
    if (!q->published) {
        return 0;
    }

    if (q->subject || q->channel >= 0 || q->return_channel >= 0
        || q->f.field || q->f.procedure || q->level || q->interval
        || (q->ngroup
            && (q->ngroup > 1
                || (q->group[0] != ONESTOP_DIM_AGENCY
                    && q->group[0] != ONESTOP_DIM_TOP_AGENCY))))
    {
        snprintf(q->error, sizeof(q->error),
                 "as=published keeps the figures of each agency and month: "
                 "group is agency or top_agency (or none), the filters "
                 "agency and under; not subject, channel, return_channel, "
                 "field, procedure, level or interval");
        return -1;
    }

    if (!q->f.has_from || !q->f.has_to) {
        snprintf(q->error, sizeof(q->error),
                 "as=published needs from and to: whole months, from a "
                 "month's first day to a month's last day");
        return -1;
    }

    return 0;
}


/* the effective [from, to] of a query (see onestop_stats_int.h) */

int
onestop_query_settle(onestop_query_t *q, onestop_day_t first,
    onestop_day_t today, onestop_day_t *fromp, onestop_day_t *top)
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


/* the apology letters' list */

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
        "after", "format", "locale", NULL
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

    rc = onestop_csv_format(args, nargs, q->error, sizeof(q->error));

    if (rc < 0) {
        return -1;
    }

    q->csv = rc;

    return 0;
}
