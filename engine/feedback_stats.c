/*
 * The figures of questions (Điều 13.3, 21.4): the durable counters a
 * question contributes, the statistics of GET /api/v1/stats?subject=
 * feedback, and verify's recount.
 *
 * The one idea, as for dossiers (onestop_stats.h): five event counters
 * per (agency, kind) and day - received R, answered in time I, answered
 * late L, overdue from O (the day after the due day of a question not
 * answered in time), overdue until U (a late answer's day) - so that with
 * X(d) the count of days <= d:
 *   received(F, T) = R(T) - R(F-1)       answered = I + L, alike
 *   pending(T)     = R(T) - I(T) - L(T)  overdue(T) = O(T) - U(T)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_feedback_int.h"
#include "onestop_json.h"
#include "onestop_keys.h"
#include "onestop_stats_int.h"


enum { FBK_R = 0, FBK_IN, FBK_LATE, FBK_OVFROM, FBK_OVEND };

#define FB_BLOCK  (ONESTOP_FBC_COUNTERS * ONESTOP_MONTH_DAYS)

typedef struct {
    int             k;
    onestop_day_t   day;
} fb_event_t;


static size_t
fb_contrib(const onestop_fb_item_t *it, int32_t offset, fb_event_t *ev)
{
    size_t         n;
    onestop_day_t  a, r;

    n = 0;
    r = onestop_sec_day(it->received, offset);
    ev[n++] = (fb_event_t) { FBK_R, r };

    if (it->flags & ONESTOP_FBF_ANSWERED) {
        a = onestop_sec_day(it->answered_at, offset);

        /* a question sent on a day off is received the next working day
         * (Điều 9.1); answered before that, it counts as answered on the
         * day it is received, never before it: no period holds an answer
         * without its question */

        if (a < r) {
            a = r;
        }

        if (a <= it->due) {
            ev[n++] = (fb_event_t) { FBK_IN, a };
            return n;
        }

        ev[n++] = (fb_event_t) { FBK_LATE, a };
        ev[n++] = (fb_event_t) { FBK_OVEND, a };
    }

    ev[n++] = (fb_event_t) { FBK_OVFROM, it->due + 1 };

    return n;
}


static size_t
fb_block_key(uint8_t *key, uint32_t agency, unsigned kind, unsigned month)
{
    be32(key, agency);
    key[4] = (uint8_t) kind;
    key[5] = (uint8_t) (month >> 8);
    key[6] = (uint8_t) month;

    return ONESTOP_FBC_KEY_LEN;
}


int
onestop_fb_count(onestop_store_t *st, MDB_txn *txn,
    const onestop_fb_item_t *it, int sign)
{
    int         rc, zero;
    size_t      i, n, j;
    int32_t     block[FB_BLOCK];
    uint8_t     key[ONESTOP_FBC_KEY_LEN];
    unsigned    month, mday;
    MDB_val     k, v;
    fb_event_t  ev[4];

    n = fb_contrib(it, st->offset, ev);

    for (i = 0; i < n; i++) {
        month = onestop_month_of(ev[i].day, &mday);
        k.mv_data = key;
        k.mv_size = fb_block_key(key, it->agency, it->kind, month);

        rc = mdb_get(txn, st->feedback_counters, &k, &v);

        if (rc == MDB_NOTFOUND) {
            memset(block, 0, sizeof(block));

        } else if (rc != 0) {
            return rc;

        } else if (v.mv_size != sizeof(block)) {
            return MDB_CORRUPTED;

        } else {
            memcpy(block, v.mv_data, sizeof(block));
        }

        block[ev[i].k * ONESTOP_MONTH_DAYS + mday] += sign;

        for (zero = 1, j = 0; j < FB_BLOCK; j++) {
            zero &= block[j] == 0;
        }

        if (zero) {
            rc = mdb_del(txn, st->feedback_counters, &k, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;

        } else {
            v.mv_data = block;
            v.mv_size = sizeof(block);
            rc = mdb_put(txn, st->feedback_counters, &k, &v, 0);
        }

        if (rc != 0) {
            return rc;
        }
    }

    return 0;
}


/* the sums of a block's counters over its days up to `cut` */

static void
fb_sum(const int32_t *block, unsigned month, onestop_day_t cut, int64_t *sum)
{
    int       k;
    unsigned  m, mday, d, upto;

    /* a day before the first month counters have (from = 1990-01-01):
     * nothing yet, not a month number wrapped round to every month */

    if (cut < onestop_month_first_day(0)) {
        return;
    }

    m = onestop_month_of(cut, &mday);

    if (month > m) {
        return;
    }

    upto = month < m ? ONESTOP_MONTH_DAYS - 1 : mday;

    for (k = 0; k < ONESTOP_FBC_COUNTERS; k++) {
        for (d = 0; d <= upto; d++) {
            sum[k] += block[k * ONESTOP_MONTH_DAYS + d];
        }
    }
}


/* groups: a small open-addressing table of dimension values */

typedef struct {
    uint32_t    dim[3];
    int         used;
    int64_t     p0[ONESTOP_FBC_COUNTERS];     /* at from - 1 */
    int64_t     p1[ONESTOP_FBC_COUNTERS];     /* at to */
} fb_group_t;

typedef struct {
    fb_group_t *g;
    size_t      cap;
    size_t      n;
} fb_groups_t;


static fb_group_t *
fb_group(fb_groups_t *t, const uint32_t *dim)
{
    size_t       i, h;
    fb_group_t  *g, *old;
    size_t       oldcap;

    if (t->n * 2 >= t->cap) {
        old = t->g;
        oldcap = t->cap;
        t->cap = t->cap ? t->cap * 2 : 64;
        t->g = calloc(t->cap, sizeof(fb_group_t));

        if (t->g == NULL) {
            t->g = old;
            t->cap = oldcap;
            return NULL;
        }

        t->n = 0;

        for (i = 0; i < oldcap; i++) {
            if (old[i].used) {
                g = fb_group(t, old[i].dim);
                *g = old[i];
            }
        }

        free(old);
    }

    h = (dim[0] * 2654435761u) ^ (dim[1] * 40503u) ^ dim[2];

    for (i = h & (t->cap - 1); ; i = (i + 1) & (t->cap - 1)) {
        g = &t->g[i];

        if (!g->used) {
            memset(g, 0, sizeof(fb_group_t));
            g->used = 1;
            memcpy(g->dim, dim, sizeof(g->dim));
            t->n++;
            return g;
        }

        if (memcmp(g->dim, dim, sizeof(g->dim)) == 0) {
            return g;
        }
    }
}


static int
fb_group_cmp(const void *a, const void *b)
{
    const fb_group_t  *x = a, *y = b;
    int                i;

    for (i = 0; i < 3; i++) {
        if (x->dim[i] != y->dim[i]) {
            return x->dim[i] < y->dim[i] ? -1 : 1;
        }
    }

    return 0;
}


static void
fb_counts(yajl_gen g, const fb_group_t *c)
{
    int64_t  received, in, late, pending, overdue;
    char     rate[32];

    received = c->p1[FBK_R] - c->p0[FBK_R];
    in = c->p1[FBK_IN] - c->p0[FBK_IN];
    late = c->p1[FBK_LATE] - c->p0[FBK_LATE];
    pending = c->p1[FBK_R] - c->p1[FBK_IN] - c->p1[FBK_LATE];
    overdue = c->p1[FBK_OVFROM] - c->p1[FBK_OVEND];

#define fb_num(name, v)                                                      \
    onestop_gen_cstr(g, name);                                               \
    yajl_gen_integer(g, (long long) (v))

    fb_num("carried_over", c->p0[FBK_R] - c->p0[FBK_IN] - c->p0[FBK_LATE]);
    fb_num("received", received);
    fb_num("answered", in + late);
    fb_num("answered_in_time", in);
    fb_num("answered_late", late);
    fb_num("pending", pending);
    fb_num("pending_not_due", pending - overdue);
    fb_num("pending_overdue", overdue);

#undef fb_num

    onestop_gen_cstr(g, "on_time_rate");

    if (in + late == 0) {
        yajl_gen_null(g);
    } else {
        onestop_report_rate(rate, sizeof(rate), (double) in / (in + late));
        yajl_gen_number(g, rate, strlen(rate));
    }
}


static const char *
fb_dim_word(int d)
{
    return d == ONESTOP_DIM_AGENCY ? "agency"
           : d == ONESTOP_DIM_TOP_AGENCY ? "top_agency" : "kind";
}


static void
fb_dim(yajl_gen g, const onestop_catalog_t *cat, int d, uint32_t v)
{
    const onestop_agency_t  *a;

    onestop_gen_cstr(g, fb_dim_word(d));

    if (d == ONESTOP_DIM_KIND) {
        onestop_gen_cstr(g, onestop_fb_kind_name(v));
        return;
    }

    a = v && v <= cat->nagencies ? &cat->agencies[v] : NULL;

    if (a != NULL) {
        onestop_gen_str(g, a->id.data, a->id.len);
    } else {
        onestop_gen_cstr(g, "province");
    }

    onestop_gen_cstr(g, d == ONESTOP_DIM_AGENCY ? "agency_name"
                                                : "top_agency_name");

    if (a != NULL) {
        onestop_gen_str(g, a->name.data, a->name.len);
    } else {
        onestop_gen_cstr(g, "Chưa phân công");
    }
}


int
onestop_feedback_stats(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out)
{
    int                       rc, i;
    size_t                    j;
    char                      d[ONESTOP_DATE_LEN];
    uint32_t                  agency, dim[3];
    unsigned                  kind, month;
    yajl_gen                  g;
    MDB_val                   k, v;
    MDB_cursor               *c;
    fb_group_t                totals, *grp;
    fb_groups_t               t;
    onestop_day_t             from, to, first;
    onestop_fb_item_t         it;
    const onestop_catalog_t  *cat;

    cat = onestop_store_catalog(st);

    if (cat == NULL || !st->has_feedback) {
        return -2;
    }

    /* the first question's day is the default `from` */

    first = today;

    if (mdb_cursor_open(st->rtxn, st->feedback, &c) != 0) {
        return -2;
    }

    if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0
        && onestop_fb_decode(v.mv_data, v.mv_size, &it) == 0)
    {
        first = onestop_sec_day(it.received, st->offset);
    }

    mdb_cursor_close(c);

    if (onestop_query_settle(q, first, today, &from, &to) != 0) {
        return -1;
    }

    memset(&totals, 0, sizeof(totals));
    memset(&t, 0, sizeof(t));

    if (mdb_cursor_open(st->rtxn, st->feedback_counters, &c) != 0) {
        return -2;
    }

    rc = 0;

    while (mdb_cursor_get(c, &k, &v, rc++ ? MDB_NEXT : MDB_FIRST) == 0) {
        const uint8_t  *kp = k.mv_data;

        if (k.mv_size != ONESTOP_FBC_KEY_LEN
            || v.mv_size != FB_BLOCK * sizeof(int32_t))
        {
            continue;
        }

        agency = (uint32_t) kp[0] << 24 | (uint32_t) kp[1] << 16
                 | (uint32_t) kp[2] << 8 | kp[3];
        kind = kp[4];
        month = (unsigned) kp[5] << 8 | kp[6];

        if ((q->f.agency && agency != q->f.agency)
            || (q->f.under && !onestop_catalog_under(cat, agency, q->f.under))
            || (q->kind >= 0 && kind != (unsigned) q->kind))
        {
            continue;
        }

        fb_sum(v.mv_data, month, from - 1, totals.p0);
        fb_sum(v.mv_data, month, to, totals.p1);

        if (q->ngroup == 0) {
            continue;
        }

        memset(dim, 0, sizeof(dim));

        for (i = 0; i < q->ngroup; i++) {
            dim[i] = q->group[i] == ONESTOP_DIM_KIND ? kind
                   : q->group[i] == ONESTOP_DIM_TOP_AGENCY
                     && agency && agency <= cat->nagencies
                   ? cat->agencies[agency].top : agency;
        }

        grp = fb_group(&t, dim);

        if (grp == NULL) {
            mdb_cursor_close(c);
            free(t.g);
            return -2;
        }

        fb_sum(v.mv_data, month, from - 1, grp->p0);
        fb_sum(v.mv_data, month, to, grp->p1);
    }

    mdb_cursor_close(c);

    g = onestop_report_gen(out);

    if (g == NULL) {
        free(t.g);
        return -2;
    }

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "subject");
    onestop_gen_cstr(g, "feedback");
    onestop_gen_cstr(g, "from");
    onestop_gen_str(g, d, onestop_day_format(from, d));
    onestop_gen_cstr(g, "to");
    onestop_gen_str(g, d, onestop_day_format(to, d));
    onestop_gen_cstr(g, "group");
    yajl_gen_array_open(g);

    for (i = 0; i < q->ngroup; i++) {
        onestop_gen_cstr(g, fb_dim_word(q->group[i]));
    }

    yajl_gen_array_close(g);
    onestop_gen_cstr(g, "totals");
    yajl_gen_map_open(g);
    fb_counts(g, &totals);
    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "groups");
    yajl_gen_array_open(g);

    /* groups in the order of their values, empty ones left out */

    for (j = 0, i = 0; j < t.cap; j++) {
        if (t.g[j].used) {
            t.g[i++] = t.g[j];
        }
    }

    if (i > 1) {
        qsort(t.g, (size_t) i, sizeof(fb_group_t), fb_group_cmp);
    }

    for (j = 0; j < (size_t) i; j++) {
        int  k2, nz;

        for (nz = 0, k2 = 0; k2 < ONESTOP_FBC_COUNTERS; k2++) {
            nz |= t.g[j].p0[k2] != 0 || t.g[j].p1[k2] != 0;
        }

        if (!nz) {
            continue;
        }

        yajl_gen_map_open(g);

        for (k2 = 0; k2 < q->ngroup; k2++) {
            fb_dim(g, cat, q->group[k2], t.g[j].dim[k2]);
        }

        fb_counts(g, &t.g[j]);
        yajl_gen_map_close(g);
    }

    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    yajl_gen_free(g);
    free(t.g);

    return 0;
}


/* verify: the counters and the open and published indexes recounted
 * from the questions */

typedef struct {
    uint8_t     key[ONESTOP_FBC_KEY_LEN];
    uint16_t    slot;                   /* counter * 31 + day */
} fb_vev_t;


static int
fb_vev_cmp(const void *a, const void *b)
{
    const fb_vev_t  *x = a, *y = b;
    int              c;

    c = memcmp(x->key, y->key, ONESTOP_FBC_KEY_LEN);

    return c ? c : (x->slot > y->slot) - (x->slot < y->slot);
}


static long
fb_verify_counters(onestop_store_t *st, fb_vev_t *evs, size_t nev,
    onestop_buf_t *report)
{
    int         rc, cmp;
    long        diffs;
    size_t      i;
    int32_t     want[FB_BLOCK], have[FB_BLOCK];
    MDB_val     k, v;
    MDB_cursor *c;

    if (mdb_cursor_open(st->rtxn, st->feedback_counters, &c) != 0) {
        return -1;
    }

    diffs = 0;
    i = 0;
    rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);

    while (rc == 0 || i < nev) {
        cmp = rc != 0 ? 1 : i == nev ? -1
              : k.mv_size != ONESTOP_FBC_KEY_LEN ? -1
              : memcmp(k.mv_data, evs[i].key, ONESTOP_FBC_KEY_LEN);

        memset(want, 0, sizeof(want));
        memset(have, 0, sizeof(have));

        if (cmp >= 0) {
            const uint8_t  *key = evs[i].key;

            for ( /* void */ ; i < nev
                              && memcmp(evs[i].key, key, ONESTOP_FBC_KEY_LEN)
                                 == 0; i++)
            {
                want[evs[i].slot]++;
            }
        }

        if (cmp <= 0) {
            if (v.mv_size == sizeof(have)) {
                memcpy(have, v.mv_data, sizeof(have));
            } else {
                have[0] = -1;
            }

            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }

        if (memcmp(want, have, sizeof(want)) != 0) {
            onestop_buf_printf(report, "feedback counters: a block differs "
                               "from the questions' recount\n");
            diffs++;
        }
    }

    mdb_cursor_close(c);
    return diffs;
}


/* a published index entry against its question: the filters' fields,
 * and the public head as it renders now (9-byte entries, written before
 * heads were kept, have none); 0 when it agrees */
static int
fb_verify_published(onestop_store_t *st, const onestop_fb_item_t *it,
    const MDB_val *v)
{
    int            rc;
    onestop_buf_t  want;

    memset(&want, 0, sizeof(want));

    if (onestop_fb_published_value(&want, it, st->offset) != 0) {
        onestop_buf_free(&want);
        return 0;           /* no memory to tell: not a difference */
    }

    if (v->mv_size == ONESTOP_FBP_SHORT) {
        /* written before heads were kept: its fields alone */
        rc = memcmp(want.data, v->mv_data, ONESTOP_FBP_SHORT) != 0;

    } else {
        rc = want.len != v->mv_size
             || memcmp(want.data, v->mv_data, want.len) != 0;
    }
    onestop_buf_free(&want);

    return rc ? -1 : 0;
}


long
onestop_feedback_verify(onestop_store_t *st, onestop_buf_t *report)
{
    int                rc, first;
    long               diffs, d;
    size_t             i, n, nev, cap;
    uint8_t            key[9];
    unsigned           month, mday;
    MDB_val            k, v, x;
    MDB_cursor        *c;
    fb_event_t         ev[4];
    fb_vev_t          *evs, *more;
    onestop_fb_item_t  it;
    size_t             open_n, pub_n, open_i, pub_i;

    if (!st->has_feedback) {
        return 0;
    }

    diffs = 0;
    open_n = 0;
    pub_n = 0;
    evs = NULL;
    nev = 0;
    cap = 0;

    if (mdb_cursor_open(st->rtxn, st->feedback, &c) != 0) {
        return -1;
    }

    for (first = 1; mdb_cursor_get(c, &k, &v, first ? MDB_FIRST : MDB_NEXT)
                    == 0; first = 0)
    {
        if (k.mv_size != 8 || onestop_fb_decode(v.mv_data, v.mv_size, &it)
                              != 0)
        {
            onestop_buf_printf(report, "feedback: a question that cannot "
                               "be read\n");
            diffs++;
            continue;
        }

        for (it.id = 0, i = 0; i < 8; i++) {
            it.id = it.id << 8 | ((uint8_t *) k.mv_data)[i];
        }

        n = fb_contrib(&it, st->offset, ev);

        for (i = 0; i < n; i++) {
            if (nev == cap) {
                cap = cap ? cap * 2 : 1024;
                more = realloc(evs, cap * sizeof(fb_vev_t));

                if (more == NULL) {
                    free(evs);
                    mdb_cursor_close(c);
                    return -1;
                }

                evs = more;
            }

            month = onestop_month_of(ev[i].day, &mday);
            fb_block_key(evs[nev].key, it.agency, it.kind, month);
            evs[nev].slot = (uint16_t) (ev[i].k * ONESTOP_MONTH_DAYS + mday);
            nev++;
        }

        /* the indexes it should have */

        key[0] = ONESTOP_FBI_OPEN;
        onestop_fb_key(it.id, key + 1);
        x.mv_data = key;
        x.mv_size = 9;
        rc = mdb_get(st->rtxn, st->feedback_index, &x, &v);

        if ((rc == 0) != !(it.flags & ONESTOP_FBF_ANSWERED)) {
            onestop_buf_printf(report, "feedback %llu: open index %s\n",
                               (unsigned long long) it.id,
                               rc == 0 ? "left after its answer" : "missing");
            diffs++;
        }

        open_n += !(it.flags & ONESTOP_FBF_ANSWERED);

        key[0] = ONESTOP_FBI_PUBLISHED;
        onestop_fb_key(~it.id, key + 1);
        rc = mdb_get(st->rtxn, st->feedback_index, &x, &v);

        if ((rc == 0) != ((it.flags & ONESTOP_FBF_PUBLISHED) != 0)) {
            onestop_buf_printf(report, "feedback %llu: published index %s\n",
                               (unsigned long long) it.id,
                               rc == 0 ? "without publication" : "missing");
            diffs++;
        }

        if (rc == 0 && fb_verify_published(st, &it, &v) != 0) {
            onestop_buf_printf(report, "feedback %llu: published index "
                               "entry differs from the question\n",
                               (unsigned long long) it.id);
            diffs++;
        }

        pub_n += (it.flags & ONESTOP_FBF_PUBLISHED) != 0;
    }

    mdb_cursor_close(c);

    if (nev > 1) {
        qsort(evs, nev, sizeof(fb_vev_t), fb_vev_cmp);
    }

    d = fb_verify_counters(st, evs, nev, report);
    free(evs);

    if (d < 0) {
        return -1;
    }

    diffs += d;

    /* index entries without their question */

    open_i = 0;
    pub_i = 0;

    if (mdb_cursor_open(st->rtxn, st->feedback_index, &c) != 0) {
        return -1;
    }

    for (first = 1; mdb_cursor_get(c, &k, &v, first ? MDB_FIRST : MDB_NEXT)
                    == 0; first = 0)
    {
        open_i += ((uint8_t *) k.mv_data)[0] == ONESTOP_FBI_OPEN;
        pub_i += ((uint8_t *) k.mv_data)[0] == ONESTOP_FBI_PUBLISHED;
    }

    mdb_cursor_close(c);

    if (open_i != open_n || pub_i != pub_n) {
        onestop_buf_printf(report, "feedback: %zu open and %zu published "
                           "index entries for %zu and %zu questions\n",
                           open_i, pub_i, open_n, pub_n);
        diffs++;
    }

    return diffs;
}
