/*
 * The commands that make, upgrade and put back a whole store: init,
 * migrate and restore.  Each looks first (probe.c: nothing is written
 * while looking), refuses what is not a store of ours, and only then
 * writes, as the user the store belongs to.  A restore is built beside
 * the store and renamed into place, so that the store directory holds
 * the old store or the whole new one, never a half-copied file.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onestop_cli.h"
#include "onestop_probe.h"
#include "onestop_store.h"


static const char *show_offset(int32_t offset, char *buf);
static const char *show_size(uint64_t v, char *buf, size_t len);
static int open_conf(const char *dir, int readonly, uint64_t map_size,
    onestop_store_t **st);
static int copy_file(const char *from, const char *to, uint64_t size);
static void remove_restoring(const char *tmp);
static int sync_dir(const char *dir);


static const char *
show_offset(int32_t offset, char *buf)
{
    onestop_offset_format(offset, buf);
    buf[6] = '\0';

    return buf;
}


static const char *
show_size(uint64_t v, char *buf, size_t len)
{
    static const char  units[] = "kmgt";
    int                i;

    for (i = 3; i >= 0; i--) {
        uint64_t  u = (uint64_t) 1 << (10 * (i + 1));

        if (v >= u && v % u == 0) {
            snprintf(buf, len, "%llu%c", (unsigned long long) (v / u),
                     units[i]);
            return buf;
        }
    }

    snprintf(buf, len, "%llu", (unsigned long long) v);
    return buf;
}


static int
open_conf(const char *dir, int readonly, uint64_t map_size,
    onestop_store_t **st)
{
    char                  err[512];
    const char           *off;
    onestop_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.readonly = readonly;
    conf.adopt_growth = 1;
    conf.map_size = (size_t) map_size;

    off = getenv("ONESTOP_UTC_OFFSET");

    if (off != NULL
        && onestop_offset_parse(off, strlen(off), &conf.offset) != 0)
    {
        return onestop_cli_fail("bad UTC offset \"%s\" (+HH:MM)", off);
    }

    if (onestop_store_open(st, dir, &conf, err, sizeof(err)) != ONESTOP_OK) {
        return onestop_cli_fail("%s", err);
    }

    return 0;
}


/* init */

int
onestop_cli_init(const char *dir, int argc, char **argv)
{
    int               c;
    char              parent[4096], a[8], b[32];
    uint64_t          map_size;
    const char       *user, *owner;
    struct passwd    *pw;
    onestop_probe_t   p;
    onestop_store_t  *st;

    static const struct option  options[] = {
        { "map-size", required_argument, NULL, 'm' },
        { "user", required_argument, NULL, 'u' },
        { NULL, 0, NULL, 0 }
    };

    map_size = 0;
    user = NULL;
    optind = 0;
    opterr = 0;

    while ((c = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
        switch (c) {

        case 'm':
            if (onestop_cli_size_parse(optarg, &map_size) != 0
                || map_size < ((uint64_t) 1 << 20))
            {
                return onestop_cli_usage_error("init: invalid map size "
                                               "\"%s\" (1m at least)",
                                               optarg);
            }

            break;

        case 'u':
            user = optarg;
            break;

        case ':':
            return onestop_cli_usage_error("init: %s needs a value",
                                           argv[optind - 1]);

        default:
            return onestop_cli_usage_error("init: unknown option \"%s\"",
                                           argv[optind - 1]);
        }
    }

    if (optind < argc) {
        return onestop_cli_usage_error("init: unexpected argument \"%s\"",
                                       argv[optind]);
    }

    if (dir == NULL) {
        return onestop_cli_usage_error("init needs --store DIR");
    }

    switch (onestop_store_probe(dir, &p)) {

    case ONESTOP_PROBE_STORE:
        if (p.schema < ONESTOP_SCHEMA_VERSION) {
            return onestop_cli_fail("store \"%s\" exists, with schema "
                                    "version %u: \"onestop --store %s "
                                    "migrate\" upgrades it to version %d",
                                    dir, p.schema, dir,
                                    ONESTOP_SCHEMA_VERSION);
        }

        if (p.schema > ONESTOP_SCHEMA_VERSION) {
            return onestop_cli_fail("store \"%s\" exists, with schema "
                                    "version %u, newer than this build's "
                                    "(%d)", dir, p.schema,
                                    ONESTOP_SCHEMA_VERSION);
        }

        printf("store \"%s\" exists already (schema version %u, UTC offset "
               "%s): nothing to do\n", dir, p.schema,
               show_offset(p.offset, a));
        return 0;

    case ONESTOP_PROBE_FOREIGN:
        return onestop_cli_fail("\"%s\" is not an onestop store (%s): init "
                                "writes only into a missing or empty "
                                "directory", dir, p.message);

    case ONESTOP_PROBE_ERROR:
        return onestop_cli_fail("%s", p.message);

    case ONESTOP_PROBE_EMPTY:
        if (p.others) {
            return onestop_cli_fail("\"%s\" holds other files: init writes "
                                    "only into a missing or empty "
                                    "directory", dir);
        }

        snprintf(parent, sizeof(parent), "%s", dir);
        break;

    default:
        onestop_cli_parent(dir, parent, sizeof(parent));

        if (access(parent, F_OK) != 0) {
            return onestop_cli_fail("cannot create store \"%s\": \"%s\": %s",
                                    dir, parent, strerror(errno));
        }
    }

    if (onestop_cli_become_for(parent, user,
                               p.state == ONESTOP_PROBE_MISSING ? dir : NULL)
        != 0
        || open_conf(dir, 0, map_size, &st) != 0)
    {
        return 1;
    }

    onestop_store_close(st);

    if (onestop_store_probe(dir, &p) != ONESTOP_PROBE_STORE) {
        return onestop_cli_fail("store \"%s\" was not created: %s", dir,
                                p.message);
    }

    pw = getpwuid(geteuid());
    owner = pw != NULL ? pw->pw_name : "?";

    printf("created store \"%s\": schema version %u, UTC offset %s, map size "
           "%s, owned by %s\n", dir, p.schema, show_offset(p.offset, a),
           show_size(p.map_size, b, sizeof(b)), owner);

    return 0;
}


/* migrate */

int
onestop_cli_migrate(const char *dir, int argc, char **argv)
{
    uint32_t          from;
    onestop_probe_t   p;
    onestop_store_t  *st;

    if (argc > 1) {
        return onestop_cli_usage_error("migrate: unexpected argument \"%s\"",
                                       argv[1]);
    }

    if (dir == NULL) {
        return onestop_cli_usage_error("migrate needs --store DIR");
    }

    switch (onestop_store_probe(dir, &p)) {

    case ONESTOP_PROBE_MISSING:
    case ONESTOP_PROBE_EMPTY:
        return onestop_cli_fail("no store at \"%s\": \"onestop --store %s "
                                "init\" creates one", dir, dir);

    case ONESTOP_PROBE_FOREIGN:
        return onestop_cli_fail("\"%s\" is not an onestop store: %s", dir,
                                p.message);

    case ONESTOP_PROBE_ERROR:
        return onestop_cli_fail("%s", p.message);
    }

    if (p.schema == ONESTOP_SCHEMA_VERSION) {
        printf("store \"%s\" has schema version %u, this build's: nothing "
               "to do\n", dir, p.schema);
        return 0;
    }

    if (p.schema > ONESTOP_SCHEMA_VERSION) {
        return onestop_cli_fail("store \"%s\" has schema version %u, newer "
                                "than this build's (%d): use a newer onestop",
                                dir, p.schema, ONESTOP_SCHEMA_VERSION);
    }

    from = p.schema;

    /* opened read-write, the store is upgraded in the transaction that
     * opens it (store.c) */

    if (onestop_cli_take_identity(dir) != 0
        || open_conf(dir, 0, 0, &st) != 0)
    {
        return 1;
    }

    onestop_store_close(st);

    if (onestop_store_probe(dir, &p) != ONESTOP_PROBE_STORE
        || p.schema != ONESTOP_SCHEMA_VERSION)
    {
        return onestop_cli_fail("store \"%s\" was not upgraded", dir);
    }

    printf("store \"%s\": schema version %u -> %u; check it with \"onestop "
           "--store %s verify\"\n", dir, from, p.schema, dir);

    return 0;
}


/* restore */

static int
copy_file(const char *from, const char *to, uint64_t size)
{
    int                  in, out, rc;
    char                *buf;
    ssize_t              n, w, off;
    uint64_t             done;
    onestop_progress_t   p;

    buf = malloc(1 << 20);

    if (buf == NULL) {
        return onestop_cli_fail("out of memory");
    }

    in = open(from, O_RDONLY | O_CLOEXEC);

    if (in < 0) {
        free(buf);
        return onestop_cli_fail("cannot open \"%s\": %s", from,
                                strerror(errno));
    }

    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);

    if (out < 0) {
        rc = onestop_cli_fail("cannot create \"%s\": %s", to,
                              strerror(errno));
        close(in);
        free(buf);
        return rc;
    }

    onestop_progress_start(&p, "restore", "bytes", size);
    done = 0;
    rc = 0;

    for ( ;; ) {
        n = read(in, buf, 1 << 20);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0) {
            rc = onestop_cli_fail("cannot read \"%s\": %s", from,
                                  strerror(errno));
            break;
        }

        if (n == 0) {
            break;
        }

        for (off = 0; off < n; off += w) {
            w = write(out, buf + off, (size_t) (n - off));

            if (w < 0 && errno == EINTR) {
                w = 0;
                continue;
            }

            if (w < 0) {
                rc = onestop_cli_fail("cannot write \"%s\": %s", to,
                                      strerror(errno));
                break;
            }
        }

        if (rc != 0) {
            break;
        }

        done += (uint64_t) n;
        onestop_progress_update(&p, done, 0);
    }

    onestop_progress_end(&p);

    if (rc == 0 && fsync(out) != 0) {
        rc = onestop_cli_fail("cannot write \"%s\": %s", to, strerror(errno));
    }

    if (close(out) != 0 && rc == 0) {
        rc = onestop_cli_fail("cannot write \"%s\": %s", to, strerror(errno));
    }

    close(in);
    free(buf);

    return rc;
}


static void
remove_restoring(const char *tmp)
{
    char  path[4300];

    snprintf(path, sizeof(path), "%s/data.mdb", tmp);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", tmp);
    unlink(path);
    rmdir(tmp);
}


static int
sync_dir(const char *dir)
{
    int  fd, rc;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return -1;
    }

    rc = fsync(fd);
    close(fd);

    return rc;
}


int
onestop_cli_restore(const char *dir, int argc, char **argv)
{
    int                  c, replace, check, exists, rc;
    long                 pid, diffs;
    char                 src[4200], from[4300], to[4300], tmp[4200];
    char                 aside[4300], parent[4096], stamp[32];
    time_t               now;
    struct stat          sb;
    struct tm            tm;
    const char          *backup;
    onestop_buf_t        report;
    onestop_probe_t      p, sp;
    onestop_store_t     *st;
    onestop_progress_t   prog;

    static const struct option  options[] = {
        { "replace", no_argument, NULL, 'r' },
        { "no-verify", no_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 }
    };

    replace = 0;
    check = 1;
    optind = 0;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {

        case 'r':
            replace = 1;
            break;

        case 'n':
            check = 0;
            break;

        default:
            return onestop_cli_usage_error("restore: unknown option \"%s\"",
                                           argv[optind - 1]);
        }
    }

    if (optind + 1 != argc) {
        return onestop_cli_usage_error("restore needs one BACKUP directory");
    }

    if (dir == NULL) {
        return onestop_cli_usage_error("restore needs --store DIR");
    }

    backup = argv[optind];

    /* a copy made by "onestop backup", or by onestop-backup (in store/) */

    snprintf(src, sizeof(src), "%s/store/data.mdb", backup);

    if (access(src, F_OK) == 0) {
        snprintf(src, sizeof(src), "%s/store", backup);
    } else {
        snprintf(src, sizeof(src), "%s", backup);
    }

    if (onestop_store_probe_copy(src, &sp) != ONESTOP_PROBE_STORE) {
        return onestop_cli_fail("\"%s\" is not a backup of an onestop store%s"
                                "%s", backup, sp.message[0] ? ": " : "",
                                sp.message);
    }

    if (sp.schema > ONESTOP_SCHEMA_VERSION) {
        return onestop_cli_fail("backup \"%s\" has schema version %u, newer "
                                "than this build's (%d)", backup, sp.schema,
                                ONESTOP_SCHEMA_VERSION);
    }

    /* what is in the store's place now */

    exists = 1;

    switch (onestop_store_probe(dir, &p)) {

    case ONESTOP_PROBE_MISSING:
        exists = 0;
        break;

    case ONESTOP_PROBE_ERROR:
        if (!p.cut) {
            return onestop_cli_fail("%s", p.message);
        }

        /* a store cut short: what a restore is for, moved aside too */

        goto store;

    case ONESTOP_PROBE_EMPTY:
        snprintf(tmp, sizeof(tmp), "%s/lock.mdb", dir);

        if (!p.others && access(tmp, F_OK) != 0) {
            break;              /* an empty directory: rmdir, then rename */
        }

        /* fall through */

    default:
    store:
        if (!replace) {
            return onestop_cli_fail("\"%s\" holds a store already: stop "
                                    "nginx, then \"restore --replace\" moves "
                                    "it aside", dir);
        }
    }

    if (exists) {
        pid = onestop_store_user(dir);

        if (pid < 0) {
            return onestop_cli_fail("cannot tell whether store \"%s\" is in "
                                    "use: %s", dir, strerror(errno));
        }

        if (pid > 0) {
            return onestop_cli_fail("store \"%s\" is in use by process %ld: "
                                    "stop nginx first (systemctl stop nginx)",
                                    dir, pid);
        }
    }

    /* run as root, the copy is made as root, in the directory above the
     * store (which the store's owner may not write), and given to the
     * owner of the store it replaces, or of the directory above; any
     * other user must own the store */

    onestop_cli_parent(dir, parent, sizeof(parent));

    if (stat(exists ? dir : parent, &sb) != 0) {
        return onestop_cli_fail("cannot reach \"%s\": %s",
                                exists ? dir : parent, strerror(errno));
    }

    if (geteuid() != 0 && exists && onestop_cli_take_identity(dir) != 0) {
        return 1;
    }

    /* the copy, beside the store, checked before it takes its place */

    snprintf(tmp, sizeof(tmp), "%s.restoring.%ld", dir, (long) getpid());

    if (mkdir(tmp, 0750) != 0) {
        return onestop_cli_fail("cannot create \"%s\": %s", tmp,
                                strerror(errno));
    }

    snprintf(from, sizeof(from), "%s/data.mdb", src);
    snprintf(to, sizeof(to), "%s/data.mdb", tmp);

    if (copy_file(from, to, sp.used) != 0) {
        remove_restoring(tmp);
        return 1;
    }

    if (geteuid() == 0
        && (chown(tmp, sb.st_uid, sb.st_gid) != 0
            || chown(to, sb.st_uid, sb.st_gid) != 0))
    {
        rc = onestop_cli_fail("cannot give \"%s\" to uid %u: %s", tmp,
                              (unsigned) sb.st_uid, strerror(errno));
        remove_restoring(tmp);
        return rc;
    }

    if (check && sp.schema == ONESTOP_SCHEMA_VERSION) {
        if (open_conf(tmp, 1, 0, &st) != 0) {
            remove_restoring(tmp);
            return 1;
        }

        memset(&report, 0, sizeof(report));
        diffs = -1;

        if (onestop_store_read_begin(st) == ONESTOP_OK) {
            onestop_progress_start(&prog, "verify", "records", 0);
            diffs = onestop_store_verify_progress(st, &report,
                                                  onestop_progress_cb, &prog);
            onestop_progress_end(&prog);
            onestop_store_read_end(st);
        }

        onestop_buf_free(&report);
        onestop_store_close(st);

        if (diffs != 0) {
            remove_restoring(tmp);

            if (diffs < 0) {
                return onestop_cli_fail("cannot verify backup \"%s\": "
                                        "nothing restored", backup);
            }

            return onestop_cli_fail("backup \"%s\": %ld counter(s) differ "
                                    "from its records (onestop --store %s "
                                    "verify lists them): nothing restored",
                                    backup, diffs, src);
        }
    }

    snprintf(to, sizeof(to), "%s/lock.mdb", tmp);
    unlink(to);

    /* into place: the old store aside (never deleted), the copy renamed */

    aside[0] = '\0';

    if (exists) {
        if (onestop_store_user(dir) != 0) {
            remove_restoring(tmp);
            return onestop_cli_fail("store \"%s\" came into use: stop nginx "
                                    "first (systemctl stop nginx)", dir);
        }

        if (!replace) {
            rc = rmdir(dir);

        } else {
            now = time(NULL);
            gmtime_r(&now, &tm);
            strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
            snprintf(aside, sizeof(aside), "%s.replaced-%s", dir, stamp);

            for (c = 2; access(aside, F_OK) == 0 && c < 100; c++) {
                snprintf(aside, sizeof(aside), "%s.replaced-%s-%d", dir,
                         stamp, c);
            }

            rc = rename(dir, aside);
        }

        if (rc != 0) {
            rc = onestop_cli_fail("cannot move \"%s\" aside: %s", dir,
                                  strerror(errno));
            remove_restoring(tmp);
            return rc;
        }
    }

    if (rename(tmp, dir) != 0) {
        rc = onestop_cli_fail("cannot rename \"%s\" to \"%s\": %s", tmp, dir,
                              strerror(errno));

        if (aside[0] != '\0' && rename(aside, dir) != 0) {
            onestop_cli_fail("the store that was there is in \"%s\"", aside);
        }

        remove_restoring(tmp);
        return rc;
    }

    sync_dir(parent);

    printf("restored store \"%s\" from \"%s\" (schema version %u%s)\n", dir,
           backup, sp.schema,
           !check ? ", not verified"
           : sp.schema < ONESTOP_SCHEMA_VERSION ? ", not verified: run "
             "\"onestop migrate\", then \"onestop verify\"" : ", verified");

    if (aside[0] != '\0') {
        printf("the store that was there is in \"%s\"\n", aside);
    }

    snprintf(from, sizeof(from), "%s/etc", backup);

    if (access(from, F_OK) == 0) {
        printf("the backup's keys file and QR key are in \"%s\" (copy them "
               "to /etc/onestop if those were lost)\n", from);
    }

    return 0;
}
