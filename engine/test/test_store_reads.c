/*
 * Unit tests of the store's reads (engine/store.c, catalog_db.c): a read
 * that fails on what is stored says why (onestop_store_strerror), so that
 * the log of the failure names a reason.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onestop_store_int.h"
#include "tap.h"

#define OFFSET  25200
#define CODE    "000.00.12.H36-190709-0001"


static int
write_one(onestop_store_t *st, onestop_write_t *w)
{
    onestop_write_t  *ws[1];

    ws[0] = w;

    return onestop_store_write(st, ws, 1) == ONESTOP_OK ? w->status : -1;
}


/* one LMDB put into a database of the store, past the engine */

static int
put(onestop_store_t *st, MDB_dbi dbi, const void *key, size_t klen,
    const void *val, size_t vlen)
{
    MDB_txn  *txn;
    MDB_val   k, v;

    if (mdb_txn_begin(st->env, NULL, 0, &txn) != 0) {
        return -1;
    }

    k.mv_data = (void *) key;
    k.mv_size = klen;
    v.mv_data = (void *) val;
    v.mv_size = vlen;

    if (mdb_put(txn, dbi, &k, &v, 0) != 0) {
        mdb_txn_abort(txn);
        return -1;
    }

    return mdb_txn_commit(txn) == 0 ? 0 : -1;
}


int
main(void)
{
    char                   dir[] = "/tmp/onestop-test-store-XXXXXX";
    char                   err[256], cmd[300];
    uint8_t                key[5];
    uint64_t               gen;
    onestop_batch_t        b;
    onestop_record_t       r;
    onestop_write_t        w;
    onestop_store_t       *st;
    onestop_catalog_doc_t  doc;
    onestop_store_conf_t   conf;

    static const char  catalog[] =
        "{\"agencies\": [{\"id\": \"000.00.12.H36\", \"name\": \"Sở Tư "
        "pháp\", \"level\": \"province\"}],"
        " \"fields\": [{\"id\": \"tu-phap\", \"name\": \"Tư pháp\"}],"
        " \"procedures\": [{\"id\": \"1.001234\", \"name\": \"Cấp phiếu "
        "lý lịch tư pháp\", \"field\": \"tu-phap\"}]}";

    static const char  record[] =
        "{\"code\": \"" CODE "\", \"version\": 1,"
        " \"agency\": \"000.00.12.H36\", \"procedure\": \"1.001234\","
        " \"channel\": \"online\", \"applicant\": {\"name\": \"Nguyễn Văn "
        "An\"}, \"received_at\": \"2019-07-09T08:15:00+07:00\","
        " \"due_at\": \"2019-07-16T17:00:00+07:00\"}";

    if (mkdtemp(dir) == NULL) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }

    memset(&conf, 0, sizeof(conf));
    conf.map_size = (size_t) 64 << 20;
    conf.offset = OFFSET;

    if (onestop_store_open(&st, dir, &conf, err, sizeof(err)) != ONESTOP_OK) {
        printf("Bail out! %s\n", err);
        return 1;
    }

    /* a catalog and a dossier */

    is_int(onestop_catalog_doc_parse(&doc, catalog, strlen(catalog)), 0,
           "the catalog parses");
    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_CATALOG;
    w.doc = &doc;
    is_int(write_one(st, &w), 200, "the catalog is written");
    onestop_catalog_doc_free(&doc);

    ok(onestop_batch_init(&b, 0, OFFSET, onestop_today(OFFSET)) == 0
       && onestop_batch_feed(&b, record, strlen(record)) == 0
       && onestop_batch_finish(&b) == 0, "the dossier parses");
    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_DOSSIERS;
    w.batch = &b;
    is_int(write_one(st, &w), 200, "the dossier is written");
    onestop_batch_free(&b);

    ok(onestop_store_read_begin(st) == ONESTOP_OK
       && onestop_store_get(st, CODE, strlen(CODE), &r) == ONESTOP_OK
       && onestop_store_catalog(st) != NULL, "both read back");
    onestop_store_read_end(st);
    is_str(onestop_store_strerror(st), strlen(onestop_store_strerror(st)),
           "", "no failure, no reason");

    /* a stored record that does not decode */

    ok(put(st, st->dossiers, CODE, strlen(CODE), "x", 1) == 0,
       "the dossier is damaged");
    ok(onestop_store_read_begin(st) == ONESTOP_OK, "a read begins");
    is_int(onestop_store_get(st, CODE, strlen(CODE), &r), ONESTOP_ERROR,
           "the damaged dossier is an error");
    onestop_store_read_end(st);
    ok(onestop_store_strerror(st)[0] != '\0',
       "and the store says why: \"%s\"", onestop_store_strerror(st));

    /* a stored catalog that does not load: an agency's value too short,
     * under a new generation so that the reader loads it again */

    key[0] = ONESTOP_CAT_AGENCY;
    be32(key + 1, 1);
    gen = 1000;

    ok(put(st, st->catalog, key, 5, "xy", 2) == 0
       && put(st, st->meta, ONESTOP_META_CATALOG_GEN,
              strlen(ONESTOP_META_CATALOG_GEN), &gen, 8) == 0,
       "the catalog is damaged");
    ok(onestop_store_read_begin(st) == ONESTOP_OK, "a read begins");
    st->error = "";
    ok(onestop_store_catalog(st) == NULL, "the damaged catalog is an error");
    onestop_store_read_end(st);
    ok(onestop_store_strerror(st)[0] != '\0',
       "and the store says why: \"%s\"", onestop_store_strerror(st));

    onestop_store_close(st);

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);

    if (system(cmd) != 0) {
        printf("# could not remove %s\n", dir);
    }

    return done_testing();
}
