/*
 * demo-catalog: prints the demo data set's catalog (engine/demo.c), which
 * holds Long An's real departments, districts, communes, fields and
 * procedures with their ids, as the catalog document "onestop catalog"
 * loads.  "make catalog" writes it to conf/catalog-longan.json;
 * t/catalog.t checks that the two agree.
 */

#include <stdio.h>

#include "onestop_demo.h"


static int
print_catalog(void *ctx, const char *json, size_t len)
{
    return fwrite(json, 1, len, stdout) == len ? 0 : -1;
}


static int
no_record(void *ctx, const char *json, size_t len)
{
    return 0;
}


int
main(void)
{
    /* the catalog depends on neither the seed, the number of dossiers
     * nor the day */

    if (onestop_demo_generate(20190709, 0, 18000, print_catalog, no_record,
                              NULL) != 0
        || fflush(stdout) != 0)
    {
        fputs("demo-catalog: could not write the catalog\n", stderr);
        return 1;
    }

    return 0;
}
