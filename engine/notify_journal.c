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
 * Calls nothing of the engine but onestop_notify_say.  notify.c's only.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onestop_notify.h"


int
onestop_notify_journal_open(onestop_notify_journal_t *j, const char *dir,
    const char *consumer, char *err, size_t errlen)
{
    char         old[1300];
    struct stat  sb;

    memset(j, 0, sizeof(onestop_notify_journal_t));
    j->dir = dir;
    snprintf(j->path, sizeof(j->path), "%s/journal.%s", dir, consumer);

    if (stat(j->path, &sb) == 0 && sb.st_size > 0) {
        snprintf(old, sizeof(old), "%s.%lld-%ld", j->path,
                 (long long) time(NULL), (long) getpid());

        if (rename(j->path, old) != 0) {
            onestop_notify_say("journal %s: %s", j->path, strerror(errno));
        }
    }

    j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

    if (j->fd < 0) {
        snprintf(err, errlen, "cannot open the journal \"%s\": %s",
                 j->path, strerror(errno));
        return -1;
    }

    onestop_notify_journal_load(j);
    return 0;
}


void
onestop_notify_journal_load(onestop_notify_journal_t *j)
{
    DIR            *dir;
    FILE           *f;
    char            path[2400], line[256], **more;
    size_t          n;
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
        f = fopen(path, "r");

        while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
            n = strcspn(line, "\n");
            line[n] = '\0';

            if (n == 0 || (j->nsent & 1023) == 0) {
                more = n == 0 ? j->sent
                       : realloc(j->sent, (j->nsent + 1024) * sizeof(char *));

                if (more == NULL) {
                    break;
                }

                j->sent = more;

                if (n == 0) {
                    continue;
                }
            }

            j->sent[j->nsent] = strdup(line);
            j->nsent += j->sent[j->nsent] != NULL;
        }

        if (f != NULL) {
            fclose(f);
        }
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
