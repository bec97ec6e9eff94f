/*
 * QR codes, signed links and the printable receipt (Điều 9.2, 14.2, 15;
 * SPEC section 6).  A receipt's QR code carries {public_url}/q/{token},
 * the token signing the dossier's code, so that whoever holds the paper
 * sees the full record and whoever guesses a code sees nothing more than
 * the public lookup shows.  Minting a link (the QR image, the receipt)
 * needs a key that covers the dossier's agency.  The pages and images are
 * the engine's (onestop_pages.h); this file reads the request and sends.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_pages.h"


#define NGX_HTTP_ONESTOP_QR_KEYS  16


static ngx_int_t ngx_http_onestop_qr_serve(ngx_http_request_t *r,
    ngx_uint_t receipt);
static ngx_int_t ngx_http_onestop_private_noindex(ngx_http_request_t *r);


static ngx_str_t  ngx_http_onestop_png_type = ngx_string("image/png");


char *
ngx_http_onestop_qr_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    int         n;
    char        err[NGX_MAX_PATH + 256];
    ngx_str_t  *value, file;

    if (omcf->qr_keys != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    omcf->qr_keys = ngx_palloc(cf->pool, NGX_HTTP_ONESTOP_QR_KEYS
                                         * sizeof(onestop_qr_key_t));
    if (omcf->qr_keys == NULL) {
        return NGX_CONF_ERROR;
    }

    n = onestop_qr_keys_load((char *) file.data, omcf->qr_keys,
                             NGX_HTTP_ONESTOP_QR_KEYS, err, sizeof(err));

    if (n < 1) {
        ngx_explicit_memzero(omcf->qr_keys, NGX_HTTP_ONESTOP_QR_KEYS
                                            * sizeof(onestop_qr_key_t));
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    omcf->nqr_keys = (ngx_uint_t) n;

    return NGX_CONF_OK;
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


/* GET /qr/{code}.svg|.png?size=N */

ngx_int_t
ngx_http_onestop_qr_handler(ngx_http_request_t *r)
{
    return ngx_http_onestop_qr_serve(r, 0);
}


/* GET /receipt/{code}: form 01 of Circular 01/2018/TT-VPCP, A5 */

ngx_int_t
ngx_http_onestop_receipt_handler(ngx_http_request_t *r)
{
    return ngx_http_onestop_qr_serve(r, 1);
}


/* GET or HEAD, the store, and a key first: whoever has none learns
 * nothing, not even 400 */

static ngx_int_t
ngx_http_onestop_qr_serve(ngx_http_request_t *r, ngx_uint_t receipt)
{
    int                            status;
    ngx_int_t                      rc;
    ngx_str_t                      id, *type;
    const char                    *message, *why;
    onestop_buf_t                  b;
    onestop_qr_request_t           q;
    ngx_http_onestop_key_t        *auth;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    ngx_memzero(&b, sizeof(onestop_buf_t));

    if (ngx_http_onestop_get_begin(r, 1, &rc) != NGX_OK) {
        return rc;
    }

    auth = ngx_http_onestop_authenticate(r);

    if (auth == NULL) {
        status = ngx_http_onestop_require_key(r, NULL, NULL, 0);
        return ngx_http_onestop_error(r, status, onestop_error_code(status),
                                      onestop_qr_message(status));
    }

    rc = ngx_http_onestop_request_id(r, &id);

    if (rc != NGX_OK) {
        return ngx_http_onestop_id_failed(r, rc);
    }

    status = onestop_qr_request(&q, receipt, (char *) id.data, id.len,
                                (char *) r->args.data, r->args.len, &message);

    if (status == 0) {
        if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
            != NGX_OK)
        {
            return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                          "internal_error",
                                          onestop_qr_message(500));
        }

        status = onestop_qr_answer(&b, wk->store, &q, &auth->scope,
                     omcf->qr_keys, (char *) omcf->public_url.data,
                     omcf->public_url.len,
                     (char *) ngx_http_onestop_html_receipt_html.data,
                     ngx_http_onestop_html_receipt_html.len, &message,
                     &why);
        onestop_store_read_end(wk->store);

        if (status == NGX_HTTP_INTERNAL_SERVER_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          receipt ? "could not make the receipt of dossier "
                                    "\"%*s\" from store \"%V\": %s"
                                  : "could not make the QR code of dossier "
                                    "\"%*s\" from store \"%V\": %s",
                          q.code.len, q.code.data, &omcf->store_path, why);
        }
    }

    if (status != NGX_HTTP_OK) {
        onestop_buf_free(&b);
        return ngx_http_onestop_error(r, status, onestop_error_code(status),
                                      message);
    }

    rc = receipt ? ngx_http_onestop_private_noindex(r)
                 : ngx_http_onestop_private_headers(r);

    if (rc != NGX_OK) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    type = q.format == ONESTOP_QR_SVG ? &ngx_http_onestop_svg_type
           : q.format == ONESTOP_QR_PNG ? &ngx_http_onestop_png_type
           : &ngx_http_onestop_html_type;

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK, type, &b);
}


/* GET /q/{token}: the dossier's page for whoever holds the receipt */

ngx_int_t
ngx_http_onestop_resolve_handler(ngx_http_request_t *r)
{
    int                            status;
    size_t                         code_len;
    ngx_int_t                      rc;
    ngx_str_t                      token;
    ngx_uint_t                     reading;
    const char                    *code, *title;
    onestop_buf_t                  b;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    code = NULL;
    code_len = 0;

    if (ngx_http_onestop_get_begin(r, 0, &rc) != NGX_OK) {
        return rc;
    }

    if (ngx_http_onestop_private_noindex(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (wk->store == NULL || omcf->qr_keys == NULL) {
        return ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable", "the store is not open");
    }

    rc = ngx_http_onestop_request_id(r, &token);

    if (rc == NGX_HTTP_BAD_REQUEST || rc == NGX_HTTP_NOT_FOUND) {
        /*
         * ?code= given twice, or a path that only begins with the
         * location's name, is no token: the same 404 as any other
         */
        token.len = 0;

    } else if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    onestop_code_trim((const char **) &token.data, &token.len);

    reading = onestop_token_code(omcf->qr_keys, omcf->nqr_keys,
                                 (char *) token.data, token.len, &code,
                                 &code_len);

    /* a good token and a store that cannot be read: not "no such
     * dossier"; said in the cycle's log, since the request's would write
     * the request line, and with it the token that opens the record */

    if (reading
        && ngx_http_onestop_read_begin(omcf, wk->store, ngx_cycle->log)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));

    status = onestop_page_dossier(&b, reading ? wk->store : NULL,
                 code, code_len, (char *) token.data, token.len,
                 (char *) omcf->evaluate_uri.data, omcf->evaluate_uri.len,
                 (char *) ngx_http_onestop_html_dossier_html.data,
                 ngx_http_onestop_html_dossier_html.len,
                 (char *) ngx_http_onestop_html_dossier_missing_html.data,
                 ngx_http_onestop_html_dossier_missing_html.len, &title);

    if (reading) {
        onestop_store_read_end(wk->store);
    }

    if (status == NGX_HTTP_INTERNAL_SERVER_ERROR) {

        /* the cycle's log, as above: the request's holds the token */

        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "could not read dossier \"%*s\" from store \"%V\": %s",
                      code_len, code, &omcf->store_path,
                      onestop_store_strerror(wk->store));
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_onestop_page(r, status, title, &b);
    onestop_buf_free(&b);

    return rc;
}
