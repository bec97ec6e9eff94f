/*
 * Lookup by SMS (issue 16, Điều 15.1): `onestop_sms` answers the SMS
 * gateway's incoming-message webhook, GET with a query string or POST with
 * a form body, `text=TRACUU <code>`, authenticated with a key of scope
 * `sms`.  The engine (sms.c) finds the code and writes the answer, one
 * GSM-7 message of at most 160 characters; this file reads the request
 * and sends the answer as text/plain.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_sms.h"


static ngx_str_t  ngx_http_onestop_text_type =
    ngx_string("text/plain; charset=utf-8");

static void ngx_http_onestop_sms_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_sms_answer(ngx_http_request_t *r,
    u_char *args, size_t len);


ngx_int_t
ngx_http_onestop_sms_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_http_onestop_key_t  *key;

    if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD | NGX_HTTP_POST))) {
        ngx_http_onestop_add_header(r, "Allow", (u_char *) "GET, HEAD, POST",
                                    15);
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_ALLOWED,
                                      "method_not_allowed",
                                      "GET or POST a form with text=");
    }

    key = ngx_http_onestop_authenticate(r);
    rc = ngx_http_onestop_require_key(r, key, NULL, 0);

    if (rc != NGX_OK) {
        return ngx_http_onestop_error(r, rc, onestop_error_code(rc),
                                      "a key of scope sms is needed");
    }

    if (!key->scope.sms) {
        return ngx_http_onestop_error(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                      "this key's scope is not sms");
    }

    if (r->method != NGX_HTTP_POST) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_onestop_sms_answer(r, r->args.data, r->args.len);
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_onestop_sms_body);

    return rc >= NGX_HTTP_SPECIAL_RESPONSE ? rc : NGX_DONE;
}


static void
ngx_http_onestop_sms_body(ngx_http_request_t *r)
{
    u_char  *data;
    size_t   len;

    if (r->request_body == NULL
        || ngx_http_onestop_body_copy(r, 8192, &data, &len) != NGX_OK)
    {
        ngx_http_finalize_request(r,
            ngx_http_onestop_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                   "payload_too_large",
                                   "an SMS form is 8 KB at most"));
        return;
    }

    ngx_http_finalize_request(r, ngx_http_onestop_sms_answer(r, data, len));
}


static ngx_int_t
ngx_http_onestop_sms_answer(ngx_http_request_t *r, u_char *args, size_t len)
{
    int                            status;
    onestop_buf_t                  b;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    ngx_memzero(&b, sizeof(b));
    status = onestop_sms_answer(wk->store, (char *) args, len, &b);
    onestop_store_read_end(wk->store);

    if (b.failed) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (status != NGX_HTTP_OK) {
        onestop_buf_add(&b, "", 1);

        /* why a 500 is the log's: the gateway is told that it failed */

        if (status == NGX_HTTP_INTERNAL_SERVER_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "onestop_sms: store \"%V\": %s", &omcf->store_path,
                          b.data);
        }

        status = ngx_http_onestop_error(r, status, onestop_error_code(status),
                                        status == NGX_HTTP_INTERNAL_SERVER_ERROR
                                        ? "the store could not be read"
                                        : b.data);
        onestop_buf_free(&b);
        return status;
    }

    if (ngx_http_onestop_private_headers(r) != NGX_OK) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_text_type, &b);
}
