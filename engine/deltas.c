/*
 * Counter deltas: how a write changes the counters database.
 *
 * The idea that makes writes cheap: a batch adds its records' events to
 * blocks in memory (a hash table of blocks by key), so that each block it
 * touches is read and written once, when the batch ends (counters.c
 * knows the blocks' bytes).  A record changed takes back its old events
 * and adds its new ones, in the same transaction as the record itself.
 * Nothing here knows the store: it is handed a transaction and databases.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* qsort_r */
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_counters.h"
#include "onestop_keys.h"


#define KEY_MAX        ONESTOP_COUNTERS_KEY_MAX
#define MONTH_TOTAL    ONESTOP_MONTH_ALL_TIME
#define DAYS           ONESTOP_MONTH_DAYS
#define BLOCK_MAX      ONESTOP_BLOCK_MAX

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
    int             months_only;    /* the upgrade to schema 3's: no year
                                       nor all-time block */
};


static uint32_t
key_hash(const uint8_t *k, size_t n)
{
    return onestop_hash((const char *) k, n);
}


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
    e->kind = (uint8_t) onestop_block_kind(get_be16(k + n
                                                    - ONESTOP_SERIES_MONTH_LEN));
    e->used = 1;
    e->b = b;
    d->order[d->n++] = h;

    return e;
}


/* a record's events in one series: each in its month's block, its year's
 * (with its day when it is December 31 and the year block keeps the
 * counter's last day) and the all-time block (looked up once; blocks
 * never move); the years and all time under the tag in lower case */

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

    klen = onestop_series_key(k, tag, r->agency_id, r->procedure_id,
                              r->channel, r->return_channel);
    all = NULL;

    if (!d->months_only) {
        k[0] = (uint8_t) ONESTOP_SERIES_YEARS(tag);
        be16(k + klen, MONTH_TOTAL);
        e = delta_get(d, k, klen + 2);

        if (e == NULL) {
            return -1;
        }

        all = e->b;
    }

    for (i = 0; i < n; i++) {
        k[0] = (uint8_t) tag;
        be16(k + klen, month[i]);
        e = delta_get(d, k, klen + 2);

        if (e == NULL) {
            return -1;
        }

        e->b->tot[ev[i].counter] += sign;
        e->b->day[ev[i].counter][mday[i]] += sign;

        if (all == NULL) {
            continue;
        }

        all->tot[ev[i].counter] += sign;

        k[0] = (uint8_t) ONESTOP_SERIES_YEARS(tag);
        be16(k + klen, onestop_year_key(month[i]));
        e = delta_get(d, k, klen + 2);

        if (e == NULL) {
            return -1;
        }

        e->b->tot[ev[i].counter] += sign;

        if (month[i] % 12 == 11 && mday[i] == DAYS - 1
            && ((ONESTOP_K_LAST_DAY >> ev[i].counter) & 1))
        {
            e->b->day[ev[i].counter][DAYS - 1] += sign;
        }
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
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL,
        ONESTOP_SERIES_RETURN
    };

    n = deltas_events(r, offset, ev, month, mday);

    for (s = 0; s < (int) sizeof(tags); s++) {
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


/* adds src's deltas to dst's; 0, or -1 when memory is exhausted */
static int
deltas_merge(onestop_deltas_t *dst, const onestop_deltas_t *src)
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

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            e->b->tot[c] += f->b->tot[c];

            if (f->kind != ONESTOP_BLOCK_TOTAL) {
                for (j = 0; j < DAYS; j++) {
                    e->b->day[c][j] += f->b->day[c][j];
                }
            }
        }
    }

    return 0;
}


/*
 * A write's deltas join its group's: when the group has none yet (a
 * batch alone in its commit, the first write of a group) the two tables
 * trade places instead of the blocks being copied, and the emptied one
 * is the next write's.
 */

int
onestop_deltas_absorb(onestop_deltas_t **dst, onestop_deltas_t **src)
{
    onestop_deltas_t  *t;

    if ((*dst)->n == 0) {
        t = *dst;
        *dst = *src;
        *src = t;
        return 0;
    }

    return deltas_merge(*dst, *src);
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


/*
 * The blocks are written in key order through one cursor: each key is
 * then found on the leaf the cursor stands on (LMDB looks there before it
 * searches from the root), by the get and again by the put.  The get is
 * MDB_SET, which leaves the key as given: the put is handed the entry's
 * own key, never one pointing into a page that the write may move.
 */

int
onestop_deltas_flush(onestop_deltas_t *d, MDB_txn *txn, MDB_dbi dbi)
{
    int            rc, c, j;
    uint32_t       i;
    delta_t       *e;
    MDB_val        k, v;
    MDB_cursor    *cur;
    uint8_t        buf[BLOCK_MAX];
    month_block_t  blk;

    if (d->n == 0) {
        return 0;
    }

    if (d->n > 1) {
        qsort_r(d->order, d->n, sizeof(uint32_t), delta_cmp, d->slots);
    }

    rc = mdb_cursor_open(txn, dbi, &cur);

    if (rc != 0) {
        return rc;
    }

    for (i = 0; i < d->n; i++) {
        e = &d->slots[d->order[i]];

        k.mv_data = e->key;
        k.mv_size = e->klen;

        rc = mdb_cursor_get(cur, &k, &v, MDB_SET);

        if (rc == 0) {
            if (onestop_block_decode(v.mv_data, v.mv_size, e->kind, &blk)
                != 0)
            {
                rc = MDB_CORRUPTED;
                break;
            }

        } else if (rc == MDB_NOTFOUND) {
            memset(&blk, 0, sizeof(month_block_t));

        } else {
            break;
        }

        for (c = 0; c < ONESTOP_K_COUNT; c++) {
            blk.tot[c] += e->b->tot[c];

            if (e->kind != ONESTOP_BLOCK_TOTAL) {
                for (j = 0; j < DAYS; j++) {
                    blk.day[c][j] += e->b->day[c][j];
                }
            }
        }

        if (onestop_block_zero(&blk, e->kind)) {
            rc = rc == 0 ? mdb_cursor_del(cur, 0) : 0;

        } else {
            v.mv_data = buf;
            v.mv_size = onestop_block_encode(&blk, e->kind, buf);
            rc = mdb_cursor_put(cur, &k, &v, 0);
        }

        if (rc != 0) {
            break;
        }
    }

    mdb_cursor_close(cur);

    return rc;
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


/*
 * Schema 2 -> 3 (issue 18): what schema 2 did not count, added from the
 * records: the 'R' series (every event, by agency and return channel)
 * and, in the others, the counters after schema 2's nine (in a schema 2
 * store: its apology letters, one a record at most; no schema 2 record
 * lacks a due date or has a due date history).  Schema 2's nine counts
 * stay as they are.  The 'R' series are made anew (any found first are
 * dropped).  Months alone: the upgrade to 6 that follows makes the years
 * and all time from them.  Flushed every 50,000 records, so that memory
 * stays bounded on a large store.
 */

int
onestop_counters_upgrade3(MDB_txn *txn, MDB_dbi dossiers, MDB_dbi counters,
    int32_t offset)
{
    int                rc, s;
    size_t             i, n, m;
    uint64_t           seen;
    MDB_val            k, v;
    MDB_cursor        *cur;
    onestop_record_t   r;
    onestop_deltas_t  *d;
    unsigned           month[ONESTOP_EVENTS_MAX], mday[ONESTOP_EVENTS_MAX];
    onestop_event_t    ev[ONESTOP_EVENTS_MAX];

    static const char  tags[] = {
        ONESTOP_SERIES_PROVINCE, ONESTOP_SERIES_AGENCY, ONESTOP_SERIES_CELL
    };

    /* the 'R' series, from nothing */

    rc = onestop_counters_drop(txn, counters, ONESTOP_SERIES_RETURN);

    if (rc != 0) {
        return rc;
    }

    d = onestop_deltas_create();

    if (d == NULL) {
        return ENOMEM;
    }

    /* the months alone: the upgrade to 6 makes the years and all time
     * from them (schema 2's all-time blocks lack the later counters) */
    d->months_only = 1;

    rc = mdb_cursor_open(txn, dossiers, &cur);

    if (rc != 0) {
        onestop_deltas_destroy(d);
        return rc;
    }

    seen = 0;

    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    {
        if (onestop_record_decode(v.mv_data, v.mv_size, &r) != 0) {
            rc = MDB_CORRUPTED;
            break;
        }

        n = deltas_events(&r, offset, ev, month, mday);

        if (deltas_series(d, ONESTOP_SERIES_RETURN, &r, ev, month, mday, n,
                          1) != 0)
        {
            rc = ENOMEM;
            break;
        }

        /* the later counters alone, for the other series */

        for (i = 0, m = 0; i < n; i++) {
            if (ev[i].counter >= ONESTOP_K_BASE) {
                ev[m] = ev[i];
                month[m] = month[i];
                mday[m++] = mday[i];
            }
        }

        for (s = 0; s < 3; s++) {
            if (deltas_series(d, tags[s], &r, ev, month, mday, m, 1) != 0) {
                rc = ENOMEM;
                goto done;
            }
        }

        if (++seen % 50000 == 0) {
            rc = onestop_deltas_flush(d, txn, counters);

            if (rc != 0) {
                break;
            }

            onestop_deltas_reset(d);
        }
    }

done:

    mdb_cursor_close(cur);

    if (rc == MDB_NOTFOUND) {
        rc = onestop_deltas_flush(d, txn, counters);
    }

    onestop_deltas_destroy(d);

    return rc;
}
