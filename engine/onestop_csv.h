/*
 * CSV as the spreadsheets of its readers open it (issue 15).  The idea:
 * one dialect per locale, chosen once from `format` and `locale`, that
 * every CSV writer (statistics, apology letters, evaluation summaries,
 * the catalog) hands its cells to.  The default dialect is the one
 * integrators have read since the first release (`,`, decimal point,
 * the API's member names as headings, ISO dates); `locale=vi` is what
 * Excel with Vietnamese regional settings reads in columns: `;`, decimal
 * comma, Vietnamese headings, dd/mm/yyyy.  Every CSV begins with a UTF-8
 * BOM.  The download's file name says what is inside.
 */

#ifndef ONESTOP_CSV_H
#define ONESTOP_CSV_H

#include <stddef.h>

#include "onestop_args.h"
#include "onestop_date.h"
#include "onestop_util.h"

/* what `format` and `locale` chose (a query's `csv` member) */
enum {
    ONESTOP_FORMAT_JSON = 0,
    ONESTOP_FORMAT_CSV,             /* the default dialect */
    ONESTOP_FORMAT_CSV_VI           /* format=csv&locale=vi */
};

typedef struct onestop_csv_s {
    char    sep;                    /* between cells: ',' or ';' */
    char    dec;                    /* the decimal mark: '.' or ',' */
    int     vi;                     /* Vietnamese headings, dd/mm/yyyy */
} onestop_csv_t;

/*
 * `format` (json or csv) and `locale` (vi; only with format=csv) among
 * the arguments, each at most once: ONESTOP_FORMAT_*, or -1 with `error`.
 */
int onestop_csv_format(const onestop_arg_t *args, size_t nargs, char *error,
    size_t size);

/* The dialect of a format (ONESTOP_FORMAT_CSV or _CSV_VI). */
const onestop_csv_t *onestop_csv_dialect(int format);

/* The BOM every CSV begins with. */
void onestop_csv_bom(onestop_buf_t *b);

/* A heading: `name` is the API's member name, written as it is in the
 * default dialect and in Vietnamese for locale=vi; followed by the
 * separator unless `last`, then by CRLF. */
void onestop_csv_heading(const onestop_csv_t *d, onestop_buf_t *b,
    const char *name, int last);

/* A text cell (quoted as onestop_csv_cell() quotes, on the dialect's
 * separator too), a number the program wrote (its '.' the decimal mark),
 * an integer, a day; each followed by the separator unless `last`, then
 * by CRLF. */
void onestop_csv_text(const onestop_csv_t *d, onestop_buf_t *b,
    const char *s, size_t len, int last);
void onestop_csv_number(const onestop_csv_t *d, onestop_buf_t *b,
    const char *num, int last);
void onestop_csv_integer(const onestop_csv_t *d, onestop_buf_t *b,
    long long v, int last);
void onestop_csv_day(const onestop_csv_t *d, onestop_buf_t *b,
    onestop_day_t day, int last);
void onestop_csv_empty(const onestop_csv_t *d, onestop_buf_t *b, int last);

/* what a CSV download holds, for its file name */
enum {
    ONESTOP_CSV_STATS = 1,
    ONESTOP_CSV_APOLOGIES,
    ONESTOP_CSV_EVALUATIONS,
    ONESTOP_CSV_CATALOG
};

/*
 * The file name of a CSV download (ASCII letters, digits, '-' and ".csv"
 * only, at most size - 1 bytes and a NUL): the subject, the period (the
 * arguments settled against `today`: period=year is this year) and the
 * grouping, in Vietnamese without diacritics for locale=vi
 * ("thong-ke-2024-theo-co-quan.csv"), else in English
 * ("stats-2024-by-agency.csv").  Reads arguments a successful answer
 * has checked already.
 */
void onestop_csv_filename(int what, int format, const onestop_arg_t *args,
    size_t nargs, onestop_day_t today, char *buf, size_t size);

/*
 * How an answer of `what` (ONESTOP_CSV_*) to these arguments is sent:
 * 0 as JSON; else as a CSV download, its Content-Disposition header's
 * value (attachment; filename="...") in buf, and its length returned.
 */
size_t onestop_csv_disposition(int what, const onestop_arg_t *args,
    size_t nargs, onestop_day_t today, char *buf, size_t size);

#endif /* ONESTOP_CSV_H */
