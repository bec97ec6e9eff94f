/*
 * Unit tests of engine/access.c: whether a user reaches a store, judged
 * from owners and modes, on a tree made here under /tmp.  The user is
 * made up (a uid and gid nobody has), so the tests run the same as root
 * and not: each problem (a directory above, the store's directory, a
 * file owned by another, a file of the user's own with a wrong mode) gives
 * its message and its command, a group of the user's counts, root and a
 * missing store pass, paths are quoted for the shell, and an open's
 * failure is explained.
 */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onestop_access.h"
#include "onestop_store.h"
#include "tap.h"


static char  root_[64], above[128], store[192], data[256], lock_[256];
static char  owner[160];                /* "name:group" of what is made */


static void
touch(const char *path, mode_t mode)
{
    FILE  *f;

    f = fopen(path, "w");

    if (f != NULL) {
        fclose(f);
    }

    chmod(path, mode);
}


static void
name_of(char *dst, size_t size, uid_t uid, gid_t gid)
{
    struct group   *gr;
    struct passwd  *pw;

    pw = getpwuid(uid);
    gr = getgrgid(gid);

    if (pw != NULL && gr != NULL) {
        snprintf(dst, size, "%s:%s", pw->pw_name, gr->gr_name);

    } else if (pw != NULL) {
        snprintf(dst, size, "%s:%lu", pw->pw_name, (unsigned long) gid);

    } else if (gr != NULL) {
        snprintf(dst, size, "%lu:%s", (unsigned long) uid, gr->gr_name);

    } else {
        snprintf(dst, size, "%lu:%lu", (unsigned long) uid,
                 (unsigned long) gid);
    }
}


static int
check(const onestop_access_user_t *u, const char *path, char *msg,
    size_t size)
{
    msg[0] = '\0';
    return onestop_store_access_check(path, strlen(path), u, msg, size);
}


int
main(void)
{
    int                    rc;
    char                   msg[4096], want[4096], odd[300], rule[8192];
    uid_t                  id;
    onestop_access_user_t  u, self;

    /* an id nobody has */

    for (id = 4242; getpwuid(id) != NULL || getgrgid(id) != NULL; id++) {
        /* void */
    }

    snprintf(root_, sizeof(root_), "/tmp/onestop-access-XXXXXX");

    if (mkdtemp(root_) == NULL) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }

    chmod(root_, 0755);
    snprintf(above, sizeof(above), "%s/above", root_);
    snprintf(store, sizeof(store), "%s/store", above);
    snprintf(data, sizeof(data), "%s/data.mdb", store);
    snprintf(lock_, sizeof(lock_), "%s/lock.mdb", store);
    mkdir(above, 0755);
    mkdir(store, 0700);
    touch(data, 0644);
    touch(lock_, 0644);
    name_of(owner, sizeof(owner), geteuid(), getegid());

    ok(onestop_access_user(&u, id, id, "worker") == 0, "a made-up user");
    is_str(u.user, strlen(u.user), "worker", "its name as given");
    snprintf(want, sizeof(want), "%lu", (unsigned long) id);
    is_str(u.group, strlen(u.group), want, "its group, a number");

    /* the store's directory, owned by another: chown, no chmod */

    rc = check(&u, store, msg, sizeof(msg));
    snprintf(want, sizeof(want), "cannot search \"%s\": it belongs to %s "
             "(mode 0700); fix: chown -R worker:%lu %s", store, owner,
             (unsigned long) id, store);
    is_int(rc, -1, "a store of 0700 of another user's");
    is_str(msg, strlen(msg), want, "which, and chown");

    /* a file: read and write */

    chmod(store, 0711);
    rc = check(&u, store, msg, sizeof(msg));
    snprintf(want, sizeof(want), "cannot read and write \"%s\": it belongs "
             "to %s (mode 0644); fix: chown -R worker:%lu %s", data, owner,
             (unsigned long) id, store);
    is_int(rc, -1, "data.mdb of 0644 of another user's");
    is_str(msg, strlen(msg), want, "data.mdb, and chown");

    chmod(data, 0444);
    rc = check(&u, store, msg, sizeof(msg));
    snprintf(want, sizeof(want), "cannot read and write \"%s\": it belongs "
             "to %s (mode 0444); fix: chown -R worker:%lu %s && chmod u+rw "
             "%s", data, owner, (unsigned long) id, store, data);
    is_int(rc, -1, "data.mdb of 0444");
    is_str(msg, strlen(msg), want, "chown, then chmod u+rw");

    chmod(data, 0666);
    rc = check(&u, store, msg, sizeof(msg));
    snprintf(want, sizeof(want), "cannot read and write \"%s\": it belongs "
             "to %s (mode 0644); fix: chown -R worker:%lu %s", lock_, owner,
             (unsigned long) id, store);
    is_str(msg, strlen(msg), want, "lock.mdb is checked too");

    chmod(lock_, 0666);
    is_int(check(&u, store, msg, sizeof(msg)), 0, "others may: reached");

    snprintf(odd, sizeof(odd), "%s///", store);
    is_int(check(&u, odd, msg, sizeof(msg)), 0, "trailing slashes");
    chmod(store, 0700);
    is_int(check(&u, odd, msg, sizeof(msg)), -1,
           "trailing slashes, refused");
    snprintf(want, sizeof(want), "cannot search \"%s\"", store);
    ok(strncmp(msg, want, strlen(want)) == 0, "the store without them");
    chmod(store, 0711);

    /* a directory above: chmod, or elsewhere */

    chmod(above, 0700);
    rc = check(&u, store, msg, sizeof(msg));
    snprintf(want, sizeof(want), "cannot search the directory \"%s\" above "
             "the store: its mode is 0700 (owner %s); fix: chmod o+x %s, or "
             "put the store elsewhere", above, owner, above);
    is_int(rc, -1, "a directory above of 0700");
    is_str(msg, strlen(msg), want, "which, and chmod o+x");

    /* a group of the user's is the group class */

    chmod(above, 0740);
    onestop_access_user_free(&u);
    ok(onestop_access_user(&u, id, getegid(), "worker") == 0,
       "the user in the group of the tree");
    rc = check(&u, store, msg, sizeof(msg));
    ok(rc == -1 && strstr(msg, "fix: chmod g+x ") != NULL,
       "a directory of 0740: chmod g+x");
    chmod(above, 0750);
    is_int(check(&u, store, msg, sizeof(msg)), 0, "of 0750: reached");

    u.gid = id;
    u.groups = realloc(u.groups, sizeof(gid_t));
    u.groups[0] = getegid();
    u.ngroups = 1;
    is_int(check(&u, store, msg, sizeof(msg)), 0,
           "a supplementary group counts too");
    chmod(above, 0755);

    /* a file of the user's own with a wrong mode: chmod u+ */

    onestop_access_user_free(&u);

    if (geteuid() == 0) {
        ok(chown(data, id, id) == 0, "data.mdb given to the user");
        onestop_access_user(&u, id, id, "worker");

    } else {
        ok(1, "data.mdb is the process's own");
        onestop_access_user(&u, geteuid(), getegid(), NULL);
    }

    chmod(data, 0400);
    rc = check(&u, store, msg, sizeof(msg));
    name_of(odd, sizeof(odd), geteuid() == 0 ? id : geteuid(),
            geteuid() == 0 ? id : getegid());
    snprintf(want, sizeof(want), "cannot read and write \"%s\": its mode is "
             "0400 (owner %s); fix: chmod u+rw %s", data, odd, data);
    is_int(rc, -1, "the user's own data.mdb of 0400");
    is_str(msg, strlen(msg), want, "chmod u+rw alone");
    chmod(data, 0600);
    is_int(check(&u, store, msg, sizeof(msg)), 0, "of 0600: reached");
    onestop_access_user_free(&u);

    /* root reaches everything; a missing store is the open's to say */

    ok(onestop_access_user(&u, 0, 0, NULL) == 0, "root");
    chmod(store, 0);
    is_int(check(&u, store, msg, sizeof(msg)), 0, "root reaches a 0000");
    chmod(store, 0711);
    onestop_access_user_free(&u);

    onestop_access_user(&u, id, id, "worker");
    snprintf(odd, sizeof(odd), "%s/none", above);
    is_int(check(&u, odd, msg, sizeof(msg)), 0, "a missing store: the open");

    /* a path the shell would split is quoted */

    snprintf(odd, sizeof(odd), "%s/it's here", root_);
    mkdir(odd, 0700);
    rc = check(&u, odd, msg, sizeof(msg));
    snprintf(want, sizeof(want), "fix: chown -R worker:%lu '%s/it'\\''s "
             "here'", (unsigned long) id, root_);
    ok(rc == -1 && strstr(msg, want) != NULL, "a quote and a space: quoted");
    rmdir(odd);
    onestop_access_user_free(&u);

    /* an open's failure, as this process */

    ok(onestop_access_user(&self, geteuid(), getegid(), NULL) == 0,
       "the process's user");
    snprintf(want, sizeof(want), "could not open store: %s",
             strerror(EACCES));
    onestop_store_open_explain(store, strlen(store), want, msg, sizeof(msg));
    snprintf(rule, sizeof(rule), "%s (user \"%s\" must be able to search "
             "every directory down to the store, and read and write "
             "data.mdb and lock.mdb)", want, self.user);
    is_str(msg, strlen(msg), rule, "a permission's failure: the rule");
    onestop_store_open_explain(store, strlen(store), "map full", msg,
                               sizeof(msg));
    is_str(msg, strlen(msg), "map full", "another: as it is");
    onestop_access_user_free(&self);

    unlink(data);
    unlink(lock_);
    rmdir(store);
    rmdir(above);
    rmdir(root_);

    /* a store's room, as the writer logs it when it changes */

    ok(onestop_store_full_explain(ONESTOP_FULL_DISK, "/s", 2, msg,
                                  sizeof(msg)) == 1
       && strstr(msg, "store \"/s\": the disk is full; free space") != NULL,
       "a full disk: an error, what to do: %s", msg);
    ok(onestop_store_full_explain(ONESTOP_FULL_MAP, "/s", 2, msg,
                                  sizeof(msg)) == 1
       && strstr(msg, "raise map_size in \"onestop_store\"") != NULL,
       "a full map: %s", msg);
    ok(onestop_store_full_explain(0, "/s", 2, msg, sizeof(msg)) == 0
       && strstr(msg, "has room again") != NULL, "room again: news: %s",
       msg);

    return done_testing();
}
