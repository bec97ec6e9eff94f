/*
 * Unit tests of the log's transport (issue 14): the publisher's words
 * (log=on, log_maxlen=, the log's XADDs put before a round's EXEC, each
 * tagged with its seq), a follower's XREAD, and XREAD's reply parsed by
 * hiredis's own reader into entries that outlive it: a primary's log
 * entries, sent as Redis would answer them (binary bytes, CR LF and NUL
 * inside), parsed and applied on a follower, give the primary's sequence
 * and digest; questions (asked, forwarded, answered and published)
 * replicate with their indexes and counters; a nil reply, an error and replies of the wrong shape; the
 * replication metrics.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "onestop_feed.h"
#include "onestop_feedback.h"
#include "onestop_replica.h"
#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)


/* command i of c as its arguments joined by spaces (parsed back with
 * hiredis's reader, so that the framing is checked too) */

static const char *
words(const onestop_resp_t *c, size_t i)
{
    static char   out[8192];
    size_t        len, k, o;
    const char   *p;
    void         *reply;
    redisReply   *r;
    redisReader  *rd;

    p = onestop_resp_cmd(c, i, &len);
    out[0] = '\0';

    /* a command is an array of bulk strings: a reply's shape too */

    rd = redisReaderCreate();

    if (redisReaderFeed(rd, p, len) != REDIS_OK
        || redisReaderGetReply(rd, &reply) != REDIS_OK || reply == NULL)
    {
        redisReaderFree(rd);
        return out;
    }

    r = reply;
    o = 0;

    for (k = 0; k < r->elements && o + r->element[k]->len + 2 < sizeof(out);
         k++)
    {
        o += (size_t) sprintf(out + o, "%s%.*s", k ? " " : "",
                              (int) r->element[k]->len, r->element[k]->str);
    }

    freeReplyObject(reply);
    redisReaderFree(rd);

    return out;
}


static void
test_words(void)
{
    onestop_feed_t         f;
    onestop_resp_t         out;
    onestop_feed_conf_t    c;
    onestop_log_entry_t    e[2];
    const char            *multi = "MULTI", *exec = "EXEC";
    size_t                 five = 5, four = 4;

#define option(s)  onestop_feed_option(&c, s, strlen(s))

    onestop_feed_conf_default(&c);
    ok(c.log == 0 && c.log_maxlen == 10000000,
       "defaults: no log, log_maxlen 10,000,000");
    ok(option("log=on") == 0 && c.log == 1, "log=on");
    ok(option("log=off") == 0 && c.log == 0, "log=off");
    is_int(option("log=yes"), -1, "log=yes is wrong");
    is_int(option("log="), -1, "log= empty");
    ok(option("log_maxlen=0") == 0 && c.log_maxlen == 0, "log_maxlen=0");
    is_int(option("log_maxlen=x"), -1, "log_maxlen= not a number");
    is_int(option("log_maxlen="), -1, "log_maxlen= empty");
    ok(option("maxlen=7") == 0 && c.maxlen == 7 && c.log_maxlen == 0,
       "maxlen= is the feed's, not the log's");

    ok(option("prefix=x") == 0 && option("log=on") == 0
       && option("log_maxlen=5") == 0, "prefix=x log=on log_maxlen=5");

#undef option

    ok(onestop_feed_init(&f, &c) == 0, "the feed's names");
    is_str(f.log.data, f.log.len, "x:log", "the log's name");

    /* a round of the feed: MULTI, (its XADDs), EXEC */

    memset(&out, 0, sizeof(out));
    onestop_resp_add(&out, 0, 1, &multi, &five);
    onestop_resp_add(&out, 0, 1, &exec, &four);

    memset(e, 0, sizeof(e));
    e[0].seq = 7;
    e[0].nfields = 2;
    e[0].field[0].name = "seq";
    e[0].field[0].name_len = 3;
    e[0].field[0].value = "7";
    e[0].field[0].value_len = 1;
    e[0].field[1].name = "data";
    e[0].field[1].name_len = 4;
    e[0].field[1].value = "a b";
    e[0].field[1].value_len = 3;
    e[1] = e[0];
    e[1].seq = 8;
    e[1].field[0].value = "8";

    ok(onestop_feed_log(&f, &out, e, 2) == 0, "the log's part of a round");
    is_int(out.n, 4, "MULTI, two XADDs, EXEC");
    is_str(words(&out, 0), strlen(words(&out, 0)), "MULTI", "MULTI first");
    is_str(words(&out, 1), strlen(words(&out, 1)),
           "XADD x:log MAXLEN ~ 5 7-0 seq 7 data a b", "the first entry");
    is_str(words(&out, 2), strlen(words(&out, 2)),
           "XADD x:log MAXLEN ~ 5 8-0 seq 8 data a b", "the second");
    is_str(words(&out, 3), strlen(words(&out, 3)), "EXEC", "EXEC last");
    ok(out.tag[1] == 7 && out.tag[2] == 8, "each XADD's tag is its seq");

    onestop_feed_free(&f);
    onestop_resp_clear(&out);

    /* log_maxlen=0: the log is kept whole */

    onestop_feed_conf_default(&c);
    c.log = 1;
    c.log_maxlen = 0;
    onestop_feed_init(&f, &c);
    onestop_resp_add(&out, 0, 1, &multi, &five);
    onestop_resp_add(&out, 0, 1, &exec, &four);
    onestop_feed_log(&f, &out, e, 1);
    is_str(words(&out, 1), strlen(words(&out, 1)),
           "XADD onestop:log 7-0 seq 7 data a b", "no MAXLEN with 0");
    onestop_feed_free(&f);

    /* without log=on there is no log to add to */

    onestop_feed_conf_default(&c);
    onestop_feed_init(&f, &c);
    ok(f.log.len == 0, "log=off: no log's name");
    ok(onestop_feed_log(&f, &out, e, 1) != 0, "log=off: no log's XADD");
    onestop_feed_free(&f);

    /* a follower's read */

    onestop_resp_clear(&out);
    ok(onestop_feed_xread(&c, &out, 42, 2000, 1000) == 0, "XREAD");
    is_str(words(&out, 0), strlen(words(&out, 0)),
           "XREAD COUNT 2000 BLOCK 1000 STREAMS onestop:log 42-0",
           "XREAD past the store's sequence");
    onestop_resp_free(&out);
}


/* RESP's bulk string */

static void
bulk(onestop_buf_t *b, const char *s, size_t len)
{
    onestop_buf_printf(b, "$%zu\r\n", len);
    onestop_buf_add(b, s, len);
    onestop_buf_add(b, "\r\n", 2);
}


/* XREAD's reply to the entries, as Redis sends it */

static void
xread_reply(onestop_buf_t *b, const onestop_log_entry_t *e, size_t n)
{
    char    id[32];
    size_t  i, k;

    onestop_buf_adds(b, "*1\r\n*2\r\n");
    bulk(b, "p:log", 5);
    onestop_buf_printf(b, "*%zu\r\n", n);

    for (i = 0; i < n; i++) {
        onestop_buf_adds(b, "*2\r\n");
        bulk(b, id, (size_t) sprintf(id, "%llu-0",
                                     (unsigned long long) e[i].seq));
        onestop_buf_printf(b, "*%zu\r\n", 2 * e[i].nfields);

        for (k = 0; k < e[i].nfields; k++) {
            bulk(b, e[i].field[k].name, e[i].field[k].name_len);
            bulk(b, e[i].field[k].value, e[i].field[k].value_len);
        }
    }
}


static long
parse(onestop_replica_batch_t *batch, const char *resp, size_t len)
{
    long          n;
    void         *reply;
    redisReader  *rd;

    rd = redisReaderCreate();

    if (redisReaderFeed(rd, resp, len) != REDIS_OK
        || redisReaderGetReply(rd, &reply) != REDIS_OK || reply == NULL)
    {
        redisReaderFree(rd);
        return -100;
    }

    n = onestop_replica_parse_xread(batch, reply);

    /* the entries outlive the reply */
    freeReplyObject(reply);
    redisReaderFree(rd);

    return n;
}


static const char *
rec(char *buf, size_t size, int n, const char *agency)
{
    snprintf(buf, size,
             "{\"code\": \"000.00.30.H36-240601-%04d\", \"version\": 1, "
             "\"agency\": \"%s\", \"procedure\": \"1.000894\", "
             "\"channel\": \"online\", "
             "\"applicant\": {\"name\": \"Nguyễn Văn Bí Mật\"}, "
             "\"contact\": {\"phone\": \"0912345678\"}, "
             "\"received_at\": \"2024-06-01\", "
             "\"due_at\": \"2024-06-20\"}\n", n, agency);

    return buf;
}


/* a question's write (Điều 13): the write's status; a new one's id */

static int
fb_write(onestop_store_t *st, int mode, uint64_t id, const char *body,
    uint64_t *made)
{
    int                     rc;
    const char             *code, *message;
    onestop_write_t         w, *wp;
    onestop_feedback_op_t   op;

    rc = onestop_feedback_request(&op, mode, id, body, strlen(body), 0,
                                  &code, &message);

    if (rc != 0) {
        printf("# %s\n", message);
        onestop_feedback_op_free(&op);
        return rc;
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_FEEDBACK;
    w.feedback = &op;
    wp = &w;
    onestop_store_write(st, &wp, 1);

    if (made != NULL) {
        *made = op.id;
    }

    onestop_feedback_op_free(&op);

    return w.status;
}


/* the published questions, as the public list answers them */

static void
fb_list(onestop_store_t *st, onestop_buf_t *out)
{
    const char              *message;
    onestop_feedback_get_t   req;

    memset(&req, 0, sizeof(req));
    req.mode = ONESTOP_FB_JSON;
    req.today = civil(2024, 6, 15);

    onestop_store_read_begin(st);
    onestop_feedback_read(st, &req, out, &message);
    onestop_store_read_end(st);
    onestop_buf_add(out, "", 1);
}


static void
test_parse(onestop_day_t today)
{
    int                        i, binary, kind6;
    long                       n;
    uint64_t                   id1, id2;
    char                       buf[1024], err[256], dp[4096], df[4096];
    size_t                     k;
    const char                *tmp;
    onestop_buf_t              b;
    onestop_store_t           *p, *f;
    onestop_write_t            w;
    onestop_log_entry_t        out[64];
    onestop_replica_batch_t    batch;
    onestop_replica_result_t   res;
    onestop_replica_status_t   sp, sf;

    tmp = fixture_tmpdir();
    fixture_path(dp, sizeof(dp), tmp, "primary");
    fixture_path(df, sizeof(df), tmp, "follower");

    p = fixture_open(dp, 64 * MB, 0, err, sizeof(err));
    f = fixture_open(df, 64 * MB, 0, err, sizeof(err));
    ok(p != NULL && f != NULL, "two stores");

    if (p == NULL || f == NULL) {
        return;
    }

    ok(onestop_replica_set_log(p, 1, err, sizeof(err)) == 0
       && onestop_replica_follow(f, "p", 1, err, sizeof(err)) == 0,
       "a primary that logs, a follower");

    is_int(fixture_catalog_write(p, fixture_catalog, &w), 200, "catalog");

    for (i = 1; i <= 20; i++) {
        fixture_import(p, rec(buf, sizeof(buf), i,
                              i % 2 ? "000.30.01.H36" : "000.30.02.H36"),
                       today, &w);
    }

    onestop_store_read_begin(p);
    n = onestop_replica_log(p, 0, out, 64);
    is_int(n, 21, "the log: the catalog and 20 dossiers");

    /* the records' bytes hold what RESP would trip on if it were not
     * framed: at least one has a NUL or CR LF */

    binary = 0;

    for (i = 0; i < n; i++) {
        for (k = 0; k < out[i].nfields; k++) {
            binary |= memchr(out[i].field[k].value, '\0',
                             out[i].field[k].value_len) != NULL;
        }
    }

    ok(binary, "the entries' bytes are binary");

    memset(&b, 0, sizeof(b));
    xread_reply(&b, out, (size_t) n);
    onestop_store_read_end(p);

    memset(&batch, 0, sizeof(batch));
    is_int(parse(&batch, b.data, b.len), 21, "XREAD's reply: 21 entries");
    ok(batch.last == 21 && batch.e[0].seq == 1 && batch.e[20].seq == 21,
       "their seqs from the ids");

    /* the store read is over: the entries are the batch's own */

    is_int(onestop_replica_apply(f, batch.e, batch.n, &res), ONESTOP_OK,
           "applied on the follower");

    memset(&sp, 0, sizeof(sp));
    memset(&sf, 0, sizeof(sf));
    onestop_store_read_begin(p);
    onestop_replica_status(p, &sp);
    onestop_store_read_end(p);
    onestop_store_read_begin(f);
    onestop_replica_status(f, &sf);
    onestop_store_read_end(f);

    ok(sf.seq == sp.seq && sf.seq == 21, "the follower is at 21");
    is_str(sf.digest, strlen(sf.digest), sp.digest, "the primary's digest");

    /* again, a replay: skipped */

    is_int(onestop_replica_apply(f, batch.e, batch.n, &res), ONESTOP_OK,
           "a replay");
    ok(res.skipped == 21 && res.applied == 0, "... skipped");

    /* questions: asked, forwarded, answered and published */

    ok(fb_write(p, ONESTOP_FB_JSON, 0, "{\"kind\": \"question\", "
                "\"agency\": \"000.00.12.H36\", \"subject\": \"Phiếu "
                "lý lịch tư pháp\", \"text\": \"Mất bao lâu?\", "
                "\"name\": \"Nguyễn Văn An\", \"contact\": \"0912 345 678\"}",
                &id1) == 201 && id1 == 1, "a question");
    ok(fb_write(p, ONESTOP_FB_JSON, 0, "{\"kind\": \"complaint\", "
                "\"subject\": \"Thuế đất\", \"text\": \"Tính sai.\", "
                "\"name\": \"Trần Thị Bích\", \"contact\": \"b@x.vn\"}",
                &id2) == 201 && id2 == 2, "a complaint");
    is_int(fb_write(p, ONESTOP_FB_INGEST, 2,
                    "{\"forward_to\": \"000.00.30.H36\"}", NULL), 200,
           "forwarded");
    is_int(fb_write(p, ONESTOP_FB_INGEST, 1, "{\"answer\": \"Ba ngày "
                    "làm việc.\", \"publish\": true}", NULL), 200,
           "answered and published");

    onestop_store_read_begin(p);
    n = onestop_replica_log(p, 21, out, 64);
    onestop_buf_free(&b);
    memset(&b, 0, sizeof(b));
    xread_reply(&b, out, n > 0 ? (size_t) n : 0);
    kind6 = 0;

    for (i = 0; i < n; i++) {
        for (k = 0; k < out[i].nfields; k++) {
            kind6 += out[i].field[k].value_len == 8
                     && memcmp(out[i].field[k].value, "feedback", 8) == 0;
        }
    }

    onestop_store_read_end(p);
    ok(n == 4 && kind6 == 4, "four log entries of kind feedback, with "
       "their bytes (no gap)");

    is_int(parse(&batch, b.data, b.len), 4, "read");
    is_int(onestop_replica_apply(f, batch.e, batch.n, &res), ONESTOP_OK,
           "the questions applied on the follower");

    memset(&sp, 0, sizeof(sp));
    memset(&sf, 0, sizeof(sf));
    onestop_store_read_begin(p);
    onestop_replica_status(p, &sp);
    onestop_store_read_end(p);
    onestop_store_read_begin(f);
    onestop_replica_status(f, &sf);
    onestop_store_read_end(f);
    ok(sf.seq == 25 && sf.seq == sp.seq, "the follower is at 25");
    is_str(sf.digest, strlen(sf.digest), sp.digest, "the primary's digest");

    {
        onestop_buf_t  lp, lf, report;

        memset(&lp, 0, sizeof(lp));
        memset(&lf, 0, sizeof(lf));
        memset(&report, 0, sizeof(report));
        fb_list(p, &lp);
        fb_list(f, &lf);
        ok(lp.data != NULL && strstr(lp.data, "Ba ngày") != NULL,
           "the primary's published list has the answer");
        is_str(lf.data, strlen(lf.data), lp.data,
               "the follower's published list is the primary's");
        onestop_store_read_begin(f);
        is_int((int) onestop_feedback_verify(f, &report), 0,
               "the follower's question counters and indexes verify");
        onestop_store_read_end(f);
        onestop_buf_free(&lp);
        onestop_buf_free(&lf);
        onestop_buf_free(&report);
    }

    /* the next question gets the next id on a promoted follower */

    ok(onestop_replica_promote(f, err, sizeof(err)) == 0, "promoted");
    ok(fb_write(f, ONESTOP_FB_JSON, 0, "{\"kind\": \"suggestion\", "
                "\"subject\": \"Giờ làm việc\", \"text\": \"Mở thứ "
                "bảy.\", \"name\": \"Lê Văn C\", \"contact\": \"0913 345 678\"}",
                &id1) == 201 && id1 == 3, "its next question is number 3");

    /* the other replies */

    is_int(parse(&batch, "$-1\r\n", 5), 0, "a nil reply: nothing new");
    is_int(parse(&batch, "*-1\r\n", 5), 0, "a nil array: nothing new");
    ok(batch.n == 0, "... an empty batch");
    is_int(parse(&batch, "-ERR wrong\r\n", 12), -1, "an error reply");
    is_int(parse(&batch, ":1\r\n", 4), -1, "an integer");
    is_int(parse(&batch, "*1\r\n*2\r\n$1\r\nx\r\n:3\r\n", 19), -1,
           "no list of entries");
    is_int(parse(&batch, "*1\r\n*2\r\n$1\r\nx\r\n*1\r\n*2\r\n$3\r\nabc\r\n"
                         "*0\r\n", 36), -1, "an id that is not one");
    is_int(parse(&batch, "*1\r\n*2\r\n$1\r\nx\r\n*1\r\n*2\r\n$3\r\n5-0\r\n"
                         "*1\r\n$1\r\na\r\n", 43), -1, "an odd field list");
    is_int(parse(&batch, "*1\r\n*2\r\n$1\r\nx\r\n*1\r\n*2\r\n$3\r\n5-0\r\n"
                         "*2\r\n$1\r\na\r\n$0\r\n\r\n", 49), 1,
           "an entry with an empty value");

    onestop_replica_batch_free(&batch);
    onestop_buf_free(&b);
    onestop_store_close(p);
    onestop_store_close(f);
}


static void
test_done(void)
{
    char                      msg[512];
    onestop_follow_share_t    fs;
    onestop_replica_result_t  res;

    memset(&fs, 0, sizeof(fs));
    memset(&res, 0, sizeof(res));
    res.seq = 40;
    res.ts = 1000;

    is_int(onestop_follow_done(&fs, ONESTOP_OK, &res, 1250, msg,
                               sizeof(msg)), 0, "a batch applied: go on");
    ok(fs.applied == 40 && fs.lag_ms == 250
       && fs.state == ONESTOP_FOLLOW_FOLLOWING,
       "applied 40, lag 250 ms, following");

    res.ts = 0;
    snprintf(res.message, sizeof(res.message), "no room");
    is_int(onestop_follow_done(&fs, ONESTOP_FULL, &res, 2000, msg,
                               sizeof(msg)), -1, "full: nothing written");
    ok(fs.lag_ms == 250 && strstr(msg, "no room") != NULL,
       "... the state stays, the message says why");

    /* the next tick's failure, and the next: not said again for a
     * minute, then said with the count */
    is_int(onestop_follow_done(&fs, ONESTOP_FULL, &res, 2250, msg,
                               sizeof(msg)), -1, "full again");
    ok(msg[0] == '\0', "... not said again 250 ms later");
    onestop_follow_done(&fs, ONESTOP_FULL, &res, 61999, msg, sizeof(msg));
    ok(msg[0] == '\0', "... nor 59.999 s later");
    onestop_follow_done(&fs, ONESTOP_FULL, &res, 62000, msg, sizeof(msg));
    ok(strstr(msg, "no room") && strstr(msg, "2 times more"),
       "... said again a minute later, with the count");

    /* a batch applied: the next failure is news at once */
    res.seq = 41;
    onestop_follow_done(&fs, ONESTOP_OK, &res, 62250, msg, sizeof(msg));
    onestop_follow_done(&fs, ONESTOP_ERROR, &res, 62500, msg, sizeof(msg));
    ok(strstr(msg, "no room") && !strstr(msg, "times more"),
       "after a batch applied, the next failure is said at once");
    res.seq = 40;

    res.missing = 41;
    is_int(onestop_follow_done(&fs, ONESTOP_REPLICA_BEHIND, &res, 2000, msg,
                               sizeof(msg)), ONESTOP_FOLLOW_BEHIND, "behind");
    ok(fs.state == ONESTOP_FOLLOW_BEHIND
       && strstr(msg, "change 41") && strstr(msg, "onestop backup"),
       "... says which change and what to do");

    res.bad = 42;
    is_int(onestop_follow_done(&fs, ONESTOP_REPLICA_DIVERGED, &res, 2000,
                               msg, sizeof(msg)), ONESTOP_FOLLOW_DIVERGED,
           "diverged");
    ok(fs.state == ONESTOP_FOLLOW_DIVERGED && strstr(msg, "change 42"),
       "... at which change");
}


static void
test_metrics(void)
{
    onestop_buf_t           b;
    onestop_follow_share_t  fs;

    memset(&b, 0, sizeof(b));
    onestop_replica_metrics(NULL, 12, &b);
    onestop_buf_add(&b, "", 1);
    ok(strstr(b.data, "\nonestop_log_seq 12\n") != NULL,
       "a primary: onestop_log_seq");
    ok(strstr(b.data, "onestop_replica_state") == NULL,
       "a primary: no follower's metrics");
    onestop_buf_free(&b);

    memset(&fs, 0, sizeof(fs));
    fs.applied = 10;
    fs.log_seq = 11;
    fs.lag_ms = 1250;
    fs.state = ONESTOP_FOLLOW_BEHIND;
    onestop_replica_metrics(&fs, fs.log_seq, &b);
    onestop_buf_add(&b, "", 1);
    ok(strstr(b.data, "\nonestop_log_seq 11\n") != NULL
       && strstr(b.data, "\nonestop_replica_applied_seq 10\n") != NULL
       && strstr(b.data, "\nonestop_replica_lag_seconds 1.250\n") != NULL,
       "a follower: log, applied, lag");
    ok(strstr(b.data, "onestop_replica_state{state=\"following\"} 0\n")
       && strstr(b.data, "onestop_replica_state{state=\"behind\"} 1\n")
       && strstr(b.data, "onestop_replica_state{state=\"diverged\"} 0\n"),
       "a follower: its state");
    onestop_buf_free(&b);
}


/*
 * A commit whole: a batch of 30 dossiers is one commit on the primary,
 * read from its log in parts (the publisher's rounds, a follower's
 * count); a follower applies no part of it before its end is read, and
 * a read that can take no more is applied as it is.
 */
static void
test_whole(onestop_day_t today)
{
    int                        i;
    long                       n, m;
    char                       buf[1024], err[256], dp[4096];
    size_t                     k, bad;
    uint64_t                   upto;
    onestop_buf_t              b;
    onestop_store_t           *p;
    onestop_write_t            w;
    onestop_log_entry_t        out[64], cat[1], e[3];
    const onestop_log_field_t *f;

    fixture_path(dp, sizeof(dp), fixture_tmpdir(), "whole");
    p = fixture_open(dp, 64 * MB, 0, err, sizeof(err));
    ok(p != NULL, "a primary");

    if (p == NULL) {
        return;
    }

    onestop_replica_set_log(p, 1, err, sizeof(err));
    is_int(fixture_catalog_write(p, fixture_catalog, &w), 200, "catalog");

    /* the catalog's entry read before the batch is committed */

    onestop_store_read_begin(p);
    m = onestop_replica_log(p, 0, cat, 1);
    onestop_store_read_end(p);
    ok(m == 1, "the catalog's entry");
    e[0] = cat[0];

    memset(&b, 0, sizeof(b));

    for (i = 1; i <= 30; i++) {
        onestop_buf_adds(&b, rec(buf, sizeof(buf), i, "000.30.01.H36"));
    }

    onestop_buf_add(&b, "", 1);
    is_int(fixture_import(p, b.data, today, &w), 200,
           "a batch of 30 dossiers: one commit, changes 2 to 31");
    onestop_buf_free(&b);

    onestop_store_read_begin(p);
    n = onestop_replica_log(p, 1, out, 64);
    bad = 0;

    for (i = 0; i < n; i++) {
        f = NULL;

        for (k = 0; k < out[i].nfields; k++) {
            if (out[i].field[k].name_len == 4
                && memcmp(out[i].field[k].name, "upto", 4) == 0)
            {
                f = &out[i].field[k];
            }
        }

        upto = f != NULL && f->value_len < 20
               ? strtoull(strndupa(f->value, f->value_len), NULL, 10) : 0;
        bad += upto != 31;
    }

    ok(n == 30 && bad == 0, "each of the batch's %ld entries names 31, the "
       "end of its commit", n);

    is_int((long) onestop_replica_whole(out, 10, 0), 0,
           "10 entries of it: none applied yet");
    is_int((long) onestop_replica_whole(out, 10, 1), 10,
           "... unless the read could take no more");
    is_int((long) onestop_replica_whole(out, 30, 0), 30,
           "the whole batch: all 30");

    e[1] = out[0];
    e[2] = out[1];
    is_int((long) onestop_replica_whole(e, 3, 0), 1,
           "the catalog and 2 entries of the batch: the catalog alone");
    is_int((long) onestop_replica_whole(e, 1, 0), 1,
           "the catalog alone: applied");

    /* an entry without upto (an older primary's) ends a commit itself */

    e[1].nfields--;
    is_int((long) onestop_replica_whole(e, 3, 0), 2,
           "an entry without upto: the entries up to it");

    onestop_store_read_end(p);
    onestop_store_close(p);
}


/*
 * The commit time is not in the digest: an entry without it (damaged,
 * or not a primary's) is refused, not stored as of 1970 (its change
 * log's time, the day its published figures freeze by).
 */
static void
test_no_ts(void)
{
    int                        rc;
    size_t                     k, j;
    char                       err[256], dp[4096], df[4096];
    onestop_store_t           *p, *f;
    onestop_write_t            w;
    onestop_log_entry_t        out[1], e;
    onestop_replica_result_t   res;
    onestop_replica_status_t   sf;

    fixture_path(dp, sizeof(dp), fixture_tmpdir(), "ts-primary");
    fixture_path(df, sizeof(df), fixture_tmpdir(), "ts-follower");
    p = fixture_open(dp, 64 * MB, 0, err, sizeof(err));
    f = fixture_open(df, 64 * MB, 0, err, sizeof(err));
    ok(p != NULL && f != NULL, "a primary and a follower");

    if (p == NULL || f == NULL) {
        return;
    }

    onestop_replica_set_log(p, 1, err, sizeof(err));
    onestop_replica_follow(f, "p", 1, err, sizeof(err));
    fixture_catalog_write(p, fixture_catalog, &w);

    onestop_store_read_begin(p);
    is_int(onestop_replica_log(p, 0, out, 1), 1, "the catalog's entry");

    e = out[0];

    for (k = 0, j = 0; k < out[0].nfields; k++) {
        if (out[0].field[k].name_len != 2
            || memcmp(out[0].field[k].name, "ts", 2) != 0)
        {
            e.field[j++] = out[0].field[k];
        }
    }

    e.nfields = j;

    rc = onestop_replica_apply(f, &e, 1, &res);
    ok(rc == ONESTOP_REPLICA_DIVERGED && res.bad == 1 && res.applied == 0,
       "without its commit time: refused (%s)", res.message);

    rc = onestop_replica_apply(f, out, 1, &res);
    ok(rc == ONESTOP_OK && res.applied == 1, "with it: applied");
    onestop_store_read_end(p);

    onestop_store_read_begin(f);
    onestop_replica_status(f, &sf);
    onestop_store_read_end(f);
    is_int((long) sf.seq, 1, "the follower at 1");

    onestop_store_close(p);
    onestop_store_close(f);
}


/* XREVRANGE {prefix}:log + - COUNT 1's reply: entry e with its fields,
 * field `name` (when not NULL) given `value` instead */

static redisReply *
top_reply(const onestop_log_entry_t *e, const char *name, const char *value)
{
    char          id[32];
    size_t        k;
    void         *reply;
    redisReader  *rd;
    onestop_buf_t b;

    memset(&b, 0, sizeof(b));
    onestop_buf_adds(&b, "*1\r\n*2\r\n");
    bulk(&b, id, (size_t) sprintf(id, "%llu-0", (unsigned long long) e->seq));
    onestop_buf_printf(&b, "*%zu\r\n", 2 * e->nfields);

    for (k = 0; k < e->nfields; k++) {
        bulk(&b, e->field[k].name, e->field[k].name_len);

        if (name != NULL && strlen(name) == e->field[k].name_len
            && memcmp(name, e->field[k].name, e->field[k].name_len) == 0)
        {
            bulk(&b, value, strlen(value));

        } else {
            bulk(&b, e->field[k].value, e->field[k].value_len);
        }
    }

    rd = redisReaderCreate();
    reply = NULL;

    if (redisReaderFeed(rd, b.data, b.len) != REDIS_OK
        || redisReaderGetReply(rd, &reply) != REDIS_OK)
    {
        reply = NULL;
    }

    redisReaderFree(rd);
    onestop_buf_free(&b);

    return reply;
}


/* a follower's look at the log's end (its primary restored) */

static void
test_top(onestop_day_t today)
{
    int                        i;
    char                       err[256], dp[4096], rec[512];
    redisReply                *r, empty;
    onestop_store_t           *p;
    onestop_write_t            w;
    onestop_log_entry_t        out[3];
    onestop_replica_result_t   res;

    fixture_path(dp, sizeof(dp), fixture_tmpdir(), "top-store");
    p = fixture_open(dp, 64 * MB, 0, err, sizeof(err));
    ok(p != NULL, "a store");

    if (p == NULL) {
        return;
    }

    onestop_replica_set_log(p, 1, err, sizeof(err));
    fixture_catalog_write(p, fixture_catalog, &w);

    for (i = 1; i <= 2; i++) {
        snprintf(rec, sizeof(rec),
                 "{\"code\": \"000.00.30.H36-240601-%04d\", \"version\": 1, "
                 "\"agency\": \"000.30.01.H36\", \"procedure\": \"1.000894\", "
                 "\"channel\": \"online\", "
                 "\"applicant\": {\"name\": \"Nguyễn Văn A\"}, "
                 "\"received_at\": \"2024-06-01\", \"due_at\": \"2024-06-20\"}\n",
                 i);
        fixture_import(p, rec, today, &w);
    }

    onestop_store_read_begin(p);

    if (onestop_replica_log(p, 0, out, 3) != 3) {
        ok(0, "its 3 log entries");
        onestop_store_read_end(p);
        onestop_store_close(p);
        return;
    }

    memset(&empty, 0, sizeof(empty));
    empty.type = REDIS_REPLY_ARRAY;
    is_int(onestop_replica_top(p, &empty, &res), ONESTOP_OK,
           "an empty log: go on");

    r = top_reply(&out[2], NULL, NULL);
    is_int(onestop_replica_top(p, r, &res), ONESTOP_OK,
           "the log ends at the store: go on");
    freeReplyObject(r);

    r = top_reply(&out[1], NULL, NULL);
    is_int(onestop_replica_top(p, r, &res), ONESTOP_OK,
           "the log ends below it at this store's change (Redis lost what "
           "followed): go on");
    freeReplyObject(r);

    r = top_reply(&out[1], "ts", "1000");
    is_int(onestop_replica_top(p, r, &res), ONESTOP_REPLICA_DIVERGED,
           "the log ends below it at a change of another time: diverged");
    is_int((long) res.bad, 2, "... at change 2");
    ok(strstr(res.message, "the log ends at change 2, which is not this "
                           "store's change 2 (it is at 3)") != NULL
       && strstr(res.message, "restored from an older backup") != NULL,
       "... saying so and what to do");
    freeReplyObject(r);

    r = top_reply(&out[1], "kind", "catalog");
    is_int(onestop_replica_top(p, r, &res), ONESTOP_REPLICA_DIVERGED,
           "a change of another kind: diverged");
    freeReplyObject(r);

    r = top_reply(&out[1], "kind", "gap");
    is_int(onestop_replica_top(p, r, &res), ONESTOP_OK,
           "a gap entry: nothing to compare");
    freeReplyObject(r);

    onestop_store_read_end(p);
    onestop_store_close(p);
}


int
main(void)
{
    setenv("ONESTOP_TODAY", "2024-06-15", 1);

    test_words();
    test_parse(civil(2024, 6, 15));
    test_whole(civil(2024, 6, 15));
    test_no_ts();
    test_top(civil(2024, 6, 15));
    test_done();
    test_metrics();

    return done_testing();
}
