/*
 * The command-line tool's manners: one-line messages, whose identity it
 * takes before it touches a store (run as root it never leaves a file
 * that nginx's workers cannot open), sizes, and the progress line it
 * shows on a terminal and nowhere else.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "onestop_catalog.h"
#include "onestop_cli.h"
#include "onestop_probe.h"
#include "onestop_store.h"


static double now(void);
static void group_digits(char *buf, size_t len, uint64_t v);
static void show_amount(char *buf, size_t len, const char *unit, uint64_t v);


int
onestop_cli_fail(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    onestop_cli_vfail(fmt, ap);
    va_end(ap);

    return ONESTOP_EXIT_FAILED;
}


int
onestop_cli_vfail(const char *fmt, va_list ap)
{
    fputs("onestop: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);

    return ONESTOP_EXIT_FAILED;
}


int
onestop_cli_usage_error(const char *fmt, ...)
{
    va_list  ap;

    fputs("onestop: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (onestop --help)\n", stderr);

    return ONESTOP_EXIT_USAGE;
}


onestop_store_t *
onestop_cli_store_open(const char *dir, int create)
{
    char                  err[512];
    const char           *off;
    onestop_store_t      *st;
    onestop_store_conf_t  conf;

    if (!create && onestop_cli_no_store(dir)) {     /* said, with a hint */
        return NULL;
    }

    memset(&conf, 0, sizeof(conf));
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.adopt_growth = 1;

    off = getenv("ONESTOP_UTC_OFFSET");

    if (off != NULL
        && onestop_offset_parse(off, strlen(off), &conf.offset) != 0)
    {
        onestop_cli_fail("bad UTC offset \"%s\" (+HH:MM)", off);
        return NULL;
    }

    if (onestop_store_open(&st, dir, &conf, err, sizeof(err)) != ONESTOP_OK) {
        onestop_cli_fail("%s", err);
        return NULL;
    }

    return st;
}


int
onestop_cli_size_parse(const char *s, uint64_t *v)
{
    char                *end;
    unsigned             shift;
    unsigned long long   n;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    n = strtoull(s, &end, 10);

    if (errno != 0) {
        return -1;
    }

    switch (*end) {
    case '\0':
        shift = 0;
        break;
    case 'k': case 'K':
        shift = 10;
        break;
    case 'm': case 'M':
        shift = 20;
        break;
    case 'g': case 'G':
        shift = 30;
        break;
    case 't': case 'T':
        shift = 40;
        break;
    default:
        return -1;
    }

    if (*end != '\0' && end[1] != '\0') {
        return -1;
    }

    if (shift && n > (~0ULL >> shift)) {
        return -1;
    }

    *v = (uint64_t) n << shift;
    return 0;
}


/* the user whose identity root took, for the messages of files that
 * user cannot read ("" when none was taken) */
static char  became[64];


static int
become(uid_t uid, gid_t gid, const char *whose)
{
    struct passwd  *pw;

    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        return onestop_cli_fail("cannot take the identity of %s (uid %u): %s",
                                whose, (unsigned) uid, strerror(errno));
    }

    pw = getpwuid(uid);

    if (pw != NULL) {
        snprintf(became, sizeof(became), "user \"%s\"", pw->pw_name);
    } else {
        snprintf(became, sizeof(became), "uid %u", (unsigned) uid);
    }

    return 0;
}


const char *
onestop_cli_denied_hint(const char *err, int input)
{
    static char  hint[256];

    if (became[0] == '\0' || strstr(err, strerror(EACCES)) == NULL) {
        return "";
    }

    snprintf(hint, sizeof(hint), " (run as root, onestop reads it as %s, "
             "the store's owner, whose identity it takes: make the file "
             "readable by that user%s)", became,
             input ? ", or give it on standard input: - < FILE" : "");

    return hint;
}


const char *
onestop_cli_create_hint(const char *err)
{
    static char  hint[256];

    if (became[0] == '\0' || strstr(err, strerror(EACCES)) == NULL) {
        return "";
    }

    snprintf(hint, sizeof(hint), " (run as root, onestop writes as %s, the "
             "store's owner, whose identity it takes: choose a directory "
             "that user may write in, such as one beside the store)",
             became);

    return hint;
}


int
onestop_cli_open_input(const char *file)
{
    int  fd;

    fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        onestop_cli_fail("cannot open \"%s\": %s%s", file, strerror(errno),
                         onestop_cli_denied_hint(strerror(errno), 1));
    }

    return fd;
}


int
onestop_cli_take_identity(const char *dir)
{
    char         whose[4200];
    struct stat  sb;

    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT) {
            return 0;           /* a new store: the caller's */
        }

        return onestop_cli_fail("cannot reach store \"%s\": %s", dir,
                                strerror(errno));
    }

    if (geteuid() == 0) {
        if (sb.st_uid == 0) {
            return 0;
        }

        snprintf(whose, sizeof(whose), "the owner of \"%s\"", dir);
        return become(sb.st_uid, sb.st_gid, whose);
    }

    if (geteuid() != sb.st_uid) {
        return onestop_cli_fail("store \"%s\" belongs to uid %u: run as that "
                                "user or as root, so that nginx's workers "
                                "can still open its files", dir,
                                (unsigned) sb.st_uid);
    }

    return 0;
}


int
onestop_cli_become_for(const char *parent, const char *user,
    const char *create)
{
    char            *end, whose[4200];
    uid_t            uid;
    gid_t            gid;
    struct stat      sb;
    struct passwd   *pw;
    unsigned long    id;

    if (geteuid() != 0) {
        return 0;
    }

    if (user != NULL) {
        pw = getpwnam(user);

        if (pw == NULL) {
            errno = 0;
            id = strtoul(user, &end, 10);

            if (*user == '\0' || *end != '\0' || errno != 0) {
                return onestop_cli_fail("no user \"%s\"", user);
            }

            pw = getpwuid((uid_t) id);

            if (pw == NULL) {
                return onestop_cli_fail("no user with uid %lu", id);
            }
        }

        uid = pw->pw_uid;
        gid = pw->pw_gid;
        snprintf(whose, sizeof(whose), "user \"%s\"", pw->pw_name);

    } else {
        if (stat(parent, &sb) != 0) {
            return onestop_cli_fail("cannot reach \"%s\": %s", parent,
                                    strerror(errno));
        }

        uid = sb.st_uid;
        gid = sb.st_gid;
        snprintf(whose, sizeof(whose), "the owner of \"%s\"", parent);
    }

    /* the directory that will hold the store is made as root, for a user
     * who may not write into the directory above it */

    if (create != NULL) {
        if (mkdir(create, 0750) != 0 && errno != EEXIST) {
            return onestop_cli_fail("could not create \"%s\": %s", create,
                                    strerror(errno));
        }

        if (chown(create, uid, gid) != 0) {
            return onestop_cli_fail("could not give \"%s\" to %s: %s",
                                    create, whose, strerror(errno));
        }
    }

    if (uid == 0) {
        return 0;
    }

    return become(uid, gid, whose);
}


const char *
onestop_cli_parent(const char *path, char *buf, size_t len)
{
    char  *slash;

    snprintf(buf, len, "%s", path);

    /* "dir/" is "dir" */
    slash = buf + strlen(buf);

    while (slash > buf + 1 && slash[-1] == '/') {
        *--slash = '\0';
    }

    slash = strrchr(buf, '/');

    if (slash == NULL) {
        snprintf(buf, len, ".");

    } else if (slash == buf) {
        buf[1] = '\0';

    } else {
        *slash = '\0';
    }

    return buf;
}


int
onestop_cli_report_write(onestop_store_t *st, onestop_write_t *w,
    onestop_batch_t *b)
{
    if (w->status == 200) {
        return 0;
    }

    if (b != NULL && b->nitems > 0 && w->status != 507) {
        return onestop_cli_fail("%s (%d): record %zu: %s", w->message,
                                w->status, b->items[0].index,
                                b->items[0].message);
    }

    return onestop_cli_fail("%s (%d)%s", w->message, w->status,
                            onestop_cli_full_advice(st));
}


int
onestop_cli_batch_refused(const onestop_batch_t *b)
{
    if (b->error == 422 && b->nitems > 0) {
        return onestop_cli_fail("line %zu: %s (%zu invalid record(s); "
                                "nothing imported)", b->items[0].index + 1,
                                b->items[0].message, b->nfailed);
    }

    return onestop_cli_fail("%s; nothing imported", b->message);
}


/* what to do when a write found no room */

const char *
onestop_cli_full_advice(onestop_store_t *st)
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


/* progress */

static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


void
onestop_progress_start(onestop_progress_t *p, const char *what,
    const char *unit, uint64_t total)
{
    memset(p, 0, sizeof(onestop_progress_t));
    p->what = what;
    p->unit = unit;
    p->total = total;
    p->start = now();
    p->last = p->start;
    p->on = isatty(STDERR_FILENO);
}


/* 1234567 as "1,234,567" */

static void
group_digits(char *buf, size_t len, uint64_t v)
{
    char    digits[32];
    size_t  n, i, o;

    n = (size_t) snprintf(digits, sizeof(digits), "%llu",
                          (unsigned long long) v);
    o = 0;

    for (i = 0; i < n && o + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            buf[o++] = ',';
        }

        buf[o++] = digits[i];
    }

    buf[o] = '\0';
}


static void
show_amount(char *buf, size_t len, const char *unit, uint64_t v)
{
    if (strcmp(unit, "bytes") == 0) {
        snprintf(buf, len, "%.1f MB", v / 1048576.0);
        return;
    }

    group_digits(buf, len, v);
}


void
onestop_progress_update(onestop_progress_t *p, uint64_t done, uint64_t total)
{
    char         line[256], a[48], b[48], r[48];
    const char  *unit;
    double       t, rate;
    int          n, bytes;

    p->done = done;

    if (total) {
        p->total = total;
    }

    if (!p->on) {
        return;
    }

    t = now();

    /* four times a second, and the end whenever it is known */

    if (t - p->last < 0.25 && !(p->total && done >= p->total)) {
        return;
    }

    p->last = t;
    rate = t > p->start ? done / (t - p->start) : 0;

    bytes = strcmp(p->unit, "bytes") == 0;
    unit = bytes ? "" : p->unit;

    show_amount(a, sizeof(a), p->unit, done);
    n = snprintf(line, sizeof(line), "%s: %s", p->what, a);

    if (p->total) {
        show_amount(b, sizeof(b), p->unit, p->total);
        n += snprintf(line + n, sizeof(line) - n, " of %s%s%s (%d%%)", b,
                      bytes ? "" : " ", unit,
                      (int) (done >= p->total ? 100 : done * 100 / p->total));

    } else if (!bytes) {
        n += snprintf(line + n, sizeof(line) - n, " %s", unit);
    }

    if (t - p->start >= 0.5) {
        show_amount(r, sizeof(r), p->unit, (uint64_t) rate);
        n += snprintf(line + n, sizeof(line) - n, ", %s%s%s/s", r,
                      bytes ? "" : " ", unit);

        if (p->total && rate > 0 && done < p->total) {
            snprintf(line + n, sizeof(line) - n, ", %.0f s left",
                     (p->total - done) / rate + 0.5);
        }
    }

    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    p->shown = 1;
}


void
onestop_progress_end(onestop_progress_t *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }

    p->shown = 0;
}


void
onestop_progress_cb(void *ctx, uint64_t done, uint64_t total)
{
    onestop_progress_update(ctx, done, total);
}


int
onestop_cli_no_store(const char *dir)
{
    char             sub[4200];
    onestop_probe_t  p;

    switch (onestop_store_probe(dir, &p)) {

    case ONESTOP_PROBE_MISSING:
    case ONESTOP_PROBE_EMPTY:
        break;

    default:
        return 0;
    }

    /* the top of a backup that onestop-backup made: its copy in store/ */

    snprintf(sub, sizeof(sub), "%s/store/data.mdb", dir);

    if (access(sub, F_OK) == 0) {
        onestop_cli_fail("no store at \"%s\" (the copy of this backup is in "
                         "\"%s/store\")", dir, dir);
    } else {
        onestop_cli_fail("no store at \"%s\"", dir);
    }

    return 1;
}


static void
on_sigbus(int sig)
{
    static const char  msg[] = "onestop: the store's data.mdb ended before "
        "a page its meta page counts (a copy cut short, a disk that "
        "filled): nothing was written; restore a whole backup\n";

    (void) sig;
    (void) write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(1);
}


void
onestop_cli_catch_sigbus(void)
{
    struct sigaction  sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    (void) sigaction(SIGBUS, &sa, NULL);
}


int
onestop_cli_readonly_fs(const char *dir)
{
    struct statvfs  vfs;

    return statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}


/*
 * key add --store DIR: each agency id of a scope is in the store's
 * catalog.  In a child, which takes the store owner's identity (the
 * parent, root, still has to write root's keys file) and opens the store
 * read-only (no upgrade, no file of root's left in it).
 */

static int
scope_check(const char *dir, const char *scope)
{
    int                       rc;
    size_t                    len;
    const char               *p, *comma;
    onestop_store_t          *st;
    onestop_store_conf_t      conf;
    const onestop_catalog_t  *cat;
    char                      err[512];

    if (onestop_cli_take_identity(dir) != 0 || onestop_cli_no_store(dir)) {
        return 1;
    }

    memset(&conf, 0, sizeof(conf));
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.readonly = 1;

    if (onestop_store_open(&st, dir, &conf, err, sizeof(err)) != ONESTOP_OK) {
        return onestop_cli_fail("%s", err);
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK
        || (cat = onestop_store_catalog(st)) == NULL)
    {
        rc = onestop_cli_fail("cannot read the catalog of store \"%s\": %s",
                              dir, onestop_store_strerror(st));
        onestop_store_close(st);
        return rc;
    }

    rc = 0;

    for (p = scope; rc == 0; p = comma + 1) {
        comma = strchr(p, ',');
        len = comma != NULL ? (size_t) (comma - p) : strlen(p);

        if (onestop_catalog_agency(cat, p, len) == 0) {
            rc = onestop_cli_usage_error("key add: agency \"%.*s\" of the "
                                         "scope is not in the catalog of "
                                         "store \"%s\": no write of it "
                                         "would be accepted", (int) len, p,
                                         dir);
        }

        if (comma == NULL) {
            break;
        }
    }

    onestop_store_read_end(st);
    onestop_store_close(st);

    return rc;
}


int
onestop_cli_scope_known(const char *dir, const char *scope)
{
    int    status;
    pid_t  pid;

    if (dir == NULL || strcmp(scope, "*") == 0 || strcmp(scope, "sms") == 0)
    {
        return 0;
    }

    fflush(stdout);
    fflush(stderr);

    pid = fork();

    if (pid < 0) {
        return onestop_cli_fail("cannot fork: %s", strerror(errno));
    }

    if (pid == 0) {
        _exit(scope_check(dir, scope));
    }

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return onestop_cli_fail("cannot wait: %s", strerror(errno));
        }
    }

    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
