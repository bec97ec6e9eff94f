/*
 * Citizens' questions (issue 14): what a request brings to /api/v1/feedback
 * and /hoi-dap, as the handler passes it to the engine.  The first byte
 * picks the door:
 *
 *   0-2  a POST's body: the API's JSON, the page's form (with its
 *        honeypot), an agency's answer or forward (onestop_feedback_request);
 *        then the words the write would index (onestop_fb_words), and the
 *        folded search form of every text (onestop_fold, onestop_unaccent);
 *   3-5  a GET's query string (onestop_args_parse): the published list and
 *        its search (q), its filters and pages, one question by id with a
 *        token, and an agency's list, as JSON and as the page's HTML
 *        (onestop_feedback_read), on the demo store with questions asked,
 *        answered and published at the target's start.
 *
 * Beyond the sanitizers: a refusal is 400 or 422 with a message that
 * renders; a question taken has its strings UTF-8, within their limits,
 * and a valid code when it has one; every word indexed is UTF-8 of at most
 * its limit; an answer read is 200, 400 or 404, UTF-8, and JSON that parses
 * in the API's modes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_date.h"
#include "onestop_feedback_int.h"
#include "onestop_util.h"


#define FB_SEEDED  24


static char    *fb_tpl;
static size_t   fb_tpl_len;
static char    *fb_ask_tpl;
static size_t   fb_ask_tpl_len;
static uint64_t fb_ids[FB_SEEDED];


static void
fb_fail(const char *what)
{
    fprintf(stderr, "fuzz_feedback: %s\n", what);
    abort();
}


static uint64_t
fb_write(onestop_store_t *st, int mode, uint64_t id, const char *body,
    int status)
{
    const char             *code, *message;
    onestop_scope_t         admin;
    onestop_write_t         w, *wp;
    onestop_feedback_op_t   op;

    if (onestop_feedback_request(&op, mode, id, body, strlen(body), 0, &code,
                                 &message) != 0)
    {
        fb_fail(message);
    }

    memset(&admin, 0, sizeof(admin));
    admin.all = 1;
    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_FEEDBACK;
    w.feedback = &op;
    w.scope = &admin;
    wp = &w;

    if (onestop_store_write(st, &wp, 1) != ONESTOP_OK || w.status != status) {
        fb_fail(w.message[0] ? w.message : "a seeded question");
    }

    id = op.id;
    onestop_feedback_op_free(&op);

    return id;
}


/* questions of each kind, in precomposed and in combining Vietnamese,
 * two in three answered, one in two of those published */
static void
fb_seed(onestop_store_t *st)
{
    int          i;
    char         body[1024];
    FILE        *f;
    long         n = 0;

    static const char  *kinds[] = { "question", "complaint", "suggestion" };
    static const char  *subjects[] = {
        "H\\u1ed3 s\\u01a1 \\u0111\\u0103ng k\\u00fd kinh doanh",
        "Nguye\\u0302\\u0303n V\\u0103n An h\\u1ecfi v\\u1ec1 h\\u1ed9 t\\u1ecbch",
        "C\\u1ea5p l\\u1ea1i gi\\u1ea5y ph\\u00e9p l\\u00e1i xe",
        "Th\\u1eddi h\\u1ea1n gi\\u1ea3i quy\\u1ebft \\u0111\\u1ea5t \\u0111ai",
    };

    for (i = 0; i < FB_SEEDED; i++) {
        snprintf(body, sizeof(body),
                 "{\"kind\":\"%s\",%s\"subject\":\"%s %d\",\"text\":\"Xin "
                 "h\\u1ecfi th\\u1ee7 t\\u1ee5c s\\u1ed1 %d, \\u0111\\u01b0"
                 "\\u1ee3c kh\\u00f4ng?\",\"name\":\"Tr\\u1ea7n Th\\u1ecb B"
                 "\",\"contact\":\"09123456%02d\"}",
                 kinds[i % 3], i % 4 == 0 ? "\"procedure\":\"1.001193\"," : "",
                 subjects[i % 4], i, i, i);
        fb_ids[i] = fb_write(st, ONESTOP_FB_JSON, 0, body, 201);

        if (i % 3 != 2) {
            snprintf(body, sizeof(body),
                     "{\"answer\":\"Tr\\u1ea3 l\\u1eddi: n\\u1ed9p t\\u1ea1i "
                     "b\\u1ed9 ph\\u1eadn m\\u1ed9t c\\u1eeda %d\","
                     "\"publish\":%s}", i, i % 2 ? "true" : "false");
            (void) fb_write(st, ONESTOP_FB_INGEST, fb_ids[i], body, 200);
        }
    }

    /* the page's template, as the module embeds it */

    f = fopen("ngx_onestop/html/feedback.html", "rb");

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0
        || fseek(f, 0, SEEK_SET) != 0
        || (fb_tpl = malloc((size_t) n)) == NULL
        || fread(fb_tpl, 1, (size_t) n, f) != (size_t) n)
    {
        fb_fail("ngx_onestop/html/feedback.html (run from the project's "
                "root)");
    }

    fb_tpl_len = (size_t) n;
    fclose(f);

    /* and its form to ask */

    f = fopen("ngx_onestop/html/feedback_ask.html", "rb");

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0
        || fseek(f, 0, SEEK_SET) != 0
        || (fb_ask_tpl = malloc((size_t) n)) == NULL
        || fread(fb_ask_tpl, 1, (size_t) n, f) != (size_t) n)
    {
        fb_fail("ngx_onestop/html/feedback_ask.html (run from the "
                "project's root)");
    }

    fb_ask_tpl_len = (size_t) n;
    fclose(f);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fb_seed(fuzz_store());
    return 0;
}


static int
fb_word(void *ctx, int exact, const char *w, size_t len)
{
    (void) ctx;

    if (len == 0
        || len > (exact ? 3 * (size_t) ONESTOP_FB_WORD_MAX + 2
                        : (size_t) ONESTOP_FB_WORD_MAX))
    {
        fb_fail("a word's length");
    }

    fuzz_check_text(exact ? "an exact word" : "a folded word", w, len);
    return 0;
}


static void
fb_text(const onestop_str_t *s)
{
    char  *out;

    fuzz_check_text("a string taken", s->data, s->len);

    if (onestop_fb_words(s->data, s->len, fb_word, NULL) != 0) {
        fb_fail("the words");
    }

    out = fuzz_room(s->len + 1);
    fuzz_check_text("folded", out, onestop_fold(s->data, s->len, out));
    fuzz_check_text("unaccented", out, onestop_unaccent(s->data, s->len, out));
    free(out);
}


static void
fb_post(int mode, int form, const uint8_t *data, size_t size)
{
    int                     rc;
    char                   *body;
    const char             *code, *message;
    onestop_feedback_op_t   op;

    body = fuzz_room(size);
    memcpy(body, data, size);
    code = NULL;
    message = NULL;

    rc = onestop_feedback_request(&op, mode, mode == ONESTOP_FB_INGEST
                                  ? fb_ids[size % FB_SEEDED] : 0,
                                  body, size, form, &code, &message);

    if (rc != 0) {
        if ((rc != 400 && rc != 422) || code == NULL) {
            fb_fail("a refusal's status");
        }

        fuzz_check_error(message);

    } else if (op.op == ONESTOP_FB_ASK) {
        if (op.subject.len == 0 || op.text.len == 0 || op.name.len == 0
            || op.contact.len == 0
            || (op.code.len
                && !onestop_code_valid(op.code.data, op.code.len)))
        {
            fb_fail("a question taken without what it needs");
        }

        fb_text(&op.subject);
        fb_text(&op.text);
        fb_text(&op.name);
        fuzz_check_text("the contact", op.contact.data, op.contact.len);
        fuzz_check_text("the token", op.token, strlen(op.token));

    } else if (op.op == ONESTOP_FB_ANSWER) {
        if (op.answer.len > ONESTOP_FB_ANSWER_MAX) {
            fb_fail("an answer over its limit");
        }

        fb_text(&op.answer);

    } else if (op.op == ONESTOP_FB_FORWARD) {
        fuzz_check_text("forward_to", op.forward_to.data, op.forward_to.len);

    } else {
        fb_fail("no operation");
    }

    onestop_feedback_op_free(&op);
    free(body);
}


static void
fb_get(int mode, const uint8_t *data, size_t size)
{
    int                      status;
    char                    *buf;
    const char              *message;
    onestop_buf_t            out;
    onestop_args_t           a;
    onestop_scope_t          admin;
    onestop_store_t         *st;
    onestop_feedback_get_t   g;

    static const char  action[] = "/hoi-dap";

    st = fuzz_store();
    buf = fuzz_room(size);

    if (onestop_args_parse(&a, (const char *) data, size, buf) != 0) {
        fuzz_check_error(a.error);
        free(buf);
        return;
    }

    memset(&admin, 0, sizeof(admin));
    admin.all = 1;
    memset(&g, 0, sizeof(g));
    g.mode = mode;
    g.args = a.arg;
    g.nargs = a.n;
    g.scope = mode == ONESTOP_FB_INGEST ? &admin : NULL;
    g.today = onestop_today(onestop_store_offset(st));
    g.action = action;
    g.action_len = sizeof(action) - 1;
    g.tpl = fb_tpl;
    g.tpl_len = fb_tpl_len;
    g.ask_tpl = fb_ask_tpl;
    g.ask_tpl_len = fb_ask_tpl_len;

    /* one question in four: by an id (seeded, or not) */

    if (size % 4 == 1) {
        g.has_id = 1;
        g.id = size % 8 == 1 ? fb_ids[(size / 8) % FB_SEEDED]
                             : (uint64_t) size * 977;
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        abort();
    }

    memset(&out, 0, sizeof(out));
    message = "";
    status = onestop_feedback_read(st, &g, &out, &message);
    onestop_store_read_end(st);

    if (out.failed || (status != 200 && status != 400 && status != 404)) {
        fb_fail("a read's status");
    }

    if (mode == ONESTOP_FB_HTML) {
        fuzz_check_text("the page", out.data, out.len);

    } else if (status == 200 || out.len > 0) {
        fuzz_check_json("the answer", out.data, out.len);

    } else {
        fuzz_check_error(message);
    }

    onestop_buf_free(&out);
    free(buf);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int  modes[] = {
        ONESTOP_FB_JSON, ONESTOP_FB_HTML, ONESTOP_FB_INGEST
    };

    if (size == 0) {
        return 0;
    }

    if (data[0] % 6 < 3) {
        fb_post(modes[data[0] % 3], data[0] % 3 == 1, data + 1, size - 1);

    } else {
        fb_get(modes[data[0] % 3], data + 1, size - 1);
    }

    return 0;
}
