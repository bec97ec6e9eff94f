/*
 * Two stores compared database by database with LMDB cursors, key and
 * value byte for byte, and the meta values that say where a store stands
 * (sequence, digest, catalog generation, schema, offset): the proof that a
 * follower holds what its primary holds (test_replica.c).
 */

#ifndef ONESTOP_TEST_STORE_COMPARE_H
#define ONESTOP_TEST_STORE_COMPARE_H


/* the stores compared with LMDB cursors */

static const char  *dbs[] = {
    ONESTOP_DB_DOSSIERS, ONESTOP_DB_CATALOG, ONESTOP_DB_COUNTERS,
    ONESTOP_DB_APOLOGIES, ONESTOP_DB_EVALUATIONS,
    ONESTOP_DB_EVALUATION_DAYS, ONESTOP_DB_OUTBOX, ONESTOP_DB_CHANGELOG, NULL
};

static const char  *metas[] = {
    ONESTOP_META_OUTBOX_SEQ, ONESTOP_META_DIGEST, ONESTOP_META_CATALOG_GEN,
    ONESTOP_META_SCHEMA, ONESTOP_META_UTC_OFFSET,
    ONESTOP_META_PUBLISHED_START, NULL
};


/* the number of differences between a database of two environments;
 * *count gets a's entries */
static long
db_diff(MDB_txn *ta, MDB_txn *tb, const char *name, size_t *count)
{
    int           ra, rb;
    long          diffs;
    MDB_dbi       da, db;
    MDB_val       ka, va, kb, vb;
    MDB_cursor   *ca, *cb;

    *count = 0;

    if (mdb_dbi_open(ta, name, 0, &da) != 0
        || mdb_dbi_open(tb, name, 0, &db) != 0
        || mdb_cursor_open(ta, da, &ca) != 0
        || mdb_cursor_open(tb, db, &cb) != 0)
    {
        return -1;
    }

    diffs = 0;
    ra = mdb_cursor_get(ca, &ka, &va, MDB_FIRST);
    rb = mdb_cursor_get(cb, &kb, &vb, MDB_FIRST);

    while (ra == 0 || rb == 0) {
        if (ra != 0 || rb != 0 || ka.mv_size != kb.mv_size
            || memcmp(ka.mv_data, kb.mv_data, ka.mv_size) != 0
            || va.mv_size != vb.mv_size
            || memcmp(va.mv_data, vb.mv_data, va.mv_size) != 0)
        {
            if (diffs++ < 3) {
                printf("#   %s: %s\n", name,
                       ra != 0 ? "an entry only in the follower"
                       : rb != 0 ? "an entry only in the primary"
                       : "an entry that differs");
            }

            if (ra == 0 && rb == 0 && (ka.mv_size != kb.mv_size
                                       || memcmp(ka.mv_data, kb.mv_data,
                                                 ka.mv_size) != 0))
            {
                break;          /* out of step: counting on means nothing */
            }
        }

        if (ra == 0) {
            (*count)++;
            ra = mdb_cursor_get(ca, &ka, &va, MDB_NEXT);
        }

        if (rb == 0) {
            rb = mdb_cursor_get(cb, &kb, &vb, MDB_NEXT);
        }
    }

    mdb_cursor_close(ca);
    mdb_cursor_close(cb);

    return diffs;
}


static long
meta_diff(MDB_txn *ta, MDB_txn *tb)
{
    int       i;
    long      diffs;
    MDB_dbi   da, db;
    MDB_val   k, va, vb;

    if (mdb_dbi_open(ta, ONESTOP_DB_META, 0, &da) != 0
        || mdb_dbi_open(tb, ONESTOP_DB_META, 0, &db) != 0)
    {
        return -1;
    }

    diffs = 0;

    for (i = 0; metas[i] != NULL; i++) {
        k.mv_data = (void *) metas[i];
        k.mv_size = strlen(metas[i]);

        if (mdb_get(ta, da, &k, &va) != 0 || mdb_get(tb, db, &k, &vb) != 0
            || va.mv_size != vb.mv_size
            || memcmp(va.mv_data, vb.mv_data, va.mv_size) != 0)
        {
            printf("#   meta %s differs\n", metas[i]);
            diffs++;
        }
    }

    return diffs;
}


static MDB_env *
env_open(const char *dir)
{
    MDB_env  *env;

    if (mdb_env_create(&env) != 0) {
        return NULL;
    }

    mdb_env_set_maxdbs(env, ONESTOP_DB_MAX);

    if (mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0) != 0) {
        mdb_env_close(env);
        return NULL;
    }

    return env;
}


/* every database of two closed stores compared: the differences, -1 */
static long
stores_diff(const char *a, const char *b, const char *what)
{
    int        i;
    long       d, diffs;
    size_t     count;
    MDB_env   *ea, *eb;
    MDB_txn   *ta, *tb;

    ea = env_open(a);
    eb = env_open(b);

    if (ea == NULL || eb == NULL
        || mdb_txn_begin(ea, NULL, MDB_RDONLY, &ta) != 0
        || mdb_txn_begin(eb, NULL, MDB_RDONLY, &tb) != 0)
    {
        return -1;
    }

    diffs = 0;

    for (i = 0; dbs[i] != NULL; i++) {
        d = db_diff(ta, tb, dbs[i], &count);
        ok(d == 0 && count > 0, "%s: %s the same (%zu entries)", what,
           dbs[i], count);
        diffs += d < 0 ? 1 : d;
    }

    /* published figures (issue 18): the same, empty when every change
     * was made on the store's first day */
    d = db_diff(ta, tb, ONESTOP_DB_PUBLISHED, &count);
    ok(d == 0, "%s: %s the same (%zu entries)", what, ONESTOP_DB_PUBLISHED,
       count);
    diffs += d < 0 ? 1 : d;

    d = meta_diff(ta, tb);
    ok(d == 0, "%s: meta's sequence, digest and catalog the same", what);
    diffs += d < 0 ? 1 : d;

    mdb_txn_abort(ta);
    mdb_txn_abort(tb);
    mdb_env_close(ea);
    mdb_env_close(eb);

    return diffs;
}


#endif /* ONESTOP_TEST_STORE_COMPARE_H */
