/*
 * The counters database's blocks: their bytes, the series keys, and the
 * upgrade of schema 1's.
 *
 * Counters are kept per series - the province by channel, an agency by
 * channel, a cell: agency, procedure, channel, an agency by return and
 * intake channel (ONESTOP_SERIES_*) - as one block per month (the
 * counters' month totals and their days), one block of totals per year
 * (and its last day of two counters) and one of all-time totals, these
 * two under the series' tag in lower case (ONESTOP_SERIES_YEARS), apart
 * from the months.  The idea that makes them small: a block keeps only
 * what is not zero, as varints (deltas.c adds a write's events to them).
 * A store of schema 1 (fixed-size blocks) is rewritten here when first
 * opened read-write; counters_upgrade.c makes the years of older schemas
 * anew.
 *
 * This file knows the blocks' bytes and nothing of the store: the store
 * hands it a transaction and a database (it calls nothing of store.c).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_keys.h"



#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX
#define DAYS           ONESTOP_MONTH_DAYS

typedef onestop_month_block_t  month_block_t;

unsigned
onestop_month_of(onestop_day_t day, unsigned *mday)
{
    int       y;
    unsigned  m, d;

    onestop_civil_from_days(day, &y, &m, &d);

    if (mday != NULL) {
        *mday = d - 1;
    }

    return (unsigned) ((y - ONESTOP_MONTH_ORIGIN) * 12 + (int) m - 1);
}


onestop_day_t
onestop_month_first_day(unsigned month)
{
    return onestop_days_from_civil(ONESTOP_MONTH_ORIGIN + (int) (month / 12),
                                   month % 12 + 1, 1);
}


unsigned
onestop_year_key(unsigned month)
{
    return ONESTOP_MONTH_YEARS + month / 12;
}


int
onestop_block_kind(unsigned month)
{
    return month == ONESTOP_MONTH_ALL_TIME ? ONESTOP_BLOCK_TOTAL
           : month >= ONESTOP_MONTH_YEARS ? ONESTOP_BLOCK_YEAR
           : ONESTOP_BLOCK_MONTH;
}


/*
 * The blocks as stored (schema 2): varints, only what is not zero.
 *
 *   month:    the month totals (zigzag varints), then per counter a
 *             varint bit mask of its days that are not zero and those
 *             days' values (zigzag varints); the totals are the sums of
 *             the days, kept apart so that a query reads them alone from
 *             every month but the few its days fall in
 *   all time: the totals (zigzag varints)
 *   year:     the totals (zigzag varints), then the year's last day of
 *             the counters of ONESTOP_K_LAST_DAY (a zigzag varint each,
 *             in counter order; schema 5): a one-year query's cut on
 *             December 30 is the year's end less them, and reads no
 *             December
 *
 * of the nine counters of schema 2 (ONESTOP_K_BASE), or, when one of the
 * counters issue 18 added after them is not zero, a marker byte 0x01, a
 * varint count, and that many counters (up to the last that is not zero):
 * a stored total is never negative, so a schema 2 block starts with an
 * even varint, a block without the later counters stays byte for byte
 * what an older build reads, and a build that knows more counters reads
 * the blocks of one that knew fewer.
 *
 * Most cells see a few dossiers a month: a month block is a few dozen
 * bytes instead of the 1,188 of the fixed layout of schema 1, so a
 * write dirties a few pages instead of dozens, and a query reads less.
 */

#define WIDE_MARK    0x01

/* schema 1's fixed layout: the block as it was in memory, i64 totals[9]
 * then i32 days[9][31] (and the struct's padding: 1,192 bytes) */
typedef struct {
    int64_t         tot[ONESTOP_K_BASE];
    int32_t         day[ONESTOP_K_BASE][DAYS];
} legacy_block_t;

#define LEGACY_TOTALS  sizeof(((legacy_block_t *) 0)->tot)
#define LEGACY_MONTH   sizeof(legacy_block_t)

static uint8_t *
put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t) (v | 0x80);
        v >>= 7;
    }

    *p++ = (uint8_t) v;
    return p;
}


const int64_t  onestop_row_zero[ONESTOP_K_COUNT];


static inline int
get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    int             shift;
    uint64_t        x;
    const uint8_t  *p = *pp;

    /* most of a month's varints are one byte, most of a year's totals
     * two or three */

    if (end - p >= 3) {
        if (p[0] < 0x80) {
            *v = p[0];
            *pp = p + 1;
            return 0;
        }

        if (p[1] < 0x80) {
            *v = (uint64_t) (p[0] & 0x7f) | (uint64_t) p[1] << 7;
            *pp = p + 2;
            return 0;
        }

        if (p[2] < 0x80) {
            *v = (uint64_t) (p[0] & 0x7f) | (uint64_t) (p[1] & 0x7f) << 7
                 | (uint64_t) p[2] << 14;
            *pp = p + 3;
            return 0;
        }

    } else if (p != end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return 0;
    }

    x = 0;

    for (shift = 0; shift < 64; shift += 7) {
        if (p == end) {
            return -1;
        }

        x |= (uint64_t) (*p & 0x7f) << shift;

        if (!(*p++ & 0x80)) {
            *pp = p;
            *v = x;
            return 0;
        }
    }

    return -1;
}


static uint64_t
zigzag(int64_t v)
{
    return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}


static int64_t
unzigzag(uint64_t v)
{
    return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}


/* how many counters a block must hold: nine, or up to the last counter
 * after them that is not zero */

static int
block_count(const month_block_t *b, int kind)
{
    int  c, j;

    for (c = ONESTOP_K_COUNT - 1; c >= ONESTOP_K_BASE; c--) {
        if (b->tot[c] != 0) {
            return c + 1;
        }

        for (j = 0; kind == ONESTOP_BLOCK_MONTH && j < DAYS; j++) {
            if (b->day[c][j] != 0) {
                return c + 1;
            }
        }
    }

    return ONESTOP_K_BASE;
}


size_t
onestop_block_encode(const month_block_t *b, int kind, uint8_t *out)
{
    int       c, j, count;
    uint32_t  mask;
    uint8_t  *p = out;

    count = block_count(b, kind);

    if (count > ONESTOP_K_BASE) {
        *p++ = WIDE_MARK;
        p = put_varint(p, (uint64_t) count);
    }

    for (c = 0; c < count; c++) {
        p = put_varint(p, zigzag(b->tot[c]));
    }

    if (kind == ONESTOP_BLOCK_YEAR) {
        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            if ((ONESTOP_K_LAST_DAY >> c) & 1) {
                p = put_varint(p, zigzag(b->day[c][DAYS - 1]));
            }
        }

        return (size_t) (p - out);
    }

    for (c = 0; kind == ONESTOP_BLOCK_MONTH && c < count; c++) {
        mask = 0;

        for (j = 0; j < DAYS; j++) {
            if (b->day[c][j] != 0) {
                mask |= (uint32_t) 1 << j;
            }
        }

        p = put_varint(p, mask);

        for (j = 0; j < DAYS; j++) {
            if (b->day[c][j] != 0) {
                p = put_varint(p, zigzag(b->day[c][j]));
            }
        }
    }

    return (size_t) (p - out);
}


/* the totals a block starts with (every counter's: those it does not
 * hold are 0), how many it holds; the position after them */

static const uint8_t *
block_totals(const uint8_t *p, size_t n, int wide, int64_t *tot, int *count)
{
    int             c;
    uint64_t        v;
    const uint8_t  *end = p + n;

    onestop_row_clear(tot);
    *count = ONESTOP_K_BASE;

    if (wide) {
        if (n == 0 || *p != WIDE_MARK) {
            return NULL;
        }

        p++;

        if (get_varint(&p, end, &v) != 0 || v <= ONESTOP_K_BASE
            || v > ONESTOP_K_COUNT)
        {
            return NULL;        /* not a block, or one of a newer build */
        }

        *count = (int) v;
    }

    for (c = 0; c < *count; c++) {
        if (get_varint(&p, end, &v) != 0) {
            return NULL;
        }

        tot[c] = unzigzag(v);
    }

    return p;
}


/* steps over the varints of the days set in mask: the last byte of
 * each is the one without the high bit */

static const uint8_t *
skip_varints(const uint8_t *p, const uint8_t *end, uint64_t mask)
{
    while (mask != 0) {
        if (p == end) {
            return NULL;
        }

        if (!(*p++ & 0x80)) {
            mask &= mask - 1;
        }
    }

    return p;
}


/*
 * Walks the days of a block after its totals, of the counters in need
 * (1 << ONESTOP_K_*): into b when not NULL, into sum[] (days 0 .. upto)
 * when not NULL; checks that each counter's days add up to its total.
 * The days of a counter not needed are stepped over, not decoded, and
 * the walk ends after the last one needed (the whole block is checked
 * when every counter is): a query's cut on the day before a month's last
 * needs two counters of the thirteen (ONESTOP_K_P1).  0, or -1 when the
 * bytes are not a block.
 */

static int
block_days(const uint8_t *p, const uint8_t *end, int count,
    const int64_t *tot, month_block_t *b, unsigned upto, uint32_t need,
    int64_t *sum)
{
    int       c;
    unsigned  j;
    int64_t   x, all, part;
    uint64_t  v, mask;

    for (c = 0; c < count && (need >> c) != 0; c++) {
        if (get_varint(&p, end, &mask) != 0 || mask >> DAYS) {
            return -1;
        }

        if (!((need >> c) & 1)) {
            p = skip_varints(p, end, mask);

            if (p == NULL) {
                return -1;
            }

            continue;
        }

        all = 0;
        part = 0;

        while (mask != 0) {
            j = (unsigned) __builtin_ctzll(mask);
            mask &= mask - 1;

            if (get_varint(&p, end, &v) != 0) {
                return -1;
            }

            x = unzigzag(v);

            if (x == 0 || x < INT32_MIN || x > INT32_MAX) {
                return -1;
            }

            if (b != NULL) {
                b->day[c][j] = (int32_t) x;
            }

            all += x;

            if (j <= upto) {
                part += x;
            }
        }

        if (all != tot[c]) {
            return -1;
        }

        if (sum != NULL) {
            sum[c] += part;
        }
    }

    return c < count || p == end ? 0 : -1;
}


/* a year block's last day after its totals, into last[] (the counters
 * of ONESTOP_K_LAST_DAY, each no more than its total; the others are not
 * touched); the position after it, or NULL */

static const uint8_t *
year_last_day(const uint8_t *p, const uint8_t *end, const int64_t *tot,
    int64_t *last)
{
    int       c;
    int64_t   x;
    uint32_t  m;
    uint64_t  v;

    for (m = ONESTOP_K_LAST_DAY; m != 0; m &= m - 1) {
        c = __builtin_ctz(m);

        if (get_varint(&p, end, &v) != 0) {
            return NULL;
        }

        x = unzigzag(v);

        if (x < 0 || x > tot[c]) {
            return NULL;            /* a stored count is never negative */
        }

        last[c] = x;
    }

    return p;
}


/* a block of schema 2, wide (12 counters) or not; 0, or -1 */

static int
block_decode_v2(const uint8_t *p, size_t n, int wide, int kind,
    month_block_t *b)
{
    int             c, count;
    int64_t         last[ONESTOP_K_COUNT];
    const uint8_t  *q;

    memset(b, 0, sizeof(month_block_t));

    q = block_totals(p, n, wide, b->tot, &count);

    if (q == NULL) {
        return -1;
    }

    if (kind == ONESTOP_BLOCK_TOTAL) {
        return q == p + n ? 0 : -1;
    }

    if (kind == ONESTOP_BLOCK_YEAR) {
        q = year_last_day(q, p + n, b->tot, last);

        if (q != p + n) {
            return -1;
        }

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            if ((ONESTOP_K_LAST_DAY >> c) & 1) {
                b->day[c][DAYS - 1] = (int32_t) last[c];
            }
        }

        return 0;
    }

    return block_days(q, p + n, count, b->tot, b, 0, ONESTOP_K_ALL, NULL);
}


/*
 * A block as stored, schema 2 or, failing that, schema 1's fixed layout
 * when it has that size: a process of an older build that still runs
 * beside an upgraded store (nginx -t or a binary upgrade before the old
 * workers are gone) writes new blocks that way.  Such a block is
 * rewritten in schema 2 the next time it changes.  0, or -1.
 */

static int
block_legacy(const uint8_t *p, size_t n, int kind, month_block_t *b)
{
    int  c, j, total;

    total = kind == ONESTOP_BLOCK_TOTAL;

    if (kind == ONESTOP_BLOCK_YEAR   /* schema 1 had none */
        || n != (size_t) (total ? LEGACY_TOTALS : LEGACY_MONTH))
    {
        return -1;
    }

    memset(b, 0, sizeof(month_block_t));
    memcpy(b->tot, p, LEGACY_TOTALS);

    /* the totals from the days, whatever the old block said */

    for (c = 0; !total && c < ONESTOP_K_BASE; c++) {
        memcpy(b->day[c], p + offsetof(legacy_block_t, day[c]),
               sizeof(b->day[c]));
        b->tot[c] = 0;

        for (j = 0; j < DAYS; j++) {
            b->tot[c] += b->day[c][j];
        }
    }

    return 0;
}


int
onestop_block_decode(const uint8_t *p, size_t n, int kind, month_block_t *b)
{
    if (n > 0 && p[0] == WIDE_MARK
        && block_decode_v2(p, n, 1, kind, b) == 0)
    {
        return 0;
    }

    if (block_decode_v2(p, n, 0, kind, b) == 0) {
        return 0;
    }

    return block_legacy(p, n, kind, b);
}


/* the same, from a block that may be of schema 1: its totals, or the sum
 * of its days up to one */

int
onestop_block_totals(const uint8_t *p, size_t n, int64_t *tot)
{
    int            count;
    month_block_t  blk;

    if (n == LEGACY_MONTH) {
        if (onestop_block_decode(p, n, ONESTOP_BLOCK_MONTH, &blk) != 0) {
            return -1;
        }

        memcpy(tot, blk.tot, sizeof(blk.tot));
        return 0;
    }

    return block_totals(p, n, n > 0 && p[0] == WIDE_MARK, tot, &count)
           == NULL ? -1 : 0;
}


/* the totals of a year or all-time block, schema 2 or schema 1 (an
 * all-time block); a year block's last day into last when not NULL */

static int
block_year_or_total(const uint8_t *p, size_t n, int kind, int64_t *tot,
    int64_t *last)
{
    int             wide, count;
    int64_t         skip[ONESTOP_K_COUNT];
    const uint8_t  *q;

    if (last != NULL) {
        onestop_row_clear(last);
    }

    for (wide = n > 0 && p[0] == WIDE_MARK; wide >= 0; wide--) {
        q = block_totals(p, n, wide, tot, &count);

        if (q != NULL && kind == ONESTOP_BLOCK_YEAR) {
            q = year_last_day(q, p + n, tot, last != NULL ? last : skip);
        }

        if (q == p + n) {
            return 0;
        }
    }

    if (kind != ONESTOP_BLOCK_TOTAL || n != LEGACY_TOTALS) {
        return -1;
    }

    memset(tot, 0, ONESTOP_K_COUNT * sizeof(int64_t));
    memcpy(tot, p, LEGACY_TOTALS);

    return 0;
}


int
onestop_block_totals_only(const uint8_t *p, size_t n, int kind, int64_t *tot)
{
    return block_year_or_total(p, n, kind, tot, NULL);
}


int
onestop_block_year(const uint8_t *p, size_t n, int64_t *tot, int64_t *last)
{
    return block_year_or_total(p, n, ONESTOP_BLOCK_YEAR, tot, last);
}


/* adds each counter's days 0 .. upto of a month block to sum[]; 0, or -1
 * when the bytes are not a block */

int
onestop_block_sum(const uint8_t *p, size_t n, unsigned upto, int64_t *sum)
{
    return onestop_block_sum_of(p, n, upto, ONESTOP_K_ALL, sum);
}


int
onestop_block_sum_of(const uint8_t *p, size_t n, unsigned upto,
    uint32_t need, int64_t *sum)
{
    int             c, count;
    unsigned        j;
    int64_t         tot[ONESTOP_K_COUNT];
    const uint8_t  *q;
    month_block_t   blk;

    if (n != LEGACY_MONTH) {
        q = block_totals(p, n, n > 0 && p[0] == WIDE_MARK, tot, &count);

        if (q == NULL) {
            return -1;
        }

        return block_days(q, p + n, count, tot, NULL, upto, need, sum);
    }

    /* schema 1's size, which a block of schema 2 may have too: decoded
     * as whichever it is */

    if (onestop_block_decode(p, n, ONESTOP_BLOCK_MONTH, &blk) != 0) {
        return -1;
    }

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        for (j = 0; (need >> c & 1) && j <= upto && j < DAYS; j++) {
            sum[c] += blk.day[c][j];
        }
    }

    return 0;
}


int
onestop_block_zero(const month_block_t *b, int kind)
{
    int  c, j;

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        if (b->tot[c] != 0) {
            return 0;
        }

        for (j = 0; kind != ONESTOP_BLOCK_TOTAL && j < DAYS; j++) {
            if (b->day[c][j] != 0) {
                return 0;
            }
        }
    }

    return 1;
}


/* schema 1 kept the blocks as they are in memory: rewritten as above */

int
onestop_counters_upgrade(MDB_txn *txn, MDB_dbi dbi)
{
    int             rc, total;
    uint8_t         buf[ONESTOP_BLOCK_MAX], kbuf[KEY_MAX];
    MDB_val         k, v;
    MDB_cursor     *cur;
    month_block_t   blk;

    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        return rc;
    }

    /* one key after the other; after each put the cursor finds its place
     * again by the key (a value that shrinks moves nodes around) */

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    {
        total = v.mv_size == LEGACY_TOTALS;

        if ((!total && v.mv_size != LEGACY_MONTH)
            || k.mv_size > KEY_MAX)
        {
            rc = MDB_CORRUPTED;
            break;
        }

        if (block_legacy(v.mv_data, v.mv_size, total, &blk) != 0) {
            rc = MDB_CORRUPTED;
            break;
        }

        memcpy(kbuf, k.mv_data, k.mv_size);

        k.mv_data = kbuf;
        v.mv_data = buf;
        v.mv_size = onestop_block_encode(&blk, total ? ONESTOP_BLOCK_TOTAL
                                                     : ONESTOP_BLOCK_MONTH,
                                         buf);

        if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0
            || (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY)) != 0)
        {
            break;
        }
    }

    mdb_cursor_close(cur);

    return rc == MDB_NOTFOUND ? 0 : rc;
}


/* the series prefixes: the month follows in two bytes */

size_t
onestop_series_key(uint8_t *k, char tag, uint32_t agency, uint32_t procedure,
    unsigned channel, unsigned ret)
{
    k[0] = (uint8_t) tag;

    switch (tag) {
    case ONESTOP_SERIES_PROVINCE:
        k[1] = (uint8_t) channel;
        break;
    case ONESTOP_SERIES_AGENCY:
        be32(k + 1, agency);
        k[5] = (uint8_t) channel;
        break;
    case ONESTOP_SERIES_RETURN:
        be32(k + 1, agency);
        k[5] = (uint8_t) ret;
        k[6] = (uint8_t) channel;
        break;
    default:
        be32(k + 1, agency);
        be32(k + 5, procedure);
        k[9] = (uint8_t) channel;
    }

    return onestop_series_len(tag);
}


size_t
onestop_series_len(char tag)
{
    switch (ONESTOP_SERIES_TAG(tag)) {
    case ONESTOP_SERIES_PROVINCE:
        return ONESTOP_SERIES_PROVINCE_LEN;
    case ONESTOP_SERIES_AGENCY:
        return ONESTOP_SERIES_AGENCY_LEN;
    case ONESTOP_SERIES_RETURN:
        return ONESTOP_SERIES_RETURN_LEN;
    default:
        return ONESTOP_SERIES_CELL_LEN;
    }
}
