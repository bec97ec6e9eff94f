/*
 * The command-line tool's replication commands (cli_replica.c): status,
 * promote, follow.  Not part of libonestop.
 */

#ifndef ONESTOP_CLI_REPLICA_H
#define ONESTOP_CLI_REPLICA_H

/*
 * Runs `cmd` on the store in `dir` when it is one of the replication
 * commands ("status", "promote", "follow PREFIX"; argv: the arguments
 * after it): its exit status.  -1 when cmd is none of them.
 */
int onestop_cli_replica(const char *dir, const char *cmd, int argc,
    char **argv);

#endif /* ONESTOP_CLI_REPLICA_H */
