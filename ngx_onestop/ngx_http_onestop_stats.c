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
    ngx_uint_t                     reader;      /* omcf->readers[] */
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
    ngx_int_t  rc;
    uint64_t   seq;

    rc = ngx_http_onestop_answer_run(a, a->omcf->store, compute, &seq);

    if (rc == NGX_ABORT) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read store \"%V\": %s",
                      &a->omcf->store_path,
                      onestop_store_strerror(a->omcf->store));
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

    omcf = a->omcf;

    if (omcf->thread_pool == NULL) {
        return NGX_DECLINED;
    }

    /* the same answer already on its way (many clients after a change):
     * wait for it rather than compute it again */

    for (i = 0; i < omcf->nreaders; i++) {
        t = omcf->answering[i];

        if (!(omcf->readers_busy & (1 << i))
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

    for (i = 0; i < omcf->nreaders; i++) {
        if (!(omcf->readers_busy & (1 << i))) {
            break;
        }
    }

    if (i == NGX_HTTP_ONESTOP_READERS) {
        return NGX_DECLINED;
    }

    if (i == omcf->nreaders) {
        omcf->readers[i] = onestop_store_reader(omcf->store);

        if (omcf->readers[i] == NULL) {
            return NGX_DECLINED;
        }

        omcf->nreaders++;
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

    if (ngx_thread_task_post(omcf->thread_pool, task) != NGX_OK) {
        return NGX_DECLINED;
    }

    omcf->readers_busy |= 1 << i;
    omcf->answering[i] = t;
    r->main->count++;
    ngx_http_onestop_pool_guard(omcf);

    return NGX_DONE;
}


/* on a thread of the pool */

static void
ngx_http_onestop_answer_thread(void *data, ngx_log_t *log)
{
    ngx_http_onestop_answer_task_t  *t = data;

    t->rc = ngx_http_onestop_answer_run(&t->a, t->a.omcf->readers[t->reader],
                                        t->compute, &t->seq);

    if (t->a.omcf->test_slow_miss) {
        ngx_msleep(t->a.omcf->test_slow_miss);
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

    t = ev->data;
    r = t->request;
    omcf = t->a.omcf;

    omcf->readers_busy &= ~(1 << t->reader);
    omcf->answering[t->reader] = NULL;
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

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    /* a refusal here (405, 503) is sent at once: a browser application
     * reads it like the answers, so it carries the same CORS header */

    if ((!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) || omcf->store == NULL)
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
    a->today = onestop_today(onestop_store_offset(omcf->store));

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

typedef struct {
    onestop_counts_t   c;
    int                seen;
} ngx_http_onestop_totals_t;


static void
ngx_http_onestop_visit_totals(void *ctx, const uint32_t *dim,
    const onestop_counts_t *c)
{
    ngx_http_onestop_totals_t  *t = ctx;

    if (dim == NULL) {
        t->c = *c;
        t->seen = 1;
    }
}


static void
ngx_http_onestop_percent(onestop_buf_t *b, int64_t num, int64_t den)
{
    int64_t  tenths;

    if (den == 0) {
        onestop_buf_adds(b, "—");
        return;
    }

    /* one decimal, rounded half up, Vietnamese style: 98,5 % */
    tenths = (num * 2000 + den) / (2 * den);
    onestop_buf_printf(b, "%lld,%lld %%", (long long) (tenths / 10),
                       (long long) (tenths % 10));
}


static void
ngx_http_onestop_integer(onestop_buf_t *b, int64_t v)
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
ngx_http_onestop_text_width(const char *s, size_t len)
{
    size_t  i, w;

    /* about 6.5 px a letter of 11 px Verdana, as shields.io badges */

    w = 0;

    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        if ((c & 0xc0) == 0x80) {
            continue;                   /* inside a letter */
        }

        w += (c == ' ' || c == ',' || c == '.') ? 4
             : (c >= 'A' && c <= 'Z') || c == '%' ? 8 : 7;
    }

    return w;
}


static ngx_int_t
ngx_http_onestop_widget_compute(ngx_http_onestop_answer_t *a,
    onestop_store_t *st)
{
    int                        y, province;
    char                       label[64], value[32];
    size_t                     lw, vw;
    unsigned                   m, d;
    int64_t                    resolved, in_time;
    const char                *colour;
    onestop_buf_t             *b, v;
    onestop_arg_t              args[2];
    onestop_query_t            q;
    ngx_http_onestop_totals_t  t;
    const onestop_catalog_t   *cat;
    const onestop_agency_t    *ag;

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    province = a->id.len == 8 && ngx_strncmp(a->id.data, "province", 8) == 0;
    ag = NULL;

    if (!province) {
        uint32_t  id;

        id = onestop_catalog_agency(cat, (char *) a->id.data, a->id.len);

        if (id == 0) {
            a->message = "no such agency: use an agency id or \"province\"";
            return NGX_HTTP_NOT_FOUND;
        }

        ag = &cat->agencies[id];
    }

    args[0].key.data = "period";
    args[0].key.len = 6;
    args[0].value.data = "year";
    args[0].value.len = 4;
    args[1].key.data = "under";
    args[1].key.len = 5;
    args[1].value.data = (char *) a->id.data;
    args[1].value.len = a->id.len;

    if (onestop_query_parse(&q, cat, args, province ? 1 : 2) != 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&t, sizeof(t));
    q.visit = ngx_http_onestop_visit_totals;
    q.visit_ctx = &t;

    if (onestop_store_stats(st, &q, a->today, &a->out) != 0
        || !t.seen)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    resolved = t.c.resolved_early + t.c.resolved_on_time + t.c.resolved_late;
    in_time = t.c.resolved_early + t.c.resolved_on_time;
    onestop_civil_from_days(a->today, &y, &m, &d);

    ngx_memzero(&v, sizeof(v));
    ngx_http_onestop_percent(&v, in_time, resolved);
    ngx_cpystrn((u_char *) value, (u_char *) (v.data ? v.data : ""),
                sizeof(value));
    onestop_buf_free(&v);

    b = &a->out;

    if (a->ext.len == 3) {

        /* the badge */

        ngx_snprintf((u_char *) label, sizeof(label), "đúng hạn %d%Z", y);
        lw = ngx_http_onestop_text_width(label, ngx_strlen(label)) + 10;
        vw = ngx_http_onestop_text_width(value, ngx_strlen(value)) + 10;

        if (resolved == 0) {
            colour = "#9f9f9f";
        } else if (in_time * 100 >= resolved * 95) {
            colour = "#2e7d32";
        } else if (in_time * 100 >= resolved * 85) {
            colour = "#97ca00";
        } else if (in_time * 100 >= resolved * 70) {
            colour = "#dfb317";
        } else {
            colour = "#e05d44";
        }

        onestop_buf_printf(b,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" "
            "height=\"20\" role=\"img\" aria-label=\"", lw + vw);
        ngx_http_onestop_html_escape(b, label, ngx_strlen(label));
        onestop_buf_adds(b, ": ");
        ngx_http_onestop_html_escape(b, value, ngx_strlen(value));
        onestop_buf_adds(b, "\"><title>");

        if (ag != NULL) {
            ngx_http_onestop_html_escape(b, ag->name.data, ag->name.len);
        } else {
            onestop_buf_adds(b, "Tỉnh Long An");
        }

        onestop_buf_adds(b, ": tỷ lệ giải quyết hồ sơ đúng hạn năm ");
        onestop_buf_printf(b, "%d: ", y);
        ngx_http_onestop_html_escape(b, value, ngx_strlen(value));
        onestop_buf_printf(b,
            "</title><linearGradient id=\"s\" x2=\"0\" y2=\"100%%\">"
            "<stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>"
            "<stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>"
            "<clipPath id=\"r\"><rect width=\"%zu\" height=\"20\" rx=\"3\" "
            "fill=\"#fff\"/></clipPath><g clip-path=\"url(#r)\">"
            "<rect width=\"%zu\" height=\"20\" fill=\"#555\"/>"
            "<rect x=\"%zu\" width=\"%zu\" height=\"20\" fill=\"%s\"/>"
            "<rect width=\"%zu\" height=\"20\" fill=\"url(#s)\"/></g>"
            "<g fill=\"#fff\" text-anchor=\"middle\" "
            "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" "
            "font-size=\"11\">"
            "<text x=\"%zu\" y=\"14\">", lw + vw, lw, lw, vw, colour, lw + vw,
            lw / 2);
        ngx_http_onestop_html_escape(b, label, ngx_strlen(label));
        onestop_buf_printf(b, "</text><text x=\"%zu\" y=\"14\">",
                           lw + vw / 2);
        ngx_http_onestop_html_escape(b, value, ngx_strlen(value));
        onestop_buf_adds(b, "</text></g></svg>\n");

        return NGX_OK;
    }

    /* the card */

    onestop_buf_adds(b,
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\"><title>");

    if (ag != NULL) {
        ngx_http_onestop_html_escape(b, ag->name.data, ag->name.len);
    } else {
        onestop_buf_adds(b, "Tỉnh Long An");
    }

    onestop_buf_adds(b,
        "</title><style>body{margin:0;font:14px/1.4 system-ui,Arial,"
        "sans-serif;color:#1b1f24}.c{border:1px solid #d5dadf;"
        "border-radius:6px;padding:10px 12px;background:#fff}"
        "h1{font-size:15px;margin:0 0 6px}dl{display:grid;"
        "grid-template-columns:1fr auto;gap:2px 12px;margin:0}"
        "dt{color:#4a535c}dd{margin:0;font-weight:600;text-align:right}"
        "p{margin:6px 0 0;font-size:12px;color:#5a636c}</style></head>"
        "<body><section class=\"c\"><h1>");

    if (ag != NULL) {
        ngx_http_onestop_html_escape(b, ag->name.data, ag->name.len);
    } else {
        onestop_buf_adds(b, "Tỉnh Long An");
    }

    onestop_buf_printf(b, "</h1><dl><dt>Tiếp nhận năm %d</dt>"
                          "<dd data-field=\"received\">", y);
    ngx_http_onestop_integer(b, t.c.received);
    onestop_buf_adds(b, "</dd><dt>Đã giải quyết</dt>"
                        "<dd data-field=\"resolved\">");
    ngx_http_onestop_integer(b, resolved);
    onestop_buf_adds(b, "</dd><dt>Tỷ lệ đúng hạn</dt>"
                        "<dd data-field=\"on_time_rate\">");
    ngx_http_onestop_html_escape(b, value, ngx_strlen(value));
    onestop_buf_adds(b, "</dd><dt>Đang giải quyết quá hạn</dt>"
                        "<dd data-field=\"pending_overdue\">");
    ngx_http_onestop_integer(b, t.c.pending_overdue);
    onestop_buf_printf(b, "</dd></dl><p>Số liệu từ ngày 01/01/%d đến "
                          "%02u/%02u/%d, Cổng Dịch vụ công tỉnh Long An.</p>"
                          "</section></body></html>\n", y, d, m, y);

    return NGX_OK;
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

typedef struct {
    onestop_buf_t             *b;
    const onestop_catalog_t   *cat;
    onestop_counts_t           province[ONESTOP_CH_COUNT];
    ngx_uint_t                 all;
    int                        pass;
} ngx_http_onestop_metrics_ctx_t;


static void
ngx_http_onestop_metric_series(onestop_buf_t *b, const char *name,
    const onestop_str_t *agency, unsigned channel, const char *extra,
    int64_t value)
{
    onestop_buf_printf(b, "%s{agency=\"%.*s\",channel=\"%s\"%s} %lld\n",
                       name, (int) agency->len, agency->data,
                       onestop_channel_name(channel), extra,
                       (long long) value);
}


static void
ngx_http_onestop_metric_counts(ngx_http_onestop_metrics_ctx_t *mc,
    int which, const onestop_str_t *agency, unsigned channel,
    const onestop_counts_t *c)
{
    onestop_buf_t  *b = mc->b;

    switch (which) {
    case 0:
        ngx_http_onestop_metric_series(b, "onestop_dossiers_received",
                                       agency, channel, "", c->received);
        break;
    case 1:
        ngx_http_onestop_metric_series(b, "onestop_dossiers_resolved", agency,
                                       channel, ",timeliness=\"early\"",
                                       c->resolved_early);
        ngx_http_onestop_metric_series(b, "onestop_dossiers_resolved", agency,
                                       channel, ",timeliness=\"on_time\"",
                                       c->resolved_on_time);
        ngx_http_onestop_metric_series(b, "onestop_dossiers_resolved", agency,
                                       channel, ",timeliness=\"late\"",
                                       c->resolved_late);
        break;
    case 2:
        ngx_http_onestop_metric_series(b, "onestop_dossiers_withdrawn",
                                       agency, channel, "", c->withdrawn);
        break;
    case 3:
        ngx_http_onestop_metric_series(b, "onestop_dossiers_pending", agency,
                                       channel, ",state=\"not_due\"",
                                       c->pending - c->pending_overdue);
        ngx_http_onestop_metric_series(b, "onestop_dossiers_pending", agency,
                                       channel, ",state=\"overdue\"",
                                       c->pending_overdue);
        break;
    }
}


typedef struct {
    uint32_t           dim[2];
    onestop_counts_t   c;
} ngx_http_onestop_metric_group_t;


typedef struct {
    ngx_http_onestop_metric_group_t  *groups;
    size_t                            n;
    size_t                            cap;
    int                               failed;
} ngx_http_onestop_metric_list_t;


static void
ngx_http_onestop_visit_list(void *ctx, const uint32_t *dim,
    const onestop_counts_t *c)
{
    ngx_http_onestop_metric_list_t   *l = ctx;
    ngx_http_onestop_metric_group_t  *g;

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


static ngx_int_t
ngx_http_onestop_metrics_compute(ngx_http_onestop_answer_t *a,
    onestop_store_t *st)
{
    int                               which;
    size_t                            i;
    unsigned                          ch;
    onestop_arg_t                     args[2];
    onestop_query_t                   q;
    onestop_str_t                     province = onestop_str("province");
    onestop_counts_t                  per[ONESTOP_CH_COUNT];
    const onestop_catalog_t          *cat;
    ngx_http_onestop_metric_list_t    l;
    ngx_http_onestop_metrics_ctx_t    mc;

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
        "# TYPE onestop_dossiers_pending gauge\n"
    };

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    args[0].key.data = "period";
    args[0].key.len = 6;
    args[0].value.data = "all";
    args[0].value.len = 3;
    args[1].key.data = "group";
    args[1].key.len = 5;

    if (a->omcf->metrics_all) {
        args[1].value.data = "agency,channel";
        args[1].value.len = 14;
    } else {
        args[1].value.data = "top_agency,channel";
        args[1].value.len = 18;
    }

    if (onestop_query_parse(&q, cat, args, 2) != 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&l, sizeof(l));
    q.visit = ngx_http_onestop_visit_list;
    q.visit_ctx = &l;

    if (onestop_store_stats(st, &q, a->today, &a->out) != 0
        || l.failed)
    {
        free(l.groups);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(per, sizeof(per));

    for (i = 0; i < l.n; i++) {
        ch = l.groups[i].dim[1];

        if (ch < ONESTOP_CH_COUNT) {
            onestop_counts_add(&per[ch], &l.groups[i].c);
        }
    }

    mc.b = &a->out;
    mc.cat = cat;

    for (which = 0; which < 4; which++) {
        onestop_buf_adds(&a->out, help[which]);

        for (ch = 0; ch < ONESTOP_CH_COUNT; ch++) {
            ngx_http_onestop_metric_counts(&mc, which, &province, ch,
                                           &per[ch]);
        }

        for (i = 0; i < l.n; i++) {
            ngx_http_onestop_metric_counts(&mc, which,
                &cat->agencies[l.groups[i].dim[0]].id, l.groups[i].dim[1],
                &l.groups[i].c);
        }
    }

    free(l.groups);

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_metrics_handler(ngx_http_request_t *r)
{
    size_t                         zsize, zused;
    uint64_t                       used, mapped, hits, misses, accepted;
    uint64_t                       requests[NGX_HTTP_ONESTOP_HANDLERS
                                            * NGX_HTTP_ONESTOP_STATUSES];
    ngx_int_t                      rc;
    ngx_uint_t                     h, i;
    ngx_str_t                      figures;
    onestop_buf_t                  b;
    ngx_http_onestop_answer_t      a;
    u_char                        *out;

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

    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_buf_add(&b, figures.data, figures.len);

    ngx_http_onestop_zone_counters(a.omcf, requests, &accepted);

    onestop_buf_adds(&b,
        "# HELP onestop_records_accepted_total Dossier records accepted by "
        "writes through nginx.\n"
        "# TYPE onestop_records_accepted_total counter\n");
    onestop_buf_printf(&b, "onestop_records_accepted_total %llu\n",
                       (unsigned long long) accepted);

    onestop_buf_adds(&b,
        "# HELP onestop_http_requests_total Requests answered, by handler "
        "and status.\n"
        "# TYPE onestop_http_requests_total counter\n");

    for (h = 1; h < NGX_HTTP_ONESTOP_HANDLERS; h++) {
        for (i = 0; i < NGX_HTTP_ONESTOP_STATUSES; i++) {
            uint64_t  n = requests[h * NGX_HTTP_ONESTOP_STATUSES + i];

            if (n == 0) {
                continue;
            }

            if (ngx_http_onestop_statuses[i]) {
                onestop_buf_printf(&b, "onestop_http_requests_total{"
                                   "handler=\"%s\",status=\"%u\"} %llu\n",
                                   ngx_http_onestop_handler_names[h],
                                   (unsigned) ngx_http_onestop_statuses[i],
                                   (unsigned long long) n);
            } else {
                onestop_buf_printf(&b, "onestop_http_requests_total{"
                                   "handler=\"%s\",status=\"other\"} %llu\n",
                                   ngx_http_onestop_handler_names[h],
                                   (unsigned long long) n);
            }
        }
    }

    onestop_store_usage(a.omcf->store, &used, &mapped);
    ngx_http_onestop_zone_usage(a.omcf, &zsize, &zused, &hits, &misses);

    onestop_buf_printf(&b,
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
        "onestop_store_changes_total %llu\n",
        (unsigned long long) used, (unsigned long long) mapped,
        (unsigned long long) zsize, (unsigned long long) zused,
        (unsigned long long) hits, (unsigned long long) misses,
        (unsigned long long) ngx_http_onestop_zone_seq(a.omcf));

    ngx_http_onestop_redis_metrics(a.omcf, &b);

    if (b.failed) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out = ngx_pnalloc(r->pool, b.len);

    if (out == NULL) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(out, b.data, b.len);
    h = b.len;
    onestop_buf_free(&b);

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK,
                                 &ngx_http_onestop_metrics_type, out, h);
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
