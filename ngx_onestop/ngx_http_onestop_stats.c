/*
 * The public figures (SPEC section 7): statistics as JSON or CSV, the
 * apology letters, the widgets, the dashboard and the Prometheus metrics.
 * Each handler parses its request, names the engine's computation of its
 * answer, and sends what ngx_http_onestop_answer() gives: from the shared
 * zone while the store has not changed, else computed off the event loop
 * from the durable counters in LMDB.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <nginx.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_notify.h"
#include "onestop_schema.h"
#include "onestop_version.h"


static ngx_str_t  ngx_http_onestop_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


/* statistics */

ngx_int_t
ngx_http_onestop_stats_handler(ngx_http_request_t *r)
{
    u_char                        prefix[NGX_INT_T_LEN + 2];
    ngx_http_onestop_main_conf_t  *omcf;

    /* which months as=published serves depends on the grace days, which a
     * reload may change while the zone keeps its answers: they are in the
     * zone's key (the key is made before this returns) */

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    *ngx_sprintf(prefix, "s%i", omcf->grace_days) = '\0';

    return ngx_http_onestop_public_answer(r, ONESTOP_ANSWER_STATS,
                                          (const char *) prefix,
                                          ONESTOP_CSV_STATS);
}


/* apology letters */

ngx_int_t
ngx_http_onestop_apologies_handler(ngx_http_request_t *r)
{
    return ngx_http_onestop_public_answer(r, ONESTOP_ANSWER_APOLOGIES, "a",
                                          ONESTOP_CSV_APOLOGIES);
}


/* the catalog (issue 15): the ids the statistics' filters take */

ngx_int_t
ngx_http_onestop_catalog_handler(ngx_http_request_t *r)
{
    return ngx_http_onestop_public_answer(r, ONESTOP_ANSWER_CATALOG, "c",
                                          ONESTOP_CSV_CATALOG);
}


/* widgets: this year's figures of an agency's tree, or the province's */

ngx_int_t
ngx_http_onestop_widget_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      id, key, body, *tpl;
    onestop_str_t                  agency, ext;
    onestop_widget_t              *w;
    ngx_http_onestop_answer_t      a;

    if (ngx_http_onestop_public_begin(r, &a, 0, &rc) != NGX_OK) {
        return rc;
    }

    rc = ngx_http_onestop_request_id(r, &id);

    if (rc != NGX_OK) {
        return ngx_http_onestop_id_failed(r, rc);
    }

    /* {agency}.svg or {agency}.html */

    if (onestop_args_widget((char *) id.data, id.len, &agency, &ext) != 0) {
        /* a badge or card of no agency there can be: an image or a
         * card, as an unknown agency's */

        if ((id.len >= 4
             && ngx_strncmp(id.data + id.len - 4, ".svg", 4) == 0)
            || (id.len >= 5
                && ngx_strncmp(id.data + id.len - 5, ".html", 5) == 0))
        {
            ngx_memzero(&a.q.widget, sizeof(onestop_widget_t));
            a.q.widget.badge = (id.data[id.len - 4] == '.');
            a.q.widget.province = (char *) a.omcf->province.data;
            return ngx_http_onestop_widget_unknown(r, &a.q.widget,
                                                   a.q.today,
                                                   NGX_HTTP_NOT_FOUND);
        }

        /* public data: its errors carry CORS, as an unknown agency's */
        if (ngx_http_onestop_cors(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "a widget is /widget/AGENCY.svg or "
                                      "/widget/AGENCY.html");
    }

    tpl = ext.len == 3 ? &ngx_http_onestop_html_badge_svg
                       : &ngx_http_onestop_html_widget_html;

    a.q.kind = ONESTOP_ANSWER_WIDGET;
    w = &a.q.widget;
    w->agency = agency.data;
    w->len = agency.len;
    w->province = (char *) a.omcf->province.data;
    w->tpl = (char *) tpl->data;
    w->tpl_len = tpl->len;
    w->badge = (ext.len == 3);

    /* the answer holds onestop_province, which a reload may change while
     * the zone keeps its answers: the name's hash is in the key */

    key.data = ngx_pnalloc(r->pool, id.len + sizeof(":12345678"));
    if (key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    key.len = ngx_sprintf(key.data, "%V:%08xD", &id,
                          ngx_crc32_short(a.omcf->province.data,
                                          a.omcf->province.len))
              - key.data;

    if (ngx_http_onestop_answer(r, &a, "w", &key, &body, 1, &rc) != NGX_OK) {
        return rc;
    }

    if (ext.len == 4 && ngx_http_onestop_frame_policy(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                 ext.len == 3 ? &ngx_http_onestop_svg_type
                                              : &ngx_http_onestop_framed_type,
                                 body.data, body.len);
}


/* the dashboard: one self-contained page that reads /api/v1/stats */

ngx_int_t
ngx_http_onestop_dashboard_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                     *page;
    ngx_http_onestop_main_conf_t  *omcf;

    if (r->method == NGX_HTTP_OPTIONS) {        /* public data's preflight */
        return ngx_http_onestop_preflight(r);
    }

    if (ngx_http_onestop_get_begin(r, 0, &rc) != NGX_OK) {
        return rc;
    }

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    page = &omcf->dashboard;

    if (ngx_http_onestop_public_headers(r) != NGX_OK
        || ngx_http_onestop_etag(r, page->data, page->len) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                 &ngx_http_onestop_framed_type,
                                 page->data, page->len);
}


/* Prometheus metrics */

ngx_int_t
ngx_http_onestop_metrics_handler(ngx_http_request_t *r)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;
    size_t                         zsize, zused;
    uint64_t                       requests[NGX_HTTP_ONESTOP_HANDLERS
                                            * NGX_HTTP_ONESTOP_STATUSES];
    ngx_int_t                      rc;
    ngx_str_t                      figures;
    onestop_buf_t                  b;
    onestop_health_t               h;
    onestop_telemetry_t           *tel;
    ngx_http_onestop_answer_t      a;

    static onestop_telemetry_t     none;
    static onestop_tel_info_t      info = {
        ONESTOP_VERSION, NGINX_VERSION, ONESTOP_SCHEMA_VERSION,
        ngx_http_onestop_handler_names, NGX_HTTP_ONESTOP_HANDLERS
    };

    if (ngx_http_onestop_public_begin(r, &a, 0, &rc) != NGX_OK) {
        return rc;
    }

    a.q.kind = ONESTOP_ANSWER_METRICS;
    a.q.all = (int) a.omcf->metrics_all;

    /* the answer depends on onestop_metrics_agencies too */
    if (ngx_http_onestop_answer(r, &a, a.omcf->metrics_all ? "m1" : "m0",
                                NULL, &figures, 0, &rc)
        != NGX_OK)
    {
        return rc;
    }

    /* the module's own health, read now */

    ngx_memzero(&h, sizeof(onestop_health_t));
    ngx_http_onestop_zone_counters(a.omcf, requests, &h.accepted);
    ngx_http_onestop_zone_usage(a.omcf, &zsize, &zused, &h.hits, &h.misses);
    onestop_store_usage(wk->store, &h.store_used, &h.store_mapped);
    h.commits = onestop_store_commits(wk->store);

    h.requests = requests;
    h.handlers = ngx_http_onestop_handler_names;
    h.nhandlers = NGX_HTTP_ONESTOP_HANDLERS;
    h.statuses = ngx_http_onestop_statuses;
    h.nstatuses = NGX_HTTP_ONESTOP_STATUSES;
    h.zone_size = zsize;
    h.zone_used = zused;
    h.seq = ngx_http_onestop_zone_seq(a.omcf);

    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_buf_add(&b, figures.data, figures.len);
    onestop_metrics_health(&b, &h);

    tel = ngx_http_onestop_zone_tel(a.omcf);
    onestop_tel_render(&b, tel ? tel : &none, &info);
    ngx_http_onestop_redis_metrics(a.omcf, &b);

    /* the notifier's counts (issue 16), which it keeps in the store */

    if (ngx_http_onestop_read_begin(a.omcf, wk->store, r->connection->log)
        == NGX_OK)
    {
        onestop_notify_metrics(wk->store, &b);
        onestop_store_read_end(wk->store);
    }

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8) != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_metrics_type, &b);
}


/* requests by handler and status, for /metrics */

ngx_int_t
ngx_http_onestop_log_handler(ngx_http_request_t *r)
{
    ngx_msec_int_t                 ms;
    ngx_time_t                    *tp;
    onestop_telemetry_t           *tel;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_main_conf_t  *omcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    if (olcf == NULL || olcf->handler == NGX_HTTP_ONESTOP_NONE) {
        return NGX_OK;
    }

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    ngx_http_onestop_zone_count(omcf, olcf->handler,
                                r->headers_out.status ? r->headers_out.status
                                                      : r->err_status);

    tel = ngx_http_onestop_zone_tel(omcf);
    tp = ngx_timeofday();
    ms = (tp->sec - r->start_sec) * 1000 + (tp->msec - r->start_msec);

    if (tel != NULL) {
        onestop_tel_observe(tel, olcf->handler, (uint64_t) ngx_max(ms, 0)
                                                * 1000);
    }

    return NGX_OK;
}


/* onestop_widget_frame_ancestors SOURCE...: who may frame the widgets, as
 * the CSP header the widgets are sent with */

char *
ngx_http_onestop_frame_ancestors(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_onestop_loc_conf_t  *olcf = conf;

    u_char      *p, kw[4];
    size_t       len;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (olcf->frame_ancestors.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_strlchr(value[i].data, value[i].data + value[i].len, ';')
            != NULL
            || ngx_strlchr(value[i].data, value[i].data + value[i].len, ',')
               != NULL)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid source \"%V\": a CSP source list "
                               "has no \";\" or \",\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        /* 'self' and 'none' lose their single quotes to nginx's own
         * quoting: bare, they are host names, and the portal's own pages
         * could not frame the card */

        if ((value[i].len == 4
             && ngx_strncasecmp(value[i].data, (u_char *) "self", 4) == 0)
            || (value[i].len == 4
                && ngx_strncasecmp(value[i].data, (u_char *) "none", 4) == 0))
        {
            ngx_strlow(kw, value[i].data, 4);
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid source \"%V\": the CSP keyword is "
                               "written with its single quotes: \"'%*s'\" "
                               "(in double quotes, since nginx takes single "
                               "ones away)", &value[i], (size_t) 4, kw);
            return NGX_CONF_ERROR;
        }

        len += value[i].len + 1;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    olcf->frame_ancestors.data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        if (i > 1) {
            *p++ = ' ';
        }
        p = ngx_cpymem(p, value[i].data, value[i].len);
    }

    olcf->frame_ancestors.len = p - olcf->frame_ancestors.data;

    return NGX_CONF_OK;
}
