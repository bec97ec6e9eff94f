/*
 * Working days and office hours (see onestop_calendar.h).  The file's
 * dates are kept sorted in one array, each with whether it is a day off
 * or a working day and its label, so that a day is looked up by binary
 * search and everything else follows from "Saturday and Sunday are off
 * unless the file says otherwise".
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_calendar.h"


typedef struct {
    onestop_day_t    day;
    int              work;          /* 1: a working day; 0: a day off */
    char            *label;         /* NUL-terminated, may be "" */
    size_t           line;          /* in the file, for its messages */
} cal_entry_t;

struct onestop_calendar_s {
    cal_entry_t     *days;
    size_t           n;
    unsigned         open;
    unsigned         close;
};


static int
entry_cmp(const void *a, const void *b)
{
    const cal_entry_t  *x = a, *y = b;

    return x->day < y->day ? -1 : x->day > y->day;
}


static const cal_entry_t *
cal_find(const onestop_calendar_t *cal, onestop_day_t day)
{
    size_t  lo, hi, mid;

    if (cal == NULL) {
        return NULL;
    }

    lo = 0;
    hi = cal->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (cal->days[mid].day == day) {
            return &cal->days[mid];
        }

        if (cal->days[mid].day < day) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    return NULL;
}


/* 0 Sunday .. 6 Saturday (1970-01-01 was a Thursday) */

static int
weekday(onestop_day_t day)
{
    int  w;

    w = (int) ((day + 4) % 7);

    return w < 0 ? w + 7 : w;
}


static int
weekend(onestop_day_t day)
{
    int  w;

    w = weekday(day);

    return w == 0 || w == 6;
}


static int
is_blank(char c)
{
    return c == ' ' || c == '\t';
}


/* one line without its end: 0, 1 (an entry in *e), or -1 with why */

static int
parse_line(const char *s, size_t len, cal_entry_t *e, const char **label,
    size_t *label_len, const char **why)
{
    size_t       i, j;
    const char  *hash;

    hash = memchr(s, '#', len);

    if (hash != NULL) {
        len = (size_t) (hash - s);
    }

    while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\r')) {
        len--;
    }

    for (i = 0; i < len && is_blank(s[i]); i++) { /* void */ }

    if (i == len) {
        return 0;
    }

    if (len - i < ONESTOP_DATE_LEN
        || onestop_day_parse(s + i, ONESTOP_DATE_LEN, &e->day) != 0)
    {
        *why = "a line begins with a date YYYY-MM-DD (1990-2100)";
        return -1;
    }

    i += ONESTOP_DATE_LEN;

    if (i < len && !is_blank(s[i])) {
        *why = "the date is followed by a space, then off or work";
        return -1;
    }

    for ( /* void */ ; i < len && is_blank(s[i]); i++) { /* void */ }

    for (j = i; j < len && !is_blank(s[j]); j++) { /* void */ }

    if (j - i == 3 && memcmp(s + i, "off", 3) == 0) {
        e->work = 0;

    } else if (j - i == 4 && memcmp(s + i, "work", 4) == 0) {
        e->work = 1;

    } else {
        *why = "the date is followed by off or work";
        return -1;
    }

    for (i = j; i < len && is_blank(s[i]); i++) { /* void */ }

    *label = s + i;
    *label_len = len - i;

    return 1;
}


onestop_calendar_t *
onestop_calendar_parse(const char *text, size_t len, const char *name,
    char *err, size_t errlen)
{
    size_t               line, cap, llen, i;
    const char          *p, *end, *nl, *why, *label;
    cal_entry_t          e, *days;
    onestop_calendar_t  *cal;
    int                  rc;

    cal = calloc(1, sizeof(onestop_calendar_t));

    if (cal == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    cal->open = ONESTOP_OFFICE_OPEN;
    cal->close = ONESTOP_OFFICE_CLOSE;
    cap = 0;
    line = 0;
    p = text;
    end = text != NULL ? text + len : NULL;

    while (p != NULL && p < end) {
        line++;
        nl = memchr(p, '\n', (size_t) (end - p));

        if (nl == NULL) {
            nl = end;
        }

        why = NULL;
        rc = parse_line(p, (size_t) (nl - p), &e, &label, &llen, &why);
        p = nl + 1;

        if (rc < 0) {
            snprintf(err, errlen, "%s:%zu: %s", name, line, why);
            goto failed;
        }

        if (rc == 0) {
            continue;
        }

        if (e.work && !weekend(e.day)) {
            snprintf(err, errlen, "%s:%zu: \"work\" names a weekday, which "
                     "is a working day already", name, line);
            goto failed;
        }

        if (cal->n == cap) {
            cap = cap ? cap * 2 : 64;
            days = realloc(cal->days, cap * sizeof(cal_entry_t));

            if (days == NULL) {
                snprintf(err, errlen, "out of memory");
                goto failed;
            }

            cal->days = days;
        }

        e.label = malloc(llen + 1);

        if (e.label == NULL) {
            snprintf(err, errlen, "out of memory");
            goto failed;
        }

        memcpy(e.label, label, llen);
        e.label[llen] = '\0';
        e.line = line;
        cal->days[cal->n++] = e;
    }

    if (cal->n > 1) {
        qsort(cal->days, cal->n, sizeof(cal_entry_t), entry_cmp);
    }

    for (i = 1; i < cal->n; i++) {
        if (cal->days[i].day == cal->days[i - 1].day) {
            char  d[ONESTOP_DATE_LEN + 1];

            d[onestop_day_format(cal->days[i].day, d)] = '\0';
            snprintf(err, errlen, "%s:%zu: %s is listed twice (first on "
                     "line %zu)", name,
                     cal->days[i].line > cal->days[i - 1].line
                     ? cal->days[i].line : cal->days[i - 1].line, d,
                     cal->days[i].line < cal->days[i - 1].line
                     ? cal->days[i].line : cal->days[i - 1].line);
            goto failed;
        }
    }

    return cal;

failed:

    onestop_calendar_free(cal);
    return NULL;
}


onestop_calendar_t *
onestop_calendar_load(const char *file, char *err, size_t errlen)
{
    FILE                *f;
    char                *text, *more;
    size_t               len, cap, n;
    onestop_calendar_t  *cal;

    if (file == NULL) {
        return onestop_calendar_parse(NULL, 0, "", err, errlen);
    }

    f = fopen(file, "r");

    if (f == NULL) {
        snprintf(err, errlen, "could not open calendar \"%s\": %s", file,
                 strerror(errno));
        return NULL;
    }

    text = NULL;
    len = 0;
    cap = 0;

    for ( ;; ) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16384;
            more = realloc(text, cap);

            if (more == NULL) {
                free(text);
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return NULL;
            }

            text = more;
        }

        n = fread(text + len, 1, cap - len, f);
        len += n;

        if (n == 0) {
            break;
        }
    }

    if (ferror(f)) {
        snprintf(err, errlen, "could not read calendar \"%s\": %s", file,
                 strerror(errno));
        free(text);
        fclose(f);
        return NULL;
    }

    fclose(f);
    cal = onestop_calendar_parse(text, len, file, err, errlen);
    free(text);

    return cal;
}


void
onestop_calendar_free(onestop_calendar_t *cal)
{
    size_t  i;

    if (cal == NULL) {
        return;
    }

    for (i = 0; i < cal->n; i++) {
        free(cal->days[i].label);
    }

    free(cal->days);
    free(cal);
}


static int
parse_hhmm(const char *s, unsigned *minutes)
{
    unsigned  h, m;

    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != ':'
        || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
    {
        return -1;
    }

    h = (unsigned) (s[0] - '0') * 10 + (unsigned) (s[1] - '0');
    m = (unsigned) (s[3] - '0') * 10 + (unsigned) (s[4] - '0');

    if (h > 24 || (h == 24 && m != 0)) {
        return -1;
    }

    *minutes = h * 60 + m;
    return 0;
}


int
onestop_office_hours_parse(const char *s, size_t len, unsigned *open,
    unsigned *close)
{
    unsigned  o, c;

    if (len != 11 || s[5] != '-' || parse_hhmm(s, &o) != 0
        || parse_hhmm(s + 6, &c) != 0 || o >= c)
    {
        return -1;
    }

    *open = o;
    *close = c;
    return 0;
}


void
onestop_calendar_set_hours(onestop_calendar_t *cal, unsigned open,
    unsigned close)
{
    cal->open = open;
    cal->close = close;
}


void
onestop_calendar_hours(const onestop_calendar_t *cal, unsigned *open,
    unsigned *close)
{
    *open = cal != NULL ? cal->open : ONESTOP_OFFICE_OPEN;
    *close = cal != NULL ? cal->close : ONESTOP_OFFICE_CLOSE;
}


int
onestop_calendar_working(const onestop_calendar_t *cal, onestop_day_t day)
{
    const cal_entry_t  *e;

    e = cal_find(cal, day);

    if (e != NULL) {
        return e->work;
    }

    return !weekend(day);
}


const char *
onestop_calendar_label(const onestop_calendar_t *cal, onestop_day_t day)
{
    const cal_entry_t  *e;

    e = cal_find(cal, day);

    return e != NULL ? e->label : NULL;
}


void
onestop_calendar_years(const onestop_calendar_t *cal, int *first, int *last)
{
    unsigned  m, d;

    *first = 0;
    *last = 0;

    if (cal == NULL || cal->n == 0) {
        return;
    }

    onestop_civil_from_days(cal->days[0].day, first, &m, &d);
    onestop_civil_from_days(cal->days[cal->n - 1].day, last, &m, &d);
}


int
onestop_calendar_has_year(const onestop_calendar_t *cal, int year)
{
    int       y;
    size_t    i;
    unsigned  m, d;

    if (cal == NULL) {
        return 0;
    }

    for (i = 0; i < cal->n; i++) {
        onestop_civil_from_days(cal->days[i].day, &y, &m, &d);

        if (y == year) {
            return 1;
        }

        if (y > year) {
            break;              /* sorted */
        }
    }

    return 0;
}


int
onestop_calendar_missing_year(const onestop_calendar_t *cal,
    onestop_day_t today)
{
    int       y, ahead;
    unsigned  m, d;

    onestop_civil_from_days(today, &y, &m, &d);
    onestop_civil_from_days(today + ONESTOP_CALENDAR_AHEAD, &ahead, &m, &d);

    if (!onestop_calendar_has_year(cal, y)) {
        return y;
    }

    return onestop_calendar_has_year(cal, ahead) ? 0 : ahead;
}


onestop_day_t
onestop_calendar_add(const onestop_calendar_t *cal, onestop_day_t day,
    unsigned n)
{
    while (n > 0) {
        day++;

        if (onestop_calendar_working(cal, day)) {
            n--;
        }
    }

    return day;
}


unsigned
onestop_calendar_between(const onestop_calendar_t *cal, onestop_day_t from,
    onestop_day_t to)
{
    unsigned  n;

    for (n = 0; from < to; from++) {
        n += onestop_calendar_working(cal, from + 1);
    }

    return n;
}


int64_t
onestop_calendar_received(const onestop_calendar_t *cal, int64_t submitted,
    int32_t offset)
{
    int64_t        local, sec;
    unsigned       open, close;
    onestop_day_t  day;

    onestop_calendar_hours(cal, &open, &close);

    day = onestop_sec_day(submitted, offset);
    local = submitted + offset;
    sec = local - (int64_t) day * 86400;    /* seconds into the local day */

    if (onestop_calendar_working(cal, day)) {
        if (sec <= (int64_t) close * 60 && sec >= (int64_t) open * 60) {
            return submitted;
        }

        if (sec < (int64_t) open * 60) {
            return (int64_t) day * 86400 + (int64_t) open * 60 - offset;
        }
    }

    day = onestop_calendar_add(cal, day, 1);

    return (int64_t) day * 86400 + (int64_t) open * 60 - offset;
}


char *
onestop_calendar_text(const onestop_calendar_t *cal, size_t *len)
{
    char      *text, *p;
    size_t     i, cap;
    unsigned   open, close;

    onestop_calendar_hours(cal, &open, &close);

    cap = 16;

    for (i = 0; cal != NULL && i < cal->n; i++) {
        cap += ONESTOP_DATE_LEN + 7 + strlen(cal->days[i].label);
    }

    text = malloc(cap);

    if (text == NULL) {
        return NULL;
    }

    p = text + sprintf(text, "%02u:%02u-%02u:%02u\n", open / 60, open % 60,
                       close / 60, close % 60);

    for (i = 0; cal != NULL && i < cal->n; i++) {
        p += onestop_day_format(cal->days[i].day, p);
        p += sprintf(p, " %s%s%s\n", cal->days[i].work ? "work" : "off",
                     cal->days[i].label[0] ? " " : "", cal->days[i].label);
    }

    *len = (size_t) (p - text);

    return text;
}


onestop_calendar_t *
onestop_calendar_from_text(const char *text, size_t len, char *err,
    size_t errlen)
{
    unsigned             open, close;
    const char          *nl;
    onestop_calendar_t  *cal;

    nl = memchr(text, '\n', len);

    if (nl == NULL
        || onestop_office_hours_parse(text, (size_t) (nl - text), &open,
                                      &close) != 0)
    {
        snprintf(err, errlen, "the store's calendar does not begin with "
                 "its office hours");
        return NULL;
    }

    nl++;
    cal = onestop_calendar_parse(nl, len - (size_t) (nl - text),
                                 "the store's calendar", err, errlen);

    if (cal != NULL) {
        onestop_calendar_set_hours(cal, open, close);
    }

    return cal;
}
