/*
 * What nginx's configuration says that the CLI's writes must do alike,
 * recorded in the store's meta (lmdb-schema/README.md) when nginx opens
 * it, and read back by the CLI, which is not given nginx's configuration:
 * the outbox's bound (onestop_outbox_max), the days the change log keeps
 * (onestop_changelog_days), the grace days of published figures
 * (onestop_report_grace_days), and the working days and office hours
 * (onestop_calendar, onestop_office_hours: an online dossier's received
 * moment, Điều 9.1, and a question's due date, Điều 13.3).  Each is
 * written only when it changed (no write lock at every open).
 *
 * The calendar's value is onestop_calendar_text()'s: the office hours,
 * then the dates.
 *
 * Calls store.c (meta) and calendar.c.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_calendar.h"
#include "onestop_changes.h"
#include "onestop_store_int.h"


static unsigned store_changelog_days(onestop_store_t *st,
    const onestop_store_conf_t *conf);
static unsigned store_grace_days(onestop_store_t *st,
    const onestop_store_conf_t *conf);


void
onestop_store_settings(onestop_store_t *st, const onestop_store_conf_t *conf)
{
    if ((conf->outbox_max || conf->changelog_days) && !conf->readonly) {
        MDB_txn   *wtxn;
        uint64_t   max, days;

        max = conf->outbox_max;
        days = conf->changelog_days > 0 ? (uint64_t) conf->changelog_days : 0;

        /* written when they change: no write lock at every open */

        if (((max != 0
              && !onestop_store_meta_is(st, ONESTOP_META_OUTBOX_MAX, max))
             || (conf->changelog_days != 0
                 && !onestop_store_meta_is(st, ONESTOP_META_CHANGELOG_DAYS,
                                           days)))
            && mdb_txn_begin(st->env, NULL, 0, &wtxn) == 0)
        {
            if ((max == 0
                 || onestop_meta_put(wtxn, st->meta, ONESTOP_META_OUTBOX_MAX,
                                     &max, 8) == 0)
                && (conf->changelog_days == 0
                    || onestop_meta_put(wtxn, st->meta,
                                        ONESTOP_META_CHANGELOG_DAYS, &days, 8)
                       == 0))
            {
                mdb_txn_commit(wtxn);
            } else {
                mdb_txn_abort(wtxn);
            }
        }
    }

    st->changelog_days = store_changelog_days(st, conf);
    st->grace_days = store_grace_days(st, conf);

    if (conf->calendar_set && !conf->readonly) {
        onestop_store_calendar_record(st, conf->calendar);

    } else if (!conf->calendar_set && conf->calendar == NULL) {
        st->own_calendar = onestop_store_calendar_recorded(st);
        st->calendar = st->own_calendar;
    }

}


/* the days the change log keeps: the configuration's, else what the
 * store records (nginx writes it at each open, for the CLI), else 31 */

static unsigned
store_changelog_days(onestop_store_t *st, const onestop_store_conf_t *conf)
{
    MDB_txn   *txn;
    MDB_val    k, v;
    uint64_t   days;

    if (conf->changelog_days != 0) {
        return conf->changelog_days > 0 ? (unsigned) conf->changelog_days : 0;
    }

    days = ONESTOP_CHANGES_DAYS;

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) == 0) {
        k.mv_data = (void *) ONESTOP_META_CHANGELOG_DAYS;
        k.mv_size = strlen(ONESTOP_META_CHANGELOG_DAYS);

        if (mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 8) {
            memcpy(&days, v.mv_data, 8);
        }

        mdb_txn_abort(txn);
    }

    return days <= 36500 ? (unsigned) days : ONESTOP_CHANGES_DAYS;
}


/* the grace days of published figures (issue 18): the configuration's,
 * recorded so that the CLI's writes freeze on the same day as nginx's,
 * else what the store records, else 5 */

static unsigned
store_grace_days(onestop_store_t *st, const onestop_store_conf_t *conf)
{
    MDB_txn   *txn;
    MDB_val    k, v;
    uint64_t   days;

    if (conf->grace_set && conf->grace_days <= ONESTOP_GRACE_DAYS_MAX) {
        days = conf->grace_days;

        if (!conf->readonly
            && !onestop_store_meta_is(st, ONESTOP_META_GRACE_DAYS, days)
            && mdb_txn_begin(st->env, NULL, 0, &txn) == 0)
        {
            if (onestop_meta_put(txn, st->meta, ONESTOP_META_GRACE_DAYS,
                                 &days, 8) == 0)
            {
                mdb_txn_commit(txn);
            } else {
                mdb_txn_abort(txn);
            }
        }

        return conf->grace_days;
    }

    days = ONESTOP_GRACE_DAYS_DEFAULT;

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) == 0) {
        k.mv_data = (void *) ONESTOP_META_GRACE_DAYS;
        k.mv_size = strlen(ONESTOP_META_GRACE_DAYS);

        if (mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 8) {
            memcpy(&days, v.mv_data, 8);
        }

        mdb_txn_abort(txn);
    }

    return days <= ONESTOP_GRACE_DAYS_MAX ? (unsigned) days
                                          : ONESTOP_GRACE_DAYS_DEFAULT;
}


void
onestop_store_calendar_record(onestop_store_t *st,
    const onestop_calendar_t *cal)
{
    char     *text;
    size_t    len;
    MDB_txn  *txn;
    MDB_val   k, v;
    int       same;

    text = onestop_calendar_text(cal, &len);

    if (text == NULL) {
        return;
    }

    k.mv_data = (void *) ONESTOP_META_CALENDAR;
    k.mv_size = strlen(ONESTOP_META_CALENDAR);
    same = 0;

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) == 0) {
        same = mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == len
               && memcmp(v.mv_data, text, len) == 0;
        mdb_txn_abort(txn);
    }

    if (!same && mdb_txn_begin(st->env, NULL, 0, &txn) == 0) {
        if (onestop_meta_put(txn, st->meta, ONESTOP_META_CALENDAR, text, len)
            == 0)
        {
            mdb_txn_commit(txn);
        } else {
            mdb_txn_abort(txn);
        }
    }

    free(text);
}


onestop_calendar_t *
onestop_store_calendar_recorded(onestop_store_t *st)
{
    char                 err[256];
    MDB_txn             *txn;
    MDB_val              k, v;
    onestop_calendar_t  *cal;

    cal = NULL;
    k.mv_data = (void *) ONESTOP_META_CALENDAR;
    k.mv_size = strlen(ONESTOP_META_CALENDAR);

    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) == 0) {
        if (mdb_get(txn, st->meta, &k, &v) == 0) {
            /* one this build cannot read: weekends only, as before */
            cal = onestop_calendar_from_text(v.mv_data, v.mv_size, err,
                                             sizeof(err));
        }

        mdb_txn_abort(txn);
    }

    return cal;
}
