/*
 * Arena and buffer: the strings of a parsed batch or catalog document go
 * into an arena and an answer into a growable buffer, each freed whole in
 * one call, so that an error path has one thing to free rather than one
 * per string.  (Other files allocate their own tables and scratch space
 * with malloc too.)
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_util.h"


#define BLOCK_SIZE  (64 * 1024)

struct onestop_arena_block_s {
    onestop_arena_block_t  *next;
    size_t                  used;
    size_t                  size;
    uint64_t                data[];
};


void *
onestop_arena_alloc(onestop_arena_t *a, size_t n)
{
    size_t                  size;
    onestop_arena_block_t  *b;
    void                   *p;

    n = (n + 7) & ~(size_t) 7;
    b = a->head;

    if (b == NULL || b->size - b->used < n) {
        size = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
        b = malloc(sizeof(onestop_arena_block_t) + size);

        if (b == NULL) {
            return NULL;
        }

        b->used = 0;
        b->size = size;

        if (size == n && a->head != NULL) {
            /* a big one: keep the current block in front */
            b->next = a->head->next;
            a->head->next = b;
            b->used = n;
            return b->data;
        }

        b->next = a->head;
        a->head = b;
    }

    p = (char *) b->data + b->used;
    b->used += n;

    return p;
}


char *
onestop_arena_strdup(onestop_arena_t *a, const char *s, size_t len)
{
    char  *p;

    p = onestop_arena_alloc(a, len + 1);

    if (p != NULL) {
        if (len) {
            memcpy(p, s, len);
        }
        p[len] = '\0';
    }

    return p;
}


void
onestop_arena_free(onestop_arena_t *a)
{
    onestop_arena_block_t  *b, *next;

    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        free(b);
    }

    a->head = NULL;
}


int
onestop_buf_grow(onestop_buf_t *b, size_t n)
{
    size_t   cap;
    char    *d;

    if (b->failed) {
        return -1;
    }

    cap = b->cap ? b->cap : 256;

    while (cap - b->len < n + 1) {
        cap *= 2;
    }

    d = realloc(b->data, cap);

    if (d == NULL) {
        b->failed = 1;
        return -1;
    }

    b->data = d;
    b->cap = cap;

    return 0;
}


void
onestop_buf_adds(onestop_buf_t *b, const char *s)
{
    onestop_buf_add(b, s, strlen(s));
}


void
onestop_buf_printf(onestop_buf_t *b, const char *fmt, ...)
{
    int      n;
    char     small[256];
    char    *big;
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);

    if (n < 0) {
        b->failed = 1;
        return;
    }

    if ((size_t) n < sizeof(small)) {
        onestop_buf_add(b, small, (size_t) n);
        return;
    }

    big = malloc((size_t) n + 1);

    if (big == NULL) {
        b->failed = 1;
        return;
    }

    va_start(ap, fmt);
    vsnprintf(big, (size_t) n + 1, fmt, ap);
    va_end(ap);

    onestop_buf_add(b, big, (size_t) n);
    free(big);
}


int
onestop_secret_private(const char *what, const char *path, unsigned mode,
    const char *tail, char *err, size_t errlen)
{
    if ((mode & 077) == 0) {
        return 0;
    }

    snprintf(err, errlen, "%s \"%s\" is open to its group or others (mode "
             "%04o): run \"chmod 0600 %s\"%s", what, path, mode & 07777,
             path, tail);
    return -1;
}


void
onestop_buf_free(onestop_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}


void
onestop_csv_cell(onestop_buf_t *b, const char *s, size_t len)
{
    onestop_csv_cell_sep(b, s, len, ',');
}


void
onestop_csv_cell_sep(onestop_buf_t *b, const char *s, size_t len, char sep)
{
    int     formula;
    size_t  i, from;

    formula = len > 0 && memchr("=+-@\t\r", s[0], 6) != NULL;

    if (!formula && memchr(s, ',', len) == NULL && memchr(s, sep, len) == NULL && memchr(s, '"', len) == NULL
        && memchr(s, '\r', len) == NULL && memchr(s, '\n', len) == NULL)
    {
        onestop_buf_add(b, s, len);
        return;
    }

    onestop_buf_add(b, formula ? "\"'" : "\"", formula ? 2 : 1);

    for (i = 0, from = 0; i < len; i++) {
        if (s[i] == '"') {
            onestop_buf_add(b, s + from, i + 1 - from);
            from = i;
        }
    }

    onestop_buf_add(b, s + from, len - from);
    onestop_buf_add(b, "\"", 1);
}


/* the bytes yajl's generator writes for a string (it checks no UTF-8
 * here, onestop_report_gen, and leaves '/' as it is), straight into a
 * buffer: runs copied whole, only quotes, backslashes and control
 * characters escaped */
void
onestop_json_str(onestop_buf_t *b, const char *s, size_t len)
{
    char            u[7];
    size_t          i, start;
    const char     *e;
    unsigned char   c;

    static const char  hex[] = "0123456789ABCDEF";

    /* the common case, nothing to escape: one copy between the quotes */

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c < 0x20 || c == '"' || c == '\\') {
            break;
        }
    }

    if (i == len) {
        if (b->failed
            || (b->cap - b->len < len + 3 && onestop_buf_grow(b, len + 2)))
        {
            return;
        }

        b->data[b->len] = '"';
        if (len) {
            memcpy(b->data + b->len + 1, s, len);
        }

        b->len += len + 2;
        b->data[b->len - 1] = '"';
        b->data[b->len] = '\0';
        return;
    }

    onestop_buf_add(b, "\"", 1);

    for (i = 0, start = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        switch (c) {
        case '"':  e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default:
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 0xf];
            u[6] = '\0';
            e = u;
        }

        onestop_buf_add(b, s + start, i - start);
        onestop_buf_adds(b, e);
        start = i + 1;
    }

    onestop_buf_add(b, s + start, len - start);
    onestop_buf_add(b, "\"", 1);
}


uint64_t
onestop_digest64(const void *p, size_t len)
{
    size_t          i;
    uint64_t        h, w, l0, l1, l2, l3;
    const uint8_t  *b = p;

#define DIGEST_K      0xff51afd7ed558ccdULL
#define DIGEST_MIX(x, v)                                                    \
    x = ((x) ^ (v)) * DIGEST_K;                                             \
    x ^= (x) >> 32

    h = 0x9e3779b97f4a7c15ULL ^ (uint64_t) len;
    i = 0;

    /* four lanes side by side, 32 bytes a round, so that one round's
     * multiplications do not wait for each other (a 4 KiB page's ETag
     * was 5 % of a lookup's CPU with one lane), then folded in turn */

    if (len >= 32) {
        l0 = h;
        l1 = h ^ 0x2545f4914f6cdd1dULL;
        l2 = h ^ 0x94d049bb133111ebULL;
        l3 = h ^ 0xbf58476d1ce4e5b9ULL;

        for ( ; i + 32 <= len; i += 32) {
            memcpy(&w, b + i, 8);
            DIGEST_MIX(l0, w);
            memcpy(&w, b + i + 8, 8);
            DIGEST_MIX(l1, w);
            memcpy(&w, b + i + 16, 8);
            DIGEST_MIX(l2, w);
            memcpy(&w, b + i + 24, 8);
            DIGEST_MIX(l3, w);
        }

        DIGEST_MIX(h, l0);
        DIGEST_MIX(h, l1);
        DIGEST_MIX(h, l2);
        DIGEST_MIX(h, l3);
    }

    for ( ; i + 8 <= len; i += 8) {
        memcpy(&w, b + i, 8);
        DIGEST_MIX(h, w);
    }

#undef DIGEST_MIX
#undef DIGEST_K

    w = 0;
    memcpy(&w, b + i, len - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;

    return h;
}


uint32_t
onestop_hash(const char *s, size_t len)
{
    uint32_t  h;
    size_t    i;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 16777619u;
    }

    return h;
}


int
onestop_text_over(const char *s, size_t len, size_t max)
{
    size_t  i, n;

    if (len > 4 * max) {
        return 1;               /* more than any max characters can be */
    }

    for (i = 0, n = 0; i < len; i++) {
        n += ((unsigned char) s[i] & 0xc0) != 0x80;
    }

    return n > max;
}


size_t
onestop_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) {
        return len;
    }

    while (max > 0 && ((unsigned char) s[max] & 0xc0) == 0x80) {
        max--;                      /* not in the middle of a character */
    }

    return max;
}


int
onestop_utf8_valid(const char *s, size_t len)
{
    size_t                i, n, k;
    uint32_t              cp, min;
    const unsigned char  *u;

    u = (const unsigned char *) s;

    for (i = 0; i < len; i += n) {
        if (u[i] < 0x80) {
            n = 1;
            continue;
        }

        if ((u[i] & 0xe0) == 0xc0) {
            n = 2;
            cp = u[i] & 0x1f;
            min = 0x80;

        } else if ((u[i] & 0xf0) == 0xe0) {
            n = 3;
            cp = u[i] & 0x0f;
            min = 0x800;

        } else if ((u[i] & 0xf8) == 0xf0) {
            n = 4;
            cp = u[i] & 0x07;
            min = 0x10000;

        } else {
            return 0;
        }

        if (len - i < n) {
            return 0;
        }

        for (k = 1; k < n; k++) {
            if ((u[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (u[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}


/* the lower case of a Vietnamese letter (Latin-1, Latin Extended-A, the
 * Vietnamese block, Ơ and Ư); any other code point as it is */

uint32_t
onestop_lower_cp(uint32_t c)
{
    if (c < 0x80) {
        return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
    }

    if (c >= 0xc0 && c <= 0xde && c != 0xd7) {
        return c + 0x20;
    }

    if ((c >= 0x100 && c <= 0x137 && !(c & 1))
        || (c >= 0x1ea0 && c <= 0x1ef9 && !(c & 1))
        || c == 0x1a0 || c == 0x1af)
    {
        return c + 1;
    }

    return c;
}


int
onestop_text_invisible(const char *s, size_t len)
{
    size_t                i;
    const unsigned char  *u;

    u = (const unsigned char *) s;

    for (i = 0; i < len; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            if (u[i] != '\t' && u[i] != '\n' && u[i] != '\r') {
                return 1;
            }

            continue;
        }

        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] <= 0x9f) {
            return 1;                           /* U+0080-U+009F */
        }

        if (u[i] == 0xe2 && i + 2 < len
            && ((u[i + 1] == 0x80 && u[i + 2] >= 0xa8 && u[i + 2] <= 0xae)
                || (u[i + 1] == 0x81 && u[i + 2] >= 0xa6
                    && u[i + 2] <= 0xa9)))
        {
            return 1;                   /* U+2028-U+202E, U+2066-U+2069 */
        }

        if (u[i] == 0xef && i + 2 < len && u[i + 1] == 0xbb
            && u[i + 2] == 0xbf)
        {
            return 1;                           /* U+FEFF */
        }
    }

    return 0;
}
