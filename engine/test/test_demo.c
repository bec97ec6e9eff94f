/*
 * Tests of the demo data set generator (engine/demo.c), printing TAP: the
 * catalog comes once and first, the records are as many as asked, one a
 * line, with unique codes and no date after today, in a plausible channel
 * mix, the same for the same seed, and fast enough.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_demo.h"


#define PLAN 31
#define BIG              200000
#define SMALL            2000


typedef struct {
    size_t      ncatalogs;
    size_t      nrecords;
    size_t      records_before_catalog;
    size_t      bad_lines;          /* a newline, or not {...} */
    size_t      future;             /* a date after today */
    size_t      missing;            /* agency or procedure not in catalog */
    size_t      duplicates;
    size_t      channel[3];
    size_t      organizations;
    size_t      stop_at;            /* return 7 at this record, 0: never */
    int         stop_catalog;
    int         check_refs;
    uint64_t    hash;
    char        today[11];

    char       *catalog;
    size_t      catalog_len;

    char       *arena;              /* the codes, NUL-terminated */
    size_t      arena_len;
    size_t      arena_cap;
    uint32_t   *table;              /* offsets + 1 into the arena */
    size_t      table_size;
} run_t;


static int  ntests;
static int  nfailed;


static void
ok(int cond, const char *name)
{
    ntests++;
    if (!cond) {
        nfailed++;
    }

    printf("%sok %d - %s\n", cond ? "" : "not ", ntests, name);
}


static uint64_t
fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char  *p;

    for (p = data; len--; p++) {
        h = (h ^ *p) * 0x100000001b3ULL;
    }

    return h;
}


static int32_t
days_from_civil(int y, unsigned m, unsigned d)
{
    int       era;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int32_t) doe - 719468;
}


static void
civil_text(int32_t day, char *buf)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) day * 86400;
    gmtime_r(&t, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}


/* the value of "key":"..." after p, or NULL */

static const char *
member(const char *json, size_t len, const char *key, size_t *vlen)
{
    const char  *p, *end, *q;
    size_t       klen;

    klen = strlen(key);
    end = json + len;

    for (p = json; p + klen < end; p++) {
        p = memmem(p, (size_t) (end - p), key, klen);
        if (p == NULL) {
            return NULL;
        }

        if (p + klen < end && p[klen] == '"') {
            q = memchr(p + klen + 1, '"', (size_t) (end - p - klen - 1));
            if (q == NULL) {
                return NULL;
            }
            *vlen = (size_t) (q - p - klen - 1);
            return p + klen + 1;
        }
    }

    return NULL;
}


static int
in_catalog(run_t *r, const char *id, size_t len)
{
    char  key[96];

    if (len > 64) {
        return 0;
    }

    memcpy(key, "{\"id\":\"", 7);
    memcpy(key + 7, id, len);
    key[7 + len] = '"';

    return memmem(r->catalog, r->catalog_len, key, len + 8) != NULL;
}


static void
remember_code(run_t *r, const char *code, size_t len)
{
    size_t    i;
    uint64_t  h;
    char     *p;

    h = fnv(0xcbf29ce484222325ULL, code, len);

    for (i = h & (r->table_size - 1); r->table[i];
         i = (i + 1) & (r->table_size - 1))
    {
        p = r->arena + r->table[i] - 1;
        if (strlen(p) == len && memcmp(p, code, len) == 0) {
            r->duplicates++;
            return;
        }
    }

    if (r->arena_len + len + 1 > r->arena_cap) {
        r->arena_cap = (r->arena_cap + len + 1) * 2;
        r->arena = realloc(r->arena, r->arena_cap);
        if (r->arena == NULL) {
            perror("realloc");
            exit(1);
        }
    }

    memcpy(r->arena + r->arena_len, code, len);
    r->arena[r->arena_len + len] = '\0';
    r->table[i] = (uint32_t) r->arena_len + 1;
    r->arena_len += len + 1;
}


static int
on_catalog(void *ctx, const char *json, size_t len)
{
    run_t  *r = ctx;

    r->ncatalogs++;
    r->hash = fnv(r->hash, json, len);
    r->hash = fnv(r->hash, "\0", 1);

    free(r->catalog);
    r->catalog = malloc(len + 1);
    if (r->catalog == NULL) {
        perror("malloc");
        exit(1);
    }

    memcpy(r->catalog, json, len);
    r->catalog[len] = '\0';
    r->catalog_len = len;

    return r->stop_catalog;
}


static int
on_record(void *ctx, const char *json, size_t len)
{
    run_t        *r = ctx;
    size_t        vlen, i;
    const char   *v;
    static const char  *dates[] = {
        "\"received_at\":", "\"resolved_at\":", "\"returned_at\":",
        "\"withdrawn_at\":", "\"issued_at\":"
    };

    if (r->ncatalogs == 0) {
        r->records_before_catalog++;
    }

    r->nrecords++;
    r->hash = fnv(r->hash, json, len);
    r->hash = fnv(r->hash, "\0", 1);

    if (len < 2 || json[0] != '{' || json[len - 1] != '}'
        || memchr(json, '\n', len) != NULL)
    {
        r->bad_lines++;
    }

    v = member(json, len, "\"code\":", &vlen);
    if (v == NULL) {
        r->bad_lines++;

    } else {
        remember_code(r, v, vlen);
    }

    for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        v = member(json, len, dates[i], &vlen);
        if (v != NULL && (vlen < 10 || memcmp(v, r->today, 10) > 0)) {
            r->future++;
        }
    }

    v = member(json, len, "\"channel\":", &vlen);
    if (v && vlen == 6 && memcmp(v, "direct", 6) == 0) {
        r->channel[0]++;

    } else if (v && vlen == 6 && memcmp(v, "online", 6) == 0) {
        r->channel[1]++;

    } else if (v && vlen == 6 && memcmp(v, "postal", 6) == 0) {
        r->channel[2]++;

    } else {
        r->bad_lines++;
    }

    if (memmem(json, len, "\"type\":\"organization\"", 21) != NULL) {
        r->organizations++;
    }

    if (r->check_refs && r->catalog) {
        v = member(json, len, "\"agency\":", &vlen);
        if (v == NULL || !in_catalog(r, v, vlen)) {
            r->missing++;
        }

        v = member(json, len, "\"procedure\":", &vlen);
        if (v == NULL || !in_catalog(r, v, vlen)) {
            r->missing++;
        }
    }

    if (r->stop_at && r->nrecords == r->stop_at) {
        return 7;
    }

    return 0;
}


static int
run(run_t *r, uint64_t seed, size_t n, int32_t today)
{
    int  rc;

    r->hash = 0xcbf29ce484222325ULL;
    civil_text(today, r->today);

    r->table_size = 1;
    while (r->table_size < n * 2 + 16) {
        r->table_size *= 2;
    }

    r->table = calloc(r->table_size, sizeof(uint32_t));
    if (r->table == NULL) {
        perror("calloc");
        exit(1);
    }

    rc = onestop_demo_generate(seed, n, today, on_catalog, on_record, r);

    free(r->table);
    free(r->arena);
    r->table = NULL;
    r->arena = NULL;

    return rc;
}


static void
done(run_t *r)
{
    free(r->catalog);
    r->catalog = NULL;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static int
share(size_t part, size_t whole, double lo, double hi)
{
    double  f;

    f = whole ? (double) part / (double) whole : 0;

    return f >= lo && f <= hi;
}


int
main(void)
{
    int      rc;
    int32_t  today, early;
    double   t0, elapsed;
    run_t    a, b, c;

    printf("1..%d\n", PLAN);

    today = days_from_civil(2025, 11, 28);

    /* a small set */

    memset(&a, 0, sizeof(a));
    a.check_refs = 1;
    rc = run(&a, 42, SMALL, today);

    ok(rc == 0, "small: returns 0");
    ok(a.ncatalogs == 1, "small: catalog emitted once");
    ok(a.records_before_catalog == 0, "small: catalog before any record");
    ok(a.nrecords == SMALL, "small: as many records as asked");
    ok(a.bad_lines == 0, "small: one {...} per record, no newline inside");
    ok(a.duplicates == 0, "small: codes unique");
    ok(a.missing == 0, "small: agencies and procedures are in the catalog");
    ok(a.future == 0, "small: no date after today");
    ok(a.catalog != NULL
       && strncmp(a.catalog, "{\"agencies\":[", 13) == 0
       && strstr(a.catalog, "\"fields\":[") != NULL
       && strstr(a.catalog, "\"procedures\":[") != NULL,
       "catalog has agencies, fields and procedures");
    ok(a.catalog != NULL
       && strstr(a.catalog, "\"id\":\"province\"") == NULL,
       "catalog does not use the reserved id \"province\"");
    ok(a.catalog != NULL
       && strstr(a.catalog, "{\"id\":\"000.00.12.H36\",\"name\":\"Sở Tư pháp\","
                 "\"level\":\"province\",\"parent\":null}") != NULL
       && strstr(a.catalog, "\"level\":\"district\"") != NULL
       && strstr(a.catalog, "\"level\":\"commune\",\"parent\":\"") != NULL,
       "catalog has the three levels");

    memset(&b, 0, sizeof(b));
    rc = run(&b, 42, SMALL, today);
    ok(rc == 0 && b.hash == a.hash && b.nrecords == a.nrecords,
       "small: same seed, same bytes");
    done(&b);

    memset(&b, 0, sizeof(b));
    rc = run(&b, 43, SMALL, today);
    ok(rc == 0 && b.hash != a.hash, "small: another seed, other bytes");

    memset(&c, 0, sizeof(c));
    rc = run(&c, 43, SMALL, today + 30);
    ok(rc == 0 && c.catalog_len == b.catalog_len
       && memcmp(c.catalog, b.catalog, b.catalog_len) == 0
       && c.catalog_len == a.catalog_len
       && memcmp(c.catalog, a.catalog, a.catalog_len) == 0,
       "catalog is the same whatever the seed and today");
    done(&a);
    done(&b);
    done(&c);

    /* the default size */

    memset(&a, 0, sizeof(a));
    t0 = now();
    rc = run(&a, 1, BIG, today);
    elapsed = now() - t0;

    printf("# %d records in %.3f s (with the checks)\n", BIG, elapsed);
    printf("# channels: direct %.1f %%, online %.1f %%, postal %.1f %%;"
           " organizations %.1f %%\n",
           100.0 * (double) a.channel[0] / (double) BIG,
           100.0 * (double) a.channel[1] / (double) BIG,
           100.0 * (double) a.channel[2] / (double) BIG,
           100.0 * (double) a.organizations / (double) BIG);

    ok(rc == 0, "big: returns 0");
    ok(a.ncatalogs == 1 && a.records_before_catalog == 0,
       "big: catalog once, first");
    ok(a.nrecords == BIG, "big: 200000 records");
    ok(a.bad_lines == 0, "big: one {...} per record, no newline inside");
    ok(a.duplicates == 0, "big: codes unique");
    ok(a.future == 0, "big: no date after today");
    ok(share(a.channel[0], a.nrecords, 0.50, 0.60), "big: direct 50-60 %");
    ok(share(a.channel[1], a.nrecords, 0.33, 0.43), "big: online 33-43 %");
    ok(share(a.channel[2], a.nrecords, 0.05, 0.09), "big: postal 5-9 %");
    ok(share(a.organizations, a.nrecords, 0.05, 0.12),
       "big: organizations 5-12 %");
    /* speed is measured in bench/, never asserted here */
    printf("# 200,000 records in %.2f s\n", elapsed);

    memset(&b, 0, sizeof(b));
    rc = run(&b, 1, BIG, today);
    ok(rc == 0 && b.hash == a.hash, "big: same seed, same bytes");
    done(&a);
    done(&b);

    /* callbacks stop the generator */

    memset(&a, 0, sizeof(a));
    a.stop_at = 10;
    rc = run(&a, 5, SMALL, today);
    ok(rc == 7 && a.nrecords == 10,
       "a record callback's non-zero stops and is returned");
    done(&a);

    memset(&a, 0, sizeof(a));
    a.stop_catalog = 3;
    rc = run(&a, 5, SMALL, today);
    ok(rc == 3 && a.ncatalogs == 1 && a.nrecords == 0,
       "the catalog callback's non-zero stops and is returned");
    done(&a);

    /* edges */

    memset(&a, 0, sizeof(a));
    rc = run(&a, 5, 0, today);
    ok(rc == 0 && a.ncatalogs == 1 && a.nrecords == 0,
       "no dossiers: the catalog only");
    done(&a);

    early = days_from_civil(2019, 7, 12);
    memset(&a, 0, sizeof(a));
    rc = run(&a, 9, 500, early);
    ok(rc == 0 && a.nrecords == 500 && a.duplicates == 0 && a.future == 0,
       "today two days after the start: valid records");
    done(&a);

    early = days_from_civil(2019, 1, 15);
    memset(&a, 0, sizeof(a));
    rc = run(&a, 9, 500, early);
    ok(rc == 0 && a.nrecords == 500 && a.duplicates == 0 && a.future == 0,
       "today before 2019-07-10: valid records");
    done(&a);

    today = (int32_t) ((time(NULL) + 7 * 3600) / 86400);
    memset(&a, 0, sizeof(a));
    rc = run(&a, 77, SMALL, today);
    ok(rc == 0 && a.nrecords == SMALL && a.duplicates == 0 && a.future == 0,
       "today's date: valid records");
    done(&a);

    if (ntests != PLAN) {
        printf("# ran %d tests, planned %d\n", ntests, PLAN);
        return 1;
    }

    return nfailed != 0;
}
