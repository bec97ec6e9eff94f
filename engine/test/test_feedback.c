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


/* where a request goes: the public asks at the location, an agency acts
 * on an id; reads everywhere; other methods refused with Allow */

static void
test_route(void)
{
    const char  *allow, *msg;

    is_int(onestop_feedback_route(ONESTOP_FB_JSON, 1, 0, 0, 0, &allow, &msg),
           ONESTOP_FB_WRITE, "route: the public's POST asks");
    is_int(onestop_feedback_route(ONESTOP_FB_JSON, 0, 1, 1, 5, &allow, &msg),
           ONESTOP_FB_READ, "route: GET of an id reads");
    is_int(onestop_feedback_route(ONESTOP_FB_JSON, 1, 0, 1, 5, &allow, &msg),
           405, "route: the public posts to no id");
    ok(allow != NULL && strcmp(allow, "GET, HEAD") == 0, "Allow: %s",
       allow ? allow : "");
    is_int(onestop_feedback_route(ONESTOP_FB_HTML, 0, 0, 0, 0, &allow, &msg),
           405, "route: PUT at the page");
    ok(allow != NULL && strcmp(allow, "GET, HEAD, POST") == 0,
       "where the form posts, POST is allowed: %s", allow ? allow : "");
    is_int(onestop_feedback_route(ONESTOP_FB_INGEST, 1, 0, 1, 7, &allow,
                                  &msg), ONESTOP_FB_WRITE,
           "route: an agency's action on an id");
    is_int(onestop_feedback_route(ONESTOP_FB_INGEST, 1, 0, 1, 0, &allow,
                                  &msg), 404, "route: on no such id");
    ok(allow == NULL && strcmp(msg, "no question has this id") == 0, "%s",
       msg);
    is_int(onestop_feedback_route(ONESTOP_FB_INGEST, 1, 0, 0, 0, &allow,
                                  &msg), 405, "route: an agency posts no id");
    is_int(onestop_feedback_route(ONESTOP_FB_INGEST, 0, 1, 0, 0, &allow,
                                  &msg), ONESTOP_FB_READ,
           "route: the agencies' list");
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

    test_route();

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

    /* typed in combining characters, the same words as precomposed: the
     * exact form composed (e + U+0302 + U+0301, and ê + U+0301: ế; ệ from
     * its marks in either order), what has no precomposed letter left */

    memset(&b, 0, sizeof(b));
    text = "Thue\xcc\x82\xcc\x81 \xc4\x91" "a\xcc\x82\xcc\x81" "t "
           "vi\xc3\xaa\xcc\xa3" "c nghie\xcc\xa3\xcc\x82" "p "
           "ba\xcc\x86\xcc\x80" "ng";
    onestop_fb_words(text, strlen(text), collect, &b);
    is_str(b.data, b.len, "thue =thuế dat =đất viec =việc nghiep =nghiệp "
           "bang =bằng ", "words typed decomposed: their precomposed exact form");
    onestop_buf_free(&b);

    memset(&b, 0, sizeof(b));
    text = "x\xcc\x81 q\xcc\x82\xcc\x83\xcc\x80 a\xcc\x81\xcc\x81";
    onestop_fb_words(text, strlen(text), collect, &b);
    is_str(b.data, b.len, "x q a ",
           "marks with no precomposed letter: dropped, as before");
    onestop_buf_free(&b);

    /* the tone mark of a word ending in oa, oe, uy on either vowel: the
     * same word ("hoà" typed on a phone finds the agency's "Hòa") */

    memset(&b, 0, sizeof(b));
    text = "Ho\xc3\xa0 KHO\xe1\xba\xba thu\xe1\xbb\xb7 H\xc3\xb2" "a "
           "qu\xc3\xbd ho\xe1\xba\xa1 ho\xc3\xa0n ngo\xc3\xa0i "
           "tu\xe1\xbb\xb3 xo\xcc\x81" "a";
    onestop_fb_words(text, strlen(text), collect, &b);
    is_str(b.data, b.len, "hoa =hòa khoe =khỏe thuy =thủy hoa =hòa quy =quý "
           "hoa =họa hoan =hoàn ngoai =ngoài tuy =tùy xoa =xóa ",
           "words: the tone of oa, oe, uy on the first vowel, whichever "
           "it was typed on");
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
