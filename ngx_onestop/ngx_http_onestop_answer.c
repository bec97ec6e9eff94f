/*
 * Public answers (statistics, apologies, widgets, metrics, the evaluation
 * summary): served from the shared zone while the store has not changed
 * since they were computed (and the day has not turned); otherwise
 * computed off the event loop (ngx_http_onestop_offloop.c) on a fresh
 * read, and kept in the zone for the next request, in every worker.  A
 * request that misses an answer already being computed waits for that
 * computation rather than start one: after a change, a dashboard's many
 * clients cost one.  The request waits counted, and its handler runs
 * again with the result in its context.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


/* a miss on its way through the thread pool */
typedef struct {
    ngx_http_request_t            *request;
    ngx_http_onestop_answer_t      a;           /* the thread's copy */
    ngx_str_t                     *key;
    uint64_t                       seq;
    ngx_int_t                      rc;
    ngx_queue_t                    waiters;     /* the same miss's requests */
} ngx_http_onestop_miss_t;

/* a request waiting for another's miss of the same answer */
typedef struct {
    ngx_http_request_t            *request;
    ngx_queue_t                    queue;
} ngx_http_onestop_answer_waiter_t;

/* what a miss gave, for the handler's second run */
typedef struct {
    ngx_uint_t                     ctx_kind;    /* ..._CTX_ANSWER */
    ngx_int_t                      rc;
    ngx_str_t                      body;
    ngx_str_t                      etag;
    const char                    *message;
    char                           error[256];
} ngx_http_onestop_answer_ctx_t;

/* the result when memory for one ran out */
static ngx_http_onestop_answer_ctx_t  ngx_http_onestop_answer_failed = {
    NGX_HTTP_ONESTOP_CTX_ANSWER, NGX_HTTP_INTERNAL_SERVER_ERROR,
    ngx_null_string, ngx_null_string, NULL, ""
};


static ngx_str_t *ngx_http_onestop_answer_key(ngx_http_request_t *r,
    const char *prefix, ngx_str_t *extra);
static ngx_int_t ngx_http_onestop_answer_here(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key, ngx_str_t *body,
    ngx_str_t *etag);
static ngx_int_t ngx_http_onestop_answer_keep(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key, ngx_int_t rc, uint64_t seq,
    ngx_str_t *body, ngx_str_t *etag);
static ngx_int_t ngx_http_onestop_answer_post(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key);
static void ngx_http_onestop_answer_compute(void *data, onestop_store_t *st);
static void ngx_http_onestop_answer_done(void *data, ngx_int_t rc);
static ngx_uint_t ngx_http_onestop_answer_wanted(void *data);
static void ngx_http_onestop_answer_gone(ngx_http_onestop_miss_t *m);
static void ngx_http_onestop_answer_resume(ngx_http_request_t *r,
    ngx_http_onestop_answer_ctx_t *ctx);
static ngx_int_t ngx_http_onestop_answer_fail(ngx_http_request_t *r,
    ngx_int_t rc, ngx_http_onestop_answer_t *a);
static ngx_int_t ngx_http_onestop_answer_send(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, int what, ngx_str_t *body);


/*
 * The common start of a public answer: GET or HEAD, the store open, and
 * with `args` the query's arguments read whole into a->args.  NGX_OK to
 * go on, or NGX_DECLINED when the request was answered already (400, 405,
 * 503), with what the handler returns in *answered.
 */
ngx_int_t
ngx_http_onestop_public_begin(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_uint_t args, ngx_int_t *answered)
{
    ngx_int_t                      rc;
    ngx_uint_t                     public;
    onestop_arg_t                 *list;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    /* /metrics is for the monitoring host, not for browsers: no CORS */
    public = olcf->handler != NGX_HTTP_ONESTOP_METRICS;

    if (r->method == NGX_HTTP_OPTIONS && public) {
        *answered = ngx_http_onestop_preflight(r);
        return NGX_DECLINED;
    }

    /* a refusal here (405, 503) is sent at once: a browser application
     * reads it like the answers, so it carries the same CORS header */

    if (public
        && (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) || wk->store == NULL)
        && ngx_http_onestop_cors(r) != NGX_OK)
    {
        *answered = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    if (ngx_http_onestop_get_begin(r, 1, answered) != NGX_OK) {
        return NGX_DECLINED;
    }

    ngx_memzero(a, sizeof(ngx_http_onestop_answer_t));
    a->omcf = omcf;
    a->q.today = onestop_today(onestop_store_offset(wk->store));

    if (!args) {
        return NGX_OK;
    }

    rc = ngx_http_onestop_parse_args(r, &list, &a->q.nargs, &a->q.message);
    a->q.args = list;

    if (rc == NGX_DECLINED) {
        *answered = ngx_http_onestop_answer_fail(r, NGX_HTTP_BAD_REQUEST, a);
        return NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        *answered = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * The answer of the request: the zone's key (`prefix`, `extra` and the
 * arguments), the answer from the zone or computed, and for public data
 * the caching headers and the ETag.  NGX_OK with body; otherwise the
 * error is sent, or the answer is being computed (the handler runs again
 * when it is ready), and *answered is what the handler returns.
 */
ngx_int_t
ngx_http_onestop_answer(ngx_http_request_t *r, ngx_http_onestop_answer_t *a,
    const char *prefix, ngx_str_t *extra, ngx_str_t *body, ngx_uint_t public,
    ngx_int_t *answered)
{
    ngx_int_t                       rc;
    ngx_str_t                       etag, *key;
    ngx_http_onestop_answer_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (ctx != NULL && ctx->ctx_kind == NGX_HTTP_ONESTOP_CTX_ANSWER) {
        /* the handler's second run: what the thread computed */
        *body = ctx->body;
        etag = ctx->etag;
        a->q.message = ctx->message;
        ngx_memcpy(a->q.error, ctx->error, sizeof(a->q.error));
        rc = ctx->rc;

    } else {
        key = ngx_http_onestop_answer_key(r, prefix, extra);
        if (key == NULL) {
            *answered = NGX_HTTP_INTERNAL_SERVER_ERROR;
            return NGX_ERROR;
        }

        /* the zone's while it is current; else off the event loop
         * (waiting for a reader if need be), or here without a thread
         * pool */

        rc = ngx_http_onestop_zone_get(r, a->omcf, key, a->q.today, body,
                                       &etag);

        if (rc == NGX_DECLINED) {
            rc = ngx_http_onestop_answer_post(r, a, key);
        }

        if (rc == NGX_DECLINED) {
            rc = ngx_http_onestop_answer_here(r, a, key, body, &etag);
        }
    }

    if (rc == NGX_DONE) {
        /* on the thread pool: the handler runs again with the answer */
        *answered = NGX_DONE;
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        *answered = ngx_http_onestop_answer_fail(r, rc, a);
        return NGX_ERROR;
    }

    if (public
        && (ngx_http_onestop_public_headers(r) != NGX_OK
            || ngx_http_onestop_set_etag(r, &etag) != NGX_OK))
    {
        *answered = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_str_t *
ngx_http_onestop_answer_key(ngx_http_request_t *r, const char *prefix,
    ngx_str_t *extra)
{
    ngx_str_t  *key;

    key = ngx_palloc(r->pool, sizeof(ngx_str_t));
    if (key == NULL) {
        return NULL;
    }

    key->data = ngx_pnalloc(r->pool, ONESTOP_ANSWER_KEY_EXTRA
                                     + ngx_strlen(prefix) + r->args.len
                                     + (extra ? extra->len : 0));
    if (key->data == NULL) {
        return NULL;
    }

    key->len = onestop_answer_key((char *) key->data,
                                  onestop_store_tag(
                                      ngx_http_onestop_worker->store),
                                  prefix,
                                  extra ? (char *) extra->data : NULL,
                                  extra ? extra->len : 0,
                                  (char *) r->args.data, r->args.len);

    return key;
}


/* the answer computed on the event loop, on the worker's own read */

static ngx_int_t
ngx_http_onestop_answer_here(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key, ngx_str_t *body,
    ngx_str_t *etag)
{
    int                         status;
    uint64_t                    seq;
    onestop_store_t            *st;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    st = wk->store;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read store \"%V\": %s",
                      &a->omcf->store_path, onestop_store_strerror(st));
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    seq = onestop_store_seq(st);
    ngx_http_onestop_offloop_buf(&a->q.out);
    status = onestop_answer(st, &a->q);
    onestop_store_read_end(st);

    return ngx_http_onestop_answer_keep(r, a, key,
                                        status == 200 ? NGX_OK : status, seq,
                                        body, etag);
}


/*
 * What a computation gave (rc, a->q.out at sequence seq), on the loop:
 * the body, sent from the answer's buffer, which the request's pool gives
 * back when it goes (ngx_http_onestop_offloop_lend), with its ETag, and
 * into the zone.
 */
static ngx_int_t
ngx_http_onestop_answer_keep(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key, ngx_int_t rc, uint64_t seq,
    ngx_str_t *body, ngx_str_t *etag)
{
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = a->omcf;

    if (rc != NGX_OK || a->q.out.failed) {
        ngx_http_onestop_offloop_unbuf(&a->q.out);

        if (rc == NGX_OK) {
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_HTTP_INTERNAL_SERVER_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "could not compute an answer from store \"%V\": "
                          "%s", &omcf->store_path,
                          a->q.error[0] ? a->q.error : "no reason given");
        }

        return rc;
    }

    body->len = a->q.out.len;
    body->data = a->q.out.data ? (u_char *) a->q.out.data : (u_char *) "";

    if (ngx_http_onestop_offloop_lend(r->pool, &a->q.out) != NGX_OK
        || ngx_http_onestop_make_etag(r, body->data, body->len, etag)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_onestop_zone_raise(omcf, seq);
    ngx_http_onestop_zone_put(omcf, key, seq, a->q.today, body, etag);

    return NGX_OK;
}


/*
 * A miss off the event loop, so that a heavy query (years of an
 * agency-by-procedure table) never holds up the worker's other requests;
 * or, when the same answer is on its way already (many clients after a
 * change), a wait for it.  NGX_DONE; NGX_BUSY when the worker has as many
 * computations waiting for a reader as it keeps (a 503); NGX_DECLINED to
 * compute it here (no thread pool).
 */
static ngx_int_t
ngx_http_onestop_answer_post(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key)
{
    ngx_int_t                          rc;
    ngx_uint_t                         i;
    ngx_thread_task_t                 *task;
    ngx_http_onestop_miss_t           *m;
    ngx_http_onestop_answer_waiter_t  *w;
    ngx_http_onestop_worker_t         *wk = ngx_http_onestop_worker;

    for (i = 0; i < NGX_HTTP_ONESTOP_READERS + wk->nwaiting; i++) {
        m = ngx_http_onestop_offloop_busy(a->omcf, i,
                                          ngx_http_onestop_answer_done);

        if (m == NULL
            || m->a.q.today != a->q.today
            || m->key->len != key->len
            || ngx_memcmp(m->key->data, key->data, key->len) != 0)
        {
            continue;
        }

        w = ngx_palloc(r->pool, sizeof(ngx_http_onestop_answer_waiter_t));
        if (w == NULL) {
            return NGX_DECLINED;
        }

        w->request = r;
        ngx_queue_insert_tail(&m->waiters, &w->queue);
        r->main->count++;

        return NGX_DONE;
    }

    task = ngx_http_onestop_offloop_task(r->pool);
    m = ngx_palloc(r->pool, sizeof(ngx_http_onestop_miss_t));

    if (task == NULL || m == NULL) {
        return NGX_DECLINED;
    }

    m->request = r;
    m->a = *a;
    m->key = key;
    ngx_queue_init(&m->waiters);
    ngx_http_onestop_offloop_buf(&m->a.q.out);

    rc = ngx_http_onestop_offloop_post(a->omcf, task,
                                       ngx_http_onestop_answer_compute,
                                       ngx_http_onestop_answer_done, m,
                                       r->connection->log);

    if (rc != NGX_OK) {
        ngx_http_onestop_offloop_unbuf(&m->a.q.out);
        return rc == NGX_BUSY ? NGX_BUSY : NGX_DECLINED;
    }

    ngx_http_onestop_offloop_wanted(task, ngx_http_onestop_answer_wanted);
    r->main->count++;

    return NGX_DONE;
}


/* whether a client is gone: a stream reset or a connection closed
 * (HTTP/2 marks its stream's connection), or an end of file waiting on
 * an HTTP/1 socket nobody reads while its request waits */

static ngx_uint_t
ngx_http_onestop_client_gone(ngx_http_request_t *r)
{
    u_char             b;
    ssize_t            n;
    ngx_err_t          err;
    ngx_connection_t  *c = r->connection;

    if (c->error) {
        return 1;
    }

#if (NGX_HTTP_V2)
    if (r->stream != NULL) {
        return 0;
    }
#endif

    n = recv(c->fd, &b, 1, MSG_PEEK);
    err = ngx_socket_errno;

    return n == 0 || (n == -1 && err != NGX_EAGAIN && err != NGX_EINTR);
}


/* a miss waiting for a reader is still wanted while one of its clients
 * (its own request's, or a waiter's) is there */

static ngx_uint_t
ngx_http_onestop_answer_wanted(void *data)
{
    ngx_http_onestop_miss_t  *m = data;

    ngx_queue_t                       *q;
    ngx_http_onestop_answer_waiter_t  *w;

    if (!ngx_http_onestop_client_gone(m->request)) {
        return 1;
    }

    for (q = ngx_queue_head(&m->waiters);
         q != ngx_queue_sentinel(&m->waiters);
         q = ngx_queue_next(q))
    {
        w = ngx_queue_data(q, ngx_http_onestop_answer_waiter_t, queue);

        if (!ngx_http_onestop_client_gone(w->request)) {
            return 1;
        }
    }

    return 0;
}


/* a waiting miss whose clients all left: each request ends as nginx ends
 * one whose client closed (499), the miss's own last (m is in its pool) */

static void
ngx_http_onestop_answer_gone(ngx_http_onestop_miss_t *m)
{
    ngx_queue_t                       *q;
    ngx_http_request_t                *r;
    ngx_http_onestop_answer_waiter_t  *w;

    ngx_http_onestop_offloop_unbuf(&m->a.q.out);

    while (!ngx_queue_empty(&m->waiters)) {
        q = ngx_queue_head(&m->waiters);
        ngx_queue_remove(q);
        w = ngx_queue_data(q, ngx_http_onestop_answer_waiter_t, queue);
        r = w->request;
        ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
        ngx_http_run_posted_requests(r->connection);
    }

    r = m->request;
    ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
    ngx_http_run_posted_requests(r->connection);
}


/* on a thread of the pool: it touches neither the request nor its pool,
 * only the miss's copy of the answer (whose arguments are the request's,
 * read-only) and the reader */

static void
ngx_http_onestop_answer_compute(void *data, onestop_store_t *st)
{
    ngx_http_onestop_miss_t    *m = data;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    int  status;

    m->seq = onestop_store_seq(st);
    status = onestop_answer(st, &m->a.q);
    m->rc = status == 200 ? NGX_OK : status;

    /* for the tests alone: see ngx_http_onestop_module.c */
    if (wk->test_slow_miss) {
        ngx_msleep(wk->test_slow_miss);
    }
}


/* back on the event loop */

static void
ngx_http_onestop_answer_done(void *data, ngx_int_t rc)
{
    ngx_http_onestop_miss_t  *m = data;

    ngx_queue_t                       *q;
    ngx_http_request_t                *r, *wr;
    ngx_http_onestop_answer_ctx_t     *ctx, *wctx;
    ngx_http_onestop_answer_waiter_t  *w;

    if (rc == NGX_DECLINED) {                   /* its clients left */
        ngx_http_onestop_answer_gone(m);
        return;
    }

    r = m->request;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_onestop_answer_ctx_t));

    if (ctx == NULL) {
        ngx_http_onestop_offloop_unbuf(&m->a.q.out);
        ctx = &ngx_http_onestop_answer_failed;

    } else {
        ctx->ctx_kind = NGX_HTTP_ONESTOP_CTX_ANSWER;

        if (rc == NGX_ABORT) {
            /* the read could not begin on the thread: once more here,
             * which logs why */
            ngx_http_onestop_offloop_unbuf(&m->a.q.out);
            ctx->rc = ngx_http_onestop_answer_here(r, &m->a, m->key,
                                                   &ctx->body, &ctx->etag);
        } else {
            ctx->rc = ngx_http_onestop_answer_keep(r, &m->a, m->key, m->rc,
                                                   m->seq, &ctx->body,
                                                   &ctx->etag);
        }

        ctx->message = m->a.q.message;
        ngx_memcpy(ctx->error, m->a.q.error, sizeof(ctx->error));
    }

    /* the waiters first: m and the body are in r's pool */

    while (!ngx_queue_empty(&m->waiters)) {
        q = ngx_queue_head(&m->waiters);
        ngx_queue_remove(q);
        w = ngx_queue_data(q, ngx_http_onestop_answer_waiter_t, queue);
        wr = w->request;

        wctx = ngx_palloc(wr->pool, sizeof(ngx_http_onestop_answer_ctx_t));

        if (wctx != NULL) {
            *wctx = *ctx;
            wctx->body.data = ngx_pstrdup(wr->pool, &ctx->body);
            wctx->etag.data = ngx_pstrdup(wr->pool, &ctx->etag);

            if ((ctx->body.len && wctx->body.data == NULL)
                || (ctx->etag.len && wctx->etag.data == NULL))
            {
                wctx = NULL;
            }
        }

        if (wctx == NULL) {
            wctx = &ngx_http_onestop_answer_failed;
        }

        ngx_http_onestop_answer_resume(wr, wctx);
    }

    ngx_http_onestop_answer_resume(r, ctx);
}


/* the handler's second run, with the answer in its context */

static void
ngx_http_onestop_answer_resume(ngx_http_request_t *r,
    ngx_http_onestop_answer_ctx_t *ctx)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_set_ctx(r, ctx, ngx_http_onestop_module);
    ngx_http_finalize_request(r, r->content_handler(r));
    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_onestop_answer_fail(ngx_http_request_t *r, ngx_int_t rc,
    ngx_http_onestop_answer_t *a)
{
    /* an unknown agency's badge or card: an image or a card still, which
     * the embedding page shows where it would show a broken image or the
     * error object's text */

    if (rc == NGX_HTTP_NOT_FOUND && a->q.kind == ONESTOP_ANSWER_WIDGET) {
        return ngx_http_onestop_widget_unknown(r, &a->q.widget, a->q.today,
                                               NGX_HTTP_NOT_FOUND);
    }

    /* a widget too busy to be computed: an image or a card still */

    if (rc == NGX_BUSY && a->q.kind == ONESTOP_ANSWER_WIDGET) {
        return ngx_http_onestop_widget_unknown(r, &a->q.widget, a->q.today,
                                               NGX_BUSY);
    }

    /* public data: a browser application may read the errors too */

    if (ngx_http_onestop_cors(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_BUSY) {
        return ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable", "too many answers are "
                                      "being computed at once: try again in "
                                      "a few seconds");
    }

    if (rc == NGX_HTTP_BAD_REQUEST || rc == NGX_HTTP_NOT_FOUND) {
        return ngx_http_onestop_error(r, rc,
                                      rc == NGX_HTTP_BAD_REQUEST
                                      ? "bad_request" : "not_found",
                                      a->q.message ? a->q.message
                                                   : a->q.error);
    }

    if (rc == NGX_ERROR) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_error(r, rc, "internal_error",
                                  "the answer could not be computed");
}


/* the badge or card of an agency the catalog does not hold: a 404 that is
 * still an SVG image or a card that may be framed (a grey "không có"), not
 * the error object, which an <img> of the embedding page would show as a
 * broken image and its <iframe> as raw text; NGX_BUSY: the same, a 503
 * "tạm bận" with Retry-After, when the worker has as many answers to
 * compute as it keeps */

ngx_int_t
ngx_http_onestop_widget_unknown(ngx_http_request_t *r,
    const onestop_widget_t *w, onestop_day_t today, ngx_int_t why)
{
    ngx_int_t         rc;
    ngx_str_t        *tpl;
    onestop_buf_t     b;
    onestop_widget_t  u;

    tpl = w->badge ? &ngx_http_onestop_html_badge_svg
                   : &ngx_http_onestop_html_widget_html;
    u = *w;
    u.tpl = (char *) tpl->data;
    u.tpl_len = tpl->len;
    u.today = today;

    ngx_memzero(&b, sizeof(onestop_buf_t));

    if (ngx_http_onestop_cors(r) != NGX_OK
        || ngx_http_onestop_add_header(r, "Cache-Control",
                                       (u_char *) "no-store", 8) != NGX_OK
        || (!w->badge && ngx_http_onestop_frame_policy(r) != NGX_OK)
        || (why == NGX_BUSY
            && ngx_http_onestop_retry_after(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                            "unavailable") != NGX_OK)
        || onestop_widget_unknown(&u, why == NGX_BUSY, &b) != 0)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_discard_request_body(r);

    rc = ngx_http_onestop_send_buf(r, why == NGX_BUSY
                                      ? NGX_HTTP_SERVICE_UNAVAILABLE
                                      : NGX_HTTP_NOT_FOUND,
                                   w->badge ? &ngx_http_onestop_svg_type
                                            : &ngx_http_onestop_framed_type,
                                   &b);
    return rc;
}


/* issue 15: an answer sent as JSON or as a CSV download named after what
 * it holds (onestop_csv_disposition; the arguments were checked by the
 * answer's computation) */

static ngx_int_t
ngx_http_onestop_answer_send(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, int what, ngx_str_t *body)
{
    u_char  *p;
    size_t   n;
    char     disposition[192];

    static ngx_str_t  csv_type =
        ngx_string("text/csv; charset=utf-8; header=present");

    n = onestop_csv_disposition(what, a->q.args, a->q.nargs, a->q.today,
                                disposition, sizeof(disposition));

    if (n == 0) {
        return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_json_type,
                                     body->data, body->len);
    }

    p = ngx_pnalloc(r->pool, n);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(p, disposition, n);

    if (ngx_http_onestop_add_header(r, "Content-Disposition", p, n)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &csv_type, body->data,
                                 body->len);
}


/* a public answer of the query's arguments, whole: statistics, apologies,
 * the evaluation summary, the catalog */

ngx_int_t
ngx_http_onestop_public_answer(ngx_http_request_t *r, int kind,
    const char *prefix, int what)
{
    ngx_int_t                  rc;
    ngx_str_t                  body;
    ngx_http_onestop_answer_t  a;

    if (ngx_http_onestop_public_begin(r, &a, 1, &rc) != NGX_OK) {
        return rc;
    }

    /* the summary's path is the evaluations' handler's to check */

    if (kind != ONESTOP_ANSWER_SUMMARY && !ngx_http_onestop_no_rest(r)) {
        return ngx_http_onestop_cors(r) != NGX_OK
               ? NGX_HTTP_INTERNAL_SERVER_ERROR
               : ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                        "no such resource");
    }

    a.q.kind = kind;

    if (ngx_http_onestop_answer(r, &a, prefix, NULL, &body, 1, &rc) != NGX_OK)
    {
        return rc;
    }

    return ngx_http_onestop_answer_send(r, &a, what, &body);
}
