/*
 * Unit tests of engine/batch.c, batch_record.c and json.c against SPEC
 * sections 3, 4 and 5: the streaming batch parser (one record, an array,
 * NDJSON; any chunking),
 * 422 items for records that break a rule, with their index (the line's
 * for NDJSON), 400 for bodies that are not JSON or not records, unknown
 * members ignored.  Catalog documents are test_catalog_doc.c's, the
 * rendering (the lookup object, errors, strings) test_json_render.c's.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "onestop_catalog.h"
#include "onestop_date.h"
#include "onestop_json.h"
#include "onestop_record.h"
#include "onestop_stats_int.h"
#include "tap.h"
#include "civil.h"
#include "records.h"



static char *
good(void)
{
    return record_with(NULL, NULL);
}


/* A good record with another code, for batches of several. */
static char *
good_code(unsigned i)
{
    char  member[128];

    snprintf(member, sizeof(member), "\"code\": \"000.00.12.H36-190709-%04u\"",
             i);
    return record_with("code", member);
}


static char *
cat3(const char *a, const char *b, const char *c)
{
    char    *s;
    size_t   na, nb, nc;

    na = strlen(a);
    nb = strlen(b);
    nc = strlen(c);
    s = xmalloc(na + nb + nc + 1);

    if (s != NULL) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb);
        memcpy(s + na + nb, c, nc);
        s[na + nb + nc] = '\0';
    }

    return s;
}


/* A copy of s with the first `from` replaced by `to` (malloc'd). */
static char *
replace_in(const char *s, const char *from, const char *to)
{
    char        *out;
    const char  *at;
    size_t       n;

    at = strstr(s, from);

    if (at == NULL) {
        printf("# replace_in: \"%s\" not found\n", from);
        at = s + strlen(s);
        from = "";
    }

    n = (size_t) (at - s);
    out = xmalloc(strlen(s) + strlen(to) + 1);
    memcpy(out, s, n);
    strcpy(out + n, to);
    strcat(out, at + strlen(from));

    return out;
}


static void
expect_ok(const char *body, int ndjson, size_t nrecs, const char *what)
{
    int              rc;
    onestop_batch_t  b;

    rc = run(&b, body, strlen(body), ndjson, 0);
    is_int(rc, 0, "accepted: %s", what);

    if (rc != 0) {
        printf("#   message \"%s\", %zu items, first: %s\n", b.message,
               b.nitems, b.nitems ? b.items[0].message : "-");
    }

    is_int(b.nrecs, nrecs, "%s: %zu records", what, nrecs);
    onestop_batch_free(&b);
}


static void
expect_400(const char *body, size_t len, int ndjson, const char *what)
{
    int              rc;
    onestop_batch_t  b;

    rc = run(&b, body, len, ndjson, 0);
    is_int(rc, 400, "400: %s", what);
    ok(rc != 400 || b.message[0] != '\0', "%s: a message (%s)", what,
       b.message);
    onestop_batch_free(&b);
}


/* 422 with items at exactly the given indexes, in order. */
static void
expect_422(const char *body, int ndjson, const size_t *idx, size_t n,
    const char *what)
{
    int              rc, items_ok;
    size_t           i;
    onestop_batch_t  b;

    rc = run(&b, body, strlen(body), ndjson, 0);
    is_int(rc, 422, "422: %s", what);

    if (rc == 400) {
        printf("#   message \"%s\"\n", b.message);
    }

    items_ok = b.nitems == n && b.nfailed == n;

    for (i = 0; items_ok && i < n; i++) {
        items_ok = b.items[i].index == idx[i]
                   && b.items[i].code != NULL
                   && strcmp(b.items[i].code, "invalid") == 0
                   && b.items[i].message != NULL
                   && b.items[i].message[0] != '\0';
    }

    ok(items_ok, "%s: %zu items, at the right indexes", what, n);

    if (!items_ok) {
        printf("#   %zu items (%zu failed):", b.nitems, b.nfailed);

        for (i = 0; i < b.nitems; i++) {
            printf(" [%zu %s: %s]", b.items[i].index, b.items[i].code,
                   b.items[i].message);
        }

        printf("\n");
    }

    onestop_batch_free(&b);
}


static void
expect_422_one(const char *key, const char *member, const char *what)
{
    char          *body;
    static size_t  zero = 0;

    body = record_with(key, member);
    expect_422(body, 0, &zero, 1, what);
    free(body);
}


static void
expect_ok_one(const char *key, const char *member, const char *what)
{
    char  *body;

    body = record_with(key, member);
    expect_ok(body, 0, 1, what);
    free(body);
}


static int
records_equal(const onestop_record_t *a, const onestop_record_t *b)
{
    int  i;

#define SAME_STR(f)                                                          \
    if (a->f.len != b->f.len                                                 \
        || (a->f.len && memcmp(a->f.data, b->f.data, a->f.len) != 0))        \
    {                                                                        \
        printf("#   %s differs\n", #f);                                      \
        return 0;                                                            \
    }

    SAME_STR(code)
    SAME_STR(agency)
    SAME_STR(procedure)
    SAME_STR(name)
    SAME_STR(phone)
    SAME_STR(email)
    SAME_STR(reason)

#undef SAME_STR

    if (a->version != b->version || a->channel != b->channel
        || a->return_channel != b->return_channel
        || a->applicant_type != b->applicant_type
        || a->has_apology != b->has_apology || a->tombstone != b->tombstone)
    {
        printf("#   a scalar member differs\n");
        return 0;
    }

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (a->t[i].set != b->t[i].set
            || (a->t[i].set && (a->t[i].sec != b->t[i].sec
                                || a->t[i].date_only != b->t[i].date_only)))
        {
            printf("#   time %d differs\n", i);
            return 0;
        }
    }

    return 1;
}


static void
test_good(void)
{
    int                rc;
    char              *body, *body2;
    onestop_batch_t    b;
    onestop_record_t  *r;

    /* SPEC's example record, one object */

    body = good();
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "SPEC's record is accepted");
    is_int(b.nrecs, 1, "one record");
    is_int(b.nitems, 0, "no items");

    if (b.nrecs == 1) {
        r = &b.recs[0];
        is_int(b.pos[0], 0, "its index is 0");
        is_int(b.bad[0], 0, "it is not bad");
        ok(str_is(&r->code, "000.00.12.H36-190709-0001"), "code");
        is_int(r->version, 3, "version");
        ok(str_is(&r->agency, "000.00.12.H36"), "agency");
        ok(str_is(&r->procedure, "1.001234"), "procedure");
        is_int(r->channel, ONESTOP_CH_ONLINE, "channel");
        is_int(r->return_channel, ONESTOP_RET_POSTAL, "return_channel");
        ok(str_is(&r->name, "Nguyễn Văn An"), "applicant.name");
        is_int(r->applicant_type, ONESTOP_APPLICANT_CITIZEN, "applicant.type");
        ok(str_is(&r->phone, "0912345678"), "contact.phone");
        ok(str_is(&r->email, "an@example.vn"), "contact.email");
        ok(r->t[ONESTOP_T_RECEIVED].set
           && r->t[ONESTOP_T_RECEIVED].sec
              == sec_of("2019-07-09T08:15:00+07:00")
           && !r->t[ONESTOP_T_RECEIVED].date_only, "received_at");
        ok(r->t[ONESTOP_T_DUE].set
           && r->t[ONESTOP_T_DUE].sec == sec_of("2019-07-16T10:00:00Z"),
           "due_at");
        ok(!r->t[ONESTOP_T_RESOLVED].set, "resolved_at null: not set");
        ok(!r->t[ONESTOP_T_RETURNED].set, "returned_at null: not set");
        ok(!r->t[ONESTOP_T_WITHDRAWN].set, "withdrawn_at null: not set");
        is_int(r->has_apology, 1, "apology");
        ok(r->t[ONESTOP_T_APOLOGY_ISSUED].set
           && r->t[ONESTOP_T_APOLOGY_ISSUED].sec
              == sec_of("2019-07-17T02:00:00Z"), "apology.issued_at");
        ok(r->t[ONESTOP_T_APOLOGY_NEW_DUE].set
           && r->t[ONESTOP_T_APOLOGY_NEW_DUE].date_only
           && r->t[ONESTOP_T_APOLOGY_NEW_DUE].sec == sec_of("2019-07-19"),
           "apology.new_due_at, a date");
        ok(str_is(&r->reason, "..."), "apology.reason");
    }

    onestop_batch_free(&b);
    free(body);

    /* the same in an array, and in NDJSON */

    body = good();
    body2 = cat3("[", body, "]");
    expect_ok(body2, 0, 1, "an array of one record");
    free(body2);
    body2 = cat3("\n", body, "\n");
    expect_ok(body2, 1, 1, "NDJSON of one record");
    free(body2);
    body2 = cat3(" \r\n\t ", body, " \r\n\t ");
    expect_ok(body2, 0, 1, "one record in white space");
    free(body2);
    free(body);

    expect_ok("[]", 0, 0, "an empty array");
    expect_ok(" [ ] ", 0, 0, "an empty array in white space");
    expect_ok("\n\r\n  \n", 1, 0, "NDJSON of blank lines");

    /* optional members left out: defaults */

    body = record_with("return_channel", NULL);
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "no return_channel");
    ok(b.nrecs == 1 && b.recs[0].return_channel == ONESTOP_RET_COUNTER,
       "return_channel defaults to counter");
    onestop_batch_free(&b);
    free(body);

    body = record_with("applicant", "\"applicant\": {\"name\": \"Lê Thị Bé\"}");
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "no applicant.type");
    ok(b.nrecs == 1 && b.recs[0].applicant_type == ONESTOP_APPLICANT_CITIZEN,
       "applicant.type defaults to citizen");
    onestop_batch_free(&b);
    free(body);

    body = record_with("applicant", "\"applicant\": {\"name\": \"Công ty A\", "
                       "\"type\": \"organization\"}");
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "an organization");
    ok(b.nrecs == 1
       && b.recs[0].applicant_type == ONESTOP_APPLICANT_ORGANIZATION,
       "applicant.type organization");
    onestop_batch_free(&b);
    free(body);

    body = record_with("apology", NULL);
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "no apology");
    ok(b.nrecs == 1 && !b.recs[0].has_apology, "no apology: none");
    onestop_batch_free(&b);
    free(body);

    expect_ok_one("contact", NULL, "no contact");
    expect_ok_one("resolved_at", NULL, "no resolved_at");
    expect_ok_one("returned_at", NULL, "no returned_at");
    expect_ok_one("withdrawn_at", NULL, "no withdrawn_at");

    /* optional members null */

    expect_ok_one("return_channel", "\"return_channel\": null",
                  "return_channel null");
    expect_ok_one("contact", "\"contact\": null", "contact null");
    expect_ok_one("contact", "\"contact\": {\"phone\": null, \"email\": null}",
                  "contact.phone and email null");
    expect_ok_one("contact", "\"contact\": {}", "contact empty");
    expect_ok_one("applicant", "\"applicant\": {\"name\": \"A\", "
                  "\"type\": null}", "applicant.type null");

    body = record_with("apology", "\"apology\": null");
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "apology null");
    ok(b.nrecs == 1 && !b.recs[0].has_apology, "apology null: none");
    onestop_batch_free(&b);
    free(body);

    body = record_with("apology", "\"apology\": {\"issued_at\": "
                       "\"2019-07-17\", \"new_due_at\": \"2019-07-19\", "
                       "\"reason\": null}");
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "apology.reason null");
    ok(b.nrecs == 1 && b.recs[0].has_apology && b.recs[0].reason.len == 0,
       "apology.reason null: no reason");
    onestop_batch_free(&b);
    free(body);

    expect_ok_one("apology", "\"apology\": {\"issued_at\": \"2019-07-17\", "
                  "\"new_due_at\": \"2019-07-19\"}", "no apology.reason");

    /* the other values SPEC allows */

    expect_ok_one("version", "\"version\": 1", "version 1");
    expect_ok_one("version", "\"version\": 9007199254740991",
                  "version 2^53-1");
    expect_ok_one("channel", "\"channel\": \"direct\"", "channel direct");
    expect_ok_one("channel", "\"channel\": \"postal\"", "channel postal");
    expect_ok_one("return_channel", "\"return_channel\": \"counter\"",
                  "return_channel counter");
    expect_ok_one("return_channel", "\"return_channel\": \"online\"",
                  "return_channel online");
    expect_ok_one("received_at", "\"received_at\": \"2019-07-09\"",
                  "received_at a date");
    expect_ok_one("received_at", "\"received_at\": \"2019-07-09t01:15:00z\"",
                  "received_at with t and z");
    expect_ok_one("received_at", "\"received_at\": "
                  "\"2019-07-09T08:15:00.123456+07:00\"",
                  "received_at with a fraction");
    expect_ok_one("resolved_at", "\"resolved_at\": \"2019-08-02\"",
                  "resolved tomorrow");
    expect_ok_one("code", "\"code\": \"A\"", "a code of 1 byte");
    expect_ok_one("code", "\"code\": \"0123456789012345678901234567890123456"
                  "789012345678901234567890123\"", "a code of 64 bytes");

    {
        char  member[400], name[257];

        memset(name, 'x', 256);
        name[256] = '\0';
        snprintf(member, sizeof(member), "\"applicant\": {\"name\": \"%s\"}",
                 name);
        expect_ok_one("applicant", member, "a name of 256 bytes");
        name[255] = '\0';
        snprintf(member, sizeof(member), "\"applicant\": {\"name\": \"%sé\"}",
                 name + 1);
        expect_ok_one("applicant", member,
                      "a name of 256 bytes ending in a 2-byte letter");
    }

    {
        char  *member;

        member = xmalloc(4096 + 200);
        strcpy(member, "\"apology\": {\"issued_at\": \"2019-07-17\", "
               "\"new_due_at\": \"2019-07-19\", \"reason\": \"");
        memset(member + strlen(member), 'r', 4096);
        strcpy(member + strlen("\"apology\": {\"issued_at\": \"2019-07-17\", "
               "\"new_due_at\": \"2019-07-19\", \"reason\": \"") + 4096,
               "\"}");
        expect_ok_one("apology", member, "a reason of 4096 bytes");
        free(member);
    }

    /* members in another order, pretty-printed */

    expect_ok("{\n  \"apology\": null,\n  \"due_at\": \"2019-07-16\",\n"
              "  \"received_at\": \"2019-07-09\",\n"
              "  \"applicant\": {\"type\": \"citizen\", \"name\": \"An\"},\n"
              "  \"channel\": \"direct\",\n  \"procedure\": \"p\",\n"
              "  \"agency\": \"a\",\n  \"version\": 7,\n  \"code\": \"c-1\"\n"
              "}\n", 0, 1, "members in reverse order, pretty-printed");
}


static void
test_unknown(void)
{
    int                rc;
    char              *body;
    onestop_batch_t    b;
    onestop_record_t  *r;

    /* unknown members are ignored, whatever their value, however deep;
     * names of known members inside them change nothing */

    body = record_with("extra",
        "\"x\": 1, \"y\": \"s\", \"z\": true, \"n\": null, \"f\": -1.5e3, "
        "\"meta\": {\"code\": \"EVIL\", \"version\": 99, \"applicant\": "
        "{\"name\": \"Evil\", \"type\": \"organization\"}, \"received_at\": "
        "\"2030-01-01\", \"deep\": {\"a\": [1, {\"b\": [[], {}]}]}}, "
        "\"list\": [{\"code\": \"EVIL\"}, [\"version\", 5], null, {}], "
        "\"name\": \"Evil\", \"reason\": \"Evil\", \"issued_at\": \"bad\", "
        "\"phone\": 1, \"type\": \"organization\"");
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "unknown members of every kind are ignored");

    if (b.nrecs == 1) {
        r = &b.recs[0];
        ok(str_is(&r->code, "000.00.12.H36-190709-0001"),
           "a nested \"code\" does not change the code");
        is_int(r->version, 3, "a nested \"version\" does not change it");
        ok(str_is(&r->name, "Nguyễn Văn An"),
           "neither nested nor top-level \"name\" changes the name");
        is_int(r->applicant_type, ONESTOP_APPLICANT_CITIZEN,
               "a top-level \"type\" does not change applicant.type");
        ok(str_is(&r->reason, "..."),
           "a top-level \"reason\" does not change apology.reason");
        ok(r->t[ONESTOP_T_RECEIVED].sec
           == sec_of("2019-07-09T08:15:00+07:00"),
           "a nested \"received_at\" does not change received_at");
    } else {
        ok(0, "one record (unknown members)");
    }

    onestop_batch_free(&b);
    free(body);

    /* unknown members inside applicant, contact and apology */

    body = record_with("applicant", "\"applicant\": {\"x\": {\"name\": "
                       "\"Evil\"}, \"name\": \"Nguyễn Văn An\", \"code\": 1, "
                       "\"list\": [1, 2, {\"type\": \"x\"}], \"id\": null}");
    rc = run(&b, body, strlen(body), 0, 0);
    is_int(rc, 0, "unknown members in applicant are ignored");
    ok(b.nrecs == 1 && str_is(&b.recs[0].name, "Nguyễn Văn An"),
       "... and the name is the applicant's own");
    onestop_batch_free(&b);
    free(body);

    expect_ok_one("contact", "\"contact\": {\"fax\": [\"1\", {\"a\": 1}], "
                  "\"address\": {\"street\": \"x\"}, \"phone\": \"1\"}",
                  "unknown members in contact are ignored");
    expect_ok_one("apology", "\"apology\": {\"signed_by\": {\"name\": \"X\", "
                  "\"at\": [1]}, \"issued_at\": \"2019-07-17\", "
                  "\"new_due_at\": \"2019-07-19\", \"n\": null}",
                  "unknown members in apology are ignored");

    /* 32 levels of nesting are fine */

    {
        char    *deep, *member;
        size_t   k, n;

        member = xmalloc(512);

        for (k = 30; k <= 31; k++) {
            n = (size_t) sprintf(member, "\"deep\": ");

            for (size_t i = 0; i < k; i++) {
                n += (size_t) sprintf(member + n, "{\"d\": ");
            }

            n += (size_t) sprintf(member + n, "1");

            for (size_t i = 0; i < k; i++) {
                member[n++] = '}';
            }

            member[n] = '\0';
            deep = record_with("deep", member);
            expect_ok(deep, 0, 1, k == 31 ? "an object 32 levels deep"
                                          : "an object 31 levels deep");
            free(deep);
        }

        n = (size_t) sprintf(member, "\"deep\": ");

        for (k = 0; k < 31; k++) {
            member[n++] = '[';
        }

        member[n] = '\0';
        strcat(member, "1");
        n = strlen(member);

        for (k = 0; k < 31; k++) {
            member[n++] = ']';
        }

        member[n] = '\0';
        deep = record_with("deep", member);
        expect_ok(deep, 0, 1, "arrays 32 levels deep");
        free(deep);
        free(member);
    }
}


static void
test_422(void)
{
    char                *body, *body2, big[400];
    static const size_t  zero = 0;

    /* a record missing each required member */

    expect_422_one("code", NULL, "no code");
    expect_422_one("version", NULL, "no version");
    expect_422_one("agency", NULL, "no agency");
    expect_422_one("procedure", NULL, "no procedure");
    expect_422_one("channel", NULL, "no channel");
    expect_422_one("applicant", NULL, "no applicant");
    expect_422_one("applicant", "\"applicant\": {\"type\": \"citizen\"}",
                   "no applicant.name");
    expect_422_one("applicant", "\"applicant\": {}", "an empty applicant");
    expect_422_one("received_at", NULL, "no received_at");
    expect_422_one("due_at", NULL, "no due_at");

    /* and at the second place of an array: the index is 1 */

    {
        static const char  *keys[] = {
            "code", "version", "agency", "procedure", "channel",
            "applicant", "received_at", "due_at", NULL
        };
        static const size_t  one = 1;
        const char         **k;
        char                *g, *bad, *arr, *tmp;
        char                 what[64];

        g = good();

        for (k = keys; *k != NULL; k++) {
            bad = record_with(*k, NULL);
            tmp = cat3("[", g, ", ");
            arr = cat3(tmp, bad, "]");
            snprintf(what, sizeof(what), "[good, no %s]", *k);
            expect_422(arr, 0, &one, 1, what);
            free(tmp);
            free(arr);
            free(bad);
        }

        free(g);
    }

    /* version */

    expect_422_one("version", "\"version\": \"3\"", "version as a string");
    expect_422_one("version", "\"version\": 1.5", "version 1.5");
    expect_422_one("version", "\"version\": 0", "version 0");
    expect_422_one("version", "\"version\": -1", "version -1");
    expect_422_one("version", "\"version\": -0", "version -0");
    expect_422_one("version", "\"version\": 9007199254740992",
                   "version 2^53");
    expect_422_one("version", "\"version\": 18446744073709551617",
                   "version 2^64 + 1");
    expect_422_one("version", "\"version\": 100000000000000000000000",
                   "version 10^23");
    expect_422_one("version", "\"version\": true", "version true");
    expect_422_one("version", "\"version\": null", "version null");
    expect_422_one("version", "\"version\": {}", "version an object");
    expect_422_one("version", "\"version\": [3]", "version an array");

    /* channel, return_channel */

    expect_422_one("channel", "\"channel\": \"fax\"", "channel unknown");
    expect_422_one("channel", "\"channel\": \"Online\"", "channel Online");
    expect_422_one("channel", "\"channel\": \"counter\"", "channel counter");
    expect_422_one("channel", "\"channel\": \"\"", "channel empty");
    expect_422_one("channel", "\"channel\": 1", "channel a number");
    expect_422_one("channel", "\"channel\": null", "channel null");
    expect_422_one("channel", "\"channel\": {\"x\": 1}", "channel an object");
    expect_422_one("return_channel", "\"return_channel\": \"fax\"",
                   "return_channel unknown");
    expect_422_one("return_channel", "\"return_channel\": \"direct\"",
                   "return_channel direct");
    expect_422_one("return_channel", "\"return_channel\": 2",
                   "return_channel a number");

    /* applicant */

    expect_422_one("applicant", "\"applicant\": \"Nguyễn Văn An\"",
                   "applicant a string");
    expect_422_one("applicant", "\"applicant\": [\"Nguyễn Văn An\"]",
                   "applicant an array");
    expect_422_one("applicant", "\"applicant\": 1", "applicant a number");
    expect_422_one("applicant", "\"applicant\": null", "applicant null");
    expect_422_one("applicant", "\"applicant\": true", "applicant true");
    expect_422_one("applicant", "\"applicant\": {\"name\": \"\"}",
                   "applicant.name empty");
    expect_422_one("applicant", "\"applicant\": {\"name\": 1}",
                   "applicant.name a number");
    expect_422_one("applicant", "\"applicant\": {\"name\": null}",
                   "applicant.name null");
    expect_422_one("applicant", "\"applicant\": {\"name\": [\"A\"]}",
                   "applicant.name an array");
    expect_422_one("applicant", "\"applicant\": {\"name\": {\"v\": \"A\"}}",
                   "applicant.name an object");
    expect_422_one("applicant", "\"applicant\": {\"name\": \"A\", "
                   "\"type\": \"person\"}", "applicant.type unknown");
    expect_422_one("applicant", "\"applicant\": {\"name\": \"A\", "
                   "\"type\": \"Citizen\"}", "applicant.type Citizen");
    expect_422_one("applicant", "\"applicant\": {\"name\": \"A\", "
                   "\"type\": 1}", "applicant.type a number");
    expect_422_one("applicant", "\"applicant\": {\"name\": \"A\", "
                   "\"type\": [\"citizen\"]}", "applicant.type an array");

    /* SPEC DISAGREEMENT (batch.c cb_start_map): an object as the value of a
     * member of applicant, contact or apology is skipped as if unknown, so
     * these records are accepted; SPEC section 3 allows only citizen or
     * organization (or null) for applicant.type. */
    expect_422_one("applicant", "\"applicant\": {\"name\": \"A\", "
                   "\"type\": {\"v\": \"organization\"}}",
                   "applicant.type an object");
    expect_422_one("contact", "\"contact\": {\"phone\": {\"v\": \"1\"}}",
                   "contact.phone an object");
    expect_422_one("apology", "\"apology\": {\"issued_at\": \"2019-07-17\", "
                   "\"new_due_at\": \"2019-07-19\", \"reason\": {\"v\": 1}}",
                   "apology.reason an object");

    {
        char  name[258];

        memset(name, 'x', 257);
        name[257] = '\0';
        snprintf(big, sizeof(big), "\"applicant\": {\"name\": \"%s\"}", name);
        expect_422_one("applicant", big, "applicant.name of 257 bytes");
    }

    /* code, agency, procedure */

    expect_422_one("code", "\"code\": \"\"", "code empty");
    expect_422_one("code", "\"code\": \"a b\"", "code with a space");
    expect_422_one("code", "\"code\": \".abc\"", "code beginning with a dot");
    expect_422_one("code", "\"code\": \"abc_\"", "code ending with _");
    expect_422_one("code", "\"code\": \"Đ-1\"", "code with Đ");
    expect_422_one("code", "\"code\": \"01234567890123456789012345678901234567"
                   "890123456789012345678901234\"", "code of 65 bytes");
    expect_422_one("code", "\"code\": 1", "code a number");
    expect_422_one("code", "\"code\": null", "code null");
    expect_422_one("code", "\"code\": [\"a\"]", "code an array");
    expect_422_one("code", "\"code\": {\"a\": 1}", "code an object");
    expect_422_one("agency", "\"agency\": \"\"", "agency empty");
    expect_422_one("agency", "\"agency\": 1", "agency a number");
    expect_422_one("agency", "\"agency\": null", "agency null");
    expect_422_one("procedure", "\"procedure\": \"\"", "procedure empty");
    expect_422_one("procedure", "\"procedure\": false", "procedure false");
    expect_422_one("procedure", "\"procedure\": null", "procedure null");

    /* times */

    expect_422_one("received_at", "\"received_at\": \"2019-07-09T08:15:00\"",
                   "received_at without a zone");
    expect_422_one("received_at", "\"received_at\": \"2019-07-09 08:15:00Z\"",
                   "received_at with a space");
    expect_422_one("received_at", "\"received_at\": \"2019-02-29\"",
                   "received_at 2019-02-29");
    expect_422_one("received_at", "\"received_at\": \"2019-07-09T23:59:60Z\"",
                   "received_at a leap second");
    expect_422_one("received_at", "\"received_at\": \"1989-12-31\"",
                   "received_at in 1989");
    expect_422_one("received_at", "\"received_at\": 1562634900",
                   "received_at a number");
    expect_422_one("received_at", "\"received_at\": null",
                   "received_at null");
    expect_422_one("received_at", "\"received_at\": {}",
                   "received_at an object");
    expect_422_one("due_at", "\"due_at\": null", "due_at null");
    expect_422_one("due_at", "\"due_at\": \"2101-01-01\"", "due_at in 2101");
    expect_422_one("due_at", "\"due_at\": [\"2019-07-16\"]",
                   "due_at an array");
    expect_422_one("resolved_at", "\"resolved_at\": \"soon\"",
                   "resolved_at garbage");
    expect_422_one("returned_at", "\"returned_at\": 1", "returned_at a number");
    expect_422_one("withdrawn_at", "\"withdrawn_at\": true",
                   "withdrawn_at true");

    /* the validity rules, through the parser */

    expect_422_one("due_at", "\"due_at\": \"2019-07-08\"",
                   "due before received");
    expect_422_one("resolved_at", "\"resolved_at\": \"2019-07-08\"",
                   "resolved before received");
    expect_422_one("returned_at", "\"returned_at\": \"2019-07-10\"",
                   "returned without resolved");
    expect_422_one("resolved_at", "\"resolved_at\": \"2019-08-03\"",
                   "resolved two days after today");
    expect_422_one("withdrawn_at", "\"withdrawn_at\": \"2019-07-08T16:59:59Z\"",
                   "withdrawn local 07-08, before received");
    body = record_with("resolved_at", "\"resolved_at\": \"2019-07-10\"");
    body2 = replace_in(body, "\"withdrawn_at\": null",
                       "\"withdrawn_at\": \"2019-07-10\"");
    expect_422(body2, 0, &zero, 1, "resolved and withdrawn");
    free(body2);
    free(body);

    /* contact, apology */

    expect_422_one("contact", "\"contact\": \"0912345678\"",
                   "contact a string");
    expect_422_one("contact", "\"contact\": [\"0912345678\"]",
                   "contact an array");
    expect_422_one("contact", "\"contact\": {\"phone\": 912345678}",
                   "contact.phone a number");
    expect_422_one("contact", "\"contact\": {\"email\": true}",
                   "contact.email true");
    expect_422_one("contact", "\"contact\": {\"phone\": [\"1\"]}",
                   "contact.phone an array");
    expect_422_one("apology", "\"apology\": \"sorry\"", "apology a string");
    expect_422_one("apology", "\"apology\": [1]", "apology an array");
    expect_422_one("apology", "\"apology\": {}", "apology empty");
    expect_422_one("apology", "\"apology\": {\"issued_at\": \"2019-07-17\"}",
                   "apology without new_due_at");
    expect_422_one("apology", "\"apology\": {\"new_due_at\": \"2019-07-19\"}",
                   "apology without issued_at");
    expect_422_one("apology", "\"apology\": {\"issued_at\": null, "
                   "\"new_due_at\": \"2019-07-19\"}", "apology.issued_at null");
    expect_422_one("apology", "\"apology\": {\"issued_at\": \"2019-07-17\", "
                   "\"new_due_at\": \"2019-07-16\"}",
                   "apology new due on the due date");
    expect_422_one("apology", "\"apology\": {\"issued_at\": \"2019-07-17\", "
                   "\"new_due_at\": \"2019-07-19\", \"reason\": 1}",
                   "apology.reason a number");
    expect_422_one("apology", "\"apology\": {\"issued_at\": \"2019-08-03\", "
                   "\"new_due_at\": \"2019-08-19\"}",
                   "apology issued two days after today");
    expect_422_one("apology", "\"apology\": {\"issued_at\": 1, "
                   "\"new_due_at\": \"2019-07-19\"}",
                   "apology.issued_at a number");

    body = xmalloc(4097 + 200);
    strcpy(body, "\"apology\": {\"issued_at\": \"2019-07-17\", \"new_due_at\": "
           "\"2019-07-19\", \"reason\": \"");
    memset(body + strlen(body), 'r', 4097);
    strcpy(body + strlen("\"apology\": {\"issued_at\": \"2019-07-17\", "
           "\"new_due_at\": \"2019-07-19\", \"reason\": \"") + 4097, "\"}");
    expect_422_one("apology", body, "a reason of 4097 bytes");
    free(body);
}


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

    test_good();
    test_unknown();
    test_422();
    test_several();
    test_400();
    test_chunks();

    return done_testing();
}
