/*
 * JSON with yajl.  Dossier batches go through yajl's callback parser, so
 * a body is parsed as it arrives and a record's members are checked as
 * they come: a syntax error stops the batch (400), a member that breaks a
 * rule marks its record (422) and the parse goes on, so that one answer
 * lists every bad record.  Unknown members are skipped whole.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "onestop_json.h"


#define DEPTH_MAX  32

enum {
    K_UNKNOWN = 0,
    K_CODE, K_VERSION, K_AGENCY, K_PROCEDURE, K_CHANNEL, K_RETURN_CHANNEL,
    K_APPLICANT, K_CONTACT, K_RECEIVED, K_DUE, K_RESOLVED, K_RETURNED,
    K_WITHDRAWN, K_APOLOGY,
    /* inside applicant, contact, apology */
    K_NAME, K_TYPE, K_PHONE, K_EMAIL, K_ISSUED, K_NEW_DUE, K_REASON
};

enum { SUB_NONE = 0, SUB_APPLICANT, SUB_CONTACT, SUB_APOLOGY };

enum { V_NULL, V_BOOL, V_NUMBER, V_STRING };

typedef struct {
    const char  *name;
    int          key;
} key_t_;

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
    unsigned            js_state;       /* surrogates_scan()'s */
    unsigned            js_hex;
    unsigned            js_val;
    unsigned            js_high;
    unsigned            js_nul;         /* a \u0000 was seen */
    const char         *rec_error;
    unsigned            seen;
    onestop_record_t   *rec;
    onestop_batch_t    *batch;
};

static const key_t_  record_keys[] = {
    { "code", K_CODE }, { "version", K_VERSION }, { "agency", K_AGENCY },
    { "procedure", K_PROCEDURE }, { "channel", K_CHANNEL },
    { "return_channel", K_RETURN_CHANNEL }, { "applicant", K_APPLICANT },
    { "contact", K_CONTACT }, { "received_at", K_RECEIVED },
    { "due_at", K_DUE }, { "resolved_at", K_RESOLVED },
    { "returned_at", K_RETURNED }, { "withdrawn_at", K_WITHDRAWN },
    { "apology", K_APOLOGY }, { NULL, 0 }
};

static const key_t_  applicant_keys[] = {
    { "name", K_NAME }, { "type", K_TYPE }, { NULL, 0 }
};

static const key_t_  contact_keys[] = {
    { "phone", K_PHONE }, { "email", K_EMAIL }, { NULL, 0 }
};

static const key_t_  apology_keys[] = {
    { "issued_at", K_ISSUED }, { "new_due_at", K_NEW_DUE },
    { "reason", K_REASON }, { NULL, 0 }
};

#define SEEN(k)  (1u << (k))

static int parser_open(onestop_batch_parser_t *p);
static int syntax_error(onestop_batch_parser_t *p, const char *fmt,
    size_t index);
static void record_error(onestop_batch_parser_t *p, const char *why);
static int record_begin(onestop_batch_parser_t *p);
static void record_end(onestop_batch_parser_t *p);
static int on_value(onestop_batch_parser_t *p, int type, const char *s,
    size_t len);
static int set_string(onestop_batch_parser_t *p, onestop_str_t *dst,
    int type, const char *s, size_t len, size_t max, int required,
    const char *why);
static int set_time(onestop_batch_parser_t *p, onestop_ts_t *ts, int type,
    const char *s, size_t len, const char *why);
static int cb_null(void *ctx);
static int cb_boolean(void *ctx, int v);
static int cb_number(void *ctx, const char *s, size_t len);
static int cb_string(void *ctx, const unsigned char *s, size_t len);
static int cb_start_map(void *ctx);
static int cb_map_key(void *ctx, const unsigned char *s, size_t len);
static int cb_end_map(void *ctx);
static int cb_start_array(void *ctx);
static int cb_end_array(void *ctx);
static int feed_yajl(onestop_batch_t *b, const unsigned char *s, size_t len);
static int surrogates_scan(onestop_batch_parser_t *p, const unsigned char *s,
    size_t len);
static int end_line(onestop_batch_t *b);
static int lookup_key(const key_t_ *keys, const char *s, size_t len);
static void gen_date(yajl_gen g, const onestop_ts_t *ts, int32_t offset);


/* batches */

int
onestop_batch_init(onestop_batch_t *b, int ndjson, int32_t offset,
    onestop_day_t today)
{
    onestop_batch_parser_t  *p;

    memset(b, 0, sizeof(onestop_batch_t));
    b->offset = offset;
    b->today = today;

    p = calloc(1, sizeof(onestop_batch_parser_t));

    if (p == NULL) {
        return -1;
    }

    p->batch = b;
    p->ndjson = ndjson;
    b->parser = p;

    p->cb.yajl_null = cb_null;
    p->cb.yajl_boolean = cb_boolean;
    p->cb.yajl_number = cb_number;
    p->cb.yajl_string = cb_string;
    p->cb.yajl_start_map = cb_start_map;
    p->cb.yajl_map_key = cb_map_key;
    p->cb.yajl_end_map = cb_end_map;
    p->cb.yajl_start_array = cb_start_array;
    p->cb.yajl_end_array = cb_end_array;

    return parser_open(p);
}


static int
parser_open(onestop_batch_parser_t *p)
{
    p->h = yajl_alloc(&p->cb, NULL, p);

    if (p->h == NULL) {
        return -1;
    }

    p->depth = 0;
    p->skip = 0;
    p->in_record = 0;
    p->top_array = 0;
    p->line_bytes = 0;
    p->js_state = 0;
    p->js_high = 0;

    return 0;
}


void
onestop_batch_free(onestop_batch_t *b)
{
    if (b->parser != NULL) {
        if (b->parser->h != NULL) {
            yajl_free(b->parser->h);
        }
        free(b->parser);
        b->parser = NULL;
    }

    free(b->recs);
    free(b->pos);
    free(b->bad);
    free(b->items);
    onestop_arena_free(&b->arena);
    b->recs = NULL;
    b->pos = NULL;
    b->bad = NULL;
    b->items = NULL;
}


void
onestop_batch_fail(onestop_batch_t *b, size_t index, const char *code,
    const char *message)
{
    onestop_item_err_t  *items;

    b->nfailed++;

    if (b->error == 0) {
        b->error = 422;
    }

    if (b->nitems >= ONESTOP_ITEMS_MAX) {
        return;
    }

    if (b->items == NULL) {
        items = malloc(sizeof(onestop_item_err_t) * 16);

    } else if ((b->nitems & (b->nitems - 1)) == 0 && b->nitems >= 16) {
        items = realloc(b->items, sizeof(onestop_item_err_t) * b->nitems * 2);

    } else {
        items = b->items;
    }

    if (items == NULL) {
        return;
    }

    b->items = items;
    items[b->nitems].index = index;
    items[b->nitems].code = code;
    items[b->nitems].message = message;
    b->nitems++;
}


static int
item_cmp(const void *a, const void *b)
{
    const onestop_item_err_t  *x = a, *y = b;

    return x->index < y->index ? -1 : x->index > y->index;
}


void
onestop_batch_sort_items(onestop_batch_t *b)
{
    if (b->nitems > 1) {
        qsort(b->items, b->nitems, sizeof(onestop_item_err_t), item_cmp);
    }
}


static void
syntax_item(onestop_batch_t *b, size_t index)
{
    /* a 400 lists the item or line at fault too (b->message says why) */

    b->nitems = 0;
    b->nfailed = 0;
    onestop_batch_fail(b, index, "bad_request", b->message);
    b->error = 400;
}


static int
syntax_error(onestop_batch_parser_t *p, const char *fmt, size_t index)
{
    onestop_batch_t  *b;

    b = p->batch;

    if (b->error != 400) {
        snprintf(b->message, sizeof(b->message), fmt, index);
        syntax_item(b, index);
    }

    return 0;
}


static void
record_error(onestop_batch_parser_t *p, const char *why)
{
    if (p->rec_error == NULL) {
        p->rec_error = why;
    }
}


static int
record_begin(onestop_batch_parser_t *p)
{
    onestop_batch_t   *b;
    uint8_t           *bad;
    onestop_record_t  *recs;
    size_t            *pos, cap;

    b = p->batch;

    if (b->nrecs == b->cap) {
        cap = b->cap ? b->cap * 2 : 64;
        recs = realloc(b->recs, cap * sizeof(onestop_record_t));

        if (recs == NULL) {
            return -1;
        }

        b->recs = recs;
        pos = realloc(b->pos, cap * sizeof(size_t));

        if (pos == NULL) {
            return -1;
        }

        b->pos = pos;
        bad = realloc(b->bad, cap);

        if (bad == NULL) {
            return -1;
        }

        b->bad = bad;
        b->cap = cap;
    }

    p->rec = &b->recs[b->nrecs];
    memset(p->rec, 0, sizeof(onestop_record_t));
    b->pos[b->nrecs] = p->index;
    b->bad[b->nrecs] = 0;
    b->nrecs++;

    p->in_record = 1;
    p->rec_depth = p->depth;
    p->sub = SUB_NONE;
    p->key = K_UNKNOWN;
    p->rec_error = NULL;
    p->seen = 0;

    return 0;
}


static void
record_end(onestop_batch_parser_t *p)
{
    onestop_record_t  *r;
    onestop_batch_t   *b;

    b = p->batch;
    r = p->rec;

    if (p->rec_error == NULL) {
        if (!(p->seen & SEEN(K_CODE))) {
            record_error(p, "code is required");

        } else if (!(p->seen & SEEN(K_VERSION))) {
            record_error(p, "version is required");

        } else if (!(p->seen & SEEN(K_AGENCY))) {
            record_error(p, "agency is required");

        } else if (!(p->seen & SEEN(K_PROCEDURE))) {
            record_error(p, "procedure is required");

        } else if (!(p->seen & SEEN(K_CHANNEL))) {
            record_error(p, "channel is required");

        } else if (!(p->seen & SEEN(K_NAME))) {
            record_error(p, "applicant.name is required");

        } else if (r->has_apology
                   && (!r->t[ONESTOP_T_APOLOGY_ISSUED].set
                       || !r->t[ONESTOP_T_APOLOGY_NEW_DUE].set))
        {
            record_error(p, "apology needs issued_at and new_due_at");

        } else {
            onestop_record_check(r, b->offset, b->today, &p->rec_error);
        }
    }

    if (p->rec_error != NULL) {
        b->bad[r - b->recs] = 1;
        onestop_batch_fail(b, p->index, "invalid", p->rec_error);
    }

    p->in_record = 0;

    if (!p->ndjson) {
        p->index++;
    }
}


static int
lookup_key(const key_t_ *keys, const char *s, size_t len)
{
    for ( /* void */ ; keys->name != NULL; keys++) {
        if (strlen(keys->name) == len && memcmp(keys->name, s, len) == 0) {
            return keys->key;
        }
    }

    return K_UNKNOWN;
}


static int
set_string(onestop_batch_parser_t *p, onestop_str_t *dst, int type,
    const char *s, size_t len, size_t max, int required, const char *why)
{
    char  *copy;

    if (type == V_NULL && !required) {
        dst->data = NULL;
        dst->len = 0;
        return 0;
    }

    if (type != V_STRING || len > max || (required && len == 0)) {
        record_error(p, why);
        return 0;
    }

    copy = onestop_arena_strdup(&p->batch->arena, s, len);

    if (copy == NULL) {
        return -1;
    }

    dst->data = copy;
    dst->len = len;
    return 0;
}


static int
set_time(onestop_batch_parser_t *p, onestop_ts_t *ts, int type,
    const char *s, size_t len, const char *why)
{
    if (type == V_NULL) {
        ts->set = 0;
        return 0;
    }

    if (type != V_STRING
        || onestop_ts_parse(s, len, p->batch->offset, ts) != 0)
    {
        record_error(p, why);
    }

    return 0;
}


static int
parse_version(const char *s, size_t len, uint64_t *v)
{
    size_t    i;
    uint64_t  n;

    if (len == 0 || len > 16) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        n = n * 10 + (uint64_t) (s[i] - '0');
    }

    if (n < 1 || n > ONESTOP_VERSION_MAX) {
        return -1;
    }

    *v = n;
    return 0;
}


static int
on_value(onestop_batch_parser_t *p, int type, const char *s, size_t len)
{
    int                c;
    onestop_record_t  *r;

    if (p->skip) {
        return 0;
    }

    if (!p->in_record) {
        return syntax_error(p, p->ndjson ? "line %zu is not a JSON object"
                                         : "item %zu is not a JSON object",
                            p->index);
    }

    r = p->rec;

    if (p->depth == p->rec_depth + 1) {
        switch (p->key) {

        case K_NAME:
            if (set_string(p, &r->name, type, s, len, ONESTOP_NAME_MAX, 1,
                           "applicant.name must be a string of 1 to 256 "
                           "bytes") != 0)
            {
                return -1;
            }
            p->seen |= SEEN(K_NAME);
            return 0;

        case K_TYPE:
            if (type == V_NULL) {
                r->applicant_type = ONESTOP_APPLICANT_CITIZEN;

            } else if (type == V_STRING && len == 7
                       && memcmp(s, "citizen", 7) == 0)
            {
                r->applicant_type = ONESTOP_APPLICANT_CITIZEN;

            } else if (type == V_STRING && len == 12
                       && memcmp(s, "organization", 12) == 0)
            {
                r->applicant_type = ONESTOP_APPLICANT_ORGANIZATION;

            } else {
                record_error(p, "applicant.type must be citizen or "
                                "organization");
            }
            return 0;

        case K_PHONE:
            return set_string(p, &r->phone, type, s, len, ONESTOP_CONTACT_MAX,
                              0, "contact.phone must be a string of at most "
                                 "256 bytes");

        case K_EMAIL:
            return set_string(p, &r->email, type, s, len, ONESTOP_CONTACT_MAX,
                              0, "contact.email must be a string of at most "
                                 "256 bytes");

        case K_ISSUED:
            return set_time(p, &r->t[ONESTOP_T_APOLOGY_ISSUED], type, s, len,
                            "apology.issued_at must be a date or an RFC 3339 "
                            "time, years 1990-2100");

        case K_NEW_DUE:
            return set_time(p, &r->t[ONESTOP_T_APOLOGY_NEW_DUE], type, s, len,
                            "apology.new_due_at must be a date or an RFC 3339 "
                            "time, years 1990-2100");

        case K_REASON:
            return set_string(p, &r->reason, type, s, len, ONESTOP_REASON_MAX,
                              0, "apology.reason must be a string of at most "
                                 "4096 bytes");
        }

        return 0;
    }

    switch (p->key) {

    case K_CODE:
        p->seen |= SEEN(K_CODE);

        if (type != V_STRING || !onestop_code_valid(s, len)) {
            record_error(p, "code must be 1-64 bytes of A-Z a-z 0-9 . - _, "
                            "beginning and ending with a letter or digit");
            return 0;
        }

        return set_string(p, &r->code, type, s, len, ONESTOP_CODE_MAX, 1, "");

    case K_VERSION:
        p->seen |= SEEN(K_VERSION);

        if (type != V_NUMBER || parse_version(s, len, &r->version) != 0) {
            record_error(p, "version must be an integer from 1 to 2^53-1");
        }
        return 0;

    case K_AGENCY:
        p->seen |= SEEN(K_AGENCY);
        return set_string(p, &r->agency, type, s, len, ONESTOP_CODE_MAX, 1,
                          "agency must be a catalog id");

    case K_PROCEDURE:
        p->seen |= SEEN(K_PROCEDURE);
        return set_string(p, &r->procedure, type, s, len, ONESTOP_CODE_MAX, 1,
                          "procedure must be a catalog id");

    case K_CHANNEL:
        p->seen |= SEEN(K_CHANNEL);
        c = type == V_STRING ? onestop_channel_parse(s, len) : -1;

        if (c < 0) {
            record_error(p, "channel must be direct, online or postal");
            return 0;
        }

        r->channel = (uint8_t) c;
        return 0;

    case K_RETURN_CHANNEL:
        c = type == V_NULL ? ONESTOP_RET_COUNTER
          : type == V_STRING ? onestop_return_channel_parse(s, len) : -1;

        if (c < 0) {
            record_error(p, "return_channel must be counter, postal or "
                            "online");
            return 0;
        }

        r->return_channel = (uint8_t) c;
        return 0;

    case K_RECEIVED:
        return set_time(p, &r->t[ONESTOP_T_RECEIVED], type, s, len,
                        "received_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_DUE:
        return set_time(p, &r->t[ONESTOP_T_DUE], type, s, len,
                        "due_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_RESOLVED:
        return set_time(p, &r->t[ONESTOP_T_RESOLVED], type, s, len,
                        "resolved_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_RETURNED:
        return set_time(p, &r->t[ONESTOP_T_RETURNED], type, s, len,
                        "returned_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_WITHDRAWN:
        return set_time(p, &r->t[ONESTOP_T_WITHDRAWN], type, s, len,
                        "withdrawn_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_APPLICANT:
        record_error(p, "applicant must be an object");
        return 0;

    case K_CONTACT:
        if (type != V_NULL) {
            record_error(p, "contact must be an object");
        }
        return 0;

    case K_APOLOGY:
        if (type != V_NULL) {
            record_error(p, "apology must be an object");
        }
        r->has_apology = 0;
        return 0;
    }

    return 0;
}


static int
cb_null(void *ctx)
{
    return on_value(ctx, V_NULL, NULL, 0) == 0;
}


static int
cb_boolean(void *ctx, int v)
{
    (void) v;
    return on_value(ctx, V_BOOL, NULL, 0) == 0;
}


static int
cb_number(void *ctx, const char *s, size_t len)
{
    return on_value(ctx, V_NUMBER, s, len) == 0;
}


static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
    onestop_batch_parser_t  *p = ctx;

    if (!onestop_utf8_valid((const char *) s, len)) {
        return syntax_error(p, p->ndjson ? "line %zu has invalid UTF-8"
                                         : "item %zu has invalid UTF-8",
                            p->index);
    }

    return on_value(ctx, V_STRING, (const char *) s, len) == 0;
}


static int
cb_start_map(void *ctx)
{
    onestop_batch_parser_t  *p;

    p = ctx;
    p->depth++;

    if (p->depth > DEPTH_MAX) {
        syntax_error(p, "nesting deeper than 32 (item %zu)", p->index);
        return 0;
    }

    if (p->skip) {
        p->skip++;
        return 1;
    }

    if (!p->in_record) {
        if (p->depth == 1 + p->top_array) {
            return record_begin(p) == 0;
        }

        return syntax_error(p, "item %zu is not a JSON object", p->index);
    }

    if (p->depth == p->rec_depth + 1) {
        switch (p->key) {
        case K_APPLICANT:
            p->sub = SUB_APPLICANT;
            p->seen |= SEEN(K_APPLICANT);
            return 1;
        case K_CONTACT:
            p->sub = SUB_CONTACT;
            return 1;
        case K_APOLOGY:
            p->sub = SUB_APOLOGY;
            p->rec->has_apology = 1;
            return 1;
        case K_UNKNOWN:
            break;
        default:
            record_error(p, "a member has an object where a value belongs");
        }

    } else if (p->depth == p->rec_depth + 2 && p->key != K_UNKNOWN) {
        record_error(p, "a member has an object where a value belongs");
    }

    p->skip = 1;
    return 1;
}


static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    onestop_batch_parser_t  *p;

    p = ctx;

    if (!onestop_utf8_valid((const char *) s, len)) {
        return syntax_error(p, p->ndjson ? "line %zu has invalid UTF-8"
                                         : "item %zu has invalid UTF-8",
                            p->index);
    }

    if (p->skip) {
        return 1;
    }

    if (p->depth == p->rec_depth) {
        p->key = lookup_key(record_keys, (const char *) s, len);

    } else {
        p->key = lookup_key(p->sub == SUB_APPLICANT ? applicant_keys
                            : p->sub == SUB_CONTACT ? contact_keys
                            : apology_keys, (const char *) s, len);
    }

    return 1;
}


static int
cb_end_map(void *ctx)
{
    onestop_batch_parser_t  *p;

    p = ctx;
    p->depth--;

    if (p->skip) {
        p->skip--;
        return 1;
    }

    if (p->in_record && p->depth == p->rec_depth - 1) {
        record_end(p);

    } else if (p->in_record && p->depth == p->rec_depth) {
        p->sub = SUB_NONE;
        p->key = K_UNKNOWN;
    }

    return 1;
}


static int
cb_start_array(void *ctx)
{
    onestop_batch_parser_t  *p;

    p = ctx;
    p->depth++;

    if (p->depth > DEPTH_MAX) {
        syntax_error(p, "nesting deeper than 32 (item %zu)", p->index);
        return 0;
    }

    if (p->skip) {
        p->skip++;
        return 1;
    }

    if (!p->in_record) {
        if (p->depth == 1 && !p->ndjson) {
            p->top_array = 1;
            return 1;
        }

        return syntax_error(p, p->ndjson ? "line %zu is not a JSON object"
                                         : "item %zu is not a JSON object",
                            p->index);
    }

    if (p->key != K_UNKNOWN) {
        record_error(p, "a member has an array where a value belongs");
    }

    p->skip = 1;
    return 1;
}


static int
cb_end_array(void *ctx)
{
    onestop_batch_parser_t  *p;

    p = ctx;
    p->depth--;

    if (p->skip) {
        p->skip--;
    }

    return 1;
}


static void
one_line(char *s)
{
    for ( /* void */ ; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t') {
            *s = ' ';
        }
    }
}


static void
tidy_message(onestop_batch_t *b)
{
    size_t  n;

    one_line(b->message);
    n = strlen(b->message);

    while (n > 0 && b->message[n - 1] == ' ') {
        b->message[--n] = '\0';
    }
}


/*
 * yajl turns an escaped high surrogate with no low one after it
 * ("\ud800 x") into "?", silently changing the text; a lone low one comes
 * out as bytes the UTF-8 check refuses.  This follows the body's strings
 * (across chunks) and finds both, so that such a body is a 400 rather than
 * a record that differs from what was sent.  -1 at the first.
 */
enum { JS_OUT = 0, JS_STR, JS_ESC, JS_HEX, JS_WANT_BS, JS_WANT_U };

#define ONESTOP_LONE_SURROGATE                                               \
    "an escaped surrogate (\\ud800-\\udfff) out of its pair"

static int
surrogates_scan(onestop_batch_parser_t *p, const unsigned char *s,
    size_t len)
{
    size_t    i;
    unsigned  c, d;

    for (i = 0; i < len; i++) {
        c = s[i];

        switch (p->js_state) {

        case JS_OUT:
            /* the common states skip ahead to what matters */
            while (c != '"' && ++i < len) {
                c = s[i];
            }

            if (c == '"') {
                p->js_state = JS_STR;
            }
            break;

        case JS_STR:
            while (c != '"' && c != '\\' && ++i < len) {
                c = s[i];
            }

            if (c == '"') {
                p->js_state = JS_OUT;
            } else if (c == '\\') {
                p->js_state = JS_ESC;
            }
            break;

        case JS_ESC:
            if (c == 'u') {
                p->js_state = JS_HEX;
                p->js_hex = 0;
                p->js_val = 0;
            } else {
                p->js_state = JS_STR;
            }
            break;

        case JS_HEX:
            /* not a hex digit: yajl refuses the body anyway */
            d = c | 0x20;
            d = (c >= '0' && c <= '9') ? c - '0'
                : (d >= 'a' && d <= 'f') ? d - 'a' + 10 : 0;
            p->js_val = p->js_val << 4 | d;

            if (++p->js_hex < 4) {
                break;
            }

            if (p->js_high) {
                if (p->js_val < 0xdc00 || p->js_val > 0xdfff) {
                    return -1;
                }
                p->js_high = 0;
                p->js_state = JS_STR;

            } else if (p->js_val >= 0xd800 && p->js_val <= 0xdbff) {
                p->js_high = 1;
                p->js_state = JS_WANT_BS;

            } else if (p->js_val >= 0xdc00 && p->js_val <= 0xdfff) {
                return -1;

            } else {
                p->js_nul |= p->js_val == 0;
                p->js_state = JS_STR;
            }
            break;

        case JS_WANT_BS:
            if (c != '\\') {
                return -1;
            }
            p->js_state = JS_WANT_U;
            break;

        case JS_WANT_U:
            if (c != 'u') {
                return -1;
            }
            p->js_state = JS_HEX;
            p->js_hex = 0;
            p->js_val = 0;
            break;
        }
    }

    return 0;
}


static int
feed_yajl(onestop_batch_t *b, const unsigned char *s, size_t len)
{
    unsigned char           *err;
    onestop_batch_parser_t  *p;

    p = b->parser;

    if (surrogates_scan(p, s, len) != 0) {
        if (b->error != 400) {
            b->error = 400;
            if (p->ndjson) {
                snprintf(b->message, sizeof(b->message),
                         "line %zu is not valid JSON: %s", p->index,
                         ONESTOP_LONE_SURROGATE);
                syntax_item(b, p->index);

            } else {
                snprintf(b->message, sizeof(b->message),
                         "the body is not valid JSON: %s",
                         ONESTOP_LONE_SURROGATE);
                b->nitems = 0;
                b->nfailed = 0;
            }
        }

        return -1;
    }

    if (yajl_parse(p->h, s, len) == yajl_status_ok) {
        return 0;
    }

    if (b->error != 400) {
        err = yajl_get_error(p->h, 0, s, len);
        b->error = 400;

        if (p->ndjson) {
            snprintf(b->message, sizeof(b->message),
                     "line %zu is not valid JSON: %s", p->index,
                     (char *) err);
        } else {
            snprintf(b->message, sizeof(b->message),
                     "the body is not valid JSON: %s", (char *) err);
        }

        yajl_free_error(p->h, err);
        tidy_message(b);

        if (p->ndjson) {
            syntax_item(b, p->index);

        } else {
            b->nitems = 0;              /* a 400: no record is at fault */
            b->nfailed = 0;
            b->error = 400;
        }
    }

    return -1;
}


static int
end_line(onestop_batch_t *b)
{
    unsigned char           *err;
    onestop_batch_parser_t  *p;

    p = b->parser;

    if (p->line_bytes > 0) {
        if (yajl_complete_parse(p->h) != yajl_status_ok) {
            if (b->error != 400) {
                err = yajl_get_error(p->h, 0, NULL, 0);
                b->error = 400;
                snprintf(b->message, sizeof(b->message),
                         "line %zu is not valid JSON: %s", p->index,
                         (char *) err);
                yajl_free_error(p->h, err);
                tidy_message(b);
                syntax_item(b, p->index);
            }
            return -1;
        }

        yajl_free(p->h);
        p->h = NULL;

        if (parser_open(p) != 0) {
            b->error = 500;
            return -1;
        }
    }

    p->index++;
    p->line_bytes = 0;

    return 0;
}


int
onestop_batch_feed(onestop_batch_t *b, const void *data, size_t len)
{
    size_t                   i, start;
    const unsigned char     *s;
    onestop_batch_parser_t  *p;

    p = b->parser;
    s = data;

    if (b->error == 400 || b->error == 500 || p == NULL) {
        return -1;
    }

    if (!p->ndjson) {
        return feed_yajl(b, s, len);
    }

    start = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '\n') {
            if (i > start && feed_yajl(b, s + start, i - start) != 0) {
                return -1;
            }

            if (end_line(b) != 0) {
                return -1;
            }

            start = i + 1;

        } else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            p->line_bytes++;
        }
    }

    if (len > start) {
        return feed_yajl(b, s + start, len - start);
    }

    return 0;
}


int
onestop_batch_finish(onestop_batch_t *b)
{
    unsigned char           *err;
    onestop_batch_parser_t  *p;

    p = b->parser;

    if (b->error == 400 || b->error == 500) {
        return b->error;
    }

    if (p->ndjson) {
        if (p->line_bytes > 0) {
            end_line(b);
        }

        return b->error;
    }

    if (yajl_complete_parse(p->h) != yajl_status_ok) {
        if (b->error != 400) {
            err = yajl_get_error(p->h, 0, NULL, 0);
            b->error = 400;
            snprintf(b->message, sizeof(b->message),
                     "the body is not valid JSON: %s", (char *) err);
            yajl_free_error(p->h, err);
            tidy_message(b);
            b->nitems = 0;
            b->nfailed = 0;
            b->error = 400;
        }
    }

    return b->error;
}


/* catalog documents */

static int
tree_str(yajl_val v, const char *member, onestop_str_t *out, int required,
    onestop_arena_t *arena)
{
    const char  *path[2];
    yajl_val     s;
    size_t       len;

    path[0] = member;
    path[1] = NULL;
    s = yajl_tree_get(v, path, yajl_t_any);

    if (s == NULL || YAJL_IS_NULL(s)) {
        out->data = NULL;
        out->len = 0;
        return required ? -1 : 0;
    }

    if (!YAJL_IS_STRING(s)) {
        return -1;
    }

    len = strlen(s->u.string);

    if ((required && len == 0) || len > ONESTOP_NAME_MAX) {
        return -1;
    }

    out->data = onestop_arena_strdup(arena, s->u.string, len);
    out->len = len;

    return out->data == NULL ? -1 : 0;
}


static yajl_val
tree_array(yajl_val doc, const char *member, int *bad)
{
    const char  *path[2];
    yajl_val     a;

    path[0] = member;
    path[1] = NULL;
    a = yajl_tree_get(doc, path, yajl_t_any);

    if (a != NULL && !YAJL_IS_NULL(a) && !YAJL_IS_ARRAY(a)) {
        *bad = 1;
    }

    return (a != NULL && YAJL_IS_ARRAY(a)) ? a : NULL;
}


int
onestop_catalog_doc_parse(onestop_catalog_doc_t *doc, const char *text,
    size_t len)
{
    int                      bad, level;
    char                    *copy, errbuf[200];
    size_t                   i, n;
    yajl_val                 tree, a, e;
    onestop_str_t            lv;
    onestop_batch_parser_t   scan;

    memset(doc, 0, sizeof(onestop_catalog_doc_t));

    /*
     * yajl lets overlong forms and raw surrogates through, turns a lone
     * escaped high surrogate into '?', and its tree cuts a string at a
     * \u0000: a name the public answers show would be other than sent,
     * or not UTF-8.  The batch parser checks each string; here the text
     * is checked whole, as the records' are.
     */

    if (!onestop_utf8_valid(text, len)) {
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: invalid UTF-8");
        return 400;
    }

    memset(&scan, 0, sizeof(scan));

    if (surrogates_scan(&scan, (const unsigned char *) text, len) != 0) {
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: %s", ONESTOP_LONE_SURROGATE);
        return 400;
    }

    copy = malloc(len + 1);

    if (copy == NULL) {
        snprintf(doc->message, sizeof(doc->message), "out of memory");
        return 500;
    }

    memcpy(copy, text, len);
    copy[len] = '\0';
    errbuf[0] = '\0';

    if (strlen(copy) != len) {
        free(copy);
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: a NUL byte");
        return 400;
    }

    tree = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
    free(copy);

    if (tree == NULL) {
        /* yajl's first line; the next ones point at the spot in a copy of
         * the text, which has no place in a one-line message */
        errbuf[strcspn(errbuf, "\n")] = '\0';
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: %s", errbuf);
        one_line(doc->message);
        return 400;
    }

    if (!YAJL_IS_OBJECT(tree)) {
        yajl_tree_free(tree);
        snprintf(doc->message, sizeof(doc->message),
                 "a catalog is a JSON object");
        return 400;
    }

    if (scan.js_nul) {
        yajl_tree_free(tree);
        snprintf(doc->message, sizeof(doc->message),
                 "a catalog's strings may not contain \\u0000");
        return 422;
    }

    bad = 0;

    a = tree_array(tree, "agencies", &bad);
    n = a ? a->u.array.len : 0;
    doc->agencies = onestop_arena_alloc(&doc->arena,
                                   (n + 1) * sizeof(onestop_cat_agency_in_t));

    for (i = 0; doc->agencies && i < n; i++) {
        e = a->u.array.values[i];

        if (!YAJL_IS_OBJECT(e)
            || tree_str(e, "id", &doc->agencies[i].id, 1, &doc->arena) != 0
            || tree_str(e, "name", &doc->agencies[i].name, 1, &doc->arena)
               != 0
            || tree_str(e, "parent", &doc->agencies[i].parent, 0, &doc->arena)
               != 0
            || tree_str(e, "level", &lv, 1, &doc->arena) != 0
            || (level = onestop_level_parse(lv.data, lv.len)) < 0
            || !onestop_code_valid(doc->agencies[i].id.data,
                                   doc->agencies[i].id.len))
        {
            snprintf(doc->message, sizeof(doc->message),
                     "agencies[%zu] needs an id (1 to 64 bytes of A-Z a-z "
                     "0-9 . - _), a name of 1 to 256 bytes, a level "
                     "(province, district or commune) and a parent id or "
                     "null", i);
            yajl_tree_free(tree);
            return 422;
        }

        doc->agencies[i].level = level;
    }

    doc->nagencies = n;

    a = tree_array(tree, "fields", &bad);
    n = a ? a->u.array.len : 0;
    doc->fields = onestop_arena_alloc(&doc->arena,
                                   (n + 1) * sizeof(onestop_cat_entry_in_t));

    for (i = 0; doc->fields && i < n; i++) {
        e = a->u.array.values[i];

        if (!YAJL_IS_OBJECT(e)
            || tree_str(e, "id", &doc->fields[i].id, 1, &doc->arena) != 0
            || tree_str(e, "name", &doc->fields[i].name, 1, &doc->arena) != 0
            || !onestop_code_valid(doc->fields[i].id.data,
                                   doc->fields[i].id.len))
        {
            snprintf(doc->message, sizeof(doc->message),
                     "fields[%zu] needs an id (1 to 64 bytes of A-Z a-z 0-9 "
                     ". - _) and a name of 1 to 256 bytes", i);
            yajl_tree_free(tree);
            return 422;
        }
    }

    doc->nfields = n;

    a = tree_array(tree, "procedures", &bad);
    n = a ? a->u.array.len : 0;
    doc->procedures = onestop_arena_alloc(&doc->arena,
                                   (n + 1) * sizeof(onestop_cat_entry_in_t));

    for (i = 0; doc->procedures && i < n; i++) {
        e = a->u.array.values[i];

        if (!YAJL_IS_OBJECT(e)
            || tree_str(e, "id", &doc->procedures[i].id, 1, &doc->arena) != 0
            || tree_str(e, "name", &doc->procedures[i].name, 1, &doc->arena)
               != 0
            || tree_str(e, "field", &doc->procedures[i].field, 1,
                        &doc->arena) != 0
            || !onestop_code_valid(doc->procedures[i].id.data,
                                   doc->procedures[i].id.len))
        {
            snprintf(doc->message, sizeof(doc->message),
                     "procedures[%zu] needs an id (1 to 64 bytes of A-Z a-z "
                     "0-9 . - _), a name of 1 to 256 bytes and a field id",
                     i);
            yajl_tree_free(tree);
            return 422;
        }
    }

    doc->nprocedures = n;
    yajl_tree_free(tree);

    if (doc->agencies == NULL || doc->fields == NULL
        || doc->procedures == NULL)
    {
        snprintf(doc->message, sizeof(doc->message), "out of memory");
        return 500;
    }

    if (bad) {
        snprintf(doc->message, sizeof(doc->message),
                 "agencies, fields and procedures must be arrays");
        return 422;
    }

    return 0;
}


void
onestop_catalog_doc_free(onestop_catalog_doc_t *doc)
{
    onestop_arena_free(&doc->arena);
}


/* rendering */

void
onestop_gen_str(yajl_gen g, const char *s, size_t len)
{
    yajl_gen_string(g, (const unsigned char *) s, len);
}


void
onestop_gen_cstr(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *) s, strlen(s));
}


static void
gen_date(yajl_gen g, const onestop_ts_t *ts, int32_t offset)
{
    char  buf[ONESTOP_DATE_LEN];

    if (!ts->set) {
        yajl_gen_null(g);
        return;
    }

    onestop_day_format(onestop_ts_day(ts, offset), buf);
    onestop_gen_str(g, buf, ONESTOP_DATE_LEN);
}


void
onestop_gen_ref(yajl_gen g, const char *member, const onestop_str_t *id,
    const onestop_str_t *name)
{
    onestop_gen_cstr(g, member);

    if (id == NULL) {
        yajl_gen_null(g);
        return;
    }

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "id");
    onestop_gen_str(g, id->data, id->len);
    onestop_gen_cstr(g, "name");
    onestop_gen_str(g, name->data, name->len);
    yajl_gen_map_close(g);
}


void
onestop_lookup_render(yajl_gen g, const onestop_record_t *r,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int unmasked)
{
    onestop_refs_t          refs;
    onestop_status_e        st;
    onestop_timeliness_e    tl;
    onestop_shown_name_t    name;

    onestop_catalog_refs(cat, r, &refs);

    st = onestop_record_status(r);
    tl = onestop_record_timeliness(r, offset, today);

    yajl_gen_map_open(g);

    onestop_gen_cstr(g, "code");
    onestop_gen_str(g, r->code.data, r->code.len);

    onestop_gen_cstr(g, "applicant");
    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "name");

    onestop_shown_name(&name, r, unmasked);
    onestop_gen_str(g, name.data, name.len);
    onestop_shown_name_free(&name);

    onestop_gen_cstr(g, "type");
    onestop_gen_cstr(g, r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION
                        ? "organization" : "citizen");
    yajl_gen_map_close(g);

    onestop_gen_ref(g, "agency", refs.agency ? &refs.agency->id : NULL,
                    refs.agency ? &refs.agency->name : NULL);
    onestop_gen_ref(g, "field", refs.field ? &refs.field->id : NULL,
                    refs.field ? &refs.field->name : NULL);
    onestop_gen_ref(g, "procedure",
                    refs.procedure ? &refs.procedure->id : NULL,
                    refs.procedure ? &refs.procedure->name : NULL);

    onestop_gen_cstr(g, "channel");
    onestop_gen_cstr(g, onestop_channel_name(r->channel));

    onestop_gen_cstr(g, "received_date");
    gen_date(g, &r->t[ONESTOP_T_RECEIVED], offset);
    onestop_gen_cstr(g, "due_date");
    gen_date(g, &r->t[ONESTOP_T_DUE], offset);
    onestop_gen_cstr(g, "resolved_date");
    gen_date(g, &r->t[ONESTOP_T_RESOLVED], offset);
    onestop_gen_cstr(g, "returned_date");
    gen_date(g, &r->t[ONESTOP_T_RETURNED], offset);
    onestop_gen_cstr(g, "withdrawn_date");
    gen_date(g, &r->t[ONESTOP_T_WITHDRAWN], offset);

    onestop_gen_cstr(g, "status");
    onestop_gen_cstr(g, onestop_status_name(st));
    onestop_gen_cstr(g, "timeliness");

    if (tl == ONESTOP_TL_NONE) {
        yajl_gen_null(g);
    } else {
        onestop_gen_cstr(g, onestop_timeliness_name(tl));
    }

    onestop_gen_cstr(g, "status_text");
    onestop_gen_cstr(g, onestop_status_text(st, tl));

    onestop_gen_cstr(g, "apology");

    if (r->has_apology) {
        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "issued_date");
        gen_date(g, &r->t[ONESTOP_T_APOLOGY_ISSUED], offset);
        onestop_gen_cstr(g, "new_due_date");
        gen_date(g, &r->t[ONESTOP_T_APOLOGY_NEW_DUE], offset);
        onestop_gen_cstr(g, "reason");

        if (r->reason.len) {
            onestop_gen_str(g, r->reason.data, r->reason.len);
        } else {
            yajl_gen_null(g);
        }

        yajl_gen_map_close(g);

    } else {
        yajl_gen_null(g);
    }

    yajl_gen_map_close(g);
}


void
onestop_error_render(yajl_gen g, const char *code, const char *message,
    const onestop_item_err_t *items, size_t nitems)
{
    size_t  i;

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "error");
    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "code");
    onestop_gen_cstr(g, code);
    onestop_gen_cstr(g, "message");
    onestop_gen_cstr(g, message);

    if (items != NULL) {
        onestop_gen_cstr(g, "items");
        yajl_gen_array_open(g);

        for (i = 0; i < nitems; i++) {
            yajl_gen_map_open(g);
            onestop_gen_cstr(g, "index");
            yajl_gen_integer(g, (long long) items[i].index);
            onestop_gen_cstr(g, "code");
            onestop_gen_cstr(g, items[i].code);
            onestop_gen_cstr(g, "message");
            onestop_gen_cstr(g, items[i].message);
            yajl_gen_map_close(g);
        }

        yajl_gen_array_close(g);
    }

    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}
