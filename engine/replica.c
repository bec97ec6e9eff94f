/*
 * Replication: the primary's log entries and a follower applying them
 * (the store's role: replica_role.c).
 *
 * The log is the outbox read another way: each entry keeps the running
 * digest after its change and, when the store logs, the change's bytes as
 * they were committed (lmdb-schema/README.md), so that a version a later
 * write replaced before publication is still sent as it was.  A follower
 * checks each entry's digest against its own chain extended by the
 * entry, before writing anything of it, then stores it through the
 * primary's write path (change.c, catalog_db.c): the same records,
 * counters, apology index, evaluations, catalog and outbox, and the same
 * sequence and digest.
 *
 * Calls write.c (a write transaction begun, a failure recorded), change.c
 * (a record, an evaluation), catalog_db.c (a catalog change), outbox.c
 * (the chain, the role, the entries), store.c (meta) and the counter
 * deltas.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_feedback_int.h"
#include "onestop_replica.h"
#include "onestop_store_int.h"


typedef struct {
    uint64_t             seq;
    int                  kind;
    int64_t              ts;
    uint64_t             first;
    uint64_t             last;
    uint8_t              digest[ONESTOP_DIGEST_LEN];
    const uint8_t       *data;
    size_t               data_len;
    onestop_str_t        code;          /* from the bytes */
    const uint8_t       *body;          /* after the head */
    size_t               body_len;
} replica_in_t;


static const char  *kinds[] = {
    "", "dossier", "delete", "catalog", "evaluation", "gap", "feedback"
};


static void hex(const uint8_t *d, size_t n, char *out);
static void log_field(onestop_log_entry_t *e, const char *name,
    const char *value, size_t len);
static void log_gap(onestop_log_entry_t *e, uint64_t first, uint64_t last);
static int log_change(onestop_log_entry_t *e,
    const onestop_outbox_entry_t *ob, uint64_t upto);
static const onestop_log_field_t *field(const onestop_log_entry_t *e,
    const char *name);
static int field_u64(const onestop_log_entry_t *e, const char *name,
    uint64_t *v);
static const char *entry_parse(const onestop_log_entry_t *e,
    replica_in_t *in);
static int apply_one(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const replica_in_t *in, const char **why);


static void
hex(const uint8_t *d, size_t n, char *out)
{
    size_t               i;
    static const char    digits[] = "0123456789abcdef";

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 0xf];
    }

    out[2 * n] = '\0';
}


/* the primary's side */

static void
log_field(onestop_log_entry_t *e, const char *name, const char *value,
    size_t len)
{
    onestop_log_field_t  *f;

    f = &e->field[e->nfields++];
    f->name = name;
    f->name_len = strlen(name);
    f->value = value;
    f->value_len = len;
}


static void
log_gap(onestop_log_entry_t *e, uint64_t first, uint64_t last)
{
    e->seq = last;
    e->nfields = 0;

    snprintf(e->seq_text, sizeof(e->seq_text), "%" PRIu64, last);
    snprintf(e->first_text, sizeof(e->first_text), "%" PRIu64, first);

    log_field(e, "seq", e->seq_text, strlen(e->seq_text));
    log_field(e, "kind", "gap", 3);
    log_field(e, "first", e->first_text, strlen(e->first_text));
    log_field(e, "last", e->seq_text, strlen(e->seq_text));
}


/* an outbox entry with its digest and bytes, and the store's sequence on
 * the read (`upto`), which ends a commit: 0; -1 when it has not both */

static int
log_change(onestop_log_entry_t *e, const onestop_outbox_entry_t *ob,
    uint64_t upto)
{
    size_t  n;

    if (ob->digest == NULL || ob->data == NULL || ob->data_len < 3
        || ob->kind < ONESTOP_CHANGE_DOSSIER
        || ob->kind > ONESTOP_CHANGE_FEEDBACK
        || ob->kind == ONESTOP_CHANGE_GAP)
    {
        return -1;
    }

    n = ob->data[2];

    if (ob->data_len < 3 + n) {
        return -1;
    }

    e->seq = ob->seq;
    e->nfields = 0;

    snprintf(e->seq_text, sizeof(e->seq_text), "%" PRIu64, ob->seq);
    snprintf(e->ts_text, sizeof(e->ts_text), "%" PRId64, ob->ts);
    hex(ob->digest, ONESTOP_DIGEST_LEN, e->digest_text);

    log_field(e, "seq", e->seq_text, strlen(e->seq_text));
    log_field(e, "kind", kinds[ob->kind], strlen(kinds[ob->kind]));

    if (n) {
        log_field(e, "code", (const char *) ob->data + 3, n);
    }

    log_field(e, "ts", e->ts_text, strlen(e->ts_text));
    log_field(e, "digest", e->digest_text, ONESTOP_DIGEST_HEX);
    log_field(e, "data", (const char *) ob->data, ob->data_len);

    snprintf(e->upto_text, sizeof(e->upto_text), "%" PRIu64, upto);
    log_field(e, "upto", e->upto_text, strlen(e->upto_text));

    return 0;
}


long
onestop_replica_log(onestop_store_t *st, uint64_t after,
    onestop_log_entry_t *out, size_t max)
{
    int                      rc;
    size_t                   n;
    uint8_t                  key[8];
    uint64_t                 expect, gap_first, gap_last, seq;
    MDB_val                  k, v;
    MDB_cursor              *cur;
    onestop_outbox_entry_t   ob;

    if (!st->reading
        || onestop_meta_get_u64(st->rtxn, st->meta, ONESTOP_META_OUTBOX_SEQ,
                                &seq) != 0
        || mdb_cursor_open(st->rtxn, st->outbox, &cur) != 0)
    {
        return -1;
    }

    n = 0;
    expect = after + 1;
    gap_first = 0;
    gap_last = 0;

    be64(key, after + 1);
    k.mv_data = key;
    k.mv_size = 8;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    {
        if (onestop_outbox_entry(&k, &v, &ob) != 0 || ob.seq < expect) {
            continue;
        }

        /* changes dropped before they were read: a gap */

        if (ob.seq > expect) {
            gap_first = gap_first ? gap_first : expect;
            gap_last = ob.seq - 1;
        }

        expect = ob.seq + 1;

        if (log_change(&out[n], &ob, seq) != 0) {
            /* committed while the store did not log: a gap too */
            gap_first = gap_first ? gap_first : ob.seq;
            gap_last = ob.seq;
            continue;
        }

        if (gap_first == 0) {
            n++;
            continue;
        }

        log_gap(&out[n++], gap_first, gap_last);
        gap_first = 0;

        if (n == max) {
            /* the change itself comes next time */
            break;
        }

        (void) log_change(&out[n++], &ob, seq);
    }

    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return -1;
    }

    if (n < max) {
        if (rc == MDB_NOTFOUND && seq >= expect) {
            /* the outbox ends before the store's sequence */
            gap_first = gap_first ? gap_first : expect;
            gap_last = seq;
        }

        if (gap_first != 0) {
            log_gap(&out[n++], gap_first, gap_last);
        }
    }

    return (long) n;
}


/* the follower's side */

static const onestop_log_field_t *
field(const onestop_log_entry_t *e, const char *name)
{
    size_t  i, len;

    len = strlen(name);

    for (i = 0; i < e->nfields && i < ONESTOP_LOG_FIELDS; i++) {
        if (e->field[i].name_len == len
            && memcmp(e->field[i].name, name, len) == 0)
        {
            return &e->field[i];
        }
    }

    return NULL;
}


/* a decimal field: 0; 1 when it is missing; -1 when it is not a number */

static int
field_u64(const onestop_log_entry_t *e, const char *name, uint64_t *v)
{
    size_t                      i;
    const onestop_log_field_t  *f;

    *v = 0;
    f = field(e, name);

    if (f == NULL) {
        return 1;
    }

    if (f->value_len == 0 || f->value_len > 20) {
        return -1;
    }

    for (i = 0; i < f->value_len; i++) {
        if (f->value[i] < '0' || f->value[i] > '9'
            || *v > (UINT64_MAX - (unsigned) (f->value[i] - '0')) / 10)
        {
            return -1;
        }

        *v = *v * 10 + (unsigned) (f->value[i] - '0');
    }

    return 0;
}


/* an entry's fields read and checked: NULL, or what is wrong with it */

static const char *
entry_parse(const onestop_log_entry_t *e, replica_in_t *in)
{
    int                         k;
    size_t                      i, n;
    uint64_t                    ts;
    const onestop_log_field_t  *f, *code;

    memset(in, 0, sizeof(replica_in_t));

    if (field_u64(e, "seq", &in->seq) != 0 || in->seq == 0) {
        return "no sequence";
    }

    if (e->seq != 0 && e->seq != in->seq) {
        return "its id and its seq differ";
    }

    f = field(e, "kind");
    in->kind = 0;

    for (k = ONESTOP_CHANGE_DOSSIER;
         f != NULL && k <= ONESTOP_CHANGE_FEEDBACK;
         k++)
    {
        if (f->value_len == strlen(kinds[k])
            && memcmp(f->value, kinds[k], f->value_len) == 0)
        {
            in->kind = k;
        }
    }

    if (in->kind == 0) {
        return "no kind this build knows";
    }

    if (in->kind == ONESTOP_CHANGE_GAP) {
        if (field_u64(e, "first", &in->first) != 0
            || field_u64(e, "last", &in->last) != 0
            || in->first == 0 || in->first > in->last)
        {
            return "a gap without its first and last";
        }

        return NULL;
    }

    /* not in the digest, yet stored (the outbox, the change log) and the
     * day the published figures freeze by: never taken as 1970 */

    if (field_u64(e, "ts", &ts) != 0 || ts == 0 || ts > INT64_MAX) {
        return "no commit time";
    }

    in->ts = (int64_t) ts;

    /* the digest */

    f = field(e, "digest");

    if (f == NULL || f->value_len != ONESTOP_DIGEST_HEX) {
        return "no digest";
    }

    for (i = 0; i < ONESTOP_DIGEST_HEX; i++) {
        char      ch = f->value[i];
        unsigned  d;

        if (ch >= '0' && ch <= '9') {
            d = (unsigned) (ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            d = (unsigned) (ch - 'a' + 10);
        } else {
            return "a digest that is not 64 lowercase hex digits";
        }

        in->digest[i / 2] = (uint8_t) (i % 2 ? in->digest[i / 2] | d
                                             : d << 4);
    }

    /* the change's bytes: format, kind, code, body */

    f = field(e, "data");

    if (f == NULL || f->value_len < 3) {
        return "no data";
    }

    in->data = (const uint8_t *) f->value;
    in->data_len = f->value_len;
    n = in->data[2];

    if (in->data[0] != ONESTOP_LOG_FORMAT) {
        return "data of a format this build does not know";
    }

    if (in->data[1] != in->kind || n > ONESTOP_CODE_MAX
        || in->data_len < 3 + n
        || (n == 0) != (in->kind == ONESTOP_CHANGE_CATALOG
                        || in->kind == ONESTOP_CHANGE_FEEDBACK))
    {
        return "data that does not match its kind";
    }

    in->code.data = (const char *) in->data + 3;
    in->code.len = n;
    in->body = in->data + 3 + n;
    in->body_len = in->data_len - 3 - n;

    code = field(e, "code");

    if (code != NULL
        && (code->value_len != n || memcmp(code->value, in->code.data, n)))
    {
        return "a code that is not its data's";
    }

    return NULL;
}


/*
 * One change, checked against the store (a record of the right kind, a
 * deleted dossier that is there, an evaluation that is not) before
 * anything is written, then stored as the primary stored it.  0; -1 with
 * *why when the entry cannot be applied (nothing of it written); or an
 * LMDB error code.
 */

static int
apply_one(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const replica_in_t *in, const char **why)
{
    int               rc, found;
    MDB_val           k, v;
    onestop_record_t  r, old;

    switch (in->kind) {

    case ONESTOP_CHANGE_DOSSIER:
    case ONESTOP_CHANGE_DELETE:
        if (onestop_record_decode(in->body, in->body_len, &r) != 0
            || (r.tombstone != 0) != (in->kind == ONESTOP_CHANGE_DELETE))
        {
            *why = "its record does not decode as its kind";
            return -1;
        }

        k.mv_data = (void *) in->code.data;
        k.mv_size = in->code.len;
        rc = mdb_get(txn, st->dossiers, &k, &v);
        found = rc == 0;

        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }

        if (found && onestop_record_decode(v.mv_data, v.mv_size, &old) != 0) {
            return MDB_CORRUPTED;
        }

        if (in->kind == ONESTOP_CHANGE_DELETE && (!found || old.tombstone)) {
            *why = "it deletes a dossier this store does not have";
            return -1;
        }

        return onestop_change_record(st, txn, c, &in->code,
                                     found && !old.tombstone ? &old : NULL,
                                     in->body, in->body_len);

    case ONESTOP_CHANGE_EVALUATION:
        if (in->body_len < ONESTOP_EVAL_COMMENT
            || in->body[0] != ONESTOP_EVALUATION_FORMAT)
        {
            *why = "its evaluation does not decode";
            return -1;
        }

        k.mv_data = (void *) in->code.data;
        k.mv_size = in->code.len;
        rc = mdb_get(txn, st->evaluations, &k, &v);

        if (rc == 0) {
            *why = "it evaluates a dossier this store has an evaluation of";
            return -1;
        }

        if (rc != MDB_NOTFOUND) {
            return rc;
        }

        return onestop_change_evaluation(st, txn, c, &in->code, in->body,
                                         in->body_len);

    case ONESTOP_CHANGE_FEEDBACK:
        rc = onestop_fb_replay(st, txn, c, in->body, in->body_len);

        if (rc == MDB_CORRUPTED || rc == MDB_KEYEXIST) {
            *why = "its question does not decode";
            return -1;
        }

        return rc;

    default:
        rc = onestop_store_catalog_apply(st, txn, c, in->body, in->body_len);

        if (rc == MDB_CORRUPTED) {
            *why = "its catalog change does not decode";
            return -1;
        }

        /* the entries that follow name the catalog as it now is */

        if (rc == 0 && onestop_store_catalog_load(st, txn, &st->wcat) != 0) {
            rc = MDB_CORRUPTED;
        }

        return rc;
    }
}


int
onestop_replica_apply(onestop_store_t *st, const onestop_log_entry_t *e,
    size_t n, onestop_replica_result_t *res)
{
    int               rc, role, status, trimmed, logtrim, froze;
    onestop_day_t     today;
    size_t            i;
    uint8_t           expect[ONESTOP_DIGEST_LEN];
    MDB_txn          *txn;
    const char       *why;
    replica_in_t      in;
    onestop_chain_t   c;

    memset(res, 0, sizeof(onestop_replica_result_t));

    rc = onestop_write_begin(st, &txn);

    if (rc != 0) {
        goto failed;
    }

    if ((rc = onestop_chain_load(st, txn, &c)) != 0
        || (rc = onestop_store_role(st, txn, &role, NULL)) != 0
        || (rc = onestop_store_catalog_load(st, txn, &st->wcat) != 0
                 ? MDB_CORRUPTED : 0) != 0)
    {
        mdb_txn_abort(txn);
        goto failed;
    }

    if (role != ONESTOP_ROLE_FOLLOWER) {
        mdb_txn_abort(txn);
        res->seq = c.seq;
        snprintf(res->message, sizeof(res->message),
                 "this store is a primary, not a follower: it applies no "
                 "log (onestop follow PREFIX makes it a follower)");
        return ONESTOP_ERROR;
    }

    if (st->unread) {
        onestop_store_set_published(st, c.seq);
    }

    status = ONESTOP_OK;

    for (i = 0; i < n; i++) {
        why = entry_parse(&e[i], &in);

        if (why != NULL) {
            res->bad = in.seq ? in.seq : c.seq + 1;
            status = ONESTOP_REPLICA_DIVERGED;
            snprintf(res->message, sizeof(res->message),
                     "log entry %" PRIu64 " is not one this follower can "
                     "apply: %s; it stops at %" PRIu64, res->bad, why,
                     c.seq);
            break;
        }

        if (in.kind == ONESTOP_CHANGE_GAP ? in.last <= c.seq
                                          : in.seq <= c.seq)
        {
            res->skipped++;         /* a replay */
            continue;
        }

        if (in.kind == ONESTOP_CHANGE_GAP || in.seq != c.seq + 1) {
            res->missing = c.seq + 1;
            status = ONESTOP_REPLICA_BEHIND;
            snprintf(res->message, sizeof(res->message),
                     "the log no longer holds change %" PRIu64 " (this "
                     "follower is at %" PRIu64 ", the log goes on at %"
                     PRIu64 "): it keeps serving what it has; seed it again "
                     "from a fresh backup of the primary", res->missing,
                     c.seq, in.kind == ONESTOP_CHANGE_GAP ? in.last + 1
                                                          : in.seq);
            break;
        }

        /* the primary's chain, extended by this entry, must be ours */

        if (onestop_digest_next(c.digest, in.seq, in.data, in.data_len, NULL,
                                0, expect)
            != 0)
        {
            rc = ENOMEM;
            mdb_txn_abort(txn);
            goto failed;
        }

        if (memcmp(expect, in.digest, ONESTOP_DIGEST_LEN) != 0) {
            res->bad = in.seq;
            status = ONESTOP_REPLICA_DIVERGED;
            snprintf(res->message, sizeof(res->message),
                     "log entry %" PRIu64 " does not continue this "
                     "follower's digest: its store is not the primary's at %"
                     PRIu64 " (or the entry was damaged); it stops there: "
                     "seed it again from a fresh backup of the primary",
                     in.seq, c.seq);
            break;
        }

        c.ts = in.ts;
        why = NULL;

        /* the months its primary froze before this change's write,
         * frozen here too, by the day of the primary's commit (issue 18;
         * under ONESTOP_TODAY, a test's today if earlier, as the
         * primary's): the write's first entry is the first of that day,
         * so its other entries find nothing to do */

        today = onestop_sec_day(in.ts / 1000, st->offset);
        today = today < onestop_today(st->offset)
                ? today : onestop_today(st->offset);    /* tests' today */
        rc = onestop_published_behind(st, txn, today);

        if (rc == 1) {
            /* the counters of the entries before it first: freezing
             * reads them */
            rc = onestop_deltas_flush(st->deltas, txn, st->counters);
            onestop_deltas_reset(st->deltas);

            if (rc == 0) {
                rc = onestop_published_catch_up(st, txn, today, &froze);
            }
        }

        if (rc == 0) {
            rc = apply_one(st, txn, &c, &in, &why);
        }

        if (rc == -1) {
            res->bad = in.seq;
            status = ONESTOP_REPLICA_DIVERGED;
            snprintf(res->message, sizeof(res->message),
                     "log entry %" PRIu64 " cannot be applied to this "
                     "follower's store: %s; it stops at %" PRIu64 ": seed it "
                     "again from a fresh backup of the primary", in.seq, why,
                     c.seq);
            break;
        }

        if (rc == 0 && (c.seq != in.seq
                        || memcmp(c.digest, in.digest, ONESTOP_DIGEST_LEN)))
        {
            rc = MDB_CORRUPTED;       /* the write path took another way */
        }

        if (rc != 0) {
            mdb_txn_abort(txn);
            goto failed;
        }

        res->applied++;
        res->ts = in.ts;
    }

    res->seq = c.seq;

    if ((res->applied
         && ((rc = onestop_chain_save(st, txn, &c)) != 0
             || (rc = onestop_deltas_flush(st->deltas, txn, st->counters))
                != 0))
        || (rc = onestop_outbox_trim(st, txn, &trimmed)) != 0
        || (rc = onestop_changelog_trim(st, txn, &logtrim)) != 0)
    {
        mdb_txn_abort(txn);
        goto failed;
    }

    if (res->applied == 0 && !trimmed && !logtrim) {
        mdb_txn_abort(txn);
        return status;
    }

    rc = mdb_txn_commit(txn);

    if (rc != 0) {
        goto failed;
    }

    return status;

failed:

    res->applied = 0;
    res->skipped = 0;
    res->ts = 0;

    if (onestop_write_failed(st, rc)) {
        snprintf(res->message, sizeof(res->message), "the store has no "
                 "room: nothing was applied");
        return ONESTOP_FULL;
    }

    snprintf(res->message, sizeof(res->message), "nothing was applied: %s",
             rc == MDB_MAP_RESIZED ? st->error : mdb_strerror(rc));

    return ONESTOP_ERROR;
}


/* the role */

int
onestop_replica_status(onestop_store_t *st, onestop_replica_status_t *s)
{
    uint64_t  log;
    MDB_val   k, v;

    memset(s, 0, sizeof(onestop_replica_status_t));

    if (!st->reading
        || onestop_store_role(st, st->rtxn, &s->role, s->follows) != 0
        || onestop_meta_get_u64(st->rtxn, st->meta, ONESTOP_META_OUTBOX_SEQ,
                                &s->seq) != 0
        || onestop_meta_get_u64(st->rtxn, st->meta, ONESTOP_META_PUBLISHED,
                                &s->published) != 0
        || onestop_meta_get_u64(st->rtxn, st->meta, ONESTOP_META_LOG, &log)
           != 0)
    {
        return -1;
    }

    s->log = log != 0;

    k.mv_data = (void *) ONESTOP_META_DIGEST;
    k.mv_size = strlen(ONESTOP_META_DIGEST);

    switch (mdb_get(st->rtxn, st->meta, &k, &v)) {

    case 0:
        if (v.mv_size != ONESTOP_DIGEST_LEN) {
            return -1;
        }

        hex(v.mv_data, ONESTOP_DIGEST_LEN, s->digest);
        return 0;

    case MDB_NOTFOUND:
        memset(s->digest, '0', ONESTOP_DIGEST_HEX);
        s->digest[ONESTOP_DIGEST_HEX] = '\0';
        return 0;

    default:
        return -1;
    }
}
