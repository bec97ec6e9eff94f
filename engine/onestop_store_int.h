/*
 * The store's inside, shared by the files that work on its LMDB
 * databases directly (store.c, write.c, change.c, outbox.c, catalog_db.c,
 * replica.c, published.c, and the readers stats.c, verify.c, apologies.c,
 * published_read.c,
 * evaluation_summary.c); nothing else includes this.
 */

#ifndef ONESTOP_STORE_INT_H
#define ONESTOP_STORE_INT_H

#include <lmdb.h>

#include "onestop_counters.h"
#include "onestop_keys.h"
#include "onestop_scratch.h"
#include "onestop_stats.h"
#include "onestop_store.h"


struct onestop_store_s {
    MDB_env             *env;
    MDB_dbi              meta;
    MDB_dbi              dossiers;
    MDB_dbi              catalog;
    MDB_dbi              outbox;
    MDB_dbi              counters;
    MDB_dbi              apologies;
    MDB_dbi              evaluations;
    MDB_dbi              evaluation_days;
    MDB_dbi              feedback;      /* questions (feedback_db.c) */
    MDB_dbi              feedback_index;
    MDB_dbi              feedback_counters;
    int                  has_feedback;  /* a read-only open of an older
                                           store may not have them */
    MDB_dbi              changelog;     /* the change log (changelog.c) */
    int                  has_changelog; /* likewise */
    unsigned             changelog_days;  /* kept this long; 0: none */
    onestop_buf_t        cbuf;          /* the writer's, for its entries
                                           (changelog.c) */
    MDB_dbi              notify;        /* the notifier's (notify_db.c) */
    int                  has_notify;
    MDB_dbi              pubdb;         /* published figures (published.c) */
    int                  has_published; /* likewise */
    unsigned             grace_days;    /* onestop_report_grace_days, as
                                           the store records it */
    MDB_txn             *rtxn;          /* the reader's, reset between uses */
    int                  reading;
    int32_t              offset;
    uint64_t             outbox_max;
    int                  unread;        /* conf->unread */
    uint64_t             tag;           /* onestop_store_tag(); 0: not
                                           yet read */
    int64_t              commit_ms;     /* the demo's commit time (ms);
                                           0: the clock (outbox.c) */
    int                  borrowed;      /* a reader: the env is not its */
    int                  adopt_growth;  /* conf->adopt_growth */
    const char          *error;         /* why the last read failed */
    onestop_catalog_t   *rcat;          /* the reader thread's catalog */
    onestop_scratch_t    scratch;       /* ... its queries' tables
                                           (onestop_scratch.h) */
    onestop_catalog_t   *wcat;          /* the writer thread's catalog */
    onestop_deltas_t    *deltas;        /* the writer thread's: a write's */
    onestop_deltas_t    *gdeltas;       /* ... and its commit's */
    uint64_t             published;     /* set by the reader, atomics */
    uint64_t             trimmed;       /* the writer's */
    int                  full;          /* the writer's: see
                                           onestop_store_full() */
    int                  broken;        /* the writer's: MDB_PANIC */
    const struct onestop_calendar_s  *calendar;   /* conf->calendar */
    struct onestop_calendar_s        *own_calendar;
                                        /* the one recorded in the store,
                                           when conf gave none */
};


/*
 * The outbox's chain through a write transaction: the last sequence
 * given, the running digest after it, and how entries are written.  Taken
 * from meta when the transaction begins (outbox.c), advanced by each
 * appended change, stored back in meta with it.
 */
typedef struct onestop_chain_s {
    uint64_t             seq;
    uint8_t              digest[ONESTOP_DIGEST_LEN];
    int64_t              ts;            /* the commit time an entry gets,
                                           ms since the epoch */
    int                  log;           /* entries keep the change's bytes */
} onestop_chain_t;


/* the apologies index key of a letter: 4 bytes of inverted issue day
 * (newest first), then the code; returns its length (change.c) */
size_t onestop_apology_key(onestop_day_t day, const onestop_str_t *code,
    uint8_t *key);

/*
 * change.c: the changes every writer makes alike, the primary's checked
 * writes (write.c) and a follower's log (replica.c).
 *
 * A record or tombstone `value` (its binary form) stored under `code` over
 * `old` (the stored record, decoded; NULL when there is none or it is a
 * tombstone): the old record's events out of st->deltas and the new one's
 * in, the apology index, the record, and its outbox entry (a delete for a
 * tombstone).  An LMDB error code (MDB_CORRUPTED when value does not
 * decode).
 */
int onestop_change_record(onestop_store_t *st, MDB_txn *txn,
    onestop_chain_t *c, const onestop_str_t *code,
    const onestop_record_t *old, const uint8_t *value, size_t len);
/* an evaluation's value stored under `code` (there must be none yet), its
 * day in evaluation_days and its outbox entry; an LMDB error code */
int onestop_change_evaluation(onestop_store_t *st, MDB_txn *txn,
    onestop_chain_t *c, const onestop_str_t *code, const uint8_t *value,
    size_t len);

/* write.c: a write transaction begun (the writer's deltas ready, a map
 * another process grew adopted or refused); an LMDB error code */
int onestop_write_begin(onestop_store_t *st, MDB_txn **txn);
/* write.c: after a write transaction failed with rc (and was aborted):
 * records a full store (its ONESTOP_FULL_* is returned, 0 for another
 * failure) or a broken environment, and drops the writer's catalog */
int onestop_write_failed(onestop_store_t *st, int rc);

/* store.c: a u64 of meta (0 when it is missing), and a put; an LMDB error
 * code */
int onestop_meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name,
    uint64_t *v);
/* store_settings.c: what nginx records for the CLI, at an open
 * (onestop_store_settings: st->changelog_days, grace_days, calendar);
 * nginx's calendar recorded in meta when it changed; the one recorded
 * (NULL: none, weekends only), for the CLI */
void onestop_store_settings(onestop_store_t *st,
    const onestop_store_conf_t *conf);
void onestop_store_calendar_record(onestop_store_t *st,
    const struct onestop_calendar_s *cal);
struct onestop_calendar_s *onestop_store_calendar_recorded(
    onestop_store_t *st);

int onestop_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name,
    const void *v, size_t len);
/* store_ready.c: 1 when the store has every database and the current
 * schema, their handles then opened in a read-only transaction and
 * st->offset read (an open without the write lock); else 0 */
int onestop_store_ready(onestop_store_t *st);
/* store_ready.c: 1 when meta holds `name` with the value `want` */
int onestop_store_meta_is(onestop_store_t *st, const char *name,
    uint64_t want);
/* store.c: another process grew the map: adopts it between transactions,
 * or says what to do (st->error); an LMDB error code */
int onestop_store_map_resized(onestop_store_t *st);

/*
 * published.c (issue 18): the figures of closed months frozen in the
 * write transaction txn, before its writes, for every month due by
 * `today` and the store's grace days and not yet frozen (*froze: 1 when
 * it wrote); one meta read when there is nothing to do.  An LMDB error
 * code.
 */
int onestop_published_catch_up(onestop_store_t *st, MDB_txn *txn,
    onestop_day_t today, int *froze);
/* published.c: 1 when months are due to be frozen by `today` (a
 * follower flushes its batch's counters first), 0, or an LMDB error */
int onestop_published_behind(onestop_store_t *st, MDB_txn *txn,
    onestop_day_t today);
/* published.c: the frozen months whose figures a record's change (old
 * NULL: a new dossier; r a tombstone: a deletion) alters, noted under its
 * code; an LMDB error code */
int onestop_published_note(onestop_store_t *st, MDB_txn *txn,
    const onestop_str_t *code, const onestop_record_t *old,
    const onestop_record_t *r);
/* published.c: GET /api/v1/stats?as=published on the current read, as
 * onestop_store_stats() answers */
int onestop_published_stats(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out);

/* another program's LMDB environment: its main database names anything
 * but onestop's databases (probe.c) */
int onestop_store_foreign(MDB_txn *txn);

/* probe.c: 0 when data.mdb holds every page the environment's last
 * transaction reads (the pages past its end, if any, all free), -1 when
 * it is cut short (err says so, for a store or, with copy, for a backup's
 * copy), which LMDB would read past the end: a SIGBUS.  For one thread at
 * a time, at the open (it sets a SIGBUS handler while it reads) */
int onestop_store_whole(MDB_env *env, const char *dir, int copy, char *err,
    size_t errlen);

/* catalog_db.c: the catalog as of txn into *catp, reloaded when its
 * generation changed; 0 or -1 */
int onestop_store_catalog_load(onestop_store_t *st, MDB_txn *txn,
    onestop_catalog_t **catp);
/* catalog_db.c: an ONESTOP_W_CATALOG write, in write.c's nested
 * transaction; w->status says whether it stands; an LMDB error code */
int onestop_store_catalog_write(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, onestop_chain_t *c);
/* catalog_db.c: a catalog change's bytes (u64 generation, then its puts)
 * applied as the primary wrote them, with the generation and the outbox
 * entry; an LMDB error code (MDB_CORRUPTED: the bytes are not a catalog
 * change) */
int onestop_store_catalog_apply(onestop_store_t *st, MDB_txn *txn,
    onestop_chain_t *c, const uint8_t *body, size_t len);

/* outbox.c: the chain as of txn (sequence, digest, meta "log"), the
 * commit time now (or the demo's, onestop_store_commit_time); an LMDB
 * error code */
int onestop_chain_load(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c);
/* outbox.c: the chain's sequence and digest into meta; an LMDB error code */
int onestop_chain_save(onestop_store_t *st, MDB_txn *txn,
    const onestop_chain_t *c);
/* outbox.c: the milliseconds since the epoch, by the clock */
int64_t onestop_clock_ms(void);
/* outbox.c: a commit's time: the clock, or the demo's
 * (onestop_store_commit_time), never later than the clock nor earlier
 * than the newest commit time txn still records */
int64_t onestop_chain_time(onestop_store_t *st, MDB_txn *txn);
/*
 * outbox.c: the digest after a change: SHA-256 of prev, the sequence
 * (big-endian) and the change's bytes, given as a head (format, kind,
 * code; onestop_change_head) and a body.  0, or -1 when libcrypto fails.
 */
int onestop_digest_next(const uint8_t *prev, uint64_t seq,
    const uint8_t *head, size_t hlen, const uint8_t *body, size_t blen,
    uint8_t *out);
/* outbox.c: the head of a change's bytes into buf (3 + 64 bytes): its
 * length */
size_t onestop_change_head(int kind, const onestop_str_t *code, uint8_t *buf);
/*
 * outbox.c: appends a change under ++c->seq (dropping the oldest past
 * outbox_max) and advances the digest over its bytes (the head from kind
 * and code, then body); the entry keeps the code (but an evaluation's),
 * and the bytes when c->log.  An LMDB error code.
 */
int onestop_outbox_append(onestop_store_t *st, MDB_txn *txn,
    onestop_chain_t *c, int kind, uint32_t agency, uint64_t version,
    const onestop_str_t *code, uint32_t old_agency, const uint8_t *body,
    size_t blen);

/* outbox.c: an outbox entry as stored */
typedef struct {
    uint64_t             seq;
    uint8_t              kind;
    uint32_t             agency;
    uint64_t             version;
    onestop_str_t        code;          /* the entry's: none for evaluations */
    uint32_t             old_agency;
    const uint8_t       *digest;        /* NULL: written before digests */
    int64_t              ts;
    const uint8_t       *data;          /* the change's bytes (NULL: none) */
    size_t               data_len;
} onestop_outbox_entry_t;

/* outbox.c: 0, or -1 when the key or value is not an outbox entry */
int onestop_outbox_entry(const MDB_val *k, const MDB_val *v,
    onestop_outbox_entry_t *e);

/* outbox.c: the store's role (ONESTOP_ROLE_*) as of txn and, for a
 * follower, the prefix it follows into prefix (at least
 * ONESTOP_FOLLOWS_MAX + 1 bytes, NUL-terminated; may be NULL); an LMDB
 * error code */
int onestop_store_role(onestop_store_t *st, MDB_txn *txn, int *role,
    char *prefix);
/* outbox.c: records the published sequence and drops the entries up to
 * it, a bounded number at a time (*changed: 1 when something was
 * written); an LMDB error code */
int onestop_outbox_trim(onestop_store_t *st, MDB_txn *txn, int *changed);

/*
 * changelog.c: the change log's entry of the change outbox.c just
 * appended under c->seq (its commit time c->ts), rendered from the
 * change's bytes with the writer's catalog (st->wcat); nothing when the
 * store keeps no log.  An LMDB error code.
 */
int onestop_changelog_append(onestop_store_t *st, MDB_txn *txn,
    const onestop_chain_t *c, int kind, uint32_t agency, uint64_t version,
    const onestop_str_t *code, const uint8_t *body, size_t blen);
/* changelog.c: the commit time (ms) of the log's last entry into *ts:
 * 0, or -1 when the log holds none */
int onestop_changelog_last_ts(onestop_store_t *st, MDB_txn *txn,
    int64_t *ts);
/* changelog.c: the entries older than the days kept dropped, a bounded
 * number per transaction (*changed: 1 when some were); an LMDB error code */
int onestop_changelog_trim(onestop_store_t *st, MDB_txn *txn, int *changed);
/* changelog.c: the record of entry seq (the public lookup's JSON, into
 * the map) on the current read: 0 with *rec (NULL: the entry has none),
 * -1 when the log does not hold the entry */
int onestop_changelog_record(onestop_store_t *st, uint64_t seq,
    const char **rec, size_t *len);
/* changelog.c: a commit time (ms) as RFC 3339 in the store's offset, the
 * entries' "ts": its length (ONESTOP_TS_LEN) */
size_t onestop_changes_ts(int64_t ms, int32_t offset, char *buf);
/* changelog.c: "dossier", "delete", ... of an ONESTOP_CHANGE_* */
const char *onestop_changes_kind(int kind);

#endif /* ONESTOP_STORE_INT_H */
