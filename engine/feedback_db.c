/*
 * Questions written (onestop_feedback.h): a new one, an answer, a
 * forwarding, each inside the store's one transaction with its counters
 * (feedback_stats.c), its index entries (open, published, the words of
 * a published one) and the outbox; feedback_read.c reads them.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_feedback_int.h"
#include "onestop_html.h"
#include "onestop_json.h"
#include "onestop_keys.h"
#include "onestop_stats_int.h"


int
onestop_fb_in_scope(const onestop_catalog_t *cat, const onestop_scope_t *scope,
    uint32_t agency)
{
    size_t    i;
    uint32_t  id;

    if (scope == NULL || scope->all) {
        return 1;
    }

    for (i = 0; agency != 0 && i < scope->n; i++) {
        id = onestop_catalog_agency(cat, scope->agencies[i].data,
                                    scope->agencies[i].len);

        if (id != 0 && onestop_catalog_under(cat, agency, id)) {
            return 1;
        }
    }

    return 0;
}


static void
fb_fail(onestop_write_t *w, int status, const char *code, const char *msg)
{
    w->status = status;
    w->error_code = code;
    snprintf(w->message, sizeof(w->message), "%s", msg);
}


/* the index entries of a question: open, published, its words */

typedef struct {
    MDB_txn            *txn;
    onestop_store_t    *st;
    uint64_t            id;
    int                 del;
} fb_words_ctx_t;


size_t
onestop_fb_word_key(uint8_t *key, int exact, const char *w, size_t len, uint64_t id)
{
    key[0] = exact ? ONESTOP_FBI_EXACT : ONESTOP_FBI_WORD;
    memcpy(key + 1, w, len);
    key[1 + len] = '\0';
    onestop_fb_key(~id, key + 2 + len);

    return len + 10;
}


static int
fb_word(void *data, int exact, const char *w, size_t len)
{
    int              rc;
    uint8_t          key[3 * ONESTOP_FB_WORD_MAX + 16];
    MDB_val          k, v;
    fb_words_ctx_t  *ctx = data;

    k.mv_data = key;
    k.mv_size = onestop_fb_word_key(key, exact, w, len, ctx->id);
    v.mv_data = "";
    v.mv_size = 0;

    rc = ctx->del ? mdb_del(ctx->txn, ctx->st->feedback_index, &k, NULL)
                  : mdb_put(ctx->txn, ctx->st->feedback_index, &k, &v, 0);

    return rc == MDB_NOTFOUND ? 0 : rc;
}


static int
fb_index_words(fb_words_ctx_t *ctx, const onestop_fb_item_t *it,
    const onestop_str_t *text)
{
    int                   rc;
    onestop_record_t      r;
    onestop_shown_text_t  t;

    memset(&r, 0, sizeof(r));
    r.name = it->name;
    onestop_shown_text(&t, &r, text->data, text->len, 0);

    if (t.len == 0 && text->len != 0) {
        return ENOMEM;          /* the masking found no memory */
    }

    rc = onestop_fb_words(t.data, t.len, fb_word, ctx);
    onestop_shown_text_free(&t);

    return rc;
}


static int
fb_index(onestop_store_t *st, MDB_txn *txn, const onestop_fb_item_t *it,
    int del)
{
    int             rc;
    uint8_t         key[9];
    MDB_val         k, v;
    onestop_buf_t   head;
    fb_words_ctx_t  ctx;

    k.mv_data = key;
    k.mv_size = 9;

    if (!(it->flags & ONESTOP_FBF_ANSWERED)) {
        key[0] = ONESTOP_FBI_OPEN;
        onestop_fb_key(it->id, key + 1);
        v.mv_data = (void *) &it->agency;
        v.mv_size = 4;
        rc = del ? mdb_del(txn, st->feedback_index, &k, NULL)
                 : mdb_put(txn, st->feedback_index, &k, &v, 0);

        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }
    }

    if (!(it->flags & ONESTOP_FBF_PUBLISHED)) {
        return 0;
    }

    key[0] = ONESTOP_FBI_PUBLISHED;
    onestop_fb_key(~it->id, key + 1);

    if (del) {
        rc = mdb_del(txn, st->feedback_index, &k, NULL);

    } else {
        memset(&head, 0, sizeof(head));

        if (onestop_fb_published_value(&head, it, st->offset) != 0) {
            onestop_buf_free(&head);
            return ENOMEM;
        }

        v.mv_data = head.data;
        v.mv_size = head.len;
        rc = mdb_put(txn, st->feedback_index, &k, &v, 0);
        onestop_buf_free(&head);
    }

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
    }

    ctx.txn = txn;
    ctx.st = st;
    ctx.id = it->id;
    ctx.del = del;

    /* the words as the public sees them: a word of the sender's own name,
     * shown masked, is not searchable either (the same on delete: the
     * masking depends on the question alone) */

    if ((rc = fb_index_words(&ctx, it, &it->subject)) != 0) {
        return rc;
    }

    return fb_index_words(&ctx, it, &it->answer);
}


int
onestop_fb_change(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const onestop_fb_item_t *old, const onestop_fb_item_t *it)
{
    int        rc;
    size_t     size;
    uint8_t    key[8], *buf;
    uint64_t   last;
    MDB_val    k, v;

    /* the bytes: the id, then the question as stored */

    size = onestop_fb_size(it);
    buf = malloc(8 + size);

    if (buf == NULL) {
        return ENOMEM;
    }

    memcpy(buf, &it->id, 8);
    onestop_fb_encode(it, buf + 8);

    if ((rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_FEEDBACK_SEQ,
                                   &last)) != 0
        || (it->id > last
            && (rc = onestop_meta_put(txn, st->meta,
                                      ONESTOP_META_FEEDBACK_SEQ, &it->id, 8))
               != 0))
    {
        goto done;
    }

    if (old != NULL
        && ((rc = fb_index(st, txn, old, 1)) != 0
            || (rc = onestop_fb_count(st, txn, old, -1)) != 0))
    {
        goto done;
    }

    onestop_fb_key(it->id, key);
    k.mv_data = key;
    k.mv_size = 8;
    v.mv_data = buf + 8;
    v.mv_size = size;

    if ((rc = mdb_put(txn, st->feedback, &k, &v,
                      old != NULL ? 0 : MDB_NOOVERWRITE)) != 0
        || (rc = fb_index(st, txn, it, 0)) != 0
        || (rc = onestop_fb_count(st, txn, it, 1)) != 0)
    {
        goto done;
    }

    rc = onestop_outbox_append(st, txn, c, ONESTOP_CHANGE_FEEDBACK,
                               it->agency, it->id, NULL,
                               old != NULL && old->agency != it->agency
                               ? old->agency : 0, buf, 8 + size);

done:

    free(buf);
    return rc;
}


int
onestop_fb_replay(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const uint8_t *body, size_t len)
{
    int                 rc;
    uint8_t             key[8], *copy;
    MDB_val             k, v;
    onestop_fb_item_t   it, old;

    if (len < 8 || onestop_fb_decode(body + 8, len - 8, &it) != 0) {
        return MDB_CORRUPTED;
    }

    memcpy(&it.id, body, 8);

    if (it.id == 0) {
        return MDB_CORRUPTED;
    }

    /* the question it replaces, copied out of the map, which the writes
     * below may change under it */

    onestop_fb_key(it.id, key);
    k.mv_data = key;
    k.mv_size = 8;
    rc = mdb_get(txn, st->feedback, &k, &v);

    if (rc == MDB_NOTFOUND) {
        return onestop_fb_change(st, txn, c, NULL, &it);
    }

    if (rc != 0) {
        return rc;
    }

    copy = malloc(v.mv_size);

    if (copy == NULL) {
        return ENOMEM;
    }

    memcpy(copy, v.mv_data, v.mv_size);

    if (onestop_fb_decode(copy, v.mv_size, &old) != 0) {
        free(copy);
        return MDB_CORRUPTED;
    }

    old.id = it.id;
    rc = onestop_fb_change(st, txn, c, &old, &it);
    free(copy);

    return rc;
}


int
onestop_fb_get(onestop_store_t *st, MDB_txn *txn, uint64_t id, onestop_fb_item_t *it)
{
    int       rc;
    uint8_t   key[8];
    MDB_val   k, v;

    onestop_fb_key(id, key);
    k.mv_data = key;
    k.mv_size = 8;
    rc = mdb_get(txn, st->feedback, &k, &v);

    if (rc == 0 && onestop_fb_decode(v.mv_data, v.mv_size, it) != 0) {
        return MDB_CORRUPTED;
    }

    it->id = id;
    return rc;
}


static int
fb_ask(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    onestop_chain_t *seq)
{
    int                       rc;
    uint8_t                   code_key[ONESTOP_CODE_MAX];
    uint64_t                  id;
    int64_t                   now;
    MDB_val                   k, v;
    onestop_record_t          rec;
    onestop_fb_item_t         it;
    onestop_feedback_op_t    *op;
    const onestop_catalog_t  *cat;

    op = w->feedback;
    cat = st->wcat;
    memset(&it, 0, sizeof(it));

    it.agency = op->agency.len ? onestop_catalog_agency(cat, op->agency.data,
                                                        op->agency.len) : 0;
    it.procedure = op->procedure.len
                   ? onestop_catalog_procedure(cat, op->procedure.data,
                                               op->procedure.len) : 0;

    if (op->agency.len && it.agency == 0) {
        fb_fail(w, 422, "invalid", "agency is not in the catalog");
        return 0;
    }

    if (op->procedure.len && it.procedure == 0) {
        fb_fail(w, 422, "invalid", "procedure is not in the catalog");
        return 0;
    }

    /* a dossier named: it must exist, and gives the agency in charge */

    if (op->code.len) {
        memcpy(code_key, op->code.data, op->code.len);
        k.mv_data = code_key;
        k.mv_size = op->code.len;
        rc = mdb_get(txn, st->dossiers, &k, &v);

        /* typed in lower case, as lookups forgive it (the agencies write
         * codes in upper case; one stored in lower case is found first) */

        if (rc == MDB_NOTFOUND
            && onestop_code_upper((char *) code_key, op->code.data,
                                  op->code.len))
        {
            rc = mdb_get(txn, st->dossiers, &k, &v);

            if (rc == 0) {
                memcpy((char *) op->code.data, code_key, op->code.len);
            }
        }

        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }

        if (rc == MDB_NOTFOUND
            || onestop_record_decode(v.mv_data, v.mv_size, &rec) != 0
            || rec.tombstone)
        {
            fb_fail(w, 422, "invalid", "no dossier has this code");
            return 0;
        }

        it.agency = it.agency ? it.agency : rec.agency_id;
        it.procedure = it.procedure ? it.procedure : rec.procedure_id;
    }

    if (it.procedure) {
        it.field = cat->procedures[it.procedure].field;
    }

    if ((rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_FEEDBACK_SEQ,
                                   &id)) != 0)
    {
        return rc;
    }

    id++;

    /* received as Điều 9.1 receives an online dossier; due 15 working
     * days after the day of receipt (Điều 13.3.b) */

    now = onestop_now(st->offset);
    it.id = id;
    it.kind = (uint8_t) op->kind;
    it.submitted = now;
    it.received = onestop_calendar_received(st->calendar, now, st->offset);
    it.due = onestop_calendar_add(st->calendar,
                                  onestop_sec_day(it.received, st->offset),
                                  ONESTOP_FB_DAYS);
    memcpy(it.token_hash, op->token_hash, 32);
    it.code = op->code;
    it.subject = op->subject;
    it.name = op->name;
    it.contact = op->contact;
    it.text = op->text;

    if ((rc = onestop_fb_change(st, txn, seq, NULL, &it)) != 0) {
        return rc;
    }

    op->id = id;
    op->received = it.received;
    op->due = it.due;
    w->status = 201;

    return 0;
}


int
onestop_feedback_write(onestop_store_t *st, MDB_txn *txn, onestop_write_t *w,
    onestop_chain_t *seq)
{
    int                     rc;
    uint8_t                *copy;
    uint32_t                to;
    MDB_val                 k, v;
    onestop_fb_item_t       it, old;
    onestop_feedback_op_t  *op;
    uint8_t                 key[8];

    op = w->feedback;

    if (op->op == ONESTOP_FB_ASK) {
        return fb_ask(st, txn, w, seq);
    }

    /* an agency's answer or forwarding: the question as stored, copied
     * (its strings point into the value until the first put) */

    onestop_fb_key(op->id, key);
    k.mv_data = key;
    k.mv_size = 8;
    rc = mdb_get(txn, st->feedback, &k, &v);

    if (rc == MDB_NOTFOUND || op->id == 0) {
        fb_fail(w, 404, "not_found", "no question has this id");
        return 0;
    }

    if (rc != 0) {
        return rc;
    }

    copy = malloc(v.mv_size);

    if (copy == NULL) {
        return ENOMEM;
    }

    memcpy(copy, v.mv_data, v.mv_size);

    if (onestop_fb_decode(copy, v.mv_size, &old) != 0) {
        free(copy);
        return MDB_CORRUPTED;
    }

    old.id = op->id;
    it = old;
    rc = 0;

    if (!onestop_fb_in_scope(st->wcat, w->scope, old.agency)) {
        fb_fail(w, 403, "forbidden", "the key does not cover the agency in "
                                     "charge of this question");
        goto done;
    }

    if (op->op == ONESTOP_FB_FORWARD) {
        to = onestop_catalog_agency(st->wcat, op->forward_to.data,
                                    op->forward_to.len);

        if (old.flags & ONESTOP_FBF_ANSWERED) {
            fb_fail(w, 409, "conflict", "an answered question is not "
                                        "forwarded");
            goto done;
        }

        if (to == 0 || to == old.agency) {
            fb_fail(w, 422, "invalid", to == 0 ? "forward_to is not an agency "
                                                 "of the catalog"
                                               : "the question is already "
                                                 "with this agency");
            goto done;
        }

        /* the due date stays: 13.3.b counts from the receipt, which the
         * forwarding does not repeat (docs/rules.md section 11) */

        it.from_agency = old.agency;
        it.agency = to;
        it.forwards = old.forwards < 255 ? old.forwards + 1 : 255;
        it.forwarded_at = onestop_now(st->offset);

    } else {
        if (!(old.flags & ONESTOP_FBF_ANSWERED)) {
            if (op->answer.len == 0) {
                fb_fail(w, 422, "invalid", "answer is required");
                goto done;
            }

            it.flags |= ONESTOP_FBF_ANSWERED;
            it.answered_at = onestop_now(st->offset);
        }

        if (op->answer.len) {
            it.answer = op->answer;
        }

        if (op->publish == 1) {
            it.flags |= ONESTOP_FBF_PUBLISHED;

        } else if (op->publish == 0) {
            it.flags &= ~ONESTOP_FBF_PUBLISHED;
        }
    }

    /* out with the old entries and counts, in with the new */

    if ((rc = onestop_fb_change(st, txn, seq, &old, &it)) != 0) {
        goto done;
    }

    op->received = it.received;
    op->due = it.due;
    w->status = 200;

done:

    free(copy);
    return rc;
}


