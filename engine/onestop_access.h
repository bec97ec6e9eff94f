/*
 * Whether a user can reach the store: search every directory down to it,
 * and read and write data.mdb and lock.mdb.  It is judged from owners and
 * modes (plain POSIX: stat, the user's uid, gid and groups), so that
 * "nginx -t" and a start can say what is wrong before any worker runs; a
 * file with an access control list is left to the open.  A problem's
 * message says what is wrong and the command that fixes it.
 */

#ifndef ONESTOP_ACCESS_H
#define ONESTOP_ACCESS_H

#include <stddef.h>
#include <sys/types.h>

/* a user who must reach the store: nginx's workers' user, or the process */
typedef struct {
    uid_t    uid;
    gid_t    gid;
    gid_t   *groups;        /* malloc'd; NULL: its group alone */
    int      ngroups;
    char     user[64];      /* the names, or the numbers when unknown */
    char     group[64];
    int      given;         /* the store and its files will be given to
                               the user before it opens them ("nginx -t"
                               as root: a start chowns them): judged by
                               their owner's bits, whoever owns them now */
} onestop_access_user_t;

/*
 * The user uid of group gid, named username (NULL: looked up): its names
 * and its groups, which are the process's own when uid is the effective
 * uid, else those initgroups() would give it.  0, or -1 (out of memory:
 * the names are set, no group is).  onestop_access_user_free() frees it
 * either way.
 */
int onestop_access_user(onestop_access_user_t *u, uid_t uid, gid_t gid,
    const char *username);
void onestop_access_user_free(onestop_access_user_t *u);

/*
 * Check that u reaches the store store[0..len) (trailing slashes ignored;
 * root reaches everything): 0, or -1 with the first problem in msg
 * (NUL-terminated, truncated to size), "cannot search the directory ...
 * above the store: ...; fix: chmod o+x ...", "cannot read and write ...:
 * it belongs to ...; fix: chown -R ...".  What cannot be stat'ed, or has
 * an access control list, is left to the open, which says why.
 */
int onestop_store_access_check(const char *store, size_t len,
    const onestop_access_user_t *u, char *msg, size_t size);

/*
 * Why opening the store store[0..len) as this process failed with err
 * (onestop_store_open's message), into msg: err and the problem of the
 * modes when there is one; else err with the rule when err is a
 * permission's; else err alone.
 */
void onestop_store_open_explain(const char *store, size_t len,
    const char *err, char *msg, size_t size);

/*
 * What to tell the operator when a store's room changed to `full`
 * (onestop_store_full: ONESTOP_FULL_DISK, ONESTOP_FULL_MAP, 0 when it has
 * room again): the line into msg, what fills the disk or the map and what
 * to do; 1 when it is an error (writes answer 507 until then), 0 when it
 * is news (writes are accepted).
 */
int onestop_store_full_explain(int full, const char *store, size_t len,
    char *msg, size_t size);

/*
 * Gives the store dir, its data.mdb and its lock.mdb to uid:gid (what
 * does not exist is skipped): 0, or -1 with "could not give ... to the
 * workers' user: ..." in err.
 */
int onestop_store_give(const char *dir, uid_t uid, gid_t gid, char *err,
    size_t size);

#endif /* ONESTOP_ACCESS_H */
