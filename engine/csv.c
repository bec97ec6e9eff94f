/*
 * CSV dialects (see onestop_csv.h): the default one integrators depend
 * on, byte for byte, and locale=vi for Excel with Vietnamese regional
 * settings; the Vietnamese headings; the download's file name.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_csv.h"


static const onestop_csv_t  csv_default = { ',', '.', 0 };
static const onestop_csv_t  csv_vi = { ';', ',', 1 };


/* the API's member names and their Vietnamese headings */

static const char *const  headings[][2] = {
    { "from", "Từ ngày" },
    { "to", "Đến ngày" },
    { "agency", "Mã cơ quan" },
    { "agency_name", "Tên cơ quan" },
    { "top_agency", "Mã cơ quan chủ quản" },
    { "top_agency_name", "Tên cơ quan chủ quản" },
    { "field", "Mã lĩnh vực" },
    { "field_name", "Tên lĩnh vực" },
    { "procedure", "Mã thủ tục" },
    { "procedure_name", "Tên thủ tục" },
    { "channel", "Kênh tiếp nhận" },
    { "level", "Cấp" },
    { "kind", "Loại" },
    { "return_channel", "Hình thức trả kết quả" },
    { "carried_over", "Kỳ trước chuyển qua" },
    { "received", "Tiếp nhận" },
    { "received_online", "Tiếp nhận trực tuyến" },
    { "received_direct", "Tiếp nhận trực tiếp" },
    { "received_postal", "Tiếp nhận qua bưu chính" },
    { "resolved", "Đã giải quyết" },
    { "resolved_early", "Giải quyết trước hạn" },
    { "resolved_on_time", "Giải quyết đúng hạn" },
    { "resolved_late", "Giải quyết trễ hạn" },
    { "resolved_in_time", "Giải quyết trước và đúng hạn" },
    { "resolved_no_deadline", "Giải quyết không quy định thời hạn" },
    { "withdrawn", "Rút hồ sơ" },
    { "returned_postal", "Trả kết quả qua bưu chính" },
    { "pending", "Đang giải quyết" },
    { "pending_not_due", "Đang giải quyết trong hạn" },
    { "pending_overdue", "Đang giải quyết quá hạn" },
    { "apologies_issued", "Phiếu xin lỗi đã ban hành" },
    { "due_moved_late", "Dời hạn khi đã quá hạn" },
    { "withdrawn_in_time", "Rút hồ sơ trong hạn" },
    { "progress_rate", "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn (QĐ 766)" },
    { "resolution_rate", "Tỷ lệ đã giải quyết" },
    { "on_time_rate", "Tỷ lệ đúng hạn" },
    { "code", "Mã hồ sơ" },
    { "applicant_name", "Người nộp" },
    { "applicant_type", "Loại người nộp" },
    { "due_date", "Ngày hẹn trả kết quả" },
    { "new_due_date", "Ngày hẹn trả kết quả mới" },
    { "issued_date", "Ngày phiếu xin lỗi" },
    { "reason", "Lý do" },
    { "evaluations", "Số lượt đánh giá" },
    { "comments", "Số ý kiến" },
    { "total_mean", "Tổng điểm trung bình (trên 18)" },
    { "id", "Mã" },
    { "name", "Tên" },
    { "parent", "Mã cơ quan cấp trên" },
    { NULL, NULL }
};

/* the evaluation summary's indices: "1_count" .. "9_mean" */
static const char *const  index_words[2][2] = {
    { "count", "Số lượt" },
    { "mean", "Điểm trung bình" }
};


int
onestop_csv_format(const onestop_arg_t *args, size_t nargs, char *error,
    size_t size)
{
    int                   csv, vi, seen_format, seen_locale;
    size_t                i;
    const onestop_str_t  *v;

    csv = 0;
    vi = 0;
    seen_format = 0;
    seen_locale = 0;

    for (i = 0; i < nargs; i++) {
        v = &args[i].value;

        if (args[i].key.len == 6 && memcmp(args[i].key.data, "format", 6)
                                    == 0)
        {
            if (seen_format++) {
                snprintf(error, size, "format is given twice");
                return -1;
            }

            if (v->len == 3 && memcmp(v->data, "csv", 3) == 0) {
                csv = 1;

            } else if (!(v->len == 4 && memcmp(v->data, "json", 4) == 0)) {
                snprintf(error, size, "format must be json or csv");
                return -1;
            }

        } else if (args[i].key.len == 6
                   && memcmp(args[i].key.data, "locale", 6) == 0)
        {
            if (seen_locale++) {
                snprintf(error, size, "locale is given twice");
                return -1;
            }

            if (!(v->len == 2 && memcmp(v->data, "vi", 2) == 0)) {
                snprintf(error, size, "locale must be vi");
                return -1;
            }

            vi = 1;
        }
    }

    if (vi && !csv) {
        snprintf(error, size, "locale=vi needs format=csv");
        return -1;
    }

    return vi ? ONESTOP_FORMAT_CSV_VI
              : csv ? ONESTOP_FORMAT_CSV : ONESTOP_FORMAT_JSON;
}


const onestop_csv_t *
onestop_csv_dialect(int format)
{
    return format == ONESTOP_FORMAT_CSV_VI ? &csv_vi : &csv_default;
}


void
onestop_csv_bom(onestop_buf_t *b)
{
    onestop_buf_add(b, "\xef\xbb\xbf", 3);
}


static void
csv_after(const onestop_csv_t *d, onestop_buf_t *b, int last)
{
    if (last) {
        onestop_buf_add(b, "\r\n", 2);
    } else {
        onestop_buf_add(b, &d->sep, 1);
    }
}


void
onestop_csv_heading(const onestop_csv_t *d, onestop_buf_t *b,
    const char *name, int last)
{
    size_t  i, n;

    if (d->vi) {
        for (i = 0; headings[i][0] != NULL; i++) {
            if (strcmp(headings[i][0], name) == 0) {
                onestop_buf_adds(b, headings[i][1]);
                csv_after(d, b, last);
                return;
            }
        }

        /* an index of the evaluation summary: "3_mean" */
        n = strlen(name);

        for (i = 0; i < 2; i++) {
            if (n == 2 + strlen(index_words[i][0]) && name[1] == '_'
                && strcmp(name + 2, index_words[i][0]) == 0)
            {
                onestop_buf_printf(b, "%s (%c)", index_words[i][1], name[0]);
                csv_after(d, b, last);
                return;
            }
        }
    }

    onestop_buf_adds(b, name);
    csv_after(d, b, last);
}


void
onestop_csv_text(const onestop_csv_t *d, onestop_buf_t *b, const char *s,
    size_t len, int last)
{
    onestop_csv_cell_sep(b, s, len, d->sep);
    csv_after(d, b, last);
}


void
onestop_csv_number(const onestop_csv_t *d, onestop_buf_t *b,
    const char *num, int last)
{
    size_t  i, from, n;

    n = strlen(num);

    for (i = 0, from = 0; i < n; i++) {
        if (num[i] == '.') {
            onestop_buf_add(b, num + from, i - from);
            onestop_buf_add(b, &d->dec, 1);
            from = i + 1;
        }
    }

    onestop_buf_add(b, num + from, n - from);
    csv_after(d, b, last);
}


void
onestop_csv_integer(const onestop_csv_t *d, onestop_buf_t *b, long long v,
    int last)
{
    onestop_buf_printf(b, "%lld", v);
    csv_after(d, b, last);
}


void
onestop_csv_day(const onestop_csv_t *d, onestop_buf_t *b, onestop_day_t day,
    int last)
{
    int       y;
    unsigned  m, dd;
    char      s[ONESTOP_DATE_LEN];

    if (d->vi) {
        onestop_civil_from_days(day, &y, &m, &dd);
        onestop_buf_printf(b, "%02u/%02u/%04d", dd, m, y);

    } else {
        onestop_day_format(day, s);
        onestop_buf_add(b, s, ONESTOP_DATE_LEN);
    }

    csv_after(d, b, last);
}


void
onestop_csv_empty(const onestop_csv_t *d, onestop_buf_t *b, int last)
{
    csv_after(d, b, last);
}


/* the file name */

typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
} name_t;


static void
name_add(name_t *n, const char *s, size_t len)
{
    size_t  i;
    char    c;

    for (i = 0; i < len && n->len + 1 < n->size; i++) {
        c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        {
            c = (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : '-';
        }

        n->buf[n->len++] = c;
    }

    n->buf[n->len] = '\0';
}


static void
name_word(name_t *n, const char *s)
{
    if (n->len > 0) {
        name_add(n, "-", 1);
    }

    name_add(n, s, strlen(s));
}


static const onestop_str_t *
arg_value(const onestop_arg_t *args, size_t nargs, const char *name)
{
    const onestop_arg_t  *a;

    a = onestop_args_find(args, nargs, name);

    return a != NULL && a->value.len > 0 ? &a->value : NULL;
}


static int
val_is(const onestop_str_t *v, const char *s)
{
    return v != NULL && v->len == strlen(s) && memcmp(v->data, s, v->len) == 0;
}


/* the period of the file name: period=, else from and to, else "all" */

static void
name_period(name_t *n, int vi, const onestop_arg_t *args, size_t nargs,
    onestop_day_t today)
{
    int                   y;
    unsigned              m, d;
    char                  s[32];
    const onestop_str_t  *p, *from, *to;

    onestop_civil_from_days(today, &y, &m, &d);

    p = arg_value(args, nargs, "period");
    from = arg_value(args, nargs, "from");
    to = arg_value(args, nargs, "to");

    if (val_is(p, "today")) {
        snprintf(s, sizeof(s), "%04d-%02u-%02u", y, m, d);
    } else if (val_is(p, "month")) {
        snprintf(s, sizeof(s), "%04d-%02u", y, m);
    } else if (val_is(p, "quarter")) {
        snprintf(s, sizeof(s), "%04d-q%u", y, (m - 1) / 3 + 1);
    } else if (val_is(p, "year")) {
        snprintf(s, sizeof(s), "%04d", y);

    } else if (from != NULL || to != NULL) {
        if (from != NULL) {
            name_word(n, vi ? "tu" : "from");
            name_add(n, "-", 1);
            name_add(n, from->data, from->len > 10 ? 10 : from->len);
        }

        if (to != NULL) {
            name_word(n, vi ? "den" : "to");
            name_add(n, "-", 1);
            name_add(n, to->data, to->len > 10 ? 10 : to->len);
        }

        return;

    } else {
        snprintf(s, sizeof(s), "%s", vi ? "tat-ca" : "all");
    }

    name_word(n, s);
}


static void
name_group(name_t *n, int vi, const onestop_arg_t *args, size_t nargs)
{
    size_t                i, k, start;
    const onestop_str_t  *g;

    static const char *const  dims[][3] = {
        { "agency", "co-quan", "agency" },
        { "top_agency", "co-quan-chu-quan", "top-agency" },
        { "field", "linh-vuc", "field" },
        { "procedure", "thu-tuc", "procedure" },
        { "channel", "kenh", "channel" },
        { "level", "cap", "level" },
        { "kind", "loai", "kind" },
        { "return_channel", "tra-ket-qua", "return-channel" },
        { NULL, NULL, NULL }
    };
    static const char *const  intervals[][3] = {
        { "day", "ngay", "day" },
        { "month", "thang", "month" },
        { "quarter", "quy", "quarter" },
        { "year", "nam", "year" },
        { NULL, NULL, NULL }
    };

    g = arg_value(args, nargs, "interval");

    if (g != NULL) {
        for (k = 0; intervals[k][0] != NULL; k++) {
            if (val_is(g, intervals[k][0])) {
                name_word(n, vi ? "theo" : "by");
                name_word(n, intervals[k][vi ? 1 : 2]);
            }
        }

        return;
    }

    g = arg_value(args, nargs, "group");

    if (g == NULL) {
        return;
    }

    name_word(n, vi ? "theo" : "by");

    for (i = 0, start = 0; i <= g->len; i++) {
        if (i < g->len && g->data[i] != ',') {
            continue;
        }

        for (k = 0; dims[k][0] != NULL; k++) {
            if (i - start == strlen(dims[k][0])
                && memcmp(g->data + start, dims[k][0], i - start) == 0)
            {
                if (start > 0) {
                    name_word(n, vi ? "va" : "and");
                }
                name_word(n, dims[k][vi ? 1 : 2]);
            }
        }

        start = i + 1;
    }
}


void
onestop_csv_filename(int what, int format, const onestop_arg_t *args,
    size_t nargs, onestop_day_t today, char *buf, size_t size)
{
    int                   vi;
    name_t                n;
    const onestop_str_t  *table;

    vi = format == ONESTOP_FORMAT_CSV_VI;
    n.buf = buf;
    n.size = size - sizeof(".csv") + 1;
    n.len = 0;
    buf[0] = '\0';

    switch (what) {

    case ONESTOP_CSV_CATALOG:
        table = arg_value(args, nargs, "table");
        name_word(&n, vi ? "danh-muc" : "catalog");

        if (val_is(table, "agencies")) {
            name_word(&n, vi ? "co-quan" : "agencies");
        } else if (val_is(table, "fields")) {
            name_word(&n, vi ? "linh-vuc" : "fields");
        } else if (val_is(table, "procedures")) {
            name_word(&n, vi ? "thu-tuc" : "procedures");
        }
        break;

    case ONESTOP_CSV_APOLOGIES:
        name_word(&n, vi ? "phieu-xin-loi" : "apologies");
        name_period(&n, vi, args, nargs, today);
        break;

    default:
        if (what == ONESTOP_CSV_EVALUATIONS) {
            name_word(&n, vi ? "danh-gia" : "evaluations");
        } else {
            name_word(&n, vi ? "thong-ke" : "stats");
        }
        name_period(&n, vi, args, nargs, today);
        name_group(&n, vi, args, nargs);
    }

    memcpy(buf + n.len, ".csv", sizeof(".csv"));
}


size_t
onestop_csv_disposition(int what, const onestop_arg_t *args, size_t nargs,
    onestop_day_t today, char *buf, size_t size)
{
    int   format, n;
    char  error[96], name[128];

    format = onestop_csv_format(args, nargs, error, sizeof(error));

    if (format <= ONESTOP_FORMAT_JSON) {
        return 0;
    }

    onestop_csv_filename(what, format, args, nargs, today, name,
                         sizeof(name));
    n = snprintf(buf, size, "attachment; filename=\"%s\"", name);

    return n > 0 && (size_t) n < size ? (size_t) n : 0;
}
