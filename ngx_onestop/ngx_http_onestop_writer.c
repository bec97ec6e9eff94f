/*
 * The writer: runs the store's write transaction on a thread of nginx's
 * thread pool, never on the event loop, since a commit waits for two
 * fsyncs.  Requests that arrive while a commit is under way queue up and
 * all go into the next one (group commit), so many small writers share
 * one fsync instead of paying one each.  One task per worker is in flight
 * at a time; LMDB serialises the workers' transactions among themselves.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>

#include "ngx_http_onestop.h"


#define NGX_HTTP_ONESTOP_GROUP_MAX  512


typedef struct {
    ngx_http_onestop_main_conf_t   *omcf;
    ngx_http_onestop_write_ctx_t  **reqs;
    onestop_write_t               **writes;
    ngx_uint_t                      n;
    int                             rc;
} ngx_http_onestop_writer_task_t;


static void ngx_http_onestop_writer_thread(void *data, ngx_log_t *log);
static void ngx_http_onestop_writer_guard(ngx_event_t *ev);
static void ngx_http_onestop_writer_done(ngx_event_t *ev);
static ngx_int_t ngx_http_onestop_writer_post(
    ngx_http_onestop_main_conf_t *omcf);


ngx_int_t
ngx_http_onestop_writer_init(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    ngx_thread_task_t               *task;
    ngx_http_onestop_writer_task_t  *wt;

    static ngx_str_t  name = ngx_string("default");

    ngx_queue_init(&omcf->write_queue);

    omcf->thread_pool = ngx_thread_pool_get(cycle, &name);
    if (omcf->thread_pool == NULL) {
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

    if (wt->reqs == NULL || wt->writes == NULL) {
        return NGX_ERROR;
    }

    task->handler = ngx_http_onestop_writer_thread;
    task->event.handler = ngx_http_onestop_writer_done;
    task->event.data = task;
    task->event.log = cycle->log;

    omcf->write_task = task;

    /*
     * While a commit is on the thread pool, a timer that is not
     * cancelable keeps a worker that was told to quit (a reload) alive
     * until its requests are answered: nginx counts timers, not threads.
     */

    omcf->write_guard.handler = ngx_http_onestop_writer_guard;
    omcf->write_guard.data = omcf;
    omcf->write_guard.log = cycle->log;
    omcf->write_guard.cancelable = 0;

    return NGX_OK;
}


static void
ngx_http_onestop_writer_guard(ngx_event_t *ev)
{
    ngx_http_onestop_main_conf_t  *omcf = ev->data;

    if (omcf->write_busy || !ngx_queue_empty(&omcf->write_queue)) {
        ngx_add_timer(ev, 1000);
    }
}


void
ngx_http_onestop_writer_submit(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    wc->request = r;
    r->main->count++;

    ngx_queue_insert_tail(&omcf->write_queue, &wc->queue);

    if (!omcf->write_busy) {
        if (ngx_http_onestop_writer_post(omcf) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "could not hand a write to the thread pool");
        }
    }
}


static ngx_int_t
ngx_http_onestop_writer_post(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_queue_t                     *q;
    ngx_thread_task_t               *task;
    ngx_http_onestop_write_ctx_t    *wc;
    ngx_http_onestop_writer_task_t  *wt;

    task = omcf->write_task;
    wt = task->ctx;
    wt->n = 0;

    while (!ngx_queue_empty(&omcf->write_queue)
           && wt->n < NGX_HTTP_ONESTOP_GROUP_MAX)
    {
        q = ngx_queue_head(&omcf->write_queue);
        ngx_queue_remove(q);
        wc = ngx_queue_data(q, ngx_http_onestop_write_ctx_t, queue);

        wt->reqs[wt->n] = wc;
        wt->writes[wt->n] = &wc->write;
        wt->n++;
    }

    if (wt->n == 0 && !omcf->write_maintain) {
        return NGX_OK;
    }

    omcf->write_maintain = 0;
    omcf->write_busy = 1;

    if (!omcf->write_guard.timer_set) {
        ngx_add_timer(&omcf->write_guard, 1000);
    }

    if (ngx_thread_task_post(omcf->thread_pool, task) != NGX_OK) {
        omcf->write_busy = 0;

        /* answer them here: 500 */
        wt->rc = ONESTOP_ERROR;
        ngx_http_onestop_writer_done(&task->event);
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_onestop_writer_maintain(ngx_http_onestop_main_conf_t *omcf)
{
    if (omcf->write_task == NULL || omcf->write_busy) {
        return;
    }

    omcf->write_maintain = 1;
    (void) ngx_http_onestop_writer_post(omcf);
}


static void
ngx_http_onestop_writer_thread(void *data, ngx_log_t *log)
{
    ngx_http_onestop_writer_task_t  *wt = data;

    wt->rc = onestop_store_write(wt->omcf->store, wt->writes, wt->n);
}


static void
ngx_http_onestop_writer_done(ngx_event_t *ev)
{
    ngx_uint_t                       i;
    ngx_thread_task_t               *task;
    ngx_http_request_t              *r;
    ngx_http_onestop_main_conf_t    *omcf;
    ngx_http_onestop_write_ctx_t    *wc;
    ngx_http_onestop_writer_task_t  *wt;

    task = ev->data;
    wt = task->ctx;
    omcf = wt->omcf;
    omcf->write_busy = 0;

    if (wt->rc != ONESTOP_OK) {
        ngx_log_error((ngx_uint_t) (wt->rc == ONESTOP_FULL ? NGX_LOG_ERR
                                                           : NGX_LOG_ALERT),
                      ev->log, 0, "could not write to store \"%V\": %s",
                      &omcf->store_path,
                      wt->n ? wt->writes[0]->message : "");
    }

    /* the commit is visible: statistics first, then the answers */

    ngx_http_onestop_after_commit(omcf);

    for (i = 0; i < wt->n; i++) {
        wc = wt->reqs[i];
        r = wc->request;

        if (wc->write.status == 200) {
            ngx_http_onestop_zone_accepted(omcf, wc->write.accepted);
        }

        if (wc->write.status == 500) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "write to store \"%V\" failed: %s",
                          &omcf->store_path, wc->write.message);
        }

        ngx_http_finalize_request(r, ngx_http_onestop_write_answer(r, wc));
        ngx_http_run_posted_requests(r->connection);
    }

    wt->n = 0;

    if (!ngx_queue_empty(&omcf->write_queue)) {
        (void) ngx_http_onestop_writer_post(omcf);
    }

    if (!omcf->write_busy && omcf->write_guard.timer_set) {
        ngx_del_timer(&omcf->write_guard);
    }
}
