/*
 * The store's inside, shared by the files that work on its LMDB
 * databases directly: store.c, which writes, and the readers (stats.c,
 * verify.c, apologies.c, evaluation_summary.c), which use its read
 * transaction.  Nothing else includes this.
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
};


/* the apologies index key of a record: 4 bytes of inverted issue day
 * (newest first), then the code; returns its length */
size_t onestop_apology_key(const onestop_record_t *r, const onestop_str_t *code,
    int32_t offset, uint8_t *key);

#endif /* ONESTOP_STORE_INT_H */
