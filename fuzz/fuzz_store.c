/*
 * The fuzz targets' store and checks (fuzz.h).  The store is the demo
 * data set at a fixed "today", in a temporary directory removed at exit,
 * so that every target asks its questions of realistic data: 224
 * agencies in trees, 26 fields, 148 procedures, dossiers of every status
 * since 2019, apology letters, evaluations.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "fuzz.h"
#include "onestop_date.h"
#include "onestop_demo.h"
#include "onestop_json.h"
#include "onestop_util.h"

#define FUZZ_DOSSIERS     3000
#define FUZZ_EVALUATIONS  600


typedef struct {
    onestop_store_t  *st;
    onestop_batch_t   batch;
    int32_t           offset;
    onestop_day_t     today;
} fuzz_demo_t;


static char              fuzz_dir[256];
static onestop_store_t  *fuzz_st;


static void
fuzz_fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, why);
    abort();
}


static void
fuzz_remove(void)
{
    DIR            *d;
    char            path[512];
    struct dirent  *e;

    if (fuzz_st != NULL) {
        onestop_store_close(fuzz_st);
        fuzz_st = NULL;
    }

    d = opendir(fuzz_dir);

    if (d == NULL) {
        return;
    }

    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", fuzz_dir, e->d_name);
            unlink(path);
        }
    }

    closedir(d);
    rmdir(fuzz_dir);
}


static void
fuzz_write(onestop_store_t *st, onestop_write_t **w, size_t n)
{
    if (onestop_store_write(st, w, n) != ONESTOP_OK) {
        fuzz_fail("the demo store", w[0]->message);
    }
}


static int
fuzz_catalog(void *ctx, const char *json, size_t len)
{
    fuzz_demo_t            *d = ctx;
    onestop_write_t         w, *wp;
    onestop_catalog_doc_t   doc;

    if (onestop_catalog_doc_parse(&doc, json, len) != 0) {
        fuzz_fail("the demo catalog", doc.message);
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_CATALOG;
    w.doc = &doc;
    wp = &w;
    fuzz_write(d->st, &wp, 1);
    onestop_catalog_doc_free(&doc);

    return 0;
}


static int
fuzz_record(void *ctx, const char *json, size_t len)
{
    fuzz_demo_t  *d = ctx;

    if (onestop_batch_feed(&d->batch, json, len) != 0
        || onestop_batch_feed(&d->batch, "\n", 1) != 0)
    {
        fuzz_fail("a demo record", d->batch.message);
    }

    return 0;
}


onestop_store_t *
fuzz_store(void)
{
    size_t                 i, n;
    const char            *tmp;
    fuzz_demo_t            d;
    onestop_write_t        w, *wp, *ev, **evp;
    onestop_store_conf_t   conf;
    char                   err[256];

    if (fuzz_st != NULL) {
        return fuzz_st;
    }

    setenv("ONESTOP_TODAY", FUZZ_TODAY, 1);

    tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/onestop-fuzz-XXXXXX",
             tmp != NULL && *tmp ? tmp : "/tmp");

    if (mkdtemp(fuzz_dir) == NULL) {
        fuzz_fail("a temporary directory", fuzz_dir);
    }

    atexit(fuzz_remove);

    memset(&conf, 0, sizeof(conf));
    conf.map_size = (size_t) 256 << 20;
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.unread = 1;

    if (onestop_store_open(&fuzz_st, fuzz_dir, &conf, err, sizeof(err))
        != ONESTOP_OK)
    {
        fuzz_fail("the demo store", err);
    }

    memset(&d, 0, sizeof(d));
    d.st = fuzz_st;
    d.offset = onestop_store_offset(fuzz_st);
    d.today = onestop_today(d.offset);

    if (onestop_batch_init(&d.batch, 1, d.offset, d.today) != 0
        || onestop_demo_generate(20190709, FUZZ_DOSSIERS, d.today,
                                 fuzz_catalog, fuzz_record, &d) != 0
        || onestop_batch_finish(&d.batch) != 0)
    {
        fuzz_fail("the demo data set", d.batch.message);
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_DOSSIERS;
    w.batch = &d.batch;
    wp = &w;
    fuzz_write(fuzz_st, &wp, 1);

    /* evaluations of every few dossiers: the unfinished ones are refused
     * (422), the others written, some with a comment */

    ev = calloc(FUZZ_EVALUATIONS, sizeof(onestop_write_t));
    evp = calloc(FUZZ_EVALUATIONS, sizeof(onestop_write_t *));

    if (ev == NULL || evp == NULL) {
        fuzz_fail("the demo evaluations", "out of memory");
    }

    n = 0;

    for (i = 0; i < d.batch.nrecs && n < FUZZ_EVALUATIONS; i += 4) {
        ev[n].kind = ONESTOP_W_EVALUATE;
        ev[n].code = d.batch.recs[i].code;
        memset(ev[n].answers, -1, sizeof(ev[n].answers));
        ev[n].answers[2 + i % 8] = (int8_t) (i % 3);
        ev[n].answers[7] = (int8_t) ((i / 4) % 3);

        if (i % 5 == 0) {
            ev[n].comment.data = "Cán bộ nhiệt tình";
            ev[n].comment.len = strlen(ev[n].comment.data);
        }

        evp[n] = &ev[n];
        n++;
    }

    fuzz_write(fuzz_st, evp, n);
    free(ev);
    free(evp);
    onestop_batch_free(&d.batch);

    return fuzz_st;
}


void
fuzz_check_text(const char *what, const char *s, size_t len)
{
    if (!onestop_utf8_valid(s, len)) {
        fuzz_fail(what, "not UTF-8");
    }
}


void
fuzz_check_json(const char *what, const char *s, size_t len)
{
    yajl_handle  h;

    fuzz_check_text(what, s, len);

    h = yajl_alloc(NULL, NULL, NULL);

    if (h == NULL) {
        fuzz_fail(what, "out of memory");
    }

    if (yajl_parse(h, (const unsigned char *) s, len) != yajl_status_ok
        || yajl_complete_parse(h) != yajl_status_ok)
    {
        yajl_free(h);
        fuzz_fail(what, "not JSON");
    }

    yajl_free(h);
}


void
fuzz_check_error(const char *message)
{
    size_t                len;
    yajl_gen              g;
    const unsigned char  *buf;

    if (message == NULL || message[0] == '\0') {
        fuzz_fail("an error", "no message");
    }

    g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        fuzz_fail("an error", "out of memory");
    }

    /* as the module's generator: it does not validate UTF-8 itself */
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);

    onestop_error_render(g, "bad_request", message, NULL, 0);

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        fuzz_fail("an error", "not rendered");
    }

    fuzz_check_json("the error object", (const char *) buf, len);
    yajl_gen_free(g);
}


char *
fuzz_room(size_t size)
{
    char  *s;

    s = malloc(size ? size : 1);

    if (s == NULL) {
        fuzz_fail("room for the input", "out of memory");
    }

    return s;
}
