/*
 * Unit tests of the statistics query's parser (SPEC section 7,
 * onestop_query_parse) on a query string split by onestop_args_parse, as
 * nginx does: every argument (from/to, period, group up to three,
 * interval, the filters agency/under/field/procedure/channel/level,
 * format), the defaults, and every error (period with from/to, an unknown
 * or repeated dimension, four of them, interval with group, bad dates,
 * ids the catalog lacks, an argument given twice, too many arguments);
 * and the form decoding of the query string itself.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_args.h"
#include "onestop_catalog.h"
#include "onestop_stats.h"
#include "tap.h"
#include "civil.h"


static onestop_catalog_t  *cat;
static onestop_query_t     q;
static char               *buf;



static onestop_catalog_t *
catalog(void)
{
    onestop_catalog_t  *c;

    c = onestop_catalog_create(4, 2, 3);

    if (c == NULL) {
        return NULL;
    }

#define S(s)  ((onestop_str_t) onestop_str(s))

    if (onestop_catalog_set_agency(c, 1, S("000.00.12.H36"), S("Sở Tư pháp"),
                                   ONESTOP_LEVEL_PROVINCE, 0) != 0
        || onestop_catalog_set_agency(c, 2, S("000.00.30.H36"),
                                      S("UBND huyện Bến Lức"),
                                      ONESTOP_LEVEL_DISTRICT, 0) != 0
        || onestop_catalog_set_agency(c, 3, S("000.30.01.H36"),
                                      S("UBND thị trấn Bến Lức"),
                                      ONESTOP_LEVEL_COMMUNE, 2) != 0
        || onestop_catalog_set_agency(c, 4, S("000.30.02.H36"),
                                      S("UBND xã Thạnh Đức"),
                                      ONESTOP_LEVEL_COMMUNE, 2) != 0
        || onestop_catalog_set_field(c, 1, S("tu-phap"), S("Tư pháp")) != 0
        || onestop_catalog_set_field(c, 2, S("ho-tich"), S("Hộ tịch")) != 0
        || onestop_catalog_set_procedure(c, 1, S("1.001234"),
                                         S("Cấp phiếu lý lịch tư pháp"), 1)
           != 0
        || onestop_catalog_set_procedure(c, 2, S("1.000894"),
                                         S("Đăng ký khai sinh"), 2) != 0
        || onestop_catalog_set_procedure(c, 3, S("1.000895"),
                                         S("Trích lục"), 2) != 0
        || onestop_catalog_finish(c) != 0)
    {
        onestop_catalog_destroy(c);
        return NULL;
    }

#undef S

    return c;
}


/* onestop_query_parse on a query string: 0, -1 (q.error), or -2 when the
 * string itself is refused (too many arguments) */
static int
parse(const char *s)
{
    onestop_args_t  a;

    buf = realloc(buf, strlen(s) + 1);

    if (onestop_args_parse(&a, s, strlen(s), buf) != 0) {
        snprintf(q.error, sizeof(q.error), "%s", a.error);
        return -2;
    }

    return onestop_query_parse(&q, cat, a.arg, a.n);
}


/* a query refused, with a message that holds `why` */
static void
refused(const char *s, const char *why)
{
    int  rc;

    rc = parse(s);
    ok(rc == -1 && strstr(q.error, why) != NULL, "?%s is refused: %s", s,
       q.error);

    if (rc != -1) {
        printf("#   returned %d\n", rc);
    }
}


static void
test_decoding(void)
{
    onestop_args_t  a;

    buf = realloc(buf, 128);

    is_int(onestop_args_parse(&a, "group=agency%2Cchannel&under=000.00.30"
                              ".H36&x+y=a+b%20c", 54, buf), 0,
           "a query string is split");
    is_int(a.n, 3, "into three arguments");
    is_str(a.arg[0].value.data, a.arg[0].value.len, "agency,channel",
           "%%2C is a comma");
    is_str(a.arg[2].key.data, a.arg[2].key.len, "x y", "'+' in a name");
    is_str(a.arg[2].value.data, a.arg[2].value.len, "a b c",
           "'+' and %%20 in a value");

    onestop_args_parse(&a, "a=%zz&b=%4&c=%&d=%41%4a%4A", 26, buf);
    is_str(a.arg[0].value.data, a.arg[0].value.len, "%zz",
           "%%zz stays as it is");
    is_str(a.arg[1].value.data, a.arg[1].value.len, "%4",
           "a cut escape stays");
    is_str(a.arg[2].value.data, a.arg[2].value.len, "%", "a lone %%");
    is_str(a.arg[3].value.data, a.arg[3].value.len, "AJJ",
           "both cases of hex digits");

    onestop_args_parse(&a, "format&&from=", 13, buf);
    is_int(a.n, 2, "an empty piece is nothing");
    is_str(a.arg[0].key.data, a.arg[0].key.len, "format",
           "a name without '='");
    is_int(a.arg[0].value.len, 0, "has an empty value");
    is_int(a.arg[1].value.len, 0, "from= too");

    /* what the parser makes of them */

    refused("format", "format must be json or csv");
    refused("from", "from must be a date");
    refused("agency", "no agency \"\" in the catalog");
    refused("group", "group is up to three");
    is_int(parse("from=2019-01-01&to=2019-12-31&group=agency%2Cfield"), 0,
           "an encoded comma between dimensions");
    is_int(q.ngroup, 2, "two dimensions");
    is_int(parse("agency=000.00.12%2EH36"), 0, "an encoded dot in an id");
    is_int(q.f.agency, 1, "the agency");
}


static void
test_arguments(void)
{
    int          i;
    static const char  *periods[] = { "today", "month", "quarter", "year",
                                      "all" };
    static const char  *intervals[] = { "day", "month", "quarter", "year" };
    char         s[128];

    /* the defaults */

    is_int(parse(""), 0, "no argument");
    ok(!q.f.has_from && !q.f.has_to, "no from, no to (settled later)");
    ok(q.period == 0 && q.interval == ONESTOP_IV_NONE && q.ngroup == 0,
       "no period, interval or group");
    ok(q.f.agency == 0 && q.f.under == 0 && q.f.field == 0
       && q.f.procedure == 0, "no catalog filter");
    is_int(q.channel, -1, "no channel");
    is_int(q.level, 0, "no level");
    is_int(q.csv, 0, "JSON");
    ok(q.visit == NULL, "rendered, not visited");

    is_int(parse("utm_source=x&_=123&page=2"), 0,
           "other arguments are ignored");

    /* dates */

    is_int(parse("from=2019-07-09&to=2020-02-29"), 0, "from and to");
    ok(q.f.has_from && q.f.from == civil(2019, 7, 9), "from");
    ok(q.f.has_to && q.f.to == civil(2020, 2, 29), "to, a leap day");
    is_int(parse("to=2019-07-09"), 0, "to alone");
    ok(!q.f.has_from && q.f.has_to, "from is left to the default");
    is_int(parse("from=2019-07-09"), 0, "from alone");
    ok(q.f.has_from && !q.f.has_to, "to is left to the default");
    is_int(parse("from=2020-02-01&to=2019-01-01"), 0,
           "from after to is the store's to refuse, once to is settled");

    refused("from=2019-02-29", "from must be a date YYYY-MM-DD");
    refused("to=2019-13-01", "to must be a date YYYY-MM-DD");
    refused("from=2019-7-9", "from must be a date");
    refused("from=1989-12-31", "from must be a date");
    refused("to=2101-01-01", "to must be a date");
    refused("from=2019-07-09T00:00:00%2B07:00", "from must be a date");
    refused("from=yesterday", "from must be a date");
    refused("from=", "from must be a date");

    /* period */

    for (i = 0; i < 5; i++) {
        snprintf(s, sizeof(s), "period=%s", periods[i]);
        is_int(parse(s), 0, "%s", s);
        is_int(q.period, i + 1, "period %s is %d", periods[i], i + 1);
    }

    refused("period=week", "period must be today, month, quarter, year or "
            "all");
    refused("period=Month", "period must be");
    refused("period=month&from=2019-01-01",
            "period cannot be combined with from or to");
    refused("to=2019-01-01&period=year",
            "period cannot be combined with from or to");

    /* group */

    is_int(parse("group=agency,top_agency,field"), 0, "three dimensions");
    ok(q.ngroup == 3 && q.group[0] == ONESTOP_DIM_AGENCY
       && q.group[1] == ONESTOP_DIM_TOP_AGENCY
       && q.group[2] == ONESTOP_DIM_FIELD, "in their order");
    is_int(parse("group=level,channel,procedure"), 0, "three others");
    ok(q.ngroup == 3 && q.group[0] == ONESTOP_DIM_LEVEL
       && q.group[1] == ONESTOP_DIM_CHANNEL
       && q.group[2] == ONESTOP_DIM_PROCEDURE, "in their order too");
    is_int(parse("group=procedure"), 0, "one dimension");
    ok(q.ngroup == 1 && q.group[0] == ONESTOP_DIM_PROCEDURE, "procedure");

    refused("group=agency,field,channel,level", "group is up to three");
    refused("group=district", "group is up to three of agency, top_agency, "
            "field, procedure, channel, level");
    refused("group=Agency", "group is up to three");
    refused("group=agency,", "group is up to three");
    refused("group=,agency", "group is up to three");
    refused("group=agency,,field", "group is up to three");
    refused("group=", "group is up to three");
    refused("group=agency,agency", "group names a dimension twice");
    refused("group=agency&group=field", "group is given twice");

    /* interval */

    for (i = 0; i < 4; i++) {
        snprintf(s, sizeof(s), "interval=%s&from=2019-01-01", intervals[i]);
        is_int(parse(s), 0, "%s", s);
        is_int(q.interval, ONESTOP_IV_DAY + i, "interval %s", intervals[i]);
    }

    is_int(parse("interval=month&period=year"), 0, "interval with a period");
    refused("interval=week", "interval must be day, month, quarter or year");
    refused("interval=month&group=agency",
            "interval cannot be combined with group");

    /* filters */

    is_int(parse("agency=000.30.01.H36"), 0, "agency");
    is_int(q.f.agency, 3, "its interned id");
    is_int(parse("under=000.00.30.H36"), 0, "under");
    is_int(q.f.under, 2, "its interned id");
    is_int(parse("field=ho-tich"), 0, "field");
    is_int(q.f.field, 2, "its interned id");
    is_int(parse("procedure=1.000895"), 0, "procedure");
    is_int(q.f.procedure, 3, "its interned id");
    is_int(parse("channel=direct"), 0, "channel direct");
    is_int(q.channel, ONESTOP_CH_DIRECT, "direct");
    is_int(parse("channel=online"), 0, "channel online");
    is_int(q.channel, ONESTOP_CH_ONLINE, "online");
    is_int(parse("channel=postal"), 0, "channel postal");
    is_int(q.channel, ONESTOP_CH_POSTAL, "postal");
    is_int(parse("level=province"), 0, "level province");
    is_int(q.level, ONESTOP_LEVEL_PROVINCE, "province");
    is_int(parse("level=district"), 0, "level district");
    is_int(q.level, ONESTOP_LEVEL_DISTRICT, "district");
    is_int(parse("level=commune"), 0, "level commune");
    is_int(q.level, ONESTOP_LEVEL_COMMUNE, "commune");

    is_int(parse("agency=000.30.02.H36&under=000.00.30.H36&field=tu-phap"
                 "&procedure=1.001234&channel=online&level=commune"
                 "&group=channel&from=2019-01-01&to=2019-03-31&format=csv"),
           0, "every filter at once");
    ok(q.f.agency == 4 && q.f.under == 2 && q.f.field == 1
       && q.f.procedure == 1 && q.channel == ONESTOP_CH_ONLINE
       && q.level == ONESTOP_LEVEL_COMMUNE && q.ngroup == 1 && q.csv == 1,
       "each as given");

    refused("agency=000.99.99.H36",
            "agency: no agency \"000.99.99.H36\" in the catalog");
    refused("under=000.99.99.H36",
            "under: no agency \"000.99.99.H36\" in the catalog");
    refused("agency=province", "no agency \"province\"");
    refused("field=xay-dung", "field: no field \"xay-dung\" in the catalog");
    refused("procedure=1.009999",
            "procedure: no procedure \"1.009999\" in the catalog");
    refused("procedure=tu-phap", "no procedure");
    refused("field=1.001234", "no field");
    refused("channel=email", "channel must be direct, online or postal");
    refused("channel=", "channel must be");
    refused("level=ward", "level must be province, district or commune");

    /* format */

    is_int(parse("format=json"), 0, "format json");
    is_int(q.csv, 0, "JSON");
    is_int(parse("format=csv"), 0, "format csv");
    is_int(q.csv, 1, "CSV");
    refused("format=xml", "format must be json or csv");
    refused("format=CSV", "format must be json or csv");
}


static void
test_once(void)
{
    int           i;
    char          s[2048];
    static const char  *twice[] = {
        "from=2019-01-01&from=2019-01-01",
        "to=2019-01-01&x=1&to=2019-02-01",
        "period=year&period=month",
        "interval=day&interval=day",
        "agency=000.00.12.H36&agency=000.30.01.H36",
        "under=000.00.30.H36&under=000.00.30.H36",
        "field=tu-phap&field=ho-tich",
        "procedure=1.001234&procedure=1.001234",
        "channel=online&channel=postal",
        "level=commune&level=commune",
        "format=csv&format=json",
        "group=agency&group=agency"
    };

    for (i = 0; i < (int) (sizeof(twice) / sizeof(twice[0])); i++) {
        char  name[16];

        snprintf(name, sizeof(name), "%.*s", (int) strcspn(twice[i], "="),
                 twice[i]);
        snprintf(s, sizeof(s), "%s is given twice", name);
        refused(twice[i], s);
    }

    is_int(parse("x=1&x=2&utm=a&utm=b"), 0,
           "other arguments may come twice");

    /* the number of arguments */

    s[0] = '\0';

    for (i = 1; i < ONESTOP_ARGS_MAX; i++) {
        sprintf(s + strlen(s), "p%d=%d&", i, i);
    }

    strcat(s, "channel=postal");
    is_int(parse(s), 0, "ONESTOP_ARGS_MAX arguments");
    is_int(q.channel, ONESTOP_CH_POSTAL, "the last one is read");

    strcat(s, "&format=csv");
    is_int(parse(s), -2, "one more is refused");
    ok(strstr(q.error, "too many query arguments") != NULL, "says why: %s",
       q.error);
}


int
main(void)
{
    cat = catalog();
    ok(cat != NULL, "a catalog");

    if (cat == NULL) {
        return done_testing();
    }

    test_decoding();
    test_arguments();
    test_once();

    onestop_catalog_destroy(cat);
    free(buf);

    return done_testing();
}
