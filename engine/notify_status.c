/*
 * The notifier's counts and state as --status and /metrics show them
 * (issue 16): read from the store's database `notify` (notify_db.c writes
 * it; lmdb-schema/README.md) on the caller's read, by the CLI and by the
 * nginx module alike.
 *
 * Calls notify_conf.c (the names), store.c (the read).
 */

#include <stdio.h>
#include <string.h>

#include "onestop_notify.h"
#include "onestop_store_int.h"


int
onestop_notify_status(onestop_store_t *st, onestop_notify_status_t *s)
{
    int          rc;
    uint8_t      start[1];
    const uint8_t  *k;
    MDB_val      kv, dv;
    MDB_txn     *txn;
    MDB_cursor  *c;

    memset(s, 0, sizeof(onestop_notify_status_t));
    s->lag = -1;
    s->pending = -1;

    if (!st->has_notify) {
        return 0;
    }

    txn = st->rtxn;

    if (txn == NULL || !st->reading) {
        return -1;
    }

    if (mdb_cursor_open(txn, st->notify, &c) != 0) {
        return -1;
    }

    start[0] = 'C';
    kv.mv_data = start;
    kv.mv_size = 1;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);

    while (rc == 0) {
        k = kv.mv_data;

        if (k[0] == 'C' && kv.mv_size == 4 && dv.mv_size == 8
            && k[1] < ONESTOP_NCH_COUNT && k[2] < ONESTOP_EV_COUNT
            && k[3] < ONESTOP_NC_COUNT)
        {
            memcpy(&s->count[k[1]][k[2]][k[3]], dv.mv_data, 8);
            s->any = 1;

        } else if (k[0] == 'D') {
            s->dead++;

        } else if (k[0] == 'M' && kv.mv_size == 4
                   && memcmp(k, "Mlag", 4) == 0 && dv.mv_size == 24)
        {
            memcpy(&s->lag, dv.mv_data, 8);
            memcpy(&s->pending, (uint8_t *) dv.mv_data + 8, 8);
            memcpy(&s->lag_at_ms, (uint8_t *) dv.mv_data + 16, 8);
            s->any = 1;

        } else if (k[0] == 'Q') {
            s->queued++;

        } else if (k[0] == 'S') {
            /* the sent-log: skip past it */
            kv.mv_data = (void *) "T";
            kv.mv_size = 1;
            rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
            continue;
        }

        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }

    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : -1;
}


void
onestop_notify_metrics(onestop_store_t *st, onestop_buf_t *b)
{
    unsigned                 ch, ev, k;
    onestop_notify_status_t  s;

    static const char  *help[ONESTOP_NC_COUNT] = {
        "Notifications sent to citizens",
        "Notification attempts that failed (retried, or dead-lettered)",
        "Notifications given up (dead letters)"
    };

    if (onestop_notify_status(st, &s) != 0 || !s.any) {
        return;
    }

    for (k = 0; k < ONESTOP_NC_COUNT; k++) {
        onestop_buf_printf(b, "# HELP onestop_notify_%s_total %s, by channel "
                           "and event.\n# TYPE onestop_notify_%s_total "
                           "counter\n", onestop_notify_count_name(k), help[k],
                           onestop_notify_count_name(k));

        for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
            for (ev = 0; ev < ONESTOP_EV_COUNT; ev++) {
                onestop_buf_printf(b, "onestop_notify_%s_total{channel=\"%s\","
                                   "event=\"%s\"} %llu\n",
                                   onestop_notify_count_name(k),
                                   onestop_notify_channel_name(ch),
                                   onestop_notify_event_name(ev),
                                   (unsigned long long) s.count[ch][ev][k]);
            }
        }
    }

    onestop_buf_printf(b,
        "# HELP onestop_notify_queued Notifications waiting for a retry.\n"
        "# TYPE onestop_notify_queued gauge\n"
        "onestop_notify_queued %llu\n"
        "# HELP onestop_notify_dead_letters Dead letters kept "
        "(onestop notify --dead).\n"
        "# TYPE onestop_notify_dead_letters gauge\n"
        "onestop_notify_dead_letters %llu\n",
        (unsigned long long) s.queued, (unsigned long long) s.dead);

    if (s.lag >= 0) {
        onestop_buf_printf(b,
            "# HELP onestop_notify_lag Entries of the log not yet read by "
            "the consumer group notify.\n"
            "# TYPE onestop_notify_lag gauge\n"
            "onestop_notify_lag %lld\n"
            "# HELP onestop_notify_pending Entries read and not yet "
            "acknowledged.\n"
            "# TYPE onestop_notify_pending gauge\n"
            "onestop_notify_pending %lld\n",
            (long long) s.lag, (long long) s.pending);
    }
}
