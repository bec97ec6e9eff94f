/*
 * QR codes, signed links and the printable receipt (Điều 9.2, 14.2, 15;
 * SPEC section 6).  A receipt's QR code carries {public_url}/q/{token},
 * the token signing the dossier's code, so that whoever holds the paper
 * sees the full record and whoever guesses a code sees nothing more than
 * the public lookup shows.  Minting a link (the QR image, the receipt)
 * needs a key that covers the dossier's agency.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


#define NGX_HTTP_ONESTOP_QR_KEYS  16


static ngx_int_t ngx_http_onestop_qr_read(ngx_http_request_t *r,
    ngx_http_onestop_key_t *key, ngx_str_t *code, onestop_record_t *rec,
    onestop_buf_t *page, ngx_uint_t receipt);
static ngx_int_t ngx_http_onestop_qr_begin(ngx_http_request_t *r,
    ngx_http_onestop_key_t **key, ngx_int_t *rc);
static ngx_int_t ngx_http_onestop_private_noindex(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_qr_status(ngx_http_request_t *r,
    ngx_int_t status);


static ngx_str_t  ngx_http_onestop_png_type = ngx_string("image/png");


char *
ngx_http_onestop_qr_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    int                n;
    char               err[256];
    u_char            *buf;
    ssize_t            size;
    ngx_str_t         *value, file;
    ngx_file_t         f;
    ngx_file_info_t    fi;
    onestop_qr_key_t   keys[NGX_HTTP_ONESTOP_QR_KEYS], *k;

    if (omcf->qr_keys != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&f, sizeof(ngx_file_t));
    f.name = file;
    f.log = cf->log;
    f.fd = ngx_open_file(file.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (f.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "could not open QR key file \"%V\"", &file);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(f.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 64 * 1024)
    {
        ngx_close_file(f.fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "QR key file \"%V\" is not a small text file",
                           &file);
        return NGX_CONF_ERROR;
    }

    buf = ngx_pnalloc(cf->temp_pool, ngx_file_size(&fi) + 1);
    if (buf == NULL) {
        ngx_close_file(f.fd);
        return NGX_CONF_ERROR;
    }

    size = ngx_read_file(&f, buf, ngx_file_size(&fi), 0);
    ngx_close_file(f.fd);

    if (size == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    n = onestop_qr_keys_parse((char *) buf, (size_t) size, keys,
                              NGX_HTTP_ONESTOP_QR_KEYS, err, sizeof(err));
    ngx_explicit_memzero(buf, size);

    if (n < 1) {
        ngx_explicit_memzero(keys, sizeof(keys));
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "QR key file \"%V\": %s", &file, err);
        return NGX_CONF_ERROR;
    }

    omcf->qr_keys = ngx_array_create(cf->pool, n, sizeof(onestop_qr_key_t));
    if (omcf->qr_keys == NULL) {
        return NGX_CONF_ERROR;
    }

    k = ngx_array_push_n(omcf->qr_keys, n);
    if (k == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(k, keys, n * sizeof(onestop_qr_key_t));
    ngx_explicit_memzero(keys, sizeof(keys));

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_onestop_signed_link(ngx_http_request_t *r, const char *code,
    size_t len, ngx_str_t *link)
{
    u_char                        *p;
    size_t                         n;
    onestop_qr_key_t              *keys;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (omcf->qr_keys == NULL || omcf->qr_keys->nelts == 0) {
        return NGX_ERROR;
    }

    keys = omcf->qr_keys->elts;

    p = ngx_pnalloc(r->pool, omcf->public_url.len + sizeof("/q/") + len
                             + 1 + ONESTOP_TOKEN_SIG_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    link->data = p;
    p = ngx_cpymem(p, omcf->public_url.data, omcf->public_url.len);
    p = ngx_cpymem(p, "/q/", 3);

    n = onestop_token_sign(&keys[0], code, len, (char *) p);

    if (n == 0) {
        return NGX_ERROR;
    }

    link->len = p + n - link->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_onestop_private_noindex(ngx_http_request_t *r)
{
    if (ngx_http_onestop_private_headers(r) != NGX_OK
        || ngx_http_onestop_add_header(r, "X-Robots-Tag",
                                       (u_char *) "noindex", 7) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The dossier behind a key: 404 unknown, 401/403 without a covering key.
 * For the receipt the page is rendered while the record is readable.
 */
static ngx_int_t
ngx_http_onestop_qr_read(ngx_http_request_t *r, ngx_http_onestop_key_t *key,
    ngx_str_t *code, onestop_record_t *rec, onestop_buf_t *page,
    ngx_uint_t receipt)
{
    int                            rc;
    ngx_int_t                      status;
    ngx_str_t                      link;
    const onestop_catalog_t       *cat;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = onestop_store_get(wk->store, (char *) code->data, code->len, rec);
    cat = rc == ONESTOP_OK ? onestop_store_catalog(wk->store) : NULL;

    if (rc == ONESTOP_NOT_FOUND) {
        onestop_store_read_end(wk->store);
        return NGX_HTTP_NOT_FOUND;
    }

    if (rc != ONESTOP_OK || cat == NULL) {
        onestop_store_read_end(wk->store);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    status = ngx_http_onestop_require_key(r, key, cat, rec->agency_id);

    if (status == NGX_OK && receipt) {
        if (ngx_http_onestop_signed_link(r, (char *) code->data, code->len,
                                         &link) != NGX_OK)
        {
            status = NGX_HTTP_INTERNAL_SERVER_ERROR;

        } else {
            onestop_html_receipt(page,
                    (char *) ngx_http_onestop_html_receipt_html.data,
                    ngx_http_onestop_html_receipt_html.len, rec, cat,
                    onestop_store_offset(wk->store), (char *) link.data,
                    link.len, (char *) omcf->public_url.data,
                    omcf->public_url.len);
        }
    }

    onestop_store_read_end(wk->store);

    return status;
}


/* GET or HEAD, the store, and a key first: whoever has none learns
 * nothing, not even 400 */

static ngx_int_t
ngx_http_onestop_qr_begin(ngx_http_request_t *r,
    ngx_http_onestop_key_t **key, ngx_int_t *rc)
{
    if (ngx_http_onestop_get_begin(r, 1, rc) != NGX_OK) {
        return NGX_DECLINED;
    }

    *key = ngx_http_onestop_authenticate(r);

    if (*key == NULL) {
        *rc = ngx_http_onestop_qr_status(r,
                            ngx_http_onestop_require_key(r, NULL, NULL, 0));
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_onestop_qr_status(ngx_http_request_t *r, ngx_int_t status)
{
    switch (status) {
    case NGX_HTTP_UNAUTHORIZED:
        return ngx_http_onestop_error(r, status, "unauthorized",
                                      "a key covering the dossier's agency "
                                      "is needed: Authorization: Bearer KEY");
    case NGX_HTTP_FORBIDDEN:
        return ngx_http_onestop_error(r, status, "forbidden",
                                      "the key does not cover the dossier's "
                                      "agency");
    case NGX_HTTP_NOT_FOUND:
        return ngx_http_onestop_error(r, status, "not_found",
                                      "no dossier has this code");
    case NGX_HTTP_BAD_REQUEST:
        return ngx_http_onestop_error(r, status, "bad_request",
                                      "not a dossier code");
    }

    return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                  "internal_error",
                                  "the dossier could not be read");
}


/* GET /qr/{code}.svg|.png?size=N */

ngx_int_t
ngx_http_onestop_qr_handler(ngx_http_request_t *r)
{
    int                            rc;
    u_char                        *dot, *out;
    ngx_int_t                      status, size;
    ngx_str_t                      id, code, ext, arg, link;
    onestop_buf_t                  b;
    onestop_record_t               rec;
    ngx_http_onestop_key_t        *key;

    if (ngx_http_onestop_qr_begin(r, &key, &status) != NGX_OK) {
        return status;
    }

    status = ngx_http_onestop_request_id(r, &id);

    if (status != NGX_OK) {
        return ngx_http_onestop_id_failed(r, status);
    }

    /* {code}.svg or {code}.png: the extension after the last dot */

    dot = NULL;

    for (out = id.data; out < id.data + id.len; out++) {
        if (*out == '.') {
            dot = out;
        }
    }

    if (dot == NULL) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "a QR code is /qr/CODE.svg or "
                                      "/qr/CODE.png");
    }

    code.data = id.data;
    code.len = dot - id.data;
    ext.data = dot + 1;
    ext.len = id.data + id.len - ext.data;

    if (!((ext.len == 3 && ngx_strncmp(ext.data, "svg", 3) == 0)
          || (ext.len == 3 && ngx_strncmp(ext.data, "png", 3) == 0)))
    {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "a QR code is /qr/CODE.svg or "
                                      "/qr/CODE.png");
    }

    if (!onestop_code_valid((char *) code.data, code.len)) {
        return ngx_http_onestop_qr_status(r, NGX_HTTP_BAD_REQUEST);
    }

    size = 4;
    status = ngx_http_onestop_arg(r, "size", &arg);

    if (status == NGX_HTTP_BAD_REQUEST) {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      "size is given twice");
    }

    if (status != NGX_OK) {
        return ngx_http_onestop_qr_status(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    if (arg.data != NULL) {
        size = ngx_atoi(arg.data, arg.len);

        if (size < 1 || size > ONESTOP_QR_SCALE_MAX) {
            return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST,
                                          "bad_request",
                                          "size is the pixels of a module: "
                                          "1 to 20");
        }
    }

    status = ngx_http_onestop_qr_read(r, key, &code, &rec, NULL, 0);

    if (status != NGX_OK) {
        return ngx_http_onestop_qr_status(r, status);
    }

    if (ngx_http_onestop_signed_link(r, (char *) code.data, code.len, &link)
        != NGX_OK)
    {
        return ngx_http_onestop_qr_status(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));

    rc = ext.data[0] == 's'
         ? onestop_qr_svg((char *) link.data, link.len, (unsigned) size, &b)
         : onestop_qr_png((char *) link.data, link.len, (unsigned) size, &b);

    if (rc != 0 || b.failed) {
        onestop_buf_free(&b);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not render a QR code");
        return ngx_http_onestop_qr_status(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    if (ngx_http_onestop_private_headers(r) != NGX_OK) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     ext.data[0] == 's'
                                     ? &ngx_http_onestop_svg_type
                                     : &ngx_http_onestop_png_type, &b);
}


/* GET /q/{token}: the dossier's page for whoever holds the receipt */

ngx_int_t
ngx_http_onestop_resolve_handler(ngx_http_request_t *r)
{
    int                            rc, valid;
    size_t                         code_len;
    ngx_int_t                      status;
    int32_t                        offset;
    ngx_str_t                      token;
    const char                    *code;
    onestop_buf_t                  b;
    onestop_record_t               rec;
    onestop_qr_key_t              *keys;
    const onestop_catalog_t       *cat;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_onestop_get_begin(r, 0, &status) != NGX_OK) {
        return status;
    }

    if (ngx_http_onestop_private_noindex(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (wk->store == NULL || omcf->qr_keys == NULL) {
        return ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable", "the store is not open");
    }

    status = ngx_http_onestop_request_id(r, &token);

    if (status != NGX_OK) {
        return ngx_http_onestop_id_failed(r, status);
    }

    keys = omcf->qr_keys->elts;
    valid = onestop_token_verify(keys, omcf->qr_keys->nelts,
                                 (char *) token.data, token.len,
                                 &code, &code_len);

    ngx_memzero(&b, sizeof(onestop_buf_t));
    rc = ONESTOP_NOT_FOUND;

    if (valid && onestop_code_valid(code, code_len)
        && ngx_http_onestop_read_begin(omcf, wk->store,
                                       r->connection->log) == NGX_OK)
    {
        rc = onestop_store_get(wk->store, code, code_len, &rec);
        cat = rc == ONESTOP_OK ? onestop_store_catalog(wk->store) : NULL;

        if (rc == ONESTOP_OK && cat != NULL) {
            offset = onestop_store_offset(wk->store);

            onestop_buf_adds(&b, "<h1>Thông tin hồ sơ</h1>");
            onestop_html_record(&b, &rec, cat, offset, onestop_today(offset),
                                1);
            onestop_html_evaluation_form(&b, &rec,
                onestop_store_evaluated(wk->store, rec.code.data,
                                        rec.code.len),
                (char *) omcf->evaluate_uri.data, omcf->evaluate_uri.len,
                (char *) token.data, token.len);

        } else if (rc == ONESTOP_OK) {
            rc = ONESTOP_ERROR;
        }

        onestop_store_read_end(wk->store);
    }

    if (rc != ONESTOP_OK) {

        /* one answer for a bad token and an unknown code alike */

        onestop_buf_free(&b);
        ngx_memzero(&b, sizeof(onestop_buf_t));
        onestop_buf_adds(&b, "<h1>Không tìm thấy hồ sơ</h1><p class=\"notice\" "
                             "role=\"alert\">Đường dẫn không hợp lệ hoặc hồ sơ "
                             "không còn trên hệ thống. Hãy quét lại mã QR "
                             "trên giấy tiếp nhận, hoặc tra cứu theo mã hồ "
                             "sơ.</p>");
        rc = ngx_http_onestop_page(r, NGX_HTTP_NOT_FOUND, "Không tìm thấy hồ sơ",
                                   &b);
        onestop_buf_free(&b);
        return rc;
    }

    rc = ngx_http_onestop_page(r, NGX_HTTP_OK, "Thông tin hồ sơ", &b);
    onestop_buf_free(&b);

    return rc;
}


/* GET /receipt/{code}: form 01 of Circular 01/2018/TT-VPCP, A5 */


ngx_int_t
ngx_http_onestop_receipt_handler(ngx_http_request_t *r)
{
    ngx_int_t                      status;
    ngx_str_t                      code;
    onestop_buf_t                  b;
    onestop_record_t               rec;
    ngx_http_onestop_key_t        *key;

    if (ngx_http_onestop_qr_begin(r, &key, &status) != NGX_OK) {
        return status;
    }

    status = ngx_http_onestop_request_id(r, &code);

    if (status != NGX_OK) {
        return ngx_http_onestop_id_failed(r, status);
    }

    if (!onestop_code_valid((char *) code.data, code.len)) {
        return ngx_http_onestop_qr_status(r, NGX_HTTP_BAD_REQUEST);
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));
    status = ngx_http_onestop_qr_read(r, key, &code, &rec, &b, 1);

    if (status != NGX_OK || b.failed) {
        onestop_buf_free(&b);
        return ngx_http_onestop_qr_status(r, status != NGX_OK ? status
                                          : NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    if (ngx_http_onestop_private_noindex(r) != NGX_OK) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_html_type, &b);
}
