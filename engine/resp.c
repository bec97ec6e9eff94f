/*
 * Redis's protocol, the requests' side (see onestop_feed.h): commands
 * written as RESP arrays of bulk strings into one growable buffer, each
 * with a tag its reply is matched by and its end, so that a round of
 * commands is one buffer handed to the connection and any one of them can
 * be sent again alone.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_feed.h"


/* "*3\r\n" or "$12\r\n" (printf would parse its format each time) */

static void
resp_header(onestop_buf_t *b, char c, size_t n)
{
    char    s[24];
    size_t  k;

    k = sizeof(s);
    s[--k] = '\n';
    s[--k] = '\r';

    do {
        s[--k] = (char) ('0' + n % 10);
        n /= 10;
    } while (n);

    s[--k] = c;
    onestop_buf_add(b, s + k, sizeof(s) - k);
}


int
onestop_resp_add(onestop_resp_t *c, uint64_t tag, int argc,
    const char *const *argv, const size_t *argvlen)
{
    int        i;
    size_t     cap, *end;
    uint64_t  *tags;

    if (c->n == c->cap) {
        cap = c->cap ? c->cap * 2 : 16;
        end = realloc(c->end, cap * sizeof(size_t));

        if (end != NULL) {
            c->end = end;
        }

        tags = realloc(c->tag, cap * sizeof(uint64_t));

        if (tags != NULL) {
            c->tag = tags;
        }

        if (end == NULL || tags == NULL) {
            c->failed = 1;
            return -1;
        }

        c->cap = cap;
    }

    resp_header(&c->buf, '*', (size_t) argc);

    for (i = 0; i < argc; i++) {
        resp_header(&c->buf, '$', argvlen[i]);
        onestop_buf_add(&c->buf, argv[i], argvlen[i]);
        onestop_buf_add(&c->buf, "\r\n", 2);
    }

    if (c->buf.failed) {
        c->failed = 1;
        return -1;
    }

    c->end[c->n] = c->buf.len;
    c->tag[c->n] = tag;
    c->n++;

    return 0;
}


const char *
onestop_resp_cmd(const onestop_resp_t *c, size_t i, size_t *len)
{
    size_t  start;

    start = i ? c->end[i - 1] : 0;
    *len = c->end[i] - start;

    return c->buf.data + start;
}


void
onestop_resp_clear(onestop_resp_t *c)
{
    c->buf.len = 0;
    c->buf.failed = 0;
    c->n = 0;
    c->failed = 0;
}


void
onestop_resp_free(onestop_resp_t *c)
{
    onestop_buf_free(&c->buf);
    free(c->end);
    free(c->tag);
    memset(c, 0, sizeof(onestop_resp_t));
}
