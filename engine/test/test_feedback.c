/*
 * Questions' pieces without a store (engine/feedback.c): folding for
 * search, ids as typed, the requests' rules, and the record's form.
 */

#include <stdlib.h>

#include "onestop_feedback_int.h"

#include "tap.h"


static int
collect(void *ctx, int exact, const char *w, size_t len)
{
    onestop_buf_t  *b = ctx;

    onestop_buf_printf(b, "%s%.*s ", exact ? "=" : "", (int) len, w);
    return 0;
}


static int
ask(const char *body, int form, const char **message)
{
    int                    rc;
    const char            *code;
    onestop_feedback_op_t  op;

    rc = onestop_feedback_request(&op, form ? ONESTOP_FB_HTML
                                            : ONESTOP_FB_JSON,
                                  0, body, strlen(body), form, &code,
                                  message);
    onestop_feedback_op_free(&op);
    return rc;
}


int
main(void)
{
    char                    out[256];
    size_t                  n;
    uint8_t                *buf;
    const char             *msg;
    onestop_buf_t           b;
    onestop_fb_item_t       it, d;
    onestop_feedback_op_t   op;
    const char             *code, *text;

    text = "Thuế ĐẤT, phường Tân An!";
    n = onestop_fold(text, strlen(text), out);
    is_str(out, n, "thue dat phuong tan an ", "fold: no marks, đ as d");

    memset(&b, 0, sizeof(b));
    text = "Giấy phép XÂY dựng";
    onestop_fb_words(text, strlen(text), collect, &b);
    is_str(b.data, b.len, "giay =giấy phep =phép xay =xây dung =dựng ",
           "words: folded, and exact lower case where it differs");
    onestop_buf_free(&b);

    memset(&b, 0, sizeof(b));
    onestop_fb_words("Thue\xcc\x81 dat", 10, collect, &b);
    ok(b.len >= 4 && memcmp(b.data, "thue ", 5) == 0,
       "a decomposed mark is dropped in the folded form");
    onestop_buf_free(&b);

    is_int(onestop_feedback_id(" 12 ", 4), 12, "an id with spaces");
    is_int(onestop_feedback_id("12a", 3), 0, "not an id");
    is_int(onestop_feedback_id("", 0), 0, "empty");

    is_int(ask("{\"kind\":\"question\",\"subject\":\"s\",\"text\":\"t\","
               "\"name\":\"An\",\"contact\":\"0912 345 678\"}", 0, &msg),
           0, "a question by JSON");
    is_int(ask("{\"kind\":\"praise\",\"subject\":\"s\",\"text\":\"t\","
               "\"name\":\"An\",\"contact\":\"0912345678\"}", 0, &msg),
           422, "a bad kind: 422");
    is_int(ask("{\"kind\":\"question\",\"subject\":\"s\",\"text\":\"t\","
               "\"name\":\"An\",\"contact\":\"an@\"}", 0, &msg),
           422, "a bad e-mail: 422");
    is_int(ask("[1]", 0, &msg), 400, "not an object: 400");
    is_int(ask("kind=complaint&subject=s&text=t&name=An&contact=an%40x.vn"
               "&website=", 1, &msg), 0, "the form");
    is_int(ask("kind=complaint&subject=s&text=t&name=An&contact=an%40x.vn"
               "&website=x", 1, &msg), 400, "the honeypot: 400");

    text = "{\"kind\":\"question\",\"subject\":\" s \",\"text\":\"t\","
           "\"name\":\"An\",\"contact\":\"an@x.vn\"}";
    ok(onestop_feedback_request(&op, ONESTOP_FB_JSON, 0, text, strlen(text),
                                0, &code, &msg)
       == 0 && op.subject.len == 1 && strlen(op.token) == 22,
       "trimmed, and a token of 22 characters");
    onestop_feedback_op_free(&op);

    is_int(onestop_feedback_request(&op, ONESTOP_FB_INGEST, 3,
               "{\"answer\":\"a\",\"forward_to\":\"X\"}", 31, 0, &code, &msg),
           422, "answer and forward_to together: 422");
    onestop_feedback_op_free(&op);

    memset(&it, 0, sizeof(it));
    it.kind = ONESTOP_FB_COMPLAINT;
    it.flags = ONESTOP_FBF_ANSWERED;
    it.agency = 7;
    it.received = 1700000000;
    it.due = 19700;
    it.subject.data = "s";
    it.subject.len = 1;
    it.answer.data = "trả lời";
    it.answer.len = strlen(it.answer.data);
    buf = malloc(onestop_fb_size(&it));
    onestop_fb_encode(&it, buf);
    ok(onestop_fb_decode(buf, onestop_fb_size(&it), &d) == 0
       && d.kind == it.kind && d.agency == 7 && d.due == 19700
       && d.answer.len == it.answer.len, "the record's form round trip");
    ok(onestop_fb_decode(buf, onestop_fb_size(&it) - 1, &d) != 0,
       "a cut record refused");
    free(buf);

    return done_testing();
}
