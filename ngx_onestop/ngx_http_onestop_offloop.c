/*
 * The one way off the event loop for reads of the store: statistics,
 * apologies, widgets, metrics, the evaluation summary (through
 * ngx_http_onestop_answer.c) and the change feed's figures.  A
 * computation posted here runs on a thread of nginx's "default" pool, on
 * one of the worker's readers of the store (onestop_store_reader: the
 * same LMDB environment, a read transaction and a catalog of its own)
 * inside a read that began for it, and its done() runs back on the event
 * loop.  Each worker keeps up to NGX_HTTP_ONESTOP_READERS readers, one
 * per computation under way; with none free, a computation waits in the
 * worker's queue for the first reader that comes back (never on the loop:
 * a flood of distinct queries would stall every lookup), and with
 * NGX_HTTP_ONESTOP_WAITING waiting already the caller is told NGX_BUSY
 * (a request: 503).  While one is out, a guard timer keeps a worker
 * that is told to quit until it is back (ngx_http_onestop_pool_guard).
 * A worker reads ahead, once started, the blocks every statistics query
 * reads and answers one query, so that its first computations do not
 * fault in the store's pages nor their reader's memory.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_scratch.h"


typedef struct {
    ngx_http_onestop_main_conf_t      *omcf;
    ngx_http_onestop_offloop_pt        compute;
    ngx_http_onestop_offloop_done_pt   done;
    void                              *data;
    ngx_uint_t                         reader;     /* wk->readers[] */
    ngx_int_t                          rc;
    ngx_thread_task_t                 *task;
    ngx_queue_t                        queue;      /* wk->waiting */
    ngx_http_onestop_offloop_wanted_pt wanted;     /* or NULL: always */
} ngx_http_onestop_offloop_t;


static ngx_int_t ngx_http_onestop_offloop_start(ngx_thread_task_t *task,
    ngx_uint_t i);
static void ngx_http_onestop_offloop_evict(void);
static void ngx_http_onestop_offloop_thread(void *data, ngx_log_t *log);
static void ngx_http_onestop_offloop_back(ngx_event_t *ev);
static void ngx_http_onestop_prewarm_thread(void *data, onestop_store_t *st);
static void ngx_http_onestop_prewarm_done(void *data, ngx_int_t rc);


ngx_thread_task_t *
ngx_http_onestop_offloop_task(ngx_pool_t *pool)
{
    return ngx_thread_task_alloc(pool, sizeof(ngx_http_onestop_offloop_t));
}


ngx_int_t
ngx_http_onestop_offloop_post(ngx_http_onestop_main_conf_t *omcf,
    ngx_thread_task_t *task, ngx_http_onestop_offloop_pt compute,
    ngx_http_onestop_offloop_done_pt done, void *data, ngx_log_t *log)
{
    ngx_uint_t                   i;
    ngx_http_onestop_offloop_t  *o;
    ngx_http_onestop_worker_t   *wk = ngx_http_onestop_worker;

    if (wk->thread_pool == NULL) {
        return NGX_DECLINED;
    }

    o = task->ctx;
    o->omcf = omcf;
    o->compute = compute;
    o->done = done;
    o->data = data;
    o->task = task;
    o->wanted = NULL;

    task->handler = ngx_http_onestop_offloop_thread;
    task->event.handler = ngx_http_onestop_offloop_back;
    task->event.data = o;
    task->event.log = log;

    for (i = 0; i < wk->nreaders; i++) {
        if (!(wk->readers_busy & (1 << i))) {
            break;
        }
    }

    if (i == NGX_HTTP_ONESTOP_READERS) {
        if (wk->nwaiting == NGX_HTTP_ONESTOP_WAITING) {
            ngx_http_onestop_offloop_evict();
        }

        if (wk->nwaiting == NGX_HTTP_ONESTOP_WAITING) {
            return NGX_BUSY;
        }

        ngx_queue_insert_tail(&wk->waiting, &o->queue);
        wk->nwaiting++;
        return NGX_OK;
    }

    if (i == wk->nreaders) {
        wk->readers[i] = onestop_store_reader(wk->store);

        if (wk->readers[i] == NULL) {
            return NGX_DECLINED;
        }

        wk->nreaders++;
    }

    return ngx_http_onestop_offloop_start(task, i);
}


/* what the caller of a post that waits tells: whether the computation is
 * still wanted when its turn comes (its clients still there) */

void
ngx_http_onestop_offloop_wanted(ngx_thread_task_t *task,
    ngx_http_onestop_offloop_wanted_pt wanted)
{
    ngx_http_onestop_offloop_t  *o = task->ctx;

    o->wanted = wanted;
}


/* a full queue gives up the places of computations nobody wants any more
 * (clients that left), each told NGX_DECLINED: a client cannot hold the
 * queue by sending misses and closing */

static void
ngx_http_onestop_offloop_evict(void)
{
    ngx_queue_t                 *q, *next;
    ngx_http_onestop_offloop_t  *o;
    ngx_http_onestop_worker_t   *wk = ngx_http_onestop_worker;

    for (q = ngx_queue_head(&wk->waiting);
         q != ngx_queue_sentinel(&wk->waiting);
         q = next)
    {
        next = ngx_queue_next(q);
        o = ngx_queue_data(q, ngx_http_onestop_offloop_t, queue);

        if (o->wanted != NULL && !o->wanted(o->data)) {
            ngx_queue_remove(q);
            wk->nwaiting--;
            o->done(o->data, NGX_DECLINED);
        }
    }
}


/* o's computation on reader i, free */

static ngx_int_t
ngx_http_onestop_offloop_start(ngx_thread_task_t *task, ngx_uint_t i)
{
    ngx_http_onestop_offloop_t  *o = task->ctx;
    ngx_http_onestop_worker_t   *wk = ngx_http_onestop_worker;

    o->reader = i;

    if (ngx_thread_task_post(wk->thread_pool, task) != NGX_OK) {
        return NGX_DECLINED;
    }

    wk->readers_busy |= 1 << i;
    wk->answering[i] = o;
    ngx_http_onestop_pool_guard(o->omcf);

    return NGX_OK;
}


void *
ngx_http_onestop_offloop_busy(ngx_http_onestop_main_conf_t *omcf,
    ngx_uint_t i, ngx_http_onestop_offloop_done_pt done)
{
    ngx_http_onestop_offloop_t  *o;
    ngx_http_onestop_worker_t   *wk = ngx_http_onestop_worker;

    ngx_uint_t    n;
    ngx_queue_t  *q;

    if (i < NGX_HTTP_ONESTOP_READERS) {
        o = wk->answering[i];

        if (!(wk->readers_busy & (1 << i)) || o == NULL || o->done != done) {
            return NULL;
        }

        return o->data;
    }

    /* past the readers: the ones waiting for one, in their order */

    n = NGX_HTTP_ONESTOP_READERS;

    for (q = ngx_queue_head(&wk->waiting);
         q != ngx_queue_sentinel(&wk->waiting);
         q = ngx_queue_next(q))
    {
        if (n++ == i) {
            o = ngx_queue_data(q, ngx_http_onestop_offloop_t, queue);
            return o->done == done ? o->data : NULL;
        }
    }

    return NULL;
}


/* on a thread of the pool: it touches only the reader and o's data */

static void
ngx_http_onestop_offloop_thread(void *data, ngx_log_t *log)
{
    ngx_http_onestop_offloop_t  *o = data;
    ngx_http_onestop_worker_t   *wk = ngx_http_onestop_worker;

    onestop_store_t  *st;

    st = wk->readers[o->reader];

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        o->rc = NGX_ABORT;
        return;
    }

    o->compute(o->data, st);
    onestop_store_read_end(st);

    o->rc = NGX_OK;
}


/* back on the event loop */

static void
ngx_http_onestop_offloop_back(ngx_event_t *ev)
{
    ngx_http_onestop_offloop_t  *o = ev->data;
    ngx_http_onestop_worker_t   *wk = ngx_http_onestop_worker;

    ngx_http_onestop_main_conf_t  *omcf;

    ngx_queue_t                 *q;
    ngx_http_onestop_offloop_t  *next;

    omcf = o->omcf;
    wk->readers_busy &= ~(1 << o->reader);
    wk->answering[o->reader] = NULL;

    /* the reader goes to the computation that waited longest; one the
     * pool refuses is told so (NGX_ABORT: its caller computes it) */

    while (!ngx_queue_empty(&wk->waiting)
           && !(wk->readers_busy & (1 << o->reader)))  /* a done() took it */
    {
        q = ngx_queue_head(&wk->waiting);
        ngx_queue_remove(q);
        wk->nwaiting--;
        next = ngx_queue_data(q, ngx_http_onestop_offloop_t, queue);

        if (next->wanted != NULL && !next->wanted(next->data)) {
            next->done(next->data, NGX_DECLINED);      /* its clients left */
            continue;
        }

        if (ngx_http_onestop_offloop_start(next->task, o->reader) == NGX_OK) {
            break;
        }

        next->done(next->data, NGX_ABORT);
    }

    ngx_http_onestop_pool_guard(omcf);

    o->done(o->data, o->rc);
}


/*
 * The answers' buffers.  A computation writes its answer into a buffer
 * the event loop hands it, and the response is sent from that buffer,
 * which comes back when the request's pool goes.  The worker keeps up to
 * NGX_HTTP_ONESTOP_BUFS of them, each no larger than ONESTOP_SCRATCH_KEEP:
 * an answer is written into memory touched already, whichever thread of
 * the pool writes it (a page touched for the first time costs a fault:
 * docs/performance.md, section 17), and never copied but into the zone.
 */

void
ngx_http_onestop_offloop_buf(onestop_buf_t *b)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    ngx_memzero(b, sizeof(onestop_buf_t));

    if (wk != NULL && wk->nbufs > 0) {
        *b = wk->bufs[--wk->nbufs];
        b->len = 0;
        b->data[0] = '\0';
    }
}


void
ngx_http_onestop_offloop_unbuf(onestop_buf_t *b)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (wk != NULL && b->data != NULL && !b->failed
        && b->cap <= ONESTOP_SCRATCH_KEEP && wk->nbufs < NGX_HTTP_ONESTOP_BUFS)
    {
        wk->bufs[wk->nbufs++] = *b;
        ngx_memzero(b, sizeof(onestop_buf_t));
        return;
    }

    onestop_buf_free(b);
}


static void
ngx_http_onestop_offloop_unlend(void *data)
{
    ngx_http_onestop_offloop_unbuf(data);
}


ngx_int_t
ngx_http_onestop_offloop_lend(ngx_pool_t *pool, onestop_buf_t *b)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(pool, sizeof(onestop_buf_t));

    if (cln == NULL) {
        ngx_http_onestop_offloop_unbuf(b);
        return NGX_ERROR;
    }

    ngx_memcpy(cln->data, b, sizeof(onestop_buf_t));
    cln->handler = ngx_http_onestop_offloop_unlend;
    ngx_memzero(b, sizeof(onestop_buf_t));

    return NGX_OK;
}


/*
 * A worker's first statistics query would fault in the pages of the
 * counters it reads, some milliseconds (docs/performance.md, section 16),
 * and every reload makes new workers.  So a worker, once started, walks
 * the blocks every query reads on a thread of the pool
 * (onestop_store_prewarm: each series' years, a few megabytes at most)
 * and answers this year by agency once on its first reader, the one a
 * first request takes, whose scratch and answer buffer are then touched
 * (section 17), while it waits for its first requests.  Without a thread
 * pool, the first query does it.
 */

typedef struct {
    long           blocks;
    ngx_msec_t     start;
    ngx_log_t     *log;
    onestop_buf_t  out;         /* the answer's buffer, kept after */
} ngx_http_onestop_prewarm_t;


void
ngx_http_onestop_prewarm(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    ngx_thread_task_t           *task;
    ngx_http_onestop_prewarm_t  *pw;

    task = ngx_http_onestop_offloop_task(cycle->pool);
    pw = ngx_pcalloc(cycle->pool, sizeof(ngx_http_onestop_prewarm_t));

    if (task == NULL || pw == NULL) {
        return;
    }

    pw->start = ngx_current_msec;
    pw->log = cycle->log;
    ngx_http_onestop_offloop_buf(&pw->out);

    if (ngx_http_onestop_offloop_post(omcf, task,
                                      ngx_http_onestop_prewarm_thread,
                                      ngx_http_onestop_prewarm_done, pw,
                                      cycle->log)
        != NGX_OK)
    {
        ngx_http_onestop_offloop_unbuf(&pw->out);
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "onestop: the statistics' pages were not read ahead: "
                      "no thread of the pool or no reader of the store");
    }
}


static void
ngx_http_onestop_prewarm_thread(void *data, onestop_store_t *st)
{
    ngx_http_onestop_prewarm_t  *pw = data;

    pw->blocks = onestop_store_prewarm(st, &pw->out);
}


static void
ngx_http_onestop_prewarm_done(void *data, ngx_int_t rc)
{
    ngx_http_onestop_prewarm_t  *pw = data;

    /* the answer thrown away, its buffer kept for the first request's */
    ngx_http_onestop_offloop_unbuf(&pw->out);

    if (rc != NGX_OK || pw->blocks < 0) {
        ngx_log_error(NGX_LOG_NOTICE, pw->log, 0,
                      "onestop: the statistics' pages were not read ahead: "
                      "the store could not be read");
        return;
    }

    ngx_log_error(NGX_LOG_INFO, pw->log, 0,
                  "onestop: %l blocks of the statistics read ahead in %M ms",
                  pw->blocks, ngx_current_msec - pw->start);
}
