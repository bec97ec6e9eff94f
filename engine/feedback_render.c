/*
 * What questions look like (onestop_feedback.h): one question as JSON or
 * as a card of the page, in the view of the public, its sender or the
 * agencies; the answer of a write; an error as the API or the page gives
 * it.  Every text from outside is escaped (yajl, onestop_html_escape).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_feedback_int.h"
#include "onestop_html.h"
#include "onestop_json.h"
#include "onestop_stats_int.h"


static const char  *fb_kinds_vi[] = { "Hỏi đáp", "Phản ánh", "Kiến nghị" };


/* rendering */

static void
gen_time(yajl_gen g, int64_t sec, int32_t offset)
{
    char          buf[ONESTOP_TS_LEN];
    onestop_ts_t  ts;

    if (sec == 0) {
        yajl_gen_null(g);
        return;
    }

    ts.sec = sec;
    ts.set = 1;
    ts.date_only = 0;
    onestop_gen_str(g, buf, onestop_ts_format(&ts, offset, buf));
}


static void
gen_entry(yajl_gen g, const char *member, const onestop_str_t *id,
    const onestop_str_t *name)
{
    onestop_gen_ref(g, member, id, name);
}


/* a question's free text as the view shows it: in public, the words of
 * the sender's own name masked as the name is (issue 18: no name in
 * published free text); whole to the sender and the agency */
static void
fb_shown(onestop_shown_text_t *t, const onestop_fb_item_t *it,
    const onestop_str_t *s, int view)
{
    onestop_record_t  r;

    memset(&r, 0, sizeof(r));
    r.name = it->name;
    onestop_shown_text(t, &r, s->data, s->len, view != ONESTOP_FBV_PUBLIC);
}


static void
fb_gen_shown(yajl_gen g, const onestop_fb_item_t *it, const onestop_str_t *s,
    int view)
{
    onestop_shown_text_t  t;

    fb_shown(&t, it, s, view);
    onestop_gen_str(g, t.data, t.len);
    onestop_shown_text_free(&t);
}


/* an item's members up to its catalog entries: what a public item holds
 * that no catalog change alters (its timeliness, once answered, included) */
static void
fb_render_head(yajl_gen g, const onestop_fb_item_t *it, int32_t offset,
    onestop_day_t today, int view)
{
    char                    idbuf[24], date[ONESTOP_DATE_LEN];
    onestop_shown_name_t    name;
    onestop_record_t        r;

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "id");
    onestop_gen_str(g, idbuf, (size_t) snprintf(idbuf, sizeof(idbuf), "%llu",
                                                (unsigned long long) it->id));
    onestop_gen_cstr(g, "kind");
    onestop_gen_cstr(g, onestop_fb_kind_name(it->kind));
    onestop_gen_cstr(g, "status");
    onestop_gen_cstr(g, it->flags & ONESTOP_FBF_ANSWERED ? "answered"
                                                        : "open");
    onestop_gen_cstr(g, "subject");
    fb_gen_shown(g, it, &it->subject, view);
    onestop_gen_cstr(g, "text");
    fb_gen_shown(g, it, &it->text, view);

    /* the sender's name as the lookup shows an applicant's */

    memset(&r, 0, sizeof(r));
    r.name = it->name;
    onestop_shown_name(&name, &r, view != ONESTOP_FBV_PUBLIC);
    onestop_gen_cstr(g, "name");
    onestop_gen_str(g, name.data, name.len);
    onestop_shown_name_free(&name);

    onestop_gen_cstr(g, "received_at");
    gen_time(g, it->received, offset);
    onestop_gen_cstr(g, "due_date");
    onestop_gen_str(g, date, onestop_day_format(it->due, date));
    onestop_gen_cstr(g, "answer");

    if (it->flags & ONESTOP_FBF_ANSWERED) {
        fb_gen_shown(g, it, &it->answer, view);
    } else {
        yajl_gen_null(g);
    }

    onestop_gen_cstr(g, "answered_at");
    gen_time(g, it->flags & ONESTOP_FBF_ANSWERED ? it->answered_at : 0,
             offset);
    onestop_gen_cstr(g, "timeliness");
    onestop_gen_cstr(g, onestop_fb_timeliness(it, offset, today));
    onestop_gen_cstr(g, "forwarded");
    yajl_gen_bool(g, it->forwards > 0);
}


void
onestop_fb_render(yajl_gen g, const onestop_fb_item_t *it,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int view)
{
    const onestop_agency_t *a;

    fb_render_head(g, it, offset, today, view);

    a = it->agency && it->agency <= cat->nagencies
        ? &cat->agencies[it->agency] : NULL;
    gen_entry(g, "agency", a ? &a->id : NULL, a ? &a->name : NULL);
    gen_entry(g, "field",
              it->field && it->field <= cat->nfields
              ? &cat->fields[it->field].id : NULL,
              it->field && it->field <= cat->nfields
              ? &cat->fields[it->field].name : NULL);
    gen_entry(g, "procedure",
              it->procedure && it->procedure <= cat->nprocedures
              ? &cat->procedures[it->procedure].id : NULL,
              it->procedure && it->procedure <= cat->nprocedures
              ? &cat->procedures[it->procedure].name : NULL);

    if (view != ONESTOP_FBV_PUBLIC) {
        onestop_gen_cstr(g, "published");
        yajl_gen_bool(g, (it->flags & ONESTOP_FBF_PUBLISHED) != 0);
        onestop_gen_cstr(g, "submitted_at");
        gen_time(g, it->submitted, offset);
    }

    if (view == ONESTOP_FBV_AGENCY) {
        onestop_gen_cstr(g, "contact");
        onestop_gen_str(g, it->contact.data, it->contact.len);
        onestop_gen_cstr(g, "code");

        if (it->code.len) {
            onestop_gen_str(g, it->code.data, it->code.len);
        } else {
            yajl_gen_null(g);
        }

        a = it->from_agency && it->from_agency <= cat->nagencies
            ? &cat->agencies[it->from_agency] : NULL;
        onestop_gen_cstr(g, "forwarded_from");

        if (a != NULL) {
            onestop_gen_str(g, a->id.data, a->id.len);
        } else {
            yajl_gen_null(g);
        }
    }

    yajl_gen_map_close(g);
}


/*
 * A published question's public JSON as far as its catalog entries: the
 * bytes onestop_fb_render writes for it before them, kept in its index
 * entry so that a page of the list is copied, not rendered
 * (onestop_fb_public_tail ends it).  0, or -1 when memory ran out.
 */
int
onestop_fb_public_head(onestop_buf_t *b, const onestop_fb_item_t *it,
    int32_t offset)
{
    yajl_gen  g;

    g = onestop_report_gen(b);

    if (g == NULL) {
        return -1;
    }

    fb_render_head(g, it, offset, 0, ONESTOP_FBV_PUBLIC);
    yajl_gen_free(g);

    return b->failed ? -1 : 0;
}


int
onestop_fb_published_value(onestop_buf_t *b, const onestop_fb_item_t *it,
    int32_t offset)
{
    uint8_t  val[ONESTOP_FBP_HEAD];

    /* the filters' fields, then the public JSON's head (an answered
     * question's public head no longer changes with the day) */
    memcpy(val, &it->agency, 4);
    memcpy(val + 4, &it->field, 4);
    val[8] = it->kind;
    memcpy(val + 9, &it->procedure, 4);
    onestop_buf_add(b, val, ONESTOP_FBP_HEAD);

    if ((it->flags & ONESTOP_FBF_ANSWERED)
        && onestop_fb_public_head(b, it, offset) != 0)
    {
        return -1;
    }

    return b->failed ? -1 : 0;
}


void
onestop_fb_public_tail(onestop_buf_t *b, const onestop_catalog_t *cat,
    uint32_t agency, uint32_t field, uint32_t procedure)
{
    const onestop_agency_t     *a;
    const onestop_field_t      *f;
    const onestop_procedure_t  *p;

    a = agency && agency <= cat->nagencies ? &cat->agencies[agency] : NULL;
    f = field && field <= cat->nfields ? &cat->fields[field] : NULL;
    p = procedure && procedure <= cat->nprocedures
        ? &cat->procedures[procedure] : NULL;

    onestop_json_ref(b, "agency", a ? &a->ref : NULL);
    onestop_json_ref(b, "field", f ? &f->ref : NULL);
    onestop_json_ref(b, "procedure", p ? &p->ref : NULL);
    onestop_buf_add(b, "}", 1);
}


static void
html_time(onestop_buf_t *b, int64_t sec, int32_t offset)
{
    onestop_ts_t     ts;
    onestop_civil_t  c;

    ts.sec = sec;
    ts.set = 1;
    ts.date_only = 0;
    onestop_ts_civil(&ts, offset, &c);
    onestop_buf_printf(b, "%02u/%02u/%04d", c.day, c.month, c.year);
}


static void
html_text(onestop_buf_t *b, const onestop_str_t *s)
{
    size_t  i, start;

    /* paragraphs at blank lines, line breaks kept */

    onestop_buf_adds(b, "<p>");

    for (i = 0, start = 0; i < s->len; i++) {
        if (s->data[i] == '\n') {
            onestop_html_escape(b, s->data + start, i - start);
            onestop_buf_adds(b, "<br>");
            start = i + 1;
        }
    }

    onestop_html_escape(b, s->data + start, s->len - start);
    onestop_buf_adds(b, "</p>");
}


/* a question's free text on the page, shown as fb_shown says: a
 * paragraph of text (para), or escaped inline */
static void
fb_html_shown(onestop_buf_t *b, const onestop_fb_item_t *it,
    const onestop_str_t *s, int view, int para)
{
    onestop_str_t         shown;
    onestop_shown_text_t  t;

    fb_shown(&t, it, s, view);

    if (para) {
        shown.data = t.data;
        shown.len = t.len;
        html_text(b, &shown);

    } else {
        onestop_html_escape(b, t.data, t.len);
    }

    onestop_shown_text_free(&t);
}


void
onestop_fb_html(onestop_buf_t *b, const onestop_fb_item_t *it,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int view)
{
    onestop_record_t        r;
    onestop_shown_name_t    name;
    const onestop_agency_t *a;
    const char             *tl;

    onestop_buf_printf(b, "<article class=\"card qa\" aria-labelledby=\"q%llu\">"
                       "<h3 id=\"q%llu\"><span class=\"kind\">%s</span> ",
                       (unsigned long long) it->id,
                       (unsigned long long) it->id,
                       fb_kinds_vi[it->kind < ONESTOP_FB_KINDS ? it->kind : 0]);
    fb_html_shown(b, it, &it->subject, view, 0);
    onestop_buf_printf(b, "</h3><p class=\"meta\">Số %llu · ",
                       (unsigned long long) it->id);

    memset(&r, 0, sizeof(r));
    r.name = it->name;
    onestop_shown_name(&name, &r, view != ONESTOP_FBV_PUBLIC);
    onestop_html_escape(b, name.data, name.len);
    onestop_shown_name_free(&name);

    /* the day it was received (Điều 9.1: a question sent after hours or
     * on a day off, on the next working day), which the 15 working days
     * count from; the sender and the agencies see the day it was sent
     * too when it is another */

    if (view != ONESTOP_FBV_PUBLIC
        && onestop_sec_day(it->submitted, offset)
           != onestop_sec_day(it->received, offset))
    {
        onestop_buf_adds(b, " · gửi ngày ");
        html_time(b, it->submitted, offset);
    }

    onestop_buf_adds(b, " · tiếp nhận ngày ");
    html_time(b, it->received, offset);
    a = it->agency && it->agency <= cat->nagencies
        ? &cat->agencies[it->agency] : NULL;

    if (a != NULL) {
        onestop_buf_adds(b, " · ");
        onestop_html_escape(b, a->name.data, a->name.len);
    }

    onestop_buf_adds(b, "</p>");
    fb_html_shown(b, it, &it->text, view, 1);

    tl = onestop_fb_timeliness(it, offset, today);

    if (it->flags & ONESTOP_FBF_ANSWERED) {
        onestop_buf_adds(b, "<div class=\"answer\"><h4>Trả lời (ngày ");
        html_time(b, it->answered_at, offset);
        onestop_buf_printf(b, ", %s)</h4>", tl[0] == 'i' ? "đúng hạn"
                                                         : "trễ hạn");
        fb_html_shown(b, it, &it->answer, view, 1);
        onestop_buf_adds(b, "</div>");

    } else {
        char  d[ONESTOP_DATE_LEN + 1];

        d[onestop_day_format(it->due, d)] = '\0';
        onestop_buf_printf(b, "<p class=\"status s-%s\">Đang xử lý; hạn trả "
                           "lời %.2s/%.2s/%.4s%s</p>",
                           tl[0] == 'o' ? "overdue" : "not_due",
                           d + 8, d + 5, d, tl[0] == 'o' ? " (quá hạn)" : "");
    }

    onestop_buf_adds(b, "</article>");
}


void
onestop_feedback_href(onestop_buf_t *out, const char *action,
    size_t action_len)
{
    while (action_len > 1 && action[action_len - 1] == '/') {
        action_len--;
    }

    onestop_html_escape(out, action, action_len);
}


/* the form to ask, under action: empty (op NULL), or again with what the
 * citizen typed and, above it, alert (raw HTML) saying what to correct */

void
onestop_feedback_ask(onestop_buf_t *out, const char *tpl, size_t tpl_len,
    const onestop_feedback_op_t *op, const char *alert, const char *action,
    size_t action_len)
{
    int                  i;
    onestop_buf_t        kinds;
    onestop_html_var_t   v[8];

    static const char  *names[] = { "Hỏi đáp", "Phản ánh", "Kiến nghị" };

    memset(&kinds, 0, sizeof(kinds));

    for (i = 0; i < ONESTOP_FB_KINDS; i++) {
        onestop_buf_printf(&kinds, "<option value=\"%s\"%s>%s</option>",
                           onestop_fb_kind_name(i),
                           op != NULL && op->kind == i ? " selected" : "",
                           names[i]);
    }

#define ASK_STR(n, s)                                                         \
    (onestop_html_var_t) { n, op != NULL && op->s.len ? op->s.data : "",      \
                           op != NULL ? op->s.len : 0, 0 }

    v[0] = (onestop_html_var_t) { "action", action, action_len, 0 };
    v[1] = (onestop_html_var_t) { "alert", alert ? alert : "",
                                  alert ? strlen(alert) : 0, 1 };
    v[2] = (onestop_html_var_t) { "kinds", kinds.data, kinds.len, 1 };
    v[3] = ASK_STR("code", code);
    v[4] = ASK_STR("subject", subject);
    v[5] = ASK_STR("text", text);
    v[6] = ASK_STR("name", name);
    v[7] = ASK_STR("contact", contact);

#undef ASK_STR

    onestop_html_fill(out, tpl, tpl_len, v, 8);

    if (kinds.failed) {
        out->failed = 1;
    }

    onestop_buf_free(&kinds);
}


/* a question refused by the rules of the form (engine/feedback.c's
 * ask_rules): the form again, filled in, and what to correct, in
 * Vietnamese */

void
onestop_feedback_ask_again(onestop_buf_t *out, const char *tpl,
    size_t tpl_len, const onestop_feedback_op_t *op, const char *message,
    const char *action, size_t action_len)
{
    size_t        i;
    const char   *say;
    onestop_buf_t  alert;

    static const struct {
        const char  *prefix;
        const char  *say;
    } rules[] = {
        { "kind ", "Xin chọn loại: hỏi đáp, phản ánh hoặc kiến nghị." },
        { "subject ", "Xin nhập tiêu đề (tối đa 200 ký tự)." },
        { "text is required", "Xin nhập nội dung." },
        { "text is at most", "Nội dung dài tối đa 4.000 ký tự." },
        { "name ", "Xin nhập họ và tên." },
        { "contact ", "Xin nhập số điện thoại hoặc địa chỉ thư điện tử "
                      "để cơ quan trả lời." },
        { "code ", "Mã hồ sơ không hợp lệ: mã gồm chữ cái, chữ số và các "
                   "ký tự . - _ (tối đa 64 ký tự)." },
    };

    static const struct {
        const char  *field;
        const char  *say;
    } hidden[] = {
        { "subject ", "Ô tiêu đề có ký tự ẩn hoặc ký tự điều khiển (thường "
                      "do dán từ văn bản khác): xin gõ lại ô đó." },
        { "text ", "Ô nội dung có ký tự ẩn hoặc ký tự điều khiển (thường do "
                   "dán từ văn bản khác): xin gõ lại ô đó." },
        { "name ", "Ô họ và tên có ký tự ẩn hoặc ký tự điều khiển (thường do "
                   "dán từ văn bản khác): xin gõ lại ô đó." },
        { "contact ", "Ô liên hệ có ký tự ẩn hoặc ký tự điều khiển (thường "
                      "do dán từ văn bản khác): xin gõ lại ô đó." },
    };

    say = "Một số thông tin chưa đúng yêu cầu. Xin kiểm tra lại các ô đã "
          "nhập rồi gửi lại.";

    /* "FIELD holds a control or invisible character": which field, not
     * the field's other rule */

    for (i = 0; message != NULL && strstr(message, ONESTOP_TEXT_INVISIBLE)
                && i < sizeof(hidden) / sizeof(hidden[0]); i++)
    {
        if (strncmp(message, hidden[i].field, strlen(hidden[i].field)) == 0) {
            say = hidden[i].say;
            message = NULL;
            break;
        }
    }

    for (i = 0; message != NULL && i < sizeof(rules) / sizeof(rules[0]);
         i++)
    {
        if (strncmp(message, rules[i].prefix, strlen(rules[i].prefix)) == 0) {
            say = rules[i].say;
            break;
        }
    }

    memset(&alert, 0, sizeof(alert));
    onestop_buf_printf(&alert, "<p class=\"notice\" role=\"alert\">Chưa gửi "
                       "được. %s</p>", say);

    onestop_buf_adds(out, "<h1>Hỏi đáp, phản ánh, kiến nghị</h1>");
    onestop_feedback_ask(out, tpl, tpl_len, op,
                         alert.data ? alert.data : "", action, action_len);

    if (alert.failed) {
        out->failed = 1;
    }

    onestop_buf_free(&alert);
}


void
onestop_feedback_error(onestop_buf_t *out, int mode, int status,
    const char *code, const char *message, const char *action,
    size_t action_len)
{
    yajl_gen  g;

    /* the page: what happened in Vietnamese, not the API's English
     * message (the JSON answer keeps it) */

    if (mode == ONESTOP_FB_HTML) {
        onestop_buf_printf(out, "<h1>Không thực hiện được</h1>"
                           "<section class=\"card error\" role=\"alert\">"
                           "<p>%s</p>",
                           status == 404 ? "Không tìm thấy câu hỏi này, hoặc "
                                           "mã theo dõi không đúng."
                           : status == 413 ? "Nội dung gửi quá dài. Xin rút "
                                             "gọn rồi gửi lại."
                           : status == 422 || status == 400
                           ? "Nội dung gửi hoặc từ khóa tìm kiếm chưa hợp lệ "
                             "(từ khóa dài tối đa 200 ký tự). Xin kiểm tra "
                             "lại rồi thử lại."
                           : status == 401 || status == 403 || status == 405
                           ? "Trang hỏi đáp không nhận yêu cầu này."
                           : "Hệ thống đang bận, xin thử lại sau.");
        onestop_buf_adds(out, "<p><a href=\"");
        onestop_feedback_href(out, action, action_len);
        onestop_buf_adds(out, "\">Quay lại trang hỏi đáp</a></p></section>");
        return;
    }

    g = onestop_report_gen(out);

    if (g != NULL) {
        onestop_error_render(g, code, message, NULL, 0);
        yajl_gen_free(g);
    }
}


void
onestop_feedback_written(onestop_store_t *st, const onestop_write_t *w,
    const char *action, size_t action_len, onestop_buf_t *out)
{
    char                          d[ONESTOP_DATE_LEN + 1], idbuf[24];
    yajl_gen                      g;
    const onestop_feedback_op_t  *op;

    op = w->feedback;

    if (w->status != 200 && w->status != 201) {
        onestop_feedback_error(out, op->mode, w->status,
                               w->error_code ? w->error_code
                                             : "internal_error",
                               w->message, action, action_len);
        return;
    }

    d[onestop_day_format(op->due, d)] = '\0';

    if (op->mode == ONESTOP_FB_HTML) {
        onestop_buf_printf(out, "<h1>Đã nhận câu hỏi số %llu</h1>"
                           "<section class=\"card\" role=\"status\"><p>Cơ "
                           "quan có thẩm quyền trả lời trong 15 ngày làm việc"
                           ", hạn trả lời ngày %.2s/%.2s/%.4s (Điều 13.3).</p>"
                           "<p>Mã theo dõi (chỉ hiện một lần, xin ghi lại): "
                           "<strong class=\"token\">%s</strong></p>"
                           "<p><a href=\"",
                           (unsigned long long) op->id, d + 8, d + 5, d,
                           op->token);
        onestop_feedback_href(out, action, action_len);
        onestop_buf_printf(out, "/%llu?token=%s\">Theo dõi câu hỏi</a></p>"
                           "</section>", (unsigned long long) op->id,
                           op->token);
        return;
    }

    g = onestop_report_gen(out);

    if (g == NULL) {
        out->failed = 1;
        return;
    }

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "id");
    onestop_gen_str(g, idbuf, (size_t) snprintf(idbuf, sizeof(idbuf), "%llu",
                                                (unsigned long long) op->id));

    if (w->status == 201) {
        onestop_gen_cstr(g, "token");
        onestop_gen_cstr(g, op->token);
        onestop_gen_cstr(g, "received_at");
        gen_time(g, op->received, onestop_store_offset(st));
        onestop_gen_cstr(g, "due_date");
        onestop_gen_cstr(g, d);

    } else {
        onestop_gen_cstr(g, "status");
        onestop_gen_cstr(g, op->op == ONESTOP_FB_FORWARD ? "forwarded"
                                                        : "answered");
    }

    yajl_gen_map_close(g);
    yajl_gen_free(g);
}
