/*
 * What the store's unit tests share: a store in a temporary directory,
 * the catalog of t/lib/Onestop/Test.pm, and writes through the public
 * write API the way the CLI's `catalog`, `import` and `delete` make them
 * (engine/cli.c).  Only public headers: the tests must hold whatever
 * files the engine is split into.
 */

#ifndef ONESTOP_TEST_FIXTURE_H
#define ONESTOP_TEST_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onestop_json.h"
#include "onestop_store.h"


/* departments, districts and their communes; three fields, four
 * procedures */
static const char  fixture_catalog[] =
    "{\"agencies\": ["
    "{\"id\": \"000.00.12.H36\", \"name\": \"Sở Tư pháp\", "
    "\"level\": \"province\", \"parent\": null},"
    "{\"id\": \"000.00.15.H36\", \"name\": \"Sở Xây dựng\", "
    "\"level\": \"province\", \"parent\": null},"
    "{\"id\": \"000.00.30.H36\", \"name\": \"UBND huyện Bến Lức\", "
    "\"level\": \"district\", \"parent\": null},"
    "{\"id\": \"000.30.01.H36\", \"name\": \"UBND thị trấn Bến Lức\", "
    "\"level\": \"commune\", \"parent\": \"000.00.30.H36\"},"
    "{\"id\": \"000.30.02.H36\", \"name\": \"UBND xã Thạnh Đức\", "
    "\"level\": \"commune\", \"parent\": \"000.00.30.H36\"},"
    "{\"id\": \"000.00.31.H36\", \"name\": \"UBND huyện Cần Giuộc\", "
    "\"level\": \"district\", \"parent\": null},"
    "{\"id\": \"000.31.01.H36\", \"name\": \"UBND xã Phước Lý\", "
    "\"level\": \"commune\", \"parent\": \"000.00.31.H36\"}"
    "],"
    "\"fields\": ["
    "{\"id\": \"tu-phap\", \"name\": \"Tư pháp\"},"
    "{\"id\": \"xay-dung\", \"name\": \"Xây dựng\"},"
    "{\"id\": \"ho-tich\", \"name\": \"Hộ tịch\"}"
    "],"
    "\"procedures\": ["
    "{\"id\": \"1.001234\", \"name\": \"Cấp phiếu lý lịch tư pháp\", "
    "\"field\": \"tu-phap\"},"
    "{\"id\": \"1.009999\", \"name\": \"Cấp giấy phép xây dựng\", "
    "\"field\": \"xay-dung\"},"
    "{\"id\": \"1.000894\", \"name\": \"Đăng ký khai sinh\", "
    "\"field\": \"ho-tich\"},"
    "{\"id\": \"1.000895\", \"name\": \"Trích lục hộ tịch\", "
    "\"field\": \"ho-tich\"}"
    "]}";


static inline int
fixture_rm_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
    (void) sb;
    (void) flag;
    (void) ftw;

    return remove(path);
}


/* A new empty directory under $TMPDIR (or /tmp), removed at exit. */

static char  fixture_tmp[4096];


static inline void
fixture_cleanup(void)
{
    if (fixture_tmp[0] != '\0' && getenv("ONESTOP_KEEP_TMP") == NULL) {
        nftw(fixture_tmp, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}


static inline const char *
fixture_tmpdir(void)
{
    const char  *base;

    base = getenv("TMPDIR");
    snprintf(fixture_tmp, sizeof(fixture_tmp), "%s/onestop-unit-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");

    if (mkdtemp(fixture_tmp) == NULL) {
        perror("mkdtemp");
        exit(2);
    }

    atexit(fixture_cleanup);

    return fixture_tmp;
}


/* dir/name into buf */
static inline const char *
fixture_path(char *buf, size_t size, const char *dir, const char *name)
{
    if ((size_t) snprintf(buf, size, "%s/%s", dir, name) >= size) {
        printf("# path too long: %s/%s\n", dir, name);
        exit(2);
    }

    return buf;
}


static inline onestop_store_t *
fixture_open(const char *dir, size_t map_size, uint64_t outbox_max,
    char *err, size_t errlen)
{
    onestop_store_t       *st;
    onestop_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.map_size = map_size;
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.outbox_max = outbox_max;

    if (onestop_store_open(&st, dir, &conf, err, errlen) != ONESTOP_OK) {
        return NULL;
    }

    return st;
}


/* A catalog document written as an administrator: the write's status. */
static inline int
fixture_catalog_write(onestop_store_t *st, const char *json,
    onestop_write_t *w)
{
    int                     rc;
    onestop_write_t        *wp;
    onestop_catalog_doc_t   doc;

    memset(w, 0, sizeof(onestop_write_t));
    rc = onestop_catalog_doc_parse(&doc, json, strlen(json));

    if (rc != 0) {
        printf("# catalog document: %s (%d)\n", doc.message, rc);
        onestop_catalog_doc_free(&doc);
        return rc;
    }

    w->kind = ONESTOP_W_CATALOG;
    w->doc = &doc;
    wp = w;

    onestop_store_write(st, &wp, 1);
    onestop_catalog_doc_free(&doc);
    w->doc = NULL;

    return w->status;
}


/*
 * NDJSON records parsed into a batch, as the CLI's import and nginx's
 * ingest parse them before the store writes them: 0; 400, the batch
 * freed, its message in `why` when not NULL; -1 when the batch could not
 * be set up.
 */
static inline int
fixture_batch(onestop_store_t *st, const char *ndjson, onestop_day_t today,
    onestop_batch_t *b, char *why, size_t whylen)
{
    if (onestop_batch_init(b, 1, onestop_store_offset(st), today) != 0) {
        return -1;
    }

    onestop_batch_feed(b, ndjson, strlen(ndjson));

    if (onestop_batch_finish(b) == 400) {
        if (why != NULL) {
            snprintf(why, whylen, "%s", b->message);
        }

        onestop_batch_free(b);
        return 400;
    }

    return 0;
}


/*
 * NDJSON records written in one batch, as the CLI's import and nginx's
 * ingest write them (records the parse finds bad go to the store too, as
 * in nginx, which must answer for the others' scope): the write's status,
 * or the parse's 400.  `scope` NULL: an administrator.  The first item's
 * message, if any, goes to `why`.
 */
static inline int
fixture_import_scoped(onestop_store_t *st, const char *ndjson,
    onestop_day_t today, const onestop_scope_t *scope, onestop_write_t *w,
    char *why, size_t whylen)
{
    int               rc;
    onestop_batch_t   b;
    onestop_write_t  *wp;

    memset(w, 0, sizeof(onestop_write_t));

    if (why != NULL) {
        why[0] = '\0';
    }

    rc = fixture_batch(st, ndjson, today, &b, why, whylen);

    if (rc != 0) {
        return rc;
    }

    w->kind = ONESTOP_W_DOSSIERS;
    w->batch = &b;
    w->scope = scope;
    wp = w;

    onestop_store_write(st, &wp, 1);

    if (why != NULL && b.nitems > 0) {
        snprintf(why, whylen, "%zu: %s: %s", b.items[0].index,
                 b.items[0].code, b.items[0].message);
    }

    onestop_batch_free(&b);
    w->batch = NULL;

    return w->status;
}


static inline int
fixture_import(onestop_store_t *st, const char *ndjson, onestop_day_t today,
    onestop_write_t *w)
{
    return fixture_import_scoped(st, ndjson, today, NULL, w, NULL, 0);
}


/* Dossier n (000.00.30.H36-241201-NNNN, received 2024-11-25, a commune's)
 * written as an administrator: the write's status. */
static inline int
fixture_dossier(onestop_store_t *st, int n, onestop_day_t today)
{
    char             buf[512];
    onestop_write_t  w;

    snprintf(buf, sizeof(buf),
             "{\"code\": \"000.00.30.H36-241201-%04d\", \"version\": 1, "
             "\"agency\": \"000.30.01.H36\", \"procedure\": \"1.000894\", "
             "\"channel\": \"online\", "
             "\"applicant\": {\"name\": \"Nguyễn Văn A\"}, "
             "\"received_at\": \"2024-11-25\", \"due_at\": \"2030-12-20\"}\n",
             n);

    return fixture_import(st, buf, today, &w);
}


/* Today is `day` for the engine (ONESTOP_TODAY) until it is unset. */
static inline void
fixture_today(onestop_day_t day)
{
    int       y;
    char      buf[16];
    unsigned  m, d;

    onestop_civil_from_days(day, &y, &m, &d);
    snprintf(buf, sizeof(buf), "%04d-%02u-%02u", y, m, d);
    setenv("ONESTOP_TODAY", buf, 1);
}


/* A deletion as an administrator: the write's status. */
static inline int
fixture_delete(onestop_store_t *st, const char *code, onestop_write_t *w)
{
    onestop_write_t  *wp;

    memset(w, 0, sizeof(onestop_write_t));
    w->kind = ONESTOP_W_DELETE;
    w->code.data = code;
    w->code.len = strlen(code);
    wp = w;

    onestop_store_write(st, &wp, 1);

    return w->status;
}


#endif /* ONESTOP_TEST_FIXTURE_H */
