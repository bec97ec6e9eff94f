/*
 * The telemetry of the shared zone (engine/figures.c, issue 19): latency
 * histograms per handler with fixed buckets, writes by key name and
 * status, onestop_build_info, as Prometheus text.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_figures.h"
#include "tap.h"


static const char *const  handlers[] = { "none", "lookup", "ingest",
                                         "metrics" };

static onestop_tel_info_t  info = {
    "1.0.0", "1.22.1", 2, handlers, 4
};


/* the text of t, NUL-terminated */

static char *
render(const onestop_telemetry_t *t)
{
    onestop_buf_t  b;

    memset(&b, 0, sizeof(onestop_buf_t));
    onestop_tel_render(&b, t, &info);
    onestop_buf_add(&b, "", 1);

    return (char *) b.data;
}


static int
has(const char *text, const char *line)
{
    char        want[512];
    const char  *p;

    snprintf(want, sizeof(want), "%s\n", line);

    for (p = text; (p = strstr(p, want)) != NULL; p++) {
        if (p == text || p[-1] == '\n') {
            return 1;
        }
    }

    return 0;
}


static void
test_build_info(void)
{
    char                 *text;
    onestop_telemetry_t  *t;

    t = calloc(1, sizeof(onestop_telemetry_t));
    text = render(t);

    ok(has(text, "# TYPE onestop_build_info gauge"), "build_info's type");
    ok(has(text, "onestop_build_info{version=\"1.0.0\",nginx=\"1.22.1\","
           "schema=\"2\"} 1"), "build_info: version, nginx, schema");
    ok(strstr(text, "onestop_request_duration_seconds_bucket") == NULL,
       "no histogram before a request");
    ok(strstr(text, "onestop_writes_total{") == NULL, "no writes yet");
    ok(has(text, "# TYPE onestop_request_duration_seconds histogram"),
       "the histogram's type all the same");

    free(text);
    free(t);
}


static void
test_histogram(void)
{
    char                 *text;
    onestop_telemetry_t  *t;

    t = calloc(1, sizeof(onestop_telemetry_t));

    onestop_tel_observe(t, 1, 0);           /* 0 ms: le=0.001 */
    onestop_tel_observe(t, 1, 1000);        /* 1 ms: le=0.001 too */
    onestop_tel_observe(t, 1, 1001);        /* le=0.0025 */
    onestop_tel_observe(t, 1, 30000);       /* le=0.05 */
    onestop_tel_observe(t, 1, 9000000);     /* 9 s: +Inf only */
    onestop_tel_observe(t, 3, 2000);
    onestop_tel_observe(t, 0, 2000);        /* no handler: nothing */
    onestop_tel_observe(t, 99, 2000);       /* out of range: nothing */

    text = render(t);

    ok(has(text, "onestop_request_duration_seconds_bucket{handler=\"lookup\","
           "le=\"0.001\"} 2"), "le=0.001: 0 and 1 ms");
    ok(has(text, "onestop_request_duration_seconds_bucket{handler=\"lookup\","
           "le=\"0.0025\"} 3"), "le=0.0025: cumulative");
    ok(has(text, "onestop_request_duration_seconds_bucket{handler=\"lookup\","
           "le=\"0.025\"} 3"), "le=0.025");
    ok(has(text, "onestop_request_duration_seconds_bucket{handler=\"lookup\","
           "le=\"0.05\"} 4"), "le=0.05");
    ok(has(text, "onestop_request_duration_seconds_bucket{handler=\"lookup\","
           "le=\"5\"} 4"), "le=5: not the 9 s one");
    ok(has(text, "onestop_request_duration_seconds_bucket{handler=\"lookup\","
           "le=\"+Inf\"} 5"), "+Inf: all");
    ok(has(text, "onestop_request_duration_seconds_count{handler=\"lookup\"}"
           " 5"), "_count");
    ok(has(text, "onestop_request_duration_seconds_sum{handler=\"lookup\"}"
           " 9.032001"), "_sum in seconds");
    ok(has(text, "onestop_request_duration_seconds_count{handler=\"metrics\"}"
           " 1"), "another handler apart");
    ok(strstr(text, "handler=\"ingest\"") == NULL,
       "a handler that never answered: no series");
    ok(strstr(text, "handler=\"none\"") == NULL, "nor handler 0");

    free(text);
    free(t);
}


static void
test_writes(void)
{
    int                   i;
    char                 *text, name[32];
    onestop_telemetry_t  *t;

    t = calloc(1, sizeof(onestop_telemetry_t));

    onestop_tel_write(t, "so-tu-phap", 10, 200);
    onestop_tel_write(t, "so-tu-phap", 10, 200);
    onestop_tel_write(t, "so-tu-phap", 10, 403);
    onestop_tel_write(t, "so-xay-dung", 11, 507);
    onestop_tel_write(t, "so-xay-dung", 11, 418);
    onestop_tel_write(t, "", 0, 200);
    onestop_tel_write(t, "odd\"na\\me", 9, 422);

    /* the same name in two slots, as two processes naming it at once
     * would leave it */
    t->keys[5].len = 10;
    memcpy(t->keys[5].name, "so-tu-phap", 10);
    t->keys[5].n[0] = 5;
    t->keys[5].state = 2;

    text = render(t);

    ok(has(text, "# TYPE onestop_writes_total counter"), "a counter");
    ok(has(text, "onestop_writes_total{key=\"so-tu-phap\",status=\"200\"} 7"),
       "by key and status (two slots of one name added)");
    ok(has(text, "onestop_writes_total{key=\"so-tu-phap\",status=\"403\"} 1"),
       "a refusal");
    ok(has(text, "onestop_writes_total{key=\"so-xay-dung\",status=\"507\"} 1"),
       "another key");
    ok(has(text, "onestop_writes_total{key=\"so-xay-dung\",status=\"other\"}"
           " 1"), "a status not in the list: other");
    ok(has(text, "onestop_writes_total{key=\"-\",status=\"200\"} 1"),
       "no key: \"-\"");
    ok(has(text, "onestop_writes_total{key=\"odd\\\"na\\\\me\","
           "status=\"422\"} 1"), "a name's quote and backslash escaped");
    ok(strstr(strstr(text, "so-tu-phap") + 1, "so-tu-phap\",status=\"200")
       == NULL, "the name twice: one series");
    free(text);

    for (i = 0; i < ONESTOP_TEL_KEYS + 10; i++) {
        snprintf(name, sizeof(name), "key-%d", i);
        onestop_tel_write(t, name, strlen(name), 200);
    }

    onestop_tel_write(t, "a-name-far-too-long-to-keep-in-the-zone-0123456789",
                      50, 200);
    text = render(t);

    ok(has(text, "onestop_writes_total{key=\"key-0\",status=\"200\"} 1"),
       "many keys: the first have their own");
    ok(has(text, "onestop_writes_total{key=\"_other\",status=\"200\"} 15"),
       "past the room, and a name too long: _other");

    free(text);
    free(t);
}


/* the widgets' rates (figures.c): one decimal, half up, but 100,0 % and
 * 0,0 % only when exact */
static void
test_percent(void)
{
    size_t          i;
    onestop_buf_t   b;

    static const struct {
        int64_t      num, den;
        const char  *want;
    } cases[] = {
        { 197, 200, "98,5 %" }, { 1, 16, "6,3 %" }, { 2000, 2000, "100,0 %" },
        { 1999, 2000, "99,9 %" }, { 19999, 20000, "99,9 %" },
        { 1, 2000, "0,1 %" }, { 1, 20000, "0,1 %" }, { 0, 5, "0,0 %" },
        { 0, 0, "—" }, { 1995, 2000, "99,8 %" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&b, 0, sizeof(b));
        onestop_format_percent(&b, cases[i].num, cases[i].den);
        ok(b.data != NULL && strcmp(b.data, cases[i].want) == 0,
           "%lld of %lld: %s (%s)", (long long) cases[i].num,
           (long long) cases[i].den, cases[i].want, b.data ? b.data : "");
        onestop_buf_free(&b);
    }
}


int
main(void)
{
    test_build_info();
    test_histogram();
    test_writes();
    test_percent();

    return done_testing();
}
