/*
 * Unit tests of what the log says of a connection to Redis
 * (onestop_link.h): one line when an outage begins, whatever its kind,
 * none while it goes on, one when it ends (how long it lasted); the
 * follower's words; Redis's first error reply kept, without the
 * arguments it quotes, until a refusal uses it; the retry's delay within
 * [b/2, b], doubling to five seconds and starting over when it works.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_link.h"
#include "tap.h"


static void
test_publisher(void)
{
    char            msg[1024];
    unsigned        delay;
    onestop_link_t  l;

    onestop_link_init(&l, 0, "127.0.0.1:6379", 14);

    ok(onestop_link_failed(&l, ONESTOP_LINK_DOWN, "Connection refused", 0,
                           1000, 0, &delay, msg, sizeof(msg)),
       "the first failure is logged");
    ok(strstr(msg, "Redis at \"127.0.0.1:6379\" is unavailable "
                   "(Connection refused); changes wait in the outbox")
       != NULL, "saying what waits: %s", msg);
    is_int(delay, 50, "the first retry after 50 ms at least");

    ok(!onestop_link_failed(&l, ONESTOP_LINK_DOWN, "Connection refused", 0,
                            1001, 7, &delay, msg, sizeof(msg)),
       "a failure of the same outage is not");
    is_int(delay, 100 + 7, "the backoff doubled, the jitter added");

    onestop_link_error(&l, "NOAUTH Authentication required.", 31);
    onestop_link_error(&l, "ERR later", 9);
    ok(!onestop_link_failed(&l, ONESTOP_LINK_REFUSING, NULL, 0, 1002, 0,
                            &delay, msg, sizeof(msg)),
       "refusing after down: the same outage");
    is_int(l.error_len, 0, "the refusal used the error kept");

    for (int i = 0; i < 10; i++) {
        onestop_link_failed(&l, ONESTOP_LINK_DOWN, "x", 1, 1003, 999999,
                            &delay, msg, sizeof(msg));
    }

    ok(delay <= 5000 && delay >= 2500, "the backoff stops at 5 s: %u",
       delay);

    ok(onestop_link_up(&l, 7, 9, 1010, msg, sizeof(msg)),
       "back: logged");
    ok(strstr(msg, "is back after 10 s") != NULL
       && strstr(msg, "up to 7 of 9") != NULL, "how long, and where: %s",
       msg);
    ok(!onestop_link_up(&l, 8, 9, 1011, msg, sizeof(msg)),
       "up again: nothing to say");

    onestop_link_error(&l, "NOAUTH Authentication required.", 31);
    ok(onestop_link_failed(&l, ONESTOP_LINK_REFUSING, NULL, 0, 1020, 0,
                           &delay, msg, sizeof(msg)),
       "a refusal begins an outage");
    ok(strstr(msg, "refuses changes (NOAUTH Authentication required); "
                   "they wait") != NULL, "Redis's words: %s", msg);
    is_int(delay, 50, "the backoff started over when it worked");

    ok(!onestop_link_failed(&l, ONESTOP_LINK_REFUSING, NULL, 0, 1021, 0,
                            &delay, msg, sizeof(msg)), "again: quiet");

    onestop_link_init(&l, 0, "r:1", 3);
    ok(onestop_link_up(&l, 0, 5, 5, msg, sizeof(msg)), "the first start");
    ok(strstr(msg, "publishing changes to Redis at \"r:1\" (Redis has "
                   "them up to 0 of 5)") != NULL, "%s", msg);

    onestop_link_init(&l, 0, "r:1", 3);
    onestop_link_error(&l, "ERR wrong number of arguments for 'xadd' "
                       "command, with args beginning with: ", 76);
    onestop_link_failed(&l, ONESTOP_LINK_REFUSING, NULL, 0, 1, 0, &delay,
                        msg, sizeof(msg));
    ok(strstr(msg, "(ERR wrong number of arguments for 'xadd' command)")
       != NULL, "without the arguments quoted: %s", msg);

    onestop_link_init(&l, 0, "r:1", 3);
    onestop_link_failed(&l, ONESTOP_LINK_REFUSING, NULL, 0, 1, 0, &delay,
                        msg, sizeof(msg));
    ok(strstr(msg, "(unexpected reply)") != NULL,
       "a reply that made no sense: %s", msg);
}


static void
test_follower(void)
{
    char            msg[1024];
    unsigned        delay;
    onestop_link_t  l;

    onestop_link_init(&l, 1, "primary:6379", 12);

    ok(onestop_link_up(&l, 3, 3, 0, msg, sizeof(msg)), "following");
    ok(strstr(msg, "onestop_follow: reading the log from Redis at "
                   "\"primary:6379\" past change 3") != NULL, "%s", msg);

    ok(onestop_link_failed(&l, ONESTOP_LINK_DOWN, "EOF", 0, 5, 0, &delay,
                           msg, sizeof(msg)), "down");
    ok(strstr(msg, "onestop_follow: Redis at \"primary:6379\" is "
                   "unavailable or refuses (EOF); this node serves what "
                   "it has") != NULL, "%s", msg);

    ok(onestop_link_up(&l, 4, 4, 9, msg, sizeof(msg)), "back");
    ok(strstr(msg, "past change 4") != NULL, "%s", msg);
}


int
main(void)
{
    test_publisher();
    test_follower();

    return done_testing();
}
