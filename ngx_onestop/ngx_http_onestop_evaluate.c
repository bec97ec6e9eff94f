/*
 * Citizen evaluations (Điều 12, 18; Article 13 of Circular 01/2018/
 * TT-VPCP; SPEC section 8).  A dossier's code is guessable and printed in
 * the apology list, so the code alone never spends a citizen's one
 * evaluation: the citizen proves the receipt with its signed QR token,
 * the one-stop desk's devices send the code with their key.  The write is
 * the store's usual transaction, so "once per dossier" holds however many
 * requests race.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


static void ngx_http_onestop_evaluate_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_summary(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_evaluate_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);
static ngx_int_t ngx_http_onestop_evaluate_error(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, ngx_uint_t status, const char *code,
    const char *message);
static ngx_int_t ngx_http_onestop_evaluate_back(ngx_http_request_t *r,
    ngx_str_t *token, ngx_str_t *back);


ngx_int_t
ngx_http_onestop_evaluate_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      path;
    ngx_http_onestop_write_ctx_t  *wc;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;


    if (wk->store == NULL) {
        return ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable", "the store is not open");
    }

    rc = ngx_http_onestop_request_id(r, &path);

    if (rc != NGX_OK) {
        return ngx_http_onestop_id_failed(r, rc);
    }

    if (path.len == 7 && ngx_strncmp(path.data, "summary", 7) == 0) {
        return ngx_http_onestop_summary(r);
    }

    if (path.len != 0) {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "evaluations are posted here; their "
                                      "summary is at summary");
    }

    if (r->method != NGX_HTTP_POST) {
        ngx_http_onestop_add_header(r, "Allow", (u_char *) "POST", 4);
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_ALLOWED,
                                      "method_not_allowed", "use POST here");
    }

    wc = ngx_pcalloc(r->pool, sizeof(ngx_http_onestop_write_ctx_t));
    if (wc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    wc->ctx_kind = NGX_HTTP_ONESTOP_CTX_WRITE;
    wc->write.kind = ONESTOP_W_EVALUATE;
    wc->answer = ngx_http_onestop_evaluate_answer;
    ngx_http_set_ctx(r, wc, ngx_http_onestop_module);

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_onestop_evaluate_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_onestop_evaluate_body(ngx_http_request_t *r)
{
    int                            status;
    char                          *buf;
    u_char                        *body;
    size_t                         len;
    ngx_int_t                      rc;
    const char                    *message;
    onestop_args_t                *args;
    onestop_evaluation_t           ev;
    ngx_http_onestop_key_t        *key;
    ngx_http_onestop_write_ctx_t  *wc;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (r->request_body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    wc->form = ngx_http_onestop_body_is(r,
                   "application/x-www-form-urlencoded");

    rc = ngx_http_onestop_body_copy(r, 64 * 1024, &body, &len);

    if (rc == NGX_DECLINED) {
        ngx_http_finalize_request(r,
            ngx_http_onestop_evaluate_error(r, wc,
                                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                   "payload_too_large",
                                   "an evaluation is 64 KiB at most"));
        return;
    }

    args = ngx_palloc(r->pool, sizeof(onestop_args_t));
    buf = ngx_pnalloc(r->pool, len + 1);

    if (rc != NGX_OK || args == NULL || buf == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* the rules and who evaluates, a token or a key: the engine's */

    key = ngx_http_onestop_authenticate(r);
    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    /* a key sent and not known (revoked, mistyped) is no key: not a
     * citizen's evaluation by code either */

    if (key == NULL && r->headers_in.authorization != NULL
        && onestop_api_key_presented(
               (char *) r->headers_in.authorization->value.data,
               r->headers_in.authorization->value.len))
    {
        status = ngx_http_onestop_require_key(r, NULL, NULL, 0);
        ngx_http_finalize_request(r,
            ngx_http_onestop_error(r, status, "unauthorized",
                                   "the key is not known: "
                                   "Authorization: Bearer KEY"));
        return;
    }

    status = onestop_evaluation_request(&ev, &wc->write, wc->form,
                 (char *) body, len, args, buf,
                 omcf->qr_keys, omcf->nqr_keys,
                 key ? &key->scope : NULL, olcf->evaluate_by_code == 1,
                 &message);

    if (key != NULL && wc->write.scope != NULL) {
        wc->write.key = key->name;          /* the audit trail's */
    }

    if (status == 422 || status == 0) {
        wc->token.data = (u_char *) ev.token.data;   /* read whole */
        wc->token.len = ev.token.len;
    }

    if (status != 0) {
        ngx_http_finalize_request(r,
            ngx_http_onestop_evaluate_error(r, wc, status,
                                            onestop_error_code(status),
                                            message));
        return;
    }

    ngx_http_onestop_writer_submit(r, wc);
    ngx_http_finalize_request(r, NGX_DONE);
}


/*
 * Where the /q/ page's form posts, called as each location's
 * configuration is merged: the first onestop_evaluate location without
 * onestop_evaluate_by_code on, wherever it is, else the first one.  A
 * by-code location (its own rate limit, perhaps its own allow list) takes
 * no citizen's form because the configuration names it later.
 */

void
ngx_http_onestop_evaluate_uri(ngx_conf_t *cf,
    ngx_http_onestop_loc_conf_t *olcf)
{
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_onestop_main_conf_t  *omcf;

    if (olcf->handler != NGX_HTTP_ONESTOP_EVALUATE) {
        return;
    }

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_onestop_module);

    if (omcf->evaluate_uri.len != 0
        && !(omcf->evaluate_uri_by_code && olcf->evaluate_by_code != 1))
    {
        return;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    omcf->evaluate_uri = clcf->name;
    omcf->evaluate_uri_by_code = (olcf->evaluate_by_code == 1);
}


/* after the commit: 201 with the evaluation, or 303 back to the page */

static ngx_int_t
ngx_http_onestop_evaluate_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    size_t                         len;
    ngx_str_t                      back;
    yajl_gen                       g;
    onestop_write_t               *w;
    const unsigned char           *buf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    w = &wc->write;

    if (wc->form && (w->status == 201 || w->status == 409)) {

        /* back to the dossier's page, which now says it was evaluated */

        if (ngx_http_onestop_evaluate_back(r, &wc->token, &back) != NGX_OK
            || ngx_http_onestop_add_header(r, "Location", back.data,
                                           back.len)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_onestop_private_headers(r);
        return ngx_http_onestop_send(r, NGX_HTTP_SEE_OTHER,
                                     &ngx_http_onestop_json_type, NULL, 0);
    }

    if (w->status != 201) {
        return ngx_http_onestop_evaluate_error(r, wc, w->status,
                                      w->error_code ? w->error_code
                                                    : "internal_error",
                                      w->status == 500
                                      ? "the evaluation could not be written"
                                      : w->message);
    }

    g = ngx_http_onestop_gen(r);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    onestop_evaluation_render(g, w, onestop_store_offset(wk->store));

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_CREATED,
                                 &ngx_http_onestop_json_type, (u_char *) buf,
                                 len);
}


/* GET .../summary: computed off the event loop, kept in the zone */

static ngx_int_t
ngx_http_onestop_summary(ngx_http_request_t *r)
{
    return ngx_http_onestop_public_answer(r, ONESTOP_ANSWER_SUMMARY, "e",
                                          ONESTOP_CSV_EVALUATIONS);
}


/* a failure: the error object; for the /q/ page's form, what its citizen
 * can meet (sent without an answer, a token no longer valid) is a
 * Vietnamese page with its status, not JSON.  A malformed form (a field
 * twice, too many) is no browser's: the error object says which */

static ngx_int_t
ngx_http_onestop_evaluate_error(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, ngx_uint_t status, const char *code,
    const char *message)
{
    size_t                         len;
    ngx_str_t                      back;
    const char                    *dossier;
    ngx_http_onestop_main_conf_t  *omcf;

    if (wc->form && status == NGX_HTTP_NOT_FOUND) {
        return ngx_http_onestop_error_html(r, status, NULL, NULL);
    }

    if (!wc->form || status != 422) {
        return ngx_http_onestop_error(r, status, code, message);
    }

    /* refused for what the form held: what was wrong, and the way back
     * to the form on the dossier's page when the token is a receipt's (a
     * form refused before its token was checked: nothing the sender made
     * up goes into the link) */

    ngx_str_null(&back);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (wc->token.len
        && onestop_token_code(omcf->qr_keys, omcf->nqr_keys,
                              (const char *) wc->token.data, wc->token.len,
                              &dossier, &len)
        && ngx_http_onestop_evaluate_back(r, &wc->token, &back) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_error_html(r, status,
                                       onestop_evaluation_form_says(message),
                                       &back);
}


/* the dossier's page, at its evaluation: where the form goes back to */

static ngx_int_t
ngx_http_onestop_evaluate_back(ngx_http_request_t *r, ngx_str_t *token,
    ngx_str_t *back)
{
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    back->data = ngx_pnalloc(r->pool, omcf->public_url.len + 3 + token->len
                                      + sizeof("#danh-gia"));
    if (back->data == NULL) {
        return NGX_ERROR;
    }

    back->len = ngx_sprintf(back->data, "%V/q/%V#danh-gia",
                            &omcf->public_url, token)
                - back->data;

    return NGX_OK;
}
