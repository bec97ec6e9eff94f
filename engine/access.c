/*
 * Whether a user can reach the store (see onestop_access.h).  The idea:
 * the permission bits that apply are those of the first class the user
 * falls in (owner, then a group of the user's, then others), so one stat
 * of each directory and file says whether the open would be refused, and
 * which command, chmod or chown, would fix it.
 */

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "onestop_access.h"
#include "onestop_store.h"


#define KIND_ABOVE  0                   /* a directory above the store */
#define KIND_DIR    1                   /* the store's directory */
#define KIND_FILE   2                   /* data.mdb, lock.mdb */


static int reach_one(const onestop_access_user_t *u, const char *path,
    int kind, const char *store, char *msg, size_t size);
static void shell_word(char *dst, size_t size, const char *s);


int
onestop_access_user(onestop_access_user_t *u, uid_t uid, gid_t gid,
    const char *username)
{
    int             i, n;
    struct group   *gr;
    struct passwd  *pw;

    memset(u, 0, sizeof(onestop_access_user_t));
    u->uid = uid;
    u->gid = gid;

    pw = username == NULL ? getpwuid(uid) : NULL;

    if (username == NULL && pw != NULL) {
        username = pw->pw_name;
    }

    if (username != NULL) {
        snprintf(u->user, sizeof(u->user), "%s", username);

    } else {
        snprintf(u->user, sizeof(u->user), "%lu", (unsigned long) uid);
    }

    gr = getgrgid(gid);

    if (gr != NULL) {
        snprintf(u->group, sizeof(u->group), "%s", gr->gr_name);

    } else {
        snprintf(u->group, sizeof(u->group), "%lu", (unsigned long) gid);
    }

    /* the process's own groups, or those initgroups() gives the user */

    if (uid == geteuid()) {
        n = getgroups(0, NULL);
        n = n > 0 ? n : 0;
        u->groups = malloc((n + 1) * sizeof(gid_t));

        if (u->groups == NULL) {
            return -1;
        }

        n = getgroups(n, u->groups);
        u->ngroups = n > 0 ? n : 0;
        return 0;
    }

    n = 64;

    for (i = 0; i < 2; i++) {
        u->groups = malloc(n * sizeof(gid_t));

        if (u->groups == NULL) {
            return -1;
        }

        if (getgrouplist(u->user, gid, u->groups, &n) != -1) {
            u->ngroups = n;
            return 0;
        }

        /* n is now the number of the user's groups */

        free(u->groups);
        u->groups = NULL;
    }

    return 0;                           /* its group alone */
}


void
onestop_access_user_free(onestop_access_user_t *u)
{
    free(u->groups);
    u->groups = NULL;
    u->ngroups = 0;
}


int
onestop_store_access_check(const char *store, size_t len,
    const onestop_access_user_t *u, char *msg, size_t size)
{
    size_t  i;
    char    dir[PATH_MAX], path[PATH_MAX];

    if (u->uid == 0) {
        return 0;
    }

    while (len > 1 && store[len - 1] == '/') {
        len--;
    }

    if (len + sizeof("/data.mdb") > PATH_MAX) {
        return 0;
    }

    memcpy(dir, store, len);
    dir[len] = '\0';

    /* every directory above the store, "/" first */

    for (i = 0; dir[0] == '/' && i < len; i++) {
        if (dir[i] != '/') {
            continue;
        }

        memcpy(path, dir, i ? i : 1);
        path[i ? i : 1] = '\0';

        if (reach_one(u, path, KIND_ABOVE, dir, msg, size) != 0) {
            return -1;
        }
    }

    if (reach_one(u, dir, KIND_DIR, dir, msg, size) != 0) {
        return -1;
    }

    memcpy(path, dir, len);
    memcpy(path + len, "/data.mdb", sizeof("/data.mdb"));

    if (reach_one(u, path, KIND_FILE, dir, msg, size) != 0) {
        return -1;
    }

    memcpy(path + len, "/lock.mdb", sizeof("/lock.mdb"));

    return reach_one(u, path, KIND_FILE, dir, msg, size);
}


void
onestop_store_open_explain(const char *store, size_t len, const char *err,
    char *msg, size_t size)
{
    int                    rc;
    char                   why[4 * PATH_MAX];
    onestop_access_user_t  u;

    rc = 0;

    if (onestop_access_user(&u, geteuid(), getegid(), NULL) == 0) {
        rc = onestop_store_access_check(store, len, &u, why, sizeof(why));
    }

    onestop_access_user_free(&u);

    if (rc != 0) {
        snprintf(msg, size, "%s: user \"%s\" %s", err, u.user, why);

    } else if (strstr(err, strerror(EACCES)) != NULL) {
        snprintf(msg, size, "%s (user \"%s\" must be able to search every "
                 "directory down to the store, and read and write data.mdb "
                 "and lock.mdb)", err, u.user);

    } else {
        snprintf(msg, size, "%s", err);
    }
}


/* s as one word of a shell command: quoted when it needs to be */

static void
shell_word(char *dst, size_t size, const char *s)
{
    size_t       n;
    const char  *c;

    for (c = s; *c; c++) {
        if (!isalnum((unsigned char) *c) && strchr("/._-+:@,%=", *c) == NULL)
        {
            break;
        }
    }

    if (*c == '\0') {
        snprintf(dst, size, "%s", s);
        return;
    }

    n = 0;

    if (n + 1 < size) {
        dst[n++] = '\'';
    }

    for (c = s; *c && n + 5 < size; c++) {
        if (*c == '\'') {
            memcpy(dst + n, "'\\''", 4);
            n += 4;

        } else {
            dst[n++] = *c;
        }
    }

    if (n + 1 < size) {
        dst[n++] = '\'';
    }

    dst[n] = '\0';
}


static int
reach_one(const onestop_access_user_t *u, const char *path, int kind,
    const char *store, char *msg, size_t size)
{
    int             i, in;
    char            cls, owner[64], group[64];
    char            word[2 * PATH_MAX], dir[2 * PATH_MAX];
    unsigned        need, bits, mode;
    const char     *action, *perm;
    struct stat     st;
    struct group   *gr;
    struct passwd  *pw;

    if (stat(path, &st) == -1) {
        return 0;                       /* the open says why */
    }

    if (getxattr(path, "system.posix_acl_access", NULL, 0) > 0) {
        return 0;                       /* beyond the mode: the open says */
    }

    need = kind == KIND_FILE ? 6 : 1;
    mode = st.st_mode & 07777;

    in = (st.st_gid == u->gid);

    for (i = 0; !in && i < u->ngroups; i++) {
        in = (st.st_gid == u->groups[i]);
    }

    if (st.st_uid == u->uid || (u->given && kind != KIND_ABOVE)) {
        cls = 'u';
        bits = (mode >> 6) & 7;

    } else if (in) {
        cls = 'g';
        bits = (mode >> 3) & 7;

    } else {
        cls = 'o';
        bits = mode & 7;
    }

    if ((bits & need) == need) {
        return 0;
    }

    pw = getpwuid(st.st_uid);
    gr = getgrgid(st.st_gid);

    if (pw != NULL) {
        snprintf(owner, sizeof(owner), "%s", pw->pw_name);

    } else {
        snprintf(owner, sizeof(owner), "%lu", (unsigned long) st.st_uid);
    }

    if (gr != NULL) {
        snprintf(group, sizeof(group), "%s", gr->gr_name);

    } else {
        snprintf(group, sizeof(group), "%lu", (unsigned long) st.st_gid);
    }

    action = need == 6 ? "read and write" : "search";
    perm = need == 6 ? "rw" : "x";

    shell_word(word, sizeof(word), path);

    if (kind == KIND_ABOVE) {
        snprintf(msg, size, "cannot search the directory \"%s\" above the "
                 "store: its mode is %04o (owner %s:%s); fix: chmod %c+x %s, "
                 "or put the store elsewhere",
                 path, mode, owner, group, cls, word);
        return -1;
    }

    if (st.st_uid == u->uid) {
        snprintf(msg, size, "cannot %s \"%s\": its mode is %04o (owner "
                 "%s:%s); fix: chmod u+%s %s",
                 action, path, mode, owner, group, perm, word);
        return -1;
    }

    /* the store and its files belong to the user who opens them */

    shell_word(dir, sizeof(dir), store);

    if (((mode >> 6) & need) == need) {
        snprintf(msg, size, "cannot %s \"%s\": it belongs to %s:%s (mode "
                 "%04o); fix: chown -R %s:%s %s",
                 action, path, owner, group, mode, u->user, u->group, dir);

    } else {
        snprintf(msg, size, "cannot %s \"%s\": it belongs to %s:%s (mode "
                 "%04o); fix: chown -R %s:%s %s && chmod u+%s %s",
                 action, path, owner, group, mode, u->user, u->group, dir,
                 perm, word);
    }

    return -1;
}


int
onestop_store_give(const char *dir, uid_t uid, gid_t gid, char *err,
    size_t size)
{
    size_t        i;
    char          path[PATH_MAX];
    static const char  *files[] = { "", "/data.mdb", "/lock.mdb" };

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if ((size_t) snprintf(path, sizeof(path), "%s%s", dir, files[i])
            >= sizeof(path))
        {
            snprintf(err, size, "the path \"%s\" is too long", dir);
            return -1;
        }

        if (chown(path, uid, gid) != 0 && errno != ENOENT) {
            snprintf(err, size, "could not give \"%s\" to the workers' "
                     "user: chown() failed: %s", path, strerror(errno));
            return -1;
        }
    }

    return 0;
}


int
onestop_store_full_explain(int full, const char *store, size_t len,
    char *msg, size_t size)
{
    switch (full) {

    case ONESTOP_FULL_DISK:
        snprintf(msg, size, "store \"%.*s\": the disk is full; free space "
                 "on its file system (at least 1m for the user of nginx's "
                 "workers, mind a quota); until then writes answer 507 "
                 "and a follower applies no change", (int) len, store);
        return 1;

    case ONESTOP_FULL_MAP:
        snprintf(msg, size, "store \"%.*s\" is full: it reached its "
                 "map_size; raise map_size in \"onestop_store\" and reload "
                 "nginx; until then writes answer 507 and a follower "
                 "applies no change", (int) len, store);
        return 1;
    }

    snprintf(msg, size, "store \"%.*s\" has room again: writes are "
             "accepted", (int) len, store);

    return 0;
}
