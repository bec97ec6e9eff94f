/*
 * The counters database's blocks, inside the engine (counters.c): the
 * month-block codec, the series keys, the deltas of a write and the
 * upgrade of schema 1's blocks.  The store (store.c) writes through the
 * deltas; the readers (stats.c, verify.c) decode blocks.  Nothing here
 * calls the store: it is handed a transaction.
 */

#ifndef ONESTOP_COUNTERS_H
#define ONESTOP_COUNTERS_H

#include <string.h>

#include <lmdb.h>

#include "onestop_schema.h"
#include "onestop_stats.h"


/* a month block decoded: the month totals and their days (the
 * all-time block has totals only) */
typedef struct {
    int64_t         tot[ONESTOP_K_COUNT];
    int32_t         day[ONESTOP_K_COUNT][ONESTOP_MONTH_DAYS];
} onestop_month_block_t;

/* a row of counters set to zero: copied from a constant, which compilers
 * do with a few vector moves, where a memset of this size becomes `rep
 * stosq` on x86-64, whose start-up was 8 % of a one-year query's engine
 * time (decoding a block zeroes one or two rows) */
extern const int64_t  onestop_row_zero[ONESTOP_K_COUNT];

static inline void
onestop_row_clear(int64_t *v)
{
    memcpy(v, onestop_row_zero, sizeof(onestop_row_zero));
}

/* the most bytes a block takes */
#define ONESTOP_BLOCK_MAX  (1 + ONESTOP_K_COUNT * (10 + 5 \
                                                 + ONESTOP_MONTH_DAYS * 10))

/* the kinds of block, by their month field: a month's (totals and days),
 * the all-time block (totals), a year's (totals and, of its last day, the
 * counters of ONESTOP_K_LAST_DAY alone, in day[c][ONESTOP_MONTH_DAYS - 1]:
 * schema 5) */
enum {
    ONESTOP_BLOCK_MONTH = 0,
    ONESTOP_BLOCK_TOTAL,
    ONESTOP_BLOCK_YEAR
};

/* what a year block keeps of its December 31: the counters a cut on
 * December 30 reads (a one-year query's, ONESTOP_K_P1), so that the query
 * needs no December */
#define ONESTOP_K_LAST_DAY  ONESTOP_K_P1

/* the kind of the block of a month field */
int onestop_block_kind(unsigned month);

/* a block's bytes (ONESTOP_BLOCK_*); their length */
size_t onestop_block_encode(const onestop_month_block_t *b, int kind,
    uint8_t *out);
/* 1 when every counter of a block is 0 */
int onestop_block_zero(const onestop_month_block_t *b, int kind);

/* the month of a day (months since ONESTOP_MONTH_ORIGIN's January) and,
 * when mday is not NULL, its day in the month from 0 */
unsigned onestop_month_of(onestop_day_t day, unsigned *mday);
/* the first day of a month */
onestop_day_t onestop_month_first_day(unsigned month);
/* the month field of the year block of a month's year (schema 4) */
unsigned onestop_year_key(unsigned month);

/* a series' key prefix (ONESTOP_SERIES_*: each holds the dimensions its
 * layout names, ret the return channel); its length, the month follows */
size_t onestop_series_key(uint8_t *k, char tag, uint32_t agency,
    uint32_t procedure, unsigned channel, unsigned ret);
/* the length of a series' prefix of that tag */
size_t onestop_series_len(char tag);

/* a stored block, schema 2 or schema 1's fixed layout: decoded (kind:
 * ONESTOP_BLOCK_*), 0, or -1 when the bytes are not a block */
int onestop_block_decode(const uint8_t *p, size_t n, int kind,
    onestop_month_block_t *b);
/* its totals alone */
int onestop_block_totals(const uint8_t *p, size_t n, int64_t *tot);
/* the totals of a year or all-time block (kind: ONESTOP_BLOCK_*) */
int onestop_block_totals_only(const uint8_t *p, size_t n, int kind,
    int64_t *tot);
/* a year block's totals and, in last (of ONESTOP_K_COUNT, the others 0),
 * its December 31 of the counters of ONESTOP_K_LAST_DAY */
int onestop_block_year(const uint8_t *p, size_t n, int64_t *tot,
    int64_t *last);
/* adds each counter's days 0 .. upto of a month block to sum[] */
int onestop_block_sum(const uint8_t *p, size_t n, unsigned upto,
    int64_t *sum);
/* the same for the counters whose bit is set in need (1 << ONESTOP_K_*)
 * alone: the others' days are stepped over, not decoded, and the walk
 * ends after the last counter needed */
int onestop_block_sum_of(const uint8_t *p, size_t n, unsigned upto,
    uint32_t need, int64_t *sum);

/* rewrites schema 1's fixed-size counter blocks as schema 2's; an LMDB
 * error code */
int onestop_counters_upgrade(MDB_txn *txn, MDB_dbi dbi);
/* schema 2 -> 3: the 'R' series and the apology letters' counts, from the
 * records; an LMDB error code */
int onestop_counters_upgrade3(MDB_txn *txn, MDB_dbi dossiers,
    MDB_dbi counters, int32_t offset);
/* schema 3, 4 or 5 -> 6: the year blocks (with their last day) and the
 * all-time blocks, made anew from the month blocks under the series' tag
 * in lower case; an LMDB error code */
int onestop_counters_upgrade6(MDB_txn *txn, MDB_dbi dbi);
/* every block of a tag deleted; an LMDB error code */
int onestop_counters_drop(MDB_txn *txn, MDB_dbi dbi, char tag);


/* counter deltas of one batch, applied to the counters database at its
 * end (so that a batch touching many records of one cell writes each
 * counter block once): a hash table of blocks by key */
typedef struct onestop_deltas_s  onestop_deltas_t;

/* an entry of the table */
typedef struct {
    uint8_t                 key[ONESTOP_COUNTERS_KEY_MAX];
    uint8_t                 klen;
    uint8_t                 kind;       /* ONESTOP_BLOCK_*, by the key's
                                           month (onestop_block_kind) */
    uint8_t                 used;
    onestop_month_block_t  *b;
} onestop_delta_t;

onestop_deltas_t *onestop_deltas_create(void);
void onestop_deltas_destroy(onestop_deltas_t *d);
void onestop_deltas_reset(onestop_deltas_t *d);
/* adds (sign 1) or takes back (sign -1) a record's contribution; -1 when
 * memory is exhausted */
int onestop_deltas_record(onestop_deltas_t *d, const onestop_record_t *r,
    int32_t offset, int sign);
/* adds a record's contribution to the series of one tag only */
int onestop_deltas_series(onestop_deltas_t *d, const onestop_record_t *r,
    int32_t offset, char tag);
/* src's deltas join dst's: added to them, or the tables traded when dst
 * has none (src is then the emptied one); 0, or -1 when memory is
 * exhausted */
int onestop_deltas_absorb(onestop_deltas_t **dst, onestop_deltas_t **src);
/* writes the deltas into the counters database in key order; an LMDB
 * error code */
int onestop_deltas_flush(onestop_deltas_t *d, MDB_txn *txn, MDB_dbi dbi);

/* the table's slots, for a walk over them all: how many; the entry in
 * slot i (NULL: unused); the slot of a key (-1: none) */
size_t onestop_deltas_slots(const onestop_deltas_t *d);
const onestop_delta_t *onestop_deltas_slot(const onestop_deltas_t *d,
    size_t i);
long onestop_deltas_find(const onestop_deltas_t *d, const uint8_t *k,
    size_t n);

#endif /* ONESTOP_COUNTERS_H */
