/*
 * Published figures as read (issue 18): GET /api/v1/stats?as=published
 * (and the CLI's stats), the frozen figures of whole months per agency or
 * top agency, each group with what today's figures say where they differ
 * and the codes of the dossiers that changed them (published.c notes
 * them).  A month due but not yet frozen (nothing was written since its
 * freeze day, or it would be) is read from today's counters: those are
 * exactly what freezing will write.  CSV gives the published figures
 * alone, in the ordinary answer's columns.
 *
 * Calls published.c, query.c, report.c, json.c, date.c, catalog.c and
 * store.c's meta and catalog.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* qsort_r */
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_date.h"
#include "onestop_json.h"
#include "onestop_published.h"
#include "onestop_stats_int.h"
#include "onestop_store_int.h"


/* a combination of months per group */
typedef struct {
    onestop_counts_t   *by;         /* [0 .. nagencies] */
    uint64_t           *unknown;    /* [0 .. nagencies]: the members a
                                       value frozen before they were added
                                       lacks (bit i: onestop_pub_fields[i]) */
    uint32_t            n;
    unsigned            first;
    unsigned            last;
} pub_comb_t;

/* a code that changed a frozen month of an agency */
typedef struct {
    uint32_t            group;
    const uint8_t      *code;
    size_t              len;
} pub_code_t;


/* reading: months combined per agency */

static void
comb_add(pub_comb_t *cb, unsigned month, uint32_t agency,
    const onestop_counts_t *c)
{
    int                kind;
    size_t             i;
    onestop_counts_t  *d;

    if (agency > cb->n) {
        return;             /* not in this read's catalog */
    }

    d = &cb->by[agency];

    for (i = 0; i < onestop_pub_nfields; i++) {
        kind = onestop_pub_fields[i].kind;

        if (kind == ONESTOP_PUB_FLOW
            || (kind == ONESTOP_PUB_FIRST && month == cb->first)
            || (kind == ONESTOP_PUB_LAST && month == cb->last))
        {
            *onestop_pub_member(d, i) += onestop_pub_value(c, i);
        }
    }
}


static int
comb_sink(void *ctx, unsigned month, uint32_t agency,
    const onestop_counts_t *c)
{
    comb_add(ctx, month, agency, c);
    return 0;
}


/* the frozen figures of the months lo .. hi */

static int
frozen_read(onestop_store_t *st, unsigned lo, unsigned hi, pub_comb_t *cb)
{
    int                rc, n;
    uint32_t           agency;
    uint8_t            k[ONESTOP_PUB_KEY_LEN];
    unsigned           m;
    MDB_val            key, val;
    MDB_cursor        *cur;
    const uint8_t     *kp;
    onestop_counts_t   c;

    rc = mdb_cursor_open(st->rtxn, st->pubdb, &cur);

    if (rc != 0) {
        return rc;
    }

    onestop_pub_key(k, ONESTOP_PUB_FIGURES, lo, 0);
    key.mv_data = k;
    key.mv_size = sizeof(k);

    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        kp = key.mv_data;

        if (key.mv_size != ONESTOP_PUB_KEY_LEN
            || kp[0] != ONESTOP_PUB_FIGURES)
        {
            break;
        }

        m = get_be16(kp + 1);

        if (m > hi) {
            break;
        }

        n = onestop_pub_decode(val.mv_data, val.mv_size, &c);
        agency = get_be32(kp + 3);

        if (n < 0) {
            rc = MDB_CORRUPTED;
            break;
        }

        comb_add(cb, m, agency, &c);

        if ((size_t) n < onestop_pub_nfields && agency <= cb->n) {
            cb->unknown[agency] |= ~(((uint64_t) 1 << n) - 1);
        }
    }

    mdb_cursor_close(cur);

    return rc == MDB_NOTFOUND ? 0 : rc;
}


typedef struct {
    onestop_store_t          *st;
    onestop_query_t          *q;
    const onestop_catalog_t  *cat;
    onestop_day_t             from;
    onestop_day_t             to;
    unsigned                  before;   /* frozen before this month */
    pub_comb_t                pub;      /* per group */
    pub_comb_t                now;
    pub_code_t               *codes;
    size_t                    ncodes;
    size_t                    ccap;
} pub_run_t;


static int
keeps(const pub_run_t *pr, uint32_t agency)
{
    const onestop_query_t  *q = pr->q;

    return agency != 0 && agency <= pr->cat->nagencies
           && (q->f.agency == 0 || agency == q->f.agency)
           && (q->f.under == 0
               || onestop_catalog_under(pr->cat, agency, q->f.under));
}


static uint32_t
group_of(const pub_run_t *pr, uint32_t agency)
{
    if (pr->q->ngroup == 0) {
        return 0;
    }

    return pr->q->group[0] == ONESTOP_DIM_TOP_AGENCY
           ? pr->cat->agencies[agency].top : agency;
}


/* the codes noted for the months lo .. hi, by group */

static int
codes_read(pub_run_t *pr, unsigned lo, unsigned hi)
{
    int             rc;
    uint8_t         k[ONESTOP_PUB_KEY_LEN];
    uint32_t        agency;
    MDB_val         key, val;
    MDB_cursor     *cur;
    pub_code_t     *nc;
    const uint8_t  *kp;

    rc = mdb_cursor_open(pr->st->rtxn, pr->st->pubdb, &cur);

    if (rc != 0) {
        return rc;
    }

    onestop_pub_key(k, ONESTOP_PUB_CHANGED, lo, 0);
    key.mv_data = k;
    key.mv_size = sizeof(k);

    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        kp = key.mv_data;

        if (key.mv_size <= ONESTOP_PUB_KEY_LEN
            || kp[0] != ONESTOP_PUB_CHANGED || get_be16(kp + 1) > hi)
        {
            break;
        }

        agency = get_be32(kp + 3);

        if (!keeps(pr, agency)) {
            continue;
        }

        if (pr->ncodes == pr->ccap) {
            nc = realloc(pr->codes, (pr->ccap ? pr->ccap * 2 : 64)
                                    * sizeof(pub_code_t));

            if (nc == NULL) {
                rc = ENOMEM;
                break;
            }

            pr->codes = nc;
            pr->ccap = pr->ccap ? pr->ccap * 2 : 64;
        }

        nc = &pr->codes[pr->ncodes++];
        nc->group = group_of(pr, agency);
        nc->code = kp + ONESTOP_PUB_KEY_LEN;
        nc->len = key.mv_size - ONESTOP_PUB_KEY_LEN;
    }

    mdb_cursor_close(cur);

    return rc == MDB_NOTFOUND ? 0 : rc;
}


static int
code_cmp(const pub_code_t *a, const pub_code_t *b)
{
    size_t  n;
    int     d;

    n = a->len < b->len ? a->len : b->len;
    d = memcmp(a->code, b->code, n);

    return d ? d : (a->len > b->len) - (a->len < b->len);
}


static int
code_group_cmp(const void *x, const void *y)
{
    const pub_code_t  *a = x, *b = y;

    if (a->group != b->group) {
        return a->group < b->group ? -1 : 1;
    }

    return code_cmp(a, b);
}


static int
code_only_cmp(const void *x, const void *y)
{
    return code_cmp(x, y);
}


/* the members where today's figures differ, and the codes (sorted, each
 * once) that changed them */

static void
render_diff(yajl_gen g, const onestop_counts_t *pub,
    const onestop_counts_t *now, const pub_code_t *codes, size_t n)
{
    size_t  i;

    onestop_gen_cstr(g, "changed");
    yajl_gen_map_open(g);

    for (i = 0; i < onestop_pub_nfields; i++) {
        if (onestop_pub_value(pub, i) != onestop_pub_value(now, i)) {
            onestop_gen_cstr(g, onestop_pub_fields[i].name);
            yajl_gen_map_open(g);
            onestop_gen_cstr(g, "published");
            yajl_gen_integer(g, (long long) onestop_pub_value(pub, i));
            onestop_gen_cstr(g, "today");
            yajl_gen_integer(g, (long long) onestop_pub_value(now, i));
            yajl_gen_map_close(g);
        }
    }

    yajl_gen_map_close(g);

    onestop_gen_cstr(g, "changed_by");
    yajl_gen_array_open(g);

    for (i = 0; i < n; i++) {
        if (i == 0 || code_cmp(&codes[i - 1], &codes[i]) != 0) {
            onestop_gen_str(g, (const char *) codes[i].code, codes[i].len);
        }
    }

    yajl_gen_array_close(g);
}


/* the groups (agencies, or top agencies: agency numbers both) as the
 * ordinary answer sorts them (stats.c's group_cmp): their ids by bytes,
 * not in the catalog's order */

static int
group_id_cmp(const void *a, const void *b, void *arg)
{
    int                       c;
    size_t                    n;
    const onestop_str_t      *x, *y;
    const onestop_catalog_t  *cat = arg;

    x = &cat->agencies[((const onestop_group_t *) a)->dim[0]].id;
    y = &cat->agencies[((const onestop_group_t *) b)->dim[0]].id;
    n = x->len < y->len ? x->len : y->len;
    c = memcmp(x->data, y->data, n);

    return c != 0 ? c : x->len < y->len ? -1 : x->len > y->len;
}


static void
group_sort(const pub_run_t *pr, onestop_group_t *gs, size_t n)
{
    if (n > 1) {
        qsort_r(gs, n, sizeof(onestop_group_t), group_id_cmp,
                (void *) pr->cat);
    }
}


/* the groups' values in that order, *n of them (none without group);
 * NULL when memory is exhausted */

static onestop_group_t *
group_order(const pub_run_t *pr, size_t *n)
{
    uint32_t          v;
    onestop_group_t  *gs;

    gs = calloc(pr->pub.n + 1, sizeof(onestop_group_t));

    if (gs == NULL) {
        return NULL;
    }

    *n = 0;

    for (v = 1; pr->q->ngroup && v <= pr->pub.n; v++) {
        gs[(*n)++].dim[0] = v;
    }

    group_sort(pr, gs, *n);

    return gs;
}


static void
render_json(pub_run_t *pr, const onestop_counts_t *tpub,
    const onestop_counts_t *tnow, onestop_buf_t *out)
{
    char              d[ONESTOP_DATE_LEN];
    size_t            c, e, m, k, norder;
    uint32_t          v, dim[3];
    yajl_gen          g;
    onestop_run_t     rn;
    onestop_group_t  *order;

    g = onestop_report_gen(out);

    if (g == NULL) {
        out->failed = 1;
        return;
    }

    memset(&rn, 0, sizeof(rn));
    rn.cat = pr->cat;
    rn.q = pr->q;

    onestop_report_head(g, pr->q, pr->from, pr->to);
    onestop_gen_cstr(g, "published");
    yajl_gen_bool(g, 1);
    onestop_gen_cstr(g, "published_through");
    onestop_day_format(onestop_month_first_day(pr->before) - 1, d);
    onestop_gen_str(g, d, 7);

    /* the totals: every code once */

    onestop_gen_cstr(g, "totals");
    yajl_gen_map_open(g);
    onestop_counts_render(g, tpub);
    if (pr->ncodes) {
        qsort(pr->codes, pr->ncodes, sizeof(pub_code_t), code_only_cmp);
    }
    render_diff(g, tpub, tnow, pr->codes, pr->ncodes);
    yajl_gen_map_close(g);

    onestop_gen_cstr(g, "groups");
    yajl_gen_array_open(g);

    if (pr->ncodes) {
        qsort(pr->codes, pr->ncodes, sizeof(pub_code_t), code_group_cmp);
    }

    order = group_order(pr, &norder);

    if (order == NULL) {
        out->failed = 1;
        norder = 0;
    }

    for (k = 0; k < norder; k++) {
        v = order[k].dim[0];

        /* the group's codes: sorted by group, then code */
        for (c = 0, e = pr->ncodes; c < e; ) {
            m = c + (e - c) / 2;

            if (pr->codes[m].group < v) {
                c = m + 1;
            } else {
                e = m;
            }
        }

        for (e = c; e < pr->ncodes && pr->codes[e].group == v; e++) { }

        if (onestop_counts_zero(&pr->pub.by[v])
            && onestop_counts_zero(&pr->now.by[v]) && e == c)
        {
            continue;
        }

        dim[0] = v;
        dim[1] = dim[2] = 0;
        yajl_gen_map_open(g);
        onestop_report_dims(g, &rn, dim);
        onestop_counts_render(g, &pr->pub.by[v]);
        render_diff(g, &pr->pub.by[v], &pr->now.by[v], pr->codes + c, e - c);
        yajl_gen_map_close(g);
    }

    free(order);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    yajl_gen_free(g);
    onestop_buf_add(out, "\n", 1);
}


/* CSV: the published figures alone, as the ordinary answer's columns */

static int
render_csv(pub_run_t *pr, const onestop_counts_t *tpub, onestop_buf_t *out)
{
    uint32_t          v;
    onestop_run_t     rn;
    onestop_group_t  *gs;

    gs = calloc(pr->pub.n + 1, sizeof(onestop_group_t));

    if (gs == NULL) {
        return -2;
    }

    memset(&rn, 0, sizeof(rn));
    rn.cat = pr->cat;
    rn.q = pr->q;
    rn.nperiods = 1;
    rn.pfrom = &pr->from;
    rn.pto = &pr->to;
    rn.groups = gs;

    for (v = 1; pr->q->ngroup && v <= pr->pub.n; v++) {
        if (!onestop_counts_zero(&pr->pub.by[v])) {
            gs[rn.ngroups].dim[0] = v;
            gs[rn.ngroups++].counts = &pr->pub.by[v];
        }
    }

    group_sort(pr, gs, rn.ngroups);
    onestop_report_stats(&rn, tpub, out);
    free(gs);

    return out->failed ? -2 : 0;
}


/* regroups the per-agency combinations by the query's group, the
 * agencies the filters leave out dropped; -1 when memory is exhausted */

static int
regroup(pub_run_t *pr, pub_comb_t *cb, onestop_counts_t *total)
{
    uint32_t          a, v;
    uint64_t         *unknown;
    onestop_counts_t *by;

    memset(total, 0, sizeof(onestop_counts_t));
    by = calloc(cb->n + 1, sizeof(onestop_counts_t));
    unknown = calloc(cb->n + 1, sizeof(uint64_t));

    if (by == NULL || unknown == NULL) {
        free(by);
        free(unknown);
        return -1;
    }

    for (a = 1; a <= cb->n; a++) {
        if (!keeps(pr, a)) {
            continue;
        }

        onestop_counts_add(total, &cb->by[a]);
        unknown[0] |= cb->unknown[a];         /* the totals' */
        v = group_of(pr, a);

        if (v != 0 && v <= cb->n) {
            onestop_counts_add(&by[v], &cb->by[a]);
            unknown[v] |= cb->unknown[a];
        }
    }

    free(cb->by);
    free(cb->unknown);
    cb->by = by;
    cb->unknown = unknown;

    return 0;
}


/* the members never frozen (added to the counts after their months were
 * frozen) are published as they are today: no difference for them */

static void
unknown_from_today(const uint64_t unknown, onestop_counts_t *pub,
    const onestop_counts_t *now)
{
    size_t  i;

    for (i = 0; unknown && i < onestop_pub_nfields; i++) {
        if (unknown & ((uint64_t) 1 << i)) {
            *onestop_pub_member(pub, i) = onestop_pub_value(now, i);
        }
    }
}


int
onestop_published_stats(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out)
{
    int                       rc, result;
    char                      d1[ONESTOP_DATE_LEN], d2[ONESTOP_DATE_LEN];
    char                      d3[ONESTOP_DATE_LEN];
    unsigned                  fm, tm, mday, due;
    uint32_t                  v, dim[3];
    uint64_t                  before;
    size_t                    k, norder;
    onestop_day_t             from, to;
    pub_run_t                 pr;
    onestop_counts_t          tpub, tnow;
    onestop_group_t          *order;

    memset(&pr, 0, sizeof(pr));
    pr.st = st;
    pr.q = q;
    pr.cat = onestop_store_catalog(st);

    if (pr.cat == NULL) {
        return -2;
    }

    /* from and to as given (the parse required both): a month not yet
     * published is said so, not cut at today */

    from = q->f.from;
    to = q->f.to;

    if (from > to) {
        snprintf(q->error, sizeof(q->error), "from is after to");
        return -1;
    }

    fm = onestop_month_of(from, &mday);
    tm = onestop_month_of(to, NULL);

    if (from < onestop_month_first_day(0) || mday != 0
        || to != onestop_month_first_day(tm + 1) - 1)
    {
        snprintf(q->error, sizeof(q->error),
                 "as=published covers whole months: from a month's first "
                 "day to a month's last day");
        return -1;
    }

    before = 0;

    if (st->has_published
        && (rc = onestop_meta_get_u64(st->rtxn, st->meta,
                                      ONESTOP_META_PUBLISHED_BEFORE, &before))
           != 0)
    {
        return -2;
    }

    /* the months due by today's grace, and those frozen already (under a
     * shorter grace than today's): a month once published stays so */

    due = onestop_published_due(today, st->grace_days);
    due = before > due ? (unsigned) before : due;

    if (tm >= due) {
        onestop_day_format(onestop_month_first_day(tm), d1);
        onestop_day_format(onestop_month_first_day(tm + 1)
                           + (onestop_day_t) st->grace_days, d2);
        onestop_day_format(onestop_month_first_day(due) - 1, d3);
        snprintf(q->error, sizeof(q->error),
                 "as=published: the figures of %.7s are published on %.10s "
                 "(the month's end and %u grace days); the months published "
                 "are those up to %.7s", d1, d2, st->grace_days, d3);
        return -1;
    }

    pr.from = from;
    pr.to = to;
    pr.before = due;
    pr.pub.n = pr.now.n = pr.cat->nagencies;
    pr.pub.first = pr.now.first = fm;
    pr.pub.last = pr.now.last = tm;
    pr.pub.by = calloc(pr.cat->nagencies + 1, sizeof(onestop_counts_t));
    pr.now.by = calloc(pr.cat->nagencies + 1, sizeof(onestop_counts_t));
    pr.pub.unknown = calloc(pr.cat->nagencies + 1, sizeof(uint64_t));
    pr.now.unknown = calloc(pr.cat->nagencies + 1, sizeof(uint64_t));
    result = -2;

    if (pr.pub.by == NULL || pr.now.by == NULL || pr.pub.unknown == NULL
        || pr.now.unknown == NULL)
    {
        goto done;
    }

    /* published: what was frozen, and the months due since read as they
     * would be frozen (nothing was written since their freeze day, or
     * they would be frozen); today: the counters now */

    if (fm < before
        && frozen_read(st, fm, tm < before ? tm : (unsigned) before - 1,
                       &pr.pub) != 0)
    {
        goto done;
    }

    if (tm >= before
        && onestop_published_figures(st->rtxn, st->counters,
                                     fm > before ? fm : (unsigned) before,
                                     tm, comb_sink, &pr.pub) != 0)
    {
        goto done;
    }

    if (onestop_published_figures(st->rtxn, st->counters, fm, tm, comb_sink,
                                  &pr.now) != 0
        || (st->has_published && fm < before
            && codes_read(&pr, fm, tm) != 0))
    {
        goto done;
    }

    if (regroup(&pr, &pr.pub, &tpub) != 0
        || regroup(&pr, &pr.now, &tnow) != 0)
    {
        goto done;
    }

    unknown_from_today(pr.pub.unknown[0], &tpub, &tnow);

    for (v = 1; v <= pr.pub.n; v++) {
        unknown_from_today(pr.pub.unknown[v], &pr.pub.by[v], &pr.now.by[v]);
    }

    if (q->visit != NULL) {
        /* the published figures of the totals and each group */
        q->visit(q->visit_ctx, NULL, &tpub);
        order = group_order(&pr, &norder);

        for (k = 0; order != NULL && k < norder; k++) {
            v = order[k].dim[0];

            if (!onestop_counts_zero(&pr.pub.by[v])) {
                dim[0] = v;
                dim[1] = dim[2] = 0;
                q->visit(q->visit_ctx, dim, &pr.pub.by[v]);
            }
        }

        result = order != NULL ? 0 : -2;
        free(order);

    } else if (q->csv) {
        result = render_csv(&pr, &tpub, out);

    } else {
        render_json(&pr, &tpub, &tnow, out);
        result = out->failed ? -2 : 0;
    }

done:

    free(pr.pub.by);
    free(pr.now.by);
    free(pr.pub.unknown);
    free(pr.now.unknown);
    free(pr.codes);

    return result;
}
