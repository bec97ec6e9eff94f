/*
 * Dates and times: parsing RFC 3339 and plain dates, and day numbers in a
 * fixed UTC offset.  The civil-date arithmetic is Howard Hinnant's
 * days-from-civil algorithm, exact for the proleptic Gregorian calendar.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_date.h"


static int digits(const char *s, size_t n, int *out);
static int valid_ymd(int y, int m, int d);


onestop_day_t
onestop_days_from_civil(int y, unsigned m, unsigned d)
{
    int       era;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int) doe - 719468;
}


void
onestop_civil_from_days(onestop_day_t z, int *y, unsigned *m, unsigned *d)
{
    int       era;
    unsigned  doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned) (z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int) yoe + era * 400 + (*m <= 2);
}


static int
digits(const char *s, size_t n, int *out)
{
    int     v;
    size_t  i;

    v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }

    *out = v;
    return 0;
}


static int
valid_ymd(int y, int m, int d)
{
    static const int  mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };
    int               leap, max;

    if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1) {
        return 0;
    }

    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    max = mdays[m - 1] + (m == 2 && leap);

    return d <= max;
}


int
onestop_day_parse(const char *s, size_t len, onestop_day_t *day)
{
    int  y, m, d;

    if (len != 10 || s[4] != '-' || s[7] != '-'
        || digits(s, 4, &y) != 0 || digits(s + 5, 2, &m) != 0
        || digits(s + 8, 2, &d) != 0 || !valid_ymd(y, m, d))
    {
        return -1;
    }

    *day = onestop_days_from_civil(y, (unsigned) m, (unsigned) d);
    return 0;
}


int
onestop_offset_parse(const char *s, size_t len, int32_t *offset)
{
    int  h, m;

    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':'
        || digits(s + 1, 2, &h) != 0 || digits(s + 4, 2, &m) != 0
        || m > 59 || h * 60 + m > 14 * 60)
    {
        return -1;
    }

    *offset = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
    return 0;
}


int
onestop_ts_parse(const char *s, size_t len, int32_t offset, onestop_ts_t *ts)
{
    int            hh, mm, ss;
    size_t         i;
    int32_t        zone;
    onestop_day_t  day;

    if (len == 10) {
        if (onestop_day_parse(s, len, &day) != 0) {
            return -1;
        }

        ts->sec = (int64_t) day * 86400 - offset;
        ts->set = 1;
        ts->date_only = 1;
        return 0;
    }

    /* YYYY-MM-DDTHH:MM:SS then fraction and zone */

    if (len < 20 || onestop_day_parse(s, 10, &day) != 0
        || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':'
        || digits(s + 11, 2, &hh) != 0 || digits(s + 14, 2, &mm) != 0
        || digits(s + 17, 2, &ss) != 0 || hh > 23 || mm > 59 || ss > 59)
    {
        return -1;
    }

    i = 19;

    if (s[i] == '.') {
        i++;

        if (i >= len || s[i] < '0' || s[i] > '9') {
            return -1;
        }

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
    }

    if (i == len) {
        return -1;
    }

    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != len) {
            return -1;
        }
        zone = 0;

    } else if (onestop_offset_parse(s + i, len - i, &zone) != 0) {
        return -1;
    }

    ts->sec = (int64_t) day * 86400 + hh * 3600 + mm * 60 + ss - zone;
    ts->set = 1;
    ts->date_only = 0;
    return 0;
}


onestop_day_t
onestop_sec_day(int64_t sec, int32_t offset)
{
    int64_t  t;

    t = sec + offset;
    return (onestop_day_t) (t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}


onestop_day_t
onestop_ts_day(const onestop_ts_t *ts, int32_t offset)
{
    return onestop_sec_day(ts->sec, offset);
}


onestop_day_t
onestop_today(int32_t offset)
{
    const char     *fixed;
    onestop_day_t   day;

    fixed = getenv("ONESTOP_TODAY");

    if (fixed != NULL && strlen(fixed) == 10
        && onestop_day_parse(fixed, 10, &day) == 0)
    {
        return day;
    }

    return onestop_sec_day((int64_t) time(NULL), offset);
}


static void
put2(char *p, unsigned v)
{
    p[0] = (char) ('0' + v / 10 % 10);
    p[1] = (char) ('0' + v % 10);
}


size_t
onestop_day_format(onestop_day_t day, char *buf)
{
    int       y;
    unsigned  m, d;

    onestop_civil_from_days(day, &y, &m, &d);

    if (y < 0 || y > 9999) {
        y = 0;
    }

    put2(buf, (unsigned) y / 100);
    put2(buf + 2, (unsigned) y % 100);
    buf[4] = '-';
    put2(buf + 5, m);
    buf[7] = '-';
    put2(buf + 8, d);

    return ONESTOP_DATE_LEN;
}


size_t
onestop_offset_format(int32_t offset, char *buf)
{
    int32_t  a;

    a = offset < 0 ? -offset : offset;
    buf[0] = offset < 0 ? '-' : '+';
    put2(buf + 1, (unsigned) (a / 3600));
    buf[3] = ':';
    put2(buf + 4, (unsigned) (a / 60 % 60));

    return 6;
}


void
onestop_ts_civil(const onestop_ts_t *ts, int32_t offset, onestop_civil_t *c)
{
    int64_t        rem;
    onestop_day_t  day;

    day = onestop_ts_day(ts, offset);
    onestop_civil_from_days(day, &c->year, &c->month, &c->day);

    rem = ts->sec + offset - (int64_t) day * 86400;
    c->hour = (unsigned) (rem / 3600);
    c->minute = (unsigned) (rem / 60 % 60);
    c->second = (unsigned) (rem % 60);
}


size_t
onestop_ts_format(const onestop_ts_t *ts, int32_t offset, char *buf)
{
    onestop_civil_t  c;

    onestop_day_format(onestop_ts_day(ts, offset), buf);

    if (ts->date_only) {
        return ONESTOP_DATE_LEN;
    }

    onestop_ts_civil(ts, offset, &c);

    buf[10] = 'T';
    put2(buf + 11, c.hour);
    buf[13] = ':';
    put2(buf + 14, c.minute);
    buf[16] = ':';
    put2(buf + 17, c.second);
    onestop_offset_format(offset, buf + 19);

    return ONESTOP_TS_LEN;
}


int64_t
onestop_now(int32_t offset)
{
    int64_t        now, tod;
    onestop_day_t  today;

    now = (int64_t) time(NULL);
    today = onestop_today(offset);

    /* with ONESTOP_TODAY set (tests), the time of day now on that day */

    tod = now + offset - (int64_t) onestop_sec_day(now, offset) * 86400;

    /* and ONESTOP_TIME=HH:MM (tests of office hours) fixes the time */

    if (getenv("ONESTOP_TIME") != NULL) {
        const char  *t = getenv("ONESTOP_TIME");

        if (strlen(t) == 5 && t[2] == ':') {
            tod = ((t[0] - '0') * 10 + (t[1] - '0')) * 3600
                  + ((t[3] - '0') * 10 + (t[4] - '0')) * 60;
        }
    }

    return (int64_t) today * 86400 - offset + tod;
}
