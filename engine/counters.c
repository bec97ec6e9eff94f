/*
 * The counters database: a block per series and month, and how a write
 * changes it.
 *
 * Counters are kept per series - the province by channel, an agency by
 * channel, a cell: agency, procedure, channel (ONESTOP_SERIES_*) - as one
 * block per month (the nine counters' month totals and their days) and
 * one block of all-time totals after the months.  The idea that makes
 * writes cheap: a block keeps only what is not zero, as varints, and a
 * batch of writes adds its records' events to blocks in memory (the
 * deltas), so that each block it touches is read and written once, when
 * the batch ends.  A store of schema 1 (fixed-size blocks) is rewritten
 * here when first opened read-write.
 *
 * This file knows the blocks' bytes and nothing of the store: the store
 * hands it a transaction and a database (it calls nothing of store.c).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* qsort_r */
#endif

#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_keys.h"



#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX
#define MONTH_TOTAL    ONESTOP_MONTH_ALL_TIME
#define DAYS           ONESTOP_MONTH_DAYS

typedef onestop_month_block_t  month_block_t;

/* a slot of the hash table is small, so that probing stays in the cache;
 * the blocks (1.2 KB each) are kept apart, in chunks that never move */

typedef onestop_delta_t  delta_t;

#define DELTA_CHUNK  256

struct onestop_deltas_s {
    delta_t        *slots;
    uint32_t        mask;
    uint32_t        n;
    uint32_t       *order;          /* used slots, for the flush */
    month_block_t **chunks;         /* block i: chunks[i / 256][i % 256] */
    uint32_t        nchunks;
};


static uint32_t
key_hash(const uint8_t *k, size_t n)
{
    return onestop_hash((const char *) k, n);
}


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


/*
 * The blocks as stored (schema 2): varints, only what is not zero.
 *
 *   month:    the nine month totals (zigzag varints), then per counter a
 *             varint bit mask of its days that are not zero and those
 *             days' values (zigzag varints); the totals are the sums of
 *             the days, kept apart so that a query reads them alone from
 *             every month but the few its days fall in
 *   all time: the nine totals (zigzag varints)
 *
 * Most cells see a few dossiers a month: a month block is a few dozen
 * bytes instead of the 1,188 of the fixed layout of schema 1, so a
 * write dirties a few pages instead of dozens, and a query reads less.
 */

#define BLOCK_MAX  (ONESTOP_K_COUNT * (10 + 5 + DAYS * 10))

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


static int
get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    int             shift;
    uint64_t        x;
    const uint8_t  *p = *pp;

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


static size_t
block_encode(const month_block_t *b, int total, uint8_t *out)
{
    int       c, j;
    uint32_t  mask;
    uint8_t  *p = out;

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        p = put_varint(p, zigzag(b->tot[c]));
    }

    for (c = 0; !total && c < ONESTOP_K_COUNT; c++) {
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


/* the nine totals a block starts with; the position after them */

static const uint8_t *
block_totals(const uint8_t *p, size_t n, int64_t *tot)
{
    int             c;
    uint64_t        v;
    const uint8_t  *end = p + n;

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        if (get_varint(&p, end, &v) != 0) {
            return NULL;
        }

        tot[c] = unzigzag(v);
    }

    return p;
}


/* 0, or -1 when the bytes are not a block */

static int
block_decode_v2(const uint8_t *p, size_t n, int total, month_block_t *b)
{
    int             c, j;
    int64_t         x, sum;
    uint64_t        v, mask;
    const uint8_t  *end = p + n;

    memset(b, 0, sizeof(month_block_t));

    p = block_totals(p, n, b->tot);

    if (p == NULL) {
        return -1;
    }

    for (c = 0; !total && c < ONESTOP_K_COUNT; c++) {
        if (get_varint(&p, end, &mask) != 0 || mask >> DAYS) {
            return -1;
        }

        sum = 0;

        for (j = 0; j < DAYS; j++) {
            if (!(mask >> j & 1)) {
                continue;
            }

            if (get_varint(&p, end, &v) != 0) {
                return -1;
            }

            x = unzigzag(v);

            if (x == 0 || x < INT32_MIN || x > INT32_MAX) {
                return -1;
            }

            b->day[c][j] = (int32_t) x;
            sum += x;
        }

        if (sum != b->tot[c]) {
            return -1;
        }
    }

    return p == end ? 0 : -1;
}


/*
 * A block as stored, schema 2 or, failing that, schema 1's fixed layout
 * when it has that size: a process of an older build that still runs
 * beside an upgraded store (nginx -t or a binary upgrade before the old
 * workers are gone) writes new blocks that way.  Such a block is
 * rewritten in schema 2 the next time it changes.  0, or -1.
 */

static int
block_legacy(const uint8_t *p, size_t n, int total, month_block_t *b)
{
    int  c, j;

    if (n != (total ? sizeof(b->tot) : sizeof(month_block_t))) {
        return -1;
    }

    memset(b, 0, sizeof(month_block_t));
    memcpy(b, p, n);

    /* the totals from the days, whatever the old block said */

    for (c = 0; !total && c < ONESTOP_K_COUNT; c++) {
        b->tot[c] = 0;

        for (j = 0; j < DAYS; j++) {
            b->tot[c] += b->day[c][j];
        }
    }

    return 0;
}


int
onestop_block_decode(const uint8_t *p, size_t n, int total, month_block_t *b)
{
    if (block_decode_v2(p, n, total, b) == 0) {
        return 0;
    }

    return block_legacy(p, n, total, b);
}


/* the same, from a block that may be of schema 1: its totals, or the sum
 * of its days up to one */

int
onestop_block_totals(const uint8_t *p, size_t n, int64_t *tot)
{
    month_block_t  blk;

    if (n == sizeof(month_block_t)) {
        if (onestop_block_decode(p, n, 0, &blk) != 0) {
            return -1;
        }

        memcpy(tot, blk.tot, sizeof(blk.tot));
        return 0;
    }

    return block_totals(p, n, tot) == NULL ? -1 : 0;
}


/* adds each counter's days 1 .. upto + 1 of a month block to sum[]
 * without decoding it whole; 0, or -1 when the bytes are not a block */

static int
block_sum(const uint8_t *p, size_t n, unsigned upto, int64_t *sum)
{
    int             c;
    unsigned        j;
    int64_t         x, tot[ONESTOP_K_COUNT];
    uint64_t        v, mask;
    const uint8_t  *end = p + n;

    p = block_totals(p, n, tot);

    if (p == NULL) {
        return -1;
    }

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        if (get_varint(&p, end, &mask) != 0 || mask >> DAYS) {
            return -1;
        }

        for (j = 0; mask != 0; j++, mask >>= 1) {
            if (!(mask & 1)) {
                continue;
            }

            if (get_varint(&p, end, &v) != 0) {
                return -1;
            }

            x = unzigzag(v);

            if (x == 0 || x < INT32_MIN || x > INT32_MAX) {
                return -1;
            }

            if (j <= upto) {
                sum[c] += x;
            }
        }
    }

    return p == end ? 0 : -1;
}


int
onestop_block_sum(const uint8_t *p, size_t n, unsigned upto, int64_t *sum)
{
    int            c;
    unsigned       j;
    month_block_t  blk;

    if (n != sizeof(month_block_t)) {
        return block_sum(p, n, upto, sum);
    }

    if (onestop_block_decode(p, n, 0, &blk) != 0) {
        return -1;
    }

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        for (j = 0; j <= upto && j < DAYS; j++) {
            sum[c] += blk.day[c][j];
        }
    }

    return 0;
}


static int
block_zero(const month_block_t *b, int total)
{
    int  c, j;

    for (c = 0; c < ONESTOP_K_COUNT; c++) {
        if (b->tot[c] != 0) {
            return 0;
        }

        for (j = 0; !total && j < DAYS; j++) {
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
    uint8_t         buf[BLOCK_MAX], kbuf[KEY_MAX];
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
        total = v.mv_size == sizeof(blk.tot);

        if ((!total && v.mv_size != sizeof(month_block_t))
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
        v.mv_size = block_encode(&blk, total, buf);

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
    unsigned channel)
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
    switch (tag) {
    case ONESTOP_SERIES_PROVINCE:
        return ONESTOP_SERIES_PROVINCE_LEN;
    case ONESTOP_SERIES_AGENCY:
        return ONESTOP_SERIES_AGENCY_LEN;
    default:
        return ONESTOP_SERIES_CELL_LEN;
    }
}


/* deltas */

onestop_deltas_t *
onestop_deltas_create(void)
{
    onestop_deltas_t  *d;

    d = calloc(1, sizeof(onestop_deltas_t));

    if (d == NULL) {
        return NULL;
    }

    d->mask = 255;
    d->slots = calloc(d->mask + 1, sizeof(delta_t));
    d->order = malloc((d->mask + 1) * sizeof(uint32_t));

    if (d->slots == NULL || d->order == NULL) {
        onestop_deltas_destroy(d);
        return NULL;
    }

    return d;
}


void
onestop_deltas_destroy(onestop_deltas_t *d)
{
    uint32_t  i;

    if (d != NULL) {
        for (i = 0; i < d->nchunks; i++) {
            free(d->chunks[i]);
        }

        free(d->chunks);
        free(d->slots);
        free(d->order);
        free(d);
    }
}


void
onestop_deltas_reset(onestop_deltas_t *d)
{
    uint32_t  i;

    for (i = 0; i < d->n; i++) {
        d->slots[d->order[i]].used = 0;
    }

    d->n = 0;
}


static int
deltas_grow(onestop_deltas_t *d)
{
    uint32_t   i, h, mask, *order;
    delta_t   *slots, *e;

    mask = d->mask * 2 + 1;
    slots = calloc(mask + 1, sizeof(delta_t));
    order = malloc((mask + 1) * sizeof(uint32_t));

    if (slots == NULL || order == NULL) {
        free(slots);
        free(order);
        return -1;
    }

    /* the same entries in the same order: each keeps its block */

    for (i = 0; i < d->n; i++) {
        e = &d->slots[d->order[i]];

        for (h = key_hash(e->key, e->klen) & mask; slots[h].used;
             h = (h + 1) & mask)
        {
            /* void */
        }

        slots[h] = *e;
        order[i] = h;
    }

    free(d->slots);
    free(d->order);
    d->slots = slots;
    d->order = order;
    d->mask = mask;

    return 0;
}


/* the block of the n-th entry, zeroed */

static month_block_t *
delta_block(onestop_deltas_t *d, uint32_t n)
{
    month_block_t   *b, **chunks;

    if (n / DELTA_CHUNK >= d->nchunks) {
        chunks = realloc(d->chunks, (d->nchunks + 1) * sizeof(void *));

        if (chunks == NULL) {
            return NULL;
        }

        d->chunks = chunks;
        d->chunks[d->nchunks] = malloc(DELTA_CHUNK * sizeof(month_block_t));

        if (d->chunks[d->nchunks] == NULL) {
            return NULL;
        }

        d->nchunks++;
    }

    b = &d->chunks[n / DELTA_CHUNK][n % DELTA_CHUNK];
    memset(b, 0, sizeof(month_block_t));

    return b;
}


static delta_t *
delta_get(onestop_deltas_t *d, const uint8_t *k, size_t n)
{
    uint32_t        h;
    delta_t        *e;
    month_block_t  *b;

    if ((d->n + 1) * 2 > d->mask + 1 && deltas_grow(d) != 0) {
        return NULL;
    }

    h = key_hash(k, n) & d->mask;

    for ( ;; ) {
        e = &d->slots[h];

        if (!e->used) {
            break;
        }

        if (e->klen == n && memcmp(e->key, k, n) == 0) {
            return e;
        }

        h = (h + 1) & d->mask;
    }

    b = delta_block(d, d->n);

    if (b == NULL) {
        return NULL;
    }

    memset(e, 0, sizeof(delta_t));
    memcpy(e->key, k, n);
    e->klen = (uint8_t) n;
    e->used = 1;
    e->b = b;
    d->order[d->n++] = h;

    return e;
}


/* a record's events in one series: each in its month's block and in the
 * all-time block (looked up once; blocks never move) */

static int
deltas_series(onestop_deltas_t *d, char tag, const onestop_record_t *r,
    const onestop_event_t *ev, const unsigned *month, const unsigned *mday,
    size_t n, int sign)
{
    size_t          i, klen;
    uint8_t         k[KEY_MAX];
    delta_t        *e;
    month_block_t  *all;

    if (n == 0) {
        return 0;
    }

    klen = onestop_series_key(k, tag, r->agency_id, r->procedure_id, r->channel);

    be16(k + klen, MONTH_TOTAL);
    e = delta_get(d, k, klen + 2);

    if (e == NULL) {
        return -1;
    }

    e->total = 1;
    all = e->b;

    for (i = 0; i < n; i++) {
        be16(k + klen, month[i]);
        e = delta_get(d, k, klen + 2);

        if (e == NULL) {
            return -1;
        }

        e->b->tot[ev[i].counter] += sign;
        e->b->day[ev[i].counter][mday[i]] += sign;
        all->tot[ev[i].counter] += sign;
    }

    return 0;
}


/* the events of a record and their months; the count */

static size_t
deltas_events(const onestop_record_t *r, int32_t offset,
    onestop_event_t *ev, unsigned *month, unsigned *mday)
{
    size_t  i, n;

    n = onestop_contrib(r, offset, ev);

    for (i = 0; i < n; i++) {
        month[i] = onestop_month_of(ev[i].day, &mday[i]);
    }

    return n;
}


int
onestop_deltas_record(onestop_deltas_t *d, const onestop_record_t *r,
    int32_t offset, int sign)
{
    int              s;
    size_t           n;
    unsigned         month[ONESTOP_EVENTS_MAX], mday[ONESTOP_EVENTS_MAX];
    onestop_event_t  ev[ONESTOP_EVENTS_MAX];

    static const char  tags[] = {
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL
    };

    n = deltas_events(r, offset, ev, month, mday);

    for (s = 0; s < 3; s++) {
        if (deltas_series(d, tags[s], r, ev, month, mday, n, sign) != 0) {
            return -1;
        }
    }

    return 0;
}


/* verify's: the series of one tag only, in passes */

int
onestop_deltas_series(onestop_deltas_t *d, const onestop_record_t *r,
    int32_t offset, char tag)
{
    size_t           n;
    unsigned         month[ONESTOP_EVENTS_MAX], mday[ONESTOP_EVENTS_MAX];
    onestop_event_t  ev[ONESTOP_EVENTS_MAX];

    n = deltas_events(r, offset, ev, month, mday);

    return deltas_series(d, tag, r, ev, month, mday, n, 1);
}


int
onestop_deltas_merge(onestop_deltas_t *dst, const onestop_deltas_t *src)
{
    int             c, j;
    uint32_t        i;
    delta_t        *e;
    const delta_t  *f;

    for (i = 0; i < src->n; i++) {
        f = &src->slots[src->order[i]];
        e = delta_get(dst, f->key, f->klen);

        if (e == NULL) {
            return -1;
        }

        e->total = f->total;

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            e->b->tot[c] += f->b->tot[c];

            if (!f->total) {
                for (j = 0; j < DAYS; j++) {
                    e->b->day[c][j] += f->b->day[c][j];
                }
            }
        }
    }

    return 0;
}


static int
delta_cmp(const void *a, const void *b, void *arg)
{
    const delta_t  *slots = arg;
    const delta_t  *x, *y;
    int             c;

    x = &slots[*(const uint32_t *) a];
    y = &slots[*(const uint32_t *) b];

    c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);

    return c ? c : (int) x->klen - (int) y->klen;
}


int
onestop_deltas_flush(onestop_deltas_t *d, MDB_txn *txn, MDB_dbi dbi)
{
    int            rc, c, j;
    uint32_t       i;
    delta_t       *e;
    MDB_val        k, v;
    uint8_t        buf[BLOCK_MAX];
    month_block_t  blk;

    if (d->n > 1) {
        qsort_r(d->order, d->n, sizeof(uint32_t), delta_cmp, d->slots);
    }

    for (i = 0; i < d->n; i++) {
        e = &d->slots[d->order[i]];

        k.mv_data = e->key;
        k.mv_size = e->klen;

        rc = mdb_get(txn, dbi, &k, &v);

        if (rc == 0) {
            if (onestop_block_decode(v.mv_data, v.mv_size, e->total, &blk) != 0) {
                return MDB_CORRUPTED;
            }

        } else if (rc == MDB_NOTFOUND) {
            memset(&blk, 0, sizeof(month_block_t));

        } else {
            return rc;
        }

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            blk.tot[c] += e->b->tot[c];

            if (!e->total) {
                for (j = 0; j < DAYS; j++) {
                    blk.day[c][j] += e->b->day[c][j];
                }
            }
        }

        if (block_zero(&blk, e->total)) {
            rc = mdb_del(txn, dbi, &k, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;

        } else {
            v.mv_data = buf;
            v.mv_size = block_encode(&blk, e->total, buf);
            rc = mdb_put(txn, dbi, &k, &v, 0);
        }

        if (rc != 0) {
            return rc;
        }
    }

    return 0;
}


/* the table's slots, for verify's walk over them */

size_t
onestop_deltas_slots(const onestop_deltas_t *d)
{
    return (size_t) d->mask + 1;
}


const onestop_delta_t *
onestop_deltas_slot(const onestop_deltas_t *d, size_t i)
{
    return d->slots[i].used ? &d->slots[i] : NULL;
}


long
onestop_deltas_find(const onestop_deltas_t *d, const uint8_t *k, size_t n)
{
    uint32_t        i;
    const delta_t  *e;

    for (i = key_hash(k, n) & d->mask; d->slots[i].used;
         i = (i + 1) & d->mask)
    {
        e = &d->slots[i];

        if (e->klen == n && memcmp(e->key, k, n) == 0) {
            return (long) i;
        }
    }

    return -1;
}
