/*
 * What the batch parser's and the renderer's unit tests share
 * (test_json.c, test_json_render.c): SPEC section 3's example record as
 * JSON text with one member replaced, and a batch fed in chunks of the
 * heap so that the address sanitizer catches a pointer kept into a body.
 */

#ifndef ONESTOP_TEST_RECORDS_H
#define ONESTOP_TEST_RECORDS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_date.h"
#include "onestop_json.h"
#include "onestop_record.h"


#define OFF  ONESTOP_DEFAULT_OFFSET

static onestop_day_t  today;        /* 2019-08-01, set by main */


/* malloc that never returns NULL: a test without memory stops */
static inline void *
xmalloc(size_t n)
{
    void  *p;

    p = malloc(n ? n : 1);

    if (p == NULL) {
        printf("Bail out! out of memory\n");
        exit(2);
    }

    return p;
}



static inline int64_t
sec_of(const char *s)
{
    onestop_ts_t  t;

    memset(&t, 0, sizeof(t));

    if (onestop_ts_parse(s, strlen(s), OFF, &t) != 0) {
        printf("# bad time in the test itself: %s\n", s);
    }

    return t.sec;
}


/* records as JSON text */

typedef struct {
    const char  *key;
    const char  *member;
} member_t;

static const member_t  good_members[] = {
    { "code", "\"code\": \"000.00.12.H36-190709-0001\"" },
    { "version", "\"version\": 3" },
    { "agency", "\"agency\": \"000.00.12.H36\"" },
    { "procedure", "\"procedure\": \"1.001234\"" },
    { "channel", "\"channel\": \"online\"" },
    { "return_channel", "\"return_channel\": \"postal\"" },
    { "applicant", "\"applicant\": {\"name\": \"Nguyễn Văn An\", "
                   "\"type\": \"citizen\"}" },
    { "contact", "\"contact\": {\"phone\": \"0912345678\", "
                 "\"email\": \"an@example.vn\"}" },
    { "received_at", "\"received_at\": \"2019-07-09T08:15:00+07:00\"" },
    { "due_at", "\"due_at\": \"2019-07-16T17:00:00+07:00\"" },
    { "resolved_at", "\"resolved_at\": null" },
    { "returned_at", "\"returned_at\": null" },
    { "withdrawn_at", "\"withdrawn_at\": null" },
    { "apology", "\"apology\": {\"issued_at\": \"2019-07-17T09:00:00+07:00\", "
                 "\"new_due_at\": \"2019-07-19\", \"reason\": \"...\"}" },
    { NULL, NULL }
};


/*
 * SPEC's example record with member `key` replaced by `member` (the whole
 * "key": value text), or left out when `member` is NULL; a key that is
 * not among SPEC's members is added at the end.  The text is malloc'd.
 */
static inline char *
record_with(const char *key, const char *member)
{
    char            *s;
    size_t           n, cap;
    int              found;
    const member_t  *m;

    cap = 16384 + (member ? strlen(member) : 0);
    s = xmalloc(cap);

    if (s == NULL) {
        return NULL;
    }

    n = 0;
    found = 0;
    s[n++] = '{';

    for (m = good_members; m->key != NULL; m++) {
        const char  *text = m->member;

        if (key != NULL && strcmp(m->key, key) == 0) {
            found = 1;
            text = member;
        }

        if (text == NULL) {
            continue;
        }

        n += (size_t) snprintf(s + n, cap - n, "%s%s", n > 1 ? ", " : "",
                               text);
    }

    if (key != NULL && !found && member != NULL) {
        n += (size_t) snprintf(s + n, cap - n, "%s%s", n > 1 ? ", " : "",
                               member);
    }

    snprintf(s + n, cap - n, "}");

    return s;
}


/* Feeds `len` bytes in chunks of `chunk` (0: at once), each chunk in its
 * own heap buffer freed right after the call, so that a record keeping a
 * pointer into the body, or a read past a chunk, is caught by the address
 * sanitizer.  Returns onestop_batch_finish(). */
static inline int
run(onestop_batch_t *b, const char *body, size_t len, int ndjson,
    size_t chunk)
{
    char    *p;
    size_t   off, n;

    if (onestop_batch_init(b, ndjson, OFF, today) != 0) {
        printf("# onestop_batch_init failed\n");
        return -1;
    }

    if (chunk == 0) {
        chunk = len;
    }

    for (off = 0; off < len; off += n) {
        n = len - off < chunk ? len - off : chunk;
        p = xmalloc(n);

        if (p == NULL) {
            return -1;
        }

        memcpy(p, body + off, n);
        onestop_batch_feed(b, p, n);
        free(p);
    }

    return onestop_batch_finish(b);
}


/* a parsed string is exactly `want` */
static inline int
str_is(const onestop_str_t *s, const char *want)
{
    return s->len == strlen(want) && (s->len == 0
                                      || memcmp(s->data, want, s->len) == 0);
}


#endif /* ONESTOP_TEST_RECORDS_H */
