/*
 * An open that takes no write lock: a store with every database and the
 * current schema, which is what any read-write open leaves, is opened in
 * a read-only transaction, and the values that nginx's configuration
 * records in it are written only when they change.
 *
 * Every read-write open used to begin a write transaction (for databases
 * that might be missing) and two more (the configuration's outbox,
 * change log and grace days), each waiting for LMDB's one writer: a
 * worker that nginx started while the CLI imported a large file, or
 * while a non-compacting mdb_copy held the writers' lock, answered
 * nothing until that writer was done.  store.c calls this first.
 */

#include <stddef.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_store_int.h"


static const struct {
    const char  *name;
    size_t       dbi;
} store_dbs[] = {
    { ONESTOP_DB_META, offsetof(onestop_store_t, meta) },
    { ONESTOP_DB_DOSSIERS, offsetof(onestop_store_t, dossiers) },
    { ONESTOP_DB_CATALOG, offsetof(onestop_store_t, catalog) },
    { ONESTOP_DB_OUTBOX, offsetof(onestop_store_t, outbox) },
    { ONESTOP_DB_COUNTERS, offsetof(onestop_store_t, counters) },
    { ONESTOP_DB_APOLOGIES, offsetof(onestop_store_t, apologies) },
    { ONESTOP_DB_EVALUATIONS, offsetof(onestop_store_t, evaluations) },
    { ONESTOP_DB_EVALUATION_DAYS,
      offsetof(onestop_store_t, evaluation_days) },
    { ONESTOP_DB_FEEDBACK, offsetof(onestop_store_t, feedback) },
    { ONESTOP_DB_FEEDBACK_INDEX, offsetof(onestop_store_t, feedback_index) },
    { ONESTOP_DB_FEEDBACK_COUNTERS,
      offsetof(onestop_store_t, feedback_counters) },
    { ONESTOP_DB_CHANGELOG, offsetof(onestop_store_t, changelog) },
    { ONESTOP_DB_NOTIFY, offsetof(onestop_store_t, notify) },
    { ONESTOP_DB_PUBLISHED, offsetof(onestop_store_t, pubdb) },
};


int
onestop_store_ready(onestop_store_t *st)
{
    int        rc;
    size_t     i;
    MDB_txn   *txn;
    MDB_val    k, v;
    uint32_t   schema;

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) != 0) {
        return 0;
    }

    rc = 0;

    for (i = 0; rc == 0 && i < sizeof(store_dbs) / sizeof(store_dbs[0]);
         i++)
    {
        rc = mdb_dbi_open(txn, store_dbs[i].name, 0,
                          (MDB_dbi *) ((char *) st + store_dbs[i].dbi));
    }

    k.mv_data = (void *) ONESTOP_META_SCHEMA;
    k.mv_size = strlen(ONESTOP_META_SCHEMA);

    if (rc == 0 && mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 4) {
        memcpy(&schema, v.mv_data, 4);
        rc = schema == ONESTOP_SCHEMA_VERSION ? 0 : -1;

    } else {
        rc = -1;
    }

    k.mv_data = (void *) ONESTOP_META_UTC_OFFSET;
    k.mv_size = strlen(ONESTOP_META_UTC_OFFSET);

    if (rc != 0 || mdb_get(txn, st->meta, &k, &v) != 0 || v.mv_size != 4) {
        /* the handles go with the transaction: the write path opens them */
        mdb_txn_abort(txn);
        return 0;
    }

    memcpy(&st->offset, v.mv_data, 4);

    /* the handles opened in a transaction outlive it when it commits */

    if (mdb_txn_commit(txn) != 0) {
        return 0;
    }

    st->has_feedback = 1;
    st->has_changelog = 1;
    st->has_notify = 1;
    st->has_published = 1;

    return 1;
}


int
onestop_store_meta_is(onestop_store_t *st, const char *name, uint64_t want)
{
    int        is;
    MDB_txn   *txn;
    MDB_val    k, v;

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) != 0) {
        return 0;
    }

    k.mv_data = (void *) name;
    k.mv_size = strlen(name);

    is = mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 8
         && memcmp(v.mv_data, &want, 8) == 0;

    mdb_txn_abort(txn);

    return is;
}


int
onestop_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, const void *v,
    size_t len)
{
    MDB_val  k, d;

    k.mv_data = (void *) name;
    k.mv_size = strlen(name);
    d.mv_data = (void *) v;
    d.mv_size = len;

    return mdb_put(txn, dbi, &k, &d, 0);
}
