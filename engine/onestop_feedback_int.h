/*
 * The questions' inside, shared by feedback.c (requests, the record's
 * form, folding, rendering), feedback_db.c (the write and the reads) and
 * feedback_stats.c (counters, statistics, verify); nothing else includes
 * this.
 */

#ifndef ONESTOP_FEEDBACK_INT_H
#define ONESTOP_FEEDBACK_INT_H

#include <lmdb.h>
#include <yajl/yajl_gen.h>

#include "onestop_feedback.h"
#include "onestop_store_int.h"

/* flags of a question */
#define ONESTOP_FBF_ANSWERED   0x01
#define ONESTOP_FBF_PUBLISHED  0x02

#define ONESTOP_FB_FORMAT      1
#define ONESTOP_FB_HEAD        88     /* the fixed part of a record */
#define ONESTOP_FB_WORD_MAX    40     /* a search word, folded, bytes */

typedef struct {
    uint64_t        id;
    uint8_t         kind;
    uint8_t         flags;
    uint8_t         forwards;
    uint32_t        agency;           /* 0: not yet assigned */
    uint32_t        procedure;
    uint32_t        field;
    uint32_t        from_agency;      /* the last it was forwarded from */
    int64_t         submitted;
    int64_t         received;
    int64_t         answered_at;
    int64_t         forwarded_at;
    onestop_day_t   due;
    uint8_t         token_hash[32];
    onestop_str_t   code;
    onestop_str_t   subject;
    onestop_str_t   name;
    onestop_str_t   contact;
    onestop_str_t   text;
    onestop_str_t   answer;
} onestop_fb_item_t;

/* who sees a question: the public (published, name masked), its sender
 * (its token), the agencies (contact and dossier code too) */
enum { ONESTOP_FBV_PUBLIC = 0, ONESTOP_FBV_SENDER, ONESTOP_FBV_AGENCY };

/* feedback.c: the record's form */
size_t onestop_fb_size(const onestop_fb_item_t *it);
void onestop_fb_encode(const onestop_fb_item_t *it, uint8_t *buf);
int onestop_fb_decode(const uint8_t *buf, size_t len, onestop_fb_item_t *it);
void onestop_fb_key(uint64_t id, uint8_t *key);

const char *onestop_fb_kind_name(unsigned kind);
/* "in_time", "late", "not_due", "overdue" */
const char *onestop_fb_timeliness(const onestop_fb_item_t *it,
    int32_t offset, onestop_day_t today);

/* the words of a text, folded, each once: calls fn for each; the
 * exact (lower-cased, with diacritics) form too when it differs */
typedef int (*onestop_fb_word_pt)(void *ctx, int exact, const char *w,
    size_t len);
int onestop_fb_words(const char *s, size_t len, onestop_fb_word_pt fn,
    void *ctx);

/* rendering */
void onestop_fb_render(yajl_gen g, const onestop_fb_item_t *it,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int view);
void onestop_fb_html(onestop_buf_t *b, const onestop_fb_item_t *it,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int view);

/* a published (answered) question's public JSON in two pieces: the head,
 * rendered once when it is published and kept in its index entry, and
 * the tail, its catalog entries as the catalog names them now, with the
 * closing brace; together the bytes onestop_fb_render writes for it */
int onestop_fb_public_head(onestop_buf_t *b, const onestop_fb_item_t *it,
    int32_t offset);
void onestop_fb_public_tail(onestop_buf_t *b, const onestop_catalog_t *cat,
    uint32_t agency, uint32_t field, uint32_t procedure);

/* the published index entry's value of a question, as written and as
 * verify expects it (layout below); 0, or -1 when memory ran out */
int onestop_fb_published_value(onestop_buf_t *b, const onestop_fb_item_t *it,
    int32_t offset);

/* the published index entry's value: agency, field (4 bytes each, host
 * order), kind (1), then, from version 2 of the entry, procedure (4) and
 * the public head; a 9-byte entry (written before) has no head */
#define ONESTOP_FBP_SHORT   9
#define ONESTOP_FBP_HEAD    13

/* feedback_db.c: whether a key's scope covers an agency; a search
 * word's index key (its length); a question by id (an LMDB error code) */
int onestop_fb_in_scope(const onestop_catalog_t *cat,
    const onestop_scope_t *scope, uint32_t agency);
size_t onestop_fb_word_key(uint8_t *key, int exact, const char *w,
    size_t len, uint64_t id);
int onestop_fb_get(onestop_store_t *st, MDB_txn *txn, uint64_t id,
    onestop_fb_item_t *it);

/*
 * feedback_db.c: a question stored as new (old NULL) or in place of old,
 * with its index entries, its counters, the highest id in meta, and the
 * outbox entry whose bytes are the id (8 bytes) and the stored question,
 * so that a follower stores it through this same function
 * (onestop_fb_replay).  An LMDB error code.
 */
int onestop_fb_change(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const onestop_fb_item_t *old, const onestop_fb_item_t *it);
/* feedback_db.c: a follower's: the outbox bytes of onestop_fb_change
 * stored again; MDB_CORRUPTED when they do not decode */
int onestop_fb_replay(onestop_store_t *st, MDB_txn *txn, onestop_chain_t *c,
    const uint8_t *body, size_t len);

/* feedback_stats.c: adds (sign 1) or takes back (-1) a question's
 * counters; an LMDB error code */
int onestop_fb_count(onestop_store_t *st, MDB_txn *txn,
    const onestop_fb_item_t *it, int sign);

#endif /* ONESTOP_FEEDBACK_INT_H */
