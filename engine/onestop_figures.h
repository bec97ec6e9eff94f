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
} onestop_health_t;

void onestop_metrics_health(onestop_buf_t *b, const onestop_health_t *h);

/* the change feed's state, Prometheus text */
void onestop_metrics_feed(onestop_buf_t *b, uint64_t connected,
    uint64_t depth, uint64_t published, uint64_t changes, uint64_t failures);

#endif /* ONESTOP_FIGURES_H */
