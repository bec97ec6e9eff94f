/*
 * Questions read (onestop_feedback.h): one question (by its sender's
 * token, an agency's key, or published), the published list with its
 * filters and its search, and the agencies' list.
 *
 * The published list is an index newest first ('P' ~id), so a page is a
 * range of keys; a search walks the postings of its longest word (the
 * rarest, as a rule) newest first and asks the index for the others'.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "onestop_feedback_int.h"
#include "onestop_html.h"
#include "onestop_json.h"
#include "onestop_stats_int.h"


/* a search: at most this many characters (the page's search box says
 * so with its maxlength), every word of it used */
#define FB_QUERY_MAX    200
#define FB_QUERY_WORDS  (FB_QUERY_MAX / 2 + 1)


/* reads */

typedef struct {
    int                       mode;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;
    onestop_day_t             today;
    yajl_gen                  g;
    onestop_buf_t            *json;     /* where g writes */
    onestop_buf_t            *html;
    size_t                    n;
} fb_out_t;


static void
fb_emit(fb_out_t *o, const onestop_fb_item_t *it, int view)
{
    if (o->g != NULL) {
        onestop_fb_render(o->g, it, o->cat, o->st->offset, o->today, view);
    } else {
        onestop_fb_html(o->html, it, o->cat, o->st->offset, o->today, view);
    }

    o->n++;
}


typedef struct {
    int        exact;
    size_t     len;
    char      *w;               /* in the query's arena */
} fb_qword_t;

/* every word of a query: one of FB_QUERY_MAX characters has at most
 * FB_QUERY_WORDS words, and its words' forms, folded (a byte a character)
 * and exact (4 bytes a character at most), fit in the arena */

typedef struct {
    fb_qword_t  words[FB_QUERY_WORDS];
    size_t      n;
    size_t      used;
    char        arena[5 * FB_QUERY_MAX + 8];
} fb_query_words_t;


/* a query's words: the exact form where one was typed with diacritics
 * (it then stands for its folded one) */

static int
fb_qword(void *data, int exact, const char *w, size_t len)
{
    fb_query_words_t  *q = data;

    if (exact && q->n > 0) {
        q->n--;                  /* replaces the folded form just added */
        q->used = (size_t) (q->words[q->n].w - q->arena);
    }

    if (q->n == FB_QUERY_WORDS || sizeof(q->arena) - q->used < len) {
        return -1;               /* cannot be, for a query checked */
    }

    q->words[q->n].exact = exact;
    q->words[q->n].len = len;
    q->words[q->n].w = q->arena + q->used;
    memcpy(q->words[q->n].w, w, len);
    q->used += len;
    q->n++;

    return 0;
}


typedef struct {
    uint32_t    agency;
    uint32_t    field;
    int         kind;
    size_t      limit;
    uint64_t    after;
    int         status;        /* ingest: 0 open, 1 answered, 2 all */
} fb_filter_t;


static int
fb_arg(const onestop_arg_t *a, const char *name)
{
    return a->key.len == strlen(name)
           && memcmp(a->key.data, name, a->key.len) == 0;
}


static int
fb_filters(const onestop_feedback_get_t *req, const onestop_catalog_t *cat,
    fb_filter_t *f, const onestop_str_t **q, const char **message)
{
    size_t                i, k;
    unsigned long         n;
    const onestop_str_t  *v;

    static const char  *const names[] = {
        "q", "agency", "field", "kind", "limit", "after", "status", "token",
        NULL
    };
    static char  error[96];

    memset(f, 0, sizeof(fb_filter_t));
    f->kind = -1;
    f->limit = 20;
    *q = NULL;

    if (onestop_args_once(req->args, req->nargs, names, error, sizeof(error))
        != 0)
    {
        *message = error;
        return 400;
    }

    for (i = 0; i < req->nargs; i++) {
        v = &req->args[i].value;

        if (fb_arg(&req->args[i], "q")) {

            /* shown again in the page's search box: text, and searched
             * whole, every word of it */

            if (!onestop_utf8_valid(v->data, v->len)) {
                *message = "q must be UTF-8 text";
                return 400;
            }

            if (onestop_text_over(v->data, v->len, FB_QUERY_MAX)) {
                *message = "q is at most 200 characters";
                return 400;
            }

            *q = v;

        } else if (fb_arg(&req->args[i], "agency") && v->len) {
            f->agency = onestop_catalog_agency(cat, v->data, v->len);

            if (f->agency == 0) {
                *message = "agency: no such agency in the catalog";
                return 400;
            }

        } else if (fb_arg(&req->args[i], "field") && v->len) {
            f->field = onestop_catalog_field(cat, v->data, v->len);

            if (f->field == 0) {
                *message = "field: no such field in the catalog";
                return 400;
            }

        } else if (fb_arg(&req->args[i], "kind") && v->len) {
            for (k = 0; k < ONESTOP_FB_KINDS; k++) {
                if (strlen(onestop_fb_kind_name(k)) == v->len
                    && memcmp(onestop_fb_kind_name(k), v->data, v->len) == 0)
                {
                    f->kind = (int) k;
                }
            }

            if (f->kind < 0) {
                *message = "kind must be question, complaint or suggestion";
                return 400;
            }

        } else if (fb_arg(&req->args[i], "limit")) {
            for (n = 0, k = 0; k < v->len && v->data[k] >= '0'
                               && v->data[k] <= '9' && n <= 1000; k++)
            {
                n = n * 10 + (unsigned long) (v->data[k] - '0');
            }

            if (v->len == 0 || k != v->len || n < 1
                || n > ONESTOP_FB_LIMIT_MAX)
            {
                *message = "limit must be an integer from 1 to 100";
                return 400;
            }

            f->limit = n;

        } else if (fb_arg(&req->args[i], "after") && v->len) {
            f->after = onestop_feedback_id(v->data, v->len);

            if (f->after == 0) {
                *message = "after must be a cursor from a previous answer";
                return 400;
            }

        } else if (fb_arg(&req->args[i], "status") && v->len) {
            f->status = v->len == 4 && memcmp(v->data, "open", 4) == 0 ? 0
                      : v->len == 8 && memcmp(v->data, "answered", 8) == 0
                      ? 1 : v->len == 3 && memcmp(v->data, "all", 3) == 0
                      ? 2 : -1;

            if (f->status < 0) {
                *message = "status must be open, answered or all";
                return 400;
            }
        }
    }

    return 0;
}


/* a published question in the list: in JSON, its index entry's head
 * copied and its catalog entries added (the whole item rendered only for
 * an entry written before heads were kept); on the page, rendered */

static int
fb_emit_published(fb_out_t *o, MDB_txn *txn, uint64_t id, const MDB_val *pv)
{
    uint32_t           agency, field, procedure;
    yajl_gen           g;
    onestop_fb_item_t  it;

    if (o->g == NULL || pv->mv_size <= ONESTOP_FBP_HEAD) {
        if (onestop_fb_get(o->st, txn, id, &it) != 0) {
            return -1;
        }
    }

    if (o->g == NULL) {
        fb_emit(o, &it, ONESTOP_FBV_PUBLIC);
        return 0;
    }

    /* the items are written here, not through g: its array stays empty to
     * it, and it closes it after them */

    if (o->n > 0) {
        onestop_buf_add(o->json, ",", 1);
    }

    if (pv->mv_size > ONESTOP_FBP_HEAD) {
        memcpy(&agency, pv->mv_data, 4);
        memcpy(&field, (uint8_t *) pv->mv_data + 4, 4);
        memcpy(&procedure, (uint8_t *) pv->mv_data + 9, 4);
        onestop_buf_add(o->json, (uint8_t *) pv->mv_data + ONESTOP_FBP_HEAD,
                        pv->mv_size - ONESTOP_FBP_HEAD);
        onestop_fb_public_tail(o->json, o->cat, agency, field, procedure);

    } else {
        g = onestop_report_gen(o->json);

        if (g == NULL) {
            return -1;
        }

        onestop_fb_render(g, &it, o->cat, o->st->offset, o->today,
                          ONESTOP_FBV_PUBLIC);
        yajl_gen_free(g);
    }

    o->n++;

    return 0;
}


/* the published list, newest first, optionally searched */

static int
fb_published(fb_out_t *o, const fb_filter_t *f, const onestop_str_t *q,
    uint64_t *next)
{
    int                rc, op;
    size_t             i, plen, d;
    uint8_t            key[3 * ONESTOP_FB_WORD_MAX + 16], pkey[9];
    uint64_t           id, last;
    MDB_val            k, v, pv;
    MDB_cursor        *c;
    fb_query_words_t   qw;
    MDB_txn           *txn;

    txn = o->st->rtxn;
    qw.n = 0;
    qw.used = 0;

    if (q != NULL && q->len
        && onestop_fb_words(q->data, q->len, fb_qword, &qw) != 0)
    {
        return -1;
    }

    /* the driver: the longest word's postings, or the list itself */

    d = 0;

    for (i = 1; i < qw.n; i++) {
        if (qw.words[i].len > qw.words[d].len) {
            d = i;
        }
    }

    if (qw.n > 0) {
        key[0] = qw.words[d].exact ? ONESTOP_FBI_EXACT : ONESTOP_FBI_WORD;
        memcpy(key + 1, qw.words[d].w, qw.words[d].len);
        key[1 + qw.words[d].len] = '\0';
        plen = qw.words[d].len + 2;

    } else {
        key[0] = ONESTOP_FBI_PUBLISHED;
        plen = 1;
    }

    onestop_fb_key(~f->after, key + plen);

    if (mdb_cursor_open(txn, o->st->feedback_index, &c) != 0) {
        return -1;
    }

    k.mv_data = key;
    k.mv_size = f->after ? plen + 8 : plen;
    op = MDB_SET_RANGE;
    *next = 0;
    last = 0;

    for ( ;; ) {
        rc = mdb_cursor_get(c, &k, &v, op);
        op = MDB_NEXT;

        if (rc != 0 || k.mv_size != plen + 8
            || memcmp(k.mv_data, key, plen) != 0)
        {
            break;
        }

        id = 0;

        for (i = 0; i < 8; i++) {
            id = id << 8 | ((uint8_t *) k.mv_data)[plen + i];
        }

        id = ~id;

        if (id == f->after && f->after) {
            continue;
        }

        /* every other word, then the filters */

        for (i = 0; i < qw.n; i++) {
            uint8_t  wk[3 * ONESTOP_FB_WORD_MAX + 16];
            MDB_val  x, y;

            if (i == d) {
                continue;
            }

            x.mv_data = wk;
            x.mv_size = onestop_fb_word_key(wk, qw.words[i].exact, qw.words[i].w,
                                 qw.words[i].len, id);

            if (mdb_get(txn, o->st->feedback_index, &x, &y) != 0) {
                break;
            }
        }

        if (i < qw.n) {
            continue;
        }

        pkey[0] = ONESTOP_FBI_PUBLISHED;
        onestop_fb_key(~id, pkey + 1);
        k.mv_data = pkey;
        k.mv_size = 9;

        if (qw.n > 0) {
            if (mdb_get(txn, o->st->feedback_index, &k, &pv) != 0) {
                continue;
            }
        } else {
            pv = v;
        }

        if (pv.mv_size < ONESTOP_FBP_SHORT
            || (f->agency && memcmp(pv.mv_data, &f->agency, 4) != 0)
            || (f->field && memcmp((uint8_t *) pv.mv_data + 4, &f->field, 4)
                            != 0)
            || (f->kind >= 0 && ((uint8_t *) pv.mv_data)[8] != f->kind))
        {
            continue;
        }

        if (o->n == f->limit) {
            *next = last;       /* one more: there is a next page */
            break;
        }

        if (fb_emit_published(o, txn, id, &pv) != 0) {
            mdb_cursor_close(c);
            return -1;
        }

        last = id;
    }

    mdb_cursor_close(c);

    return 0;
}


/* the agencies' list: open ones oldest first, or every one newest first */

static int
fb_agency_list(fb_out_t *o, const fb_filter_t *f,
    const onestop_scope_t *scope, uint64_t *next)
{
    int                rc, op, step;
    size_t             i;
    uint8_t            key[9];
    uint32_t           agency;
    uint64_t           id, last;
    MDB_val            k, v;
    MDB_cursor        *c;
    onestop_fb_item_t  it;

    *next = 0;
    last = 0;

    if (mdb_cursor_open(o->st->rtxn, f->status == 0 ? o->st->feedback_index
                                                    : o->st->feedback, &c)
        != 0)
    {
        return -1;
    }

    if (f->status == 0) {
        key[0] = ONESTOP_FBI_OPEN;
        onestop_fb_key(f->after + 1, key + 1);
        k.mv_data = key;
        k.mv_size = 9;
        op = MDB_SET_RANGE;
        step = MDB_NEXT;

    } else {
        op = MDB_LAST;
        step = MDB_PREV;

        if (f->after) {
            onestop_fb_key(f->after, key);
            k.mv_data = key;
            k.mv_size = 8;
            op = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) == 0 ? MDB_PREV
                                                               : MDB_LAST;
        }
    }

    for ( ;; ) {
        rc = mdb_cursor_get(c, &k, &v, op);
        op = step;

        if (rc != 0) {
            break;
        }

        if (f->status == 0) {
            if (k.mv_size != 9 || ((uint8_t *) k.mv_data)[0]
                                  != ONESTOP_FBI_OPEN)
            {
                break;
            }

            memcpy(&agency, v.mv_data, 4);

            if (!onestop_fb_in_scope(o->cat, scope, agency)) {
                continue;
            }
        }

        for (id = 0, i = 0; i < 8; i++) {
            id = id << 8 | ((uint8_t *) k.mv_data)[k.mv_size - 8 + i];
        }

        if (onestop_fb_get(o->st, o->st->rtxn, id, &it) != 0) {
            mdb_cursor_close(c);
            return -1;
        }

        if (!onestop_fb_in_scope(o->cat, scope, it.agency)
            || (f->status == 1 && !(it.flags & ONESTOP_FBF_ANSWERED))
            || (f->kind >= 0 && it.kind != f->kind)
            || (f->agency && it.agency != f->agency))
        {
            continue;
        }

        if (o->n == f->limit) {
            *next = last;
            break;
        }

        fb_emit(o, &it, ONESTOP_FBV_AGENCY);
        last = id;
    }

    mdb_cursor_close(c);
    return 0;
}


/* "&amp;name=value" of the page's link, the value percent-encoded */

static void
fb_link_arg(onestop_buf_t *b, const char *name, const onestop_str_t *v)
{
    size_t         k;
    unsigned char  ch;

    onestop_buf_printf(b, "&amp;%s=", name);

    for (k = 0; k < v->len; k++) {
        ch = (unsigned char) v->data[k];

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
            || (ch >= '0' && ch <= '9'))
        {
            onestop_buf_add(b, &ch, 1);
        } else {
            onestop_buf_printf(b, "%%%02X", ch);
        }
    }
}


/* the page's list: the template filled */

static void
fb_page(const onestop_feedback_get_t *req, const onestop_str_t *q,
    const fb_filter_t *f, const onestop_buf_t *items, uint64_t next,
    onestop_buf_t *out)
{
    int                  i;
    size_t               k;
    onestop_buf_t        kinds, more, qs, ask;
    onestop_html_var_t   vars[6];

    static const char  *names[] = { "Hỏi đáp", "Phản ánh", "Kiến nghị" };

    memset(&kinds, 0, sizeof(kinds));
    memset(&more, 0, sizeof(more));
    memset(&qs, 0, sizeof(qs));
    memset(&ask, 0, sizeof(ask));

    onestop_feedback_ask(&ask, req->ask_tpl, req->ask_tpl_len, NULL, NULL,
                         req->action, req->action_len);

    onestop_buf_printf(&kinds, "<option value=\"\"%s>Tất cả</option>",
                       f->kind < 0 ? " selected" : "");

    for (i = 0; i < ONESTOP_FB_KINDS; i++) {
        onestop_buf_printf(&kinds, "<option value=\"%s\"%s>%s</option>",
                           onestop_fb_kind_name(i),
                           f->kind == i ? " selected" : "", names[i]);
    }

    if (items->len == 0) {
        onestop_buf_adds(&more, "<p class=\"empty\">Chưa có câu hỏi nào "
                                "phù hợp.</p>");
    }

    if (next) {
        onestop_buf_adds(&more, "<p class=\"more\"><a href=\"");
        onestop_html_escape(&more, req->action, req->action_len);
        onestop_buf_printf(&more, "?after=%llu", (unsigned long long) next);

        if (f->kind >= 0) {
            onestop_buf_printf(&more, "&amp;kind=%s",
                               onestop_fb_kind_name(f->kind));
        }

        if (q != NULL && q->len) {
            fb_link_arg(&more, "q", q);
        }

        /* the page's other filters and size too: without them the next
         * page would list every agency's questions after this one's */

        for (k = 0; k < req->nargs; k++) {
            if (req->args[k].value.len
                && (fb_arg(&req->args[k], "agency")
                    || fb_arg(&req->args[k], "field")
                    || fb_arg(&req->args[k], "limit")))
            {
                fb_link_arg(&more, fb_arg(&req->args[k], "agency") ? "agency"
                                   : fb_arg(&req->args[k], "field") ? "field"
                                   : "limit",
                            &req->args[k].value);
            }
        }

        onestop_buf_adds(&more, "\">Xem thêm câu hỏi</a></p>");
    }

    vars[0] = (onestop_html_var_t) { "action", req->action, req->action_len,
                                     0 };
    vars[1] = (onestop_html_var_t) { "q", q ? q->data : "", q ? q->len : 0,
                                     0 };
    vars[2] = (onestop_html_var_t) { "kinds", kinds.data, kinds.len, 1 };
    vars[3] = (onestop_html_var_t) { "items", items->data, items->len, 1 };
    vars[4] = (onestop_html_var_t) { "more", more.data, more.len, 1 };

    vars[5] = (onestop_html_var_t) { "ask", ask.data, ask.len, 1 };

    onestop_html_fill(out, req->tpl, req->tpl_len, vars, 6);

    if (kinds.failed || more.failed || items->failed || ask.failed) {
        out->failed = 1;
    }

    onestop_buf_free(&kinds);
    onestop_buf_free(&more);
    onestop_buf_free(&ask);
    onestop_buf_free(&qs);
}


static int
fb_one(fb_out_t *o, const onestop_feedback_get_t *req, const char **message)
{
    int                   rc, view;
    uint8_t               hash[32];
    onestop_fb_item_t     it;
    const onestop_arg_t  *token;

    *message = "no question has this id, or the token is not its own";
    rc = req->id ? onestop_fb_get(o->st, o->st->rtxn, req->id, &it)
                 : MDB_NOTFOUND;

    if (rc == MDB_NOTFOUND) {
        return 404;
    }

    /* a question that cannot be read is not one that does not exist: its
     * sender is not told so, and the log says why */

    if (rc != 0) {
        o->st->error = rc == MDB_CORRUPTED
                       ? "a stored question does not decode: the store is "
                         "damaged (restore it from a backup)"
                       : mdb_strerror(rc);
        *message = "the question could not be read";
        return 500;
    }

    token = onestop_args_find(req->args, req->nargs, "token");

    if (req->mode == ONESTOP_FB_INGEST) {
        if (!onestop_fb_in_scope(o->cat, req->scope, it.agency)) {
            return 404;
        }

        view = ONESTOP_FBV_AGENCY;

    } else if (token != NULL && token->value.len) {
        SHA256((const unsigned char *) token->value.data, token->value.len,
               hash);

        if (CRYPTO_memcmp(hash, it.token_hash, 32) != 0) {
            return 404;
        }

        view = ONESTOP_FBV_SENDER;

    } else if (it.flags & ONESTOP_FBF_PUBLISHED) {
        view = ONESTOP_FBV_PUBLIC;

    } else {
        return 404;
    }

    if (o->html != NULL) {
        onestop_buf_adds(o->html, "<h1>Theo dõi câu hỏi</h1>"
                                  "<h2>Câu hỏi "
                                  "và trả lời</h2>");
    }

    fb_emit(o, &it, view);

    if (o->html != NULL) {
        onestop_buf_adds(o->html, "<p><a href=\"");
        onestop_feedback_href(o->html, req->action, req->action_len);
        onestop_buf_adds(o->html, "\">Các câu hỏi đã được trả lời</a></p>");
    }

    return 200;
}


int
onestop_feedback_read(onestop_store_t *st, const onestop_feedback_get_t *req,
    onestop_buf_t *out, const char **message)
{
    int                   rc;
    char                  idbuf[24];
    uint64_t              next = 0;
    fb_out_t              o;
    fb_filter_t           f;
    onestop_buf_t         items;
    const onestop_str_t  *q;

    memset(&o, 0, sizeof(o));
    memset(&items, 0, sizeof(items));
    o.mode = req->mode;
    o.st = st;
    o.today = req->today;
    o.cat = onestop_store_catalog(st);

    if (o.cat == NULL || !st->has_feedback) {
        if (o.cat != NULL) {
            st->error = "the store has no questions' databases (open it "
                        "read-write once)";
        }

        *message = "the store could not be read";
        return 500;
    }

    rc = fb_filters(req, o.cat, &f, &q, message);

    if (rc != 0) {
        return rc;
    }

    if (req->mode == ONESTOP_FB_HTML) {
        o.html = req->has_id ? out : &items;

    } else {
        o.g = onestop_report_gen(out);
        o.json = out;

        if (o.g == NULL) {
            st->error = "out of memory";
            return 500;
        }
    }

    if (req->has_id) {
        rc = fb_one(&o, req, message);

    } else {
        if (o.g != NULL) {
            yajl_gen_map_open(o.g);
            onestop_gen_cstr(o.g, "items");
            yajl_gen_array_open(o.g);
        }

        rc = req->mode == ONESTOP_FB_INGEST
             ? fb_agency_list(&o, &f, req->scope, &next)
             : fb_published(&o, &f, q, &next);
        rc = rc == 0 ? 200 : 500;

        if (rc == 500) {
            st->error = "the questions' index could not be read (an LMDB "
                        "error, or memory ran out)";
        }

        if (o.g != NULL) {
            yajl_gen_array_close(o.g);
            onestop_gen_cstr(o.g, "next");

            if (next) {
                onestop_gen_str(o.g, idbuf,
                                (size_t) snprintf(idbuf, sizeof(idbuf),
                                                  "%llu",
                                                  (unsigned long long) next));
            } else {
                yajl_gen_null(o.g);
            }

            yajl_gen_map_close(o.g);

        } else if (rc == 200) {
            fb_page(req, q, &f, &items, next, out);
        }
    }

    if (o.g != NULL) {
        yajl_gen_free(o.g);
    }

    onestop_buf_free(&items);

    if (rc == 500) {
        *message = "the store could not be read";
    }

    return rc;
}
