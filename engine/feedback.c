/*
 * Questions, complaints and suggestions (Điều 13; onestop_feedback.h):
 * every way in turned into one typed request, the record's binary form,
 * Vietnamese text folded for search, and every answer rendered, JSON or
 * the page's HTML.  No store here: feedback_db.c reads and writes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <yajl/yajl_tree.h>

#include "onestop_feedback_int.h"
#include "onestop_html.h"
#include "onestop_json.h"
#include "onestop_stats_int.h"


static const char  *fb_kinds[] = { "question", "complaint", "suggestion" };


const char *
onestop_fb_kind_name(unsigned kind)
{
    return kind < ONESTOP_FB_KINDS ? fb_kinds[kind] : "question";
}


static int
kind_parse(const char *s, size_t len)
{
    int  i;

    for (i = 0; i < ONESTOP_FB_KINDS; i++) {
        if (strlen(fb_kinds[i]) == len && memcmp(fb_kinds[i], s, len) == 0) {
            return i;
        }
    }

    return -1;
}


int
onestop_feedback_route(int mode, int post, int read, int has_id, uint64_t id,
    const char **allow, const char **message)
{
    int  writable;

    /* the public asks at the location, an agency acts on an id */

    writable = (mode == ONESTOP_FB_INGEST) ? has_id : !has_id;
    *allow = NULL;

    if (post && writable) {
        if (has_id && id == 0) {
            *message = "no question has this id";
            return 404;
        }

        return ONESTOP_FB_WRITE;
    }

    if (!read) {
        *allow = writable ? "GET, HEAD, POST" : "GET, HEAD";
        *message = "this method is not served";
        return 405;
    }

    return ONESTOP_FB_READ;
}


uint64_t
onestop_feedback_id(const char *s, size_t len)
{
    size_t    i;
    uint64_t  n;

    while (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '+')) {
        s++;
        len--;
    }

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }

    if (len == 0 || len > 15) {
        return 0;
    }

    for (n = 0, i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }

        n = n * 10 + (uint64_t) (s[i] - '0');
    }

    return n;
}


/* folding: the base letter of U+00C0..U+01B0 and U+1EA0..U+1EF9 */

static const char  fold_latin[] =
    "aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy"
    "\0yaaaaaaccccccccddddeeeeeeeeeegggggggghh\0\0iiiiiiiii\0\0\0jjkk\0llllll"
    "\0\0\0\0nnnnnn\0\0\0oooooo\0\0rrrrrrsssssssstttt\0\0uuuuuuuuuuuuwwyyyzzzzzz"
    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0oo\0\0\0"
    "\0\0\0\0\0\0\0\0\0\0uu";
static const char  fold_viet[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouu"
    "uuuuuuuuuuuuyyyyyyyy";


/* the next code point of s at *i (invalid bytes: U+FFFD, one byte) */

static uint32_t
utf8_cp(const unsigned char *s, size_t len, size_t *i)
{
    uint32_t  c;
    size_t    n, k;

    c = s[*i];

    if (c < 0x80) {
        (*i)++;
        return c;
    }

    n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
        : (c & 0xf8) == 0xf0 ? 3 : 0;

    if (n == 0 || *i + n >= len + (len > 0 ? 0 : 1)) {
        (*i)++;
        return 0xfffd;
    }

    c &= 0x3f >> n;

    for (k = 1; k <= n; k++) {
        if (*i + k >= len || (s[*i + k] & 0xc0) != 0x80) {
            (*i)++;
            return 0xfffd;
        }

        c = (c << 6) | (s[*i + k] & 0x3f);
    }

    *i += n + 1;
    return c;
}


/* the folded letter of a code point: 0 for a separator, 1 for a mark to
 * drop, else the ASCII letter or digit */

static int
fold_cp(uint32_t c)
{
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            return (int) c;
        }

        return c >= 'A' && c <= 'Z' ? (int) (c | 0x20) : 0;
    }

    if (c >= 0x300 && c <= 0x36f) {
        return 1;                           /* a combining mark */
    }

    if (c >= 0xc0 && c <= 0x1b0) {
        return fold_latin[c - 0xc0] ? fold_latin[c - 0xc0] : 0;
    }

    if (c >= 0x1ea0 && c <= 0x1ef9) {
        return fold_viet[c - 0x1ea0];
    }

    return 0;
}


static size_t
put_utf8(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char) c;
        return 1;
    }

    if (c < 0x800) {
        out[0] = (char) (0xc0 | (c >> 6));
        out[1] = (char) (0x80 | (c & 0x3f));
        return 2;
    }

    out[0] = (char) (0xe0 | (c >> 12));
    out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
    out[2] = (char) (0x80 | (c & 0x3f));
    return 3;
}


size_t
onestop_fold(const char *s, size_t len, char *out)
{
    int       f;
    size_t    i, n;

    for (i = 0, n = 0; i < len; /* void */) {
        f = fold_cp(utf8_cp((const unsigned char *) s, len, &i));

        if (f > 1) {
            out[n++] = (char) f;

        } else if (f == 0 && n > 0 && out[n - 1] != ' ') {
            out[n++] = ' ';
        }
    }

    return n;
}


size_t
onestop_unaccent(const char *s, size_t len, char *out)
{
    int       f;
    size_t    i, n;
    uint32_t  c, lc;

    for (i = 0, n = 0; i < len; /* void */) {
        c = utf8_cp((const unsigned char *) s, len, &i);

        if (c < 0x80) {
            out[n++] = (char) c;
            continue;
        }

        lc = onestop_lower_cp(c);
        f = fold_cp(lc);

        if (f > 1) {
            out[n++] = (char) (lc != c && f >= 'a' && f <= 'z' ? f - 32 : f);

        } else if (f == 0) {
            out[n++] = c == 0x2013 || c == 0x2014 ? '-' : ' ';
        }
    }

    return n;
}


/* a combining mark of U+0300-U+036F begins at s[k] (s[k + 1] exists) */
static int
is_mark_at(const char *s, size_t k)
{
    const unsigned char  *p = (const unsigned char *) s + k;

    return p[0] == 0xcc || (p[0] == 0xcd && p[1] <= 0xaf);
}


/* the exact form of a word with its tone where onestop_tone_first puts
 * it ("hoà" and "hòa" one word) */

static void
fb_tone_first(char *exact, size_t *e)
{
    size_t    i, n;
    uint32_t  cp[3 * ONESTOP_FB_WORD_MAX + 4];

    for (i = 0, n = 0; i < *e; /* void */) {
        cp[n++] = utf8_cp((const unsigned char *) exact, *e, &i);
    }

    if (onestop_tone_first(cp, n)) {
        for (i = 0, *e = 0; i < n; i++) {
            *e += put_utf8(cp[i], exact + *e);
        }
    }
}


int
onestop_fb_words(const char *s, size_t len, onestop_fb_word_pt fn, void *ctx)
{
    int       f, rc;
    size_t    i, j, n, e;
    uint32_t  c;
    char      folded[ONESTOP_FB_WORD_MAX + 1];
    char      exact[3 * ONESTOP_FB_WORD_MAX + 4];

    for (i = 0; i < len; /* void */) {
        n = 0;
        e = 0;

        for (j = i; j < len; /* void */) {
            size_t  k = j;

            c = utf8_cp((const unsigned char *) s, len, &k);

            /* a letter typed with combining marks (Unikey's "Unicode tổ
             * hợp", a Mac's keyboard) is its precomposed letter: the
             * exact form is the same whichever way it was typed */

            if (k + 1 < len && is_mark_at(s, k)) {
                uint32_t  pc = onestop_letter_composed(s, len, j, &k);

                c = pc != 0 ? pc : c;       /* k past its marks, or not */
            }

            f = fold_cp(c);

            if (f == 0) {
                break;
            }

            j = k;

            if (f > 1 && n < ONESTOP_FB_WORD_MAX) {
                folded[n++] = (char) f;
            }

            if (e < 3 * ONESTOP_FB_WORD_MAX && (c < 0x300 || c > 0x36f)) {
                e += put_utf8(onestop_lower_cp(c), exact + e);
            }
        }

        if (n > 0) {
            fb_tone_first(exact, &e);

            if ((rc = fn(ctx, 0, folded, n)) != 0) {
                return rc;
            }

            if ((e != n || memcmp(exact, folded, n) != 0)
                && (rc = fn(ctx, 1, exact, e)) != 0)
            {
                return rc;
            }
        }

        if (j == i) {
            (void) utf8_cp((const unsigned char *) s, len, &j);
        }

        i = j;
    }

    return 0;
}


/* the record's binary form: a fixed head, then the strings */

void
onestop_fb_key(uint64_t id, uint8_t *key)
{
    int  i;

    for (i = 7; i >= 0; i--) {
        key[i] = (uint8_t) (id & 0xff);
        id >>= 8;
    }
}


size_t
onestop_fb_size(const onestop_fb_item_t *it)
{
    return ONESTOP_FB_HEAD + 2 + it->code.len + 2 + it->subject.len
           + 2 + it->name.len + 2 + it->contact.len + 4 + it->text.len
           + 4 + it->answer.len;
}


static uint8_t *
put_str(uint8_t *p, const onestop_str_t *s, size_t lenbytes)
{
    uint32_t  n;

    n = (uint32_t) s->len;
    memcpy(p, &n, lenbytes);        /* little-endian hosts only */
    p += lenbytes;

    if (s->len) {
        memcpy(p, s->data, s->len);
    }

    return p + s->len;
}


void
onestop_fb_encode(const onestop_fb_item_t *it, uint8_t *buf)
{
    uint8_t  *p;

    p = buf;
    *p++ = ONESTOP_FB_FORMAT;
    *p++ = it->kind;
    *p++ = it->flags;
    *p++ = it->forwards;
    memcpy(p, &it->agency, 4);
    memcpy(p + 4, &it->procedure, 4);
    memcpy(p + 8, &it->field, 4);
    memcpy(p + 12, &it->from_agency, 4);
    memcpy(p + 16, &it->submitted, 8);
    memcpy(p + 24, &it->received, 8);
    memcpy(p + 32, &it->answered_at, 8);
    memcpy(p + 40, &it->forwarded_at, 8);
    memcpy(p + 48, &it->due, 4);
    memcpy(p + 52, it->token_hash, 32);
    p = buf + ONESTOP_FB_HEAD;
    p = put_str(p, &it->code, 2);
    p = put_str(p, &it->subject, 2);
    p = put_str(p, &it->name, 2);
    p = put_str(p, &it->contact, 2);
    p = put_str(p, &it->text, 4);
    put_str(p, &it->answer, 4);
}


static int
get_str(const uint8_t **p, const uint8_t *end, size_t lenbytes,
    onestop_str_t *s)
{
    uint32_t  n;

    if ((size_t) (end - *p) < lenbytes) {
        return -1;
    }

    n = 0;
    memcpy(&n, *p, lenbytes);
    *p += lenbytes;

    if ((size_t) (end - *p) < n) {
        return -1;
    }

    s->data = (const char *) *p;
    s->len = n;
    *p += n;

    return 0;
}


int
onestop_fb_decode(const uint8_t *buf, size_t len, onestop_fb_item_t *it)
{
    const uint8_t  *p, *end;

    memset(it, 0, sizeof(onestop_fb_item_t));

    if (len < ONESTOP_FB_HEAD || buf[0] != ONESTOP_FB_FORMAT) {
        return -1;
    }

    it->kind = buf[1];
    it->flags = buf[2];
    it->forwards = buf[3];
    p = buf + 4;
    memcpy(&it->agency, p, 4);
    memcpy(&it->procedure, p + 4, 4);
    memcpy(&it->field, p + 8, 4);
    memcpy(&it->from_agency, p + 12, 4);
    memcpy(&it->submitted, p + 16, 8);
    memcpy(&it->received, p + 24, 8);
    memcpy(&it->answered_at, p + 32, 8);
    memcpy(&it->forwarded_at, p + 40, 8);
    memcpy(&it->due, p + 48, 4);
    memcpy(it->token_hash, p + 52, 32);

    p = buf + ONESTOP_FB_HEAD;
    end = buf + len;

    if (get_str(&p, end, 2, &it->code) != 0
        || get_str(&p, end, 2, &it->subject) != 0
        || get_str(&p, end, 2, &it->name) != 0
        || get_str(&p, end, 2, &it->contact) != 0
        || get_str(&p, end, 4, &it->text) != 0
        || get_str(&p, end, 4, &it->answer) != 0
        || p != end || it->kind >= ONESTOP_FB_KINDS)
    {
        return -1;
    }

    return 0;
}


const char *
onestop_fb_timeliness(const onestop_fb_item_t *it, int32_t offset,
    onestop_day_t today)
{
    if (it->flags & ONESTOP_FBF_ANSWERED) {
        return onestop_sec_day(it->answered_at, offset) <= it->due
               ? "in_time" : "late";
    }

    return it->due < today ? "overdue" : "not_due";
}


/* requests */

typedef struct {
    char    *p;
    char    *end;
} bump_t;


/* a string copied into the op's arena, white space around it trimmed */

static int
take(bump_t *bp, onestop_str_t *dst, const char *s, size_t len)
{
    while (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n'
                       || s[0] == '\r'))
    {
        s++;
        len--;
    }

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'
                       || s[len - 1] == '\n' || s[len - 1] == '\r'))
    {
        len--;
    }

    if ((size_t) (bp->end - bp->p) < len) {
        return -1;
    }

    memcpy(bp->p, s, len);
    dst->data = len ? bp->p : NULL;
    dst->len = len;
    bp->p += len;

    return 0;
}


static int
contact_valid(const onestop_str_t *c)
{
    size_t  i, digits, at;

    for (i = 0, digits = 0, at = 0; i < c->len; i++) {
        if (c->data[i] == '@') {
            at++;
        }

        if (c->data[i] >= '0' && c->data[i] <= '9') {
            digits++;
        }
    }

    if (at == 1) {
        const char  *a = memchr(c->data, '@', c->len);

        return a != c->data && memchr(a, '.', c->len - (a - c->data)) != NULL
               && c->data[c->len - 1] != '.';
    }

    for (i = 0; i < c->len; i++) {
        if (!strchr("0123456789 +-().", c->data[i])) {
            return 0;
        }
    }

    return digits >= 8 && digits <= 15;
}


/* the rules of a new question; NULL or the broken one */

static const char *
ask_rules(onestop_feedback_op_t *op)
{
    if (op->kind < 0) {
        return "kind must be question, complaint or suggestion";
    }

    if (op->subject.len == 0
        || onestop_text_over(op->subject.data, op->subject.len,
                             ONESTOP_FB_SUBJECT_MAX))
    {
        return "subject is required: 1 to 200 characters";
    }

    if (op->text.len == 0) {
        return "text is required";
    }

    if (onestop_text_over(op->text.data, op->text.len, ONESTOP_FB_TEXT_MAX)) {
        return "text is at most 4000 characters";
    }

    if (op->name.len == 0 || op->name.len > ONESTOP_NAME_MAX) {
        return "name is required: 1 to 256 bytes";
    }

    if (op->contact.len == 0 || op->contact.len > ONESTOP_CONTACT_MAX
        || !contact_valid(&op->contact))
    {
        return "contact is required: a phone number or an e-mail address";
    }

    if (op->code.len && !onestop_code_valid(op->code.data, op->code.len)) {
        return "code must be a dossier code";
    }

    if (op->agency.len > ONESTOP_CODE_MAX
        || op->procedure.len > ONESTOP_CODE_MAX)
    {
        return "agency and procedure are catalog ids";
    }

    /* what is published, and the contact an official answers: no
     * character a reader cannot see or that turns the text around it (a
     * subject that reads backwards on the portal's page) */

    if (onestop_text_invisible(op->subject.data, op->subject.len)) {
        return "subject " ONESTOP_TEXT_INVISIBLE;
    }

    if (onestop_text_invisible(op->text.data, op->text.len)) {
        return "text " ONESTOP_TEXT_INVISIBLE;
    }

    if (onestop_text_invisible(op->name.data, op->name.len)) {
        return "name " ONESTOP_TEXT_INVISIBLE;
    }

    if (onestop_text_invisible(op->contact.data, op->contact.len)) {
        return "contact " ONESTOP_TEXT_INVISIBLE;
    }

    return NULL;
}


static void
new_token(onestop_feedback_op_t *op)
{
    uint8_t      raw[16];
    size_t       i, got;
    uint32_t     v;
    const char  *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789-_";
    char        *t;

    for (got = 0; got < sizeof(raw); /* void */) {
        ssize_t  n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n > 0) {
            got += (size_t) n;
        }
    }

    t = op->token;

    for (i = 0; i + 3 <= 15; i += 3) {
        v = (uint32_t) raw[i] << 16 | (uint32_t) raw[i + 1] << 8 | raw[i + 2];
        *t++ = b64[v >> 18];
        *t++ = b64[(v >> 12) & 63];
        *t++ = b64[(v >> 6) & 63];
        *t++ = b64[v & 63];
    }

    v = (uint32_t) raw[15] << 16;
    *t++ = b64[v >> 18];
    *t++ = b64[(v >> 12) & 63];
    *t = '\0';

    SHA256((const unsigned char *) op->token, ONESTOP_FB_TOKEN_LEN,
           op->token_hash);
}


static const char *
json_str(yajl_val tree, const char *name, yajl_val *v)
{
    const char  *path[2];

    path[0] = name;
    path[1] = NULL;
    *v = yajl_tree_get(tree, path, yajl_t_any);

    if (*v == NULL || YAJL_IS_NULL(*v)) {
        *v = NULL;
        return NULL;
    }

    return YAJL_IS_STRING(*v) ? YAJL_GET_STRING(*v) : "";
}


static int
from_json(onestop_feedback_op_t *op, bump_t *bp, const char *body,
    size_t len, const char **message)
{
    int          i, rc;
    char         err[128];
    size_t       j;
    yajl_val     tree, v, pub;
    const char  *s;

    static const char  *names[] = {
        "kind", "agency", "procedure", "code", "subject", "text", "name",
        "contact", "answer", "forward_to"
    };
    onestop_str_t  *dst[10];

    dst[0] = NULL;
    dst[1] = &op->agency;
    dst[2] = &op->procedure;
    dst[3] = &op->code;
    dst[4] = &op->subject;
    dst[5] = &op->text;
    dst[6] = &op->name;
    dst[7] = &op->contact;
    dst[8] = &op->answer;
    dst[9] = &op->forward_to;

    /* yajl's tree gives strings up to their first NUL: one written \u0000
     * would cut its member short rather than be refused as the other
     * control characters are */

    for (j = 0; j + 6 <= len; j++) {
        if (body[j] == '\\') {
            if (body[j + 1] == 'u' && memcmp(body + j + 2, "0000", 4) == 0) {
                *message = "a member holds a NUL character (\\u0000)";
                return 422;
            }

            j++;                        /* the escaped character */
        }
    }

    memcpy(bp->p, body, len);
    bp->p[len] = '\0';
    tree = yajl_tree_parse(bp->p, err, sizeof(err));

    if (tree == NULL || !YAJL_IS_OBJECT(tree)) {
        yajl_tree_free(tree);
        *message = "the body is not a JSON object";
        return 400;
    }

    /* a member named twice: JSON libraries differ on which one they take
     * (yajl's tree the first), so neither is, as the form's (args.c) */

    if (onestop_json_twice(tree, NULL) != NULL) {
        yajl_tree_free(tree);
        *message = "a member is given twice";
        return 400;
    }

    rc = 0;

    for (i = 0; i < 10; i++) {
        s = json_str(tree, names[i], &v);

        if (v == NULL) {
            continue;
        }

        if (!YAJL_IS_STRING(v)) {
            *message = "the members are strings";
            rc = 422;
            break;
        }

        if (i == 0) {
            op->kind = kind_parse(s, strlen(s));
            continue;
        }

        if (take(bp, dst[i], s, strlen(s)) != 0) {
            rc = 400;
            *message = "the body is too large";
            break;
        }
    }

    pub = yajl_tree_get(tree, (const char *[]) { "publish", NULL },
                        yajl_t_any);

    if (rc == 0 && pub != NULL && !YAJL_IS_NULL(pub)) {
        if (!YAJL_IS_TRUE(pub) && !YAJL_IS_FALSE(pub)) {
            *message = "publish is true or false";
            rc = 422;
        }

        op->publish = YAJL_IS_TRUE(pub);
    }

    yajl_tree_free(tree);
    return rc;
}


static int
from_form(onestop_feedback_op_t *op, bump_t *bp, const char *body,
    size_t len, const char **message)
{
    size_t                i;
    onestop_args_t        a;
    const onestop_arg_t  *arg;
    const onestop_str_t  *v;

    static const char  *const names[] = {
        "kind", "agency", "procedure", "code", "subject", "text", "name",
        "contact", "website", NULL
    };

    if (onestop_args_parse(&a, body, len, bp->p) != 0
        || onestop_args_once(a.arg, a.n, names, a.error, sizeof(a.error))
           != 0)
    {
        *message = "the form could not be read";
        return 400;
    }

    bp->p += len + 1;

    for (i = 0; i < a.n; i++) {
        arg = &a.arg[i];
        v = &arg->value;

        /* the body was checked as UTF-8, but a percent-encoded byte is
         * only seen decoded: stored, it would break every JSON answer
         * that holds the question */

        if (!onestop_utf8_valid(v->data, v->len)) {
            *message = "the form is not UTF-8";
            return 400;
        }

#define fb_field(n, dst)                                                     \
        if (arg->key.len == sizeof(n) - 1                                    \
            && memcmp(arg->key.data, n, sizeof(n) - 1) == 0)                 \
        {                                                                    \
            if (take(bp, dst, v->data, v->len) != 0) {                       \
                return 400;                                                  \
            }                                                                \
            continue;                                                        \
        }

        if (arg->key.len == 4 && memcmp(arg->key.data, "kind", 4) == 0) {
            op->kind = kind_parse(v->data, v->len);
            continue;
        }

        if (arg->key.len == 7 && memcmp(arg->key.data, "website", 7) == 0) {
            if (v->len) {
                *message = "the hidden field \"website\" must stay empty: "
                           "the form was filled in by a program";
                return 400;
            }
            continue;
        }

        fb_field("agency", &op->agency);
        fb_field("procedure", &op->procedure);
        fb_field("code", &op->code);
        fb_field("subject", &op->subject);
        fb_field("text", &op->text);
        fb_field("name", &op->name);
        fb_field("contact", &op->contact);

#undef fb_field
    }

    return 0;
}


int
onestop_feedback_request(onestop_feedback_op_t *op, int mode, uint64_t id,
    const char *body, size_t len, int form, const char **code,
    const char **message)
{
    int      rc;
    bump_t   bp;

    memset(op, 0, sizeof(onestop_feedback_op_t));
    op->mode = mode;
    op->kind = -1;
    op->publish = -1;
    *code = "invalid";

    /* the body twice at most: a copy to parse, and the strings taken */

    op->arena = malloc(3 * len + 16);

    if (op->arena == NULL) {
        *code = "internal_error";
        *message = "out of memory";
        return 500;
    }

    bp.p = op->arena;
    bp.end = op->arena + 3 * len + 16;

    if (!onestop_utf8_valid(body, len)) {
        *code = "bad_request";
        *message = "the body is not UTF-8";
        return 400;
    }

    rc = form && mode != ONESTOP_FB_INGEST
         ? from_form(op, &bp, body, len, message)
         : from_json(op, &bp, body, len, message);

    if (rc != 0) {
        *code = rc == 400 ? "bad_request" : "invalid";
        return rc;
    }

    if (mode == ONESTOP_FB_INGEST) {
        op->id = id;

        if (op->forward_to.len && (op->answer.len || op->publish >= 0)) {
            *message = "answer and forward_to cannot be combined";
            return 422;
        }

        if (op->forward_to.len) {
            op->op = ONESTOP_FB_FORWARD;
            return 0;
        }

        if (op->answer.len > ONESTOP_FB_ANSWER_MAX) {
            *message = "answer is at most 16000 bytes";
            return 422;
        }

        if (onestop_text_invisible(op->answer.data, op->answer.len)) {
            *message = "answer " ONESTOP_TEXT_INVISIBLE;
            return 422;
        }

        if (op->answer.len == 0 && op->publish < 0) {
            *message = "answer (with publish) or forward_to is required";
            return 422;
        }

        op->op = ONESTOP_FB_ANSWER;
        return 0;
    }

    op->op = ONESTOP_FB_ASK;

    /* a dossier's code as typed or pasted: its spaces forgiven, and its
       lower case when it is not found as it is (feedback_db.c) */

    onestop_code_trim(&op->code.data, &op->code.len);

    *message = ask_rules(op);

    if (*message != NULL) {
        return 422;
    }

    new_token(op);
    return 0;
}


void
onestop_feedback_op_free(onestop_feedback_op_t *op)
{
    free(op->arena);
    op->arena = NULL;
}


