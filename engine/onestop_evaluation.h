/*
 * A citizen's evaluation (Điều 12, 18; Article 13 of Circular 01/2018/
 * TT-VPCP; SPEC section 8): the nine indices, and the rules of an
 * evaluation's answers as they come from the API (JSON) or the /q/ page's
 * form, so that every way in applies the same ones, and who may evaluate:
 * a signed token (the receipt is the proof), or a code with the desk's
 * key.
 */

#ifndef ONESTOP_EVALUATION_H
#define ONESTOP_EVALUATION_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "onestop_args.h"
#include "onestop_qr.h"
#include "onestop_store.h"

#define ONESTOP_COMMENT_MAX  4000   /* characters, as the form counts */

typedef struct {
    onestop_str_t   token;        /* the receipt's token; data NULL: none */
    onestop_str_t   code;         /* JSON: given instead of a token */
    int             has_code;
    int8_t          answers[ONESTOP_INDICES + 1];    /* -1: not answered */
    size_t          answered;
    onestop_str_t   comment;
    const char     *invalid;      /* the first broken rule (a 422), or
                                     NULL; JSON: at least one answer too */
    char            error[128];
} onestop_evaluation_t;

/* the name of index i (1..9) */
const char *onestop_evaluation_index_name(int i);

/*
 * The API's JSON {"token" | "code", "answers": {"2": 0..2, ...},
 * "comment"}.  buf has len bytes at least: the strings are copied there.
 * 0, or -1 when the body is not a JSON object (a 400, *message).
 */
int onestop_evaluation_json(onestop_evaluation_t *ev, const char *body,
    size_t len, char *buf, const char **message);

/*
 * The page's form: token, a1..a9 ("0".."2"; a1 is the system's), comment,
 * each field at most once.  args and buf (len + 1 bytes) hold the fields.
 * 0, or -1 (a 400, *message).  "At least one answer" is left to the
 * caller, after the token.
 */
int onestop_evaluation_form(onestop_evaluation_t *ev, const char *body,
    size_t len, onestop_args_t *args, char *buf, const char **message);

/*
 * An evaluation as it is posted: the page's form (form) or the API's JSON
 * read as above, and who evaluates, checked in the order the answers are
 * (the form's broken rules before its token; the API's token, or code and
 * key, before its rules).  A token must verify against keys[0..nkeys) and
 * carry a code; a code needs a key, scope being the request's (NULL: it
 * has none), unless by_code (onestop_evaluate_by_code on: the code alone
 * suffices, Điều 12.1; w's scope is then NULL too, and the once-only rule
 * of the write is what guards it).  0 with w's code, scope (NULL for a
 * token), answers and
 * comment set, pointing into body, args and buf, and ev->token the token;
 * else the status, 400, 401, 404 or 422, with *message.
 */
int onestop_evaluation_request(onestop_evaluation_t *ev, onestop_write_t *w,
    int form, const char *body, size_t len, onestop_args_t *args, char *buf,
    const onestop_qr_key_t *keys, size_t nkeys, const onestop_scope_t *scope,
    int by_code, const char **message);

/* what was recorded: {"code", "answers", "evaluated_at"} */
const char *onestop_evaluation_form_says(const char *message);

void onestop_evaluation_render(yajl_gen g, const onestop_write_t *w,
    int32_t offset);

#endif /* ONESTOP_EVALUATION_H */
