/*
 * The published questions on a real store (feedback_db.c, feedback_read.c,
 * feedback_stats.c): the public JSON kept in each published entry is what
 * the list copies, an entry written before heads were kept (9 bytes) is
 * still listed the same, and verify tells a kept head that no longer
 * agrees with its question.
 */

#include "onestop_feedback_int.h"
#include "onestop_store_int.h"

#include "fixture.h"
#include "tap.h"


static uint64_t
ask_answer(onestop_store_t *st, const char *subject)
{
    char                    body[512];
    const char             *code, *message;
    onestop_scope_t         admin;
    onestop_write_t         w, *wp;
    onestop_feedback_op_t   op;
    uint64_t                id;

    snprintf(body, sizeof(body), "{\"kind\":\"question\",\"agency\":"
             "\"000.00.12.H36\",\"procedure\":\"1.001234\",\"subject\":"
             "\"%s\",\"text\":\"Xin h\\u1ecfi\",\"name\":\"Nguy\\u1ec5n "
             "V\\u0103n An\",\"contact\":\"0912345678\"}", subject);
    memset(&op, 0, sizeof(op));

    if (onestop_feedback_request(&op, ONESTOP_FB_JSON, 0, body, strlen(body),
                                 0, &code, &message) != 0)
    {
        return 0;
    }

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_FEEDBACK;
    w.feedback = &op;
    wp = &w;

    if (onestop_store_write(st, &wp, 1) != ONESTOP_OK || w.status != 201) {
        return 0;
    }

    id = op.id;
    onestop_feedback_op_free(&op);

    snprintf(body, sizeof(body), "{\"answer\":\"Tr\\u1ea3 l\\u1eddi %s\","
             "\"publish\":true}", subject);
    memset(&op, 0, sizeof(op));

    if (onestop_feedback_request(&op, ONESTOP_FB_INGEST, id, body,
                                 strlen(body), 0, &code, &message) != 0)
    {
        return 0;
    }

    memset(&admin, 0, sizeof(admin));
    admin.all = 1;
    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_FEEDBACK;
    w.feedback = &op;
    w.scope = &admin;
    wp = &w;

    if (onestop_store_write(st, &wp, 1) != ONESTOP_OK || w.status != 200) {
        id = 0;
    }

    onestop_feedback_op_free(&op);
    return id;
}


/* the published list's JSON, or NULL */
static char *
list(onestop_store_t *st)
{
    char                    *s;
    const char              *message;
    onestop_buf_t            out;
    onestop_feedback_get_t   g;

    memset(&g, 0, sizeof(g));
    memset(&out, 0, sizeof(out));
    g.mode = ONESTOP_FB_JSON;
    g.today = onestop_today(ONESTOP_DEFAULT_OFFSET);

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return NULL;
    }

    s = onestop_feedback_read(st, &g, &out, &message) == 200
        ? strndup(out.data, out.len) : NULL;
    onestop_store_read_end(st);
    onestop_buf_free(&out);

    return s;
}


/* the published entry of id: replaced by its first n bytes (n 9: as
 * written before heads were kept), or its JSON's byte at `at` changed */
static int
entry_edit(onestop_store_t *st, uint64_t id, size_t n, long at)
{
    int       rc;
    int       i;
    uint8_t   key[9], *val;
    MDB_val   k, v;
    MDB_txn  *txn;

    key[0] = ONESTOP_FBI_PUBLISHED;

    for (i = 0; i < 8; i++) {
        key[1 + i] = (uint8_t) (~id >> (56 - 8 * i));
    }

    k.mv_data = key;
    k.mv_size = 9;

    if (mdb_txn_begin(st->env, NULL, 0, &txn) != 0) {
        return -1;
    }

    if (mdb_get(txn, st->feedback_index, &k, &v) != 0 || v.mv_size < 14) {
        mdb_txn_abort(txn);
        return -1;
    }

    val = malloc(v.mv_size);
    memcpy(val, v.mv_data, v.mv_size);

    if (at >= 0) {
        val[ONESTOP_FBP_HEAD + at] ^= 0x01;
        n = v.mv_size;
    }

    v.mv_data = val;
    v.mv_size = n;
    rc = mdb_put(txn, st->feedback_index, &k, &v, 0);
    free(val);

    if (rc != 0) {
        mdb_txn_abort(txn);
        return -1;
    }

    return mdb_txn_commit(txn) == 0 ? 0 : -1;
}


static long
verify(onestop_store_t *st, onestop_buf_t *report)
{
    long  d;

    report->len = 0;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return -1;
    }

    d = onestop_feedback_verify(st, report);
    onestop_store_read_end(st);

    return d;
}


int
main(void)
{
    char              err[256], path[4096], *a, *b, *c;
    uint64_t          id1, id2;
    const char       *dir;
    onestop_buf_t     report;
    onestop_write_t   w;
    onestop_store_t  *st;

    dir = fixture_tmpdir();
    st = fixture_open(fixture_path(path, sizeof(path), dir, "store"),
                      64 << 20, 0, err, sizeof(err));

    if (st == NULL || fixture_catalog_write(st, fixture_catalog, &w) != 200)
    {
        ok(0, "a store with the catalog: %s", err);
        return done_testing();
    }

    id1 = ask_answer(st, "L\\u00fd l\\u1ecbch \\\"t\\u01b0 ph\\u00e1p\\\"");
    id2 = ask_answer(st, "Khai sinh");
    ok(id1 != 0 && id2 != 0, "two questions asked, answered, published");

    memset(&report, 0, sizeof(report));
    is_int(verify(st, &report), 0, "verify: clean");

    a = list(st);
    ok(a != NULL && strstr(a, "\"name\":\"Sở Tư pháp\"") != NULL
       && strstr(a, "L\xc3\xbd l\xe1\xbb\x8b" "ch \\\"t") != NULL,
       "the list: the catalog's names, the subject escaped");

    /* an entry as written before: 9 bytes, rendered whole */
    is_int(entry_edit(st, id1, 9, -1), 0, "question 1's entry cut to 9 bytes");
    b = list(st);
    ok(a != NULL && b != NULL && strcmp(a, b) == 0,
       "the list is the same, byte for byte, from a 9-byte entry");
    is_int(verify(st, &report), 0, "verify: a 9-byte entry is not a fault");

    /* a kept head that no longer agrees with its question */
    is_int(entry_edit(st, id2, 0, 20), 0, "question 2's kept JSON altered");
    c = list(st);
    ok(c != NULL && a != NULL && strcmp(a, c) != 0,
       "the list copies what is kept (so verify must tell)");
    ok(verify(st, &report) >= 1 && report.len
       && strstr(report.data, "published index entry differs") != NULL,
       "verify tells the altered entry");

    free(a);
    free(b);
    free(c);
    onestop_buf_free(&report);
    onestop_store_close(st);
    fixture_cleanup();

    return done_testing();
}
