/*
 * Small tools the engine shares: an arena for the strings of a parsed
 * batch or a loaded catalog (freed all at once), and a growable byte
 * buffer for rendering.
 */

#ifndef ONESTOP_UTIL_H
#define ONESTOP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct onestop_arena_block_s  onestop_arena_block_t;

typedef struct {
    onestop_arena_block_t  *head;
} onestop_arena_t;

/* Returns n bytes aligned to 8, or NULL when memory is exhausted. */
void *onestop_arena_alloc(onestop_arena_t *a, size_t n);
/* A copy of s[0..len) with a NUL after it, or NULL. */
char *onestop_arena_strdup(onestop_arena_t *a, const char *s, size_t len);
/* Frees every block; the arena may be used again. */
void onestop_arena_free(onestop_arena_t *a);

typedef struct {
    char    *data;
    size_t   len;
    size_t   cap;
    int      failed;         /* an allocation failed: data is incomplete */
} onestop_buf_t;

/* s[0..len) as a JSON string, the same bytes as yajl_gen writes (no
 * UTF-8 check, '/' as it is): quotes, backslashes and control characters
 * escaped. */
void onestop_json_str(onestop_buf_t *b, const char *s, size_t len);

/* Room for n bytes more and a NUL: 0; or -1, with failed set. */
int onestop_buf_grow(onestop_buf_t *b, size_t n);

/* Appends p[0..n), keeping a NUL after the bytes; inline, since the
 * renderers call it for every piece of an answer, most of them small. */
static inline void
onestop_buf_add(onestop_buf_t *b, const void *p, size_t n)
{
    if (b->failed
        || (b->cap - b->len < n + 1 && onestop_buf_grow(b, n) != 0))
    {
        return;
    }

    if (n) {
        memcpy(b->data + b->len, p, n);
    }

    b->len += n;
    b->data[b->len] = '\0';
}

/* Appends a string literal (its length known when compiled). */
#define onestop_buf_lit(b, s)  onestop_buf_add(b, s, sizeof(s) - 1)

void onestop_buf_adds(onestop_buf_t *b, const char *s);
void onestop_buf_printf(onestop_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void onestop_buf_free(onestop_buf_t *b);

/* Appends s[0..len) as one CSV text cell (RFC 4180), the one function
 * every CSV writer uses for text. A cell with a comma, a quote, CR or LF
 * is quoted, quotes doubled. A cell that begins with =, +, -, @, TAB or
 * CR, which a spreadsheet would run as a formula (OWASP "CSV Injection"),
 * is quoted and gets a single quote in front: "'=SUM(A1)". Numbers the
 * program writes itself are not text and do not go through here. */
void onestop_csv_cell(onestop_buf_t *b, const char *s, size_t len);
/* The same with `sep` (',' or ';') quoted too. */
void onestop_csv_cell_sep(onestop_buf_t *b, const char *s, size_t len,
    char sep);

/* 1 when the text s[0..len) is longer than `max` characters (code
 * points; bytes that are not UTF-8 count one each), as a form's maxlength
 * counts them, not bytes: Vietnamese takes 2 or 3 bytes a letter with its
 * diacritics, and a form must not accept what the server then refuses.
 * More than 4 * max bytes is always over. */
int onestop_text_over(const char *s, size_t len, size_t max);

/* the most bytes of s[0..len), at most max, that end between two UTF-8
 * characters: where a text is cut to fit */
size_t onestop_utf8_cut(const char *s, size_t len, size_t max);

/* 1 when s[0..len) is well-formed UTF-8: no overlong form, no surrogate,
 * nothing above U+10FFFF (stricter than yajl's own check). */
int onestop_utf8_valid(const char *s, size_t len);

/*
 * 1 when the UTF-8 text s[0..len) holds a character that a reader cannot
 * see, or that changes how what is around it shows: a C0 control but TAB,
 * LF and CR (white space, which a name's masking parts words on), DEL, a
 * C1 control (U+0080-U+009F), the line and paragraph separators U+2028
 * and U+2029, the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069, which can make a name or a reason read
 * backwards on a page) and U+FEFF.  What a name, a contact or a reason
 * may not hold (rules.md section 2); ONESTOP_TEXT_INVISIBLE says it.
 */
int onestop_text_invisible(const char *s, size_t len);

#define ONESTOP_TEXT_INVISIBLE                                               \
    "holds a control or invisible character (U+0000-U+001F but TAB, LF "     \
    "and CR; U+007F-U+009F, U+2028-U+202E, U+2066-U+2069, U+FEFF)"

/* FNV-1a, for the catalog's hash tables. */
uint32_t onestop_hash(const char *s, size_t len);

/*
 * A 64-bit digest of a body, for its ETag: eight bytes a step (each step a
 * bijection of the state for a given word, so two bodies of one length
 * that differ in one word always differ), about five times faster than
 * FNV-1a a byte at a time on a lookup's 700 bytes.  Not cryptographic.
 */
uint64_t onestop_digest64(const void *p, size_t len);

/* the lower case of a Vietnamese letter, other code points as they are */
uint32_t onestop_lower_cp(uint32_t c);

/*
 * A secret's file (a key, a password, a token) is its owner's alone: 0
 * when `mode` (st_mode) gives its group and others nothing; else -1 with
 * err naming the file (`what` "path"), its mode and the chmod that mends
 * it, then `tail` (a remark, or "").  The QR key file, nginx's Redis
 * password_file= and the notifier's secrets say it alike.
 */
int onestop_secret_private(const char *what, const char *path,
    unsigned mode, const char *tail, char *err, size_t errlen);


#endif /* ONESTOP_UTIL_H */
