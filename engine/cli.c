/*
 * onestop: the command-line tool.  Thin: each command parses its
 * arguments and calls the engine, the same code nginx runs, so that an
 * import here and a POST there obey the same rules.
 *
 * It never leaves files that nginx's workers cannot open: run as root it
 * becomes the store's owner first, and any other user that is not the
 * owner is refused.  This file holds the options and the commands on a
 * store's data; cli_admin.c creates, upgrades and restores stores,
 * cli_keys.c writes the keys files, cli_read.c has stats and changes,
 * cli_util.c has the manners.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "onestop_cli.h"
#include "onestop_cli_replica.h"
#include "onestop_calendar.h"
#include "onestop_changes.h"
#include "onestop_demo.h"
#include "onestop_probe.h"
#include "onestop_json.h"
#include "onestop_stats.h"
#include "onestop_store.h"


typedef struct {
    const char        *name;
    int                args;        /* the least number of arguments */
    int                readonly;    /* on an existing store only */
    int                most;        /* the most, or -1: its own parse */
} store_cmd_t;


static void usage(FILE *f);
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int store_command(const char *dir, int argc, char **argv);
static int open_store(const char *dir, int readonly, onestop_store_t **st);
static int cmd_catalog(onestop_store_t *st, const char *file);
static int cmd_import(onestop_store_t *st, const char *file);
static int cmd_get(onestop_store_t *st, const char *code);
static int cmd_delete(onestop_store_t *st, const char *code);
static int cmd_backup(onestop_store_t *st, const char *dest);
static int cmd_verify(onestop_store_t *st);
static int read_file(const char *file, onestop_buf_t *data);


static void
usage(FILE *f)
{
    fprintf(f,
        "usage: onestop [--store DIR] [--utc-offset +HH:MM] COMMAND [ARGS]\n"
        "       onestop --help | --version\n"
        "\n"
        "commands on the store in DIR (--store DIR):\n"
        "  init [--map-size SIZE] [--user USER]\n"
        "                       create a store (map size 64g; run as root,\n"
        "                       owned by USER, by default the owner of the\n"
        "                       directory above DIR)\n"
        "  migrate              upgrade the store to this build's schema\n"
        "  import FILE|-        NDJSON dossier records (atomic)\n"
        "  catalog FILE|-       a catalog document\n"
        "  get CODE             the public lookup JSON of a dossier\n"
        "  changes [after=N] [limit=N]\n"
        "                       a page of the change log, as GET\n"
        "                       /api/v1/changes answers it\n"
        "  delete CODE          delete a dossier (leaves a tombstone)\n"
        "  backup DEST          a consistent compacted copy into DEST\n"
        "  restore [--replace] [--no-verify] BACKUP\n"
        "                       put a backup in the store's place (checked\n"
        "                       with verify first); --replace moves a store\n"
        "                       that is there aside\n"
        "  stats [--from D] [--to D] [--period P] [--interval I] [--group G]\n"
        "        [--agency ID] [--under ID] [--field ID] [--procedure ID]\n"
        "        [--channel C] [--level L] [--format json|csv] [--locale vi]\n"
        "        [--return_channel R] [--subject S] [--kind K] [--as published]\n"
        "                       statistics, as GET /api/v1/stats answers\n"
        "                       (--subject feedback: the questions;\n"
        "                       --as published: closed months as frozen)\n"
        "  verify               recompute every counter from the records\n"
        "  demo [--force] [N]   N demo dossiers (200000), into a new store\n"
        "  status               role, sequence and digest, as JSON\n"
        "  follow PREFIX        make the store a read-only follower of the\n"
        "                       primary that publishes under PREFIX\n"
        "  promote              make a follower's store a primary's\n"
        "  notify --config FILE tell citizens of their dossiers' events by\n"
        "                       e-mail, SMS and Zalo (docs/notify.md)\n"
        "  notify --status | --dead | --retry [CODE] | --drop [CODE]\n"
        "                       the notifier's counts, its dead letters,\n"
        "                       those retried, or those removed for good\n"
        "\n"
        "keys (no store needed; with --store, scopes are checked against\n"
        "its catalog):\n"
        "  key add [--keys-file FILE] NAME SCOPE\n"
        "                       a new API key of SCOPE (\"*\", \"sms\" or agency\n"
        "                       ids, comma-separated): printed once, its\n"
        "                       hash added to FILE\n"
        "  key list [--keys-file FILE] [--audit-log FILE]\n"
        "                       name, scope, created, last used\n"
        "  key revoke [--keys-file FILE] NAME\n"
        "                       remove a key (by name or hash prefix)\n"
        "  qr-key rotate [--qr-key-file FILE]\n"
        "                       a new QR signing key, the old ones kept\n"
        "                       below it for verification\n"
        "\n"
        "options:\n"
        "  --store DIR          the store: an LMDB environment directory\n"
        "  --utc-offset +07:00  the local offset of a new store\n"
        "  --calendar FILE      working days (conf/calendar-vn.txt)\n"
        "  --office-hours HH:MM-HH:MM  07:00-17:00 by default\n"
        "  -h, --help           this text, on stdout\n"
        "  -V, --version        the version\n"
        "\n"
        "The keys files are " ONESTOP_KEYS_FILE " and " ONESTOP_QR_KEY_FILE
        " unless\n--keys-file and --qr-key-file say otherwise; nginx reads "
        "them at a reload.\nimport, demo, verify, backup and restore show "
        "a progress line when stderr\nis a terminal.  Exit status: 0 done, "
        "1 failed (one line on stderr says\nwhy), 2 a wrong command line.  "
        "See onestop(1).\n");
}


static int
fail(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    onestop_cli_vfail(fmt, ap);
    va_end(ap);

    return 1;
}


static int
open_store(const char *dir, int readonly, onestop_store_t **st)
{
    char                        err[512];
    unsigned                    open_at, close_at;
    onestop_probe_t             probe;
    onestop_store_conf_t        conf;
    const char                 *off, *file, *hours;
    static onestop_calendar_t  *cal;

    /* another program's LMDB environment is not written into */

    if (onestop_store_probe(dir, &probe) == ONESTOP_PROBE_FOREIGN) {
        return fail("\"%s\" is not an onestop store: %s", dir,
                    probe.message);
    }

    memset(&conf, 0, sizeof(conf));

    /* --calendar FILE, --office-hours HH:MM-HH:MM (Điều 9.1, 13.3) */

    file = getenv("ONESTOP_CALENDAR");
    hours = getenv("ONESTOP_OFFICE_HOURS");

    if (file != NULL || hours != NULL) {
        cal = onestop_calendar_load(file, err, sizeof(err));

        if (cal == NULL) {
            return fail("%s%s", err, onestop_cli_denied_hint(err, 0));
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

    fd = onestop_cli_open_input(file);

    if (fd < 0) {
        return 1;
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

    if (onestop_cli_report_write(st, &w, NULL) != 0) {
        return 1;
    }

    printf("{\"agencies\": %zu, \"fields\": %zu, \"procedures\": %zu}\n",
           w.agencies, w.fields, w.procedures);
    return 0;
}


static int
cmd_import(onestop_store_t *st, const char *file)
{
    int                  fd;
    char                 buf[65536];
    ssize_t              n;
    uint64_t             size, read;
    struct stat          sb;
    onestop_write_t      w, *wp;
    onestop_batch_t      b;
    onestop_progress_t   p;

    fd = onestop_cli_open_input(file);

    if (fd < 0) {
        return 1;
    }

    /* the progress of a file is in bytes read, shown as records */

    size = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : 0;
    read = 0;
    onestop_progress_start(&p, "import", "records", 0);

    if (onestop_batch_init(&b, 1, onestop_store_offset(st),
                           onestop_today(onestop_store_offset(st))) != 0)
    {
        return fail("out of memory");
    }

    b.line_base = 1;                    /* lines count from 1 here */

    while ((n = read_more(fd, buf, sizeof(buf))) > 0) {
        if (onestop_batch_feed(&b, buf, (size_t) n) != 0) {
            break;
        }

        read += (uint64_t) n;

        if (size && b.nrecs && read < size) {
            onestop_progress_update(&p, b.nrecs,
                                    (uint64_t) ((double) size / read
                                                * b.nrecs));
        } else {
            onestop_progress_update(&p, b.nrecs,
                                    size && read >= size ? b.nrecs : 0);
        }
    }

    onestop_progress_end(&p);

    if (fd != 0) {
        close(fd);
    }

    if (n < 0) {
        onestop_batch_free(&b);
        return fail("cannot read \"%s\": %s", file, strerror(errno));
    }

    if (onestop_batch_finish(&b) != 0) {
        onestop_cli_batch_refused(&b);
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
            fail("%s (%d)%s", w.message, w.status, onestop_cli_full_advice(st));
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
    onestop_buf_t             out;
    onestop_record_t          r;
    const onestop_catalog_t  *cat;

    if (!onestop_code_valid(code, strlen(code))) {
        return fail("\"%s\" is not a dossier code", code);
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return fail("cannot read the store: %s", onestop_store_strerror(st));
    }

    rc = onestop_store_get(st, code, strlen(code), &r);
    cat = onestop_store_catalog(st);

    if (rc == ONESTOP_NOT_FOUND) {
        onestop_store_read_end(st);
        return fail("no dossier has code \"%s\"", code);
    }

    if (rc != ONESTOP_OK || cat == NULL) {
        onestop_store_read_end(st);
        return fail("cannot read dossier \"%s\": %s", code,
                    onestop_store_strerror(st));
    }

    memset(&out, 0, sizeof(onestop_buf_t));
    onestop_lookup_render(&out, &r, cat, onestop_store_offset(st),
                          onestop_today(onestop_store_offset(st)), 0);
    onestop_buf_add(&out, "\n", 1);

    if (!out.failed) {
        fwrite(out.data, 1, out.len, stdout);
    }

    onestop_buf_free(&out);

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

    if (onestop_cli_report_write(st, &w, NULL) != 0) {
        return 1;
    }

    printf("{\"deleted\": 1}\n");
    return 0;
}


/*
 * backup: LMDB writes the compacted copy on a thread of its own; a second
 * thread here watches the copy's size grow, against the store's, for the
 * progress line (the copy is at most as large as the store's data).
 */

typedef struct {
    const char          *dest;
    onestop_progress_t   p;
    pthread_mutex_t      lock;
    pthread_cond_t       done_cond;
    int                  done;
} backup_watch_t;


static void *
backup_watch(void *arg)
{
    char              path[4096];
    struct stat       sb;
    struct timespec   ts;
    backup_watch_t   *bw;

    bw = arg;
    snprintf(path, sizeof(path), "%s/data.mdb", bw->dest);

    pthread_mutex_lock(&bw->lock);

    while (!bw->done) {
        if (stat(path, &sb) == 0) {
            onestop_progress_update(&bw->p, (uint64_t) sb.st_size, 0);
        }

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000;

        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }

        pthread_cond_timedwait(&bw->done_cond, &bw->lock, &ts);
    }

    pthread_mutex_unlock(&bw->lock);

    return NULL;
}


static int
cmd_backup(onestop_store_t *st, const char *dest)
{
    int              rc, watching;
    char             err[512];
    uint64_t         used, mapped;
    pthread_t        tid;
    backup_watch_t   bw;

    onestop_store_usage(st, &used, &mapped);

    memset(&bw, 0, sizeof(bw));
    bw.dest = dest;
    onestop_progress_start(&bw.p, "backup", "bytes", used);
    pthread_mutex_init(&bw.lock, NULL);
    pthread_cond_init(&bw.done_cond, NULL);

    watching = bw.p.on && pthread_create(&tid, NULL, backup_watch, &bw) == 0;

    rc = onestop_store_backup(st, dest, err, sizeof(err));

    if (watching) {
        pthread_mutex_lock(&bw.lock);
        bw.done = 1;
        pthread_cond_signal(&bw.done_cond);
        pthread_mutex_unlock(&bw.lock);
        pthread_join(tid, NULL);
    }

    if (rc == 0 && bw.p.on) {
        char         path[4096];
        struct stat  sb;

        snprintf(path, sizeof(path), "%s/data.mdb", dest);

        if (stat(path, &sb) == 0) {
            onestop_progress_update(&bw.p, (uint64_t) sb.st_size,
                                    (uint64_t) sb.st_size);
        }
    }

    onestop_progress_end(&bw.p);
    pthread_cond_destroy(&bw.done_cond);
    pthread_mutex_destroy(&bw.lock);

    if (rc != 0) {
        return fail("%s%s", err, onestop_cli_create_hint(err));
    }

    return 0;
}


static int
cmd_verify(onestop_store_t *st)
{
    long                diffs;
    onestop_buf_t       report;
    onestop_progress_t  p;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return fail("cannot read the store: %s", onestop_store_strerror(st));
    }

    memset(&report, 0, sizeof(report));
    onestop_progress_start(&p, "verify", "records", 0);
    diffs = onestop_store_verify_progress(st, &report, onestop_progress_cb,
                                          &p);
    onestop_progress_end(&p);
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


/*
 * A command on a store's data (argv[0] the command): the store is opened
 * read-write, created when it is missing, except by the commands that
 * only read, which need one.
 */

static int
store_command(const char *dir, int argc, char **argv)
{
    int                  rc;
    const char          *cmd, *arg;
    onestop_store_t     *st;
    onestop_cli_read_t   rd;
    const store_cmd_t   *c;

    static const store_cmd_t  cmds[] = {
        { "import", 1, 0, 1 },
        { "catalog", 1, 0, 1 },
        { "get", 1, 1, 1 },
        { "changes", 0, 1, -1 },
        { "delete", 1, 0, 1 },
        { "backup", 1, 1, 1 },
        { "stats", 0, 1, -1 },
        { "verify", 0, 1, 0 },
        { "demo", 0, 0, -1 },
        { "status", 0, 1, -1 },             /* cli_replica.c's three */
        { "follow", 1, 0, -1 },
        { "promote", 0, 1, -1 },
        { "notify", 0, 1, -1 },             /* cli_notify.c */
        { NULL, 0, 0, 0 }
    };

    cmd = argv[0];
    arg = argc > 1 ? argv[1] : NULL;

    for (c = cmds; c->name != NULL; c++) {
        if (strcmp(c->name, cmd) == 0) {
            break;
        }
    }

    if (c->name == NULL) {
        return onestop_cli_usage_error("unknown command \"%s\"", cmd);
    }

    if (dir == NULL) {
        return onestop_cli_usage_error("%s needs --store DIR", cmd);
    }

    if (arg == NULL && c->args) {         /* before the store: exit 2 */
        return onestop_cli_usage_error("%s needs an argument", cmd);
    }

    /* every argument read, or nothing done (`delete A B` deleted A) */

    if (c->most >= 0 && argc - 1 > c->most) {
        return onestop_cli_usage_error("%s takes %s", cmd,
                                       c->most ? "one argument"
                                               : "no argument");
    }

    rc = onestop_cli_read_args(cmd, argc, argv, &rd);

    if (rc != 0) {
        return rc;
    }

    if (onestop_cli_take_identity(dir) != 0) {
        return 1;
    }

    if (strcmp(cmd, "demo") == 0 && onestop_cli_demo_args(argc, argv)) {
        return ONESTOP_EXIT_USAGE;
    }

    if (strcmp(cmd, "notify") == 0) {
        return onestop_cli_notify(dir, argc, argv);
    }

    rc = onestop_cli_replica(dir, cmd, argc - 1, argv + 1);

    if (rc >= 0) {
        return rc;
    }

    if (c->readonly && onestop_cli_no_store(dir)) {
        return 1;
    }

    if (open_store(dir, c->readonly && onestop_cli_readonly_fs(dir), &st)
        != 0)
    {
        return 1;
    }

    if (strcmp(cmd, "import") == 0) {
        rc = cmd_import(st, arg);

    } else if (strcmp(cmd, "catalog") == 0) {
        rc = cmd_catalog(st, arg);

    } else if (strcmp(cmd, "get") == 0) {
        rc = cmd_get(st, arg);

    } else if (rd.cmd != ONESTOP_CLI_OTHER) {
        rc = onestop_cli_read(st, &rd);

    } else if (strcmp(cmd, "delete") == 0) {
        rc = cmd_delete(st, arg);

    } else if (strcmp(cmd, "backup") == 0) {
        rc = cmd_backup(st, arg);

    } else if (strcmp(cmd, "verify") == 0) {
        rc = cmd_verify(st);

    } else {
        rc = onestop_cli_demo(st, argc, argv);
    }

    onestop_store_close(st);
    return rc;
}


int
main(int argc, char **argv)
{
    int          c;
    const char  *dir, *cmd;

    static const struct option  options[] = {
        { "store", required_argument, NULL, 's' },
        { "utc-offset", required_argument, NULL, 'u' },
        { "calendar", required_argument, NULL, 'c' },
        { "office-hours", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };

    dir = NULL;
    opterr = 0;
    onestop_cli_catch_sigbus();

    /* "+": the options before the command; each command reads its own */

    while ((c = getopt_long(argc, argv, "+:hV", options, NULL)) != -1) {
        switch (c) {

        case 's':
            dir = optarg;
            break;

        case 'u':
            setenv("ONESTOP_UTC_OFFSET", optarg, 1);
            break;

        case 'c':
            setenv("ONESTOP_CALENDAR", optarg, 1);
            break;

        case 'o':
            setenv("ONESTOP_OFFICE_HOURS", optarg, 1);
            break;

        case 'h':
            usage(stdout);
            return fflush(stdout) == 0 ? 0 : 1;

        case 'V':
            printf("onestop " ONESTOP_VERSION " (store schema version %d)\n",
                   ONESTOP_SCHEMA_VERSION);
            return fflush(stdout) == 0 ? 0 : 1;

        case ':':
            return onestop_cli_usage_error("%s needs a value",
                                           argv[optind - 1]);

        default:
            return onestop_cli_usage_error("unknown option \"%s\"",
                                           argv[optind - 1]);
        }
    }

    if (optind >= argc) {
        return onestop_cli_usage_error(dir == NULL ? "--store DIR is needed"
                                                   : "a command is needed");
    }

    cmd = argv[optind];
    argc -= optind;
    argv += optind;

    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }

    if (strcmp(cmd, "init") == 0) {
        return onestop_cli_init(dir, argc, argv);
    }

    if (strcmp(cmd, "migrate") == 0) {
        return onestop_cli_migrate(dir, argc, argv);
    }

    if (strcmp(cmd, "restore") == 0) {
        return onestop_cli_restore(dir, argc, argv);
    }

    if (strcmp(cmd, "key") == 0) {
        return onestop_cli_key(dir, argc, argv);
    }

    if (strcmp(cmd, "qr-key") == 0) {
        return onestop_cli_qr_key(dir, argc, argv);
    }

    return store_command(dir, argc, argv);
}
