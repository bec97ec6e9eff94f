/*
 * Dossier batches parsed as their bytes arrive.
 *
 * yajl's callback parser is fed each chunk of a body as it comes, so a
 * body is never copied whole and its chunking does not matter: one
 * record, an array of records, or NDJSON, where each line gets a parser
 * of its own.  Beside yajl, a small scanner follows the body's strings
 * across chunks and refuses an escaped surrogate out of its pair, which
 * yajl would silently change.  A syntax error stops the batch (400,
 * naming the item or line); what a record's members say is
 * batch_record.c's.
 *
 * Calls batch_record.c; json.c borrows the scanner for catalogs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "onestop_batch_int.h"


#define DEPTH_MAX  32

static int parser_open(onestop_batch_parser_t *p);
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
static int end_line(onestop_batch_t *b);


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


static int
cb_null(void *ctx)
{
    return onestop_rec_value(ctx, V_NULL, NULL, 0) == 0;
}


static int
cb_boolean(void *ctx, int v)
{
    (void) v;
    return onestop_rec_value(ctx, V_BOOL, NULL, 0) == 0;
}


static int
cb_number(void *ctx, const char *s, size_t len)
{
    return onestop_rec_value(ctx, V_NUMBER, s, len) == 0;
}


static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
    onestop_batch_parser_t  *p = ctx;

    if (!onestop_utf8_valid((const char *) s, len)) {
        return onestop_syntax_error(p, p->ndjson
                                       ? "line %zu has invalid UTF-8"
                                       : "item %zu has invalid UTF-8",
                                    p->index);
    }

    return onestop_rec_value(ctx, V_STRING, (const char *) s, len) == 0;
}


static int
cb_start_map(void *ctx)
{
    onestop_batch_parser_t  *p;

    p = ctx;
    p->depth++;

    if (p->depth > DEPTH_MAX) {
        onestop_syntax_error(p, "nesting deeper than 32 (item %zu)", p->index);
        return 0;
    }

    if (p->skip) {
        p->skip++;
        return 1;
    }

    if (!p->in_record) {
        if (p->depth == 1 + p->top_array) {
            return onestop_rec_begin(p) == 0;
        }

        return onestop_syntax_error(p, "item %zu is not a JSON object",
                                    p->index);
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
            onestop_rec_error(p, "a member has an object where a value "
                                 "belongs");
        }

    } else if (p->depth == p->rec_depth + 2 && p->key != K_UNKNOWN) {
        onestop_rec_error(p, "a member has an object where a value belongs");
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
        return onestop_syntax_error(p, p->ndjson
                                       ? "line %zu has invalid UTF-8"
                                       : "item %zu has invalid UTF-8",
                                    p->index);
    }

    if (p->skip) {
        return 1;
    }

    p->key = onestop_rec_key(p, (const char *) s, len);

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
        onestop_rec_end(p);

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
        onestop_syntax_error(p, "nesting deeper than 32 (item %zu)", p->index);
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

        return onestop_syntax_error(p, p->ndjson
                                       ? "line %zu is not a JSON object"
                                       : "item %zu is not a JSON object",
                                    p->index);
    }

    if (p->key == K_NOTIFY && p->depth == p->rec_depth + 1
        && p->sub == SUB_NONE)
    {
        p->sub = SUB_NOTIFY;            /* the channels chosen (issue 16) */
        p->rec->notify = ONESTOP_NOTIFY_GIVEN;
        return 1;
    }

    if (p->key != K_UNKNOWN) {
        onestop_rec_error(p, "a member has an array where a value belongs");
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

    } else if (p->sub == SUB_NOTIFY && p->depth == p->rec_depth) {
        p->sub = SUB_NONE;
        p->key = K_UNKNOWN;
    }

    return 1;
}


void
onestop_json_one_line(char *s)
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

    onestop_json_one_line(b->message);
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

int
onestop_json_surrogates(onestop_batch_parser_t *p, const unsigned char *s,
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

    if (onestop_json_surrogates(p, s, len) != 0) {
        if (b->error != 400) {
            b->error = 400;
            if (p->ndjson) {
                snprintf(b->message, sizeof(b->message),
                         "line %zu is not valid JSON: %s",
                         p->index + b->line_base,
                         ONESTOP_LONE_SURROGATE);
                onestop_syntax_item(b, p->index);

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
                     "line %zu is not valid JSON: %s",
                     p->index + b->line_base, (char *) err);
        } else {
            snprintf(b->message, sizeof(b->message),
                     "the body is not valid JSON: %s", (char *) err);
        }

        yajl_free_error(p->h, err);
        tidy_message(b);

        if (p->ndjson) {
            onestop_syntax_item(b, p->index);

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
                         "line %zu is not valid JSON: %s",
                         p->index + b->line_base,
                         (char *) err);
                yajl_free_error(p->h, err);
                tidy_message(b);
                onestop_syntax_item(b, p->index);
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

    /* a byte order mark before the first record, as Windows' Notepad
     * saves UTF-8: RFC 8259 lets a parser ignore it, and nothing would
     * show the operator why the first line is "not valid JSON" */

    if (!p->fed && len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
        s += 3;
        len -= 3;
    }

    p->fed |= (len > 0);

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
