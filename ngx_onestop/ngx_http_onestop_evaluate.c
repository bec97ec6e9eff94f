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
static ngx_int_t ngx_http_onestop_evaluate_who(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, onestop_evaluation_t *ev,
    ngx_uint_t form, const char **message);
static ngx_int_t ngx_http_onestop_summary(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_evaluate_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);


ngx_int_t
ngx_http_onestop_evaluate_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      path;
    ngx_http_onestop_write_ctx_t  *wc;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (omcf->store == NULL) {
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


/* the code of a signed token, or 404 alike for every bad one */

static ngx_int_t
ngx_http_onestop_token_code(ngx_http_request_t *r, ngx_str_t *token,
    ngx_http_onestop_write_ctx_t *wc)
{
    size_t                         len;
    const char                    *code;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (omcf->qr_keys == NULL
        || !onestop_token_verify(omcf->qr_keys->elts, omcf->qr_keys->nelts,
                                 (char *) token->data, token->len, &code,
                                 &len)
        || !onestop_code_valid(code, len))
    {
        return NGX_DECLINED;
    }

    wc->write.code.data = code;
    wc->write.code.len = len;
    wc->write.scope = NULL;                 /* the receipt is the proof */

    return NGX_OK;
}


static void
ngx_http_onestop_evaluate_body(ngx_http_request_t *r)
{
    char                          *buf;
    u_char                        *body;
    size_t                         len;
    ngx_int_t                      rc;
    ngx_uint_t                     form;
    const char                    *message;
    onestop_args_t                *args;
    onestop_evaluation_t           ev;
    ngx_http_onestop_write_ctx_t  *wc;

    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (r->request_body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_onestop_body_copy(r, 64 * 1024, &body, &len);

    if (rc == NGX_DECLINED) {
        ngx_http_finalize_request(r,
            ngx_http_onestop_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                   "payload_too_large",
                                   "an evaluation is 64 KiB at most"));
        return;
    }

    form = r->headers_in.content_type != NULL
           && r->headers_in.content_type->value.len >= 33
           && ngx_strncasecmp(r->headers_in.content_type->value.data,
                              (u_char *) "application/x-www-form-urlencoded",
                              33) == 0;

    args = ngx_palloc(r->pool, sizeof(onestop_args_t));
    buf = ngx_pnalloc(r->pool, len + 1);

    if (rc != NGX_OK || args == NULL || buf == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* the rules (the engine's), and who evaluates (a token or a key) */

    message = NULL;
    rc = form ? onestop_evaluation_form(&ev, (char *) body, len, args, buf,
                                        &message)
              : onestop_evaluation_json(&ev, (char *) body, len, buf,
                                        &message);

    rc = rc != 0 ? NGX_HTTP_BAD_REQUEST
                 : ngx_http_onestop_evaluate_who(r, wc, &ev, form, &message);

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r,
            ngx_http_onestop_error(r, rc,
                                   rc == NGX_HTTP_BAD_REQUEST ? "bad_request"
                                   : rc == NGX_HTTP_UNAUTHORIZED
                                   ? "unauthorized"
                                   : rc == NGX_HTTP_NOT_FOUND
                                   ? "not_found" : "invalid",
                                   message));
        return;
    }

    ngx_memcpy(wc->write.answers, ev.answers, sizeof(ev.answers));
    wc->write.comment = ev.comment;
    wc->token.data = (u_char *) ev.token.data;
    wc->token.len = ev.token.len;
    wc->form = form;

    ngx_http_onestop_writer_submit(r, wc);
    ngx_http_finalize_request(r, NGX_DONE);
}


/*
 * Who evaluates, in the order the answers are checked: the form's broken
 * rules come before its token, the API's token or code and key before
 * its rules.  NGX_OK, or the status with *message.
 */
static ngx_int_t
ngx_http_onestop_evaluate_who(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, onestop_evaluation_t *ev,
    ngx_uint_t form, const char **message)
{
    ngx_str_t                token;
    ngx_http_onestop_key_t  *key;

    token.data = (u_char *) ev->token.data;
    token.len = ev->token.len;

    if (form && ev->invalid != NULL) {
        *message = ev->invalid;
        return 422;
    }

    if (token.data != NULL || form) {
        if (token.len == 0 || ngx_http_onestop_token_code(r, &token, wc)
                              != NGX_OK)
        {
            *message = "no dossier for this token";
            return NGX_HTTP_NOT_FOUND;
        }

    } else if (!ev->has_code) {
        *message = "an evaluation needs a token, or a code and a key";
        return 422;

    } else {
        key = ngx_http_onestop_authenticate(r);

        if (key == NULL) {
            *message = "an evaluation by code needs the desk's key: "
                       "Authorization: Bearer KEY";
            return NGX_HTTP_UNAUTHORIZED;
        }

        if (!onestop_code_valid(ev->code.data, ev->code.len)) {
            *message = "no dossier has this code";
            return NGX_HTTP_NOT_FOUND;
        }

        wc->write.code = ev->code;
        wc->write.scope = &key->scope;
    }

    if (form && ev->answered == 0) {
        *message = "answer at least one of the indices 2 to 9";
        return 422;
    }

    if (ev->invalid != NULL) {
        *message = ev->invalid;
        return 422;
    }

    return NGX_OK;
}


/* after the commit: 201 with the evaluation, or 303 back to the page */

static ngx_int_t
ngx_http_onestop_evaluate_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    u_char                        *p;
    size_t                         len;
    yajl_gen                       g;
    onestop_write_t               *w;
    const unsigned char           *buf;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    w = &wc->write;

    if (wc->form && (w->status == 201 || w->status == 409)) {

        /* back to the dossier's page, which now says it was evaluated */

        p = ngx_pnalloc(r->pool, omcf->public_url.len + 3 + wc->token.len
                                 + sizeof("#danh-gia"));
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.location = ngx_list_push(&r->headers_out.headers);
        if (r->headers_out.location == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.location->hash = 1;
        ngx_str_set(&r->headers_out.location->key, "Location");
        r->headers_out.location->value.data = p;
        p = ngx_cpymem(p, omcf->public_url.data, omcf->public_url.len);
        p = ngx_cpymem(p, "/q/", 3);
        p = ngx_cpymem(p, wc->token.data, wc->token.len);
        p = ngx_cpymem(p, "#danh-gia", 9);
        r->headers_out.location->value.len =
            p - r->headers_out.location->value.data;

        ngx_http_onestop_private_headers(r);
        return ngx_http_onestop_send(r, NGX_HTTP_SEE_OTHER,
                                     &ngx_http_onestop_json_type, NULL, 0);
    }

    if (w->status != 201) {
        return ngx_http_onestop_error(r, w->status,
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

    onestop_evaluation_render(g, w, onestop_store_offset(omcf->store));

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


/* the form on the /q/ page of a finished dossier */


/* GET .../summary: computed off the event loop, kept in the zone */

static ngx_int_t
ngx_http_onestop_summary(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  body;
    ngx_http_onestop_answer_t  a;

    if (ngx_http_onestop_public_begin(r, &a, 1, &rc) != NGX_OK) {
        return rc;
    }

    a.q.kind = ONESTOP_ANSWER_SUMMARY;

    if (ngx_http_onestop_answer(r, &a, "e", NULL, &body, 1, &rc) != NGX_OK) {
        return rc;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_json_type,
                                 body.data, body.len);
}
