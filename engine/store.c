/*
 * The store's environment and its reads.
 *
 * One LMDB environment holds every database of the store
 * (lmdb-schema/README.md).  Its database handles are opened once, at the
 * open, and belong to the environment, valid in every transaction: a
 * reader for another thread is a copy of the handle with a transaction
 * and a catalog of its own.  A read keeps one read-only transaction that
 * is reset between uses and renewed, so that it costs no allocation and
 * no lock.  The map size is one fact of the store, recorded in its file,
 * so that every process maps the same size.
 *
 * The lowest of the store's files: write.c, outbox.c and catalog_db.c
 * call the helpers here (the meta database, a map another process grew);
 * this file calls none of them: probe.c for the rules an open checks
 * first (another program's environment, a data.mdb cut short),
 * store_ready.c for an open without the write lock, the counters'
 * schema upgrades (counters.c, deltas.c, counters_upgrade.c), and the
 * frees of what a handle keeps (its catalog, its scratch).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "onestop_calendar.h"
#include "onestop_changes.h"
#include "onestop_store_int.h"


static int meta_get_u64_env(onestop_store_t *st, const char *name,
    uint64_t *v);


/*
 * The map size is one fact of the store: LMDB records it in the file and
 * keeps the largest any process committed with, and a process that opens
 * without setting one maps what is recorded.  So every process maps the
 * same size, and none ever has to resize under its own readers (LMDB
 * forbids it, and a thread reading the old mapping then faults).
 *
 * A new store reserves map_size (or the default) once; an existing one
 * keeps its size, or grows to a larger map_size here, at the open, before
 * this process has begun any transaction.  Either is written at once, so
 * that the next process to open the store maps it too.  Processes that
 * mapped less before the growth get MDB_MAP_RESIZED once the data goes
 * past their map: see read_begin and the writer.
 */

static int
map_reserve(onestop_store_t *st, size_t want)
{
    int          rc;
    uint64_t     size;
    MDB_txn     *txn;
    MDB_envinfo  info;
    MDB_val      k, d;

    mdb_env_info(st->env, &info);

    if (info.me_last_pgno < 2) {
        want = want ? want : ONESTOP_MAP_SIZE_DEFAULT;  /* a new store */

    } else if (want <= info.me_mapsize) {
        return 0;                                 /* the store's own */
    }

    rc = mdb_env_set_mapsize(st->env, want);

    if (rc != 0) {
        return rc;
    }

    rc = mdb_txn_begin(st->env, NULL, 0, &txn);

    if (rc != 0) {
        return rc;
    }

    size = want;
    k.mv_data = (void *) ONESTOP_META_MAP_SIZE;
    k.mv_size = strlen(ONESTOP_META_MAP_SIZE);
    d.mv_data = &size;
    d.mv_size = sizeof(size);

    rc = mdb_dbi_open(txn, ONESTOP_DB_META, MDB_CREATE, &st->meta);

    if (rc == 0) {
        rc = mdb_put(txn, st->meta, &k, &d, 0);
    }

    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }

    return mdb_txn_commit(txn);
}


/*
 * Another process grew the map past what this one mapped.  Only a process
 * of one thread without readers of its own (the CLI) adopts the new size,
 * between its transactions; nginx's workers, whose thread-pool readers may
 * be inside the old mapping at any moment, refuse with what to do.
 */

int
onestop_store_map_resized(onestop_store_t *st)
{
    if (!st->adopt_growth || st->borrowed || st->reading) {
        st->error = "another process grew the store's map past this "
                    "process's: reload nginx (nginx -s reload) so that its "
                    "workers map the new size";
        return MDB_MAP_RESIZED;
    }

    if (st->rtxn != NULL) {
        mdb_txn_abort(st->rtxn);
        st->rtxn = NULL;
    }

    return mdb_env_set_mapsize(st->env, 0);
}


/* the environment as every process sets it up, opened with flags: 0, or
 * LMDB's error with st->env NULL */
static int
env_open(onestop_store_t *st, const char *dir, unsigned flags,
    unsigned maxreaders)
{
    int  rc;

    rc = mdb_env_create(&st->env);

    if (rc != 0) {
        st->env = NULL;
        return rc;
    }

    mdb_env_set_maxdbs(st->env, ONESTOP_DB_MAX);
    mdb_env_set_maxreaders(st->env, maxreaders ? maxreaders : 1024);

    /* no map size before the open: LMDB then maps what the store
     * records, so that every process maps the same size */

    rc = mdb_env_open(st->env, dir, flags, 0660);

    if (rc != 0) {
        mdb_env_close(st->env);
        st->env = NULL;
    }

    return rc;
}


const char *
onestop_store_strerror(const onestop_store_t *st)
{
    return st->error;
}


int
onestop_store_open(onestop_store_t **stp, const char *dir,
    const onestop_store_conf_t *conf, char *err, size_t errlen)
{
    int               rc;
    MDB_txn          *txn;
    MDB_val           k, v;
    uint32_t          schema;
    int32_t           offset;
    unsigned          flags;
    onestop_store_t  *st;
    char              a[8], b[8];

    st = calloc(1, sizeof(onestop_store_t));

    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return ONESTOP_ERROR;
    }

    st->outbox_max = conf->outbox_max ? conf->outbox_max : 10000000;
    st->unread = conf->unread;
    st->calendar = conf->calendar;

    if (!conf->readonly && mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "could not create store directory \"%s\": %s",
                 dir, strerror(errno));
        goto failed;
    }

    flags = MDB_NOTLS | (conf->readonly ? MDB_RDONLY : 0)
            | (conf->random_reads ? MDB_NORDAHEAD : 0);
    rc = env_open(st, dir, flags, conf->maxreaders);

    if (rc == EROFS && conf->readonly) {
        /* a store on read-only media (a backup's snapshot, a disk mounted
         * ro): no lock file can be made there, and no process can write
         * there either, so readers need none */
        rc = env_open(st, dir, flags | MDB_NOLOCK, conf->maxreaders);
    }

    if (rc != 0) {
        snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    /* before any read: a data.mdb cut short is a SIGBUS at the first read
     * past its end, and a write would hide the cut behind zeros */

    if (onestop_store_whole(st->env, dir, 0, err, errlen) != 0) {
        goto failed;
    }

    mdb_reader_check(st->env, NULL);

    /* before anything is written: not in another program's environment */

    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);

    if (rc == 0) {
        rc = onestop_store_foreign(txn) ? MDB_INCOMPATIBLE : 0;
        mdb_txn_abort(txn);
    }

    if (rc == MDB_INCOMPATIBLE) {
        snprintf(err, errlen, "\"%s\" holds an LMDB environment that is not "
                 "an onestop store, and onestop does not write in it: give "
                 "onestop_store a directory of its own", dir);
        goto failed;
    }

    if (rc != 0) {
        snprintf(err, errlen, "could not read store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    st->adopt_growth = conf->adopt_growth;
    st->error = "";

    if (!conf->readonly) {
        rc = map_reserve(st, conf->map_size);

        if (rc != 0) {
            snprintf(err, errlen, "could not reserve the map of store "
                     "\"%s\": %s", dir, mdb_strerror(rc));
            goto failed;
        }
    }

    /* nothing to create or upgrade: no write lock (store_ready.c) */

    if (!conf->readonly && onestop_store_ready(st)) {
        goto ready;
    }

    rc = mdb_txn_begin(st->env, NULL, conf->readonly ? MDB_RDONLY : 0, &txn);

    if (rc != 0) {
        snprintf(err, errlen, "could not read store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    flags = conf->readonly ? 0 : MDB_CREATE;

    if ((rc = mdb_dbi_open(txn, ONESTOP_DB_META, flags, &st->meta)) != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_DOSSIERS, flags, &st->dossiers))
           != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_CATALOG, flags, &st->catalog))
           != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_OUTBOX, flags, &st->outbox))
           != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_COUNTERS, flags,
                              &st->counters)) != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_APOLOGIES, flags,
                              &st->apologies)) != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_EVALUATIONS, flags,
                              &st->evaluations)) != 0
        || (rc = mdb_dbi_open(txn, ONESTOP_DB_EVALUATION_DAYS, flags,
                              &st->evaluation_days)) != 0)
    {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "\"%s\" is not an onestop store: %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    /* questions (Điều 13): added in a later release, created by the first
     * read-write open; a read-only open of an older store has none */

    if ((rc = mdb_dbi_open(txn, ONESTOP_DB_FEEDBACK, flags, &st->feedback))
        == 0
        && (rc = mdb_dbi_open(txn, ONESTOP_DB_FEEDBACK_INDEX, flags,
                              &st->feedback_index)) == 0
        && (rc = mdb_dbi_open(txn, ONESTOP_DB_FEEDBACK_COUNTERS, flags,
                              &st->feedback_counters)) == 0)
    {
        st->has_feedback = 1;

    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    /* the change log (issue 15): the same */

    rc = mdb_dbi_open(txn, ONESTOP_DB_CHANGELOG, flags, &st->changelog);

    if (rc == 0) {
        st->has_changelog = 1;

    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    /* the notifier's sent-log and counts (issue 16): the same */

    if ((rc = mdb_dbi_open(txn, ONESTOP_DB_NOTIFY, flags, &st->notify))
        == 0)
    {
        st->has_notify = 1;

    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    /* published figures (issue 18): the same */

    if ((rc = mdb_dbi_open(txn, ONESTOP_DB_PUBLISHED, flags, &st->pubdb))
        == 0)
    {
        st->has_published = 1;

    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    k.mv_data = (void *) ONESTOP_META_SCHEMA;
    k.mv_size = strlen(ONESTOP_META_SCHEMA);
    rc = mdb_get(txn, st->meta, &k, &v);

    if (rc == MDB_NOTFOUND && !conf->readonly) {

        /* a new store */

        schema = ONESTOP_SCHEMA_VERSION;
        offset = conf->offset;

        if (onestop_meta_put(txn, st->meta, ONESTOP_META_SCHEMA, &schema, 4)
            != 0
            || onestop_meta_put(txn, st->meta, ONESTOP_META_UTC_OFFSET,
                                &offset, 4) != 0
            || mdb_txn_commit(txn) != 0)
        {
            snprintf(err, errlen, "could not initialise store \"%s\"", dir);
            goto failed;
        }

        st->offset = offset;

    } else if (rc != 0 || v.mv_size != 4) {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "\"%s\" is not an onestop store", dir);
        goto failed;

    } else {
        memcpy(&schema, v.mv_data, 4);

        if (schema == 1 && !conf->readonly) {
            /* the counters' blocks as schema 2 keeps them, in this
             * transaction: another process waits for it, then sees 2 */
            rc = onestop_counters_upgrade(txn, st->counters);
            schema = 2;

            if (rc != 0
                || onestop_meta_put(txn, st->meta, ONESTOP_META_SCHEMA,
                                    &schema, 4) != 0)
            {
                mdb_txn_abort(txn);
                snprintf(err, errlen, "could not upgrade store \"%s\" to "
                         "schema version 2: %s", dir,
                         rc ? mdb_strerror(rc) : "the store is full");
                goto failed;
            }
        }

        if (schema == 2 && !conf->readonly) {
            /* issue 18's counts of what schema 2 kept (the 'R' series, the
             * apology letters), from the records, in this transaction */
            k.mv_data = (void *) ONESTOP_META_UTC_OFFSET;
            k.mv_size = strlen(ONESTOP_META_UTC_OFFSET);
            rc = mdb_get(txn, st->meta, &k, &v);

            if (rc == 0 && v.mv_size != 4) {
                rc = MDB_CORRUPTED;
            }

            if (rc == 0) {
                memcpy(&offset, v.mv_data, 4);
                rc = onestop_counters_upgrade3(txn, st->dossiers,
                                               st->counters, offset);
            }

            schema = 3;

            if (rc != 0
                || onestop_meta_put(txn, st->meta, ONESTOP_META_SCHEMA,
                                    &schema, 4) != 0)
            {
                mdb_txn_abort(txn);
                snprintf(err, errlen, "could not upgrade store \"%s\" to "
                         "schema version 3: %s", dir,
                         rc ? mdb_strerror(rc) : "the store is full");
                goto failed;
            }
        }

        if (schema >= 3 && schema <= 5 && !conf->readonly) {
            /* the year blocks (issue 20) with their last day (schema 5)
             * and all time, from the month blocks, in a key range of
             * their own (schema 6), in this transaction */
            rc = onestop_counters_upgrade6(txn, st->counters);
            schema = 6;

            if (rc != 0
                || onestop_meta_put(txn, st->meta, ONESTOP_META_SCHEMA,
                                    &schema, 4) != 0)
            {
                mdb_txn_abort(txn);
                snprintf(err, errlen, "could not upgrade store \"%s\" to "
                         "schema version 6: %s", dir,
                         rc ? mdb_strerror(rc) : "the store is full");
                goto failed;
            }
        }

        if (schema != ONESTOP_SCHEMA_VERSION) {
            mdb_txn_abort(txn);
            snprintf(err, errlen, "store \"%s\" has schema version %u, "
                     "this build reads version %u%s", dir, schema,
                     ONESTOP_SCHEMA_VERSION,
                     schema < ONESTOP_SCHEMA_VERSION
                     ? " (opening it read-write once upgrades it)" : "");
            goto failed;
        }

        k.mv_data = (void *) ONESTOP_META_UTC_OFFSET;
        k.mv_size = strlen(ONESTOP_META_UTC_OFFSET);

        if (mdb_get(txn, st->meta, &k, &v) != 0 || v.mv_size != 4) {
            mdb_txn_abort(txn);
            snprintf(err, errlen, "store \"%s\" has no UTC offset", dir);
            goto failed;
        }

        memcpy(&st->offset, v.mv_data, 4);

        /* committed even when read-only: the databases' handles opened
         * in it survive only a commit */

        rc = mdb_txn_commit(txn);

        if (rc != 0) {
            snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                     mdb_strerror(rc));
            goto failed;
        }
    }

ready:

    {
        uint64_t  pub;

        if (meta_get_u64_env(st, ONESTOP_META_PUBLISHED, &pub) == 0) {
            st->trimmed = pub;
            st->published = pub;
        }
    }

    if (conf->outbox_max == 0) {
        uint64_t  max;

        if (meta_get_u64_env(st, ONESTOP_META_OUTBOX_MAX, &max) == 0
            && max != 0)
        {
            st->outbox_max = max;
        }
    }

    if (conf->check_offset && st->offset != conf->offset) {
        onestop_offset_format(st->offset, a);
        onestop_offset_format(conf->offset, b);
        a[6] = '\0';
        b[6] = '\0';
        snprintf(err, errlen, "store \"%s\" was created with UTC offset "
                 "%s, the configuration says %s", dir, a, b);
        goto failed;
    }

    onestop_store_settings(st, conf);

    *stp = st;
    return ONESTOP_OK;

failed:

    onestop_store_close(st);
    return ONESTOP_ERROR;
}


void
onestop_store_close(onestop_store_t *st)
{
    if (st == NULL) {
        return;
    }

    if (st->rtxn != NULL) {
        mdb_txn_abort(st->rtxn);
    }

    if (st->env != NULL && !st->borrowed) {
        mdb_env_close(st->env);
    }

    onestop_catalog_destroy(st->rcat);
    onestop_catalog_destroy(st->wcat);

    onestop_buf_free(&st->cbuf);
    onestop_scratch_free(&st->scratch);
    onestop_deltas_destroy(st->deltas);
    onestop_deltas_destroy(st->gdeltas);

    if (!st->borrowed) {
        onestop_calendar_free(st->own_calendar);
    }

    free(st);
}


int32_t
onestop_store_offset(const onestop_store_t *st)
{
    return st->offset;
}


void
onestop_store_usage(onestop_store_t *st, uint64_t *used, uint64_t *mapped)
{
    MDB_envinfo  info;
    MDB_stat     stat;

    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &stat);

    *used = (uint64_t) (info.me_last_pgno + 1) * stat.ms_psize;
    *mapped = info.me_mapsize;
}


uint64_t
onestop_store_commits(onestop_store_t *st)
{
    MDB_envinfo  info;

    mdb_env_info(st->env, &info);

    return (uint64_t) info.me_last_txnid;
}


uint64_t
onestop_store_dossiers(onestop_store_t *st)
{
    MDB_stat  ms;

    if (st->rtxn == NULL || mdb_stat(st->rtxn, st->dossiers, &ms) != 0) {
        return 0;
    }

    return (uint64_t) ms.ms_entries;
}


int
onestop_meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v)
{
    int      rc;
    MDB_val  k, d;

    k.mv_data = (void *) name;
    k.mv_size = strlen(name);
    rc = mdb_get(txn, dbi, &k, &d);

    if (rc == MDB_NOTFOUND) {
        *v = 0;
        return 0;
    }

    if (rc != 0 || d.mv_size != 8) {
        return rc ? rc : MDB_CORRUPTED;
    }

    memcpy(v, d.mv_data, 8);
    return 0;
}


static int
meta_get_u64_env(onestop_store_t *st, const char *name, uint64_t *v)
{
    int       rc;
    MDB_txn  *txn;

    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);

    if (rc == 0) {
        rc = onestop_meta_get_u64(txn, st->meta, name, v);
        mdb_txn_abort(txn);
    }

    return rc;
}


/* reads */

onestop_store_t *
onestop_store_reader(onestop_store_t *st)
{
    onestop_store_t  *rd;

    rd = malloc(sizeof(onestop_store_t));

    if (rd == NULL) {
        return NULL;
    }

    /* the handles of the databases are the environment's, valid in every
     * transaction of it; what is a reader's own starts empty */

    *rd = *st;
    rd->rtxn = NULL;
    rd->reading = 0;
    rd->rcat = NULL;
    memset(&rd->scratch, 0, sizeof(onestop_scratch_t));
    rd->wcat = NULL;
    memset(&rd->cbuf, 0, sizeof(onestop_buf_t));
    rd->deltas = NULL;
    rd->gdeltas = NULL;
    rd->borrowed = 1;

    return rd;
}


int
onestop_store_read_begin(onestop_store_t *st)
{
    int  rc;

    if (st->reading) {
        return ONESTOP_OK;
    }

    if (st->rtxn != NULL) {
        rc = mdb_txn_renew(st->rtxn);

    } else {
        rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &st->rtxn);
    }

    if (rc == MDB_MAP_RESIZED) {
        rc = onestop_store_map_resized(st);

        if (rc == 0) {
            rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &st->rtxn);
        }
    }

    if (rc != 0) {
        if (rc != MDB_MAP_RESIZED) {
            st->error = mdb_strerror(rc);
        }

        if (st->rtxn != NULL) {
            mdb_txn_abort(st->rtxn);
            st->rtxn = NULL;
        }
        return ONESTOP_ERROR;
    }

    st->reading = 1;
    return ONESTOP_OK;
}


void
onestop_store_read_end(onestop_store_t *st)
{
    if (st->reading) {
        mdb_txn_reset(st->rtxn);
        st->reading = 0;
    }
}


int
onestop_store_get(onestop_store_t *st, const char *code, size_t len,
    onestop_record_t *r)
{
    int      rc;
    MDB_val  k, v;

    if (!st->reading || len == 0 || len > ONESTOP_CODE_MAX) {
        return len ? ONESTOP_ERROR : ONESTOP_NOT_FOUND;
    }

    k.mv_data = (void *) code;
    k.mv_size = len;
    rc = mdb_get(st->rtxn, st->dossiers, &k, &v);

    if (rc == MDB_NOTFOUND) {
        return ONESTOP_NOT_FOUND;
    }

    if (rc != 0) {
        st->error = mdb_strerror(rc);
        return ONESTOP_ERROR;
    }

    if (onestop_record_decode(v.mv_data, v.mv_size, r) != 0) {
        st->error = "a stored dossier does not decode: the store is "
                    "damaged (restore it from a backup)";
        return ONESTOP_ERROR;
    }

    if (r->tombstone) {
        return ONESTOP_NOT_FOUND;
    }

    r->code.data = k.mv_data;
    r->code.len = k.mv_size;

    return ONESTOP_OK;
}


int
onestop_store_evaluated(onestop_store_t *st, const char *code, size_t len)
{
    MDB_val  k, v;

    if (!st->reading) {
        return 0;
    }

    k.mv_data = (void *) code;
    k.mv_size = len;

    return mdb_get(st->rtxn, st->evaluations, &k, &v) == 0;
}


uint64_t
onestop_store_tag(onestop_store_t *st)
{
    int          fd;
    struct stat  sb;

    if (st->tag == 0 && mdb_env_get_fd(st->env, &fd) == 0
        && fstat(fd, &sb) == 0)
    {
        st->tag = ((uint64_t) sb.st_dev * 0x9e3779b97f4a7c15ULL)
                  ^ (uint64_t) sb.st_ino;
        st->tag += (st->tag == 0);
    }

    return st->tag;
}


int
onestop_store_backup(onestop_store_t *st, const char *dest, char *err,
    size_t errlen)
{
    int   rc, fd, made;
    char  path[4096];

    made = mkdir(dest, 0750) == 0;

    if (!made && errno != EEXIST) {
        snprintf(err, errlen, "could not create \"%s\": %s", dest,
                 strerror(errno));
        return -1;
    }

    /* the copy's file is made here, never over one that is there, and as
     * private as the store from its first byte (it holds applicants'
     * contacts; LMDB would make it readable by all until a chmod); a copy
     * that fails (a full disk) is removed, with the directory made for it,
     * rather than left half written */

    snprintf(path, sizeof(path), "%s/data.mdb", dest);

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

    if (fd < 0) {
        snprintf(err, errlen, "could not copy the store to \"%s\": %s", dest,
                 strerror(errno));

        if (made) {
            rmdir(dest);
        }

        return -1;
    }

    rc = fchmod(fd, 0640) != 0 ? errno : 0;

    if (rc == 0) {
        rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT);
    }

    if (rc == 0 && fsync(fd) != 0) {
        rc = errno;
    }

    if (close(fd) != 0 && rc == 0) {
        rc = errno;
    }

    if (rc != 0) {
        snprintf(err, errlen, "could not copy the store to \"%s\": %s", dest,
                 mdb_strerror(rc));
        unlink(path);

        if (made) {
            rmdir(dest);
        }

        return -1;
    }

    return 0;
}
