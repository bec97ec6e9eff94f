/*
 * A dossier's answers, read from the store and rendered: the public
 * lookup as JSON and as a page (Điều 15), the /q/ page a receipt's QR code
 * links to, and, for a key that covers the dossier's agency, its QR code
 * and its printable receipt (Điều 9.2, 14.2; SPEC sections 4 and 6).
 *
 * Each runs inside the caller's read (onestop_store_read_begin .. _end),
 * so that what it reads does not outlive the snapshot, and returns the
 * answer's HTTP status; an error's message is static.  Templates are the
 * files of ngx_onestop/html/, handed in.
 */

#ifndef ONESTOP_PAGES_H
#define ONESTOP_PAGES_H

#include <stddef.h>

#include <yajl/yajl_gen.h>

#include "onestop_qr.h"
#include "onestop_store.h"

/*
 * The lookup object of code[0..len) (SPEC section 4, the name masked)
 * into g: ONESTOP_OK, ONESTOP_NOT_FOUND or ONESTOP_ERROR.
 */
int onestop_page_lookup_json(onestop_store_t *st, const char *code,
    size_t len, onestop_buf_t *b);

/*
 * The lookup page's content from its template (html/lookup.html: {{form}},
 * the search form posting to action, and {{result}}) for code[0..len),
 * empty when none was asked yet: 200; 400 (not a code); 404; 500 (the
 * store failed).  st is read only when code is one (onestop_code_valid).
 */
int onestop_page_lookup(onestop_buf_t *b, onestop_store_t *st,
    const char *tpl, size_t tpl_len, const char *action, size_t action_len,
    const char *code, size_t len);

/*
 * The /q/ page of a receipt's token (token[0..token_len), its code
 * code[0..len) as onestop_token_code gave it): the dossier unmasked and
 * its evaluation form posting to action (empty: evaluations are off),
 * from html/dossier.html ({{record}}, {{evaluation}}): 200.  Without st
 * (a bad token) and for an unknown code: the same 404 from
 * html/dossier_missing.html, which says nothing of the code.  A read that
 * failed: 500, b left empty, the reason in onestop_store_strerror(st) (a
 * good token's citizen is not told that the dossier does not exist).
 * *title is the page's.
 */
int onestop_page_dossier(onestop_buf_t *b, onestop_store_t *st,
    const char *code, size_t len, const char *token, size_t token_len,
    const char *action, size_t action_len, const char *tpl, size_t tpl_len,
    const char *missing, size_t missing_len, const char **title);

#define ONESTOP_QR_SVG      0
#define ONESTOP_QR_PNG      1
#define ONESTOP_QR_RECEIPT  2

/* GET /qr/{code}.svg|.png?size=N or /receipt/{code} */
typedef struct {
    onestop_str_t   code;
    int             format;             /* ONESTOP_QR_* */
    unsigned        scale;              /* pixels per module, 4 unless
                                           size= says */
} onestop_qr_request_t;

/*
 * The request of id[0..len), the identifier after the location, and
 * args[0..args_len), the query string as it came (only a QR code's size
 * is read there): 0; 404 when id is not CODE.svg or CODE.png; 400 (not a
 * code, a bad size or one given twice); 500 when memory runs out.
 */
int onestop_qr_request(onestop_qr_request_t *q, int receipt,
    const char *id, size_t len, const char *args, size_t args_len,
    const char **message);

/*
 * The QR code of the dossier's signed link (key signs it under url), or
 * its receipt from html/receipt.html, into out: 200; 404; 403 when scope
 * does not cover the dossier's agency; 500, with *why saying what failed
 * for the log (the store's read, with its reason, or the image).
 */
int onestop_qr_answer(onestop_buf_t *out, onestop_store_t *st,
    const onestop_qr_request_t *q, const onestop_scope_t *scope,
    const onestop_qr_key_t *key, const char *url, size_t url_len,
    const char *tpl, size_t tpl_len, const char **message, const char **why);

/* what a QR code's or a receipt's error says: 400, 401, 403, 404, 500 */
const char *onestop_qr_message(int status);

/*
 * Issue 15 (engine/record_json.c): the stored record of code[0..len) as
 * the write API takes it, contacts included, for a key of `scope`: 200
 * with the JSON in out; 404 for an absent or deleted code and alike for
 * one outside the scope; 500 when the store failed.
 */
int onestop_record_answer(onestop_buf_t *out, onestop_store_t *st,
    const onestop_scope_t *scope, const char *code, size_t len);

#endif /* ONESTOP_PAGES_H */
