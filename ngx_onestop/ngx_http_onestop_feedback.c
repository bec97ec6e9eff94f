/*
 * Working days (Điều 9.1, 13.3) and citizens' questions and complaints
 * (Điều 13): the directives, and the handler that reads a request, calls
 * the engine once (engine/feedback*.c) and sends what it rendered.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


static char *ngx_http_onestop_calendar_apply(ngx_conf_t *cf,
    ngx_http_onestop_main_conf_t *omcf);
static void ngx_http_onestop_calendar_free(void *data);
static ngx_int_t ngx_http_onestop_feedback_handler(ngx_http_request_t *r);


/* onestop_calendar FILE; onestop_office_hours HH:MM-HH:MM; in any order:
 * the calendar (weekends only without a file) takes the hours */

char *
ngx_http_onestop_calendar(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    char                 err[512];
    ngx_str_t           *value, file;
    ngx_pool_cleanup_t  *cln;

    /* a calendar made by onestop_office_hours alone is no file: the
     * directive itself is what may not come twice */

    if (omcf->calendar_file) {
        return "is duplicate";
    }

    omcf->calendar_file = 1;

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    /* one made for onestop_office_hours alone goes with its cleanup */

    omcf->calendar = onestop_calendar_load((char *) file.data, err,
                                           sizeof(err));
    if (omcf->calendar == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "onestop_calendar: %s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_onestop_calendar_free;
    cln->data = omcf->calendar;

    return ngx_http_onestop_calendar_apply(cf, omcf);
}


char *
ngx_http_onestop_office_hours(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    unsigned    open, close;
    ngx_str_t  *value;

    if (omcf->office_hours) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (onestop_office_hours_parse((char *) value[1].data, value[1].len,
                                   &open, &close) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" (HH:MM-HH:MM, opening "
                           "before closing)", &value[1]);
        return NGX_CONF_ERROR;
    }

    /* close may be 24:00 (1440 minutes): 1441 values a part, or a close
     * at midnight would read back as the next hour's opening */

    omcf->office_hours = open * 1441 + close + 1;

    return ngx_http_onestop_calendar_apply(cf, omcf);
}


static char *
ngx_http_onestop_calendar_apply(ngx_conf_t *cf,
    ngx_http_onestop_main_conf_t *omcf)
{
    char                 err[128];
    ngx_uint_t           h;
    ngx_pool_cleanup_t  *cln;

    if (omcf->calendar == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        omcf->calendar = onestop_calendar_load(NULL, err, sizeof(err));
        if (omcf->calendar == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_onestop_calendar_free;
        cln->data = omcf->calendar;
    }

    if (omcf->office_hours) {
        h = omcf->office_hours - 1;
        onestop_calendar_set_hours(omcf->calendar, h / 1441, h % 1441);
    }

    return NGX_CONF_OK;
}


static void
ngx_http_onestop_calendar_free(void *data)
{
    onestop_calendar_free(data);
}


/* onestop_feedback json | html | ingest; */

char *
ngx_http_onestop_feedback(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_loc_conf_t  *olcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (olcf->feedback) {
        return "is duplicate";
    }

    value = cf->args->elts;
    olcf->feedback = ngx_strcmp(value[1].data, "json") == 0 ? ONESTOP_FB_JSON
                   : ngx_strcmp(value[1].data, "html") == 0 ? ONESTOP_FB_HTML
                   : ngx_strcmp(value[1].data, "ingest") == 0
                   ? ONESTOP_FB_INGEST : 0;

    if (olcf->feedback == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" (json, html or ingest)",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_onestop_feedback_handler;

    if (olcf->feedback == ONESTOP_FB_HTML) {
        ngx_http_onestop_page_at(cf, offsetof(ngx_http_onestop_main_conf_t,
                                              feedback_page));
    }

    return NGX_CONF_OK;
}


/* what the engine rendered: JSON as it is, HTML inside the page */

static ngx_int_t
ngx_http_onestop_feedback_send(ngx_http_request_t *r, ngx_uint_t mode,
    ngx_uint_t status, onestop_buf_t *b)
{
    ngx_int_t  rc;

    if (ngx_http_onestop_private_headers(r) != NGX_OK) {
        onestop_buf_free(b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (mode != ONESTOP_FB_HTML) {
        return ngx_http_onestop_send_buf(r, status, &ngx_http_onestop_json_type,
                                         b);
    }

    rc = ngx_http_onestop_page(r, status, "Hỏi đáp, phản ánh, kiến nghị", b);
    onestop_buf_free(b);

    return rc;
}


static ngx_int_t
ngx_http_onestop_feedback_error(ngx_http_request_t *r, ngx_uint_t mode,
    ngx_uint_t status, const char *code, const char *message)
{
    onestop_buf_t              b;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_feedback_error(&b, mode, status, code, message,
                           (char *) clcf->name.data, clcf->name.len);

    if (ngx_http_onestop_retry_after(r, status, code) != NGX_OK) {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_feedback_send(r, mode, status, &b);
}


static ngx_int_t
ngx_http_onestop_feedback_again(ngx_http_request_t *r,
    onestop_feedback_op_t *op, const char *message)
{
    onestop_buf_t              b;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_feedback_ask_again(&b,
                               (char *) ngx_http_onestop_html_feedback_ask_html.data,
                               ngx_http_onestop_html_feedback_ask_html.len, op,
                               message, (char *) clcf->name.data,
                               clcf->name.len);
    onestop_feedback_op_free(op);

    return ngx_http_onestop_feedback_send(r, ONESTOP_FB_HTML,
                                          422, &b);
}


static ngx_int_t
ngx_http_onestop_feedback_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    onestop_buf_t               b;
    ngx_uint_t                  mode;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    mode = wc->write.feedback->mode;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_feedback_written(wk->store, &wc->write, (char *) clcf->name.data,
                             clcf->name.len, &b);
    onestop_feedback_op_free(wc->write.feedback);

    if (ngx_http_onestop_retry_after(r, wc->write.status,
                                     wc->write.error_code) != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_feedback_send(r, mode, wc->write.status, &b);
}


static void
ngx_http_onestop_feedback_body(ngx_http_request_t *r)
{
    u_char                        *body;
    size_t                         len;
    ngx_int_t                      rc;
    ngx_uint_t                     form;
    const char                    *code, *message;
    onestop_feedback_op_t         *op;
    ngx_http_onestop_write_ctx_t  *wc;

    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);
    op = wc->write.feedback;

    rc = ngx_http_onestop_body_copy(r, 64 * 1024, &body, &len);

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, ngx_http_onestop_feedback_error(r,
            op->mode, rc == NGX_DECLINED ? NGX_HTTP_REQUEST_ENTITY_TOO_LARGE
                                         : NGX_HTTP_INTERNAL_SERVER_ERROR,
            rc == NGX_DECLINED ? "payload_too_large" : "internal_error",
            rc == NGX_DECLINED ? "a question is 64 KiB at most"
                               : "the body could not be read"));
        return;
    }

    form = ngx_http_onestop_body_is(r, "application/x-www-form-urlencoded");

    rc = onestop_feedback_request(op, op->mode, op->id, (char *) body, len,
                                  form, &code, &message);

    if (rc == 422 && op->mode == ONESTOP_FB_HTML
        && op->op == ONESTOP_FB_ASK)
    {
        /* the page's form refused: the form again, as the citizen filled
         * it in, with what to correct */
        ngx_http_finalize_request(r, ngx_http_onestop_feedback_again(r, op,
                                                                     message));
        return;
    }

    if (rc != 0) {
        onestop_feedback_op_free(op);
        ngx_http_finalize_request(r, ngx_http_onestop_feedback_error(r,
            op->mode, rc, code, message));
        return;
    }

    ngx_http_onestop_writer_submit(r, wc);
    ngx_http_finalize_request(r, NGX_DONE);
}


static ngx_int_t
ngx_http_onestop_feedback_post(ngx_http_request_t *r, ngx_uint_t mode,
    uint64_t id, ngx_http_onestop_key_t *key)
{
    ngx_int_t                      rc;
    onestop_feedback_op_t         *op;
    ngx_http_onestop_write_ctx_t  *wc;

    wc = ngx_pcalloc(r->pool, sizeof(ngx_http_onestop_write_ctx_t));
    op = ngx_pcalloc(r->pool, sizeof(onestop_feedback_op_t));

    if (wc == NULL || op == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    op->mode = mode;
    op->id = id;
    wc->ctx_kind = NGX_HTTP_ONESTOP_CTX_WRITE;
    wc->write.kind = ONESTOP_W_FEEDBACK;
    wc->write.feedback = op;
    wc->write.scope = key != NULL ? &key->scope : NULL;
    wc->answer = ngx_http_onestop_feedback_answer;
    ngx_http_set_ctx(r, wc, ngx_http_onestop_module);

    r->request_body_in_single_buf = 1;
    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_onestop_feedback_body);

    return rc >= NGX_HTTP_SPECIAL_RESPONSE ? rc : NGX_DONE;
}


static ngx_int_t
ngx_http_onestop_feedback_handler(ngx_http_request_t *r)
{
    int                            status;
    ngx_int_t                      rc;
    ngx_str_t                      path;
    ngx_uint_t                     mode;
    const char                    *message, *allow;
    onestop_buf_t                  b;
    onestop_feedback_get_t         req;
    ngx_http_onestop_key_t        *key;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);
    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    mode = olcf->feedback;

    if (wk == NULL || wk->store == NULL) {
        return ngx_http_onestop_feedback_error(r, mode, 503, "unavailable",
                                               "the store is not open");
    }

    key = NULL;

    if (mode == ONESTOP_FB_INGEST) {
        key = ngx_http_onestop_authenticate(r);

        if (key == NULL) {
            ngx_http_onestop_add_header(r, "WWW-Authenticate",
                                        (u_char *) "Bearer", 6);
            return ngx_http_onestop_feedback_error(r, mode, 401,
                "unauthorized", "an agency's key is needed: "
                "Authorization: Bearer KEY");
        }
    }

    /* the id after the location's prefix, spaces forgiven */

    if (ngx_http_onestop_location_rest(r, &path) != NGX_OK) {
        return ngx_http_onestop_feedback_error(r, mode, 404, "not_found",
                                               "no such resource");
    }

    while (path.len && path.data[0] == '/') {
        path.data++;
        path.len--;
    }

    ngx_memzero(&req, sizeof(req));
    req.has_id = path.len > 0;

    if (req.has_id) {
        u_char  *dec = ngx_pnalloc(r->pool, path.len), *d = dec, *s = path.data;

        if (dec == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_unescape_uri(&d, &s, path.len, 0);
        req.id = onestop_feedback_id((char *) dec, d - dec);
    }

    status = onestop_feedback_route(mode, r->method == NGX_HTTP_POST,
                                    (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))
                                    != 0, req.has_id, req.id, &allow,
                                    &message);

    if (status == ONESTOP_FB_WRITE) {
        return ngx_http_onestop_feedback_post(r, mode, req.id, key);
    }

    if (status != ONESTOP_FB_READ) {
        if (allow != NULL) {
            ngx_http_onestop_add_header(r, "Allow", (u_char *) allow,
                                        ngx_strlen(allow));
        }

        return ngx_http_onestop_feedback_error(r, mode, status,
                                               onestop_error_code(status),
                                               message);
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_onestop_parse_args(r, (onestop_arg_t **) &req.args,
                                     &req.nargs, &message);

    if (rc != NGX_OK) {
        return ngx_http_onestop_feedback_error(r, mode, 400, "bad_request",
                                               rc == NGX_DECLINED ? message
                                               : "the arguments");
    }

    req.mode = (int) mode;
    req.scope = key != NULL ? &key->scope : NULL;
    req.today = onestop_today(onestop_store_offset(wk->store));
    req.action = (char *) clcf->name.data;
    req.action_len = clcf->name.len;
    req.tpl = (char *) omcf->feedback_tpl.data;
    req.tpl_len = omcf->feedback_tpl.len;
    req.ask_tpl = (char *) ngx_http_onestop_html_feedback_ask_html.data;
    req.ask_tpl_len = ngx_http_onestop_html_feedback_ask_html.len;

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_feedback_error(r, mode, 500, "internal_error",
                                               "the store could not be read");
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));
    message = "";
    status = onestop_feedback_read(wk->store, &req, &b, &message);
    onestop_store_read_end(wk->store);

    /* a question's line in the cycle's log: the request's would write the
     * request line, and with it the sender's token */

    if (status == 500 && req.has_id) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "onestop_feedback: could not read question %uL from "
                      "store \"%V\": %s", (uint64_t) req.id,
                      &omcf->store_path, onestop_store_strerror(wk->store));

    } else if (status == 500) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "onestop_feedback: could not read the questions of "
                      "store \"%V\": %s", &omcf->store_path,
                      onestop_store_strerror(wk->store));
    }

    if (status != 200) {
        onestop_buf_free(&b);
        return ngx_http_onestop_feedback_error(r, mode, status,
                                               onestop_error_code(status),
                                               message);
    }

    return ngx_http_onestop_feedback_send(r, mode, 200, &b);
}
