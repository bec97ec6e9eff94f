/*
 * Unit test of onestop_store_prewarm (what a worker reads ahead once
 * started, docs/operators-guide.md "The thread pool"): on a store written
 * with the statistics test's random history (history.h), it reads the
 * store and walks every series' year and all-time block -- the keys whose
 * tag is a series' in lower case -- and nothing else, as counted here by
 * a walk of the whole counters database through LMDB alone, and answers
 * this year by agency into the caller's buffer.  Then a reader that
 * answers queries of many sizes one after the other, on the scratch it
 * keeps (onestop_scratch.h) and into one buffer used again, answers each
 * byte for byte as a new reader does.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_args.h"
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


/* the answer of query string qs on st as of the history's today, into
 * out (taken from st and given back by the caller); -1 on an error */
static int
answer(onestop_store_t *st, const char *qs, onestop_buf_t *out)
{
    int                       rc;
    char                      buf[256];
    onestop_args_t            args;
    onestop_query_t           q;
    const onestop_catalog_t  *cat;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return -1;
    }

    rc = -1;
    cat = onestop_store_catalog(st);

    if (cat != NULL
        && onestop_args_parse(&args, qs, strlen(qs), buf) == 0
        && onestop_query_parse(&q, cat, args.arg, args.n) == 0)
    {
        rc = onestop_store_stats(st, &q, today, out);
    }

    onestop_store_read_end(st);

    return rc;
}


/* a reader that keeps its memory, against a new one for each query */
static void
reader_answers(onestop_store_t *st)
{
    int               i, r, good;
    onestop_buf_t     kept, fresh;
    onestop_store_t  *rd, *nd;

    static const char  *queries[] = {
        "from=2019-01-01&to=2019-12-31&group=agency",
        "from=2018-01-01&to=2021-06-30&interval=day",
        "period=year",
        "from=2020-01-01&to=2020-12-31&group=procedure,channel",
        "from=2018-03-05&to=2021-02-11&group=agency,field,channel",
        "from=2020-02-01&to=2020-02-29",
        "from=2018-01-01&to=2021-06-30&interval=month&format=csv",
        "from=2021-01-01&to=2021-06-30&interval=quarter",
        "period=all&group=return_channel",
        "from=2019-01-01&to=2019-12-31&group=agency"
    };

    rd = onestop_store_reader(st);
    ok(rd != NULL, "a reader");

    if (rd == NULL) {
        return;
    }

    memset(&kept, 0, sizeof(kept));

    good = 1;

    for (r = 0; r < 3; r++) {
        for (i = 0; i < (int) (sizeof(queries) / sizeof(queries[0])); i++) {
            kept.len = 0;
            memset(&fresh, 0, sizeof(fresh));
            nd = onestop_store_reader(st);

            if (nd == NULL || answer(rd, queries[i], &kept) != 0
                || answer(nd, queries[i], &fresh) != 0
                || kept.len != fresh.len || kept.len == 0
                || memcmp(kept.data, fresh.data, kept.len) != 0)
            {
                printf("#   %s: %zu bytes kept, %zu new\n", queries[i],
                       kept.len, fresh.len);
                good = 0;
            }

            onestop_buf_free(&fresh);
            onestop_store_close(nd);
        }
    }

    ok(good, "a reader that keeps its scratch and buffer answers %d queries "
       "of many sizes, three times over, as new readers do",
       (int) (sizeof(queries) / sizeof(queries[0])));

    onestop_buf_free(&kept);
    onestop_store_close(rd);
}


int
main(void)
{
    char              dir[4200];
    long              prewarmed;
    onestop_buf_t     out;
    onestop_store_t  *st;

    st = history_store(dir, sizeof(dir));

    if (st == NULL) {
        return done_testing();
    }

    prewarmed = -1;

    memset(&out, 0, sizeof(out));

    if (onestop_store_read_begin(st) == ONESTOP_OK) {
        prewarmed = onestop_store_prewarm(st, &out);
        onestop_store_read_end(st);
    }

    ok(!out.failed && out.len > 100 && strncmp(out.data, "{\"from\":", 8) == 0
       && strstr(out.data, "\"group\":[\"agency\"]") != NULL,
       "the read-ahead answers this year by agency into the caller's buffer "
       "(%zu bytes)", out.len);
    onestop_buf_free(&out);

    reader_answers(st);
    onestop_store_close(st);

    ok(prewarmed > 0, "onestop_store_prewarm reads the store (%ld blocks)",
       prewarmed);
    is_int(prewarmed, year_blocks(dir), "onestop_store_prewarm walks every "
           "series' years and all-time block, and nothing else");

    return done_testing();
}
