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
    char    out[64], other[64];
    size_t  n, m;

    n = onestop_answer_key(out, "s", NULL, 0, "period=year", 11);
    is_str(out, n, "s?period=year", "statistics: prefix and arguments");

    n = onestop_answer_key(out, "w", "000.00.30.H36.svg", 17, "", 0);
    is_str(out, n, "w?000.00.30.H36.svg?", "a widget: its name apart");

    n = onestop_answer_key(out, "w", "a", 1, "b", 1);
    m = onestop_answer_key(other, "w", "ab", 2, "", 0);
    ok(n != m || memcmp(out, other, n) != 0,
       "name and arguments never run together");

    n = onestop_answer_key(out, "m1", NULL, 0, "", 0);
    is_str(out, n, "m1?", "no arguments");

    return done_testing();
}
