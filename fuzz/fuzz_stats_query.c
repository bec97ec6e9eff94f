/*
 * GET /api/v1/stats: the query string as the handler reads it
 * (onestop_args_parse, then onestop_query_parse against the catalog),
 * then the answer computed on the demo store, JSON or CSV.  Every answer
 * is UTF-8 (JSON that parses), every refusal an error object that is.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_date.h"


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store();
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                       rc;
    char                     *buf;
    onestop_buf_t             out;
    onestop_args_t            a;
    onestop_query_t           q;
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

    if (onestop_query_parse(&q, cat, a.arg, a.n) != 0) {
        fuzz_check_error(q.error);

    } else {
        memset(&out, 0, sizeof(out));
        rc = onestop_store_stats(st, &q,
                                 onestop_today(onestop_store_offset(st)),
                                 &out);

        if (rc == -1) {
            fuzz_check_error(q.error);

        } else if (rc != 0 || out.failed) {
            abort();

        } else if (q.csv) {
            fuzz_check_text("the CSV answer", out.data, out.len);

        } else {
            fuzz_check_json("the JSON answer", out.data, out.len);
        }

        onestop_buf_free(&out);
    }

    onestop_store_read_end(st);
    free(buf);

    return 0;
}
