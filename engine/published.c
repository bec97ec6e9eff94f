/*
 * Published figures (issue 18): the figures of a closed month, per
 * agency, frozen when the month closes plus the grace days
 * (onestop_report_grace_days), so that an official report cannot be
 * rewritten quietly by a later write.
 *
 * Three parts, all on the `published` database (lmdb-schema):
 *
 *   - freezing: the first write transaction that begins on or after a
 *     month's freeze day (its last day + 1 + the grace days) writes the
 *     month's figures of every agency, computed from the counters exactly
 *     as GET /api/v1/stats?from=M-01&to=M-last&group=agency gives them,
 *     before that transaction's own writes (onestop_published_catch_up);
 *   - noting: every later change of a record whose contribution to a
 *     frozen month of an agency changes leaves its code under that month
 *     and agency (onestop_published_note, from change.c, so a follower
 *     notes what its primary noted);
 *   - reading: `as=published` serves the frozen figures with, where
 *     today's differ, both values and the codes that changed them
 *     (onestop_published_stats, published_read.c's).  A month due but
 *     not yet frozen (no write since its freeze day) is read from today's
 *     counters, which are then exactly what freezing would write.
 *
 * This file freezes and notes.  Calls counters.c (blocks, months),
 * contrib.c and store.c's meta.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_date.h"
#include "onestop_published.h"
#include "onestop_store_int.h"


/*
 * The stored members of onestop_counts_t, in the order the 'F' values
 * keep them: a member added to the struct gets one line at the end (the
 * build fails until it has one); values frozen before it lack it, and
 * as=published gives today's figure for it there (it was never
 * published).  How several months combine: flows add up, carried_over
 * is the first month's, pending and pending_overdue the last one's.
 */

#define PUB_FIELD(name, member, kind)                                       \
    { name, offsetof(onestop_counts_t, member), ONESTOP_PUB_##kind }

const onestop_pub_field_t  onestop_pub_fields[] = {
    PUB_FIELD("carried_over", carried_over, FIRST),
    PUB_FIELD("received", received, FLOW),
    PUB_FIELD("received_direct", received_channel[ONESTOP_CH_DIRECT],
              FLOW),
    PUB_FIELD("received_online", received_channel[ONESTOP_CH_ONLINE],
              FLOW),
    PUB_FIELD("received_postal", received_channel[ONESTOP_CH_POSTAL],
              FLOW),
    PUB_FIELD("resolved_early", resolved_early, FLOW),
    PUB_FIELD("resolved_on_time", resolved_on_time, FLOW),
    PUB_FIELD("resolved_late", resolved_late, FLOW),
    PUB_FIELD("withdrawn", withdrawn, FLOW),
    PUB_FIELD("returned_postal", returned_postal, FLOW),
    PUB_FIELD("pending", pending, LAST),
    PUB_FIELD("pending_overdue", pending_overdue, LAST),
    PUB_FIELD("resolved_no_deadline", resolved_no_deadline, FLOW),
    PUB_FIELD("apologies_issued", apologies_issued, FLOW),
    PUB_FIELD("due_moved_late", due_moved_late, FLOW),
    PUB_FIELD("withdrawn_in_time", withdrawn_in_time, FLOW),
};

#define NFIELDS  (sizeof(onestop_pub_fields) / sizeof(onestop_pub_fields[0]))
#define VALUE_MAX  (1 + NFIELDS * 10)

const size_t  onestop_pub_nfields = NFIELDS;

_Static_assert(sizeof(onestop_pub_fields) / sizeof(onestop_pub_fields[0])
               == sizeof(onestop_counts_t) / sizeof(int64_t),
               "every member of onestop_counts_t needs a line in fields[]");


/* freezing: where a month's figures go */
typedef struct {
    MDB_txn            *txn;
    MDB_dbi             dbi;
} pub_put_t;


int64_t *
onestop_pub_member(onestop_counts_t *c, size_t i)
{
    return (int64_t *) ((char *) c + onestop_pub_fields[i].off);
}


int64_t
onestop_pub_value(const onestop_counts_t *c, size_t i)
{
    return *(const int64_t *) ((const char *) c + onestop_pub_fields[i].off);
}


static size_t
counts_encode(const onestop_counts_t *c, uint8_t *p)
{
    size_t    i, n;
    int64_t   v;
    uint64_t  z;

    n = 0;
    p[n++] = (uint8_t) NFIELDS;

    for (i = 0; i < NFIELDS; i++) {
        v = onestop_pub_value(c, i);
        z = ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);

        while (z >= 0x80) {
            p[n++] = (uint8_t) (z | 0x80);
            z >>= 7;
        }

        p[n++] = (uint8_t) z;
    }

    return n;
}


int
onestop_pub_decode(const uint8_t *p, size_t len, onestop_counts_t *c)
{
    size_t    i, n, pos;
    unsigned  shift;
    uint64_t  z;

    memset(c, 0, sizeof(onestop_counts_t));

    if (len == 0) {
        return -1;
    }

    n = p[0];
    pos = 1;

    for (i = 0; i < n; i++) {
        z = 0;

        for (shift = 0; ; shift += 7) {
            if (pos == len || shift > 63) {
                return -1;
            }

            z |= (uint64_t) (p[pos] & 0x7f) << shift;

            if (!(p[pos++] & 0x80)) {
                break;
            }
        }

        if (i < NFIELDS) {
            *onestop_pub_member(c, i) = (int64_t) (z >> 1)
                                        ^ -(int64_t) (z & 1);
        }
    }

    return (int) (n < NFIELDS ? n : NFIELDS);
}


/* the months frozen by `today`: those before the one returned (a month's
 * freeze day is its last day + 1 + grace) */

unsigned
onestop_published_due(onestop_day_t today, unsigned grace)
{
    unsigned  t;

    t = onestop_month_of(today, NULL);

    while (t > 0
           && onestop_month_first_day(t) + (onestop_day_t) grace > today)
    {
        t--;
    }

    return t;
}


/*
 * One agency series' figures for each month of lo .. hi, added into
 * acc[month - lo]: the prefix sums at the month's first day - 1, last day
 * - 1 and last day (as onestop_store_stats() takes them), walking the
 * series' month blocks forwards (its years and all-time block passed
 * over).  The cursor is left past the series.
 */

static int
series_months(MDB_cursor *cur, MDB_val *key, MDB_val *val, unsigned lo,
    unsigned hi, onestop_counts_t *acc, int *rcp)
{
    int             rc, zero;
    size_t          c;
    uint8_t         prefix[ONESTOP_SERIES_AGENCY_LEN];
    unsigned        m, bm, channel, nd;
    int64_t         cum[ONESTOP_K_COUNT], tot[ONESTOP_K_COUNT];
    int64_t         p1[ONESTOP_K_COUNT], p2[ONESTOP_K_COUNT];
    onestop_counts_t  one;

    memcpy(prefix, key->mv_data, ONESTOP_SERIES_AGENCY_LEN);
    channel = prefix[ONESTOP_SERIES_AGENCY_LEN - 1];
    memset(cum, 0, sizeof(cum));
    m = lo;
    rc = 0;

    while (rc == 0
           && key->mv_size
              == ONESTOP_SERIES_AGENCY_LEN + ONESTOP_SERIES_MONTH_LEN
           && memcmp(key->mv_data, prefix, ONESTOP_SERIES_AGENCY_LEN) == 0)
    {
        bm = get_be16((const uint8_t *) key->mv_data
                      + ONESTOP_SERIES_AGENCY_LEN);

        if (bm < ONESTOP_MONTH_YEARS) {
            if (onestop_block_totals(val->mv_data, val->mv_size, tot) != 0) {
                return -1;
            }

            /* the months without a block before this one: flat */

            for ( ; m <= hi && m < bm; m++) {
                for (c = 0, zero = 1; c < ONESTOP_K_COUNT; c++) {
                    zero &= cum[c] == 0;
                }

                if (!zero) {
                    onestop_counts_from_prefix(&one, channel, cum, cum, cum);
                    onestop_counts_add(&acc[m - lo], &one);
                }
            }

            if (m <= hi && m == bm) {
                nd = (unsigned) (onestop_month_first_day(m + 1)
                                 - onestop_month_first_day(m));
                memcpy(p1, cum, sizeof(p1));

                if (onestop_block_sum(val->mv_data, val->mv_size, nd - 2, p1)
                    != 0)
                {
                    return -1;
                }

                for (c = 0; c < ONESTOP_K_COUNT; c++) {
                    p2[c] = cum[c] + tot[c];
                }

                onestop_counts_from_prefix(&one, channel, cum, p1, p2);
                onestop_counts_add(&acc[m - lo], &one);
                m++;
            }

            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                cum[c] += tot[c];
            }
        }

        rc = mdb_cursor_get(cur, key, val, MDB_NEXT);
    }

    for (c = 0, zero = 1; c < ONESTOP_K_COUNT; c++) {
        zero &= cum[c] == 0;
    }

    for ( ; !zero && m <= hi; m++) {
        onestop_counts_from_prefix(&one, channel, cum, cum, cum);
        onestop_counts_add(&acc[m - lo], &one);
    }

    *rcp = rc;
    return 0;
}


/* every agency's figures of the months lo .. hi from the counters as of
 * txn, handed to sink (only figures that are not all zero); an LMDB error
 * code, or -1 */

int
onestop_published_figures(MDB_txn *txn, MDB_dbi dbi, unsigned lo,
    unsigned hi, onestop_pub_sink_pt sink, void *ctx)
{
    int                rc, have;
    uint8_t            seek = ONESTOP_SERIES_AGENCY;
    size_t             i, nm;
    uint32_t           agency, cur_agency;
    MDB_val            key, val;
    MDB_cursor        *cur;
    onestop_counts_t  *acc;

    nm = hi - lo + 1;
    acc = calloc(nm, sizeof(onestop_counts_t));

    if (acc == NULL) {
        return ENOMEM;
    }

    rc = mdb_cursor_open(txn, dbi, &cur);

    if (rc != 0) {
        free(acc);
        return rc;
    }

    key.mv_data = &seek;
    key.mv_size = 1;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
    have = 0;
    cur_agency = 0;

    for ( ;; ) {
        agency = 0;

        if (rc == 0
            && key.mv_size
               == ONESTOP_SERIES_AGENCY_LEN + ONESTOP_SERIES_MONTH_LEN
            && ((const uint8_t *) key.mv_data)[0] == ONESTOP_SERIES_AGENCY)
        {
            agency = get_be32((const uint8_t *) key.mv_data + 1);
        }

        if (have && agency != cur_agency) {
            /* an agency's series done (its channels are next to each
             * other): its months out */

            for (i = 0; i < nm; i++) {
                if (!onestop_counts_zero(&acc[i])
                    && (rc = sink(ctx, lo + (unsigned) i, cur_agency,
                                  &acc[i])) != 0)
                {
                    goto done;
                }
            }

            memset(acc, 0, nm * sizeof(onestop_counts_t));
            have = 0;
        }

        if (agency == 0) {
            break;
        }

        cur_agency = agency;
        have = 1;

        if (series_months(cur, &key, &val, lo, hi, acc, &rc) != 0) {
            rc = MDB_CORRUPTED;
            goto done;
        }
    }

    rc = rc == MDB_NOTFOUND ? 0 : rc;

done:

    mdb_cursor_close(cur);
    free(acc);

    return rc;
}


void
onestop_pub_key(uint8_t *k, int tag, unsigned month, uint32_t agency)
{
    k[0] = (uint8_t) tag;
    be16(k + 1, month);
    be32(k + 3, agency);
}


static int
put_sink(void *ctx, unsigned month, uint32_t agency,
    const onestop_counts_t *c)
{
    uint8_t     k[ONESTOP_PUB_KEY_LEN], v[VALUE_MAX];
    MDB_val     key, val;
    pub_put_t  *p = ctx;

    onestop_pub_key(k, ONESTOP_PUB_FIGURES, month, agency);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    val.mv_data = v;
    val.mv_size = counts_encode(c, v);

    return mdb_put(p->txn, p->dbi, &key, &val, 0);
}


/* where freezing stands: the store's first day of writes + 1 (0: none
 * yet), the first month not frozen, the first month not due by today; an
 * LMDB error code */

static int
published_state(onestop_store_t *st, MDB_txn *txn, onestop_day_t today,
    uint64_t *start, uint64_t *before, uint64_t *target)
{
    int  rc;

    if ((rc = onestop_meta_get_u64(txn, st->meta,
                                   ONESTOP_META_PUBLISHED_START, start))
        != 0
        || (rc = onestop_meta_get_u64(txn, st->meta,
                                      ONESTOP_META_PUBLISHED_BEFORE, before))
           != 0)
    {
        return rc;
    }

    *target = onestop_published_due(today, st->grace_days);

    return 0;
}


int
onestop_published_behind(onestop_store_t *st, MDB_txn *txn,
    onestop_day_t today)
{
    int       rc;
    uint64_t  start, before, target;

    if (!st->has_published) {
        return 0;
    }

    rc = published_state(st, txn, today, &start, &before, &target);

    if (rc != 0) {
        return rc;
    }

    return start == 0
           || ((uint64_t) today >= start && before < target);
}


int
onestop_published_catch_up(onestop_store_t *st, MDB_txn *txn,
    onestop_day_t today, int *froze)
{
    int        rc;
    uint64_t   start, before, target;
    pub_put_t  p;

    *froze = 0;

    if (!st->has_published) {
        return 0;
    }

    rc = published_state(st, txn, today, &start, &before, &target);

    if (rc != 0) {
        return rc;
    }

    /* the store's first day of writes (of a build that publishes): what
     * is loaded that day (a history, a demo) is in the months it freezes
     * the next day, not listed as written after them */

    if (start == 0) {
        start = (uint64_t) today + 1;
        rc = onestop_meta_put(txn, st->meta, ONESTOP_META_PUBLISHED_START,
                              &start, 8);
        *froze = rc == 0;
        return rc;
    }

    if ((uint64_t) today < start || before >= target) {
        return 0;
    }

    /* the first time on a store: every month before, a one-off */

    p.txn = txn;
    p.dbi = st->pubdb;
    rc = onestop_published_figures(txn, st->counters, (unsigned) before,
                                   (unsigned) target - 1, put_sink, &p);

    if (rc == 0) {
        rc = onestop_meta_put(txn, st->meta, ONESTOP_META_PUBLISHED_BEFORE,
                              &target, 8);
    }

    *froze = rc == 0;
    return rc;
}


/* noting: one record's figures of a month, from its events */

static void
record_month(const onestop_event_t *ev, size_t n, unsigned channel,
    unsigned month, onestop_counts_t *c)
{
    size_t         i;
    onestop_day_t  d0, d2;
    int64_t        p0[ONESTOP_K_COUNT], p1[ONESTOP_K_COUNT];
    int64_t        p2[ONESTOP_K_COUNT];

    memset(p0, 0, sizeof(p0));
    memset(p1, 0, sizeof(p1));
    memset(p2, 0, sizeof(p2));
    d0 = onestop_month_first_day(month) - 1;
    d2 = onestop_month_first_day(month + 1) - 1;

    for (i = 0; i < n; i++) {
        p0[ev[i].counter] += ev[i].day <= d0;
        p1[ev[i].counter] += ev[i].day <= d2 - 1;
        p2[ev[i].counter] += ev[i].day <= d2;
    }

    onestop_counts_from_prefix(c, channel, p0, p1, p2);
}


static int
note_put(onestop_store_t *st, MDB_txn *txn, unsigned month, uint32_t agency,
    const onestop_str_t *code)
{
    uint8_t   k[ONESTOP_PUB_KEY_LEN + ONESTOP_CODE_MAX];
    MDB_val   key, val;

    onestop_pub_key(k, ONESTOP_PUB_CHANGED, month, agency);
    memcpy(k + ONESTOP_PUB_KEY_LEN, code->data, code->len);
    key.mv_data = k;
    key.mv_size = ONESTOP_PUB_KEY_LEN + code->len;
    val.mv_data = k;
    val.mv_size = 0;

    return mdb_put(txn, st->pubdb, &key, &val, 0);
}


static unsigned
events_first_month(const onestop_event_t *ev, size_t n, unsigned lo)
{
    size_t         i;
    onestop_day_t  day0;

    day0 = onestop_month_first_day(0);

    for (i = 0; i < n; i++) {
        if (ev[i].day < day0) {
            return 0;
        }

        if (onestop_month_of(ev[i].day, NULL) < lo) {
            lo = onestop_month_of(ev[i].day, NULL);
        }
    }

    return lo;
}


int
onestop_published_note(onestop_store_t *st, MDB_txn *txn,
    const onestop_str_t *code, const onestop_record_t *old,
    const onestop_record_t *r)
{
    int               rc, moved;
    size_t            i, no, nn;
    uint64_t          before;
    unsigned          m, lo;
    onestop_event_t   eo[ONESTOP_EVENTS_MAX], en[ONESTOP_EVENTS_MAX];
    onestop_counts_t  co, cn;

    if (!st->has_published || code->len > ONESTOP_CODE_MAX) {
        return 0;
    }

    no = old != NULL ? onestop_contrib(old, st->offset, eo) : 0;
    nn = onestop_contrib(r, st->offset, en);
    moved = old != NULL && old->agency_id != r->agency_id;

    if (old != NULL && !moved && old->channel == r->channel && no == nn) {
        for (i = 0; i < no; i++) {
            if (eo[i].counter != en[i].counter || eo[i].day != en[i].day) {
                break;
            }
        }

        if (i == no) {
            return 0;       /* the same events: no figure moves */
        }
    }

    rc = onestop_meta_get_u64(txn, st->meta, ONESTOP_META_PUBLISHED_BEFORE,
                              &before);

    if (rc != 0 || before == 0) {
        return rc;
    }

    /* a month before every event of both versions sees neither */

    lo = events_first_month(en, nn, events_first_month(eo, no, 0xffff));

    for (m = lo; m < before; m++) {
        record_month(eo, no, old != NULL ? old->channel : 0, m, &co);
        record_month(en, nn, r->channel, m, &cn);

        if (!moved) {
            if (memcmp(&co, &cn, sizeof(co)) != 0) {
                rc = note_put(st, txn, m, r->agency_id, code);
            }

        } else {
            if (!onestop_counts_zero(&co)) {
                rc = note_put(st, txn, m, old->agency_id, code);
            }

            if (rc == 0 && !onestop_counts_zero(&cn)) {
                rc = note_put(st, txn, m, r->agency_id, code);
            }
        }

        if (rc != 0) {
            return rc;
        }
    }

    return 0;
}
