/*
 * Working days and office hours (engine/calendar.c) on the shipped
 * calendar, conf/calendar-vn.txt: real Tết weeks, swapped Saturdays, the
 * 15 working days of Điều 13.3, and the received moment of Điều 9.1.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_calendar.h"

#include "civil.h"
#include "tap.h"


#define OFF  (7 * 3600)

/* a local time in +07:00 as UTC seconds */
static int64_t
at(int y, int mo, int d, int h, int mi)
{
    return (int64_t) civil(y, mo, d) * 86400 + h * 3600 + mi * 60 - OFF;
}


static void
refused(const char *text, const char *what)
{
    char                 err[256];
    onestop_calendar_t  *cal;

    err[0] = '\0';
    cal = onestop_calendar_parse(text, strlen(text), "t.txt", err,
                                 sizeof(err));
    ok(cal == NULL && strncmp(err, "t.txt", 5) == 0, "refused: %s (%s)", what,
       err);
    onestop_calendar_free(cal);
}


int
main(void)
{
    char                 err[256];
    unsigned             open, close;
    int                  first, last;
    onestop_calendar_t  *cal, *plain;
    const char          *text;

    cal = onestop_calendar_load("conf/calendar-vn.txt", err, sizeof(err));
    ok(cal != NULL, "conf/calendar-vn.txt loads (%s)", cal ? "" : err);

    if (cal == NULL) {
        return done_testing();
    }

    onestop_calendar_years(cal, &first, &last);
    ok(first <= 2019 && last == 2027, "it covers 2019 to 2027 (%d-%d)",
       first, last);

    /* the years it knows, and what a start on a given day warns of */
    ok(onestop_calendar_has_year(cal, 2019), "it names days of 2019");
    ok(onestop_calendar_has_year(cal, 2027), "and of 2027");
    ok(!onestop_calendar_has_year(cal, 2028), "none of 2028");
    ok(!onestop_calendar_has_year(cal, 2017), "none of 2017");
    ok(!onestop_calendar_has_year(NULL, 2024), "no calendar: no year");
    is_int(onestop_calendar_missing_year(cal, civil(2026, 12, 8)), 0,
           "8 December 2026: this year and the next known");
    is_int(onestop_calendar_missing_year(cal, civil(2027, 11, 16)), 0,
           "16 November 2027: 45 days ahead is still 2027");
    is_int(onestop_calendar_missing_year(cal, civil(2027, 11, 17)), 2028,
           "17 November 2027: 45 days ahead is 2028, unknown");
    is_int(onestop_calendar_missing_year(cal, civil(2029, 6, 1)), 2029,
           "a day of 2029: this year unknown");

    /* weekends and plain weekdays */
    ok(!onestop_calendar_working(cal, civil(2024, 6, 15)), "a Saturday");
    ok(!onestop_calendar_working(cal, civil(2024, 6, 16)), "a Sunday");
    ok(onestop_calendar_working(cal, civil(2024, 6, 17)), "a Monday");

    /* Tết Giáp Thìn: Thursday 8 to Wednesday 14 February 2024 */
    ok(onestop_calendar_working(cal, civil(2024, 2, 7)), "2024-02-07 works");
    ok(!onestop_calendar_working(cal, civil(2024, 2, 8)), "2024-02-08 off");
    ok(!onestop_calendar_working(cal, civil(2024, 2, 12)), "2024-02-12 off");
    ok(!onestop_calendar_working(cal, civil(2024, 2, 14)), "2024-02-14 off");
    ok(onestop_calendar_working(cal, civil(2024, 2, 15)), "2024-02-15 works");
    ok(onestop_calendar_label(cal, civil(2024, 2, 10)) != NULL
       && strstr(onestop_calendar_label(cal, civil(2024, 2, 10)), "mùng 1"),
       "the label of Tết's first day");
    ok(onestop_calendar_label(cal, civil(2024, 2, 15)) == NULL,
       "no label on an ordinary day");

    /* swaps: Monday 29/4/2024 off, Saturday 4/5/2024 worked */
    ok(!onestop_calendar_working(cal, civil(2024, 4, 29)), "2024-04-29 off");
    ok(onestop_calendar_working(cal, civil(2024, 5, 4)),
       "Saturday 2024-05-04 is a working day");
    ok(!onestop_calendar_working(cal, civil(2023, 9, 4)),
       "2023-09-04 compensates National Day on a Saturday");

    /* 15 working days (Điều 13.3.b) across Tết 2024 */
    is_int(onestop_calendar_add(cal, civil(2024, 2, 1), 15),
           civil(2024, 2, 29), "15 working days from 2024-02-01");
    is_int(onestop_calendar_add(cal, civil(2024, 2, 1), 0), civil(2024, 2, 1),
           "0 working days: the day itself");
    is_int(onestop_calendar_between(cal, civil(2024, 2, 1),
                                    civil(2024, 3, 1)), 16,
           "2024-03-01 is the 16th working day after 2024-02-01");
    is_int(onestop_calendar_add(cal, civil(2025, 1, 20), 15),
           civil(2025, 2, 14), "15 working days across Tết 2025, its "
           "Saturday 8/2 worked");
    is_int(onestop_calendar_add(cal, civil(2024, 4, 25), 3),
           civil(2024, 5, 3), "across 29/4-1/5 2024");

    /* Điều 9.1: the received moment */
    is_int(onestop_calendar_received(cal, at(2024, 6, 14, 10, 0), OFF),
           at(2024, 6, 14, 10, 0), "within office hours: as submitted");
    is_int(onestop_calendar_received(cal, at(2024, 6, 14, 17, 0), OFF),
           at(2024, 6, 14, 17, 0), "17:00 itself is within");
    is_int(onestop_calendar_received(cal, at(2024, 6, 14, 17, 30), OFF),
           at(2024, 6, 17, 7, 0), "Friday 17:30: Monday 07:00");
    is_int(onestop_calendar_received(cal, at(2024, 6, 15, 9, 0), OFF),
           at(2024, 6, 17, 7, 0), "Saturday: Monday 07:00");
    is_int(onestop_calendar_received(cal, at(2024, 6, 17, 6, 15), OFF),
           at(2024, 6, 17, 7, 0), "before opening: the same day at 07:00");
    is_int(onestop_calendar_received(cal, at(2024, 2, 7, 18, 0), OFF),
           at(2024, 2, 15, 7, 0), "the evening before Tết: after it");
    is_int(onestop_calendar_received(cal, at(2024, 5, 3, 17, 30), OFF),
           at(2024, 5, 4, 7, 0), "Friday 17:30 before a worked Saturday");
    is_int(onestop_calendar_received(cal, at(2024, 4, 26, 23, 59), OFF),
           at(2024, 5, 2, 7, 0), "Friday night before 27/4-1/5 2024");

    /* office hours */
    ok(onestop_office_hours_parse("07:00-17:00", 11, &open, &close) == 0
       && open == 420 && close == 1020, "07:00-17:00");
    ok(onestop_office_hours_parse("08:00-16:30", 11, &open, &close) == 0
       && open == 480 && close == 990, "08:00-16:30");
    ok(onestop_office_hours_parse("17:00-07:00", 11, &open, &close) != 0,
       "closing before opening refused");
    ok(onestop_office_hours_parse("7:00-17:00", 10, &open, &close) != 0,
       "H:MM refused");
    ok(onestop_office_hours_parse("07:00-24:01", 11, &open, &close) != 0,
       "24:01 refused");

    onestop_calendar_set_hours(cal, 480, 990);
    is_int(onestop_calendar_received(cal, at(2024, 6, 14, 16, 45), OFF),
           at(2024, 6, 17, 8, 0), "08:00-16:30: Friday 16:45 is Monday 08:00");

    /* weekends only */
    plain = onestop_calendar_load(NULL, err, sizeof(err));
    ok(plain != NULL && onestop_calendar_working(plain, civil(2024, 2, 12)),
       "without a file Tết is not known");
    is_int(onestop_calendar_add(plain, civil(2024, 6, 14), 1),
           civil(2024, 6, 17), "weekends only: Friday + 1 is Monday");
    onestop_calendar_free(plain);

    /* the file's rules */
    text = "# a comment\n\n2024-06-15 work  Làm bù\r\n"
           "2024-06-17 off\t# no label\n";
    plain = onestop_calendar_parse(text, strlen(text), "t.txt", err,
                                   sizeof(err));
    ok(plain != NULL && onestop_calendar_working(plain, civil(2024, 6, 15))
       && !onestop_calendar_working(plain, civil(2024, 6, 17))
       && strcmp(onestop_calendar_label(plain, civil(2024, 6, 17)), "") == 0,
       "comments, CRLF, tabs, a missing label");
    onestop_calendar_free(plain);

    refused("2024-06-17 work x\n", "work on a weekday");
    refused("2024-06-15 off a\n2024-06-15 off b\n", "a date twice");
    /* which lines: the one to take out is found without a search */
    text = "# 2024\n2024-06-15 off a\n2024-06-16 off b\n2024-06-15 work c\n";
    err[0] = '\0';
    plain = onestop_calendar_parse(text, strlen(text), "t.txt", err,
                                   sizeof(err));
    ok(plain == NULL && strcmp(err, "t.txt:4: 2024-06-15 is listed twice "
                               "(first on line 2)") == 0,
       "a date twice: its lines (%s)", err);
    onestop_calendar_free(plain);
    refused("2024-6-15 off\n", "a short date");
    refused("2024-06-15 holiday\n", "neither off nor work");
    refused("2024-06-15off\n", "no space");
    refused("2024-02-30 off\n", "no such day");

    /* as recorded in the store for the CLI (store_settings.c): read back,
     * the same days, labels and hours */
    {
        char                *rec;
        size_t               len;
        long                 d, differ;
        onestop_calendar_t  *back;

        onestop_calendar_set_hours(cal, 7 * 60 + 30, 16 * 60 + 45);
        rec = onestop_calendar_text(cal, &len);
        ok(rec != NULL && len > 12 && memcmp(rec, "07:30-16:45\n", 12) == 0,
           "its text begins with the office hours");
        back = rec ? onestop_calendar_from_text(rec, len, err, sizeof(err))
                   : NULL;
        ok(back != NULL, "and reads back (%s)", back ? "" : err);
        differ = 0;

        for (d = civil(2019, 1, 1); back != NULL && d <= civil(2027, 12, 31);
             d++)
        {
            const char  *a = onestop_calendar_label(cal, d);
            const char  *b = onestop_calendar_label(back, d);

            differ += onestop_calendar_working(cal, d)
                      != onestop_calendar_working(back, d)
                      || (a == NULL) != (b == NULL)
                      || (a != NULL && strcmp(a, b) != 0);
        }

        ok(back != NULL && differ == 0, "every day of 2019-2027 alike, "
           "working or not, with its label (%ld differ)", differ);
        onestop_calendar_hours(back, &open, &close);
        ok(open == 7 * 60 + 30 && close == 16 * 60 + 45,
           "the office hours alike (%u-%u)", open, close);
        free(rec);
        onestop_calendar_free(back);

        rec = onestop_calendar_text(NULL, &len);
        ok(rec != NULL && len == 12 && memcmp(rec, "07:00-17:00\n", 12) == 0,
           "no calendar: the default hours alone");
        back = rec ? onestop_calendar_from_text(rec, len, err, sizeof(err))
                   : NULL;
        ok(back != NULL && onestop_calendar_working(back, civil(2024, 2, 12))
           && !onestop_calendar_working(back, civil(2024, 2, 10)),
           "which reads back as weekends only");
        free(rec);
        onestop_calendar_free(back);
        back = onestop_calendar_from_text("7h-17h\n", 7, err, sizeof(err));
        ok(back == NULL, "a text without its hours is refused (%s)", err);
    }

    onestop_calendar_free(cal);

    return done_testing();
}
