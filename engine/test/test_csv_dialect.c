/*
 * Unit tests of the CSV dialects (engine/csv.c, issue 15): format and
 * locale read from the arguments, the cells of each dialect (separator,
 * decimal mark, dates, Vietnamese headings), the quoting of ';', the
 * download's file name; and the public catalog (engine/catalog_view.c)
 * as JSON and as CSV from an in-memory catalog.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_answer.h"
#include "onestop_csv.h"
#include "onestop_schema.h"
#include "tap.h"


static size_t
args_of(onestop_args_t *a, char *buf, const char *q)
{
    if (onestop_args_parse(a, q, strlen(q), buf) != 0) {
        return 0;
    }

    return a->n;
}


static int
format_of(const char *q, char *error)
{
    char            buf[512];
    size_t          n;
    onestop_args_t  a;

    n = args_of(&a, buf, q);
    error[0] = '\0';

    return onestop_csv_format(a.arg, n, error, 128);
}


static void
filename(int what, int format, const char *q, const char *want)
{
    char            buf[512], name[128];
    size_t          n;
    onestop_args_t  a;

    n = args_of(&a, buf, q);
    /* today: 2024-06-15 */
    onestop_csv_filename(what, format, a.arg, n,
                         onestop_days_from_civil(2024, 6, 15), name,
                         sizeof(name));
    is_str(name, strlen(name), want, "file name of %s", q);
}


/* the Content-Disposition of an answer to q, "" when sent as JSON */
static void
disposition(int what, const char *q, const char *want)
{
    char            buf[512], out[192];
    size_t          n, len;
    onestop_args_t  a;

    n = args_of(&a, buf, q);
    len = onestop_csv_disposition(what, a.arg, n,
                                  onestop_days_from_civil(2024, 6, 15), out,
                                  sizeof(out));
    is_str(out, len, want, "Content-Disposition of %s", q);
}


static onestop_catalog_t *
catalog(void)
{
    onestop_catalog_t  *cat;
    onestop_str_t       a1 = onestop_str("000.00.30.H36");
    onestop_str_t       a1n = onestop_str("UBND huyện Bến Lức");
    onestop_str_t       a2 = onestop_str("000.00.12.H36");
    onestop_str_t       a2n = onestop_str("Sở Tư pháp; \"Long An\"");
    onestop_str_t       a3 = onestop_str("000.30.01.H36");
    onestop_str_t       a3n = onestop_str("=UBND thị trấn");
    onestop_str_t       f1 = onestop_str("tu-phap");
    onestop_str_t       f1n = onestop_str("Tư pháp");
    onestop_str_t       p1 = onestop_str("1.001234");
    onestop_str_t       p1n = onestop_str("Cấp phiếu lý lịch tư pháp");

    cat = onestop_catalog_create(3, 1, 1);

    if (cat == NULL
        || onestop_catalog_set_agency(cat, 1, a1, a1n,
                                      ONESTOP_LEVEL_DISTRICT, 0) != 0
        || onestop_catalog_set_agency(cat, 2, a2, a2n,
                                      ONESTOP_LEVEL_PROVINCE, 0) != 0
        || onestop_catalog_set_agency(cat, 3, a3, a3n,
                                      ONESTOP_LEVEL_COMMUNE, 1) != 0
        || onestop_catalog_set_field(cat, 1, f1, f1n) != 0
        || onestop_catalog_set_procedure(cat, 1, p1, p1n, 1) != 0
        || onestop_catalog_finish(cat) != 0)
    {
        onestop_catalog_destroy(cat);
        return NULL;
    }

    return cat;
}


static int
catalog_answer(const onestop_catalog_t *cat, const char *q,
    onestop_buf_t *out, char *error)
{
    char            buf[512];
    size_t          n;
    onestop_args_t  a;

    n = args_of(&a, buf, q);
    memset(out, 0, sizeof(onestop_buf_t));
    error[0] = '\0';

    return onestop_catalog_answer(cat, a.arg, n, out, error, 128);
}


int
main(void)
{
    int                   rc;
    char                  error[128];
    onestop_buf_t         b;
    onestop_catalog_t    *cat;
    const onestop_csv_t  *en, *vi;

    /* format and locale */

    is_int(format_of("", error), ONESTOP_FORMAT_JSON, "no format: JSON");
    is_int(format_of("format=json", error), ONESTOP_FORMAT_JSON, "json");
    is_int(format_of("format=csv", error), ONESTOP_FORMAT_CSV, "csv");
    is_int(format_of("locale=vi&format=csv", error), ONESTOP_FORMAT_CSV_VI,
           "locale=vi before format=csv");
    is_int(format_of("format=xml", error), -1, "format=xml");
    is_str(error, strlen(error), "format must be json or csv", "says so");
    is_int(format_of("format=csv&locale=en", error), -1, "locale=en");
    is_str(error, strlen(error), "locale must be vi", "says so");
    is_int(format_of("locale=vi", error), -1, "locale alone");
    is_str(error, strlen(error), "locale=vi needs format=csv", "says so");
    is_int(format_of("format=json&locale=vi", error), -1,
           "locale with JSON");
    is_int(format_of("format=csv&format=csv", error), -1, "format twice");
    is_int(format_of("format=csv&locale=vi&locale=vi", error), -1,
           "locale twice");

    /* cells */

    en = onestop_csv_dialect(ONESTOP_FORMAT_CSV);
    vi = onestop_csv_dialect(ONESTOP_FORMAT_CSV_VI);

    memset(&b, 0, sizeof(b));
    onestop_csv_heading(en, &b, "received", 0);
    onestop_csv_heading(en, &b, "on_time_rate", 0);
    onestop_csv_heading(en, &b, "3_mean", 1);
    onestop_csv_integer(en, &b, 1234567, 0);
    onestop_csv_number(en, &b, "0.8571428571428571", 0);
    onestop_csv_day(en, &b, onestop_days_from_civil(2024, 6, 5), 0);
    onestop_csv_text(en, &b, "a;b", 3, 0);
    onestop_csv_empty(en, &b, 1);
    is_str(b.data, b.len,
           "received,on_time_rate,3_mean\r\n"
           "1234567,0.8571428571428571,2024-06-05,a;b,\r\n",
           "the default dialect: names, '.', ISO dates, ',' between");
    onestop_buf_free(&b);

    onestop_csv_heading(vi, &b, "received", 0);
    onestop_csv_heading(vi, &b, "on_time_rate", 0);
    onestop_csv_heading(vi, &b, "3_mean", 0);
    onestop_csv_heading(vi, &b, "9_count", 0);
    onestop_csv_heading(vi, &b, "no_such_name", 1);
    onestop_csv_integer(vi, &b, 1234567, 0);
    onestop_csv_number(vi, &b, "0.8571428571428571", 0);
    onestop_csv_number(vi, &b, "1", 0);
    onestop_csv_day(vi, &b, onestop_days_from_civil(2024, 6, 5), 0);
    onestop_csv_text(vi, &b, "a;b", 3, 0);
    onestop_csv_text(vi, &b, "-1", 2, 0);
    onestop_csv_empty(vi, &b, 1);
    is_str(b.data, b.len,
           "Tiếp nhận;Tỷ lệ đúng hạn;Điểm trung bình (3);Số lượt (9);"
           "no_such_name\r\n"
           "1234567;0,8571428571428571;1;05/06/2024;\"a;b\";\"'-1\";\r\n",
           "locale=vi: Vietnamese headings, ',' decimal, dd/mm/yyyy, ';'");
    onestop_buf_free(&b);

    onestop_csv_bom(&b);
    is_str(b.data, b.len, "\xef\xbb\xbf", "the BOM");
    onestop_buf_free(&b);

    onestop_csv_cell_sep(&b, "x;y", 3, ';');
    onestop_csv_cell(&b, "x;y", 3);
    is_str(b.data, b.len, "\"x;y\"x;y",
           "';' is quoted in the ';' dialect only");
    onestop_buf_free(&b);

    /* file names */

    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV_VI,
             "period=year&group=agency&format=csv&locale=vi",
             "thong-ke-2024-theo-co-quan.csv");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV,
             "period=year&group=agency&format=csv",
             "stats-2024-by-agency.csv");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV_VI,
             "period=month&group=top_agency,channel",
             "thong-ke-2024-06-theo-co-quan-chu-quan-va-kenh.csv");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV,
             "period=quarter&group=field,procedure,level",
             "stats-2024-q2-by-field-and-procedure-and-level.csv");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV, "period=today",
             "stats-2024-06-15.csv");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV, "", "stats-all.csv");
    disposition(ONESTOP_CSV_STATS, "period=year", "");
    disposition(ONESTOP_CSV_STATS, "format=json", "");
    disposition(ONESTOP_CSV_STATS, "format=csv&period=year",
                "attachment; filename=\"stats-2024.csv\"");
    disposition(ONESTOP_CSV_APOLOGIES, "format=csv&locale=vi",
                "attachment; filename=\"phieu-xin-loi-tat-ca.csv\"");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV_VI,
             "from=2024-01-01&to=2024-03-31&interval=month",
             "thong-ke-tu-2024-01-01-den-2024-03-31-theo-thang.csv");
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV, "to=2024-03-31",
             "stats-to-2024-03-31.csv");
    filename(ONESTOP_CSV_APOLOGIES, ONESTOP_FORMAT_CSV_VI, "",
             "phieu-xin-loi-tat-ca.csv");
    filename(ONESTOP_CSV_EVALUATIONS, ONESTOP_FORMAT_CSV,
             "period=all&group=agency", "evaluations-all-by-agency.csv");
    filename(ONESTOP_CSV_CATALOG, ONESTOP_FORMAT_CSV_VI, "table=procedures",
             "danh-muc-thu-tuc.csv");
    filename(ONESTOP_CSV_CATALOG, ONESTOP_FORMAT_CSV, "table=agencies",
             "catalog-agencies.csv");
    /* what no answer lets through is still no header injection */
    filename(ONESTOP_CSV_STATS, ONESTOP_FORMAT_CSV,
             "from=\"%0d%0aX:%20y", "stats-from----x--y.csv");

    /* the catalog */

    cat = catalog();
    ok(cat != NULL, "a catalog");

    if (cat == NULL) {
        return done_testing();
    }

    rc = catalog_answer(cat, "", &b, error);
    is_int(rc, 0, "the catalog as JSON");
    is_str(b.data, b.len,
           "{\"agencies\":["
           "{\"id\":\"000.00.12.H36\",\"name\":\"Sở Tư pháp; \\\"Long An\\\"\","
           "\"level\":\"province\",\"parent\":null},"
           "{\"id\":\"000.00.30.H36\",\"name\":\"UBND huyện Bến Lức\","
           "\"level\":\"district\",\"parent\":null},"
           "{\"id\":\"000.30.01.H36\",\"name\":\"=UBND thị trấn\","
           "\"level\":\"commune\",\"parent\":\"000.00.30.H36\"}],"
           "\"fields\":[{\"id\":\"tu-phap\",\"name\":\"Tư pháp\"}],"
           "\"procedures\":[{\"id\":\"1.001234\","
           "\"name\":\"Cấp phiếu lý lịch tư pháp\",\"field\":\"tu-phap\"}]}\n",
           "sorted by id, parents and fields by their ids");
    onestop_buf_free(&b);

    rc = catalog_answer(cat, "format=csv&table=agencies", &b, error);
    is_int(rc, 0, "agencies as CSV");
    is_str(b.data, b.len,
           "\xef\xbb\xbfid,name,level,parent\r\n"
           "000.00.12.H36,\"Sở Tư pháp; \"\"Long An\"\"\",province,\r\n"
           "000.00.30.H36,UBND huyện Bến Lức,district,\r\n"
           "000.30.01.H36,\"'=UBND thị trấn\",commune,000.00.30.H36\r\n",
           "the default dialect");
    onestop_buf_free(&b);

    rc = catalog_answer(cat, "format=csv&table=fields&locale=vi", &b, error);
    is_int(rc, 0, "fields as CSV, vi");
    is_str(b.data, b.len, "\xef\xbb\xbfMã;Tên\r\ntu-phap;Tư pháp\r\n",
           "locale=vi");
    onestop_buf_free(&b);

    rc = catalog_answer(cat, "format=csv&table=procedures", &b, error);
    is_str(b.data, b.len, "\xef\xbb\xbfid,name,field\r\n"
           "1.001234,Cấp phiếu lý lịch tư pháp,tu-phap\r\n", "procedures");
    onestop_buf_free(&b);

    rc = catalog_answer(cat, "format=csv", &b, error);
    is_int(rc, -1, "csv without table");
    is_str(error, strlen(error),
           "format=csv needs table=agencies, fields or procedures", "says so");
    onestop_buf_free(&b);
    rc = catalog_answer(cat, "table=fields", &b, error);
    is_int(rc, -1, "table without csv");
    onestop_buf_free(&b);
    rc = catalog_answer(cat, "format=csv&table=dossiers", &b, error);
    is_int(rc, -1, "an unknown table");
    is_str(error, strlen(error),
           "table must be agencies, fields or procedures", "says so");
    onestop_buf_free(&b);
    rc = catalog_answer(cat, "format=csv&table=fields&table=agencies", &b,
                        error);
    is_int(rc, -1, "table twice");
    onestop_buf_free(&b);

    onestop_catalog_destroy(cat);

    return done_testing();
}
