/*
 * Unit tests of engine/ingest.c: the keys file (hashes, "*" and lists of
 * agencies, names, comments and blank lines, CRLF, every kind of invalid
 * line named by its number, a missing file), the resources of a write and
 * their methods in the order they are checked, a body fed from a file,
 * and the answers of a write.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onestop_date.h"
#include "onestop_ingest.h"
#include "tap.h"


#define H1  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2  "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100"


static int
parse(onestop_api_keys_t *k, const char *text, char *err, size_t errlen)
{
    onestop_api_keys_free(k);
    memset(k, 0, sizeof(onestop_api_keys_t));
    err[0] = '\0';

    return onestop_api_keys_parse(k, text, strlen(text), "keys", err,
                                  errlen);
}


static int
route(onestop_ingest_route_t *rt, const char *path, const char *method,
    int admin, const char **m)
{
    *m = "";

    return onestop_ingest_route(rt, path, strlen(path), method,
                                strlen(method), admin, m);
}


static void
test_keys(void)
{
    char                 err[512];
    onestop_api_keys_t   k;

    memset(&k, 0, sizeof(k));

    is_int(parse(&k, "", err, sizeof(err)), 0, "an empty file");
    is_int(k.n, 0, "no key");

    is_int(parse(&k, "# the keys\n\n  \t\n" H1 " * Quản trị viên\n"
                 "  " H2 "\t000.00.12.H36,,000.00.30.H36\r\n"
                 H1 " 000.00.15.H36   \r\n", err, sizeof(err)), 0,
           "three keys among comments and blank lines");
    is_int(k.n, 3, "three");
    ok(k.keys[0].hash[0] == 0x01 && k.keys[0].hash[31] == 0xef
       && k.keys[1].hash[0] == 0xff && k.keys[1].hash[31] == 0x00,
       "the hashes, either case");
    ok(k.keys[0].scope.all && k.keys[0].scope.n == 0, "\"*\": all");
    is_str(k.keys[0].name.data, k.keys[0].name.len, "Quản trị viên",
           "a name with spaces");
    ok(!k.keys[1].scope.all && k.keys[1].scope.n == 2, "two agencies");
    is_str(k.keys[1].scope.agencies[1].data, k.keys[1].scope.agencies[1].len,
           "000.00.30.H36", "the empty piece skipped");
    is_int(k.keys[1].name.len, 0, "no name before the CR");
    is_int(k.keys[2].name.len, 0, "spaces are no name");
    is_int(k.keys[2].scope.n, 1, "one agency");

    is_int(parse(&k, H1 " *\n" H1 "\n", err, sizeof(err)), -1, "no scope");
    ok(strstr(err, "invalid line 2 in keys file \"keys\": expected "
                   "\"SHA256-HEX-OF-KEY SCOPE [NAME]\"") != NULL,
       "the line and the form: %s", err);
    ok(strstr(err, "with SCOPE \"*\", \"sms\" or comma-separated agency "
                   "ids") != NULL,
       "every scope, the SMS gateway's too: %s", err);
    is_int(parse(&k, "abc *\n", err, sizeof(err)), -1, "a short hash");
    is_int(parse(&k, "\n\n" H1 "0 *\n", err, sizeof(err)), -1, "a long one");
    ok(strstr(err, "line 3") != NULL, "line 3");
    is_int(parse(&k, "g123456789abcdef0123456789abcdef0123456789abcdef"
                 "0123456789abcdef *\n", err, sizeof(err)), -1, "not hex");
    is_int(parse(&k, H1 " -bad-\n", err, sizeof(err)), -1, "a bad agency");
    is_int(parse(&k, H1 " ,\n", err, sizeof(err)), -1, "no agency at all");
    is_int(parse(&k, H1 " a,b c\n" H1 " ok,-x\n", err, sizeof(err)), -1,
           "a bad agency among good ones");
    ok(strstr(err, "line 2") != NULL, "on line 2");

    onestop_api_keys_free(&k);
    is_int(onestop_api_keys_load(&k, "/nonexistent/keys", err, sizeof(err)),
           -1, "no such file");
    ok(strstr(err, "could not open keys file \"/nonexistent/keys\"") != NULL
       && strstr(err, strerror(ENOENT)) != NULL, "says which and why");
    onestop_api_keys_free(&k);
}


static void
test_route(void)
{
    const char              *m;
    onestop_ingest_route_t   rt;

    is_int(route(&rt, "dossiers", "POST", 0, &m), 0, "POST dossiers");
    is_int(rt.kind, ONESTOP_W_DOSSIERS, "a batch");
    is_int(route(&rt, "dossiers", "PUT", 0, &m), 405, "PUT dossiers");
    ok(strcmp(rt.allow, "POST") == 0 && strcmp(m, "use POST here") == 0,
       "Allow: POST");
    is_int(route(&rt, "dossiers/A-1", "DELETE", 0, &m), 0, "DELETE a code");
    ok(rt.kind == ONESTOP_W_DELETE && rt.code.len == 3
       && memcmp(rt.code.data, "A-1", 3) == 0, "a deletion of A-1");
    is_int(route(&rt, "dossiers/-x", "POST", 0, &m), 405,
           "the method before the code");
    is_str(rt.allow, strlen(rt.allow), "GET, HEAD, DELETE",
           "Allow: GET, HEAD, DELETE");
    is_int(route(&rt, "dossiers/A-1", "GET", 0, &m), 0, "GET a code");
    ok(rt.kind == ONESTOP_INGEST_READ && rt.code.len == 3
       && memcmp(rt.code.data, "A-1", 3) == 0, "a read of A-1 (issue 15)");
    is_int(route(&rt, "dossiers/A-1", "HEAD", 0, &m), 0, "HEAD a code");
    is_int(route(&rt, "dossiers/-x", "GET", 0, &m), 400,
           "GET a bad code: 400");
    is_int(route(&rt, "dossiers/-x", "DELETE", 0, &m), 400, "a bad code");
    is_str(m, strlen(m), "not a dossier code", "says so");
    is_int(route(&rt, "dossiers/", "DELETE", 0, &m), 404, "no code");
    is_int(route(&rt, "catalog", "POST", 1, &m), 0, "the catalog, admin");
    is_int(rt.kind, ONESTOP_W_CATALOG, "a catalog");
    is_int(route(&rt, "catalog", "GET", 0, &m), 405,
           "the method before the scope");
    is_int(route(&rt, "catalog", "POST", 0, &m), 403, "not an admin");
    is_str(m, strlen(m), "only an administrator's key may write the catalog",
           "says so");
    is_int(route(&rt, "catalogs", "POST", 1, &m), 404, "another resource");
    is_str(m, strlen(m), "no such resource: dossiers, dossiers/CODE or "
           "catalog", "names the resources");
}


static void
test_feed_and_answer(void)
{
    int               fd;
    char              path[] = "/tmp/onestop-ingest-XXXXXX";
    onestop_buf_t     b;
    onestop_batch_t   batch;
    onestop_write_t   w;

    static const char  body[] =
        "{\"code\": \"A-1\", \"version\": 1, \"agency\": \"000.00.12.H36\", "
        "\"procedure\": \"1.001234\", \"channel\": \"online\", \"applicant\":"
        " {\"name\": \"An\"}, \"received_at\": \"2024-06-03\", \"due_at\": "
        "\"2024-06-10\"}\n";

    fd = mkstemp(path);
    ok(fd >= 0 && write(fd, "xxxx", 4) == 4
       && write(fd, body, sizeof(body) - 1) == (ssize_t) sizeof(body) - 1
       && write(fd, body, sizeof(body) - 1) == (ssize_t) sizeof(body) - 1,
       "a body in a file, after 4 other bytes");

    onestop_batch_init(&batch, 1, 25200, onestop_today(25200));
    is_int(onestop_ingest_feed_file(&batch, fd, 4,
                                    4 + 2 * (sizeof(body) - 1)), 0, "fed");
    onestop_batch_finish(&batch);
    is_int(batch.nrecs, 2, "two records read from the file");
    onestop_batch_free(&batch);

    onestop_batch_init(&batch, 1, 25200, onestop_today(25200));
    is_int(onestop_ingest_feed_file(&batch, fd, 0, 10), 1,
           "a body that is not JSON: refused");
    onestop_batch_free(&batch);

    close(fd);
    unlink(path);

    onestop_batch_init(&batch, 1, 25200, onestop_today(25200));
    is_int(onestop_ingest_feed_file(&batch, fd, 0, 10), -1,
           "a file that cannot be read");
    onestop_batch_free(&batch);

    memset(&w, 0, sizeof(w));
    memset(&b, 0, sizeof(b));
    w.kind = ONESTOP_W_DOSSIERS;
    w.accepted = 3;
    w.stale = 1;
    onestop_ingest_answer(&b, &w);
    is_str(b.data, b.len, "{\"accepted\": 3, \"unchanged\": 0, \"stale\": 1}\n",
           "a batch's answer");
    b.len = 0;
    w.kind = ONESTOP_W_DELETE;
    onestop_ingest_answer(&b, &w);
    is_str(b.data, b.len, "{\"deleted\": 1}\n", "a deletion's");
    b.len = 0;
    w.kind = ONESTOP_W_CATALOG;
    w.agencies = 7;
    w.fields = 3;
    w.procedures = 4;
    onestop_ingest_answer(&b, &w);
    is_str(b.data, b.len, "{\"agencies\": 7, \"fields\": 3, \"procedures\": "
           "4}\n", "a catalog's");
    onestop_buf_free(&b);
}


/* the key an Authorization header presents */
static void
test_find(void)
{
    char                      err[512];
    onestop_api_keys_t        k;
    const onestop_api_key_t  *f;

    memset(&k, 0, sizeof(k));

    /* sha256("a-key"), sha256("b-key") */
    is_int(parse(&k,
        "2a8a1240f50636655520ac8ed22aa29473b8517b4abfdbc3bc03bcad73fc8849"
        " * Quản trị\n"
        "912cf63e4e97cfdaa27ba19112c7881169eaa82676c40b0ce253f165738dafd2"
        " 000.00.12.H36 Sở Tư pháp\n", err, sizeof(err)), 0, "two keys");

#define FIND(s)  onestop_api_key_find(k.keys, k.n, s, strlen(s))

    f = FIND("Bearer a-key");
    ok(f == &k.keys[0], "Bearer a-key: the first");
    f = FIND("bearer   b-key  ");
    ok(f == &k.keys[1], "the scheme in any case, blanks around the key");
    is_str(f ? f->name.data : "", f ? f->name.len : 0, "Sở Tư pháp",
           "with its name");
    ok(FIND("Bearer c-key") == NULL, "an unknown key: none");
    ok(FIND("Bearer a-ke") == NULL, "a key's prefix: none");
    ok(FIND("Basic a-key") == NULL, "another scheme: none");
    ok(FIND("Bearer    ") == NULL, "no key: none");
    ok(FIND("Bearer") == NULL, "the scheme alone: none");
    ok(FIND("a-key") == NULL, "no scheme: none");
    ok(onestop_api_key_find(NULL, 0, "Bearer a-key", 12) == NULL,
       "no keys: none");

#undef FIND

    onestop_api_keys_free(&k);
}


int
main(void)
{
    test_keys();
    test_find();
    test_route();
    test_feed_and_answer();

    return done_testing();
}
