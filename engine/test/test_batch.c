/*
 * Unit tests of the streaming batch parser (engine/batch.c) on whole
 * batches (SPEC sections 3 and 5): an array or NDJSON of several records,
 * each fault listed with its index (the line's for NDJSON); 400 for
 * bodies that are not JSON or not records; and any chunking of a body
 * parsed the same as the body at once.
 */

#include "batch_expect.h"


static void
test_several(void)
{
    int              rc;
    char            *g, *bad1, *bad2, *bad3, *body, *tmp;
    size_t           i, size;
    onestop_batch_t  b;
    static const size_t  idx_arr[] = { 0, 2, 3 };
    static const size_t  idx_nd[] = { 2, 5 };

    g = good();
    bad1 = record_with("version", "\"version\": 0");
    bad2 = record_with("channel", "\"channel\": \"fax\"");
    bad3 = record_with("applicant", NULL);

    /* an array: [bad, good, bad, bad] */

    size = strlen(g) * 3 + strlen(bad1) + strlen(bad2) + strlen(bad3) + 64;
    tmp = xmalloc(size);
    snprintf(tmp, size, "[%s,%s,\n%s , %s]", bad1, g, bad2, bad3);
    expect_422(tmp, 0, idx_arr, 3, "several bad records in an array");

    rc = run(&b, tmp, strlen(tmp), 0, 0);
    is_int(b.nrecs, 4, "every record is kept");
    ok(b.nrecs == 4 && b.bad[0] && !b.bad[1] && b.bad[2] && b.bad[3],
       "the bad ones are marked");
    ok(b.nrecs == 4 && b.pos[0] == 0 && b.pos[1] == 1 && b.pos[2] == 2
       && b.pos[3] == 3, "their indexes");
    onestop_batch_free(&b);
    free(tmp);

    /* NDJSON: the index is the line's, blank lines counted */

    tmp = xmalloc(size);
    snprintf(tmp, size, "%s\n\n%s\r\n%s\n   \r\n%s\n", g, bad1, g, bad3);
    expect_422(tmp, 1, idx_nd, 2, "NDJSON: items at lines 2 and 5");

    rc = run(&b, tmp, strlen(tmp), 1, 0);
    is_int(rc, 422, "NDJSON with bad lines");
    is_int(b.nrecs, 4, "four records in six lines");
    ok(b.nrecs == 4 && b.pos[0] == 0 && b.pos[1] == 2 && b.pos[2] == 3
       && b.pos[3] == 5, "records at lines 0, 2, 3, 5");
    ok(b.nrecs == 4 && !b.bad[0] && b.bad[1] && !b.bad[2] && b.bad[3],
       "the bad lines are marked");
    onestop_batch_free(&b);
    free(tmp);

    /* NDJSON without a final newline, with leading blank lines, CRLF */

    body = xmalloc(size);
    snprintf(body, size, "\r\n\n%s\r\n%s\r\n%s", g, g, g);
    rc = run(&b, body, strlen(body), 1, 0);
    is_int(rc, 0, "NDJSON with CRLF, no final newline");
    is_int(b.nrecs, 3, "three records");
    ok(b.nrecs == 3 && b.pos[0] == 2 && b.pos[1] == 3 && b.pos[2] == 4,
       "at lines 2, 3 and 4");
    onestop_batch_free(&b);
    free(body);

    /* many records: the arrays grow; many bad ones: 1000 items kept */

    {
        char    *big, *rec;
        size_t   n, cap, nrec = 300;

        cap = (strlen(g) + 16) * 1100;
        big = xmalloc(cap);
        n = 0;
        big[n++] = '[';

        for (i = 0; i < nrec; i++) {
            rec = good_code((unsigned) i);
            n += (size_t) snprintf(big + n, cap - n, "%s%s", i ? "," : "",
                                   rec);
            free(rec);
        }

        big[n++] = ']';
        big[n] = '\0';
        rc = run(&b, big, n, 0, 0);
        is_int(rc, 0, "300 records");
        is_int(b.nrecs, nrec, "300 records kept");

        {
            int  all = b.nrecs == nrec;

            for (i = 0; all && i < nrec; i++) {
                char  want[64];

                snprintf(want, sizeof(want), "000.00.12.H36-190709-%04u",
                         (unsigned) i);
                all = b.pos[i] == i && str_is(&b.recs[i].code, want);
            }

            ok(all, "each in its place with its code");
        }

        onestop_batch_free(&b);

        n = 0;
        big[n++] = '[';

        for (i = 0; i < 1005; i++) {
            n += (size_t) snprintf(big + n, cap - n, "%s%s", i ? "," : "",
                                   bad1);
        }

        big[n++] = ']';
        big[n] = '\0';
        rc = run(&b, big, n, 0, 0);
        is_int(rc, 422, "1005 bad records");
        is_int(b.nitems, ONESTOP_ITEMS_MAX, "1000 items kept");
        is_int(b.nfailed, 1005, "1005 counted");
        ok(b.nitems == ONESTOP_ITEMS_MAX && b.items[999].index == 999,
           "the last kept is record 999");
        onestop_batch_free(&b);
        free(big);
    }

    free(g);
    free(bad1);
    free(bad2);
    free(bad3);
}


static void
test_400(void)
{
    char  *g, *bad, *body, *tmp;
    size_t n;

    g = good();
    n = strlen(g);
    bad = record_with("version", "\"version\": 0");

    expect_400("", 0, 0, "an empty body");
    expect_400("   \r\n", 5, 0, "a blank body");
    expect_400("1", 1, 0, "a number");
    expect_400("\"x\"", 3, 0, "a string");
    expect_400("null", 4, 0, "null");
    expect_400("true", 4, 0, "true");
    expect_400("[1]", 3, 0, "an array of a number");
    expect_400("[\"x\"]", 5, 0, "an array of a string");
    expect_400("[null]", 6, 0, "an array of null");
    expect_400("[[]]", 4, 0, "an array of an array");
    expect_400("{", 1, 0, "an open brace");
    expect_400("}", 1, 0, "a close brace");
    expect_400("{\"code\":}", 9, 0, "a member without a value");
    expect_400("{'code': 'a'}", 13, 0, "single quotes");
    expect_400("/* c */ {}", 10, 0, "a comment");

    expect_400(g, n - 1, 0, "a record without its last byte");
    expect_400(g, n / 2, 0, "half a record");
    expect_400(g, 1, 0, "one byte of a record");

    tmp = cat3("[", g, ", 1]");
    expect_400(tmp, strlen(tmp), 0, "an array of a record and a number");
    free(tmp);
    tmp = cat3("[", g, ", []]");
    expect_400(tmp, strlen(tmp), 0, "an array of a record and an array");
    free(tmp);
    tmp = cat3("[[", g, "]]");
    expect_400(tmp, strlen(tmp), 0, "a record in an array in an array");
    free(tmp);
    tmp = cat3("[", g, "");
    expect_400(tmp, strlen(tmp), 0, "an array not closed");
    free(tmp);
    tmp = cat3("[", g, ",]");
    expect_400(tmp, strlen(tmp), 0, "an array with a trailing comma");
    free(tmp);
    tmp = cat3("", g, "x");
    expect_400(tmp, strlen(tmp), 0, "trailing garbage");
    free(tmp);
    tmp = cat3("", g, ",");
    expect_400(tmp, strlen(tmp), 0, "a trailing comma");
    free(tmp);
    tmp = cat3(g, " ", g);
    expect_400(tmp, strlen(tmp), 0, "two records, not in an array");
    free(tmp);
    tmp = cat3(g, "\n", g);
    expect_400(tmp, strlen(tmp), 0, "NDJSON sent as JSON");
    free(tmp);
    tmp = cat3("[", g, "] []");
    expect_400(tmp, strlen(tmp), 0, "an array, then another");
    free(tmp);
    tmp = xmalloc(n + 2);
    memcpy(tmp, g, n);
    tmp[n] = '\0';
    expect_400(tmp, n + 1, 0, "a NUL byte after the record");
    free(tmp);

    /* 400 comes before 422 */

    tmp = cat3("[", bad, ", 1]");
    expect_400(tmp, strlen(tmp), 0, "a bad record, then a number");
    free(tmp);
    tmp = cat3("[", bad, "");
    expect_400(tmp, strlen(tmp), 0, "a bad record, then the end");
    free(tmp);

    /* invalid UTF-8 */

    body = record_with("applicant", "\"applicant\": {\"name\": \"Nguy\xff"
                       "n\"}");
    expect_400(body, strlen(body), 0, "a 0xff byte in a string");
    free(body);
    body = record_with("applicant", "\"applicant\": {\"name\": \"Nguy\xc3("
                       "n\"}");
    expect_400(body, strlen(body), 0, "a cut 2-byte sequence");
    free(body);
    body = record_with("applicant", "\"applicant\": {\"name\": \"\x80\"}");
    expect_400(body, strlen(body), 0, "a lone continuation byte");
    free(body);
    body = record_with("applicant", "\"applicant\": {\"name\": \"An\xe1\xbb"
                       "\"}");
    expect_400(body, strlen(body), 0, "a 3-byte sequence cut at the quote");
    free(body);
    body = record_with("extra", "\"note\": \"unknown but \xfe\xff\"");
    expect_400(body, strlen(body), 0, "invalid UTF-8 in an unknown member");
    free(body);
    body = record_with("extra", "\"n\xff\": 1");
    expect_400(body, strlen(body), 0, "invalid UTF-8 in a member name");
    free(body);

    /* deeper than 32 */

    {
        char    *member, *deep;
        size_t   k, m;

        member = xmalloc(512);
        m = (size_t) sprintf(member, "\"deep\": ");

        for (k = 0; k < 32; k++) {
            m += (size_t) sprintf(member + m, "{\"d\": ");
        }

        m += (size_t) sprintf(member + m, "1");

        for (k = 0; k < 32; k++) {
            member[m++] = '}';
        }

        member[m] = '\0';
        deep = record_with("deep", member);
        expect_400(deep, strlen(deep), 0, "an object 33 levels deep");

        tmp = cat3("[", deep, "]");
        expect_400(tmp, strlen(tmp), 0, "34 levels deep in an array");
        free(tmp);
        tmp = cat3("", deep, "\n");
        expect_400(tmp, strlen(tmp), 1, "33 levels deep in NDJSON");
        free(tmp);
        free(deep);

        /* 31 nested in a record in an array: 33 */
        m = (size_t) sprintf(member, "\"deep\": ");

        for (k = 0; k < 31; k++) {
            member[m++] = '[';
        }

        member[m++] = '1';

        for (k = 0; k < 31; k++) {
            member[m++] = ']';
        }

        member[m] = '\0';
        deep = record_with("deep", member);
        tmp = cat3("[", deep, "]");
        expect_400(tmp, strlen(tmp), 0, "arrays 33 levels deep, counting "
                   "the body's array");
        free(tmp);
        free(deep);

        /* a plain deep array with no record */
        m = 0;

        for (k = 0; k < 40; k++) {
            member[m++] = '[';
        }

        for (k = 0; k < 40; k++) {
            member[m++] = ']';
        }

        member[m] = '\0';
        expect_400(member, m, 0, "40 nested arrays");
        free(member);
    }

    /* NDJSON */

    tmp = cat3(g, "\n[", "1]\n");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON line that is an array");
    free(tmp);
    tmp = cat3("[", g, "]\n");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON line that is an array of a "
               "record");
    free(tmp);
    tmp = cat3(g, "\n", "1\n");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON line that is a number");
    free(tmp);
    tmp = cat3(g, "\n", "\"x\"\n");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON line that is a string");
    free(tmp);
    tmp = cat3(g, "\n", "null");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON last line that is null");
    free(tmp);
    tmp = cat3(g, " ", g);
    expect_400(tmp, strlen(tmp), 1, "two records on one NDJSON line");
    free(tmp);
    tmp = cat3(g, "\nx", "\n");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON line of garbage");
    free(tmp);
    expect_400("{\n\"code\": \"a\"\n}\n", 17, 1,
               "a record over several NDJSON lines");
    tmp = cat3(g, "\n{", "");
    expect_400(tmp, strlen(tmp), 1, "an NDJSON last line cut");
    free(tmp);
    tmp = cat3(bad, "\n[]", "\n");
    expect_400(tmp, strlen(tmp), 1, "NDJSON: a bad record, then an array");
    free(tmp);
    body = record_with("applicant", "\"applicant\": {\"name\": \"\xc3\"}");
    tmp = cat3(g, "\n", body);
    expect_400(tmp, strlen(tmp), 1, "invalid UTF-8 on an NDJSON line");
    free(tmp);
    free(body);

    /* once 400, feeding more changes nothing */

    {
        int              rc;
        onestop_batch_t  b;

        onestop_batch_init(&b, 0, OFF, today);
        onestop_batch_feed(&b, "}", 1);
        is_int(onestop_batch_feed(&b, g, n), -1,
               "feeding after a syntax error fails");
        rc = onestop_batch_finish(&b);
        is_int(rc, 400, "and the batch stays 400");
        onestop_batch_free(&b);
    }

    free(g);
    free(bad);
}


static void
same_batch(const char *body, int ndjson, const char *what)
{
    int              rc0, rc, all;
    size_t           i, len;
    onestop_batch_t  whole, b;
    static const size_t  chunks[] = { 1, 2, 3, 5, 7, 13, 64, 1000 };
    size_t           c;

    len = strlen(body);
    rc0 = run(&whole, body, len, ndjson, 0);

    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        rc = run(&b, body, len, ndjson, chunks[c]);

        all = rc == rc0 && b.nrecs == whole.nrecs
              && b.nitems == whole.nitems;

        for (i = 0; all && i < b.nrecs; i++) {
            all = b.pos[i] == whole.pos[i] && b.bad[i] == whole.bad[i]
                  && records_equal(&b.recs[i], &whole.recs[i]);
        }

        for (i = 0; all && i < b.nitems; i++) {
            all = b.items[i].index == whole.items[i].index
                  && strcmp(b.items[i].message, whole.items[i].message) == 0;
        }

        ok(all, "%s: fed %zu bytes at a time, the same as at once", what,
           chunks[c]);
        onestop_batch_free(&b);
    }

    onestop_batch_free(&whole);
}


static void
test_chunks(void)
{
    char    *g, *r1, *r2, *bad, *body;
    size_t   cap;

    g = good();
    r1 = record_with("applicant", "\"applicant\": {\"name\": \"Đặng Thị "
                     "Ánh \\u00c1nh \\\"A\\\"\", \"type\": \"organization\"}");
    body = record_with("extra", "\"x\": {\"y\": [1, 2.5e10, {\"z\": null}]}");
    r2 = replace_in(body, "\"resolved_at\": null",
                    "\"resolved_at\": \"2019-07-15T23:59:59.999-05:00\"");
    free(body);
    bad = record_with("channel", "\"channel\": \"fax\"");
    cap = strlen(g) + strlen(r1) + strlen(r2) + strlen(bad) * 2 + 64;
    body = xmalloc(cap);

    snprintf(body, cap, "[%s, %s,\n %s,%s]", g, r1, r2, bad);
    same_batch(body, 0, "an array");

    snprintf(body, cap, "%s\r\n\r\n%s\n  \n%s\n%s\r\n%s", g, r1, bad, r2,
             bad);
    same_batch(body, 1, "NDJSON with blank lines and CRLF");

    snprintf(body, cap, "  %s  ", r1);
    same_batch(body, 0, "one record");

    /* an escaped string is unescaped */

    {
        int              rc;
        onestop_batch_t  b;

        rc = run(&b, r1, strlen(r1), 0, 1);
        is_int(rc, 0, "a record with escapes, byte by byte");
        ok(b.nrecs == 1
           && str_is(&b.recs[0].name, "Đặng Thị Ánh Ánh \"A\""),
           "\\u00c1 and \\\" are unescaped");
        onestop_batch_free(&b);
    }

    free(body);
    free(g);
    free(r1);
    free(r2);
    free(bad);
}


int
main(void)
{
    today = civil(2019, 8, 1);

    test_several();
    test_400();
    test_chunks();

    return done_testing();
}
