/*
 * The change feed's publisher, its decisions apart from nginx (SPEC
 * section 9, engine/publisher.c): which changes a round sends, and what
 * Redis's reply to its EXEC acknowledges.  nginx's publisher
 * (ngx_http_onestop_redis.c) holds the lease, sends the round's commands
 * and hands the reply back here.
 */

#ifndef ONESTOP_PUBLISHER_H
#define ONESTOP_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_feed.h"


#define ONESTOP_PUBLISH_ROUND  500          /* XADDs per round, at most */

struct redisReply;

typedef struct {
    onestop_resp_t        cmds;       /* MULTI, XADDs, log XADDs, EXEC */
    onestop_change_t     *changes;    /* room for a round's */
    onestop_log_entry_t  *entries;    /* log=on: the same; else NULL */
    size_t                log_from;   /* the first log XADD in cmds */
    int                   gap;        /* the first XADD is a gap entry */
    onestop_day_t         today;      /* the day the figures are of */
} onestop_publish_t;

/* what the reply to a round's EXEC says */
typedef struct {
    uint64_t                  acked;    /* Redis has everything up to it */
    uint64_t                  changes;  /* that many changes more */
    int                       ok;       /* no refusal */
    int                       later;    /* stored after a refused one */
    int                       more;     /* a full round: catching up */
    const struct redisReply  *error;    /* the refusal, for the log */
} onestop_publish_ack_t;

/* 0, or -1 when memory ran out; log: log=on */
int onestop_publish_init(onestop_publish_t *p, int log);
void onestop_publish_free(onestop_publish_t *p);

/* The store's day is `today`: when it turned since the last call,
 * "year", "pending" and "overdue" moved without a write, and every
 * agency's figures are due. */
void onestop_publish_today(onestop_publish_t *p, onestop_feed_t *f,
    onestop_day_t today);

/*
 * On the current read of st (at seq): the next round past `acked` into
 * p->cmds, the stream's XADDs (onestop_feed_round) and with log=on the
 * log's, in the same MULTI.  0; -1 when the outbox could not be read
 * (nothing to send); -2 when memory ran out (do not send).
 */
int onestop_publish_round(onestop_publish_t *p, onestop_feed_t *f,
    onestop_store_t *st, uint64_t acked, uint64_t seq);

/*
 * Redis's reply to the round's EXEC (not NULL), the feed having been
 * acknowledged up to `acked`: each XADD stored, or refused as a
 * duplicate (a replay), acknowledges its seq, up to the first refusal;
 * with log=on, only what both streams have.
 */
void onestop_publish_ack(const onestop_publish_t *p,
    const struct redisReply *reply, uint64_t acked,
    onestop_publish_ack_t *a);

/*
 * Redis's reply to XREVRANGE {prefix}:changes + - COUNT 1 (not NULL; the
 * first of EXEC's reply to onestop_feed_top) on a new connection, the
 * feed having been acknowledged up to `acked`: 1 when the stream ends
 * before acked (Redis restarted from an older snapshot, or without one,
 * or the stream was deleted): the figures' hash is as old, and every
 * agency's figures are due; else 0.
 */
int onestop_publish_lost(const struct redisReply *reply, uint64_t acked);

#define ONESTOP_TOP_LOST      1
#define ONESTOP_TOP_AHEAD     2
#define ONESTOP_TOP_DIVERGED  3

/*
 * The connection's check, on EXEC's reply to onestop_feed_top, the
 * store's last change `seq` and the current read of the store (st; NULL:
 * no comparison of entries): 0, publish; ONESTOP_TOP_LOST as
 * onestop_publish_lost; ONESTOP_TOP_AHEAD, a stream (the changes or, with
 * log=on, the replicas' log) ends beyond the store's last change;
 * ONESTOP_TOP_DIVERGED, a stream's last entry is another change than the
 * store's under that number, as far as its outbox or its change log tell.
 * Both are a store restored from an older backup (the second one that
 * committed before it published), or another primary publishing under
 * the prefix: this store's changes would take numbers the stream holds,
 * which Redis refuses as replays.  For them nothing may be published: msg
 * says why and what to do (store: the store's directory, for the log),
 * *which names the stream.
 */
int onestop_publish_top(const struct redisReply *reply,
    const onestop_feed_t *f, onestop_store_t *st, uint64_t acked,
    uint64_t seq, const char *store, size_t store_len, char *msg,
    size_t len, const onestop_str_t **which);

#endif /* ONESTOP_PUBLISHER_H */
