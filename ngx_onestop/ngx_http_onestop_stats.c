/*
 * The public figures (SPEC section 7): statistics as JSON or CSV, the
 * apology letters, the widgets, the dashboard and the Prometheus metrics.
 * Every answer is served from the shared zone while the store has not
 * changed since it was computed (and the day has not turned); otherwise
 * the engine computes it from the durable counters in LMDB and the zone
 * keeps it for the next request, in every worker.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


typedef struct ngx_http_onestop_answer_s  ngx_http_onestop_answer_t;

/*
 * Computes an answer on st's current read: NGX_OK, or an HTTP status with
 * a->message or a->error for the error object.  It may run on a thread of
 * the pool: it touches neither the request nor its pool, only `a` (whose
 * arguments are the request's, read-only) and st.
 */
typedef ngx_int_t (*ngx_http_onestop_compute_pt)(
    ngx_http_onestop_answer_t *a, onestop_store_t *st);

struct ngx_http_onestop_answer_s {
    ngx_http_onestop_main_conf_t  *omcf;
    onestop_arg_t                 *args;
    size_t                         nargs;
    onestop_day_t                  today;
    ngx_str_t                      id;           /* widget: agency, ext */
    ngx_str_t                      ext;
    onestop_buf_t                  out;
    const char                    *message;
    char                           error[256];
};

/* a miss on its way through the thread pool */
typedef struct {
    ngx_http_request_t            *request;
    ngx_http_onestop_answer_t      a;           /* the thread's copy */
    ngx_str_t                     *key;
    ngx_http_onestop_compute_pt    compute;
    ngx_uint_t                     reader;      /* wk->readers[] */
    uint64_t                       seq;
    ngx_int_t                      rc;          /* NGX_ABORT: no read */
    ngx_queue_t                    waiters;     /* the same miss's requests */
} ngx_http_onestop_answer_task_t;

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


static ngx_int_t ngx_http_onestop_answer(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, const char *prefix, ngx_str_t *extra,
    ngx_http_onestop_compute_pt compute, ngx_str_t *body,
    ngx_uint_t public, ngx_int_t *answered);
static ngx_int_t ngx_http_onestop_answer_get(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key,
    ngx_http_onestop_compute_pt compute, ngx_str_t *body, ngx_str_t *etag);
static ngx_int_t ngx_http_onestop_answer_here(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key,
    ngx_http_onestop_compute_pt compute, ngx_str_t *body, ngx_str_t *etag);
static ngx_int_t ngx_http_onestop_answer_run(ngx_http_onestop_answer_t *a,
    onestop_store_t *st, ngx_http_onestop_compute_pt compute, uint64_t *seq);
static ngx_int_t ngx_http_onestop_answer_keep(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key, ngx_int_t rc, uint64_t seq,
    ngx_str_t *body, ngx_str_t *etag);
static ngx_int_t ngx_http_onestop_answer_post(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key,
    ngx_http_onestop_compute_pt compute);
static void ngx_http_onestop_answer_thread(void *data, ngx_log_t *log);
static void ngx_http_onestop_answer_done(ngx_event_t *ev);
static void ngx_http_onestop_answer_resume(ngx_http_request_t *r,
    ngx_http_onestop_answer_ctx_t *ctx);
static ngx_int_t ngx_http_onestop_public_begin(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_int_t *answered);
static ngx_int_t ngx_http_onestop_public_args(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_int_t *answered);
static ngx_int_t ngx_http_onestop_fail(ngx_http_request_t *r, ngx_int_t rc,
    ngx_http_onestop_answer_t *a);


static ngx_str_t  ngx_http_onestop_csv_type =
    ngx_string("text/csv; charset=utf-8; header=present");
static ngx_str_t  ngx_http_onestop_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


/* public data: any site's script may read it, answers and errors alike */


/*
 * The answer of `key`: from the zone while it is current, else computed on
 * a fresh read and put in the zone.  NGX_OK with body and etag, NGX_DONE
 * when it is being computed on the thread pool (the handler runs again
 * when it is ready), or an HTTP status for ngx_http_onestop_fail().
 */
static ngx_int_t
ngx_http_onestop_answer_get(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key,
    ngx_http_onestop_compute_pt compute, ngx_str_t *body, ngx_str_t *etag)
{
    ngx_int_t                       rc;
    ngx_http_onestop_answer_ctx_t  *ctx;

    /* the handler's second run: what the thread computed */

    ctx = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (ctx != NULL && ctx->ctx_kind == NGX_HTTP_ONESTOP_CTX_ANSWER) {
        *body = ctx->body;
        *etag = ctx->etag;
        a->message = ctx->message;
        ngx_memcpy(a->error, ctx->error, sizeof(a->error));
        return ctx->rc;
    }

    rc = ngx_http_onestop_zone_get(r, a->omcf, key, a->today, body, etag);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_onestop_answer_post(r, a, key, compute);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    /* no reader or thread to spare */

    return ngx_http_onestop_answer_here(r, a, key, compute, body, etag);
}


/* the answer computed on the event loop, on the worker's own read */

static ngx_int_t
ngx_http_onestop_answer_here(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key,
    ngx_http_onestop_compute_pt compute, ngx_str_t *body, ngx_str_t *etag)
{
    ngx_int_t                   rc;
    uint64_t                    seq;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    rc = ngx_http_onestop_answer_run(a, wk->store, compute, &seq);

    if (rc == NGX_ABORT) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read store \"%V\": %s",
                      &a->omcf->store_path,
                      onestop_store_strerror(wk->store));
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_answer_keep(r, a, key, rc, seq, body, etag);
}


/*
 * compute() on a fresh read of st (the worker's store, or a reader on a
 * thread of the pool): its status, with the store's sequence in *seq, or
 * NGX_ABORT when the read cannot begin.
 */
static ngx_int_t
ngx_http_onestop_answer_run(ngx_http_onestop_answer_t *a, onestop_store_t *st,
    ngx_http_onestop_compute_pt compute, uint64_t *seq)
{
    ngx_int_t  rc;

    ngx_memzero(&a->out, sizeof(onestop_buf_t));
    a->message = NULL;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return NGX_ABORT;
    }

    *seq = onestop_store_seq(st);
    rc = compute(a, st);

    onestop_store_read_end(st);

    return rc;
}


/*
 * What a computation gave (rc, a->out at sequence seq), on the event loop:
 * the body into the request's pool with its ETag, and into the zone.
 */
static ngx_int_t
ngx_http_onestop_answer_keep(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key, ngx_int_t rc, uint64_t seq,
    ngx_str_t *body, ngx_str_t *etag)
{
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = a->omcf;

    if (rc != NGX_OK) {
        onestop_buf_free(&a->out);

        if (rc == NGX_HTTP_INTERNAL_SERVER_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "could not compute an answer from store \"%V\"",
                          &omcf->store_path);
        }

        return rc;
    }

    body->len = a->out.len;
    body->data = ngx_pnalloc(r->pool, a->out.len);

    if (body->data == NULL || a->out.failed) {
        onestop_buf_free(&a->out);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(body->data, a->out.data, a->out.len);
    onestop_buf_free(&a->out);

    if (ngx_http_onestop_make_etag(r, body->data, body->len, etag)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_onestop_zone_raise(omcf, seq);
    ngx_http_onestop_zone_put(omcf, key, seq, a->today, body, etag);

    return NGX_OK;
}


/*
 * A miss computed on nginx's thread pool, so that a heavy query (years of
 * an agency-by-procedure table) never holds up the worker's other
 * requests.  Each worker keeps up to NGX_HTTP_ONESTOP_READERS readers of
 * the store, one per computation under way; the request waits (counted,
 * and a guard timer keeps a worker that is told to quit until it is
 * answered), and its handler runs again with the result in its context.
 * NGX_DONE when posted; NGX_DECLINED to compute it here instead.
 */
static ngx_int_t
ngx_http_onestop_answer_post(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_str_t *key,
    ngx_http_onestop_compute_pt compute)
{
    ngx_uint_t                         i;
    ngx_thread_task_t                 *task;
    ngx_http_onestop_main_conf_t      *omcf;
    ngx_http_onestop_answer_task_t    *t;
    ngx_http_onestop_answer_waiter_t  *w;
    ngx_http_onestop_worker_t         *wk = ngx_http_onestop_worker;

    omcf = a->omcf;

    if (wk->thread_pool == NULL) {
        return NGX_DECLINED;
    }

    /* the same answer already on its way (many clients after a change):
     * wait for it rather than compute it again */

    for (i = 0; i < wk->nreaders; i++) {
        t = wk->answering[i];

        if (!(wk->readers_busy & (1 << i))
            || t->a.today != a->today
            || t->key->len != key->len
            || ngx_memcmp(t->key->data, key->data, key->len) != 0)
        {
            continue;
        }

        w = ngx_palloc(r->pool, sizeof(ngx_http_onestop_answer_waiter_t));
        if (w == NULL) {
            return NGX_DECLINED;
        }

        w->request = r;
        ngx_queue_insert_tail(&t->waiters, &w->queue);
        r->main->count++;

        return NGX_DONE;
    }

    for (i = 0; i < wk->nreaders; i++) {
        if (!(wk->readers_busy & (1 << i))) {
            break;
        }
    }

    if (i == NGX_HTTP_ONESTOP_READERS) {
        return NGX_DECLINED;
    }

    if (i == wk->nreaders) {
        wk->readers[i] = onestop_store_reader(wk->store);

        if (wk->readers[i] == NULL) {
            return NGX_DECLINED;
        }

        wk->nreaders++;
    }

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_onestop_answer_task_t));
    if (task == NULL) {
        return NGX_DECLINED;
    }

    t = task->ctx;
    t->request = r;
    t->a = *a;
    t->key = key;
    t->compute = compute;
    t->reader = i;
    ngx_queue_init(&t->waiters);

    task->handler = ngx_http_onestop_answer_thread;
    task->event.handler = ngx_http_onestop_answer_done;
    task->event.data = t;
    task->event.log = r->connection->log;

    if (ngx_thread_task_post(wk->thread_pool, task) != NGX_OK) {
        return NGX_DECLINED;
    }

    wk->readers_busy |= 1 << i;
    wk->answering[i] = t;
    r->main->count++;
    ngx_http_onestop_pool_guard(omcf);

    return NGX_DONE;
}


/* on a thread of the pool */

static void
ngx_http_onestop_answer_thread(void *data, ngx_log_t *log)
{
    ngx_http_onestop_answer_task_t  *t = data;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    t->rc = ngx_http_onestop_answer_run(&t->a, wk->readers[t->reader],
                                        t->compute, &t->seq);

    if (wk->test_slow_miss) {
        ngx_msleep(wk->test_slow_miss);
    }
}


/* back on the event loop */

static void
ngx_http_onestop_answer_done(ngx_event_t *ev)
{
    ngx_queue_t                       *q;
    ngx_http_request_t                *r, *wr;
    ngx_http_onestop_main_conf_t      *omcf;
    ngx_http_onestop_answer_ctx_t     *ctx, *wctx;
    ngx_http_onestop_answer_task_t    *t;
    ngx_http_onestop_answer_waiter_t  *w;
    ngx_http_onestop_worker_t         *wk = ngx_http_onestop_worker;

    t = ev->data;
    r = t->request;
    omcf = t->a.omcf;

    wk->readers_busy &= ~(1 << t->reader);
    wk->answering[t->reader] = NULL;
    ngx_http_onestop_pool_guard(omcf);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_onestop_answer_ctx_t));

    if (ctx == NULL) {
        onestop_buf_free(&t->a.out);
        ctx = &ngx_http_onestop_answer_failed;

    } else {
        ctx->ctx_kind = NGX_HTTP_ONESTOP_CTX_ANSWER;

        if (t->rc == NGX_ABORT) {
            /* the read could not begin on the thread: once more here,
             * which logs why */
            ctx->rc = ngx_http_onestop_answer_here(r, &t->a, t->key,
                                                   t->compute, &ctx->body,
                                                   &ctx->etag);
        } else {
            ctx->rc = ngx_http_onestop_answer_keep(r, &t->a, t->key, t->rc,
                                                   t->seq, &ctx->body,
                                                   &ctx->etag);
        }

        ctx->message = t->a.message;
        ngx_memcpy(ctx->error, t->a.error, sizeof(ctx->error));
    }

    /* the waiters first: t and the body are in r's pool */

    while (!ngx_queue_empty(&t->waiters)) {
        q = ngx_queue_head(&t->waiters);
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


/*
 * The common start of a public answer: NGX_OK to go on, or NGX_DECLINED
 * when the request was answered already (405, 503), with what the handler
 * returns in *answered.
 */
static ngx_int_t
ngx_http_onestop_public_begin(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_int_t *answered)
{
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    /* a refusal here (405, 503) is sent at once: a browser application
     * reads it like the answers, so it carries the same CORS header */

    if ((!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) || wk->store == NULL)
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
    a->today = onestop_today(onestop_store_offset(wk->store));

    return NGX_OK;
}


/* the query's arguments for a->args, read whole; else as public_begin */

static ngx_int_t
ngx_http_onestop_public_args(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_int_t *answered)
{
    ngx_int_t  rc;

    rc = ngx_http_onestop_parse_args(r, &a->args, &a->nargs, &a->message);

    if (rc == NGX_DECLINED) {
        *answered = ngx_http_onestop_fail(r, NGX_HTTP_BAD_REQUEST, a);
        return NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        *answered = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_onestop_fail(ngx_http_request_t *r, ngx_int_t rc,
    ngx_http_onestop_answer_t *a)
{
    /* public data: a browser application may read the errors too */

    if (ngx_http_onestop_cors(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_HTTP_BAD_REQUEST || rc == NGX_HTTP_NOT_FOUND) {
        return ngx_http_onestop_error(r, rc,
                                      rc == NGX_HTTP_BAD_REQUEST
                                      ? "bad_request" : "not_found",
                                      a->message ? a->message : a->error);
    }

    if (rc == NGX_ERROR) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_error(r, rc, "internal_error",
                                  "the answer could not be computed");
}


static ngx_str_t *
ngx_http_onestop_key(ngx_http_request_t *r, const char *prefix,
    ngx_str_t *extra)
{
    size_t      n;
    u_char     *p;
    ngx_str_t  *key;

    key = ngx_palloc(r->pool, sizeof(ngx_str_t));
    if (key == NULL) {
        return NULL;
    }

    n = ngx_strlen(prefix);
    key->len = n + 1 + (extra ? extra->len + 1 : 0) + r->args.len;
    key->data = ngx_pnalloc(r->pool, key->len);

    if (key->data == NULL) {
        return NULL;
    }

    p = ngx_cpymem(key->data, prefix, n);
    *p++ = '?';

    if (extra != NULL) {
        p = ngx_cpymem(p, extra->data, extra->len);
        *p++ = '?';
    }

    ngx_memcpy(p, r->args.data, r->args.len);

    return key;
}


/*
 * Every cached handler's answer: the zone's key of the request (`prefix`,
 * `extra` and the arguments), the answer from the zone or computed, and
 * for public data the caching headers and the ETag.  NGX_OK with body;
 * otherwise the error is sent and *answered is what the handler returns.
 */
static ngx_int_t
ngx_http_onestop_answer(ngx_http_request_t *r, ngx_http_onestop_answer_t *a,
    const char *prefix, ngx_str_t *extra, ngx_http_onestop_compute_pt compute,
    ngx_str_t *body, ngx_uint_t public, ngx_int_t *answered)
{
    ngx_int_t   rc;
    ngx_str_t   etag, *key;

    key = ngx_http_onestop_key(r, prefix, extra);
    if (key == NULL) {
        *answered = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_ERROR;
    }

    rc = ngx_http_onestop_answer_get(r, a, key, compute, body, &etag);

    if (rc == NGX_DONE) {
        /* on the thread pool: the handler runs again with the answer */
        *answered = NGX_DONE;
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        *answered = ngx_http_onestop_fail(r, rc, a);
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


/* statistics */

static ngx_int_t
ngx_http_onestop_stats_compute(ngx_http_onestop_answer_t *a,
    onestop_store_t *st)
{
    int                       rc;
    onestop_query_t           q;
    const onestop_catalog_t  *cat;

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (onestop_query_parse(&q, cat, a->args, a->nargs) != 0) {
        ngx_memcpy(a->error, q.error, sizeof(a->error));
        return NGX_HTTP_BAD_REQUEST;
    }

    rc = onestop_store_stats(st, &q, a->today, &a->out);

    if (rc == -1) {
        ngx_memcpy(a->error, q.error, sizeof(a->error));
        return NGX_HTTP_BAD_REQUEST;
    }

    return rc == 0 ? NGX_OK : NGX_HTTP_INTERNAL_SERVER_ERROR;
}


ngx_int_t
ngx_http_onestop_stats_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_uint_t                 csv;
    ngx_str_t                  body;
    const onestop_arg_t       *format;
    ngx_http_onestop_answer_t  a;

    if (ngx_http_onestop_public_begin(r, &a, &rc) != NGX_OK
        || ngx_http_onestop_public_args(r, &a, &rc) != NGX_OK)
    {
        return rc;
    }

    /* the only format: the query's parse refuses a second one */

    format = onestop_args_find(a.args, a.nargs, "format");
    csv = format != NULL && format->value.len == 3
          && ngx_strncmp(format->value.data, "csv", 3) == 0;

    if (ngx_http_onestop_answer(r, &a, "s", NULL,
                                ngx_http_onestop_stats_compute, &body, 1, &rc)
        != NGX_OK)
    {
        return rc;
    }

    if (csv && ngx_http_onestop_add_header(r, "Content-Disposition",
                 (u_char *) "attachment; filename=\"onestop-stats.csv\"",
                 sizeof("attachment; filename=\"onestop-stats.csv\"") - 1)
               != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                 csv ? &ngx_http_onestop_csv_type
                                     : &ngx_http_onestop_json_type,
                                 body.data, body.len);
}


/* apology letters */

static ngx_int_t
ngx_http_onestop_apologies_compute(ngx_http_onestop_answer_t *a,
    onestop_store_t *st)
{
    onestop_apology_query_t   q;
    const onestop_catalog_t  *cat;

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (onestop_apology_query_parse(&q, cat, a->args, a->nargs) != 0) {
        ngx_memcpy(a->error, q.error, sizeof(a->error));
        return NGX_HTTP_BAD_REQUEST;
    }

    return onestop_store_apologies(st, &q, &a->out) == 0
           ? NGX_OK : NGX_HTTP_INTERNAL_SERVER_ERROR;
}


ngx_int_t
ngx_http_onestop_apologies_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  body;
    ngx_http_onestop_answer_t  a;

    if (ngx_http_onestop_public_begin(r, &a, &rc) != NGX_OK
        || ngx_http_onestop_public_args(r, &a, &rc) != NGX_OK)
    {
        return rc;
    }

    if (ngx_http_onestop_answer(r, &a, "a", NULL,
                                ngx_http_onestop_apologies_compute, &body, 1,
                                &rc)
        != NGX_OK)
    {
        return rc;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_json_type,
                                 body.data, body.len);
}


/* widgets: this year's figures of an agency's tree, or the province's */

static ngx_int_t
ngx_http_onestop_widget_compute(ngx_http_onestop_answer_t *a,
    onestop_store_t *st)
{
    int                            rc;
    ngx_str_t                     *tpl;
    onestop_widget_t               w;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = a->omcf;
    tpl = a->ext.len == 3 ? &ngx_http_onestop_html_badge_svg
                          : &ngx_http_onestop_html_widget_html;

    w.agency = (char *) a->id.data;
    w.len = a->id.len;
    w.province = (char *) omcf->province.data;
    w.tpl = (char *) tpl->data;
    w.tpl_len = tpl->len;
    w.badge = (a->ext.len == 3);
    w.today = a->today;

    rc = onestop_widget(st, &w, &a->out, &a->message);

    return rc == 0 ? NGX_OK
                   : rc == 1 ? NGX_HTTP_NOT_FOUND
                             : NGX_HTTP_INTERNAL_SERVER_ERROR;
}



ngx_int_t
ngx_http_onestop_widget_handler(ngx_http_request_t *r)
{
    u_char                        *p;
    ngx_int_t                      rc;
    ngx_str_t                      id, body;
    onestop_str_t                  agency, ext;
    ngx_http_onestop_answer_t      a;
    ngx_http_onestop_loc_conf_t   *olcf;

    if (ngx_http_onestop_public_begin(r, &a, &rc) != NGX_OK) {
        return rc;
    }

    rc = ngx_http_onestop_request_id(r, &id);

    if (rc != NGX_OK) {
        return ngx_http_onestop_id_failed(r, rc);
    }

    /* {agency}.svg or {agency}.html */

    if (onestop_args_widget((char *) id.data, id.len, &agency, &ext) != 0) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "a widget is /widget/AGENCY.svg or "
                                      "/widget/AGENCY.html");
    }

    a.id.data = (u_char *) agency.data;
    a.id.len = agency.len;
    a.ext.data = (u_char *) ext.data;
    a.ext.len = ext.len;

    if (ngx_http_onestop_answer(r, &a, "w", &id,
                                ngx_http_onestop_widget_compute, &body, 1,
                                &rc)
        != NGX_OK)
    {
        return rc;
    }

    if (a.ext.len == 4) {
        olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

        p = ngx_pnalloc(r->pool, sizeof("frame-ancestors ")
                                 + olcf->frame_ancestors.len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_http_onestop_add_header(r, "Content-Security-Policy", p,
                ngx_sprintf(p, "frame-ancestors %V", &olcf->frame_ancestors)
                - p) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                 a.ext.len == 3 ? &ngx_http_onestop_svg_type
                                                : &ngx_http_onestop_html_type,
                                 body.data, body.len);
}


/* the dashboard: one self-contained page that reads /api/v1/stats */

ngx_int_t
ngx_http_onestop_dashboard_handler(ngx_http_request_t *r)
{
    ngx_int_t   rc;
    ngx_str_t  *page;

    if (ngx_http_onestop_get_begin(r, 0, &rc) != NGX_OK) {
        return rc;
    }

    page = &ngx_http_onestop_html_dashboard_html;

    if (ngx_http_onestop_public_headers(r) != NGX_OK
        || ngx_http_onestop_etag(r, page->data, page->len) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_html_type,
                                 page->data, page->len);
}


/* Prometheus metrics */

static ngx_int_t
ngx_http_onestop_metrics_compute(ngx_http_onestop_answer_t *a,
    onestop_store_t *st)
{
    return onestop_metrics_figures(st, (int) a->omcf->metrics_all, a->today,
                                   &a->out)
           == 0 ? NGX_OK : NGX_HTTP_INTERNAL_SERVER_ERROR;
}



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
    ngx_http_onestop_answer_t      a;

    if (ngx_http_onestop_public_begin(r, &a, &rc) != NGX_OK) {
        return rc;
    }

    /* the answer depends on onestop_metrics_agencies too */
    if (ngx_http_onestop_answer(r, &a, a.omcf->metrics_all ? "m1" : "m0",
                                NULL, ngx_http_onestop_metrics_compute,
                                &figures, 0, &rc)
        != NGX_OK)
    {
        return rc;
    }

    /* the module's own health, read now */

    ngx_memzero(&h, sizeof(onestop_health_t));
    ngx_http_onestop_zone_counters(a.omcf, requests, &h.accepted);
    ngx_http_onestop_zone_usage(a.omcf, &zsize, &zused, &h.hits, &h.misses);
    onestop_store_usage(wk->store, &h.store_used, &h.store_mapped);

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
    ngx_http_onestop_redis_metrics(a.omcf, &b);

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
    return NGX_OK;
}
