/*
 * Public lookup (Điều 15): a citizen types the code of the receipt and
 * sees the dossier's status.  One read of LMDB through the worker's
 * reused read-only transaction, rendered into the request's pool before
 * the transaction is released; the name is masked, contacts never shown.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


static ngx_int_t ngx_http_onestop_lookup_json(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *code);
static ngx_int_t ngx_http_onestop_lookup_html(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *code);
static void ngx_http_onestop_html_date(onestop_buf_t *b,
    const onestop_ts_t *ts, int32_t offset, int with_time);


ngx_int_t
ngx_http_onestop_lookup_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      code;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_main_conf_t  *omcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_onestop_get_begin(r, 1, &rc) != NGX_OK) {
        return rc;
    }

    rc = ngx_http_onestop_request_id(r, &code);

    if (rc != NGX_OK) {
        return ngx_http_onestop_id_failed(r, rc);
    }

    if (olcf->handler == NGX_HTTP_ONESTOP_LOOKUP_HTML) {
        return ngx_http_onestop_lookup_html(r, omcf, &code);
    }

    return ngx_http_onestop_lookup_json(r, omcf, &code);
}


static ngx_int_t
ngx_http_onestop_lookup_json(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *code)
{
    int                       rc;
    size_t                    len;
    int32_t                   offset;
    yajl_gen                  g;
    onestop_record_t          rec;
    const unsigned char      *buf;
    const onestop_catalog_t  *cat;

    if (!onestop_code_valid((char *) code->data, code->len)) {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      code->len ? "not a dossier code"
                                                : "a dossier code is needed");
    }

    g = ngx_http_onestop_gen(r);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_read_begin(omcf, omcf->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    rc = onestop_store_get(omcf->store, (char *) code->data, code->len, &rec);
    cat = rc == ONESTOP_OK ? onestop_store_catalog(omcf->store) : NULL;

    if (rc == ONESTOP_OK && cat != NULL) {
        offset = onestop_store_offset(omcf->store);
        onestop_lookup_render(g, &rec, cat, offset, onestop_today(offset), 0);
    }

    onestop_store_read_end(omcf->store);

    if (rc == ONESTOP_NOT_FOUND) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "no dossier has this code");
    }

    if (rc != ONESTOP_OK || cat == NULL
        || yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read a dossier from store \"%V\"",
                      &omcf->store_path);
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the dossier could not be read");
    }

    if (ngx_http_onestop_private_headers(r) != NGX_OK
        || ngx_http_onestop_etag(r, (u_char *) buf, len) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_json_type,
                                 (u_char *) buf, len);
}


/* the page */

static void
ngx_http_onestop_html_date(onestop_buf_t *b, const onestop_ts_t *ts,
    int32_t offset, int with_time)
{
    onestop_civil_t  c;

    if (!ts->set) {
        onestop_buf_adds(b, "—");
        return;
    }

    onestop_ts_civil(ts, offset, &c);

    if (with_time && !ts->date_only) {
        onestop_buf_printf(b, "%02u giờ %02u, ", c.hour, c.minute);
    }

    onestop_buf_printf(b, "ngày %02u/%02u/%04d", c.day, c.month, c.year);
}


void
ngx_http_onestop_html_record(onestop_buf_t *b, const onestop_record_t *rec,
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
    ngx_http_onestop_html_escape(b, rec->code.data, rec->code.len);
    onestop_buf_adds(b, "</h2><p><span class=\"status s-");
    onestop_buf_adds(b, tl == ONESTOP_TL_NONE ? "none"
                                              : onestop_timeliness_name(tl));
    onestop_buf_adds(b, "\">");
    onestop_buf_adds(b, onestop_status_text(st, tl));
    onestop_buf_adds(b, "</span></p><dl class=\"record\">");

    onestop_buf_adds(b, "<dt>Mã hồ sơ</dt><dd>");
    ngx_http_onestop_html_escape(b, rec->code.data, rec->code.len);

    onestop_buf_adds(b, "</dd><dt>Tổ chức, cá nhân</dt><dd>");

    onestop_shown_name(&name, rec, unmasked);
    ngx_http_onestop_html_escape(b, name.data, name.len);
    onestop_shown_name_free(&name);

    onestop_buf_adds(b, "</dd><dt>Cơ quan giải quyết</dt><dd>");

    if (refs.agency != NULL) {
        ngx_http_onestop_html_escape(b, refs.agency->name.data,
                                     refs.agency->name.len);
    }

    onestop_buf_adds(b, "</dd><dt>Lĩnh vực</dt><dd>");

    if (refs.field != NULL) {
        ngx_http_onestop_html_escape(b, refs.field->name.data,
                                     refs.field->name.len);
    }

    onestop_buf_adds(b, "</dd><dt>Thủ tục hành chính</dt><dd>");

    if (refs.procedure != NULL) {
        ngx_http_onestop_html_escape(b, refs.procedure->name.data,
                                     refs.procedure->name.len);
    }

    onestop_buf_adds(b, "</dd><dt>Hình thức nộp</dt><dd>");
    onestop_buf_adds(b, channels[rec->channel < 3 ? rec->channel : 0]);

    onestop_buf_adds(b, "</dd><dt>Ngày tiếp nhận</dt><dd>");
    ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_RECEIVED], offset, 1);
    onestop_buf_adds(b, "</dd><dt>Ngày hẹn trả kết quả</dt><dd>");
    ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_DUE], offset, 1);

    if (rec->t[ONESTOP_T_RESOLVED].set) {
        onestop_buf_adds(b, "</dd><dt>Ngày giải quyết</dt><dd>");
        ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_RESOLVED], offset, 0);
    }

    if (rec->t[ONESTOP_T_RETURNED].set) {
        onestop_buf_adds(b, "</dd><dt>Ngày trả kết quả</dt><dd>");
        ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_RETURNED], offset, 0);
    }

    if (rec->t[ONESTOP_T_WITHDRAWN].set) {
        onestop_buf_adds(b, "</dd><dt>Ngày rút hồ sơ</dt><dd>");
        ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_WITHDRAWN], offset,
                                   0);
    }

    onestop_buf_adds(b, "</dd><dt>Trạng thái</dt><dd>");
    onestop_buf_adds(b, onestop_status_text(st, tl));
    onestop_buf_adds(b, "</dd></dl>");

    if (rec->has_apology) {
        onestop_buf_adds(b, "<p class=\"notice\"><strong>Thư xin lỗi và hẹn "
                            "lại ngày trả kết quả</strong> (");
        ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_APOLOGY_ISSUED],
                                   offset, 0);
        onestop_buf_adds(b, "): ngày hẹn trả mới ");
        ngx_http_onestop_html_date(b, &rec->t[ONESTOP_T_APOLOGY_NEW_DUE],
                                   offset, 0);

        if (rec->reason.len) {
            onestop_buf_adds(b, ". Lý do: ");
            ngx_http_onestop_html_escape(b, rec->reason.data, rec->reason.len);
        }

        onestop_buf_adds(b, "</p>");
    }

    onestop_buf_adds(b, "</section>");
}


ngx_int_t
ngx_http_onestop_search_form(ngx_http_request_t *r, onestop_buf_t *b,
    ngx_str_t *code)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    onestop_buf_adds(b, "<form class=\"search\" method=\"get\" action=\"");
    ngx_http_onestop_html_escape(b, (char *) clcf->name.data,
                                 clcf->name.len);
    onestop_buf_adds(b, "\" role=\"search\"><label for=\"code\">Mã hồ sơ "
                        "(in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"
                        "</label><input type=\"text\" id=\"code\" name=\"code\""
                        " autocomplete=\"off\" spellcheck=\"false\" "
                        "maxlength=\"64\" required value=\"");
    ngx_http_onestop_html_escape(b, (char *) code->data, code->len);
    onestop_buf_adds(b, "\"><button type=\"submit\">Tra cứu</button></form>");

    return NGX_OK;
}


static ngx_int_t
ngx_http_onestop_lookup_html(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *code)
{
    int                       rc;
    int32_t                   offset;
    ngx_int_t                 res;
    ngx_uint_t                status;
    onestop_buf_t             b;
    onestop_record_t          rec;
    const onestop_catalog_t  *cat;

    ngx_memzero(&b, sizeof(onestop_buf_t));

    if (ngx_http_onestop_private_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    onestop_buf_adds(&b, "<h1>Tra cứu hồ sơ</h1>");
    ngx_http_onestop_search_form(r, &b, code);

    status = NGX_HTTP_OK;

    if (code->len == 0) {
        onestop_buf_adds(&b, "<p>Nhập mã hồ sơ để xem tình trạng giải quyết, "
                             "ngày tiếp nhận và ngày hẹn trả kết quả.</p>");

    } else if (!onestop_code_valid((char *) code->data, code->len)) {
        status = NGX_HTTP_BAD_REQUEST;
        onestop_buf_adds(&b, "<p class=\"notice\" role=\"alert\">Mã hồ sơ "
                             "không hợp lệ: mã gồm chữ cái, chữ số và các ký "
                             "tự . - _ (tối đa 64 ký tự).</p>");

    } else if (ngx_http_onestop_read_begin(omcf, omcf->store,
                                           r->connection->log)
               != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        rc = onestop_store_get(omcf->store, (char *) code->data, code->len,
                               &rec);
        cat = rc == ONESTOP_OK ? onestop_store_catalog(omcf->store) : NULL;

        if (rc == ONESTOP_OK && cat != NULL) {
            offset = onestop_store_offset(omcf->store);
            ngx_http_onestop_html_record(&b, &rec, cat, offset,
                                         onestop_today(offset), 0);

        } else if (rc == ONESTOP_NOT_FOUND) {
            status = NGX_HTTP_NOT_FOUND;
            onestop_buf_adds(&b, "<p class=\"notice\" role=\"alert\">Không tìm "
                                 "thấy hồ sơ có mã ");
            ngx_http_onestop_html_escape(&b, (char *) code->data, code->len);
            onestop_buf_adds(&b, ". Vui lòng kiểm tra lại mã trên giấy "
                                 "tiếp nhận.</p>");

        } else {
            status = NGX_HTTP_INTERNAL_SERVER_ERROR;
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "could not read a dossier from store \"%V\"",
                          &omcf->store_path);
            onestop_buf_adds(&b, "<p class=\"notice\" role=\"alert\">Hệ thống "
                                 "tạm thời không đọc được dữ liệu.</p>");
        }

        onestop_store_read_end(omcf->store);
    }

    res = ngx_http_onestop_page(r, status, "Tra cứu hồ sơ", &b);
    onestop_buf_free(&b);

    return res;
}
