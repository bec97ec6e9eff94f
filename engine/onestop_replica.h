/*
 * Replication (issue 14): the primary's log of committed changes, and a
 * follower applying it.
 *
 * Every committed change has a sequence number (the outbox's) and a
 * running digest, SHA-256 chained over the sequence (the previous digest,
 * the sequence, the change's bytes), kept in the store's meta in the
 * change's own transaction, on every store whether or not it publishes.
 * The primary's publisher turns outbox entries into {prefix}:log entries
 * (onestop_replica_log); a follower's reader hands what it read to
 * onestop_replica_apply, which stores each change through the same write
 * path as the primary (records, counters, apology index, evaluations and
 * their days, catalog, outbox sequence and digest), one transaction per
 * call, so that at the same sequence both stores hold the same data.
 * Nothing here talks to Redis.
 */

#ifndef ONESTOP_REPLICA_H
#define ONESTOP_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_store.h"

/* onestop_replica_apply's answers besides ONESTOP_OK, ONESTOP_ERROR and
 * ONESTOP_FULL */
#define ONESTOP_REPLICA_BEHIND     3     /* an entry is missing from the log:
                                            seed again from a backup */
#define ONESTOP_REPLICA_DIVERGED   4     /* an entry does not continue this
                                            store's chain: stop */

#define ONESTOP_LOG_FIELDS         8
#define ONESTOP_DIGEST_HEX         64

typedef struct {
    const char      *name;
    size_t           name_len;
    const char      *value;
    size_t           value_len;
} onestop_log_field_t;

/*
 * One entry of the stream {prefix}:log, with the id "{seq}-0", as
 * field-value pairs:
 *   seq     the sequence, decimal
 *   kind    "dossier", "delete", "catalog", "evaluation", or "gap"
 *   code    the dossier's code (dossier, delete, evaluation)
 *   ts      the primary's commit time, milliseconds since the epoch
 *   digest  the running digest after this change, 64 hex digits
 *   data    the change's bytes (binary: lmdb-schema/README.md, "outbox"),
 *           the record as stored with its contacts: the stream is
 *           internal
 *   upto    the primary's sequence when the entry was read to be
 *           published, decimal: the end of a commit at or after it (a
 *           follower applies a commit whole, onestop_replica_whole)
 * and for a gap (changes the log cannot carry: dropped past
 * onestop_outbox_max, or committed while the store did not log them):
 *   seq (the last lost), kind "gap", first, last.
 * Field names and values are not NUL-terminated.
 */
typedef struct {
    uint64_t             seq;
    size_t               nfields;
    onestop_log_field_t  field[ONESTOP_LOG_FIELDS];

    /* the text of the numbers and the digest that onestop_replica_log
     * fills (its fields point here: do not copy an entry) */
    char                 seq_text[24];
    char                 ts_text[24];
    char                 first_text[24];
    char                 upto_text[24];
    char                 digest_text[ONESTOP_DIGEST_HEX + 1];
} onestop_log_entry_t;

/*
 * The primary's side, on the current read (between read_begin and
 * read_end, which the fields' values last as long as): the log entries
 * of the changes past `after`, at most `max`, in order, ready for
 * XADD {prefix}:log [MAXLEN ~ N] {seq}-0 name value ...  Changes the
 * outbox no longer has, or has without their bytes (the store did not
 * log when they were committed: onestop_replica_set_log), come as one
 * gap entry in their place.  Returns the number of entries (0: nothing
 * past `after`), or -1 when the store could not be read.  Once they are
 * stored, the publisher's position is out[n - 1].seq.
 */
long onestop_replica_log(onestop_store_t *st, uint64_t after,
    onestop_log_entry_t *out, size_t max);

typedef struct {
    uint64_t         seq;           /* the store's sequence after the call */
    int64_t          ts;            /* the primary's commit time of the
                                       last change applied (ms); 0: none */
    size_t           applied;
    size_t           skipped;       /* at or below the store's sequence */
    uint64_t         missing;       /* BEHIND: the first change not there */
    uint64_t         bad;           /* DIVERGED: the entry refused */
    char             message[256];  /* what went wrong, and what to do */
} onestop_replica_result_t;

/*
 * The follower's side: applies log entries (as read from the stream; only
 * the fields are read, and `seq`, the stream id's, when not 0, must agree
 * with the seq field) in one write transaction, each through the write
 * path the primary took.  Entries at or below the store's sequence are
 * skipped (a replay).  The entries before a refused one are kept (the
 * transaction commits them) and the store stays at the last good one:
 *   ONESTOP_OK                every entry applied or skipped;
 *   ONESTOP_REPLICA_BEHIND    an entry is missing (a gap in the sequence,
 *                             or a gap entry): res->missing; seed again;
 *   ONESTOP_REPLICA_DIVERGED  an entry's digest is not this store's chain
 *                             extended by it, or the entry cannot be
 *                             applied: res->bad; stop applying;
 *   ONESTOP_FULL, ONESTOP_ERROR  nothing was written (no room, a store
 *                             failure, not a follower's store): try again
 *                             later; res->message says why.
 * Must not be called while this thread has a read open.
 */
int onestop_replica_apply(onestop_store_t *st, const onestop_log_entry_t *e,
    size_t n, onestop_replica_result_t *res);

typedef struct {
    int              role;          /* ONESTOP_ROLE_* */
    char             follows[ONESTOP_FOLLOWS_MAX + 1];  /* the primary's
                                       prefix, a follower's; "" */
    uint64_t         seq;
    char             digest[ONESTOP_DIGEST_HEX + 1];
    uint64_t         published;
    int              log;           /* outbox entries keep their bytes */
} onestop_replica_status_t;

/* The store's replication state on the current read: 0, or -1. */
int onestop_replica_status(onestop_store_t *st, onestop_replica_status_t *s);

/*
 * Makes the store a follower of the primary that publishes under
 * `prefix` (1-128 printable bytes, no space): its writes are refused
 * (503 read_only) and onestop_replica_apply takes the primary's log from
 * its sequence on.  A store seeded from `onestop backup` of the primary
 * has the primary's sequence and digest.  0, or -1 with err.
 */
int onestop_replica_follow(onestop_store_t *st, const char *prefix,
    size_t len, char *err, size_t errlen);

/*
 * Makes a follower's store a primary (the old primary gone): it takes
 * writes, and publishes from its sequence on (everything up to it came
 * from the old primary's log).  0; 1 when it was a primary already
 * (nothing changed); -1 with err.
 */
int onestop_replica_promote(onestop_store_t *st, char *err, size_t errlen);

/*
 * Whether the outbox entries of later changes keep the change's bytes,
 * which onestop_replica_log needs (onestop_redis ... log=on): kept in the
 * store, so that the CLI's writes follow it too.  0, or -1 with err.
 */
int onestop_replica_set_log(onestop_store_t *st, int on, char *err,
    size_t errlen);

/*
 * What nginx's configuration makes of the store when a worker starts: a
 * follower of the primary that publishes under `follows` (NULL: none,
 * onestop_replica_follow) and its log kept or not (`log` 1 or 0; -1:
 * no onestop_redis, onestop_replica_set_log).  Writes only what changes:
 * a store already so takes no write, which one without room could not.
 * 0, or -1 with err, which says what could not be done and why.
 */
int onestop_replica_configure(onestop_store_t *st, const char *follows,
    size_t len, int log, char *err, size_t errlen);


/*
 * A follower's reader (onestop_follow, issue 14) reads the log with
 * XREAD (onestop_feed_xread) and hands what it read here: the entries
 * copied out of the reply, which hiredis frees once its callback
 * returns, for onestop_replica_apply on another thread.
 */
typedef struct {
    onestop_log_entry_t  *e;
    size_t                n;
    size_t                cap;
    char                 *bytes;       /* the fields' names and values */
    size_t                size;
    uint64_t              last;        /* the last entry's seq */
} onestop_replica_batch_t;

struct redisReply;

/* the value of field `name` in a stream entry's [field, value, ...] (a
 * string), or NULL */
const struct redisReply *onestop_redis_field(const struct redisReply *fv,
    const char *name);

/* 1 when a stream entry's fields fv differ from the store's change `top`
 * as its change log keeps it: the kind, the commit time (log: the
 * replicas' log, its ts in ms; else the feed's, to the second) and a
 * dossier's public record; 0 when the same, or nothing to compare */
int onestop_replica_entry_differs(onestop_store_t *st,
    const struct redisReply *fv, int log, uint64_t top);

/*
 * XREAD's reply (hiredis's) into b, which is emptied first: the number of
 * entries (0: a nil reply, the BLOCK timed out), -1 when the reply is
 * not the shape XREAD answers with (an error reply included), -2 when
 * memory ran out.
 */
long onestop_replica_parse_xread(onestop_replica_batch_t *b,
    const struct redisReply *r);

/*
 * How many of the first entries a follower applies now, so that it never
 * shows part of a primary's commit (a batch is atomic): those up to the
 * last end of a commit the entries name ("upto" at or below the last
 * entry's sequence; an entry without "upto", a gap's or an older
 * primary's, ends one itself).  0 when they end none: read them again
 * with what follows, unless `full` (the read could take no more: a commit
 * larger than a read), which takes them all.
 */
size_t onestop_replica_whole(const onestop_log_entry_t *e, size_t n,
    int full);
void onestop_replica_batch_free(onestop_replica_batch_t *b);

/* a follower's state, for /metrics */
#define ONESTOP_FOLLOW_FOLLOWING   0
#define ONESTOP_FOLLOW_BEHIND      1
#define ONESTOP_FOLLOW_DIVERGED    2

/* what a follower's workers share (nginx's zone): every field 64 bits,
 * read by the others with atomics; said_at and unsaid are the leader's
 * own (onestop_follow_done's), kept here so that a worker taking the
 * lead over does not say a failure again at once */
typedef struct {
    uint64_t         applied;       /* the store's seq after the last batch */
    uint64_t         log_seq;       /* the last seq read from the log */
    uint64_t         lag_ms;        /* the last batch: applied at - the
                                       primary's commit time; 0 caught up */
    uint64_t         state;         /* ONESTOP_FOLLOW_* */
    uint64_t         said_at;       /* ms: a failure to apply last logged */
    uint64_t         unsaid;        /* failures since, not logged */
} onestop_follow_share_t;

/* a failure to apply that repeats (a full map: every tick) is said once a
 * minute, with how many times it came in between */
#define ONESTOP_FOLLOW_SAY_MS  60000

/*
 * A follower's look at the log's end when a read found nothing past its
 * store (on the current read of st): the reply to XREVRANGE {prefix}:log
 * + - COUNT 1 (onestop_feed_log_top).  ONESTOP_REPLICA_DIVERGED, res->bad
 * and res->message, when the log ends below the store's sequence at an
 * entry that is not the store's change under that number (its kind or
 * commit time differs from the change log's): the primary was restored
 * from an older backup and its feed reset, and it publishes other changes
 * under the numbers this store has.  ONESTOP_OK otherwise: the log ends
 * at or past the store, it is empty, its last entry is this store's (Redis
 * lost what followed), or the change log does not hold the change.
 */
int onestop_replica_top(onestop_store_t *st, const struct redisReply *r,
    onestop_replica_result_t *res);

/*
 * A follower's batch done (onestop_replica_apply's rc and res, committed
 * at now_ms) into its shared state: the applied sequence, the lag, the
 * state.  0: go on reading; ONESTOP_FOLLOW_BEHIND or _DIVERGED: stop,
 * and log msg (what happened, what to do); -1: nothing was written
 * (ONESTOP_FULL, ONESTOP_ERROR: again later), msg says why, or is empty
 * when the failure was said less than ONESTOP_FOLLOW_SAY_MS ago.
 */
int onestop_follow_done(onestop_follow_share_t *f, int rc,
    const onestop_replica_result_t *res, int64_t now_ms, char *msg,
    size_t len);

/*
 * The replication metrics, Prometheus text: onestop_log_seq (a primary's:
 * the last seq the log holds, log_seq; a follower's: the last seq it
 * read), and on a follower (f not NULL) onestop_replica_applied_seq,
 * onestop_replica_lag_seconds and onestop_replica_state{state=...}.
 */
void onestop_replica_metrics(const onestop_follow_share_t *f,
    uint64_t log_seq, onestop_buf_t *b);

#endif /* ONESTOP_REPLICA_H */
