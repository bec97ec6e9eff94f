/*
 * The command-line tool's own parts, shared by its files (cli.c: the
 * options and the commands on a store's data; cli_admin.c: init, migrate,
 * restore; cli_keys.c: the keys files; cli_read.c: stats and changes;
 * cli_util.c: messages, identity, progress).  Not part of libonestop.
 */

#ifndef ONESTOP_CLI_H
#define ONESTOP_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "onestop_args.h"
#include "onestop_changes.h"
#include "onestop_store.h"
#include "onestop_version.h"

#define ONESTOP_KEYS_FILE     "/etc/onestop/keys"
#define ONESTOP_QR_KEY_FILE   "/etc/onestop/qr.key"

/* exit statuses: 0 done, 1 failed, 2 the command line is wrong */
#define ONESTOP_EXIT_FAILED   1
#define ONESTOP_EXIT_USAGE    2


/* "onestop: " and the message on stderr, one line; returns 1 */
int onestop_cli_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
int onestop_cli_vfail(const char *fmt, va_list ap);
/* the same for a wrong command line ("... (onestop --help)"); returns 2 */
int onestop_cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * The store in `dir` opened read-write for a command of its own (the
 * replication commands, notify): --utc-offset for a new one, a map grown
 * by another process adopted; `create`: a missing store is made.  NULL
 * with the reason said.
 */
onestop_store_t *onestop_cli_store_open(const char *dir, int create);

/* onestop notify (cli_notify.c): its exit status */
int onestop_cli_notify(const char *dir, int argc, char **argv);

/* A size with nginx's suffixes (k, m, g, t): 0, or -1 when it is not one. */
int onestop_cli_size_parse(const char *s, uint64_t *v);

/*
 * Run as root, become the owner of the existing store `dir` (so that no
 * file is left that nginx's workers cannot open); as another user, refuse
 * unless it is the owner.  A missing `dir` is left to the caller.  0, or
 * 1 with the reason said.
 */
int onestop_cli_take_identity(const char *dir);

/*
 * After root took another user's identity: for an error message `err`
 * that says "Permission denied", the words that say as whom the file was
 * read and what to do (with input: that standard input will do too);
 * otherwise "".
 */
const char *onestop_cli_denied_hint(const char *err, int input);
/* the same for a file or directory it could not create as the owner */
const char *onestop_cli_create_hint(const char *err);

/* FILE of import or catalog opened for reading ("-": standard input, 0),
 * or -1 with the reason said (and as whom it was read, after root took
 * the store owner's identity) */
int onestop_cli_open_input(const char *file);

/*
 * key add with --store DIR: 0 when every agency id of scope ("*" and
 * "sms" name none) is in the store's catalog, 2 (a wrong command line)
 * when one is not, 1 when the store cannot be read; the reason said.
 * dir NULL: 0.
 */
int onestop_cli_scope_known(const char *dir, const char *scope);

/*
 * Run as root, become `user` (a name or a uid), or when user is NULL the
 * owner of directory `parent`: the user a new store or a restored one
 * will belong to.  When `create` is not NULL, that directory is made
 * first (mode 0750) and given to the user.  Not root: nothing to do.  0,
 * or 1 with the reason said.
 */
int onestop_cli_become_for(const char *parent, const char *user,
    const char *create);

/* The directory part of a path ("." when it has none), into buf. */
const char *onestop_cli_parent(const char *path, char *buf, size_t len);

/*
 * A progress line on stderr, when stderr is a terminal, at most four
 * times a second: "import: 120,000 of 200,000 records (60%), 40,000
 * records/s, 2 s left".  `total` 0 when unknown.  Nothing at all when
 * stderr is not a terminal.  end() erases the line.
 */
typedef struct {
    const char  *what;
    const char  *unit;            /* "records", or "bytes" (shown as MB) */
    uint64_t     total;
    uint64_t     done;
    double       start;
    double       last;
    int          on;
    int          shown;
} onestop_progress_t;

void onestop_progress_start(onestop_progress_t *p, const char *what,
    const char *unit, uint64_t total);
void onestop_progress_update(onestop_progress_t *p, uint64_t done,
    uint64_t total);
void onestop_progress_end(onestop_progress_t *p);
/* a plain onestop_progress_pt for the engine's callbacks */
void onestop_progress_cb(void *ctx, uint64_t done, uint64_t total);

/* a write's failure said in one line (the batch's first bad record, or
 * what to do about a full store); 0 when it succeeded, else 1 */
int onestop_cli_report_write(onestop_store_t *st, onestop_write_t *w,
    onestop_batch_t *b);
const char *onestop_cli_full_advice(onestop_store_t *st);
/* an import's batch refused before the write, said in one line with its
 * line counted from 1, as an editor counts it (the API's items count
 * from 0); returns 1 */
int onestop_cli_batch_refused(const onestop_batch_t *b);

/* a command that only reads needs a store in dir: 0 when there is one (or
 * one the open will say more of); else non-zero, said ("no store at"),
 * so that it is never created empty where a store was meant */
int onestop_cli_no_store(const char *dir);

/* whether dir is on a file system mounted read-only (a backup's snapshot,
 * read-only media): the commands that only read open the store read-only
 * there, without a lock file */
int onestop_cli_readonly_fs(const char *dir);

/* A bus error (LMDB reading a page of a data.mdb cut short: a copy the
 * disk filled under) said in one line, exit 1, instead of a core dump */
void onestop_cli_catch_sigbus(void);

/* cli_demo.c: "demo [--force] [N]" (argv[0] is "demo"), into a store
 * that holds no dossier and no catalog unless --force */
int onestop_cli_demo(onestop_store_t *st, int argc, char **argv);

/* demo's arguments checked before the store is opened: 0, or non-zero
 * with the usage error said (N not a number, more than N and --force) */
int onestop_cli_demo_args(int argc, char **argv);

/* cli_admin.c: the commands that create, upgrade and restore a store */
int onestop_cli_init(const char *dir, int argc, char **argv);
int onestop_cli_migrate(const char *dir, int argc, char **argv);
int onestop_cli_restore(const char *dir, int argc, char **argv);

/* cli_keys.c: "key add|list|revoke" and "qr-key rotate" (argv[0] is
 * "key" or "qr-key"); dir may be NULL */
int onestop_cli_key(const char *dir, int argc, char **argv);
int onestop_cli_qr_key(const char *dir, int argc, char **argv);

/*
 * stats and changes (cli_read.c): the command line read whole before the
 * store is opened (onestop_cli_read_args: 0, or 2 with the reason said;
 * 0 for another command, which reads its own), then the answer printed
 * from the store (onestop_cli_read: the exit status).
 */
typedef struct {
    enum { ONESTOP_CLI_OTHER = 0, ONESTOP_CLI_STATS, ONESTOP_CLI_CHANGES }
                              cmd;
    size_t                    n;
    onestop_arg_t             args[ONESTOP_ARGS_MAX];    /* into argv */
    onestop_changes_query_t   changes;
} onestop_cli_read_t;

int onestop_cli_read_args(const char *cmd, int argc, char **argv,
    onestop_cli_read_t *rd);
int onestop_cli_read(onestop_store_t *st, onestop_cli_read_t *rd);


#endif /* ONESTOP_CLI_H */
