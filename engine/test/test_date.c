/*
 * Unit tests of engine/date.c against SPEC section 3 and DOMAIN.md: the
 * accepted forms of a time (a local date, or RFC 3339 with Z/z, T/t, an
 * offset and a truncated fraction; years 1990-2100, no leap second), the
 * local day of an instant in UTC+07:00 near midnight, day and offset
 * formatting and parsing, and the civil calendar for every day of
 * 1990-2100.  Expected instants come from libc's timegm(), not from the
 * code under test.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_date.h"
#include "tap.h"


#define OFF  ONESTOP_DEFAULT_OFFSET


static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm  tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;

    return (int64_t) timegm(&tm);
}


static onestop_day_t
civil(int y, int mo, int d)
{
    return (onestop_day_t) (utc(y, mo, d, 0, 0, 0) / 86400);
}


/* The text in a heap buffer of exactly its length (no NUL), so that a read
 * past the end is caught by the address sanitizer. */
static int
tparse(const char *s, int32_t offset, onestop_ts_t *ts)
{
    int     rc;
    char   *p;
    size_t  n;

    n = strlen(s);
    p = malloc(n ? n : 1);

    if (p == NULL) {
        return -2;
    }

    memcpy(p, s, n);
    rc = onestop_ts_parse(p, n, offset, ts);
    free(p);

    return rc;
}


static int
dparse(const char *s, onestop_day_t *day)
{
    int     rc;
    char   *p;
    size_t  n;

    n = strlen(s);
    p = malloc(n ? n : 1);

    if (p == NULL) {
        return -2;
    }

    memcpy(p, s, n);
    rc = onestop_day_parse(p, n, day);
    free(p);

    return rc;
}


static int
oparse(const char *s, int32_t *offset)
{
    int     rc;
    char   *p;
    size_t  n;

    n = strlen(s);
    p = malloc(n ? n : 1);

    if (p == NULL) {
        return -2;
    }

    memcpy(p, s, n);
    rc = onestop_offset_parse(p, n, offset);
    free(p);

    return rc;
}


static void
accepts(const char *s, int64_t sec, int date_only)
{
    int           rc;
    onestop_ts_t  ts;

    memset(&ts, 0xa5, sizeof(ts));
    rc = tparse(s, OFF, &ts);

    is_int(rc, 0, "parses \"%s\"", s);

    if (rc == 0) {
        is_int(ts.sec, sec, "\"%s\" is the right instant", s);
        is_int(ts.set, 1, "\"%s\" is set", s);
        is_int(ts.date_only, date_only, "\"%s\" date_only is %d", s,
               date_only);
    }
}


static void
rejects(const char *s)
{
    onestop_ts_t  ts;

    memset(&ts, 0, sizeof(ts));
    is_int(tparse(s, OFF, &ts), -1, "rejects \"%s\"", s);
}


static void
local_day(const char *s, int32_t offset, int y, int mo, int d)
{
    onestop_ts_t  ts;

    memset(&ts, 0, sizeof(ts));

    if (tparse(s, offset, &ts) != 0) {
        ok(0, "\"%s\" parses (for its local day)", s);
        return;
    }

    is_int(onestop_ts_day(&ts, offset), civil(y, mo, d),
           "\"%s\" is local %04d-%02d-%02d at offset %d", s, y, mo, d,
           (int) offset);
}


static void
test_parse(void)
{
    int64_t  t;

    /* a date is local midnight in the given offset */

    accepts("2019-07-09", utc(2019, 7, 9, 0, 0, 0) - 7 * 3600, 1);
    accepts("1990-01-01", utc(1990, 1, 1, 0, 0, 0) - 7 * 3600, 1);
    accepts("2100-12-31", utc(2100, 12, 31, 0, 0, 0) - 7 * 3600, 1);
    accepts("2000-02-29", utc(2000, 2, 29, 0, 0, 0) - 7 * 3600, 1);
    accepts("2096-02-29", utc(2096, 2, 29, 0, 0, 0) - 7 * 3600, 1);

    {
        onestop_ts_t  ts;

        is_int(tparse("2019-07-09", 0, &ts), 0, "a date at offset 0");
        is_int(ts.sec, utc(2019, 7, 9, 0, 0, 0),
               "a date at offset 0 is UTC midnight");
        is_int(tparse("2019-07-09", -5 * 3600, &ts), 0,
               "a date at offset -05:00");
        is_int(ts.sec, utc(2019, 7, 9, 5, 0, 0),
               "a date at -05:00 is 05:00 UTC");
    }

    /* RFC 3339: one instant, many spellings */

    t = utc(2019, 7, 9, 1, 15, 0);

    accepts("2019-07-09T08:15:00+07:00", t, 0);
    accepts("2019-07-09t08:15:00+07:00", t, 0);
    accepts("2019-07-09T01:15:00Z", t, 0);
    accepts("2019-07-09T01:15:00z", t, 0);
    accepts("2019-07-09t01:15:00z", t, 0);
    accepts("2019-07-08T20:15:00-05:00", t, 0);
    accepts("2019-07-09T15:15:00+14:00", t, 0);
    accepts("2019-07-08T13:15:00-12:00", t, 0);
    accepts("2019-07-09T06:45:00+05:30", t, 0);
    accepts("2019-07-09T01:15:00+00:00", t, 0);
    accepts("2019-07-09T01:15:00-00:00", t, 0);

    /* fractions are truncated, never rounded */

    accepts("2019-07-09T08:15:00.0+07:00", t, 0);
    accepts("2019-07-09T08:15:00.5+07:00", t, 0);
    accepts("2019-07-09T08:15:00.999+07:00", t, 0);
    accepts("2019-07-09T01:15:00.999999999Z", t, 0);
    accepts("2019-07-09T01:15:00.123456789012345678901234567890z", t, 0);
    accepts("2019-07-09T23:59:59.999Z", utc(2019, 7, 9, 23, 59, 59), 0);

    /* edges of the accepted range (the years are those of the text) */

    accepts("1990-01-01T00:00:00+07:00", utc(1989, 12, 31, 17, 0, 0), 0);
    accepts("1990-01-01T00:00:00Z", utc(1990, 1, 1, 0, 0, 0), 0);
    accepts("2100-12-31T23:59:59Z", utc(2100, 12, 31, 23, 59, 59), 0);
    accepts("2100-12-31T23:59:59-05:00", utc(2101, 1, 1, 4, 59, 59), 0);
    accepts("2019-07-09T00:00:00+07:00", utc(2019, 7, 8, 17, 0, 0), 0);
    accepts("2019-07-09T23:59:59+07:00", utc(2019, 7, 9, 16, 59, 59), 0);
    accepts("2000-02-29T12:00:00Z", utc(2000, 2, 29, 12, 0, 0), 0);
    accepts("2024-02-29T12:00:00Z", utc(2024, 2, 29, 12, 0, 0), 0);

    /* no leap second, no hour 24, no impossible dates */

    rejects("2019-07-09T23:59:60Z");
    rejects("2016-12-31T23:59:60Z");
    rejects("2016-12-31T23:59:60.5Z");
    rejects("2019-07-09T24:00:00Z");
    rejects("2019-07-09T24:00:00+07:00");
    rejects("2019-07-09T08:60:00Z");
    rejects("2019-02-29");
    rejects("2019-02-29T10:00:00Z");
    rejects("2100-02-29");
    rejects("2100-02-29T00:00:00Z");
    rejects("2019-04-31");
    rejects("2019-04-31T08:00:00Z");
    rejects("2019-13-01");
    rejects("2019-00-10");
    rejects("2019-07-00");
    rejects("2019-07-32T00:00:00Z");

    /* years 1990-2100 */

    rejects("1989-12-31");
    rejects("1989-12-31T23:59:59Z");
    rejects("1989-12-31T23:59:59-05:00");
    rejects("2101-01-01");
    rejects("2101-01-01T00:00:00Z");
    rejects("2101-01-01T06:00:00+07:00");
    rejects("0000-01-01");
    rejects("9999-12-31T00:00:00Z");

    /* the zone is required */

    rejects("2019-07-09T08:15:00");
    rejects("2019-07-09T08:15:00.5");
    rejects("2019-07-09T08:15");
    rejects("2019-07-09T08:15Z");
    rejects("2019-07-09T08");

    /* malformed */

    rejects("");
    rejects("garbage");
    rejects("2019-07-09garbage12345");
    rejects("2019-7-09");
    rejects("2019-07-9");
    rejects("19-07-09");
    rejects("2019/07/09");
    rejects("20190709");
    rejects("2019-07-09 08:15:00Z");
    rejects("2019-07-09_08:15:00Z");
    rejects("2019-07-09T8:15:00Z");
    rejects("2019-07-09T08:15:0Z");
    rejects("2019-07-09T08-15-00Z");
    rejects("2019-07-09T08:15:00.Z");
    rejects("2019-07-09T08:15:00.+07:00");
    rejects("2019-07-09T08:15:00,5Z");
    rejects("2019-07-09T08:15:00+0700");
    rejects("2019-07-09T08:15:00+07");
    rejects("2019-07-09T08:15:00+7:00");
    rejects("2019-07-09T08:15:00+07:0");
    rejects("2019-07-09T08:15:00 +07:00");
    rejects("2019-07-09T08:15:00+07:60");
    rejects("2019-07-09T08:15:00+24:00");
    rejects("2019-07-09T08:15:00UTC");
    rejects("2019-07-09T08:15:00GMT+7");
    rejects("+2019-07-09");
    rejects("-2019-07-09");
    rejects(" 2019-07-09");
    rejects("2019-07-09T08:15:00Z ");
    rejects(" 2019-07-09T08:15:00Z");
    rejects("2019-07-09T\xef\xbc\x90\xef\xbc\x98:15:00Z");

    /* trailing bytes */

    rejects("2019-07-09 ");
    rejects("2019-07-09x");
    rejects("2019-07-09T");
    rejects("2019-07-09T08:15:00ZZ");
    rejects("2019-07-09T08:15:00Zjunk");
    rejects("2019-07-09T08:15:00z0");
    rejects("2019-07-09T08:15:00+07:00 ");
    rejects("2019-07-09T08:15:00+07:00Z");
    rejects("2019-07-09T08:15:00+07:00:00");
    rejects("2019-07-09T08:15:00.5Zx");
    rejects("2019-07-09T08:15:00+07:00\n");

    /* the length is the length: no NUL is needed, none is trusted */

    {
        onestop_ts_t  ts;
        const char    s[] = "2019-07-09T08:15:00+07:00";
        const char    z[] = "2019-07-09\0T08:15:00Z";

        is_int(onestop_ts_parse(s, 10, OFF, &ts), 0,
               "the first 10 bytes of a time are a date");
        is_int(ts.date_only, 1, "... taken as a date");
        is_int(onestop_ts_parse(s, 19, OFF, &ts), -1,
               "a time cut before its zone is rejected");
        is_int(onestop_ts_parse(s, 24, OFF, &ts), -1,
               "a time cut inside its offset is rejected");
        is_int(onestop_ts_parse(z, sizeof(z) - 1, OFF, &ts), -1,
               "a NUL inside the text is rejected");
    }
}


static void
test_ts_day(void)
{
    onestop_ts_t  ts;

    /* DOMAIN.md: a timestamp becomes a date in UTC+07:00 first */

    local_day("2019-07-09T17:30:00Z", OFF, 2019, 7, 10);
    local_day("2019-07-09T16:59:59Z", OFF, 2019, 7, 9);
    local_day("2019-07-09T17:00:00Z", OFF, 2019, 7, 10);
    local_day("2019-07-09T16:59:59.999Z", OFF, 2019, 7, 9);
    local_day("2019-07-10T00:30:00+09:00", OFF, 2019, 7, 9);
    local_day("2019-07-10T01:59:59+09:00", OFF, 2019, 7, 9);
    local_day("2019-07-10T02:00:00+09:00", OFF, 2019, 7, 10);
    local_day("2019-07-09T12:00:00-05:00", OFF, 2019, 7, 10);
    local_day("2019-07-09T11:59:59-05:00", OFF, 2019, 7, 9);
    local_day("2019-07-10T06:59:59+14:00", OFF, 2019, 7, 9);
    local_day("2019-07-09T00:00:00+07:00", OFF, 2019, 7, 9);
    local_day("2019-07-09T23:59:59+07:00", OFF, 2019, 7, 9);
    local_day("2019-12-31T17:00:00Z", OFF, 2020, 1, 1);
    local_day("2020-02-28T17:00:00Z", OFF, 2020, 2, 29);
    local_day("2019-02-28T17:00:00Z", OFF, 2019, 3, 1);
    local_day("1990-01-01T00:00:00+07:00", OFF, 1990, 1, 1);
    local_day("2100-12-31T23:59:59-12:00", OFF, 2101, 1, 1);

    /* a date is that local day */

    local_day("2019-07-09", OFF, 2019, 7, 9);
    local_day("2000-02-29", OFF, 2000, 2, 29);
    local_day("2100-12-31", OFF, 2100, 12, 31);
    local_day("1990-01-01", OFF, 1990, 1, 1);
    local_day("2019-07-09", -5 * 3600, 2019, 7, 9);
    local_day("2019-07-09", 14 * 3600, 2019, 7, 9);

    /* the same instant on other offsets */

    local_day("2019-07-09T17:30:00Z", 0, 2019, 7, 9);
    local_day("2019-07-09T17:30:00Z", -5 * 3600, 2019, 7, 9);
    local_day("2019-07-09T10:00:00Z", 14 * 3600, 2019, 7, 10);

    /* onestop_sec_day rounds towards the past, also before 1970 */

    is_int(onestop_sec_day(0, 0), 0, "sec 0 is day 0");
    is_int(onestop_sec_day(86399, 0), 0, "sec 86399 is day 0");
    is_int(onestop_sec_day(86400, 0), 1, "sec 86400 is day 1");
    is_int(onestop_sec_day(-1, 0), -1, "sec -1 is day -1");
    is_int(onestop_sec_day(-86400, 0), -1, "sec -86400 is day -1");
    is_int(onestop_sec_day(-86401, 0), -2, "sec -86401 is day -2");
    is_int(onestop_sec_day(-7 * 3600, OFF), 0,
           "1969-12-31T17:00Z is local day 0");
    is_int(onestop_sec_day(-7 * 3600 - 1, OFF), -1,
           "1969-12-31T16:59:59Z is local day -1");
    is_int(onestop_sec_day(utc(2019, 7, 9, 17, 0, 0), OFF),
           civil(2019, 7, 10), "onestop_sec_day agrees with ts_day");

    memset(&ts, 0, sizeof(ts));
    ts.sec = utc(2019, 7, 9, 16, 59, 59);
    ts.set = 1;
    is_int(onestop_ts_day(&ts, OFF), civil(2019, 7, 9),
           "ts_day of a hand-made instant");
}


static void
test_day_format(void)
{
    char           buf[ONESTOP_DATE_LEN + 8], want[32];
    int            y, m, d, bad_fmt, bad_parse, bad_len;
    size_t         n;
    onestop_day_t  day, got;
    static const int  mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };

    /* known values */

    n = onestop_day_format(civil(2019, 7, 9), buf);
    is_str(buf, n, "2019-07-09", "format 2019-07-09");
    n = onestop_day_format(civil(2000, 2, 29), buf);
    is_str(buf, n, "2000-02-29", "format 2000-02-29");
    n = onestop_day_format(civil(2100, 2, 28), buf);
    is_str(buf, n, "2100-02-28", "format 2100-02-28");
    n = onestop_day_format(civil(2100, 3, 1), buf);
    is_str(buf, n, "2100-03-01", "the day after 2100-02-28 is 2100-03-01");
    n = onestop_day_format(civil(2100, 2, 28) + 1, buf);
    is_str(buf, n, "2100-03-01", "2100 has no February 29");
    n = onestop_day_format(civil(2000, 2, 28) + 1, buf);
    is_str(buf, n, "2000-02-29", "2000 has a February 29");
    n = onestop_day_format(civil(1990, 1, 1), buf);
    is_str(buf, n, "1990-01-01", "format 1990-01-01");
    n = onestop_day_format(civil(2100, 12, 31), buf);
    is_str(buf, n, "2100-12-31", "format 2100-12-31");
    n = onestop_day_format(0, buf);
    is_str(buf, n, "1970-01-01", "day 0 is 1970-01-01");

    memset(buf, '#', sizeof(buf));
    n = onestop_day_format(civil(2019, 7, 9), buf);
    is_int(n, ONESTOP_DATE_LEN, "a date is %d bytes", ONESTOP_DATE_LEN);
    ok(buf[ONESTOP_DATE_LEN] == '#', "nothing is written after the date");

    /* parse */

    is_int(dparse("2019-07-09", &got), 0, "parse 2019-07-09");
    is_int(got, civil(2019, 7, 9), "... its day number");
    is_int(dparse("2000-02-29", &got), 0, "parse 2000-02-29");
    is_int(got, civil(2000, 2, 29), "... its day number");
    is_int(dparse("2100-02-28", &got), 0, "parse 2100-02-28");
    is_int(got, civil(2100, 2, 28), "... its day number");
    is_int(dparse("1990-01-01", &got), 0, "parse 1990-01-01");
    is_int(got, 7305, "1990-01-01 is day 7305");
    is_int(dparse("2100-12-31", &got), 0, "parse 2100-12-31");
    is_int(got, 47846, "2100-12-31 is day 47846");

    is_int(dparse("2100-02-29", &got), -1, "reject 2100-02-29");
    is_int(dparse("2019-02-29", &got), -1, "reject 2019-02-29");
    is_int(dparse("1900-02-29", &got), -1, "reject 1900-02-29");
    is_int(dparse("1989-12-31", &got), -1, "reject 1989-12-31");
    is_int(dparse("2101-01-01", &got), -1, "reject 2101-01-01");
    is_int(dparse("2019-06-31", &got), -1, "reject 2019-06-31");
    is_int(dparse("2019-07-09T00:00:00Z", &got), -1,
           "a day is a date, not a time");
    is_int(dparse("2019-07-9", &got), -1, "reject 2019-07-9");
    is_int(dparse("2019-07-09 ", &got), -1, "reject a trailing space");
    is_int(dparse("2019-07-0a", &got), -1, "reject a letter");
    is_int(dparse("", &got), -1, "reject the empty string");
    is_int(dparse("2019.07.09", &got), -1, "reject dots");

    /* every day of 1990..2100: format, parse and the calendar agree with
     * an independent count of days */

    bad_fmt = 0;
    bad_parse = 0;
    bad_len = 0;
    day = 7305;

    for (y = 1990; y <= 2100; y++) {
        for (m = 1; m <= 12; m++) {
            int  max = mdays[m - 1]
                       + (m == 2 && ((y % 4 == 0 && y % 100 != 0)
                                     || y % 400 == 0));

            for (d = 1; d <= max; d++, day++) {
                snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
                n = onestop_day_format(day, buf);

                if (n != ONESTOP_DATE_LEN) {
                    bad_len++;
                }

                if (memcmp(buf, want, ONESTOP_DATE_LEN) != 0) {
                    if (bad_fmt++ < 3) {
                        printf("# day %d: got %.10s, want %s\n", (int) day,
                               buf, want);
                    }
                }

                if (dparse(want, &got) != 0 || got != day) {
                    if (bad_parse++ < 3) {
                        printf("# %s: parse failed or gave %d\n", want,
                               (int) got);
                    }
                }
            }
        }
    }

    is_int(day, 47847, "the count ends after 2100-12-31");
    is_int(bad_len, 0, "every date is 10 bytes");
    is_int(bad_fmt, 0, "onestop_day_format of every day 1990..2100");
    is_int(bad_parse, 0, "onestop_day_parse of every day 1990..2100");
}


static void
test_civil(void)
{
    int            y, bad_to, bad_from, bad_oracle, bad_next;
    unsigned       m, d;
    onestop_day_t  day, first, last;

    first = onestop_days_from_civil(1990, 1, 1);
    last = onestop_days_from_civil(2100, 12, 31);

    is_int(onestop_days_from_civil(1970, 1, 1), 0, "1970-01-01 is day 0");
    is_int(onestop_days_from_civil(1969, 12, 31), -1, "1969-12-31 is -1");
    is_int(first, 7305, "1990-01-01 is day 7305");
    is_int(onestop_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
    is_int(onestop_days_from_civil(2019, 7, 9), 18086, "2019-07-09");
    is_int(last, 47846, "2100-12-31 is day 47846");

    bad_to = 0;
    bad_from = 0;
    bad_oracle = 0;
    bad_next = 0;

    for (day = first; day <= last; day++) {
        onestop_civil_from_days(day, &y, &m, &d);

        if (onestop_days_from_civil(y, m, d) != day) {
            bad_to++;
        }

        if (civil(y, (int) m, (int) d) != day) {
            if (bad_oracle++ < 3) {
                printf("# day %d: %04d-%02u-%02u\n", (int) day, y, m, d);
            }
        }

        if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) {
            bad_from++;
        }

        if (day > first) {
            int       py;
            unsigned  pm, pd;

            onestop_civil_from_days(day - 1, &py, &pm, &pd);

            /* the next day: d+1, or the 1st of the next month or year */
            if (!((py == y && pm == m && pd + 1 == d)
                  || (py == y && pm + 1 == m && d == 1)
                  || (py + 1 == y && pm == 12 && m == 1 && d == 1)))
            {
                bad_next++;
            }
        }
    }

    is_int(bad_to, 0, "days_from_civil(civil_from_days(d)) == d, "
           "1990..2100");
    is_int(bad_from, 0, "civil_from_days gives a plausible date");
    is_int(bad_oracle, 0, "civil_from_days agrees with timegm");
    is_int(bad_next, 0, "consecutive days are consecutive dates");
}


static void
ts_format_is(const char *in, int32_t offset, const char *want)
{
    char          buf[ONESTOP_TS_LEN + 8];
    size_t        n;
    onestop_ts_t  ts;

    if (tparse(in, OFF, &ts) != 0) {
        ok(0, "\"%s\" parses (for ts_format)", in);
        return;
    }

    memset(buf, '#', sizeof(buf));
    n = onestop_ts_format(&ts, offset, buf);
    is_str(buf, n, want, "ts_format(\"%s\", %d)", in, (int) offset);
    ok(buf[n] == '#', "ts_format writes %zu bytes and no more", n);
}


static void
test_ts_civil(void)
{
    onestop_ts_t     ts;
    onestop_civil_t  c;

    /* an instant in UTC, shown in +07:00: the next local day */

    if (tparse("2019-12-31T17:05:09Z", OFF, &ts) == 0) {
        onestop_ts_civil(&ts, OFF, &c);
        ok(c.year == 2020 && c.month == 1 && c.day == 1 && c.hour == 0
           && c.minute == 5 && c.second == 9,
           "civil: 2019-12-31T17:05:09Z is 2020-01-01 00:05:09 in +07:00");
        onestop_ts_civil(&ts, -5 * 3600, &c);
        ok(c.year == 2019 && c.month == 12 && c.day == 31 && c.hour == 12
           && c.minute == 5, "civil: and 2019-12-31 12:05 in -05:00");
    } else {
        ok(0, "parses (for civil)");
    }

    /* a date: local midnight */

    if (tparse("2024-02-29", OFF, &ts) == 0) {
        onestop_ts_civil(&ts, OFF, &c);
        ok(c.year == 2024 && c.month == 2 && c.day == 29 && c.hour == 0
           && c.minute == 0 && c.second == 0, "civil: a date at midnight");
    } else {
        ok(0, "parses (for civil)");
    }
}


static void
test_ts_format(void)
{
    int           bad;
    char          buf[ONESTOP_TS_LEN];
    size_t        n;
    int64_t       sec;
    onestop_ts_t  ts, back;

    ts_format_is("2019-07-09T01:15:00Z", OFF, "2019-07-09T08:15:00+07:00");
    ts_format_is("2019-07-09T08:15:00+07:00", OFF,
                 "2019-07-09T08:15:00+07:00");
    ts_format_is("2019-07-09T17:30:00Z", OFF, "2019-07-10T00:30:00+07:00");
    ts_format_is("2019-07-10T00:30:00+09:00", OFF,
                 "2019-07-09T22:30:00+07:00");
    ts_format_is("2019-07-09T16:59:59.999Z", OFF,
                 "2019-07-09T23:59:59+07:00");
    ts_format_is("2019-07-09T17:00:00Z", OFF, "2019-07-10T00:00:00+07:00");
    ts_format_is("2019-12-31T17:00:00Z", OFF, "2020-01-01T00:00:00+07:00");
    ts_format_is("2019-07-09T01:15:00Z", -5 * 3600,
                 "2019-07-08T20:15:00-05:00");
    ts_format_is("2019-07-09T01:15:00Z", 0, "2019-07-09T01:15:00+00:00");
    ts_format_is("2019-07-09T01:15:00Z", 5 * 3600 + 1800,
                 "2019-07-09T06:45:00+05:30");
    ts_format_is("1990-01-01T00:00:00+07:00", OFF,
                 "1990-01-01T00:00:00+07:00");
    ts_format_is("2100-12-31T23:59:59+07:00", OFF,
                 "2100-12-31T23:59:59+07:00");

    /* a date prints as a date */

    ts_format_is("2019-07-09", OFF, "2019-07-09");
    ts_format_is("2000-02-29", OFF, "2000-02-29");

    /* every minute of a day around midnight, and a second step over years:
     * format then parse is the same instant */

    bad = 0;

    for (sec = utc(2019, 7, 9, 12, 0, 0); sec < utc(2019, 7, 10, 12, 0, 0);
         sec += 61)
    {
        memset(&ts, 0, sizeof(ts));
        ts.sec = sec;
        ts.set = 1;
        n = onestop_ts_format(&ts, OFF, buf);

        if (n != ONESTOP_TS_LEN
            || onestop_ts_parse(buf, n, OFF, &back) != 0
            || back.sec != sec || back.date_only)
        {
            if (bad++ < 3) {
                printf("# %lld: %.*s\n", (long long) sec, (int) n, buf);
            }
        }
    }

    for (sec = utc(1990, 1, 1, 12, 0, 0); sec < utc(2100, 12, 31, 0, 0, 0);
         sec += 86400 * 7 + 3607)
    {
        memset(&ts, 0, sizeof(ts));
        ts.sec = sec;
        ts.set = 1;
        n = onestop_ts_format(&ts, -5 * 3600, buf);

        if (n != ONESTOP_TS_LEN
            || onestop_ts_parse(buf, n, OFF, &back) != 0
            || back.sec != sec)
        {
            if (bad++ < 3) {
                printf("# %lld: %.*s\n", (long long) sec, (int) n, buf);
            }
        }
    }

    is_int(bad, 0, "ts_format then ts_parse is the same instant");
}


static void
offset_is(const char *s, int32_t want)
{
    int32_t  got;
    int      rc;

    got = 12345;
    rc = oparse(s, &got);
    is_int(rc, 0, "offset \"%s\" parses", s);
    is_int(got, want, "offset \"%s\" is %d seconds", s, (int) want);
}


static void
test_offset(void)
{
    int      bad;
    char     buf[16];
    size_t   n;
    int32_t  off, got;

    offset_is("+07:00", 25200);
    offset_is("-05:00", -18000);
    offset_is("+00:00", 0);
    offset_is("-00:00", 0);
    offset_is("+14:00", 50400);
    offset_is("-12:00", -43200);
    offset_is("+05:30", 19800);
    offset_is("+05:45", 20700);
    offset_is("-09:30", -34200);
    offset_is("+13:59", 13 * 3600 + 59 * 60);

    is_int(oparse("07:00", &got), -1, "an offset needs its sign");
    is_int(oparse("+7:00", &got), -1, "reject +7:00");
    is_int(oparse("+07:0", &got), -1, "reject +07:0");
    is_int(oparse("+0700", &got), -1, "reject +0700");
    is_int(oparse("+07", &got), -1, "reject +07");
    is_int(oparse("+07:60", &got), -1, "reject +07:60");
    is_int(oparse("+14:01", &got), -1, "reject +14:01 (header: up to 14:00)");
    is_int(oparse("+15:00", &got), -1, "reject +15:00");
    is_int(oparse("-14:30", &got), -1, "reject -14:30");
    is_int(oparse("+07:00 ", &got), -1, "reject a trailing space");
    is_int(oparse("+07:00:00", &got), -1, "reject seconds");
    is_int(oparse("Z", &got), -1, "Z is not an offset here");
    is_int(oparse("", &got), -1, "reject the empty string");
    is_int(oparse("+aa:bb", &got), -1, "reject letters");
    is_int(oparse("*07:00", &got), -1, "reject another sign");

    memset(buf, '#', sizeof(buf));
    n = onestop_offset_format(25200, buf);
    is_str(buf, n, "+07:00", "format +07:00");
    ok(buf[6] == '#', "offset_format writes 6 bytes and no more");
    n = onestop_offset_format(-18000, buf);
    is_str(buf, n, "-05:00", "format -05:00");
    n = onestop_offset_format(0, buf);
    is_str(buf, n, "+00:00", "format +00:00");
    n = onestop_offset_format(50400, buf);
    is_str(buf, n, "+14:00", "format +14:00");
    n = onestop_offset_format(-43200, buf);
    is_str(buf, n, "-12:00", "format -12:00");
    n = onestop_offset_format(19800, buf);
    is_str(buf, n, "+05:30", "format +05:30");
    n = onestop_offset_format(-34200, buf);
    is_str(buf, n, "-09:30", "format -09:30");

    bad = 0;

    for (off = -12 * 3600; off <= 14 * 3600; off += 15 * 60) {
        n = onestop_offset_format(off, buf);

        if (n != 6 || onestop_offset_parse(buf, n, &got) != 0 || got != off)
        {
            if (bad++ < 3) {
                printf("# offset %d: %.6s\n", (int) off, buf);
            }
        }
    }

    is_int(bad, 0, "offset_format then offset_parse, -12:00..+14:00 by 15 "
           "minutes");
}


static void
test_today(void)
{
    onestop_day_t  now;

    /* the ONESTOP_TODAY override used by the tests of the whole project */

    setenv("ONESTOP_TODAY", "2019-07-09", 1);
    is_int(onestop_today(OFF), civil(2019, 7, 9), "ONESTOP_TODAY is today");
    is_int(onestop_today(-5 * 3600), civil(2019, 7, 9),
           "ONESTOP_TODAY whatever the offset");

    unsetenv("ONESTOP_TODAY");
    now = onestop_sec_day((int64_t) time(NULL), OFF);
    ok(onestop_today(OFF) - now >= 0 && onestop_today(OFF) - now <= 1,
       "without ONESTOP_TODAY, today is the clock's local day");

    setenv("ONESTOP_TODAY", "2019-07-09junk", 1);
    ok(onestop_today(OFF) != civil(2019, 7, 9),
       "ONESTOP_TODAY with trailing bytes is ignored");

    setenv("ONESTOP_TODAY", "2019-02-29", 1);
    ok(onestop_today(OFF) != civil(2019, 3, 1)
       && onestop_today(OFF) - now >= 0 && onestop_today(OFF) - now <= 1,
       "an impossible ONESTOP_TODAY is ignored");

    unsetenv("ONESTOP_TODAY");
}


int
main(void)
{
    test_parse();
    test_ts_day();
    test_day_format();
    test_civil();
    test_ts_format();
    test_ts_civil();
    test_offset();
    test_today();

    return done_testing();
}
