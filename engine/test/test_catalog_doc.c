/*
 * Unit tests of json.c's catalog documents (SPEC section 5): what
 * onestop_catalog_doc_parse takes, and what it refuses with 400 (not an
 * object) or 422 (an entry breaks a rule, UTF-8 included), with a message.
 */

#include "tap.h"
#include "civil.h"
#include "records.h"


/* catalog documents */

static int
cat_parse(const char *text, onestop_catalog_doc_t *doc)
{
    int    rc;
    char  *p;

    p = xmalloc(strlen(text) + 1);
    memcpy(p, text, strlen(text));
    rc = onestop_catalog_doc_parse(doc, p, strlen(text));
    free(p);

    return rc;
}


static void
cat_is(const char *text, int want, const char *what)
{
    int                    rc;
    onestop_catalog_doc_t  doc;

    rc = cat_parse(text, &doc);
    is_int(rc, want, "catalog: %s", what);
    ok(want == 0 || doc.message[0] != '\0', "catalog: %s: a message (%s)",
       what, doc.message);
    onestop_catalog_doc_free(&doc);
}


static void
test_catalog_doc(void)
{
    int                    rc;
    onestop_catalog_doc_t  doc;

    rc = cat_parse(
        "{\"agencies\":   [{\"id\": \"000.00.12.H36\", \"name\": \"Sở Tư "
        "pháp\", \"level\": \"province\", \"parent\": null},\n"
        "                 {\"id\": \"H36.01\", \"name\": \"UBND huyện Đức "
        "Hòa\", \"level\": \"district\"},\n"
        "                 {\"id\": \"H36.01.01\", \"name\": \"UBND xã Hựu "
        "Thạnh\", \"level\": \"commune\", \"parent\": \"H36.01\"}],\n"
        " \"fields\":     [{\"id\": \"tu-phap\", \"name\": \"Tư pháp\"}],\n"
        " \"procedures\": [{\"id\": \"1.001234\", \"name\": \"Cấp phiếu lý "
        "lịch tư pháp\", \"field\": \"tu-phap\"}],\n"
        " \"note\": {\"unknown\": [1]}}", &doc);
    is_int(rc, 0, "catalog: SPEC's document, with more");
    is_int(doc.nagencies, 3, "three agencies");
    is_int(doc.nfields, 1, "one field");
    is_int(doc.nprocedures, 1, "one procedure");

    if (doc.nagencies == 3 && doc.nfields == 1 && doc.nprocedures == 1) {
        ok(str_is(&doc.agencies[0].id, "000.00.12.H36"), "agency id");
        ok(str_is(&doc.agencies[0].name, "Sở Tư pháp"), "agency name");
        is_int(doc.agencies[0].level, ONESTOP_LEVEL_PROVINCE,
               "level province");
        is_int(doc.agencies[0].parent.len, 0, "parent null: none");
        is_int(doc.agencies[1].level, ONESTOP_LEVEL_DISTRICT,
               "level district");
        is_int(doc.agencies[1].parent.len, 0, "no parent: none");
        is_int(doc.agencies[2].level, ONESTOP_LEVEL_COMMUNE, "level commune");
        ok(str_is(&doc.agencies[2].parent, "H36.01"), "a commune's parent");
        ok(str_is(&doc.fields[0].id, "tu-phap"), "field id");
        ok(str_is(&doc.fields[0].name, "Tư pháp"), "field name");
        ok(str_is(&doc.procedures[0].id, "1.001234"), "procedure id");
        ok(str_is(&doc.procedures[0].name, "Cấp phiếu lý lịch tư pháp"),
           "procedure name");
        ok(str_is(&doc.procedures[0].field, "tu-phap"), "procedure field");
    }

    onestop_catalog_doc_free(&doc);

    cat_is("{}", 0, "an empty object");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"F\"}]}", 0,
           "fields only");
    cat_is("{\"agencies\": [], \"fields\": [], \"procedures\": []}", 0,
           "empty arrays");

    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"A\", \"level\": "
           "\"city\"}]}", 422, "a bad level");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"A\", \"level\": "
           "\"Province\"}]}", 422, "level Province");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"A\", \"level\": "
           "1}]}", 422, "level a number");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"A\"}]}", 422,
           "no level");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"level\": \"province\"}]}", 422,
           "an agency without a name");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"\", \"level\": "
           "\"province\"}]}", 422, "an agency with an empty name");
    cat_is("{\"agencies\": [{\"name\": \"A\", \"level\": \"province\"}]}",
           422, "an agency without an id");
    cat_is("{\"agencies\": [{\"id\": \".a\", \"name\": \"A\", \"level\": "
           "\"province\"}]}", 422, "an agency with a bad id");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"A\", \"level\": "
           "\"commune\", \"parent\": 3}]}", 422, "a parent that is a number");
    cat_is("{\"agencies\": [\"a\"]}", 422, "an agency that is a string");
    cat_is("{\"agencies\": {\"id\": \"a\"}}", 422, "agencies an object");
    cat_is("{\"fields\": [{\"id\": \"f\"}]}", 422, "a field without a name");
    cat_is("{\"fields\": [{\"name\": \"F\"}]}", 422, "a field without an id");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": 1}]}", 422,
           "a field whose name is a number");
    cat_is("{\"fields\": \"tu-phap\"}", 422, "fields a string");
    cat_is("{\"procedures\": [{\"id\": \"p\", \"name\": \"P\"}]}", 422,
           "a procedure without a field");
    cat_is("{\"procedures\": [{\"id\": \"p\", \"field\": \"f\"}]}", 422,
           "a procedure without a name");
    cat_is("{\"procedures\": [{\"id\": \"p q\", \"name\": \"P\", \"field\": "
           "\"f\"}]}", 422, "a procedure with a bad id");
    cat_is("{\"procedures\": 1}", 422, "procedures a number");

    cat_is("[]", 400, "an array");
    cat_is("[{\"agencies\": []}]", 400, "an array of a catalog");
    cat_is("1", 400, "a number");
    cat_is("\"catalog\"", 400, "a string");
    cat_is("null", 400, "null");
    cat_is("", 400, "nothing");
    cat_is("{", 400, "not JSON");
    cat_is("{\"agencies\": [}", 400, "broken JSON");
    cat_is("{} x", 400, "trailing garbage");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"\xff\"}]}", 400,
           "invalid UTF-8");

    /* found by make fuzz (fuzz_catalog): what yajl's own check lets
     * through must not reach a name the public answers show */
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"x\xc1\xa2y\"}]}",
           400, "overlong UTF-8 in a name");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"\xe0\x80\xaf\"}]}",
           400, "overlong UTF-8, three bytes");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"\xed\xa0\x80\"}]}",
           400, "a surrogate in UTF-8");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"a\\ud800 b\"}]}",
           400, "an escaped high surrogate alone (yajl: '?')");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"a\\udc00\"}]}",
           400, "an escaped low surrogate alone");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"T\\u01b0 ph\\u00e1p "
           "\\ud83d\\ude00\"}]}", 0, "escapes and a pair are fine");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"a\\\\ud800\"}]}", 0,
           "an escaped backslash before ud800 is text");
    cat_is("{\"fields\": [{\"id\": \"f\", \"name\": \"S\\u0000 cut\"}]}",
           422, "\\u0000 in a name (it was cut there)");
    cat_is("{\"agencies\": [{\"id\": \"a\", \"name\": \"A\", \"level\": "
           "\"province\", \"parent\": \"b\\u0000\"}]}",
           422, "\\u0000 in a parent");

    {
        onestop_catalog_doc_t  d;

        rc = onestop_catalog_doc_parse(&d, "{}\0{}", 5);
        is_int(rc, 400, "catalog: a NUL byte");
        onestop_catalog_doc_free(&d);
    }

    /* nesting: yajl's tree is built and freed by recursion, and 400,000
     * levels (800 kB, under the operators' guide's 64m) overflowed the
     * stack of the worker that parsed them */

    {
        char    *deep;
        size_t   i, n;

        n = 400000;
        deep = xmalloc(2 * n + 8);
        memcpy(deep, "{\"x\":", 5);

        for (i = 0; i < n; i++) {
            deep[5 + i] = '[';
            deep[5 + n + i] = ']';
        }

        deep[5 + 2 * n] = '}';
        deep[6 + 2 * n] = '\0';
        cat_is(deep, 400, "nesting 400,000 deep");
        free(deep);

        cat_is("{\"note\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]"
               "]]]]]]]]]]]]]]]]}", 400, "nesting 35 deep");
        cat_is("{\"note\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", 0,
               "brackets in a string are text");
    }
}


int
main(void)
{
    today = civil(2019, 8, 1);

    test_catalog_doc();

    return done_testing();
}
