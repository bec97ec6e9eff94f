/*
 * Unit tests of the outbox, the change feed's durable side (SPEC section
 * 9), through the public API nginx's publisher uses
 * (onestop_store_seq, onestop_store_outbox_read, onestop_store_published,
 * onestop_store_set_published, onestop_store_needs_trim): one sequence
 * number per committed change and none for what changed nothing, entries
 * read back in order from any sequence, the published position recorded
 * and the outbox trimmed up to it but never past it, the outbox_max bound
 * (the oldest dropped, so that a reader sees the gap) kept at a reopen,
 * and `unread`.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)

static onestop_day_t  today;



static const char *
rec(char *buf, size_t size, const char *code, unsigned version,
    const char *agency)
{
    snprintf(buf, size,
             "{\"code\": \"%s\", \"version\": %u, \"agency\": \"%s\", "
             "\"procedure\": \"1.001234\", \"channel\": \"online\", "
             "\"applicant\": {\"name\": \"Phạm Văn Long\"}, "
             "\"received_at\": \"2021-03-01\", \"due_at\": \"2021-03-08\"}\n",
             code, version, agency);

    return buf;
}


static uint64_t
seq(onestop_store_t *st)
{
    uint64_t  s;

    onestop_store_read_begin(st);
    s = onestop_store_seq(st);
    onestop_store_read_end(st);

    return s;
}


static uint64_t
published(onestop_store_t *st)
{
    uint64_t  s;

    onestop_store_read_begin(st);
    s = onestop_store_published(st);
    onestop_store_read_end(st);

    return s;
}


static long
outbox(onestop_store_t *st, uint64_t after, onestop_change_t *out,
    size_t max)
{
    long  n;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return -1;
    }

    n = onestop_store_outbox_read(st, after, out, max);
    onestop_store_read_end(st);

    return n;
}


static uint32_t
agency_id(onestop_store_t *st, const char *id)
{
    uint32_t                  a;
    const onestop_catalog_t  *cat;

    onestop_store_read_begin(st);
    cat = onestop_store_catalog(st);
    a = cat != NULL ? onestop_catalog_agency(cat, id, strlen(id)) : 0;
    onestop_store_read_end(st);

    return a;
}


/* n consecutive sequence numbers from first, in order */
static int
consecutive(const onestop_change_t *c, long n, uint64_t first)
{
    long  i;

    for (i = 0; i < n; i++) {
        if (c[i].seq != first + (uint64_t) i) {
            printf("#   entry %ld has seq %llu, want %llu\n", i,
                   (unsigned long long) c[i].seq,
                   (unsigned long long) (first + i));
            return 0;
        }
    }

    return 1;
}


/* a write group of nothing: the maintenance turn that trims */
static void
maintain(onestop_store_t *st)
{
    onestop_write_t  *none[1];
    size_t            n;

    n = 0;
    onestop_store_write_group(st, none, &n, 0, NULL, NULL);
}


static void
test_sequence(onestop_store_t *st)
{
    long              n;
    char              a[4096], b[1024];
    uint32_t          h12, h15;
    uint64_t          s0;
    onestop_write_t   w;
    onestop_change_t  c[64];

    is_int(seq(st), 0, "a new store's sequence is 0");
    is_int(outbox(st, 0, c, 64), 0, "its outbox is empty");

    fixture_catalog_write(st, fixture_catalog, &w);
    is_int(seq(st), 1, "a catalog write is one change");
    n = outbox(st, 0, c, 64);
    ok(n == 1 && c[0].seq == 1 && c[0].kind == ONESTOP_CHANGE_CATALOG,
       "a catalog entry");
    ok(n == 1 && c[0].version >= 1 && c[0].code_len == 0,
       "with the catalog's generation and no code");

    fixture_catalog_write(st, fixture_catalog, &w);
    is_int(seq(st), 1, "the same catalog again changes nothing");

    h12 = agency_id(st, "000.00.12.H36");
    h15 = agency_id(st, "000.00.15.H36");

    rec(a, sizeof(a), "O-1", 1, "000.00.12.H36");
    rec(b, sizeof(b), "O-2", 1, "000.00.12.H36");
    strcat(a, b);
    rec(b, sizeof(b), "O-3", 4, "000.00.15.H36");
    strcat(a, b);
    is_int(fixture_import(st, a, today, &w), 200, "three records");
    is_int(seq(st), 4, "three changes");

    n = outbox(st, 1, c, 64);
    is_int(n, 3, "read after 1: three entries");
    ok(consecutive(c, n, 2), "in order, 2 to 4");
    ok(n == 3 && c[0].kind == ONESTOP_CHANGE_DOSSIER
       && c[0].code_len == 3 && memcmp(c[0].code, "O-1", 3) == 0
       && c[0].version == 1 && c[0].agency == h12 && c[0].old_agency == 0,
       "the first: O-1 version 1 of its agency");
    ok(n == 3 && c[2].code_len == 3 && memcmp(c[2].code, "O-3", 3) == 0
       && c[2].version == 4 && c[2].agency == h15, "the third: O-3");

    s0 = seq(st);
    fixture_import(st, a, today, &w);
    is_int(w.unchanged, 3, "the same records again");
    is_int(seq(st), s0, "are no change");

    rec(a, sizeof(a), "O-1", 2, "000.00.12.H36");
    rec(b, sizeof(b), "O-2", 2, "000.00.12.H36");
    b[strlen(b) - 2] = '\0';
    strcat(b, ", \"resolved_at\": \"2021-03-04\"}\n");
    strcat(a, b);
    rec(b, sizeof(b), "O-3", 3, "000.00.15.H36");
    strcat(a, b);
    is_int(fixture_import(st, a, today, &w), 200,
           "two new versions and a stale one");
    is_int(seq(st), s0 + 2, "two changes");

    rec(a, sizeof(a), "O-9", 1, "000.00.12.H36");
    rec(b, sizeof(b), "O-1", 2, "000.00.15.H36");
    strcat(a, b);
    s0 = seq(st);
    is_int(fixture_import(st, a, today, &w), 409, "a batch with a conflict");
    is_int(seq(st), s0, "takes no number");

    rec(a, sizeof(a), "O-1", 3, "000.00.15.H36");
    is_int(fixture_import(st, a, today, &w), 200, "a dossier moves");
    n = outbox(st, s0, c, 64);
    ok(n == 1 && c[0].seq == s0 + 1 && c[0].agency == h15
       && c[0].old_agency == h12, "its entry names the agency it left");

    is_int(fixture_delete(st, "O-2", &w), 200, "a deletion");
    n = outbox(st, s0 + 1, c, 64);
    ok(n == 1 && c[0].seq == s0 + 2 && c[0].kind == ONESTOP_CHANGE_DELETE
       && c[0].code_len == 3 && memcmp(c[0].code, "O-2", 3) == 0
       && c[0].version == 2 && c[0].agency == h12,
       "its entry: delete, the code, the last version, the agency");

    s0 = seq(st);
    is_int(fixture_delete(st, "O-2", &w), 404, "a second deletion");
    is_int(seq(st), s0, "is no change");

    /* reading in pieces */

    n = outbox(st, 0, c, 3);
    ok(n == 3 && consecutive(c, n, 1), "the first three");
    n = outbox(st, 3, c, 3);
    ok(n == 3 && consecutive(c, n, 4), "the next three");
    n = outbox(st, 0, c, 64);
    ok(n == (long) s0 && consecutive(c, n, 1), "all %llu, in order",
       (unsigned long long) s0);
    is_int(outbox(st, s0, c, 64), 0, "nothing after the last");
    is_int(outbox(st, s0 + 100, c, 64), 0, "nor past it");
}


static void
test_published(onestop_store_t *st)
{
    long              n;
    char              a[1024];
    uint64_t          s0;
    onestop_write_t   w;
    onestop_change_t  c[64];

    s0 = seq(st);
    is_int(published(st), 0, "nothing published yet");
    is_int(onestop_store_needs_trim(st), 0, "nothing to trim");

    onestop_store_set_published(st, 5);
    is_int(onestop_store_needs_trim(st), 1, "published up to 5: a trim due");
    is_int(outbox(st, 0, c, 64), (long) s0, "nothing trimmed before a write");

    maintain(st);
    is_int(onestop_store_needs_trim(st), 0, "a maintenance turn trims");
    is_int(published(st), 5, "and records the position");
    n = outbox(st, 0, c, 64);
    ok(n == (long) s0 - 5 && consecutive(c, n, 6),
       "what is unpublished stays: 6 to %llu", (unsigned long long) s0);

    onestop_store_set_published(st, 3);
    is_int(onestop_store_needs_trim(st), 0, "an older position is ignored");
    maintain(st);
    is_int(published(st), 5, "the position never goes back");

    onestop_store_set_published(st, s0 - 1);
    rec(a, sizeof(a), "P-1", 1, "000.00.12.H36");
    is_int(fixture_import(st, a, today, &w), 200,
           "a write with a trim due");
    is_int(published(st), s0 - 1, "records the position");
    n = outbox(st, 0, c, 64);
    ok(n == 2 && consecutive(c, n, s0), "and keeps the last two changes");

    onestop_store_set_published(st, s0 + 1);
    maintain(st);
    is_int(outbox(st, 0, c, 64), 0, "everything published: empty");
    is_int(seq(st), s0 + 1, "the sequence goes on");

    rec(a, sizeof(a), "P-2", 1, "000.00.12.H36");
    fixture_import(st, a, today, &w);
    n = outbox(st, 0, c, 64);
    ok(n == 1 && c[0].seq == s0 + 2, "the next change is %llu",
       (unsigned long long) (s0 + 2));
}


int
main(void)
{
    int                    i;
    long                   n;
    char                   err[512], d1[4200], d2[4200], d3[4200], a[1024];
    char                   code[16];
    uint64_t               s;
    const char            *tmp;
    onestop_write_t        w;
    onestop_change_t       c[64];
    onestop_store_t       *st;
    onestop_store_conf_t   conf;

    today = civil(2021, 6, 30);
    tmp = fixture_tmpdir();
    fixture_path(d1, sizeof(d1), tmp, "store");
    fixture_path(d2, sizeof(d2), tmp, "bounded");
    fixture_path(d3, sizeof(d3), tmp, "unread");

    st = fixture_open(d1, 16 * MB, 0, err, sizeof(err));
    ok(st != NULL, "a store");

    if (st == NULL) {
        printf("# %s\n", err);
        return done_testing();
    }

    test_sequence(st);
    test_published(st);
    s = seq(st);
    onestop_store_close(st);

    st = fixture_open(d1, 0, 0, err, sizeof(err));
    is_int(seq(st), s, "a reopen keeps the sequence");
    is_int(published(st), s - 1, "and the published position");
    n = outbox(st, 0, c, 64);
    ok(n == 1 && c[0].seq == s, "and the unpublished entry");
    onestop_store_close(st);

    /* bounded: the oldest dropped */

    st = fixture_open(d2, 16 * MB, 5, err, sizeof(err));
    fixture_catalog_write(st, fixture_catalog, &w);

    for (i = 1; i <= 11; i++) {
        snprintf(code, sizeof(code), "M-%d", i);
        rec(a, sizeof(a), code, 1, "000.00.12.H36");
        fixture_import(st, a, today, &w);
    }

    is_int(seq(st), 12, "twelve changes");
    n = outbox(st, 0, c, 64);
    is_int(n, 5, "outbox_max 5 keeps five");
    ok(n == 5 && consecutive(c, n, 8), "the last five: 8 to 12, so that a "
       "reader from 0 sees a gap");
    ok(n == 5 && c[4].code_len == 4 && memcmp(c[4].code, "M-11", 4) == 0,
       "the newest is the last write");
    onestop_store_close(st);

    st = fixture_open(d2, 0, 0, err, sizeof(err));
    rec(a, sizeof(a), "M-12", 1, "000.00.12.H36");
    fixture_import(st, a, today, &w);
    n = outbox(st, 0, c, 64);
    ok(n == 5 && consecutive(c, n, 9), "a reopen without outbox_max keeps "
       "the store's bound");
    onestop_store_close(st);

    st = fixture_open(d2, 0, 8, err, sizeof(err));
    rec(a, sizeof(a), "M-13", 1, "000.00.12.H36");
    fixture_import(st, a, today, &w);
    n = outbox(st, 0, c, 64);
    ok(n == 6 && consecutive(c, n, 9), "a larger bound keeps what is there "
       "and drops nothing more");
    onestop_store_close(st);

    st = fixture_open(d2, 0, 3, err, sizeof(err));
    rec(a, sizeof(a), "M-14", 1, "000.00.12.H36");
    fixture_import(st, a, today, &w);
    n = outbox(st, 0, c, 64);
    ok(n == 3 && consecutive(c, n, 13), "a smaller bound over a backlog "
       "keeps the last three, no hole before them (the reader's gap)");
    onestop_store_close(st);

    /* nobody reads: each write drops what was committed before it */

    memset(&conf, 0, sizeof(conf));
    conf.map_size = 16 * MB;
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.unread = 1;
    ok(onestop_store_open(&st, d3, &conf, err, sizeof(err)) == ONESTOP_OK,
       "a store nobody reads the outbox of");
    fixture_catalog_write(st, fixture_catalog, &w);
    rec(a, sizeof(a), "U-1", 1, "000.00.12.H36");
    fixture_import(st, a, today, &w);
    rec(a, sizeof(a), "U-2", 1, "000.00.12.H36");
    fixture_import(st, a, today, &w);
    n = outbox(st, 0, c, 64);
    ok(n == 1 && c[0].seq == 3, "holds only the last write's change");
    is_int(published(st), 2, "what came before counts as published");
    onestop_store_close(st);

    return done_testing();
}
