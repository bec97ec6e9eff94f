/*
 * What one dossier contributes to the counters, and how prefix sums of
 * the counters become the figures of a period (see onestop_stats.h for
 * the one idea).  A changed dossier takes back its old events and adds
 * its new ones, in the same transaction as the record itself.
 */

#include <string.h>

#include "onestop_history.h"
#include "onestop_stats.h"


/* a resolved dossier's result returned by post: 1 event, or 0 */

static size_t
returned_postal(const onestop_record_t *r, int32_t offset,
    onestop_event_t *ev)
{
    if (!r->t[ONESTOP_T_RETURNED].set
        || r->return_channel != ONESTOP_RET_POSTAL)
    {
        return 0;
    }

    ev->counter = ONESTOP_K_RETURNED_POSTAL;
    ev->day = onestop_ts_day(&r->t[ONESTOP_T_RETURNED], offset);

    return 1;
}


size_t
onestop_contrib(const onestop_record_t *r, int32_t offset,
    onestop_event_t *ev)
{
    size_t                n, i, nl;
    onestop_day_t         due, closed, moved;
    onestop_letter_t      letters[ONESTOP_LETTERS_MAX];
    onestop_timeliness_e  tl;

    if (r->tombstone) {
        return 0;
    }

    n = 0;

    ev[n].counter = ONESTOP_K_RECEIVED;
    ev[n++].day = onestop_ts_day(&r->t[ONESTOP_T_RECEIVED], offset);

    /* every apology letter, by its issue day (Điều 11.3) */

    nl = onestop_record_letters(r, letters);

    for (i = 0; i < nl; i++) {
        ev[n].counter = ONESTOP_K_APOLOGY;
        ev[n++].day = onestop_ts_day(&letters[i].issued, offset);
    }

    moved = onestop_history_moved_late(r, offset);

    if (moved != 0) {
        ev[n].counter = ONESTOP_K_DUE_MOVED_LATE;
        ev[n++].day = moved;
    }

    if (!r->t[ONESTOP_T_DUE].set) {

        /* no deadline (issue 18): received, and resolved or withdrawn,
         * never early, on time, late or overdue */

        if (r->t[ONESTOP_T_WITHDRAWN].set) {
            ev[n].counter = ONESTOP_K_WITHDRAWN;
            ev[n++].day = onestop_ts_day(&r->t[ONESTOP_T_WITHDRAWN], offset);
            ev[n].counter = ONESTOP_K_WITHDRAWN_BY_DUE;     /* no limit */
            ev[n].day = ev[n - 1].day;
            n++;

        } else if (r->t[ONESTOP_T_RESOLVED].set) {
            ev[n].counter = ONESTOP_K_NO_DEADLINE;
            ev[n++].day = onestop_ts_day(&r->t[ONESTOP_T_RESOLVED], offset);
            n += returned_postal(r, offset, &ev[n]);
        }

        return n;
    }

    due = onestop_ts_day(&r->t[ONESTOP_T_DUE], offset);

    ev[n].counter = ONESTOP_K_DUE;
    ev[n++].day = due;

    closed = 0;

    if (r->t[ONESTOP_T_WITHDRAWN].set) {
        closed = onestop_ts_day(&r->t[ONESTOP_T_WITHDRAWN], offset);
        ev[n].counter = ONESTOP_K_WITHDRAWN;
        ev[n++].day = closed;

        if (closed <= due) {
            ev[n].counter = ONESTOP_K_WITHDRAWN_BY_DUE;
            ev[n++].day = closed;
        }

    } else if (r->t[ONESTOP_T_RESOLVED].set) {
        closed = onestop_ts_day(&r->t[ONESTOP_T_RESOLVED], offset);
        tl = closed < due ? ONESTOP_TL_EARLY
             : closed == due ? ONESTOP_TL_ON_TIME : ONESTOP_TL_LATE;

        ev[n].counter = tl == ONESTOP_TL_EARLY ? ONESTOP_K_EARLY
                        : tl == ONESTOP_TL_ON_TIME ? ONESTOP_K_ON_TIME
                        : ONESTOP_K_LATE;
        ev[n++].day = closed;
        n += returned_postal(r, offset, &ev[n]);

    } else {
        return n;
    }

    if (closed <= due) {
        ev[n].counter = ONESTOP_K_CLOSED_BY_DUE;
        ev[n++].day = due;

    } else {
        ev[n].counter = ONESTOP_K_CLOSED_AFTER_DUE;
        ev[n++].day = closed;
    }

    return n;
}


void
onestop_counts_from_prefix(onestop_counts_t *c, unsigned channel,
    const int64_t *p0, const int64_t *p1, const int64_t *p2)
{
    int64_t  closed0, closed2;

    memset(c, 0, sizeof(onestop_counts_t));

    closed0 = p0[ONESTOP_K_EARLY] + p0[ONESTOP_K_ON_TIME]
              + p0[ONESTOP_K_LATE] + p0[ONESTOP_K_NO_DEADLINE]
              + p0[ONESTOP_K_WITHDRAWN];
    closed2 = p2[ONESTOP_K_EARLY] + p2[ONESTOP_K_ON_TIME]
              + p2[ONESTOP_K_LATE] + p2[ONESTOP_K_NO_DEADLINE]
              + p2[ONESTOP_K_WITHDRAWN];

    c->carried_over = p0[ONESTOP_K_RECEIVED] - closed0;
    c->received = p2[ONESTOP_K_RECEIVED] - p0[ONESTOP_K_RECEIVED];

    if (channel < ONESTOP_CH_COUNT) {
        c->received_channel[channel] = c->received;
    }

#define FLOW(k)  (p2[k] - p0[k])

    c->resolved_early = FLOW(ONESTOP_K_EARLY);
    c->resolved_on_time = FLOW(ONESTOP_K_ON_TIME);
    c->resolved_late = FLOW(ONESTOP_K_LATE);
    c->resolved_no_deadline = FLOW(ONESTOP_K_NO_DEADLINE);
    c->withdrawn = FLOW(ONESTOP_K_WITHDRAWN);
    c->returned_postal = FLOW(ONESTOP_K_RETURNED_POSTAL);
    c->apologies_issued = FLOW(ONESTOP_K_APOLOGY);
    c->due_moved_late = FLOW(ONESTOP_K_DUE_MOVED_LATE);
    c->withdrawn_in_time = FLOW(ONESTOP_K_WITHDRAWN_BY_DUE);

#undef FLOW

    c->pending = p2[ONESTOP_K_RECEIVED] - closed2;
    c->pending_overdue = p1[ONESTOP_K_DUE] - p1[ONESTOP_K_CLOSED_BY_DUE]
                         - p2[ONESTOP_K_CLOSED_AFTER_DUE];
}


void
onestop_counts_add(onestop_counts_t *dst, const onestop_counts_t *src)
{
    int64_t        *d;
    const int64_t  *s;
    size_t          i;

    d = (int64_t *) dst;
    s = (const int64_t *) src;

    for (i = 0; i < sizeof(onestop_counts_t) / sizeof(int64_t); i++) {
        d[i] += s[i];
    }
}


int
onestop_counts_zero(const onestop_counts_t *c)
{
    const int64_t  *s;
    size_t          i;

    s = (const int64_t *) c;

    for (i = 0; i < sizeof(onestop_counts_t) / sizeof(int64_t); i++) {
        if (s[i] != 0) {
            return 0;
        }
    }

    return 1;
}
