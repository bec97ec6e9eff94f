/*
 * onestop's replication commands (issue 14), thin like the rest of the
 * tool: each calls the engine (onestop_replica.h) and prints the store's
 * state as JSON.
 *
 *   status          {"role", "seq", "digest", "follows", "published", "log"}
 *   promote         a follower's store becomes a primary's
 *   follow PREFIX   the store becomes a follower of the primary that
 *                   publishes under PREFIX (a store seeded from a backup,
 *                   or a new empty one)
 *
 * The caller (cli.c) has taken the store owner's identity already.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onestop_cli.h"
#include "onestop_cli_replica.h"
#include "onestop_replica.h"
#include "onestop_store.h"


static int
replica_fail(const char *fmt, const char *a, const char *b)
{
    fputs("onestop: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);

    return 1;
}


/* a JSON string of printable ASCII (a prefix) */
static void
print_string(const char *s)
{
    putchar('"');

    for ( /* void */ ; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\') {
            putchar('\\');
        }

        putchar(*s);
    }

    putchar('"');
}


static int
replica_print(onestop_store_t *st)
{
    onestop_replica_status_t  s;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return replica_fail("cannot read the store: %s%s",
                            onestop_store_strerror(st), "");
    }

    if (onestop_replica_status(st, &s) != 0) {
        onestop_store_read_end(st);
        return replica_fail("cannot read the store's replication state: "
                            "it is damaged (restore it from a backup)%s%s",
                            "", "");
    }

    onestop_store_read_end(st);

    printf("{\"role\": \"%s\", \"seq\": %llu, \"digest\": \"%s\", "
           "\"follows\": ",
           s.role == ONESTOP_ROLE_FOLLOWER ? "follower" : "primary",
           (unsigned long long) s.seq, s.digest);

    if (s.role == ONESTOP_ROLE_FOLLOWER) {
        print_string(s.follows);
    } else {
        fputs("null", stdout);
    }

    printf(", \"published\": %llu, \"log\": %s}\n",
           (unsigned long long) s.published, s.log ? "true" : "false");

    return 0;
}


int
onestop_cli_replica(const char *dir, const char *cmd, int argc, char **argv)
{
    int               rc, follow;
    char              err[512];
    onestop_store_t  *st;

    follow = strcmp(cmd, "follow") == 0;

    if (!follow && strcmp(cmd, "status") != 0 && strcmp(cmd, "promote") != 0)
    {
        return -1;
    }

    if (argc != (follow ? 1 : 0)) {
        replica_fail("%s %s (onestop --help)", cmd,
                     follow ? "needs one argument, the primary's prefix"
                            : "takes no argument");
        return 2;
    }

    st = onestop_cli_store_open(dir, follow);

    if (st == NULL) {
        return 1;
    }

    rc = 0;

    if (follow) {
        if (onestop_replica_follow(st, argv[0], strlen(argv[0]), err,
                                   sizeof(err)) != 0)
        {
            rc = replica_fail("follow: %s%s", err, "");
        }

    } else if (strcmp(cmd, "promote") == 0) {
        switch (onestop_replica_promote(st, err, sizeof(err))) {

        case 0:
            break;

        case 1:
            fprintf(stderr, "onestop: the store is a primary already: "
                    "nothing changed\n");
            break;

        default:
            rc = replica_fail("promote: %s%s", err, "");
        }
    }

    if (rc == 0) {
        rc = replica_print(st);
    }

    onestop_store_close(st);
    return rc;
}
