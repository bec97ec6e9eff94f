/*
 * HTML for the pages and widgets (see onestop_html.h): escaping, the
 * templates filled at their {{name}} marks, and the pieces of the public
 * pages.  Every text that comes from a record or the catalog is escaped.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_evaluation.h"
#include "onestop_history.h"
#include "onestop_html.h"
#include "onestop_qr.h"


void
onestop_html_escape(onestop_buf_t *b, const char *s, size_t len)
{
    size_t  i, start;

    start = 0;

    for (i = 0; i < len; i++) {
        const char  *rep;

        switch (s[i]) {
        case '&':  rep = "&amp;";  break;
        case '<':  rep = "&lt;";   break;
        case '>':  rep = "&gt;";   break;
        case '"':  rep = "&quot;"; break;
        case '\'': rep = "&#39;";  break;
        case '\t': case '\n': case '\r': continue;
        default:

            /* a control character (a JSON string may hold \u0000) is no
             * HTML: U+FFFD in its place, as a browser would show it */

            if ((unsigned char) s[i] >= 0x20 && s[i] != 0x7f
                && !((unsigned char) s[i] == 0xef && i + 2 < len
                     && (unsigned char) s[i + 1] == 0xbf
                     && ((unsigned char) s[i + 2] & 0xfe) == 0xbe))
            {
                continue;
            }

            /* (U+FFFE and U+FFFF, which XML forbids: an SVG badge
             * holding one would not be drawn at all) */

            rep = "\xef\xbf\xbd";
            break;
        }

        onestop_buf_add(b, s + start, i - start);
        onestop_buf_adds(b, rep);
        start = i + 1;

        if ((unsigned char) s[i] == 0xef) {
            i += 2;                          /* the noncharacter's tail */
            start = i + 1;
        }
    }

    onestop_buf_add(b, s + start, len - start);
}


/* the first pair of c ("{{" or "}}") in [p, end) */

static int html_echoable(const char *s, size_t len);
static void html_letters(onestop_buf_t *b, const onestop_record_t *rec,
    int32_t offset, int unmasked);
static void html_due_changes(onestop_buf_t *b, const onestop_record_t *rec,
    int32_t offset);


static const char *
html_find(const char *p, const char *end, char c)
{
    /* memchr, not a byte loop: a page's template is some 3 KB, its CSS
     * full of single braces, and it is scanned for every page served */

    while (p + 1 < end) {
        p = memchr(p, c, (size_t) (end - p - 1));

        if (p == NULL) {
            return NULL;
        }

        if (p[1] == c) {
            return p;
        }

        p++;
    }

    return NULL;
}


void
onestop_html_fill(onestop_buf_t *b, const char *tpl, size_t len,
    const onestop_html_var_t *vars, size_t nvars)
{
    size_t       i, n;
    const char  *p, *end, *mark, *close;

    /* room for the template and every value at once (escaping may need
     * more): one allocation where doubling from empty took five */

    n = len;

    for (i = 0; i < nvars; i++) {
        n += vars[i].len;
    }

    if (!b->failed && b->cap - b->len < n + 1
        && onestop_buf_grow(b, n) != 0)
    {
        return;
    }

    p = tpl;
    end = tpl + len;

    while (p < end) {
        mark = html_find(p, end, '{');

        if (mark == NULL) {
            break;
        }

        close = html_find(mark + 2, end, '}');

        if (close == NULL) {
            break;
        }

        n = (size_t) (close - mark - 2);

        for (i = 0; i < nvars; i++) {
            if (strlen(vars[i].name) == n
                && memcmp(vars[i].name, mark + 2, n) == 0)
            {
                break;
            }
        }

        if (i == nvars) {
            onestop_buf_add(b, p, (size_t) (mark + 2 - p));
            p = mark + 2;
            continue;
        }

        onestop_buf_add(b, p, (size_t) (mark - p));

        if (vars[i].raw) {
            onestop_buf_add(b, vars[i].value, vars[i].len);

        } else {
            onestop_html_escape(b, vars[i].value, vars[i].len);
        }

        p = close + 2;
    }

    onestop_buf_add(b, p, (size_t) (end - p));
}


void
onestop_html_province(onestop_buf_t *b, const char *tpl, size_t len,
    const char *province, const char *regulation)
{
    char                lower[256];
    onestop_html_var_t  v[3];

    onestop_html_lower_first(lower, sizeof(lower), province);

    v[0].name = "province";
    v[0].value = province;
    v[0].len = strlen(province);
    v[0].raw = 0;
    v[1].name = "province_lc";
    v[1].value = lower;
    v[1].len = strlen(lower);
    v[1].raw = 0;
    v[2].name = "regulation";
    v[2].value = regulation;
    v[2].len = strlen(regulation);
    v[2].raw = 0;

    onestop_html_fill(b, tpl, len, v, 3);
}


void
onestop_html_lower_first(char *dst, size_t size, const char *name)
{
    if (size == 0) {
        return;
    }

    snprintf(dst, size, "%s", name);

    if (dst[0] >= 'A' && dst[0] <= 'Z') {
        dst[0] = (char) (dst[0] - 'A' + 'a');
    }
}


/* v (under 100) as two digits at p; the end */
static char *
html_2digits(char *p, unsigned v)
{
    p[0] = (char) ('0' + v / 10 % 10);
    p[1] = (char) ('0' + v % 10);

    return p + 2;
}


static char *
html_lit(char *p, const char *s)
{
    size_t  n;

    n = strlen(s);
    memcpy(p, s, n);

    return p + n;
}


static void
html_date(onestop_buf_t *b, const onestop_ts_t *ts, int32_t offset,
    int with_time)
{
    char             buf[64], *p;
    onestop_civil_t  c;

    if (!ts->set) {
        onestop_buf_adds(b, "—");
        return;
    }

    onestop_ts_civil(ts, offset, &c);

    if (c.year < 0 || c.year > 9999) {
        /* never in a store that took the dates through the write API */
        onestop_buf_printf(b, "ngày %02u/%02u/%04d", c.day, c.month, c.year);
        return;
    }

    /* by hand, not printf: a lookup page writes up to seven of these */

    p = buf;

    if (with_time && !ts->date_only) {
        p = html_2digits(p, c.hour);
        p = html_lit(p, " giờ ");
        p = html_2digits(p, c.minute);
        p = html_lit(p, ", ");
    }

    p = html_lit(p, "ngày ");
    p = html_2digits(p, c.day);
    *p++ = '/';
    p = html_2digits(p, c.month);
    *p++ = '/';
    p = html_2digits(p, (unsigned) c.year / 100);
    p = html_2digits(p, (unsigned) c.year % 100);

    onestop_buf_add(b, buf, (size_t) (p - buf));
}


static void
html_name(onestop_buf_t *b, const onestop_str_t *name)
{
    onestop_html_escape(b, name->data, name->len);
}


void
onestop_html_record(onestop_buf_t *b, const onestop_record_t *rec,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int unmasked)
{
    onestop_refs_t          refs;
    onestop_status_e        st;
    onestop_timeliness_e    tl;
    onestop_shown_name_t    name;

    static const char  *channels[] = {
        "Trực tiếp", "Trực tuyến", "Qua dịch vụ bưu chính công ích"
    };

    onestop_catalog_refs(cat, rec, &refs);

    st = onestop_record_status(rec);
    tl = onestop_record_timeliness(rec, offset, today);

    onestop_buf_adds(b, "<section class=\"card\" aria-labelledby=\"kq\">"
                        "<h2 id=\"kq\">Hồ sơ ");
    onestop_html_escape(b, rec->code.data, rec->code.len);
    onestop_buf_adds(b, "</h2><p><span class=\"status s-");
    onestop_buf_adds(b, tl == ONESTOP_TL_NONE ? "none"
                                              : onestop_timeliness_name(tl));
    onestop_buf_adds(b, "\">");
    onestop_buf_adds(b, onestop_status_text(st, tl));
    onestop_buf_adds(b, "</span></p><dl class=\"record\">");

    onestop_buf_adds(b, "<dt>Mã hồ sơ</dt><dd>");
    onestop_html_escape(b, rec->code.data, rec->code.len);

    onestop_buf_adds(b, "</dd><dt>Tổ chức, cá nhân</dt><dd>");

    onestop_shown_name(&name, rec, unmasked);
    onestop_html_escape(b, name.data, name.len);
    onestop_shown_name_free(&name);

    onestop_buf_adds(b, "</dd><dt>Cơ quan giải quyết</dt><dd>");

    if (refs.agency != NULL) {
        html_name(b, &refs.agency->name);
    }

    onestop_buf_adds(b, "</dd><dt>Lĩnh vực</dt><dd>");

    if (refs.field != NULL) {
        html_name(b, &refs.field->name);
    }

    onestop_buf_adds(b, "</dd><dt>Thủ tục hành chính</dt><dd>");

    if (refs.procedure != NULL) {
        html_name(b, &refs.procedure->name);
    }

    onestop_buf_adds(b, "</dd><dt>Hình thức nộp</dt><dd>");
    onestop_buf_adds(b, channels[rec->channel < 3 ? rec->channel : 0]);

    if (rec->submitted.set) {
        /* Điều 9.1: submitted online, received in office hours */
        onestop_buf_adds(b, "</dd><dt>Nộp trực tuyến lúc</dt><dd>");
        html_date(b, &rec->submitted, offset, 1);
    }

    onestop_buf_adds(b, "</dd><dt>Ngày tiếp nhận</dt><dd>");
    html_date(b, &rec->t[ONESTOP_T_RECEIVED], offset, 1);
    onestop_buf_adds(b, "</dd><dt>Ngày hẹn trả kết quả</dt><dd>");

    if (rec->t[ONESTOP_T_DUE].set) {
        html_date(b, &rec->t[ONESTOP_T_DUE], offset, 1);
    } else {
        onestop_buf_adds(b, "Không quy định thời hạn");     /* issue 18 */
    }

    if (rec->t[ONESTOP_T_RESOLVED].set) {
        onestop_buf_adds(b, "</dd><dt>Ngày giải quyết</dt><dd>");
        html_date(b, &rec->t[ONESTOP_T_RESOLVED], offset, 0);
    }

    if (rec->t[ONESTOP_T_RETURNED].set) {
        onestop_buf_adds(b, "</dd><dt>Ngày trả kết quả</dt><dd>");
        html_date(b, &rec->t[ONESTOP_T_RETURNED], offset, 0);
    }

    if (rec->t[ONESTOP_T_WITHDRAWN].set) {
        onestop_buf_adds(b, "</dd><dt>Ngày rút hồ sơ</dt><dd>");
        html_date(b, &rec->t[ONESTOP_T_WITHDRAWN], offset, 0);
    }

    onestop_buf_adds(b, "</dd><dt>Trạng thái</dt><dd>");
    onestop_buf_adds(b, onestop_status_text(st, tl));
    onestop_buf_adds(b, "</dd></dl>");

    html_letters(b, rec, offset, unmasked);
    html_due_changes(b, rec, offset);

    onestop_buf_adds(b, "</section>");
}


/* every apology letter, oldest first (Điều 11.3; issue 18) */

static void
html_letters(onestop_buf_t *b, const onestop_record_t *rec, int32_t offset,
    int unmasked)
{
    size_t                i, n;
    onestop_letter_t      letters[ONESTOP_LETTERS_MAX];
    onestop_shown_text_t  reason;

    n = onestop_record_letters(rec, letters);

    for (i = 0; i < n; i++) {
        onestop_buf_adds(b, "<p class=\"notice\"><strong>Phiếu xin lỗi và hẹn "
                            "lại ngày trả kết quả</strong> (");
        html_date(b, &letters[i].issued, offset, 0);
        onestop_buf_adds(b, "): hẹn trả kết quả ");
        html_date(b, &letters[i].new_due, offset, 0);

        if (letters[i].reason.len) {
            onestop_shown_text(&reason, rec, letters[i].reason.data,
                               letters[i].reason.len, unmasked);
            onestop_buf_adds(b, ". Lý do: ");
            onestop_html_escape(b, reason.data, reason.len);
            onestop_shown_text_free(&reason);
        }

        onestop_buf_adds(b, "</p>");
    }
}


/* the changes of the due date (issue 18), as a list */

static void
html_due_changes(onestop_buf_t *b, const onestop_record_t *rec,
    int32_t offset)
{
    int                     open;
    size_t                  pos;
    onestop_ts_t            at;
    onestop_history_item_t  it;

    open = 0;
    pos = 0;

    while (onestop_history_next(rec->history.data, rec->history.len, &pos,
                                &it) == 1)
    {
        if (it.type != ONESTOP_HISTORY_MOVE) {
            continue;
        }

        if (!open) {
            onestop_buf_adds(b, "<h3>Thay đổi ngày hẹn trả kết quả</h3><ul "
                                "class=\"due-changes\">");
            open = 1;
        }

        at.sec = it.move.at;
        at.set = 1;
        at.date_only = 1;
        onestop_buf_adds(b, "<li>");
        html_date(b, &at, offset, 0);
        onestop_buf_adds(b, ": từ ");
        html_date(b, &it.move.from, offset, 0);
        onestop_buf_adds(b, " sang ");
        html_date(b, &it.move.to, offset, 0);
        onestop_buf_adds(b,
            it.move.why == ONESTOP_DUE_CHANGE_SUPPLEMENT
            ? " (bổ sung hồ sơ)"
            : it.move.why == ONESTOP_DUE_CHANGE_CORRECTION
            ? " (đính chính)" : "");

        if (it.move.flags & ONESTOP_MOVE_LATE) {
            onestop_buf_adds(b, " — khi đã quá hạn");
        }

        onestop_buf_adds(b, "</li>");
    }

    if (open) {
        onestop_buf_adds(b, "</ul>");
    }
}


void
onestop_html_search_form(onestop_buf_t *b, const char *action,
    size_t action_len, const char *code, size_t code_len)
{
    onestop_buf_adds(b, "<form class=\"search\" method=\"get\" action=\"");
    onestop_html_escape(b, action, action_len);
    onestop_buf_adds(b, "\" role=\"search\"><label for=\"code\">Mã hồ sơ "
                        "(in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"
                        "</label><input type=\"text\" id=\"code\" name=\"code\""
                        " autocomplete=\"off\" spellcheck=\"false\" "
                        "maxlength=\"64\" required value=\"");

    /* what was typed, to correct it; not bytes that break the page (not
     * UTF-8, NUL and other control characters HTML forbids) */

    if (html_echoable(code, code_len)) {
        onestop_html_escape(b, code, code_len);
    }

    onestop_buf_adds(b, "\"><button type=\"submit\">Tra cứu</button></form>");
}


static int
html_echoable(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
            return 0;
        }
    }

    return onestop_utf8_valid(s, len);
}


/* "08 giờ 15 phút, ngày 05 tháng 3 năm 2026" */

static void
html_time_vi(onestop_buf_t *b, const onestop_ts_t *ts, int32_t offset)
{
    onestop_civil_t  c;

    if (!ts->set) {
        /* a procedure without a deadline (issue 18) */
        onestop_buf_adds(b, "không quy định thời hạn");
        return;
    }

    onestop_ts_civil(ts, offset, &c);

    if (!ts->date_only) {
        onestop_buf_printf(b, "%02u giờ %02u phút, ", c.hour, c.minute);
    }

    /* the date as administrative papers write it (Decree 30/2020/NĐ-CP,
     * appendix I): a 0 before a day under 10 and before January and
     * February only, "ngày 05 tháng 3", "ngày 15 tháng 01" */

    onestop_buf_printf(b, c.month <= 2 ? "ngày %02u tháng %02u năm %04d"
                                       : "ngày %02u tháng %u năm %04d",
                       c.day, c.month, c.year);
}


void
onestop_html_receipt(onestop_buf_t *b, const char *tpl, size_t len,
    const onestop_record_t *rec, const onestop_catalog_t *cat,
    int32_t offset, const char *link, size_t link_len,
    const char *public_url, size_t public_url_len)
{
    onestop_buf_t        received, due, qr;
    onestop_refs_t       refs;
    const char          *ret;
    onestop_html_var_t   v[9];

    static const char  *returns[] = {
        "Tại Bộ phận Tiếp nhận và Trả kết quả",
        "Qua dịch vụ bưu chính công ích",
        "Trực tuyến (qua Cổng Dịch vụ công)"
    };

    onestop_catalog_refs(cat, rec, &refs);

    memset(&received, 0, sizeof(onestop_buf_t));
    memset(&due, 0, sizeof(onestop_buf_t));
    memset(&qr, 0, sizeof(onestop_buf_t));

    html_time_vi(&received, &rec->t[ONESTOP_T_RECEIVED], offset);
    html_time_vi(&due, &rec->t[ONESTOP_T_DUE], offset);

    if (onestop_qr_svg(link, link_len, 4, &qr) != 0) {
        onestop_buf_adds(&qr, "<p>(không tạo được mã QR)</p>");
    }

    ret = returns[rec->return_channel < 3 ? rec->return_channel : 0];

    v[0] = (onestop_html_var_t) { "code", rec->code.data, rec->code.len, 0 };
    v[1] = (onestop_html_var_t) { "agency",
        refs.agency ? refs.agency->name.data : "",
        refs.agency ? refs.agency->name.len : 0, 0 };
    v[2] = (onestop_html_var_t) { "name", rec->name.data, rec->name.len, 0 };
    v[3] = (onestop_html_var_t) { "procedure",
        refs.procedure ? refs.procedure->name.data : "",
        refs.procedure ? refs.procedure->name.len : 0, 0 };
    v[4] = (onestop_html_var_t) { "received", received.data, received.len,
                                  1 };
    v[5] = (onestop_html_var_t) { "due", due.data, due.len, 1 };
    v[6] = (onestop_html_var_t) { "return", ret, strlen(ret), 1 };
    v[7] = (onestop_html_var_t) { "qr", qr.data, qr.len, 1 };
    v[8] = (onestop_html_var_t) { "public_url", public_url, public_url_len,
                                  0 };

    if (received.failed || due.failed || qr.failed) {
        b->failed = 1;

    } else {
        onestop_html_fill(b, tpl, len, v, 9);
    }

    onestop_buf_free(&received);
    onestop_buf_free(&due);
    onestop_buf_free(&qr);
}


void
onestop_html_evaluation_form(onestop_buf_t *b, const onestop_record_t *rec,
    int evaluated, const char *action, size_t action_len, const char *token,
    size_t token_len)
{
    int               i, s;
    onestop_status_e  st;

    static const char  *scores[] = {
        "0 điểm – Chưa tốt", "1 điểm – Đạt", "2 điểm – Tốt"
    };

    onestop_buf_adds(b, "<section class=\"card\" id=\"danh-gia\" "
                        "aria-labelledby=\"dg\"><h2 id=\"dg\">Đánh giá việc "
                        "giải quyết hồ sơ</h2>");

    st = onestop_record_status(rec);

    if (st != ONESTOP_RESOLVED && st != ONESTOP_RETURNED) {
        onestop_buf_adds(b, "<p>Ông/Bà có thể đánh giá khi hồ sơ đã được giải "
                            "quyết.</p></section>");
        return;
    }

    if (evaluated) {
        onestop_buf_adds(b, "<p role=\"status\">Hồ sơ này đã được đánh giá. "
                            "Cảm ơn Ông/Bà đã đóng góp ý kiến.</p></section>");
        return;
    }

    if (action_len == 0) {
        onestop_buf_adds(b, "<p>Chức năng đánh giá chưa được bật.</p>"
                            "</section>");
        return;
    }

    onestop_buf_adds(b, "<p>Mỗi hồ sơ được đánh giá một lần. Chỉ số 1 (thời "
                        "gian giải quyết so với quy định) do hệ thống tự "
                        "tính.</p><form method=\"post\" action=\"");
    onestop_html_escape(b, action, action_len);
    onestop_buf_adds(b, "\"><input type=\"hidden\" name=\"token\" value=\"");
    onestop_html_escape(b, token, token_len);
    onestop_buf_adds(b, "\">");

    for (i = 2; i <= ONESTOP_INDICES; i++) {
        onestop_buf_printf(b, "<fieldset><legend>%d. ", i);
        onestop_buf_adds(b, onestop_evaluation_index_name(i));
        onestop_buf_adds(b, "</legend>");

        for (s = 2; s >= 0; s--) {
            onestop_buf_printf(b, "<label><input type=\"radio\" name=\"a%d\" "
                               "value=\"%d\"> %s</label> ", i, s, scores[s]);
        }

        onestop_buf_adds(b, "</fieldset>");
    }

    onestop_buf_adds(b, "<p><label for=\"comment\">Ý kiến khác (không công "
                        "khai)</label><br><textarea id=\"comment\" "
                        "name=\"comment\" rows=\"3\" maxlength=\"4000\" "
                        "style=\"width:100%\"></textarea></p><button "
                        "type=\"submit\">Gửi đánh giá</button></form>"
                        "</section>");
}


int
onestop_html_error(onestop_buf_t *b, int status, const char **title,
    const char *lookup, size_t lookup_len, const char *feedback,
    size_t feedback_len, const char *detail, const char *back,
    size_t back_len)
{
    size_t  i;

    static const struct {
        int          status;
        const char  *title;
        const char  *text;
    } pages[] = {
        { 400, "Yêu cầu không hợp lệ",
          "Thông tin gửi lên không đọc được. Xin kiểm tra lại mã hồ sơ hoặc "
          "nội dung đã nhập rồi thử lại." },
        { 404, "Không tìm thấy trang",
          "Trang hoặc hồ sơ này không có. Xin kiểm tra lại địa chỉ, hoặc mã "
          "trên giấy tiếp nhận." },
        { 405, "Thao tác không được hỗ trợ",
          "Trang này chỉ để xem. Xin mở lại trang từ đường liên kết." },
        { 409, "Nội dung đã thay đổi",
          "Nội dung này vừa được cập nhật hoặc đã gửi trước đó. Xin tải lại "
          "trang rồi thử lại." },
        { 413, "Nội dung quá dài",
          "Nội dung gửi lên quá dài. Xin rút gọn rồi gửi lại." },
        { 422, "Nội dung chưa hợp lệ",
          "Một số thông tin chưa đúng yêu cầu. Xin kiểm tra lại các ô đã "
          "nhập rồi gửi lại." },
        { 429, "Quá nhiều yêu cầu",
          "Ông/Bà đã gửi quá nhiều yêu cầu trong thời gian ngắn. Xin chờ một "
          "phút rồi thử lại." },
        { 503, "Hệ thống tạm ngừng",
          "Hệ thống đang bảo trì hoặc quá tải. Xin thử lại sau ít phút." },
        { 500, "Hệ thống gặp sự cố",
          "Hệ thống tạm thời không trả lời được. Xin thử lại sau ít phút; "
          "nếu vẫn không được, xin liên hệ bộ phận một cửa." },
    };

    if (status < 400 || status > 599) {
        status = 500;
    }

    for (i = 0; i < sizeof(pages) / sizeof(pages[0]) - 1; i++) {
        if (pages[i].status == status
            || (status >= 500 && pages[i].status == 503 && status != 500
                && status != 501 && status != 507))
        {
            break;
        }
    }

    /* an unknown 4xx: the generic 400; 5xx but 502-504: the 500 */

    if (i == sizeof(pages) / sizeof(pages[0]) - 1 && status < 500) {
        i = 0;
    }

    *title = pages[i].title;

    onestop_buf_printf(b, "<h1>%s</h1><section class=\"card error\" "
                       "role=\"alert\"><p>%s</p><p class=\"meta\">Mã lỗi "
                       "%d.</p><ul>", pages[i].title,
                       detail != NULL ? detail : pages[i].text, status);

    /* where the citizen came from, to put it right: first */

    if (back_len) {
        onestop_buf_adds(b, "<li><a href=\"");
        onestop_html_escape(b, back, back_len);
        onestop_buf_adds(b, "\">Quay lại phiếu đánh giá</a></li>");
    }

    if (lookup_len) {
        onestop_buf_adds(b, "<li><a href=\"");
        onestop_html_escape(b, lookup, lookup_len);
        onestop_buf_adds(b, "\">Tra cứu hồ sơ</a></li>");
    }

    if (feedback_len) {
        onestop_buf_adds(b, "<li><a href=\"");
        onestop_html_escape(b, feedback, feedback_len);
        onestop_buf_adds(b, "\">Hỏi đáp</a></li>");
    }

    onestop_buf_adds(b, "<li><a href=\"/\">Trang chủ</a></li></ul></section>");

    return status;
}
