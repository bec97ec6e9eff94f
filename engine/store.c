/*
 * The LMDB store and its one write transaction.
 *
 * Every change - a batch of dossiers, a deletion, a catalog - is applied
 * in a nested transaction of one write transaction that stores the
 * records, appends the outbox and (later) adjusts the counters together,
 * so that nothing can be written without the others.  Several requests
 * share one commit and its two fsyncs (group commit); each keeps its own
 * answer because its nested transaction commits or aborts alone.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* O_TMPFILE */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "onestop_store_int.h"





static int meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name,
    uint64_t *v);
static int meta_get_u64_env(onestop_store_t *st, const char *name,
    uint64_t *v);
static int meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name,
    const void *v, size_t len);
static int load_catalog(onestop_store_t *st, MDB_txn *txn,
    onestop_catalog_t **catp);
static int write_dossiers(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, uint64_t *seq);
static int write_delete(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, uint64_t *seq);
static int write_catalog(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, uint64_t *seq);
static int write_evaluation(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, uint64_t *seq);
static int apology_index(onestop_store_t *st, MDB_txn *txn,
    const onestop_record_t *old, const onestop_record_t *r,
    const onestop_str_t *code);
static int outbox_append(onestop_store_t *st, MDB_txn *txn, uint64_t *seq,
    int kind, uint32_t agency, uint64_t version, const onestop_str_t *code,
    uint32_t old_agency);
static int in_scope(const onestop_catalog_t *cat,
    const onestop_scope_t *scope, uint32_t agency);
static int store_full(onestop_store_t *st, int rc);
static int disk_room(onestop_store_t *st);
static int map_room(onestop_store_t *st);
static int env_broken(onestop_store_t *st);
static void write_refused(onestop_write_t *w, int full, int rc);


/*
 * Why a write failed for want of room: ONESTOP_FULL_MAP, ONESTOP_FULL_DISK,
 * or 0 when it failed for another reason.  LMDB reports a write that the
 * file system cut short as EIO, the error of a failing disk too: the disk
 * is full when it has no room left now.
 */
static int
store_full(onestop_store_t *st, int rc)
{
    switch (rc) {

    case MDB_MAP_FULL:
        return ONESTOP_FULL_MAP;

    case ENOSPC:
    case EDQUOT:
        return ONESTOP_FULL_DISK;

    case EIO:
        return disk_room(st) ? 0 : ONESTOP_FULL_DISK;

    default:
        return 0;
    }
}


/* 1 when the store's file system has ONESTOP_ROOM_MIN free for its user */

static int
disk_room(onestop_store_t *st)
{
    int              fd, rc;
    const char      *dir;
    struct statvfs   fs;

    if (mdb_env_get_fd(st->env, &fd) == 0 && fstatvfs(fd, &fs) == 0
        && (uint64_t) fs.f_bavail * fs.f_frsize < ONESTOP_ROOM_MIN)
    {
        return 0;
    }

    /* statvfs does not know a quota: take the room, in a file that has no
     * name and goes when closed */

    if (mdb_env_get_path(st->env, &dir) != 0) {
        return 1;
    }

    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

    if (fd == -1) {
        return 1;               /* not on this file system: statvfs said */
    }

    rc = posix_fallocate(fd, 0, ONESTOP_ROOM_MIN);
    close(fd);

    return rc != ENOSPC && rc != EDQUOT;
}


/* 1 when the map has ONESTOP_ROOM_MIN past the pages in use */

static int
map_room(onestop_store_t *st)
{
    MDB_stat     ms;
    MDB_envinfo  info;

    if (mdb_env_info(st->env, &info) != 0 || mdb_env_stat(st->env, &ms) != 0)
    {
        return 1;
    }

    return info.me_mapsize
           >= ((uint64_t) info.me_last_pgno + 1) * ms.ms_psize
              + ONESTOP_ROOM_MIN;
}


/*
 * 1 when LMDB gave up on the environment (MDB_PANIC): a meta page it
 * could not write leaves it so, for reads too, until it is opened again.
 */
static int
env_broken(onestop_store_t *st)
{
    int       rc;
    MDB_txn  *txn;

    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);

    if (rc == 0) {
        mdb_txn_abort(txn);
    }

    return rc == MDB_PANIC;
}


/* a write that failed: 507 when there was no room (full says why), or 500;
 * nothing of it was written */

static void
write_refused(onestop_write_t *w, int full, int rc)
{
    w->status = full ? 507 : 500;
    w->error_code = full ? "insufficient_storage" : "internal_error";

    snprintf(w->message, sizeof(w->message), "%s",
             full == ONESTOP_FULL_DISK ? "the store's disk is full"
             : full == ONESTOP_FULL_MAP ? mdb_strerror(MDB_MAP_FULL)
             : mdb_strerror(rc));

    w->accepted = 0;
    w->unchanged = 0;
    w->stale = 0;
}


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

static int
map_resized(onestop_store_t *st)
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

    if (!conf->readonly && mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "could not create store directory \"%s\": %s",
                 dir, strerror(errno));
        goto failed;
    }

    rc = mdb_env_create(&st->env);

    if (rc == 0) {
        mdb_env_set_maxdbs(st->env, ONESTOP_DB_MAX);
        mdb_env_set_maxreaders(st->env,
                               conf->maxreaders ? conf->maxreaders : 1024);

        /* no map size before the open: LMDB then maps what the store
         * records, so that every process maps the same size */
    }

    if (rc != 0) {
        snprintf(err, errlen, "could not set up store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    flags = MDB_NOTLS | (conf->readonly ? MDB_RDONLY : 0);
    rc = mdb_env_open(st->env, dir, flags, 0660);

    if (rc != 0) {
        snprintf(err, errlen, "could not open store \"%s\": %s", dir,
                 mdb_strerror(rc));
        goto failed;
    }

    mdb_reader_check(st->env, NULL);

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

    k.mv_data = (void *) ONESTOP_META_SCHEMA;
    k.mv_size = strlen(ONESTOP_META_SCHEMA);
    rc = mdb_get(txn, st->meta, &k, &v);

    if (rc == MDB_NOTFOUND && !conf->readonly) {

        /* a new store */

        schema = ONESTOP_SCHEMA_VERSION;
        offset = conf->offset;

        if (meta_put(txn, st->meta, ONESTOP_META_SCHEMA, &schema, 4) != 0
            || meta_put(txn, st->meta, ONESTOP_META_UTC_OFFSET, &offset, 4)
               != 0
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
                || meta_put(txn, st->meta, ONESTOP_META_SCHEMA, &schema, 4)
                   != 0)
            {
                mdb_txn_abort(txn);
                snprintf(err, errlen, "could not upgrade store \"%s\" to "
                         "schema version 2: %s", dir,
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

        if (mdb_txn_commit(txn) != 0) {
            snprintf(err, errlen, "could not open store \"%s\"", dir);
            goto failed;
        }

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
    }

    if (conf->outbox_max && !conf->readonly) {
        MDB_txn   *wtxn;
        uint64_t   max;

        max = conf->outbox_max;

        if (mdb_txn_begin(st->env, NULL, 0, &wtxn) == 0) {
            if (meta_put(wtxn, st->meta, ONESTOP_META_OUTBOX_MAX, &max, 8)
                == 0)
            {
                mdb_txn_commit(wtxn);
            } else {
                mdb_txn_abort(wtxn);
            }
        }
    }

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
    onestop_deltas_destroy(st->deltas);
    onestop_deltas_destroy(st->gdeltas);
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


static int
meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v)
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
        rc = meta_get_u64(txn, st->meta, name, v);
        mdb_txn_abort(txn);
    }

    return rc;
}


static int
meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, const void *v,
    size_t len)
{
    MDB_val  k, d;

    k.mv_data = (void *) name;
    k.mv_size = strlen(name);
    d.mv_data = (void *) v;
    d.mv_size = len;

    return mdb_put(txn, dbi, &k, &d, 0);
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
    rd->wcat = NULL;
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
        rc = map_resized(st);

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

    if (rc != 0 || onestop_record_decode(v.mv_data, v.mv_size, r) != 0) {
        return ONESTOP_ERROR;
    }

    if (r->tombstone) {
        return ONESTOP_NOT_FOUND;
    }

    r->code.data = k.mv_data;
    r->code.len = k.mv_size;

    return ONESTOP_OK;
}


/* a u64 of meta in the open read snapshot, 0 without one */

static uint64_t
meta_read_u64(onestop_store_t *st, const char *name)
{
    uint64_t  v;

    if (!st->reading || meta_get_u64(st->rtxn, st->meta, name, &v) != 0) {
        return 0;
    }

    return v;
}


uint64_t
onestop_store_seq(onestop_store_t *st)
{
    return meta_read_u64(st, ONESTOP_META_OUTBOX_SEQ);
}


const onestop_catalog_t *
onestop_store_catalog(onestop_store_t *st)
{
    if (!st->reading || load_catalog(st, st->rtxn, &st->rcat) != 0) {
        return NULL;
    }

    return st->rcat;
}


static int
cat_next(MDB_txn *txn, MDB_dbi dbi, char type, uint32_t *n)
{
    int      rc;
    char     key[2];
    MDB_val  k, v;

    key[0] = ONESTOP_CAT_NEXT;
    key[1] = type;
    k.mv_data = key;
    k.mv_size = 2;
    rc = mdb_get(txn, dbi, &k, &v);

    if (rc == MDB_NOTFOUND) {
        *n = 0;
        return 0;
    }

    if (rc != 0 || v.mv_size != 4) {
        return -1;
    }

    memcpy(n, v.mv_data, 4);
    return 0;
}


static int
get_str16(const uint8_t **p, const uint8_t *end, onestop_str_t *s)
{
    size_t  n;

    if (end - *p < 2) {
        return -1;
    }

    n = (size_t) (*p)[0] | (size_t) (*p)[1] << 8;
    *p += 2;

    if ((size_t) (end - *p) < n) {
        return -1;
    }

    s->data = (const char *) *p;
    s->len = n;
    *p += n;
    return 0;
}


static int
load_catalog(onestop_store_t *st, MDB_txn *txn, onestop_catalog_t **catp)
{
    int                 rc;
    uint8_t             level;
    uint32_t            na, nf, np, id, parent, field;
    uint64_t            gen;
    MDB_val             k, v;
    MDB_cursor         *cur;
    onestop_str_t       sid, name;
    const uint8_t      *p, *end, *key;
    onestop_catalog_t  *cat;

    if (meta_get_u64(txn, st->meta, ONESTOP_META_CATALOG_GEN, &gen) != 0) {
        return -1;
    }

    if (*catp != NULL && (*catp)->gen == gen) {
        return 0;
    }

    if (cat_next(txn, st->catalog, ONESTOP_CAT_AGENCY, &na) != 0
        || cat_next(txn, st->catalog, ONESTOP_CAT_FIELD, &nf) != 0
        || cat_next(txn, st->catalog, ONESTOP_CAT_PROCEDURE, &np) != 0)
    {
        return -1;
    }

    cat = onestop_catalog_create(na, nf, np);

    if (cat == NULL) {
        return -1;
    }

    cat->gen = gen;

    rc = mdb_cursor_open(txn, st->catalog, &cur);

    if (rc != 0) {
        onestop_catalog_destroy(cat);
        return -1;
    }

    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);

    for ( /* void */ ; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        key = k.mv_data;
        p = v.mv_data;
        end = p + v.mv_size;

        if (k.mv_size != 5) {
            continue;
        }

        id = get_be32(key + 1);

        switch (key[0]) {

        case ONESTOP_CAT_AGENCY:
            if (v.mv_size < 5) {
                goto corrupt;
            }

            level = p[0];
            memcpy(&parent, p + 1, 4);
            p += 5;

            if (get_str16(&p, end, &sid) != 0
                || get_str16(&p, end, &name) != 0
                || onestop_catalog_set_agency(cat, id, sid, name, level,
                                              parent) != 0)
            {
                goto corrupt;
            }
            break;

        case ONESTOP_CAT_FIELD:
            if (get_str16(&p, end, &sid) != 0
                || get_str16(&p, end, &name) != 0
                || onestop_catalog_set_field(cat, id, sid, name) != 0)
            {
                goto corrupt;
            }
            break;

        case ONESTOP_CAT_PROCEDURE:
            if (v.mv_size < 4) {
                goto corrupt;
            }

            memcpy(&field, p, 4);
            p += 4;

            if (get_str16(&p, end, &sid) != 0
                || get_str16(&p, end, &name) != 0
                || onestop_catalog_set_procedure(cat, id, sid, name, field)
                   != 0)
            {
                goto corrupt;
            }
            break;
        }
    }

    mdb_cursor_close(cur);

    if (rc != MDB_NOTFOUND || onestop_catalog_finish(cat) != 0) {
        onestop_catalog_destroy(cat);
        return -1;
    }

    onestop_catalog_destroy(*catp);
    *catp = cat;

    return 0;

corrupt:

    mdb_cursor_close(cur);
    onestop_catalog_destroy(cat);
    return -1;
}


/* writes */

static int
in_scope(const onestop_catalog_t *cat, const onestop_scope_t *scope,
    uint32_t agency)
{
    return onestop_scope_covers(cat, scope, agency);
}


int
onestop_scope_covers(const onestop_catalog_t *cat,
    const onestop_scope_t *scope, uint32_t agency)
{
    size_t                   i;
    uint32_t                 hops;
    const onestop_agency_t  *a;

    if (scope == NULL || scope->all) {
        return 1;
    }

    for (hops = 0; agency != 0 && agency <= cat->nagencies
                   && hops <= cat->nagencies; hops++)
    {
        a = &cat->agencies[agency];

        for (i = 0; i < scope->n; i++) {
            if (scope->agencies[i].len == a->id.len
                && memcmp(scope->agencies[i].data, a->id.data, a->id.len) == 0)
            {
                return 1;
            }
        }

        agency = a->parent;
    }

    return 0;
}


static int
outbox_append(onestop_store_t *st, MDB_txn *txn, uint64_t *seq, int kind,
    uint32_t agency, uint64_t version, const onestop_str_t *code,
    uint32_t old_agency)
{
    int      rc;
    uint8_t  key[8], val[1 + 4 + 8 + 1 + ONESTOP_CODE_MAX + 4];
    size_t   n;
    MDB_val  k, v;

    (*seq)++;
    be64(key, *seq);

    val[0] = (uint8_t) kind;
    memcpy(val + 1, &agency, 4);
    memcpy(val + 5, &version, 8);
    n = code != NULL ? code->len : 0;
    val[13] = (uint8_t) n;

    if (n) {
        memcpy(val + 14, code->data, n);
    }

    /* a dossier that moved: the agency it left, whose figures changed too */
    memcpy(val + 14 + n, &old_agency, 4);

    k.mv_data = key;
    k.mv_size = 8;
    v.mv_data = val;
    v.mv_size = 14 + n + 4;

    rc = mdb_put(txn, st->outbox, &k, &v, MDB_APPEND);

    if (rc != 0) {
        return rc;
    }

    /* bounded: drop the oldest past outbox_max (SPEC section 9) */

    if (*seq > st->outbox_max) {
        be64(key, *seq - st->outbox_max);
        k.mv_data = key;
        k.mv_size = 8;
        rc = mdb_del(txn, st->outbox, &k, NULL);

        if (rc == MDB_NOTFOUND) {
            rc = 0;
        }
    }

    return rc;
}


/*
 * The agency a code's first part names: the part before its first '-' (the
 * whole code without one), as Decision 30 builds codes from the receiving
 * agency's id (000.00.12.H36-190709-0001); 0 when it names none.
 */

static uint32_t
code_agency(const onestop_catalog_t *cat, const onestop_str_t *code)
{
    const char  *dash;

    dash = memchr(code->data, '-', code->len);

    return onestop_catalog_agency(cat, code->data,
                                  dash != NULL ? (size_t) (dash - code->data)
                                               : code->len);
}


static int
write_dossiers(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    uint64_t *seq)
{
    int                       rc, found;
    size_t                    forbidden, invalid, conflict;
    uint32_t                  old_agency, id;
    size_t                    i, size, rsize;
    uint8_t                  *enc;
    MDB_val                   k, v;
    const char               *why;
    onestop_batch_t          *b;
    onestop_record_t         *r, old;
    const onestop_catalog_t  *cat;

    b = w->batch;
    cat = st->wcat;
    forbidden = 0;
    invalid = 0;
    conflict = 0;
    enc = NULL;
    size = 0;

    for (i = 0; i < b->nrecs; i++) {
        r = &b->recs[i];

        r->agency_id = r->agency.len
                       ? onestop_catalog_agency(cat, r->agency.data,
                                                r->agency.len)
                       : 0;
        r->procedure_id = r->procedure.len
                          ? onestop_catalog_procedure(cat, r->procedure.data,
                                                      r->procedure.len)
                          : 0;

        /* a scoped key must cover the agency sent (an unknown one too) */

        if (w->scope != NULL && !w->scope->all && r->agency.len
            && !in_scope(cat, w->scope, r->agency_id))
        {
            onestop_batch_fail(b, b->pos[i], "forbidden",
                               "the key does not cover this agency");
            forbidden++;
            continue;
        }

        /* the stored record, a tombstone too (a bad record's code is
         * empty when the code itself is bad) */

        found = 0;

        if (r->code.len) {
            k.mv_data = (void *) r->code.data;
            k.mv_size = r->code.len;
            rc = mdb_get(txn, st->dossiers, &k, &v);

            if (rc != 0 && rc != MDB_NOTFOUND) {
                free(enc);
                return rc;
            }

            if (rc == 0) {
                if (onestop_record_decode(v.mv_data, v.mv_size, &old) != 0) {
                    free(enc);
                    return MDB_CORRUPTED;
                }

                found = 1;
            }
        }

        /* and the dossier's own agency: the one it is stored under (a
         * deleted dossier's too), or, for a new code, the agency its
         * first part names */

        why = NULL;

        if (found) {
            if (!in_scope(cat, w->scope, old.agency_id)) {
                why = old.tombstone
                      ? "the deleted dossier was stored under an agency the "
                        "key does not cover"
                      : "the dossier is stored under an agency the key "
                        "does not cover";
            }

        } else if (r->code.len && w->scope != NULL && !w->scope->all) {
            id = code_agency(cat, &r->code);

            if (id != 0 && !in_scope(cat, w->scope, id)) {
                why = "a new code beginning with the id of an agency the "
                      "key does not cover: only a key of that agency "
                      "creates it";
            }
        }

        if (why != NULL) {
            onestop_batch_fail(b, b->pos[i], "forbidden", why);
            forbidden++;
            continue;
        }

        if (b->bad[i]) {
            /* already listed by the parse: only its scope was left */
            invalid++;
            continue;
        }

        if (r->agency_id == 0) {
            onestop_batch_fail(b, b->pos[i], "invalid",
                               "agency is not in the catalog");
            invalid++;
            continue;
        }

        if (r->procedure_id == 0) {
            onestop_batch_fail(b, b->pos[i], "invalid",
                               "procedure is not in the catalog");
            invalid++;
            continue;
        }

        if (found
            && (r->version < old.version
                || (old.tombstone && r->version == old.version)))
        {
            w->stale++;
            continue;
        }

        rsize = onestop_record_size(r);

        if (rsize > size) {
            size = rsize * 2;
            free(enc);
            enc = malloc(size);

            if (enc == NULL) {
                return ENOMEM;
            }
        }

        onestop_record_encode(r, enc);

        if (found && r->version == old.version) {

            /* the same content: every member, times as instants (a date
             * and its local midnight written as a time are one instant;
             * byte 6 of the form only says how it was written) */

            if (!old.tombstone
                && onestop_record_same(v.mv_data, v.mv_size, enc, rsize))
            {
                w->unchanged++;

            } else {
                onestop_batch_fail(b, b->pos[i], "conflict",
                                   "the same version with other content is "
                                   "already stored");
                conflict++;
            }

            continue;
        }

        if (forbidden || invalid || conflict) {
            /* the batch fails: go on only to list every fault */
            continue;
        }

        /* the counters: the old contribution out, the new one in (before
         * the put, which may move the old value's page) */

        if ((found && !old.tombstone
             && onestop_deltas_record(st->deltas, &old, st->offset, -1) != 0)
            || onestop_deltas_record(st->deltas, r, st->offset, 1) != 0)
        {
            free(enc);
            return ENOMEM;
        }

        old_agency = found && !old.tombstone
                     && old.agency_id != r->agency_id ? old.agency_id : 0;

        rc = apology_index(st, txn, found && !old.tombstone ? &old : NULL,
                           r, &r->code);

        if (rc != 0) {
            free(enc);
            return rc;
        }

        v.mv_data = enc;
        v.mv_size = rsize;
        rc = mdb_put(txn, st->dossiers, &k, &v, 0);

        if (rc == 0) {
            rc = outbox_append(st, txn, seq, ONESTOP_CHANGE_DOSSIER,
                               r->agency_id, r->version, &r->code,
                               old_agency);
        }

        if (rc != 0) {
            free(enc);
            return rc;
        }

        w->accepted++;
    }

    free(enc);
    onestop_batch_sort_items(b);

    if (forbidden) {
        w->status = 403;
        w->error_code = "forbidden";
        snprintf(w->message, sizeof(w->message),
                 "%zu record(s) lie outside the key's agencies", forbidden);

    } else if (invalid) {
        w->status = 422;
        w->error_code = "invalid";
        snprintf(w->message, sizeof(w->message),
                 "%zu record(s) are invalid", invalid);

    } else if (conflict) {
        w->status = 409;
        w->error_code = "conflict";
        snprintf(w->message, sizeof(w->message),
                 "%zu record(s) conflict with a stored version", conflict);

    } else {
        w->status = 200;
    }

    return 0;
}


size_t
onestop_apology_key(const onestop_record_t *r, const onestop_str_t *code,
    int32_t offset, uint8_t *key)
{
    onestop_day_t  day;

    day = onestop_ts_day(&r->t[ONESTOP_T_APOLOGY_ISSUED], offset);
    be32(key, 0xffffffffu - (uint32_t) day);
    memcpy(key + 4, code->data, code->len);

    return 4 + code->len;
}


/* the apologies index follows the record: out with the old letter, in
 * with the new one */

static int
apology_index(onestop_store_t *st, MDB_txn *txn, const onestop_record_t *old,
    const onestop_record_t *r, const onestop_str_t *code)
{
    int       rc;
    uint8_t   key[4 + ONESTOP_CODE_MAX], val[8];
    MDB_val   k, v;

    if (old != NULL && old->has_apology) {
        k.mv_data = key;
        k.mv_size = onestop_apology_key(old, code, st->offset, key);
        rc = mdb_del(txn, st->apologies, &k, NULL);

        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }
    }

    if (r != NULL && r->has_apology) {
        k.mv_data = key;
        k.mv_size = onestop_apology_key(r, code, st->offset, key);
        memcpy(val, &r->agency_id, 4);
        memcpy(val + 4, &r->procedure_id, 4);
        v.mv_data = val;
        v.mv_size = 8;

        return mdb_put(txn, st->apologies, &k, &v, 0);
    }

    return 0;
}


static int
write_delete(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    uint64_t *seq)
{
    int                       rc;
    uint8_t                   enc[64];
    MDB_val                   k, v;
    onestop_record_t          old, tomb;
    const onestop_catalog_t  *cat;

    cat = st->wcat;

    k.mv_data = (void *) w->code.data;
    k.mv_size = w->code.len;
    rc = mdb_get(txn, st->dossiers, &k, &v);

    if (rc == MDB_NOTFOUND) {
        w->status = 404;
        w->error_code = "not_found";
        snprintf(w->message, sizeof(w->message), "no dossier has this code");
        return 0;
    }

    if (rc != 0) {
        return rc;
    }

    if (onestop_record_decode(v.mv_data, v.mv_size, &old) != 0) {
        return MDB_CORRUPTED;
    }

    if (old.tombstone) {
        w->status = 404;
        w->error_code = "not_found";
        snprintf(w->message, sizeof(w->message), "no dossier has this code");
        return 0;
    }

    if (!in_scope(cat, w->scope, old.agency_id)) {
        w->status = 403;
        w->error_code = "forbidden";
        snprintf(w->message, sizeof(w->message),
                 "the dossier is stored under an agency the key does not "
                 "cover");
        return 0;
    }

    if (onestop_deltas_record(st->deltas, &old, st->offset, -1) != 0) {
        return ENOMEM;
    }

    if ((rc = apology_index(st, txn, &old, NULL, &w->code)) != 0) {
        return rc;
    }

    memset(&tomb, 0, sizeof(onestop_record_t));
    tomb.tombstone = 1;
    tomb.version = old.version;
    tomb.agency_id = old.agency_id;
    tomb.procedure_id = old.procedure_id;
    onestop_record_encode(&tomb, enc);

    v.mv_data = enc;
    v.mv_size = onestop_record_size(&tomb);
    rc = mdb_put(txn, st->dossiers, &k, &v, 0);

    if (rc == 0) {
        rc = outbox_append(st, txn, seq, ONESTOP_CHANGE_DELETE, old.agency_id,
                           old.version, &w->code, 0);
    }

    if (rc != 0) {
        return rc;
    }

    w->deleted = 1;
    w->status = 200;

    return 0;
}


/* evaluations (Điều 12): once per dossier, finished dossiers only */

static int
write_evaluation(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    uint64_t *seq)
{
    int                   rc, i;
    uint8_t               val[32 + 65536], key[4 + ONESTOP_CODE_MAX];
    size_t                n;
    int64_t               now;
    MDB_val               k, v;
    onestop_record_t      rec;
    onestop_day_t         day;
    onestop_status_e      status;
    onestop_timeliness_e  tl;

    k.mv_data = (void *) w->code.data;
    k.mv_size = w->code.len;
    rc = mdb_get(txn, st->dossiers, &k, &v);

    if (rc == MDB_NOTFOUND
        || (rc == 0 && (onestop_record_decode(v.mv_data, v.mv_size, &rec) != 0
                        || rec.tombstone)))
    {
        w->status = 404;
        w->error_code = "not_found";
        snprintf(w->message, sizeof(w->message), "no dossier has this code");
        return 0;
    }

    if (rc != 0) {
        return rc;
    }

    if (!in_scope(st->wcat, w->scope, rec.agency_id)) {
        w->status = 403;
        w->error_code = "forbidden";
        snprintf(w->message, sizeof(w->message),
                 "the key does not cover the dossier's agency");
        return 0;
    }

    status = onestop_record_status(&rec);

    if (status != ONESTOP_RESOLVED && status != ONESTOP_RETURNED) {
        w->status = 422;
        w->error_code = "invalid";
        snprintf(w->message, sizeof(w->message),
                 "only a resolved or returned dossier can be evaluated");
        return 0;
    }

    rc = mdb_get(txn, st->evaluations, &k, &v);

    if (rc == 0) {
        w->status = 409;
        w->error_code = "conflict";
        snprintf(w->message, sizeof(w->message),
                 "this dossier has already been evaluated");
        return 0;
    }

    if (rc != MDB_NOTFOUND) {
        return rc;
    }

    /* index 1 is the system's: early 2, on time 1, late 0 */

    tl = onestop_record_timeliness(&rec, st->offset, 0);
    w->answers[1] = tl == ONESTOP_TL_EARLY ? 2 : tl == ONESTOP_TL_ON_TIME
                                                 ? 1 : 0;

    now = onestop_now(st->offset);
    w->evaluated_at = now;

    val[0] = ONESTOP_EVALUATION_FORMAT;

    for (i = 0; i <= ONESTOP_INDICES; i++) {
        val[1 + i] = i == 0 || w->answers[i] < 0 ? 0xff
                                                  : (uint8_t) w->answers[i];
    }

    val[11] = rec.channel;
    val[12] = 0;
    memcpy(val + 13, &now, 8);
    memcpy(val + 21, &rec.agency_id, 4);
    memcpy(val + 25, &rec.procedure_id, 4);
    n = w->comment.len > 65535 ? 65535 : w->comment.len;
    val[29] = (uint8_t) (n & 0xff);
    val[30] = (uint8_t) (n >> 8);

    if (n) {
        memcpy(val + 31, w->comment.data, n);
    }

    v.mv_data = val;
    v.mv_size = 31 + n;

    if ((rc = mdb_put(txn, st->evaluations, &k, &v, MDB_NOOVERWRITE)) != 0) {
        return rc;
    }

    day = onestop_sec_day(now, st->offset);
    be32(key, (uint32_t) day);
    memcpy(key + 4, w->code.data, w->code.len);
    k.mv_data = key;
    k.mv_size = 4 + w->code.len;
    v.mv_data = "";
    v.mv_size = 0;

    if ((rc = mdb_put(txn, st->evaluation_days, &k, &v, 0)) != 0
        || (rc = outbox_append(st, txn, seq, ONESTOP_CHANGE_EVALUATION,
                               rec.agency_id, 0, NULL, 0)) != 0)
    {
        return rc;
    }

    w->status = 201;
    return 0;
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


/* catalog writes */

typedef struct {
    char      type;
    uint32_t  id;
    uint8_t   key[5];
} cat_key_t;


static void
cat_key(cat_key_t *ck, char type, uint32_t id)
{
    ck->type = type;
    ck->id = id;
    ck->key[0] = (uint8_t) type;
    be32(ck->key + 1, id);
}


static int
cat_intern(onestop_store_t *st, MDB_txn *txn, char type, char idtype,
    onestop_str_t sid, uint32_t *id, int *created)
{
    int      rc;
    char     key[1 + ONESTOP_CODE_MAX];
    char     nkey[2];
    uint32_t n;
    MDB_val  k, v;

    key[0] = idtype;
    memcpy(key + 1, sid.data, sid.len);
    k.mv_data = key;
    k.mv_size = 1 + sid.len;

    rc = mdb_get(txn, st->catalog, &k, &v);

    if (rc == 0 && v.mv_size == 4) {
        memcpy(id, v.mv_data, 4);
        *created = 0;
        return 0;
    }

    if (rc != MDB_NOTFOUND) {
        return rc ? rc : MDB_CORRUPTED;
    }

    if (cat_next(txn, st->catalog, type, &n) != 0) {
        return MDB_CORRUPTED;
    }

    n++;

    nkey[0] = ONESTOP_CAT_NEXT;
    nkey[1] = type;
    k.mv_data = key;
    k.mv_size = 1 + sid.len;
    v.mv_data = &n;
    v.mv_size = 4;

    if ((rc = mdb_put(txn, st->catalog, &k, &v, 0)) != 0) {
        return rc;
    }

    k.mv_data = nkey;
    k.mv_size = 2;

    if ((rc = mdb_put(txn, st->catalog, &k, &v, 0)) != 0) {
        return rc;
    }

    *id = n;
    *created = 1;
    return 0;
}


static int
cat_put(onestop_store_t *st, MDB_txn *txn, char type, uint32_t id,
    const uint8_t *head, size_t headlen, onestop_str_t sid,
    onestop_str_t name, size_t *written)
{
    uint8_t    buf[16 + 2 * (ONESTOP_NAME_MAX + 2)];
    uint8_t   *p;
    MDB_val    k, v, old;
    cat_key_t  ck;

    cat_key(&ck, type, id);
    k.mv_data = ck.key;
    k.mv_size = 5;

    p = buf;
    memcpy(p, head, headlen);
    p += headlen;
    *p++ = (uint8_t) (sid.len & 0xff);
    *p++ = (uint8_t) (sid.len >> 8);
    memcpy(p, sid.data, sid.len);
    p += sid.len;
    *p++ = (uint8_t) (name.len & 0xff);
    *p++ = (uint8_t) (name.len >> 8);
    memcpy(p, name.data, name.len);
    p += name.len;

    v.mv_data = buf;
    v.mv_size = (size_t) (p - buf);

    if (mdb_get(txn, st->catalog, &k, &old) == 0 && old.mv_size == v.mv_size
        && memcmp(old.mv_data, buf, v.mv_size) == 0)
    {
        return 0;
    }

    (*written)++;
    return mdb_put(txn, st->catalog, &k, &v, 0);
}


static int
write_catalog(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    uint64_t *seq)
{
    int                        rc, created, *plevel;
    size_t                     i, j;
    uint8_t                    head[5];
    uint32_t                   id, parent, field, hops, *ids, *pids, *up;
    onestop_catalog_doc_t     *doc;
    onestop_cat_agency_in_t   *a;
    onestop_cat_entry_in_t    *e;
    const onestop_catalog_t   *cat;
    const onestop_agency_t    *old, *pa;

    doc = w->doc;
    cat = st->wcat;

    if (w->scope != NULL && !w->scope->all) {
        w->status = 403;
        w->error_code = "forbidden";
        snprintf(w->message, sizeof(w->message),
                 "only an administrator's key may write the catalog");
        return 0;
    }

#define CAT_FAIL(...)                                                        \
    do {                                                                     \
        w->status = 422;                                                     \
        w->error_code = "invalid";                                           \
        snprintf(w->message, sizeof(w->message), __VA_ARGS__);               \
        rc = 0;                                                              \
        goto done;                                                           \
    } while (0)

    ids = calloc(doc->nagencies + 1, sizeof(uint32_t));
    pids = calloc(doc->nagencies + 1, sizeof(uint32_t));
    plevel = calloc(doc->nagencies + 1, sizeof(int));
    up = calloc(doc->nagencies + 1, sizeof(uint32_t));
    rc = ENOMEM;

    if (ids == NULL || pids == NULL || plevel == NULL || up == NULL) {
        goto done;
    }

    /* fields */

    for (i = 0; i < doc->nfields; i++) {
        e = &doc->fields[i];

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_FIELD, ONESTOP_CAT_FIELD_ID,
                             e->id, &id, &created)) != 0
            || (rc = cat_put(st, txn, ONESTOP_CAT_FIELD, id, head, 0, e->id,
                             e->name, &w->fields)) != 0)
        {
            goto done;
        }
    }

    /* agencies: check the tree first, then write */

    for (i = 0; i < doc->nagencies; i++) {
        a = &doc->agencies[i];

        if (a->id.len == 8 && memcmp(a->id.data, "province", 8) == 0) {
            CAT_FAIL("agencies[%zu]: the id \"province\" is reserved", i);
        }

        id = onestop_catalog_agency(cat, a->id.data, a->id.len);
        old = id ? &cat->agencies[id] : NULL;

        parent = 0;
        plevel[i] = 0;

        if (a->parent.len) {
            parent = onestop_catalog_agency(cat, a->parent.data,
                                            a->parent.len);
            plevel[i] = parent ? cat->agencies[parent].level : 0;

            for (j = 0; j < doc->nagencies; j++) {
                if (doc->agencies[j].id.len == a->parent.len
                    && memcmp(doc->agencies[j].id.data, a->parent.data,
                              a->parent.len) == 0)
                {
                    plevel[i] = doc->agencies[j].level;
                    up[i] = j + 1;
                    break;
                }
            }

            if (plevel[i] == 0) {
                CAT_FAIL("agencies[%zu]: parent \"%.*s\" is not in the "
                         "catalog", i, (int) a->parent.len, a->parent.data);
            }

            if (a->parent.len == a->id.len
                && memcmp(a->parent.data, a->id.data, a->id.len) == 0)
            {
                CAT_FAIL("agencies[%zu]: an agency cannot be its own parent",
                         i);
            }
        }

        if (a->level == ONESTOP_LEVEL_COMMUNE
            && plevel[i] != ONESTOP_LEVEL_DISTRICT)
        {
            CAT_FAIL("agencies[%zu]: a commune's parent must be a district",
                     i);
        }

        if (a->level == ONESTOP_LEVEL_DISTRICT && plevel[i] != 0) {
            CAT_FAIL("agencies[%zu]: a district has no parent", i);
        }

        if (a->level == ONESTOP_LEVEL_PROVINCE && plevel[i] != 0
            && plevel[i] != ONESTOP_LEVEL_PROVINCE)
        {
            CAT_FAIL("agencies[%zu]: a department's parent must be a "
                     "department", i);
        }

        if (old != NULL) {
            pa = old->parent ? &cat->agencies[old->parent] : NULL;

            if (old->level != a->level
                || (pa == NULL) != (a->parent.len == 0)
                || (pa != NULL && (pa->id.len != a->parent.len
                                   || memcmp(pa->id.data, a->parent.data,
                                             a->parent.len) != 0)))
            {
                CAT_FAIL("agencies[%zu]: the level and parent of \"%.*s\" "
                         "cannot change", i, (int) a->id.len, a->id.data);
            }
        }
    }

    /* a department's parent is a department: no chain of them may come
     * back to where it started (the stored tree has none, and a stored
     * agency's parent cannot change, so only this document's can) */

    for (i = 0; i < doc->nagencies; i++) {
        for (j = up[i], hops = 0; j != 0 && hops <= doc->nagencies;
             j = up[j - 1], hops++)
        {
            /* void */
        }

        if (j != 0) {
            a = &doc->agencies[i];
            CAT_FAIL("agencies[%zu]: \"%.*s\" would be its own ancestor "
                     "(its parents go round in a circle)", i,
                     (int) a->id.len, a->id.data);
        }
    }

    for (i = 0; i < doc->nagencies; i++) {
        a = &doc->agencies[i];

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_AGENCY,
                             ONESTOP_CAT_AGENCY_ID, a->id, &ids[i], &created))
            != 0)
        {
            goto done;
        }
    }

    for (i = 0; i < doc->nagencies; i++) {
        a = &doc->agencies[i];
        parent = 0;

        if (a->parent.len) {
            if ((rc = cat_intern(st, txn, ONESTOP_CAT_AGENCY,
                                 ONESTOP_CAT_AGENCY_ID, a->parent, &parent,
                                 &created)) != 0)
            {
                goto done;
            }
        }

        head[0] = (uint8_t) a->level;
        memcpy(head + 1, &parent, 4);

        if ((rc = cat_put(st, txn, ONESTOP_CAT_AGENCY, ids[i], head, 5, a->id,
                          a->name, &w->agencies)) != 0)
        {
            goto done;
        }
    }

    /* procedures */

    for (i = 0; i < doc->nprocedures; i++) {
        e = &doc->procedures[i];

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_FIELD, ONESTOP_CAT_FIELD_ID,
                             e->field, &field, &created)) != 0)
        {
            goto done;
        }

        if (created) {
            /* a field neither in the catalog nor in this document */
            CAT_FAIL("procedures[%zu]: field \"%.*s\" is not in the catalog",
                     i, (int) e->field.len, e->field.data);
        }

        id = onestop_catalog_procedure(cat, e->id.data, e->id.len);

        if (id && cat->procedures[id].field
            && cat->procedures[id].field != field)
        {
            CAT_FAIL("procedures[%zu]: the field of \"%.*s\" cannot change",
                     i, (int) e->id.len, e->id.data);
        }

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_PROCEDURE,
                             ONESTOP_CAT_PROCEDURE_ID, e->id, &id, &created))
            != 0)
        {
            goto done;
        }

        memcpy(head, &field, 4);

        if ((rc = cat_put(st, txn, ONESTOP_CAT_PROCEDURE, id, head, 4, e->id,
                          e->name, &w->procedures)) != 0)
        {
            goto done;
        }
    }

    if (w->agencies + w->fields + w->procedures) {
        uint64_t  gen;

        if ((rc = meta_get_u64(txn, st->meta, ONESTOP_META_CATALOG_GEN, &gen))
            != 0)
        {
            goto done;
        }

        gen++;

        if ((rc = meta_put(txn, st->meta, ONESTOP_META_CATALOG_GEN, &gen, 8))
            != 0
            || (rc = outbox_append(st, txn, seq, ONESTOP_CHANGE_CATALOG, 0, gen,
                                   NULL, 0)) != 0)
        {
            goto done;
        }
    }

    w->status = 200;
    rc = 0;

done:

#undef CAT_FAIL

    free(ids);
    free(pids);
    free(plevel);
    free(up);

    return rc;
}


/* Redis has everything up to `published`: record it, drop those entries
 * (a bounded number per transaction, so no commit grows large) */

#define TRIM_MAX  20000

static int
trim_outbox(onestop_store_t *st, MDB_txn *txn, int *changed)
{
    int          rc;
    size_t       n;
    uint64_t     published, seq, stored;
    MDB_val      k, v;
    MDB_cursor  *cur;

    *changed = 0;
    published = __atomic_load_n(&st->published, __ATOMIC_ACQUIRE);

    if (published <= st->trimmed) {
        return 0;
    }

    rc = mdb_cursor_open(txn, st->outbox, &cur);
    if (rc != 0) {
        return rc;
    }

    seq = st->trimmed;
    n = 0;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < TRIM_MAX;
         rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST))
    {
        const uint8_t  *p = k.mv_data;

        if (k.mv_size != 8) {
            break;
        }

        seq = get_be64(p);

        if (seq > published) {
            break;
        }

        rc = mdb_cursor_del(cur, 0);

        if (rc != 0) {
            break;
        }

        n++;
    }

    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
    }

    if (n < TRIM_MAX) {
        seq = published;
    }

    /* another process may have got there first */

    if (meta_get_u64(txn, st->meta, ONESTOP_META_PUBLISHED, &stored) == 0
        && stored >= seq)
    {
        st->trimmed = seq;
        *changed = n > 0;
        return 0;
    }

    rc = meta_put(txn, st->meta, ONESTOP_META_PUBLISHED, &seq, 8);

    if (rc == 0) {
        st->trimmed = seq;
        *changed = 1;
    }

    return rc;
}


void
onestop_store_set_published(onestop_store_t *st, uint64_t seq)
{
    uint64_t  old;

    old = __atomic_load_n(&st->published, __ATOMIC_ACQUIRE);

    while (seq > old
           && !__atomic_compare_exchange_n(&st->published, &old, seq, 0,
                                           __ATOMIC_RELEASE,
                                           __ATOMIC_ACQUIRE))
    {
        /* void */
    }
}


int
onestop_store_needs_trim(onestop_store_t *st)
{
    return __atomic_load_n(&st->published, __ATOMIC_ACQUIRE) > st->trimmed;
}


uint64_t
onestop_store_published(onestop_store_t *st)
{
    return meta_read_u64(st, ONESTOP_META_PUBLISHED);
}


long
onestop_store_outbox_read(onestop_store_t *st, uint64_t after,
    onestop_change_t *out, size_t max)
{
    int             rc;
    size_t          n;
    uint8_t         key[8];
    MDB_val         k, v;
    MDB_cursor     *cur;
    const uint8_t  *p;

    if (!st->reading || mdb_cursor_open(st->rtxn, st->outbox, &cur) != 0) {
        return -1;
    }

    be64(key, after + 1);
    k.mv_data = key;
    k.mv_size = 8;
    n = 0;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    {
        p = k.mv_data;

        if (k.mv_size != 8 || v.mv_size < 14) {
            continue;
        }

        out[n].seq = get_be64(p);
        p = v.mv_data;
        out[n].kind = p[0];
        memcpy(&out[n].agency, p + 1, 4);
        memcpy(&out[n].version, p + 5, 8);
        out[n].code_len = p[13];

        if (out[n].code_len > ONESTOP_CODE_MAX
            || v.mv_size < 14 + out[n].code_len)
        {
            out[n].code_len = 0;
        }

        memcpy(out[n].code, p + 14, out[n].code_len);
        out[n].old_agency = 0;

        if (v.mv_size >= 14 + out[n].code_len + 4) {
            memcpy(&out[n].old_agency, p + 14 + out[n].code_len, 4);
        }

        n++;
    }

    mdb_cursor_close(cur);

    return rc == 0 || rc == MDB_NOTFOUND ? (long) n : -1;
}


int
onestop_store_write(onestop_store_t *st, onestop_write_t **w, size_t n)
{
    return onestop_store_write_group(st, w, &n, n, NULL, NULL);
}


int
onestop_store_write_group(onestop_store_t *st, onestop_write_t **w,
    size_t *np, size_t cap, onestop_write_more_pt more, void *ctx)
{
    int        rc, frc, trimmed, refused;
    size_t     i, n;
    uint64_t   seq, seq0;
    MDB_txn   *txn, *child;

    n = *np;
    refused = 0;

    if (st->full
        && (st->full == ONESTOP_FULL_DISK ? disk_room(st) : map_room(st)))
    {
        st->full = 0;           /* room was made */
    }

    if (st->deltas == NULL) {
        st->deltas = onestop_deltas_create();
        st->gdeltas = onestop_deltas_create();

        if (st->deltas == NULL || st->gdeltas == NULL) {
            rc = ENOMEM;
            goto failed;
        }
    }

    onestop_deltas_reset(st->gdeltas);

    rc = mdb_txn_begin(st->env, NULL, 0, &txn);

    if (rc == MDB_MAP_RESIZED) {
        rc = map_resized(st);

        if (rc == 0) {
            rc = mdb_txn_begin(st->env, NULL, 0, &txn);
        }
    }

    if (rc != 0) {
        goto failed;
    }

    if ((rc = meta_get_u64(txn, st->meta, ONESTOP_META_OUTBOX_SEQ, &seq)) != 0
        || load_catalog(st, txn, &st->wcat) != 0)
    {
        rc = rc ? rc : MDB_CORRUPTED;
        mdb_txn_abort(txn);
        goto failed;
    }

    if (st->unread) {
        /* whatever worker or process committed it, nobody will read it */
        onestop_store_set_published(st, seq);
    }

    for (i = 0; ; i++) {
        if (i == n && more != NULL && n < cap) {
            n += more(ctx, w + n, cap - n);
            *np = n;
        }

        if (i == n) {
            break;
        }

        seq0 = seq;
        w[i]->status = 500;
        w[i]->error_code = "internal_error";
        w[i]->accepted = 0;
        w[i]->unchanged = 0;
        w[i]->stale = 0;

        rc = mdb_txn_begin(st->env, txn, 0, &child);

        if (rc != 0) {
            mdb_txn_abort(txn);
            goto failed;
        }

        frc = 0;
        onestop_deltas_reset(st->deltas);

        switch (w[i]->kind) {
        case ONESTOP_W_DOSSIERS:
            rc = write_dossiers(st, child, w[i], &seq);
            break;
        case ONESTOP_W_DELETE:
            rc = write_delete(st, child, w[i], &seq);
            break;
        case ONESTOP_W_CATALOG:
            rc = write_catalog(st, child, w[i], &seq);
            frc = 1;
            break;
        case ONESTOP_W_EVALUATE:
            rc = write_evaluation(st, child, w[i], &seq);
            break;
        default:
            rc = EINVAL;
        }

        if (rc == 0 && (w[i]->status == 200 || w[i]->status == 201)) {
            rc = mdb_txn_commit(child);

            /* its counters join the group's, written once at the end: a
             * counter block that many writes touch is rewritten once */

            if (rc == 0
                && onestop_deltas_merge(st->gdeltas, st->deltas) != 0)
            {
                rc = ENOMEM;
            }

            if (rc == 0 && frc && load_catalog(st, txn, &st->wcat) != 0) {
                rc = MDB_CORRUPTED;
            }

        } else {
            mdb_txn_abort(child);
            seq = seq0;       /* the numbers it took were not written */
        }

        if (rc == MDB_MAP_FULL) {
            /* this write alone is too large for the map: the others go on */
            seq = seq0;
            write_refused(w[i], ONESTOP_FULL_MAP, rc);
            refused = ONESTOP_FULL_MAP;
            rc = 0;

        } else if (rc != 0) {
            mdb_txn_abort(txn);
            goto failed;
        }

        if ((w[i]->status == 200 || w[i]->status == 201)
            && (rc = meta_put(txn, st->meta, ONESTOP_META_OUTBOX_SEQ, &seq, 8))
               != 0)
        {
            mdb_txn_abort(txn);
            goto failed;
        }
    }

    if ((rc = onestop_deltas_flush(st->gdeltas, txn, st->counters)) != 0
        || (rc = trim_outbox(st, txn, &trimmed)) != 0)
    {
        mdb_txn_abort(txn);
        goto failed;
    }

    if (n == 0 && !trimmed) {
        /* a maintenance turn that found nothing to do: no commit */
        mdb_txn_abort(txn);
        return ONESTOP_OK;
    }

    rc = mdb_txn_commit(txn);

    if (rc != 0) {
        goto failed;
    }

    if (refused) {
        st->full = refused;
    }

    return ONESTOP_OK;

failed:

    /* the writes waiting to join are answered too, or a store that
     * cannot begin a transaction would leave them waiting for good */

    if (more != NULL && n < cap) {
        n += more(ctx, w + n, cap - n);
        *np = n;
    }

    refused = store_full(st, rc);

    if (refused) {
        st->full = refused;
    }

    st->broken = env_broken(st);

    for (i = 0; i < n; i++) {
        write_refused(w[i], refused, rc);

        if (rc == MDB_MAP_RESIZED) {
            w[i]->status = 503;
            w[i]->error_code = "unavailable";
            snprintf(w[i]->message, sizeof(w[i]->message), "%s", st->error);
        }

        w[i]->deleted = 0;
        w[i]->agencies = 0;
        w[i]->fields = 0;
        w[i]->procedures = 0;
    }

    /* the writer's catalog may hold what was not committed */
    onestop_catalog_destroy(st->wcat);
    st->wcat = NULL;

    return refused ? ONESTOP_FULL : ONESTOP_ERROR;
}


int
onestop_store_full(onestop_store_t *st)
{
    return st->full;
}


int
onestop_store_broken(onestop_store_t *st)
{
    return st->broken;
}


int
onestop_store_backup(onestop_store_t *st, const char *dest, char *err,
    size_t errlen)
{
    int   rc;
    char  path[4096];

    if (mkdir(dest, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "could not create \"%s\": %s", dest,
                 strerror(errno));
        return -1;
    }

    rc = mdb_env_copy2(st->env, dest, MDB_CP_COMPACT);

    if (rc != 0) {
        snprintf(err, errlen, "could not copy the store to \"%s\": %s", dest,
                 mdb_strerror(rc));
        return -1;
    }

    /* LMDB creates the copy readable by all (0666 less the umask); it holds
     * applicants' contacts: as private as the store */

    snprintf(path, sizeof(path), "%s/data.mdb", dest);

    if (chmod(path, 0640) != 0) {
        snprintf(err, errlen, "could not restrict \"%s\": %s", path,
                 strerror(errno));
        return -1;
    }

    return 0;
}
