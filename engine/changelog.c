/*
 * The change log (see onestop_changes.h): each change's public entry,
 * rendered once in the write transaction that commits it and kept for
 * onestop_changelog_days days in the changelog database
 * (lmdb-schema/README.md), then read a page at a time for HTTP and by
 * the Redis publisher for {prefix}:changes.
 *
 * The one idea: an entry is written with its change, by the code every
 * writer runs (outbox.c's append, the primary's and a follower's alike),
 * from the bytes the change stores and the catalog of that transaction,
 * with the day of its commit time as "today" (so that a follower, which
 * keeps its primary's commit times, writes the same bytes).  Nothing is
 * rendered again later: the HTTP log, the SSE stream and the Redis
 * stream all copy these bytes.
 *
 * Calls json.c (the lookup's renderer), record.c, date.c, args.c and
 * store.c's meta.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_changes.h"
#include "onestop_date.h"
#include "onestop_store_int.h"


/* the value: format, commit time (ms), where the record is in the JSON */
#define CL_FORMAT      1
#define CL_HEAD        17              /* u8, i64, u32 offset, u32 length */

/* at most this many entries dropped by one commit */
#define CL_TRIM_MAX    10000


static const char  *cl_kinds[] = {
    "unknown", "dossier", "delete", "catalog", "evaluation", "gap",
    "feedback"
};


size_t
onestop_changes_ts(int64_t ms, int32_t offset, char *buf)
{
    onestop_ts_t  ts;

    ts.sec = ms >= 0 ? ms / 1000 : -((999 - ms) / 1000);
    ts.set = 1;
    ts.date_only = 0;

    return onestop_ts_format(&ts, offset, buf);
}


const char *
onestop_changes_kind(int kind)
{
    return cl_kinds[kind >= 0 && kind <= ONESTOP_CHANGE_FEEDBACK ? kind : 0];
}


static void
cl_agency(const onestop_catalog_t *cat, uint32_t agency, onestop_str_t *id)
{
    if (agency == 0) {
        id->data = "province";
        id->len = 8;

    } else if (cat != NULL && agency <= cat->nagencies
               && cat->agencies[agency].id.len)
    {
        *id = cat->agencies[agency].id;

    } else {
        id->data = "unknown";
        id->len = 7;
    }
}


int
onestop_changelog_append(onestop_store_t *st, MDB_txn *txn,
    const onestop_chain_t *c, int kind, uint32_t agency, uint64_t version,
    const onestop_str_t *code, const uint8_t *body, size_t blen)
{
    int                   rc;
    char                  ts[ONESTOP_TS_LEN];
    size_t                len, rec_off, rec_end;
    uint8_t               key[8], *p;
    uint32_t              u;
    onestop_buf_t        *b;
    MDB_val               k, v;
    onestop_str_t         id;
    onestop_record_t      r;

    if (st->changelog_days == 0 || !st->has_changelog) {
        return 0;
    }

    /* the same bytes as yajl_gen would write: the members are literals,
     * the values escaped by onestop_json_str */

    b = &st->cbuf;
    b->len = 0;
    b->failed = 0;

    cl_agency(st->wcat, agency, &id);

    onestop_buf_lit(b, "{\"seq\":");
    onestop_json_int(b, (int64_t) c->seq);
    onestop_buf_lit(b, ",\"kind\":");
    onestop_json_str(b, onestop_changes_kind(kind),
                     strlen(onestop_changes_kind(kind)));
    onestop_buf_lit(b, ",\"agency\":");
    onestop_json_str(b, id.data, id.len);

    /* a dossier's code and version; no code for an evaluation or a
     * question: the public feed names no evaluated dossier */

    if ((kind == ONESTOP_CHANGE_DOSSIER || kind == ONESTOP_CHANGE_DELETE)
        && code != NULL && code->len)
    {
        onestop_buf_lit(b, ",\"code\":");
        onestop_json_str(b, code->data, code->len);
        onestop_buf_lit(b, ",\"version\":");
        onestop_json_int(b, (int64_t) version);
    }

    onestop_buf_lit(b, ",\"ts\":");
    onestop_json_str(b, ts, onestop_changes_ts(c->ts, st->offset, ts));

    rec_off = 0;
    rec_end = 0;

    if (kind == ONESTOP_CHANGE_DOSSIER && code != NULL
        && onestop_record_decode(body, blen, &r) == 0 && !r.tombstone)
    {
        r.code = *code;
        onestop_buf_lit(b, ",\"record\":");
        rec_off = b->len;
        onestop_lookup_render(b, &r, st->wcat, st->offset,
                              onestop_sec_day(c->ts / 1000, st->offset), 0);
        rec_end = b->len;
    }

    onestop_buf_lit(b, "}");

    if (b->failed) {
        return ENOMEM;
    }

    len = b->len;

    be64(key, c->seq);
    k.mv_data = key;
    k.mv_size = 8;
    v.mv_size = CL_HEAD + len;

    rc = mdb_put(txn, st->changelog, &k, &v, MDB_APPEND | MDB_RESERVE);

    if (rc == MDB_KEYEXIST) {
        /* a store whose log holds later entries (restored): in place */
        rc = mdb_put(txn, st->changelog, &k, &v, MDB_RESERVE);
    }

    if (rc != 0) {
        return rc;
    }

    p = v.mv_data;
    p[0] = CL_FORMAT;
    memcpy(p + 1, &c->ts, 8);
    u = (uint32_t) rec_off;
    memcpy(p + 9, &u, 4);
    u = (uint32_t) (rec_end - rec_off);
    memcpy(p + 13, &u, 4);
    memcpy(p + CL_HEAD, b->data, len);

    return 0;
}


int
onestop_changelog_last_ts(onestop_store_t *st, MDB_txn *txn, int64_t *ts)
{
    int          rc;
    MDB_val      k, v;
    MDB_cursor  *cur;

    if (!st->has_changelog || mdb_cursor_open(txn, st->changelog, &cur) != 0)
    {
        return -1;
    }

    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);

    if (rc == 0 && v.mv_size >= CL_HEAD) {
        memcpy(ts, (uint8_t *) v.mv_data + 1, 8);

    } else {
        rc = -1;
    }

    mdb_cursor_close(cur);

    return rc == 0 ? 0 : -1;
}


int
onestop_changelog_trim(onestop_store_t *st, MDB_txn *txn, int *changed)
{
    int          rc;
    size_t       n;
    int64_t      ts, cutoff;
    MDB_val      k, v;
    MDB_cursor  *cur;

    *changed = 0;

    if (!st->has_changelog) {
        return 0;
    }

    /* no log kept (onestop_changelog_days 0): what it held goes at once.
     * A few thousand a commit would leave its oldest entries behind the
     * changes committed meanwhile, which it does not hold, for a log
     * kept again later: a hole its readers would be sent back to at each
     * "start again from oldest" (410 gone, for ever) */

    if (st->changelog_days == 0) {
        MDB_stat  ms;

        rc = mdb_stat(txn, st->changelog, &ms);

        if (rc != 0 || ms.ms_entries == 0) {
            return rc;
        }

        rc = mdb_drop(txn, st->changelog, 0);
        *changed = rc == 0;

        return rc;
    }

    /* "now" as the tests may set it (ONESTOP_TODAY) */

    cutoff = (onestop_now(st->offset)
              - (int64_t) st->changelog_days * 86400) * 1000;

    rc = mdb_cursor_open(txn, st->changelog, &cur);
    if (rc != 0) {
        return rc;
    }

    n = 0;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
         rc == 0 && n < CL_TRIM_MAX;
         rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST))
    {
        if (v.mv_size >= CL_HEAD) {
            memcpy(&ts, (uint8_t *) v.mv_data + 1, 8);

            if (ts >= cutoff) {
                break;
            }
        }

        rc = mdb_cursor_del(cur, 0);

        if (rc != 0) {
            break;
        }

        n++;
    }

    mdb_cursor_close(cur);

    *changed = n > 0;

    return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc;
}


/* the change log's value of change seq, read in the reader's snapshot */
static int
cl_get(onestop_store_t *st, uint64_t seq, MDB_val *v)
{
    uint8_t  key[8];
    MDB_val  k;

    if (!st->reading || !st->has_changelog) {
        return -1;
    }

    be64(key, seq);
    k.mv_data = key;
    k.mv_size = 8;

    if (mdb_get(st->rtxn, st->changelog, &k, v) != 0 || v->mv_size < CL_HEAD)
    {
        return -1;
    }

    return 0;
}


int
onestop_changelog_record(onestop_store_t *st, uint64_t seq,
    const char **rec, size_t *len)
{
    uint32_t   off, n;
    MDB_val    v;

    *rec = NULL;
    *len = 0;

    if (cl_get(st, seq, &v) != 0) {
        return -1;
    }

    memcpy(&off, (uint8_t *) v.mv_data + 9, 4);
    memcpy(&n, (uint8_t *) v.mv_data + 13, 4);

    if (n == 0 || (uint64_t) off + n > v.mv_size - CL_HEAD) {
        return 0;
    }

    *rec = (const char *) v.mv_data + CL_HEAD + off;
    *len = n;

    return 0;
}


int
onestop_changelog_entry(onestop_store_t *st, uint64_t seq, int64_t *ts,
    onestop_str_t *kind, const char **rec, size_t *rec_len)
{
    size_t          len;
    MDB_val         v;
    const char     *p, *end;

    if (cl_get(st, seq, &v) != 0 || ((uint8_t *) v.mv_data)[0] != CL_FORMAT) {
        return -1;
    }

    memcpy(ts, (uint8_t *) v.mv_data + 1, 8);

    /* {"seq":N,"kind":"K",...: the kinds are literals, never escaped */

    p = (const char *) v.mv_data + CL_HEAD;
    end = p + (v.mv_size - CL_HEAD);
    kind->data = NULL;
    kind->len = 0;

    for (len = 9; p + len < end; p++) {
        if (memcmp(p, ",\"kind\":\"", len) == 0) {
            kind->data = p + len;

            for (p += len; p < end && *p != '"'; p++) { /* void */ }

            kind->len = (size_t) (p - kind->data);
            break;
        }
    }

    return onestop_changelog_record(st, seq, rec, rec_len) == 0 ? 0 : -1;
}


unsigned
onestop_changes_days(const onestop_store_t *st)
{
    return st->has_changelog ? st->changelog_days : 0;
}


/* the queries */

static int
cl_number(const onestop_str_t *v, uint64_t *out)
{
    size_t    i;
    uint64_t  n;

    if (v->len == 0 || v->len > 19) {
        return -1;
    }

    n = 0;

    for (i = 0; i < v->len; i++) {
        if (v->data[i] < '0' || v->data[i] > '9') {
            return -1;
        }

        n = n * 10 + (uint64_t) (v->data[i] - '0');
    }

    *out = n;
    return 0;
}


int
onestop_changes_query(onestop_changes_query_t *q, const onestop_arg_t *args,
    size_t n)
{
    uint64_t              v;
    const onestop_arg_t  *a;
    char                  shown[ONESTOP_ARGS_SHOWN];

    static const char  *const names[] = { "after", "limit", NULL };

    memset(q, 0, sizeof(onestop_changes_query_t));
    q->limit = ONESTOP_CHANGES_LIMIT;

    if (onestop_args_once(args, n, names, q->error, sizeof(q->error)) != 0) {
        return -1;
    }

    a = onestop_args_find(args, n, "after");

    if (a != NULL) {
        if (cl_number(&a->value, &q->after) != 0
            || q->after > (uint64_t) INT64_MAX)
        {
            snprintf(q->error, sizeof(q->error), "after must be a sequence "
                     "number (0 or more), not \"%s\"",
                     onestop_args_quote(&a->value, shown));
            return -1;
        }

        q->has_after = 1;
    }

    a = onestop_args_find(args, n, "limit");

    if (a != NULL) {
        if (cl_number(&a->value, &v) != 0 || v < 1
            || v > ONESTOP_CHANGES_LIMIT_MAX)
        {
            snprintf(q->error, sizeof(q->error), "limit must be a whole "
                     "number from 1 to %d, not \"%s\"",
                     ONESTOP_CHANGES_LIMIT_MAX,
                     onestop_args_quote(&a->value, shown));
            return -1;
        }

        q->limit = (unsigned) v;
    }

    return 0;
}


int
onestop_changes_event_id(const char *s, size_t len, uint64_t *after)
{
    onestop_str_t  v;

    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }

    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }

    v.data = s;
    v.len = len;

    return cl_number(&v, after) == 0 && *after <= (uint64_t) INT64_MAX
           ? 0 : -1;
}


/* the reads */

static void
cl_gone(onestop_changes_result_t *res, uint64_t after)
{
    snprintf(res->message, sizeof(res->message),
             "the change log no longer holds the changes after %llu (it "
             "keeps them from %llu on): read every dossier again (the "
             "lookup or the sending system), then follow from \"oldest\"",
             (unsigned long long) after, (unsigned long long) res->oldest);
}


/* the store is a primary (or was never made a follower), as its meta
 * says in the reader's snapshot */
static int
cl_primary(onestop_store_t *st)
{
    uint64_t  role;

    return onestop_meta_get_u64(st->rtxn, st->meta, ONESTOP_META_ROLE, &role)
           != 0 || role != ONESTOP_ROLE_FOLLOWER;
}


int
onestop_changes_read(onestop_store_t *st, uint64_t after, size_t limit,
    int format, onestop_buf_t *out, onestop_changes_result_t *res)
{
    int          rc;
    char         num[24];
    size_t       n;
    uint8_t      key[8];
    uint64_t     seq, expect;
    MDB_val      k, v;
    MDB_cursor  *cur;

    memset(res, 0, sizeof(onestop_changes_result_t));
    res->next = after;

    if (!st->reading) {
        snprintf(res->message, sizeof(res->message),
                 "the store is not being read");
        return 500;
    }

    if (!st->has_changelog || st->changelog_days == 0) {
        snprintf(res->message, sizeof(res->message), "this server keeps no "
                 "change log (onestop_changelog_days 0)");
        return 404;
    }

    rc = onestop_meta_get_u64(st->rtxn, st->meta, ONESTOP_META_OUTBOX_SEQ,
                              &res->seq);

    if (rc == 0) {
        rc = mdb_cursor_open(st->rtxn, st->changelog, &cur);
    }

    if (rc != 0) {
        snprintf(res->message, sizeof(res->message), "%s", mdb_strerror(rc));
        return 500;
    }

    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    res->oldest = rc == 0 && k.mv_size == 8 ? get_be64(k.mv_data)
                                            : res->seq + 1;

    if (after == ONESTOP_CHANGES_OLDEST) {
        after = res->oldest - 1;

    } else if (after == ONESTOP_CHANGES_LATEST) {
        after = res->seq;

    } else if (after > res->seq && cl_primary(st)) {

        /* a reader past every change of a primary saw changes it no
         * longer has: it was restored from an older backup, and its next
         * changes take those numbers again, which the reader would skip
         * (a follower may only be behind its primary: it waits) */

        mdb_cursor_close(cur);
        snprintf(res->message, sizeof(res->message),
                 "the change log ends at %llu, before %llu: this server's "
                 "store was restored from an older backup: read every "
                 "dossier again (the lookup or the sending system), then "
                 "follow from \"oldest\"", (unsigned long long) res->seq,
                 (unsigned long long) after);
        return 410;
    }

    res->next = after;

    if (format == ONESTOP_CHANGES_JSON) {
        onestop_buf_adds(out, "{\"entries\":[");
    }

    be64(key, after + 1);
    k.mv_data = key;
    k.mv_size = 8;
    expect = after + 1;
    n = 0;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && n < limit;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    {
        if (k.mv_size != 8 || v.mv_size < CL_HEAD) {
            mdb_cursor_close(cur);
            snprintf(res->message, sizeof(res->message),
                     "the entry after change %llu is damaged: restore the "
                     "store from a backup", (unsigned long long) (expect - 1));
            return 500;
        }

        seq = get_be64(k.mv_data);

        if (seq != expect) {
            break;                      /* a change the log does not hold */
        }

        if (format == ONESTOP_CHANGES_SSE) {
            onestop_buf_printf(out, "id: %llu\ndata: ",
                               (unsigned long long) seq);
        } else if (n > 0) {
            onestop_buf_add(out, ",", 1);
        }

        onestop_buf_add(out, (uint8_t *) v.mv_data + CL_HEAD,
                        v.mv_size - CL_HEAD);

        if (format == ONESTOP_CHANGES_SSE) {
            onestop_buf_add(out, "\n\n", 2);
        }

        expect++;
        n++;
    }

    mdb_cursor_close(cur);

    if (rc != 0 && rc != MDB_NOTFOUND) {
        snprintf(res->message, sizeof(res->message), "%s", mdb_strerror(rc));
        return 500;
    }

    /* nothing after `after` although the store has committed more: gone */

    if (n == 0 && after < res->seq) {
        cl_gone(res, after);
        return 410;
    }

    res->n = n;
    res->next = after + n;

    if (format == ONESTOP_CHANGES_JSON) {
        onestop_buf_add(out, "],\"next\":", 9);
        onestop_buf_add(out, num, (size_t) sprintf(num, "%llu",
                                      (unsigned long long) res->next));
        onestop_buf_add(out, ",\"oldest\":", 10);
        onestop_buf_add(out, num, (size_t) sprintf(num, "%llu",
                                      (unsigned long long) res->oldest));
        onestop_buf_add(out, "}", 1);
    }

    if (out->failed) {
        snprintf(res->message, sizeof(res->message), "out of memory");
        return 500;
    }

    return 200;
}
