/*
 * GET /widget/{agency}.svg|html: the name as the handler reads it
 * (onestop_args_widget), then the query the handler builds from it (this
 * year, under the agency, or the province's) and its totals from the demo
 * store.  A name the catalog knows must always give totals: the handler
 * answers 500 otherwise.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_date.h"


typedef struct {
    onestop_counts_t  c;
    int               seen;
} fuzz_totals_t;


static void
fuzz_visit(void *ctx, const uint32_t *dim, const onestop_counts_t *c)
{
    fuzz_totals_t  *t = ctx;

    if (dim == NULL) {
        t->c = *c;
        t->seen = 1;
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
    int                       province;
    char                     *name;
    onestop_buf_t             out;
    onestop_arg_t             args[2];
    onestop_str_t             agency, ext;
    fuzz_totals_t             t;
    onestop_query_t           q;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;

    st = fuzz_store();

    /* the name in memory of its own size, as the URI's bytes */
    name = fuzz_room(size);
    memcpy(name, data, size);

    if (onestop_args_widget(name, size, &agency, &ext) != 0) {
        free(name);
        return 0;
    }

    if (agency.data != name || agency.len + 1 + ext.len != size
        || !onestop_code_valid(agency.data, agency.len))
    {
        abort();
    }

    if (onestop_store_read_begin(st) != ONESTOP_OK
        || (cat = onestop_store_catalog(st)) == NULL)
    {
        abort();
    }

    province = agency.len == 8 && memcmp(agency.data, "province", 8) == 0;

    if (province || onestop_catalog_agency(cat, agency.data, agency.len)) {
        args[0].key.data = "period";
        args[0].key.len = 6;
        args[0].value.data = "year";
        args[0].value.len = 4;
        args[1].key.data = "under";
        args[1].key.len = 5;
        args[1].value = agency;

        if (onestop_query_parse(&q, cat, args, province ? 1 : 2) != 0) {
            abort();
        }

        memset(&t, 0, sizeof(t));
        memset(&out, 0, sizeof(out));
        q.visit = fuzz_visit;
        q.visit_ctx = &t;

        if (onestop_store_stats(st, &q,
                                onestop_today(onestop_store_offset(st)),
                                &out) != 0
            || !t.seen
            || t.c.resolved_early + t.c.resolved_on_time + t.c.resolved_late
               < 0)
        {
            abort();
        }

        onestop_buf_free(&out);
    }

    onestop_store_read_end(st);
    free(name);

    return 0;
}
