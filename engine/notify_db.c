/*
 * The notifier's database `notify` in the store (issue 16,
 * lmdb-schema/README.md): the sent-log, the retry queue, the dead
 * letters, the counts and the consumer group's lag.
 *
 *   'S' id                 -> u8 state, u64 fingerprint, i64 ms, u32 tries
 *   'Q' be64 due_ms, id    -> a message kept (below)
 *   'D' id                 -> a message kept, its time the death's
 *   'C' u8 ch, ev, kind    -> u64 count
 *   'M' "lag"              -> i64 lag, i64 pending, i64 ms
 * where id is u8 code length, code, u8 event, u8 channel, be64 version,
 * so that a dossier's messages of one event and channel are neighbours;
 * a message kept is u64 fingerprint, u32 tries, i64 ms, then u16 length
 * and bytes of the error, the recipient, the subject, and u32 length and
 * bytes of the body.
 *
 * Calls store.c (the write and read transactions), write.c (what a failed
 * write transaction leaves: onestop_write_failed) and notify_conf.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_notify.h"
#include "onestop_store_int.h"

#define ID_MAX  (1 + 1 + ONESTOP_CODE_MAX + 2 + 8)


static size_t
id_key(uint8_t *k, uint8_t tag, int64_t due, const onestop_notify_id_t *id)
{
    size_t    n, len;
    int       i;
    uint64_t  v;

    n = 0;
    k[n++] = tag;

    if (tag == 'Q') {
        for (i = 7; i >= 0; i--) {
            k[n++] = (uint8_t) ((uint64_t) due >> (8 * i));
        }
    }

    len = strlen(id->code);
    k[n++] = (uint8_t) len;
    memcpy(k + n, id->code, len);
    n += len;
    k[n++] = (uint8_t) id->ev;
    k[n++] = (uint8_t) id->ch;
    v = id->version;

    for (i = 7; i >= 0; i--) {
        k[n++] = (uint8_t) (v >> (8 * i));
    }

    return n;
}


/* an id back from a key (after the tag and the due time) */
static int
id_parse(const uint8_t *k, size_t len, onestop_notify_id_t *id)
{
    size_t  n;
    int     i;

    memset(id, 0, sizeof(onestop_notify_id_t));

    if (len < 1 || len != 1u + k[0] + 2 + 8 || k[0] > ONESTOP_CODE_MAX) {
        return -1;
    }

    n = k[0];
    memcpy(id->code, k + 1, n);
    id->code[n] = '\0';
    id->ev = k[1 + n];
    id->ch = k[2 + n];

    for (i = 0; i < 8; i++) {
        id->version = id->version << 8 | k[3 + n + i];
    }

    return 0;
}


static int
begin(onestop_store_t *st, MDB_txn **txn)
{
    int  rc;

    if (!st->has_notify) {
        return MDB_NOTFOUND;
    }

    rc = onestop_store_map_resized(st);

    if (rc != 0) {
        return rc;
    }

    return mdb_txn_begin(st->env, NULL, 0, txn);
}


/* a write transaction ended: committed when rc is 0, aborted otherwise;
 * -1 (the store's error said) unless it committed */
static int
end(onestop_store_t *st, MDB_txn *txn, int rc)
{
    if (rc != 0) {
        mdb_txn_abort(txn);

    } else {
        rc = mdb_txn_commit(txn);
    }

    if (rc != 0) {
        onestop_write_failed(st, rc);
        return -1;
    }

    return 0;
}


/* the state of the sent-log that forbids sending id: 0 when none does */
static int
told(MDB_txn *txn, MDB_dbi dbi, const onestop_notify_id_t *id,
    int *exact)
{
    int       rc;
    size_t    plen;
    uint8_t   key[ID_MAX], *k;
    uint64_t  print, v;
    MDB_val   kv, dv;
    MDB_cursor  *c;

    *exact = ONESTOP_NS_NONE;
    plen = id_key(key, 'S', 0, id) - 8;       /* the prefix: no version */

    if (mdb_cursor_open(txn, dbi, &c) != 0) {
        return -1;
    }

    kv.mv_data = key;
    kv.mv_size = plen;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);

    while (rc == 0 && kv.mv_size == plen + 8
           && memcmp(kv.mv_data, key, plen) == 0)
    {
        k = (uint8_t *) kv.mv_data + plen;
        v = (uint64_t) k[0] << 56 | (uint64_t) k[1] << 48
            | (uint64_t) k[2] << 40 | (uint64_t) k[3] << 32
            | (uint64_t) k[4] << 24 | (uint64_t) k[5] << 16
            | (uint64_t) k[6] << 8 | k[7];

        if (dv.mv_size >= 9) {
            memcpy(&print, (uint8_t *) dv.mv_data + 1, 8);

            if (v == id->version) {
                *exact = ((uint8_t *) dv.mv_data)[0];
            }

            if (v >= id->version || print == id->print) {
                mdb_cursor_close(c);
                return v == id->version ? *exact : ONESTOP_NS_SENT;
            }
        }

        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }

    mdb_cursor_close(c);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : -1;
}


/* whether the sent-log has a version of id's dossier, event and channel
 * newer than id's (claimed, sent, queued or dead): 1, 0, or -1 */
static int
newer(MDB_txn *txn, MDB_dbi dbi, const onestop_notify_id_t *id)
{
    int          rc, i;
    size_t       plen;
    uint8_t      key[ID_MAX];
    uint64_t     v;
    MDB_val      kv, dv;
    MDB_cursor  *c;

    plen = id_key(key, 'S', 0, id) - 8;

    for (i = 0; i < 8; i++) {
        key[plen + i] = 0xff;              /* past every version ... */
    }

    if (mdb_cursor_open(txn, dbi, &c) != 0) {
        return -1;
    }

    kv.mv_data = key;
    kv.mv_size = plen + 8;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(c, &kv, &dv, MDB_PREV)
                 : rc == MDB_NOTFOUND ? mdb_cursor_get(c, &kv, &dv, MDB_LAST)
                 : rc;                      /* ... then the last of them */

    if (rc != 0) {
        mdb_cursor_close(c);
        return rc == MDB_NOTFOUND ? 0 : -1;
    }

    v = 0;

    if (kv.mv_size == plen + 8 && memcmp(kv.mv_data, key, plen) == 0) {
        for (i = 0; i < 8; i++) {
            v = v << 8 | ((uint8_t *) kv.mv_data)[plen + i];
        }
    }

    mdb_cursor_close(c);

    return v > id->version;
}


/* whether id's dossier is deleted now (its record a tombstone): 1, 0,
 * or -1 */
static int
deleted(onestop_store_t *st, MDB_txn *txn, const onestop_notify_id_t *id)
{
    int               rc;
    MDB_val           kv, dv;
    onestop_record_t  r;

    kv.mv_data = (void *) id->code;
    kv.mv_size = strlen(id->code);
    rc = mdb_get(txn, st->dossiers, &kv, &dv);

    if (rc != 0) {
        return rc == MDB_NOTFOUND ? 0 : -1;
    }

    return onestop_record_decode(dv.mv_data, dv.mv_size, &r) == 0
           && r.tombstone;
}


/* whether a newer version of id's dossier told what makes id old news:
 * its event and channel (an apology's other date), or, for an
 * appointment, the result or the withdrawal on its channel (an
 * appointment is told only while the dossier is neither); or deleted the
 * dossier (a receipt of a dossier entered in error, perhaps to someone
 * else's contact); 1, 0, or -1 */
static int
superseded(onestop_store_t *st, MDB_txn *txn, const onestop_notify_id_t *id)
{
    int                  rc;
    unsigned             ev;
    onestop_notify_id_t  other;

    rc = newer(txn, st->notify, id);
    other = *id;

    for (ev = ONESTOP_EV_RESULT;
         rc == 0 && id->ev == ONESTOP_EV_APPOINTMENT
         && ev <= ONESTOP_EV_WITHDRAWN;
         ev++)
    {
        other.ev = ev;
        rc = newer(txn, st->notify, &other);
    }

    return rc == 0 ? deleted(st, txn, id) : rc;
}


static int
put_state(MDB_txn *txn, MDB_dbi dbi, const onestop_notify_id_t *id,
    int state, int64_t ms, uint32_t tries)
{
    uint8_t   key[ID_MAX], val[21];
    MDB_val   kv, dv;

    kv.mv_data = key;
    kv.mv_size = id_key(key, 'S', 0, id);
    val[0] = (uint8_t) state;
    memcpy(val + 1, &id->print, 8);
    memcpy(val + 9, &ms, 8);
    memcpy(val + 17, &tries, 4);
    dv.mv_data = val;
    dv.mv_size = sizeof(val);

    return mdb_put(txn, dbi, &kv, &dv, 0);
}


int
onestop_notify_claim(onestop_store_t *st, const onestop_notify_id_t *id,
    size_t n, int reclaim, uint8_t *claimed, uint8_t *was)
{
    int       rc, t, exact;
    size_t    i;
    MDB_txn  *txn;

    if (begin(st, &txn) != 0) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        claimed[i] = 0;
        was[i] = 0;
        t = told(txn, st->notify, &id[i], &exact);

        if (t < 0) {
            goto failed;
        }

        if (t == ONESTOP_NS_SENDING && exact == ONESTOP_NS_SENDING
            && reclaim)
        {
            was[i] = ONESTOP_NS_SENDING;       /* a notifier died */

        } else if (t != 0) {
            continue;
        }

        /* a newer version told since what makes it old news: told() sees
         * the event's newer versions, but stops at this one's own claim
         * (a dead notifier's), and knows nothing of an appointment's
         * result */

        t = superseded(st, txn, &id[i]);

        if (t < 0) {
            goto failed;
        }

        if (t) {
            /* a dead notifier's claim: ours to settle (the caller looks
             * in its journal), lest it stay claimed and uncounted */
            claimed[i] = was[i] == ONESTOP_NS_SENDING ? 2 : 0;
            continue;
        }

        if (put_state(txn, st->notify, &id[i], ONESTOP_NS_SENDING, 0, 0)
            != 0)
        {
            goto failed;
        }

        claimed[i] = 1;
    }

    rc = mdb_txn_commit(txn);

    if (rc != 0) {
        onestop_write_failed(st, rc);
        return -1;
    }

    return 0;

failed:

    mdb_txn_abort(txn);
    return -1;
}


static void
put16(onestop_buf_t *b, const char *s, size_t n)
{
    uint16_t  len;

    len = (uint16_t) (n > 65535 ? 65535 : n);
    onestop_buf_add(b, &len, 2);
    onestop_buf_add(b, s, len);
}


static int
put_kept(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, size_t klen,
    const onestop_notify_outcome_t *o, int64_t ms)
{
    int            rc;
    uint32_t       tries, blen;
    onestop_buf_t  b;
    MDB_val        kv, dv;

    memset(&b, 0, sizeof(b));
    tries = o->attempts;
    onestop_buf_add(&b, &o->id->print, 8);
    onestop_buf_add(&b, &tries, 4);
    onestop_buf_add(&b, &ms, 8);
    put16(&b, o->error ? o->error : "", o->error ? strlen(o->error) : 0);
    put16(&b, o->msg->to, strlen(o->msg->to));
    put16(&b, o->msg->subject, strlen(o->msg->subject));
    blen = (uint32_t) o->msg->body.len;
    onestop_buf_add(&b, &blen, 4);
    onestop_buf_add(&b, o->msg->body.data, o->msg->body.len);

    if (b.failed) {
        onestop_buf_free(&b);
        return ENOMEM;
    }

    kv.mv_data = (void *) key;
    kv.mv_size = klen;
    dv.mv_data = b.data;
    dv.mv_size = b.len;
    rc = mdb_put(txn, dbi, &kv, &dv, 0);
    onestop_buf_free(&b);

    return rc;
}


static int
count_add(MDB_txn *txn, MDB_dbi dbi, unsigned ch, unsigned ev, unsigned k)
{
    uint8_t   key[4];
    uint64_t  v;
    MDB_val   kv, dv;

    key[0] = 'C';
    key[1] = (uint8_t) ch;
    key[2] = (uint8_t) ev;
    key[3] = (uint8_t) k;
    kv.mv_data = key;
    kv.mv_size = 4;
    v = 0;

    if (mdb_get(txn, dbi, &kv, &dv) == 0 && dv.mv_size == 8) {
        memcpy(&v, dv.mv_data, 8);
    }

    v++;
    dv.mv_data = &v;
    dv.mv_size = 8;

    return mdb_put(txn, dbi, &kv, &dv, 0);
}


int
onestop_notify_record(onestop_store_t *st, const onestop_notify_outcome_t *o,
    size_t n, int64_t lag, int64_t pending)
{
    int        rc;
    size_t     i, klen;
    int64_t    ms, lv[3];
    uint8_t    key[8 + ID_MAX];
    MDB_val    kv, dv;
    MDB_txn   *txn;
    const onestop_notify_outcome_t  *x;

    if (begin(st, &txn) != 0) {
        return -1;
    }

    ms = onestop_notify_now_ms();
    rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        x = &o[i];

        if (x->from_queue) {
            kv.mv_data = key;
            kv.mv_size = id_key(key, 'Q', x->old_due_ms, x->id);
            rc = mdb_del(txn, st->notify, &kv, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;
        }

        if (rc == 0) {
            rc = put_state(txn, st->notify, x->id, x->state, ms,
                           x->attempts);
        }

        if (rc != 0) {
            break;
        }

        switch (x->state) {

        case ONESTOP_NS_SENT:
            rc = count_add(txn, st->notify, x->id->ch, x->id->ev,
                           ONESTOP_NC_SENT);
            break;

        case ONESTOP_NS_RETRY:
            klen = id_key(key, 'Q', x->due_ms, x->id);
            rc = put_kept(txn, st->notify, key, klen, x, x->due_ms);
            rc = rc ? rc : count_add(txn, st->notify, x->id->ch, x->id->ev,
                                     ONESTOP_NC_FAILED);
            break;

        case ONESTOP_NS_DEAD:
            klen = id_key(key, 'D', 0, x->id);
            rc = put_kept(txn, st->notify, key, klen, x, ms);
            rc = rc ? rc : count_add(txn, st->notify, x->id->ch, x->id->ev,
                                     ONESTOP_NC_FAILED);
            rc = rc ? rc : count_add(txn, st->notify, x->id->ch, x->id->ev,
                                     ONESTOP_NC_DEAD);
            break;

        case ONESTOP_NS_SUPERSEDED:
            rc = count_add(txn, st->notify, x->id->ch, x->id->ev,
                           ONESTOP_NC_SUPERSEDED);
            break;
        }
    }

    if (rc == 0 && lag >= 0) {
        lv[0] = lag;
        lv[1] = pending;
        lv[2] = ms;
        kv.mv_data = (void *) "Mlag";
        kv.mv_size = 4;
        dv.mv_data = lv;
        dv.mv_size = sizeof(lv);
        rc = mdb_put(txn, st->notify, &kv, &dv, 0);
    }

    if (end(st, txn, rc) != 0) {
        return -1;
    }

    return 0;
}


static int
get16(const uint8_t **p, const uint8_t *end, char *dst, size_t size,
    onestop_buf_t *b)
{
    uint16_t  n;

    if (end - *p < 2) {
        return -1;
    }

    memcpy(&n, *p, 2);
    *p += 2;

    if (end - *p < n) {
        return -1;
    }

    if (b != NULL) {
        onestop_buf_add(b, *p, n);
    } else {
        size_t  m = n < size ? n : size - 1;

        memcpy(dst, *p, m);
        dst[m] = '\0';
    }

    *p += n;
    return 0;
}


static int
kept_parse(const MDB_val *kv, size_t skip, const MDB_val *dv,
    onestop_notify_queued_t *q)
{
    uint32_t        tries, blen;
    const uint8_t  *p, *end;

    if (kv->mv_size <= skip
        || id_parse((uint8_t *) kv->mv_data + skip, kv->mv_size - skip,
                    &q->id) != 0)
    {
        return -1;
    }

    memset(&q->msg, 0, sizeof(q->msg));
    q->msg.ev = q->id.ev;
    q->msg.ch = q->id.ch;
    p = dv->mv_data;
    end = p + dv->mv_size;

    if (end - p < 20) {
        return -1;
    }

    memcpy(&q->id.print, p, 8);
    memcpy(&tries, p + 8, 4);
    memcpy(&q->at_ms, p + 12, 8);
    q->attempts = tries;
    p += 20;

    if (get16(&p, end, q->error, sizeof(q->error), NULL) != 0
        || get16(&p, end, q->msg.to, sizeof(q->msg.to), NULL) != 0
        || get16(&p, end, q->msg.subject, sizeof(q->msg.subject), NULL) != 0
        || end - p < 4)
    {
        return -1;
    }

    memcpy(&blen, p, 4);
    p += 4;

    if ((size_t) (end - p) != blen) {
        return -1;
    }

    onestop_buf_add(&q->msg.body, p, blen);
    return q->msg.body.failed ? -1 : 0;
}


/* a read-only transaction of its own (the daemon's store has no reader
 * open between its calls) */
static int
read_txn(onestop_store_t *st, MDB_txn **txn)
{
    if (!st->has_notify) {
        return -1;
    }

    return mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn) == 0 ? 0 : -1;
}


long
onestop_notify_due(onestop_store_t *st, int64_t now,
    onestop_notify_queued_t *q, size_t max, int64_t *next)
{
    int          rc;
    long         n;
    int64_t      due;
    uint8_t      start[1];
    MDB_val      kv, dv;
    MDB_txn     *txn;
    MDB_cursor  *c;
    const uint8_t  *k;

    *next = 0;

    if (read_txn(st, &txn) != 0) {
        return st->has_notify ? -1 : 0;
    }

    if (mdb_cursor_open(txn, st->notify, &c) != 0) {
        mdb_txn_abort(txn);
        return -1;
    }

    start[0] = 'Q';
    kv.mv_data = start;
    kv.mv_size = 1;
    n = 0;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);

    while (rc == 0 && kv.mv_size > 9 && ((uint8_t *) kv.mv_data)[0] == 'Q') {
        k = kv.mv_data;
        due = (int64_t) ((uint64_t) k[1] << 56 | (uint64_t) k[2] << 48
                         | (uint64_t) k[3] << 40 | (uint64_t) k[4] << 32
                         | (uint64_t) k[5] << 24 | (uint64_t) k[6] << 16
                         | (uint64_t) k[7] << 8 | k[8]);

        if (due > now || (size_t) n == max) {
            *next = due;                /* the first one left */
            break;
        }

        if (kept_parse(&kv, 9, &dv, &q[n]) == 0) {
            /* the message keeps the time it was first due: a key of
             * another time is a lease (onestop_notify_take) */
            q[n].leased = q[n].at_ms != due;
            q[n].at_ms = due;
            n++;
        }

        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }

    mdb_cursor_close(c);
    mdb_txn_abort(txn);

    return n;
}


int
onestop_notify_take(onestop_store_t *st, onestop_notify_queued_t *q,
    int64_t until)
{
    int       rc, old;
    uint8_t   key[8 + ID_MAX];
    MDB_val   kv, dv, nv;
    MDB_txn  *txn;

    if (begin(st, &txn) != 0) {
        return -1;
    }

    kv.mv_data = key;
    kv.mv_size = id_key(key, 'Q', q->at_ms, &q->id);
    rc = mdb_get(txn, st->notify, &kv, &dv);

    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return 0;                       /* another notifier's now */
    }

    /* a newer version of the dossier told the event since (an apology's
     * other date), or, for an appointment, its result or withdrawal: this
     * one would say what no longer holds.  Leased all the same, so that
     * the caller alone records it (superseded, or sent when a notifier
     * that stopped had sent it) */

    old = rc == 0 ? superseded(st, txn, &q->id) : -1;

    if (old < 0) {
        end(st, txn, rc ? rc : EIO);
        return -1;
    }

    /* the value as it is (its time the first due one's), under the
     * lease's time; copied, since a delete may move the page it is on */

    nv.mv_size = dv.mv_size;
    nv.mv_data = malloc(dv.mv_size);

    if (nv.mv_data == NULL) {
        mdb_txn_abort(txn);
        return -1;
    }

    memcpy(nv.mv_data, dv.mv_data, dv.mv_size);
    rc = mdb_del(txn, st->notify, &kv, NULL);

    if (rc == 0) {
        kv.mv_size = id_key(key, 'Q', until, &q->id);
        rc = mdb_put(txn, st->notify, &kv, &nv, 0);
    }

    free(nv.mv_data);

    if (end(st, txn, rc) != 0) {
        return -1;
    }

    q->at_ms = until;
    return old ? 2 : 1;
}


int
onestop_notify_unsettled(void *ctx, char *const *keys, size_t n)
{
    int                   rc, any;
    size_t                i;
    uint8_t               key[ID_MAX];
    MDB_val               kv, dv;
    MDB_txn              *txn;
    onestop_store_t      *st = ctx;
    onestop_notify_id_t   id;

    if (read_txn(st, &txn) != 0) {
        return -1;
    }

    any = 0;
    rc = 0;

    for (i = 0; i < n && !any && rc == 0; i++) {
        if (onestop_notify_key_parse(keys[i], &id) != 0) {
            continue;                    /* not a message: a torn line */
        }

        kv.mv_data = key;
        kv.mv_size = id_key(key, 'S', 0, &id);
        rc = mdb_get(txn, st->notify, &kv, &dv);

        if (rc == 0 && dv.mv_size >= 1) {
            any = ((uint8_t *) dv.mv_data)[0] == ONESTOP_NS_SENDING
                  || ((uint8_t *) dv.mv_data)[0] == ONESTOP_NS_RETRY;
        }

        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }

    mdb_txn_abort(txn);

    return rc == 0 ? any : -1;
}


/* the dead letters of txn (those of `code`, or all) each handed to fn,
 * which may take the body (zeroing it); the number, or -1 */
static long
dead_scan(MDB_txn *txn, MDB_dbi dbi, const char *code,
    void (*fn)(void *ctx, onestop_notify_queued_t *q), void *ctx)
{
    int                      rc;
    long                     n;
    uint8_t                  start[1];
    MDB_val                  kv, dv;
    MDB_cursor              *c;
    onestop_notify_queued_t  q;

    if (mdb_cursor_open(txn, dbi, &c) != 0) {
        return -1;
    }

    start[0] = 'D';
    kv.mv_data = start;
    kv.mv_size = 1;
    n = 0;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);

    while (rc == 0 && ((uint8_t *) kv.mv_data)[0] == 'D') {
        memset(&q, 0, sizeof(q));

        if (kept_parse(&kv, 1, &dv, &q) == 0
            && (code == NULL || strcmp(code, q.id.code) == 0))
        {
            fn(ctx, &q);
            n++;
        }

        onestop_buf_free(&q.msg.body);
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }

    mdb_cursor_close(c);

    return rc == 0 || rc == MDB_NOTFOUND ? n : -1;
}


typedef struct {
    void  (*fn)(void *ctx, const onestop_notify_queued_t *q);
    void   *ctx;
} dead_show_t;


static void
dead_show(void *ctx, onestop_notify_queued_t *q)
{
    dead_show_t  *s = ctx;

    s->fn(s->ctx, q);
}


long
onestop_notify_dead(onestop_store_t *st,
    void (*fn)(void *ctx, const onestop_notify_queued_t *q), void *ctx)
{
    long          n;
    MDB_txn      *txn;
    dead_show_t   s;

    if (read_txn(st, &txn) != 0) {
        return st->has_notify ? -1 : 0;
    }

    s.fn = fn;
    s.ctx = ctx;
    n = dead_scan(txn, st->notify, NULL, dead_show, &s);
    mdb_txn_abort(txn);

    return n;
}


typedef struct {
    onestop_notify_queued_t  *q;
    size_t                    n;
    size_t                    cap;
    int                       failed;
} dead_list_t;


static void
dead_take(void *ctx, onestop_notify_queued_t *q)
{
    dead_list_t              *l = ctx;
    onestop_notify_queued_t  *more;

    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        more = realloc(l->q, l->cap * sizeof(onestop_notify_queued_t));

        if (more == NULL) {
            l->failed = 1;
            l->cap = l->n;
            return;
        }

        l->q = more;
    }

    l->q[l->n++] = *q;
    memset(&q->msg.body, 0, sizeof(onestop_buf_t));     /* taken */
}


/* every dead letter (or the dossier code's) removed, put back in the
 * queue first when `requeue`; the number, or -1 */
static long
dead_move(onestop_store_t *st, const char *code, int requeue)
{
    int                       rc;
    size_t                    i, klen;
    int64_t                   ms;
    uint8_t                   key[8 + ID_MAX];
    MDB_val                   kv;
    MDB_txn                  *txn;
    dead_list_t               l;
    onestop_notify_outcome_t  o;

    if (begin(st, &txn) != 0) {
        return st->has_notify ? -1 : 0;
    }

    /* the letters first, then their moves (no put under a cursor) */

    memset(&l, 0, sizeof(l));
    rc = dead_scan(txn, st->notify, code, dead_take, &l) < 0 || l.failed
         ? ENOMEM : 0;
    ms = onestop_notify_now_ms();

    for (i = 0; rc == 0 && i < l.n; i++) {
        memset(&o, 0, sizeof(o));
        o.id = &l.q[i].id;
        o.msg = &l.q[i].msg;
        o.error = l.q[i].error;

        if (requeue) {
            klen = id_key(key, 'Q', ms, &l.q[i].id);
            rc = put_kept(txn, st->notify, key, klen, &o, ms);
            rc = rc ? rc : put_state(txn, st->notify, &l.q[i].id,
                                     ONESTOP_NS_RETRY, ms, 0);
        }

        if (rc == 0) {
            kv.mv_data = key;
            kv.mv_size = id_key(key, 'D', 0, &l.q[i].id);
            rc = mdb_del(txn, st->notify, &kv, NULL);
        }
    }

    for (i = 0; i < l.n; i++) {
        onestop_buf_free(&l.q[i].msg.body);
    }

    free(l.q);

    if (rc != 0) {
        mdb_txn_abort(txn);
        return -1;
    }

    if ((rc = mdb_txn_commit(txn)) != 0) {
        onestop_write_failed(st, rc);
        return -1;
    }

    return (long) l.n;
}


long
onestop_notify_retry(onestop_store_t *st, const char *code)
{
    return dead_move(st, code, 1);
}


long
onestop_notify_drop(onestop_store_t *st, const char *code)
{
    return dead_move(st, code, 0);
}
