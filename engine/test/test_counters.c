/*
 * Unit tests of the statistics (SPEC section 7, docs/rules.md section 6)
 * against a brute force: a random history of a few hundred dossiers --
 * dates over three and a half years written as dates, as local times, in
 * UTC and in another offset, some received tomorrow, new versions that
 * move dossiers between agencies, procedures, channels and outcomes,
 * same-version resends, stale versions, deletions and revivals -- is
 * written through the public write API while the test keeps its own model
 * of the current records by SPEC section 5's rules.  Then, for many random
 * periods, groupings, filters and intervals, the JSON answer of
 * onestop_store_stats (parsed by onestop_query_parse, as the CLI's `stats`
 * does) must equal a count made here over the model from the definitions
 * of section 7 alone, and the report's identities must hold.
 *
 * The seed is printed; ONESTOP_SEED=N repeats a run.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "onestop_args.h"
#include "onestop_stats.h"
#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define NAG     7
#define NPROC   4
#define NCODES  400
#define NQUERY  400
#define LOCAL   (7 * 3600)


#include "history.h"
#include "yajl_same.h"


/* the brute force: section 7's definitions, one dossier at a time */

typedef struct {
    long  co, recv, rch[3], early, ontime, late, wd, retp, pend, over;
} bc_t;


static void
bcount(const mrec_t *r, int from, int to, bc_t *c)
{
    if (r->recv >= from && r->recv <= to) {
        c->recv++;
        c->rch[r->ch]++;
    }

    if (r->res && r->res >= from && r->res <= to) {
        if (r->res < r->due) {
            c->early++;
        } else if (r->res == r->due) {
            c->ontime++;
        } else {
            c->late++;
        }
    }

    if (r->wd && r->wd >= from && r->wd <= to) {
        c->wd++;
    }

    if (r->ret && r->ret >= from && r->ret <= to && r->retch == 1) {
        c->retp++;
    }

    if (r->recv < from && !(r->res && r->res < from)
        && !(r->wd && r->wd < from))
    {
        c->co++;
    }

    if (r->recv <= to && !(r->res && r->res <= to)
        && !(r->wd && r->wd <= to))
    {
        c->pend++;

        if (r->due < to) {
            c->over++;
        }
    }
}


static int
bc_zero(const bc_t *c)
{
    return c->co == 0 && c->recv == 0 && c->early == 0 && c->ontime == 0
           && c->late == 0 && c->wd == 0 && c->retp == 0 && c->pend == 0
           && c->over == 0;
}


/* a query, as the test draws it */

typedef struct {
    int   agency, under, field, proc, ch, level;     /* -1: none */
    int   group[3], ngroup;
    int   interval;                                  /* 0 none, 1-4 */
} query_t;


static int
matches(const query_t *q, const mrec_t *r)
{
    return r->stored == 1
           && (q->agency < 0 || r->ag == q->agency)
           && (q->under < 0 || r->ag == q->under
               || ag_parent[r->ag] == q->under)
           && (q->field < 0 || proc_field[r->proc] == q->field)
           && (q->proc < 0 || r->proc == q->proc)
           && (q->ch < 0 || r->ch == q->ch)
           && (q->level < 0 || ag_level[r->ag] == q->level);
}


static const char *
dim_value(int dim, const mrec_t *r)
{
    switch (dim) {
    case ONESTOP_DIM_AGENCY:
        return ag_id[r->ag];
    case ONESTOP_DIM_TOP_AGENCY:
        return ag_id[ag_top[r->ag]];
    case ONESTOP_DIM_FIELD:
        return field_id[proc_field[r->proc]];
    case ONESTOP_DIM_PROCEDURE:
        return proc_id[r->proc];
    case ONESTOP_DIM_CHANNEL:
        return ch_name[r->ch];
    }

    return level_name[ag_level[r->ag]];
}


/* the last day of the interval's sub-period that begins on `from` */
static int
period_end(int from, int interval)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) from * 86400;
    gmtime_r(&t, &tm);

    switch (interval) {
    case ONESTOP_IV_DAY:
        return from;
    case ONESTOP_IV_MONTH:
        return civil(tm.tm_year + 1900 + (tm.tm_mon == 11),
                     tm.tm_mon == 11 ? 1 : tm.tm_mon + 2, 1) - 1;
    case ONESTOP_IV_QUARTER:
        return tm.tm_mon >= 9 ? civil(tm.tm_year + 1901, 1, 1) - 1
                              : civil(tm.tm_year + 1900,
                                      tm.tm_mon / 3 * 3 + 4, 1) - 1;
    }

    return civil(tm.tm_year + 1901, 1, 1) - 1;
}


/* comparing an answer */

static char  diag[1024];


static int
member_int(yajl_val obj, const char *name, long want, const char *where)
{
    const char  *path[2] = { name, NULL };
    yajl_val     v;

    v = yajl_tree_get(obj, path, yajl_t_number);

    if (v == NULL || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) != want) {
        if (diag[0] == '\0') {
            snprintf(diag, sizeof(diag), "%s: %s is %lld, want %ld", where,
                     name, v != NULL && YAJL_IS_INTEGER(v)
                           ? (long long) YAJL_GET_INTEGER(v) : -999LL,
                     want);
        }

        return 1;
    }

    return 0;
}


static int
member_rate(yajl_val obj, const char *name, long num, long den,
    const char *where)
{
    const char  *path[2] = { name, NULL };
    yajl_val     v;

    v = yajl_tree_get(obj, path, yajl_t_any);

    if (den == 0 ? v == NULL || !YAJL_IS_NULL(v)
                 : v == NULL || !YAJL_IS_NUMBER(v)
                   || YAJL_GET_DOUBLE(v) != (double) num / (double) den)
    {
        if (diag[0] == '\0') {
            snprintf(diag, sizeof(diag), "%s: %s is not %ld/%ld", where,
                     name, num, den);
        }

        return 1;
    }

    return 0;
}


static int
same_counts(yajl_val obj, const bc_t *c, const char *where)
{
    int   bad;
    long  resolved;

    resolved = c->early + c->ontime + c->late;

    bad = member_int(obj, "carried_over", c->co, where)
          + member_int(obj, "received", c->recv, where)
          + member_int(obj, "received_direct", c->rch[0], where)
          + member_int(obj, "received_online", c->rch[1], where)
          + member_int(obj, "received_postal", c->rch[2], where)
          + member_int(obj, "resolved", resolved, where)
          + member_int(obj, "resolved_early", c->early, where)
          + member_int(obj, "resolved_on_time", c->ontime, where)
          + member_int(obj, "resolved_late", c->late, where)
          + member_int(obj, "resolved_in_time", c->early + c->ontime, where)
          + member_int(obj, "withdrawn", c->wd, where)
          + member_int(obj, "returned_postal", c->retp, where)
          + member_int(obj, "pending", c->pend, where)
          + member_int(obj, "pending_not_due", c->pend - c->over, where)
          + member_int(obj, "pending_overdue", c->over, where)
          + member_rate(obj, "resolution_rate", resolved, c->co + c->recv,
                        where)
          + member_rate(obj, "on_time_rate", c->early + c->ontime, resolved,
                        where);

    return bad == 0;
}


static long
get_int(yajl_val obj, const char *name)
{
    const char  *path[2] = { name, NULL };
    yajl_val     v;

    v = yajl_tree_get(obj, path, yajl_t_number);

    return v != NULL && YAJL_IS_INTEGER(v) ? (long) YAJL_GET_INTEGER(v)
                                           : -1000000;
}


/* the identities of the report, in the answer itself */
static int
identities(yajl_val obj)
{
    return get_int(obj, "carried_over") + get_int(obj, "received")
           == get_int(obj, "resolved") + get_int(obj, "withdrawn")
              + get_int(obj, "pending")
           && get_int(obj, "pending")
              == get_int(obj, "pending_not_due")
                 + get_int(obj, "pending_overdue")
           && get_int(obj, "resolved")
              == get_int(obj, "resolved_early")
                 + get_int(obj, "resolved_on_time")
                 + get_int(obj, "resolved_late")
           && get_int(obj, "received")
              == get_int(obj, "received_direct")
                 + get_int(obj, "received_online")
                 + get_int(obj, "received_postal");
}


static const char *
member_str(yajl_val obj, const char *name)
{
    const char  *path[2] = { name, NULL };
    yajl_val     v;

    v = yajl_tree_get(obj, path, yajl_t_string);

    return v != NULL ? YAJL_GET_STRING(v) : NULL;
}


/* the brute force's groups */

typedef struct {
    const char  *v[3];
    bc_t         c;
    int          seen;
} bgroup_t;


static int
check_groups(yajl_val groups, const query_t *q, int from, int to,
    int *identities_ok)
{
    int          i, j, k, nb, found;
    char         where[300];
    bgroup_t     bg[512];
    yajl_val     g, prev;
    const char  *v, *pv;

    nb = 0;

    for (i = 0; i < NCODES; i++) {
        const char  *val[3];

        if (!matches(q, &m[i])) {
            continue;
        }

        for (j = 0; j < q->ngroup; j++) {
            val[j] = dim_value(q->group[j], &m[i]);
        }

        for (k = 0; k < nb; k++) {
            for (j = 0; j < q->ngroup && bg[k].v[j] == val[j]; j++) {
                /* void */
            }

            if (j == q->ngroup) {
                break;
            }
        }

        if (k == nb) {
            memset(&bg[nb], 0, sizeof(bgroup_t));
            memcpy(bg[nb].v, val, sizeof(val));
            nb++;
        }

        bcount(&m[i], from, to, &bg[k].c);
    }

    if (groups == NULL || !YAJL_IS_ARRAY(groups)) {
        snprintf(diag, sizeof(diag), "no groups");
        return 0;
    }

    if (q->ngroup == 0) {
        if (groups->u.array.len != 0) {
            snprintf(diag, sizeof(diag), "groups without group");
            return 0;
        }

        return 1;
    }

    prev = NULL;

    for (i = 0; i < (int) groups->u.array.len; i++) {
        g = groups->u.array.values[i];

        /* in order, by values in group order, ids by bytes */

        if (prev != NULL) {
            int  c = 0;

            for (j = 0; j < q->ngroup && c == 0; j++) {
                v = member_str(g, dim_name[q->group[j]]);
                pv = member_str(prev, dim_name[q->group[j]]);
                c = v != NULL && pv != NULL ? strcmp(pv, v) : 0;
            }

            if (c >= 0) {
                snprintf(diag, sizeof(diag), "group %d is out of order", i);
                return 0;
            }
        }

        prev = g;
        found = -1;

        for (k = 0; k < nb && found < 0; k++) {
            for (j = 0; j < q->ngroup; j++) {
                v = member_str(g, dim_name[q->group[j]]);

                if (v == NULL || strcmp(v, bg[k].v[j]) != 0) {
                    break;
                }
            }

            if (j == q->ngroup) {
                found = k;
            }
        }

        if (found < 0 || bg[found].seen++) {
            snprintf(diag, sizeof(diag), "group %d is not the brute force's",
                     i);
            return 0;
        }

        for (j = 0; j < q->ngroup; j++) {
            char  name[32];

            if (q->group[j] == ONESTOP_DIM_CHANNEL
                || q->group[j] == ONESTOP_DIM_LEVEL)
            {
                continue;
            }

            snprintf(name, sizeof(name), "%s_name", dim_name[q->group[j]]);

            if (member_str(g, name) == NULL) {
                snprintf(diag, sizeof(diag), "group %d has no %s", i, name);
                return 0;
            }
        }

        snprintf(where, sizeof(where), "group %d", i);

        if (!same_counts(g, &bg[found].c, where)) {
            return 0;
        }

        if (!identities(g)) {
            *identities_ok = 0;
        }
    }

    for (k = 0; k < nb; k++) {
        if (!bg[k].seen && !bc_zero(&bg[k].c)) {
            snprintf(diag, sizeof(diag), "a group is missing (%s ...)",
                     bg[k].v[0]);
            return 0;
        }
    }

    return 1;
}


static int
check_series(yajl_val series, const query_t *q, int from, int to,
    int *identities_ok)
{
    int          i, p, pf, pt;
    char         where[64], d[11];
    bc_t         c;
    yajl_val     s;
    const char  *v;

    if (series == NULL || !YAJL_IS_ARRAY(series)) {
        snprintf(diag, sizeof(diag), "no series");
        return 0;
    }

    for (p = 0, pf = from; pf <= to; p++, pf = pt + 1) {
        pt = period_end(pf, q->interval);
        pt = pt > to ? to : pt;

        if (p >= (int) series->u.array.len) {
            snprintf(diag, sizeof(diag), "the series stops at %d", p);
            return 0;
        }

        s = series->u.array.values[p];
        snprintf(where, sizeof(where), "series %d", p);

        ymd(pf, d);
        v = member_str(s, "from");

        if (v == NULL || strcmp(v, d) != 0) {
            snprintf(diag, sizeof(diag), "series %d from %s, want %s", p,
                     v ? v : "none", d);
            return 0;
        }

        ymd(pt, d);
        v = member_str(s, "to");

        if (v == NULL || strcmp(v, d) != 0) {
            snprintf(diag, sizeof(diag), "series %d to %s, want %s", p,
                     v ? v : "none", d);
            return 0;
        }

        memset(&c, 0, sizeof(c));

        for (i = 0; i < NCODES; i++) {
            if (matches(q, &m[i])) {
                bcount(&m[i], pf, pt, &c);
            }
        }

        if (!same_counts(s, &c, where)) {
            return 0;
        }

        if (!identities(s)) {
            *identities_ok = 0;
        }
    }

    if (p != (int) series->u.array.len) {
        snprintf(diag, sizeof(diag), "%zu sub-periods, want %d",
                 series->u.array.len, p);
        return 0;
    }

    return 1;
}


/* one random query: 1 when the answer is the brute force's */

static int
one_query(onestop_store_t *st, int first, char *qs, size_t qsize,
    int *identities_ok)
{
    int                       i, j, rc, mode, f, t, from, to, period, want_err;
    char                      d[11], errbuf[128];
    char                     *buf;
    bc_t                      c;
    query_t                   q;
    yajl_val                  root;
    onestop_buf_t             out;
    onestop_args_t            args;
    onestop_query_t           oq;
    const onestop_catalog_t  *cat;

    static const char  *periods[] = { "today", "month", "quarter", "year",
                                      "all" };
    static const char  *intervals[] = { "", "day", "month", "quarter",
                                        "year" };

    memset(&q, 0, sizeof(q));
    q.agency = q.under = q.field = q.proc = q.ch = q.level = -1;
    qs[0] = '\0';
    diag[0] = '\0';

    /* the period */

    f = day0 - 30 + rn(today - day0 + 40);
    t = f + rn(rn(3) ? 60 : 1500);

    if (rn(6) == 0) {
        /* whole years, as the portal asks for them */
        i = 2018 + rn(4);
        f = civil(i, 1, 1);
        t = civil(i + rn(2), 12, 31);
    }

    mode = rn(20);
    period = 0;

    if (mode < 13) {
        ymd(f, d);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "from=%s&", d);
        ymd(t, d);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "to=%s&", d);
    } else if (mode < 15) {
        ymd(f, d);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "from=%s&", d);
        t = today;
    } else if (mode < 17) {
        ymd(t, d);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "to=%s&", d);
        f = first;
    } else if (mode < 19) {
        period = 1 + rn(5);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "period=%s&",
                 periods[period - 1]);
    } else {
        f = first;
        t = today;
    }

    /* settled as section 7 says */

    to = t < today ? t : today;
    from = f;

    if (period) {
        time_t     tt = (time_t) today * 86400;
        struct tm  tm;

        gmtime_r(&tt, &tm);
        from = period == 1 ? today
             : period == 2 ? civil(tm.tm_year + 1900, tm.tm_mon + 1, 1)
             : period == 3 ? civil(tm.tm_year + 1900, tm.tm_mon / 3 * 3 + 1,
                                   1)
             : period == 4 ? civil(tm.tm_year + 1900, 1, 1)
             : first;
        to = today;

    } else if ((mode >= 15 && mode < 17) || mode == 19) {
        if (from > to) {
            from = to;         /* a `to` before the first dossier */
        }
    }

    want_err = from > to;

    /* filters, groups, an interval */

    if (rn(6) == 0) {
        q.agency = rn(NAG);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "agency=%s&",
                 ag_id[q.agency]);
    }

    if (rn(6) == 0) {
        q.under = rn(NAG);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "under=%s&",
                 ag_id[q.under]);
    }

    if (rn(8) == 0) {
        q.field = rn(3);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "field=%s&",
                 field_id[q.field]);
    }

    if (rn(8) == 0) {
        q.proc = rn(NPROC);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "procedure=%s&",
                 proc_id[q.proc]);
    }

    if (rn(6) == 0) {
        q.ch = rn(3);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "channel=%s&",
                 ch_name[q.ch]);
    }

    if (rn(8) == 0) {
        q.level = rn(3);
        snprintf(qs + strlen(qs), qsize - strlen(qs), "level=%s&",
                 level_name[q.level]);
    }

    if (rn(2)) {
        q.ngroup = 1 + rn(3);

        for (i = 0; i < q.ngroup; i++) {
            do {
                q.group[i] = 1 + rn(6);

                for (j = 0; j < i && q.group[j] != q.group[i]; j++) {
                    /* void */
                }
            } while (j < i);
        }

        snprintf(qs + strlen(qs), qsize - strlen(qs), "group=%s%s%s%s%s&",
                 dim_name[q.group[0]], q.ngroup > 1 ? "," : "",
                 q.ngroup > 1 ? dim_name[q.group[1]] : "",
                 q.ngroup > 2 ? "," : "",
                 q.ngroup > 2 ? dim_name[q.group[2]] : "");

    } else if (rn(3) == 0) {
        q.interval = 2 + rn(3);

        if (!want_err && to - from < 70 && rn(2)) {
            q.interval = ONESTOP_IV_DAY;
        }

        snprintf(qs + strlen(qs), qsize - strlen(qs), "interval=%s&",
                 intervals[q.interval]);
    }

    if (rn(4) == 0) {
        snprintf(qs + strlen(qs), qsize - strlen(qs), "format=json&");
    }

    if (qs[0] != '\0') {
        qs[strlen(qs) - 1] = '\0';
    }

    /* the engine's answer */

    buf = malloc(strlen(qs) + 1);

    if (buf == NULL || onestop_args_parse(&args, qs, strlen(qs), buf) != 0) {
        snprintf(diag, sizeof(diag), "the arguments are refused");
        free(buf);
        return 0;
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK
        || (cat = onestop_store_catalog(st)) == NULL)
    {
        snprintf(diag, sizeof(diag), "no read");
        free(buf);
        return 0;
    }

    if (onestop_query_parse(&oq, cat, args.arg, args.n) != 0) {
        onestop_store_read_end(st);
        snprintf(diag, sizeof(diag), "refused: %s", oq.error);
        free(buf);
        return 0;
    }

    memset(&out, 0, sizeof(out));
    rc = onestop_store_stats(st, &oq, today, &out);
    onestop_store_read_end(st);
    free(buf);

    if (want_err || rc != 0) {
        onestop_buf_free(&out);

        if (want_err && rc == -1
            && strstr(oq.error, "from is after to") != NULL)
        {
            return 1;
        }

        snprintf(diag, sizeof(diag), "stats returned %d (%s), want %d", rc,
                 oq.error, want_err ? -1 : 0);
        return 0;
    }

    onestop_buf_add(&out, "", 1);
    root = yajl_tree_parse(out.data, errbuf, sizeof(errbuf));

    if (root == NULL) {
        onestop_buf_free(&out);
        snprintf(diag, sizeof(diag), "not JSON: %s", errbuf);
        return 0;
    }

    if (!yajl_same(out.data, out.len - 1, root)) {
        onestop_buf_free(&out);
        yajl_tree_free(root);
        snprintf(diag, sizeof(diag), "not the bytes yajl_gen writes");
        return 0;
    }

    onestop_buf_free(&out);

    rc = 1;
    ymd(from, d);

    if (member_str(root, "from") == NULL
        || strcmp(member_str(root, "from"), d) != 0)
    {
        snprintf(diag, sizeof(diag), "from is %s, want %s",
                 member_str(root, "from"), d);
        rc = 0;
    }

    ymd(to, d);

    if (rc && (member_str(root, "to") == NULL
               || strcmp(member_str(root, "to"), d) != 0))
    {
        snprintf(diag, sizeof(diag), "to is %s, want %s",
                 member_str(root, "to"), d);
        rc = 0;
    }

    /* the totals: the whole period, with or without an interval */

    memset(&c, 0, sizeof(c));

    for (i = 0; i < NCODES; i++) {
        if (matches(&q, &m[i])) {
            bcount(&m[i], from, to, &c);
        }
    }

    if (rc) {
        const char  *path[2] = { "totals", NULL };
        yajl_val     totals;

        totals = yajl_tree_get(root, path, yajl_t_object);
        rc = totals != NULL && same_counts(totals, &c, "totals");

        if (totals != NULL && !identities(totals)) {
            *identities_ok = 0;
        }
    }

    if (rc) {
        const char  *gpath[2] = { "groups", NULL };
        const char  *spath[2] = { "series", NULL };

        if (q.interval) {
            rc = check_series(yajl_tree_get(root, spath, yajl_t_array), &q,
                              from, to, identities_ok);
        } else {
            rc = check_groups(yajl_tree_get(root, gpath, yajl_t_array), &q,
                              from, to, identities_ok);
        }
    }

    yajl_tree_free(root);

    return rc;
}


static void
check_agency_counts(onestop_store_t *st)
{
    int                       a, i, ok_all, ok_year;
    bc_t                      ball, byear;
    time_t                    tt;
    struct tm                 tm;
    uint32_t                  id;
    onestop_counts_t          all, year;
    const onestop_catalog_t  *cat;

    tt = (time_t) today * 86400;
    gmtime_r(&tt, &tm);
    ok_all = ok_year = 1;

    for (a = -1; a < NAG; a++) {
        query_t  q;

        memset(&q, 0, sizeof(q));
        q.agency = q.field = q.proc = q.ch = q.level = -1;
        q.under = a;

        memset(&ball, 0, sizeof(ball));
        memset(&byear, 0, sizeof(byear));

        for (i = 0; i < NCODES; i++) {
            if (matches(&q, &m[i])) {
                bcount(&m[i], 1, today, &ball);
                bcount(&m[i], civil(tm.tm_year + 1900, 1, 1), today, &byear);
            }
        }

        onestop_store_read_begin(st);
        cat = onestop_store_catalog(st);
        id = a < 0 || cat == NULL ? 0 : onestop_catalog_agency(cat, ag_id[a],
                                                     strlen(ag_id[a]));

        if (onestop_store_agency_counts(st, id, today, &all, &year) != 0) {
            ok_all = ok_year = 0;
        }

        onestop_store_read_end(st);

        if (all.received != ball.recv
            || all.resolved_early != ball.early
            || all.resolved_on_time != ball.ontime
            || all.resolved_late != ball.late || all.withdrawn != ball.wd
            || all.returned_postal != ball.retp || all.pending != ball.pend
            || all.pending_overdue != ball.over || all.carried_over != 0)
        {
            printf("# all time of %s: received %lld want %ld, pending %lld "
                   "want %ld\n", a < 0 ? "province" : ag_id[a],
                   (long long) all.received, ball.recv,
                   (long long) all.pending, ball.pend);
            ok_all = 0;
        }

        if (year.carried_over != byear.co || year.received != byear.recv
            || year.resolved_early != byear.early
            || year.resolved_on_time != byear.ontime
            || year.resolved_late != byear.late || year.withdrawn != byear.wd
            || year.returned_postal != byear.retp
            || year.pending != byear.pend
            || year.pending_overdue != byear.over)
        {
            printf("# this year of %s: carried over %lld want %ld, received "
                   "%lld want %ld\n", a < 0 ? "province" : ag_id[a],
                   (long long) year.carried_over, byear.co,
                   (long long) year.received, byear.recv);
            ok_year = 0;
        }
    }

    ok(ok_all, "onestop_store_agency_counts: all time, the province and "
       "each agency");
    ok(ok_year, "onestop_store_agency_counts: this year");
}


int
main(void)
{
    int               i, first, good, idok;
    char              dir[4200], qs[1024];
    long              diffs;
    onestop_buf_t     report;
    onestop_store_t  *st;

    st = history_store(dir, sizeof(dir));

    if (st == NULL) {
        return done_testing();
    }

    memset(&report, 0, sizeof(report));
    onestop_store_read_begin(st);
    diffs = onestop_store_verify(st, &report);
    onestop_store_read_end(st);
    is_int(diffs, 0, "onestop_store_verify: the counters equal the records");
    onestop_buf_free(&report);

    /* the first received day of the dossiers as they are now */

    first = today + 100;

    for (i = 0; i < NCODES; i++) {
        if (m[i].stored == 1 && m[i].recv < first) {
            first = m[i].recv;
        }
    }

    first = first > today ? today : first;

    good = 0;
    idok = 1;

    for (i = 0; i < NQUERY; i++) {
        if (one_query(st, first, qs, sizeof(qs), &idok)) {
            good++;
        } else {
            ok(0, "query %d: ?%s", i, qs);
            printf("#   %s\n", diag);
        }
    }

    is_int(good, NQUERY, "every answer is the brute force's");
    ok(idok, "carried_over + received = resolved + withdrawn + pending and "
       "pending = not due + overdue, in every totals, group and sub-period");

    check_agency_counts(st);

    onestop_store_close(st);

    return done_testing();
}
