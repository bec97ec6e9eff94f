/*
 * The outbox: the change feed's queue, inside the store.
 *
 * A change appends its entry, under the next sequence number, in the
 * write transaction that makes the change, so that the feed can neither
 * miss one nor announce one that was not committed.  The last sequence
 * lives in meta; the outbox is bounded (past outbox_max the oldest entry
 * goes, which its reader sees as a gap).  What Redis acknowledged is set
 * by the reading thread with atomics and trimmed by the next write
 * transaction, a bounded number of entries at a time.
 *
 * Calls store.c (meta) only.
 */

#include <string.h>

#include <lmdb.h>

#include "onestop_store_int.h"


/* a u64 of meta in the open read snapshot, 0 without one */

static uint64_t
meta_read_u64(onestop_store_t *st, const char *name)
{
    uint64_t  v;

    if (!st->reading
        || onestop_meta_get_u64(st->rtxn, st->meta, name, &v) != 0)
    {
        return 0;
    }

    return v;
}


uint64_t
onestop_store_seq(onestop_store_t *st)
{
    return meta_read_u64(st, ONESTOP_META_OUTBOX_SEQ);
}


int
onestop_outbox_append(onestop_store_t *st, MDB_txn *txn, uint64_t *seq,
    int kind, uint32_t agency, uint64_t version, const onestop_str_t *code,
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


/* Redis has everything up to `published`: record it, drop those entries
 * (a bounded number per transaction, so no commit grows large) */

#define TRIM_MAX  20000

int
onestop_outbox_trim(onestop_store_t *st, MDB_txn *txn, int *changed)
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

    if (onestop_meta_get_u64(txn, st->meta, ONESTOP_META_PUBLISHED, &stored)
        == 0 && stored >= seq)
    {
        st->trimmed = seq;
        *changed = n > 0;
        return 0;
    }

    rc = onestop_meta_put(txn, st->meta, ONESTOP_META_PUBLISHED, &seq, 8);

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
