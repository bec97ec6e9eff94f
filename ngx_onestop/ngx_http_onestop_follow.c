/*
 * A read node (issue 14): onestop_follow HOST:PORT makes this nginx a
 * follower of the primary that publishes its log under the prefix.
 *
 * One worker at a time -- the holder of a lease in the zone, as for the
 * publisher -- reads {prefix}:log past the store's sequence with XREAD
 * BLOCK on a connection of its own (ngx_http_onestop_hiredis.c: the
 * handshake, timeouts, backoff), copies the entries out of the reply
 * (onestop_replica_parse_xread) and hands them to the writer's thread,
 * which applies them in one transaction (onestop_replica_apply); the
 * after-commit path then refreshes the zone, and the next read goes out.
 * A missing entry (the log trimmed past the store) or a digest that does
 * not follow stops the reading, loudly; the node keeps serving.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_onestop.h"


#define NGX_HTTP_ONESTOP_FOLLOW_COUNT   2000    /* entries per read */
#define NGX_HTTP_ONESTOP_FOLLOW_BLOCK   1000    /* ms, under the reply
                                                   timeout (2 s) */
#define NGX_HTTP_ONESTOP_FOLLOW_LEASE   3000    /* ms */
#define NGX_HTTP_ONESTOP_FOLLOW_TICK    250     /* ms */
#define NGX_HTTP_ONESTOP_FOLLOW_SHM     256     /* after the publisher's */
#define NGX_HTTP_ONESTOP_FOLLOW_RETRY   1000    /* ms: after a batch not
                                                   applied, doubled up to */
#define NGX_HTTP_ONESTOP_FOLLOW_RETRIES 60000   /* ms */
#define NGX_HTTP_ONESTOP_FOLLOW_WHOLE   5000    /* ms: a commit's end not in
                                                   the log by then (its
                                                   primary gone while it
                                                   published): what is */


typedef struct {
    onestop_feed_share_t        link;           /* lease, connection */
    onestop_follow_share_t      follow;
} ngx_http_onestop_follow_sh_t;

typedef char ngx_http_onestop_follow_sh_fits[
    NGX_HTTP_ONESTOP_FOLLOW_SHM + sizeof(ngx_http_onestop_follow_sh_t)
    <= NGX_HTTP_ONESTOP_REDIS_SHM ? 1 : -1];


struct ngx_http_onestop_follower_s {
    ngx_http_onestop_main_conf_t   *omcf;
    ngx_log_t                      *log;
    ngx_http_onestop_follow_sh_t   *sh;
    ngx_http_onestop_follow_sh_t    local;      /* without onestop_zone */
    ngx_uint_t                      zoned;

    ngx_http_onestop_hiredis_t     *link;
    onestop_resp_t                  hello;
    onestop_resp_t                  cmd;
    onestop_resp_t                  top;        /* the log's last entry */
    onestop_replica_batch_t         batch;
    onestop_replica_result_t        res;
    int                             rc;

    ngx_event_t                     tick;
    ngx_event_t                     kick;

    unsigned                        leader:1;
    unsigned                        reading:1;  /* an XREAD is out */
    unsigned                        applying:1; /* a batch is with the
                                                   writer */
    unsigned                        stopped:1;  /* behind, diverged */
    unsigned                        held:1;     /* part of a commit read */

    uint64_t                        seq;        /* the store's */
    ngx_msec_t                      held_at;
    ngx_msec_t                      retry;      /* 0: the last applied */
    ngx_msec_t                      retry_at;
};


static void ngx_http_onestop_follow_tick(ngx_event_t *ev);
static void ngx_http_onestop_follow_read(ngx_event_t *ev);
static void ngx_http_onestop_follow_hello(void *data, ngx_uint_t snapshot);
static void ngx_http_onestop_follow_gone(void *data);
static void ngx_http_onestop_follow_on_read(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_follow_on_top(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_follow_say(ngx_http_onestop_follower_t *fl,
    int state, const char *msg);
static int ngx_http_onestop_follow_apply(void *data);
static void ngx_http_onestop_follow_applied(void *data);


ngx_int_t
ngx_http_onestop_follow_init_process(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    u_char                       *sh;
    onestop_feed_t                feed;
    onestop_feed_conf_t          *fc;
    ngx_http_onestop_follower_t  *fl;
    ngx_http_onestop_worker_t    *wk = ngx_http_onestop_worker;

    fl = ngx_pcalloc(cycle->pool, sizeof(ngx_http_onestop_follower_t));
    if (fl == NULL) {
        return NGX_ERROR;
    }

    fl->omcf = omcf;
    fl->log = cycle->log;
    fc = &omcf->follow->feed;

    /* the store is a follower's (onestop_replica_configure): it takes no
     * write but the primary's log's */

    sh = ngx_http_onestop_zone_redis(omcf);

    if (sh != NULL) {
        fl->zoned = 1;
        fl->sh = (ngx_http_onestop_follow_sh_t *)
                     (sh + NGX_HTTP_ONESTOP_FOLLOW_SHM);
        onestop_feed_share_init(&fl->sh->link);

    } else {
        fl->sh = &fl->local;
    }

    if (onestop_feed_init(&feed, fc) != 0
        || onestop_feed_hello(&feed, fc, &fl->hello) != 0
        || onestop_feed_log_top(fc, &fl->top) != 0)
    {
        onestop_feed_free(&feed);
        return NGX_ERROR;
    }

    onestop_feed_free(&feed);

    fl->link = ngx_http_onestop_hiredis_create(cycle, omcf->follow,
                                               &fl->sh->link,
                                               ngx_http_onestop_follow_hello,
                                               ngx_http_onestop_follow_gone,
                                               fl);
    if (fl->link == NULL) {
        return NGX_ERROR;
    }

    fl->tick.handler = ngx_http_onestop_follow_tick;
    fl->tick.data = fl;
    fl->tick.log = cycle->log;
    fl->tick.cancelable = 1;

    fl->kick.handler = ngx_http_onestop_follow_read;
    fl->kick.data = fl;
    fl->kick.log = cycle->log;
    fl->kick.cancelable = 1;

    wk->follower = fl;
    ngx_add_timer(&fl->tick, 1);

    return NGX_OK;
}


void
ngx_http_onestop_follow_exit_process(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_follower_t  *fl;
    ngx_http_onestop_worker_t    *wk = ngx_http_onestop_worker;

    fl = wk->follower;

    if (fl == NULL) {
        return;
    }

    if (fl->kick.posted) {
        ngx_delete_posted_event(&fl->kick);
    }

    if (fl->tick.timer_set) {
        ngx_del_timer(&fl->tick);
    }

    if (fl->leader && fl->zoned) {
        onestop_feed_release(&fl->sh->link, (uint32_t) ngx_pid);
    }

    ngx_http_onestop_hiredis_drop(fl->link, NULL);

    /* nginx's thread pools are done by now: no batch is applying */

    onestop_resp_free(&fl->hello);
    onestop_resp_free(&fl->cmd);
    onestop_resp_free(&fl->top);
    onestop_replica_batch_free(&fl->batch);

    wk->follower = NULL;
}


void
ngx_http_onestop_follow_metrics(ngx_http_onestop_main_conf_t *omcf,
    onestop_buf_t *b)
{
    ngx_http_onestop_follower_t  *fl;
    ngx_http_onestop_worker_t    *wk = ngx_http_onestop_worker;

    fl = wk->follower;

    if (fl != NULL) {
        onestop_replica_metrics(&fl->sh->follow,
                                __atomic_load_n(&fl->sh->follow.log_seq,
                                                __ATOMIC_ACQUIRE), b);
    }
}


/* the lease, the connection, a read when none is out */

static void
ngx_http_onestop_follow_tick(ngx_event_t *ev)
{
    ngx_http_onestop_follower_t  *fl = ev->data;
    ngx_http_onestop_worker_t    *wk = ngx_http_onestop_worker;

    ngx_uint_t  lease;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        if (fl->leader && fl->zoned) {
            onestop_feed_release(&fl->sh->link, (uint32_t) ngx_pid);
        }

        fl->leader = 0;
        ngx_http_onestop_hiredis_drop(fl->link, NULL);
        return;
    }

    lease = fl->zoned ? onestop_feed_lease(&fl->sh->link,
                                           (uint32_t) ngx_current_msec,
                                           (uint32_t) ngx_pid,
                                           NGX_HTTP_ONESTOP_FOLLOW_LEASE)
                      : ngx_worker == 0;

    if (lease && !fl->leader) {

        /* where the store is: the log's next entry */

        if (ngx_http_onestop_read_begin(fl->omcf, wk->store, wk->log)
            == NGX_OK)
        {
            fl->seq = onestop_store_seq(wk->store);
            onestop_store_read_end(wk->store);
            fl->leader = 1;
            fl->held = 0;
            __atomic_store_n(&fl->sh->follow.applied, fl->seq,
                             __ATOMIC_RELEASE);
        }

    } else if (!lease && fl->leader) {
        fl->leader = 0;
        ngx_http_onestop_hiredis_drop(fl->link, NULL);
    }

    if (fl->leader && !fl->stopped) {
        ngx_http_onestop_hiredis_connect(fl->link, &fl->hello);
        ngx_http_onestop_follow_read(&fl->kick);
    }

    ngx_add_timer(ev, NGX_HTTP_ONESTOP_FOLLOW_TICK);
}


static void
ngx_http_onestop_follow_hello(void *data, ngx_uint_t snapshot)
{
    ngx_http_onestop_follower_t  *fl = data;

    ngx_http_onestop_hiredis_up(fl->link, fl->seq, fl->seq);

    if (!fl->kick.posted) {
        ngx_post_event(&fl->kick, &ngx_posted_events);
    }
}


static void
ngx_http_onestop_follow_gone(void *data)
{
    ngx_http_onestop_follower_t  *fl = data;

    fl->reading = 0;
}


/* XREAD past the store's sequence */

static void
ngx_http_onestop_follow_read(ngx_event_t *ev)
{
    size_t                        len;
    const char                   *cmd;
    ngx_http_onestop_follower_t  *fl = ev->data;

    if (!fl->leader || fl->reading || fl->applying || fl->stopped
        || !ngx_http_onestop_hiredis_usable(fl->link))
    {
        return;
    }

    /* a batch the store could not take (no room in the map, a read
     * error) is read again only after a while: a full store takes
     * nothing until map_size is raised and nginx reloaded, and reading
     * 2,000 entries four times a second for nothing costs Redis, the
     * network and the writer's thread */

    if (fl->retry && (ngx_msec_int_t) (fl->retry_at - ngx_current_msec) > 0)
    {
        return;
    }

    onestop_resp_clear(&fl->cmd);

    if (onestop_feed_xread(&fl->omcf->follow->feed, &fl->cmd, fl->seq,
                           NGX_HTTP_ONESTOP_FOLLOW_COUNT,
                           NGX_HTTP_ONESTOP_FOLLOW_BLOCK)
        != 0)
    {
        return;
    }

    cmd = onestop_resp_cmd(&fl->cmd, 0, &len);

    if (ngx_http_onestop_hiredis_send(fl->link,
                                      ngx_http_onestop_follow_on_read, fl,
                                      cmd, len)
        != NGX_OK)
    {
        ngx_http_onestop_hiredis_drop(fl->link, "could not send");
        return;
    }

    fl->reading = 1;
}


static void
ngx_http_onestop_follow_on_read(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_follower_t  *fl = data;

    long         n;
    size_t       len;
    const char  *cmd;
    redisReply  *r = reply;

    ngx_http_onestop_hiredis_answered(fl->link, NULL);
    fl->reading = 0;

    if (r == NULL) {
        return;
    }

    n = onestop_replica_parse_xread(&fl->batch, r);

    if (n < 0) {
        ngx_http_onestop_hiredis_error(fl->link, r);
        ngx_http_onestop_hiredis_refused(fl->link);
        return;
    }

    if (n == 0) {
        /* nothing new for a second: caught up, unless the log ends
         * below the store (its primary restored): its last entry asked */
        __atomic_store_n(&fl->sh->follow.lag_ms, 0, __ATOMIC_RELEASE);

        cmd = onestop_resp_cmd(&fl->top, 0, &len);

        if (ngx_http_onestop_hiredis_send(fl->link,
                                          ngx_http_onestop_follow_on_top,
                                          fl, cmd, len)
            != NGX_OK)
        {
            ngx_http_onestop_hiredis_drop(fl->link, "could not send");
            return;
        }

        fl->reading = 1;
        return;
    }

    __atomic_store_n(&fl->sh->follow.log_seq, fl->batch.last,
                     __ATOMIC_RELEASE);

    /* a primary's commit whole or not at all: what the read holds of a
     * commit whose end is not in the log yet waits, read again at the
     * next tick with what follows; taken as it is when the read could
     * hold no more, or when the end has not come for a while (a primary
     * gone while it published: the failover takes what the log has) */

    fl->batch.n = onestop_replica_whole(fl->batch.e, fl->batch.n,
                      n >= NGX_HTTP_ONESTOP_FOLLOW_COUNT
                      || (fl->held && ngx_current_msec - fl->held_at
                                      >= NGX_HTTP_ONESTOP_FOLLOW_WHOLE));

    if (fl->batch.n == 0) {
        if (!fl->held) {
            fl->held = 1;
            fl->held_at = ngx_current_msec;
        }

        return;
    }

    fl->held = 0;

    fl->applying = 1;
    fl->rc = ONESTOP_ERROR;
    ngx_http_onestop_writer_apply(fl->omcf, ngx_http_onestop_follow_apply,
                                  ngx_http_onestop_follow_applied, fl);
}


/* on the writer's thread */

static int
ngx_http_onestop_follow_apply(void *data)
{
    ngx_http_onestop_follower_t  *fl = data;
    ngx_http_onestop_worker_t    *wk = ngx_http_onestop_worker;

    fl->rc = onestop_replica_apply(wk->store, fl->batch.e, fl->batch.n,
                                   &fl->res);

    return fl->rc == ONESTOP_FULL || fl->rc == ONESTOP_ERROR ? fl->rc
                                                            : ONESTOP_OK;
}


/* back on the event loop, the zone caught up */

static void
ngx_http_onestop_follow_applied(void *data)
{
    ngx_http_onestop_follower_t  *fl = data;

    int   state;
    char  msg[512];

    fl->applying = 0;
    state = onestop_follow_done(&fl->sh->follow, fl->rc, &fl->res,
                                (int64_t) ngx_time() * 1000
                                + (int64_t) ngx_timeofday()->msec,
                                msg, sizeof(msg));

    if (state == 0) {
        fl->retry = 0;
        fl->seq = fl->res.seq;
        ngx_post_event(&fl->kick, &ngx_posted_events);
        return;
    }

    /* nothing written: again after a pause, which doubles while the store
     * takes nothing; else stopped, serving */

    if (state < 0) {
        fl->retry = fl->retry == 0 ? NGX_HTTP_ONESTOP_FOLLOW_RETRY
                    : ngx_min(fl->retry * 2, NGX_HTTP_ONESTOP_FOLLOW_RETRIES);
        fl->retry_at = ngx_current_msec + fl->retry;
    }

    if (state > 0) {
        fl->seq = fl->res.seq;
    }

    ngx_http_onestop_follow_say(fl, state, msg);
}


/* the log's last entry, when a read found nothing */

static void
ngx_http_onestop_follow_on_top(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_follower_t  *fl = data;
    ngx_http_onestop_worker_t    *wk = ngx_http_onestop_worker;

    int   rc, state;
    char  msg[512];

    ngx_http_onestop_hiredis_answered(fl->link, NULL);
    fl->reading = 0;

    if (reply == NULL || !fl->leader || fl->stopped) {
        return;
    }

    if (ngx_http_onestop_read_begin(fl->omcf, wk->store, wk->log) != NGX_OK)
    {
        return;                         /* asked again after the next read */
    }

    rc = onestop_replica_top(wk->store, reply, &fl->res);
    onestop_store_read_end(wk->store);

    if (rc == ONESTOP_OK) {
        ngx_post_event(&fl->kick, &ngx_posted_events);
        return;
    }

    state = onestop_follow_done(&fl->sh->follow, rc, &fl->res,
                                (int64_t) ngx_time() * 1000
                                + (int64_t) ngx_timeofday()->msec,
                                msg, sizeof(msg));

    ngx_http_onestop_follow_say(fl, state, msg);
}


/* stopped (behind, diverged: it keeps serving) or not, and the log */

static void
ngx_http_onestop_follow_say(ngx_http_onestop_follower_t *fl, int state,
    const char *msg)
{
    ngx_uint_t  level;

    if (state > 0) {
        fl->stopped = 1;
        ngx_http_onestop_hiredis_drop(fl->link, NULL);
    }

    if (msg[0] == '\0') {
        return;                          /* said less than a minute ago */
    }

    level = state < 0 ? NGX_LOG_ERR
            : state == ONESTOP_FOLLOW_BEHIND ? NGX_LOG_CRIT : NGX_LOG_ALERT;

    ngx_log_error(level, fl->log, 0, "onestop_follow: store \"%V\": %s",
                  &fl->omcf->store_path, msg);
}
