/*
 * Unit tests of engine/record.c against SPEC sections 3 and 4 and
 * DOMAIN.md: dossier codes, every validity rule at its boundary (local
 * dates in UTC+07:00, "today" given explicitly), status and timeliness,
 * the status texts.  The binary form is test_record_codec.c's, the
 * masking of names test_mask.c's.
 */

#include "record_fixture.h"


/* today for the rules: far after every date used, unless a test says */
static onestop_day_t  today;


static void
valid(const onestop_record_t *r, onestop_day_t day, const char *what)
{
    int          rc;
    const char  *why;

    why = NULL;
    rc = onestop_record_check(r, OFF, day, &why);
    is_int(rc, 0, "valid: %s", what);

    if (rc != 0) {
        printf("#   why: %s\n", why ? why : "(null)");
    }
}


static void
invalid(const onestop_record_t *r, onestop_day_t day, const char *what)
{
    int          rc;
    const char  *why;

    why = NULL;
    rc = onestop_record_check(r, OFF, day, &why);
    is_int(rc, -1, "invalid: %s", what);
    ok(rc == 0 || (why != NULL && why[0] != '\0'),
       "... with a reason (%s)", why ? why : "(null)");
}


static void
test_code_forgiven(void)
{
    size_t       len;
    char         up[ONESTOP_CODE_MAX];
    const char  *s;

    s = "  000.00.12.h36-190709-0001\t\r\n";
    len = strlen(s);
    onestop_code_trim(&s, &len);
    is_int((int) len, 25, "spaces, tab and newline around a code trimmed");
    ok(memcmp(s, "000.00.12.h36", 13) == 0, "from its first byte");
    ok(onestop_code_upper(up, s, len), "a lower-case letter: worth a look");
    ok(memcmp(up, "000.00.12.H36-190709-0001", 25) == 0, "upper-cased");

    s = "\xc2\xa0\xe2\x80\x8b" "ab-1" "\xef\xbb\xbf\xc2\xa0 ";
    len = strlen(s);
    onestop_code_trim(&s, &len);
    ok(len == 4 && memcmp(s, "ab-1", 4) == 0,
       "no-break and zero-width spaces of a paste trimmed");

    s = "   ";
    len = 3;
    onestop_code_trim(&s, &len);
    is_int((int) len, 0, "only spaces: empty");

    s = "a b";
    len = 3;
    onestop_code_trim(&s, &len);
    is_int((int) len, 3, "a space inside is kept (and the code invalid)");
    ok(!onestop_code_upper(up, s, len), "an invalid code is not looked up");
    ok(!onestop_code_upper(up, "AB-1", 4), "upper case already: no 2nd look");

    s = "\xc3\xa9";
    len = 2;
    onestop_code_trim(&s, &len);
    is_int((int) len, 2, "a letter of 2 bytes is not a space");
}


static void
test_code(void)
{
    int    c, bad_mid, bad_edge;
    char   buf[70];

    ok(onestop_code_valid("A", 1), "a code of 1 byte");
    ok(onestop_code_valid("7", 1), "a code of 1 digit");
    ok(!onestop_code_valid("", 0), "not an empty code");
    ok(onestop_code_valid("000.00.12.H36-190709-0001", 25), "SPEC's example");
    ok(onestop_code_valid("a_b", 3), "underscore inside");
    ok(onestop_code_valid("a.b", 3), "dot inside");
    ok(onestop_code_valid("a-b", 3), "hyphen inside");
    ok(onestop_code_valid("a..--__b", 8), "runs of . - _ inside");
    ok(onestop_code_valid("ab", 2), "two letters");

    memset(buf, 'x', sizeof(buf));
    ok(onestop_code_valid(buf, 64), "a code of 64 bytes");
    ok(!onestop_code_valid(buf, 65), "not a code of 65 bytes");
    buf[0] = '9';
    buf[63] = 'Z';
    buf[30] = '.';
    ok(onestop_code_valid(buf, 64), "64 bytes with a dot");
    ok(!onestop_code_valid(buf, 66), "not 66 bytes");

    ok(!onestop_code_valid(".a", 2), "not beginning with a dot");
    ok(!onestop_code_valid("a.", 2), "not ending with a dot");
    ok(!onestop_code_valid("-a", 2), "not beginning with a hyphen");
    ok(!onestop_code_valid("a-", 2), "not ending with a hyphen");
    ok(!onestop_code_valid("_a", 2), "not beginning with an underscore");
    ok(!onestop_code_valid("a_", 2), "not ending with an underscore");
    ok(!onestop_code_valid(".", 1), "not a lone dot");
    ok(!onestop_code_valid("-", 1), "not a lone hyphen");
    ok(!onestop_code_valid("_", 1), "not a lone underscore");
    ok(!onestop_code_valid("a b", 3), "no space");
    ok(!onestop_code_valid("a/b", 3), "no slash");
    ok(!onestop_code_valid("a%2Fb", 5), "no percent");
    ok(!onestop_code_valid("a+b", 3), "no plus");
    ok(!onestop_code_valid("a\0b", 3), "no NUL");
    ok(!onestop_code_valid("ab\n", 3), "no newline");
    ok(!onestop_code_valid("\xc4\x90", 2), "not \"Đ\"");
    ok(!onestop_code_valid("Nguy\xe1\xbb\x85n", 8), "not \"Nguyễn\"");
    ok(!onestop_code_valid("ha\xcc\x80", 4), "no combining mark");
    ok(!onestop_code_valid("\xc3\xa1" "b", 3), "not \"áb\"");
    ok(!onestop_code_valid("a\xc2\xa0" "b", 4), "no no-break space");
    ok(!onestop_code_valid("\xef\xbc\xa1", 3), "no full-width A");

    /* every byte, inside and at the edges */

    bad_mid = 0;
    bad_edge = 0;

    for (c = 0; c < 256; c++) {
        int  alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                     || (c >= '0' && c <= '9');
        int  punct = c == '.' || c == '-' || c == '_';

        buf[0] = 'a';
        buf[1] = (char) c;
        buf[2] = 'b';

        if (onestop_code_valid(buf, 3) != (alnum || punct)) {
            bad_mid++;
            printf("# byte 0x%02x inside\n", c);
        }

        if (onestop_code_valid(buf + 1, 2) != alnum
            || onestop_code_valid(buf, 2) != alnum
            || onestop_code_valid(buf + 1, 1) != alnum)
        {
            bad_edge++;
            printf("# byte 0x%02x at an edge\n", c);
        }
    }

    is_int(bad_mid, 0, "inside: exactly A-Z a-z 0-9 . - _");
    is_int(bad_edge, 0, "at either edge: exactly A-Z a-z 0-9");
}


static void
test_rules(void)
{
    onestop_record_t  r;
    onestop_day_t     t;

    today = civil(2019, 8, 1);

    /* required times */

    r = rec("2019-07-09T08:00:00+07:00", "2019-07-16", NULL, NULL, NULL);
    valid(&r, today, "received and due only");
    r = rec(NULL, "2019-07-16", NULL, NULL, NULL);
    invalid(&r, today, "no received_at");
    r = rec("2019-07-09T08:00:00+07:00", NULL, NULL, NULL, NULL);
    valid(&r, today, "no due_at: a procedure without a deadline (issue 18)");

    /* years 1990-2100 on local dates: statistics index by them, and a
     * counter of 1989's December would be written out of every range */

    r = rec("1990-01-01T00:00:00+14:00", "2019-07-16", NULL, NULL, NULL);
    invalid(&r, today, "received 1990-01-01T00:00+14:00 is local 1989-12-31");
    r = rec("1990-01-01T00:00:00+07:00", "2019-07-16", NULL, NULL, NULL);
    valid(&r, today, "received local 1990-01-01 00:00");
    r = rec("2019-07-09T08:00:00+07:00", "2100-12-31T23:59:59-12:00", NULL,
            NULL, NULL);
    invalid(&r, today, "due 2100-12-31T23:59:59-12:00 is local 2101-01-01");
    r = rec("2019-07-09T08:00:00+07:00", "2100-12-31T23:59:59+07:00", NULL,
            NULL, NULL);
    valid(&r, today, "due local 2100-12-31 23:59:59");

    /* received <= due, on local dates */

    r = rec("2019-07-09T08:00:00+07:00", "2019-07-09T16:59:00Z", NULL, NULL,
            NULL);
    valid(&r, today, "due 2019-07-09T16:59Z is local 23:59 of the day "
          "received");
    r = rec("2019-07-09T08:00:00+07:00", "2019-07-09", NULL, NULL, NULL);
    valid(&r, today, "due the date received (an earlier instant)");
    r = rec("2019-07-09T16:59:59Z", "2019-07-09", NULL, NULL, NULL);
    valid(&r, today, "received local 23:59:59, due that date");
    r = rec("2019-07-09T17:00:00Z", "2019-07-09", NULL, NULL, NULL);
    invalid(&r, today, "received 2019-07-09T17:00Z is local 07-10, after "
            "due 07-09");
    r = rec("2019-07-09T17:30:00Z", "2019-07-09T20:00:00Z", NULL, NULL,
            NULL);
    valid(&r, today, "received and due on local 07-10 (UTC 07-09)");
    r = rec("2019-07-09T08:00:00+07:00", "2019-07-08T16:59:59Z", NULL, NULL,
            NULL);
    invalid(&r, today, "due local 07-08 23:59:59, received 07-09");
    r = rec("2019-07-09T08:00:00+07:00", "2019-07-10T00:30:00+09:00", NULL,
            NULL, NULL);
    valid(&r, today, "due 07-10T00:30+09:00 is local 07-09");
    r = rec("2019-07-09T08:00:00+07:00", "2019-07-09T01:00:00+09:00", NULL,
            NULL, NULL);
    invalid(&r, today, "due 07-09T01:00+09:00 is local 07-08");

    /* received <= resolved */

    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16",
            "2019-07-09T08:00:00+07:00", NULL, NULL);
    valid(&r, today, "resolved the day received, at an earlier hour");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", "2019-07-09", NULL,
            NULL);
    valid(&r, today, "resolved the date received");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16",
            "2019-07-08T23:59:59+07:00", NULL, NULL);
    invalid(&r, today, "resolved the local day before received");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16",
            "2019-07-09T00:30:00+09:00", NULL, NULL);
    invalid(&r, today, "resolved 07-09T00:30+09:00 is local 07-08");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", "2019-07-08T17:00:00Z",
            NULL, NULL);
    valid(&r, today, "resolved 07-08T17:00Z is local 07-09");

    /* resolved <= returned; returned needs resolved */

    r = rec("2019-07-09", "2019-07-16", "2019-07-12T15:00:00+07:00",
            "2019-07-12T09:00:00+07:00", NULL);
    valid(&r, today, "returned the day resolved, at an earlier hour");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12", "2019-07-12", NULL);
    valid(&r, today, "returned the date resolved");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12", "2019-07-20", NULL);
    valid(&r, today, "returned after due");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12",
            "2019-07-11T23:59:59+07:00", NULL);
    invalid(&r, today, "returned the local day before resolved");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12", "2019-07-11T16:59:59Z",
            NULL);
    invalid(&r, today, "returned 07-11T16:59:59Z, local 07-11, before "
            "resolved 07-12");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12", "2019-07-11T17:00:00Z",
            NULL);
    valid(&r, today, "returned 07-11T17:00Z is local 07-12");
    r = rec("2019-07-09", "2019-07-16", NULL, "2019-07-12", NULL);
    invalid(&r, today, "returned without resolved");
    r = rec("2019-07-09", "2019-07-16", NULL, "2019-07-12", "2019-07-12");
    invalid(&r, today, "returned and withdrawn, never resolved");

    /* received <= withdrawn */

    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", NULL, NULL,
            "2019-07-09T08:00:00+07:00");
    valid(&r, today, "withdrawn the day received");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", NULL, NULL,
            "2019-07-30");
    valid(&r, today, "withdrawn after due");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", NULL, NULL,
            "2019-07-08");
    invalid(&r, today, "withdrawn the day before received");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", NULL, NULL,
            "2019-07-08T16:59:59Z");
    invalid(&r, today, "withdrawn 07-08T16:59:59Z is local 07-08");
    r = rec("2019-07-09T15:00:00+07:00", "2019-07-16", NULL, NULL,
            "2019-07-08T17:00:00Z");
    valid(&r, today, "withdrawn 07-08T17:00Z is local 07-09");

    /* not both resolved and withdrawn */

    r = rec("2019-07-09", "2019-07-16", "2019-07-12", NULL, "2019-07-13");
    invalid(&r, today, "resolved and withdrawn");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12", "2019-07-13",
            "2019-07-13");
    invalid(&r, today, "resolved, returned and withdrawn");

    /* the apology: due < new_due, issued and new_due both needed */

    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-17T09:00:00+07:00", "2019-07-19");
    valid(&r, today, "SPEC's apology");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-17");
    valid(&r, today, "new due the day after due");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-16");
    invalid(&r, today, "new due on the due date");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-15");
    invalid(&r, today, "new due before the due date");
    r = rec("2019-07-09", "2019-07-16T17:00:00+07:00", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-16T23:00:00+07:00");
    invalid(&r, today, "new due a later hour of the due date");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-16T17:00:00Z");
    valid(&r, today, "new due 07-16T17:00Z is local 07-17");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-16T16:59:59Z");
    invalid(&r, today, "new due 07-16T16:59:59Z is local 07-16");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-17T00:30:00+09:00");
    invalid(&r, today, "new due 07-17T00:30+09:00 is local 07-16");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, NULL, "2019-07-19");
    invalid(&r, today, "an apology without issued_at");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", NULL);
    invalid(&r, today, "an apology without new_due_at");
    r = rec("2019-07-09", "2019-07-16", "2019-07-18", NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-19");
    valid(&r, today, "an apology on a resolved dossier");

    /* a letter for a dossier the agency held and that was, or would be,
     * late: not before it was received, not after it was closed by its
     * due date (Điều 11.3) */

    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-08", "2019-07-19");
    invalid(&r, today, "an apology issued the day before the dossier was "
            "received");
    r = rec("2019-07-09T08:00:00+07:00", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-08T17:30:00Z", "2019-07-19");
    valid(&r, today, "apology 07-08T17:30Z (local 07-09 00:30) before "
          "received 07-09T08:00+07:00: the same local day");
    r = rec("2019-07-09T08:00:00+07:00", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-08T16:59:59Z", "2019-07-19");
    invalid(&r, today, "apology 07-08T16:59:59Z is local 07-08, before "
            "received");
    r = rec("2019-07-09", "2019-07-16", "2019-07-10", NULL, NULL);
    apology(&r, "2019-07-12", "2019-07-19");
    invalid(&r, today, "an apology issued after an early resolution");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16", NULL, NULL);
    apology(&r, "2019-07-17", "2019-07-19");
    invalid(&r, today, "an apology issued after an on-time resolution");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16", NULL, NULL);
    apology(&r, "2019-07-16", "2019-07-19");
    valid(&r, today, "an apology issued the day of an on-time resolution");
    r = rec("2019-07-09", "2019-07-16", "2019-07-12", NULL, NULL);
    apology(&r, "2019-07-11", "2019-07-19");
    valid(&r, today, "an apology issued before the dossier was resolved "
          "in time after all");
    r = rec("2019-07-09", "2019-07-16", "2019-07-18", NULL, NULL);
    apology(&r, "2019-07-19", "2019-07-20");
    valid(&r, today, "an apology issued after a late resolution");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, "2019-07-10");
    apology(&r, "2019-07-12", "2019-07-19");
    invalid(&r, today, "an apology issued after a withdrawal by the due "
            "date");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, "2019-07-18");
    apology(&r, "2019-07-19", "2019-07-20");
    valid(&r, today, "an apology issued after a withdrawal past the due "
          "date");

    /* no more than one day in the future: received, resolved, returned,
     * withdrawn and the apology's issue; due and new due may be later */

    t = civil(2019, 7, 20);

    r = rec("2019-07-20", "2019-07-25", NULL, NULL, NULL);
    valid(&r, t, "received today");
    r = rec("2019-07-21", "2019-07-25", NULL, NULL, NULL);
    valid(&r, t, "received tomorrow");
    r = rec("2019-07-22", "2019-07-25", NULL, NULL, NULL);
    invalid(&r, t, "received the day after tomorrow");
    r = rec("2019-07-21T16:59:59Z", "2019-07-25", NULL, NULL, NULL);
    valid(&r, t, "received 07-21T16:59:59Z, local tomorrow 23:59:59");
    r = rec("2019-07-21T17:00:00Z", "2019-07-25", NULL, NULL, NULL);
    invalid(&r, t, "received 07-21T17:00Z, local the day after tomorrow");
    r = rec("2019-07-22T00:30:00+09:00", "2019-07-25", NULL, NULL, NULL);
    valid(&r, t, "received 07-22T00:30+09:00, local tomorrow");
    r = rec("2019-07-20", "2030-12-31", NULL, NULL, NULL);
    valid(&r, t, "due years ahead");

    r = rec("2019-07-19", "2019-07-25", "2019-07-21", NULL, NULL);
    valid(&r, t, "resolved tomorrow");
    r = rec("2019-07-19", "2019-07-25", "2019-07-22", NULL, NULL);
    invalid(&r, t, "resolved the day after tomorrow");
    r = rec("2019-07-19", "2019-07-25", "2019-07-21T17:00:00Z", NULL, NULL);
    invalid(&r, t, "resolved 07-21T17:00Z, local the day after tomorrow");

    r = rec("2019-07-19", "2019-07-25", "2019-07-20", "2019-07-21", NULL);
    valid(&r, t, "returned tomorrow");
    r = rec("2019-07-19", "2019-07-25", "2019-07-20", "2019-07-22", NULL);
    invalid(&r, t, "returned the day after tomorrow");
    r = rec("2019-07-19", "2019-07-25", "2019-07-20", "2019-07-21T17:00:00Z",
            NULL);
    invalid(&r, t, "returned 07-21T17:00Z, local the day after tomorrow");

    r = rec("2019-07-19", "2019-07-25", NULL, NULL, "2019-07-21");
    valid(&r, t, "withdrawn tomorrow");
    r = rec("2019-07-19", "2019-07-25", NULL, NULL, "2019-07-22");
    invalid(&r, t, "withdrawn the day after tomorrow");
    r = rec("2019-07-19", "2019-07-25", NULL, NULL,
            "2019-07-21T16:59:59Z");
    valid(&r, t, "withdrawn 07-21T16:59:59Z, local tomorrow");

    r = rec("2019-07-10", "2019-07-15", NULL, NULL, NULL);
    apology(&r, "2019-07-21", "2019-09-30");
    valid(&r, t, "apology issued tomorrow, new due months ahead");
    r = rec("2019-07-10", "2019-07-15", NULL, NULL, NULL);
    apology(&r, "2019-07-22", "2019-09-30");
    invalid(&r, t, "apology issued the day after tomorrow");
    r = rec("2019-07-10", "2019-07-15", NULL, NULL, NULL);
    apology(&r, "2019-07-21T17:00:00Z", "2019-09-30");
    invalid(&r, t, "apology issued 07-21T17:00Z, local the day after "
            "tomorrow");

    /* the rules read the record only: same record, later today */

    r = rec("2019-07-22", "2019-07-25", NULL, NULL, NULL);
    valid(&r, t + 1, "received the day after tomorrow is fine a day later");
}


static void
timeliness_is(const onestop_record_t *r, onestop_day_t day,
    onestop_status_e st, onestop_timeliness_e tl, const char *what)
{
    is_int(onestop_record_status(r), st, "status: %s", what);
    is_int(onestop_record_timeliness(r, OFF, day), tl, "timeliness: %s",
           what);
}


static void
test_timeliness(void)
{
    onestop_record_t  r;
    onestop_day_t     due;

    due = civil(2019, 7, 16);

    /* in progress: overdue once today is after the due date */

    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    timeliness_is(&r, due - 1, ONESTOP_PROCESSING, ONESTOP_TL_NOT_DUE,
                  "today = due - 1");
    timeliness_is(&r, due, ONESTOP_PROCESSING, ONESTOP_TL_NOT_DUE,
                  "today = due");
    timeliness_is(&r, due + 1, ONESTOP_PROCESSING, ONESTOP_TL_OVERDUE,
                  "today = due + 1");
    timeliness_is(&r, due + 400, ONESTOP_PROCESSING, ONESTOP_TL_OVERDUE,
                  "today = due + 400");

    r = rec("2019-07-09", "2019-07-16T17:30:00Z", NULL, NULL, NULL);
    timeliness_is(&r, civil(2019, 7, 17), ONESTOP_PROCESSING,
                  ONESTOP_TL_NOT_DUE,
                  "due 07-16T17:30Z is local 07-17: not due on 07-17");
    timeliness_is(&r, civil(2019, 7, 18), ONESTOP_PROCESSING,
                  ONESTOP_TL_OVERDUE, "... overdue on 07-18");

    r = rec("2019-07-09", "2019-07-17T00:30:00+09:00", NULL, NULL, NULL);
    timeliness_is(&r, civil(2019, 7, 17), ONESTOP_PROCESSING,
                  ONESTOP_TL_OVERDUE,
                  "due 07-17T00:30+09:00 is local 07-16: overdue on 07-17");

    /* an apology does not move the due date (DOMAIN.md) */

    r = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-30");
    timeliness_is(&r, due + 1, ONESTOP_PROCESSING, ONESTOP_TL_OVERDUE,
                  "an apology leaves an overdue dossier overdue");

    /* resolved: early, on time, late by local dates */

    r = rec("2019-07-09", "2019-07-16", "2019-07-15", NULL, NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_EARLY,
                  "resolved the day before due");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16", NULL, NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_ON_TIME,
                  "resolved on the due date");
    r = rec("2019-07-09", "2019-07-16", "2019-07-17", NULL, NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_LATE,
                  "resolved the day after due");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16T16:59:59Z", NULL, NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_ON_TIME,
                  "resolved 07-16T16:59:59Z, local 23:59:59 of the due date");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16T17:00:00Z", NULL, NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_LATE,
                  "resolved 07-16T17:00Z, local 07-17");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16T00:30:00+09:00", NULL,
            NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_EARLY,
                  "resolved 07-16T00:30+09:00, local 07-15");
    r = rec("2019-07-09", "2019-07-16T17:00:00+07:00",
            "2019-07-16T20:00:00+07:00", NULL, NULL);
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_ON_TIME,
                  "resolved hours after the due time, the same day: on time");
    r = rec("2019-07-09", "2019-07-16", "2019-07-15", NULL, NULL);
    timeliness_is(&r, due - 1, ONESTOP_RESOLVED, ONESTOP_TL_EARLY,
                  "a resolved dossier's timeliness does not depend on today");
    r = rec("2019-07-09", "2019-07-16", "2019-07-18", NULL, NULL);
    apology(&r, "2019-07-15", "2019-07-20");
    timeliness_is(&r, due + 30, ONESTOP_RESOLVED, ONESTOP_TL_LATE,
                  "resolved after due, before the apology's new due: late");

    /* returned keeps the timeliness of its resolution */

    r = rec("2019-07-09", "2019-07-16", "2019-07-15", "2019-07-20", NULL);
    timeliness_is(&r, due + 30, ONESTOP_RETURNED, ONESTOP_TL_EARLY,
                  "returned late, resolved early");
    r = rec("2019-07-09", "2019-07-16", "2019-07-16", "2019-07-20", NULL);
    timeliness_is(&r, due + 30, ONESTOP_RETURNED, ONESTOP_TL_ON_TIME,
                  "returned late, resolved on time");
    r = rec("2019-07-09", "2019-07-16", "2019-07-17", "2019-07-17", NULL);
    timeliness_is(&r, due + 30, ONESTOP_RETURNED, ONESTOP_TL_LATE,
                  "returned and resolved late");

    /* withdrawn: no timeliness */

    r = rec("2019-07-09", "2019-07-16", NULL, NULL, "2019-07-20");
    timeliness_is(&r, due + 30, ONESTOP_WITHDRAWN, ONESTOP_TL_NONE,
                  "withdrawn after due");
    r = rec("2019-07-09", "2019-07-16", NULL, NULL, "2019-07-10");
    timeliness_is(&r, due - 3, ONESTOP_WITHDRAWN, ONESTOP_TL_NONE,
                  "withdrawn before due");

    /* names */

    ok(strcmp(onestop_status_name(ONESTOP_PROCESSING), "processing") == 0,
       "status name processing");
    ok(strcmp(onestop_status_name(ONESTOP_RESOLVED), "resolved") == 0,
       "status name resolved");
    ok(strcmp(onestop_status_name(ONESTOP_RETURNED), "returned") == 0,
       "status name returned");
    ok(strcmp(onestop_status_name(ONESTOP_WITHDRAWN), "withdrawn") == 0,
       "status name withdrawn");
    ok(strcmp(onestop_timeliness_name(ONESTOP_TL_EARLY), "early") == 0,
       "timeliness name early");
    ok(strcmp(onestop_timeliness_name(ONESTOP_TL_ON_TIME), "on_time") == 0,
       "timeliness name on_time");
    ok(strcmp(onestop_timeliness_name(ONESTOP_TL_LATE), "late") == 0,
       "timeliness name late");
    ok(strcmp(onestop_timeliness_name(ONESTOP_TL_NOT_DUE), "not_due") == 0,
       "timeliness name not_due");
    ok(strcmp(onestop_timeliness_name(ONESTOP_TL_OVERDUE), "overdue") == 0,
       "timeliness name overdue");

    ok(strcmp(onestop_channel_name(ONESTOP_CH_DIRECT), "direct") == 0,
       "channel direct");
    ok(strcmp(onestop_channel_name(ONESTOP_CH_ONLINE), "online") == 0,
       "channel online");
    ok(strcmp(onestop_channel_name(ONESTOP_CH_POSTAL), "postal") == 0,
       "channel postal");
    is_int(onestop_channel_parse("direct", 6), ONESTOP_CH_DIRECT,
           "parse direct");
    is_int(onestop_channel_parse("online", 6), ONESTOP_CH_ONLINE,
           "parse online");
    is_int(onestop_channel_parse("postal", 6), ONESTOP_CH_POSTAL,
           "parse postal");
    is_int(onestop_channel_parse("counter", 7), -1,
           "counter is not an intake channel");
    is_int(onestop_channel_parse("Online", 6), -1, "channels are lower case");
    is_int(onestop_channel_parse("onlin", 5), -1, "no prefix of a channel");
    is_int(onestop_channel_parse("online ", 7), -1, "no trailing space");
    is_int(onestop_channel_parse("", 0), -1, "no empty channel");
    ok(strcmp(onestop_return_channel_name(ONESTOP_RET_COUNTER), "counter")
       == 0, "return channel counter");
    ok(strcmp(onestop_return_channel_name(ONESTOP_RET_POSTAL), "postal") == 0,
       "return channel postal");
    ok(strcmp(onestop_return_channel_name(ONESTOP_RET_ONLINE), "online") == 0,
       "return channel online");
    is_int(onestop_return_channel_parse("counter", 7), ONESTOP_RET_COUNTER,
           "parse return counter");
    is_int(onestop_return_channel_parse("postal", 6), ONESTOP_RET_POSTAL,
           "parse return postal");
    is_int(onestop_return_channel_parse("online", 6), ONESTOP_RET_ONLINE,
           "parse return online");
    is_int(onestop_return_channel_parse("direct", 6), -1,
           "direct is not a return channel");
}


static void
text_is(onestop_status_e st, onestop_timeliness_e tl, const char *want)
{
    const char  *got;

    got = onestop_status_text(st, tl);
    ok(got != NULL && strcmp(got, want) == 0, "status_text: %s", want);

    if (got != NULL && strcmp(got, want) != 0) {
        printf("#   got \"%s\"\n", got);
    }
}


static void
test_status_text(void)
{
    /* SPEC section 4, byte for byte (NFC) */

    text_is(ONESTOP_PROCESSING, ONESTOP_TL_NOT_DUE, "Đang giải quyết");
    text_is(ONESTOP_PROCESSING, ONESTOP_TL_OVERDUE,
            "Đang giải quyết (quá hạn)");
    text_is(ONESTOP_RESOLVED, ONESTOP_TL_EARLY, "Đã giải quyết (trước hạn)");
    text_is(ONESTOP_RESOLVED, ONESTOP_TL_ON_TIME, "Đã giải quyết (đúng hạn)");
    text_is(ONESTOP_RESOLVED, ONESTOP_TL_LATE, "Đã giải quyết (trễ hạn)");
    text_is(ONESTOP_RETURNED, ONESTOP_TL_EARLY, "Đã trả kết quả (trước hạn)");
    text_is(ONESTOP_RETURNED, ONESTOP_TL_ON_TIME,
            "Đã trả kết quả (đúng hạn)");
    text_is(ONESTOP_RETURNED, ONESTOP_TL_LATE, "Đã trả kết quả (trễ hạn)");
    text_is(ONESTOP_WITHDRAWN, ONESTOP_TL_NONE, "Đã rút hồ sơ");

    /* spelled out in bytes, so an editor's normalisation cannot hide a
     * difference: "Đ" U+0110, "ả" U+1EA3, "ế" U+1EBF, "ạ" U+1EA1 */

    text_is(ONESTOP_PROCESSING, ONESTOP_TL_OVERDUE,
            "\xc4\x90" "ang gi" "\xe1\xba\xa3" "i quy" "\xe1\xba\xbf" "t (qu"
            "\xc3\xa1" " h" "\xe1\xba\xa1" "n)");
}


int
main(void)
{
    test_code();
    test_code_forgiven();
    test_rules();
    test_timeliness();
    test_status_text();

    return done_testing();
}
