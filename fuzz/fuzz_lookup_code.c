/*
 * One argument read from a query of any length: lookup's `code` (through
 * every handler's request id: /api/v1/dossiers?code=, /tra-cuu?code=,
 * /receipt/?code=) and the QR code's `size` (onestop_args_get).  It must
 * agree with the whole parse (onestop_args_parse) wherever that one can
 * read the query; a code found is looked up in the demo store and its
 * public JSON must parse.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_date.h"
#include "onestop_json.h"


static void
fuzz_agree(const char *name, int rc, const onestop_str_t *v,
    const onestop_args_t *a, int parsed)
{
    size_t                i, n;
    const onestop_arg_t  *first;

    if (!parsed) {
        return;
    }

    n = 0;
    first = NULL;

    for (i = 0; i < a->n; i++) {
        if (a->arg[i].key.len == strlen(name)
            && memcmp(a->arg[i].key.data, name, a->arg[i].key.len) == 0)
        {
            first = first ? first : &a->arg[i];
            n++;
        }
    }

    if ((n == 0 && rc != 0) || (n == 1 && rc != 1) || (n > 1 && rc != -1)) {
        abort();
    }

    if (rc == 1
        && (v->len != first->value.len
            || memcmp(v->data, first->value.data, v->len) != 0))
    {
        abort();
    }
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
    int                       rc, parsed;
    char                     *buf, *all;
    onestop_str_t             v;
    onestop_args_t            a;
    onestop_record_t          rec;
    onestop_store_t          *st;
    onestop_buf_t             out;
    const onestop_catalog_t  *cat;

    st = fuzz_store();
    buf = fuzz_room(size);
    all = fuzz_room(size);

    parsed = onestop_args_parse(&a, (const char *) data, size, all) == 0;

    rc = onestop_args_get((const char *) data, size, "size", buf, &v);
    fuzz_agree("size", rc, &v, &a, parsed);

    rc = onestop_args_get((const char *) data, size, "code", buf, &v);
    fuzz_agree("code", rc, &v, &a, parsed);

    if (rc == 1 && onestop_code_valid(v.data, v.len)) {
        if (onestop_store_read_begin(st) != ONESTOP_OK
            || (cat = onestop_store_catalog(st)) == NULL)
        {
            abort();
        }

        if (onestop_store_get(st, v.data, v.len, &rec) == ONESTOP_OK) {
            memset(&out, 0, sizeof(onestop_buf_t));
            onestop_lookup_render(&out, &rec, cat, onestop_store_offset(st),
                                  onestop_today(onestop_store_offset(st)),
                                  0);

            if (out.failed) {
                abort();
            }

            fuzz_check_json("the lookup", out.data, out.len);
            onestop_buf_free(&out);
        }

        onestop_store_read_end(st);
    }

    free(buf);
    free(all);

    return 0;
}
