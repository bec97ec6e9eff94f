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


static void ngx_http_onestop_ingest_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_onestop_write_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);
static ngx_int_t ngx_http_onestop_feed_body(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);


/* keys */

char *
ngx_http_onestop_load_keys(ngx_conf_t *cf, ngx_str_t *file,
    ngx_array_t **keys)
{
    FILE                   *f;
    char                    line[4096], *p, *tok, *save, *hex, *scope, *name;
    size_t                  i, n;
    ngx_uint_t              lineno;
    ngx_str_t               copy;
    onestop_str_t          *agency;
    ngx_http_onestop_key_t *key;

    *keys = ngx_array_create(cf->pool, 8, sizeof(ngx_http_onestop_key_t));
    if (*keys == NULL) {
        return NGX_CONF_ERROR;
    }

    f = fopen((char *) file->data, "r");
    if (f == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "could not open keys file \"%V\"", file);
        return NGX_CONF_ERROR;
    }

    lineno = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;

        p = line;
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') {
            continue;
        }

        hex = strtok_r(p, " \t\r\n", &save);
        scope = strtok_r(NULL, " \t\r\n", &save);
        name = strtok_r(NULL, "\r\n", &save);

        if (hex == NULL || scope == NULL || ngx_strlen(hex) != 64) {
            goto invalid;
        }

        key = ngx_array_push(*keys);
        if (key == NULL) {
            fclose(f);
            return NGX_CONF_ERROR;
        }

        ngx_memzero(key, sizeof(ngx_http_onestop_key_t));

        for (i = 0; i < 32; i++) {
            ngx_int_t  hi, lo;

            hi = ngx_hextoi((u_char *) hex + 2 * i, 1);
            lo = ngx_hextoi((u_char *) hex + 2 * i + 1, 1);

            if (hi == NGX_ERROR || lo == NGX_ERROR) {
                goto invalid;
            }

            key->hash[i] = (u_char) (hi * 16 + lo);
        }

        if (name != NULL) {
            while (*name == ' ' || *name == '\t') {
                name++;
            }

            key->name.len = ngx_strlen(name);
            key->name.data = (u_char *) name;
            key->name.data = ngx_pstrdup(cf->pool, &key->name);
        }

        if (ngx_strcmp(scope, "*") == 0) {
            key->scope.all = 1;
            continue;
        }

        n = 1;
        for (p = scope; *p; p++) {
            n += (*p == ',');
        }

        agency = ngx_pcalloc(cf->pool, n * sizeof(onestop_str_t));
        if (agency == NULL) {
            fclose(f);
            return NGX_CONF_ERROR;
        }

        n = 0;

        for (tok = strtok_r(scope, ",", &save); tok != NULL;
             tok = strtok_r(NULL, ",", &save))
        {
            if (!onestop_code_valid(tok, ngx_strlen(tok))) {
                goto invalid;
            }

            copy.len = ngx_strlen(tok);
            copy.data = (u_char *) tok;
            agency[n].data = (char *) ngx_pstrdup(cf->pool, &copy);
            agency[n].len = copy.len;

            if (agency[n].data == NULL) {
                fclose(f);
                return NGX_CONF_ERROR;
            }

            n++;
        }

        if (n == 0) {
            goto invalid;
        }

        key->scope.agencies = agency;
        key->scope.n = n;
    }

    fclose(f);
    return NGX_CONF_OK;

invalid:

    fclose(f);
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid line %ui in keys file \"%V\": expected "
                       "\"SHA256-HEX-OF-KEY SCOPE [NAME]\" with SCOPE \"*\" "
                       "or comma-separated agency ids", lineno, file);
    return NGX_CONF_ERROR;
}


/* the handler */

ngx_int_t
ngx_http_onestop_ingest_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      path;
    ngx_http_onestop_key_t        *key;
    ngx_http_onestop_loc_conf_t   *olcf;
    ngx_http_onestop_write_ctx_t  *wc;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_onestop_module);

    key = ngx_http_onestop_authenticate(r);

    if (key == NULL) {
        if (ngx_http_onestop_add_header(r, "WWW-Authenticate",
                                        (u_char *) "Bearer", 6)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_onestop_error(r, NGX_HTTP_UNAUTHORIZED,
                                      "unauthorized",
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

    wc->ctx_kind = NGX_HTTP_ONESTOP_CTX_WRITE;
    wc->answer = ngx_http_onestop_write_answer;
    wc->write.scope = &key->scope;
    wc->write.key.data = (char *) key->name.data;
    wc->write.key.len = key->name.len;

    if (path.len == 8 && ngx_strncmp(path.data, "dossiers", 8) == 0) {
        if (r->method != NGX_HTTP_POST) {
            goto not_allowed_post;
        }

        wc->write.kind = ONESTOP_W_DOSSIERS;

    } else if (path.len > 9 && ngx_strncmp(path.data, "dossiers/", 9) == 0) {
        if (r->method != NGX_HTTP_DELETE) {
            ngx_http_onestop_add_header(r, "Allow", (u_char *) "DELETE", 6);
            return ngx_http_onestop_error(r, NGX_HTTP_NOT_ALLOWED,
                                          "method_not_allowed",
                                          "a dossier is deleted with DELETE");
        }

        path.data += 9;
        path.len -= 9;

        if (!onestop_code_valid((char *) path.data, path.len)) {
            return ngx_http_onestop_error(r, NGX_HTTP_BAD_REQUEST,
                                          "bad_request", "not a dossier code");
        }

        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        wc->write.kind = ONESTOP_W_DELETE;
        wc->write.code.data = (char *) path.data;
        wc->write.code.len = path.len;

        ngx_http_onestop_writer_submit(r, wc);
        return NGX_DONE;

    } else if (path.len == 7 && ngx_strncmp(path.data, "catalog", 7) == 0) {
        if (r->method != NGX_HTTP_POST) {
            goto not_allowed_post;
        }

        if (!key->scope.all) {
            return ngx_http_onestop_error(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                          "only an administrator's key may "
                                          "write the catalog");
        }

        wc->write.kind = ONESTOP_W_CATALOG;

    } else {
        return ngx_http_onestop_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "no such resource: dossiers, "
                                      "dossiers/CODE or catalog");
    }

    /* the body limit, checked after the key (SPEC: 401 before 413) */

    if (olcf->body_max
        && r->headers_in.content_length_n > (off_t) olcf->body_max)
    {
        return ngx_http_onestop_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                      "payload_too_large",
                                      "the request body is larger than "
                                      "client_max_body_size");
    }

    ngx_http_set_ctx(r, wc, ngx_http_onestop_module);

    rc = ngx_http_read_client_request_body(r, ngx_http_onestop_ingest_body);

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

not_allowed_post:

    ngx_http_onestop_add_header(r, "Allow", (u_char *) "POST", 4);
    return ngx_http_onestop_error(r, NGX_HTTP_NOT_ALLOWED,
                                  "method_not_allowed", "use POST here");
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

    offset = onestop_store_offset(wk->store);

    if (wc->write.kind == ONESTOP_W_CATALOG) {
        if (ngx_http_onestop_body_copy(r, 0, &data, &len) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        rc = onestop_catalog_doc_parse(&wc->doc, (char *) data, len);

        if (rc != 0) {
            ngx_http_finalize_request(r,
                ngx_http_onestop_error(r, rc,
                                       rc == 400 ? "bad_request"
                                       : rc == 422 ? "invalid"
                                       : "internal_error",
                                       wc->doc.message));
            return;
        }

        wc->write.doc = &wc->doc;
        ngx_http_onestop_writer_submit(r, wc);
        ngx_http_finalize_request(r, NGX_DONE);
        return;
    }

    ndjson = r->headers_in.content_type != NULL
             && r->headers_in.content_type->value.len >= 20
             && ngx_strncasecmp(r->headers_in.content_type->value.data,
                                (u_char *) "application/x-ndjson", 20) == 0;

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
            ngx_http_onestop_error_items(r, rc,
                                         rc == 400 ? "bad_request"
                                                   : "internal_error",
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


static ngx_int_t
ngx_http_onestop_feed_body(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    u_char        buf[16384];
    off_t         pos;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            if (onestop_batch_feed(&wc->batch, b->pos, b->last - b->pos)
                != 0)
            {
                return NGX_OK;
            }

            continue;
        }

        for (pos = b->file_pos; pos < b->file_last; pos += n) {
            n = ngx_read_file(b->file, buf,
                              ngx_min((off_t) sizeof(buf),
                                      b->file_last - pos), pos);

            if (n <= 0) {
                return NGX_ERROR;
            }

            if (onestop_batch_feed(&wc->batch, buf, (size_t) n) != 0) {
                return NGX_OK;
            }
        }
    }

    return NGX_OK;
}


/* the answer, once the writer is done */

static ngx_int_t
ngx_http_onestop_write_answer(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc)
{
    u_char           *p;
    size_t            len;
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

    len = sizeof("{\"accepted\": , \"unchanged\": , \"stale\": }\n")
          + 3 * NGX_SIZE_T_LEN + 32;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (w->kind) {

    case ONESTOP_W_DELETE:
        len = ngx_sprintf(p, "{\"deleted\": 1}\n") - p;
        break;

    case ONESTOP_W_CATALOG:
        len = ngx_sprintf(p, "{\"agencies\": %uz, \"fields\": %uz, "
                          "\"procedures\": %uz}\n", w->agencies, w->fields,
                          w->procedures) - p;
        break;

    default:
        len = ngx_sprintf(p, "{\"accepted\": %uz, \"unchanged\": %uz, "
                          "\"stale\": %uz}\n", w->accepted, w->unchanged,
                          w->stale) - p;
    }

    if (ngx_http_onestop_add_header(r, "Cache-Control",
                                    (u_char *) "no-store", 8)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_onestop_send(r, NGX_HTTP_OK, &ngx_http_onestop_json_type,
                                 p, len);
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
