/*
 * A change log's stream of Server-Sent Events apart from its connection
 * (engine/sse.c): where it resumes, what it sent last, when it reads the
 * log again, the events it sends (the entries, "gone", a heartbeat).
 * nginx's handler (ngx_http_onestop_changes.c) keeps the timer and the
 * connection, and sends what s->out holds.
 */

#ifndef ONESTOP_SSE_H
#define ONESTOP_SSE_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_changes.h"
#include "onestop_store.h"
#include "onestop_util.h"


#define ONESTOP_SSE_UNKNOWN  UINT64_MAX     /* the store's seq, not known */

enum {
    ONESTOP_SSE_IDLE = 0,       /* nothing new: onestop_sse_idle */
    ONESTOP_SSE_READ,           /* read: onestop_sse_read, then _idle */
    ONESTOP_SSE_WAIT            /* the client has not taken the last send */
};

typedef struct {
    uint64_t            after;      /* the last id sent */
    unsigned            quiet;      /* ms since something was sent */
    unsigned            heartbeat;  /* ms of quiet before a comment */
    onestop_buf_t       out;        /* what is to be sent; the caller
                                       empties it once it is taken */
    char                error[256]; /* why the last read failed */
} onestop_sse_t;

/*
 * Where a stream resumes: after the Last-Event-ID (id, len; id NULL: no
 * header), else after= of the query, else from what comes next.  0, or
 * -1 when the id is not a change's seq.
 */
int onestop_sse_resume(const onestop_changes_query_t *q, const char *id,
    size_t len, uint64_t *after);

/*
 * The stream's start on the current read of st: the reconnection delay,
 * then the entries past `after` into s->out.  The status of
 * onestop_changes_read (200, else 404 or 410 with res->message, 500).
 */
int onestop_sse_open(onestop_sse_t *s, onestop_store_t *st, uint64_t after,
    unsigned heartbeat, onestop_changes_result_t *res);

/* A tick, `ms` after the last, the store being at seq (ONESTOP_SSE_UNKNOWN
 * when nothing says): what to do. */
int onestop_sse_tick(onestop_sse_t *s, unsigned ms, uint64_t seq);

/* On the current read: the entries past what was sent, into s->out.  1
 * when the client fell behind the log: a "gone" event was put in s->out
 * instead, the last the stream sends (the same id again gets the 410 at
 * once); -1 when the read failed (s->error says why; nothing is sent, the
 * next tick reads again); else 0. */
int onestop_sse_read(onestop_sse_t *s, onestop_store_t *st);

/* The tick's end: with nothing to send after a quiet of the heartbeat,
 * a comment, so that proxies and clients see the stream alive. */
void onestop_sse_idle(onestop_sse_t *s);

/* what s->out held was taken by the client */
void onestop_sse_sent(onestop_sse_t *s);

#endif /* ONESTOP_SSE_H */
