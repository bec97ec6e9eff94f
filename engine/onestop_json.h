/*
 * JSON at the edges, with yajl: streaming parse of dossier batches (one
 * record, an array of records, or NDJSON), parse of catalog documents,
 * and rendering of the public answers.
 *
 * A batch is parsed as its bytes arrive, whatever their chunking, so a
 * request body is never copied whole; every string of its records lives
 * in the batch's arena until onestop_batch_free().
 */

#ifndef ONESTOP_JSON_H
#define ONESTOP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "onestop_catalog.h"
#include "onestop_record.h"
#include "onestop_util.h"

#define ONESTOP_ITEMS_MAX  1000         /* item errors kept per batch */

typedef struct {
    size_t        index;
    const char   *code;                 /* "invalid", "forbidden", ... */
    const char   *message;              /* static or in the arena */
} onestop_item_err_t;

typedef struct onestop_batch_parser_s  onestop_batch_parser_t;

typedef struct {
    onestop_record_t        *recs;
    size_t                  *pos;       /* index of each record */
    uint8_t                 *bad;       /* 1: the record broke a rule */
    size_t                   nrecs;
    size_t                   cap;
    onestop_arena_t          arena;

    int32_t                  offset;
    onestop_day_t            today;
    size_t                   line_base; /* the first line's number in
                                           messages: 0 (as the API's
                                           items) or 1 (the CLI) */

    int                      error;     /* 0, 400 (syntax) or 422 (items) */
    char                     message[256];
    onestop_item_err_t      *items;
    size_t                   nitems;    /* kept, at most ONESTOP_ITEMS_MAX */
    size_t                   nfailed;   /* all of them */

    onestop_batch_parser_t  *parser;
} onestop_batch_t;

/* Prepares an empty batch; `ndjson` selects one record a line.  0 or -1. */
int onestop_batch_init(onestop_batch_t *b, int ndjson, int32_t offset,
    onestop_day_t today);

/* Feeds bytes.  Returns 0, or -1 once the body is not acceptable (then
 * b->error is 400 and b->message says why; later calls do nothing). */
int onestop_batch_feed(onestop_batch_t *b, const void *data, size_t len);

/* Ends the body and checks every record's rules.  Returns b->error: 0,
 * 400, or 422 with b->items (the bad records marked in b->bad: a write
 * of the batch still checks the others' scope, since 403 comes first). */
int onestop_batch_finish(onestop_batch_t *b);

/* Records a failed record: status 422-like items (`code` static). */
void onestop_batch_fail(onestop_batch_t *b, size_t index, const char *code,
    const char *message);

void onestop_batch_free(onestop_batch_t *b);

/* Orders b->items by index (faults found in the parse and in the store
 * come in one list). */
void onestop_batch_sort_items(onestop_batch_t *b);

/* A catalog document (SPEC section 3). */
typedef struct {
    onestop_str_t   id;
    onestop_str_t   name;
    onestop_str_t   parent;             /* empty: none */
    int             level;
} onestop_cat_agency_in_t;

typedef struct {
    onestop_str_t   id;
    onestop_str_t   name;
    onestop_str_t   field;
} onestop_cat_entry_in_t;

typedef struct {
    onestop_cat_agency_in_t  *agencies;
    size_t                    nagencies;
    onestop_cat_entry_in_t   *fields;
    size_t                    nfields;
    onestop_cat_entry_in_t   *procedures;
    size_t                    nprocedures;
    onestop_arena_t           arena;
    char                      message[256];
} onestop_catalog_doc_t;

/* Parses a catalog document.  Returns 0, 400 (not JSON, not an object) or
 * 422 (an entry breaks a rule), with doc->message. */
int onestop_catalog_doc_parse(onestop_catalog_doc_t *doc, const char *text,
    size_t len);
void onestop_catalog_doc_free(onestop_catalog_doc_t *doc);

/* A member yajl's tree object o holds twice (JSON libraries differ on
 * which one they take; yajl's tree the first), or NULL: of names (a NULL-
 * terminated list, the members the reader reads), or of any name, names
 * NULL. */
const char *onestop_json_twice(yajl_val o, const char *const *names);

/* Adds a JSON string (escaped by yajl) to a generator. */
void onestop_gen_str(yajl_gen g, const char *s, size_t len);
void onestop_gen_cstr(yajl_gen g, const char *s);
/* The same bytes as onestop_gen_ref writes as a member after another,
 * straight into a buffer: ,"member":{...} or ,"member":null (strings:
 * onestop_json_str, onestop_util.h) */
void onestop_json_ref(onestop_buf_t *b, const char *member,
    const onestop_str_t *ref);
/* "YYYY-MM-DD", quoted */
void onestop_json_day(onestop_buf_t *b, onestop_day_t day);
/* v as yajl_gen_integer writes it */
void onestop_json_int(onestop_buf_t *b, int64_t v);
/* "member": {"id": ..., "name": ...}, or "member": null when id is NULL */
void onestop_gen_ref(yajl_gen g, const char *member, const onestop_str_t *id,
    const onestop_str_t *name);

/*
 * The public lookup object of SPEC section 4, appended to b.  `unmasked`
 * shows the applicant's name whole (a signed QR link); contacts are never
 * shown.
 */
void onestop_lookup_render(onestop_buf_t *b, const onestop_record_t *r,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int unmasked);

/* {"error": {"code": ..., "message": ..., "items": [...]}} */
/* a record's due date changes (issue 18) as a JSON array: from, to,
 * changed_date, after_due, due_change and, with_key, the key's name (by);
 * the public lookup leaves the key out */
void onestop_due_changes_render(onestop_buf_t *b, const onestop_record_t *r,
    int32_t offset, int with_key);
void onestop_error_render(yajl_gen g, const char *code, const char *message,
    const onestop_item_err_t *items, size_t nitems);

/* the error object's code of an HTTP status: "bad_request" (400),
 * "unauthorized", "forbidden", "not_found", "method_not_allowed",
 * "conflict", "payload_too_large", "invalid" (422), "unavailable" (503),
 * "insufficient_storage" (507); "internal_error" for any other */
const char *onestop_error_code(int status);

#endif /* ONESTOP_JSON_H */
