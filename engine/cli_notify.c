/*
 * onestop notify (issue 16), thin like the rest of the tool:
 *
 *   notify --config FILE     the daemon (notify.c) until SIGTERM or SIGINT
 *   notify --status          counts per channel and event, the queue, the
 *                            dead letters and the group's lag, as JSON
 *   notify --dead            the dead letters, one JSON object a line
 *                            (the recipient masked)
 *   notify --retry [CODE]    every dead letter (or a dossier's) back in
 *                            the retry queue, which a running notifier
 *                            sends from
 *   notify --drop [CODE]     every dead letter (or a dossier's) removed:
 *                            given up for good, its contacts with it
 *
 * The caller (cli.c) has taken the store owner's identity already.
 */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "onestop_cli.h"
#include "onestop_notify.h"
#include "onestop_replica.h"


static volatile int  stopping;


static void
on_signal(int sig)
{
    stopping = 1;
}


static void
iso(int64_t ms, char *buf, size_t size)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) (ms / 1000);
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


static int
status(onestop_store_t *st)
{
    unsigned                 ch, ev, k;
    char                     when[32];
    onestop_notify_status_t  s;

    if (onestop_store_read_begin(st) != ONESTOP_OK
        || onestop_notify_status(st, &s) != 0)
    {
        onestop_store_read_end(st);
        return onestop_cli_fail("the store cannot be read: %s",
                                onestop_store_strerror(st));
    }

    onestop_store_read_end(st);
    printf("{\"channels\": {");

    for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
        printf("%s\"%s\": {", ch ? ", " : "",
               onestop_notify_channel_name(ch));

        for (ev = 0; ev < ONESTOP_EV_COUNT; ev++) {
            printf("%s\"%s\": {", ev ? ", " : "",
                   onestop_notify_event_name(ev));

            for (k = 0; k < ONESTOP_NC_COUNT; k++) {
                printf("%s\"%s\": %llu", k ? ", " : "",
                       onestop_notify_count_name(k),
                       (unsigned long long) s.count[ch][ev][k]);
            }

            printf("}");
        }

        printf("}");
    }

    printf("}, \"queued\": %llu, \"dead\": %llu",
           (unsigned long long) s.queued, (unsigned long long) s.dead);

    if (s.lag >= 0) {
        iso(s.lag_at_ms, when, sizeof(when));
        printf(", \"lag\": %lld, \"pending\": %lld, \"lag_at\": \"%s\"",
               (long long) s.lag, (long long) s.pending, when);
    } else {
        printf(", \"lag\": null, \"pending\": null, \"lag_at\": null");
    }

    printf("}\n");
    return 0;
}


static void
print_dead(void *ctx, const onestop_notify_queued_t *q)
{
    char           to[64], when[32];
    const char    *m;
    onestop_buf_t  b;

    /* every string through the JSON escaper: the error is a gateway's
     * own words, the masked address keeps some of the citizen's */

    memset(&b, 0, sizeof(b));
    iso(q->at_ms, when, sizeof(when));
    m = onestop_notify_mask(q->msg.to, to);

    onestop_buf_adds(&b, "{\"code\": ");
    onestop_json_str(&b, q->id.code, strlen(q->id.code));
    onestop_buf_printf(&b, ", \"version\": %llu, \"event\": \"%s\", "
                       "\"channel\": \"%s\", \"to\": ",
                       (unsigned long long) q->id.version,
                       onestop_notify_event_name(q->id.ev),
                       onestop_notify_channel_name(q->id.ch));
    onestop_json_str(&b, m, strlen(m));
    onestop_buf_printf(&b, ", \"attempts\": %u, \"failed_at\": \"%s\", "
                       "\"error\": ", q->attempts, when);
    onestop_json_str(&b, q->error, strlen(q->error));
    onestop_buf_adds(&b, "}\n");

    if (!b.failed) {
        fwrite(b.data, 1, b.len, stdout);
    }

    onestop_buf_free(&b);
}


/* the guide's step the notifier depends on: without onestop_redis ...
 * log=on the store writes no {prefix}:log, and a notifier would read an
 * empty stream for ever without a word */

static void
log_off_said(onestop_store_t *st, const onestop_notify_conf_t *conf)
{
    onestop_replica_status_t  s;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return;
    }

    if (onestop_replica_status(st, &s) == 0 && !s.log) {
        onestop_notify_say("the store keeps no log of its changes (\"log\": "
                           "false in onestop status): until nginx's "
                           "onestop_redis has log=on (prefix=%s) and is "
                           "reloaded, %s:log stays empty and nothing is "
                           "told", conf->prefix, conf->prefix);
    }

    onestop_store_read_end(st);
}


int
onestop_cli_notify(const char *dir, int argc, char **argv)
{
    int                     c, mode, rc;
    long                    n;
    char                    err[1024];
    const char             *config;
    onestop_store_t        *st;
    onestop_notify_conf_t   conf;
    struct sigaction        sa;

    static const struct option  options[] = {
        { "config", required_argument, NULL, 'c' },
        { "status", no_argument, NULL, 's' },
        { "dead", no_argument, NULL, 'd' },
        { "retry", no_argument, NULL, 'r' },
        { "drop", no_argument, NULL, 'x' },
        { NULL, 0, NULL, 0 }
    };

    config = NULL;
    mode = 0;
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
        case 'd':
        case 'r':
        case 'x':
            mode = c;
            break;
        case ':':
            return onestop_cli_usage_error("%s needs a value",
                                           argv[optind - 1]);
        default:
            return onestop_cli_usage_error("unknown option \"%s\" of notify",
                                           argv[optind - 1]);
        }
    }

    if (mode == 0 && config == NULL) {
        return onestop_cli_usage_error("notify needs --config FILE, "
                                       "--status, --dead, --retry or "
                                       "--drop");
    }

    if (optind < argc && mode != 'r' && mode != 'x') {
        return onestop_cli_usage_error("notify: unexpected \"%s\"",
                                       argv[optind]);
    }

    if (mode == 0 && onestop_notify_conf_load(&conf, config, err,
                                              sizeof(err)) != 0)
    {
        return onestop_cli_fail("%s%s", err,
                                onestop_cli_denied_hint(err, 0));
    }

    st = onestop_cli_store_open(dir, 0);

    if (st == NULL) {
        return 1;
    }

    rc = 0;

    if (mode == 's') {
        rc = status(st);

    } else if (mode == 'd') {
        n = onestop_notify_dead(st, print_dead, NULL);
        rc = n < 0 ? onestop_cli_fail("the store cannot be read") : 0;

    } else if (mode == 'r') {
        n = onestop_notify_retry(st, optind < argc ? argv[optind] : NULL);
        rc = n < 0 ? onestop_cli_fail("the store refused the retry: %s",
                                      onestop_store_strerror(st))
                   : (printf("{\"retried\": %ld}\n", n), 0);

    } else if (mode == 'x') {
        n = onestop_notify_drop(st, optind < argc ? argv[optind] : NULL);
        rc = n < 0 ? onestop_cli_fail("the store refused the removal: %s",
                                      onestop_store_strerror(st))
                   : (printf("{\"dropped\": %ld}\n", n), 0);

    } else {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        setvbuf(stderr, NULL, _IOLBF, 0);
        log_off_said(st, &conf);

        if (onestop_notify_daemon(st, &conf, &stopping, err, sizeof(err))
            != 0)
        {
            rc = onestop_cli_fail("%s", err);
        }

        onestop_notify_conf_free(&conf);
    }

    onestop_store_close(st);
    fflush(stdout);

    return rc;
}
