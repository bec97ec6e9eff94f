/*
 * A notifier's journal (issue 16, docs/notify.md "Several notifiers"):
 * the identity of each message a channel accepted, appended once the
 * channel said yes (a write(2), no fsync: it survives kill -9) and emptied
 * once the outcomes are in the store.  A notifier that takes over a dead
 * one's claims reads every journal of the directory: a message found
 * there was sent, and is not sent again.
 *
 * A run under a name whose journal is not empty (the previous run under
 * that name was killed) sets that journal aside as journal.NAME.TIME-PID,
 * read with the others, since this run empties its own at its first
 * outcome.
 *
 * So that the directory does not grow with every start and every kill: a
 * notifier holds a lock (flock) on its journal while it runs and removes
 * it when it stops with it empty; and reading the journals, it removes
 * another's that no running notifier holds (a set-aside one, a killed
 * notifier's) once the store has an outcome for each of its lines.
 *
 * Calls nothing of the engine but onestop_notify_say and the caller's
 * unsettled().  notify.c's only.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onestop_notify.h"


/* whether fd is still the file at path (not removed nor set aside by
 * another notifier before fd was locked) */
static int
same_file(int fd, const char *path)
{
    struct stat  a, b;

    return fstat(fd, &a) == 0 && stat(path, &b) == 0
           && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}


int
onestop_notify_journal_open(onestop_notify_journal_t *j, const char *dir,
    const char *consumer, onestop_notify_unsettled_pt unsettled, void *ctx,
    char *err, size_t errlen)
{
    int          tries, busy;
    char         old[1300];
    struct stat  sb;

    memset(j, 0, sizeof(onestop_notify_journal_t));
    j->dir = dir;
    j->unsettled = unsettled;
    j->ctx = ctx;
    snprintf(j->path, sizeof(j->path), "%s/journal.%s", dir, consumer);

    /* opened and locked; another notifier reading the journals may hold
     * the lock a moment (and remove the file: then opened anew) */

    for (tries = 0, busy = 0; tries < 300; tries++) {
        j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                     0640);

        if (j->fd < 0) {
            snprintf(err, errlen, "cannot open the journal \"%s\": %s",
                     j->path, strerror(errno));
            return -1;
        }

        if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
            busy = errno == EWOULDBLOCK;

            if (!busy) {
                snprintf(err, errlen, "cannot lock the journal \"%s\": "
                         "%s", j->path, strerror(errno));
                close(j->fd);
                j->fd = -1;
                return -1;
            }

            close(j->fd);
            j->fd = -1;
            usleep(10000);
            continue;
        }

        busy = 0;

        if (!same_file(j->fd, j->path)) {
            close(j->fd);
            j->fd = -1;
            continue;
        }

        if (fstat(j->fd, &sb) == 0 && sb.st_size > 0) {
            snprintf(old, sizeof(old), "%s.%lld-%ld", j->path,
                     (long long) time(NULL), (long) getpid());

            if (rename(j->path, old) == 0) {
                close(j->fd);            /* set aside: a new one */
                j->fd = -1;
                continue;
            }

            onestop_notify_say("journal %s: %s", j->path, strerror(errno));
        }

        break;
    }

    if (j->fd < 0) {
        snprintf(err, errlen, "the journal \"%s\" %s", j->path,
                 busy ? "is another running notifier's: give each notifier "
                        "its own consumer name"
                      : "could not be opened and locked");
        return -1;
    }

    onestop_notify_journal_load(j);
    return 0;
}


/* one journal's lines, appended to j's; 0, or -1 (out of memory).  Read
 * through a copy of fd: fd and its lock stay the caller's */
static int
lines_read(onestop_notify_journal_t *j, int fd)
{
    FILE    *f;
    char     line[256], **more;
    size_t   n;
    int      rc, copy;

    copy = dup(fd);
    f = copy < 0 ? NULL : fdopen(copy, "r");

    if (f == NULL) {
        if (copy >= 0) {
            close(copy);
        }

        return -1;
    }

    rc = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        n = strcspn(line, "\n");
        line[n] = '\0';

        if (n == 0) {
            continue;
        }

        if ((j->nsent & 1023) == 0) {
            more = realloc(j->sent, (j->nsent + 1024) * sizeof(char *));

            if (more == NULL) {
                rc = -1;
                break;
            }

            j->sent = more;
        }

        j->sent[j->nsent] = strdup(line);
        j->nsent += j->sent[j->nsent] != NULL;
    }

    fclose(f);
    return rc;
}


void
onestop_notify_journal_load(onestop_notify_journal_t *j)
{
    DIR            *dir;
    int             fd, mine, idle;
    char            path[2400];
    size_t          from, i;
    struct dirent  *de;

    while (j->nsent > 0) {
        free(j->sent[--j->nsent]);          /* read anew */
    }

    dir = opendir(j->dir);

    if (dir == NULL) {
        return;
    }

    while ((de = readdir(dir)) != NULL) {
        if (strncmp(de->d_name, "journal.", 8) != 0) {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", j->dir, de->d_name);
        mine = strcmp(path, j->path) == 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
            continue;
        }

        /* another's that no running notifier holds */

        idle = !mine && j->unsettled != NULL
               && flock(fd, LOCK_EX | LOCK_NB) == 0 && same_file(fd, path);
        from = j->nsent;

        if (lines_read(j, fd) != 0) {
            close(fd);
            break;
        }

        /* removed under the lock: a notifier starting under that name
         * then finds it gone (same_file) and makes its own */

        if (idle && j->unsettled(j->ctx, j->sent + from, j->nsent - from)
                    == 0)
        {
            if (unlink(path) == 0) {
                onestop_notify_say("journal %s: every message in it "
                                   "recorded: removed", path);
            }

            for (i = from; i < j->nsent; i++) {
                free(j->sent[i]);
            }

            j->nsent = from;
        }

        close(fd);
    }

    closedir(dir);
}


int
onestop_notify_journal_has(const onestop_notify_journal_t *j,
    const char *key)
{
    size_t  i;

    for (i = 0; i < j->nsent; i++) {
        if (strcmp(j->sent[i], key) == 0) {
            return 1;
        }
    }

    return 0;
}


void
onestop_notify_journal_add(onestop_notify_journal_t *j, const char *key)
{
    char     line[200];
    size_t   n;
    ssize_t  w;

    n = (size_t) snprintf(line, sizeof(line), "%s\n", key);
    w = write(j->fd, line, n);

    if (w != (ssize_t) n) {
        onestop_notify_say("journal %s: %s (a notifier that takes over may "
                           "send again)", j->path, strerror(errno));
    }
}


void
onestop_notify_journal_empty(onestop_notify_journal_t *j)
{
    if (ftruncate(j->fd, 0) != 0) {
        onestop_notify_say("journal %s: %s", j->path, strerror(errno));
    }
}


void
onestop_notify_journal_close(onestop_notify_journal_t *j)
{
    struct stat  sb;

    /* empty: every outcome is in the store, nobody will need it (a
     * default consumer name, HOSTNAME-PID, is new at each start) */

    if (j->fd >= 0 && fstat(j->fd, &sb) == 0 && sb.st_size == 0
        && same_file(j->fd, j->path) && unlink(j->path) != 0)
    {
        onestop_notify_say("journal %s: %s", j->path, strerror(errno));
    }

    if (j->fd >= 0) {
        close(j->fd);
    }

    while (j->nsent > 0) {
        free(j->sent[--j->nsent]);
    }

    free(j->sent);
    j->sent = NULL;
    j->fd = -1;
}
