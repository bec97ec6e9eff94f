/*
 * The change feed's connection to Redis: hiredis 0.14 on nginx's events,
 * the handshake, the reply timeout, reconnection with backoff and jitter,
 * and the log's one line per state.  hiredis owns the socket and closes
 * it when it frees its context; nginx's connection only carries the
 * events, registered level-triggered since hiredis reads at most 16 KiB a
 * call and an edge-triggered event would not fire again for the rest.
 * hiredis has no timers: the connect and reply timeouts are nginx timers.
 * What the log says of the connection, and when to retry, is
 * engine/link.c's.
 * The owner (the publisher, or a read node's follower) is called only
 * through the pointers it gave: hello() when the handshake is answered,
 * gone() when the connection is over.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_onestop.h"
#include "onestop_link.h"


#define NGX_HTTP_ONESTOP_HIREDIS_TIMEOUT      2000   /* connect, replies */


struct ngx_http_onestop_hiredis_s {
    redisAsyncContext                  *ac;        /* NULL: not connected */
    ngx_connection_t                   *conn;
    ngx_log_t                          *log;
    ngx_http_onestop_redis_conf_t      *conf;
    onestop_feed_share_t               *sh;        /* connected, failures */
    ngx_event_t                         timeout;
    ngx_http_onestop_hiredis_hello_pt   hello;
    ngx_http_onestop_hiredis_gone_pt    gone;
    void                               *data;

    unsigned                            ready:1;   /* handshake answered */
    unsigned                            closing:1; /* we drop it */
    unsigned                            waiting:1; /* retry_at is set */

    onestop_link_t                      link;      /* what the log says */
    ngx_uint_t                          pending;   /* replies outstanding */
    ngx_msec_t                          retry_at;
};


static void ngx_http_onestop_hiredis_on_hello(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_onestop_hiredis_failed(ngx_http_onestop_hiredis_t *h,
    int state, const char *reason, size_t len);
static void ngx_http_onestop_hiredis_expired(ngx_event_t *ev);
static void ngx_http_onestop_hiredis_event(ngx_event_t *ev);
static void ngx_http_onestop_hiredis_watch(ngx_http_onestop_hiredis_t *h,
    int write, int on);
static void ngx_http_onestop_hiredis_add_read(void *data);
static void ngx_http_onestop_hiredis_del_read(void *data);
static void ngx_http_onestop_hiredis_add_write(void *data);
static void ngx_http_onestop_hiredis_del_write(void *data);
static void ngx_http_onestop_hiredis_cleanup(void *data);


ngx_http_onestop_hiredis_t *
ngx_http_onestop_hiredis_create(ngx_cycle_t *cycle,
    ngx_http_onestop_redis_conf_t *conf, onestop_feed_share_t *sh,
    ngx_http_onestop_hiredis_hello_pt hello,
    ngx_http_onestop_hiredis_gone_pt gone, void *data)
{
    ngx_http_onestop_hiredis_t  *h;

    h = ngx_pcalloc(cycle->pool, sizeof(ngx_http_onestop_hiredis_t));
    if (h == NULL) {
        return NULL;
    }

    h->log = cycle->log;
    h->conf = conf;
    h->sh = sh;
    h->hello = hello;
    h->gone = gone;
    h->data = data;
    onestop_link_init(&h->link, (int) conf->follow, (char *) conf->name.data,
                      conf->name.len);

    h->timeout.handler = ngx_http_onestop_hiredis_expired;
    h->timeout.data = h;
    h->timeout.log = cycle->log;
    h->timeout.cancelable = 1;

    return h;
}


/* answered, not going, not waiting after a refusal */

ngx_uint_t
ngx_http_onestop_hiredis_usable(ngx_http_onestop_hiredis_t *h)
{
    return h->ac != NULL && h->ready && !h->closing
           && !(h->waiting
                && (ngx_msec_int_t) (h->retry_at - ngx_current_msec) > 0);
}


/* a connection and its handshake, unless one is there or a retry waits */

void
ngx_http_onestop_hiredis_connect(ngx_http_onestop_hiredis_t *h,
    onestop_resp_t *hello)
{
    size_t              i, len;
    u_char              why[128];
    const char         *cmd;
    ngx_connection_t   *c;
    redisAsyncContext  *ac;

    if (h->ac != NULL
        || (h->waiting
            && (ngx_msec_int_t) (h->retry_at - ngx_current_msec) > 0))
    {
        return;
    }

    h->waiting = 0;

    /* an address resolved with the configuration: connect() only */

    ac = redisAsyncConnect((char *) h->conf->host.data, (int) h->conf->port);

    if (ac == NULL || ac->err) {
        ngx_cpystrn(why, (u_char *) (ac ? ac->errstr : "out of memory"),
                    sizeof(why));
        ngx_http_onestop_hiredis_failed(h, ONESTOP_LINK_DOWN, (char *) why,
                                        0);
        if (ac != NULL) {
            redisAsyncFree(ac);
        }

        return;
    }

    c = ngx_get_connection(ac->c.fd, h->log);

    if (c == NULL) {
        ngx_http_onestop_hiredis_failed(h, ONESTOP_LINK_DOWN,
                                        "no free connection "
                                        "(worker_connections)", 0);
        redisAsyncFree(ac);
        return;
    }

    c->data = h;
    c->read->handler = ngx_http_onestop_hiredis_event;
    c->write->handler = ngx_http_onestop_hiredis_event;
    c->read->log = h->log;
    c->write->log = h->log;

    /* the owner's reply callbacks find it in ac->data */
    ac->data = h->data;
    ac->ev.data = h;
    ac->ev.addRead = ngx_http_onestop_hiredis_add_read;
    ac->ev.delRead = ngx_http_onestop_hiredis_del_read;
    ac->ev.addWrite = ngx_http_onestop_hiredis_add_write;
    ac->ev.delWrite = ngx_http_onestop_hiredis_del_write;
    ac->ev.cleanup = ngx_http_onestop_hiredis_cleanup;

    h->ac = ac;
    h->conn = c;
    h->ready = 0;
    h->closing = 0;
    h->pending = 0;
    h->link.error_len = 0;

    /* the handshake's replies; the last one says it is usable */

    for (i = 0; i < hello->n; i++) {
        cmd = onestop_resp_cmd(hello, i, &len);

        if (hello->failed
            || ngx_http_onestop_hiredis_send(h,
                                            ngx_http_onestop_hiredis_on_hello,
                                            (void *) (uintptr_t)
                                            (i + 1 == hello->n),
                                            cmd, len)
               != NGX_OK)
        {
            ngx_http_onestop_hiredis_drop(h, "could not send");
            return;
        }
    }
}


/* a command already in RESP, its reply to fn(ac, reply, data) */

ngx_int_t
ngx_http_onestop_hiredis_send(ngx_http_onestop_hiredis_t *h,
    ngx_http_onestop_hiredis_pt fn, void *data, const char *cmd, size_t len)
{
    if (h->ac == NULL || h->closing
        || redisAsyncFormattedCommand(h->ac, fn, data, cmd, len) != REDIS_OK)
    {
        return NGX_ERROR;
    }

    /* the reply timeout runs while replies are outstanding, from the
     * last sign of progress */

    h->pending++;

    if (!h->timeout.timer_set) {
        ngx_add_timer(&h->timeout, NGX_HTTP_ONESTOP_HIREDIS_TIMEOUT);
    }

    return NGX_OK;
}


/* a reply came (NULL: the connection is going); an error is kept for
 * the log */

void
ngx_http_onestop_hiredis_answered(ngx_http_onestop_hiredis_t *h, void *reply)
{
    if (h->pending) {
        h->pending--;
    }

    if (h->pending == 0) {
        if (h->timeout.timer_set) {
            ngx_del_timer(&h->timeout);
        }

    } else {
        ngx_add_timer(&h->timeout, NGX_HTTP_ONESTOP_HIREDIS_TIMEOUT);
    }

    if (reply != NULL) {
        ngx_http_onestop_hiredis_error(h, reply);
    }
}


/* the first error reply since the last refusal, for the log */

void
ngx_http_onestop_hiredis_error(ngx_http_onestop_hiredis_t *h, void *reply)
{
    redisReply  *r = reply;

    if (r->type == REDIS_REPLY_ERROR) {
        onestop_link_error(&h->link, r->str, (size_t) r->len);
    }
}


/* Redis refused (what it said, or a reply that made no sense): again
 * after the backoff */

void
ngx_http_onestop_hiredis_refused(ngx_http_onestop_hiredis_t *h)
{
    ngx_http_onestop_hiredis_failed(h, ONESTOP_LINK_REFUSING, NULL, 0);
}


/* it works: the log says so once (Redis has up to acked of seq) */

void
ngx_http_onestop_hiredis_up(ngx_http_onestop_hiredis_t *h, uint64_t acked,
    uint64_t seq)
{
    u_char  msg[NGX_MAX_ERROR_STR];

    h->waiting = 0;

    if (onestop_link_up(&h->link, acked, seq, (int64_t) ngx_time(),
                        (char *) msg, sizeof(msg)))
    {
        ngx_log_error(NGX_LOG_NOTICE, h->log, 0, "%s", msg);
    }

    __atomic_store_n(&h->sh->connected, 1, __ATOMIC_RELEASE);
}


/* we end the connection (a timeout, a refusal, the lease, the exit);
 * why, when it is a failure */

void
ngx_http_onestop_hiredis_drop(ngx_http_onestop_hiredis_t *h, const char *why)
{
    if (h->ac == NULL || h->closing) {
        return;
    }

    if (why != NULL) {
        ngx_http_onestop_hiredis_failed(h, ONESTOP_LINK_DOWN, why, 0);
    }

    h->closing = 1;
    h->ready = 0;

    /* the pending callbacks run with no reply, then the cleanup hook;
     * inside a callback hiredis defers this until the callback returns */

    redisAsyncFree(h->ac);
}


static void
ngx_http_onestop_hiredis_on_hello(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_onestop_hiredis_t  *h = ac->ev.data;

    redisReply  *r = reply;

    ngx_http_onestop_hiredis_answered(h, r);

    if (data == NULL || r == NULL || h->closing) {
        /* AUTH, SELECT; or the connection is going: cleanup says why */
        return;
    }

    if (h->link.error_len || r->type != REDIS_REPLY_INTEGER) {
        ngx_http_onestop_hiredis_refused(h);
        ngx_http_onestop_hiredis_drop(h, NULL);
        return;
    }

    h->ready = 1;
    h->hello(h->data, r->integer != 0);
}


/* a failure (reason NULL: Redis's error reply); again after the delay */

static void
ngx_http_onestop_hiredis_failed(ngx_http_onestop_hiredis_t *h, int state,
    const char *reason, size_t len)
{
    u_char    msg[NGX_MAX_ERROR_STR];
    unsigned  delay;

    (void) __atomic_fetch_add(&h->sh->failures, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&h->sh->connected, state == ONESTOP_LINK_REFUSING
                                        && h->ready, __ATOMIC_RELEASE);

    if (onestop_link_failed(&h->link, state, reason, len,
                            (int64_t) ngx_time(), (unsigned) ngx_random(),
                            &delay, (char *) msg, sizeof(msg)))
    {
        ngx_log_error(NGX_LOG_ERR, h->log, 0, "%s", msg);
    }

    h->retry_at = ngx_current_msec + delay;
    h->waiting = 1;
}


static void
ngx_http_onestop_hiredis_expired(ngx_event_t *ev)
{
    ngx_http_onestop_hiredis_t  *h = ev->data;

    ngx_http_onestop_hiredis_drop(h, h->ready ? "no answer in time"
                                              : "could not connect in time");
}


static void
ngx_http_onestop_hiredis_event(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_onestop_hiredis_t  *h = c->data;

    if (h->ac == NULL || h->conn != c) {
        return;
    }

    if (c->close) {
        /* worker_shutdown_timeout */
        ngx_http_onestop_hiredis_drop(h, NULL);
        return;
    }

    /* may free the context and, through the cleanup hook, c */

    if (ev->write) {
        redisAsyncHandleWrite(h->ac);

    } else {
        redisAsyncHandleRead(h->ac);
    }
}


static void
ngx_http_onestop_hiredis_watch(ngx_http_onestop_hiredis_t *h, int write,
    int on)
{
    ngx_event_t  *ev;

    if (h->conn == NULL) {
        return;
    }

    ev = write ? h->conn->write : h->conn->read;

    if (on && !ev->active) {
        if (ngx_add_event(ev, write ? NGX_WRITE_EVENT : NGX_READ_EVENT,
                          NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ERR, h->log, 0,
                          "onestop_redis: could not watch the connection");
        }

    } else if (!on && ev->active) {
        (void) ngx_del_event(ev, write ? NGX_WRITE_EVENT : NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_onestop_hiredis_add_read(void *data)
{
    ngx_http_onestop_hiredis_watch(data, 0, 1);
}


static void
ngx_http_onestop_hiredis_del_read(void *data)
{
    ngx_http_onestop_hiredis_watch(data, 0, 0);
}


static void
ngx_http_onestop_hiredis_add_write(void *data)
{
    ngx_http_onestop_hiredis_watch(data, 1, 1);
}


static void
ngx_http_onestop_hiredis_del_write(void *data)
{
    ngx_http_onestop_hiredis_watch(data, 1, 0);
}


/* hiredis frees its context (and closes the socket right after) */

static void
ngx_http_onestop_hiredis_cleanup(void *data)
{
    ngx_http_onestop_hiredis_t  *h = data;

    ngx_connection_t   *c;
    redisAsyncContext  *ac;

    c = h->conn;
    ac = h->ac;

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
        h->conn = NULL;
    }

    h->ac = NULL;
    h->ready = 0;
    h->pending = 0;

    if (h->timeout.timer_set) {
        ngx_del_timer(&h->timeout);
    }

    if (!h->closing) {
        /* Redis went away: EOF, a reset, a refused connect */
        ngx_http_onestop_hiredis_failed(h, ONESTOP_LINK_DOWN,
                                        ac != NULL && ac->err ? ac->errstr
                                        : "connection closed", 0);

    } else if (!h->waiting) {
        /* dropped on purpose without a failure: reconnect soon */
        h->retry_at = ngx_current_msec + ONESTOP_LINK_BACKOFF;
        h->waiting = 1;
    }

    h->closing = 0;
    h->gone(h->data);
}
