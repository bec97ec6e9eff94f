/*
 * A dossier's answers (see onestop_pages.h).  The idea: every answer
 * about one dossier is the same three steps, its record and the catalog
 * read in the caller's snapshot, who may see what (the name masked for
 * the public, whole for the receipt's holder, a key's scope for the
 * agency's own), and a renderer of html.c, json.c or qr.c; so an HTTP
 * handler only parses the request and sends what comes back.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_args.h"
#include "onestop_html.h"
#include "onestop_pages.h"


static int page_read(onestop_store_t *st, const char *code, size_t len,
    onestop_record_t *rec, const onestop_catalog_t **cat);
static int page_find(onestop_store_t *st, const char *code, size_t len,
    char *upper, onestop_record_t *rec, const onestop_catalog_t **cat);


/* the record and the catalog: ONESTOP_OK, ONESTOP_NOT_FOUND, ONESTOP_ERROR */

static int
page_read(onestop_store_t *st, const char *code, size_t len,
    onestop_record_t *rec, const onestop_catalog_t **cat)
{
    int  rc;

    rc = onestop_store_get(st, code, len, rec);

    if (rc != ONESTOP_OK) {
        return rc == ONESTOP_NOT_FOUND ? ONESTOP_NOT_FOUND : ONESTOP_ERROR;
    }

    *cat = onestop_store_catalog(st);

    return *cat != NULL ? ONESTOP_OK : ONESTOP_ERROR;
}


/*
 * page_read of a code a person typed: when it is not found as it is and
 * has lower-case letters, upper-cased into upper (ONESTOP_CODE_MAX bytes,
 * the caller's, for rec->code points to it), as the agencies write codes
 */

static int
page_find(onestop_store_t *st, const char *code, size_t len, char *upper,
    onestop_record_t *rec, const onestop_catalog_t **cat)
{
    int  rc;

    rc = page_read(st, code, len, rec, cat);

    if (rc == ONESTOP_NOT_FOUND && onestop_code_upper(upper, code, len)) {
        rc = page_read(st, upper, len, rec, cat);
    }

    return rc;
}


int
onestop_page_lookup_json(onestop_store_t *st, const char *code, size_t len,
    onestop_buf_t *b)
{
    int                       rc;
    int32_t                   offset;
    onestop_record_t          rec;
    const onestop_catalog_t  *cat;
    char                      upper[ONESTOP_CODE_MAX];

    rc = page_find(st, code, len, upper, &rec, &cat);

    if (rc == ONESTOP_OK) {
        offset = onestop_store_offset(st);
        onestop_lookup_render(b, &rec, cat, offset, onestop_today(offset), 0);
    }

    return rc;
}


int
onestop_page_lookup(onestop_buf_t *b, onestop_store_t *st, const char *tpl,
    size_t tpl_len, const char *action, size_t action_len, const char *code,
    size_t len)
{
    int                       rc, status;
    int32_t                   offset;
    onestop_buf_t             form, result;
    onestop_record_t          rec;
    onestop_html_var_t        v[2];
    const onestop_catalog_t  *cat;
    char                      upper[ONESTOP_CODE_MAX];

    memset(&form, 0, sizeof(onestop_buf_t));
    memset(&result, 0, sizeof(onestop_buf_t));

    /* a dossier's card is some 2 KB written in small pieces: room for it
     * at once (a failure shows in result.failed) */
    (void) onestop_buf_grow(&result, 4096);

    onestop_html_search_form(&form, action, action_len, code, len);

    status = 200;

    if (len == 0) {
        onestop_buf_adds(&result, "<p>Nhập mã hồ sơ để xem tình trạng giải "
                                  "quyết, ngày tiếp nhận và ngày hẹn trả kết "
                                  "quả.</p>");

    } else if (!onestop_code_valid(code, len)) {
        status = 400;
        onestop_buf_adds(&result, "<p class=\"notice\" role=\"alert\">Mã hồ "
                                  "sơ không hợp lệ: mã gồm chữ cái, chữ số "
                                  "và các ký tự . - _ (tối đa 64 ký tự).</p>");

    } else {
        rc = page_find(st, code, len, upper, &rec, &cat);

        if (rc == ONESTOP_OK) {
            offset = onestop_store_offset(st);
            onestop_html_record(&result, &rec, cat, offset,
                                onestop_today(offset), 0);

        } else if (rc == ONESTOP_NOT_FOUND) {
            status = 404;
            onestop_buf_adds(&result, "<p class=\"notice\" role=\"alert\">"
                                      "Không tìm thấy hồ sơ có mã ");
            onestop_html_escape(&result, code, len);
            onestop_buf_adds(&result, ". Vui lòng kiểm tra lại mã trên giấy "
                                      "tiếp nhận.</p>");

        } else {
            status = 500;
            onestop_buf_adds(&result, "<p class=\"notice\" role=\"alert\">Hệ "
                                      "thống tạm thời không đọc được dữ "
                                      "liệu.</p>");
        }
    }

    v[0] = (onestop_html_var_t) { "form", form.data, form.len, 1 };
    v[1] = (onestop_html_var_t) { "result", result.data, result.len, 1 };

    if (form.failed || result.failed) {
        b->failed = 1;

    } else {
        onestop_html_fill(b, tpl, tpl_len, v, 2);
    }

    onestop_buf_free(&form);
    onestop_buf_free(&result);

    return status;
}


int
onestop_page_dossier(onestop_buf_t *b, onestop_store_t *st,
    const char *code, size_t len, const char *token, size_t token_len,
    const char *action, size_t action_len, const char *tpl, size_t tpl_len,
    const char *missing, size_t missing_len, const char **title)
{
    int                       rc;
    int32_t                   offset;
    onestop_buf_t             record, form;
    onestop_record_t          rec;
    onestop_html_var_t        v[2];
    const onestop_catalog_t  *cat;

    rc = st != NULL ? page_read(st, code, len, &rec, &cat) : ONESTOP_ERROR;

    if (st != NULL && rc == ONESTOP_ERROR) {
        *title = "Lỗi hệ thống";
        return 500;
    }

    if (rc != ONESTOP_OK) {

        /* one answer for a bad token and an unknown code alike */

        *title = "Không tìm thấy hồ sơ";
        onestop_buf_add(b, missing, missing_len);
        return 404;
    }

    memset(&record, 0, sizeof(onestop_buf_t));
    memset(&form, 0, sizeof(onestop_buf_t));

    offset = onestop_store_offset(st);
    onestop_html_record(&record, &rec, cat, offset, onestop_today(offset), 1);
    onestop_html_evaluation_form(&form, &rec,
                                 onestop_store_evaluated(st, rec.code.data,
                                                         rec.code.len),
                                 action, action_len, token, token_len);

    v[0] = (onestop_html_var_t) { "record", record.data, record.len, 1 };
    v[1] = (onestop_html_var_t) { "evaluation", form.data, form.len, 1 };

    if (record.failed || form.failed) {
        b->failed = 1;

    } else {
        onestop_html_fill(b, tpl, tpl_len, v, 2);
    }

    onestop_buf_free(&record);
    onestop_buf_free(&form);

    *title = "Thông tin hồ sơ";

    return 200;
}


int
onestop_qr_request(onestop_qr_request_t *q, int receipt, const char *id,
    size_t len, const char *args, size_t args_len, const char **message)
{
    int             rc;
    char           *buf;
    size_t          i, dot;
    unsigned long   size;
    onestop_str_t   v;

    memset(q, 0, sizeof(onestop_qr_request_t));
    q->code.data = id;
    q->code.len = len;
    q->format = ONESTOP_QR_RECEIPT;
    q->scale = 4;

    if (!receipt) {

        /* {code}.svg or {code}.png: the extension after the last dot */

        for (dot = len, i = 0; i < len; i++) {
            dot = id[i] == '.' ? i : dot;
        }

        if (len - dot != 4
            || (memcmp(id + dot, ".svg", 4) != 0
                && memcmp(id + dot, ".png", 4) != 0))
        {
            *message = "a QR code is /qr/CODE.svg or /qr/CODE.png";
            return 404;
        }

        q->code.len = dot;
        q->format = id[dot + 1] == 's' ? ONESTOP_QR_SVG : ONESTOP_QR_PNG;
    }

    if (!onestop_code_valid(q->code.data, q->code.len)) {
        *message = onestop_qr_message(400);
        return 400;
    }

    if (receipt || args_len == 0) {
        return 0;
    }

    buf = malloc(args_len);

    if (buf == NULL) {
        *message = onestop_qr_message(500);
        return 500;
    }

    rc = onestop_args_get(args, args_len, "size", buf, &v);

    for (size = 0, i = 0; rc > 0 && i < v.len && size <= 20; i++) {
        size = v.data[i] >= '0' && v.data[i] <= '9'
               ? size * 10 + (unsigned) (v.data[i] - '0') : 100;
    }

    free(buf);

    if (rc < 0) {
        *message = "size is given twice";
        return 400;
    }

    if (rc > 0 && (size < 1 || size > ONESTOP_QR_SCALE_MAX)) {
        *message = "size is the pixels of a module: 1 to 20";
        return 400;
    }

    q->scale = rc > 0 ? (unsigned) size : 4;

    return 0;
}


int
onestop_qr_answer(onestop_buf_t *out, onestop_store_t *st,
    const onestop_qr_request_t *q, const onestop_scope_t *scope,
    const onestop_qr_key_t *key, const char *url, size_t url_len,
    const char *tpl, size_t tpl_len, const char **message, const char **why)
{
    int                       rc, status;
    onestop_buf_t             link;
    onestop_record_t          rec;
    const onestop_catalog_t  *cat;

    *why = NULL;
    rc = page_read(st, q->code.data, q->code.len, &rec, &cat);
    status = rc == ONESTOP_NOT_FOUND ? 404 : rc != ONESTOP_OK ? 500 : 200;

    if (status == 500) {
        *why = onestop_store_strerror(st);
    }

    if (status == 200 && !onestop_scope_covers(cat, scope, rec.agency_id)) {
        status = 403;
    }

    memset(&link, 0, sizeof(onestop_buf_t));

    if (status == 200
        && onestop_token_link(key, url, url_len, q->code.data, q->code.len,
                              &link) != 0)
    {
        status = 500;
        *why = "the signed link could not be made";
    }

    if (status == 200 && q->format == ONESTOP_QR_RECEIPT) {
        onestop_html_receipt(out, tpl, tpl_len, &rec, cat,
                             onestop_store_offset(st), link.data, link.len,
                             url, url_len);

    } else if (status == 200) {
        rc = q->format == ONESTOP_QR_SVG
             ? onestop_qr_svg(link.data, link.len, q->scale, out)
             : onestop_qr_png(link.data, link.len, q->scale, out);
        status = rc != 0 ? 500 : 200;
        *why = rc != 0 ? "the QR code could not be drawn" : NULL;
    }

    onestop_buf_free(&link);

    if (out->failed && status != 500) {
        status = 500;
        *why = "out of memory";
    }

    *message = onestop_qr_message(status);

    return status;
}


const char *
onestop_qr_message(int status)
{
    switch (status) {
    case 200:
        return NULL;
    case 400:
        return "not a dossier code";
    case 401:
        return "a key covering the dossier's agency is needed: "
               "Authorization: Bearer KEY";
    case 403:
        return "the key does not cover the dossier's agency";
    case 404:
        return "no dossier has this code";
    }

    return "the dossier could not be read";
}
