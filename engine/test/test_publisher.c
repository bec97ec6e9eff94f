/*
 * Unit tests of the publisher's decisions (onestop_publisher.h): a round
 * made of a store's outbox (MULTI, the stream's XADDs, EXEC; with log=on
 * the log's XADDs before EXEC), and what a reply to EXEC acknowledges:
 * everything stored, a replay refused as a duplicate, a refusal midway
 * (nothing after it counts, an entry stored after it is said), log=on
 * (the lower of both streams), a gap entry (no change counted), a reply
 * that is not the round's; the day's turn.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "onestop_publisher.h"
#include "onestop_store.h"
#include "tap.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)


/* a reply to EXEC of n elements: 's' stored, 'd' a duplicate, 'e' an
 * error */

static redisReply *
exec_reply(const char *what)
{
    size_t       i, n;
    redisReply  *r, *e;

    n = strlen(what);
    r = calloc(1, sizeof(redisReply));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof(redisReply *));

    for (i = 0; i < n; i++) {
        e = calloc(1, sizeof(redisReply));
        r->element[i] = e;

        if (what[i] == 's') {
            e->type = REDIS_REPLY_STRING;
            e->str = strdup("1-0");

        } else {
            e->type = REDIS_REPLY_ERROR;
            e->str = strdup(what[i] == 'd'
                            ? "ERR The ID specified in XADD is equal or "
                              "smaller than the target stream top item"
                            : "OOM command not allowed");
        }

        e->len = strlen(e->str);
    }

    return r;
}


static void
reply_free(redisReply *r)
{
    size_t  i;

    for (i = 0; i < r->elements; i++) {
        free(r->element[i]->str);
        free(r->element[i]);
    }

    free(r->element);
    free(r);
}


/* a round of n XADDs tagged first..first+n-1 (and as many log XADDs when
 * log), between MULTI and EXEC */

static void
round_of(onestop_publish_t *p, uint64_t first, size_t n, int log)
{
    size_t                i;
    static const char    *argv[] = { "X" };
    static const size_t   argvlen[] = { 1 };

    onestop_resp_clear(&p->cmds);
    onestop_resp_add(&p->cmds, 0, 1, argv, argvlen);

    for (i = 0; i < n; i++) {
        onestop_resp_add(&p->cmds, first + i, 1, argv, argvlen);
    }

    p->log_from = p->cmds.n;

    if (log) {
        for (i = 0; i < n; i++) {
            onestop_resp_add(&p->cmds, first + i, 1, argv, argvlen);
        }
    }

    onestop_resp_add(&p->cmds, 0, 1, argv, argvlen);
}


static void
test_ack(void)
{
    redisReply             *r, other;
    onestop_publish_t       p;
    onestop_publish_ack_t   a;

    ok(onestop_publish_init(&p, 0) == 0, "a publisher");

    round_of(&p, 11, 3, 0);
    r = exec_reply("sss");
    onestop_publish_ack(&p, r, 10, &a);
    ok(a.ok && a.error == NULL, "all stored");
    is_int(a.acked, 13, "acknowledged up to the last");
    is_int(a.changes, 3, "three changes");
    is_int(a.more, 0, "not a full round");
    reply_free(r);

    r = exec_reply("dds");
    onestop_publish_ack(&p, r, 10, &a);
    ok(a.ok, "a replay refused as a duplicate is no refusal");
    is_int(a.acked, 13, "and counts as acknowledged");
    reply_free(r);

    r = exec_reply("ses");
    onestop_publish_ack(&p, r, 10, &a);
    ok(!a.ok, "a refusal");
    ok(a.error == r->element[1], "the refusal, for the log");
    is_int(a.acked, 11, "nothing from the refused one on");
    is_int(a.changes, 1, "one change");
    is_int(a.later, 1, "one stored after it is said");
    reply_free(r);

    r = exec_reply("see");
    onestop_publish_ack(&p, r, 10, &a);
    is_int(a.later, 0, "refused to the end: nothing later");
    reply_free(r);

    r = exec_reply("ss");
    onestop_publish_ack(&p, r, 10, &a);
    ok(!a.ok && a.error == r, "a reply that is not the round's refuses");
    is_int(a.acked, 10, "and acknowledges nothing");
    reply_free(r);

    memset(&other, 0, sizeof(other));
    other.type = REDIS_REPLY_NIL;
    onestop_publish_ack(&p, &other, 10, &a);
    ok(!a.ok && a.error == &other, "nil (a WATCH'd EXEC) refuses too");

    p.gap = 1;
    r = exec_reply("sss");
    onestop_publish_ack(&p, r, 10, &a);
    is_int(a.acked, 13, "a gap entry acknowledges its seq");
    is_int(a.changes, 2, "but is no change");
    reply_free(r);
    p.gap = 0;

    onestop_publish_free(&p);

    /* log=on: both streams */

    ok(onestop_publish_init(&p, 1) == 0, "a publisher with log=on");
    ok(p.entries != NULL, "room for the log's entries");
    round_of(&p, 21, 2, 1);

    r = exec_reply("ssss");
    onestop_publish_ack(&p, r, 20, &a);
    is_int(a.acked, 22, "log=on: both have everything");
    is_int(a.changes, 2, "the log's XADDs are no changes");
    reply_free(r);

    r = exec_reply("ssse");
    onestop_publish_ack(&p, r, 20, &a);
    is_int(a.acked, 21, "log=on: the lower of the two streams");
    ok(!a.ok, "the log's refusal refuses");
    reply_free(r);

    onestop_publish_free(&p);
}


/* a string reply */
static redisReply *
str_reply(const char *p, size_t len)
{
    redisReply  *s;

    s = calloc(1, sizeof(redisReply));
    s->type = REDIS_REPLY_STRING;
    s->str = malloc(len + 1);
    memcpy(s->str, p, len);
    s->str[len] = '\0';
    s->len = len;

    return s;
}


/* a reply to XREVRANGE ... COUNT 1: the entry with id `id` and the
 * fields fv (name, value, ..., NULL), or none */
static redisReply *
entry_reply(const char *id, const char **fv)
{
    size_t       n;
    redisReply  *r, *e, *f;

    r = calloc(1, sizeof(redisReply));
    r->type = REDIS_REPLY_ARRAY;
    r->element = calloc(1, sizeof(redisReply *));

    if (id == NULL) {
        return r;
    }

    for (n = 0; fv != NULL && fv[n] != NULL; n++) { /* void */ }

    f = calloc(1, sizeof(redisReply));
    f->type = REDIS_REPLY_ARRAY;
    f->elements = n;
    f->element = calloc(n ? n : 1, sizeof(redisReply *));

    for (n = 0; n < f->elements; n++) {
        f->element[n] = str_reply(fv[n], strlen(fv[n]));
    }

    e = calloc(1, sizeof(redisReply));
    e->type = REDIS_REPLY_ARRAY;
    e->elements = 2;
    e->element = calloc(2, sizeof(redisReply *));
    e->element[0] = str_reply(id, strlen(id));
    e->element[1] = f;
    r->element[0] = e;
    r->elements = 1;

    return r;
}


static redisReply *
top_reply(const char *id)
{
    return entry_reply(id, NULL);
}


/* EXEC's reply to onestop_feed_top: the stream's, then the log's */
static redisReply *
exec_of(redisReply *changes, redisReply *log)
{
    redisReply  *r;

    r = calloc(1, sizeof(redisReply));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = log != NULL ? 2 : 1;
    r->element = calloc(2, sizeof(redisReply *));
    r->element[0] = changes;
    r->element[1] = log;

    return r;
}


static void
top_free(redisReply *r)
{
    size_t  i;

    if (r == NULL) {
        return;
    }

    for (i = 0; i < r->elements; i++) {
        top_free(r->element[i]);
    }

    free(r->element);
    free(r->str);
    free(r);
}


static void
test_lost(void)
{
    redisReply  *r, err;

    r = top_reply("12-0");
    is_int(onestop_publish_lost(r, 12), 0, "the stream ends at acked: kept");
    is_int(onestop_publish_lost(r, 9), 0, "beyond it: kept");
    is_int(onestop_publish_lost(r, 15), 1,
           "before it (an older snapshot): lost");
    top_free(r);

    r = top_reply(NULL);
    is_int(onestop_publish_lost(r, 3), 1, "no stream, 3 acknowledged: lost");
    is_int(onestop_publish_lost(r, 0), 0, "no stream, nothing acknowledged");
    top_free(r);

    memset(&err, 0, sizeof(err));
    err.type = REDIS_REPLY_ERROR;
    is_int(onestop_publish_lost(&err, 3), 0, "an error says nothing");
}


/* the stream's end against the store's: the connection's check */
static void
test_top(void)
{
    char                  msg[1024];
    redisReply           *r, err;
    onestop_feed_t        f;
    onestop_feed_conf_t   c;
    const onestop_str_t  *which;

    onestop_feed_conf_default(&c);
    c.prefix.data = "t";
    c.prefix.len = 1;
    c.log = 1;
    onestop_feed_init(&f, &c);

    r = exec_of(top_reply("12-0"), top_reply("12-0"));
    msg[0] = '\0';
    is_int(onestop_publish_top(r, &f, NULL, 12, 12, "/s", 2, msg, sizeof(msg),
                               &which), 0,
           "the stream ends at the store's last change: publish");
    is_int(onestop_publish_top(r, &f, NULL, 10, 14, "/s", 2, msg, sizeof(msg),
                               &which), 0,
           "before it (changes to publish): publish");
    is_int(onestop_publish_top(r, &f, NULL, 15, 16, "/s", 2, msg, sizeof(msg),
                               &which),
           ONESTOP_TOP_LOST, "before what Redis acknowledged: lost");
    ok(msg[0] == '\0', "... nothing to say");
    is_int(onestop_publish_top(r, &f, NULL, 3, 9, "/s", 2, msg, sizeof(msg),
                               &which),
           ONESTOP_TOP_AHEAD, "beyond the store's last change (a restored "
           "store): ahead");
    ok(strstr(msg, "\"t:changes\" ends at change 12, beyond the last change "
                   "of store \"/s\" (9)") != NULL
       && strstr(msg, "redis-cli DEL t:changes t:log)") != NULL,
       "... saying so and what to delete");
    ok(which == &f.stream, "... of the changes stream");
    top_free(r);

    /* the changes stream deleted, the replicas' log kept */

    r = exec_of(top_reply(NULL), top_reply("12-0"));
    msg[0] = '\0';
    is_int(onestop_publish_top(r, &f, NULL, 3, 9, "/s", 2, msg, sizeof(msg),
                               &which),
           ONESTOP_TOP_AHEAD, "the log beyond the store, the stream gone: "
           "ahead");
    ok(strstr(msg, "\"t:log\" ends at change 12, beyond the last change "
                   "of store \"/s\" (9)") != NULL
       && strstr(msg, "redis-cli DEL t:changes t:log)") != NULL,
       "... saying so of the log, and what to delete");
    ok(which == &f.log, "... of the log");
    is_int(onestop_publish_top(r, &f, NULL, 12, 12, "/s", 2, msg, sizeof(msg),
                               &which),
           ONESTOP_TOP_LOST, "the log at the store's end, the stream gone: "
           "lost (the stream's entries are)");
    top_free(r);

    r = exec_of(top_reply(NULL), top_reply(NULL));
    is_int(onestop_publish_top(r, &f, NULL, 0, 0, "/s", 2, msg, sizeof(msg),
                               &which), 0,
           "no stream, nothing written: publish");
    top_free(r);

    memset(&err, 0, sizeof(err));
    err.type = REDIS_REPLY_ERROR;
    is_int(onestop_publish_top(&err, &f, NULL, 3, 1, "/s", 2, msg,
                               sizeof(msg), &which),
           0, "an error says nothing: the round meets it");

    onestop_feed_free(&f);

    /* log=off: one stream; a log left from before is not looked at */

    c.log = 0;
    onestop_feed_init(&f, &c);
    r = exec_of(top_reply("5-0"), NULL);
    is_int(onestop_publish_top(r, &f, NULL, 5, 5, "/s", 2, msg, sizeof(msg),
                               &which), 0, "log=off: the stream alone");
    is_int(onestop_publish_top(r, &f, NULL, 1, 4, "/s", 2, msg, sizeof(msg),
                               &which), ONESTOP_TOP_AHEAD,
           "log=off: the stream beyond the store");
    ok(strstr(msg, "redis-cli DEL t:changes)") != NULL,
       "... the stream alone to delete");
    top_free(r);
    onestop_feed_free(&f);
}


/*
 * The streams' last entries against the store's changes under the same
 * numbers: a store restored from an older backup that committed before
 * it published holds other changes under numbers Redis has.
 */
static void
test_top_store(onestop_store_t *st, onestop_day_t today)
{
    int                   rc;
    char                  msg[1024], id[32], v[24], ts[32];
    char                  code[ONESTOP_CODE_MAX + 1];
    uint64_t              seq;
    redisReply           *r;
    onestop_feed_t        f;
    onestop_change_t      ch;
    onestop_feed_conf_t   c;
    onestop_log_entry_t   e;
    const onestop_str_t  *which;
    const char           *digest, *log_ts;
    char                  log_ts_text[24];
    size_t                k;

    const char  *same[13], *other[13];

    onestop_feed_conf_default(&c);
    c.prefix.data = "t";
    c.prefix.len = 1;
    c.log = 1;
    onestop_feed_init(&f, &c);

    onestop_store_read_begin(st);
    seq = onestop_store_seq(st);
    ok(onestop_store_outbox_read(st, seq - 1, &ch, 1) == 1 && ch.seq == seq,
       "the store's last change");
    ok(ch.kind == ONESTOP_CHANGE_DOSSIER && ch.ts_len && ch.record != NULL,
       "... a dossier, with its time and record");
    ok(onestop_replica_log(st, seq - 1, &e, 1) == 1 && e.seq == seq,
       "... and its log entry");

    digest = "";
    log_ts = "";
    for (k = 0; k < e.nfields; k++) {
        if (e.field[k].name_len == 2
            && memcmp(e.field[k].name, "ts", 2) == 0)
        {
            snprintf(log_ts_text, sizeof(log_ts_text), "%.*s",
                     (int) e.field[k].value_len, e.field[k].value);
            log_ts = log_ts_text;
        }

        if (e.field[k].name_len == 6
            && memcmp(e.field[k].name, "digest", 6) == 0)
        {
            digest = e.field[k].value;
        }
    }

    sprintf(id, "%llu-0", (unsigned long long) seq);
    sprintf(v, "%llu", (unsigned long long) ch.version);

    snprintf(code, sizeof(code), "%.*s", (int) ch.code_len, ch.code);
    snprintf(ts, sizeof(ts), "%.*s", (int) ch.ts_len, ch.ts);

    same[0] = "seq"; same[1] = id; same[2] = "kind"; same[3] = "dossier";
    same[4] = "code"; same[5] = code; same[6] = "version"; same[7] = v;
    same[8] = "ts"; same[9] = ts; same[10] = "record";
    same[11] = NULL; same[12] = NULL;

    /* the record is NUL-terminated by the test's copy below */
    {
        static char  rec[65536];

        memcpy(rec, ch.record, ch.record_len < 65535 ? ch.record_len : 65535);
        rec[ch.record_len < 65535 ? ch.record_len : 65535] = '\0';
        same[11] = rec;
    }

    /* the same change (a replay after a crash): publish */

    r = exec_of(entry_reply(id, same), entry_reply(id, (const char *[]) {
                    "seq", id, "kind", "dossier", "digest", digest, NULL }));
    rc = onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                             sizeof(msg), &which);
    is_int(rc, 0, "the streams end at the store's own change: publish");
    top_free(r);

    /* another dossier under the number */

    memcpy(other, same, sizeof(same));
    other[5] = "000.00.99.H36-240601-9999";
    r = exec_of(entry_reply(id, other), NULL);
    msg[0] = '\0';
    rc = onestop_publish_top(r, &f, st, seq - 1, seq, "/store", 6, msg,
                             sizeof(msg), &which);
    is_int(rc, ONESTOP_TOP_DIVERGED, "another dossier under the number: "
           "diverged");
    ok(strstr(msg, "\"t:changes\" ends at change") != NULL
       && strstr(msg, "which is not change") != NULL
       && strstr(msg, "of store \"/store\"") != NULL
       && strstr(msg, "redis-cli DEL t:changes t:log)") != NULL,
       "... saying so and what to delete");
    is_int(onestop_publish_top(r, &f, st, seq, seq, "/s", 2, msg, sizeof(msg),
                               &which), ONESTOP_TOP_DIVERGED,
           "... though the store saw it acknowledged (it ran without "
           "onestop_redis since the restore)");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[7] = "99";
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "another version: diverged");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[8] = NULL;                    /* no time, no record */
    other[3] = "catalog";
    other[4] = NULL;
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "another kind: diverged");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[9] = "2020-01-01T00:00:00+07:00";
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "the same dossier committed at another "
           "time: diverged");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[11] = "{\"code\":\"x\"}";
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "another record: diverged");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[10] = NULL;                   /* the record dropped meanwhile */
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           0, "no record to compare: the rest agrees");
    top_free(r);

    r = exec_of(entry_reply(id, (const char *[]) {
                    "seq", id, "kind", "gap", "first", "1", "last", id,
                    NULL }), NULL);
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           0, "a gap entry: nothing to compare");
    top_free(r);

    /* the log's entry: its running digest */

    r = exec_of(entry_reply(id, same), entry_reply(id, (const char *[]) {
                    "seq", id, "kind", "dossier", "digest",
                    "0000000000000000000000000000000000000000000000000000000000000000",
                    NULL }));
    msg[0] = '\0';
    is_int(onestop_publish_top(r, &f, st, seq - 1, seq, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "the log's entry with another digest: "
           "diverged");
    ok(strstr(msg, "\"t:log\" ends at change") != NULL && which == &f.log,
       "... naming the log");
    top_free(r);

    onestop_store_read_end(st);

    /* the outbox trimmed (published, or no feed): the change log says */

    onestop_store_set_published(st, seq);
    is_int(fixture_dossier(st, 3, today), 200, "another dossier, which "
           "trims the outbox");
    onestop_store_read_begin(st);
    ok(onestop_store_outbox_read(st, seq - 1, &ch, 1) != 1 || ch.seq != seq,
       "the outbox no longer holds the change");

    r = exec_of(entry_reply(id, same), entry_reply(id, (const char *[]) {
                    "seq", id, "kind", "dossier", "ts", log_ts,
                    "digest", "00", NULL }));
    is_int(onestop_publish_top(r, &f, st, seq, seq + 1, "/s", 2, msg,
                               sizeof(msg), &which), 0,
           "the change log: the same kind, time and record");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[9] = "2020-01-01T00:00:00+07:00";
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq, seq + 1, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "the change log: another time: diverged");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[11] = "{\"code\":\"x\"}";
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq, seq + 1, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "the change log: another record: diverged");
    top_free(r);

    memcpy(other, same, sizeof(same));
    other[3] = "delete";
    r = exec_of(entry_reply(id, other), NULL);
    is_int(onestop_publish_top(r, &f, st, seq, seq + 1, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "the change log: another kind: diverged");
    top_free(r);

    r = exec_of(entry_reply(id, same), entry_reply(id, (const char *[]) {
                    "seq", id, "kind", "dossier", "ts", "1000",
                    "digest", "00", NULL }));
    is_int(onestop_publish_top(r, &f, st, seq, seq + 1, "/s", 2, msg,
                               sizeof(msg), &which),
           ONESTOP_TOP_DIVERGED, "the change log: the log's entry of "
           "another time: diverged");
    ok(which == &f.log, "... naming the log");
    top_free(r);

    onestop_store_read_end(st);
    onestop_feed_free(&f);
}


static void
test_today(void)
{
    onestop_feed_t     f;
    onestop_publish_t  p;

    memset(&f, 0, sizeof(f));
    onestop_publish_init(&p, 0);

    onestop_publish_today(&p, &f, 100);
    is_int(f.all, 0, "the first day: nothing due");
    onestop_publish_today(&p, &f, 100);
    is_int(f.all, 0, "the same day: nothing due");
    onestop_publish_today(&p, &f, 101);
    is_int(f.all, 1, "the day turned: every agency's figures due");
    is_int(p.today, 101, "the day kept");

    onestop_publish_free(&p);
}


static void
test_round(onestop_store_t *st, onestop_day_t today, int log)
{
    int                 rc;
    char                err[256];
    onestop_feed_t      f;
    onestop_publish_t   p;
    onestop_feed_conf_t c;

    onestop_feed_conf_default(&c);
    c.log = log;

    if (onestop_replica_set_log(st, log, err, sizeof(err)) != 0) {
        ok(0, "log=%d: %s", log, err);
        return;
    }

    if (log) {
        is_int(fixture_dossier(st, 2, today), 200, "a dossier, logged");
    }

    onestop_feed_init(&f, &c);
    ok(onestop_publish_init(&p, log) == 0, "log=%d: a publisher", log);

    onestop_store_read_begin(st);
    rc = onestop_publish_round(&p, &f, st, log ? 2 : 0,
                               onestop_store_seq(st));
    onestop_store_read_end(st);

    is_int(rc, 0, "log=%d: a round", log);

    if (log) {
        is_int(p.cmds.n, 4, "MULTI, an XADD to the stream, one to the log, "
               "EXEC");
        is_int(p.log_from, 2, "the log's XADDs after the stream's");
        is_int(p.cmds.tag[2], 3, "tagged with the seq they store");

    } else {
        is_int(p.cmds.n, 4, "MULTI, two XADDs, EXEC");
        is_int(p.log_from, 4, "no log XADD");
        is_int(p.cmds.tag[1], 1, "the first change past 0");
    }

    is_int(p.gap, 0, "log=%d: no gap", log);

    onestop_publish_free(&p);
    onestop_feed_free(&f);
}


int
main(void)
{
    char              err[256];
    onestop_day_t     today;
    onestop_store_t  *st;
    onestop_write_t   w;

    unsetenv("ONESTOP_TODAY");
    today = onestop_today(ONESTOP_DEFAULT_OFFSET);

    test_ack();
    test_lost();
    test_top();
    test_today();

    st = fixture_open(fixture_tmpdir(), 64 * MB, 0, err, sizeof(err));
    ok(st != NULL, "a store");

    if (st != NULL) {
        is_int(fixture_catalog_write(st, fixture_catalog, &w), 200,
               "catalog");
        is_int(fixture_dossier(st, 1, today), 200, "a dossier");
        test_round(st, today, 0);
        test_round(st, today, 1);
        test_top_store(st, today);
        onestop_store_close(st);
    }

    return done_testing();
}
