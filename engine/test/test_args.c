/*
 * Unit tests of engine/args.c: the form decoding of names and values,
 * empty pieces and pieces without '=', the limit of ONESTOP_ARGS_MAX read
 * exactly (the 64th argument read, a 65th refused, never dropped), one
 * argument found among any number, "given twice", the quoting of values
 * in error messages (whole characters, never bytes that break UTF-8) and
 * the widget's name.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_args.h"
#include "onestop_util.h"
#include "tap.h"


static int
parse(onestop_args_t *a, const char *s, char **buf)
{
    *buf = realloc(*buf, strlen(s) + 1);
    return onestop_args_parse(a, s, strlen(s), *buf);
}


int
main(void)
{
    int                   i, rc;
    char                 *buf, *q, shown[ONESTOP_ARGS_SHOWN];
    size_t                n;
    onestop_str_t         v, agency, ext;
    onestop_args_t        a;
    const onestop_arg_t  *f;

    static const char  *const names[] = { "agency", "from", NULL };

    buf = NULL;

    /* decoding */

    is_int(parse(&a, "agency=000.00.12.H36&group=agency%2Cchannel", &buf), 0,
           "a plain query");
    is_int(a.n, 2, "two arguments");
    is_str(a.arg[0].key.data, a.arg[0].key.len, "agency", "first name");
    is_str(a.arg[0].value.data, a.arg[0].value.len, "000.00.12.H36",
           "first value");
    is_str(a.arg[1].value.data, a.arg[1].value.len, "agency,channel",
           "%%2C decoded");

    parse(&a, "%61gency=a+b%20c&x=%ZZ%4&y=%&z=100%25&%3D=%3d", &buf);
    is_int(a.n, 5, "five arguments");
    is_str(a.arg[0].key.data, a.arg[0].key.len, "agency", "a name decoded");
    is_str(a.arg[0].value.data, a.arg[0].value.len, "a b c",
           "'+' and %%20 are spaces");
    is_str(a.arg[1].value.data, a.arg[1].value.len, "%ZZ%4",
           "a bad escape stays as it is");
    is_str(a.arg[2].value.data, a.arg[2].value.len, "%", "a lone %%");
    is_str(a.arg[3].value.data, a.arg[3].value.len, "100%", "%%25");
    is_str(a.arg[4].key.data, a.arg[4].key.len, "=", "an escaped '='");
    is_str(a.arg[4].value.data, a.arg[4].value.len, "=", "lower-case hex");

    parse(&a, "&&agency&&=x&from=&", &buf);
    is_int(a.n, 3, "empty pieces are nothing");
    is_str(a.arg[0].key.data, a.arg[0].key.len, "agency", "a bare name");
    is_int(a.arg[0].value.len, 0, "a bare name has an empty value");
    is_int(a.arg[1].key.len, 0, "=x: an empty name");
    is_str(a.arg[2].key.data, a.arg[2].key.len, "from", "from=");

    is_int(parse(&a, "", &buf), 0, "an empty query");
    is_int(a.n, 0, "no argument");

    parse(&a, "a=%00b", &buf);
    is_int(a.arg[0].value.len, 2, "%%00 is a byte like any other");

    /* the limit, exactly */

    q = malloc(ONESTOP_ARGS_MAX * 16 + 64);
    q[0] = '\0';

    for (i = 1; i < ONESTOP_ARGS_MAX; i++) {
        sprintf(q + strlen(q), "d%d=%d&", i, i);
    }

    strcat(q, "agency=X");
    is_int(parse(&a, q, &buf), 0, "ONESTOP_ARGS_MAX arguments are read");
    is_int(a.n, ONESTOP_ARGS_MAX, "all of them");
    f = onestop_args_find(a.arg, a.n, "agency");
    ok(f != NULL && f->value.len == 1 && f->value.data[0] == 'X',
       "the last one too");

    strcat(q, "&agency=Y");
    is_int(parse(&a, q, &buf), -1, "one more is refused");
    is_str(a.error, strlen(a.error), "too many query arguments (at most 64)",
           "with the reason");
    free(q);

    /* one argument among any number */

    q = malloc(1000 * 16 + 64);
    q[0] = '\0';

    for (i = 1; i <= 1000; i++) {
        sprintf(q + strlen(q), "d%d=%d&", i, i);
    }

    strcat(q, "c%6Fde=A%2D1");
    n = strlen(q);
    buf = realloc(buf, n);
    rc = onestop_args_get(q, n, "code", buf, &v);
    is_int(rc, 1, "code found after 1000 arguments");
    is_str(v.data, v.len, "A-1", "its value decoded");
    is_int(onestop_args_get(q, n, "nope", buf, &v), 0, "an absent one");

    strcat(q, "&d=1&code=B");
    n = strlen(q);
    buf = realloc(buf, n);
    is_int(onestop_args_get(q, n, "code", buf, &v), -1,
           "code given twice");
    free(q);

    rc = onestop_args_get("code=longer-value&c=x", 21, "c", buf, &v);
    is_int(rc, 1, "a short name after a long value");
    is_str(v.data, v.len, "x", "its value");

    /* one value each */

    parse(&a, "agency=A&group=x&group=y&from=1", &buf);
    is_int(onestop_args_once(a.arg, a.n, names, shown, sizeof(shown)), 0,
           "group twice is not for this list to refuse");
    parse(&a, "agency=A&from=1&x=1&from=2", &buf);
    is_int(onestop_args_once(a.arg, a.n, names, shown, sizeof(shown)), -1,
           "from twice");
    is_str(shown, strlen(shown), "from is given twice", "says which");

    /* quoting */

    v.data = "Sở Tư pháp";
    v.len = strlen(v.data);
    onestop_args_quote(&v, shown);
    is_str(shown, strlen(shown), "Sở Tư pháp", "UTF-8 quoted whole");

    v.data = "\xff\xc3x\x01\xe1\xbb";
    v.len = 6;
    onestop_args_quote(&v, shown);
    is_str(shown, strlen(shown), "??x???", "bytes that are not UTF-8: '?'");

    q = malloc(200);
    memset(q, 'x', 62);
    memcpy(q + 62, "ở", 3);             /* across the 64th byte */
    memcpy(q + 65, "yy", 2);
    v.data = q;
    v.len = 67;
    onestop_args_quote(&v, shown);
    ok(strlen(shown) == 65 && memcmp(shown + 62, "...", 3) == 0,
       "a long value cut before a character it cannot hold whole");
    ok(onestop_utf8_valid(shown, strlen(shown)), "and still UTF-8");

    memset(q, 'x', 64);
    v.len = 64;
    onestop_args_quote(&v, shown);
    is_int(strlen(shown), 64, "64 bytes are not cut");
    free(q);

    /* the widget's name */

    ok(onestop_args_widget("000.00.12.H36.svg", 17, &agency, &ext) == 0
       && agency.len == 13 && ext.len == 3, "an agency's badge");
    ok(onestop_args_widget("province.html", 13, &agency, &ext) == 0
       && agency.len == 8 && ext.len == 4, "the province's card");
    is_int(onestop_args_widget("province.png", 12, &agency, &ext), -1,
           "another extension");
    is_int(onestop_args_widget(".svg", 4, &agency, &ext), -1, "no agency");
    is_int(onestop_args_widget("svg", 3, &agency, &ext), -1, "no dot");
    is_int(onestop_args_widget("", 0, &agency, &ext), -1, "empty");
    is_int(onestop_args_widget("a b.svg", 7, &agency, &ext), -1,
           "not an id");

    free(buf);

    return done_testing();
}
