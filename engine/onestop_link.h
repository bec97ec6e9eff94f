/*
 * A connection to Redis as the log tells it (engine/link.c): up, down or
 * refusing, one line when an outage begins and one when it ends (not one
 * a retry), the retry's delay with backoff and jitter, and Redis's first
 * error reply kept for that line.  nginx's adapter
 * (ngx_http_onestop_hiredis.c) owns the socket and the timers and logs
 * what this says.
 */

#ifndef ONESTOP_LINK_H
#define ONESTOP_LINK_H

#include <stddef.h>
#include <stdint.h>


#define ONESTOP_LINK_UP          1
#define ONESTOP_LINK_DOWN        2
#define ONESTOP_LINK_REFUSING    3

#define ONESTOP_LINK_BACKOFF     100      /* ms, the first retry's */
#define ONESTOP_LINK_BACKOFF_MAX 5000

typedef struct {
    int             follow;       /* onestop_follow's words, not the
                                     publisher's */
    const char     *name;         /* HOST:PORT as configured */
    size_t          name_len;
    int             state;        /* 0: never connected yet */
    int64_t         down_since;   /* s */
    unsigned        backoff;      /* ms */
    char            error[120];   /* the first error reply's words */
    size_t          error_len;
} onestop_link_t;

void onestop_link_init(onestop_link_t *l, int follow, const char *name,
    size_t name_len);

/* Redis's error reply (str, len): kept unless one is kept already. */
void onestop_link_error(onestop_link_t *l, const char *str, size_t len);

/*
 * It failed at `now` (s): state DOWN (reason: why, len 0 for a C
 * string) or REFUSING (reason NULL: the error kept, or "unexpected
 * reply").  The retry's delay (ms) in *delay, from the backoff with
 * jitter (rnd, any random number), the backoff doubled up to the
 * maximum.  1 with the line to log at error in msg when an outage
 * begins; else 0.
 */
int onestop_link_failed(onestop_link_t *l, int state, const char *reason,
    size_t len, int64_t now, unsigned rnd, unsigned *delay, char *msg,
    size_t size);

/* It works at `now` (Redis has the changes up to acked of seq): the
 * backoff starts over; 1 with the line to log at notice when it was not
 * up; else 0. */
int onestop_link_up(onestop_link_t *l, uint64_t acked, uint64_t seq,
    int64_t now, char *msg, size_t size);

#endif /* ONESTOP_LINK_H */
