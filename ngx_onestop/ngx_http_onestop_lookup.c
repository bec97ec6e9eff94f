/*
 * Public lookup (Điều 15): a citizen types the code of the receipt and
 * sees the dossier's status.  One read of LMDB through the worker's
 * reused read-only transaction, rendered by the engine (onestop_pages.h)
 * before the transaction is released; the name is masked, contacts never
 * shown.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_pages.h"


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

    onestop_code_trim((const char **) &code.data, &code.len);

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
    u_char                     *out;
    onestop_buf_t              *b;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (!onestop_code_valid((char *) code->data, code->len)) {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      code->len ? "not a dossier code"
                                                : "a dossier code is needed");
    }

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    b = &wk->scratch;
    b->len = 0;
    b->failed = 0;

    rc = onestop_page_lookup_json(wk->store, (char *) code->data,
                                  code->len, b);
    onestop_store_read_end(wk->store);

    if (rc == ONESTOP_NOT_FOUND) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "no dossier has this code");
    }

    out = (rc == ONESTOP_OK && !b->failed)
          ? ngx_pnalloc(r->pool, b->len) : NULL;

    if (out == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read dossier \"%V\" from store \"%V\": %s",
                      code, &omcf->store_path,
                      rc == ONESTOP_OK ? "out of memory"
                                       : onestop_store_strerror(wk->store));
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the dossier could not be read");
    }

    len = b->len;
    ngx_memcpy(out, b->data, len);

    if (ngx_http_onestop_private_headers(r) != NGX_OK
        || ngx_http_onestop_etag(r, out, len) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_json_type,
                                 out, len);
}


/* the page */

static ngx_int_t
ngx_http_onestop_lookup_html(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *code)
{
    int                         status;
    ngx_int_t                   rc;
    ngx_uint_t                  reading;
    onestop_buf_t               b;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (ngx_http_onestop_private_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* the store is read for a code only */

    reading = onestop_code_valid((char *) code->data, code->len);

    if (reading
        && ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));

    status = onestop_page_lookup(&b, wk->store,
                 (char *) ngx_http_onestop_html_lookup_html.data,
                 ngx_http_onestop_html_lookup_html.len,
                 (char *) clcf->name.data, clcf->name.len,
                 (char *) code->data, code->len);

    if (reading) {
        onestop_store_read_end(wk->store);
    }

    if (status == NGX_HTTP_INTERNAL_SERVER_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read dossier \"%V\" from store \"%V\": %s",
                      code, &omcf->store_path,
                      onestop_store_strerror(wk->store));
    }

    rc = ngx_http_onestop_page(r, status, "Tra cứu hồ sơ", &b);
    onestop_buf_free(&b);

    return rc;
}


/* the Vietnamese page of a public page's failure, an error_page's target */

ngx_int_t
ngx_http_onestop_error_page_handler(ngx_http_request_t *r)
{
    return ngx_http_onestop_error_html(r, r->err_status ? r->err_status
                                                        : NGX_HTTP_NOT_FOUND,
                                       NULL, NULL);
}


/*
 * The error object of a refusal nginx makes itself (an error_page's
 * target: its status is the refusal's), or of a path under the API that
 * is no endpoint (a location's own handler: 404).  Its headers, no-store
 * and nosniff as every handler's errors, are set here: an add_header in
 * the configuration would take the server's own (HSTS) away.
 */

static const struct {
    ngx_uint_t   status;
    const char  *code;
    const char  *message;
} ngx_http_onestop_refusals[] = {
    { 400, "bad_request",
      "the request is malformed (its line, its headers or its path)" },
    { 404, "not_found", "no such endpoint" },
    { 405, "method_not_allowed", "this method is not allowed here" },
    { 412, "precondition_failed", "If-Match names no version of this answer" },
    { 413, "payload_too_large",
      "the request body is larger than client_max_body_size" },
    { 414, "uri_too_long", "the URI is longer than the server reads" },
    { 429, "too_many_requests", "too many requests: slow down" },
    { 431, "header_too_large",
      "a header of the request, or all of them, larger than the server "
      "reads" },
    { 501, "not_implemented",
      "a Transfer-Encoding the server does not know: send Content-Length, "
      "or chunked" },
    { 505, "http_version_not_supported",
      "an HTTP version the server does not speak: use HTTP/1.1" },
};


ngx_int_t
ngx_http_onestop_error_object_handler(ngx_http_request_t *r)
{
    ngx_uint_t  i, status;

    status = r->err_status ? r->err_status : NGX_HTTP_NOT_FOUND;

    for (i = 0; i < sizeof(ngx_http_onestop_refusals)
                    / sizeof(ngx_http_onestop_refusals[0]); i++)
    {
        if (ngx_http_onestop_refusals[i].status == status) {
            return ngx_http_onestop_error(r, status,
                                          ngx_http_onestop_refusals[i].code,
                                          ngx_http_onestop_refusals[i].message);
        }
    }

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
        return ngx_http_onestop_error(r, status, "internal_error",
                                      "the server could not answer");
    }

    return ngx_http_onestop_error(r, status, "bad_request",
                                  "the request was refused");
}


ngx_int_t
ngx_http_onestop_error_html(ngx_http_request_t *r, ngx_uint_t err,
    const char *detail, ngx_str_t *back)
{
    int                            status;
    ngx_int_t                      rc;
    const char                    *title;
    onestop_buf_t                  b;
    ngx_http_onestop_main_conf_t  *omcf;

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    ngx_memzero(&b, sizeof(onestop_buf_t));
    status = onestop_html_error(&b, (int) err,
                                &title, (char *) omcf->lookup_page.data,
                                omcf->lookup_page.len,
                                (char *) omcf->feedback_page.data,
                                omcf->feedback_page.len, detail,
                                back ? (char *) back->data : NULL,
                                back ? back->len : 0);

    rc = ngx_http_onestop_page(r, status, title, &b);
    onestop_buf_free(&b);

    return rc;
}
