/*
 * The store's inside, shared by the files that work on its LMDB
 * databases directly (store.c, write.c, outbox.c, catalog_db.c, and the
 * readers stats.c, verify.c, apologies.c, evaluation_summary.c); nothing
 * else includes this.
 */

#ifndef ONESTOP_STORE_INT_H
#define ONESTOP_STORE_INT_H

#include <lmdb.h>

#include "onestop_counters.h"
#include "onestop_keys.h"
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
    MDB_txn             *rtxn;          /* the reader's, reset between uses */
    int                  reading;
    int32_t              offset;
    uint64_t             outbox_max;
    int                  unread;        /* conf->unread */
    int                  borrowed;      /* a reader: the env is not its */
    int                  adopt_growth;  /* conf->adopt_growth */
    const char          *error;         /* why the last read failed */
    onestop_catalog_t   *rcat;          /* the reader thread's catalog */
    onestop_catalog_t   *wcat;          /* the writer thread's catalog */
    onestop_deltas_t    *deltas;        /* the writer thread's: a write's */
    onestop_deltas_t    *gdeltas;       /* ... and its commit's */
    uint64_t             published;     /* set by the reader, atomics */
    uint64_t             trimmed;       /* the writer's */
    int                  full;          /* the writer's: see
                                           onestop_store_full() */
    int                  broken;        /* the writer's: MDB_PANIC */
    const struct onestop_calendar_s  *calendar;   /* conf->calendar */
};


/* the apologies index key of a record: 4 bytes of inverted issue day
 * (newest first), then the code; returns its length */
size_t onestop_apology_key(const onestop_record_t *r, const onestop_str_t *code,
    int32_t offset, uint8_t *key);

/* store.c: a u64 of meta (0 when it is missing), and a put; an LMDB error
 * code */
int onestop_meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name,
    uint64_t *v);
int onestop_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name,
    const void *v, size_t len);
/* store.c: another process grew the map: adopts it between transactions,
 * or says what to do (st->error); an LMDB error code */
int onestop_store_map_resized(onestop_store_t *st);

/* another program's LMDB environment: its main database names anything
 * but onestop's databases (store_check.c) */
int onestop_store_foreign(MDB_txn *txn);

/* catalog_db.c: the catalog as of txn into *catp, reloaded when its
 * generation changed; 0 or -1 */
int onestop_store_catalog_load(onestop_store_t *st, MDB_txn *txn,
    onestop_catalog_t **catp);
/* catalog_db.c: an ONESTOP_W_CATALOG write, in write.c's nested
 * transaction; w->status says whether it stands; an LMDB error code */
int onestop_store_catalog_write(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, uint64_t *seq);

/* outbox.c: appends a change under ++*seq (dropping the oldest past
 * outbox_max); an LMDB error code */
int onestop_outbox_append(onestop_store_t *st, MDB_txn *txn, uint64_t *seq,
    int kind, uint32_t agency, uint64_t version, const onestop_str_t *code,
    uint32_t old_agency);
/* outbox.c: records the published sequence and drops the entries up to
 * it, a bounded number at a time (*changed: 1 when something was
 * written); an LMDB error code */
int onestop_outbox_trim(onestop_store_t *st, MDB_txn *txn, int *changed);

#endif /* ONESTOP_STORE_INT_H */
