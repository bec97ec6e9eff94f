/*
 * The change feed through Redis (SPEC section 9).
 *
 * One worker at a time -- the holder of a lease in the shared zone --
 * reads the store's outbox past the sequence Redis last acknowledged and
 * sends it in rounds: MULTI, up to 500 XADDs with the explicit ids
 * {seq}-0, EXEC.  The explicit ids are the one idea that makes the feed
 * exact: a replay after a crash, a reload or a lost reply is refused by
 * Redis as a duplicate, which counts as acknowledged, so nothing is lost
 * and nothing is doubled; MULTI makes a refusal (LOADING, OOM, NOAUTH)
 * refuse the whole round, so no entry is ever skipped.  Only what Redis
 * acknowledged is handed to the store to be trimmed from the outbox.
 *
 * Beside the stream, the figures of each agency whose dossiers changed,
 * of its ancestors and of the province are published (HSET of the
 * snapshot, PUBLISH), at most once per agency per interval.  They are
 * computed on the event loop one agency at a time, a few milliseconds'
 * worth per turn, so that requests keep their turn in between, and they
 * take at most a twentieth of the worker's time: after a pass that cost C,
 * the next one waits 19 C at least (under heavy writes the figures come
 * less often, never more often than the interval).
 *
 * hiredis 0.14 drives the connection through our own adapter on nginx's
 * events: hiredis owns the socket and closes it, nginx only watches it
 * (level-triggered, since hiredis reads at most 16 KiB per call).  hiredis
 * has no timers: the connect and command timeouts are nginx timers.
 * Nothing here is ever on a request's path: a write only posts an event.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_onestop.h"
#include "onestop_date.h"
#include "onestop_schema.h"


#define NGX_HTTP_ONESTOP_REDIS_MAGIC    0x6f6e6573746f7201ULL
#define NGX_HTTP_ONESTOP_REDIS_ROUND    500      /* XADDs per round */
#define NGX_HTTP_ONESTOP_REDIS_TIMEOUT  2000     /* connect, replies: ms */
#define NGX_HTTP_ONESTOP_REDIS_LEASE    3000     /* ms */
#define NGX_HTTP_ONESTOP_REDIS_TICK     250      /* ms, at most */
#define NGX_HTTP_ONESTOP_REDIS_DELAY    10       /* ms: commits share rounds */
#define NGX_HTTP_ONESTOP_REDIS_BACKOFF  100      /* ms, first retry */
#define NGX_HTTP_ONESTOP_REDIS_BACKOFF_MAX  5000
#define NGX_HTTP_ONESTOP_REDIS_BUDGET   3000     /* us of figures a turn */
#define NGX_HTTP_ONESTOP_REDIS_SHARE    19       /* idle per busy, figures */
#define NGX_HTTP_ONESTOP_REDIS_ERRLEN   120

/* what the log last said, so it says each state once */
#define NGX_HTTP_ONESTOP_REDIS_NONE      0
#define NGX_HTTP_ONESTOP_REDIS_UP        1
#define NGX_HTTP_ONESTOP_REDIS_DOWN      2
#define NGX_HTTP_ONESTOP_REDIS_REFUSING  3


/*
 * The publisher's bytes of the shared zone: they outlive a reload, so
 * the new workers take over where the old ones stopped.  Written with
 * atomics; every field is 64 bits on every platform.
 */
typedef struct {
    uint64_t                        magic;
    uint64_t                        lease;      /* expiry (ms, low 32 bits
                                                   of the monotonic clock)
                                                   << 32 | pid; 0: free */
    uint64_t                        published;  /* Redis has 1..published */
    uint64_t                        connected;
    uint64_t                        changes;    /* acknowledged, counter */
    uint64_t                        failures;
} ngx_http_onestop_redis_sh_t;

typedef char ngx_http_onestop_redis_sh_fits[
    sizeof(ngx_http_onestop_redis_sh_t) <= NGX_HTTP_ONESTOP_REDIS_SHM
    ? 1 : -1];


struct ngx_http_onestop_publisher_s {
    ngx_http_onestop_main_conf_t   *omcf;
    ngx_http_onestop_redis_conf_t  *conf;
    ngx_log_t                      *log;
    ngx_http_onestop_redis_sh_t    *sh;
    ngx_http_onestop_redis_sh_t     local;      /* without onestop_zone */
    ngx_uint_t                      zoned;

    ngx_str_t                       stream;     /* {prefix}:changes */
    ngx_str_t                       live;       /* {prefix}:stats:live */
    ngx_str_t                       channel;    /* {prefix}:stats */
    ngx_str_t                       maxlen;
    u_char                         *chan;       /* {prefix}:stats:{agency} */
    size_t                          chan_cap;
    u_char                         *cmd;        /* a command in RESP */
    size_t                          cmd_cap;

    redisAsyncContext              *ac;
    ngx_connection_t               *conn;

    ngx_event_t                     tick;       /* lease, retries, polling */
    ngx_event_t                     kick;       /* publish (soon) */
    ngx_event_t                     timeout;    /* connect and replies */
    ngx_event_t                     figures;    /* the next agencies */

    unsigned                        leader:1;
    unsigned                        ready:1;    /* handshake answered */
    unsigned                        closing:1;  /* we drop it on purpose */
    unsigned                        inflight:1; /* a round awaits EXEC */
    unsigned                        dirty_all:1;

    ngx_uint_t                      state;
    ngx_uint_t                      pending;    /* replies outstanding */
    ngx_msec_t                      backoff;
    ngx_msec_t                      retry_at;
    ngx_uint_t                      waiting;    /* retry_at is set */

    uint64_t                        acked;
    uint64_t                        store_seq;

    /* the round in flight */
    onestop_change_t               *changes;
    uint64_t                       *round_seq;
    ngx_uint_t                      round_n;
    ngx_uint_t                      round_gap;  /* entry 0 is a gap */
    u_char                          error[NGX_HTTP_ONESTOP_REDIS_ERRLEN];
    size_t                          error_len;

    /* the figures: agencies to publish (0: the province) */
    u_char                         *dirty;
    uint32_t                        ndirty;
    ngx_uint_t                      dirty_any;
    uint32_t                       *pass;
    uint32_t                        pass_cap;
    uint32_t                        pass_n;
    uint32_t                        pass_i;
    ngx_msec_t                      figures_at;  /* the last pass began */
    ngx_msec_t                      figures_next; /* not before */
    uint64_t                        figures_cost; /* us, this pass */
    onestop_day_t                   today;
};


static u_char *ngx_http_onestop_redis_key(ngx_pool_t *pool,
    ngx_str_t *prefix, const char *suffix, ngx_str_t *key);
static ngx_int_t ngx_http_onestop_redis_alive(ngx_pid_t pid);
static ngx_int_t ngx_http_onestop_redis_lease(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_release(ngx_http_onestop_publisher_t *pub);
static ngx_int_t ngx_http_onestop_redis_resume(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_tick(ngx_event_t *ev);
static void ngx_http_onestop_redis_kick(ngx_event_t *ev);
static void ngx_http_onestop_redis_timeout(ngx_event_t *ev);
static void ngx_http_onestop_redis_connect(ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_drop(ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_failed(ngx_http_onestop_publisher_t *pub,
    ngx_uint_t state, const char *reason, size_t len);
static void ngx_http_onestop_redis_up(ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_sent(ngx_http_onestop_publisher_t *pub,
    ngx_uint_t n);
static void ngx_http_onestop_redis_answered(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_publish(ngx_http_onestop_publisher_t *pub);
static ngx_int_t ngx_http_onestop_redis_command(
    ngx_http_onestop_publisher_t *pub, redisCallbackFn *fn, void *data,
    int argc, const char **argv, const size_t *argvlen);
static ngx_int_t ngx_http_onestop_redis_xadd(
    ngx_http_onestop_publisher_t *pub, uint64_t seq, const char *kind,
    const onestop_str_t *agency, const onestop_change_t *ch, uint64_t first,
    uint64_t last);
static void ngx_http_onestop_redis_advance(ngx_http_onestop_publisher_t *pub,
    uint64_t seq, uint64_t changes);
static ngx_int_t ngx_http_onestop_redis_mark(
    ngx_http_onestop_publisher_t *pub, const onestop_catalog_t *cat,
    uint32_t agency);
static ngx_int_t ngx_http_onestop_redis_dirty_size(
    ngx_http_onestop_publisher_t *pub, uint32_t n);
static void ngx_http_onestop_redis_figures_due(
    ngx_http_onestop_publisher_t *pub);
static void ngx_http_onestop_redis_figures(ngx_event_t *ev);
static ngx_int_t ngx_http_onestop_redis_agency(
    ngx_http_onestop_publisher_t *pub, const onestop_catalog_t *cat,
    uint32_t agency, uint64_t seq);
static void ngx_http_onestop_redis_error(ngx_http_onestop_publisher_t *pub,
    redisReply *r);
static ngx_uint_t ngx_http_onestop_redis_duplicate(redisReply *r);
static ngx_msec_t ngx_http_onestop_redis_period(
    ngx_http_onestop_publisher_t *pub);
static uint64_t ngx_http_onestop_redis_usec(void);

/* replies */
static void ngx_http_onestop_redis_on_queued(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_redis_on_hello(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_redis_on_exec(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_redis_on_figures(redisAsyncContext *ac,
    void *reply, void *data);

/* the adapter: hiredis on nginx's events */
static void ngx_http_onestop_redis_event(ngx_event_t *ev);
static void ngx_http_onestop_redis_add_read(void *data);
static void ngx_http_onestop_redis_del_read(void *data);
static void ngx_http_onestop_redis_add_write(void *data);
static void ngx_http_onestop_redis_del_write(void *data);
static void ngx_http_onestop_redis_cleanup(void *data);


static const char  *ngx_http_onestop_redis_kinds[] = {
    "unknown", "dossier", "delete", "catalog", "evaluation", "gap",
    "feedback"
};


/* onestop_redis HOST:PORT [prefix=] [db=] [password=] [maxlen=]
 * [interval=] */

char *
ngx_http_onestop_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    u_char                         *p;
    size_t                          len;
    ngx_int_t                       n;
    ngx_url_t                       u;
    ngx_str_t                      *value, s;
    ngx_uint_t                      i;
    ngx_http_onestop_redis_conf_t  *rc;

    if (omcf->redis != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rc = ngx_pcalloc(cf->pool, sizeof(ngx_http_onestop_redis_conf_t));
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    rc->name = value[1];
    ngx_str_set(&rc->prefix, "onestop");
    rc->maxlen = 1000000;
    rc->interval = 200;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0) {
            rc->prefix.data = value[i].data + 7;
            rc->prefix.len = value[i].len - 7;

            if (rc->prefix.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            n = ngx_atoi(value[i].data + 3, value[i].len - 3);

            if (n == NGX_ERROR) {
                goto invalid;
            }

            rc->db = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {
            rc->password.data = value[i].data + 9;
            rc->password.len = value[i].len - 9;

            if (rc->password.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "maxlen=", 7) == 0) {
            n = ngx_atoi(value[i].data + 7, value[i].len - 7);

            if (n == NGX_ERROR) {
                goto invalid;
            }

            rc->maxlen = (ngx_uint_t) n;
            continue;
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

    omcf->redis = rc;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


static u_char *
ngx_http_onestop_redis_key(ngx_pool_t *pool, ngx_str_t *prefix,
    const char *suffix, ngx_str_t *key)
{
    size_t  n;

    n = ngx_strlen(suffix);

    key->data = ngx_pnalloc(pool, prefix->len + n);
    if (key->data == NULL) {
        return NULL;
    }

    key->len = ngx_cpymem(ngx_cpymem(key->data, prefix->data, prefix->len),
                          suffix, n)
               - key->data;

    return key->data;
}


ngx_int_t
ngx_http_onestop_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    u_char                         *p;
    uint64_t                        magic;
    ngx_http_onestop_redis_sh_t    *sh;
    ngx_http_onestop_publisher_t   *pub;
    ngx_http_onestop_redis_conf_t  *conf;
    ngx_http_onestop_worker_t      *wk = ngx_http_onestop_worker;

    conf = omcf->redis;

    pub = ngx_pcalloc(cycle->pool, sizeof(ngx_http_onestop_publisher_t));
    if (pub == NULL) {
        return NGX_ERROR;
    }

    pub->omcf = omcf;
    pub->conf = conf;
    pub->log = cycle->log;

    if (ngx_http_onestop_redis_key(cycle->pool, &conf->prefix, ":changes",
                                   &pub->stream) == NULL
        || ngx_http_onestop_redis_key(cycle->pool, &conf->prefix,
                                      ":stats:live", &pub->live) == NULL
        || ngx_http_onestop_redis_key(cycle->pool, &conf->prefix, ":stats",
                                      &pub->channel) == NULL)
    {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(cycle->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    pub->maxlen.data = p;
    pub->maxlen.len = ngx_sprintf(p, "%ui", conf->maxlen) - p;

    pub->changes = ngx_palloc(cycle->pool, NGX_HTTP_ONESTOP_REDIS_ROUND
                                           * sizeof(onestop_change_t));
    pub->round_seq = ngx_palloc(cycle->pool,
                                (NGX_HTTP_ONESTOP_REDIS_ROUND + 1)
                                * sizeof(uint64_t));

    if (pub->changes == NULL || pub->round_seq == NULL) {
        return NGX_ERROR;
    }

    /*
     * The zone's bytes choose one publisher among the workers (old and
     * new ones during a reload too).  Without onestop_zone there is no
     * shared memory: worker 0 publishes, and duplicates during a reload
     * are refused by Redis.
     */

    sh = ngx_http_onestop_zone_redis(omcf);

    if (sh != NULL) {
        pub->zoned = 1;
        magic = __atomic_load_n(&sh->magic, __ATOMIC_ACQUIRE);

        if (magic != NGX_HTTP_ONESTOP_REDIS_MAGIC
            && __atomic_compare_exchange_n(&sh->magic, &magic,
                                           NGX_HTTP_ONESTOP_REDIS_MAGIC, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE))
        {
            /* new, or left by another layout: start afresh */
            __atomic_store_n(&sh->lease, 0, __ATOMIC_RELEASE);
            __atomic_store_n(&sh->published, 0, __ATOMIC_RELEASE);
            __atomic_store_n(&sh->connected, 0, __ATOMIC_RELEASE);
            __atomic_store_n(&sh->changes, 0, __ATOMIC_RELEASE);
            __atomic_store_n(&sh->failures, 0, __ATOMIC_RELEASE);
        }

    } else {
        sh = &pub->local;
    }

    pub->sh = sh;
    pub->backoff = NGX_HTTP_ONESTOP_REDIS_BACKOFF;

    pub->tick.handler = ngx_http_onestop_redis_tick;
    pub->tick.data = pub;
    pub->tick.log = cycle->log;
    pub->tick.cancelable = 1;

    pub->kick.handler = ngx_http_onestop_redis_kick;
    pub->kick.data = pub;
    pub->kick.log = cycle->log;
    pub->kick.cancelable = 1;

    pub->timeout.handler = ngx_http_onestop_redis_timeout;
    pub->timeout.data = pub;
    pub->timeout.log = cycle->log;
    pub->timeout.cancelable = 1;

    pub->figures.handler = ngx_http_onestop_redis_figures;
    pub->figures.data = pub;
    pub->figures.log = cycle->log;

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

    if (pub->figures.posted) {
        ngx_delete_posted_event(&pub->figures);
    }

    if (pub->tick.timer_set) {
        ngx_del_timer(&pub->tick);
    }

    ngx_http_onestop_redis_release(pub);

    if (pub->ac != NULL) {
        ngx_http_onestop_redis_drop(pub);
    }

    if (pub->timeout.timer_set) {
        ngx_del_timer(&pub->timeout);
    }

    if (pub->dirty != NULL) {
        ngx_free(pub->dirty);
        pub->dirty = NULL;
    }

    if (pub->pass != NULL) {
        ngx_free(pub->pass);
        pub->pass = NULL;
    }

    if (pub->chan != NULL) {
        ngx_free(pub->chan);
        pub->chan = NULL;
    }

    if (pub->cmd != NULL) {
        ngx_free(pub->cmd);
        pub->cmd = NULL;
    }

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

    if (pub != NULL && pub->leader && pub->ready && !pub->inflight
        && !pub->kick.posted && !pub->kick.timer_set)
    {
        ngx_add_timer(&pub->kick, NGX_HTTP_ONESTOP_REDIS_DELAY);
    }
}


void
ngx_http_onestop_redis_metrics(ngx_http_onestop_main_conf_t *omcf,
    onestop_buf_t *b)
{
    uint64_t                       seq, published;
    ngx_http_onestop_redis_sh_t   *sh;
    ngx_http_onestop_publisher_t  *pub;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    pub = wk->publisher;

    if (omcf->redis == NULL || pub == NULL) {
        return;
    }

    sh = pub->sh;
    published = __atomic_load_n(&sh->published, __ATOMIC_ACQUIRE);
    seq = omcf->sh != NULL ? ngx_http_onestop_zone_seq(omcf) : pub->store_seq;

    onestop_metrics_feed(b, __atomic_load_n(&sh->connected, __ATOMIC_ACQUIRE),
                         seq > published ? seq - published : 0, published,
                         __atomic_load_n(&sh->changes, __ATOMIC_ACQUIRE),
                         __atomic_load_n(&sh->failures, __ATOMIC_ACQUIRE));
}


/* the lease: one publisher among the workers */

static ngx_int_t
ngx_http_onestop_redis_alive(ngx_pid_t pid)
{
    return kill(pid, 0) == 0 || ngx_errno == NGX_EPERM;
}


static ngx_int_t
ngx_http_onestop_redis_lease(ngx_http_onestop_publisher_t *pub)
{
    uint32_t   now, expiry;
    uint64_t   old, lease;
    ngx_pid_t  owner;

    if (!pub->zoned) {
        return ngx_worker == 0;
    }

    now = (uint32_t) ngx_current_msec;
    lease = (uint64_t) (uint32_t) (now + NGX_HTTP_ONESTOP_REDIS_LEASE) << 32
            | (uint32_t) ngx_pid;

    for ( ;; ) {
        old = __atomic_load_n(&pub->sh->lease, __ATOMIC_ACQUIRE);
        owner = (ngx_pid_t) (uint32_t) old;
        expiry = (uint32_t) (old >> 32);

        if (old != 0 && owner != ngx_pid
            && (int32_t) (expiry - now) > 0
            && ngx_http_onestop_redis_alive(owner))
        {
            return 0;
        }

        if (__atomic_compare_exchange_n(&pub->sh->lease, &old, lease, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        {
            return 1;
        }
    }
}


static void
ngx_http_onestop_redis_release(ngx_http_onestop_publisher_t *pub)
{
    uint64_t  old;

    if (!pub->leader) {
        return;
    }

    pub->leader = 0;
    __atomic_store_n(&pub->sh->connected, 0, __ATOMIC_RELEASE);

    if (!pub->zoned) {
        return;
    }

    old = __atomic_load_n(&pub->sh->lease, __ATOMIC_ACQUIRE);

    if ((ngx_pid_t) (uint32_t) old == ngx_pid) {
        (void) __atomic_compare_exchange_n(&pub->sh->lease, &old, 0, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE);
    }
}


/* where Redis stopped: the store's record or the zone's, whichever is
 * further (the zone's is newer unless the store was replaced) */

static ngx_int_t
ngx_http_onestop_redis_resume(ngx_http_onestop_publisher_t *pub)
{
    uint64_t                    stored, seq, shared, old;
    onestop_store_t            *st;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    st = wk->store;

    if (ngx_http_onestop_read_begin(pub->omcf, st, wk->log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    stored = onestop_store_published(st);
    seq = onestop_store_seq(st);
    onestop_store_read_end(st);

    shared = __atomic_load_n(&pub->sh->published, __ATOMIC_ACQUIRE);

    pub->acked = stored;

    if (shared > stored && shared <= seq) {
        pub->acked = shared;
    }

    if (shared > seq) {
        /* the zone speaks of another store */
        old = shared;
        (void) __atomic_compare_exchange_n(&pub->sh->published, &old,
                                           pub->acked, 0, __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE);
    }

    pub->store_seq = seq;
    onestop_store_set_published(st, pub->acked);
    __atomic_store_n(&pub->sh->connected, 0, __ATOMIC_RELEASE);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, pub->log, 0,
                   "onestop redis: publishing from this worker after %uL "
                   "of %uL", pub->acked, seq);

    return NGX_OK;
}


/* the timer: the lease, retries, changes written by others */

static ngx_msec_t
ngx_http_onestop_redis_period(ngx_http_onestop_publisher_t *pub)
{
    return ngx_min(pub->conf->interval, NGX_HTTP_ONESTOP_REDIS_TICK);
}


static void
ngx_http_onestop_redis_tick(ngx_event_t *ev)
{
    ngx_http_onestop_publisher_t  *pub = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        /* hand over at once: the new workers take the lease */
        ngx_http_onestop_redis_release(pub);

        if (pub->ac != NULL) {
            ngx_http_onestop_redis_drop(pub);
        }

        return;
    }

    if (ngx_http_onestop_redis_lease(pub)) {

        if (!pub->leader) {
            if (ngx_http_onestop_redis_resume(pub) == NGX_OK) {
                pub->leader = 1;

            } else {
                pub->leader = 1;
                ngx_http_onestop_redis_release(pub);
            }
        }

    } else if (pub->leader) {
        /* another worker took over (this one was too slow to renew) */
        ngx_log_error(NGX_LOG_INFO, pub->log, 0,
                      "onestop_redis: another worker publishes now");
        pub->leader = 0;

        if (pub->ac != NULL) {
            ngx_http_onestop_redis_drop(pub);
        }
    }

    if (pub->leader) {
        if (pub->ac == NULL) {
            if (!pub->waiting
                || (ngx_msec_int_t) (pub->retry_at - ngx_current_msec) <= 0)
            {
                ngx_http_onestop_redis_connect(pub);
            }

        } else {
            ngx_http_onestop_redis_publish(pub);
        }
    }

    ngx_add_timer(ev, ngx_http_onestop_redis_period(pub));
}


static void
ngx_http_onestop_redis_kick(ngx_event_t *ev)
{
    ngx_http_onestop_redis_publish(ev->data);
}


static void
ngx_http_onestop_redis_timeout(ngx_event_t *ev)
{
    ngx_http_onestop_publisher_t  *pub = ev->data;

    if (pub->ac == NULL) {
        return;
    }

    ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                  pub->ready ? "no answer in time"
                                             : "could not connect in time",
                                  0);
    ngx_http_onestop_redis_drop(pub);
}


/* the connection */

static void
ngx_http_onestop_redis_connect(ngx_http_onestop_publisher_t *pub)
{
    int                             argc;
    u_char                          db[NGX_INT_T_LEN];
    size_t                          argvlen[2];
    const char                     *argv[2];
    ngx_connection_t               *c;
    redisAsyncContext              *ac;
    ngx_http_onestop_redis_conf_t  *conf;

    conf = pub->conf;
    pub->waiting = 0;

    /* an address, resolved with the configuration: connect() only */

    ac = redisAsyncConnect((char *) conf->host.data, (int) conf->port);

    if (ac == NULL) {
        ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                      "out of memory", 0);
        return;
    }

    if (ac->err) {
        ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                      ac->errstr, 0);
        redisAsyncFree(ac);
        return;
    }

    c = ngx_get_connection(ac->c.fd, pub->log);

    if (c == NULL) {
        ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                      "no free connection "
                                      "(worker_connections)", 0);
        redisAsyncFree(ac);
        return;
    }

    c->data = pub;
    c->read->handler = ngx_http_onestop_redis_event;
    c->write->handler = ngx_http_onestop_redis_event;
    c->read->log = pub->log;
    c->write->log = pub->log;

    ac->data = pub;
    ac->ev.data = pub;
    ac->ev.addRead = ngx_http_onestop_redis_add_read;
    ac->ev.delRead = ngx_http_onestop_redis_del_read;
    ac->ev.addWrite = ngx_http_onestop_redis_add_write;
    ac->ev.delWrite = ngx_http_onestop_redis_del_write;
    ac->ev.cleanup = ngx_http_onestop_redis_cleanup;

    pub->ac = ac;
    pub->conn = c;
    pub->ready = 0;
    pub->closing = 0;
    pub->inflight = 0;
    pub->pending = 0;
    pub->error_len = 0;

    /* the handshake; its last reply says the connection is usable */

    if (conf->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (const char *) conf->password.data;
        argvlen[1] = conf->password.len;
        argc = 2;

        if (redisAsyncCommandArgv(ac, ngx_http_onestop_redis_on_queued, pub,
                                  argc, argv, argvlen)
            != REDIS_OK)
        {
            goto failed;
        }

        ngx_http_onestop_redis_sent(pub, 1);
    }

    if (conf->db) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (const char *) db;
        argvlen[1] = ngx_sprintf(db, "%i", conf->db) - db;

        if (redisAsyncCommandArgv(ac, ngx_http_onestop_redis_on_queued, pub,
                                  2, argv, argvlen)
            != REDIS_OK)
        {
            goto failed;
        }

        ngx_http_onestop_redis_sent(pub, 1);
    }

    /* is the snapshot there? (not after a restart without persistence) */

    argv[0] = "EXISTS";
    argvlen[0] = 6;
    argv[1] = (const char *) pub->live.data;
    argvlen[1] = pub->live.len;

    if (redisAsyncCommandArgv(ac, ngx_http_onestop_redis_on_hello, pub,
                              2, argv, argvlen)
        != REDIS_OK)
    {
        goto failed;
    }

    ngx_http_onestop_redis_sent(pub, 1);

    return;

failed:

    ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                  "could not send", 0);
    ngx_http_onestop_redis_drop(pub);
}


/* we end the connection (a timeout, a refusal, the lease, the exit) */

static void
ngx_http_onestop_redis_drop(ngx_http_onestop_publisher_t *pub)
{
    if (pub->ac == NULL || pub->closing) {
        return;
    }

    pub->closing = 1;
    pub->ready = 0;

    /* the pending callbacks run with no reply, then the cleanup hook;
     * inside a callback hiredis defers this until the callback returns */

    redisAsyncFree(pub->ac);
}


static void
ngx_http_onestop_redis_failed(ngx_http_onestop_publisher_t *pub,
    ngx_uint_t state, const char *reason, size_t len)
{
    ngx_msec_t  delay;

    (void) __atomic_fetch_add(&pub->sh->failures, 1, __ATOMIC_RELAXED);

    if (pub->leader) {
        __atomic_store_n(&pub->sh->connected,
                         state == NGX_HTTP_ONESTOP_REDIS_REFUSING
                         && pub->ready, __ATOMIC_RELEASE);
    }

    if (len == 0) {
        len = ngx_strlen(reason);
    }

    if (pub->state != state) {
        pub->state = state;

        if (state == NGX_HTTP_ONESTOP_REDIS_DOWN) {
            ngx_log_error(NGX_LOG_WARN, pub->log, 0,
                          "onestop_redis: Redis at \"%V\" is unavailable "
                          "(%*s); changes wait in the outbox and are "
                          "published when it is back",
                          &pub->conf->name, len, reason);
        } else {
            ngx_log_error(NGX_LOG_WARN, pub->log, 0,
                          "onestop_redis: Redis at \"%V\" refuses changes "
                          "(%*s); retrying", &pub->conf->name, len, reason);
        }
    }

    /* backoff with jitter: [b/2, b], doubling up to the maximum */

    delay = pub->backoff / 2 + (ngx_msec_t) ngx_random() % (pub->backoff / 2
                                                           + 1);
    pub->retry_at = ngx_current_msec + delay;
    pub->waiting = 1;

    pub->backoff = ngx_min(pub->backoff * 2,
                           NGX_HTTP_ONESTOP_REDIS_BACKOFF_MAX);
}


static void
ngx_http_onestop_redis_up(ngx_http_onestop_publisher_t *pub)
{
    pub->backoff = NGX_HTTP_ONESTOP_REDIS_BACKOFF;
    pub->waiting = 0;

    if (pub->state != NGX_HTTP_ONESTOP_REDIS_UP) {
        ngx_log_error(NGX_LOG_NOTICE, pub->log, 0,
                      "onestop_redis: publishing changes to Redis at "
                      "\"%V\" (Redis has them up to %uL of %uL)",
                      &pub->conf->name, pub->acked, pub->store_seq);
        pub->state = NGX_HTTP_ONESTOP_REDIS_UP;
    }

    __atomic_store_n(&pub->sh->connected, 1, __ATOMIC_RELEASE);
}


/* replies outstanding: the command timeout runs while there are some,
 * from the last sign of progress */

static void
ngx_http_onestop_redis_sent(ngx_http_onestop_publisher_t *pub, ngx_uint_t n)
{
    pub->pending += n;

    if (!pub->timeout.timer_set) {
        ngx_add_timer(&pub->timeout, NGX_HTTP_ONESTOP_REDIS_TIMEOUT);
    }
}


static void
ngx_http_onestop_redis_answered(ngx_http_onestop_publisher_t *pub)
{
    if (pub->pending) {
        pub->pending--;
    }

    if (pub->pending == 0) {
        if (pub->timeout.timer_set) {
            ngx_del_timer(&pub->timeout);
        }

    } else {
        ngx_add_timer(&pub->timeout, NGX_HTTP_ONESTOP_REDIS_TIMEOUT);
    }
}


/* a round: MULTI, the next changes as XADDs, EXEC */

static void
ngx_http_onestop_redis_publish(ngx_http_onestop_publisher_t *pub)
{
    long                        n, i;
    uint64_t                    seq, first, last;
    onestop_day_t               today;
    onestop_str_t               agency;
    onestop_store_t            *st;
    onestop_change_t           *ch;
    const onestop_catalog_t    *cat;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    static const char  *multi[] = { "MULTI" };
    static const char  *exec[] = { "EXEC" };
    static size_t       multi_len[] = { 5 };
    static size_t       exec_len[] = { 4 };

    if (!pub->leader || !pub->ready || pub->closing || pub->inflight
        || (pub->waiting
            && (ngx_msec_int_t) (pub->retry_at - ngx_current_msec) > 0))
    {
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

    /* a new day: "year", "pending" and "overdue" moved without a write */

    today = onestop_today(onestop_store_offset(st));

    if (today != pub->today) {
        if (pub->today != 0) {
            pub->dirty_all = 1;
        }

        pub->today = today;
    }

    if (seq <= pub->acked) {
        onestop_store_read_end(st);
        ngx_http_onestop_redis_figures_due(pub);
        return;
    }

    n = onestop_store_outbox_read(st, pub->acked, pub->changes,
                                  NGX_HTTP_ONESTOP_REDIS_ROUND);

    if (n < 0) {
        onestop_store_read_end(st);
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: could not read the outbox of store "
                      "\"%V\"", &pub->omcf->store_path);
        return;
    }

    cat = onestop_store_catalog(st);

    if (redisAsyncCommandArgv(pub->ac, ngx_http_onestop_redis_on_queued, pub,
                              1, multi, multi_len)
        != REDIS_OK)
    {
        goto failed;
    }

    ngx_http_onestop_redis_sent(pub, 1);

    pub->round_n = 0;
    pub->round_gap = 0;
    pub->error_len = 0;

    /* changes dropped past onestop_outbox_max: a gap in their place */

    first = pub->acked + 1;
    last = n > 0 ? pub->changes[0].seq - 1 : seq;

    if (last >= first) {
        ngx_log_error(NGX_LOG_WARN, pub->log, 0,
                      "onestop_redis: changes %uL to %uL were dropped from "
                      "the outbox (onestop_outbox_max) before Redis had "
                      "them; a \"gap\" entry stands in their place",
                      first, last);

        agency.data = "province";
        agency.len = 8;

        if (ngx_http_onestop_redis_xadd(pub, last, "gap", &agency, NULL,
                                        first, last)
            != NGX_OK)
        {
            goto failed;
        }

        pub->round_seq[pub->round_n++] = last;
        pub->round_gap = 1;
        pub->dirty_all = 1;
    }

    for (i = 0; i < n; i++) {
        ch = &pub->changes[i];

        if (ch->agency == 0) {
            agency.data = "province";
            agency.len = 8;

        } else if (cat != NULL && ch->agency <= cat->nagencies) {
            agency = cat->agencies[ch->agency].id;

        } else {
            agency.data = "unknown";
            agency.len = 7;
        }

        if (ngx_http_onestop_redis_xadd(pub, ch->seq,
                                        ngx_http_onestop_redis_kinds[
                                            ch->kind <= ONESTOP_CHANGE_FEEDBACK
                                            ? ch->kind : 0],
                                        &agency, ch, 0, 0)
            != NGX_OK)
        {
            goto failed;
        }

        pub->round_seq[pub->round_n++] = ch->seq;

        if (ngx_http_onestop_redis_mark(pub, cat, ch->agency) != NGX_OK
            || (ch->old_agency
                && ngx_http_onestop_redis_mark(pub, cat, ch->old_agency)
                   != NGX_OK))
        {
            pub->dirty_all = 1;
        }
    }

    onestop_store_read_end(st);

    if (redisAsyncCommandArgv(pub->ac, ngx_http_onestop_redis_on_exec, pub,
                              1, exec, exec_len)
        != REDIS_OK)
    {
        ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                      "could not send", 0);
        ngx_http_onestop_redis_drop(pub);
        return;
    }

    ngx_http_onestop_redis_sent(pub, 1);
    pub->inflight = 1;

    ngx_http_onestop_redis_figures_due(pub);

    return;

failed:

    onestop_store_read_end(st);

    /* half a transaction was sent: only a new connection is clean */

    ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                  "could not send", 0);
    ngx_http_onestop_redis_drop(pub);
}


/* XADD {prefix}:changes MAXLEN ~ N {seq}-0 seq S kind K agency A
 *      [code C version V] [first F last L] */

/* "*3\r\n" or "$12\r\n" (ngx_sprintf() parses its format each time) */

static u_char *
ngx_http_onestop_redis_header(u_char *p, u_char c, size_t n)
{
    u_char   digits[NGX_SIZE_T_LEN];
    size_t   k;

    k = 0;

    do {
        digits[k++] = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    *p++ = c;

    while (k) {
        *p++ = digits[--k];
    }

    *p++ = '\r';
    *p++ = '\n';

    return p;
}


/*
 * A command, formatted here in RESP and handed to hiredis as it is:
 * hiredis's own formatting (sds strings grown piece by piece) took a third
 * of the publisher's CPU when it caught up on a backlog.
 */

static ngx_int_t
ngx_http_onestop_redis_command(ngx_http_onestop_publisher_t *pub,
    redisCallbackFn *fn, void *data, int argc, const char **argv,
    const size_t *argvlen)
{
    int      i;
    size_t   size;
    u_char  *p;

    size = 1 + NGX_INT_T_LEN + 2;

    for (i = 0; i < argc; i++) {
        size += 1 + NGX_SIZE_T_LEN + 2 + argvlen[i] + 2;
    }

    if (size > pub->cmd_cap) {
        if (pub->cmd != NULL) {
            ngx_free(pub->cmd);
        }

        pub->cmd_cap = ngx_max(size, 4096);
        pub->cmd = ngx_alloc(pub->cmd_cap, pub->log);

        if (pub->cmd == NULL) {
            pub->cmd_cap = 0;
            return NGX_ERROR;
        }
    }

    p = ngx_http_onestop_redis_header(pub->cmd, '*', (size_t) argc);

    for (i = 0; i < argc; i++) {
        p = ngx_http_onestop_redis_header(p, '$', argvlen[i]);
        p = ngx_cpymem(p, argv[i], argvlen[i]);
        *p++ = '\r';
        *p++ = '\n';
    }

    if (redisAsyncFormattedCommand(pub->ac, fn, data, (const char *) pub->cmd,
                                   p - pub->cmd)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_onestop_redis_xadd(ngx_http_onestop_publisher_t *pub, uint64_t seq,
    const char *kind, const onestop_str_t *agency, const onestop_change_t *ch,
    uint64_t first, uint64_t last)
{
    int          argc;
    u_char       id[NGX_INT64_LEN + 2], s[NGX_INT64_LEN], v[NGX_INT64_LEN];
    u_char       f[NGX_INT64_LEN], l[NGX_INT64_LEN];
    size_t       argvlen[20];
    const char  *argv[20];

#define ngx_http_onestop_redis_arg(p, n)                                     \
    argv[argc] = (const char *) (p);                                         \
    argvlen[argc] = (n);                                                     \
    argc++

    argc = 0;

    ngx_http_onestop_redis_arg("XADD", 4);
    ngx_http_onestop_redis_arg(pub->stream.data, pub->stream.len);

    if (pub->conf->maxlen) {
        ngx_http_onestop_redis_arg("MAXLEN", 6);
        ngx_http_onestop_redis_arg("~", 1);
        ngx_http_onestop_redis_arg(pub->maxlen.data, pub->maxlen.len);
    }

    ngx_http_onestop_redis_arg(id, ngx_sprintf(id, "%uL-0", seq) - id);
    ngx_http_onestop_redis_arg("seq", 3);
    ngx_http_onestop_redis_arg(s, ngx_sprintf(s, "%uL", seq) - s);
    ngx_http_onestop_redis_arg("kind", 4);
    ngx_http_onestop_redis_arg(kind, ngx_strlen(kind));
    ngx_http_onestop_redis_arg("agency", 6);
    ngx_http_onestop_redis_arg(agency->data, agency->len);

    /* a dossier's code and version; nothing personal, ever */

    if (ch != NULL
        && (ch->kind == ONESTOP_CHANGE_DOSSIER
            || ch->kind == ONESTOP_CHANGE_DELETE)
        && ch->code_len)
    {
        ngx_http_onestop_redis_arg("code", 4);
        ngx_http_onestop_redis_arg(ch->code, ch->code_len);
        ngx_http_onestop_redis_arg("version", 7);
        ngx_http_onestop_redis_arg(v, ngx_sprintf(v, "%uL", ch->version) - v);
    }

    if (ch == NULL) {
        ngx_http_onestop_redis_arg("first", 5);
        ngx_http_onestop_redis_arg(f, ngx_sprintf(f, "%uL", first) - f);
        ngx_http_onestop_redis_arg("last", 4);
        ngx_http_onestop_redis_arg(l, ngx_sprintf(l, "%uL", last) - l);
    }

#undef ngx_http_onestop_redis_arg

    if (ngx_http_onestop_redis_command(pub, ngx_http_onestop_redis_on_queued,
                                       pub, argc, argv, argvlen)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_onestop_redis_sent(pub, 1);

    return NGX_OK;
}


/* Redis has everything up to seq: tell the zone and the store */

static void
ngx_http_onestop_redis_advance(ngx_http_onestop_publisher_t *pub,
    uint64_t seq, uint64_t changes)
{
    uint64_t                    old;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    pub->acked = seq;

    old = __atomic_load_n(&pub->sh->published, __ATOMIC_ACQUIRE);

    while (old < seq
           && !__atomic_compare_exchange_n(&pub->sh->published, &old, seq, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE))
    {
        /* void */
    }

    (void) __atomic_fetch_add(&pub->sh->changes, changes, __ATOMIC_RELAXED);

    /* the writer records it and trims the outbox in its next commit */
    onestop_store_set_published(wk->store, seq);
}


/* replies */

static void
ngx_http_onestop_redis_on_queued(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;

    ngx_http_onestop_redis_answered(pub);

    if (reply != NULL) {
        ngx_http_onestop_redis_error(pub, reply);
    }
}


static void
ngx_http_onestop_redis_on_hello(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;

    redisReply  *r = reply;

    ngx_http_onestop_redis_answered(pub);

    if (r == NULL || pub->closing) {
        /* the connection is going: the cleanup hook says why */
        return;
    }

    ngx_http_onestop_redis_error(pub, r);

    if (pub->error_len || r->type != REDIS_REPLY_INTEGER) {
        if (pub->error_len == 0) {
            ngx_http_onestop_redis_failed(pub,
                                          NGX_HTTP_ONESTOP_REDIS_REFUSING,
                                          "unexpected reply", 0);
        } else {
            ngx_http_onestop_redis_failed(pub,
                                          NGX_HTTP_ONESTOP_REDIS_REFUSING,
                                          (char *) pub->error,
                                          pub->error_len);
        }

        ngx_http_onestop_redis_drop(pub);
        return;
    }

    if (r->integer == 0) {
        /* a Redis without our snapshot: every agency's figures again */
        pub->dirty_all = 1;
    }

    pub->ready = 1;
    ngx_http_onestop_redis_up(pub);

    if (!pub->kick.posted) {
        ngx_post_event(&pub->kick, &ngx_posted_events);
    }
}


static void
ngx_http_onestop_redis_on_exec(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;

    uint64_t     acked, changes;
    redisReply  *r = reply, *e;
    ngx_uint_t   i, ok, later;

    ngx_http_onestop_redis_answered(pub);
    pub->inflight = 0;

    if (r == NULL) {
        /* no answer: nothing of the round counts as acknowledged */
        return;
    }

    acked = pub->acked;
    changes = 0;
    ok = 1;
    later = 0;

    if (r->type == REDIS_REPLY_ARRAY && r->elements == pub->round_n) {

        for (i = 0; i < r->elements; i++) {
            e = r->element[i];

            if (!ok) {
                later |= (e->type != REDIS_REPLY_ERROR);
                continue;
            }

            if (e->type == REDIS_REPLY_ERROR
                && !ngx_http_onestop_redis_duplicate(e))
            {
                ngx_http_onestop_redis_error(pub, e);
                ok = 0;
                continue;
            }

            /* stored, or stored before (a replay): acknowledged */

            acked = pub->round_seq[i];

            if (!(i == 0 && pub->round_gap)) {
                changes++;
            }
        }

    } else {
        ngx_http_onestop_redis_error(pub, r);
        ok = 0;
    }

    if (later) {
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: Redis stored changes after one it "
                      "refused (after %uL): the stream may miss entries",
                      acked);
    }

    if (acked > pub->acked) {
        ngx_http_onestop_redis_advance(pub, acked, changes);
    }

    if (!ok) {
        if (pub->error_len == 0) {
            ngx_http_onestop_redis_failed(pub,
                                          NGX_HTTP_ONESTOP_REDIS_REFUSING,
                                          "unexpected reply", 0);
        } else {
            ngx_http_onestop_redis_failed(pub,
                                          NGX_HTTP_ONESTOP_REDIS_REFUSING,
                                          (char *) pub->error,
                                          pub->error_len);
        }

        return;
    }

    ngx_http_onestop_redis_up(pub);

    /* catching up: the next round at once; else what was committed
     * meanwhile, shortly */

    if (pub->round_n >= NGX_HTTP_ONESTOP_REDIS_ROUND) {
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
    uint32_t                       agency;
    redisReply                    *r = reply;
    ngx_http_onestop_publisher_t  *pub;

    pub = ac->data;
    agency = (uint32_t) (uintptr_t) data;

    ngx_http_onestop_redis_answered(pub);

    if (r != NULL && r->type != REDIS_REPLY_ERROR) {
        return;
    }

    /* not delivered: again in the next interval */

    if (agency < pub->ndirty) {
        pub->dirty[agency] = 1;
        pub->dirty_any = 1;

    } else {
        pub->dirty_all = 1;
    }

    if (r != NULL && !pub->closing) {
        pub->error_len = 0;
        ngx_http_onestop_redis_error(pub, r);
        ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_REFUSING,
                                      (char *) pub->error, pub->error_len);
    }
}


/* the first error reply, for the log: only Redis's words, without the
 * arguments some versions quote */

static void
ngx_http_onestop_redis_error(ngx_http_onestop_publisher_t *pub,
    redisReply *r)
{
    u_char  *p, *end;
    size_t   len;

    if (pub->error_len || r->type != REDIS_REPLY_ERROR || r->str == NULL) {
        return;
    }

    p = (u_char *) r->str;
    len = ngx_min((size_t) r->len, sizeof(pub->error));
    end = ngx_strlcasestrn(p, p + len, (u_char *) ", with args", 11 - 1);

    if (end != NULL) {
        len = end - p;
    }

    while (len && (p[len - 1] == ' ' || p[len - 1] == '.')) {
        len--;
    }

    pub->error_len = ngx_cpymem(pub->error, p, len) - pub->error;

    if (pub->error_len == 0) {
        pub->error_len = ngx_cpymem(pub->error, "error", 5) - pub->error;
    }
}


static ngx_uint_t
ngx_http_onestop_redis_duplicate(redisReply *r)
{
    static u_char  dup[] = "equal or smaller than the target stream top item";

    return r->str != NULL
           && ngx_strlcasestrn((u_char *) r->str, (u_char *) r->str + r->len,
                               dup, sizeof(dup) - 2)
              != NULL;
}


/* the figures */

static ngx_int_t
ngx_http_onestop_redis_dirty_size(ngx_http_onestop_publisher_t *pub,
    uint32_t n)
{
    u_char    *dirty;
    uint32_t   cap;

    if (n < pub->ndirty) {
        return NGX_OK;
    }

    cap = ngx_max(n + 1, ngx_max(pub->ndirty * 2, 64));

    dirty = ngx_alloc(cap, pub->log);
    if (dirty == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(dirty, cap);

    if (pub->dirty != NULL) {
        ngx_memcpy(dirty, pub->dirty, pub->ndirty);
        ngx_free(pub->dirty);
    }

    pub->dirty = dirty;
    pub->ndirty = cap;

    return NGX_OK;
}


/* the agency, its ancestors and the province */

static ngx_int_t
ngx_http_onestop_redis_mark(ngx_http_onestop_publisher_t *pub,
    const onestop_catalog_t *cat, uint32_t agency)
{
    ngx_uint_t  depth;

    if (ngx_http_onestop_redis_dirty_size(pub,
                                          cat != NULL ? cat->nagencies : 0)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    pub->dirty[0] = 1;
    pub->dirty_any = 1;

    for (depth = 0;
         cat != NULL && agency != 0 && agency <= cat->nagencies && depth < 16;
         depth++)
    {
        pub->dirty[agency] = 1;
        agency = cat->agencies[agency].parent;
    }

    return NGX_OK;
}


/* a pass over the dirty agencies, at most once per interval */

static void
ngx_http_onestop_redis_figures_due(ngx_http_onestop_publisher_t *pub)
{
    if (pub->pass_n != 0 || pub->figures.posted
        || (!pub->dirty_any && !pub->dirty_all)
        || (pub->figures_at != 0
            && ngx_current_msec - pub->figures_at < pub->conf->interval)
        || (ngx_msec_int_t) (pub->figures_next - ngx_current_msec) > 0)
    {
        return;
    }

    pub->figures_at = ngx_current_msec;
    ngx_post_event(&pub->figures, &ngx_posted_events);
}


static void
ngx_http_onestop_redis_figures(ngx_event_t *ev)
{
    ngx_http_onestop_publisher_t  *pub = ev->data;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    uint32_t                  i, a;
    uint64_t                  seq, start, spent;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;

    st = wk->store;

    if (!pub->leader || !pub->ready || pub->closing
        || ngx_http_onestop_read_begin(pub->omcf, st, wk->log)
           != NGX_OK)
    {
        /* the rest waits for the next pass */

        for (i = pub->pass_i; i < pub->pass_n; i++) {
            pub->dirty[pub->pass[i]] = 1;
            pub->dirty_any = 1;
        }

        pub->pass_n = 0;
        pub->pass_i = 0;
        return;
    }

    cat = onestop_store_catalog(st);
    seq = onestop_store_seq(st);

    if (pub->pass_n == 0) {

        /* a new pass: take the dirty agencies */

        if (ngx_http_onestop_redis_dirty_size(pub,
                                              cat ? cat->nagencies : 0)
            != NGX_OK)
        {
            onestop_store_read_end(st);
            return;
        }

        if (pub->dirty_all) {
            pub->dirty_all = 0;
            pub->dirty[0] = 1;

            for (a = 1; cat != NULL && a <= cat->nagencies; a++) {
                pub->dirty[a] = cat->agencies[a].present;
            }
        }

        if (pub->pass_cap < pub->ndirty) {
            if (pub->pass != NULL) {
                ngx_free(pub->pass);
            }

            pub->pass = ngx_alloc(pub->ndirty * sizeof(uint32_t), pub->log);

            if (pub->pass == NULL) {
                pub->pass_cap = 0;
                onestop_store_read_end(st);
                return;
            }

            pub->pass_cap = pub->ndirty;
        }

        for (a = 0; a < pub->ndirty; a++) {
            if (pub->dirty[a]) {
                pub->dirty[a] = 0;
                pub->pass[pub->pass_n++] = a;
            }
        }

        pub->dirty_any = 0;
        pub->pass_i = 0;
        pub->figures_cost = 0;
    }

    /* a few milliseconds' worth, then the event loop's other work */

    start = ngx_http_onestop_redis_usec();
    spent = 0;

    while (pub->pass_i < pub->pass_n) {
        a = pub->pass[pub->pass_i++];

        if (ngx_http_onestop_redis_agency(pub, cat, a, seq) != NGX_OK) {
            break;
        }

        spent = ngx_http_onestop_redis_usec() - start;

        if (spent >= NGX_HTTP_ONESTOP_REDIS_BUDGET) {
            break;
        }
    }

    onestop_store_read_end(st);

    pub->figures_cost += spent;

    if (pub->pass_i < pub->pass_n) {
        ngx_post_event(&pub->figures, &ngx_posted_next_events);
        return;
    }

    pub->pass_n = 0;
    pub->pass_i = 0;

    /* a twentieth of the worker's time at most */

    pub->figures_next = ngx_current_msec
                        + (ngx_msec_t) (pub->figures_cost
                                        * NGX_HTTP_ONESTOP_REDIS_SHARE / 1000);
}


/* {"seq", "agency", "all": {COUNTERS}, "year": {COUNTERS}} into the
 * snapshot hash and on both channels */

static ngx_int_t
ngx_http_onestop_redis_agency(ngx_http_onestop_publisher_t *pub,
    const onestop_catalog_t *cat, uint32_t agency, uint64_t seq)
{
    u_char                     *p;
    size_t                      len, argvlen[4], cap;
    yajl_gen                    g;
    onestop_str_t               id;
    onestop_counts_t            all, year;
    const char                 *argv[4];
    ngx_uint_t                  i;
    const unsigned char        *buf;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (agency == 0) {
        id.data = "province";
        id.len = 8;

    } else if (cat != NULL && agency <= cat->nagencies
               && cat->agencies[agency].present)
    {
        id = cat->agencies[agency].id;

    } else {
        return NGX_OK;
    }

    ngx_memzero(&all, sizeof(onestop_counts_t));
    ngx_memzero(&year, sizeof(onestop_counts_t));

    if (onestop_store_agency_counts(wk->store, agency, pub->today,
                                    &all, &year)
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                      "onestop_redis: could not read the figures of "
                      "\"%*s\" from store \"%V\"", id.len, id.data,
                      &pub->omcf->store_path);
        return NGX_OK;
    }

    cap = pub->channel.len + 1 + id.len;

    if (cap > pub->chan_cap) {
        if (pub->chan != NULL) {
            ngx_free(pub->chan);
        }

        pub->chan = ngx_alloc(cap, pub->log);

        if (pub->chan == NULL) {
            pub->chan_cap = 0;
            return NGX_ERROR;
        }

        pub->chan_cap = cap;
    }

    p = ngx_cpymem(pub->chan, pub->channel.data, pub->channel.len);
    *p++ = ':';
    p = ngx_cpymem(p, id.data, id.len);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_ERROR;
    }

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "seq");
    yajl_gen_integer(g, (long long) seq);
    onestop_gen_cstr(g, "agency");
    onestop_gen_str(g, id.data, id.len);
    onestop_gen_cstr(g, "all");
    yajl_gen_map_open(g);
    onestop_counts_render(g, &all);
    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "year");
    yajl_gen_map_open(g);
    onestop_counts_render(g, &year);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        yajl_gen_free(g);
        return NGX_ERROR;
    }

    /* the snapshot first: a consumer that reads it after a message never
     * sees older figures than the message had */

    for (i = 0; i < 3; i++) {
        if (i == 0) {
            argv[0] = "HSET";
            argvlen[0] = 4;
            argv[1] = (const char *) pub->live.data;
            argvlen[1] = pub->live.len;
            argv[2] = id.data;
            argvlen[2] = id.len;
            argv[3] = (const char *) buf;
            argvlen[3] = len;

        } else {
            argv[0] = "PUBLISH";
            argvlen[0] = 7;
            argv[1] = (const char *) (i == 1 ? pub->chan : pub->channel.data);
            argvlen[1] = i == 1 ? (size_t) (p - pub->chan) : pub->channel.len;
            argv[2] = (const char *) buf;
            argvlen[2] = len;
        }

        if (ngx_http_onestop_redis_command(pub,
                                           ngx_http_onestop_redis_on_figures,
                                           (void *) (uintptr_t) agency,
                                           i == 0 ? 4 : 3, argv, argvlen)
            != NGX_OK)
        {
            yajl_gen_free(g);
            return NGX_ERROR;
        }

        ngx_http_onestop_redis_sent(pub, 1);
    }

    yajl_gen_free(g);

    return NGX_OK;
}


static uint64_t
ngx_http_onestop_redis_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/*
 * The adapter.  hiredis owns the socket (it closes it when it frees its
 * context); nginx's connection only carries the events.  Reads are
 * registered level-triggered: hiredis reads at most 16 KiB per call, and
 * an edge-triggered event would not fire again for the rest.
 */

static void
ngx_http_onestop_redis_event(ngx_event_t *ev)
{
    ngx_connection_t              *c = ev->data;
    ngx_http_onestop_publisher_t  *pub = c->data;

    if (pub->ac == NULL || pub->conn != c) {
        return;
    }

    if (c->close) {
        /* worker_shutdown_timeout */
        ngx_http_onestop_redis_release(pub);
        ngx_http_onestop_redis_drop(pub);
        return;
    }

    /* may free the context and, through the cleanup hook, c */

    if (ev->write) {
        redisAsyncHandleWrite(pub->ac);

    } else {
        redisAsyncHandleRead(pub->ac);
    }
}


/* hiredis's four event hooks: level-triggered, since hiredis reads at
 * most 16 KiB a call */

static void
ngx_http_onestop_redis_watch(ngx_http_onestop_publisher_t *pub, int write,
    int on)
{
    ngx_event_t       *ev;
    ngx_connection_t  *c;

    c = pub->conn;

    if (c == NULL) {
        return;
    }

    ev = write ? c->write : c->read;

    if (on && !ev->active) {
        if (ngx_add_event(ev, write ? NGX_WRITE_EVENT : NGX_READ_EVENT,
                          NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ERR, pub->log, 0,
                          "onestop_redis: could not watch the connection");
        }

    } else if (!on && ev->active) {
        (void) ngx_del_event(ev, write ? NGX_WRITE_EVENT : NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_onestop_redis_add_read(void *data)
{
    ngx_http_onestop_redis_watch(data, 0, 1);
}


static void
ngx_http_onestop_redis_del_read(void *data)
{
    ngx_http_onestop_redis_watch(data, 0, 0);
}


static void
ngx_http_onestop_redis_add_write(void *data)
{
    ngx_http_onestop_redis_watch(data, 1, 1);
}


static void
ngx_http_onestop_redis_del_write(void *data)
{
    ngx_http_onestop_redis_watch(data, 1, 0);
}


/* hiredis frees its context (and will close the socket right after) */

static void
ngx_http_onestop_redis_cleanup(void *data)
{
    ngx_http_onestop_publisher_t  *pub = data;

    ngx_uint_t          closing;
    ngx_connection_t   *c;
    redisAsyncContext  *ac;

    c = pub->conn;
    ac = pub->ac;

    if (c != NULL) {
        if (c->read->active) {
            (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
        }

        if (c->write->active) {
            (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        /* the socket is hiredis's to close */
        ngx_free_connection(c);
        c->fd = (ngx_socket_t) -1;
        pub->conn = NULL;
    }

    closing = pub->closing;

    pub->ac = NULL;
    pub->ready = 0;
    pub->closing = 0;
    pub->inflight = 0;
    pub->pending = 0;

    if (pub->timeout.timer_set) {
        ngx_del_timer(&pub->timeout);
    }

    if (pub->leader) {
        __atomic_store_n(&pub->sh->connected, 0, __ATOMIC_RELEASE);
    }

    if (!closing) {
        /* Redis went away: EOF, a reset, a refused connect */
        ngx_http_onestop_redis_failed(pub, NGX_HTTP_ONESTOP_REDIS_DOWN,
                                      ac != NULL && ac->err ? ac->errstr
                                      : "connection closed", 0);

    } else if (!pub->waiting) {
        /* dropped on purpose without a failure: reconnect soon */
        pub->retry_at = ngx_current_msec + NGX_HTTP_ONESTOP_REDIS_BACKOFF;
        pub->waiting = 1;
    }
}
