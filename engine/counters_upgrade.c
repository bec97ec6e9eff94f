/*
 * The counters' years and all time made anew from their months: the
 * upgrade of a store of schema 3, 4 or 5 to 6 (store.c calls it in the
 * transaction that opens such a store read-write).  The idea: every year
 * and all-time block is a sum of months (a year's last day is its
 * December's), so one walk over the months in key order gives them all,
 * a series at a time, whatever layout the old ones had.
 *
 * It knows the blocks through counters.c and nothing of the store: it is
 * handed a transaction and the counters database.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_keys.h"


#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX
#define DAYS           ONESTOP_MONTH_DAYS

typedef onestop_month_block_t  month_block_t;


/*
 * Schema 3, 4 or 5 -> 6: every series' year blocks and its all-time
 * block, made from its month blocks under the series' tag in lower case
 * (ONESTOP_SERIES_YEARS).  Those found first are dropped: the years and
 * all time of schema 4 and 5 sat after each series' months, under its own
 * tag; schema 4's years lacked their last day (schema 5), and schema 2's
 * all-time blocks the counters of schema 3.  One series at a time: its
 * months' totals added up by year and for all time, its Decembers' last
 * day kept, its old blocks deleted on the way, the new ones put when the
 * series ends; then the cursor finds its place again by the key it had
 * reached.
 */

#define YEARS_MAX  ((ONESTOP_MONTH_ALL_TIME - ONESTOP_MONTH_YEARS) + 1)

typedef struct {
    int64_t         tot[ONESTOP_K_COUNT];
    int32_t         last[ONESTOP_K_COUNT];      /* December 31 */
} year_acc_t;

static int
series_block_put(MDB_txn *txn, MDB_dbi dbi, uint8_t *k, size_t slen,
    unsigned month, const month_block_t *blk, int kind)
{
    uint8_t  buf[ONESTOP_BLOCK_MAX];
    MDB_val  key, val;

    if (onestop_block_zero(blk, kind)) {
        return 0;
    }

    be16(k + slen, month);
    key.mv_data = k;
    key.mv_size = slen + ONESTOP_SERIES_MONTH_LEN;
    val.mv_data = buf;
    val.mv_size = onestop_block_encode(blk, kind, buf);

    return mdb_put(txn, dbi, &key, &val, 0);
}


static int
series_years_put(MDB_txn *txn, MDB_dbi dbi, const uint8_t *series,
    size_t slen, year_acc_t *acc, unsigned ylo, unsigned yhi)
{
    int            rc, c;
    unsigned       y;
    uint8_t        k[KEY_MAX];
    month_block_t  blk, all;

    memcpy(k, series, slen);
    k[0] = (uint8_t) ONESTOP_SERIES_YEARS((char) series[0]);
    memset(&blk, 0, sizeof(month_block_t));
    memset(&all, 0, sizeof(month_block_t));

    for (y = ylo; y <= yhi; y++) {
        memcpy(blk.tot, acc[y].tot, sizeof(blk.tot));

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            blk.day[c][DAYS - 1] = acc[y].last[c];
            all.tot[c] += acc[y].tot[c];
        }

        memset(&acc[y], 0, sizeof(year_acc_t));

        rc = series_block_put(txn, dbi, k, slen, ONESTOP_MONTH_YEARS + y,
                              &blk, ONESTOP_BLOCK_YEAR);
        if (rc != 0) {
            return rc;
        }
    }

    return series_block_put(txn, dbi, k, slen, ONESTOP_MONTH_ALL_TIME, &all,
                            ONESTOP_BLOCK_TOTAL);
}


/* every key of a tag deleted; an LMDB error code */

int
onestop_counters_drop(MDB_txn *txn, MDB_dbi dbi, char tag)
{
    int          rc;
    MDB_val      k, v;
    MDB_cursor  *cur;

    rc = mdb_cursor_open(txn, dbi, &cur);

    if (rc != 0) {
        return rc;
    }

    k.mv_data = &tag;
    k.mv_size = 1;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && ((const uint8_t *) k.mv_data)[0] == (uint8_t) tag;
         rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT))
    {
        rc = mdb_cursor_del(cur, 0);

        if (rc != 0) {
            break;
        }
    }

    mdb_cursor_close(cur);

    return rc == MDB_NOTFOUND || rc == EINVAL ? 0 : rc;
}


int
onestop_counters_upgrade6(MDB_txn *txn, MDB_dbi dbi)
{
    int              rc, c, have;
    size_t           slen, len;
    uint8_t          series[KEY_MAX], at[KEY_MAX];
    unsigned         month, y, ylo, yhi;
    int64_t          tot[ONESTOP_K_COUNT];
    year_acc_t      *acc;
    MDB_val          k, v;
    MDB_cursor      *cur;
    month_block_t    dec;
    const uint8_t   *kp;

    static const char  tags[] = {
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL,
        ONESTOP_SERIES_RETURN
    };

    for (c = 0; c < (int) sizeof(tags); c++) {
        rc = onestop_counters_drop(txn, dbi, ONESTOP_SERIES_YEARS(tags[c]));

        if (rc != 0) {
            return rc;
        }
    }

    acc = calloc(YEARS_MAX, sizeof(year_acc_t));

    if (acc == NULL) {
        return ENOMEM;
    }

    rc = mdb_cursor_open(txn, dbi, &cur);

    if (rc != 0) {
        free(acc);
        return rc;
    }

    have = 0;
    slen = 0;
    ylo = YEARS_MAX;
    yhi = 0;

    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);

    for ( ;; ) {
        /* the months' key range ends where the years' begins */
        kp = rc == 0 && ONESTOP_SERIES_TAG(*(const char *) k.mv_data)
                        == *(const char *) k.mv_data
             ? k.mv_data : NULL;
        len = kp != NULL ? onestop_series_len((char) kp[0]) : 0;

        if (kp != NULL && k.mv_size != len + ONESTOP_SERIES_MONTH_LEN) {
            rc = MDB_CORRUPTED;
            break;
        }

        if (have && (kp == NULL || len != slen
                     || memcmp(kp, series, slen) != 0))
        {
            /* the series ended: its years out, then back to the key
             * reached (the next series' first) */

            if (kp != NULL) {
                memcpy(at, kp, k.mv_size);
            }

            c = series_years_put(txn, dbi, series, slen, acc, ylo, yhi);

            if (c != 0) {
                rc = c;
                break;
            }

            have = 0;

            if (kp == NULL) {
                break;
            }

            k.mv_data = at;
            k.mv_size = len + ONESTOP_SERIES_MONTH_LEN;
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
            continue;
        }

        if (kp == NULL) {
            break;
        }

        if (!have) {
            memcpy(series, kp, len);
            slen = len;
            ylo = YEARS_MAX;
            yhi = 0;
            have = 1;
        }

        month = get_be16(kp + len);

        if (month < ONESTOP_MONTH_YEARS) {
            if (onestop_block_totals(v.mv_data, v.mv_size, tot) != 0) {
                rc = MDB_CORRUPTED;
                break;
            }

            y = onestop_year_key(month) - ONESTOP_MONTH_YEARS;
            ylo = y < ylo ? y : ylo;
            yhi = y > yhi ? y : yhi;

            for (c = 0; c < ONESTOP_K_COUNT; c++) {
                acc[y].tot[c] += tot[c];
            }

            if (month % 12 == 11) {
                /* December: its last day, for the year block */
                if (onestop_block_decode(v.mv_data, v.mv_size,
                                         ONESTOP_BLOCK_MONTH, &dec) != 0)
                {
                    rc = MDB_CORRUPTED;
                    break;
                }

                for (c = 0; c < ONESTOP_K_COUNT; c++) {
                    if ((ONESTOP_K_LAST_DAY >> c) & 1) {
                        acc[y].last[c] = dec.day[c][DAYS - 1];
                    }
                }
            }

            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);

        } else {
            /* a year or all-time block of schema 4 or 5: made anew */
            rc = mdb_cursor_del(cur, 0);

            if (rc == 0) {
                rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
                rc = rc == EINVAL ? MDB_NOTFOUND : rc;
            }
        }

        if (rc != 0 && rc != MDB_NOTFOUND) {
            break;
        }
    }

    mdb_cursor_close(cur);
    free(acc);

    return rc == MDB_NOTFOUND ? 0 : rc;
}
