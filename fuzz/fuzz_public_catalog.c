/*
 * Issue 15: GET /api/v1/catalog, the query string as the handler reads
 * it (onestop_args_parse, then onestop_catalog_answer against the demo
 * store's catalog: format, locale, table), and the CSV download's file
 * name of every subject from the same arguments.  Every answer is UTF-8
 * (JSON that parses), every refusal an error object that is, and every
 * file name only ASCII letters, digits, '-' and ".csv".
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_answer.h"
#include "onestop_csv.h"
#include "onestop_date.h"


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store();
    return 0;
}


static void
check_filename(const onestop_arg_t *args, size_t n, int format)
{
    int     what;
    char    name[128];
    size_t  i, len;

    for (what = ONESTOP_CSV_STATS; what <= ONESTOP_CSV_CATALOG; what++) {
        onestop_csv_filename(what, format, args, n,
                             onestop_days_from_civil(2024, 6, 15), name,
                             sizeof(name));
        len = strlen(name);

        if (len < 5 || memcmp(name + len - 4, ".csv", 4) != 0) {
            abort();
        }

        for (i = 0; i < len - 4; i++) {
            if (!((name[i] >= 'a' && name[i] <= 'z')
                  || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
            {
                abort();
            }
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                       rc, format;
    char                     *buf, error[256];
    onestop_buf_t             out;
    onestop_args_t            a;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;

    st = fuzz_store();
    buf = fuzz_room(size);

    if (onestop_args_parse(&a, (const char *) data, size, buf) != 0) {
        fuzz_check_error(a.error);
        free(buf);
        return 0;
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK
        || (cat = onestop_store_catalog(st)) == NULL)
    {
        abort();
    }

    memset(&out, 0, sizeof(out));
    rc = onestop_catalog_answer(cat, a.arg, a.n, &out, error, sizeof(error));

    if (rc == -1) {
        fuzz_check_error(error);

    } else if (rc != 0 || out.failed) {
        abort();

    } else {
        format = onestop_csv_format(a.arg, a.n, error, sizeof(error));

        if (format == ONESTOP_FORMAT_JSON) {
            fuzz_check_json("the catalog", out.data, out.len);
        } else if (format > 0) {
            fuzz_check_text("the catalog's CSV", out.data, out.len);
        } else {
            abort();        /* an answer to arguments the format refuses */
        }
    }

    check_filename(a.arg, a.n, ONESTOP_FORMAT_CSV);
    check_filename(a.arg, a.n, ONESTOP_FORMAT_CSV_VI);

    onestop_buf_free(&out);
    onestop_store_read_end(st);
    free(buf);

    return 0;
}
