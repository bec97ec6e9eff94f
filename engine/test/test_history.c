/*
 * Unit tests of engine/history.c (issue 18): what a new version keeps of
 * the one it replaces (earlier apology letters, due date changes), that a
 * version merged twice gives the same bytes, the limits, the record's
 * binary form with a history, and the events the counters take from it.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_history.h"
#include "onestop_stats.h"
#include "tap.h"

#define OFF  (7 * 3600)

static onestop_day_t  today;


static onestop_ts_t
day_ts(onestop_day_t d)
{
    onestop_ts_t  t;

    t.sec = (int64_t) d * 86400 - OFF;
    t.set = 1;
    t.date_only = 1;
    return t;
}


static onestop_record_t
rec(onestop_day_t received, onestop_day_t due)
{
    onestop_record_t  r;

    memset(&r, 0, sizeof(r));
    r.version = 1;
    r.agency_id = 1;
    r.procedure_id = 1;
    r.name.data = "Phạm Thị Lan";
    r.name.len = strlen(r.name.data);
    r.t[ONESTOP_T_RECEIVED] = day_ts(received);

    if (due) {
        r.t[ONESTOP_T_DUE] = day_ts(due);
    }

    return r;
}


static void
letter(onestop_record_t *r, onestop_day_t issued, onestop_day_t new_due,
    const char *reason)
{
    r->has_apology = 1;
    r->t[ONESTOP_T_APOLOGY_ISSUED] = day_ts(issued);
    r->t[ONESTOP_T_APOLOGY_NEW_DUE] = day_ts(new_due);
    r->reason.data = reason;
    r->reason.len = strlen(reason);
}


/* r as the store keeps it: encoded, then decoded from buf */

static void
stored(onestop_record_t *r, uint8_t **buf)
{
    size_t  n;

    n = onestop_record_size(r);
    *buf = malloc(n);
    onestop_record_encode(r, *buf);
    ok(onestop_record_decode(*buf, n, r) == 0, "the record with its history "
       "decodes");
}


static size_t
count(const onestop_record_t *r, int type)
{
    size_t                  n, pos;
    onestop_history_item_t  it;

    n = 0;
    pos = 0;

    while (onestop_history_next(r->history.data, r->history.len, &pos, &it)
           == 1)
    {
        n += it.type == type;
    }

    return n;
}


static size_t
events(const onestop_record_t *r, int counter, onestop_day_t *day)
{
    size_t           i, n, k;
    onestop_event_t  ev[ONESTOP_EVENTS_MAX];

    n = onestop_contrib(r, OFF, ev);
    k = 0;

    for (i = 0; i < n; i++) {
        if (ev[i].counter == counter) {
            k++;

            if (day != NULL) {
                *day = ev[i].day;
            }
        }
    }

    return k;
}


static void
test_letters(void)
{
    int                rc;
    size_t             n;
    uint8_t           *b1, *b2, *b3;
    const char        *why;
    onestop_buf_t      h;
    onestop_str_t      key = onestop_str("desk");
    onestop_letter_t   l[ONESTOP_LETTERS_MAX];
    onestop_record_t   v1, v2, v2b, v3, fresh;

    memset(&h, 0, sizeof(h));

    v1 = rec(today - 20, today - 10);
    letter(&v1, today - 11, today - 5, "Chờ ý kiến");
    rc = onestop_history_merge(&h, NULL, &v1, &key, 0, OFF, today, &why);
    is_int(rc, 0, "a new dossier: merged");
    is_int(v1.history.len, 0, "nothing kept yet");
    stored(&v1, &b1);

    v2 = rec(today - 20, today - 10);
    v2.version = 2;
    letter(&v2, today - 4, today + 3, "Cần xác minh");
    rc = onestop_history_merge(&h, &v1, &v2, &key, 0, OFF, today, &why);
    is_int(rc, 0, "a second letter: merged");
    is_int(count(&v2, ONESTOP_HISTORY_LETTER), 1, "the first one kept");
    is_int(count(&v2, ONESTOP_HISTORY_MOVE), 0, "no move: the same due date");
    stored(&v2, &b2);

    n = onestop_record_letters(&v2, l);
    is_int(n, 2, "two letters");
    is_int(onestop_ts_day(&l[0].issued, OFF), today - 11, "oldest first");
    is_str(l[0].reason.data, l[0].reason.len, "Chờ ý kiến",
           "the first letter's reason");
    is_int(onestop_ts_day(&l[1].issued, OFF), today - 4, "then the current");
    is_int(events(&v2, ONESTOP_K_APOLOGY, NULL), 2, "two letter events");

    /* the same version merged again from what is stored: the same bytes */

    v2b = rec(today - 20, today - 10);
    v2b.version = 2;
    letter(&v2b, today - 4, today + 3, "Cần xác minh");
    rc = onestop_history_merge(&h, &v2, &v2b, &key, 0, OFF, today, &why);
    is_int(rc, 0, "the same version again: merged");
    n = onestop_record_size(&v2b);
    b3 = malloc(n);
    onestop_record_encode(&v2b, b3);
    ok(onestop_record_same(b2, onestop_record_size(&v2), b3, n),
       "the same bytes: the resend is unchanged");
    free(b3);

    /* the current letter sent again, corrected, and then none */

    v3 = rec(today - 20, today - 10);
    v3.version = 3;
    letter(&v3, today - 4, today + 3, "Cần xác minh thêm");
    rc = onestop_history_merge(&h, &v2, &v3, &key, 0, OFF, today, &why);
    is_int(count(&v3, ONESTOP_HISTORY_LETTER), 1,
           "the same issue time: corrected, not kept twice");
    onestop_buf_free(&h);
    memset(&h, 0, sizeof(h));

    v3 = rec(today - 20, today - 10);
    v3.version = 3;
    rc = onestop_history_merge(&h, &v2, &v3, &key, 0, OFF, today, &why);
    is_int(count(&v3, ONESTOP_HISTORY_LETTER), 2,
           "a version without a letter keeps both");
    is_int(events(&v3, ONESTOP_K_APOLOGY, NULL), 2, "still two events");

    /* after a deletion: a new history */

    fresh = rec(today - 2, today + 5);
    fresh.version = 9;
    v3.tombstone = 1;
    rc = onestop_history_merge(&h, &v3, &fresh, &key, 0, OFF, today, &why);
    is_int(fresh.history.len, 0, "over a tombstone: nothing kept");

    free(b1);
    free(b2);
    onestop_buf_free(&h);
}


static void
test_moves(void)
{
    int                     rc;
    size_t                  pos;
    int64_t                 at;
    uint8_t                *b;
    onestop_day_t           day;
    const char             *why;
    onestop_buf_t           h;
    onestop_str_t           key = onestop_str("so-tu-phap");
    onestop_record_t        v1, v2, v3, v4;
    onestop_history_item_t  it;

    memset(&h, 0, sizeof(h));

    v1 = rec(today - 20, today + 2);
    v2 = rec(today - 20, today + 4);
    v2.version = 2;
    rc = onestop_history_merge(&h, &v1, &v2, &key, 1000, OFF, today, &why);
    is_int(rc, 0, "a move before the date");
    stored(&v2, &b);
    pos = 0;
    ok(onestop_history_next(v2.history.data, v2.history.len, &pos, &it) == 1
       && it.type == ONESTOP_HISTORY_MOVE, "one move kept");
    ok(!(it.move.flags & ONESTOP_MOVE_LATE), "not late");
    is_int(onestop_ts_day(&it.move.from, OFF), today + 2, "from");
    is_int(onestop_ts_day(&it.move.to, OFF), today + 4, "to");
    is_int(it.move.at, 1000, "when");
    is_str(it.move.by.data, it.move.by.len, "so-tu-phap", "by which key");
    is_int(events(&v2, ONESTOP_K_DUE_MOVED_LATE, NULL), 0,
           "no late move counted");

    /* later, the date passed: moved for a supplement, then taken away */

    v3 = rec(today - 20, today + 9);
    v3.version = 3;
    v3.due_change = ONESTOP_DUE_CHANGE_SUPPLEMENT;
    at = (int64_t) (today + 6) * 86400;
    rc = onestop_history_merge(&h, &v2, &v3, &key, at, OFF, today + 6,
                               &why);
    is_int(rc, 0, "a move after the date passed");
    is_int(count(&v3, ONESTOP_HISTORY_MOVE), 2, "two moves kept");
    is_int(events(&v3, ONESTOP_K_DUE_MOVED_LATE, &day), 1,
           "one late move counted");
    is_int(day, today + 6, "on the day of the move");
    free(b);
    stored(&v3, &b);

    v4 = rec(today - 20, 0);
    v4.version = 4;
    v4.due_change = ONESTOP_DUE_CHANGE_CORRECTION;
    rc = onestop_history_merge(&h, &v3, &v4, NULL, at + 14 * 86400, OFF,
                               today + 20, &why);
    is_int(count(&v4, ONESTOP_HISTORY_MOVE), 3,
           "a deadline taken away is a move too");
    is_int(events(&v4, ONESTOP_K_DUE_MOVED_LATE, &day), 1,
           "still one late move: the first one's day");
    is_int(day, today + 6, "the first late move's day");
    is_int(events(&v4, ONESTOP_K_DUE, NULL), 0,
           "without a deadline: no due event");

    free(b);
    onestop_buf_free(&h);
}


static void
test_limits(void)
{
    int                i, rc;
    const char        *why;
    onestop_buf_t      h;
    onestop_record_t   old, r;
    uint8_t           *bufs[ONESTOP_LETTERS_MAX + 2];

    memset(&h, 0, sizeof(h));
    old = rec(today - 200, today - 150);
    letter(&old, today - 150, today - 140, "");
    rc = 0;

    for (i = 0; i < ONESTOP_LETTERS_MAX + 1; i++) {
        r = rec(today - 200, today - 150);
        r.version = (uint64_t) i + 2;
        letter(&r, today - 149 + i, today - 100, "");
        why = NULL;
        rc = onestop_history_merge(&h, &old, &r, NULL, 0, OFF, today, &why);

        if (rc != 0) {
            break;
        }

        bufs[i] = malloc(onestop_record_size(&r));
        onestop_record_encode(&r, bufs[i]);
        onestop_record_decode(bufs[i], onestop_record_size(&r), &old);
    }

    is_int(i, ONESTOP_LETTERS_MAX - 1, "letters up to 16 are kept");
    is_int(rc, -1, "the 17th is refused");
    ok(why != NULL && strstr(why, "16") != NULL, "saying so (%s)",
       why ? why : "null");

    while (i-- > 0) {
        free(bufs[i]);
    }

    onestop_buf_free(&h);

    ok(onestop_history_check("X", 1) != 0, "an unknown item: not a history");
    ok(onestop_history_check("L\1\2", 3) != 0, "a cut item: not a history");
}


int
main(void)
{
    today = onestop_days_from_civil(2024, 6, 15);

    test_letters();
    test_moves();
    test_limits();

    return done_testing();
}
