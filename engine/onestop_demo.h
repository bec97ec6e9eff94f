/*
 * The demo data set: a deterministic, realistic synthetic catalog of Long
 * An's agencies, fields and procedures and a stream of dossier records
 * (SPEC section 3), for "onestop demo", tests and benchmarks.
 */

#ifndef ONESTOP_DEMO_H
#define ONESTOP_DEMO_H

#include <stddef.h>
#include <stdint.h>


/*
 * Called with one complete JSON text (not NUL-terminated necessarily; use
 * len).  Return 0 to go on, non-zero to stop (the generator then returns
 * that value).
 */
typedef int (*onestop_demo_emit_pt)(void *ctx, const char *json, size_t len);

/* A record's times, in UTC seconds: when it was received, and its newest
 * event (received, resolved, returned, withdrawn or its apology letter
 * issued): the version the record is, as of then. */
typedef struct {
    int64_t   received;
    int64_t   newest;
} onestop_demo_times_t;

typedef int (*onestop_demo_emit_timed_pt)(void *ctx, const char *json,
    size_t len, const onestop_demo_times_t *times);


/*
 * Generates the demo data set, deterministic for a seed: first calls
 * emit_catalog exactly once with the whole catalog JSON object (SPEC
 * section 3 catalog format: {"agencies":[...],"fields":[...],
 * "procedures":[...]}), then emit_record once per dossier with one dossier
 * record JSON object on a single line (no newline inside, no trailing
 * newline).  `today` is the local day number (days since 1970-01-01 in
 * UTC+07:00) -- no date in any record may be after today.  Returns 0 on
 * success, -1 on allocation failure, or the first non-zero value returned
 * by a callback.
 *
 * The catalog does not depend on the seed, ndossiers or today: it is the
 * same text on every call, so demo runs with other seeds merge into one
 * store.  Records come in the order they were received.
 */
int onestop_demo_generate(uint64_t seed, size_t ndossiers, int32_t today,
    onestop_demo_emit_pt emit_catalog, onestop_demo_emit_pt emit_record,
    void *ctx);

/* The same, each record with its times. */
int onestop_demo_generate_timed(uint64_t seed, size_t ndossiers,
    int32_t today, onestop_demo_emit_pt emit_catalog,
    onestop_demo_emit_timed_pt emit_record, void *ctx);

/* The first day of the data set for `today` (a local day number): the
 * first day a record may be received on. */
int32_t onestop_demo_first_day(int32_t today);


#endif /* ONESTOP_DEMO_H */
