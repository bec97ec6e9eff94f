/*
 * "onestop demo": the demo data set (demo.c) written into a store the way
 * an import would, in batches of 20,000 records, with a progress line.
 *
 * Into a new store (sequence 0) it writes the store years of writes would
 * have left, so that the change log's own trim keeps only its last
 * onestop_changelog_days, as a province's does: each record is written
 * at its newest event (the version it is, as of then), in the order of
 * those events, a day's events in a batch committed at the last of them
 * (and the catalog at the history's first midnight); the generator gives
 * records in the order they were received, and no record's newest event
 * is before its receipt, so a record can go once a later one was
 * received after it: the few weeks of records still waiting are held in
 * a heap.  The outbox is left as once consumed: each commit drops the
 * entries of the one before it, and a last commit the rest.  Nobody can
 * have read a new store's outbox, and what it held matters to nobody:
 * the change log keeps its days' public entries for GET /api/v1/changes,
 * nginx's zone starts from the store's sequence, the figures Redis gets
 * are read from the counters, a follower is seeded from a backup, and
 * the notifier would have told the demo's invented citizens.  Into a
 * store that has had writes the demo writes as an import does, now, and
 * leaves the outbox to its readers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_changes.h"
#include "onestop_cli.h"
#include "onestop_demo.h"
#include "onestop_json.h"
#include "onestop_store.h"


/* a new store's batches: no more records than the change log's trim
 * drops in a commit (10,000), so that it keeps up with records written
 * past its days, and from the day before the first day it keeps on, a day
 * of events at most, so that it keeps what a day-by-day store would */
#define DEMO_AGED_BATCH  10000


typedef struct {
    int64_t           newest;
    uint64_t          order;
    char             *json;
    size_t            len;
} demo_held_t;


typedef struct {
    onestop_store_t  *st;
    int32_t           offset;
    onestop_day_t     today;
    onestop_batch_t   batch;
    size_t            pending;
    size_t            total;
    int               have_batch;
    int               failed;

    int               aged;         /* a new store: as years left it */
    onestop_day_t     batch_day;    /* the day of its batch's events */
    onestop_day_t     daily;        /* batches of a day from this day on */
    int64_t           commit_sec;   /* the last commit's time */
    demo_held_t      *held;         /* a heap: the first event first */
    size_t            nheld;
    size_t            cap;
    uint64_t          order;

    onestop_progress_t  progress;
} demo_ctx_t;


/* a new store's outbox as once consumed: what was committed before the
 * next commit goes in it */

static int
demo_consumed(demo_ctx_t *d)
{
    uint64_t  seq;

    if (onestop_store_read_begin(d->st) != ONESTOP_OK) {
        return onestop_cli_fail("demo: the store could not be read");
    }

    seq = onestop_store_seq(d->st);
    onestop_store_read_end(d->st);

    onestop_store_set_published(d->st, seq);

    return 0;
}


static int
demo_flush(demo_ctx_t *d)
{
    onestop_write_t   w, *wp;

    if (!d->have_batch) {
        return 0;
    }

    d->have_batch = 0;

    if (onestop_batch_finish(&d->batch) != 0) {
        onestop_cli_fail("demo record %zu: %s",
                         d->batch.nitems ? d->batch.items[0].index : 0,
                         d->batch.nitems ? d->batch.items[0].message
                                         : d->batch.message);
        onestop_batch_free(&d->batch);
        return -1;
    }

    if (d->aged) {
        onestop_store_commit_time(d->st, d->commit_sec * 1000 + 999);

        if (demo_consumed(d) != 0) {
            onestop_batch_free(&d->batch);
            return -1;
        }
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_DOSSIERS;
    w.batch = &d->batch;
    wp = &w;

    onestop_store_write(d->st, &wp, 1);

    if (w.status != 200) {
        onestop_cli_report_write(d->st, &w, &d->batch);
        onestop_batch_free(&d->batch);
        return -1;
    }

    d->total += w.accepted;
    onestop_batch_free(&d->batch);
    return 0;
}


static int
demo_catalog(void *ctx, const char *json, size_t len)
{
    int                     rc;
    demo_ctx_t             *d;
    onestop_write_t         w, *wp;
    onestop_catalog_doc_t   doc;

    d = ctx;
    rc = onestop_catalog_doc_parse(&doc, json, len);

    if (rc != 0) {
        onestop_cli_fail("demo catalog: %s", doc.message);
        onestop_catalog_doc_free(&doc);
        return -1;
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_CATALOG;
    w.doc = &doc;
    wp = &w;

    onestop_store_write(d->st, &wp, 1);
    onestop_catalog_doc_free(&doc);

    if (onestop_cli_report_write(d->st, &w, NULL) != 0) {
        return -1;
    }

    fprintf(stderr, "onestop: demo catalog: %zu agencies, %zu fields, "
            "%zu procedures\n", w.agencies, w.fields, w.procedures);
    return 0;
}


/* a record into the batch; a new store's batch is written first when it
 * is full or the record's newest event is on another day */

static int
demo_add(demo_ctx_t *d, const char *json, size_t len, int64_t newest)
{
    int64_t        now;
    onestop_day_t  day;

    if (d->aged) {
        now = onestop_now(d->offset);
        newest = newest < now ? newest : now;
        day = onestop_sec_day(newest, d->offset);

        if (d->have_batch
            && (d->pending == DEMO_AGED_BATCH
                || (day != d->batch_day && day >= d->daily))
            && demo_flush(d) != 0)
        {
            return -1;
        }

        d->batch_day = day;
        d->commit_sec = newest > d->commit_sec ? newest : d->commit_sec;
    }

    if (!d->have_batch) {
        if (onestop_batch_init(&d->batch, 1, d->offset, d->today) != 0) {
            return -1;
        }

        d->have_batch = 1;
        d->pending = 0;
    }

    if (onestop_batch_feed(&d->batch, json, len) != 0
        || onestop_batch_feed(&d->batch, "\n", 1) != 0)
    {
        onestop_cli_fail("demo record: %s", d->batch.message);
        return -1;
    }

    onestop_progress_update(&d->progress, d->total + d->pending + 1, 0);

    if (++d->pending == 20000) {
        return demo_flush(d);
    }

    return 0;
}


/* the heap of held records */

static int
demo_held_less(const demo_held_t *a, const demo_held_t *b)
{
    return a->newest < b->newest
           || (a->newest == b->newest && a->order < b->order);
}


static int
demo_hold(demo_ctx_t *d, const char *json, size_t len, int64_t newest)
{
    size_t        i, up;
    demo_held_t   h, *held;

    if (d->nheld == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        held = realloc(d->held, d->cap * sizeof(demo_held_t));

        if (held == NULL) {
            return onestop_cli_fail("demo: out of memory");
        }

        d->held = held;
    }

    h.newest = newest;
    h.order = d->order++;
    h.len = len;
    h.json = malloc(len);

    if (h.json == NULL) {
        return onestop_cli_fail("demo: out of memory");
    }

    memcpy(h.json, json, len);

    for (i = d->nheld++; i > 0; i = up) {
        up = (i - 1) / 2;

        if (!demo_held_less(&h, &d->held[up])) {
            break;
        }

        d->held[i] = d->held[up];
    }

    d->held[i] = h;
    return 0;
}


/* the first held record written and dropped */

static int
demo_release(demo_ctx_t *d)
{
    int           rc;
    size_t        i, c;
    demo_held_t   top, last;

    top = d->held[0];
    last = d->held[--d->nheld];

    for (i = 0; (c = 2 * i + 1) < d->nheld; i = c) {
        if (c + 1 < d->nheld && demo_held_less(&d->held[c + 1], &d->held[c]))
        {
            c++;
        }

        if (!demo_held_less(&d->held[c], &last)) {
            break;
        }

        d->held[i] = d->held[c];
    }

    if (d->nheld) {
        d->held[i] = last;
    }

    rc = demo_add(d, top.json, top.len, top.newest);
    free(top.json);

    return rc;
}


static int
demo_record(void *ctx, const char *json, size_t len,
    const onestop_demo_times_t *times)
{
    demo_ctx_t  *d;

    d = ctx;

    if (!d->aged) {
        return demo_add(d, json, len, times->newest);
    }

    /* every record still to come was received after this one: those
     * whose newest event is not later go first */

    while (d->nheld && d->held[0].newest <= times->received) {
        if (demo_release(d) != 0) {
            return -1;
        }
    }

    return demo_hold(d, json, len, times->newest);
}


static int
demo_args(int argc, char **argv, size_t *n, int *force)
{
    int          i;
    const char  *arg;

    arg = NULL;
    *n = 200000;
    *force = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0) {
            *force = 1;

        } else if (arg == NULL) {
            arg = argv[i];

        } else {
            onestop_cli_usage_error("demo takes N and --force, not \"%s\"",
                                    argv[i]);
            return -1;
        }
    }

    if (arg == NULL) {
        return 0;
    }

    if (arg[0] == '\0' || strlen(arg) > 9
        || strspn(arg, "0123456789") != strlen(arg))
    {
        onestop_cli_usage_error("demo N is a number of dossiers "
                                "(0 to 999999999), not \"%s\"", arg);
        return -1;
    }

    *n = (size_t) strtoul(arg, NULL, 10);
    return 0;
}


int
onestop_cli_demo_args(int argc, char **argv)
{
    int     force;
    size_t  n;

    return demo_args(argc, argv, &n, &force);
}


int
onestop_cli_demo(onestop_store_t *st, int argc, char **argv)
{
    int                       rc, force;
    char                      held[32];
    size_t                    n;
    uint64_t                  dossiers;
    demo_ctx_t                d;
    const onestop_catalog_t  *cat;

    if (demo_args(argc, argv, &n, &force) != 0) {
        return ONESTOP_EXIT_USAGE;
    }

    memset(&d, 0, sizeof(d));
    d.st = st;
    d.offset = onestop_store_offset(st);
    d.today = onestop_today(d.offset);

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return onestop_cli_fail("demo: the store could not be read");
    }

    d.aged = onestop_store_seq(st) == 0;
    dossiers = onestop_store_dossiers(st);
    cat = onestop_store_catalog(st);
    rc = cat == NULL
         || cat->nagencies + cat->nfields + cat->nprocedures != 0;
    onestop_store_read_end(st);

    /* invented dossiers and the demo's catalog in a province's store
     * would be served to its citizens and counted in its figures */

    if ((dossiers != 0 || rc) && !force) {
        snprintf(held, sizeof(held), "%llu dossier(s)",
                 (unsigned long long) dossiers);

        return onestop_cli_fail("demo: the store already holds %s%s%s: the "
                                "demo data set is written into a new store "
                                "only, never into a production store "
                                "(\"demo --force\" writes it there anyway)",
                                dossiers ? held : "",
                                dossiers && rc ? " and " : "",
                                rc ? "a catalog" : "");
    }

    if (d.aged) {
        /* the catalog at the history's first local midnight */
        d.commit_sec = (int64_t) onestop_demo_first_day(d.today) * 86400
                       - d.offset;
        onestop_store_commit_time(st, d.commit_sec * 1000);
        d.daily = d.today - (onestop_day_t) onestop_changes_days(st) - 1;
    }

    onestop_progress_start(&d.progress, "demo", "records", n);

    rc = onestop_demo_generate_timed(20190709, n, d.today, demo_catalog,
                                     demo_record, &d);

    while (rc == 0 && d.nheld) {
        rc = demo_release(&d);
    }

    if (rc == 0) {
        rc = demo_flush(&d);
    }

    if (rc == 0 && d.aged) {
        /* the last batch's outbox entries */
        rc = demo_consumed(&d);

        if (rc == 0 && onestop_store_write(st, NULL, 0) != ONESTOP_OK) {
            rc = onestop_cli_fail("demo: the outbox could not be trimmed");
        }
    }

    onestop_store_commit_time(st, 0);
    onestop_progress_end(&d.progress);

    while (d.nheld) {
        free(d.held[--d.nheld].json);
    }

    free(d.held);

    if (rc != 0) {
        if (d.have_batch) {
            onestop_batch_free(&d.batch);
        }

        return onestop_cli_fail("the demo data set was not written whole");
    }

    fprintf(stderr, "onestop: demo: %zu dossiers\n", d.total);
    return 0;
}
