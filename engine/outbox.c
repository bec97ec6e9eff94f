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
 * Each entry also carries the running digest after it (SHA-256 chained
 * over the sequence: the previous digest, the sequence, the change's
 * bytes; lmdb-schema/README.md) and the commit time, and, when the store
 * logs (meta "log", onestop_redis ... log=on), the change's bytes
 * themselves, so that the log publisher sends each version as it was
 * committed even when a later write has replaced it.
 *
 * Calls store.c (meta) and changelog.c (each change's entry of the change
 * log, appended beside its outbox entry and read back with it).
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>
#include <openssl/evp.h>

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


/* the chain */

int
onestop_chain_load(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c)
{
    int      rc;
    uint64_t log;
    MDB_val  k, v;

    if ((rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_OUTBOX_SEQ,
                                   &c->seq)) != 0
        || (rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_LOG, &log))
           != 0)
    {
        return rc;
    }

    c->log = log != 0;
    c->ts = onestop_chain_time(st, txn);

    k.mv_data = (void *) ONESTOP_META_DIGEST;
    k.mv_size = strlen(ONESTOP_META_DIGEST);
    rc = mdb_get(txn, st->meta, &k, &v);

    if (rc == MDB_NOTFOUND) {
        /* a store from before the digest: the chain begins here */
        memset(c->digest, 0, ONESTOP_DIGEST_LEN);
        return 0;
    }

    if (rc != 0 || v.mv_size != ONESTOP_DIGEST_LEN) {
        return rc ? rc : MDB_CORRUPTED;
    }

    memcpy(c->digest, v.mv_data, ONESTOP_DIGEST_LEN);
    return 0;
}


int
onestop_chain_save(onestop_store_t *st, MDB_txn *txn, const onestop_chain_t *c)
{
    int  rc;

    rc = onestop_meta_put(txn, st->meta, ONESTOP_META_OUTBOX_SEQ, &c->seq, 8);

    if (rc == 0) {
        rc = onestop_meta_put(txn, st->meta, ONESTOP_META_DIGEST, c->digest,
                              ONESTOP_DIGEST_LEN);
    }

    return rc;
}


void
onestop_store_commit_time(onestop_store_t *st, int64_t ms)
{
    st->commit_ms = ms > 0 ? ms : 0;
}


int64_t
onestop_chain_time(onestop_store_t *st, MDB_txn *txn)
{
    int64_t                  ms, now, last;
    MDB_val                  k, v;
    MDB_cursor              *cur;
    onestop_outbox_entry_t   e;

    now = onestop_clock_ms();

    if (st->commit_ms == 0 || st->commit_ms >= now) {
        return now;
    }

    ms = st->commit_ms;

    if (mdb_cursor_open(txn, st->outbox, &cur) == 0) {
        if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0
            && onestop_outbox_entry(&k, &v, &e) == 0
            && e.ts > ms)
        {
            ms = e.ts;
        }

        mdb_cursor_close(cur);
    }

    if (onestop_changelog_last_ts(st, txn, &last) == 0 && last > ms) {
        ms = last;
    }

    return ms < now ? ms : now;
}


int64_t
onestop_clock_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* SHA-256 fetched from libcrypto once, not at each digest (which took
 * half of a digest's time); kept for the process's life */

static EVP_MD          *sha256;
static pthread_once_t   sha256_once = PTHREAD_ONCE_INIT;


static void
sha256_fetch(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}


int
onestop_digest_next(const uint8_t *prev, uint64_t seq, const uint8_t *head,
    size_t hlen, const uint8_t *body, size_t blen, uint8_t *out)
{
    int            ok;
    uint8_t        be[8];
    unsigned       n;
    EVP_MD_CTX    *md;

    if (pthread_once(&sha256_once, sha256_fetch) != 0 || sha256 == NULL) {
        return -1;
    }

    md = EVP_MD_CTX_new();

    if (md == NULL) {
        return -1;
    }

    be64(be, seq);

    ok = EVP_DigestInit_ex2(md, sha256, NULL)
         && EVP_DigestUpdate(md, prev, ONESTOP_DIGEST_LEN)
         && EVP_DigestUpdate(md, be, 8)
         && EVP_DigestUpdate(md, head, hlen)
         && (blen == 0 || EVP_DigestUpdate(md, body, blen))
         && EVP_DigestFinal_ex(md, out, &n)
         && n == ONESTOP_DIGEST_LEN;

    EVP_MD_CTX_free(md);

    return ok ? 0 : -1;
}


size_t
onestop_change_head(int kind, const onestop_str_t *code, uint8_t *buf)
{
    size_t  n;

    n = code != NULL && code->len <= ONESTOP_CODE_MAX ? code->len : 0;

    buf[0] = ONESTOP_LOG_FORMAT;
    buf[1] = (uint8_t) kind;
    buf[2] = (uint8_t) n;

    if (n) {
        memcpy(buf + 3, code->data, n);
    }

    return 3 + n;
}


/* the oldest entries up to `last`, a bounded number per call (a bound
 * lowered over a large backlog is reached over the next writes) */

#define DROP_MAX  1000

static int
outbox_drop(onestop_store_t *st, MDB_txn *txn, uint64_t last)
{
    int          rc;
    size_t       n;
    MDB_val      k, v;
    MDB_cursor  *cur;

    rc = mdb_cursor_open(txn, st->outbox, &cur);
    if (rc != 0) {
        return rc;
    }

    n = 0;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < DROP_MAX;
         rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST))
    {
        if (k.mv_size != 8 || get_be64(k.mv_data) > last) {
            break;
        }

        rc = mdb_cursor_del(cur, 0);

        if (rc != 0) {
            break;
        }

        n++;
    }

    mdb_cursor_close(cur);

    return rc == MDB_NOTFOUND ? 0 : rc;
}


int
onestop_outbox_append(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    int kind, uint32_t agency, uint64_t version, const onestop_str_t *code,
    uint32_t old_agency, const uint8_t *body, size_t blen)
{
    int       rc;
    uint8_t   key[8], head[3 + ONESTOP_CODE_MAX], *p;
    size_t    n, hlen;
    MDB_val   k, v;

    hlen = onestop_change_head(kind, code, head);

    if (onestop_digest_next(c->digest, c->seq + 1, head, hlen, body, blen,
                            c->digest)
        != 0)
    {
        return ENOMEM;
    }

    c->seq++;
    be64(key, c->seq);

    /* the public feed names no dossier for an evaluation */
    n = kind != ONESTOP_CHANGE_EVALUATION ? hlen - 3 : 0;

    k.mv_data = key;
    k.mv_size = 8;
    v.mv_size = ONESTOP_OUTBOX_FIXED + n + ONESTOP_DIGEST_LEN + 8
                + (c->log ? hlen + blen : 0);

    rc = mdb_put(txn, st->outbox, &k, &v, MDB_APPEND | MDB_RESERVE);

    if (rc != 0) {
        return rc;
    }

    p = v.mv_data;
    p[0] = (uint8_t) kind;
    memcpy(p + 1, &agency, 4);
    memcpy(p + 5, &version, 8);
    p[13] = (uint8_t) n;
    memcpy(p + 14, head + 3, n);
    p += 14 + n;

    /* a dossier that moved: the agency it left, whose figures changed too */
    memcpy(p, &old_agency, 4);
    p += 4;
    memcpy(p, c->digest, ONESTOP_DIGEST_LEN);
    p += ONESTOP_DIGEST_LEN;
    memcpy(p, &c->ts, 8);
    p += 8;

    if (c->log) {
        memcpy(p, head, hlen);

        if (blen) {
            memcpy(p + hlen, body, blen);
        }
    }

    /* its public entry in the change log, in the same transaction */

    rc = onestop_changelog_append(st, txn, c, kind, agency, version, code,
                                  body, blen);

    if (rc != 0) {
        return rc;
    }

    /* bounded: drop the oldest past outbox_max (SPEC section 9), from
     * the front, so that what is kept stays one run of sequence numbers:
     * the publisher sends a gap only for what is missing before its
     * first entry, and a bound lowered over a backlog (a reload during
     * an outage) would otherwise punch a hole in the middle, lost
     * without a gap entry */

    if (c->seq > st->outbox_max) {
        rc = outbox_drop(st, txn, c->seq - st->outbox_max);
    }

    return rc;
}


int
onestop_outbox_entry(const MDB_val *k, const MDB_val *v,
    onestop_outbox_entry_t *e)
{
    size_t          n, rest;
    const uint8_t  *p;

    if (k->mv_size != 8 || v->mv_size < ONESTOP_OUTBOX_FIXED - 4) {
        return -1;
    }

    e->seq = get_be64(k->mv_data);
    p = v->mv_data;
    e->kind = p[0];
    memcpy(&e->agency, p + 1, 4);
    memcpy(&e->version, p + 5, 8);
    n = p[13];

    if (n > ONESTOP_CODE_MAX || v->mv_size < 14 + n) {
        return -1;
    }

    e->code.data = (const char *) p + 14;
    e->code.len = n;
    e->old_agency = 0;
    e->digest = NULL;
    e->ts = 0;
    e->data = NULL;
    e->data_len = 0;

    rest = v->mv_size - 14 - n;
    p += 14 + n;

    if (rest >= 4) {
        memcpy(&e->old_agency, p, 4);
        p += 4;
        rest -= 4;
    }

    if (rest >= ONESTOP_DIGEST_LEN + 8) {
        e->digest = p;
        memcpy(&e->ts, p + ONESTOP_DIGEST_LEN, 8);
        p += ONESTOP_DIGEST_LEN + 8;
        rest -= ONESTOP_DIGEST_LEN + 8;

        if (rest > 0) {
            e->data = p;
            e->data_len = rest;
        }
    }

    return 0;
}


int
onestop_store_role(onestop_store_t *st, MDB_txn *txn, int *role,
    char *prefix)
{
    int       rc;
    uint64_t  r;
    MDB_val   k, v;

    rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_ROLE, &r);

    if (rc != 0) {
        return rc;
    }

    *role = r == ONESTOP_ROLE_FOLLOWER ? ONESTOP_ROLE_FOLLOWER
                                       : ONESTOP_ROLE_PRIMARY;

    if (prefix == NULL) {
        return 0;
    }

    prefix[0] = '\0';

    if (*role != ONESTOP_ROLE_FOLLOWER) {
        return 0;
    }

    k.mv_data = (void *) ONESTOP_META_FOLLOWS;
    k.mv_size = strlen(ONESTOP_META_FOLLOWS);
    rc = mdb_get(txn, st->meta, &k, &v);

    if (rc == MDB_NOTFOUND) {
        return 0;
    }

    if (rc != 0) {
        return rc;
    }

    if (v.mv_size > ONESTOP_FOLLOWS_MAX) {
        return MDB_CORRUPTED;
    }

    memcpy(prefix, v.mv_data, v.mv_size);
    prefix[v.mv_size] = '\0';

    return 0;
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
    int                      rc;
    size_t                   n;
    uint8_t                  key[8];
    MDB_val                  k, v;
    MDB_cursor              *cur;
    onestop_outbox_entry_t   e;

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
        if (onestop_outbox_entry(&k, &v, &e) != 0) {
            continue;
        }

        out[n].seq = e.seq;
        out[n].kind = e.kind;
        out[n].agency = e.agency;
        out[n].version = e.version;
        out[n].code_len = e.code.len;
        memcpy(out[n].code, e.code.data, e.code.len);
        out[n].old_agency = e.old_agency;

        /* the change log's time and record, the same bytes as its entry
         * (the time alone when the log no longer holds it) */

        out[n].ts_len = e.ts ? onestop_changes_ts(e.ts, st->offset,
                                                  out[n].ts)
                             : 0;

        if (onestop_changelog_record(st, e.seq, &out[n].record,
                                     &out[n].record_len) != 0)
        {
            out[n].record = NULL;
            out[n].record_len = 0;
        }

        n++;
    }

    mdb_cursor_close(cur);

    return rc == 0 || rc == MDB_NOTFOUND ? (long) n : -1;
}
