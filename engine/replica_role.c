/*
 * Replication: the store's role (a follower of a prefix, or a primary)
 * and whether it keeps its log, each changed in a write transaction of
 * its own: by the CLI (onestop follow, promote) and by nginx's workers as
 * their configuration says (onestop_follow, onestop_redis log=).
 *
 * Calls write.c (a write transaction begun, a failure recorded), outbox.c
 * (the chain, the role) and store.c (meta).
 */

#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_replica.h"
#include "onestop_store_int.h"


typedef int (*meta_change_pt)(onestop_store_t *st, MDB_txn *txn, void *ctx,
    int *rc);


/* a change of meta in a write transaction of its own */

static int
meta_txn(onestop_store_t *st, meta_change_pt fn, void *ctx, char *err,
    size_t errlen)
{
    int       rc, r;
    MDB_txn  *txn;

    rc = onestop_write_begin(st, &txn);

    if (rc != 0) {
        goto failed;
    }

    rc = 0;
    r = fn(st, txn, ctx, &rc);

    if (r < 0) {
        mdb_txn_abort(txn);
        goto failed;
    }

    if (r == 1) {
        mdb_txn_abort(txn);
        return 1;
    }

    rc = mdb_txn_commit(txn);

    if (rc == 0) {
        return 0;
    }

failed:

    switch (onestop_write_failed(st, rc)) {

    case ONESTOP_FULL_MAP:
        snprintf(err, errlen, "could not write the store: it has no room: "
                 "it reached its map size (raise map_size in "
                 "\"onestop_store\")");
        break;

    case ONESTOP_FULL_DISK:
        snprintf(err, errlen, "could not write the store: it has no room: "
                 "its disk is full (free space on its file system)");
        break;

    default:
        snprintf(err, errlen, "could not write the store: %s",
                 rc == MDB_MAP_RESIZED ? st->error : mdb_strerror(rc));
    }

    return -1;
}


/* the meta changes: 0, 1 (nothing to change), or -1 with an LMDB error
 * in *rc */

static int
follow_txn(onestop_store_t *st, MDB_txn *txn, void *ctx, int *rc)
{
    int                   was;
    char                  follows[ONESTOP_FOLLOWS_MAX + 1];
    uint64_t              role;
    const onestop_str_t  *prefix;

    prefix = ctx;

    /* a follower of that prefix already (each worker of a follower, at
     * each start): nothing is written, which a store without a free page
     * could not take */

    if ((*rc = onestop_store_role(st, txn, &was, follows)) != 0) {
        return -1;
    }

    if (was == ONESTOP_ROLE_FOLLOWER && strlen(follows) == prefix->len
        && memcmp(follows, prefix->data, prefix->len) == 0)
    {
        return 1;
    }

    role = ONESTOP_ROLE_FOLLOWER;

    if ((*rc = onestop_meta_put(txn, st->meta, ONESTOP_META_ROLE, &role, 8))
        != 0
        || (*rc = onestop_meta_put(txn, st->meta, ONESTOP_META_FOLLOWS,
                                   prefix->data, prefix->len)) != 0)
    {
        return -1;
    }

    return 0;
}


static int
promote_txn(onestop_store_t *st, MDB_txn *txn, void *ctx, int *rc)
{
    int              role;
    uint64_t         primary;
    MDB_val          k;
    onestop_chain_t  c;

    if ((*rc = onestop_store_role(st, txn, &role, NULL)) != 0
        || (*rc = onestop_chain_load(st, txn, &c)) != 0)
    {
        return -1;
    }

    if (role == ONESTOP_ROLE_PRIMARY) {
        return 1;
    }

    /* everything up to its sequence is in the old primary's feed and log
     * already: it publishes what comes after */

    primary = ONESTOP_ROLE_PRIMARY;
    k.mv_data = (void *) ONESTOP_META_FOLLOWS;
    k.mv_size = strlen(ONESTOP_META_FOLLOWS);

    if ((*rc = onestop_meta_put(txn, st->meta, ONESTOP_META_ROLE, &primary,
                                8)) != 0
        || (*rc = onestop_meta_put(txn, st->meta, ONESTOP_META_PUBLISHED,
                                   &c.seq, 8)) != 0
        || ((*rc = mdb_del(txn, st->meta, &k, NULL)) != 0
            && *rc != MDB_NOTFOUND))
    {
        return -1;
    }

    return 0;
}


static int
log_txn(onestop_store_t *st, MDB_txn *txn, void *ctx, int *rc)
{
    uint64_t  on, was;

    on = *(int *) ctx ? 1 : 0;

    if ((*rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_LOG, &was))
        != 0)
    {
        return -1;
    }

    if (was == on) {
        return 1;
    }

    *rc = onestop_meta_put(txn, st->meta, ONESTOP_META_LOG, &on, 8);

    return *rc ? -1 : 0;
}


int
onestop_replica_follow(onestop_store_t *st, const char *prefix, size_t len,
    char *err, size_t errlen)
{
    size_t         i;
    onestop_str_t  p;

    if (len == 0 || len > ONESTOP_FOLLOWS_MAX) {
        snprintf(err, errlen, "a prefix has 1 to %d bytes",
                 ONESTOP_FOLLOWS_MAX);
        return -1;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) prefix[i] <= ' ' || prefix[i] == 0x7f) {
            snprintf(err, errlen, "a prefix has no space or control "
                     "character");
            return -1;
        }
    }

    p.data = prefix;
    p.len = len;

    return meta_txn(st, follow_txn, &p, err, errlen) < 0 ? -1 : 0;
}


int
onestop_replica_promote(onestop_store_t *st, char *err, size_t errlen)
{
    return meta_txn(st, promote_txn, NULL, err, errlen);
}


int
onestop_replica_set_log(onestop_store_t *st, int on, char *err,
    size_t errlen)
{
    return meta_txn(st, log_txn, &on, err, errlen) < 0 ? -1 : 0;
}


int
onestop_replica_configure(onestop_store_t *st, const char *follows,
    size_t len, int log, char *err, size_t errlen)
{
    int        role;
    char       why[256], was[ONESTOP_FOLLOWS_MAX + 1];
    MDB_txn   *txn;
    uint64_t   on;

    /* nothing changes (each start of a worker): not even the write lock,
     * which another process may hold for long (an import, a backup) */

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) == 0) {
        if (onestop_store_role(st, txn, &role, was) == 0
            && onestop_meta_get_u64(txn, st->meta, ONESTOP_META_LOG, &on)
               == 0
            && (follows == NULL
                || (role == ONESTOP_ROLE_FOLLOWER && strlen(was) == len
                    && memcmp(was, follows, len) == 0))
            && (log < 0 || on == (uint64_t) (log != 0)))
        {
            mdb_txn_abort(txn);
            return 0;
        }

        mdb_txn_abort(txn);
    }

    if (follows != NULL
        && onestop_replica_follow(st, follows, len, why, sizeof(why)) != 0)
    {
        snprintf(err, errlen, "cannot make it a follower of the primary "
                 "that publishes under \"%.*s\" (onestop_follow): %s",
                 (int) len, follows, why);
        return -1;
    }

    if (log >= 0 && onestop_replica_set_log(st, log, why, sizeof(why)) != 0)
    {
        snprintf(err, errlen, "cannot turn its log %s (onestop_redis "
                 "log=): %s", log ? "on" : "off", why);
        return -1;
    }

    return 0;
}
