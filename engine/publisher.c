/*
 * The publisher's decisions (onestop_publisher.h): a round is what the
 * outbox holds past what Redis acknowledged, as MULTI, XADDs with the
 * explicit ids {seq}-0 and EXEC.  The explicit ids make the feed exact:
 * a replay after a crash, a reload or a lost reply is refused by Redis as
 * a duplicate, which counts as acknowledged, so nothing is lost and
 * nothing is doubled; MULTI makes a refusal (LOADING, OOM, NOAUTH) refuse
 * the whole round, so no entry is ever skipped.  Only what Redis
 * acknowledged is handed back, to be trimmed from the outbox.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "onestop_changes.h"
#include "onestop_date.h"
#include "onestop_publisher.h"


int
onestop_publish_init(onestop_publish_t *p, int log)
{
    memset(p, 0, sizeof(onestop_publish_t));

    p->changes = malloc(ONESTOP_PUBLISH_ROUND * sizeof(onestop_change_t));

    if (log) {
        p->entries = malloc(ONESTOP_PUBLISH_ROUND
                            * sizeof(onestop_log_entry_t));
    }

    return p->changes != NULL && (!log || p->entries != NULL) ? 0 : -1;
}


void
onestop_publish_free(onestop_publish_t *p)
{
    onestop_resp_free(&p->cmds);
    free(p->changes);
    free(p->entries);
    p->changes = NULL;
    p->entries = NULL;
}


void
onestop_publish_today(onestop_publish_t *p, onestop_feed_t *f,
    onestop_day_t today)
{
    if (today == p->today) {
        return;
    }

    if (p->today != 0) {
        f->all = 1;
    }

    p->today = today;
}


int
onestop_publish_round(onestop_publish_t *p, onestop_feed_t *f,
    onestop_store_t *st, uint64_t acked, uint64_t seq)
{
    int   rc;
    long  n;

    n = onestop_store_outbox_read(st, acked, p->changes,
                                  ONESTOP_PUBLISH_ROUND);
    if (n < 0) {
        return -1;
    }

    onestop_resp_clear(&p->cmds);
    rc = onestop_feed_round(f, &p->cmds, onestop_store_catalog(st),
                            p->changes, (size_t) n, acked, seq, &p->gap);

    /* log=on: the same changes to {prefix}:log, before the EXEC */

    p->log_from = p->cmds.n;

    if (rc == 0 && p->entries != NULL) {
        p->log_from = p->cmds.n - 1;
        n = onestop_replica_log(st, acked, p->entries, ONESTOP_PUBLISH_ROUND);
        rc = n < 0 ? -1 : onestop_feed_log(f, &p->cmds, p->entries,
                                           (size_t) n);
    }

    return rc == 0 ? 0 : -2;
}


void
onestop_publish_ack(const onestop_publish_t *p, const redisReply *r,
    uint64_t acked, onestop_publish_ack_t *a)
{
    size_t             i;
    uint64_t           logged;
    const redisReply  *e;

    memset(a, 0, sizeof(onestop_publish_ack_t));
    a->acked = acked;
    a->ok = 1;

    /* the XADDs between MULTI and EXEC, each tagged with its seq */

    if (r->type != REDIS_REPLY_ARRAY || r->elements + 2 != p->cmds.n) {
        a->error = r;
        a->ok = 0;
        return;
    }

    logged = p->entries != NULL ? acked : UINT64_MAX;

    for (i = 0; i < r->elements; i++) {
        e = r->element[i];

        if (!a->ok) {
            a->later |= (e->type != REDIS_REPLY_ERROR);
            continue;
        }

        if (e->type == REDIS_REPLY_ERROR
            && (e->str == NULL
                || !onestop_feed_duplicate(e->str, (size_t) e->len)))
        {
            a->error = e;
            a->ok = 0;
            continue;
        }

        /* stored, or stored before (a replay): acknowledged */

        if (i + 1 >= p->log_from) {
            logged = p->cmds.tag[i + 1];
            continue;
        }

        a->acked = p->cmds.tag[i + 1];

        if (!(i == 0 && p->gap)) {
            a->changes++;
        }
    }

    /* log=on: both streams have everything up to the lower */

    if (logged < a->acked) {
        a->acked = logged;
    }

    a->more = r->elements >= ONESTOP_PUBLISH_ROUND;
}


/* the last entry's change in XREVRANGE's reply [[id, [field, ...]]], its
 * id "{seq}-0": 1, or 0 when the stream is empty or the reply not one */
static int
stream_top(const redisReply *r, uint64_t *top)
{
    const char        *p, *end;
    const redisReply  *e;

    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
        return 0;
    }

    e = r->element[0];

    if (e->type != REDIS_REPLY_ARRAY || e->elements < 1
        || e->element[0]->type != REDIS_REPLY_STRING)
    {
        return 0;
    }

    p = e->element[0]->str;
    end = p + e->element[0]->len;
    *top = 0;

    while (p < end && *p >= '0' && *p <= '9' && *top < UINT64_MAX / 10) {
        *top = *top * 10 + (uint64_t) (*p++ - '0');
    }

    return 1;
}


int
onestop_publish_lost(const redisReply *r, uint64_t acked)
{
    uint64_t  top;

    if (acked == 0 || r->type != REDIS_REPLY_ARRAY) {
        /* nothing acknowledged yet; or an error, which the round meets */
        return 0;
    }

    if (r->elements == 0) {
        return 1;
    }

    return stream_top(r, &top) && top < acked;
}


static int
field_is(const redisReply *v, const char *p, size_t len)
{
    return v->len == len && memcmp(v->str, p, len) == 0;
}


/*
 * 1 when the stream's last entry (XREVRANGE's reply), change `top`, is
 * not the store's change `top`: a store restored from an older backup
 * that has committed other changes under the numbers since.  From the
 * outbox while it holds the change: on the log, the running digest, which
 * says it for the whole history up to `top`; on the changes stream, what
 * the entry says of the change (its kind, code, version, commit time and
 * record).  Else from the change log (onestop_changelog_days), which the
 * store keeps whether or not it publishes.  0 when they agree, when the
 * store no longer has the change, or when the entry stands for a gap:
 * nothing to compare.
 */
static int
top_differs(onestop_store_t *st, const redisReply *r, int log, uint64_t top)
{
    long                  n;
    char                  v[24];
    size_t                k;
    onestop_ts_t          a, b;
    onestop_change_t      ch;
    onestop_log_entry_t   e;
    const redisReply     *fv, *x;

    fv = r->element[0]->elements > 1 ? r->element[0]->element[1] : NULL;

    if (fv == NULL || fv->type != REDIS_REPLY_ARRAY) {
        return 0;
    }

    x = onestop_redis_field(fv, "kind");

    if (x == NULL || field_is(x, "gap", 3)) {
        return 0;
    }

    n = onestop_store_outbox_read(st, top - 1, &ch, 1);

    if (n != 1 || ch.seq != top) {
        return onestop_replica_entry_differs(st, fv, log, top);
    }

    if (log) {
        n = onestop_replica_log(st, top - 1, &e, 1);

        if (n != 1 || e.seq != top) {
            return 0;
        }

        for (k = 0; k < e.nfields; k++) {
            if (e.field[k].name_len == 6
                && memcmp(e.field[k].name, "digest", 6) == 0)
            {
                x = onestop_redis_field(fv, "digest");
                return x != NULL
                       && !field_is(x, e.field[k].value, e.field[k].value_len);
            }
        }

        /* kept without its bytes (the store did not log then) */
        return onestop_replica_entry_differs(st, fv, log, top);
    }

    if (!field_is(x, onestop_feed_kind(ch.kind),
                  strlen(onestop_feed_kind(ch.kind))))
    {
        return 1;
    }

    x = onestop_redis_field(fv, "code");
    if (x != NULL && !field_is(x, ch.code, ch.code_len)) {
        return 1;
    }

    x = onestop_redis_field(fv, "version");
    if (x != NULL
        && !field_is(x, v, (size_t) sprintf(v, "%llu",
                                            (unsigned long long) ch.version)))
    {
        return 1;
    }

    /* the same instant, whatever offset either was written in */

    x = onestop_redis_field(fv, "ts");
    if (x != NULL && ch.ts_len
        && onestop_ts_parse(x->str, x->len, 0, &a) == 0
        && onestop_ts_parse(ch.ts, ch.ts_len, 0, &b) == 0
        && a.sec != b.sec)
    {
        return 1;
    }

    x = onestop_redis_field(fv, "record");
    return x != NULL && ch.record != NULL
           && !field_is(x, ch.record, ch.record_len);
}


int
onestop_publish_top(const redisReply *r, const onestop_feed_t *f,
    onestop_store_t *st, uint64_t acked, uint64_t seq, const char *store,
    size_t store_len, char *msg, size_t len, const onestop_str_t **which)
{
    size_t                i, n;
    uint64_t              top;
    const redisReply     *s;
    const onestop_str_t  *name;

    /* EXEC's reply: the changes stream's last entry, then the log's; an
     * error says nothing here, the round meets it */

    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
        return 0;
    }

    n = f->log.len && r->elements > 1 ? 2 : 1;

    for (i = 0; i < n; i++) {
        s = r->element[i];
        name = i == 0 ? &f->stream : &f->log;
        *which = name;

        if (!stream_top(s, &top)) {
            continue;
        }

        if (top > seq) {
            snprintf(msg, len, "onestop_redis: \"%.*s\" ends at change "
                     "%" PRIu64 ", beyond the last change of store "
                     "\"%.*s\" (%" PRIu64 "): the store was restored from "
                     "an older backup, or another primary publishes under "
                     "this prefix; nothing is published, since Redis would "
                     "refuse these changes' numbers as replays: delete the "
                     "prefix's streams (redis-cli DEL %.*s%s%.*s) or give "
                     "onestop_redis another prefix=, and the outbox goes "
                     "out", (int) name->len, name->data, top,
                     (int) store_len, store, seq, (int) f->stream.len,
                     f->stream.data, f->log.len ? " " : "",
                     (int) f->log.len, f->log.len ? f->log.data : "");

            return ONESTOP_TOP_AHEAD;
        }

        if (st != NULL && top_differs(st, s, i == 1, top)) {
            snprintf(msg, len, "onestop_redis: \"%.*s\" ends at change "
                     "%" PRIu64 ", which is not change %" PRIu64 " of "
                     "store \"%.*s\" (at %" PRIu64 "): the store was "
                     "restored from an older backup and has committed other "
                     "changes under these numbers since, or another primary "
                     "publishes under this prefix; nothing is published, "
                     "since Redis holds other changes under these numbers: "
                     "delete the prefix's streams (redis-cli DEL "
                     "%.*s%s%.*s) or give onestop_redis another prefix=, "
                     "and the outbox goes out", (int) name->len, name->data,
                     top, top, (int) store_len, store, seq,
                     (int) f->stream.len, f->stream.data,
                     f->log.len ? " " : "", (int) f->log.len,
                     f->log.len ? f->log.data : "");

            return ONESTOP_TOP_DIVERGED;
        }
    }

    *which = &f->stream;

    return onestop_publish_lost(r->element[0], acked) ? ONESTOP_TOP_LOST : 0;
}
