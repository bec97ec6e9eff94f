/*
 * The batch parser's inside, shared by batch.c (the stream: yajl, lines,
 * surrogates), batch_record.c (a record's members) and json.c (the
 * surrogate scanner, for catalogs); nothing else includes this.
 */

#ifndef ONESTOP_BATCH_INT_H
#define ONESTOP_BATCH_INT_H

#include <yajl/yajl_parse.h>

#include "onestop_json.h"

enum {
    K_UNKNOWN = 0,
    K_CODE, K_VERSION, K_AGENCY, K_PROCEDURE, K_CHANNEL, K_RETURN_CHANNEL,
    K_APPLICANT, K_CONTACT, K_RECEIVED, K_DUE, K_RESOLVED, K_RETURNED,
    K_WITHDRAWN, K_APOLOGY,
    /* inside applicant, contact, apology */
    K_NAME, K_TYPE, K_PHONE, K_EMAIL, K_ISSUED, K_NEW_DUE, K_REASON,
    /* a record's again (Điều 9.1) */
    K_SUBMITTED,
    /* issue 16: the channels the applicant chose */
    K_NOTIFY,
    /* issue 18: why a version moves the due date */
    K_DUE_CHANGE
};

enum { SUB_NONE = 0, SUB_APPLICANT, SUB_CONTACT, SUB_APOLOGY, SUB_NOTIFY };

enum { V_NULL, V_BOOL, V_NUMBER, V_STRING };

#define SEEN(k)  (1u << (k))

struct onestop_batch_parser_s {
    yajl_handle         h;
    yajl_callbacks      cb;
    int                 ndjson;
    int                 depth;
    int                 top_array;      /* the body is an array */
    int                 rec_depth;      /* depth of the record's object */
    int                 skip;           /* nesting of a skipped value */
    int                 sub;
    int                 key;
    int                 in_record;
    size_t              index;          /* current record or line */
    size_t              line_bytes;     /* non-blank bytes in the line */
    unsigned            js_state;       /* onestop_json_surrogates()'s */
    unsigned            js_hex;
    unsigned            js_val;
    unsigned            js_high;
    unsigned            js_nul;         /* a \u0000 was seen */
    const char         *rec_error;
    unsigned            seen;
    unsigned            given;          /* SEEN() of each member named */
    unsigned            fed;            /* bytes were fed */
    onestop_record_t   *rec;
    onestop_batch_t    *batch;
};

#define ONESTOP_LONE_SURROGATE                                               \
    "an escaped surrogate (\\ud800-\\udfff) out of its pair"

/* batch.c: follows the strings of a text that may come in chunks (state
 * in p's js_ members, zeroed to begin); -1 at an escaped surrogate out of
 * its pair */
int onestop_json_surrogates(onestop_batch_parser_t *p, const unsigned char *s,
    size_t len);
/* batch.c: newlines and tabs of a message as spaces */
void onestop_json_one_line(char *s);

/* batch_record.c: the batch's faults */
void onestop_syntax_item(onestop_batch_t *b, size_t index);
int onestop_syntax_error(onestop_batch_parser_t *p, const char *fmt,
    size_t index);
void onestop_rec_error(onestop_batch_parser_t *p, const char *why);

/* batch_record.c: a record's object opens (-1: out of memory), a value
 * of it comes (-1: out of memory), it closes; the key of a member */
int onestop_rec_begin(onestop_batch_parser_t *p);
int onestop_rec_value(onestop_batch_parser_t *p, int type, const char *s,
    size_t len);
void onestop_rec_end(onestop_batch_parser_t *p);
int onestop_rec_key(onestop_batch_parser_t *p, const char *s, size_t len);

#endif /* ONESTOP_BATCH_INT_H */
