/*
 * What "nginx -t" may know of a store without changing a byte of it.
 *
 * The check opens the environment read-only and without its lock file
 * (MDB_RDONLY | MDB_NOLOCK): LMDB then opens data.mdb for reading only
 * and never touches lock.mdb, so neither file changes, whoever owns it.
 * It says whether a start would create the store, upgrade it, or refuse
 * it; creating, upgrading and giving the files to nginx's user are left
 * to a start or to the CLI ("init", "migrate").
 *
 * It also owns the one rule that keeps onestop out of another program's
 * data: an environment whose main database names anything but onestop's
 * databases is not ours, and neither the check nor an open writes in it.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "onestop_store_int.h"


int
onestop_store_foreign(MDB_txn *txn)
{
    int          rc, ours;
    MDB_dbi      main;
    MDB_val      k, v;
    MDB_cursor  *c;

    /* the main database holds the names of the named ones (and nothing
     * else in a store of ours): ours if it is empty or names our meta */

    if (mdb_dbi_open(txn, NULL, 0, &main) != 0
        || mdb_cursor_open(txn, main, &c) != 0)
    {
        return 1;
    }

    ours = 1;
    rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);

    if (rc == 0) {
        k.mv_data = (void *) ONESTOP_DB_META;
        k.mv_size = sizeof(ONESTOP_DB_META) - 1;
        ours = mdb_cursor_get(c, &k, &v, MDB_SET) == 0;

    } else if (rc != MDB_NOTFOUND) {
        ours = 0;
    }

    mdb_cursor_close(c);

    return !ours;
}


int
onestop_store_check(const char *dir, const onestop_store_conf_t *conf,
    char *msg, size_t len)
{
    int           rc, ret;
    char          path[4096];
    MDB_env      *env;
    MDB_txn      *txn;
    MDB_dbi       meta;
    MDB_val       k, v;
    uint32_t      schema;
    int32_t       offset;
    struct stat   sb;

    if ((size_t) snprintf(path, sizeof(path), "%s/data.mdb", dir)
        >= sizeof(path))
    {
        snprintf(msg, len, "the path \"%s\" is too long", dir);
        return ONESTOP_ERROR;
    }

    if (stat(path, &sb) != 0) {
        if (errno != ENOENT) {
            snprintf(msg, len, "could not look at \"%s\": %s", path,
                     strerror(errno));
            return ONESTOP_ERROR;
        }

        snprintf(msg, len, "store \"%s\" does not exist yet: nginx creates "
                 "it when it starts, or run \"onestop --store %s init\"",
                 dir, dir);
        return ONESTOP_NOT_FOUND;
    }

    if (mdb_env_create(&env) != 0) {
        snprintf(msg, len, "out of memory");
        return ONESTOP_ERROR;
    }

    mdb_env_set_maxdbs(env, ONESTOP_DB_MAX);

    rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0);

    if (rc == 0) {
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    }

    if (rc != 0) {
        snprintf(msg, len, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        mdb_env_close(env);
        return ONESTOP_ERROR;
    }

    ret = ONESTOP_OK;

    if (onestop_store_foreign(txn)) {
        snprintf(msg, len, "\"%s\" holds an LMDB environment that is not an "
                 "onestop store: onestop does not write in it; give "
                 "onestop_store a directory of its own", dir);
        ret = ONESTOP_ERROR;
        goto done;
    }

    rc = mdb_dbi_open(txn, ONESTOP_DB_META, 0, &meta);

    if (rc == MDB_NOTFOUND) {
        snprintf(msg, len, "store \"%s\" is empty: nginx sets it up when it "
                 "starts, or run \"onestop --store %s init\"", dir, dir);
        ret = ONESTOP_NOT_FOUND;
        goto done;
    }

    k.mv_data = (void *) ONESTOP_META_SCHEMA;
    k.mv_size = sizeof(ONESTOP_META_SCHEMA) - 1;

    if (rc != 0 || mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != 4) {
        snprintf(msg, len, "\"%s\" is not an onestop store: it has no "
                 "schema version", dir);
        ret = ONESTOP_ERROR;
        goto done;
    }

    memcpy(&schema, v.mv_data, 4);

    if (schema > ONESTOP_SCHEMA_VERSION) {
        snprintf(msg, len, "store \"%s\" has schema version %u, newer than "
                 "this build's %u: install the onestop that wrote it", dir,
                 schema, ONESTOP_SCHEMA_VERSION);
        ret = ONESTOP_ERROR;
        goto done;
    }

    k.mv_data = (void *) ONESTOP_META_UTC_OFFSET;
    k.mv_size = sizeof(ONESTOP_META_UTC_OFFSET) - 1;

    if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != 4) {
        snprintf(msg, len, "store \"%s\" has no UTC offset", dir);
        ret = ONESTOP_ERROR;
        goto done;
    }

    memcpy(&offset, v.mv_data, 4);

    if (conf->check_offset && offset != conf->offset) {
        snprintf(msg, len, "store \"%s\" was created with a UTC offset of "
                 "%d seconds, the configuration says %d", dir, (int) offset,
                 (int) conf->offset);
        ret = ONESTOP_ERROR;
        goto done;
    }

    if (schema < ONESTOP_SCHEMA_VERSION) {
        snprintf(msg, len, "store \"%s\" has schema version %u: nginx "
                 "upgrades it to %u in place when it starts, or run "
                 "\"onestop --store %s migrate\" (after \"onestop --store %s "
                 "backup DIR\")", dir, schema, ONESTOP_SCHEMA_VERSION, dir,
                 dir);
        ret = ONESTOP_STORE_OLD;
        goto done;
    }

    msg[0] = '\0';

done:

    mdb_txn_abort(txn);
    mdb_env_close(env);

    return ret;
}
