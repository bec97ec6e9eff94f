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
    int                         rc;
    size_t                      len;
    int32_t                     offset;
    yajl_gen                    g;
    onestop_record_t            rec;
    const unsigned char        *buf;
    const onestop_catalog_t    *cat;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (!onestop_code_valid((char *) code->data, code->len)) {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      code->len ? "not a dossier code"
                                                : "a dossier code is needed");
    }

    g = ngx_http_onestop_gen(r);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    rc = onestop_store_get(wk->store, (char *) code->data, code->len, &rec);
    cat = rc == ONESTOP_OK ? onestop_store_catalog(wk->store) : NULL;

    if (rc == ONESTOP_OK && cat != NULL) {
        offset = onestop_store_offset(wk->store);
        onestop_lookup_render(g, &rec, cat, offset, onestop_today(offset), 0);
    }

    onestop_store_read_end(wk->store);

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

static ngx_int_t
ngx_http_onestop_lookup_html(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *code)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;
    int                       rc;
    int32_t                   offset;
    ngx_int_t                 res;
    ngx_uint_t                status;
    onestop_buf_t             b;
    onestop_record_t          rec;
    const onestop_catalog_t  *cat;
    ngx_http_core_loc_conf_t *clcf;

    ngx_memzero(&b, sizeof(onestop_buf_t));

    if (ngx_http_onestop_private_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    onestop_buf_adds(&b, "<h1>Tra cứu hồ sơ</h1>");
    onestop_html_search_form(&b, (char *) clcf->name.data, clcf->name.len,
                             (char *) code->data, code->len);

    status = NGX_HTTP_OK;

    if (code->len == 0) {
        onestop_buf_adds(&b, "<p>Nhập mã hồ sơ để xem tình trạng giải quyết, "
                             "ngày tiếp nhận và ngày hẹn trả kết quả.</p>");

    } else if (!onestop_code_valid((char *) code->data, code->len)) {
        status = NGX_HTTP_BAD_REQUEST;
        onestop_buf_adds(&b, "<p class=\"notice\" role=\"alert\">Mã hồ sơ "
                             "không hợp lệ: mã gồm chữ cái, chữ số và các ký "
                             "tự . - _ (tối đa 64 ký tự).</p>");

    } else if (ngx_http_onestop_read_begin(omcf, wk->store,
                                           r->connection->log)
               != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        rc = onestop_store_get(wk->store, (char *) code->data, code->len,
                               &rec);
        cat = rc == ONESTOP_OK ? onestop_store_catalog(wk->store) : NULL;

        if (rc == ONESTOP_OK && cat != NULL) {
            offset = onestop_store_offset(wk->store);
            onestop_html_record(&b, &rec, cat, offset, onestop_today(offset),
                                0);

        } else if (rc == ONESTOP_NOT_FOUND) {
            status = NGX_HTTP_NOT_FOUND;
            onestop_buf_adds(&b, "<p class=\"notice\" role=\"alert\">Không tìm "
                                 "thấy hồ sơ có mã ");
            onestop_html_escape(&b, (char *) code->data, code->len);
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

        onestop_store_read_end(wk->store);
    }

    res = ngx_http_onestop_page(r, status, "Tra cứu hồ sơ", &b);
    onestop_buf_free(&b);

    return res;
}
