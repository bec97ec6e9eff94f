/*
 * probe: what a store directory holds, without changing it.  The one idea:
 * LMDB opened with MDB_RDONLY | MDB_NOLOCK reads data.mdb through a
 * read-only mapping and never touches lock.mdb, so looking is all it
 * does; and every process that has an environment open holds a shared
 * fcntl lock on the first byte of its lock.mdb, so whether a store is in
 * use is a question fcntl(F_GETLK) answers.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "onestop_date.h"
#include "onestop_probe.h"
#include "onestop_store_int.h"
#include "onestop_schema.h"


static int probe(const char *dir, onestop_probe_t *p, int copy);
static int probe_env(const char *dir, onestop_probe_t *p, int copy);
static int whole_once(MDB_env *env, const char *dir, const char *path,
    int copy, char *err, size_t errlen);
static int whole_free(MDB_txn *txn, uint64_t from, uint64_t *n);
static void whole_sigbus(int sig);
static int probe_meta(MDB_txn *txn, MDB_dbi meta, const char *name,
    void *v, size_t len);


int
onestop_store_probe(const char *dir, onestop_probe_t *p)
{
    return probe(dir, p, 0);
}


int
onestop_store_probe_copy(const char *dir, onestop_probe_t *p)
{
    return probe(dir, p, 1);
}


static int
probe(const char *dir, onestop_probe_t *p, int copy)
{
    DIR            *d;
    char            path[4096];
    struct stat     sb;
    struct dirent  *de;

    memset(p, 0, sizeof(onestop_probe_t));

    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT) {
            p->state = ONESTOP_PROBE_MISSING;
            return p->state;
        }

        snprintf(p->message, sizeof(p->message), "cannot reach \"%s\": %s",
                 dir, strerror(errno));
        p->state = ONESTOP_PROBE_ERROR;
        return p->state;
    }

    if (!S_ISDIR(sb.st_mode)) {
        snprintf(p->message, sizeof(p->message), "\"%s\" is not a directory",
                 dir);
        p->state = ONESTOP_PROBE_ERROR;
        return p->state;
    }

    d = opendir(dir);

    if (d == NULL) {
        snprintf(p->message, sizeof(p->message), "cannot read \"%s\": %s",
                 dir, strerror(errno));
        p->state = ONESTOP_PROBE_ERROR;
        return p->state;
    }

    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0
            && strcmp(de->d_name, "data.mdb") != 0
            && strcmp(de->d_name, "lock.mdb") != 0)
        {
            p->others = 1;
        }
    }

    closedir(d);

    snprintf(path, sizeof(path), "%s/data.mdb", dir);

    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) {
            p->state = ONESTOP_PROBE_EMPTY;
            return p->state;
        }

        snprintf(p->message, sizeof(p->message),
                 "cannot reach the data.mdb of \"%s\": %s", dir,
                 strerror(errno));
        p->state = ONESTOP_PROBE_ERROR;
        return p->state;
    }

    if (!S_ISREG(sb.st_mode)) {
        snprintf(p->message, sizeof(p->message), "its data.mdb is not a "
                 "file");
        p->state = ONESTOP_PROBE_FOREIGN;
        return p->state;
    }

    p->used = (uint64_t) sb.st_size;

    if (sb.st_size == 0) {
        p->state = ONESTOP_PROBE_EMPTY;     /* a creation cut short */
        return p->state;
    }

    p->state = probe_env(dir, p, copy);
    return p->state;
}


/*
 * The verdict "nginx -t" and a start give on what the probe found: a store
 * to create (MISSING, EMPTY), to upgrade (an older schema), to refuse
 * (another program's data, a newer schema, another UTC offset), or to use.
 */

int
onestop_store_check(const char *dir, const onestop_store_conf_t *conf,
    char *msg, size_t len)
{
    char             a[8], b[8];
    onestop_probe_t  p;

    switch (onestop_store_probe(dir, &p)) {

    case ONESTOP_PROBE_MISSING:
    case ONESTOP_PROBE_EMPTY:
        snprintf(msg, len, "store \"%s\" does not exist yet: nginx creates "
                 "it when it starts, or run \"onestop --store %s init\"",
                 dir, dir);
        return ONESTOP_NOT_FOUND;

    case ONESTOP_PROBE_FOREIGN:
        snprintf(msg, len, "\"%s\" is not an onestop store (%s): onestop "
                 "does not write in it; give onestop_store a directory of "
                 "its own", dir, p.message);
        return ONESTOP_ERROR;

    case ONESTOP_PROBE_STORE:
        break;

    default:
        snprintf(msg, len, "%s", p.message);
        return ONESTOP_ERROR;
    }

    if (p.schema > ONESTOP_SCHEMA_VERSION) {
        snprintf(msg, len, "store \"%s\" has schema version %u, newer than "
                 "this build's %u: install the onestop that wrote it", dir,
                 p.schema, ONESTOP_SCHEMA_VERSION);
        return ONESTOP_ERROR;
    }

    if (conf->check_offset && p.offset != conf->offset) {
        onestop_offset_format(p.offset, a);
        onestop_offset_format(conf->offset, b);
        a[6] = '\0';
        b[6] = '\0';
        snprintf(msg, len, "store \"%s\" was created with UTC offset %s, "
                 "the configuration says %s (onestop_utc_offset, +07:00 when "
                 "not set): set onestop_utc_offset %s", dir, a, b, a);
        return ONESTOP_ERROR;
    }

    if (p.schema < ONESTOP_SCHEMA_VERSION) {
        snprintf(msg, len, "store \"%s\" has schema version %u: nginx "
                 "upgrades it to %u in place when it starts, or run "
                 "\"onestop --store %s migrate\" (after \"onestop --store %s "
                 "backup DIR\")", dir, p.schema, ONESTOP_SCHEMA_VERSION, dir,
                 dir);
        return ONESTOP_STORE_OLD;
    }

    msg[0] = '\0';
    return ONESTOP_OK;
}


int
onestop_store_foreign(MDB_txn *txn)
{
    int          rc, ours;
    MDB_dbi      main;
    MDB_val      k, v;
    MDB_cursor  *c;

    /* the main database holds the names of the named ones (and nothing
     * else in a store of ours): ours if it is empty or names our meta */

    if (mdb_dbi_open(txn, NULL, 0, &main) != 0
        || mdb_cursor_open(txn, main, &c) != 0)
    {
        return 1;
    }

    ours = 1;
    rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);

    if (rc == 0) {
        k.mv_data = (void *) ONESTOP_DB_META;
        k.mv_size = sizeof(ONESTOP_DB_META) - 1;
        ours = mdb_cursor_get(c, &k, &v, MDB_SET) == 0;

    } else if (rc != MDB_NOTFOUND) {
        ours = 0;
    }

    mdb_cursor_close(c);

    return !ours;
}


static int
probe_env(const char *dir, onestop_probe_t *p, int copy)
{
    int          rc, state;
    MDB_env     *env;
    MDB_txn     *txn;
    MDB_dbi      meta;
    MDB_envinfo  info;
    uint32_t     schema;

    if (mdb_env_create(&env) != 0) {
        snprintf(p->message, sizeof(p->message), "out of memory");
        return ONESTOP_PROBE_ERROR;
    }

    mdb_env_set_maxdbs(env, ONESTOP_DB_MAX);

    rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0);

    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
        mdb_env_close(env);
        snprintf(p->message, sizeof(p->message),
                 "its data.mdb is not an LMDB environment of this version "
                 "(%s)", mdb_strerror(rc));
        return ONESTOP_PROBE_FOREIGN;
    }

    if (rc != 0) {
        mdb_env_close(env);
        snprintf(p->message, sizeof(p->message),
                 "could not open store \"%s\": %s", dir, mdb_strerror(rc));
        return ONESTOP_PROBE_ERROR;
    }

    mdb_env_info(env, &info);
    p->map_size = info.me_mapsize;

    if (onestop_store_whole(env, dir, copy, p->message, sizeof(p->message))
        != 0)
    {
        mdb_env_close(env);
        p->cut = 1;
        return ONESTOP_PROBE_ERROR;
    }

    rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);

    if (rc != 0) {
        mdb_env_close(env);
        snprintf(p->message, sizeof(p->message),
                 "could not open store \"%s\": %s", dir, mdb_strerror(rc));
        return ONESTOP_PROBE_ERROR;
    }

    state = ONESTOP_PROBE_FOREIGN;
    rc = onestop_store_foreign(txn) ? MDB_INCOMPATIBLE
         : mdb_dbi_open(txn, ONESTOP_DB_META, 0, &meta);

    if (rc == MDB_NOTFOUND) {
        state = ONESTOP_PROBE_EMPTY;        /* a creation cut short */

    } else if (rc == MDB_INCOMPATIBLE) {
        snprintf(p->message, sizeof(p->message),
                 "an LMDB environment without onestop's \"%s\" database",
                 ONESTOP_DB_META);

    } else if (rc != 0) {
        snprintf(p->message, sizeof(p->message), "cannot read \"%s\": %s",
                 dir, mdb_strerror(rc));
        state = ONESTOP_PROBE_ERROR;

    } else if (probe_meta(txn, meta, ONESTOP_META_SCHEMA, &schema, 4) != 0
               || probe_meta(txn, meta, ONESTOP_META_UTC_OFFSET, &p->offset,
                             4) != 0)
    {
        snprintf(p->message, sizeof(p->message),
                 "an LMDB environment with a \"%s\" database but no "
                 "onestop schema version or UTC offset", ONESTOP_DB_META);

    } else {
        p->schema = schema;
        probe_meta(txn, meta, ONESTOP_META_CREATED, &p->created, 8);
        state = ONESTOP_PROBE_STORE;
    }

    mdb_txn_abort(txn);
    mdb_env_close(env);

    return state;
}


/*
 * Whether data.mdb holds every page the store's last transaction reads.
 * LMDB maps the file and reads a page where its tree says it is, so a
 * file that ends before one (a copy cut short by a full disk, a restore
 * that did not finish) is a SIGBUS at the first read of it, and a write
 * then hides the cut behind a hole of zeros.
 *
 * A file at least as long as the last page number in use is whole: that
 * is one stat.  A shorter one is whole only when every page past its end
 * is free: LMDB never reads a free page and writes one before it uses it
 * again, and a store in use does end before pages that one transaction
 * allocated and freed (LMDB's loose pages, never written), or before free
 * pages a copy of the file did not need.  The free list is then read
 * through the map, under a handler that turns a SIGBUS (its own pages cut
 * off) into the verdict.
 *
 * A process that opened with MDB_NOLOCK (the probe) holds no reader slot,
 * so a writer two transactions on may reuse the pages it reads: a verdict
 * counts only if no more than one transaction was committed meanwhile,
 * and after three tries with writes going on the store is taken as whole
 * (an alarm must not be false).
 */

static sigjmp_buf                whole_jump;
static volatile sig_atomic_t     whole_guard;
static pthread_t                 whole_thread;
static struct sigaction          whole_saved;


int
onestop_store_whole(MDB_env *env, const char *dir, int copy, char *err,
    size_t errlen)
{
    int   i, rc;
    char  path[4096];

    snprintf(path, sizeof(path), "%s/data.mdb", dir);

    for (i = 0; i < 3; i++) {
        rc = whole_once(env, dir, path, copy, err, errlen);

        if (rc != 1) {
            return rc;
        }
    }

    return 0;
}


/* 0 whole, -1 cut short (err says so), 1 written meanwhile: try again */

static int
whole_once(MDB_env *env, const char *dir, const char *path, int copy,
    char *err, size_t errlen)
{
    uint64_t             have, need, n;
    MDB_txn             *txn;
    MDB_stat             ms;
    MDB_envinfo          info, after;
    struct stat          sb;
    struct sigaction     sa;
    volatile uint64_t    freed;
    volatile int         faulted;

    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0) {
        return 0;               /* nothing to compare: LMDB says the rest */
    }

    if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &ms) != 0
        || stat(path, &sb) != 0 || ms.ms_psize == 0)
    {
        mdb_txn_abort(txn);
        return 0;
    }

    if ((uint64_t) info.me_last_txnid != (uint64_t) mdb_txn_id(txn)) {
        mdb_txn_abort(txn);
        return 1;               /* a commit between the two: not one view */
    }

    have = (uint64_t) sb.st_size / ms.ms_psize;

    if (have > (uint64_t) info.me_last_pgno) {
        mdb_txn_abort(txn);
        return 0;
    }

    /* past the end: pages have .. last_pgno, all of them free? */

    freed = 0;
    faulted = 0;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = whole_sigbus;
    sigemptyset(&sa.sa_mask);

    whole_thread = pthread_self();

    if (sigaction(SIGBUS, &sa, &whole_saved) != 0) {
        mdb_txn_abort(txn);
        return 0;
    }

    if (sigsetjmp(whole_jump, 1) == 0) {
        whole_guard = 1;

        if (whole_free(txn, have, &n) != 0) {
            faulted = 1;        /* a free list LMDB could not read */
        }

        whole_guard = 0;
        freed = n;

    } else {
        whole_guard = 0;
        faulted = 1;
    }

    (void) sigaction(SIGBUS, &whole_saved, NULL);

    /* after a SIGBUS the read transaction holds nothing to undo (a read
     * transaction's cursors are its own allocations, and the probe's was
     * closed or is lost with a few bytes) */

    mdb_txn_abort(txn);

    if (mdb_env_info(env, &after) != 0
        || (uint64_t) after.me_last_txnid > (uint64_t) info.me_last_txnid + 1)
    {
        return 1;
    }

    need = (uint64_t) info.me_last_pgno + 1 - have;

    if (!faulted && freed >= need) {
        return 0;
    }

    /* a file that grew meanwhile may hold the pages now */

    if (stat(path, &sb) == 0
        && (uint64_t) sb.st_size / ms.ms_psize > (uint64_t) info.me_last_pgno)
    {
        return 0;
    }

    if (copy) {
        snprintf(err, errlen, "the data.mdb of \"%s\" is cut short: %llu "
                 "bytes of the %llu its pages take (a copy that did not "
                 "finish, as on a full disk); use a whole backup", dir,
                 (unsigned long long) sb.st_size,
                 (unsigned long long) (info.me_last_pgno + 1) * ms.ms_psize);

    } else {
        snprintf(err, errlen, "the data.mdb of store \"%s\" is cut short: "
                 "%llu bytes of the %llu its pages take (a copy or a restore "
                 "that did not finish, a disk that filled), and nothing can "
                 "read it: restore a whole backup in its place (\"onestop "
                 "--store %s restore --replace BACKUP\" verifies it first)",
                 dir, (unsigned long long) sb.st_size,
                 (unsigned long long) (info.me_last_pgno + 1) * ms.ms_psize,
                 dir);
    }

    return -1;
}


/* the number of free pages from page `from` on into *n: 0, or -1 when
 * LMDB cannot read the free list */

static int
whole_free(MDB_txn *txn, uint64_t from, uint64_t *n)
{
    int          rc;
    size_t       i, count, id;
    MDB_val      k, v;
    MDB_cursor  *c;

    *n = 0;

    /* database 0 is LMDB's free list: per transaction, its count of
     * free pages and their numbers (MDB_IDL, of size_t) */

    if (mdb_cursor_open(txn, 0, &c) != 0) {
        return -1;
    }

    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        if (v.mv_size < sizeof(size_t)) {
            break;
        }

        memcpy(&count, v.mv_data, sizeof(size_t));

        if (v.mv_size / sizeof(size_t) - 1 < count) {
            break;
        }

        for (i = 1; i <= count; i++) {
            memcpy(&id, (char *) v.mv_data + i * sizeof(size_t),
                   sizeof(size_t));

            if ((uint64_t) id >= from) {
                (*n)++;
            }
        }
    }

    mdb_cursor_close(c);

    return rc == MDB_NOTFOUND ? 0 : -1;
}


/* a SIGBUS of the thread that reads the free list ends the read; another
 * thread's (none should) gets the handler there was, as the instruction
 * that faulted runs again */

static void
whole_sigbus(int sig)
{
    (void) sig;

    if (whole_guard && pthread_equal(pthread_self(), whole_thread)) {
        siglongjmp(whole_jump, 1);
    }

    (void) sigaction(SIGBUS, &whole_saved, NULL);
}


/* a fixed-size value of meta: 0, or -1 when it is missing or not that size */

static int
probe_meta(MDB_txn *txn, MDB_dbi meta, const char *name, void *v, size_t len)
{
    MDB_val  k, d;

    k.mv_data = (void *) name;
    k.mv_size = strlen(name);

    if (mdb_get(txn, meta, &k, &d) != 0 || d.mv_size != len) {
        return -1;
    }

    memcpy(v, d.mv_data, len);
    return 0;
}


long
onestop_store_user(const char *dir)
{
    int           fd;
    char          path[4096];
    struct flock  fl;

    snprintf(path, sizeof(path), "%s/lock.mdb", dir);

    fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return errno == ENOENT ? 0 : -1;
    }

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;

    if (fcntl(fd, F_GETLK, &fl) != 0) {
        close(fd);
        return -1;
    }

    close(fd);

    return fl.l_type == F_UNLCK ? 0 : (long) fl.l_pid;
}
