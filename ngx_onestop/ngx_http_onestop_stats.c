/*
 * Statistics (SPEC section 7): GET /api/v1/stats, JSON or CSV.  An answer
 * is served from the shared zone while the store has not changed since it
 * was computed (and the day has not turned); otherwise the engine computes
 * it from the durable counters in LMDB and the zone keeps it for the next
 * request, in every worker.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


#define NGX_HTTP_ONESTOP_ARGS_MAX  32


static ngx_str_t  ngx_http_onestop_json_type =
    ngx_string("application/json; charset=utf-8");
static ngx_str_t  ngx_http_onestop_csv_type =
    ngx_string("text/csv; charset=utf-8; header=present");


ngx_int_t
ngx_http_onestop_parse_args(ngx_http_request_t *r, onestop_arg_t **args,
    size_t *nargs)
{
    u_char         *p, *end, *amp, *eq, *dst, *src;
    size_t          n;
    onestop_arg_t  *a;

    a = ngx_pcalloc(r->pool, NGX_HTTP_ONESTOP_ARGS_MAX
                             * sizeof(onestop_arg_t));
    if (a == NULL) {
        return NGX_ERROR;
    }

    n = 0;
    p = r->args.data;
    end = p + r->args.len;

    while (p < end && n < NGX_HTTP_ONESTOP_ARGS_MAX) {
        amp = ngx_strlchr(p, end, '&');
        if (amp == NULL) {
            amp = end;
        }

        eq = ngx_strlchr(p, amp, '=');

        if (eq != NULL && eq > p) {
            a[n].key.data = (char *) p;
            a[n].key.len = eq - p;

            dst = ngx_pnalloc(r->pool, amp - eq);
            if (dst == NULL) {
                return NGX_ERROR;
            }

            a[n].value.data = (char *) dst;
            src = eq + 1;
            ngx_unescape_uri(&dst, &src, amp - eq - 1, NGX_UNESCAPE_URI);
            a[n].value.len = dst - (u_char *) a[n].value.data;
            n++;
        }

        p = amp + 1;
    }

    *args = a;
    *nargs = n;

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_public_headers(ngx_http_request_t *r)
{
    u_char                        *p;
    ngx_table_elt_t               *cc;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    p = ngx_pnalloc(r->pool, sizeof("public, max-age=") + NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_onestop_add_header(r, "Access-Control-Allow-Origin",
                                    (u_char *) "*", 1) != NGX_OK)
    {
        return NGX_ERROR;
    }

    cc = ngx_list_push(&r->headers_out.headers);
    if (cc == NULL) {
        return NGX_ERROR;
    }

    cc->hash = 1;
    ngx_str_set(&cc->key, "Cache-Control");
    cc->value.data = p;
    cc->value.len = ngx_sprintf(p, "public, max-age=%T",
                                omcf->public_max_age) - p;

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_stats_handler(ngx_http_request_t *r)
{
    int                            rc, csv;
    size_t                         nargs, i;
    int32_t                        offset;
    uint64_t                       seq;
    ngx_str_t                      key, body, etag;
    onestop_arg_t                 *args;
    onestop_buf_t                  out;
    onestop_day_t                  today;
    onestop_query_t                q;
    const onestop_catalog_t       *cat;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        ngx_http_onestop_add_header(r, "Allow", (u_char *) "GET, HEAD", 9);
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_ALLOWED,
                                      "method_not_allowed",
                                      "only GET and HEAD are allowed here");
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (omcf->store == NULL) {
        return ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable", "the store is not open");
    }

    if (ngx_http_onestop_parse_args(r, &args, &nargs) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    csv = 0;

    for (i = 0; i < nargs; i++) {
        if (args[i].key.len == 6 && ngx_strncmp(args[i].key.data, "format", 6)
                                    == 0
            && args[i].value.len == 3
            && ngx_strncmp(args[i].value.data, "csv", 3) == 0)
        {
            csv = 1;
        }
    }

    offset = onestop_store_offset(omcf->store);
    today = onestop_today(offset);

    /* the zone's answer, while nothing changed */

    key.len = 2 + r->args.len;
    key.data = ngx_pnalloc(r->pool, key.len);
    if (key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(key.data, "s?", 2), r->args.data, r->args.len);

    rc = ngx_http_onestop_zone_get(r, omcf, &key, today, &body, &etag);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {

        if (onestop_store_read_begin(omcf->store) != ONESTOP_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "could not read store \"%V\"", &omcf->store_path);
            return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                          "internal_error",
                                          "the store could not be read");
        }

        cat = onestop_store_catalog(omcf->store);

        if (cat == NULL) {
            onestop_store_read_end(omcf->store);
            return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                          "internal_error",
                                          "the catalog could not be read");
        }

        if (onestop_query_parse(&q, cat, args, nargs) != 0) {
            onestop_store_read_end(omcf->store);
            return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST,
                                          "bad_request", q.error);
        }

        ngx_memzero(&out, sizeof(onestop_buf_t));
        seq = onestop_store_seq(omcf->store);
        rc = onestop_store_stats(omcf->store, &q, today, &out);
        onestop_store_read_end(omcf->store);

        if (rc != 0) {
            onestop_buf_free(&out);

            if (rc == -1) {
                return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST,
                                              "bad_request", q.error);
            }

            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "could not compute statistics from store \"%V\"",
                          &omcf->store_path);
            return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                          "internal_error",
                                          "the statistics could not be "
                                          "computed");
        }

        body.len = out.len;
        body.data = ngx_pnalloc(r->pool, out.len);

        if (body.data == NULL) {
            onestop_buf_free(&out);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(body.data, out.data, out.len);
        onestop_buf_free(&out);

        if (ngx_http_onestop_make_etag(r, body.data, body.len, &etag)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_onestop_zone_raise(omcf, seq);
        ngx_http_onestop_zone_put(omcf, &key, seq, today, &body, &etag);
    }

    if (ngx_http_onestop_public_headers(r) != NGX_OK
        || ngx_http_onestop_set_etag(r, &etag) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (csv) {
        if (ngx_http_onestop_add_header(r, "Content-Disposition",
                (u_char *) "attachment; filename=\"onestop-stats.csv\"",
                sizeof("attachment; filename=\"onestop-stats.csv\"") - 1)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                 csv ? &ngx_http_onestop_csv_type
                                     : &ngx_http_onestop_json_type,
                                 body.data, body.len);
}
