/*
 * verify: every counter recomputed from the records and compared with the
 * stored one.  The idea: the same deltas a write uses (counters.c), fed
 * with every record instead of a batch's, are the counters the store
 * should hold; one tag of series at a time, and the cells in passes over
 * the agencies, so that the expected blocks fit in memory.  Each stored
 * block is then looked up among them, and what is left unseen is missing.
 * Only reads: the store's read transaction.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_feedback.h"
#include "onestop_store_int.h"


static void
describe_key(onestop_buf_t *report, const uint8_t *k, size_t len)
{
    char      tag;
    unsigned  month;

    tag = ONESTOP_SERIES_TAG((char) k[0]);
    onestop_buf_printf(report, "%c", tag);

    if (tag != ONESTOP_SERIES_PROVINCE && len >= ONESTOP_SERIES_AGENCY_LEN) {
        onestop_buf_printf(report, " agency %u", get_be32(k + 1));
    }

    if (tag == ONESTOP_SERIES_CELL && len >= ONESTOP_SERIES_CELL_LEN) {
        onestop_buf_printf(report, " procedure %u", get_be32(k + 5));
    }

    if (tag == ONESTOP_SERIES_RETURN) {
        onestop_buf_printf(report, " return channel %s",
                           onestop_return_channel_name(k[len - 4]));
    } else {
        onestop_buf_printf(report, " channel %s",
                           onestop_channel_name(k[len - 3]));
    }

    month = get_be16(k + len - ONESTOP_SERIES_MONTH_LEN);

    if (month == ONESTOP_MONTH_ALL_TIME) {
        onestop_buf_adds(report, " all time");
    } else if (month >= ONESTOP_MONTH_YEARS) {
        onestop_buf_printf(report, " year %04u", ONESTOP_MONTH_ORIGIN
                                                 + month - ONESTOP_MONTH_YEARS);
    } else {
        onestop_buf_printf(report, " month %04u-%02u",
                           ONESTOP_MONTH_ORIGIN + month / 12, month % 12 + 1);
    }
}


/* a difference's line: what, then the block's key */

static void
report_key(onestop_buf_t *report, const char *what, const uint8_t *k,
    size_t len)
{
    onestop_buf_adds(report, what);
    describe_key(report, k, len);
    onestop_buf_adds(report, "\n");
}


/* the stored blocks of one key range (the months' or the years' of a tag:
 * ONESTOP_SERIES_YEARS) of this pass, against the expected ones: the
 * number of differences; seen[] marks the expected ones found */

static long
verify_range(MDB_cursor *cur, char range, uint32_t npasses, uint32_t pass,
    onestop_deltas_t *d, uint8_t *seen, onestop_buf_t *report)
{
    int                     rc;
    long                    diffs, slot;
    uint32_t                agency;
    MDB_val                 key, val;
    onestop_month_block_t   blk;
    const onestop_delta_t  *e;

    diffs = 0;
    key.mv_data = &range;
    key.mv_size = 1;

    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
         rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    {
        const uint8_t  *kp = key.mv_data;

        if (kp[0] != (uint8_t) range) {
            break;
        }

        agency = ONESTOP_SERIES_TAG(range) == ONESTOP_SERIES_PROVINCE
                 ? 0 : get_be32(kp + 1);

        if (agency % npasses != pass) {
            continue;
        }

        slot = onestop_deltas_find(d, kp, key.mv_size);

        if (slot < 0) {
            report_key(report, "stored but not in any record: ", kp,
                       key.mv_size);
            diffs++;
            continue;
        }

        e = onestop_deltas_slot(d, (size_t) slot);
        seen[slot] = 1;

        if (onestop_block_decode(val.mv_data, val.mv_size, e->kind, &blk)
            != 0)
        {
            report_key(report, "unreadable: ", kp, key.mv_size);
            diffs++;
            continue;
        }

        if (memcmp(blk.tot, e->b->tot, sizeof(blk.tot)) != 0
            || (e->kind != ONESTOP_BLOCK_TOTAL
                && memcmp(blk.day, e->b->day, sizeof(blk.day)) != 0))
        {
            report_key(report, "differs: ", kp, key.mv_size);
            diffs++;
        }
    }

    if (rc != 0 && rc != MDB_NOTFOUND) {
        /* the range not read to its end: never an "ok" */
        onestop_buf_printf(report, "counters of '%c' not read to the end: "
                           "%s\n", range, mdb_strerror(rc));
        diffs++;
    }

    return diffs;
}


long
onestop_store_verify(onestop_store_t *st, onestop_buf_t *report)
{
    return onestop_store_verify_progress(st, report, NULL, NULL);
}


long
onestop_store_verify_progress(onestop_store_t *st, onestop_buf_t *report,
    onestop_progress_pt progress, void *ctx)
{
    int                     rc, t;
    char                    tag;
    long                    diffs, slot;
    size_t                  i, nslots;
    uint32_t                pass, npasses;
    uint64_t                done, total;
    MDB_val                 key, val;
    MDB_stat                ms;
    MDB_cursor             *cur;
    onestop_record_t        r;
    onestop_deltas_t       *d;
    const onestop_delta_t  *e;
    uint8_t                *seen;

    static const char  tags[] = {
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL,
        ONESTOP_SERIES_RETURN
    };

    if (!st->reading) {
        return -1;
    }

    d = onestop_deltas_create();

    if (d == NULL) {
        return -1;
    }

    diffs = 0;
    done = 0;
    total = 0;

    /* every record is read once per pass: 1 + 1 + 8 + 1 passes */

    if (progress != NULL && mdb_stat(st->rtxn, st->dossiers, &ms) == 0) {
        total = (uint64_t) ms.ms_entries * 11;
    }

    for (t = 0; t < (int) sizeof(tags); t++) {
        tag = tags[t];
        npasses = tag == ONESTOP_SERIES_CELL ? 8 : 1;

        for (pass = 0; pass < npasses; pass++) {
            onestop_deltas_reset(d);

            /* expected, from every record */

            if (mdb_cursor_open(st->rtxn, st->dossiers, &cur) != 0) {
                goto failed;
            }

            for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
                 rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
            {
                if (progress != NULL && (++done & 0xfff) == 0) {
                    progress(ctx, done, total);
                }

                if (onestop_record_decode(val.mv_data, val.mv_size, &r)
                    != 0)
                {
                    onestop_buf_printf(report, "dossier \"%.*s\": "
                                       "unreadable record\n",
                                       (int) key.mv_size,
                                       (char *) key.mv_data);
                    diffs++;
                    continue;
                }

                if (r.tombstone || r.agency_id % npasses != pass) {
                    continue;
                }

                if (onestop_deltas_series(d, &r, st->offset, tag) != 0) {
                    mdb_cursor_close(cur);
                    goto failed;
                }
            }

            mdb_cursor_close(cur);

            if (rc != MDB_NOTFOUND) {
                goto failed;
            }

            /* stored, against expected */

            nslots = onestop_deltas_slots(d);
            seen = calloc(nslots, 1);

            if (seen == NULL
                || mdb_cursor_open(st->rtxn, st->counters, &cur) != 0)
            {
                free(seen);
                goto failed;
            }

            /* the months' key range, then the years' */

            diffs += verify_range(cur, tag, npasses, pass, d, seen, report);
            diffs += verify_range(cur, ONESTOP_SERIES_YEARS(tag), npasses,
                                  pass, d, seen, report);

            mdb_cursor_close(cur);

            for (i = 0; i < nslots; i++) {
                e = onestop_deltas_slot(d, i);

                if (e != NULL && !seen[i]) {
                    report_key(report, "missing: ", e->key, e->klen);
                    diffs++;
                }
            }

            free(seen);
        }
    }

    onestop_deltas_destroy(d);

    /* the questions' counters and indexes (Điều 13) */

    slot = onestop_feedback_verify(st, report);

    if (progress != NULL) {
        progress(ctx, total, total);
    }

    return slot < 0 ? -1 : diffs + slot;

failed:

    onestop_deltas_destroy(d);
    return -1;
}
