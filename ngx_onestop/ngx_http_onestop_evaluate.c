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

#include <yajl/yajl_tree.h>

#include "ngx_http_onestop.h"


#define NGX_HTTP_ONESTOP_COMMENT_MAX  4000
#define NGX_HTTP_UNPROCESSABLE_ENTITY 422


static void ngx_http_onestop_evaluate_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_evaluate_json(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, u_char *body, size_t len,
    ngx_str_t *token, ngx_uint_t *status, const char **message);
static ngx_int_t ngx_http_onestop_evaluate_form(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, u_char *body, size_t len,
    ngx_str_t *token, ngx_uint_t *status, const char **message);
static ngx_int_t ngx_http_onestop_summary(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_evaluate_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);


static const char  *ngx_http_onestop_indices[] = {
    "",
    "Tổng thời gian giải quyết hồ sơ so với thời hạn quy định",
    "Thời gian giải quyết tại từng cơ quan, đơn vị",
    "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
    "Số cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ",
    "Tiếp nhận, giải quyết, trả kết quả qua Bộ phận Một cửa",
    "Công khai thủ tục hành chính",
    "Thái độ của cán bộ, công chức, viên chức khi hướng dẫn, tiếp nhận, "
    "giải quyết hồ sơ",
    "Tiếp nhận, xử lý phản ánh, kiến nghị",
    "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến"
};


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
    u_char                        *body;
    size_t                         len;
    ngx_int_t                      rc;
    ngx_uint_t                     status, form;
    ngx_str_t                      token;
    const char                    *message;
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

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    form = r->headers_in.content_type != NULL
           && r->headers_in.content_type->value.len >= 33
           && ngx_strncasecmp(r->headers_in.content_type->value.data,
                              (u_char *) "application/x-www-form-urlencoded",
                              33) == 0;

    status = 0;
    message = NULL;
    ngx_str_null(&token);

    rc = form ? ngx_http_onestop_evaluate_form(r, wc, body, len, &token,
                                               &status, &message)
              : ngx_http_onestop_evaluate_json(r, wc, body, len, &token,
                                               &status, &message);

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r,
            ngx_http_onestop_error(r, status,
                                   status == NGX_HTTP_BAD_REQUEST
                                   ? "bad_request"
                                   : status == NGX_HTTP_UNAUTHORIZED
                                   ? "unauthorized"
                                   : status == NGX_HTTP_NOT_FOUND
                                   ? "not_found" : "invalid",
                                   message));
        return;
    }

    wc->token = token;
    wc->form = form;

    ngx_http_onestop_writer_submit(r, wc);
    ngx_http_finalize_request(r, NGX_DONE);
}


/* answers "2".."9" -> 0, 1 or 2; "1" is the system's and ignored */

static ngx_int_t
ngx_http_onestop_answer_set(ngx_http_onestop_write_ctx_t *wc,
    const char *key, size_t klen, long long value, const char **message)
{
    int  i;

    if (klen != 1 || key[0] < '1' || key[0] > '9') {
        *message = "answers has the indices \"2\" to \"9\"";
        return NGX_ERROR;
    }

    i = key[0] - '0';

    if (i == 1) {
        return NGX_OK;
    }

    if (value < 0 || value > 2) {
        *message = "each answer is 0, 1 or 2";
        return NGX_ERROR;
    }

    wc->write.answers[i] = (int8_t) value;
    wc->answered++;

    return NGX_OK;
}


static ngx_int_t
ngx_http_onestop_evaluate_json(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, u_char *body, size_t len,
    ngx_str_t *token, ngx_uint_t *status, const char **message)
{
    int                      i;
    char                     err[128];
    size_t                   n;
    yajl_val                 tree, v, answers;
    ngx_http_onestop_key_t  *key;

    static const char  *p_token[] = { "token", NULL };
    static const char  *p_code[] = { "code", NULL };
    static const char  *p_answers[] = { "answers", NULL };
    static const char  *p_comment[] = { "comment", NULL };

    *status = NGX_HTTP_BAD_REQUEST;

    if (ngx_strlen(body) != len) {
        *message = "the body is not valid JSON";
        return NGX_ERROR;
    }

    tree = yajl_tree_parse((char *) body, err, sizeof(err));

    if (tree == NULL || !YAJL_IS_OBJECT(tree)) {
        if (tree != NULL) {
            yajl_tree_free(tree);
        }
        *message = "the body is not a JSON object";
        return NGX_ERROR;
    }

    for (i = 0; i <= ONESTOP_INDICES; i++) {
        wc->write.answers[i] = -1;
    }

    /* who: a token, or a code with a key */

    v = yajl_tree_get(tree, p_token, yajl_t_string);

    if (v != NULL) {
        token->len = ngx_strlen(v->u.string);
        token->data = ngx_pnalloc(r->pool, token->len);

        if (token->data == NULL) {
            goto failed;
        }

        ngx_memcpy(token->data, v->u.string, token->len);

        if (ngx_http_onestop_token_code(r, token, wc) != NGX_OK) {
            *status = NGX_HTTP_NOT_FOUND;
            *message = "no dossier for this token";
            goto failed;
        }

    } else {
        v = yajl_tree_get(tree, p_code, yajl_t_string);

        if (v == NULL) {
            *status = NGX_HTTP_UNPROCESSABLE_ENTITY;
            *message = "an evaluation needs a token, or a code and a key";
            goto failed;
        }

        key = ngx_http_onestop_authenticate(r);

        if (key == NULL) {
            *status = NGX_HTTP_UNAUTHORIZED;
            *message = "an evaluation by code needs the desk's key: "
                       "Authorization: Bearer KEY";
            goto failed;
        }

        n = ngx_strlen(v->u.string);

        if (!onestop_code_valid(v->u.string, n)) {
            *status = NGX_HTTP_NOT_FOUND;
            *message = "no dossier has this code";
            goto failed;
        }

        wc->write.code.data = ngx_pnalloc(r->pool, n);

        if (wc->write.code.data == NULL) {
            goto failed;
        }

        ngx_memcpy((char *) wc->write.code.data, v->u.string, n);
        wc->write.code.len = n;
        wc->write.scope = &key->scope;
    }

    /* the answers */

    *status = NGX_HTTP_UNPROCESSABLE_ENTITY;
    answers = yajl_tree_get(tree, p_answers, yajl_t_any);

    if (answers == NULL || !YAJL_IS_OBJECT(answers)) {
        *message = "answers is an object of indices \"2\" to \"9\"";
        goto failed;
    }

    for (n = 0; n < answers->u.object.len; n++) {
        v = answers->u.object.values[n];

        if (!YAJL_IS_INTEGER(v)) {
            *message = "each answer is 0, 1 or 2";
            goto failed;
        }

        if (ngx_http_onestop_answer_set(wc, answers->u.object.keys[n],
                                        ngx_strlen(answers->u.object.keys[n]),
                                        YAJL_GET_INTEGER(v), message)
            != NGX_OK)
        {
            goto failed;
        }
    }

    if (wc->answered == 0) {
        *message = "answer at least one of the indices \"2\" to \"9\"";
        goto failed;
    }

    v = yajl_tree_get(tree, p_comment, yajl_t_any);

    if (v != NULL && YAJL_IS_STRING(v)) {
        n = ngx_strlen(v->u.string);

        if (n > NGX_HTTP_ONESTOP_COMMENT_MAX) {
            *message = "a comment is 4000 bytes at most";
            goto failed;
        }

        wc->write.comment.data = ngx_pnalloc(r->pool, n + 1);

        if (wc->write.comment.data == NULL) {
            goto failed;
        }

        ngx_memcpy((char *) wc->write.comment.data, v->u.string, n);
        wc->write.comment.len = n;

    } else if (v != NULL && !YAJL_IS_NULL(v)) {
        *message = "comment is a string";
        goto failed;
    }

    yajl_tree_free(tree);
    return NGX_OK;

failed:

    yajl_tree_free(tree);
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_onestop_evaluate_form(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc, u_char *body, size_t len,
    ngx_str_t *token, ngx_uint_t *status, const char **message)
{
    int                   i;
    char                 *buf;
    size_t                k;
    onestop_args_t       *args;
    const onestop_arg_t  *a;

    static const char  *const names[] = {
        "token", "comment", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8",
        "a9", NULL
    };

    for (i = 0; i <= ONESTOP_INDICES; i++) {
        wc->write.answers[i] = -1;
    }

    args = ngx_palloc(r->pool, sizeof(onestop_args_t));
    buf = ngx_pnalloc(r->pool, len + 1);

    if (args == NULL || buf == NULL) {
        *status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_ERROR;
    }

    /* every field read, each once: none is dropped or overridden */

    if (onestop_args_parse(args, (char *) body, len, buf) != 0) {
        ngx_snprintf((u_char *) args->error, sizeof(args->error),
                     "too many form fields (at most %d)%Z",
                     ONESTOP_ARGS_MAX);
        *status = NGX_HTTP_BAD_REQUEST;
        *message = args->error;
        return NGX_ERROR;
    }

    if (onestop_args_once(args->arg, args->n, names, args->error,
                          sizeof(args->error))
        != 0)
    {
        *status = NGX_HTTP_BAD_REQUEST;
        *message = args->error;
        return NGX_ERROR;
    }

    for (k = 0; k < args->n; k++) {
        a = &args->arg[k];

        if (a->key.len == 5 && ngx_strncmp(a->key.data, "token", 5) == 0) {
            token->data = (u_char *) a->value.data;
            token->len = a->value.len;

        } else if (a->key.len == 7
                   && ngx_strncmp(a->key.data, "comment", 7) == 0)
        {
            if (a->value.len > NGX_HTTP_ONESTOP_COMMENT_MAX) {
                *status = NGX_HTTP_UNPROCESSABLE_ENTITY;
                *message = "a comment is 4000 bytes at most";
                return NGX_ERROR;
            }

            wc->write.comment = a->value;

        } else if (a->key.len == 2 && a->key.data[0] == 'a'
                   && a->key.data[1] >= '1' && a->key.data[1] <= '9'
                   && a->value.len)
        {
            if (a->value.len != 1 || a->value.data[0] < '0'
                || a->value.data[0] > '2')
            {
                *status = NGX_HTTP_UNPROCESSABLE_ENTITY;
                *message = "each answer is 0, 1 or 2";
                return NGX_ERROR;
            }

            if (ngx_http_onestop_answer_set(wc, a->key.data + 1, 1,
                                            a->value.data[0] - '0', message)
                != NGX_OK)
            {
                *status = NGX_HTTP_UNPROCESSABLE_ENTITY;
                return NGX_ERROR;
            }
        }
    }

    if (token->len == 0 || ngx_http_onestop_token_code(r, token, wc)
                           != NGX_OK)
    {
        *status = NGX_HTTP_NOT_FOUND;
        *message = "no dossier for this token";
        return NGX_ERROR;
    }

    if (wc->answered == 0) {
        *status = NGX_HTTP_UNPROCESSABLE_ENTITY;
        *message = "answer at least one of the indices 2 to 9";
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* after the commit: 201 with the evaluation, or 303 back to the page */

static ngx_int_t
ngx_http_onestop_evaluate_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    int                            i;
    char                           key[2], ts[ONESTOP_TS_LEN];
    u_char                        *p;
    size_t                         len;
    yajl_gen                       g;
    onestop_ts_t                   at;
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

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "code");
    onestop_gen_str(g, w->code.data, w->code.len);
    onestop_gen_cstr(g, "answers");
    yajl_gen_map_open(g);

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        if (w->answers[i] < 0) {
            continue;
        }

        key[0] = (char) ('0' + i);
        onestop_gen_str(g, key, 1);
        yajl_gen_integer(g, w->answers[i]);
    }

    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "evaluated_at");
    at.sec = w->evaluated_at;
    at.set = 1;
    at.date_only = 0;
    onestop_gen_str(g, ts, onestop_ts_format(&at,
                                  onestop_store_offset(omcf->store), ts));
    yajl_gen_map_close(g);

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

void
ngx_http_onestop_evaluation_form(ngx_http_request_t *r, onestop_buf_t *b,
    const onestop_record_t *rec, ngx_str_t *token, int32_t offset)
{
    int                            i, s;
    onestop_status_e               st;
    ngx_http_onestop_main_conf_t  *omcf;

    static const char  *scores[] = {
        "0 điểm – Chưa tốt", "1 điểm – Đạt", "2 điểm – Tốt"
    };

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    onestop_buf_adds(b, "<section class=\"card\" id=\"danh-gia\" "
                        "aria-labelledby=\"dg\"><h2 id=\"dg\">Đánh giá việc "
                        "giải quyết hồ sơ</h2>");

    st = onestop_record_status(rec);

    if (st != ONESTOP_RESOLVED && st != ONESTOP_RETURNED) {
        onestop_buf_adds(b, "<p>Bạn có thể đánh giá khi hồ sơ đã được giải "
                            "quyết.</p></section>");
        return;
    }

    if (onestop_store_evaluated(omcf->store, rec->code.data, rec->code.len)) {
        onestop_buf_adds(b, "<p role=\"status\">Hồ sơ này đã được đánh giá. "
                            "Cảm ơn ông/bà đã đóng góp ý kiến.</p></section>");
        return;
    }

    if (omcf->evaluate_uri.len == 0) {
        onestop_buf_adds(b, "<p>Chức năng đánh giá chưa được bật.</p>"
                            "</section>");
        return;
    }

    onestop_buf_adds(b, "<p>Mỗi hồ sơ được đánh giá một lần. Chỉ số 1 (thời "
                        "gian giải quyết so với quy định) do hệ thống tự "
                        "tính.</p><form method=\"post\" action=\"");
    ngx_http_onestop_html_escape(b, (char *) omcf->evaluate_uri.data,
                                 omcf->evaluate_uri.len);
    onestop_buf_adds(b, "\"><input type=\"hidden\" name=\"token\" value=\"");
    ngx_http_onestop_html_escape(b, (char *) token->data, token->len);
    onestop_buf_adds(b, "\">");

    for (i = 2; i <= ONESTOP_INDICES; i++) {
        onestop_buf_printf(b, "<fieldset><legend>%d. ", i);
        onestop_buf_adds(b, ngx_http_onestop_indices[i]);
        onestop_buf_adds(b, "</legend>");

        for (s = 2; s >= 0; s--) {
            onestop_buf_printf(b, "<label><input type=\"radio\" name=\"a%d\" "
                               "value=\"%d\"> %s</label> ", i, s, scores[s]);
        }

        onestop_buf_adds(b, "</fieldset>");
    }

    onestop_buf_adds(b, "<p><label for=\"comment\">Ý kiến khác (không công "
                        "khai)</label><br><textarea id=\"comment\" "
                        "name=\"comment\" rows=\"3\" maxlength=\"4000\" "
                        "style=\"width:100%\"></textarea></p><button "
                        "type=\"submit\">Gửi đánh giá</button></form>"
                        "</section>");
}


/* GET .../summary */

static ngx_int_t
ngx_http_onestop_summary(ngx_http_request_t *r)
{
    int                            rc;
    ngx_int_t                      status;
    u_char                        *out;
    size_t                         nargs;
    onestop_arg_t                 *args;
    onestop_buf_t                  b;
    onestop_day_t                  today;
    onestop_query_t                q;
    const char                    *error;
    const onestop_catalog_t       *cat;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_onestop_get_begin(r, 1, &status) != NGX_OK) {
        return status;
    }

    status = ngx_http_onestop_parse_args(r, &args, &nargs, &error);

    if (status == NGX_DECLINED) {
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      error);
    }

    if (status != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_read_begin(omcf, omcf->store, r->connection->log)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cat = onestop_store_catalog(omcf->store);

    if (cat == NULL) {
        onestop_store_read_end(omcf->store);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (onestop_query_parse(&q, cat, args, nargs) != 0) {
        onestop_store_read_end(omcf->store);
        return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      q.error);
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));
    today = onestop_today(onestop_store_offset(omcf->store));
    rc = onestop_store_evaluation_summary(omcf->store, &q, today, &b);
    onestop_store_read_end(omcf->store);

    if (rc != 0) {
        onestop_buf_free(&b);

        if (rc == -1) {
            return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST,
                                          "bad_request", q.error);
        }

        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the summary could not be computed");
    }

    out = ngx_pnalloc(r->pool, b.len);

    if (out == NULL) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(out, b.data, b.len);
    nargs = b.len;
    onestop_buf_free(&b);

    if (ngx_http_onestop_public_headers(r) != NGX_OK
        || ngx_http_onestop_etag(r, out, nargs) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_json_type,
                                 out, nargs);
}
