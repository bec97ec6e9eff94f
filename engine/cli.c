/*
 * onestop: the command-line tool.  Thin: each command parses its
 * arguments and calls the engine, the same code nginx runs, so that an
 * import here and a POST there obey the same rules.
 *
 * It never leaves files that nginx's workers cannot open: run as root it
 * becomes the store's owner first, and any other user that is not the
 * owner is refused.
 */

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "onestop_calendar.h"
#include "onestop_demo.h"
#include "onestop_json.h"
#include "onestop_stats.h"
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
} demo_ctx_t;


static int usage(void);
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int take_identity(const char *dir);
static int open_store(const char *dir, int readonly, onestop_store_t **st);
static int cmd_catalog(onestop_store_t *st, const char *file);
static int cmd_import(onestop_store_t *st, const char *file);
static int cmd_get(onestop_store_t *st, const char *code);
static int cmd_delete(onestop_store_t *st, const char *code);
static int cmd_backup(onestop_store_t *st, const char *dest);
static int cmd_demo(onestop_store_t *st, size_t n);
static int cmd_stats(onestop_store_t *st, int argc, char **argv);
static int cmd_verify(onestop_store_t *st);
static int read_file(const char *file, onestop_buf_t *data);
static int report_write(onestop_store_t *st, onestop_write_t *w,
    onestop_batch_t *b);
static const char *full_advice(onestop_store_t *st);
static void print_gen(yajl_gen g);


static int
usage(void)
{
    fprintf(stderr,
        "usage: onestop --store DIR COMMAND [ARGS]\n"
        "commands:\n"
        "  import FILE|-        NDJSON dossier records (atomic)\n"
        "  catalog FILE         a catalog document\n"
        "  get CODE             the public lookup JSON of a dossier\n"
        "  delete CODE          delete a dossier (leaves a tombstone)\n"
        "  backup DEST          a consistent compacted copy\n"
        "  stats [--from D] [--to D] [--period P] [--interval I] [--group G]\n"
        "        [--agency ID] [--under ID] [--field ID] [--procedure ID]\n"
        "        [--channel C] [--level L] [--format json|csv]\n"
        "                       statistics, as GET /api/v1/stats answers\n"
        "  verify               recompute every counter from the records\n"
        "  demo [N]             the demo data set (N dossiers, 200000)\n"
        "options:\n"
        "  --utc-offset +07:00  the local offset of a new store\n"
        "  --calendar FILE      working days (conf/calendar-vn.txt)\n"
        "  --office-hours HH:MM-HH:MM  07:00-17:00 by default\n");
    return 2;
}


static int
fail(const char *fmt, ...)
{
    va_list  ap;

    fputs("onestop: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);

    return 1;
}


static int
take_identity(const char *dir)
{
    struct stat  sb;

    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT) {
            return 0;           /* a new store: ours */
        }

        return fail("cannot reach store \"%s\": %s", dir, strerror(errno));
    }

    if (geteuid() == 0) {
        if (sb.st_uid == 0) {
            return 0;
        }

        if (setgroups(0, NULL) != 0 || setgid(sb.st_gid) != 0
            || setuid(sb.st_uid) != 0)
        {
            return fail("cannot take the identity of the owner of \"%s\" "
                        "(uid %u): %s", dir, (unsigned) sb.st_uid,
                        strerror(errno));
        }

        return 0;
    }

    if (geteuid() != sb.st_uid) {
        return fail("store \"%s\" belongs to uid %u: run as that user or as "
                    "root, so that nginx's workers can still open its files",
                    dir, (unsigned) sb.st_uid);
    }

    return 0;
}


static int
open_store(const char *dir, int readonly, onestop_store_t **st)
{
    char                       err[512];
    unsigned                   open_at, close_at;
    onestop_store_conf_t       conf;
    const char                *off, *file, *hours;
    static onestop_calendar_t *cal;

    memset(&conf, 0, sizeof(conf));

    /* --calendar FILE, --office-hours HH:MM-HH:MM (Điều 9.1, 13.3) */

    file = getenv("ONESTOP_CALENDAR");
    hours = getenv("ONESTOP_OFFICE_HOURS");

    if (file != NULL || hours != NULL) {
        cal = onestop_calendar_load(file, err, sizeof(err));

        if (cal == NULL) {
            return fail("%s", err);
        }

        if (hours != NULL) {
            if (onestop_office_hours_parse(hours, strlen(hours), &open_at,
                                           &close_at) != 0)
            {
                return fail("bad office hours \"%s\" (HH:MM-HH:MM)", hours);
            }

            onestop_calendar_set_hours(cal, open_at, close_at);
        }

        conf.calendar = cal;
    }

    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.readonly = readonly;
    conf.adopt_growth = 1;         /* one thread, no readers of its own */

    off = getenv("ONESTOP_UTC_OFFSET");

    if (off != NULL
        && onestop_offset_parse(off, strlen(off), &conf.offset) != 0)
    {
        return fail("bad UTC offset \"%s\" (+HH:MM)", off);
    }

    if (onestop_store_open(st, dir, &conf, err, sizeof(err)) != ONESTOP_OK) {
        return fail("%s", err);
    }

    return 0;
}


/* read(2), again when a signal interrupted it: > 0, 0 at the end, -1 */
static ssize_t
read_more(int fd, char *buf, size_t n)
{
    ssize_t  r;

    do {
        r = read(fd, buf, n);
    } while (r < 0 && errno == EINTR);

    return r;
}


static int
read_file(const char *file, onestop_buf_t *data)
{
    int       fd;
    char      buf[65536];
    ssize_t   n;

    fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY);

    if (fd < 0) {
        return fail("cannot open \"%s\": %s", file, strerror(errno));
    }

    while ((n = read_more(fd, buf, sizeof(buf))) > 0) {
        onestop_buf_add(data, buf, (size_t) n);
    }

    if (fd != 0) {
        close(fd);
    }

    if (n < 0) {
        onestop_buf_free(data);
        return fail("cannot read \"%s\": %s", file, strerror(errno));
    }

    if (data->failed) {
        onestop_buf_free(data);
        return fail("out of memory reading \"%s\"", file);
    }

    return 0;
}


static void
print_gen(yajl_gen g)
{
    const unsigned char  *buf;
    size_t                len;

    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    fputc('\n', stdout);
}


static int
report_write(onestop_store_t *st, onestop_write_t *w, onestop_batch_t *b)
{
    if (w->status == 200) {
        return 0;
    }

    if (b != NULL && b->nitems > 0 && w->status != 507) {
        return fail("%s (%d): record %zu: %s", w->message, w->status,
                    b->items[0].index, b->items[0].message);
    }

    return fail("%s (%d)%s", w->message, w->status, full_advice(st));
}


/* what to do when a write found no room */

static const char *
full_advice(onestop_store_t *st)
{
    switch (onestop_store_full(st)) {

    case ONESTOP_FULL_DISK:
        return "; nothing was written: free space on the store's file system "
               "and try again";

    case ONESTOP_FULL_MAP:
        return "; nothing was written: raise map_size in nginx's "
               "onestop_store and reload nginx, then try again";

    default:
        return "";
    }
}


static int
cmd_catalog(onestop_store_t *st, const char *file)
{
    int                     rc;
    onestop_buf_t           data;
    onestop_write_t         w, *wp;
    onestop_catalog_doc_t   doc;

    memset(&data, 0, sizeof(data));

    if (read_file(file, &data) != 0) {
        return 1;
    }

    rc = onestop_catalog_doc_parse(&doc, data.data != NULL ? data.data : "",
                                   data.len);
    onestop_buf_free(&data);

    if (rc != 0) {
        onestop_catalog_doc_free(&doc);
        return fail("%s (%d)", doc.message, rc);
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_CATALOG;
    w.doc = &doc;
    wp = &w;

    onestop_store_write(st, &wp, 1);
    onestop_catalog_doc_free(&doc);

    if (report_write(st, &w, NULL) != 0) {
        return 1;
    }

    printf("{\"agencies\": %zu, \"fields\": %zu, \"procedures\": %zu}\n",
           w.agencies, w.fields, w.procedures);
    return 0;
}


static int
cmd_import(onestop_store_t *st, const char *file)
{
    int               fd;
    char              buf[65536];
    ssize_t           n;
    onestop_write_t   w, *wp;
    onestop_batch_t   b;

    fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY);

    if (fd < 0) {
        return fail("cannot open \"%s\": %s", file, strerror(errno));
    }

    if (onestop_batch_init(&b, 1, onestop_store_offset(st),
                           onestop_today(onestop_store_offset(st))) != 0)
    {
        return fail("out of memory");
    }

    while ((n = read_more(fd, buf, sizeof(buf))) > 0) {
        if (onestop_batch_feed(&b, buf, (size_t) n) != 0) {
            break;
        }
    }

    if (fd != 0) {
        close(fd);
    }

    if (n < 0) {
        onestop_batch_free(&b);
        return fail("cannot read \"%s\": %s", file, strerror(errno));
    }

    if (onestop_batch_finish(&b) != 0) {
        if (b.error == 422 && b.nitems > 0) {
            fail("line %zu: %s (%zu invalid record(s); nothing imported)",
                 b.items[0].index + 1, b.items[0].message, b.nfailed);
        } else {
            fail("%s; nothing imported", b.message);
        }

        onestop_batch_free(&b);
        return 1;
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_DOSSIERS;
    w.batch = &b;
    wp = &w;

    onestop_store_write(st, &wp, 1);

    if (w.status != 200) {
        if (b.nitems > 0 && w.status != 507) {
            fail("line %zu: %s (%s; nothing imported)",
                 b.items[0].index + 1, b.items[0].message, w.message);
        } else if (w.status == 507) {
            fail("%s (%d)%s", w.message, w.status, full_advice(st));
        } else {
            fail("%s; nothing imported", w.message);
        }

        onestop_batch_free(&b);
        return 1;
    }

    printf("{\"accepted\": %zu, \"unchanged\": %zu, \"stale\": %zu}\n",
           w.accepted, w.unchanged, w.stale);

    onestop_batch_free(&b);
    return 0;
}


static int
cmd_get(onestop_store_t *st, const char *code)
{
    int                       rc;
    yajl_gen                  g;
    onestop_record_t          r;
    const onestop_catalog_t  *cat;

    if (!onestop_code_valid(code, strlen(code))) {
        return fail("\"%s\" is not a dossier code", code);
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return fail("cannot read the store");
    }

    rc = onestop_store_get(st, code, strlen(code), &r);
    cat = onestop_store_catalog(st);

    if (rc == ONESTOP_NOT_FOUND) {
        onestop_store_read_end(st);
        return fail("no dossier has code \"%s\"", code);
    }

    if (rc != ONESTOP_OK || cat == NULL) {
        onestop_store_read_end(st);
        return fail("cannot read dossier \"%s\"", code);
    }

    g = yajl_gen_alloc(NULL);
    yajl_gen_config(g, yajl_gen_validate_utf8, 0);
    onestop_lookup_render(g, &r, cat, onestop_store_offset(st),
                          onestop_today(onestop_store_offset(st)), 0);
    print_gen(g);
    yajl_gen_free(g);

    onestop_store_read_end(st);
    return 0;
}


static int
cmd_delete(onestop_store_t *st, const char *code)
{
    onestop_write_t   w, *wp;

    if (!onestop_code_valid(code, strlen(code))) {
        return fail("\"%s\" is not a dossier code", code);
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_DELETE;
    w.code.data = code;
    w.code.len = strlen(code);
    wp = &w;

    onestop_store_write(st, &wp, 1);

    if (report_write(st, &w, NULL) != 0) {
        return 1;
    }

    printf("{\"deleted\": 1}\n");
    return 0;
}


static int
cmd_backup(onestop_store_t *st, const char *dest)
{
    char  err[512];

    if (onestop_store_backup(st, dest, err, sizeof(err)) != 0) {
        return fail("%s", err);
    }

    return 0;
}


static int
cmd_stats(onestop_store_t *st, int argc, char **argv)
{
    int                       i, rc;
    size_t                    n;
    onestop_arg_t             args[ONESTOP_ARGS_MAX];
    onestop_buf_t             out;
    onestop_query_t           q;
    const onestop_catalog_t  *cat;

    static const char  *names[] = {
        "from", "to", "period", "interval", "group", "agency", "under",
        "field", "procedure", "channel", "level", "format", "subject",
        "kind", NULL
    };

    n = 0;

    for (i = 0; i < argc; i++) {
        const char  *opt, *val, **name;

        opt = argv[i];

        if (strncmp(opt, "--", 2) != 0) {
            return fail("stats: unexpected argument \"%s\"", opt);
        }

        opt += 2;
        val = strchr(opt, '=');

        for (name = names; *name != NULL; name++) {
            if (val != NULL ? (size_t) (val - opt) == strlen(*name)
                              && strncmp(opt, *name, val - opt) == 0
                            : strcmp(opt, *name) == 0)
            {
                break;
            }
        }

        if (*name == NULL) {
            return fail("stats: unknown option \"%s\"", argv[i]);
        }

        if (n == ONESTOP_ARGS_MAX) {
            return fail("stats: too many options (at most %d)",
                        ONESTOP_ARGS_MAX);
        }

        if (val != NULL) {
            val++;

        } else if (i + 1 < argc) {
            val = argv[++i];

        } else {
            return fail("stats: --%s needs a value", *name);
        }

        args[n].key.data = *name;
        args[n].key.len = strlen(*name);
        args[n].value.data = val;
        args[n].value.len = strlen(val);
        n++;
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return fail("cannot read the store");
    }

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        onestop_store_read_end(st);
        return fail("cannot read the catalog");
    }

    if (onestop_query_parse(&q, cat, args, n) != 0) {
        onestop_store_read_end(st);
        return fail("%s", q.error);
    }

    memset(&out, 0, sizeof(out));
    rc = onestop_store_stats(st, &q, onestop_today(onestop_store_offset(st)),
                             &out);
    onestop_store_read_end(st);

    if (rc == -1) {
        onestop_buf_free(&out);
        return fail("%s", q.error);
    }

    if (rc != 0) {
        onestop_buf_free(&out);
        return fail("cannot compute the statistics");
    }

    fwrite(out.data, 1, out.len, stdout);
    onestop_buf_free(&out);
    return 0;
}


static int
cmd_verify(onestop_store_t *st)
{
    long           diffs;
    onestop_buf_t  report;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return fail("cannot read the store");
    }

    memset(&report, 0, sizeof(report));
    diffs = onestop_store_verify(st, &report);
    onestop_store_read_end(st);

    if (diffs < 0) {
        onestop_buf_free(&report);
        return fail("cannot verify the store");
    }

    if (report.len) {
        fwrite(report.data, 1, report.len, stdout);
    }

    onestop_buf_free(&report);

    if (diffs > 0) {
        return fail("%ld counter(s) differ from the records", diffs);
    }

    printf("ok: every counter matches the records\n");
    return 0;
}


/* demo */

static int
demo_flush(demo_ctx_t *d)
{
    onestop_write_t   w, *wp;

    if (!d->have_batch) {
        return 0;
    }

    d->have_batch = 0;

    if (onestop_batch_finish(&d->batch) != 0) {
        fail("demo record %zu: %s", d->batch.nitems ? d->batch.items[0].index
                                                    : 0,
             d->batch.nitems ? d->batch.items[0].message : d->batch.message);
        onestop_batch_free(&d->batch);
        return -1;
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_DOSSIERS;
    w.batch = &d->batch;
    wp = &w;

    onestop_store_write(d->st, &wp, 1);

    if (w.status != 200) {
        report_write(d->st, &w, &d->batch);
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
        fail("demo catalog: %s", doc.message);
        onestop_catalog_doc_free(&doc);
        return -1;
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_CATALOG;
    w.doc = &doc;
    wp = &w;

    onestop_store_write(d->st, &wp, 1);
    onestop_catalog_doc_free(&doc);

    if (report_write(d->st, &w, NULL) != 0) {
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
        fail("demo record: %s", d->batch.message);
        return -1;
    }

    if (++d->pending == 20000) {
        return demo_flush(d);
    }

    return 0;
}


static int
cmd_demo(onestop_store_t *st, size_t n)
{
    demo_ctx_t  d;

    memset(&d, 0, sizeof(d));
    d.st = st;
    d.offset = onestop_store_offset(st);
    d.today = onestop_today(d.offset);

    if (onestop_demo_generate(20190709, n, d.today, demo_catalog, demo_record,
                              &d) != 0
        || demo_flush(&d) != 0)
    {
        if (d.have_batch) {
            onestop_batch_free(&d.batch);
        }

        return fail("the demo data set was not written whole");
    }

    fprintf(stderr, "onestop: demo: %zu dossiers\n", d.total);
    return 0;
}


int
main(int argc, char **argv)
{
    int               i, rc, readonly;
    const char       *dir, *cmd, *arg;
    onestop_store_t  *st;

    dir = NULL;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            dir = argv[++i];

        } else if (strncmp(argv[i], "--store=", 8) == 0) {
            dir = argv[i] + 8;

        } else if (strcmp(argv[i], "--utc-offset") == 0 && i + 1 < argc) {
            setenv("ONESTOP_UTC_OFFSET", argv[++i], 1);

        } else if (strcmp(argv[i], "--calendar") == 0 && i + 1 < argc) {
            setenv("ONESTOP_CALENDAR", argv[++i], 1);

        } else if (strcmp(argv[i], "--office-hours") == 0 && i + 1 < argc) {
            setenv("ONESTOP_OFFICE_HOURS", argv[++i], 1);

        } else if (strcmp(argv[i], "--help") == 0
                   || strcmp(argv[i], "-h") == 0)
        {
            usage();
            return 0;

        } else if (strncmp(argv[i], "--", 2) == 0 && dir == NULL) {
            fail("unknown option \"%s\" (onestop --help)", argv[i]);
            return 2;

        } else {
            break;
        }
    }

    if (dir == NULL || i >= argc) {
        fail("%s (onestop --help lists the commands)",
             dir == NULL ? "--store DIR is needed" : "a command is needed");
        return 2;
    }

    cmd = argv[i++];
    arg = i < argc ? argv[i] : NULL;

    readonly = strcmp(cmd, "get") == 0 || strcmp(cmd, "backup") == 0
               || strcmp(cmd, "stats") == 0 || strcmp(cmd, "verify") == 0;

    if (take_identity(dir) != 0) {
        return 1;
    }

    if (readonly && access(dir, F_OK) != 0) {
        return fail("no store at \"%s\"", dir);
    }

    if (strcmp(cmd, "import") != 0 && strcmp(cmd, "catalog") != 0
        && strcmp(cmd, "get") != 0 && strcmp(cmd, "delete") != 0
        && strcmp(cmd, "backup") != 0 && strcmp(cmd, "demo") != 0
        && strcmp(cmd, "stats") != 0 && strcmp(cmd, "verify") != 0)
    {
        fail("unknown command \"%s\" (onestop --help lists the commands)",
             cmd);
        return 2;
    }

    if (arg == NULL && strcmp(cmd, "demo") != 0 && strcmp(cmd, "stats") != 0
        && strcmp(cmd, "verify") != 0)
    {
        fail("%s needs an argument (onestop --help)", cmd);
        return 2;
    }

    if (open_store(dir, 0, &st) != 0) {
        return 1;
    }

    if (strcmp(cmd, "import") == 0) {
        rc = cmd_import(st, arg);

    } else if (strcmp(cmd, "catalog") == 0) {
        rc = cmd_catalog(st, arg);

    } else if (strcmp(cmd, "get") == 0) {
        rc = cmd_get(st, arg);

    } else if (strcmp(cmd, "delete") == 0) {
        rc = cmd_delete(st, arg);

    } else if (strcmp(cmd, "backup") == 0) {
        rc = cmd_backup(st, arg);

    } else if (strcmp(cmd, "stats") == 0) {
        rc = cmd_stats(st, argc - i, argv + i);

    } else if (strcmp(cmd, "verify") == 0) {
        rc = cmd_verify(st);

    } else {
        rc = cmd_demo(st, arg ? (size_t) strtoul(arg, NULL, 10) : 200000);
    }

    onestop_store_close(st);
    return rc;
}
