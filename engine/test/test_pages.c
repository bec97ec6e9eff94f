/*
 * Unit tests of engine/pages.c and the link helpers of engine/qr.c over a
 * store in a temporary directory: the lookup as JSON and as a page (the
 * name masked, each status with its message, the code escaped), the /q/
 * page (unmasked, the evaluation form with the token, one 404 for every
 * miss), the QR request's parse (extension, code, size), the QR code and
 * the receipt behind a key's scope, signed links and the codes of
 * tokens, the QR key file, and the error codes of statuses.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "onestop_html.h"
#include "onestop_pages.h"
#include "tap.h"


#define URL       "https://dvc.example.vn"
#define CODE      "000.00.12.H36-240603-0001"
#define DONE      "000.00.12.H36-240603-0002"
#define TPL_Q     "<h1>Q</h1>{{record}}|{{evaluation}}"
#define TPL_MISS  "<h1>Missing</h1>"
#define TPL_LOOK  "<h1>L</h1>{{form}}|{{result}}"


static int
has(const onestop_buf_t *b, const char *s)
{
    size_t  n;

    n = strlen(s);

    if (b->len < n) {
        return 0;
    }

    for (size_t i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, s, n) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
lookup(onestop_store_t *st, const char *code, onestop_buf_t *b)
{
    int  status;

    onestop_buf_free(b);
    memset(b, 0, sizeof(onestop_buf_t));
    onestop_store_read_begin(st);
    status = onestop_page_lookup(b, st, TPL_LOOK, strlen(TPL_LOOK),
                                 "/tra-cuu", 8, code, strlen(code));
    onestop_store_read_end(st);

    return status;
}


static int
dossier(onestop_store_t *st, const char *code, const char *token,
    onestop_buf_t *b, const char **title)
{
    int  status;

    onestop_buf_free(b);
    memset(b, 0, sizeof(onestop_buf_t));

    if (st != NULL) {
        onestop_store_read_begin(st);
    }

    status = onestop_page_dossier(b, st, code, code ? strlen(code) : 0,
                                  token, strlen(token), "/api/v1/evaluations",
                                  19, TPL_Q, strlen(TPL_Q), TPL_MISS,
                                  strlen(TPL_MISS), title);

    if (st != NULL) {
        onestop_store_read_end(st);
    }

    return status;
}


static int
qr(onestop_store_t *st, int receipt, const char *id, const char *args,
    const onestop_scope_t *scope, const onestop_qr_key_t *key,
    onestop_buf_t *b, const char **message)
{
    int                   status;
    const char           *why;
    onestop_qr_request_t  q;

    onestop_buf_free(b);
    memset(b, 0, sizeof(onestop_buf_t));

    status = onestop_qr_request(&q, receipt, id, strlen(id), args,
                                strlen(args), message);

    if (status != 0) {
        return status;
    }

    onestop_store_read_begin(st);
    status = onestop_qr_answer(b, st, &q, scope, key, URL, strlen(URL),
                               "<p>{{code}} {{qr}}</p>", 22, message, &why);
    onestop_store_read_end(st);

    return status;
}


static void
test_error_pages(void)
{
    int             st;
    size_t          i;
    const char     *title;
    onestop_buf_t   b;

    static const struct {
        int          in, out;
        const char  *words;
    } c[] = {
        { 400, 400, "Yêu cầu không hợp lệ" },
        { 404, 404, "Không tìm thấy trang" },
        { 405, 405, "Thao tác không được hỗ trợ" },
        { 409, 409, "Nội dung đã thay đổi" },
        { 413, 413, "Nội dung quá dài" },
        { 422, 422, "Nội dung chưa hợp lệ" },
        { 429, 429, "Quá nhiều yêu cầu" },
        { 500, 500, "Hệ thống gặp sự cố" },
        { 502, 502, "Hệ thống tạm ngừng" },
        { 503, 503, "Hệ thống tạm ngừng" },
        { 504, 504, "Hệ thống tạm ngừng" },
        { 507, 507, "Hệ thống gặp sự cố" },
        { 418, 418, "Yêu cầu không hợp lệ" },
        { 200, 500, "Hệ thống gặp sự cố" },
    };

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        memset(&b, 0, sizeof(onestop_buf_t));
        st = onestop_html_error(&b, c[i].in, &title, "/tra-cuu", 8,
                                i % 2 ? "/cong-dan/hoi-dap" : "", i % 2 ? 17 : 0,
                                NULL, NULL, 0);
        is_int(st, c[i].out, "error page of %d: its status", c[i].in);
        ok(strcmp(title, c[i].words) == 0, "  its title: %s", c[i].words);
        ok(!b.failed && b.len
           && memmem(b.data, b.len, c[i].words, strlen(c[i].words)) != NULL
           && memmem(b.data, b.len, "href=\"/tra-cuu\"", 15) != NULL
           && memmem(b.data, b.len, "role=\"alert\"", 12) != NULL,
           "  says it, with the way back, as an alert");
        ok((memmem(b.data, b.len, "href=\"/cong-dan/hoi-dap\"", 24) != NULL)
           == (int) (i % 2)
           && (memmem(b.data, b.len, "/hoi-dap\"", 9) != NULL)
              == (int) (i % 2),
           "  the questions' page linked where it is, and only if it is");
        ok(memmem(b.data, b.len, "Quay lại", 9) == NULL,
           "  no way back to a form without one");
        ok(memmem(b.data, b.len, "Bạn", strlen("Bạn")) == NULL,
           "  the citizen addressed as Ông/Bà, as everywhere");
        onestop_buf_free(&b);
    }

    /* the /q/ page's evaluation form refused: what was wrong, and the way
     * back to the form, first, escaped */
    memset(&b, 0, sizeof(onestop_buf_t));
    st = onestop_html_error(&b, 422, &title, "/tra-cuu", 8, "", 0,
                            "Xin chọn ít nhất một mức", "/q/A.b&c#danh-gia",
                            17);
    is_int(st, 422, "the form's 422: its status");
    ok(!b.failed && memmem(b.data, b.len, "Xin chọn ít nhất một mức",
                           strlen("Xin chọn ít nhất một mức")) != NULL
       && memmem(b.data, b.len, "chưa đúng yêu cầu",
                 strlen("chưa đúng yêu cầu")) == NULL,
       "  says what was wrong instead of the general words");
    ok(memmem(b.data, b.len, "<li><a href=\"/q/A.b&amp;c#danh-gia\">Quay lại "
              "phiếu đánh giá</a></li><li><a href=\"/tra-cuu\"",
              strlen("<li><a href=\"/q/A.b&amp;c#danh-gia\">Quay lại "
                     "phiếu đánh giá</a></li><li><a href=\"/tra-cuu\""))
       != NULL, "  and links back to the form first");
    onestop_buf_free(&b);
}


static void
test_request(void)
{
    const char            *m;
    onestop_qr_request_t   q;

    is_int(onestop_qr_request(&q, 0, "A-1.svg", 7, "", 0, &m), 0, "A-1.svg");
    ok(q.format == ONESTOP_QR_SVG && q.scale == 4 && q.code.len == 3,
       "svg, size 4, the code before the dot");
    is_int(onestop_qr_request(&q, 0, "A.1.png", 7, "size=12", 7, &m), 0,
           "A.1.png?size=12");
    ok(q.format == ONESTOP_QR_PNG && q.scale == 12 && q.code.len == 3,
       "png, size 12, the code up to the last dot");
    is_int(onestop_qr_request(&q, 0, "A.png", 5, "x=1&size=20", 11, &m), 0,
           "size 20 among other arguments");
    is_int(q.scale, 20, "size 20");
    is_int(onestop_qr_request(&q, 0, "A.gif", 5, "", 0, &m), 404, "a gif");
    is_str(m, strlen(m), "a QR code is /qr/CODE.svg or /qr/CODE.png",
           "says what a QR code's address is");
    is_int(onestop_qr_request(&q, 0, "A", 1, "", 0, &m), 404, "no dot");
    is_int(onestop_qr_request(&q, 0, "A.svgz", 6, "", 0, &m), 404, "svgz");
    is_int(onestop_qr_request(&q, 0, ".svg", 4, "", 0, &m), 400, "no code");
    is_str(m, strlen(m), "not a dossier code", "not a dossier code");
    is_int(onestop_qr_request(&q, 0, "-a-.svg", 7, "", 0, &m), 400,
           "a bad code");
    is_int(onestop_qr_request(&q, 0, "A.svg", 5, "size=0", 6, &m), 400,
           "size 0");
    is_str(m, strlen(m), "size is the pixels of a module: 1 to 20",
           "the range of size");
    is_int(onestop_qr_request(&q, 0, "A.svg", 5, "size=21", 7, &m), 400,
           "size 21");
    is_int(onestop_qr_request(&q, 0, "A.svg", 5, "size=99999999999999999999",
                              25, &m), 400, "a huge size");
    is_int(onestop_qr_request(&q, 0, "A.svg", 5, "size=4x", 7, &m), 400,
           "size 4x");
    is_int(onestop_qr_request(&q, 0, "A.svg", 5, "size=", 5, &m), 400,
           "an empty size");
    is_int(onestop_qr_request(&q, 0, "A.svg", 5, "size=2&size=3", 13, &m),
           400, "size twice");
    is_str(m, strlen(m), "size is given twice", "says twice");
    is_int(onestop_qr_request(&q, 1, "A.svg", 5, "size=0", 6, &m), 0,
           "a receipt's id is the code, and size is not read");
    ok(q.format == ONESTOP_QR_RECEIPT && q.code.len == 5, "a receipt");
    is_int(onestop_qr_request(&q, 1, "-a", 2, "", 0, &m), 400,
           "a receipt of a bad code");
}


static void
test_keys(const char *dir)
{
    int               n;
    char              path[4200], err[4400];
    FILE             *f;
    onestop_qr_key_t  keys[4];

    fixture_path(path, sizeof(path), dir, "qr.key");
    f = fopen(path, "w");
    fprintf(f, "# keys\n%s\n\n%s\n",
            "abababababababababababababababababababababababababababababababab",
            "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
    fclose(f);

    /* the secret readable by others: refused, saying what to run */

    memset(keys, 0, sizeof(keys));
    chmod(path, 0644);
    is_int(onestop_qr_keys_load(path, keys, 4, err, sizeof(err)), -1,
           "a key file others may read");
    ok(strstr(err, "is open to its group or others (mode 0644)") != NULL
       && strstr(err, "chmod 0600") != NULL && strstr(err, path) != NULL
       && strstr(err, "abab") == NULL,
       "names the file, its mode and the fix, never a key: %s", err);
    ok(keys[0].len == 0, "no key read");

    chmod(path, 0640);
    is_int(onestop_qr_keys_load(path, keys, 4, err, sizeof(err)), -1,
           "nor its group");

    chmod(path, 0600);
    n = onestop_qr_keys_load(path, keys, 4, err, sizeof(err));
    is_int(n, 2, "a key file of two keys");
    ok(keys[0].len == 32 && keys[0].key[0] == 0xab && keys[1].key[31] == 0xcd,
       "in file order");

    f = fopen(path, "w");
    fprintf(f, "abcd\n");
    fclose(f);
    is_int(onestop_qr_keys_load(path, keys, 4, err, sizeof(err)), -1,
           "a short key");
    ok(strstr(err, path) != NULL && strstr(err, "line 1") != NULL,
       "the file and the line: %s", err);
    ok(keys[0].len == 0 && keys[0].key[0] == 0, "keys wiped");

    fixture_path(path, sizeof(path), dir, "none.key");
    is_int(onestop_qr_keys_load(path, keys, 4, err, sizeof(err)), -1,
           "no file");
    ok(strstr(err, "could not open QR key file") != NULL
       && strstr(err, path) != NULL && strstr(err, strerror(ENOENT)) != NULL,
       "names the file and why: %s", err);

    is_int(onestop_qr_keys_load(dir, keys, 4, err, sizeof(err)), -1,
           "a directory");
    ok(strstr(err, "is not a small text file") != NULL, "not a text file");
}


/* a template filled: its marks, braces that are not marks, marks left
 * open or unknown, at the start and at the end */
static void
test_fill(void)
{
    size_t         i;
    onestop_buf_t  b;

    static const onestop_html_var_t  vars[] = {
        { "x", "<&>", 3, 0 },
        { "raw", "<b>", 3, 1 },
    };

    static const struct {
        const char  *tpl;
        const char  *want;
    } cases[] = {
        { "a{{x}}b", "a&lt;&amp;&gt;b" },
        { "{{x}}", "&lt;&amp;&gt;" },
        { "{{raw}}{{x}}", "<b>&lt;&amp;&gt;" },
        { "p{margin:0}q{{raw}}", "p{margin:0}q<b>" },
        { "a{b}c{{", "a{b}c{{" },
        { "x{", "x{" },
        { "{", "{" },
        { "", "" },
        { "{{unknown}} and {{x}}", "{{unknown}} and &lt;&amp;&gt;" },
        { "{{{x}}", "{{{x}}" },
        { "{{x}", "{{x}" },
        { "{ {x}}", "{ {x}}" },
        { "}}{{x}}{{", "}}&lt;&amp;&gt;{{" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&b, 0, sizeof(b));
        onestop_buf_add(&b, "", 0);
        onestop_html_fill(&b, cases[i].tpl, strlen(cases[i].tpl), vars, 2);
        is_str(b.data, b.len, cases[i].want, "fill \"%s\"", cases[i].tpl);
        onestop_buf_free(&b);
    }
}


int
main(void)
{
    char                err[256], ndjson[2048], token[128], *p;
    size_t              len;
    const char         *dir, *m, *title, *code;
    onestop_buf_t       b, link;
    onestop_str_t       tuphap;
    onestop_scope_t     admin, mine, other;
    onestop_write_t     w;
    onestop_store_t    *st;
    onestop_qr_key_t    key, key2;

    dir = fixture_tmpdir();
    st = fixture_open(dir, (size_t) 64 << 20, 0, err, sizeof(err));

    if (st == NULL) {
        printf("Bail out! %s\n", err);
        return 1;
    }

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200, "catalog");

    snprintf(ndjson, sizeof(ndjson),
             "{\"code\": \"" CODE "\", \"version\": 1, \"agency\": "
             "\"000.00.12.H36\", \"procedure\": \"1.001234\", \"channel\": "
             "\"online\", \"applicant\": {\"name\": \"Đặng Thị Ánh\"}, "
             "\"received_at\": \"2024-06-03T08:15:00+07:00\", \"due_at\": "
             "\"2024-06-10T17:00:00+07:00\"}\n"
             "{\"code\": \"" DONE "\", \"version\": 1, \"agency\": "
             "\"000.00.12.H36\", \"procedure\": \"1.001234\", \"channel\": "
             "\"online\", \"applicant\": {\"name\": \"Lê <Văn> Bình\"}, "
             "\"received_at\": \"2024-06-03T08:15:00+07:00\", \"due_at\": "
             "\"2024-06-10T17:00:00+07:00\", \"resolved_at\": "
             "\"2024-06-05\"}\n");
    is_int(fixture_import(st, ndjson, onestop_today(onestop_store_offset(st)),
                          &w), 200, "two dossiers");

    memset(&b, 0, sizeof(b));

    /* the lookup's JSON */

    onestop_store_read_begin(st);
    is_int(onestop_page_lookup_json(st, CODE, strlen(CODE), &b), ONESTOP_OK,
           "lookup JSON");
    is_int(onestop_page_lookup_json(st, "NONE", 4, &b), ONESTOP_NOT_FOUND,
           "lookup JSON of an unknown code");
    onestop_store_read_end(st);
    onestop_buf_add(&b, "", 0);
    ok(b.data != NULL && strstr(b.data, "\"code\":\"" CODE "\"") != NULL
       && strstr(b.data, "Ánh") == NULL,
       "the lookup object, the name masked");
    onestop_buf_free(&b);

    /* the lookup page */

    is_int(lookup(st, "", &b), 200, "the page without a code");
    ok(has(&b, "<h1>L</h1><form class=\"search\"") && has(&b, "|<p>Nhập mã"),
       "the template's form and the invitation");
    is_int(lookup(st, CODE, &b), 200, "the page of a dossier");
    ok(has(&b, "Đặng T. Á.") && !has(&b, "Ánh") && has(&b, "value=\"" CODE),
       "masked, and the code in the form");
    is_int(lookup(st, "NO-SUCH", &b), 404, "an unknown code");
    ok(has(&b, "Không tìm thấy hồ sơ có mã NO-SUCH."), "says which");
    is_int(lookup(st, "<b>", &b), 400, "not a code");
    ok(has(&b, "Mã hồ sơ không hợp lệ") && !has(&b, "<b>")
       && has(&b, "&lt;b&gt;"), "says so, the code escaped");
    ok(!has(&b, "{{"), "no mark left");

    /* the /q/ page */

    is_int(dossier(NULL, NULL, "x", &b, &title), 404, "no store: 404");
    is_str(b.data, b.len, TPL_MISS, "the missing template");
    is_str(title, strlen(title), "Không tìm thấy hồ sơ", "its title");
    is_int(dossier(st, "NONE", "NONE.x", &b, &title), 404, "an unknown code");
    is_str(b.data, b.len, TPL_MISS, "the very same page");
    is_int(dossier(st, CODE, "tok", &b, &title), 200, "a dossier");
    is_str(title, strlen(title), "Thông tin hồ sơ", "its title");
    ok(has(&b, "<h1>Q</h1><section") && has(&b, "Đặng Thị Ánh"),
       "the whole name");
    ok(has(&b, "|<section class=\"card\" id=\"danh-gia\"")
       && has(&b, "khi hồ sơ đã được giải quyết") && !has(&b, "<form"),
       "not resolved: no form yet");
    is_int(dossier(st, DONE, "tok&", &b, &title), 200, "a resolved dossier");
    ok(has(&b, "Lê &lt;Văn&gt; Bình"), "escaped");
    ok(has(&b, "action=\"/api/v1/evaluations\"")
       && has(&b, "name=\"token\" value=\"tok&amp;\""),
       "the form, with the token escaped");

    /* signed links and tokens */

    memset(&key, 0, sizeof(key));
    memset(key.key, 0xab, 32);
    key.len = 32;
    key2 = key;
    key2.key[0] = 0;

    memset(&link, 0, sizeof(link));
    is_int(onestop_token_link(&key, URL, strlen(URL), CODE, strlen(CODE),
                              &link), 0, "a link");
    len = onestop_token_sign(&key, CODE, strlen(CODE), token);
    ok(link.len == strlen(URL "/q/") + len
       && memcmp(link.data, URL "/q/", strlen(URL "/q/")) == 0
       && memcmp(link.data + strlen(URL "/q/"), token, len) == 0,
       "the address, /q/ and the token");
    is_int(onestop_token_link(NULL, URL, strlen(URL), CODE, strlen(CODE),
                              &link), -1, "no key, no link");
    onestop_buf_free(&link);

    ok(onestop_token_code(&key, 1, token, len, &code, &len)
       && len == strlen(CODE) && memcmp(code, CODE, len) == 0,
       "the code of a token");
    len = onestop_token_sign(&key, CODE, strlen(CODE), token);
    ok(!onestop_token_code(&key2, 1, token, len, &code, &len),
       "another key's token: none");
    len = onestop_token_sign(&key, "-bad-", 5, token);
    ok(!onestop_token_code(&key, 1, token, len, &code, &len),
       "a signed token of something that is not a code: none");

    /* the QR code and the receipt, behind a scope */

    memset(&admin, 0, sizeof(admin));
    admin.all = 1;
    tuphap.data = "000.00.12.H36";
    tuphap.len = 13;
    mine.all = 0;
    mine.agencies = &tuphap;
    mine.n = 1;
    other = mine;
    other.n = 0;

    is_int(qr(st, 0, CODE ".svg", "size=2", &admin, &key, &b, &m), 200,
           "a QR code as SVG");
    ok(b.len > 5 && memcmp(b.data, "<svg", 4) == 0, "an SVG document");
    is_int(qr(st, 0, CODE ".png", "", &mine, &key, &b, &m), 200,
           "as PNG, for a key of the agency");
    ok(b.len > 8 && memcmp(b.data, "\x89PNG", 4) == 0, "a PNG image");
    is_int(qr(st, 0, CODE ".png", "", &other, &key, &b, &m), 403,
           "a key of no agency of the dossier");
    is_str(m, strlen(m), "the key does not cover the dossier's agency",
           "says so");
    is_int(qr(st, 0, "NONE.svg", "", &admin, &key, &b, &m), 404, "unknown");
    is_str(m, strlen(m), "no dossier has this code", "says so");
    is_int(qr(st, 0, CODE ".svg", "", &admin, NULL, &b, &m), 500,
           "no key to sign with");
    is_int(qr(st, 1, CODE, "", &mine, &key, &b, &m), 200, "a receipt");
    p = b.data != NULL ? strstr(b.data, "<svg") : NULL;
    ok(b.len > 4 && memcmp(b.data, "<p>" CODE " ", 4 + strlen(CODE)) == 0
       && p != NULL, "the template filled, the QR code in it");
    is_int(qr(st, 1, "NONE", "", &mine, &key, &b, &m), 404,
           "the receipt of an unknown code");

    ok(onestop_qr_message(401) != NULL
       && strstr(onestop_qr_message(401), "Bearer") != NULL,
       "401 says how to authenticate");
    is_str(onestop_qr_message(500), strlen(onestop_qr_message(500)),
           "the dossier could not be read", "500");

    m = onestop_error_code(404);
    is_str(m, strlen(m), "not_found", "the error code of 404");
    m = onestop_error_code(422);
    is_str(m, strlen(m), "invalid", "of 422");
    m = onestop_error_code(418);
    is_str(m, strlen(m), "internal_error", "of a status without one");

    onestop_buf_free(&b);
    test_fill();
    test_request();
    test_error_pages();
    test_keys(dir);

    onestop_store_close(st);

    return done_testing();
}
