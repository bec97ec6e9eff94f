/*
 * The changes as every writer makes them.
 *
 * A record stored over the one before it (its counters, its apology
 * letter in the index, its evaluation's index 1, the record, its outbox
 * entry) and an evaluation
 * stored with its day, made alike by the primary's checked writes
 * (write.c, after scope, versions and rules) and by a follower applying
 * the primary's log (replica.c), so that at the same sequence the two
 * stores hold the same bytes.  The new record's contribution is taken
 * from its binary form, the bytes both sides store.
 *
 * Calls outbox.c (the entry), the counter deltas, the record codec,
 * history.c (every apology letter of a record, for the index) and
 * published.c (the note of a change to a frozen month).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_history.h"
#include "onestop_store_int.h"


static int apology_index(onestop_store_t *st, MDB_txn *txn,
    const onestop_record_t *old, const onestop_record_t *r,
    const onestop_str_t *code);
static int evaluation_follow(onestop_store_t *st, MDB_txn *txn,
    const onestop_record_t *old, const onestop_record_t *r,
    const onestop_str_t *code);


size_t
onestop_apology_key(onestop_day_t day, const onestop_str_t *code,
    uint8_t *key)
{
    be32(key, 0xffffffffu - (uint32_t) day);
    memcpy(key + 4, code->data, code->len);

    return 4 + code->len;
}


/* the apologies index follows the record: out with the old letters, in
 * with the new ones (every letter, each by its day: issue 18) */

static int
apology_index(onestop_store_t *st, MDB_txn *txn, const onestop_record_t *old,
    const onestop_record_t *r, const onestop_str_t *code)
{
    int               rc;
    size_t            i, n;
    uint8_t           key[4 + ONESTOP_CODE_MAX], val[8];
    MDB_val           k, v;
    onestop_letter_t  letters[ONESTOP_LETTERS_MAX];

    n = old != NULL ? onestop_record_letters(old, letters) : 0;

    for (i = 0; i < n; i++) {
        k.mv_data = key;
        k.mv_size = onestop_apology_key(
                        onestop_ts_day(&letters[i].issued, st->offset),
                        code, key);
        rc = mdb_del(txn, st->apologies, &k, NULL);

        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }
    }

    n = r != NULL ? onestop_record_letters(r, letters) : 0;

    for (i = 0; i < n; i++) {
        k.mv_data = key;
        k.mv_size = onestop_apology_key(
                        onestop_ts_day(&letters[i].issued, st->offset),
                        code, key);
        memcpy(val, &r->agency_id, 4);
        memcpy(val + 4, &r->procedure_id, 4);
        v.mv_data = val;
        v.mv_size = 8;

        rc = mdb_put(txn, st->apologies, &k, &v, 0);

        if (rc != 0) {
            return rc;
        }
    }

    return 0;
}


/*
 * An evaluation follows its dossier (Circular 01/2018, Art. 13: index 1
 * is the time the dossier took): a later version that changes when it was
 * resolved rewrites index 1 as the new timeliness gives it (early 2, on
 * time 1, late 0, as write.c computes it).  A version that moves the
 * dossier to another agency, procedure or intake channel moves the
 * evaluation too, since the summaries group evaluations as the counters
 * group the dossier (a corrected agency must not keep the old one's
 * score).  A deleted dossier takes the evaluation's day out, so that the
 * summaries leave it, but the evaluation stays: the code was spent once
 * (Điều 12), and a version that brings the dossier back brings its
 * evaluation back to the summaries, following that version, rather than
 * a second one.  old is NULL for a dossier new or brought back.
 */
static int
evaluation_follow(onestop_store_t *st, MDB_txn *txn,
    const onestop_record_t *old, const onestop_record_t *r,
    const onestop_str_t *code)
{
    int                    rc;
    int64_t                at;
    int                    moved, back;
    uint8_t                key[4 + ONESTOP_CODE_MAX], a1 = 0, *val, *p;
    MDB_val                k, v, d;
    onestop_status_e       status;

    back = (old == NULL || old->tombstone);

    if (back && r->tombstone) {
        return 0;
    }

    moved = !back && !r->tombstone
            && (r->agency_id != old->agency_id
                || r->procedure_id != old->procedure_id
                || r->channel != old->channel);

    /* only a deletion, a dossier brought back, or a finished version
     * whose time taken scores otherwise than the last one's, can change an
     * evaluation: the rest of the writes (most of them) read nothing more
     * (a new dossier reads that it has none) */

    status = onestop_record_status(r);

    if (!r->tombstone) {
        if (status != ONESTOP_RESOLVED && status != ONESTOP_RETURNED) {
            if (!moved && !back) {
                return 0;   /* no time taken to judge: left as it was */
            }

            a1 = 0xfe;      /* index 1 left as it was, the dossier moved */

        } else {
            a1 = (uint8_t) onestop_record_time_score(r, st->offset);

            if (!back) {
                status = onestop_record_status(old);

                if (!moved
                    && (status == ONESTOP_RESOLVED
                        || status == ONESTOP_RETURNED)
                    && (uint8_t) onestop_record_time_score(old, st->offset)
                       == a1)
                {
                    return 0;
                }
            }
        }
    }

    k.mv_data = (void *) code->data;
    k.mv_size = code->len;
    rc = mdb_get(txn, st->evaluations, &k, &v);

    if (rc != 0) {
        return rc == MDB_NOTFOUND ? 0 : rc;
    }

    if (v.mv_size < ONESTOP_EVAL_COMMENT) {
        return MDB_CORRUPTED;
    }

    if (r->tombstone || back) {
        memcpy(&at, (uint8_t *) v.mv_data + ONESTOP_EVAL_AT, 8);
        be32(key, (uint32_t) onestop_sec_day(at, st->offset));
        memcpy(key + 4, code->data, code->len);
        d.mv_data = key;
        d.mv_size = 4 + code->len;

        if (r->tombstone) {
            rc = mdb_del(txn, st->evaluation_days, &d, NULL);
            return rc == MDB_NOTFOUND ? 0 : rc;
        }

        k.mv_data = "";
        k.mv_size = 0;
        rc = mdb_put(txn, st->evaluation_days, &d, &k, 0);

        if (rc != 0) {
            return rc;
        }

        k.mv_data = (void *) code->data;
        k.mv_size = code->len;
        rc = mdb_get(txn, st->evaluations, &k, &v);  /* the put moved it */

        if (rc != 0) {
            return rc;
        }
    }

    p = v.mv_data;

    if (a1 == 0xfe) {
        a1 = p[ONESTOP_EVAL_ANSWERS + 1];
    }

    if (p[ONESTOP_EVAL_ANSWERS + 1] == a1
        && p[ONESTOP_EVAL_CHANNEL] == r->channel
        && memcmp(p + ONESTOP_EVAL_AGENCY, &r->agency_id, 4) == 0
        && memcmp(p + ONESTOP_EVAL_PROCEDURE, &r->procedure_id, 4) == 0)
    {
        return 0;
    }

    val = malloc(v.mv_size);

    if (val == NULL) {
        return ENOMEM;
    }

    memcpy(val, v.mv_data, v.mv_size);
    val[ONESTOP_EVAL_ANSWERS + 1] = a1;
    val[ONESTOP_EVAL_CHANNEL] = r->channel;
    memcpy(val + ONESTOP_EVAL_AGENCY, &r->agency_id, 4);
    memcpy(val + ONESTOP_EVAL_PROCEDURE, &r->procedure_id, 4);
    d.mv_data = val;
    d.mv_size = v.mv_size;
    rc = mdb_put(txn, st->evaluations, &k, &d, 0);
    free(val);

    return rc;
}


int
onestop_change_record(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const onestop_str_t *code, const onestop_record_t *old,
    const uint8_t *value, size_t len)
{
    int               rc;
    uint32_t          old_agency;
    MDB_val           k, v;
    onestop_record_t  r;

    if (code->len == 0 || code->len > ONESTOP_CODE_MAX
        || onestop_record_decode(value, len, &r) != 0)
    {
        return MDB_CORRUPTED;
    }

    r.code = *code;

    /* the counters: the old contribution out, the new one in (before the
     * put, which may move the old value's page) */

    if ((old != NULL
         && onestop_deltas_record(st->deltas, old, st->offset, -1) != 0)
        || (!r.tombstone
            && onestop_deltas_record(st->deltas, &r, st->offset, 1) != 0))
    {
        return ENOMEM;
    }

    rc = apology_index(st, txn, old, r.tombstone ? NULL : &r, code);

    if (rc == 0) {
        rc = evaluation_follow(st, txn, old, &r, code);
    }

    if (rc == 0) {
        /* a frozen month's figures it changes (issue 18) */
        rc = onestop_published_note(st, txn, code, old, &r);
    }

    if (rc != 0) {
        return rc;
    }

    old_agency = old != NULL && old->agency_id != r.agency_id
                 ? old->agency_id : 0;

    k.mv_data = (void *) code->data;
    k.mv_size = code->len;
    v.mv_data = (void *) value;
    v.mv_size = len;

    rc = mdb_put(txn, st->dossiers, &k, &v, 0);

    if (rc != 0) {
        return rc;
    }

    return onestop_outbox_append(st, txn, c,
                                 r.tombstone ? ONESTOP_CHANGE_DELETE
                                             : ONESTOP_CHANGE_DOSSIER,
                                 r.agency_id, r.version, code, old_agency,
                                 value, len);
}


int
onestop_change_evaluation(onestop_store_t *st, MDB_txn *txn,
    onestop_chain_t *c, const onestop_str_t *code, const uint8_t *value,
    size_t len)
{
    int             rc;
    int64_t         at;
    uint8_t         key[4 + ONESTOP_CODE_MAX];
    uint32_t        agency;
    MDB_val         k, v;
    onestop_day_t   day;

    if (code->len == 0 || code->len > ONESTOP_CODE_MAX
        || len < ONESTOP_EVAL_COMMENT || value[0] != ONESTOP_EVALUATION_FORMAT)
    {
        return MDB_CORRUPTED;
    }

    k.mv_data = (void *) code->data;
    k.mv_size = code->len;
    v.mv_data = (void *) value;
    v.mv_size = len;

    if ((rc = mdb_put(txn, st->evaluations, &k, &v, MDB_NOOVERWRITE)) != 0) {
        return rc;
    }

    memcpy(&at, value + ONESTOP_EVAL_AT, 8);
    memcpy(&agency, value + ONESTOP_EVAL_AGENCY, 4);

    day = onestop_sec_day(at, st->offset);
    be32(key, (uint32_t) day);
    memcpy(key + 4, code->data, code->len);
    k.mv_data = key;
    k.mv_size = 4 + code->len;
    v.mv_data = "";
    v.mv_size = 0;

    if ((rc = mdb_put(txn, st->evaluation_days, &k, &v, 0)) != 0) {
        return rc;
    }

    return onestop_outbox_append(st, txn, c, ONESTOP_CHANGE_EVALUATION,
                                 agency, 0, code, 0, value, len);
}
