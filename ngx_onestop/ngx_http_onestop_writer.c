/*
 * The writer: runs the store's write transaction on a thread of nginx's
 * thread pool, never on the event loop, since a commit waits for two
 * fsyncs.  Requests that arrive while a commit is under way queue up and
 * all go into the next one (group commit), so many small writers share
 * one fsync instead of paying one each.  One task per worker is in flight
 * at a time; LMDB serialises the workers' transactions among themselves.
 *
 * The queue is handed over late: the event loop puts requests in an inbox
 * (under a mutex), and the thread takes them only once its transaction
 * has begun, and again before it commits.  A worker whose thread waited
 * for the other worker's commit thus takes everything that queued up
 * meanwhile, and groups are twice as large as when the group was fixed
 * at the time the task was posted.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>

#include "ngx_http_onestop.h"
#include "onestop_access.h"


#define NGX_HTTP_ONESTOP_GROUP_MAX  512


typedef struct {
    ngx_http_onestop_main_conf_t   *omcf;
    ngx_http_onestop_write_ctx_t  **reqs;       /* the group, the thread's */
    onestop_write_t               **writes;
    size_t                          n;
    int                             rc;

    ngx_thread_mutex_t              mutex;
    ngx_http_onestop_write_ctx_t  **inbox;      /* waiting, under mutex */
    ngx_uint_t                      ninbox;

    /* a follower's batch (ngx_http_onestop_follow.c) instead of a group */
    ngx_http_onestop_apply_pt       apply;
    ngx_http_onestop_applied_pt     applied;
    void                           *data;
    unsigned                        pending:1;
    unsigned                        applying:1;
} ngx_http_onestop_writer_task_t;


static void ngx_http_onestop_writer_thread(void *data, ngx_log_t *log);
static size_t ngx_http_onestop_writer_more(void *ctx, onestop_write_t **w,
    size_t room);
static void ngx_http_onestop_writer_refill(ngx_http_onestop_writer_task_t *wt);
static ngx_uint_t ngx_http_onestop_pool_busy(
    ngx_http_onestop_main_conf_t *omcf);
static void ngx_http_onestop_pool_guard_handler(ngx_event_t *ev);
static void ngx_http_onestop_writer_done(ngx_event_t *ev);
static void ngx_http_onestop_writer_room(ngx_http_onestop_main_conf_t *omcf,
    ngx_log_t *log);
static void ngx_http_onestop_writer_audit(ngx_http_onestop_main_conf_t *omcf,
    ngx_http_onestop_writer_task_t *wt, ngx_log_t *log);
static ngx_int_t ngx_http_onestop_writer_post(
    ngx_http_onestop_main_conf_t *omcf);


ngx_int_t
ngx_http_onestop_writer_init(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf, ngx_http_onestop_commit_pt done)
{
    ngx_thread_task_t               *task;
    ngx_http_onestop_writer_task_t  *wt;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    static ngx_str_t  name = ngx_string("default");

    ngx_queue_init(&wk->write_queue);
    wk->after_commit = done;

    wk->thread_pool = ngx_thread_pool_get(cycle, &name);
    if (wk->thread_pool == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "onestop needs nginx's \"default\" thread pool");
        return NGX_ERROR;
    }

    task = ngx_thread_task_alloc(cycle->pool,
                                 sizeof(ngx_http_onestop_writer_task_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    wt = task->ctx;
    wt->omcf = omcf;
    wt->reqs = ngx_palloc(cycle->pool, NGX_HTTP_ONESTOP_GROUP_MAX
                          * sizeof(ngx_http_onestop_write_ctx_t *));
    wt->writes = ngx_palloc(cycle->pool, NGX_HTTP_ONESTOP_GROUP_MAX
                            * sizeof(onestop_write_t *));
    wt->inbox = ngx_palloc(cycle->pool, NGX_HTTP_ONESTOP_GROUP_MAX
                           * sizeof(ngx_http_onestop_write_ctx_t *));

    if (wt->reqs == NULL || wt->writes == NULL || wt->inbox == NULL
        || ngx_thread_mutex_create(&wt->mutex, cycle->log) != NGX_OK)
    {
        return NGX_ERROR;
    }

    task->handler = ngx_http_onestop_writer_thread;
    task->event.handler = ngx_http_onestop_writer_done;
    task->event.data = task;
    task->event.log = cycle->log;

    wk->write_task = task;

    /*
     * While a commit, a statistics answer or a worker's read-ahead is on
     * the thread pool, a timer that is not cancelable keeps a worker that
     * was told to quit (a reload) alive until its requests are answered:
     * nginx counts timers, not threads.
     */

    wk->pool_guard.handler = ngx_http_onestop_pool_guard_handler;
    wk->pool_guard.data = omcf;
    wk->pool_guard.log = cycle->log;
    wk->pool_guard.cancelable = 0;

    return NGX_OK;
}


/* work of this worker's on the pool, or waiting for it */

static ngx_uint_t
ngx_http_onestop_pool_busy(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    /* the inbox is empty whenever the writer's thread is not busy */

    return wk->write_busy || !ngx_queue_empty(&wk->write_queue)
           || wk->readers_busy != 0;
}


static void
ngx_http_onestop_pool_guard_handler(ngx_event_t *ev)
{
    ngx_http_onestop_main_conf_t  *omcf = ev->data;

    if (ngx_http_onestop_pool_busy(omcf)) {
        ngx_add_timer(ev, 1000);
    }
}


void
ngx_http_onestop_pool_guard(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;
    if (ngx_http_onestop_pool_busy(omcf)) {
        if (!wk->pool_guard.timer_set) {
            ngx_add_timer(&wk->pool_guard, 1000);
        }

    } else if (wk->pool_guard.timer_set) {
        ngx_del_timer(&wk->pool_guard);
    }
}


void
ngx_http_onestop_writer_submit(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    wc->request = r;
    r->main->count++;

    ngx_queue_insert_tail(&wk->write_queue, &wc->queue);
    ngx_http_onestop_writer_refill(wk->write_task->ctx);

    if (!wk->write_busy) {
        if (ngx_http_onestop_writer_post(omcf) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "could not hand a write to the thread pool");
        }
    }
}


/* the queue into the inbox, as far as it has room; the thread takes the
 * inbox when it is ready for it */

static void
ngx_http_onestop_writer_refill(ngx_http_onestop_writer_task_t *wt)
{
    ngx_queue_t                *q;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (ngx_queue_empty(&wk->write_queue)) {
        return;
    }

    (void) ngx_thread_mutex_lock(&wt->mutex, wk->log);

    while (!ngx_queue_empty(&wk->write_queue)
           && wt->ninbox < NGX_HTTP_ONESTOP_GROUP_MAX)
    {
        q = ngx_queue_head(&wk->write_queue);
        ngx_queue_remove(q);
        wt->inbox[wt->ninbox++] = ngx_queue_data(q,
                                                 ngx_http_onestop_write_ctx_t,
                                                 queue);
    }

    (void) ngx_thread_mutex_unlock(&wt->mutex, wk->log);
}


static ngx_int_t
ngx_http_onestop_writer_post(ngx_http_onestop_main_conf_t *omcf)
{
    size_t                           i;
    ngx_thread_task_t               *task;
    ngx_http_onestop_writer_task_t  *wt;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    task = wk->write_task;
    wt = task->ctx;
    wt->n = 0;

    ngx_http_onestop_writer_refill(wt);

    if (wt->ninbox == 0 && !wk->write_maintain && !wt->pending) {
        return NGX_OK;
    }

    /* a follower's batch first: the requests wait in the inbox */

    wt->applying = wt->pending;
    wt->pending = 0;
    wk->write_maintain &= wt->applying;
    wk->write_busy = 1;
    ngx_http_onestop_pool_guard(omcf);

    if (ngx_thread_task_post(wk->thread_pool, task) != NGX_OK) {

        /* answer them here: 500 (done() clears write_busy) */
        wt->n = ngx_http_onestop_writer_more(wt, wt->writes,
                                             NGX_HTTP_ONESTOP_GROUP_MAX);
        wt->rc = ONESTOP_ERROR;

        for (i = 0; i < wt->n; i++) {
            wt->writes[i]->status = 500;
            wt->writes[i]->error_code = "internal_error";
            ngx_cpystrn((u_char *) wt->writes[i]->message,
                        (u_char *) "no thread to write with",
                        sizeof(wt->writes[i]->message));
        }

        ngx_http_onestop_writer_done(&task->event);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a follower's batch: apply(data) on the writer's thread, in turn with
 * the groups, then applied(data) on the event loop after the commit's
 * after-commit path */

void
ngx_http_onestop_writer_apply(ngx_http_onestop_main_conf_t *omcf,
    ngx_http_onestop_apply_pt apply, ngx_http_onestop_applied_pt applied,
    void *data)
{
    ngx_http_onestop_writer_task_t  *wt;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    wt = wk->write_task->ctx;
    wt->apply = apply;
    wt->applied = applied;
    wt->data = data;
    wt->pending = 1;

    if (!wk->write_busy) {
        (void) ngx_http_onestop_writer_post(omcf);
    }
}


void
ngx_http_onestop_writer_maintain(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;
    if (wk->write_task == NULL || wk->write_busy) {
        return;
    }

    wk->write_maintain = 1;
    (void) ngx_http_onestop_writer_post(omcf);
}


static void
ngx_http_onestop_writer_thread(void *data, ngx_log_t *log)
{
    ngx_http_onestop_writer_task_t  *wt = data;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    wt->n = 0;

    if (wt->applying) {
        wt->rc = wt->apply(wt->data);
        return;
    }

    wt->rc = onestop_store_write_group(wk->store, wt->writes, &wt->n,
                                       NGX_HTTP_ONESTOP_GROUP_MAX,
                                       ngx_http_onestop_writer_more, wt);
}


/* on the thread, with the transaction begun: the inbox joins the group */

static size_t
ngx_http_onestop_writer_more(void *ctx, onestop_write_t **w, size_t room)
{
    ngx_http_onestop_writer_task_t  *wt = ctx;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    size_t                          i, k;
    ngx_http_onestop_write_ctx_t   *wc;

    (void) ngx_thread_mutex_lock(&wt->mutex, wk->log);

    k = wt->ninbox < room ? wt->ninbox : room;

    for (i = 0; i < k; i++) {
        wc = wt->inbox[i];
        wt->reqs[w - wt->writes + i] = wc;
        w[i] = &wc->write;
    }

    wt->ninbox -= k;
    ngx_memmove(wt->inbox, wt->inbox + k,
                wt->ninbox * sizeof(ngx_http_onestop_write_ctx_t *));

    (void) ngx_thread_mutex_unlock(&wt->mutex, wk->log);

    return k;
}


/*
 * A store without room refuses writes with 507 until room is made: one
 * line when that begins, saying what to do, and one when it ends, rather
 * than one a write.
 */

static void
ngx_http_onestop_writer_room(ngx_http_onestop_main_conf_t *omcf,
    ngx_log_t *log)
{
    u_char                      msg[NGX_MAX_ERROR_STR];
    ngx_uint_t                  full, level;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    full = (ngx_uint_t) onestop_store_full(wk->store);

    if (full == wk->write_full) {
        return;
    }

    wk->write_full = full;

    level = onestop_store_full_explain((int) full,
                                       (char *) omcf->store_path.data,
                                       omcf->store_path.len, (char *) msg,
                                       sizeof(msg))
            ? NGX_LOG_ERR : NGX_LOG_NOTICE;

    ngx_log_error(level, log, 0, "%s", msg);
}


static void
ngx_http_onestop_writer_done(ngx_event_t *ev)
{
    ngx_uint_t                       i;
    ngx_connection_t                *c;
    ngx_thread_task_t               *task;
    ngx_http_request_t              *r;
    onestop_telemetry_t             *tel;
    ngx_http_onestop_main_conf_t    *omcf;
    ngx_http_onestop_write_ctx_t    *wc;
    ngx_http_onestop_writer_task_t  *wt;
    ngx_http_onestop_worker_t       *wk = ngx_http_onestop_worker;

    task = ev->data;
    wt = task->ctx;
    omcf = wt->omcf;
    wk->write_recent |= (wt->n > 0 || wt->applying) && wt->rc == ONESTOP_OK;

    if (wt->rc == ONESTOP_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, ev->log, 0,
                      "could not write to store \"%V\": %s",
                      &omcf->store_path,
                      wt->n ? wt->writes[0]->message : "");
    }

    ngx_http_onestop_writer_room(omcf, ev->log);

    if (wt->rc != ONESTOP_OK && onestop_store_broken(wk->store)
        && !ngx_quit && !ngx_exiting)
    {
        /* the store cannot be reopened under the readers that share it:
         * the worker goes, once its requests are answered, and the master
         * starts another, which opens the store afresh */

        ngx_log_error(NGX_LOG_ALERT, ev->log, 0,
                      "store \"%V\" cannot be used after a failed write "
                      "until it is opened again: this worker process exits "
                      "and nginx starts another", &omcf->store_path);
        ngx_quit = 1;
    }

    /* the commit is visible: statistics first, then the answers */

    wk->after_commit(omcf);

    if (wt->applying) {
        wt->applying = 0;
        wt->applied(wt->data);
    }

    if (omcf->audit_log != NULL) {
        ngx_http_onestop_writer_audit(omcf, wt, ev->log);
    }

    tel = ngx_http_onestop_zone_tel(omcf);

    for (i = 0; i < wt->n; i++) {
        wc = wt->reqs[i];
        r = wc->request;

        if (wc->write.status == 200) {
            ngx_http_onestop_zone_accepted(omcf, wc->write.accepted);
        }

        if (tel != NULL) {
            onestop_tel_write(tel, wc->write.key.data, wc->write.key.len,
                              (unsigned) wc->write.status);
        }

        if (wc->write.status == 500) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "write to store \"%V\" failed: %s",
                          &omcf->store_path, wc->write.message);
        }

        /* the connection outlives a finalized request (its pool is gone,
         * the connection only goes back to the free list) */
        c = r->connection;
        ngx_http_finalize_request(r, wc->answer(r, wc));
        ngx_http_run_posted_requests(c);
    }

    wt->n = 0;

    /* busy until every answer is out: a write submitted meanwhile waits in
     * the inbox instead of taking the task whose group is being answered */
    wk->write_busy = 0;

    /* what queued meanwhile: the next group (nothing is posted when the
     * inbox is empty) */
    (void) ngx_http_onestop_writer_post(omcf);

    ngx_http_onestop_pool_guard(omcf);
}


/*
 * The group's lines of the audit trail, in one write(2) of the file that
 * nginx reopens with its logs: lines of one group never interleave with
 * another worker's (O_APPEND, and a write of a regular file is atomic
 * against other appends in practice for the sizes here).
 */

static void
ngx_http_onestop_writer_audit(ngx_http_onestop_main_conf_t *omcf,
    ngx_http_onestop_writer_task_t *wt, ngx_log_t *log)
{
    ssize_t        n;
    ngx_uint_t     i;
    onestop_buf_t  b;

    ngx_memzero(&b, sizeof(onestop_buf_t));

    for (i = 0; i < wt->n; i++) {
        onestop_audit_format(&b, &wt->reqs[i]->write, (int64_t) ngx_time(),
                             (int32_t) omcf->utc_offset);
    }

    if (b.failed) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "onestop_audit_log \"%V\": out of memory, %ui "
                      "requests not logged", &omcf->audit_log->name, wt->n);

    } else if (b.len) {
        n = ngx_write_fd(omcf->audit_log->fd, b.data, b.len);

        if (n != (ssize_t) b.len) {
            ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                          "onestop_audit_log \"%V\": write failed",
                          &omcf->audit_log->name);
        }
    }

    onestop_buf_free(&b);
}
