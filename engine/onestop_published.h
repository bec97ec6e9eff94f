/*
 * Published figures (issue 18), shared by the files that freeze them
 * (published.c) and read them (published_read.c); nothing else includes
 * this.  The store's side (catch-up, notes, the answer) is declared in
 * onestop_store_int.h.
 */

#ifndef ONESTOP_PUBLISHED_H
#define ONESTOP_PUBLISHED_H

#include <lmdb.h>

#include "onestop_date.h"
#include "onestop_stats.h"


/* how a member of several months combines: flows add up, carried_over is
 * the first month's, pending and pending_overdue the last one's */
enum {
    ONESTOP_PUB_FLOW = 0,
    ONESTOP_PUB_FIRST,
    ONESTOP_PUB_LAST
};

/* a stored member of onestop_counts_t: its name in answers (as report.c
 * names it), its place in the struct, how months combine */
typedef struct {
    const char  *name;
    size_t       off;
    int          kind;
} onestop_pub_field_t;

/* the members in the order the 'F' values keep them */
extern const onestop_pub_field_t  onestop_pub_fields[];
extern const size_t               onestop_pub_nfields;

int64_t *onestop_pub_member(onestop_counts_t *c, size_t i);
int64_t onestop_pub_value(const onestop_counts_t *c, size_t i);

/* an 'F' value read (members it lacks are 0): how many members of the
 * table it holds (fewer when it was frozen before some were added), or
 * -1 */
int onestop_pub_decode(const uint8_t *p, size_t len, onestop_counts_t *c);
/* the key of the published database: tag, u16 month, u32 agency */
void onestop_pub_key(uint8_t *k, int tag, unsigned month, uint32_t agency);

/* the months due to be frozen by `today`: those before the one returned
 * (a month's freeze day is its last day + 1 + grace) */
unsigned onestop_published_due(onestop_day_t today, unsigned grace);

/* every agency's figures of the months lo .. hi from the counters as of
 * txn (the agency series, as GET /api/v1/stats?group=agency computes
 * them), handed to sink one agency and month at a time, only those not
 * all zero; an LMDB error code (the sink's, if not 0) */
typedef int (*onestop_pub_sink_pt)(void *ctx, unsigned month,
    uint32_t agency, const onestop_counts_t *c);
int onestop_published_figures(MDB_txn *txn, MDB_dbi dbi, unsigned lo,
    unsigned hi, onestop_pub_sink_pt sink, void *ctx);

#endif /* ONESTOP_PUBLISHED_H */
