/*
 * Unit tests of the keys public answers are kept under in nginx's zone
 * (onestop_answer_key): the prefix of the answer's kind, the widget's
 * name when there is one, and the query string as sent, each part apart
 * so that no two answers share a key.
 */

#include <string.h>

#include "onestop_answer.h"
#include "tap.h"


int
main(void)
{
    char    out[96], other[96];
    size_t  n, m;

    n = onestop_answer_key(out, 0x0123456789abcdefULL, "s", NULL, 0, "period=year", 11);
    is_str(out, n, "0123456789abcdefs?period=year", "statistics: prefix and arguments");

    n = onestop_answer_key(out, 0x0123456789abcdefULL, "w", "000.00.30.H36.svg", 17, "", 0);
    is_str(out, n, "0123456789abcdefw?000.00.30.H36.svg?", "a widget: its name apart");

    n = onestop_answer_key(out, 0x0123456789abcdefULL, "w", "a", 1, "b", 1);
    m = onestop_answer_key(other, 0x0123456789abcdefULL, "w", "ab", 2, "", 0);
    ok(n != m || memcmp(out, other, n) != 0,
       "name and arguments never run together");

    n = onestop_answer_key(out, 0x0123456789abcdefULL, "m1", NULL, 0, "", 0);
    is_str(out, n, "0123456789abcdefm1?", "no arguments");

    n = onestop_answer_key(out, 1, "s", NULL, 0, "period=year", 11);
    m = onestop_answer_key(other, 2, "s", NULL, 0, "period=year", 11);
    ok(n == m && memcmp(out, other, n) != 0,
       "two stores: two keys for the same question");

    return done_testing();
}
