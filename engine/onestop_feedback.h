/*
 * Citizens' questions, complaints and suggestions (Điều 4.5, 13; 21.4):
 * what a sender posts, what the agency in charge does with it (answers,
 * forwards, publishes), what the public and the sender see, and the
 * figures the provincial office monitors.
 *
 * The one idea: a question is a record in the store like a dossier,
 * written by the store's one transaction together with its counters, its
 * indexes and the outbox; every way in (the API's JSON, the page's form,
 * an agency's key) is turned here into one typed request, and every
 * answer (JSON or HTML) is rendered here, so the nginx handler only
 * reads the request and sends what it is given.
 */

#ifndef ONESTOP_FEEDBACK_H
#define ONESTOP_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_args.h"
#include "onestop_calendar.h"
#include "onestop_stats.h"
#include "onestop_store.h"
#include "onestop_util.h"

#define ONESTOP_FB_TEXT_MAX      4000     /* the question, characters */
#define ONESTOP_FB_SUBJECT_MAX   200      /* characters */
#define ONESTOP_FB_ANSWER_MAX    16000
#define ONESTOP_FB_DAYS          15       /* Điều 13.3.b: working days */
#define ONESTOP_FB_TOKEN_LEN     22       /* 16 random bytes, base64url */
#define ONESTOP_FB_LIMIT_MAX     100

enum {
    ONESTOP_FB_QUESTION = 0,
    ONESTOP_FB_COMPLAINT,
    ONESTOP_FB_SUGGESTION,
    ONESTOP_FB_KINDS
};

/* the handler's modes: onestop_feedback json | html, and the agencies'
 * side under the ingest path */
enum {
    ONESTOP_FB_JSON = 1,
    ONESTOP_FB_HTML,
    ONESTOP_FB_INGEST
};

/* what a write does (onestop_write_t.feedback) */
enum {
    ONESTOP_FB_ASK = 1,
    ONESTOP_FB_ANSWER,
    ONESTOP_FB_FORWARD
};

typedef struct onestop_feedback_op_s {
    int               op;
    int               mode;
    /* ONESTOP_FB_ASK */
    int               kind;
    onestop_str_t     agency;
    onestop_str_t     procedure;
    onestop_str_t     code;
    onestop_str_t     subject;
    onestop_str_t     text;
    onestop_str_t     name;
    onestop_str_t     contact;
    uint8_t           token_hash[32];
    char              token[ONESTOP_FB_TOKEN_LEN + 1];
    /* ONESTOP_FB_ANSWER, ONESTOP_FB_FORWARD */
    uint64_t          id;
    onestop_str_t     answer;
    int               publish;        /* -1: as it was */
    onestop_str_t     forward_to;
    /* out, set by the write */
    int64_t           received;
    onestop_day_t     due;
    char             *arena;          /* the strings above point here */
} onestop_feedback_op_t;

/*
 * A POST's body into op: the API's JSON, or the page's form (form: 1)
 * with its honeypot; an agency's action (mode ONESTOP_FB_INGEST, id from
 * the URI).  The strings are copied into op->arena (free with
 * onestop_feedback_op_free).  Returns 0, or an HTTP status (400, 422)
 * with *code and *message; nothing is written then.  A new question gets
 * its token here.
 */
int onestop_feedback_request(onestop_feedback_op_t *op, int mode,
    uint64_t id, const char *body, size_t len, int form, const char **code,
    const char **message);

void onestop_feedback_op_free(onestop_feedback_op_t *op);

/* "123" -> 123; 0 when the text is not an id (spaces around it are
 * forgiven) */
uint64_t onestop_feedback_id(const char *s, size_t len);

/*
 * Where a request to a location of `mode` goes, by its method (post: POST;
 * read: GET or HEAD) and whether a path (has_id, id: onestop_feedback_id)
 * follows the location: ONESTOP_FB_WRITE, a question asked (the public's
 * POST without a path) or an agency's action (ONESTOP_FB_INGEST, POST to
 * an id); ONESTOP_FB_READ; or the status of the refusal, 404 or 405 (with
 * the Allow header's value in *allow), with *message.
 */
#define ONESTOP_FB_WRITE  1
#define ONESTOP_FB_READ   2

int onestop_feedback_route(int mode, int post, int read, int has_id,
    uint64_t id, const char **allow, const char **message);

/*
 * The write, inside the store's transaction (write.c): status 201 (a new
 * question: w->feedback->id), 200, or 403/404/409/422 with the message.
 * An LMDB error code.
 */
struct MDB_txn;
struct onestop_chain_s;
int onestop_feedback_write(onestop_store_t *st, struct MDB_txn *txn,
    onestop_write_t *w, struct onestop_chain_s *chain);

/* after the commit: the answer of a write, JSON or the page's HTML
 * content (its links under action); its status is w->status */
void onestop_feedback_written(onestop_store_t *st, const onestop_write_t *w,
    const char *action, size_t action_len, onestop_buf_t *out);

/*
 * A GET, on the current read: the published list (id 0) with the query's
 * arguments (q, agency, field, kind, limit, after), one question (by its
 * token, or published), or the agencies' list (mode ONESTOP_FB_INGEST,
 * with scope; status=open|answered|all).  Renders JSON, or for
 * ONESTOP_FB_HTML the page's content, into out.  Returns the HTTP status
 * (200, 400, 404, 500); an error's text is in *message (JSON: rendered).
 */
typedef struct {
    int                      mode;
    uint64_t                 id;
    int                      has_id;     /* a path was given */
    const onestop_arg_t     *args;
    size_t                   nargs;
    const onestop_scope_t   *scope;      /* ONESTOP_FB_INGEST */
    onestop_day_t            today;
    const char              *action;     /* the page's own path */
    size_t                   action_len;
    const char              *tpl;        /* html/feedback.html */
    size_t                   tpl_len;
    const char              *ask_tpl;    /* html/feedback_ask.html */
    size_t                   ask_tpl_len;
} onestop_feedback_get_t;

int onestop_feedback_read(onestop_store_t *st,
    const onestop_feedback_get_t *req, onestop_buf_t *out,
    const char **message);

/* an error as the mode answers it: JSON's error object, or a page's
 * content */
void onestop_feedback_error(onestop_buf_t *out, int mode, int status,
    const char *code, const char *message, const char *action,
    size_t action_len);

/* the page's own path (action: its location), HTML-escaped, without a
 * trailing slash: what its links start with */
/* the form to ask (html/feedback_ask.html), empty when op is NULL */
void onestop_feedback_ask(onestop_buf_t *out, const char *tpl,
    size_t tpl_len, const onestop_feedback_op_t *op, const char *alert,
    const char *action, size_t action_len);

/* a question the form's rules refused (message: onestop_feedback_request's):
 * the form again, with what was typed, and what to correct, in Vietnamese */
void onestop_feedback_ask_again(onestop_buf_t *out, const char *tpl,
    size_t tpl_len, const onestop_feedback_op_t *op, const char *message,
    const char *action, size_t action_len);

void onestop_feedback_href(onestop_buf_t *out, const char *action,
    size_t action_len);

/*
 * Statistics of questions (GET /api/v1/stats?subject=feedback): the
 * query's period, filters (agency, under, kind) and groups (agency,
 * top_agency, kind) over the question counters.  0; -1 with q->error;
 * -2 on a store failure.
 */
int onestop_feedback_stats(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out);

/* verify: recounts the question counters and indexes from the records;
 * the number of differences, described in report, or -1 */
long onestop_feedback_verify(onestop_store_t *st, onestop_buf_t *report);

/* Vietnamese text folded for search: lower case, no diacritics, đ as d;
 * out holds len bytes at least; returns its length */
size_t onestop_fold(const char *s, size_t len, char *out);

/* the same with the case and the separators kept (an SMS, issue 16): each
 * letter without its marks, đ as d, Đ as D, other ASCII as it is, any
 * other code point as a space; out holds len bytes at least */
size_t onestop_unaccent(const char *s, size_t len, char *out);

#endif /* ONESTOP_FEEDBACK_H */
