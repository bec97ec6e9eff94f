/*
 * Statistics (Điều 11, 14, 17; SPEC section 7): what a dossier contributes
 * to the durable counters, and the query that turns those counters into
 * exact figures for any period, grouping and filter.
 *
 * The one idea: every figure of the official report is a difference of
 * prefix sums over days of thirteen event counters kept per cell (agency,
 * procedure, intake channel):
 *
 *   R  received (by received day)        E, O, L  resolved early, on time,
 *   W  withdrawn (by withdrawal day)              late (by resolution day)
 *   P  returned by post (by return day)  D  due (every dossier, by due day)
 *   B  closed on or before due (by due day)
 *   A  closed after due (by closing day)
 *
 * and, since issue 18, N resolved without a deadline (by resolution
 * day), Y apology letters (by issue day), M due dates moved after they
 * had passed (by the day of the move), V withdrawn by the due date (by
 * withdrawal day),
 *
 * so that, with C = E + O + L + N + W and X(d) the count of days <= d,
 *   carried_over(F)  = R(F-1) - C(F-1)
 *   pending(T)       = R(T) - C(T)
 *   overdue(T)       = D(T-1) - B(T-1) - A(T)
 * and the identities of the report hold by construction.
 */

#ifndef ONESTOP_STATS_H
#define ONESTOP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_args.h"
#include "onestop_catalog.h"
#include "onestop_record.h"
#include "onestop_util.h"

enum {
    ONESTOP_K_RECEIVED = 0,
    ONESTOP_K_EARLY,
    ONESTOP_K_ON_TIME,
    ONESTOP_K_LATE,
    ONESTOP_K_WITHDRAWN,
    ONESTOP_K_RETURNED_POSTAL,
    ONESTOP_K_DUE,
    ONESTOP_K_CLOSED_BY_DUE,
    ONESTOP_K_CLOSED_AFTER_DUE,
    /* issue 18, after the nine of schema 2's blocks (counters.c keeps
     * them in an extension of a block, written only when not zero) */
    ONESTOP_K_NO_DEADLINE,          /* resolved without a deadline, by
                                       resolution day */
    ONESTOP_K_APOLOGY,              /* an apology letter, by issue day */
    ONESTOP_K_DUE_MOVED_LATE,       /* a dossier's due date first moved
                                       after it had passed, by that day */
    ONESTOP_K_WITHDRAWN_BY_DUE,     /* withdrawn on or before its due date
                                       (or without one), by withdrawal day
                                       (Decision 766's progress rate) */
    ONESTOP_K_COUNT
};

#define ONESTOP_K_BASE  ONESTOP_K_NO_DEADLINE   /* schema 2's nine */

typedef struct {
    uint8_t         counter;        /* ONESTOP_K_* */
    onestop_day_t   day;
} onestop_event_t;

/* received, due, closed, returned or withdrawn by due, by/after due,
 * moved late, and every apology letter (ONESTOP_LETTERS_MAX) */
#define ONESTOP_EVENTS_MAX  (7 + ONESTOP_LETTERS_MAX)

/* The events a record contributes (none for a tombstone).  Returns their
 * number. */
size_t onestop_contrib(const onestop_record_t *r, int32_t offset,
    onestop_event_t *ev);

/* The figures of one group and period (SPEC section 7's COUNTERS). */
typedef struct {
    int64_t   carried_over;
    int64_t   received;
    int64_t   received_channel[ONESTOP_CH_COUNT];
    int64_t   resolved_early;
    int64_t   resolved_on_time;
    int64_t   resolved_late;
    int64_t   resolved_no_deadline;
    int64_t   withdrawn;
    int64_t   returned_postal;
    int64_t   pending;
    int64_t   pending_overdue;
    int64_t   apologies_issued;
    int64_t   due_moved_late;
    int64_t   withdrawn_in_time;
} onestop_counts_t;

/* Prefix sums of the counters at three days -> the figures of
 * [from, to]: p0 at from-1, p1 at to-1, p2 at to.  Of p1 it reads only
 * the counters of ONESTOP_K_P1 (so a reader may sum only those there). */
#define ONESTOP_K_P1  ((1u << ONESTOP_K_DUE) | (1u << ONESTOP_K_CLOSED_BY_DUE))
#define ONESTOP_K_ALL ((1u << ONESTOP_K_COUNT) - 1)

void onestop_counts_from_prefix(onestop_counts_t *c, unsigned channel,
    const int64_t *p0, const int64_t *p1, const int64_t *p2);
void onestop_counts_add(onestop_counts_t *dst, const onestop_counts_t *src);
int onestop_counts_zero(const onestop_counts_t *c);

/* The query (parsed once, shared by HTTP and CLI). */

enum {
    ONESTOP_DIM_AGENCY = 1,
    ONESTOP_DIM_TOP_AGENCY,
    ONESTOP_DIM_FIELD,
    ONESTOP_DIM_PROCEDURE,
    ONESTOP_DIM_CHANNEL,
    ONESTOP_DIM_LEVEL,
    ONESTOP_DIM_KIND,           /* subject=feedback: a question's kind */
    ONESTOP_DIM_RETURN_CHANNEL  /* issue 18: how the result goes back */
};

enum {
    ONESTOP_IV_NONE = 0,
    ONESTOP_IV_DAY,
    ONESTOP_IV_MONTH,
    ONESTOP_IV_QUARTER,
    ONESTOP_IV_YEAR
};

/* what the statistics and the apology letters' list filter alike: the
 * dates and the catalog (interned ids; 0: none) */
typedef struct {
    onestop_day_t   from;
    onestop_day_t   to;
    int             has_from;
    int             has_to;
    uint32_t        agency;
    uint32_t        under;
    uint32_t        field;
    uint32_t        procedure;
} onestop_filter_t;

typedef struct {
    onestop_filter_t f;
    int             period;           /* 0, or 1 today .. 5 all */
    int             interval;         /* ONESTOP_IV_* */
    int             group[3];
    int             ngroup;
    int             channel;          /* -1 none */
    int             return_channel;   /* -1 none (ONESTOP_RET_*) */
    int             level;            /* 0 none */
    int             csv;              /* ONESTOP_FORMAT_* (onestop_csv.h) */
    int             subject;          /* 1: subject=feedback (Điều 13) */
    int             kind;             /* subject=feedback: -1 or the kind */
    int             published;        /* as=published (issue 18) */
    char            error[256];

    /* instead of rendering: each group's figures (dim NULL: the totals) */
    void          (*visit)(void *ctx, const uint32_t *dim,
                           const onestop_counts_t *c);
    void           *visit_ctx;
} onestop_query_t;

/*
 * Parses the arguments of SPEC section 7 (onestop_args_parse() splits a
 * query string into them) against a catalog.  Returns 0, or -1 with
 * q->error (a 400 for HTTP, a usage error for the CLI): a bad value, or
 * one of them given twice (one value each: a second is not preferred to
 * the first in silence).  Unknown arguments are ignored.  Dates are not
 * settled here: onestop_store_stats() resolves the defaults against the
 * store.
 */
int onestop_query_parse(onestop_query_t *q, const onestop_catalog_t *cat,
    const onestop_arg_t *args, size_t nargs);

/* The apology letters' list (Điều 11.3; SPEC section 7). */
typedef struct {
    onestop_filter_t f;
    size_t          limit;
    int             has_after;
    onestop_day_t   after_day;
    char            after_code[ONESTOP_CODE_MAX];
    size_t          after_len;
    int             csv;              /* ONESTOP_FORMAT_* (onestop_csv.h) */
    char            error[256];
} onestop_apology_query_t;

/* Parses agency, under, field, procedure, from, to, limit (1-1000, 100),
 * after (a cursor from a previous answer), format and locale, each at
 * most once.  0, or
 * -1 with q->error. */
int onestop_apology_query_parse(onestop_apology_query_t *q,
    const onestop_catalog_t *cat, const onestop_arg_t *args, size_t nargs);

#endif /* ONESTOP_STATS_H */
