/*
 * What every handler uses to read a request and to answer it: the
 * identifier and the arguments, the common starts (GET or HEAD, the
 * store open), the keys, the headers (caching, ETag, CORS), the JSON error
 * object, the HTML page around a content, and sending.  It calls nothing
 * else of the module: every other file may call it.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


ngx_str_t  ngx_http_onestop_json_type =
    ngx_string("application/json; charset=utf-8");
ngx_str_t  ngx_http_onestop_html_type =
    ngx_string("text/html; charset=utf-8");
ngx_str_t  ngx_http_onestop_framed_type =
    ngx_string("text/html; charset=utf-8");
ngx_str_t  ngx_http_onestop_svg_type =
    ngx_string("image/svg+xml; charset=utf-8");


static void *ngx_http_onestop_yajl_malloc(void *ctx, size_t size);
static ngx_int_t ngx_http_onestop_arg(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);


/*
 * A read of the worker's store (or of one of its readers) begins; when it
 * cannot, the reason is logged once until reads work again, so that a
 * timer that retries every 250 ms does not fill the log.
 */
ngx_int_t
ngx_http_onestop_read_begin(ngx_http_onestop_main_conf_t *omcf,
    onestop_store_t *st, ngx_log_t *log)
{
    const char                 *why;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (onestop_store_read_begin(st) == ONESTOP_OK) {
        if (wk->read_error != NULL) {
            /* written only when reads fail or recover, not on every read */
            wk->read_error = NULL;
        }
        return NGX_OK;
    }

    why = onestop_store_strerror(st);

    if (wk->read_error != why) {
        wk->read_error = why;
        ngx_log_error(NGX_LOG_ERR, log, 0, "could not read store \"%V\": %s",
                      &omcf->store_path, why);
    }

    return NGX_ERROR;
}


static void *
ngx_http_onestop_yajl_malloc(void *ctx, size_t size)
{
    size_t  *p;

    p = ngx_palloc(ctx, size + sizeof(size_t));
    if (p == NULL) {
        return NULL;
    }

    *p = size;
    return p + 1;
}


static void *
ngx_http_onestop_yajl_realloc(void *ctx, void *ptr, size_t size)
{
    size_t  *old;
    void    *p;

    if (ptr == NULL) {
        return ngx_http_onestop_yajl_malloc(ctx, size);
    }

    old = (size_t *) ptr - 1;

    if (*old >= size) {
        return ptr;
    }

    p = ngx_http_onestop_yajl_malloc(ctx, size);
    if (p == NULL) {
        return NULL;
    }

    ngx_memcpy(p, ptr, *old);

    if (*old > 4096) {
        ngx_pfree(ctx, old);
    }

    return p;
}


static void
ngx_http_onestop_yajl_free(void *ctx, void *ptr)
{
}


yajl_gen
ngx_http_onestop_gen(ngx_http_request_t *r)
{
    yajl_gen             g;
    yajl_alloc_funcs    *af;

    af = ngx_palloc(r->pool, sizeof(yajl_alloc_funcs));
    if (af == NULL) {
        return NULL;
    }

    af->malloc = ngx_http_onestop_yajl_malloc;
    af->realloc = ngx_http_onestop_yajl_realloc;
    af->free = ngx_http_onestop_yajl_free;
    af->ctx = r->pool;

    g = yajl_gen_alloc(af);
    if (g == NULL) {
        return NULL;
    }

    yajl_gen_config(g, yajl_gen_validate_utf8, 0);

    return g;
}


ngx_int_t
ngx_http_onestop_location_rest(ngx_http_request_t *r, ngx_str_t *rest)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    rest->data = r->uri.data;
    rest->len = 0;

    if (clcf->exact_match || clcf->regex || r->uri.len < clcf->name.len) {
        return NGX_OK;
    }

    rest->data = r->uri.data + clcf->name.len;
    rest->len = r->uri.len - clcf->name.len;

    /* /tra-cuuHS-1 is not under the location /tra-cuu */

    if (rest->len && clcf->name.len
        && clcf->name.data[clcf->name.len - 1] != '/'
        && rest->data[0] != '/')
    {
        return NGX_HTTP_NOT_FOUND;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_request_id(ngx_http_request_t *r, ngx_str_t *id)
{
    ngx_int_t  rc;

    if (ngx_http_onestop_location_rest(r, id) != NGX_OK) {
        return NGX_HTTP_NOT_FOUND;
    }

    while (id->len && id->data[0] == '/') {
        id->data++;
        id->len--;
    }

    if (id->len) {
        return NGX_OK;
    }

    /* a form's '+' is a space, which no code has */

    rc = ngx_http_onestop_arg(r, "code", id);

    if (id->data == NULL) {
        id->data = r->uri.data;             /* empty */
    }

    return rc;
}


ngx_uint_t
ngx_http_onestop_no_rest(ngx_http_request_t *r)
{
    ngx_str_t  rest;

    if (ngx_http_onestop_location_rest(r, &rest) != NGX_OK) {
        return 0;
    }

    while (rest.len && rest.data[0] == '/') {
        rest.data++;
        rest.len--;
    }

    return rest.len == 0;
}


ngx_int_t
ngx_http_onestop_id_failed(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_onestop_loc_conf_t  *olcf;

    if (rc != NGX_HTTP_BAD_REQUEST && rc != NGX_HTTP_NOT_FOUND) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* a page's: its location's error_page, a Vietnamese page */

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    if (olcf->handler == NGX_HTTP_ONESTOP_LOOKUP_HTML) {
        return rc;
    }

    if (rc == NGX_HTTP_NOT_FOUND) {
        return ngx_http_onestop_error(r, rc, "not_found",
                                      "no such resource");
    }

    return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                  "code is given twice");
}


/*
 * One argument of the query, decoded (onestop_args_get): NGX_OK with the
 * value (its data NULL when the argument is absent); NGX_HTTP_BAD_REQUEST
 * when it is given twice; NGX_ERROR.
 */
static ngx_int_t
ngx_http_onestop_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    int             rc;
    u_char         *buf;
    onestop_str_t   v;

    value->len = 0;
    value->data = NULL;

    if (r->args.len == 0) {
        return NGX_OK;
    }

    buf = ngx_pnalloc(r->pool, r->args.len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    rc = onestop_args_get((char *) r->args.data, r->args.len, name,
                          (char *) buf, &v);

    if (rc < 0) {
        return NGX_HTTP_BAD_REQUEST;
    }

    if (rc > 0) {
        value->data = (u_char *) v.data;
        value->len = v.len;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_add_header(ngx_http_request_t *r, const char *key,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value.data = value;
    h->value.len = len;

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_private_headers(ngx_http_request_t *r)
{
    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "private, no-store", 17)
        != NGX_OK
        || ngx_http_onestop_add_header(r, "Referrer-Policy",
                                       (u_char *) "no-referrer", 11)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_make_etag(ngx_http_request_t *r, u_char *body, size_t len,
    ngx_str_t *etag)
{
    u_char    *p;
    uint64_t   h;

    h = onestop_digest64(body, len);

    p = ngx_pnalloc(r->pool, NGX_HTTP_ONESTOP_ETAG_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    etag->data = p;
    etag->len = ngx_sprintf(p, "\"%016xL\"", h) - p;

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_set_etag(ngx_http_request_t *r, ngx_str_t *etag)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "ETag");
    h->value = *etag;

    r->headers_out.etag = h;

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_etag(ngx_http_request_t *r, u_char *body, size_t len)
{
    ngx_str_t  etag;

    if (ngx_http_onestop_make_etag(r, body, len, &etag) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_onestop_set_etag(r, &etag);
}


ngx_int_t
ngx_http_onestop_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len)
{
    u_char       *semi;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_lowcase = NULL;

    /* the media type without its parameters, as nginx keeps it, so that
     * gzip_types and the like match "application/json; charset=utf-8" */
    semi = ngx_strlchr(type->data, type->data + type->len, ';');
    r->headers_out.content_type_len = semi ? (size_t) (semi - type->data)
                                           : type->len;

    /* a HEAD goes through the filters as its GET does, so that it answers
     * the GET's headers (gzip's Content-Encoding and Vary, the weak ETag);
     * nginx's header filter then sends no body */

    if (len == 0) {
        r->header_only = 1;
    }

#if (NGX_HTTP_GZIP)

    /* a text answer may be compressed: with gzip_vary on, its 304 (which
     * nginx's not-modified filter makes before gzip's sees it) carries the
     * Vary: Accept-Encoding of the 200 (RFC 9110 15.4.5), and a short one
     * the same as a long one */

    if (status == NGX_HTTP_OK && len > 0
        && !(type->len >= 6 && ngx_strncmp(type->data, "image/", 6) == 0
             && type != &ngx_http_onestop_svg_type))
    {
        r->gzip_vary = 1;
    }

#endif

    /* every answer read as the type it says; the portal's own pages (the
     * forms of an evaluation, a question, a lookup) framed only by itself,
     * against clickjacking */

    if (ngx_http_onestop_add_header(r, "X-Content-Type-Options",
                                    (u_char *) "nosniff", 7) != NGX_OK
        || (type == &ngx_http_onestop_html_type
            && ngx_http_onestop_add_header(r, "X-Frame-Options",
                                           (u_char *) "SAMEORIGIN", 10)
               != NGX_OK))
    {
        return NGX_ERROR;
    }

    /* no answer has a Last-Modified: the dates of conditional requests
     * are ignored (RFC 9110 13.1.3, 13.1.4), where nginx's filter would
     * let one spoil an If-None-Match or answer 412 */

    r->headers_in.if_modified_since = NULL;
    r->headers_in.if_unmodified_since = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_onestop_get_begin(ngx_http_request_t *r, ngx_uint_t need_store,
    ngx_int_t *rc)
{
    ngx_str_t                      allow;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

        /* every method the resource answers (RFC 9110 15.5.6): public
         * data and the change log answer a browser's preflight too (an
         * evaluation's handler comes here for its summary only) */

        switch (olcf->handler) {
        case NGX_HTTP_ONESTOP_STATS:
        case NGX_HTTP_ONESTOP_APOLOGIES:
        case NGX_HTTP_ONESTOP_WIDGET:
        case NGX_HTTP_ONESTOP_DASHBOARD:
        case NGX_HTTP_ONESTOP_CHANGES:
        case NGX_HTTP_ONESTOP_CATALOG:
        case NGX_HTTP_ONESTOP_EVALUATE:
            ngx_str_set(&allow, "GET, HEAD, OPTIONS");
            break;
        default:
            ngx_str_set(&allow, "GET, HEAD");
        }

        if (ngx_http_onestop_add_header(r, "Allow", allow.data, allow.len)
            != NGX_OK)
        {
            *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
            return NGX_DECLINED;
        }

        /* a page's: its location's error_page, a Vietnamese page */

        if (olcf->handler == NGX_HTTP_ONESTOP_LOOKUP_HTML
            || olcf->handler == NGX_HTTP_ONESTOP_RESOLVE)
        {
            *rc = NGX_HTTP_NOT_ALLOWED;
            return NGX_DECLINED;
        }

        *rc = ngx_http_onestop_error(r, NGX_HTTP_NOT_ALLOWED,
                                     "method_not_allowed",
                                     "only GET and HEAD are allowed here");
        return NGX_DECLINED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }


    if (need_store && wk->store == NULL) {
        *rc = ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                     "unavailable", "the store is not open");
        return NGX_DECLINED;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_error_items(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message, const onestop_item_err_t *items,
    size_t nitems)
{
    size_t                len;
    yajl_gen              g;
    const unsigned char  *buf;

    g = ngx_http_onestop_gen(r);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    onestop_error_render(g, code, message, items, nitems);

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8)
        != NGX_OK
        || ngx_http_onestop_retry_after(r, status, code) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_discard_request_body(r);

    return ngx_http_onestop_send(r, status, &ngx_http_onestop_json_type,
                                 (u_char *) buf, len);
}


/*
 * When a refusal may be retried as it is, and after how many seconds
 * (RFC 9110 10.2.3; urllib3's Retry, Go's retryablehttp and others wait
 * that long on a 503): a store not open (a worker waiting for the
 * operator's reload, or another process that grew the map) 5 s; a store
 * without room (507: nothing of the write was written) 60 s, the operator
 * having to make room.  A follower's read_only has none: the same write
 * to the same node never succeeds (docs/api.md, "Retrying").
 */

ngx_int_t
ngx_http_onestop_retry_after(ngx_http_request_t *r, ngx_uint_t status,
    const char *code)
{
    if (status == NGX_HTTP_SERVICE_UNAVAILABLE && code != NULL
        && ngx_strcmp(code, "unavailable") == 0)
    {
        return ngx_http_onestop_add_header(r, "Retry-After", (u_char *) "5",
                                           1);
    }

    if (status == NGX_HTTP_INSUFFICIENT_STORAGE) {
        return ngx_http_onestop_add_header(r, "Retry-After",
                                           (u_char *) "60", 2);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    return ngx_http_onestop_error_items(r, status, code, message, NULL, 0);
}


ngx_int_t
ngx_http_onestop_parse_args(ngx_http_request_t *r, onestop_arg_t **args,
    size_t *nargs, const char **error)
{
    char            *buf;
    onestop_args_t  *a;

    a = ngx_palloc(r->pool, sizeof(onestop_args_t));
    buf = ngx_pnalloc(r->pool, r->args.len + 1);

    if (a == NULL || buf == NULL) {
        return NGX_ERROR;
    }

    if (onestop_args_parse(a, (char *) r->args.data, r->args.len, buf)
        != 0)
    {
        *error = a->error;
        return NGX_DECLINED;
    }

    *args = a->arg;
    *nargs = a->n;

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_cors(ngx_http_request_t *r)
{
    /* the same for every origin ("*"): no Vary: Origin; a browser
     * application may read the ETag to revalidate (issue 15) */

    if (ngx_http_onestop_add_header(r, "Access-Control-Allow-Origin",
                                    (u_char *) "*", 1) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_onestop_add_header(r, "Access-Control-Expose-Headers",
                                       (u_char *) "ETag", 4);
}


ngx_int_t
ngx_http_onestop_preflight(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    /* what a cross-origin GET may send beyond the safelisted headers: the
     * validators of a conditional request, the event stream's resume */

    if (ngx_http_onestop_cors(r) != NGX_OK
        || ngx_http_onestop_add_header(r, "Allow",
                                       (u_char *) "GET, HEAD, OPTIONS", 18)
           != NGX_OK
        || ngx_http_onestop_add_header(r, "Access-Control-Allow-Methods",
                                       (u_char *) "GET, HEAD", 9) != NGX_OK
        || ngx_http_onestop_add_header(r, "Access-Control-Allow-Headers",
                                       (u_char *) "If-None-Match, If-Match, "
                                       "Last-Event-ID", 38) != NGX_OK
        || ngx_http_onestop_add_header(r, "Access-Control-Max-Age",
                                       (u_char *) "86400", 5) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_NO_CONTENT;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    return ngx_http_send_header(r);
}


ngx_int_t
ngx_http_onestop_public_headers(ngx_http_request_t *r)
{
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_onestop_cors(r) != NGX_OK
        || ngx_http_onestop_add_header(r, "Cache-Control",
                                       omcf->public_cache.data,
                                       omcf->public_cache.len) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a page: html/page.html (the province's name filled in at configuration)
 * around the content, with the title and the style sheet */

ngx_int_t
ngx_http_onestop_page(ngx_http_request_t *r, ngx_uint_t status,
    const char *title, onestop_buf_t *content)
{
    onestop_buf_t                  b;
    onestop_html_var_t             v[3];
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    v[0].name = "title";
    v[0].value = title;
    v[0].len = ngx_strlen(title);
    v[0].raw = 0;
    v[1].name = "style";
    v[1].value = (char *) ngx_http_onestop_html_style_css.data;
    v[1].len = ngx_http_onestop_html_style_css.len;
    v[1].raw = 1;
    v[2].name = "content";
    v[2].value = content->data;
    v[2].len = content->len;
    v[2].raw = 1;

    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_html_fill(&b, (char *) omcf->page.data, omcf->page.len, v, 3);

    if (content->failed || b.failed
        || ngx_http_onestop_etag(r, (u_char *) b.data, b.len) != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, status, &ngx_http_onestop_html_type,
                                     &b);
}


ngx_http_onestop_key_t *
ngx_http_onestop_authenticate(ngx_http_request_t *r)
{
    ngx_str_t                     *auth;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (omcf->keys == NULL || r->headers_in.authorization == NULL) {
        return NULL;
    }

    auth = &r->headers_in.authorization->value;

    return (ngx_http_onestop_key_t *) onestop_api_key_find(omcf->keys->keys,
               omcf->keys->n, (char *) auth->data, auth->len);
}


/*
 * The whole request body in one NUL-terminated piece of the pool, from
 * memory or from nginx's temporary file: NGX_OK, NGX_DECLINED when it is
 * longer than max (0: no limit), or NGX_ERROR.
 */
ngx_int_t
ngx_http_onestop_body_copy(ngx_http_request_t *r, size_t max, u_char **data,
    size_t *len)
{
    u_char       *p;
    off_t         size;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    size = 0;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        b = cl->buf;
        size += b->in_file ? b->file_last - b->file_pos : b->last - b->pos;
    }

    if (max && size > (off_t) max) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, (size_t) size + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *data = p;
    *len = (size_t) size;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        n = ngx_read_file(b->file, p, (size_t) (b->file_last - b->file_pos),
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            return NGX_ERROR;
        }

        p += n;
    }

    *p = '\0';

    return NGX_OK;
}


ngx_int_t
ngx_http_onestop_require_key(ngx_http_request_t *r,
    ngx_http_onestop_key_t *key, const onestop_catalog_t *cat,
    uint32_t agency)
{
    if (key == NULL) {
        ngx_http_onestop_add_header(r, "WWW-Authenticate",
                                    (u_char *) "Bearer", 6);
        return NGX_HTTP_UNAUTHORIZED;
    }

    if (cat != NULL && !onestop_scope_covers(cat, &key->scope, agency)) {
        return NGX_HTTP_FORBIDDEN;
    }

    return NGX_OK;
}


/* sends the buffer's bytes (copied to the pool), and frees it */

ngx_int_t
ngx_http_onestop_send_buf(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, onestop_buf_t *b)
{
    u_char  *out;
    size_t   len;

    len = b->len;
    out = (b->failed || len == 0) ? NULL : ngx_pnalloc(r->pool, len);

    if (out == NULL && (b->failed || len)) {
        onestop_buf_free(b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (len) {
        ngx_memcpy(out, b->data, len);
    }

    onestop_buf_free(b);

    return ngx_http_onestop_send(r, status, type, out, len);
}


/*
 * Whether the request's body is of the media type given (lower case):
 * that type exactly, in any case, then nothing, parameters (";") or
 * white space -- "application/x-ndjsonx" is not "application/x-ndjson".
 */

ngx_uint_t
ngx_http_onestop_body_is(ngx_http_request_t *r, const char *type)
{
    size_t      n;
    ngx_str_t  *v;

    if (r->headers_in.content_type == NULL) {
        return 0;
    }

    v = &r->headers_in.content_type->value;
    n = ngx_strlen(type);

    return v->len >= n
           && ngx_strncasecmp(v->data, (u_char *) type, n) == 0
           && (v->len == n || v->data[n] == ';' || v->data[n] == ' '
               || v->data[n] == '\t');
}


/* a template with the province's name and its act filled in, in the
 * pool; both made NUL-terminated for the engine (the name kept so) */

ngx_int_t
ngx_http_onestop_fill(ngx_conf_t *cf, ngx_str_t *province,
    ngx_str_t *regulation, ngx_str_t *tpl, ngx_str_t *out)
{
    u_char         *name, *act;
    onestop_buf_t   b;

    name = ngx_pnalloc(cf->pool, province->len + 1);
    act = ngx_pnalloc(cf->pool, regulation->len + 1);

    if (name == NULL || act == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn(name, province->data, province->len + 1);
    province->data = name;
    ngx_cpystrn(act, regulation->data, regulation->len + 1);

    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_html_province(&b, (char *) tpl->data, tpl->len, (char *) name,
                          (char *) act);

    out->len = b.len;
    out->data = b.failed ? NULL : ngx_pnalloc(cf->pool, b.len);

    if (out->data != NULL) {
        ngx_memcpy(out->data, b.data, b.len);
    }

    onestop_buf_free(&b);

    return out->data != NULL ? NGX_OK : NGX_ERROR;
}


/* who may frame a widget's card: onestop_widget_frame_ancestors's
 * sources, as a Content-Security-Policy */

ngx_int_t
ngx_http_onestop_frame_policy(ngx_http_request_t *r)
{
    u_char                       *p;
    ngx_http_onestop_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    p = ngx_pnalloc(r->pool, sizeof("frame-ancestors ")
                             + olcf->frame_ancestors.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_onestop_add_header(r, "Content-Security-Policy", p,
               ngx_sprintf(p, "frame-ancestors %V", &olcf->frame_ancestors)
               - p);
}
