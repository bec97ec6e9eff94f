/*
 * The batch parser's unit tests' expectations (test_json.c,
 * test_batch.c): SPEC section 3's record as JSON text with members
 * replaced, a body parsed and checked to be accepted (ok), refused whole
 * (400) or refused for some records (422, with their indexes), and two
 * parsed records compared member by member.
 */

#ifndef ONESTOP_TEST_BATCH_EXPECT_H
#define ONESTOP_TEST_BATCH_EXPECT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "onestop_catalog.h"
#include "onestop_date.h"
#include "onestop_json.h"
#include "onestop_record.h"
#include "onestop_stats_int.h"
#include "tap.h"
#include "civil.h"
#include "records.h"

static inline char *
good(void)
{
    return record_with(NULL, NULL);
}


/* A good record with another code, for batches of several. */
static inline char *
good_code(unsigned i)
{
    char  member[128];

    snprintf(member, sizeof(member), "\"code\": \"000.00.12.H36-190709-%04u\"",
             i);
    return record_with("code", member);
}


static inline char *
cat3(const char *a, const char *b, const char *c)
{
    char    *s;
    size_t   na, nb, nc;

    na = strlen(a);
    nb = strlen(b);
    nc = strlen(c);
    s = xmalloc(na + nb + nc + 1);

    if (s != NULL) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb);
        memcpy(s + na + nb, c, nc);
        s[na + nb + nc] = '\0';
    }

    return s;
}


/* A copy of s with the first `from` replaced by `to` (malloc'd). */
static inline char *
replace_in(const char *s, const char *from, const char *to)
{
    char        *out;
    const char  *at;
    size_t       n;

    at = strstr(s, from);

    if (at == NULL) {
        printf("# replace_in: \"%s\" not found\n", from);
        at = s + strlen(s);
        from = "";
    }

    n = (size_t) (at - s);
    out = xmalloc(strlen(s) + strlen(to) + 1);
    memcpy(out, s, n);
    strcpy(out + n, to);
    strcat(out, at + strlen(from));

    return out;
}


static inline void
expect_ok(const char *body, int ndjson, size_t nrecs, const char *what)
{
    int              rc;
    onestop_batch_t  b;

    rc = run(&b, body, strlen(body), ndjson, 0);
    is_int(rc, 0, "accepted: %s", what);

    if (rc != 0) {
        printf("#   message \"%s\", %zu items, first: %s\n", b.message,
               b.nitems, b.nitems ? b.items[0].message : "-");
    }

    is_int(b.nrecs, nrecs, "%s: %zu records", what, nrecs);
    onestop_batch_free(&b);
}


static inline void
expect_400(const char *body, size_t len, int ndjson, const char *what)
{
    int              rc;
    onestop_batch_t  b;

    rc = run(&b, body, len, ndjson, 0);
    is_int(rc, 400, "400: %s", what);
    ok(rc != 400 || b.message[0] != '\0', "%s: a message (%s)", what,
       b.message);
    onestop_batch_free(&b);
}


/* 422 with items at exactly the given indexes, in order. */
static inline void
expect_422(const char *body, int ndjson, const size_t *idx, size_t n,
    const char *what)
{
    int              rc, items_ok;
    size_t           i;
    onestop_batch_t  b;

    rc = run(&b, body, strlen(body), ndjson, 0);
    is_int(rc, 422, "422: %s", what);

    if (rc == 400) {
        printf("#   message \"%s\"\n", b.message);
    }

    items_ok = b.nitems == n && b.nfailed == n;

    for (i = 0; items_ok && i < n; i++) {
        items_ok = b.items[i].index == idx[i]
                   && b.items[i].code != NULL
                   && strcmp(b.items[i].code, "invalid") == 0
                   && b.items[i].message != NULL
                   && b.items[i].message[0] != '\0';
    }

    ok(items_ok, "%s: %zu items, at the right indexes", what, n);

    if (!items_ok) {
        printf("#   %zu items (%zu failed):", b.nitems, b.nfailed);

        for (i = 0; i < b.nitems; i++) {
            printf(" [%zu %s: %s]", b.items[i].index, b.items[i].code,
                   b.items[i].message);
        }

        printf("\n");
    }

    onestop_batch_free(&b);
}


static inline void
expect_422_one(const char *key, const char *member, const char *what)
{
    char          *body;
    static size_t  zero = 0;

    body = record_with(key, member);
    expect_422(body, 0, &zero, 1, what);
    free(body);
}


static inline void
expect_ok_one(const char *key, const char *member, const char *what)
{
    char  *body;

    body = record_with(key, member);
    expect_ok(body, 0, 1, what);
    free(body);
}


static inline int
records_equal(const onestop_record_t *a, const onestop_record_t *b)
{
    int  i;

#define SAME_STR(f)                                                          \
    if (a->f.len != b->f.len                                                 \
        || (a->f.len && memcmp(a->f.data, b->f.data, a->f.len) != 0))        \
    {                                                                        \
        printf("#   %s differs\n", #f);                                      \
        return 0;                                                            \
    }

    SAME_STR(code)
    SAME_STR(agency)
    SAME_STR(procedure)
    SAME_STR(name)
    SAME_STR(phone)
    SAME_STR(email)
    SAME_STR(reason)

#undef SAME_STR

    if (a->version != b->version || a->channel != b->channel
        || a->return_channel != b->return_channel
        || a->applicant_type != b->applicant_type
        || a->has_apology != b->has_apology || a->tombstone != b->tombstone)
    {
        printf("#   a scalar member differs\n");
        return 0;
    }

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (a->t[i].set != b->t[i].set
            || (a->t[i].set && (a->t[i].sec != b->t[i].sec
                                || a->t[i].date_only != b->t[i].date_only)))
        {
            printf("#   time %d differs\n", i);
            return 0;
        }
    }

    return 1;
}

#endif /* ONESTOP_TEST_BATCH_EXPECT_H */
