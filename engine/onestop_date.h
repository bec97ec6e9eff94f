/*
 * Dates and times of the regulation: every rule compares local calendar
 * dates in one fixed UTC offset (Vietnam: +07:00, no daylight saving), so
 * a time is kept as an instant (seconds since the epoch) and turned into a
 * local day number only where a rule needs a date.
 *
 * A day number counts days since 1970-01-01 in the local calendar; it is
 * what statistics index by.
 */

#ifndef ONESTOP_DATE_H
#define ONESTOP_DATE_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t  onestop_day_t;

typedef struct {
    int64_t      sec;        /* UTC seconds; a date: its local midnight */
    uint8_t      set;        /* 0: absent */
    uint8_t      date_only;  /* written as YYYY-MM-DD */
} onestop_ts_t;

#define ONESTOP_DEFAULT_OFFSET   (7 * 3600)
#define ONESTOP_DATE_LEN         10          /* YYYY-MM-DD */
#define ONESTOP_TS_LEN           25          /* YYYY-MM-DDTHH:MM:SS+07:00 */
#define ONESTOP_DAY_FIRST        7305        /* 1990-01-01 */
#define ONESTOP_DAY_LAST         47846       /* 2100-12-31 */

onestop_day_t onestop_days_from_civil(int y, unsigned m, unsigned d);
void onestop_civil_from_days(onestop_day_t z, int *y, unsigned *m,
    unsigned *d);

/*
 * Parses "YYYY-MM-DD" or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)"
 * ('t' and 'z' accepted, fraction truncated, no leap second, years
 * 1990-2100).  A date is taken as local midnight in `offset`.
 * Returns 0, or -1 when the text is not such a time.
 */
int onestop_ts_parse(const char *s, size_t len, int32_t offset,
    onestop_ts_t *ts);

/* Parses "YYYY-MM-DD" (years 1990-2100) into a day number: 0 or -1. */
int onestop_day_parse(const char *s, size_t len, onestop_day_t *day);

/* Parses "+HH:MM" / "-HH:MM" (up to 14:00) into seconds: 0 or -1. */
int onestop_offset_parse(const char *s, size_t len, int32_t *offset);

/* The local day of an instant. */
onestop_day_t onestop_ts_day(const onestop_ts_t *ts, int32_t offset);
onestop_day_t onestop_sec_day(int64_t sec, int32_t offset);

/* Today in `offset`; ONESTOP_TODAY in the environment overrides it
 * (YYYY-MM-DD, for tests). */
onestop_day_t onestop_today(int32_t offset);

/* Now, as an instant: the clock, or the clock's time of day on the day
 * ONESTOP_TODAY names (ONESTOP_TIME=HH:MM, for tests, fixes the time of
 * day too). */
int64_t onestop_now(int32_t offset);

/* A time's local calendar date and time of day (a date: midnight). */
typedef struct {
    int          year;
    unsigned     month;
    unsigned     day;
    unsigned     hour;
    unsigned     minute;
    unsigned     second;
} onestop_civil_t;

void onestop_ts_civil(const onestop_ts_t *ts, int32_t offset,
    onestop_civil_t *c);

/* Writes "YYYY-MM-DD" (ONESTOP_DATE_LEN bytes, no NUL); returns the length. */
size_t onestop_day_format(onestop_day_t day, char *buf);

/* Writes a time as it would be printed locally: a date as "YYYY-MM-DD",
 * an instant as "YYYY-MM-DDTHH:MM:SS+07:00"; returns the length (no NUL). */
size_t onestop_ts_format(const onestop_ts_t *ts, int32_t offset, char *buf);

/* Writes "+07:00"; 6 bytes, no NUL. */
size_t onestop_offset_format(int32_t offset, char *buf);

#endif /* ONESTOP_DATE_H */
