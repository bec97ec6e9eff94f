/*
 * Unit test of onestop_store_prewarm (what a worker reads ahead once
 * started, docs/operators-guide.md "The thread pool"): on a store written
 * with the statistics test's random history (history.h), it reads the
 * store and walks every series' year and all-time block -- the keys whose
 * tag is a series' in lower case -- and nothing else, as counted here by
 * a walk of the whole counters database through LMDB alone.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_schema.h"
#include "onestop_stats.h"
#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define NAG     7
#define NPROC   4
#define NCODES  400
#define LOCAL   (7 * 3600)


#include "history.h"


/* the year and all-time blocks of the store in dir, counted by a walk of
 * the whole counters database through LMDB alone (the store closed): the
 * keys whose tag is a series' in lower case; -1 on an error */
static long
year_blocks(const char *dir)
{
    long         n;
    MDB_env     *env;
    MDB_txn     *txn;
    MDB_dbi      dbi;
    MDB_val      k, v;
    MDB_cursor  *cur;

    n = -1;

    if (mdb_env_create(&env) != 0) {
        return -1;
    }

    mdb_env_set_maxdbs(env, ONESTOP_DB_MAX);

    if (mdb_env_open(env, dir, MDB_RDONLY, 0644) == 0
        && mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0)
    {
        if (mdb_dbi_open(txn, ONESTOP_DB_COUNTERS, 0, &dbi) == 0
            && mdb_cursor_open(txn, dbi, &cur) == 0)
        {
            n = 0;

            while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
                n += k.mv_size > 0
                     && memchr("pacr", *(const char *) k.mv_data, 4) != NULL;
            }

            mdb_cursor_close(cur);
        }

        mdb_txn_abort(txn);
    }

    mdb_env_close(env);

    return n;
}


int
main(void)
{
    char              dir[4200];
    long              prewarmed;
    onestop_store_t  *st;

    st = history_store(dir, sizeof(dir));

    if (st == NULL) {
        return done_testing();
    }

    prewarmed = -1;

    if (onestop_store_read_begin(st) == ONESTOP_OK) {
        prewarmed = onestop_store_prewarm(st);
        onestop_store_read_end(st);
    }

    onestop_store_close(st);

    ok(prewarmed > 0, "onestop_store_prewarm reads the store (%ld blocks)",
       prewarmed);
    is_int(prewarmed, year_blocks(dir), "onestop_store_prewarm walks every "
           "series' years and all-time block, and nothing else");

    return done_testing();
}
