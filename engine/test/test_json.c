/*
 * Unit tests of engine/batch.c, batch_record.c and json.c against SPEC
 * sections 3 and 5: one record accepted in every shape SPEC allows,
 * unknown members ignored, and the 422 items of a record that breaks a
 * rule, with their index.  Batches of several records, bodies that are not
 * records (400) and any chunking are test_batch.c's; catalog documents
 * test_catalog_doc.c's; the rendering test_json_render.c's.
 */

#include "batch_expect.h"


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


int
main(void)
{
    today = civil(2019, 8, 1);

    test_good();
    test_unknown();
    test_422();

    return done_testing();
}
