/*
 * A follower's side of the log's transport (issue 14): XREAD's reply
 * copied into entries that outlive it, how much of a read makes whole
 * commits, and the replication metrics.
 * hiredis only parses here (its reply's tree); nothing talks to Redis.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "onestop_changes.h"
#include "onestop_replica.h"


/* "N-0" (or "N-M"): N; 0 when it is not an id */

static uint64_t
xread_id(const char *s, size_t len)
{
    size_t    i;
    uint64_t  v;

    v = 0;

    for (i = 0; i < len && s[i] != '-'; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10) {
            return 0;
        }

        v = v * 10 + (uint64_t) (s[i] - '0');
    }

    return i > 0 ? v : 0;
}


/* one entry, [id, [name, value, ...]]: its bytes' size, or -1 */

static long
xread_entry_size(const redisReply *m)
{
    size_t             i;
    long               size;
    const redisReply  *f;

    if (m->type != REDIS_REPLY_ARRAY || m->elements != 2
        || m->element[0]->type != REDIS_REPLY_STRING
        || xread_id(m->element[0]->str, m->element[0]->len) == 0)
    {
        return -1;
    }

    f = m->element[1];

    if (f->type != REDIS_REPLY_ARRAY || f->elements % 2
        || f->elements > 2 * ONESTOP_LOG_FIELDS)
    {
        return -1;
    }

    size = 0;

    for (i = 0; i < f->elements; i++) {
        if (f->element[i]->type != REDIS_REPLY_STRING) {
            return -1;
        }

        size += (long) f->element[i]->len;
    }

    return size;
}


long
onestop_replica_parse_xread(onestop_replica_batch_t *b,
    const struct redisReply *r)
{
    char                 *p;
    long                  size, n;
    size_t                i, k, total;
    const redisReply     *s, *list, *m, *f;
    onestop_log_entry_t  *e;

    b->n = 0;

    if (r->type == REDIS_REPLY_NIL) {
        return 0;
    }

    /* [[stream, [entry, ...]]] */

    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1) {
        return -1;
    }

    s = r->element[0];

    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2
        || s->element[1]->type != REDIS_REPLY_ARRAY)
    {
        return -1;
    }

    list = s->element[1];
    total = 0;

    for (i = 0; i < list->elements; i++) {
        size = xread_entry_size(list->element[i]);

        if (size < 0) {
            return -1;
        }

        total += (size_t) size;
    }

    if (list->elements > b->cap) {
        e = realloc(b->e, list->elements * sizeof(onestop_log_entry_t));
        if (e == NULL) {
            return -2;
        }

        b->e = e;
        b->cap = list->elements;
    }

    if (total > b->size || b->bytes == NULL) {
        p = realloc(b->bytes, total + 1);
        if (p == NULL) {
            return -2;
        }

        b->bytes = p;
        b->size = total + 1;
    }

    p = b->bytes;

    for (i = 0; i < list->elements; i++) {
        m = list->element[i];
        f = m->element[1];
        e = &b->e[i];

        memset(e, 0, offsetof(onestop_log_entry_t, seq_text));
        e->seq = xread_id(m->element[0]->str, m->element[0]->len);
        e->nfields = f->elements / 2;

        for (k = 0; k < e->nfields; k++) {
            e->field[k].name = p;
            e->field[k].name_len = f->element[2 * k]->len;
            memcpy(p, f->element[2 * k]->str, e->field[k].name_len);
            p += e->field[k].name_len;

            e->field[k].value = p;
            e->field[k].value_len = f->element[2 * k + 1]->len;
            memcpy(p, f->element[2 * k + 1]->str, e->field[k].value_len);
            p += e->field[k].value_len;
        }

        b->last = e->seq;
    }

    n = (long) list->elements;
    b->n = (size_t) n;

    return n;
}


/* a decimal field of an entry: 0; -1 when it is missing or not a number */

static int
entry_u64(const onestop_log_entry_t *e, const char *name, uint64_t *v)
{
    size_t  i, k, len;

    len = strlen(name);

    for (k = 0; k < e->nfields && k < ONESTOP_LOG_FIELDS; k++) {
        if (e->field[k].name_len != len
            || memcmp(e->field[k].name, name, len) != 0)
        {
            continue;
        }

        if (e->field[k].value_len == 0 || e->field[k].value_len > 19) {
            return -1;
        }

        *v = 0;

        for (i = 0; i < e->field[k].value_len; i++) {
            if (e->field[k].value[i] < '0' || e->field[k].value[i] > '9') {
                return -1;
            }

            *v = *v * 10 + (uint64_t) (e->field[k].value[i] - '0');
        }

        return 0;
    }

    return -1;
}


/*
 * A read of the log ends where the read did, which may be inside one of
 * the primary's commits (its publisher sends rounds of at most
 * ONESTOP_PUBLISH_ROUND XADDs, a follower reads a count): applied as it
 * is, a follower would show part of a batch that the primary stored
 * whole.  Each entry says where a commit ends ("upto"); the entries up to
 * the last such end are applied, the rest read again.
 */

size_t
onestop_replica_whole(const onestop_log_entry_t *e, size_t n, int full)
{
    int       rc;
    size_t    i, k;
    uint64_t  seq, last, upto, end;

    if (n == 0) {
        return 0;
    }

    last = e[n - 1].seq;

    if (last == 0 && entry_u64(&e[n - 1], "seq", &last) != 0) {
        return n;               /* entry_parse says what is wrong */
    }

    end = 0;

    for (i = 0; i < n; i++) {
        seq = e[i].seq;

        if (seq == 0 && entry_u64(&e[i], "seq", &seq) != 0) {
            return i + 1;       /* applied up to it, which is refused */
        }

        rc = entry_u64(&e[i], "upto", &upto);

        if (rc != 0 || upto < seq) {
            upto = seq;         /* a gap, an older primary's: its own end */
        }

        if (upto <= last && upto > end) {
            end = upto;
        }
    }

    if (end == 0) {
        return full ? n : 0;
    }

    for (k = 0; k < n; k++) {
        seq = e[k].seq;

        if (seq == 0) {
            (void) entry_u64(&e[k], "seq", &seq);
        }

        if (seq > end) {
            break;
        }
    }

    return k;
}


void
onestop_replica_batch_free(onestop_replica_batch_t *b)
{
    free(b->e);
    free(b->bytes);
    memset(b, 0, sizeof(onestop_replica_batch_t));
}


int
onestop_follow_done(onestop_follow_share_t *f, int rc,
    const onestop_replica_result_t *res, int64_t now_ms, char *msg,
    size_t len)
{
    int64_t   lag;
    uint64_t  state;

    if (rc != ONESTOP_OK && rc != ONESTOP_REPLICA_BEHIND
        && rc != ONESTOP_REPLICA_DIVERGED)
    {
        if (f->said_at != 0
            && (uint64_t) now_ms < f->said_at + ONESTOP_FOLLOW_SAY_MS)
        {
            f->unsaid++;                  /* said a moment ago */
            msg[0] = '\0';
            return -1;
        }

        if (f->unsaid) {
            snprintf(msg, len, "could not apply the log: %s (%" PRIu64
                     " times more since it was last said)", res->message,
                     f->unsaid);
        } else {
            snprintf(msg, len, "could not apply the log: %s", res->message);
        }

        f->said_at = (uint64_t) (now_ms > 0 ? now_ms : 1);
        f->unsaid = 0;
        return -1;
    }

    f->said_at = 0;                       /* the next failure is news */
    f->unsaid = 0;

    __atomic_store_n(&f->applied, res->seq, __ATOMIC_RELEASE);

    if (res->ts > 0) {
        lag = now_ms - res->ts;
        __atomic_store_n(&f->lag_ms, (uint64_t) (lag > 0 ? lag : 0),
                         __ATOMIC_RELEASE);
    }

    if (rc == ONESTOP_OK) {
        state = ONESTOP_FOLLOW_FOLLOWING;
        msg[0] = '\0';

    } else if (rc == ONESTOP_REPLICA_BEHIND) {
        state = ONESTOP_FOLLOW_BEHIND;
        snprintf(msg, len, "the log no longer holds change %" PRIu64 " (the "
                 "store is at %" PRIu64 "): this node keeps serving what it "
                 "has but cannot follow; seed its store again from a fresh "
                 "\"onestop backup\" of the primary and restart it (%s)",
                 res->missing, res->seq, res->message);

    } else {
        state = ONESTOP_FOLLOW_DIVERGED;
        snprintf(msg, len, "the store DIVERGED from the primary's log at "
                 "change %" PRIu64 "; applying stopped: %s", res->bad,
                 res->message);
    }

    __atomic_store_n(&f->state, state, __ATOMIC_RELEASE);

    return rc == ONESTOP_OK ? 0 : (int) state;
}


/* the change log's entry `top` against the stream's entry fv: its kind,
 * its commit time (the log's in ms, the stream's to the second) and a
 * dossier's record */
int
onestop_replica_entry_differs(onestop_store_t *st, const redisReply *fv,
    int log, uint64_t top)
{
    size_t             rec_len;
    int64_t            ms, v;
    const char        *rec, *p;
    onestop_ts_t       a;
    onestop_str_t      kind;
    const redisReply  *x;

    if (onestop_changelog_entry(st, top, &ms, &kind, &rec, &rec_len) != 0) {
        return 0;                       /* not kept: nothing to compare */
    }

    x = onestop_redis_field(fv, "kind");
    if (x != NULL && kind.data != NULL && !(x->len == kind.len && memcmp(x->str, kind.data, kind.len) == 0)) {
        return 1;
    }

    x = onestop_redis_field(fv, "ts");

    if (log) {
        if (x == NULL) {
            return 0;                   /* the log's entries carry it */
        }

        for (v = 0, p = x->str; p < x->str + x->len; p++) {
            if (*p < '0' || *p > '9' || v > INT64_MAX / 10 - 10) {
                return 0;
            }

            v = v * 10 + (*p - '0');
        }

        return v != ms;
    }

    if (x != NULL && ms >= 0 && onestop_ts_parse(x->str, x->len, 0, &a) == 0
        && a.sec != ms / 1000)
    {
        return 1;
    }

    x = onestop_redis_field(fv, "record");
    return x != NULL && rec != NULL && !(x->len == rec_len && memcmp(x->str, rec, rec_len) == 0);
}


/* the value of field `name` of the entry [id, [field, value, ...]] */
static const redisReply *
top_field(const redisReply *e, const char *name)
{
    const redisReply  *fv;

    fv = e->elements > 1 ? e->element[1] : NULL;

    if (fv == NULL || fv->type != REDIS_REPLY_ARRAY) {
        return NULL;
    }

    return onestop_redis_field(fv, name);
}


const struct redisReply *
onestop_redis_field(const struct redisReply *fv, const char *name)
{
    size_t  i, len;

    len = strlen(name);

    for (i = 0; i + 1 < fv->elements; i += 2) {
        if (fv->element[i]->type == REDIS_REPLY_STRING
            && fv->element[i]->len == len
            && memcmp(fv->element[i]->str, name, len) == 0
            && fv->element[i + 1]->type == REDIS_REPLY_STRING)
        {
            return fv->element[i + 1];
        }
    }

    return NULL;
}


int
onestop_replica_top(onestop_store_t *st, const redisReply *r,
    onestop_replica_result_t *res)
{
    uint64_t           top, seq;
    const redisReply  *e, *x;

    memset(res, 0, sizeof(onestop_replica_result_t));
    seq = onestop_store_seq(st);
    res->seq = seq;

    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
        return ONESTOP_OK;              /* an empty log, or an error */
    }

    e = r->element[0];

    if (e->type != REDIS_REPLY_ARRAY || e->elements < 1
        || e->element[0]->type != REDIS_REPLY_STRING)
    {
        return ONESTOP_OK;
    }

    top = xread_id(e->element[0]->str, e->element[0]->len);

    /* at or past the store: the reads and the digests see to it */

    if (top == 0 || top >= seq) {
        return ONESTOP_OK;
    }

    x = top_field(e, "kind");

    if (x == NULL || (x->len == 3 && memcmp(x->str, "gap", 3) == 0)
        || e->element[1]->type != REDIS_REPLY_ARRAY
        || !onestop_replica_entry_differs(st, e->element[1], 1, top))
    {
        /* nothing to compare, or the same change: Redis lost the
         * entries after it */
        return ONESTOP_OK;
    }


    res->bad = top;
    snprintf(res->message, sizeof(res->message), "the log ends at change %"
             PRIu64 ", which is not this store's change %" PRIu64 " (it is "
             "at %" PRIu64 "): the primary was restored from an older "
             "backup; seed this store again from a fresh backup of the "
             "primary", top, top, seq);

    return ONESTOP_REPLICA_DIVERGED;
}


void
onestop_replica_metrics(const onestop_follow_share_t *f, uint64_t log_seq,
    onestop_buf_t *b)
{
    uint64_t   state, lag, i;

    static const char  *states[] = { "following", "behind", "diverged" };

    onestop_buf_printf(b,
        "# HELP onestop_log_seq The last sequence of the replication log "
        "(primary: published to it; follower: read from it).\n"
        "# TYPE onestop_log_seq gauge\n"
        "onestop_log_seq %" PRIu64 "\n", log_seq);

    if (f == NULL) {
        return;
    }

    state = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
    lag = __atomic_load_n(&f->lag_ms, __ATOMIC_ACQUIRE);

    onestop_buf_printf(b,
        "# HELP onestop_replica_applied_seq The last sequence this "
        "follower's store applied.\n"
        "# TYPE onestop_replica_applied_seq gauge\n"
        "onestop_replica_applied_seq %" PRIu64 "\n"
        "# HELP onestop_replica_lag_seconds From the primary's commit to "
        "this follower's, for the last batch (0: caught up).\n"
        "# TYPE onestop_replica_lag_seconds gauge\n"
        "onestop_replica_lag_seconds %" PRIu64 ".%03" PRIu64 "\n"
        "# HELP onestop_replica_state The follower's state.\n"
        "# TYPE onestop_replica_state gauge\n",
        __atomic_load_n(&f->applied, __ATOMIC_ACQUIRE),
        lag / 1000, lag % 1000);

    for (i = 0; i < 3; i++) {
        onestop_buf_printf(b, "onestop_replica_state{state=\"%s\"} %d\n",
                           states[i], i == state);
    }
}
