/*
 * Unit tests of the change log (issue 15, onestop_changes.h) through the
 * public API the HTTP handler and the CLI use: after= and limit= and
 * Last-Event-ID checked, one entry per committed change with its ts and a
 * dossier's record (the lookup's object, the name masked, no contact),
 * pages as JSON and as Server-Sent Events, "from the oldest" and "from
 * now", a page that stops before a change the log does not hold, 410
 * past retention (time made to pass with ONESTOP_TODAY), 404 with no log,
 * and the same entries as the Redis round's ts and record.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_args.h"
#include "onestop_changes.h"
#include "onestop_replica.h"
#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)


static const char *
rec(char *buf, size_t size, int n, unsigned version, const char *extra)
{
    snprintf(buf, size,
             "{\"code\": \"000.00.30.H36-241201-%04d\", \"version\": %u, "
             "\"agency\": \"000.30.01.H36\", \"procedure\": \"1.000894\", "
             "\"channel\": \"online\", "
             "\"applicant\": {\"name\": \"Nguyễn Văn Thành Công\"}, "
             "\"contact\": {\"phone\": \"0912345678\", "
             "\"email\": \"cong@example.vn\"}, "
             "\"received_at\": \"2024-11-25\", \"due_at\": \"2030-12-20\"%s}\n",
             n, version, extra);

    return buf;
}


static int
query(onestop_changes_query_t *q, const char *s)
{
    char            buf[256];
    onestop_args_t  a;

    if (onestop_args_parse(&a, s, strlen(s), buf) != 0) {
        return -2;
    }

    return onestop_changes_query(q, a.arg, a.n);
}


/* a page into out (emptied first): the status */
static int
page(onestop_store_t *st, uint64_t after, size_t limit, int format,
    onestop_buf_t *out, onestop_changes_result_t *res)
{
    int  status;

    out->len = 0;
    onestop_store_read_begin(st);
    status = onestop_changes_read(st, after, limit, format, out, res);
    onestop_store_read_end(st);
    onestop_buf_add(out, "", 1);
    out->len--;

    return status;
}


static void
test_query(void)
{
    onestop_changes_query_t  q;
    uint64_t                 id;

    ok(query(&q, "") == 0 && !q.has_after && q.limit == 100,
       "no arguments: from the oldest, 100");
    ok(query(&q, "after=12&limit=1000&x=1") == 0 && q.has_after
       && q.after == 12 && q.limit == 1000, "after=12&limit=1000 (and x)");
    ok(query(&q, "after=0") == 0 && q.has_after && q.after == 0, "after=0");

    ok(query(&q, "after=abc") == -1 && strstr(q.error, "after") != NULL,
       "after=abc: %s", q.error);
    ok(query(&q, "after=-1") == -1, "after=-1");
    ok(query(&q, "after=") == -1, "after= (empty)");
    ok(query(&q, "after=99999999999999999999") == -1, "after: too large");
    ok(query(&q, "limit=0") == -1 && strstr(q.error, "1 to 1000") != NULL,
       "limit=0: %s", q.error);
    ok(query(&q, "limit=1001") == -1, "limit=1001");
    ok(query(&q, "after=1&after=2") == -1
       && strstr(q.error, "twice") != NULL, "after twice: %s", q.error);

    ok(onestop_changes_event_id(" 41 ", 4, &id) == 0 && id == 41,
       "Last-Event-ID: 41");
    ok(onestop_changes_event_id("4x", 2, &id) == -1, "Last-Event-ID: 4x");
    ok(onestop_changes_event_id("", 0, &id) == -1, "Last-Event-ID: empty");
}


static void
test_log(const char *dir, onestop_day_t today)
{
    long                       n;
    char                       err[512], r[1024], *p;
    onestop_buf_t              out;
    onestop_write_t            w;
    onestop_store_t           *st;
    onestop_change_t           ch[16];
    onestop_changes_result_t   res;

    st = fixture_open(dir, 64 * MB, 0, err, sizeof(err));
    ok(st != NULL, "a store: %s", st != NULL ? "open" : err);
    memset(&out, 0, sizeof(out));

    is_int(page(st, ONESTOP_CHANGES_OLDEST, 100, ONESTOP_CHANGES_JSON, &out,
                &res), 200, "an empty log");
    is_str(out.data, out.len, "{\"entries\":[],\"next\":0,\"oldest\":1}",
           "empty: next 0, oldest 1");

    fixture_catalog_write(st, fixture_catalog, &w);
    fixture_import(st, rec(r, sizeof(r), 1, 1, ""), today, &w);
    fixture_import(st, rec(r, sizeof(r), 1, 2,
                           ", \"resolved_at\": \"2024-11-30\""), today, &w);
    fixture_delete(st, "000.00.30.H36-241201-0001", &w);

    is_int(page(st, 0, 100, ONESTOP_CHANGES_JSON, &out, &res), 200,
           "four changes");
    is_int(res.n, 4, "four entries");
    is_int(res.next, 4, "next: 4");
    ok(strncmp(out.data, "{\"entries\":[{\"seq\":1,\"kind\":\"catalog\","
               "\"agency\":\"province\",\"ts\":\"", 60) == 0,
       "the catalog's entry");
    p = strstr(out.data, "{\"seq\":2,");
    ok(p != NULL && strncmp(p, "{\"seq\":2,\"kind\":\"dossier\",\"agency\":"
                            "\"000.30.01.H36\",\"code\":\"000.00.30.H36-"
                            "241201-0001\",\"version\":1,\"ts\":\"", 94) == 0,
       "a dossier's entry: agency, code, version, ts");
    ok(p != NULL && strstr(p, "+07:00\",\"record\":{\"code\":"
                              "\"000.00.30.H36-241201-0001\",\"applicant\":"
                              "{\"name\":\"Nguyễn V. T. C.\"") != NULL,
       "its record: the lookup's object, the name masked");
    ok(strstr(out.data, "\"status\":\"resolved\"") != NULL,
       "v2's record: resolved");
    ok(strstr(out.data, "Văn") == NULL && strstr(out.data, "0912345678")
       == NULL && strstr(out.data, "example") == NULL,
       "no full name, phone or e-mail");
    p = strstr(out.data, "{\"seq\":4,");
    ok(p != NULL && strstr(p, "\"kind\":\"delete\"") != NULL
       && strstr(p, "record") == NULL, "the deletion: no record");

    is_int(page(st, 1, 2, ONESTOP_CHANGES_JSON, &out, &res), 200,
           "after=1&limit=2");
    ok(res.n == 2 && res.next == 3 && res.oldest == 1
       && strstr(out.data, "],\"next\":3,\"oldest\":1}") != NULL,
       "2 and 3; next 3, oldest 1");
    is_int(page(st, 4, 100, ONESTOP_CHANGES_JSON, &out, &res), 200,
           "after=4: nothing new");
    ok(res.n == 0 && res.next == 4, "next stays at 4");
    is_int(page(st, 9, 100, ONESTOP_CHANGES_JSON, &out, &res), 410,
           "after=9, past a primary's every change: 410 (it was restored "
           "from an older backup)");
    ok(strstr(res.message, "ends at 4, before 9") != NULL
       && strstr(res.message, "restored") != NULL, "says so: %s",
       res.message);
    is_int(page(st, ONESTOP_CHANGES_LATEST, 100, ONESTOP_CHANGES_SSE, &out,
                &res), 200, "from now");
    ok(res.n == 0 && res.next == 4 && out.len == 0, "nothing, next 4");

    is_int(page(st, 2, 100, ONESTOP_CHANGES_SSE, &out, &res), 200, "SSE");
    ok(strncmp(out.data, "id: 3\ndata: {\"seq\":3,", 21) == 0
       && strstr(out.data, "}\n\nid: 4\ndata: {\"seq\":4,") != NULL
       && out.len > 2 && strcmp(out.data + out.len - 2, "\n\n") == 0,
       "events: id, data, a blank line");

    /* the Redis round carries the same ts and record */

    onestop_store_read_begin(st);
    n = onestop_store_outbox_read(st, 0, ch, 16);
    ok(n == 4 && ch[1].record != NULL && ch[3].record == NULL
       && ch[0].ts_len == 25, "the outbox's changes with ts and record");

    if (n == 4 && ch[1].record != NULL) {
        onestop_buf_t  log;

        memset(&log, 0, sizeof(log));
        onestop_changes_read(st, 1, 1, ONESTOP_CHANGES_JSON, &log, &res);
        ok(log.len > ch[1].record_len
           && memmem(log.data, log.len, ch[1].record, ch[1].record_len)
              != NULL
           && memmem(log.data, log.len, ch[1].ts, ch[1].ts_len) != NULL,
           "the stream's record and ts are the log's bytes");
        onestop_buf_free(&log);
    }

    onestop_store_read_end(st);

    /* 40 days on, the next write trims everything older than 31 days */

    fixture_today(today + 40);
    fixture_import(st, rec(r, sizeof(r), 2, 1, ""), today, &w);
    unsetenv("ONESTOP_TODAY");

    is_int(page(st, 0, 100, ONESTOP_CHANGES_JSON, &out, &res), 410,
           "after=0, 40 days on: 410");
    ok(strstr(res.message, "no longer holds") != NULL
       && strstr(res.message, "oldest") != NULL, "%s", res.message);
    is_int(page(st, ONESTOP_CHANGES_OLDEST, 100, ONESTOP_CHANGES_JSON, &out,
                &res), 200, "from the oldest: 200");
    ok(res.n == 0 && res.oldest == 6 && res.next == 5,
       "nothing kept (the clock's entries are older than the day set)");

    fixture_import(st, rec(r, sizeof(r), 3, 1, ""), today, &w);
    is_int(page(st, 5, 100, ONESTOP_CHANGES_JSON, &out, &res), 200,
           "after=5: the next write");
    ok(res.n == 1 && res.oldest == 6, "one entry, oldest 6");
    is_int(page(st, 4, 100, ONESTOP_CHANGES_JSON, &out, &res), 410,
           "after=4: gone");

    /* a follower may be behind its primary, whose cursor a reader has:
     * past its every change, it waits (200, nothing yet) */

    {
        char  err[256];

        ok(onestop_replica_follow(st, "onestop", 7, err, sizeof(err)) == 0,
           "the store made a follower: %s", err);
        is_int(page(st, 9, 100, ONESTOP_CHANGES_JSON, &out, &res), 200,
               "a follower, after=9: 200");
        ok(res.n == 0 && res.next == 9, "nothing yet, next 9");
    }

    onestop_buf_free(&out);
    onestop_store_close(st);
}


static void
test_off(const char *dir, onestop_day_t today)
{
    char                       err[512], r[1024];
    onestop_buf_t              out;
    onestop_write_t            w;
    onestop_store_t           *st;
    onestop_store_conf_t       conf;
    onestop_changes_result_t   res;

    memset(&conf, 0, sizeof(conf));
    conf.map_size = 64 * MB;
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.changelog_days = ONESTOP_CHANGES_OFF;

    ok(onestop_store_open(&st, dir, &conf, err, sizeof(err)) == ONESTOP_OK,
       "a store without a change log");
    memset(&out, 0, sizeof(out));

    fixture_catalog_write(st, fixture_catalog, &w);
    fixture_import(st, rec(r, sizeof(r), 1, 1, ""), today, &w);
    is_int(page(st, 0, 100, ONESTOP_CHANGES_JSON, &out, &res), 404,
           "no change log: 404");
    is_int(onestop_changes_days(st), 0, "0 days");
    onestop_store_close(st);

    /* opened again without a setting (the CLI): what the store records */

    st = fixture_open(dir, 64 * MB, 0, err, sizeof(err));
    is_int(onestop_changes_days(st), 0, "the store records 0 days");
    onestop_store_close(st);

    conf.changelog_days = 7;
    onestop_store_open(&st, dir, &conf, err, sizeof(err));
    fixture_import(st, rec(r, sizeof(r), 2, 1, ""), today, &w);
    is_int(page(st, 3, 100, ONESTOP_CHANGES_JSON, &out, &res), 200,
           "7 days: a log again, from the next change");
    is_int(page(st, 0, 100, ONESTOP_CHANGES_JSON, &out, &res), 410,
           "the changes written without it: gone");
    onestop_store_close(st);

    onestop_buf_free(&out);
}


int
main(void)
{
    char            d1[4200], d2[4200];
    const char     *tmp;
    onestop_day_t   today;

    unsetenv("ONESTOP_TODAY");
    tmp = fixture_tmpdir();
    today = onestop_today(ONESTOP_DEFAULT_OFFSET);

    test_query();
    test_log(fixture_path(d1, sizeof(d1), tmp, "log"), today);
    test_off(fixture_path(d2, sizeof(d2), tmp, "off"), today);

    return done_testing();
}
