/*
 * The widgets and the Prometheus metrics (see onestop_figures.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_figures.h"
#include "onestop_html.h"
#include "onestop_stats.h"


/* widgets: this year's figures of an agency's tree, or the province's */

typedef struct {
    onestop_counts_t   c;
    int                seen;
} figures_totals_t;


static void
figures_visit_totals(void *ctx, const uint32_t *dim,
    const onestop_counts_t *c)
{
    figures_totals_t  *t = ctx;

    if (dim == NULL) {
        t->c = *c;
        t->seen = 1;
    }
}


void
onestop_format_percent(onestop_buf_t *b, int64_t num, int64_t den)
{
    int64_t  tenths;

    if (den == 0) {
        onestop_buf_adds(b, "—");
        return;
    }

    /* one decimal, rounded half up, Vietnamese style: 98,5 %; but never
     * "100,0 %" while one was late, nor "0,0 %" while one was on time
     * (1,999 of 2,000: 99,9 %) */
    tenths = (num * 2000 + den) / (2 * den);

    if (tenths == 1000 && num < den) {
        tenths = 999;

    } else if (tenths == 0 && num > 0) {
        tenths = 1;
    }
    onestop_buf_printf(b, "%lld,%lld %%", (long long) (tenths / 10),
                       (long long) (tenths % 10));
}


void
onestop_format_integer(onestop_buf_t *b, int64_t v)
{
    char    digits[32];
    size_t  n, i;

    n = (size_t) snprintf(digits, sizeof(digits), "%lld", (long long) v);

    for (i = 0; i < n; i++) {
        if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0) {
            onestop_buf_add(b, ".", 1);
        }
        onestop_buf_add(b, digits + i, 1);
    }
}


static size_t
figures_text_width(const char *s)
{
    size_t  i, w;

    /* about 6.5 px a letter of 11 px Verdana, as shields.io badges */

    w = 0;

    for (i = 0; s[i]; i++) {
        unsigned char  c = (unsigned char) s[i];

        if ((c & 0xc0) == 0x80) {
            continue;                   /* inside a letter */
        }

        w += (c == ' ' || c == ',' || c == '.') ? 4
             : (c >= 'A' && c <= 'Z') || c == '%' ? 8 : 7;
    }

    return w;
}


/*
 * the badge's colour from the share resolved in time: each dark enough for
 * its white text to keep a contrast of 4.5:1 (WCAG 2.1 1.4.3) also under
 * the badge's 10% light gloss (issue 17): #666666 5.7:1, #1b5e20 7.9:1,
 * #2e7d32 5.1:1, #8a5a00 5.9:1, #b3261e 6.5:1
 */

static const char *
figures_colour(int64_t in_time, int64_t resolved)
{
    if (resolved == 0) {
        return "#666666";
    }

    if (in_time * 100 >= resolved * 95) {
        return "#1b5e20";
    }

    if (in_time * 100 >= resolved * 85) {
        return "#2e7d32";
    }

    return in_time * 100 >= resolved * 70 ? "#8a5a00" : "#b3261e";
}


#define figures_var(n, s, l, r)                                             \
    v[nv].name = (n); v[nv].value = (s); v[nv].len = (l); v[nv].raw = (r);  \
    nv++


/* what a badge and a card show besides their counts: the name, the
 * year's rate and its label, the badge's geometry (its text widths), the
 * colour, the day and the portal; the text they point to is in f */

typedef struct {
    char  label[64], num[6][24], date[16], lower[256];
} figures_frame_t;


static size_t
figures_frame(figures_frame_t *f, onestop_html_var_t *v,
    const onestop_widget_t *w, const char *name, size_t name_len,
    const char *value, const char *colour)
{
    int       y;
    size_t    lw, vw, nv;
    unsigned  m, d;

    onestop_civil_from_days(w->today, &y, &m, &d);

    snprintf(f->label, sizeof(f->label), "đúng hạn %d", y);
    lw = figures_text_width(f->label) + 10;
    vw = figures_text_width(value) + 10;

    snprintf(f->num[0], sizeof(f->num[0]), "%d", y);
    snprintf(f->num[1], sizeof(f->num[1]), "%zu", lw + vw);
    snprintf(f->num[2], sizeof(f->num[2]), "%zu", lw);
    snprintf(f->num[3], sizeof(f->num[3]), "%zu", vw);
    snprintf(f->num[4], sizeof(f->num[4]), "%zu", lw / 2);
    snprintf(f->num[5], sizeof(f->num[5]), "%zu", lw + vw / 2);
    snprintf(f->date, sizeof(f->date), "%02u/%02u/%d", d, m, y);
    onestop_html_lower_first(f->lower, sizeof(f->lower),
                             w->province != NULL ? w->province : "");

    nv = 0;
    figures_var("name", name, name_len, 0);
    figures_var("year", f->num[0], strlen(f->num[0]), 1);
    figures_var("value", value, strlen(value), 0);
    figures_var("label", f->label, strlen(f->label), 0);
    figures_var("width", f->num[1], strlen(f->num[1]), 1);
    figures_var("lw", f->num[2], strlen(f->num[2]), 1);
    figures_var("vw", f->num[3], strlen(f->num[3]), 1);
    figures_var("lx", f->num[4], strlen(f->num[4]), 1);
    figures_var("vx", f->num[5], strlen(f->num[5]), 1);
    figures_var("colour", colour, 7, 1);
    figures_var("today", f->date, strlen(f->date), 1);
    figures_var("province_lc", f->lower, strlen(f->lower), 0);

    return nv;
}


int
onestop_widget(onestop_store_t *st, const onestop_widget_t *w,
    onestop_buf_t *out, const char **message)
{
    int                        province;
    char                       value[32];
    size_t                     lw, vw, ow, nv;
    int64_t                    resolved, in_time;
    uint32_t                   id;
    onestop_buf_t              t;
    onestop_query_t            q;
    figures_totals_t           tot;
    figures_frame_t            f;
    onestop_html_var_t         v[17];
    const onestop_catalog_t   *cat;
    const onestop_str_t       *name;
    onestop_str_t              pname;

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return -1;
    }

    province = w->len == 8 && memcmp(w->agency, "province", 8) == 0;

    memset(&q, 0, sizeof(onestop_query_t));
    q.channel = -1;
    q.return_channel = -1;
    q.period = ONESTOP_PERIOD_YEAR;

    pname.data = w->province;
    pname.len = strlen(w->province);
    name = &pname;

    if (!province) {
        id = onestop_catalog_agency(cat, w->agency, w->len);

        if (id == 0) {
            *message = "no such agency: use an agency id or \"province\"";
            return 1;
        }

        name = &cat->agencies[id].name;
        q.f.under = id;
    }

    memset(&tot, 0, sizeof(tot));
    q.visit = figures_visit_totals;
    q.visit_ctx = &tot;

    if (onestop_store_stats(st, &q, w->today, out) != 0 || !tot.seen) {
        return -1;
    }

    resolved = tot.c.resolved_early + tot.c.resolved_on_time
               + tot.c.resolved_late;         /* judged by a deadline */
    in_time = tot.c.resolved_early + tot.c.resolved_on_time;

    memset(&t, 0, sizeof(t));
    onestop_format_percent(&t, in_time, resolved);
    snprintf(value, sizeof(value), "%.*s", (int) t.len, t.data ? t.data : "");
    onestop_buf_free(&t);

    nv = figures_frame(&f, v, w, name->data, name->len, value,
                       figures_colour(in_time, resolved));

    /* the card's counts, 1.234 style */

    memset(&t, 0, sizeof(t));
    onestop_format_integer(&t, tot.c.received);
    lw = t.len;
    onestop_format_integer(&t, resolved + tot.c.resolved_no_deadline);
    vw = t.len;
    onestop_format_integer(&t, tot.c.pending_overdue);
    ow = t.len;
    onestop_format_integer(&t, in_time);     /* Điều 11.2.c: on time */

    if (t.failed) {
        onestop_buf_free(&t);
        return -1;
    }

    figures_var("received", t.data, lw, 1);
    figures_var("resolved", t.data + lw, vw - lw, 1);
    figures_var("overdue", t.data + vw, ow - vw, 1);
    figures_var("in_time", t.data + ow, t.len - ow, 1);

    onestop_html_fill(out, w->tpl, w->tpl_len, v, nv);
    onestop_buf_free(&t);

    return 0;
}


int
onestop_widget_unknown(const onestop_widget_t *w, int busy,
    onestop_buf_t *out)
{
    size_t               nv;
    const char          *name;
    figures_frame_t      f;
    onestop_html_var_t   v[20];

    static const char    none[] = "—";

    name = busy ? "Hệ thống đang bận, vui lòng thử lại sau"
                : "Mã cơ quan không có trong danh mục";
    nv = figures_frame(&f, v, w, name, strlen(name),
                       busy ? "tạm bận" : "không có", figures_colour(0, 0));

    /* the card's: no figures */
    figures_var("received", none, sizeof(none) - 1, 1);
    figures_var("resolved", none, sizeof(none) - 1, 1);
    figures_var("in_time", none, sizeof(none) - 1, 1);
    figures_var("overdue", none, sizeof(none) - 1, 1);

    onestop_html_fill(out, w->tpl, w->tpl_len, v, nv);

    return out->failed ? -1 : 0;
}


/* Prometheus metrics */

static void
metrics_series(onestop_buf_t *b, const char *name,
    const onestop_str_t *agency, unsigned channel, const char *extra,
    int64_t value)
{
    onestop_buf_printf(b, "%s{agency=\"%.*s\",channel=\"%s\"%s} %lld\n",
                       name, (int) agency->len, agency->data,
                       onestop_channel_name(channel), extra,
                       (long long) value);
}


static void
metrics_counts(onestop_buf_t *b, int which, const onestop_str_t *agency,
    unsigned channel, const onestop_counts_t *c)
{
    switch (which) {
    case 0:
        metrics_series(b, "onestop_dossiers_received", agency, channel, "",
                       c->received);
        break;
    case 1:
        metrics_series(b, "onestop_dossiers_resolved", agency, channel,
                       ",timeliness=\"early\"", c->resolved_early);
        metrics_series(b, "onestop_dossiers_resolved", agency, channel,
                       ",timeliness=\"on_time\"", c->resolved_on_time);
        metrics_series(b, "onestop_dossiers_resolved", agency, channel,
                       ",timeliness=\"late\"", c->resolved_late);
        metrics_series(b, "onestop_dossiers_resolved", agency, channel,
                       ",timeliness=\"no_deadline\"", c->resolved_no_deadline);
        break;
    case 2:
        metrics_series(b, "onestop_dossiers_withdrawn", agency, channel, "",
                       c->withdrawn);
        break;
    case 3:
        metrics_series(b, "onestop_dossiers_pending", agency, channel,
                       ",state=\"not_due\"", c->pending - c->pending_overdue);
        metrics_series(b, "onestop_dossiers_pending", agency, channel,
                       ",state=\"overdue\"", c->pending_overdue);
        break;
    case 4:
        metrics_series(b, "onestop_apology_letters", agency, channel, "",
                       c->apologies_issued);
        break;
    case 5:
        metrics_series(b, "onestop_dossiers_due_moved_late", agency, channel,
                       "", c->due_moved_late);
        break;
    }
}


typedef struct {
    uint32_t           dim[2];
    onestop_counts_t   c;
} metrics_group_t;


typedef struct {
    metrics_group_t   *groups;
    size_t             n;
    size_t             cap;
    int                failed;
} metrics_list_t;


static void
metrics_visit(void *ctx, const uint32_t *dim, const onestop_counts_t *c)
{
    metrics_list_t   *l = ctx;
    metrics_group_t  *g;

    if (dim == NULL || l->failed) {
        return;
    }

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        g = realloc(l->groups, l->cap * sizeof(*g));

        if (g == NULL) {
            l->failed = 1;
            return;
        }

        l->groups = g;
    }

    l->groups[l->n].dim[0] = dim[0];
    l->groups[l->n].dim[1] = dim[1];
    l->groups[l->n].c = *c;
    l->n++;
}


int
onestop_metrics_figures(onestop_store_t *st, int all, onestop_day_t today,
    onestop_buf_t *out)
{
    int                       which;
    size_t                    i;
    unsigned                  ch;
    onestop_query_t           q;
    onestop_str_t             province = onestop_str("province");
    onestop_counts_t          per[ONESTOP_CH_COUNT];
    metrics_list_t            l;
    const onestop_catalog_t  *cat;

    static const char  *help[] = {
        "# HELP onestop_dossiers_received Dossiers received, all time (a "
        "gauge: corrections can lower it).\n"
        "# TYPE onestop_dossiers_received gauge\n",
        "# HELP onestop_dossiers_resolved Dossiers resolved, all time, by "
        "timeliness against the due date.\n"
        "# TYPE onestop_dossiers_resolved gauge\n",
        "# HELP onestop_dossiers_withdrawn Dossiers withdrawn, all time.\n"
        "# TYPE onestop_dossiers_withdrawn gauge\n",
        "# HELP onestop_dossiers_pending Dossiers in progress today, not yet "
        "due or overdue.\n"
        "# TYPE onestop_dossiers_pending gauge\n",
        "# HELP onestop_apology_letters Apology letters issued (Dieu 11.3), "
        "all time.\n"
        "# TYPE onestop_apology_letters gauge\n",
        "# HELP onestop_dossiers_due_moved_late Dossiers whose due date "
        "moved after it had passed, all time.\n"
        "# TYPE onestop_dossiers_due_moved_late gauge\n"
    };

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return -1;
    }

    memset(&q, 0, sizeof(onestop_query_t));
    q.channel = -1;
    q.return_channel = -1;
    q.period = ONESTOP_PERIOD_ALL;
    q.group[0] = all ? ONESTOP_DIM_AGENCY : ONESTOP_DIM_TOP_AGENCY;
    q.group[1] = ONESTOP_DIM_CHANNEL;
    q.ngroup = 2;

    memset(&l, 0, sizeof(l));
    q.visit = metrics_visit;
    q.visit_ctx = &l;

    if (onestop_store_stats(st, &q, today, out) != 0 || l.failed) {
        free(l.groups);
        return -1;
    }

    memset(per, 0, sizeof(per));

    for (i = 0; i < l.n; i++) {
        ch = l.groups[i].dim[1];

        if (ch < ONESTOP_CH_COUNT) {
            onestop_counts_add(&per[ch], &l.groups[i].c);
        }
    }

    for (which = 0; which < (int) (sizeof(help) / sizeof(help[0]));
         which++)
    {
        onestop_buf_adds(out, help[which]);

        for (ch = 0; ch < ONESTOP_CH_COUNT; ch++) {
            metrics_counts(out, which, &province, ch, &per[ch]);
        }

        for (i = 0; i < l.n; i++) {
            metrics_counts(out, which, &cat->agencies[l.groups[i].dim[0]].id,
                           l.groups[i].dim[1], &l.groups[i].c);
        }
    }

    free(l.groups);

    return 0;
}


void
onestop_metrics_health(onestop_buf_t *b, const onestop_health_t *h)
{
    size_t    k, i;
    uint64_t  n;

    onestop_buf_adds(b,
        "# HELP onestop_records_accepted_total Dossier records accepted by "
        "writes through nginx.\n"
        "# TYPE onestop_records_accepted_total counter\n");
    onestop_buf_printf(b, "onestop_records_accepted_total %llu\n",
                       (unsigned long long) h->accepted);

    onestop_buf_adds(b,
        "# HELP onestop_http_requests_total Requests answered, by handler "
        "and status.\n"
        "# TYPE onestop_http_requests_total counter\n");

    for (k = 1; k < h->nhandlers; k++) {
        for (i = 0; i < h->nstatuses; i++) {
            n = h->requests[k * h->nstatuses + i];

            if (n == 0) {
                continue;
            }

            if (h->statuses[i]) {
                onestop_buf_printf(b, "onestop_http_requests_total{"
                                   "handler=\"%s\",status=\"%u\"} %llu\n",
                                   h->handlers[k], h->statuses[i],
                                   (unsigned long long) n);
            } else {
                onestop_buf_printf(b, "onestop_http_requests_total{"
                                   "handler=\"%s\",status=\"other\"} %llu\n",
                                   h->handlers[k], (unsigned long long) n);
            }
        }
    }

    onestop_buf_printf(b,
        "# HELP onestop_store_used_bytes Bytes of the store's map in use.\n"
        "# TYPE onestop_store_used_bytes gauge\n"
        "onestop_store_used_bytes %llu\n"
        "# HELP onestop_store_map_size_bytes The store's map size, "
        "reserved when it was created (onestop_store map_size).\n"
        "# TYPE onestop_store_map_size_bytes gauge\n"
        "onestop_store_map_size_bytes %llu\n"
        "# HELP onestop_zone_size_bytes Size of the shared zone.\n"
        "# TYPE onestop_zone_size_bytes gauge\n"
        "onestop_zone_size_bytes %llu\n"
        "# HELP onestop_zone_used_bytes Bytes of the shared zone in use.\n"
        "# TYPE onestop_zone_used_bytes gauge\n"
        "onestop_zone_used_bytes %llu\n"
        "# HELP onestop_zone_answers_total Public answers served from the "
        "zone (hit) or computed from the store (miss).\n"
        "# TYPE onestop_zone_answers_total counter\n"
        "onestop_zone_answers_total{result=\"hit\"} %llu\n"
        "onestop_zone_answers_total{result=\"miss\"} %llu\n"
        "# HELP onestop_store_changes_total Changes committed to the store "
        "(the outbox sequence).\n"
        "# TYPE onestop_store_changes_total counter\n"
        "onestop_store_changes_total %llu\n"
        "# HELP onestop_store_commits_total Write transactions committed "
        "to the store by any process (LMDB's transaction id); records a "
        "commit: onestop_records_accepted_total's rate over this one's.\n"
        "# TYPE onestop_store_commits_total counter\n"
        "onestop_store_commits_total %llu\n",
        (unsigned long long) h->store_used,
        (unsigned long long) h->store_mapped,
        (unsigned long long) h->zone_size, (unsigned long long) h->zone_used,
        (unsigned long long) h->hits, (unsigned long long) h->misses,
        (unsigned long long) h->seq, (unsigned long long) h->commits);
}


void
onestop_metrics_feed(onestop_buf_t *b, uint64_t connected, uint64_t depth,
    uint64_t published, uint64_t changes, uint64_t failures)
{
    onestop_buf_printf(b,
        "# HELP onestop_redis_connected Whether the change feed is "
        "connected to Redis.\n"
        "# TYPE onestop_redis_connected gauge\n"
        "onestop_redis_connected %llu\n"
        "# HELP onestop_redis_outbox_depth Changes committed that Redis "
        "has not acknowledged yet.\n"
        "# TYPE onestop_redis_outbox_depth gauge\n"
        "onestop_redis_outbox_depth %llu\n"
        "# HELP onestop_redis_published_seq The last change Redis "
        "acknowledged (the outbox sequence).\n"
        "# TYPE onestop_redis_published_seq gauge\n"
        "onestop_redis_published_seq %llu\n"
        "# HELP onestop_redis_published_changes_total Changes Redis "
        "acknowledged.\n"
        "# TYPE onestop_redis_published_changes_total counter\n"
        "onestop_redis_published_changes_total %llu\n"
        "# HELP onestop_redis_failures_total Failed connections, timeouts "
        "and refused commands.\n"
        "# TYPE onestop_redis_failures_total counter\n"
        "onestop_redis_failures_total %llu\n",
        (unsigned long long) connected, (unsigned long long) depth,
        (unsigned long long) published, (unsigned long long) changes,
        (unsigned long long) failures);
}


/* the telemetry of the zone (issue 19) */

const double  onestop_tel_bounds[ONESTOP_TEL_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};

static const unsigned  tel_statuses[ONESTOP_TEL_STATUSES - 1] = {
    200, 201, 400, 401, 403, 404, 409, 413, 422, 500, 507
};


void
onestop_tel_observe(onestop_telemetry_t *t, unsigned h, uint64_t usec)
{
    unsigned  i;

    if (h == 0 || h >= ONESTOP_TEL_HANDLERS) {
        return;
    }

    for (i = 0; i < ONESTOP_TEL_BUCKETS; i++) {
        if ((double) usec <= onestop_tel_bounds[i] * 1e6) {
            break;
        }
    }

    (void) __atomic_fetch_add(&t->bucket[h][i], 1, __ATOMIC_RELAXED);
    (void) __atomic_fetch_add(&t->sum_us[h], usec, __ATOMIC_RELAXED);
}


static unsigned
tel_status(unsigned status)
{
    unsigned  i;

    for (i = 0; i < ONESTOP_TEL_STATUSES - 1; i++) {
        if (tel_statuses[i] == status) {
            break;
        }
    }

    return i;
}


/* the counters of a name: found, or a free slot named (two processes
 * naming the same key at once may take two slots: the render adds them) */

static uint64_t *
tel_key(onestop_telemetry_t *t, const char *name, size_t len)
{
    size_t              i;
    uint64_t            state;
    onestop_tel_key_t  *k;

    if (len == 0) {
        return t->none;
    }

    if (len >= ONESTOP_TEL_NAME) {
        return t->other;
    }

    for (i = 0; i < ONESTOP_TEL_KEYS; i++) {
        k = &t->keys[i];
        state = __atomic_load_n(&k->state, __ATOMIC_ACQUIRE);

        if (state == 2 && k->len == len && memcmp(k->name, name, len) == 0) {
            return k->n;
        }

        if (state == 0
            && __atomic_compare_exchange_n(&k->state, &state, 1, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE))
        {
            memcpy(k->name, name, len);
            k->len = len;
            __atomic_store_n(&k->state, 2, __ATOMIC_RELEASE);
            return k->n;
        }
    }

    return t->other;
}


void
onestop_tel_write(onestop_telemetry_t *t, const char *name, size_t len,
    unsigned status)
{
    uint64_t  *n;

    n = tel_key(t, name, len);
    (void) __atomic_fetch_add(&n[tel_status(status)], 1, __ATOMIC_RELAXED);
}


/* a label's value: \, " and newlines escaped */

static void
tel_label(onestop_buf_t *b, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] == '\\' || s[i] == '"') {
            onestop_buf_add(b, "\\", 1);
            onestop_buf_add(b, &s[i], 1);

        } else if (s[i] == '\n') {
            onestop_buf_adds(b, "\\n");

        } else {
            onestop_buf_add(b, &s[i], 1);
        }
    }
}


static void
tel_writes(onestop_buf_t *b, const char *name, size_t len,
    const uint64_t *n)
{
    unsigned  i;

    for (i = 0; i < ONESTOP_TEL_STATUSES; i++) {
        if (n[i] == 0) {
            continue;
        }

        onestop_buf_adds(b, "onestop_writes_total{key=\"");
        tel_label(b, name, len);

        if (i < ONESTOP_TEL_STATUSES - 1) {
            onestop_buf_printf(b, "\",status=\"%u\"} %llu\n",
                               tel_statuses[i], (unsigned long long) n[i]);
        } else {
            onestop_buf_printf(b, "\",status=\"other\"} %llu\n",
                               (unsigned long long) n[i]);
        }
    }
}


void
onestop_tel_render(onestop_buf_t *b, const onestop_telemetry_t *t,
    const onestop_tel_info_t *info)
{
    size_t                    h, i, j, k;
    uint64_t                  c, count, n[ONESTOP_TEL_STATUSES];
    const onestop_tel_key_t  *key, *other;

    onestop_buf_adds(b,
        "# HELP onestop_build_info The module's version, the nginx it was "
        "built for and the store's schema.\n"
        "# TYPE onestop_build_info gauge\n"
        "onestop_build_info{version=\"");
    tel_label(b, info->version, strlen(info->version));
    onestop_buf_adds(b, "\",nginx=\"");
    tel_label(b, info->nginx, strlen(info->nginx));
    onestop_buf_printf(b, "\",schema=\"%u\"} 1\n", info->schema);

    onestop_buf_adds(b,
        "# HELP onestop_request_duration_seconds Time from a request's "
        "first byte to its answer, by handler (nginx's clock: 1 ms).\n"
        "# TYPE onestop_request_duration_seconds histogram\n");

    for (h = 1; h < info->nhandlers && h < ONESTOP_TEL_HANDLERS; h++) {
        count = 0;

        for (i = 0; i <= ONESTOP_TEL_BUCKETS; i++) {
            count += __atomic_load_n(&t->bucket[h][i], __ATOMIC_RELAXED);
        }

        if (count == 0) {
            continue;
        }

        /* cumulative, from the same reads as far as they go: a request
         * counted meanwhile lands in _count next time */

        c = 0;

        for (i = 0; i < ONESTOP_TEL_BUCKETS; i++) {
            c += __atomic_load_n(&t->bucket[h][i], __ATOMIC_RELAXED);
            c = c < count ? c : count;
            onestop_buf_printf(b, "onestop_request_duration_seconds_bucket{"
                               "handler=\"%s\",le=\"%g\"} %llu\n",
                               info->handlers[h], onestop_tel_bounds[i],
                               (unsigned long long) c);
        }

        onestop_buf_printf(b,
            "onestop_request_duration_seconds_bucket{handler=\"%s\","
            "le=\"+Inf\"} %llu\n"
            "onestop_request_duration_seconds_sum{handler=\"%s\"} %.6f\n"
            "onestop_request_duration_seconds_count{handler=\"%s\"} %llu\n",
            info->handlers[h], (unsigned long long) count, info->handlers[h],
            (double) __atomic_load_n(&t->sum_us[h], __ATOMIC_RELAXED) / 1e6,
            info->handlers[h], (unsigned long long) count);
    }

    onestop_buf_adds(b,
        "# HELP onestop_writes_total Writes (batches, deletes, catalogs, "
        "evaluations) that reached the store, by API key name and status.\n"
        "# TYPE onestop_writes_total counter\n");

    for (k = 0; k < ONESTOP_TEL_KEYS; k++) {
        key = &t->keys[k];

        if (__atomic_load_n(&key->state, __ATOMIC_ACQUIRE) != 2) {
            continue;
        }

        /* a name taken twice: its first slot says the sum */

        for (j = 0; j < k; j++) {
            other = &t->keys[j];

            if (__atomic_load_n(&other->state, __ATOMIC_ACQUIRE) == 2
                && other->len == key->len
                && memcmp(other->name, key->name, key->len) == 0)
            {
                break;
            }
        }

        if (j < k) {
            continue;
        }

        for (i = 0; i < ONESTOP_TEL_STATUSES; i++) {
            n[i] = __atomic_load_n(&key->n[i], __ATOMIC_RELAXED);
        }

        for (j = k + 1; j < ONESTOP_TEL_KEYS; j++) {
            other = &t->keys[j];

            if (__atomic_load_n(&other->state, __ATOMIC_ACQUIRE) == 2
                && other->len == key->len
                && memcmp(other->name, key->name, key->len) == 0)
            {
                for (i = 0; i < ONESTOP_TEL_STATUSES; i++) {
                    n[i] += __atomic_load_n(&other->n[i], __ATOMIC_RELAXED);
                }
            }
        }

        tel_writes(b, key->name, (size_t) key->len, n);
    }

    for (i = 0; i < ONESTOP_TEL_STATUSES; i++) {
        n[i] = __atomic_load_n(&t->none[i], __ATOMIC_RELAXED);
    }

    tel_writes(b, "-", 1, n);

    for (i = 0; i < ONESTOP_TEL_STATUSES; i++) {
        n[i] = __atomic_load_n(&t->other[i], __ATOMIC_RELAXED);
    }

    tel_writes(b, "_other", 6, n);
}
