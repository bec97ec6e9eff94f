/*
 * The change log (issue 15): every committed change as the feed's
 * consumers see it, kept in the store for onestop_changelog_days days and
 * served over HTTP (GET /api/v1/changes, as JSON pages or Server-Sent
 * Events) to those who have no access to Redis.
 *
 * An entry is rendered once, in the write transaction of its change
 * (changelog.c): {"seq", "kind", "agency", "code", "version", "ts",
 * "record"}, where "record" is the public lookup object of the version
 * committed (onestop_lookup_render, the lookup's own function, the name
 * masked, no contact).  The Redis stream {prefix}:changes carries the same
 * members, taken from the same bytes, so the two cannot differ.
 */

#ifndef ONESTOP_CHANGES_H
#define ONESTOP_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_args.h"
#include "onestop_store.h"
#include "onestop_util.h"

#define ONESTOP_CHANGES_DAYS       31       /* onestop_changelog_days */
#define ONESTOP_CHANGES_OFF        (-1)     /* onestop_changelog_days 0 */
#define ONESTOP_CHANGES_LIMIT      100      /* limit= when absent */
#define ONESTOP_CHANGES_LIMIT_MAX  1000

/* the `after` of onestop_changes_read: from the oldest entry kept, or
 * from the next change committed */
#define ONESTOP_CHANGES_OLDEST     UINT64_MAX
#define ONESTOP_CHANGES_LATEST     (UINT64_MAX - 1)

/* what GET /api/v1/changes asks */
typedef struct {
    uint64_t        after;       /* the entries past this seq */
    int             has_after;   /* 0: from the oldest entry kept */
    unsigned        limit;       /* 1..ONESTOP_CHANGES_LIMIT_MAX */
    char            error[160];  /* the 400's message */
} onestop_changes_query_t;

/*
 * after= and limit= from the query's arguments (others are ignored):
 * 0, or -1 with q->error (a 400): a value that is not a whole number, a
 * limit outside 1-1000, an argument given twice.
 */
int onestop_changes_query(onestop_changes_query_t *q,
    const onestop_arg_t *args, size_t n);

/*
 * The sequence a stream resumes after, from a Last-Event-ID header's
 * value: 0 with *after, -1 when it is not a whole number.
 */
int onestop_changes_event_id(const char *s, size_t len, uint64_t *after);

/* how a read renders its entries */
enum {
    ONESTOP_CHANGES_JSON = 0,    /* {"entries": [...], "next", "oldest"} */
    ONESTOP_CHANGES_SSE          /* "id: SEQ\ndata: ENTRY\n\n" each */
};

typedef struct {
    uint64_t        next;        /* the last seq rendered, else after */
    uint64_t        oldest;      /* the oldest seq kept (the store's seq + 1
                                    when none is) */
    uint64_t        seq;         /* the store's last seq, this read */
    size_t          n;           /* entries rendered */
    char            message[256];  /* why not 200 */
} onestop_changes_result_t;

/*
 * Up to `limit` entries past `after` (or ONESTOP_CHANGES_OLDEST,
 * ONESTOP_CHANGES_LATEST) on the current read of st, in order,
 * appended to out as `format` says.  A page stops before a change the
 * log does not hold.  Returns 200; 410 when the change after `after` is
 * no longer kept (trimmed past retention, or committed while the log was
 * off) although the store has it, with res->message saying what to do;
 * 404 when this store keeps no change log (onestop_changelog_days 0);
 * 500 when the store could not be read or memory ran out, with
 * res->message saying why (for the log, not for the client).
 */
int onestop_changes_read(onestop_store_t *st, uint64_t after, size_t limit,
    int format, onestop_buf_t *out, onestop_changes_result_t *res);

/*
 * Entry seq of the change log on the current read of st: its commit time
 * (ms), its kind ("dossier", ...) and a dossier's record (NULL: none).
 * 0, or -1 when the log does not hold it.
 */
int onestop_changelog_entry(onestop_store_t *st, uint64_t seq, int64_t *ts,
    onestop_str_t *kind, const char **rec, size_t *rec_len);

/* The days the store keeps its change log: 0 when it keeps none. */
unsigned onestop_changes_days(const onestop_store_t *st);

#endif /* ONESTOP_CHANGES_H */
