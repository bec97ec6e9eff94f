/*
 * "onestop demo": the demo data set (demo.c) written into a store the way
 * an import would, in batches of 20,000 records, with a progress line.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_cli.h"
#include "onestop_demo.h"
#include "onestop_json.h"
#include "onestop_store.h"


typedef struct {
    onestop_store_t  *st;
    int32_t           offset;
    onestop_day_t     today;
    onestop_batch_t   batch;
    size_t            pending;
    size_t            total;
    int               have_batch;
    int               failed;
    onestop_progress_t  progress;
} demo_ctx_t;


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


static int
demo_record(void *ctx, const char *json, size_t len)
{
    demo_ctx_t  *d;

    d = ctx;

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


int
onestop_cli_demo(onestop_store_t *st, size_t n)
{
    int         rc;
    demo_ctx_t  d;

    memset(&d, 0, sizeof(d));
    d.st = st;
    d.offset = onestop_store_offset(st);
    d.today = onestop_today(d.offset);
    onestop_progress_start(&d.progress, "demo", "records", n);

    rc = onestop_demo_generate(20190709, n, d.today, demo_catalog,
                               demo_record, &d);

    if (rc == 0) {
        rc = demo_flush(&d);
    }

    onestop_progress_end(&d.progress);

    if (rc != 0) {
        if (d.have_batch) {
            onestop_batch_free(&d.batch);
        }

        return onestop_cli_fail("the demo data set was not written whole");
    }

    fprintf(stderr, "onestop: demo: %zu dossiers\n", d.total);
    return 0;
}
