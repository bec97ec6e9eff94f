/*
 * The change feed through Redis (SPEC section 9): the publisher.
 *
 * One worker at a time -- the holder of a lease in the shared zone --
 * sends the rounds that engine/publisher.c makes of the store's outbox
 * (MULTI, up to 500 XADDs with explicit ids, EXEC) and hands Redis's
 * reply back to it, which says what was acknowledged; only that is handed
 * to the store to be trimmed from the outbox.
 *
 * Beside the stream, the figures of each agency whose dossiers changed,
 * of its ancestors and of the province are published (HSET of the
 * snapshot, PUBLISH), at most once per agency per interval.  They are
 * computed off the event loop (ngx_http_onestop_offloop.c), a pass at a
 * time, and sent when the pass is back.
 *
 * The commands are the engine's (onestop_feed.h); the connection, its
 * timeouts and retries are ngx_http_onestop_hiredis.c's.  Nothing here is
 * ever on a request's path: a write only posts an event.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_onestop.h"
#include "onestop_date.h"
#include "onestop_publisher.h"


#define NGX_HTTP_ONESTOP_REDIS_LEASE    3000     /* ms */
#define NGX_HTTP_ONESTOP_REDIS_TICK     250      /* ms, at most */
#define NGX_HTTP_ONESTOP_REDIS_DELAY    10       /* ms: commits share rounds */


/* the publisher's bytes of the shared zone (onestop_feed_share_t): they
 * outlive a reload, so the new workers take over where the old ones
 * stopped */
typedef char ngx_http_onestop_redis_sh_fits[
    sizeof(onestop_feed_share_t) <= NGX_HTTP_ONESTOP_REDIS_SHM ? 1 : -1];


struct ngx_http_onestop_publisher_s {
    ngx_http_onestop_main_conf_t   *omcf;
    ngx_http_onestop_redis_conf_t  *conf;
    ngx_log_t                      *log;
    onestop_feed_share_t           *sh;
    onestop_feed_share_t            local;      /* without onestop_zone */
    ngx_uint_t                      zoned;

    ngx_http_onestop_hiredis_t     *link;
    onestop_feed_t                  feed;       /* names, agencies due */
    onestop_resp_t                  hello;      /* the handshake */
    onestop_resp_t                  top;        /* the stream's last entry */
    onestop_publish_t               round;      /* the round in flight */

    ngx_event_t                     tick;       /* lease, retries, polling */
    ngx_event_t                     kick;       /* publish (soon) */

    unsigned                        leader:1;
    unsigned                        inflight:1; /* a round awaits EXEC */
    unsigned                        computing:1; /* figures off the loop */
    unsigned                        top_asked:1; /* the stream's end, at
                                                    each connection */
    unsigned                        ahead:2;    /* ONESTOP_TOP_AHEAD or
                                                   _DIVERGED: nothing goes
                                                   out, asked again each
                                                   second */
    ngx_msec_t                      top_at;
    const onestop_str_t            *ahead_stream; /* the one that said so */

    uint64_t                        acked;
    uint64_t                        store_seq;

    /* the figures: a pass off the event loop, its commands when back */
    ngx_thread_task_t              *task;
    onestop_feed_pass_t             pass;
    onestop_resp_t                  figures;
    long                            unread;
    onestop_day_t                   pass_today;  /* the pass's, read on
                                                    its thread */
    ngx_msec_t                      figures_at;  /* the last pass began */
    ngx_msec_t                      test_slow;   /* tests: a pass's delay */
};


static ngx_int_t ngx_http_onestop_redis_lease(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_release(ngx_http_onestop_publisher_t *pub);
static ngx_int_t ngx_http_onestop_redis_resume(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_tick(ngx_event_t *ev);
static void ngx_http_onestop_redis_kick(ngx_event_t *ev);
static void ngx_http_onestop_redis_hello(void *data, ngx_uint_t snapshot);
static void ngx_http_onestop_redis_ask_top(ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_gone(void *data);
static void ngx_http_onestop_redis_publish(ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_figures_due(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_figures(void *data, onestop_store_t *st);
static void ngx_http_onestop_redis_figures_done(void *data, ngx_int_t rc);
static void ngx_http_onestop_redis_on_queued(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_redis_on_exec(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_redis_on_figures(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_redis_on_top(redisAsyncContext *ac,
    void *reply, void *data);


/* onestop_redis HOST:PORT [prefix=] [db=] [password= | password_file=]
 * [maxlen=] [interval=] [log=] [log_maxlen=]; and onestop_follow
 * HOST:PORT [prefix=] [db=] [password= | password_file=] (cmd->post set) */

char *
ngx_http_onestop_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    u_char                         *p;
    char                            err[NGX_MAX_ERROR_STR];
    size_t                          len;
    ngx_int_t                       n;
    ngx_url_t                       u;
    ngx_str_t                      *value, s;
    ngx_uint_t                      i, j;
    onestop_str_t                  *av;
    ngx_http_onestop_redis_conf_t  *rc, **slot;

    slot = cmd->post != NULL ? &omcf->follow : &omcf->redis;

    if (*slot != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rc = ngx_pcalloc(cf->pool, sizeof(ngx_http_onestop_redis_conf_t));
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    rc->name = value[1];
    rc->follow = (cmd->post != NULL);
    onestop_feed_conf_default(&rc->feed);
    rc->interval = 200;

    for (i = 2; i < cf->args->nelts; i++) {

        /* prefix=, db=, password=, maxlen=: the engine's */

        n = onestop_feed_option(&rc->feed, (const char *) value[i].data,
                                value[i].len);

        if (n == 0 && (cmd->post == NULL
                       || (ngx_strncmp(value[i].data, "maxlen=", 7) != 0
                           && ngx_strncmp(value[i].data, "log", 3) != 0)))
        {
            continue;
        }

        if (n != 1 || cmd->post != NULL) {
            goto invalid;
        }

        if (ngx_strncmp(value[i].data, "interval=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            /* a bare number is milliseconds (nginx's own would be
             * seconds); "200ms" and "1s" work too */

            n = ngx_atoi(s.data, s.len);

            if (n == NGX_ERROR) {
                n = ngx_parse_time(&s, 0);
            }

            if (n == NGX_ERROR || n < 1) {
                goto invalid;
            }

            rc->interval = (ngx_msec_t) n;
            continue;
        }

        goto invalid;
    }

    /* read now, so that a reload reads it again */

    p = ngx_pnalloc(cf->pool, 1024);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    if (onestop_feed_password_read(&rc->feed, (char *) p, 1024, err,
                                   sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    /* resolved now: getaddrinfo() would block a worker */

    ngx_memzero(&u, sizeof(ngx_url_t));
    u.url = value[1];
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in Redis address \"%V\"", u.err, &u.url);
        }

        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "Redis host \"%V\" has no address", &u.host);
        return NGX_CONF_ERROR;
    }

    if (u.addrs[0].sockaddr->sa_family != AF_INET
#if (NGX_HAVE_INET6)
        && u.addrs[0].sockaddr->sa_family != AF_INET6
#endif
       )
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "onestop_redis needs HOST:PORT, not \"%V\"",
                           &u.url);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, p,
                        NGX_SOCKADDR_STRLEN, 0);
    p[len] = '\0';

    rc->host.data = p;
    rc->host.len = len;
    rc->port = ngx_inet_get_port(u.addrs[0].sockaddr);

    *slot = rc;

    return NGX_CONF_OK;

invalid:

    /* what to say is the engine's: never the password, nor a piece */

    av = ngx_palloc(cf->pool, cf->args->nelts * sizeof(onestop_str_t));
    if (av == NULL) {
        return NGX_CONF_ERROR;
    }

    for (j = 0; j < cf->args->nelts; j++) {
        av[j].data = (const char *) value[j].data;
        av[j].len = value[j].len;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s",
                       onestop_feed_refused(av, cf->args->nelts, i, err,
                                            sizeof(err)));
    return NGX_CONF_ERROR;
}


ngx_int_t
ngx_http_onestop_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    char                          *slow;
    onestop_feed_share_t          *sh;
    ngx_http_onestop_publisher_t  *pub;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    pub = ngx_pcalloc(cycle->pool, sizeof(ngx_http_onestop_publisher_t));
    if (pub == NULL) {
        return NGX_ERROR;
    }

    pub->omcf = omcf;
    pub->conf = omcf->redis;
    pub->log = cycle->log;

    /*
     * The zone's bytes choose one publisher among the workers (old and
     * new ones during a reload too).  Without onestop_zone there is no
     * shared memory: worker 0 publishes, and duplicates during a reload
     * are refused by Redis.
     */

    sh = ngx_http_onestop_zone_redis(omcf);

    if (sh != NULL) {
        pub->zoned = 1;
        onestop_feed_share_init(sh);

    } else {
        sh = &pub->local;
    }

    pub->sh = sh;

    pub->task = ngx_http_onestop_offloop_task(cycle->pool);

    /* log= is the store's (onestop_replica_configure) */

    pub->link = ngx_http_onestop_hiredis_create(cycle, pub->conf, sh,
                                                ngx_http_onestop_redis_hello,
                                                ngx_http_onestop_redis_gone,
                                                pub);

    if (pub->task == NULL || pub->link == NULL
        || onestop_publish_init(&pub->round, pub->conf->feed.log) != 0
        || onestop_feed_init(&pub->feed, &pub->conf->feed) != 0
        || onestop_feed_hello(&pub->feed, &pub->conf->feed, &pub->hello)
           != 0
        || onestop_feed_top(&pub->feed, &pub->top) != 0)
    {
        return NGX_ERROR;
    }

    pub->tick.handler = ngx_http_onestop_redis_tick;
    pub->tick.data = pub;
    pub->tick.log = cycle->log;
    pub->tick.cancelable = 1;

    pub->kick.handler = ngx_http_onestop_redis_kick;
    pub->kick.data = pub;
    pub->kick.log = cycle->log;
    pub->kick.cancelable = 1;

    /*
     * For the tests alone (t/redis_figures.t): each pass of the figures
     * takes this many milliseconds more, so that a test can see that the
     * worker answers requests meanwhile.  nginx passes the variable only
     * with "env ONESTOP_TEST_SLOW_FIGURES_MS=...;".
     */
    slow = getenv("ONESTOP_TEST_SLOW_FIGURES_MS");
    pub->test_slow = slow != NULL ? (ngx_msec_t) atoi(slow) : 0;

    wk->publisher = pub;

    ngx_add_timer(&pub->tick, 1);

    return NGX_OK;
}


void
ngx_http_onestop_redis_exit_process(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_publisher_t  *pub;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    pub = wk->publisher;

    if (pub == NULL) {
        return;
    }

    if (pub->kick.posted) {
        ngx_delete_posted_event(&pub->kick);
    }

    if (pub->kick.timer_set) {
        ngx_del_timer(&pub->kick);
    }

    if (pub->tick.timer_set) {
        ngx_del_timer(&pub->tick);
    }

    ngx_http_onestop_redis_release(pub);
    ngx_http_onestop_hiredis_drop(pub->link, NULL);

    /* nginx's thread pools are done by now: no pass is computing */

    onestop_feed_free(&pub->feed);
    onestop_feed_pass_free(&pub->pass);
    onestop_resp_free(&pub->hello);
    onestop_resp_free(&pub->top);
    onestop_publish_free(&pub->round);
    onestop_resp_free(&pub->figures);

    wk->publisher = NULL;
}


void
ngx_http_onestop_redis_wake(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_publisher_t  *pub;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    /*
     * On a write's way back: only a timer, never a wait.  The short delay
     * lets the commits that follow share the round; those that come
     * while a round is in flight are taken when it ends.
     */

    pub = wk->publisher;

    if (pub != NULL && pub->leader && !pub->inflight
        && ngx_http_onestop_hiredis_usable(pub->link)
        && !pub->kick.posted && !pub->kick.timer_set)
    {
        ngx_add_timer(&pub->kick, NGX_HTTP_ONESTOP_REDIS_DELAY);
    }
}


void
ngx_http_onestop_redis_metrics(ngx_http_onestop_main_conf_t *omcf,
    onestop_buf_t *b)
{
    ngx_http_onestop_publisher_t  *pub;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    pub = wk->publisher;

    if (omcf->redis != NULL && pub != NULL) {
        onestop_feed_metrics(pub->sh, omcf->sh != NULL
                                      ? ngx_http_onestop_zone_seq(omcf)
                                      : pub->store_seq, b);

        if (pub->round.entries != NULL) {
            onestop_replica_metrics(NULL, __atomic_load_n(&pub->sh->published,
                                                          __ATOMIC_ACQUIRE),
                                    b);
        }
    }

    ngx_http_onestop_follow_metrics(omcf, b);
}


/* the lease: one publisher among the workers */

static ngx_int_t
ngx_http_onestop_redis_lease(ngx_http_onestop_publisher_t *pub)
{
    if (!pub->zoned) {
        return ngx_worker == 0;
    }

    return onestop_feed_lease(pub->sh, (uint32_t) ngx_current_msec,
                              (uint32_t) ngx_pid,
                              NGX_HTTP_ONESTOP_REDIS_LEASE);
}


static void
ngx_http_onestop_redis_release(ngx_http_onestop_publisher_t *pub)
{
    if (!pub->leader) {
        return;
    }

    pub->leader = 0;
    __atomic_store_n(&pub->sh->connected, 0, __ATOMIC_RELEASE);

    if (pub->zoned) {
        onestop_feed_release(pub->sh, (uint32_t) ngx_pid);
    }
}


/* where Redis stopped: the store's record or the zone's */

static ngx_int_t
ngx_http_onestop_redis_resume(ngx_http_onestop_publisher_t *pub)
{
    uint64_t                    stored;
    onestop_store_t            *st;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    st = wk->store;

    if (ngx_http_onestop_read_begin(pub->omcf, st, wk->log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    stored = onestop_store_published(st);
    pub->store_seq = onestop_store_seq(st);
    onestop_store_read_end(st);

    pub->acked = onestop_feed_resume(pub->sh, stored, pub->store_seq);
    onestop_store_set_published(st, pub->acked);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, pub->log, 0,
                   "onestop redis: publishing from this worker after %uL "
                   "of %uL", pub->acked, pub->store_seq);

    return NGX_OK;
}


/* the timer: the lease, retries, changes written by others */

static void
ngx_http_onestop_redis_tick(ngx_event_t *ev)
{
    ngx_http_onestop_publisher_t  *pub = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        /* hand over at once: the new workers take the lease */
        ngx_http_onestop_redis_release(pub);
        ngx_http_onestop_hiredis_drop(pub->link, NULL);
        return;
    }

    if (ngx_http_onestop_redis_lease(pub)) {

        if (!pub->leader) {
            pub->leader = 1;

            if (ngx_http_onestop_redis_resume(pub) != NGX_OK) {
                ngx_http_onestop_redis_release(pub);
            }
        }

    } else if (pub->leader) {
        /* another worker took over (this one was too slow to renew) */
        ngx_log_error(NGX_LOG_INFO, pub->log, 0,
                      "onestop_redis: another worker publishes now");
        pub->leader = 0;
        ngx_http_onestop_hiredis_drop(pub->link, NULL);
    }

    if (pub->leader) {
        /* each does nothing unless it is time */
        ngx_http_onestop_hiredis_connect(pub->link, &pub->hello);
        ngx_http_onestop_redis_publish(pub);
    }

    ngx_add_timer(ev, ngx_min(pub->conf->interval,
                              NGX_HTTP_ONESTOP_REDIS_TICK));
}


static void
ngx_http_onestop_redis_kick(ngx_event_t *ev)
{
    ngx_http_onestop_redis_publish(ev->data);
}


/* the handshake is answered: publish */

static void
ngx_http_onestop_redis_hello(void *data, ngx_uint_t snapshot)
{
    ngx_http_onestop_publisher_t  *pub = data;

    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    /* the store's sequence now, for the log's "up to A of S": the last
     * round's is that of before an outage, when no round runs */

    if (ngx_http_onestop_read_begin(pub->omcf, wk->store, wk->log)
        == NGX_OK)
    {
        pub->store_seq = onestop_store_seq(wk->store);
        onestop_store_read_end(wk->store);
    }

    if (!snapshot) {
        /* a Redis without our snapshot: every agency's figures again */
        pub->feed.all = 1;
    }

    /* a Redis back from an older snapshot has the hash too, as old as
     * its stream: asked before the next round, whose entries would
     * hide it */

    ngx_http_onestop_redis_ask_top(pub);
    ngx_http_onestop_hiredis_up(pub->link, pub->acked, pub->store_seq);
}


/* the stream's last entry asked: no round until it is answered */

static void
ngx_http_onestop_redis_ask_top(ngx_http_onestop_publisher_t *pub)
{
    size_t       i, len;
    const char  *cmd;

    pub->top_asked = 1;
    pub->top_at = ngx_current_msec;

    /* MULTI, the streams' last entries, EXEC: one answer */

    for (i = 0; i < pub->top.n; i++) {
        cmd = onestop_resp_cmd(&pub->top, i, &len);

        if (ngx_http_onestop_hiredis_send(pub->link,
                                          i + 1 < pub->top.n
                                          ? ngx_http_onestop_redis_on_queued
                                          : ngx_http_onestop_redis_on_top,
                                          pub, cmd, len)
            != NGX_OK)
        {
            ngx_http_onestop_hiredis_drop(pub->link, "could not send");
            return;
        }
    }
}


/* the connection is over (its replies came back empty) */

static void
ngx_http_onestop_redis_gone(void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;

    pub->inflight = 0;

    if (ngx_exiting) {
        /* worker_shutdown_timeout: the new workers take the lease */
        ngx_http_onestop_redis_release(pub);
    }
}


/* a round: MULTI, the next changes as XADDs, EXEC */

static void
ngx_http_onestop_redis_publish(ngx_http_onestop_publisher_t *pub)
{
    int                         rc;
    size_t                      i, len;
    uint64_t                    seq, stored;
    const char                 *cmd;
    onestop_resp_t             *round;
    onestop_store_t            *st;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (!pub->leader || pub->inflight
        || !ngx_http_onestop_hiredis_usable(pub->link))
    {
        return;
    }

    if (pub->top_asked) {
        return;                               /* no round before its answer */
    }

    if (pub->ahead) {
        if (ngx_current_msec - pub->top_at >= 1000) {
            ngx_http_onestop_redis_ask_top(pub);
        }

        return;
    }

    st = wk->store;

    if (ngx_http_onestop_read_begin(pub->omcf, st, wk->log)
        != NGX_OK)
    {
        return;
    }

    seq = onestop_store_seq(st);
    pub->store_seq = seq;

    /* what another nginx on this store recorded as in Redis (the other
     * generation of a binary upgrade, whose zone and publisher are its
     * own): Redis has it, and its writes may have trimmed it from the
     * outbox already, which is no gap */

    stored = onestop_store_published(st);

    if (stored > pub->acked && stored <= seq) {
        pub->acked = stored;
        onestop_feed_published(pub->sh, stored, 0);
    }

    onestop_publish_today(&pub->round, &pub->feed,
                          onestop_today(onestop_store_offset(st)));

    if (seq <= pub->acked) {
        onestop_store_read_end(st);
        ngx_http_onestop_redis_figures_due(pub);
        return;
    }

    rc = onestop_publish_round(&pub->round, &pub->feed, st, pub->acked, seq);
    onestop_store_read_end(st);
    round = &pub->round.cmds;

    if (rc == -1) {
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: could not read the outbox of store "
                      "\"%V\"", &pub->omcf->store_path);
        return;
    }

    if (pub->round.gap) {
        ngx_log_error(NGX_LOG_WARN, pub->log, 0,
                      "onestop_redis: changes %uL to %uL were dropped from "
                      "the outbox (onestop_outbox_max) before Redis had "
                      "them; a \"gap\" entry stands in their place",
                      pub->acked + 1, round->tag[1]);
    }

    for (i = 0; rc == 0 && i < round->n; i++) {
        cmd = onestop_resp_cmd(round, i, &len);
        rc = ngx_http_onestop_hiredis_send(pub->link,
                                           i + 1 < round->n
                                           ? ngx_http_onestop_redis_on_queued
                                           : ngx_http_onestop_redis_on_exec,
                                           pub, cmd, len);
    }

    if (rc != 0) {
        /* half a transaction may be sent: only a new connection is clean */
        ngx_http_onestop_hiredis_drop(pub->link, "could not send");
        return;
    }

    pub->inflight = 1;

    ngx_http_onestop_redis_figures_due(pub);
}


/* a pass over the agencies due, at most once per interval, off the
 * event loop; waiting for a reader, or with the queue full at the next */

static void
ngx_http_onestop_redis_figures_due(ngx_http_onestop_publisher_t *pub)
{
    if (pub->computing
        || (!pub->feed.any && !pub->feed.all)
        || (pub->figures_at != 0
            && ngx_current_msec - pub->figures_at < pub->conf->interval)
        || onestop_feed_take(&pub->feed, &pub->pass) != 1)
    {
        return;
    }

    onestop_resp_clear(&pub->figures);
    pub->pass_today = pub->round.today;

    if (ngx_http_onestop_offloop_post(pub->omcf, pub->task,
                                      ngx_http_onestop_redis_figures,
                                      ngx_http_onestop_redis_figures_done,
                                      pub, pub->log)
        != NGX_OK)
    {
        onestop_feed_again(&pub->feed, &pub->pass);
        return;
    }

    pub->computing = 1;
    pub->figures_at = ngx_current_msec;
}


/* on a thread of the pool: it touches the pass, its commands and the
 * feed's names only */

static void
ngx_http_onestop_redis_figures(void *data, onestop_store_t *st)
{
    ngx_http_onestop_publisher_t  *pub = data;

    pub->unread = onestop_feed_figures(&pub->feed, &pub->pass, st,
                                       pub->pass_today, &pub->figures);

    if (pub->test_slow) {
        ngx_msleep(pub->test_slow);
    }
}


/* back on the event loop: the figures to Redis, the snapshot first */

static void
ngx_http_onestop_redis_figures_done(void *data, ngx_int_t rc)
{
    ngx_http_onestop_publisher_t  *pub = data;

    size_t       i, len;
    const char  *cmd;

    pub->computing = 0;

    if (rc != NGX_OK || pub->unread < 0) {
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: could not compute the figures from "
                      "store \"%V\"", &pub->omcf->store_path);
        onestop_feed_again(&pub->feed, &pub->pass);
        return;
    }

    if (pub->unread > 0) {
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: could not read the figures of %l "
                      "agencies from store \"%V\"", pub->unread,
                      &pub->omcf->store_path);
    }

    for (i = 0; i < pub->figures.n; i++) {
        cmd = onestop_resp_cmd(&pub->figures, i, &len);

        if (!pub->leader
            || !ngx_http_onestop_hiredis_usable(pub->link)
            || ngx_http_onestop_hiredis_send(pub->link,
                   ngx_http_onestop_redis_on_figures,
                   (void *) (uintptr_t) pub->figures.tag[i], cmd, len)
               != NGX_OK)
        {
            /* not delivered: again in the next pass */
            onestop_feed_again_one(&pub->feed, pub->figures.tag[i]);
        }
    }
}


/* replies */

static void
ngx_http_onestop_redis_on_queued(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;

    ngx_http_onestop_hiredis_answered(pub->link, reply);
}


static void
ngx_http_onestop_redis_on_exec(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    onestop_publish_ack_t  a;

    ngx_http_onestop_hiredis_answered(pub->link, NULL);
    pub->inflight = 0;

    if (reply == NULL) {
        /* no answer: nothing of the round counts as acknowledged */
        return;
    }

    onestop_publish_ack(&pub->round, reply, pub->acked, &a);

    if (a.error != NULL) {
        ngx_http_onestop_hiredis_error(pub->link, (void *) a.error);
    }

    if (a.later) {
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: Redis stored changes after one it "
                      "refused (after %uL): the stream may miss entries",
                      a.acked);
    }

    if (a.acked > pub->acked) {
        /* Redis has everything up to acked: the zone, then the store,
         * whose writer trims the outbox in its next commit */
        pub->acked = a.acked;
        onestop_feed_published(pub->sh, a.acked, a.changes);
        onestop_store_set_published(wk->store, a.acked);
    }

    if (!a.ok) {
        ngx_http_onestop_hiredis_refused(pub->link);
        return;
    }

    ngx_http_onestop_hiredis_up(pub->link, pub->acked, pub->store_seq);

    /* catching up: the next round at once; else what was committed
     * meanwhile, shortly */

    if (a.more) {
        if (pub->kick.timer_set) {
            ngx_del_timer(&pub->kick);
        }

        if (!pub->kick.posted) {
            ngx_post_event(&pub->kick, &ngx_posted_events);
        }

    } else if (!pub->kick.timer_set && !pub->kick.posted) {
        ngx_add_timer(&pub->kick, NGX_HTTP_ONESTOP_REDIS_DELAY);
    }
}


static void
ngx_http_onestop_redis_on_figures(redisAsyncContext *ac, void *reply,
    void *data)
{
    redisReply                    *r = reply;
    ngx_http_onestop_publisher_t  *pub = ac->data;

    ngx_http_onestop_hiredis_answered(pub->link, NULL);

    if (r != NULL && r->type != REDIS_REPLY_ERROR) {
        return;
    }

    /* not delivered: again in the next pass */

    onestop_feed_again_one(&pub->feed, (uintptr_t) data);

    if (r != NULL) {
        ngx_http_onestop_hiredis_error(pub->link, r);
        ngx_http_onestop_hiredis_refused(pub->link);
    }
}


static void
ngx_http_onestop_redis_on_top(redisAsyncContext *ac, void *reply, void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    int                   top;
    char                  msg[1024];
    uint64_t              seq;
    const onestop_str_t  *stream;

    ngx_http_onestop_hiredis_answered(pub->link, NULL);

    if (reply == NULL) {
        return;                     /* gone: asked again at the next hello */
    }

    if (ngx_http_onestop_read_begin(pub->omcf, wk->store, wk->log) != NGX_OK)
    {
        /* asked again on the next connection */
        ngx_http_onestop_hiredis_drop(pub->link, "could not read the store");
        return;
    }

    seq = onestop_store_seq(wk->store);
    pub->top_asked = 0;

    top = onestop_publish_top(reply, &pub->feed, wk->store, pub->acked, seq,
                              (char *) pub->omcf->store_path.data,
                              pub->omcf->store_path.len, msg, sizeof(msg),
                              &stream);
    onestop_store_read_end(wk->store);

    if (top == ONESTOP_TOP_AHEAD || top == ONESTOP_TOP_DIVERGED) {
        if (pub->ahead != top) {
            ngx_log_error(NGX_LOG_ERR, pub->log, 0, "%s", msg);
        }

        pub->ahead = top;               /* nothing published: see msg */
        pub->ahead_stream = stream;
        return;
    }

    if (top == ONESTOP_TOP_LOST) {
        /* Redis lost changes it had acknowledged, and the figures with
         * them: every agency's again */
        pub->feed.all = 1;
    }

    if (pub->ahead) {
        ngx_log_error(NGX_LOG_NOTICE, pub->log, 0,
                      "onestop_redis: \"%*s\" no longer %s the store: "
                      "publishing", pub->ahead_stream->len,
                      pub->ahead_stream->data,
                      pub->ahead == ONESTOP_TOP_AHEAD
                      ? "ends beyond" : "holds other changes than");
    }

    pub->ahead = 0;
    ngx_post_event(&pub->kick, &ngx_posted_events);
}
