/*
 * GET /api/v1/apologies: the query string as the handler reads it
 * (onestop_args_parse, then onestop_apology_query_parse), then the list
 * from the demo store; and the page after it, by the cursor the answer
 * gave, as a client follows it.  Answers are JSON that parses, refusals
 * error objects that do.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"


static void
fuzz_page(onestop_store_t *st, const onestop_catalog_t *cat,
    const onestop_arg_t *args, size_t n, int follow)
{
    char                     *p, *e;
    size_t                    i;
    onestop_buf_t             out;
    onestop_arg_t             more[ONESTOP_ARGS_MAX + 1];
    onestop_apology_query_t   q;

    if (onestop_apology_query_parse(&q, cat, args, n) != 0) {
        if (!follow) {
            abort();                    /* a cursor it gave was refused */
        }

        fuzz_check_error(q.error);
        return;
    }

    memset(&out, 0, sizeof(out));

    if (onestop_store_apologies(st, &q, &out) != 0 || out.failed) {
        abort();
    }

    fuzz_check_json("the list", out.data, out.len);

    /* "next":"YYYY-MM-DD~CODE": the same query after it, once */

    p = out.data ? memmem(out.data, out.len, "\"next\":\"", 8) : NULL;

    if (follow && p != NULL) {
        p += 8;
        e = memchr(p, '"', out.data + out.len - p);

        if (e == NULL) {
            abort();
        }

        memcpy(more, args, n * sizeof(onestop_arg_t));

        /* the cursor replaces an "after" there was */
        for (i = 0; i < n; i++) {
            if (more[i].key.len == 5
                && memcmp(more[i].key.data, "after", 5) == 0)
            {
                more[i] = more[--n];
                break;
            }
        }

        more[n].key.data = "after";
        more[n].key.len = 5;
        more[n].value.data = p;
        more[n].value.len = e - p;
        fuzz_page(st, cat, more, n + 1, 0);
    }

    onestop_buf_free(&out);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store();
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                     *buf;
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

    fuzz_page(st, cat, a.arg, a.n, 1);

    onestop_store_read_end(st);
    free(buf);

    return 0;
}
