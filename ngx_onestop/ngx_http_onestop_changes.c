/*
 * The change log over HTTP (issue 15): GET /api/v1/changes?after=&limit=
 * answers a page of the store's change log as JSON; with Accept:
 * text/event-stream the same entries stream live as Server-Sent Events.
 * The entries, the pages and the events are the engine's
 * (engine/changelog.c, onestop_changes.h), and so is a stream's state
 * (engine/sse.c: when it reads, what it sends); this file reads the
 * request, keeps a stream's timer, which tells it the zone's sequence,
 * and sends.  A worker told to quit (a reload) ends its streams at their
 * next tick, and the clients resume on a new worker from Last-Event-ID.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_changes.h"
#include "onestop_sse.h"


#define NGX_HTTP_ONESTOP_CHANGES_TICK  200      /* ms */


typedef struct {
    ngx_uint_t                  ctx_kind;       /* ..._CTX_CHANGES */
    ngx_http_request_t         *request;
    ngx_event_t                 tick;
    onestop_sse_t               sse;
    ngx_buf_t                   buf;
    ngx_chain_t                 chain;
    ngx_uint_t                  failing;        /* reads failing: logged */
} ngx_http_onestop_changes_ctx_t;


static ngx_int_t ngx_http_onestop_changes_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_changes_stream(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, onestop_changes_query_t *q);
static ngx_int_t ngx_http_onestop_changes_failed(ngx_http_request_t *r,
    int status, onestop_changes_result_t *res);
static ngx_int_t ngx_http_onestop_changes_send(
    ngx_http_onestop_changes_ctx_t *ctx);
static void ngx_http_onestop_changes_tick(ngx_event_t *ev);
static void ngx_http_onestop_changes_writable(ngx_http_request_t *r);
static void ngx_http_onestop_changes_end(ngx_http_onestop_changes_ctx_t *ctx);
static void ngx_http_onestop_changes_cleanup(void *data);


/* onestop_changes [heartbeat=TIME] */

char *
ngx_http_onestop_changes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_loc_conf_t  *olcf = conf;

    ngx_str_t                 *value, s;
    ngx_msec_t                 ms;
    ngx_uint_t                 i;
    ngx_http_core_loc_conf_t  *clcf;

    if (olcf->handler != NGX_HTTP_ONESTOP_NONE) {
        return "is duplicate";
    }

    olcf->handler = NGX_HTTP_ONESTOP_CHANGES;
    olcf->heartbeat = 15000;
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "heartbeat=", 10) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        s.data = value[i].data + 10;
        s.len = value[i].len - 10;
        ms = ngx_parse_time(&s, 0);

        if (ms == (ngx_msec_t) NGX_ERROR || ms < 1000) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid heartbeat \"%V\" (1s at least)", &s);
            return NGX_CONF_ERROR;
        }

        olcf->heartbeat = ms;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_onestop_changes_handler;

    return NGX_CONF_OK;
}


/* the request's header, or NULL */

static ngx_table_elt_t *
ngx_http_onestop_changes_header(ngx_http_request_t *r, const char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == len
                && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
            {
                return &h[i];
            }
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_onestop_changes_handler(ngx_http_request_t *r)
{
    int                             status;
    size_t                          nargs;
    ngx_int_t                       rc;
    const char                     *error;
    onestop_buf_t                   b;
    onestop_arg_t                  *args;
    ngx_table_elt_t                *accept;
    onestop_changes_query_t         q;
    onestop_changes_result_t        res;
    ngx_http_onestop_main_conf_t   *omcf;
    ngx_http_onestop_worker_t      *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (r->method == NGX_HTTP_OPTIONS) {
        return ngx_http_onestop_preflight(r);
    }

    if (ngx_http_onestop_get_begin(r, 1, &rc) != NGX_OK) {
        return rc;
    }

    /* one URL, two answers by Accept: caches keep them apart */

    if (ngx_http_onestop_cors(r) != NGX_OK
        || ngx_http_onestop_add_header(r, "Vary", (u_char *) "Accept", 6)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!ngx_http_onestop_no_rest(r)) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "no such resource");
    }

    rc = ngx_http_onestop_parse_args(r, &args, &nargs, &error);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED || onestop_changes_query(&q, args, nargs) != 0) {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      rc == NGX_DECLINED ? error : q.error);
    }

    accept = r->headers_in.accept;

    if (accept != NULL
        && ngx_strlcasestrn(accept->value.data,
                            accept->value.data + accept->value.len,
                            (u_char *) "text/event-stream", 17 - 1)
           != NULL)
    {
        return ngx_http_onestop_changes_stream(r, omcf, &q);
    }

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));
    status = onestop_changes_read(wk->store,
                                  q.has_after ? q.after
                                              : ONESTOP_CHANGES_OLDEST,
                                  q.limit, ONESTOP_CHANGES_JSON, &b, &res);
    onestop_store_read_end(wk->store);

    if (status != 200) {
        onestop_buf_free(&b);
        return ngx_http_onestop_changes_failed(r, status, &res);
    }

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-cache", 8)
        != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_json_type, &b);
}


static ngx_int_t
ngx_http_onestop_changes_failed(ngx_http_request_t *r, int status,
    onestop_changes_result_t *res)
{
    ngx_http_onestop_main_conf_t  *omcf;

    if (status == 410) {
        return ngx_http_onestop_error(r, 410, "gone", res->message);
    }

    if (status == 404) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      res->message);
    }

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "onestop_changes: could not read the change log of store "
                  "\"%V\": %s", &omcf->store_path, res->message);

    return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                  "internal_error",
                                  "the change log could not be read");
}


/* Server-Sent Events */

static ngx_int_t
ngx_http_onestop_changes_stream(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, onestop_changes_query_t *q)
{
    int                              status;
    uint64_t                         after;
    ngx_int_t                        rc;
    ngx_table_elt_t                 *id;
    ngx_pool_cleanup_t              *cln;
    onestop_changes_result_t         res;
    ngx_http_onestop_changes_ctx_t  *ctx;
    ngx_http_onestop_loc_conf_t     *olcf;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    static ngx_str_t  type = ngx_string("text/event-stream");

    id = ngx_http_onestop_changes_header(r, "Last-Event-ID");

    if (onestop_sse_resume(q, id ? (char *) id->value.data : NULL,
                           id ? id->value.len : 0, &after)
        != 0)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      "Last-Event-ID must be the seq of a "
                                      "change");
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_onestop_changes_ctx_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (ctx == NULL || cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);
    status = onestop_sse_open(&ctx->sse, wk->store, after,
                              (unsigned) olcf->heartbeat, &res);
    onestop_store_read_end(wk->store);

    cln->handler = ngx_http_onestop_changes_cleanup;
    cln->data = ctx;

    if (status != 200) {
        return ngx_http_onestop_changes_failed(r, status, &res);
    }

    ctx->ctx_kind = NGX_HTTP_ONESTOP_CTX_CHANGES;
    ctx->request = r;
    ngx_http_set_ctx(r, ctx, ngx_http_onestop_module);

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-cache", 8) != NGX_OK
        || ngx_http_onestop_add_header(r, "X-Accel-Buffering",
                                       (u_char *) "no", 2) != NGX_OK
        /* as every answer of the module's (ngx_http_onestop_send) */
        || ngx_http_onestop_add_header(r, "X-Content-Type-Options",
                                       (u_char *) "nosniff", 7) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = type;
    r->headers_out.content_type_len = type.len;
    r->headers_out.content_type_lowcase = NULL;
    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);

    if (r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
        return ngx_http_send_header(r);
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    ctx->tick.handler = ngx_http_onestop_changes_tick;
    ctx->tick.data = ctx;
    ctx->tick.log = r->connection->log;

    r->main->count++;
    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_onestop_changes_writable;

    if (ngx_http_onestop_changes_send(ctx) == NGX_ERROR) {
        r->main->count--;
        return NGX_ERROR;
    }

    ngx_add_timer(&ctx->tick, NGX_HTTP_ONESTOP_CHANGES_TICK);

    return NGX_DONE;
}


/* what ctx->out holds, flushed; NGX_AGAIN while the client has not taken
 * it all */

static ngx_int_t
ngx_http_onestop_changes_send(ngx_http_onestop_changes_ctx_t *ctx)
{
    ngx_int_t                  rc;
    ngx_http_request_t        *r = ctx->request;
    ngx_http_core_loc_conf_t  *clcf;

    if (ctx->sse.out.failed) {
        return NGX_ERROR;
    }

    if (ctx->sse.out.len == 0) {
        return NGX_OK;
    }

    ngx_memzero(&ctx->buf, sizeof(ngx_buf_t));
    ctx->buf.pos = (u_char *) ctx->sse.out.data;
    ctx->buf.last = ctx->buf.pos + ctx->sse.out.len;
    ctx->buf.memory = 1;
    ctx->buf.flush = 1;
    ctx->chain.buf = &ctx->buf;
    ctx->chain.next = NULL;
    ctx->sse.quiet = 0;

    rc = ngx_http_output_filter(r, &ctx->chain);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (r->out != NULL || r->connection->buffered) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
        ngx_add_timer(r->connection->write, clcf->send_timeout);

        if (ngx_handle_write_event(r->connection->write, clcf->send_lowat)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        return NGX_AGAIN;
    }

    onestop_sse_sent(&ctx->sse);

    return NGX_OK;
}


static void
ngx_http_onestop_changes_writable(ngx_http_request_t *r)
{
    ngx_event_t                     *wev = r->connection->write;
    ngx_http_onestop_changes_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (wev->timedout) {
        r->connection->timedout = 1;
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    if (wev->timer_set) {
        ngx_del_timer(wev);
    }

    if (ngx_http_output_filter(r, NULL) == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }

    if (ctx != NULL && ctx->ctx_kind == NGX_HTTP_ONESTOP_CTX_CHANGES
        && r->out == NULL && !r->connection->buffered)
    {
        onestop_sse_sent(&ctx->sse);
    }
}


static void
ngx_http_onestop_changes_tick(ngx_event_t *ev)
{
    ngx_int_t                        gone;
    ngx_http_onestop_changes_ctx_t  *ctx = ev->data;
    ngx_http_onestop_main_conf_t    *omcf;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        /* a reload: the client resumes on a new worker (Last-Event-ID) */
        ngx_http_onestop_changes_end(ctx);
        return;
    }

    omcf = ngx_http_get_module_main_conf(ctx->request,
                                         ngx_http_onestop_module);

    ngx_add_timer(&ctx->tick, NGX_HTTP_ONESTOP_CHANGES_TICK);

    switch (onestop_sse_tick(&ctx->sse, NGX_HTTP_ONESTOP_CHANGES_TICK,
                             omcf->sh != NULL ? ngx_http_onestop_zone_seq(omcf)
                                              : ONESTOP_SSE_UNKNOWN))
    {
    case ONESTOP_SSE_WAIT:
        return;

    case ONESTOP_SSE_READ:
        if (ngx_http_onestop_read_begin(omcf, wk->store, ev->log) != NGX_OK) {
            return;
        }

        gone = onestop_sse_read(&ctx->sse, wk->store);
        onestop_store_read_end(wk->store);

        /* a read that fails is tried again at the next tick: said once
         * for each spell of failures, not five times a second */

        if (gone < 0 && !ctx->failing) {
            ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                          "onestop_changes: a stream could not read the "
                          "change log of store \"%V\": %s; it tries again "
                          "every tick", &omcf->store_path, ctx->sse.error);
        }

        ctx->failing = (gone < 0);

        if (gone > 0) {
            (void) ngx_http_onestop_changes_send(ctx);
            ngx_http_onestop_changes_end(ctx);
            return;
        }
    }

    onestop_sse_idle(&ctx->sse);

    if (ngx_http_onestop_changes_send(ctx) == NGX_ERROR) {
        ngx_http_finalize_request(ctx->request, NGX_ERROR);
    }
}


/* the stream's end: what is sent goes, then the request */

static void
ngx_http_onestop_changes_end(ngx_http_onestop_changes_ctx_t *ctx)
{
    ngx_http_request_t  *r = ctx->request;

    if (ctx->tick.timer_set) {
        ngx_del_timer(&ctx->tick);
    }

    ngx_http_finalize_request(r, ngx_http_send_special(r, NGX_HTTP_LAST));
}


static void
ngx_http_onestop_changes_cleanup(void *data)
{
    ngx_http_onestop_changes_ctx_t  *ctx = data;

    if (ctx->tick.timer_set) {
        ngx_del_timer(&ctx->tick);
    }

    onestop_buf_free(&ctx->sse.out);
}
