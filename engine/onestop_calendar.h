/*
 * Working days and office hours (Điều 9.1, 13.3): Saturdays and Sundays
 * are days off, and a calendar file names the other exceptions one date
 * a line, "YYYY-MM-DD off|work LABEL" (public holidays and Tết, and the
 * weekend days the government's yearly decisions make working days).
 * The rules that count in working days, and the moment an online
 * submission counts as received, are computed here and nowhere else.
 *
 * A calendar is immutable once made, so one may be shared by threads and
 * by processes forked after it was loaded.
 */

#ifndef ONESTOP_CALENDAR_H
#define ONESTOP_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_date.h"

typedef struct onestop_calendar_s  onestop_calendar_t;

#define ONESTOP_OFFICE_OPEN   (7 * 60)      /* minutes after midnight */
#define ONESTOP_OFFICE_CLOSE  (17 * 60)

/*
 * A calendar from the text of a calendar file (NULL or empty: weekends
 * only), with office hours 07:00-17:00.  `name` is the file's, for
 * messages.  NULL with err ("FILE:LINE: why") when a line is not
 * "YYYY-MM-DD off|work [LABEL]", when a date is listed twice, when "work"
 * names a weekday (it is one already), or when memory runs out.
 * Lines may end in "\r\n"; "#" begins a comment.
 */
onestop_calendar_t *onestop_calendar_parse(const char *text, size_t len,
    const char *name, char *err, size_t errlen);

/* The same of a file (NULL: weekends only). */
onestop_calendar_t *onestop_calendar_load(const char *file, char *err,
    size_t errlen);

void onestop_calendar_free(onestop_calendar_t *cal);

/*
 * The calendar as text that onestop_calendar_from_text() reads back: its
 * office hours "HH:MM-HH:MM" on the first line, then its dates as the
 * file gives them, "YYYY-MM-DD off|work LABEL", in order (cal NULL: the
 * hours of 07:00-17:00 alone, weekends only).  What nginx records in the
 * store for the CLI (store.c).  malloc'ed, *len bytes; NULL when memory
 * runs out.
 */
char *onestop_calendar_text(const onestop_calendar_t *cal, size_t *len);
onestop_calendar_t *onestop_calendar_from_text(const char *text, size_t len,
    char *err, size_t errlen);

/* Parses "HH:MM-HH:MM" (opening before closing) into minutes: 0 or -1. */
int onestop_office_hours_parse(const char *s, size_t len, unsigned *open,
    unsigned *close);

/* Sets the office hours (minutes, open < close <= 24 * 60). */
void onestop_calendar_set_hours(onestop_calendar_t *cal, unsigned open,
    unsigned close);
void onestop_calendar_hours(const onestop_calendar_t *cal, unsigned *open,
    unsigned *close);

/* 1 when the day is a working day. */
int onestop_calendar_working(const onestop_calendar_t *cal,
    onestop_day_t day);

/* The label the file gives the day, or NULL. */
const char *onestop_calendar_label(const onestop_calendar_t *cal,
    onestop_day_t day);

/* The first and last year the file names a date of (0 and 0: none). */
void onestop_calendar_years(const onestop_calendar_t *cal, int *first,
    int *last);

/*
 * 1 when the file names a date of `year` (every year has a holiday, so a
 * year it names none of is one it knows nothing of: its holidays would
 * count as working days), 0 otherwise or without a calendar.
 */
int onestop_calendar_has_year(const onestop_calendar_t *cal, int year);

/*
 * The first year, of today's and that of the day ONESTOP_CALENDAR_AHEAD
 * days later, that a calendar file names no date of, or 0: a due date
 * computed today (15 working days, Điều 13.3.b, and Tết's days off) or a
 * received moment (Điều 9.1) can fall that far ahead.
 */
#define ONESTOP_CALENDAR_AHEAD  45

int onestop_calendar_missing_year(const onestop_calendar_t *cal,
    onestop_day_t today);

/*
 * The n-th working day after `day` (n >= 1; n == 0: `day` itself).  A
 * period "within N working days from receipt" ends on
 * onestop_calendar_add(cal, received_day, N): the day of receipt does not
 * count (Civil Code 2015, art. 147: a period in days begins the next day).
 */
onestop_day_t onestop_calendar_add(const onestop_calendar_t *cal,
    onestop_day_t day, unsigned n);

/* The number of working days in (from, to]: 0 when to <= from. */
unsigned onestop_calendar_between(const onestop_calendar_t *cal,
    onestop_day_t from, onestop_day_t to);

/*
 * Điều 9.1: the moment a submission made online at `submitted` (UTC
 * seconds) counts as received: the submission itself when it is made
 * within office hours on a working day; the opening of the same day when
 * made before it; otherwise the opening of the next working day (after
 * the closing hour, or on a day off).
 */
int64_t onestop_calendar_received(const onestop_calendar_t *cal,
    int64_t submitted, int32_t offset);

#endif /* ONESTOP_CALENDAR_H */
