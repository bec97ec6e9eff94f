/*
 * The one write transaction.
 *
 * Every change - a batch of dossiers, a deletion, a catalog, an
 * evaluation - is applied in a nested transaction of one write
 * transaction that stores the records, appends the outbox and adjusts the
 * counters together, so that nothing can be written without the others.
 * Several requests share one commit and its two fsyncs (group commit);
 * each keeps its own answer because its nested transaction commits or
 * aborts alone.  Scope and version order are decided against what is
 * stored, inside the transaction, never before it.
 *
 * A follower's store takes no write (503 read_only): its changes come
 * from the primary's log (replica.c), which begins and ends its
 * transactions here too.
 *
 * Calls change.c (a record, an evaluation as stored), outbox.c (the
 * chain, the role), catalog_db.c (the writer's catalog, a catalog write),
 * store.c (meta, a map another process grew) and the counter deltas.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* O_TMPFILE */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "onestop_feedback.h"
#include "onestop_history.h"
#include "onestop_store_int.h"


static int write_dossiers(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, onestop_chain_t *c);
static int write_delete(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, onestop_chain_t *c);
static int write_evaluation(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, onestop_chain_t *c);
static void write_read_only(onestop_write_t *w, const char *prefix);
static int in_scope(const onestop_catalog_t *cat,
    const onestop_scope_t *scope, uint32_t agency);
static int store_full(onestop_store_t *st, int rc);
static int disk_room(onestop_store_t *st);
static int map_room(onestop_store_t *st);
static int env_broken(onestop_store_t *st);
static void write_refused(onestop_write_t *w, int full, int rc);
static int published_catch_up(onestop_store_t *st, MDB_txn *txn,
    int *froze);


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
write_dossiers(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    onestop_chain_t *c)
{
    int                       rc, found;
    size_t                    forbidden, invalid, conflict;
    uint32_t                  id;
    size_t                    i, size, rsize;
    int64_t                   now;
    uint8_t                  *enc;
    onestop_buf_t             hist;
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
    now = onestop_now(st->offset);
    memset(&hist, 0, sizeof(hist));

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
                onestop_buf_free(&hist);
                return rc;
            }

            if (rc == 0) {
                if (onestop_record_decode(v.mv_data, v.mv_size, &old) != 0) {
                    free(enc);
                    onestop_buf_free(&hist);
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
            id = onestop_catalog_code_agency(cat, r->code.data,
                                             r->code.len);

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

        /* Điều 9.1: an online dossier's received moment from its
         * submission, by the store's calendar (or as first derived) */

        if (onestop_record_derive(r, found ? &old : NULL, st->calendar,
                                  st->offset) == 1
            && onestop_record_check(r, st->offset, b->today, &why) != 0)
        {
            onestop_batch_fail(b, b->pos[i], "invalid", why);
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

        /* a due date that has passed moves only with a reason (issue 18):
         * else a late dossier could be made on time by a new version */

        if (found && !old.tombstone && r->version > old.version
            && (why = onestop_record_due_move(&old, r, st->offset, b->today))
               != NULL)
        {
            onestop_batch_fail(b, b->pos[i], "invalid", why);
            invalid++;
            continue;
        }

        /* the letters and due dates it replaces, kept (history.c) */

        rc = onestop_history_merge(&hist, found ? &old : NULL, r, &w->key,
                                   now, st->offset, b->today, &why);

        if (rc == -1) {
            onestop_batch_fail(b, b->pos[i], "invalid", why);
            invalid++;
            continue;
        }

        if (rc == -2) {
            free(enc);
            onestop_buf_free(&hist);
            return ENOMEM;
        }

        rsize = onestop_record_size(r);

        if (rsize > size) {
            size = rsize * 2;
            free(enc);
            enc = malloc(size);

            if (enc == NULL) {
                onestop_buf_free(&hist);
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

        /* its counters, apology letter, bytes and outbox entry, as a
         * follower stores them (change.c) */

        rc = onestop_change_record(st, txn, c, &r->code,
                                   found && !old.tombstone ? &old : NULL,
                                   enc, rsize);

        if (rc != 0) {
            free(enc);
            onestop_buf_free(&hist);
            return rc;
        }

        w->accepted++;
    }

    free(enc);
    onestop_buf_free(&hist);
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


static int
write_delete(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    onestop_chain_t *c)
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

    memset(&tomb, 0, sizeof(onestop_record_t));
    tomb.tombstone = 1;
    tomb.version = old.version;
    tomb.agency_id = old.agency_id;
    tomb.procedure_id = old.procedure_id;
    onestop_record_encode(&tomb, enc);

    rc = onestop_change_record(st, txn, c, &w->code, &old, enc,
                               onestop_record_size(&tomb));

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
    onestop_chain_t *c)
{
    int                   rc, i;
    uint8_t               val[32 + 65536];
    size_t                n;
    int64_t               now;
    MDB_val               k, v;
    onestop_record_t      rec;
    onestop_status_e      status;

    k.mv_data = (void *) w->code.data;
    k.mv_size = w->code.len;
    rc = mdb_get(txn, st->dossiers, &k, &v);

    /* a typed code, as lookups take it (a token's is the signed one) */
    if (rc == MDB_NOTFOUND && w->source != ONESTOP_EVAL_SRC_QR
        && onestop_code_upper(w->upper, w->code.data, w->code.len))
    {
        k.mv_data = w->upper;

        if ((rc = mdb_get(txn, st->dossiers, &k, &v)) == 0) {
            w->code.data = w->upper;
        }
    }

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

    /* index 1 is the system's: early 2, on time 1, late 0, none without
     * a deadline */

    w->answers[1] = (int8_t) onestop_record_time_score(&rec, st->offset);

    now = onestop_now(st->offset);
    w->evaluated_at = now;

    val[0] = ONESTOP_EVALUATION_FORMAT;

    for (i = 0; i <= ONESTOP_INDICES; i++) {
        val[1 + i] = i == 0 || w->answers[i] < 0 ? 0xff
                                                  : (uint8_t) w->answers[i];
    }

    val[11] = rec.channel;
    val[12] = w->source < ONESTOP_EVAL_SOURCES ? w->source : 0;
    memcpy(val + 13, &now, 8);
    memcpy(val + 21, &rec.agency_id, 4);
    memcpy(val + 25, &rec.procedure_id, 4);
    n = w->comment.len > 65535 ? 65535 : w->comment.len;
    val[29] = (uint8_t) (n & 0xff);
    val[30] = (uint8_t) (n >> 8);

    if (n) {
        memcpy(val + 31, w->comment.data, n);
    }

    /* the evaluation, its day and its outbox entry (change.c) */

    rc = onestop_change_evaluation(st, txn, c, &w->code, val, 31 + n);

    if (rc != 0) {
        return rc;
    }

    w->status = 201;
    return 0;
}


int
onestop_store_write(onestop_store_t *st, onestop_write_t **w, size_t n)
{
    return onestop_store_write_group(st, w, &n, n, NULL, NULL);
}


int
onestop_write_begin(onestop_store_t *st, MDB_txn **txn)
{
    int  rc;

    if (st->full
        && (st->full == ONESTOP_FULL_DISK ? disk_room(st) : map_room(st)))
    {
        st->full = 0;           /* room was made */
    }

    if (st->deltas == NULL) {
        st->deltas = onestop_deltas_create();
        st->gdeltas = onestop_deltas_create();

        if (st->deltas == NULL || st->gdeltas == NULL) {
            return ENOMEM;
        }
    }

    onestop_deltas_reset(st->deltas);
    onestop_deltas_reset(st->gdeltas);

    rc = mdb_txn_begin(st->env, NULL, 0, txn);

    if (rc == MDB_MAP_RESIZED) {
        rc = onestop_store_map_resized(st);

        if (rc == 0) {
            rc = mdb_txn_begin(st->env, NULL, 0, txn);
        }
    }

    return rc;
}


int
onestop_write_failed(onestop_store_t *st, int rc)
{
    int  full;

    full = store_full(st, rc);

    if (full) {
        st->full = full;
    }

    st->broken = env_broken(st);

    /* the writer's catalog may hold what was not committed */
    onestop_catalog_destroy(st->wcat);
    st->wcat = NULL;

    return full;
}


/* a write to a follower's store: the primary takes writes */

static void
write_read_only(onestop_write_t *w, const char *prefix)
{
    w->status = 503;
    w->error_code = "read_only";
    snprintf(w->message, sizeof(w->message),
             "this store is a read-only follower of the primary that "
             "publishes under \"%s\": send writes to the primary",
             prefix);
}


/* the closed months due to be published, frozen before a write, as the
 * committed writes before it left them (issue 18): the group's counters
 * so far are flushed first, as a follower does before the same write */

static int
published_catch_up(onestop_store_t *st, MDB_txn *txn, int *froze)
{
    int            rc;
    onestop_day_t  today;

    today = onestop_today(st->offset);
    rc = onestop_published_behind(st, txn, today);

    if (rc != 1) {
        return rc;
    }

    rc = onestop_deltas_flush(st->gdeltas, txn, st->counters);
    onestop_deltas_reset(st->gdeltas);

    return rc ? rc : onestop_published_catch_up(st, txn, today, froze);
}


int
onestop_store_write_group(onestop_store_t *st, onestop_write_t **w,
    size_t *np, size_t cap, onestop_write_more_pt more, void *ctx)
{
    int              rc, frc, trimmed, logtrim, refused, role, froze;
    size_t           i, n;
    MDB_txn         *txn, *child;
    onestop_chain_t  chain, chain0;
    char             prefix[ONESTOP_FOLLOWS_MAX + 1];

    n = *np;
    refused = 0;

    rc = onestop_write_begin(st, &txn);

    if (rc != 0) {
        goto failed;
    }

    if ((rc = onestop_chain_load(st, txn, &chain)) != 0
        || (rc = onestop_store_role(st, txn, &role, prefix)) != 0
        || onestop_store_catalog_load(st, txn, &st->wcat) != 0)
    {
        rc = rc ? rc : MDB_CORRUPTED;
        mdb_txn_abort(txn);
        goto failed;
    }

    if (st->unread) {
        /* whatever worker or process committed it, nobody will read it */
        onestop_store_set_published(st, chain.seq);
    }

    froze = 0;

    for (i = 0; ; i++) {
        if (i == n && more != NULL && n < cap) {
            n += more(ctx, w + n, cap - n);
            *np = n;
        }

        if (i == n) {
            break;
        }

        w[i]->status = 500;
        w[i]->error_code = "internal_error";
        w[i]->accepted = 0;
        w[i]->unchanged = 0;
        w[i]->stale = 0;

        if (role == ONESTOP_ROLE_FOLLOWER) {
            /* its changes come from the primary's log alone */
            write_read_only(w[i], prefix);
            continue;
        }

        if ((rc = published_catch_up(st, txn, &froze)) != 0) {
            mdb_txn_abort(txn);
            goto failed;
        }

        chain0 = chain;

        chain.ts = onestop_chain_time(st, txn);

        rc = mdb_txn_begin(st->env, txn, 0, &child);

        if (rc != 0) {
            mdb_txn_abort(txn);
            goto failed;
        }

        frc = 0;
        onestop_deltas_reset(st->deltas);

        switch (w[i]->kind) {
        case ONESTOP_W_DOSSIERS:
            rc = write_dossiers(st, child, w[i], &chain);
            break;
        case ONESTOP_W_DELETE:
            rc = write_delete(st, child, w[i], &chain);
            break;
        case ONESTOP_W_CATALOG:
            rc = onestop_store_catalog_write(st, child, w[i], &chain);
            frc = 1;
            break;
        case ONESTOP_W_EVALUATE:
            rc = write_evaluation(st, child, w[i], &chain);
            break;
        case ONESTOP_W_FEEDBACK:
            rc = onestop_feedback_write(st, child, w[i], &chain);
            break;
        default:
            rc = EINVAL;
        }

        if (rc == 0 && (w[i]->status == 200 || w[i]->status == 201)) {
            rc = mdb_txn_commit(child);

            /* its counters join the group's, written once at the end: a
             * counter block that many writes touch is rewritten once */

            if (rc == 0
                && onestop_deltas_absorb(&st->gdeltas, &st->deltas) != 0)
            {
                rc = ENOMEM;
            }

            if (rc == 0 && frc
                && onestop_store_catalog_load(st, txn, &st->wcat) != 0)
            {
                rc = MDB_CORRUPTED;
            }

        } else {
            mdb_txn_abort(child);
            chain = chain0;   /* the numbers it took were not written */
        }

        if (rc == MDB_MAP_FULL) {
            /* this write alone is too large for the map: the others go on */
            chain = chain0;
            write_refused(w[i], ONESTOP_FULL_MAP, rc);
            refused = ONESTOP_FULL_MAP;
            rc = 0;

        } else if (rc != 0) {
            mdb_txn_abort(txn);
            goto failed;
        }

        if ((w[i]->status == 200 || w[i]->status == 201)
            && (rc = onestop_chain_save(st, txn, &chain)) != 0)
        {
            mdb_txn_abort(txn);
            goto failed;
        }
    }

    if ((rc = onestop_deltas_flush(st->gdeltas, txn, st->counters)) != 0
        || (rc = onestop_outbox_trim(st, txn, &trimmed)) != 0
        || (rc = onestop_changelog_trim(st, txn, &logtrim)) != 0)
    {
        mdb_txn_abort(txn);
        goto failed;
    }

    if (n == 0 && !trimmed && !logtrim && !froze) {
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

    refused = onestop_write_failed(st, rc);

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
