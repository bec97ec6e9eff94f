/*
 * Writes (SPEC section 5): the one-stop systems push dossiers, deletions
 * and the catalog with a Bearer key.  The key is checked before the body
 * is read (401 comes before 413); the body is parsed as nginx hands it
 * over, from memory or from its temporary file, and the batch goes to the
 * writer, which decides versions and scope against the stored records
 * inside the transaction.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_pages.h"


static void ngx_http_onestop_ingest_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_write_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);
static ngx_int_t ngx_http_onestop_feed_body(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);
static ngx_int_t ngx_http_onestop_ingest_read(ngx_http_request_t *r,
    ngx_http_onestop_key_t *key, onestop_str_t *code);


/* keys: the file is the engine's to read; its memory lives as long as
 * the configuration's pool */

static void
ngx_http_onestop_keys_free(void *data)
{
    onestop_api_keys_free(data);
}


/* issue 15: GET dossiers/CODE, the stored record for a sync partner whose
 * key covers its agency (the engine's record_json.c); a 404 alike for an
 * absent code and another agency's */

static ngx_int_t
ngx_http_onestop_ingest_read(ngx_http_request_t *r,
    ngx_http_onestop_key_t *key, onestop_str_t *code)
{
    int                            status;
    onestop_buf_t                  b;
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_get_module_main_conf(r, ngx_http_onestop_module);

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_onestop_read_begin(omcf, wk->store, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal_error",
                                      "the store could not be read");
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));
    status = onestop_record_answer(&b, wk->store, &key->scope, code->data,
                                   code->len);
    onestop_store_read_end(wk->store);

    if (status == NGX_HTTP_INTERNAL_SERVER_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "could not read dossier \"%*s\" from store \"%V\": %s",
                      code->len, code->data, &omcf->store_path,
                      b.failed ? "out of memory"
                               : onestop_store_strerror(wk->store));
    }

    if (status != NGX_HTTP_OK) {
        onestop_buf_free(&b);
        return ngx_http_onestop_error(r, status, onestop_error_code(status),
                                      status == NGX_HTTP_NOT_FOUND
                                      ? "no dossier of this code within "
                                        "the key's scope"
                                      : "the record could not be read");
    }

    if (ngx_http_onestop_private_headers(r) != NGX_OK
        || ngx_http_onestop_etag(r, (u_char *) b.data, b.len) != NGX_OK)
    {
        onestop_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_json_type, &b);
}


/* the handler */

ngx_int_t
ngx_http_onestop_ingest_handler(ngx_http_request_t *r)
{
    int                            status;
    ngx_int_t                      rc;
    ngx_str_t                      path;
    const char                    *message;
    onestop_ingest_route_t         rt;
    ngx_http_onestop_key_t        *key;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_write_ctx_t  *wc;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    key = ngx_http_onestop_authenticate(r);

    if (key == NULL) {
        status = ngx_http_onestop_require_key(r, NULL, NULL, 0);
        return ngx_http_onestop_error(r, status, "unauthorized",
                                      "a valid key is needed: "
                                      "Authorization: Bearer KEY");
    }

    if (wk->store == NULL) {
        return ngx_http_onestop_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable", "the store is not open");
    }

    rc = ngx_http_onestop_request_id(r, &path);

    if (rc != NGX_OK) {
        return ngx_http_onestop_id_failed(r, rc);
    }

    wc = ngx_pcalloc(r->pool, sizeof(ngx_http_onestop_write_ctx_t));
    if (wc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    status = onestop_ingest_route(&rt, (char *) path.data, path.len,
                                  (char *) r->method_name.data,
                                  r->method_name.len, key->scope.all,
                                  &message);

    if (status != 0) {
        if (rt.allow != NULL) {
            ngx_http_onestop_add_header(r, "Allow", (u_char *) rt.allow,
                                        ngx_strlen(rt.allow));
        }

        return ngx_http_onestop_error(r, status, onestop_error_code(status),
                                      message);
    }

    if (rt.kind == ONESTOP_INGEST_READ) {
        return ngx_http_onestop_ingest_read(r, key, &rt.code);
    }

    wc->ctx_kind = NGX_HTTP_ONESTOP_CTX_WRITE;
    wc->answer = ngx_http_onestop_write_answer;
    wc->write.scope = &key->scope;
    wc->write.key = key->name;
    wc->write.kind = rt.kind;
    wc->write.code = rt.code;

    if (rt.kind == ONESTOP_W_DELETE) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_onestop_writer_submit(r, wc);
        return NGX_DONE;
    }

    /* the body limit, checked after the key (SPEC: 401 before 413) */

    ngx_http_set_ctx(r, wc, ngx_http_onestop_module);

    rc = (olcf->body_max
          && r->headers_in.content_length_n > (off_t) olcf->body_max)
         ? NGX_HTTP_REQUEST_ENTITY_TOO_LARGE
         : ngx_http_read_client_request_body(r, ngx_http_onestop_ingest_body);

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return ngx_http_onestop_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                      "payload_too_large",
                                      "the request body is larger than "
                                      "client_max_body_size");
    }

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_onestop_ingest_cleanup(void *data)
{
    ngx_http_onestop_write_ctx_t  *wc = data;

    onestop_batch_free(&wc->batch);
    onestop_catalog_doc_free(&wc->doc);
}


static void
ngx_http_onestop_ingest_body(ngx_http_request_t *r)
{
    int                            rc, ndjson;
    u_char                        *data;
    size_t                         len;
    int32_t                        offset;
    ngx_pool_cleanup_t            *cln;
    ngx_http_onestop_write_ctx_t  *wc;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (r->request_body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    cln->handler = ngx_http_onestop_ingest_cleanup;
    cln->data = wc;

    if (wc->write.kind == ONESTOP_W_CATALOG) {
        if (ngx_http_onestop_body_copy(r, 0, &data, &len) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        rc = onestop_catalog_doc_parse(&wc->doc, (char *) data, len);

        if (rc != 0) {
            ngx_http_finalize_request(r,
                ngx_http_onestop_error(r, rc, onestop_error_code(rc),
                                       wc->doc.message));
            return;
        }

        wc->write.doc = &wc->doc;
        ngx_http_onestop_writer_submit(r, wc);
        ngx_http_finalize_request(r, NGX_DONE);
        return;
    }

    /* NDJSON by its older name, as the first clients send it, or by the
     * one its specification registers now */

    ndjson = ngx_http_onestop_body_is(r, "application/x-ndjson")
             || ngx_http_onestop_body_is(r, "application/ndjson");

    offset = onestop_store_offset(wk->store);

    if (onestop_batch_init(&wc->batch, ndjson, offset, onestop_today(offset))
        != 0)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (ngx_http_onestop_feed_body(r, wc) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = onestop_batch_finish(&wc->batch);

    if (rc == 400 || rc == 500) {
        ngx_http_finalize_request(r,
            ngx_http_onestop_error_items(r, rc, onestop_error_code(rc),
                                         wc->batch.message,
                                         wc->batch.nitems ? wc->batch.items
                                                          : NULL,
                                         wc->batch.nitems));
        return;
    }

    /* 422 goes on: the writer still checks scope, which comes first */

    wc->write.batch = &wc->batch;
    ngx_http_onestop_writer_submit(r, wc);
    ngx_http_finalize_request(r, NGX_DONE);
}


/* the body as nginx holds it, in memory or in its temporary file */

static ngx_int_t
ngx_http_onestop_feed_body(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    int           rc;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        b = cl->buf;

        /* 1: the batch refused the body, which its answer says */

        rc = b->in_file
             ? onestop_ingest_feed_file(&wc->batch, b->file->fd, b->file_pos,
                                        b->file_last)
             : onestop_batch_feed(&wc->batch, b->pos, b->last - b->pos) != 0;

        if (rc == -1) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                          "could not read the body's temporary file");
        }

        if (rc != 0) {
            return rc == 1 ? NGX_OK : NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the answer, once the writer is done */

static ngx_int_t
ngx_http_onestop_write_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    onestop_buf_t     b;
    onestop_write_t  *w;

    w = &wc->write;

    if (w->status != 200) {
        if (w->kind == ONESTOP_W_DOSSIERS && w->batch != NULL
            && w->batch->nitems > 0 && w->status != 500 && w->status != 503
            && w->status != 507)
        {
            return ngx_http_onestop_error_items(r, w->status, w->error_code,
                                                w->message, w->batch->items,
                                                w->batch->nitems);
        }

        return ngx_http_onestop_error(r, w->status,
                                      w->error_code ? w->error_code
                                                    : "internal_error",
                                      w->status == 500
                                      ? "the write failed; see the server's "
                                        "error log" : w->message);
    }

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&b, sizeof(onestop_buf_t));
    onestop_ingest_answer(&b, w);

    return ngx_http_onestop_send_buf(r, NGX_HTTP_OK,
                                     &ngx_http_onestop_json_type, &b);
}


/* client_max_body_size for chunked bodies, enforced after the key */

ngx_int_t
ngx_http_onestop_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    off_t                          size;
    ngx_chain_t                   *cl;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_write_ctx_t  *wc;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);
    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (olcf->body_max && wc != NULL) {
        size = 0;

        for (cl = in; cl != NULL; cl = cl->next) {
            size += ngx_buf_size(cl->buf);
        }

        wc->body_size += size;

        if (wc->body_size > (off_t) olcf->body_max) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "client intended to send too large body: "
                          "more than %uz bytes", olcf->body_max);
            r->lingering_close = 1;
            wc->too_large = 1;      /* the answer is made JSON below */
            return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }

    return ngx_http_onestop_next_body_filter(r, in);
}


/*
 * A chunked body found too large while it is read is answered by nginx's
 * own special response; these two filters make that answer the JSON
 * error object, as every other answer of ours is.
 */

static ngx_str_t  ngx_http_onestop_too_large = ngx_string(
    "{\"error\":{\"code\":\"payload_too_large\",\"message\":\"the "
    "request body is larger than client_max_body_size\"}}\n");


ngx_int_t
ngx_http_onestop_header_filter(ngx_http_request_t *r)
{
    ngx_http_onestop_write_ctx_t  *wc;

    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (wc != NULL && wc->ctx_kind == NGX_HTTP_ONESTOP_CTX_WRITE
        && wc->too_large
        && r->headers_out.status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE)
    {
        wc->too_large = 2;
        r->headers_out.content_type_len = ngx_http_onestop_json_type.len;
        r->headers_out.content_type = ngx_http_onestop_json_type;
        r->headers_out.content_type_lowcase = NULL;
        r->headers_out.content_length_n = ngx_http_onestop_too_large.len;

        if (r->headers_out.content_length) {
            r->headers_out.content_length->hash = 0;
            r->headers_out.content_length = NULL;
        }
    }

    return ngx_http_onestop_next_header_filter(r);
}


ngx_int_t
ngx_http_onestop_output_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t                     *b;
    ngx_chain_t                    out;
    ngx_http_onestop_write_ctx_t  *wc;

    wc = ngx_http_get_module_ctx(r, ngx_http_onestop_module);

    if (wc == NULL || wc->ctx_kind != NGX_HTTP_ONESTOP_CTX_WRITE
        || wc->too_large != 2 || in == NULL)
    {
        return ngx_http_onestop_next_output_filter(r, in);
    }

    /* nginx's page out, the error object in */

    wc->too_large = 3;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ngx_http_onestop_too_large.data;
    b->last = b->pos + ngx_http_onestop_too_large.len;
    b->memory = 1;
    b->last_buf = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_onestop_next_output_filter(r, &out);
}


/* the write API's directives: onestop_ingest_keys FILE, onestop_audit_log
 * FILE */

char *
ngx_http_onestop_ingest_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    char                 err[NGX_MAX_PATH + 256];
    ngx_str_t           *value;
    ngx_pool_cleanup_t  *cln;

    if (omcf->keys_file.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    omcf->keys_file = value[1];

    if (ngx_conf_full_name(cf->cycle, &omcf->keys_file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(onestop_api_keys_t));
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    omcf->keys = cln->data;
    ngx_memzero(omcf->keys, sizeof(onestop_api_keys_t));
    cln->handler = ngx_http_onestop_keys_free;

    if (onestop_api_keys_load(omcf->keys, (char *) omcf->keys_file.data, err,
                              sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* onestop_audit_log FILE: reopened with nginx's logs (USR1) */

char *
ngx_http_onestop_audit_log(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    ngx_str_t  *value;

    if (omcf->audit_log != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    omcf->audit_log = ngx_conf_open_file(cf->cycle, &value[1]);
    if (omcf->audit_log == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
