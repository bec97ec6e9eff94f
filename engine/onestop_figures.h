/*
 * The public figures the nginx module renders beside the statistics: the
 * widgets (an agency's or the province's figures of the year, as a badge
 * or a card, Vietnamese style) and the Prometheus metrics (series naming,
 * per-channel sums, the module's own health).  Each is one call on a read
 * of the store, with a typed query inside: no query string is made up.
 */

#ifndef ONESTOP_FIGURES_H
#define ONESTOP_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_store.h"
#include "onestop_util.h"

/* onestop_query_t.period (onestop_stats.h: 1 today .. 5 all) */
#define ONESTOP_PERIOD_YEAR  4
#define ONESTOP_PERIOD_ALL   5

typedef struct {
    const char     *agency;       /* an agency's id, or "province" */
    size_t          len;
    const char     *province;     /* the province's name (onestop_province) */
    const char     *tpl;          /* html/badge.svg or html/widget.html */
    size_t          tpl_len;
    int             badge;
    onestop_day_t   today;
} onestop_widget_t;

/* 0, 1 when there is no such agency (*message, a 404), or -1 */
int onestop_widget(onestop_store_t *st, const onestop_widget_t *w,
    onestop_buf_t *out, const char **message);

/* the badge or card of an agency not in the catalog (w->tpl the badge's or
 * the card's template, w->today set): a grey "không có" an embedding page
 * shows in place of the figures, where it would show a broken image or
 * the error object's text; `busy`: a grey "tạm bận" of a worker that has
 * as many answers to compute as it keeps (a 503); 0 or -1 */
int onestop_widget_unknown(const onestop_widget_t *w, int busy,
    onestop_buf_t *out);

/* Vietnamese formats: 1.234.567 and 98,5 % ("—" when den is 0) */
void onestop_format_integer(onestop_buf_t *b, int64_t v);
void onestop_format_percent(onestop_buf_t *b, int64_t num, int64_t den);

/* every agency's (all) or the top agencies' figures of all time, by
 * channel, and the province's sums, as Prometheus text; 0 or -1 */
int onestop_metrics_figures(onestop_store_t *st, int all,
    onestop_day_t today, onestop_buf_t *out);

/* the module's own health, read by the caller */
typedef struct {
    uint64_t            accepted;
    const uint64_t     *requests;     /* [handler][status], counts */
    const char *const  *handlers;     /* names, [0] unused */
    size_t              nhandlers;
    const unsigned     *statuses;     /* 0: "other" */
    size_t              nstatuses;
    uint64_t            store_used, store_mapped;
    uint64_t            zone_size, zone_used, hits, misses, seq;
    uint64_t            commits;        /* onestop_store_commits() */
} onestop_health_t;

void onestop_metrics_health(onestop_buf_t *b, const onestop_health_t *h);

/* the change feed's state, Prometheus text */
void onestop_metrics_feed(onestop_buf_t *b, uint64_t connected,
    uint64_t depth, uint64_t published, uint64_t changes, uint64_t failures);


/*
 * The module's telemetry in nginx's shared zone (issue 19): request
 * latency histograms per handler and writes by API key name and status.
 * Fixed size, no pointers, atomics only (every process adds; /metrics
 * reads): the zone holds one, zeroed when the zone is made.
 */
#define ONESTOP_TEL_HANDLERS   24     /* handler numbers 1..23 */
#define ONESTOP_TEL_BUCKETS    12     /* le= bounds, then +Inf */
#define ONESTOP_TEL_KEYS       64     /* key names; more: key="_other" */
#define ONESTOP_TEL_NAME       48     /* a name's bytes, at most 47 */
#define ONESTOP_TEL_STATUSES   12     /* write statuses, the last "other" */

typedef struct {
    uint64_t        state;        /* 0 free, 1 being named, 2 named */
    uint64_t        len;
    char            name[ONESTOP_TEL_NAME];
    uint64_t        n[ONESTOP_TEL_STATUSES];
} onestop_tel_key_t;

typedef struct {
    uint64_t            bucket[ONESTOP_TEL_HANDLERS][ONESTOP_TEL_BUCKETS + 1];
    uint64_t            sum_us[ONESTOP_TEL_HANDLERS];
    onestop_tel_key_t   keys[ONESTOP_TEL_KEYS];
    uint64_t            other[ONESTOP_TEL_STATUSES];  /* no room, or a name
                                                         too long */
    uint64_t            none[ONESTOP_TEL_STATUSES];   /* no key: key="-" */
} onestop_telemetry_t;

/* the bounds of the buckets, in seconds (0.001 .. 5) */
extern const double  onestop_tel_bounds[ONESTOP_TEL_BUCKETS];

/* A request of handler h (1..ONESTOP_TEL_HANDLERS - 1) answered in usec
 * microseconds. */
void onestop_tel_observe(onestop_telemetry_t *t, unsigned h, uint64_t usec);

/* A write (batch, delete, catalog, evaluation) by the key name[0..len)
 * (len 0: no key) that ended with an HTTP status. */
void onestop_tel_write(onestop_telemetry_t *t, const char *name, size_t len,
    unsigned status);

typedef struct {
    const char         *version;      /* onestop's */
    const char         *nginx;        /* NGINX_VERSION */
    unsigned            schema;       /* ONESTOP_SCHEMA_VERSION */
    const char *const  *handlers;     /* names by number, [0] unused */
    size_t              nhandlers;
} onestop_tel_info_t;

/* onestop_build_info, onestop_request_duration_seconds (histograms of the
 * handlers that answered at least once) and onestop_writes_total, as
 * Prometheus text. */
void onestop_tel_render(onestop_buf_t *b, const onestop_telemetry_t *t,
    const onestop_tel_info_t *info);

#endif /* ONESTOP_FIGURES_H */
