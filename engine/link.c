/*
 * A connection to Redis as the log tells it (onestop_link.h).  An outage
 * is one episode whether Redis is down or refuses, in any order: one line
 * at error when it begins, saying what waits and what to check, one at
 * notice when it ends; in between, retries after a delay that doubles up
 * to five seconds, each drawn from [b/2, b] so that the workers of many
 * nodes do not knock in step.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "onestop_feed.h"
#include "onestop_link.h"


void
onestop_link_init(onestop_link_t *l, int follow, const char *name,
    size_t name_len)
{
    memset(l, 0, sizeof(onestop_link_t));
    l->follow = follow;
    l->name = name;
    l->name_len = name_len;
    l->backoff = ONESTOP_LINK_BACKOFF;
}


/* only Redis's words, without the arguments some versions quote */

void
onestop_link_error(onestop_link_t *l, const char *str, size_t len)
{
    if (l->error_len || str == NULL) {
        return;
    }

    len = onestop_feed_error(str, len < sizeof(l->error) ? len
                                                         : sizeof(l->error));
    memcpy(l->error, str, len);
    l->error_len = len;

    if (len == 0) {
        memcpy(l->error, "error", 5);
        l->error_len = 5;
    }
}


int
onestop_link_failed(onestop_link_t *l, int state, const char *reason,
    size_t len, int64_t now, unsigned rnd, unsigned *delay, char *msg,
    size_t size)
{
    int  begins;

    if (reason == NULL) {
        reason = l->error_len ? l->error : "unexpected reply";
        len = l->error_len;
    }

    if (len == 0) {
        len = strlen(reason);
    }

    begins = (l->state == 0 || l->state == ONESTOP_LINK_UP);

    if (begins) {
        l->down_since = now;

        if (l->follow) {
            snprintf(msg, size, "onestop_follow: Redis at \"%.*s\" is "
                     "unavailable or refuses (%.*s); this node serves what "
                     "it has and catches up when it is back: check that "
                     "redis-server runs there and the password",
                     (int) l->name_len, l->name, (int) len, reason);

        } else if (state == ONESTOP_LINK_DOWN) {
            snprintf(msg, size, "onestop_redis: Redis at \"%.*s\" is "
                     "unavailable (%.*s); changes wait in the outbox (up to "
                     "onestop_outbox_max) and are published when it is "
                     "back: check that redis-server runs and listens there "
                     "(redis-cli -h HOST -p PORT ping)",
                     (int) l->name_len, l->name, (int) len, reason);

        } else {
            snprintf(msg, size, "onestop_redis: Redis at \"%.*s\" refuses "
                     "changes (%.*s); they wait in the outbox: check the "
                     "password (password_file=, Redis's requirepass), db= "
                     "and Redis's own log",
                     (int) l->name_len, l->name, (int) len, reason);
        }
    }

    l->state = state;

    if (state == ONESTOP_LINK_REFUSING) {
        l->error_len = 0;
    }

    /* backoff with jitter: [b/2, b], doubling up to the maximum */

    *delay = l->backoff / 2 + rnd % (l->backoff / 2 + 1);
    l->backoff = l->backoff * 2 < ONESTOP_LINK_BACKOFF_MAX
                 ? l->backoff * 2 : ONESTOP_LINK_BACKOFF_MAX;

    return begins;
}


int
onestop_link_up(onestop_link_t *l, uint64_t acked, uint64_t seq,
    int64_t now, char *msg, size_t size)
{
    int  state;

    state = l->state;
    l->state = ONESTOP_LINK_UP;
    l->backoff = ONESTOP_LINK_BACKOFF;

    if (state != ONESTOP_LINK_UP && l->follow) {
        snprintf(msg, size, "onestop_follow: reading the log from Redis at "
                 "\"%.*s\" past change %" PRIu64, (int) l->name_len,
                 l->name, seq);

    } else if (state == 0) {
        snprintf(msg, size, "onestop_redis: publishing changes to Redis at "
                 "\"%.*s\" (Redis has them up to %" PRIu64 " of %" PRIu64
                 ")", (int) l->name_len, l->name, acked, seq);

    } else if (state != ONESTOP_LINK_UP) {
        snprintf(msg, size, "onestop_redis: Redis at \"%.*s\" is back after "
                 "%" PRId64 " s: publishing the changes that waited (Redis "
                 "has them up to %" PRIu64 " of %" PRIu64 "); nothing to do",
                 (int) l->name_len, l->name, now - l->down_since, acked,
                 seq);

    } else {
        return 0;
    }

    return 1;
}
