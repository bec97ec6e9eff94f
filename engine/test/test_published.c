/*
 * Unit tests of published figures (issue 18): the 'F' values' codec read
 * forwards and backwards; the freeze day of a month by the grace; a
 * random history whose closed months, once frozen, equal what
 * GET /api/v1/stats computes for them (each month, and several months
 * combined), before freezing (read from today's counters) and after; the
 * frozen figures unmoved by later writes, every difference accounted for
 * by a listed code and every listed code one that was written later; and
 * the cases one by one: a late record, a version that moves no figure, a
 * dossier moved to another agency (listed under both), a deletion, a
 * resolution after the freeze (no frozen month moves), a due date moved
 * with a reason.  Today is moved with ONESTOP_TODAY, as the write path
 * reads it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <yajl/yajl_tree.h>

#include "onestop_schema.h"

#include "onestop_args.h"
#include "onestop_date.h"
#include "onestop_published.h"
#include "onestop_replica.h"
#include "onestop_stats.h"
#include "onestop_store.h"
#include "tap.h"
#include "fixture.h"


#define MB      ((size_t) 1 << 20)
#define NAG     7
#define NREC    300

static const char  *ag_id[NAG] = {
    "000.00.12.H36", "000.00.15.H36", "000.00.30.H36", "000.30.01.H36",
    "000.30.02.H36", "000.00.31.H36", "000.31.01.H36"
};
static const char  *ch_name[3] = { "direct", "online", "postal" };

static uint64_t  rng = 88172645463325252ull;


static int
rn(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int) (rng % (uint64_t) n);
}


static onestop_day_t
day(const char *s)
{
    onestop_day_t  d;

    if (onestop_day_parse(s, strlen(s), &d) != 0) {
        printf("# bad day %s\n", s);
        exit(2);
    }

    return d;
}


static void
set_today(const char *s)
{
    setenv("ONESTOP_TODAY", s, 1);
}


/* the figures of a query, per agency, through the query's visit */

typedef struct {
    onestop_counts_t  tot;
    onestop_counts_t  ag[NAG + 1];
} figs_t;


static void
visit(void *ctx, const uint32_t *dim, const onestop_counts_t *c)
{
    figs_t  *f = ctx;

    if (dim == NULL) {
        f->tot = *c;
    } else if (dim[0] <= NAG) {
        f->ag[dim[0]] = *c;
    }
}


/* a statistics query's answer (f NULL) or figures: 0, -1 (q.error in
 * err), -2 */
static int
query(onestop_store_t *st, const char *qs, figs_t *f, onestop_buf_t *out,
    char *err)
{
    int                       rc;
    char                      buf[512];
    onestop_args_t            a;
    onestop_query_t           q;
    const onestop_catalog_t  *cat;

    if (onestop_args_parse(&a, qs, strlen(qs), buf) != 0) {
        return -2;
    }

    onestop_store_read_begin(st);
    cat = onestop_store_catalog(st);

    if (cat == NULL || onestop_query_parse(&q, cat, a.arg, a.n) != 0) {
        if (err != NULL) {
            snprintf(err, 256, "%s", q.error);
        }

        onestop_store_read_end(st);
        return -1;
    }

    if (f != NULL) {
        memset(f, 0, sizeof(figs_t));
        q.visit = visit;
        q.visit_ctx = f;
    }

    out->len = 0;
    rc = onestop_store_stats(st, &q, onestop_today(onestop_store_offset(st)),
                             out);
    onestop_store_read_end(st);

    if (rc == -1 && err != NULL) {
        snprintf(err, 256, "%s", q.error);
    }

    onestop_buf_add(out, "", 1);
    out->len--;

    return rc;
}


static int
figs_equal(const figs_t *a, const figs_t *b)
{
    return memcmp(a, b, sizeof(figs_t)) == 0;
}


static void
rec(onestop_buf_t *b, const char *code, unsigned version, int ag, int ch,
    const char *recv, const char *due, const char *res, const char *extra)
{
    onestop_buf_printf(b,
        "{\"code\": \"%s\", \"version\": %u, \"agency\": \"%s\", "
        "\"procedure\": \"1.001234\", \"channel\": \"%s\", "
        "\"applicant\": {\"name\": \"Lê Văn Tám\"}, "
        "\"received_at\": \"%s\", \"due_at\": \"%s\"",
        code, version, ag_id[ag], ch_name[ch], recv, due);

    if (res != NULL) {
        onestop_buf_printf(b, ", \"resolved_at\": \"%s\"", res);
    }

    onestop_buf_printf(b, "%s}\n", extra != NULL ? extra : "");
}


static int
import(onestop_store_t *st, onestop_buf_t *b)
{
    int              status;
    onestop_write_t  w;

    onestop_buf_add(b, "", 1);
    status = fixture_import(st, b->data, onestop_today(7 * 3600), &w);
    b->len = 0;

    return status;
}


/* the codes an answer lists for a group (agency id; NULL: the totals),
 * joined by spaces into buf */
static const char *
changed_by(const char *json, const char *agency, char *buf, size_t size)
{
    size_t       i, j;
    char         err[128];
    yajl_val     root, groups, g, a, list, v;
    const char  *tp[] = { "totals", "changed_by", NULL };
    const char  *cp[] = { "changed_by", NULL };
    const char  *gp[] = { "groups", NULL };
    const char  *ap[] = { "agency", NULL };

    buf[0] = '\0';
    root = yajl_tree_parse(json, err, sizeof(err));

    if (root == NULL) {
        snprintf(buf, size, "(bad JSON)");
        return buf;
    }

    list = NULL;

    if (agency == NULL) {
        list = yajl_tree_get(root, tp, yajl_t_array);

    } else {
        groups = yajl_tree_get(root, gp, yajl_t_array);

        for (i = 0; groups != NULL && i < groups->u.array.len; i++) {
            g = groups->u.array.values[i];
            a = yajl_tree_get(g, ap, yajl_t_string);

            if (a != NULL && strcmp(a->u.string, agency) == 0) {
                list = yajl_tree_get(g, cp, yajl_t_array);
            }
        }
    }

    for (i = 0, j = 0; list != NULL && i < list->u.array.len; i++) {
        v = list->u.array.values[i];
        j += (size_t) snprintf(buf + j, size - j, "%s%s", j ? " " : "",
                               YAJL_IS_STRING(v) ? v->u.string : "?");

        if (j >= size) {
            break;
        }
    }

    yajl_tree_free(root);
    return buf;
}


static void
test_codec(void)
{
    uint8_t           v[64];
    onestop_counts_t  c;

    /* an older value: two members (5, -3), the rest 0 */
    v[0] = 2;
    v[1] = 10;
    v[2] = 5;
    is_int(onestop_pub_decode(v, 3, &c), 2, "a value of two members reads");
    is_int(c.carried_over, 5, "the first member");
    is_int(c.received, -3, "the second (zigzag)");
    is_int(c.pending_overdue, 0, "the members it lacks are 0");

    /* a newer value: more members than this build knows */
    memset(v, 0, sizeof(v));
    v[0] = (uint8_t) (onestop_pub_nfields + 2);
    v[1] = 2;
    v[onestop_pub_nfields + 1] = 0x80;
    v[onestop_pub_nfields + 2] = 0x01;
    is_int(onestop_pub_decode(v, onestop_pub_nfields + 4, &c),
           onestop_pub_nfields, "a value with more members reads");
    is_int(c.carried_over, 1, "the members known are read");
    ok(onestop_pub_decode(v, 4, &c) < 0, "a truncated value is refused");
    ok(onestop_pub_decode(v, 0, &c) < 0, "an empty one too");
}


static void
test_due(void)
{
    unsigned  jan;

    jan = onestop_published_due(day("2024-01-15"), 5);
    is_int(onestop_published_due(day("2024-02-05"), 5), jan,
           "5 February, grace 5: January not yet frozen");
    is_int(onestop_published_due(day("2024-02-06"), 5), jan + 1,
           "6 February, grace 5: January is");
    is_int(onestop_published_due(day("2024-02-01"), 0), jan + 1,
           "grace 0: on the 1st");
    is_int(onestop_published_due(day("2024-03-01"), 31), jan,
           "grace 31 on 1 March: January's day is 3 March");
    is_int(onestop_published_due(day("2024-03-03"), 31), jan + 1,
           "... then it is");
}


/* a random record of the second half of 2022 up to `last` */
static void
random_rec(onestop_buf_t *b, const char *code, unsigned version,
    onestop_day_t first, onestop_day_t last)
{
    int            ag, ch, k;
    char           r[11], d[11], s[11];
    onestop_day_t  recv, due, res;

    ag = rn(NAG);
    ch = rn(3);
    recv = first + rn((int) (last - first + 1));
    due = recv + rn(40);
    res = 0;
    k = rn(3);

    if (k > 0) {
        res = recv + rn(50);
        res = res > last ? 0 : res;
    }

    onestop_day_format(recv, r);
    onestop_day_format(due, d);
    onestop_day_format(res, s);
    r[10] = d[10] = s[10] = '\0';
    rec(b, code, version, ag, ch, r, d, res ? s : NULL, NULL);
}


static void
test_history(const char *dir)
{
    int               i, diff, ok_codes, ok_diffs;
    char              err[256], code[32], path[4096], list[8192];
    const char       *tok;
    figs_t            today, pub, pub0, pub_feb;
    onestop_buf_t     b, out;
    onestop_store_t  *st;
    onestop_store_conf_t  conf;
    onestop_write_t   w;

    memset(&b, 0, sizeof(b));
    memset(&out, 0, sizeof(out));
    memset(&conf, 0, sizeof(conf));
    conf.map_size = 64 * MB;
    conf.offset = ONESTOP_DEFAULT_OFFSET;
    conf.grace_set = 1;
    conf.grace_days = 5;

    if (onestop_store_open(&st, fixture_path(path, sizeof(path), dir, "h"),
                           &conf, err, sizeof(err)) != ONESTOP_OK)
    {
        ok(0, "store opens: %s", err);
        return;
    }

    set_today("2023-01-20");
    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200, "catalog");

    for (i = 0; i < NREC; i++) {
        snprintf(code, sizeof(code), "000.00.12.H36-H%04d", i);
        random_rec(&b, code, 1, day("2022-07-01"), day("2023-01-20"));
    }

    is_int(import(st, &b), 200, "a random history up to 20 January 2023");

    /* 15 March: January and February are due, not frozen (no write yet):
     * read from today's counters */

    set_today("2023-03-15");
    is_int(query(st, "from=2023-01-01&to=2023-01-31&group=agency", &today,
                 &out, NULL), 0, "January today");
    is_int(query(st, "from=2023-01-01&to=2023-01-31&group=agency"
                 "&as=published", &pub, &out, err), 0,
           "January as published, before any write");
    ok(figs_equal(&today, &pub), "due, not frozen: today's figures");

    /* a write (not on the store's first day) freezes them, before its
     * own changes */

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200,
           "a write on 15 March");
    is_int(query(st, "from=2023-01-01&to=2023-01-31&group=agency"
                 "&as=published", &pub0, &out, err), 0, "January frozen");
    ok(figs_equal(&today, &pub0), "frozen: the figures of GET /stats");
    ok(pub0.tot.received > 0 && pub0.tot.carried_over > 0
       && pub0.tot.pending > 0, "(figures that are not empty)");

    is_int(query(st, "from=2023-02-01&to=2023-02-28&group=agency", &today,
                 &out, NULL), 0, "February today");
    is_int(query(st, "from=2023-02-01&to=2023-02-28&group=agency"
                 "&as=published", &pub_feb, &out, err), 0,
           "February frozen");
    ok(figs_equal(&today, &pub_feb), "February: the figures of GET /stats");

    is_int(query(st, "from=2023-01-01&to=2023-02-28&group=agency", &today,
                 &out, NULL), 0, "January and February today");
    is_int(query(st, "from=2023-01-01&to=2023-02-28&group=agency"
                 "&as=published", &pub, &out, err), 0,
           "January and February as published (months combined)");
    ok(figs_equal(&today, &pub), "combined: the figures of the whole period");
    is_int(query(st, "from=2023-01-01&to=2023-02-28&group=top_agency",
                 &today, &out, NULL), 0, "by top agency today");
    is_int(query(st, "from=2023-01-01&to=2023-02-28&group=top_agency"
                 "&as=published", &pub, &out, err), 0, "... published");
    ok(figs_equal(&today, &pub), "top agencies alike");

    is_int(query(st, "from=2023-03-01&to=2023-03-31&as=published", &pub,
                 &out, err), -1, "March is not published on 15 March");

    /* the history was loaded on the store's first day of writes: nothing
     * was frozen that day, so the months it fills are published with it,
     * not listed as changed */

    is_int(query(st, "from=2022-08-01&to=2022-08-31&group=agency", &today,
                 &out, NULL), 0, "August 2022 today");
    is_int(query(st, "from=2022-08-01&to=2022-08-31&group=agency"
                 "&as=published", &pub, &out, err), 0,
           "August 2022 published");
    ok(figs_equal(&today, &pub) && pub.tot.received > 0,
       "August holds the history loaded on the store's first day");
    query(st, "from=2022-07-01&to=2023-02-28&as=published", NULL, &out, err);
    changed_by(out.data, NULL, list, sizeof(list));
    is_str(list, strlen(list), "", "no code listed");

    /* later writes: new versions of some, new records of January, new
     * records of March alone (no frozen month moves) */

    for (i = 0; i < 60; i++) {
        snprintf(code, sizeof(code), "000.00.12.H36-H%04d", rn(NREC));
        random_rec(&b, code, 2 + (unsigned) i, day("2022-07-01"),
                   day("2023-03-15"));
        import(st, &b);
    }

    for (i = 0; i < 20; i++) {
        snprintf(code, sizeof(code), "000.00.12.H36-N%04d", i);
        random_rec(&b, code, 1, day("2023-01-01"), day("2023-01-31"));
    }

    for (i = 0; i < 20; i++) {
        snprintf(code, sizeof(code), "000.00.12.H36-M%04d", i);
        rec(&b, code, 1, rn(NAG), rn(3), "2023-03-02", "2023-03-30", NULL,
            NULL);
    }

    is_int(import(st, &b), 200, "new records of January and of March");

    is_int(query(st, "from=2023-01-01&to=2023-01-31&group=agency"
                 "&as=published", &pub, &out, err), 0, "January published");
    ok(figs_equal(&pub, &pub0), "the published figures did not move");
    is_int(query(st, "from=2023-01-01&to=2023-01-31&group=agency", &today,
                 &out, NULL), 0, "January today");
    ok(!figs_equal(&today, &pub0), "today's did");

    query(st, "from=2023-01-01&to=2023-01-31&group=agency&as=published",
          NULL, &out, err);

    ok_diffs = 1;

    for (i = 1; i <= NAG; i++) {
        diff = memcmp(&today.ag[i], &pub0.ag[i], sizeof(onestop_counts_t));

        if (diff && changed_by(out.data, ag_id[i - 1], list,
                               sizeof(list))[0] == '\0')
        {
            printf("# %s differs and lists no code\n", ag_id[i - 1]);
            ok_diffs = 0;
        }
    }

    ok(ok_diffs, "every agency whose figures differ lists codes");

    changed_by(out.data, NULL, list, sizeof(list));
    ok(strstr(list, "-N0000") != NULL, "a new record of January is listed");
    ok(strstr(list, "-M0") == NULL, "no record of March alone is");

    ok_codes = 1;

    for (tok = strtok(list, " "); tok != NULL; tok = strtok(NULL, " ")) {
        ok_codes &= strstr(tok, "-H") != NULL || strstr(tok, "-N") != NULL;
    }

    ok(ok_codes, "every code listed was written after the freeze");

    onestop_store_close(st);
    onestop_buf_free(&b);
    onestop_buf_free(&out);
}


/* the 'F' value of January (month 408) of an agency, in a closed store,
 * cut to its first two members (each one byte) */
static int
cut_value(const char *dir, uint32_t agency)
{
    int       rc;
    uint8_t   k[ONESTOP_PUB_KEY_LEN], v[3];
    MDB_env  *env;
    MDB_txn  *txn;
    MDB_dbi   dbi;
    MDB_val   key, val;

    onestop_pub_key(k, ONESTOP_PUB_FIGURES, 408, agency + 1);
    key.mv_data = k;
    key.mv_size = sizeof(k);

    if (mdb_env_create(&env) != 0) {
        return -1;
    }

    mdb_env_set_maxdbs(env, ONESTOP_DB_MAX);
    rc = mdb_env_open(env, dir, 0, 0644);

    if (rc == 0) {
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    }

    if (rc == 0
        && ((rc = mdb_dbi_open(txn, ONESTOP_DB_PUBLISHED, 0, &dbi)) != 0
            || (rc = mdb_get(txn, dbi, &key, &val)) != 0
            || val.mv_size < 3))
    {
        mdb_txn_abort(txn);
        rc = rc ? rc : -1;
    }

    if (rc == 0) {
        memcpy(v, val.mv_data, 3);
        v[0] = 2;
        val.mv_data = v;
        val.mv_size = 3;
        rc = mdb_put(txn, dbi, &key, &val, 0);
        rc = rc ? rc : mdb_txn_commit(txn);
    }

    mdb_env_close(env);
    return rc;
}


/* one case: the codes listed for January, totals and per agency */
static void
test_cases(const char *dir)
{
    char              err[256], path[4096], list[1024];
    onestop_buf_t     b, out;
    onestop_store_t  *st;
    onestop_store_conf_t  conf;
    onestop_write_t   w;

    memset(&b, 0, sizeof(b));
    memset(&out, 0, sizeof(out));
    memset(&conf, 0, sizeof(conf));
    conf.map_size = 64 * MB;
    conf.offset = ONESTOP_DEFAULT_OFFSET;

    if (onestop_store_open(&st, fixture_path(path, sizeof(path), dir, "c"),
                           &conf, err, sizeof(err)) != ONESTOP_OK)
    {
        ok(0, "store opens: %s", err);
        return;
    }

    set_today("2024-01-25");
    fixture_catalog_write(st, fixture_catalog, &w);

    rec(&b, "C-SAME", 1, 0, 0, "2024-01-05", "2024-01-20", NULL, NULL);
    rec(&b, "C-MOVE", 1, 0, 0, "2024-01-06", "2024-01-20", NULL, NULL);
    rec(&b, "C-DEL", 1, 1, 0, "2024-01-07", "2024-01-20", "2024-01-10",
        NULL);
    rec(&b, "C-LATER", 1, 1, 1, "2024-01-08", "2024-02-20", NULL, NULL);
    rec(&b, "C-DUE", 1, 1, 2, "2024-01-09", "2024-01-15", NULL, NULL);
    is_int(import(st, &b), 200, "January's records, on 25 January");

    /* 10 February (grace 5, the store's default): the first write
     * freezes January */

    set_today("2024-02-10");
    rec(&b, "C-SAME", 2, 0, 0, "2024-01-05", "2024-01-20", NULL,
        ", \"contact\": {\"phone\": \"0912345678\"}");
    rec(&b, "C-MOVE", 2, 2, 0, "2024-01-06", "2024-01-20", NULL, NULL);
    rec(&b, "C-LATER", 2, 1, 1, "2024-01-08", "2024-02-20", "2024-02-09",
        NULL);
    rec(&b, "C-DUE", 2, 1, 2, "2024-01-09", "2024-02-25", NULL,
        ", \"due_change\": \"supplement\"");
    rec(&b, "C-LATE", 1, 4, 0, "2024-01-30", "2024-02-15", NULL, NULL);
    is_int(import(st, &b), 200, "later versions and a late record");
    is_int(fixture_delete(st, "C-DEL", &w), 200, "a deletion");

    is_int(query(st, "from=2024-01-01&to=2024-01-31&group=agency"
                 "&as=published", NULL, &out, err), 0, "January published");

    changed_by(out.data, NULL, list, sizeof(list));
    is_str(list, strlen(list),
           "C-DEL C-DUE C-LATE C-MOVE",
           "listed: the deletion, the moved due date, the late record, the "
           "move; not a version that moves no figure, nor a resolution "
           "after January");
    changed_by(out.data, ag_id[0], list, sizeof(list));
    is_str(list, strlen(list),
           "C-MOVE", "the move under the agency it left");
    changed_by(out.data, ag_id[2], list, sizeof(list));
    is_str(list, strlen(list),
           "C-MOVE", "... and the one it joined");
    changed_by(out.data, ag_id[1], list, sizeof(list));
    is_str(list, strlen(list),
           "C-DEL C-DUE", "the deletion and the moved due date");
    changed_by(out.data, ag_id[4], list, sizeof(list));
    is_str(list, strlen(list),
           "C-LATE", "the late record");
    ok(strstr(out.data, "Lê Văn") == NULL
       && strstr(out.data, "0912") == NULL,
       "no personal data");

    /* a resolution after the freeze moves February's figures, never
     * January's: February is not frozen yet */

    is_int(query(st, "from=2024-02-01&to=2024-02-29&as=published", NULL,
                 &out, err), -1, "February is not published");
    ok(strstr(err, "up to 2024-01") != NULL, "the error says up to where: %s",
       err);

    /* a value frozen before members were added to the counts (here: one
     * cut to its first two members): the others are published as they
     * are today, with no difference */

    onestop_store_close(st);
    ok(cut_value(path, 1) == 0, "a frozen value cut to two members");
    st = fixture_open(path, 64 * MB, 0, err, sizeof(err));
    is_int(query(st, "from=2024-01-01&to=2024-01-31&group=agency"
                 "&as=published", NULL, &out, err), 0, "January published");
    ok(strstr(out.data, "\"changed\":{\"received\":{\"published\":3,"
                        "\"today\":2}}") != NULL,
       "its agency: received (frozen) differs, pending_overdue (not "
       "frozen) does not");

    onestop_store_close(st);
    onestop_buf_free(&b);
    onestop_buf_free(&out);
}


/* the primary's log past *after shipped to the follower as a follower's
 * reader does: copied out of the primary's read, then applied (each
 * entry's fields into one buffer of its own) */
static int
ship(onestop_store_t *p, onestop_store_t *f, uint64_t *after)
{
    int                       rc;
    long                      n, i;
    size_t                    j, size;
    char                     *buf[16];
    onestop_log_entry_t       out[16], copy[16];
    onestop_replica_result_t  res;

    for ( ;; ) {
        onestop_store_read_begin(p);
        n = onestop_replica_log(p, *after, out, 16);

        for (i = 0; i < n; i++) {
            copy[i] = out[i];

            for (j = 0, size = 0; j < out[i].nfields; j++) {
                size += out[i].field[j].name_len + out[i].field[j].value_len;
            }

            buf[i] = malloc(size + 1);

            for (j = 0, size = 0; j < out[i].nfields; j++) {
                memcpy(buf[i] + size, out[i].field[j].name,
                       out[i].field[j].name_len);
                copy[i].field[j].name = buf[i] + size;
                size += out[i].field[j].name_len;
                memcpy(buf[i] + size, out[i].field[j].value,
                       out[i].field[j].value_len);
                copy[i].field[j].value = buf[i] + size;
                size += out[i].field[j].value_len;
            }
        }

        onestop_store_read_end(p);

        if (n <= 0) {
            return (int) n;
        }

        rc = onestop_replica_apply(f, copy, (size_t) n, &res);
        *after = copy[n - 1].seq;

        for (i = 0; i < n; i++) {
            free(buf[i]);
        }

        if (rc != ONESTOP_OK) {
            printf("# apply: %s\n", res.message);
            return -1;
        }
    }
}


/* a follower freezes before the same change as its primary */
static void
test_follower(const char *dir)
{
    char              err[256], path[4096], list[1024];
    uint64_t          after;
    onestop_buf_t     b, out, fout;
    onestop_store_t  *p, *f;
    onestop_write_t   w;

    memset(&b, 0, sizeof(b));
    memset(&out, 0, sizeof(out));
    memset(&fout, 0, sizeof(fout));
    after = 0;

    p = fixture_open(fixture_path(path, sizeof(path), dir, "p"), 64 * MB, 0,
                     err, sizeof(err));
    f = fixture_open(fixture_path(path, sizeof(path), dir, "f"), 64 * MB, 0,
                     err, sizeof(err));

    if (p == NULL || f == NULL
        || onestop_replica_set_log(p, 1, err, sizeof(err)) != 0
        || onestop_replica_follow(f, "onestop", 7, err, sizeof(err)) != 0)
    {
        ok(0, "a primary and its follower: %s", err);
        return;
    }

    set_today("2024-01-25");
    fixture_catalog_write(p, fixture_catalog, &w);
    rec(&b, "F-1", 1, 0, 0, "2024-01-05", "2024-01-20", NULL, NULL);
    rec(&b, "F-2", 1, 1, 1, "2024-01-06", "2024-02-20", NULL, NULL);
    import(p, &b);
    is_int(ship(p, f, &after), 0, "25 January: shipped");

    set_today("2024-02-10");
    rec(&b, "F-3", 1, 1, 2, "2024-01-30", "2024-02-15", NULL, NULL);
    rec(&b, "F-4", 1, 2, 0, "2024-02-01", "2024-02-15", NULL, NULL);
    import(p, &b);
    rec(&b, "F-1", 2, 0, 0, "2024-01-05", "2024-01-20", "2024-02-09", NULL);
    import(p, &b);
    is_int(ship(p, f, &after), 0, "10 February: shipped");

    is_int(query(p, "from=2024-01-01&to=2024-01-31&group=agency"
                 "&as=published", NULL, &out, err), 0, "the primary's");
    is_int(query(f, "from=2024-01-01&to=2024-01-31&group=agency"
                 "&as=published", NULL, &fout, err), 0, "the follower's");
    changed_by(out.data, NULL, list, sizeof(list));
    is_str(list, strlen(list), "F-3", "the late record listed");
    is_str(fout.data, fout.len, out.data,
           "the follower publishes what its primary does");

    onestop_store_close(p);
    onestop_store_close(f);
    onestop_buf_free(&b);
    onestop_buf_free(&out);
    onestop_buf_free(&fout);
}


int
main(void)
{
    const char  *dir;

    dir = fixture_tmpdir();

    test_codec();
    test_due();
    test_history(dir);
    test_cases(dir);
    test_follower(dir);

    return done_testing();
}
