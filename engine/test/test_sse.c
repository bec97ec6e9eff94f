/*
 * Unit tests of a change log's stream of Server-Sent Events apart from
 * its connection (onestop_sse.h): where it resumes (Last-Event-ID, else
 * after=, else what comes next), its start (the reconnection delay, the
 * entries past it), a tick that waits while the client has not taken the
 * last send, reads only when something was committed past what it sent
 * (or when nothing says), a heartbeat after a quiet of its length, and a
 * client behind the log told "gone".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "onestop_args.h"
#include "onestop_sse.h"
#include "onestop_store.h"

#include "tap.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)


/* s->out as a C string */
static const char *
out(onestop_sse_t *s)
{
    onestop_buf_add(&s->out, "", 1);
    s->out.len--;

    return s->out.data;
}


static void
test_resume(void)
{
    uint64_t                 after;
    onestop_changes_query_t  q;

    memset(&q, 0, sizeof(q));

    ok(onestop_sse_resume(&q, NULL, 0, &after) == 0
       && after == ONESTOP_CHANGES_LATEST, "no id, no after=: what is next");
    q.has_after = 1;
    q.after = 7;
    ok(onestop_sse_resume(&q, NULL, 0, &after) == 0 && after == 7,
       "after=7");
    ok(onestop_sse_resume(&q, "12", 2, &after) == 0 && after == 12,
       "Last-Event-ID over after=");
    is_int(onestop_sse_resume(&q, "x", 1, &after), -1,
           "a Last-Event-ID that is no seq");
}


static void
test_stream(onestop_store_t *st, onestop_day_t today)
{
    int                       n;
    onestop_sse_t             s;
    onestop_write_t           w;
    onestop_changes_result_t  res;

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200, "catalog");
    is_int(fixture_dossier(st, 1, today), 200, "a dossier");

    memset(&s, 0, sizeof(s));
    onestop_store_read_begin(st);
    is_int(onestop_sse_open(&s, st, 0, 1000, &res), 200, "opened after 0");
    onestop_store_read_end(st);

    ok(strncmp(out(&s), "retry: 2000\n\nid: 1\n", 19) == 0,
       "the reconnection delay, then the first entry");
    ok(strstr(out(&s), "\nid: 2\n") != NULL, "and the second");
    is_int(s.after, 2, "sent up to 2");

    is_int(onestop_sse_tick(&s, 200, 2), ONESTOP_SSE_WAIT,
           "not taken yet: it waits");
    onestop_sse_sent(&s);
    s.quiet = 0;
    is_int(onestop_sse_tick(&s, 200, 2), ONESTOP_SSE_IDLE,
           "nothing past 2: idle");
    onestop_sse_idle(&s);
    is_int(s.out.len, 0, "no heartbeat before its time");

    for (n = 0; n < 4; n++) {
        onestop_sse_tick(&s, 200, 2);
    }

    onestop_sse_idle(&s);
    is_str(s.out.data, s.out.len, ": heartbeat\n\n", "a heartbeat after 1 s");
    onestop_sse_sent(&s);
    s.quiet = 0;

    is_int(fixture_dossier(st, 2, today), 200, "another");
    is_int(onestop_sse_tick(&s, 200, 3), ONESTOP_SSE_READ,
           "committed past what was sent: read");
    is_int(onestop_sse_tick(&s, 0, ONESTOP_SSE_UNKNOWN), ONESTOP_SSE_READ,
           "nothing says where the store is: read");

    onestop_store_read_begin(st);
    is_int(onestop_sse_read(&s, st), 0, "read");
    onestop_store_read_end(st);
    ok(strncmp(out(&s), "id: 3\n", 6) == 0, "the new entry");
    is_int(s.after, 3, "sent up to 3");
    onestop_sse_idle(&s);
    ok(strstr(out(&s), "heartbeat") == NULL, "no heartbeat beside it");
    onestop_sse_sent(&s);

    /* 40 days on, the log holds nothing of before: the client is told */

    fixture_today(today + 40);
    fixture_dossier(st, 3, today);
    fixture_dossier(st, 4, today);
    unsetenv("ONESTOP_TODAY");

    s.after = 1;
    onestop_store_read_begin(st);
    is_int(onestop_sse_read(&s, st), 1, "behind the log: gone");
    onestop_store_read_end(st);
    ok(strncmp(out(&s), "event: gone\ndata: {\"error\":{\"code\":\"gone\","
               "\"message\":\"the change log no longer holds",
               strlen("event: gone\ndata: {\"error\":{\"code\":\"gone\","
                      "\"message\":\"the change log no longer holds")) == 0,
       "the event says so");
    {
        /* its data line is JSON: the message's quotes escaped */
        const char  *d = strstr(out(&s), "data: ");
        yajl_val     v = d ? yajl_tree_parse(d + 6, NULL, 0) : NULL;

        ok(v != NULL, "the event's data is JSON");
        yajl_tree_free(v);
    }

    onestop_buf_free(&s.out);
}


int
main(void)
{
    char              err[512];
    onestop_day_t     today;
    onestop_store_t  *st;

    unsetenv("ONESTOP_TODAY");
    today = onestop_today(ONESTOP_DEFAULT_OFFSET);

    test_resume();

    st = fixture_open(fixture_tmpdir(), 64 * MB, 0, err, sizeof(err));
    ok(st != NULL, "a store: %s", st != NULL ? "open" : err);

    if (st != NULL) {
        test_stream(st, today);
        onestop_store_close(st);
    }

    return done_testing();
}
