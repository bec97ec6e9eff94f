/*
 * Unit tests of the store through its public API (engine/onestop_store.h),
 * against SPEC sections 3 and 5: a new store and its catalog, record
 * writes as the CLI's import makes them, reading them back, the ordering
 * by version (higher replaces, the same content is unchanged, the same
 * version with other content is a conflict, lower is stale), deletion and
 * tombstones, the atomicity of a batch, a reopen, the map size reserved
 * at creation and kept at a reopen, the UTC offset, and a backup opened
 * as a store of its own.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)

static onestop_day_t  today;



/* One NDJSON line; NULL leaves a time out. */
static const char *
rec(char *buf, size_t size, const char *code, unsigned version,
    const char *agency, const char *channel, const char *received,
    const char *due, const char *resolved, const char *name)
{
    int  n;

    n = snprintf(buf, size,
                 "{\"code\": \"%s\", \"version\": %u, \"agency\": \"%s\", "
                 "\"procedure\": \"1.001234\", \"channel\": \"%s\", "
                 "\"applicant\": {\"name\": \"%s\"}, "
                 "\"contact\": {\"phone\": \"0912345678\"}, "
                 "\"received_at\": \"%s\", \"due_at\": \"%s\"",
                 code, version, agency, channel, name, received, due);

    if (resolved != NULL) {
        n += snprintf(buf + n, size - n, ", \"resolved_at\": \"%s\"",
                      resolved);
    }

    snprintf(buf + n, size - n, "}\n");

    return buf;
}


/* the stored record's version, 0 when it is not found (deleted too) */
static uint64_t
stored_version(onestop_store_t *st, const char *code)
{
    int               rc;
    uint64_t          v;
    onestop_record_t  r;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return (uint64_t) -1;
    }

    rc = onestop_store_get(st, code, strlen(code), &r);
    v = rc == ONESTOP_OK ? r.version : 0;
    onestop_store_read_end(st);

    return v;
}


/* the stored record's applicant name, "" when not found */
static const char *
stored_name(onestop_store_t *st, const char *code, char *buf, size_t size)
{
    onestop_record_t  r;

    buf[0] = '\0';

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return buf;
    }

    if (onestop_store_get(st, code, strlen(code), &r) == ONESTOP_OK) {
        snprintf(buf, size, "%.*s", (int) r.name.len, r.name.data);
    }

    onestop_store_read_end(st);

    return buf;
}


static void
test_catalog(onestop_store_t *st)
{
    char                      doc[512];
    onestop_write_t           w;
    const onestop_catalog_t  *cat;

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200,
           "the catalog is written");
    is_int(w.agencies, 7, "seven agencies");
    is_int(w.fields, 3, "three fields");
    is_int(w.procedures, 4, "four procedures");

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200,
           "the same catalog again");
    is_int(w.agencies + w.fields + w.procedures, 0, "writes nothing");

    snprintf(doc, sizeof(doc),
             "{\"agencies\": [{\"id\": \"000.30.01.H36\", \"name\": \"X\", "
             "\"level\": \"district\", \"parent\": null}]}");
    is_int(fixture_catalog_write(st, doc, &w), 422,
           "an agency's level never changes");

    snprintf(doc, sizeof(doc),
             "{\"procedures\": [{\"id\": \"1.001234\", \"name\": \"X\", "
             "\"field\": \"ho-tich\"}]}");
    is_int(fixture_catalog_write(st, doc, &w), 422,
           "a procedure's field never changes");

    snprintf(doc, sizeof(doc),
             "{\"fields\": [{\"id\": \"tu-phap\", \"name\": \"Tư pháp (mới)\"}]}");
    is_int(fixture_catalog_write(st, doc, &w), 200, "a name may change");
    is_int(w.fields, 1, "one field written");

    ok(onestop_store_read_begin(st) == ONESTOP_OK, "a read begins");
    cat = onestop_store_catalog(st);
    ok(cat != NULL, "the catalog is read");

    if (cat != NULL) {
        uint32_t  a, d, f;

        a = onestop_catalog_agency(cat, "000.30.02.H36", 13);
        d = onestop_catalog_agency(cat, "000.00.30.H36", 13);
        f = onestop_catalog_field(cat, "tu-phap", 7);

        ok(a != 0 && d != 0, "agencies interned");
        ok(a != 0 && d != 0 && cat->agencies[a].parent == d
           && cat->agencies[a].top == d
           && cat->agencies[a].level == ONESTOP_LEVEL_COMMUNE,
           "a commune under its district");
        ok(f != 0, "a field interned");
        is_str(f ? cat->fields[f].name.data : "", f ? cat->fields[f].name.len
                                                    : 0,
               "Tư pháp (mới)", "the new name");
        is_int(onestop_catalog_agency(cat, "province", 8), 0,
               "no agency is called province");
        ok(onestop_catalog_procedure(cat, "1.000895", 8) != 0,
           "the fourth procedure");
    }

    onestop_store_read_end(st);
}


static void
test_versions(onestop_store_t *st)
{
    int                       rc;
    char                      a[1024], b[1024], nm[300];
    onestop_write_t           w;
    onestop_record_t          r;
    const onestop_catalog_t  *cat;

    rec(a, sizeof(a), "000.00.12.H36-190709-0001", 2, "000.00.12.H36",
        "online", "2019-07-09T08:15:00+07:00", "2019-07-16", NULL,
        "Nguyễn Văn An");
    is_int(fixture_import(st, a, today, &w), 200, "a record is written");
    is_int(w.accepted, 1, "accepted");

    ok(onestop_store_read_begin(st) == ONESTOP_OK, "a read begins");
    rc = onestop_store_get(st, "000.00.12.H36-190709-0001", 25, &r);
    is_int(rc, ONESTOP_OK, "it is found");
    cat = onestop_store_catalog(st);

    if (rc == ONESTOP_OK && cat != NULL) {
        is_int(r.version, 2, "its version");
        is_int(r.agency_id, onestop_catalog_agency(cat, "000.00.12.H36", 13),
               "its agency");
        is_int(r.procedure_id, onestop_catalog_procedure(cat, "1.001234", 8),
               "its procedure");
        is_int(r.channel, ONESTOP_CH_ONLINE, "its channel");
        is_str(r.name.data, r.name.len, "Nguyễn Văn An", "its applicant");
        is_str(r.phone.data, r.phone.len, "0912345678", "its contact");
        is_int(r.t[ONESTOP_T_RECEIVED].sec,
               (int64_t) civil(2019, 7, 9) * 86400 + 8 * 3600 + 15 * 60
               - 7 * 3600, "the reception time, to the second");
        is_int(onestop_ts_day(&r.t[ONESTOP_T_DUE], onestop_store_offset(st)),
               civil(2019, 7, 16), "the due date");
        ok(!r.t[ONESTOP_T_RESOLVED].set, "not resolved");
        is_str(r.code.data, r.code.len, "000.00.12.H36-190709-0001",
               "its code");
    }

    is_int(onestop_store_get(st, "000.00.12.H36-190709-0002", 25, &r),
           ONESTOP_NOT_FOUND, "another code is not found");
    onestop_store_read_end(st);

    /* the same version */

    is_int(fixture_import(st, a, today, &w), 200, "the same record again");
    is_int(w.unchanged, 1, "is unchanged");
    is_int(w.accepted, 0, "and not accepted");

    rec(b, sizeof(b), "000.00.12.H36-190709-0001", 2, "000.00.12.H36",
        "online", "2019-07-09T01:15:00Z", "2019-07-16T00:00:00+07:00", NULL,
        "Nguyễn Văn An");
    is_int(fixture_import(st, b, today, &w), 200,
           "the same instants spelt otherwise");
    is_int(w.unchanged, 1, "are the same content");

    rec(b, sizeof(b), "000.00.12.H36-190709-0001", 2, "000.00.12.H36",
        "online", "2019-07-09T08:15:00+07:00", "2019-07-16", NULL,
        "Nguyễn Văn Bình");
    is_int(fixture_import(st, b, today, &w), 409,
           "the same version with another name is a conflict");
    stored_name(st, "000.00.12.H36-190709-0001", nm, sizeof(nm));
    is_str(nm, strlen(nm), "Nguyễn Văn An", "the stored record stays");

    rec(b, sizeof(b), "000.00.12.H36-190709-0001", 2, "000.00.12.H36",
        "online", "2019-07-09T08:15:01+07:00", "2019-07-16", NULL,
        "Nguyễn Văn An");
    is_int(fixture_import(st, b, today, &w), 409,
           "one second later is other content");

    /* lower, higher */

    rec(b, sizeof(b), "000.00.12.H36-190709-0001", 1, "000.00.12.H36",
        "online", "2019-07-09", "2019-07-16", NULL, "Nguyễn Văn Cường");
    is_int(fixture_import(st, b, today, &w), 200, "a lower version");
    is_int(w.stale, 1, "is stale");
    is_int(w.accepted + w.unchanged, 0, "and nothing else");
    stored_name(st, "000.00.12.H36-190709-0001", nm, sizeof(nm));
    is_str(nm, strlen(nm), "Nguyễn Văn An", "and ignored");

    rec(b, sizeof(b), "000.00.12.H36-190709-0001", 3, "000.00.12.H36",
        "online", "2019-07-09", "2019-07-16", "2019-07-15",
        "Nguyễn Văn Dũng");
    is_int(fixture_import(st, b, today, &w), 200, "a higher version");
    is_int(w.accepted, 1, "is accepted");
    is_int(stored_version(st, "000.00.12.H36-190709-0001"), 3,
           "and replaces the stored one");
    stored_name(st, "000.00.12.H36-190709-0001", nm, sizeof(nm));
    is_str(nm, strlen(nm), "Nguyễn Văn Dũng", "with its content");

    /* within one batch, in order */

    rec(a, sizeof(a), "B-1", 1, "000.00.15.H36", "direct", "2020-01-02",
        "2020-01-10", NULL, "Một");
    rec(b, sizeof(b), "B-1", 2, "000.00.15.H36", "direct", "2020-01-02",
        "2020-01-10", NULL, "Hai");
    strcat(a, b);
    rec(b, sizeof(b), "B-1", 1, "000.00.15.H36", "direct", "2020-01-02",
        "2020-01-10", NULL, "Ba");
    strcat(a, b);
    is_int(fixture_import(st, a, today, &w), 200, "three versions in a batch");
    ok(w.accepted == 2 && w.stale == 1, "applied in order: 2 accepted, "
       "1 stale (%zu, %zu)", w.accepted, w.stale);
    stored_name(st, "B-1", nm, sizeof(nm));
    is_str(nm, strlen(nm), "Hai",
           "the higher one stays");
}


static void
test_delete(onestop_store_t *st)
{
    char             a[1024], nm[300];
    onestop_write_t  w;

    rec(a, sizeof(a), "D-1", 5, "000.30.01.H36", "postal", "2020-03-02",
        "2020-03-20", NULL, "Trần Thị Bé");
    is_int(fixture_import(st, a, today, &w), 200, "a dossier to delete");

    is_int(fixture_delete(st, "D-1", &w), 200, "it is deleted");
    is_int(w.deleted, 1, "one deleted");
    is_int(stored_version(st, "D-1"), 0, "it is no longer found");
    is_int(fixture_delete(st, "D-1", &w), 404, "a second delete: 404");
    is_int(fixture_delete(st, "NO-SUCH-CODE", &w), 404, "an unknown code");

    rec(a, sizeof(a), "D-1", 5, "000.30.01.H36", "postal", "2020-03-02",
        "2020-03-20", NULL, "Trần Thị Bé");
    is_int(fixture_import(st, a, today, &w), 200,
           "the tombstone's version again");
    is_int(w.stale, 1, "is stale");

    rec(a, sizeof(a), "D-1", 4, "000.30.01.H36", "postal", "2020-03-02",
        "2020-03-20", NULL, "Trần Thị Bé");
    fixture_import(st, a, today, &w);
    is_int(w.stale, 1, "a lower one too");
    is_int(stored_version(st, "D-1"), 0, "still deleted");

    rec(a, sizeof(a), "D-1", 6, "000.30.01.H36", "postal", "2020-03-02",
        "2020-03-20", NULL, "Trần Thị Cúc");
    is_int(fixture_import(st, a, today, &w), 200, "a higher version");
    is_int(w.accepted, 1, "is accepted");
    is_int(stored_version(st, "D-1"), 6, "and brings the dossier back");
    stored_name(st, "D-1", nm, sizeof(nm));
    is_str(nm, strlen(nm), "Trần Thị Cúc",
           "with its content");
}


/*
 * The records of docs[0 .. n) as n writes of one group, each write's
 * status in status[]: 0, or -1 when a batch did not parse (nothing is
 * written then).
 */
static int
write_together(onestop_store_t *st, const char *const *docs, size_t n,
    int *status)
{
    size_t            i, parsed;
    onestop_batch_t   b[4];
    onestop_write_t   w[4], *wp[4];

    for (parsed = 0; parsed < n && parsed < 4; parsed++) {
        if (fixture_batch(st, docs[parsed], today, &b[parsed], NULL, 0) != 0)
        {
            break;
        }

        memset(&w[parsed], 0, sizeof(onestop_write_t));
        w[parsed].kind = ONESTOP_W_DOSSIERS;
        w[parsed].batch = &b[parsed];
        wp[parsed] = &w[parsed];
    }

    if (parsed == n) {
        onestop_store_write(st, wp, n);

        for (i = 0; i < n; i++) {
            status[i] = w[i].status;
        }
    }

    for (i = 0; i < parsed; i++) {
        onestop_batch_free(&b[i]);
    }

    return parsed == n ? 0 : -1;
}


/* the counters recomputed from the records equal the stored ones */
static void
verified(onestop_store_t *st, const char *name)
{
    long           diffs;
    onestop_buf_t  report;

    memset(&report, 0, sizeof(report));
    onestop_store_read_begin(st);
    diffs = onestop_store_verify(st, &report);
    onestop_store_read_end(st);
    is_int(diffs, 0, "%s", name);

    if (diffs != 0) {
        printf("# %.*s\n", (int) report.len, report.data);
    }

    onestop_buf_free(&report);
}


/*
 * Four writes in one commit, as nginx's writer groups them: the counters
 * of the three accepted are written once at the end (the first's deltas
 * take the group's place, the next ones join them), and the refused one's
 * are left out, whether it comes first or between the others.
 */
static void
test_group(onestop_store_t *st)
{
    int          ready, status[4];
    char         a[3][2048], bad[1024], one[1024];
    const char  *docs[4];

    rec(bad, sizeof(bad), "G-0", 1, "000.99.99.H36", "direct",
        "2021-06-01", "2021-06-08", NULL, "Không");
    rec(a[0], sizeof(a[0]), "G-1", 1, "000.00.12.H36", "direct",
        "2021-06-01", "2021-06-08", NULL, "Một");
    rec(one, sizeof(one), "G-2", 1, "000.00.12.H36", "online",
        "2021-06-02", "2021-06-09", "2021-06-05", "Hai");
    strcat(a[0], one);
    rec(a[1], sizeof(a[1]), "G-3", 1, "000.00.12.H36", "direct",
        "2021-06-01", "2021-06-08", "2021-06-10", "Ba");
    rec(a[2], sizeof(a[2]), "G-1", 2, "000.00.12.H36", "direct",
        "2021-06-01", "2021-06-08", "2021-06-03", "Một");

    docs[0] = bad;
    docs[1] = a[0];
    docs[2] = a[1];
    docs[3] = a[2];
    ready = write_together(st, docs, 4, status) == 0;
    ok(ready, "four batches are parsed");

    if (!ready) {
        return;
    }

    is_int(status[0], 422, "the group's first write is refused");
    ok(status[1] == 200 && status[2] == 200 && status[3] == 200,
       "the three after it are accepted (%d %d %d)", status[1], status[2],
       status[3]);
    is_int(stored_version(st, "G-1"), 2, "the last write of G-1 stands");
    is_int(stored_version(st, "G-0"), 0, "the refused record is not there");

    verified(st, "the counters are the records' after the group");

    /* the refused write between two accepted ones */

    rec(a[0], sizeof(a[0]), "G-4", 1, "000.00.12.H36", "postal",
        "2021-06-03", "2021-06-10", NULL, "Bốn");
    rec(a[1], sizeof(a[1]), "G-2", 2, "000.00.12.H36", "online",
        "2021-06-02", "2021-06-09", NULL, "Hai");

    docs[0] = a[0];
    docs[1] = bad;
    docs[2] = a[1];
    ready = write_together(st, docs, 3, status) == 0;
    ok(ready, "three more batches are parsed");

    if (!ready) {
        return;
    }

    ok(status[0] == 200 && status[1] == 422 && status[2] == 200,
       "accepted, refused, accepted (%d %d %d)", status[0], status[1],
       status[2]);

    verified(st, "the counters are the records' again");
}


static void
test_atomic(onestop_store_t *st)
{
    char             a[4096], b[1024], why[512];
    onestop_write_t  w;

    /* an agency the catalog lacks, found by the store */

    rec(a, sizeof(a), "A-1", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Một");
    rec(b, sizeof(b), "A-2", 1, "000.99.99.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Hai");
    strcat(a, b);
    rec(b, sizeof(b), "A-3", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Ba");
    strcat(a, b);
    is_int(fixture_import_scoped(st, a, today, NULL, &w, why, sizeof(why)),
           422, "a batch with an unknown agency");
    ok(strstr(why, "1: invalid") == why, "names the record: %s", why);
    ok(stored_version(st, "A-1") == 0 && stored_version(st, "A-3") == 0,
       "nothing of it is written");

    /* a record that breaks a rule of section 3 */

    rec(a, sizeof(a), "A-1", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Một");
    rec(b, sizeof(b), "A-2", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-01", NULL, "Hai");
    strcat(a, b);
    is_int(fixture_import_scoped(st, a, today, NULL, &w, why, sizeof(why)),
           422, "a batch with a due date before the received date");
    ok(strstr(why, "due_at is before received_at") != NULL, "says why: %s",
       why);
    is_int(stored_version(st, "A-1"), 0, "nothing of it is written");

    /* a conflict after a good record */

    rec(a, sizeof(a), "A-1", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Một");
    rec(b, sizeof(b), "B-1", 2, "000.00.15.H36", "direct", "2020-01-02",
        "2020-01-10", NULL, "Khác");
    strcat(a, b);
    is_int(fixture_import(st, a, today, &w), 409, "a batch with a conflict");
    is_int(stored_version(st, "A-1"), 0, "nothing of it is written");

    /* not JSON */

    is_int(fixture_import(st, "{\"code\": \"A-1\", \n", today, &w), 400,
           "a line that is not JSON");

    /* a record from the future */

    rec(a, sizeof(a), "A-4", 1, "000.00.12.H36", "direct", "2021-07-02",
        "2021-07-11", NULL, "Tương Lai");
    is_int(fixture_import(st, a, today, &w), 422,
           "received two days after today");

    /* out of scope (a district's key covers its communes) */
    {
        onestop_str_t    ids[1] = { onestop_str("000.00.30.H36") };
        onestop_scope_t  scope = { 0, ids, 1, 0 };

        rec(a, sizeof(a), "S-1", 1, "000.30.02.H36", "direct", "2020-05-04",
            "2020-05-11", NULL, "Một");
        rec(b, sizeof(b), "S-2", 1, "000.00.15.H36", "direct", "2020-05-04",
            "2020-05-11", NULL, "Hai");
        strcat(a, b);
        is_int(fixture_import_scoped(st, a, today, &scope, &w, NULL, 0), 403,
               "a record out of the key's scope");
        is_int(stored_version(st, "S-1"), 0, "nothing of the batch");

        rec(a, sizeof(a), "S-1", 1, "000.30.02.H36", "direct", "2020-05-04",
            "2020-05-11", NULL, "Một");
        is_int(fixture_import_scoped(st, a, today, &scope, &w, NULL, 0), 200,
               "a commune's record with its district's key");
        is_int(stored_version(st, "S-1"), 1, "is written");
    }

    /* the good batch, whole */

    rec(a, sizeof(a), "A-1", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Một");
    rec(b, sizeof(b), "A-3", 1, "000.00.12.H36", "direct", "2020-05-04",
        "2020-05-11", NULL, "Ba");
    strcat(a, b);
    is_int(fixture_import(st, a, today, &w), 200, "the good records");
    ok(stored_version(st, "A-1") == 1 && stored_version(st, "A-3") == 1,
       "are written");
}


/* what a reopened or copied store must still hold */
static void
check_contents(onestop_store_t *st, const char *what)
{
    char                      nm[300];
    onestop_record_t          r;
    const onestop_catalog_t  *cat;

    is_int(stored_version(st, "000.00.12.H36-190709-0001"), 3,
           "%s: the first dossier", what);
    stored_name(st, "D-1", nm, sizeof(nm));
    is_str(nm, strlen(nm), "Trần Thị Cúc", "%s: the revived dossier", what);
    is_int(stored_version(st, "A-2"), 0, "%s: no trace of a refused batch",
           what);
    is_int(onestop_store_offset(st), ONESTOP_DEFAULT_OFFSET,
           "%s: the UTC offset", what);

    ok(onestop_store_read_begin(st) == ONESTOP_OK, "%s: a read", what);
    cat = onestop_store_catalog(st);
    ok(cat != NULL && cat->nagencies == 7 && cat->nfields == 3
       && cat->nprocedures == 4, "%s: the catalog", what);
    ok(onestop_store_get(st, "B-1", 3, &r) == ONESTOP_OK && r.version == 2,
       "%s: B-1 at version 2", what);
    onestop_store_read_end(st);
}


int
main(void)
{
    char                   err[512], d1[4200], d2[4200], d3[4200];
    uint64_t               used, mapped;
    const char            *tmp;
    struct stat            sb;
    onestop_store_t       *st, *st2;
    onestop_store_conf_t   conf;

    today = civil(2021, 6, 30);
    tmp = fixture_tmpdir();
    fixture_path(d1, sizeof(d1), tmp, "store");
    fixture_path(d2, sizeof(d2), tmp, "copy");
    fixture_path(d3, sizeof(d3), tmp, "missing");

    /* a new store */

    st = fixture_open(d1, 16 * MB, 0, err, sizeof(err));
    ok(st != NULL, "a new store is created");
    if (st == NULL) {
        printf("# %s\n", err);
    }

    if (st == NULL) {
        return done_testing();
    }

    onestop_store_usage(st, &used, &mapped);
    is_int(mapped, 16 * MB, "its map is the size asked for");
    ok(used > 0 && used < mapped, "some of it is used (%llu)",
       (unsigned long long) used);
    is_int(onestop_store_offset(st), ONESTOP_DEFAULT_OFFSET, "its offset");

    ok(onestop_store_read_begin(st) == ONESTOP_OK, "an empty store is read");
    ok(onestop_store_catalog(st) != NULL
       && onestop_store_catalog(st)->nagencies == 0, "an empty catalog");
    is_int(onestop_store_seq(st), 0, "no change yet");
    onestop_store_read_end(st);

    test_catalog(st);
    test_versions(st);
    test_delete(st);
    test_atomic(st);
    test_group(st);
    check_contents(st, "open");

    onestop_store_close(st);

    /* reopened with a smaller map: the store keeps its own */

    st = fixture_open(d1, 4 * MB, 0, err, sizeof(err));
    ok(st != NULL, "the store is reopened");

    if (st == NULL) {
        return done_testing();
    }

    onestop_store_usage(st, &used, &mapped);
    is_int(mapped, 16 * MB, "a smaller map_size keeps the store's map");
    check_contents(st, "reopened");
    onestop_store_close(st);

    st = fixture_open(d1, 0, 0, err, sizeof(err));
    ok(st != NULL, "reopened without a map size");
    onestop_store_usage(st, &used, &mapped);
    is_int(mapped, 16 * MB, "maps the size the store records");
    onestop_store_close(st);

    st = fixture_open(d1, 32 * MB, 0, err, sizeof(err));
    ok(st != NULL, "reopened with a larger map_size");
    onestop_store_usage(st, &used, &mapped);
    is_int(mapped, 32 * MB, "grows the map");
    onestop_store_close(st);

    st = fixture_open(d1, 0, 0, err, sizeof(err));
    onestop_store_usage(st, &used, &mapped);
    is_int(mapped, 32 * MB, "and the growth is kept");

    /* the offset is the store's */

    memset(&conf, 0, sizeof(conf));
    conf.offset = 9 * 3600;
    conf.check_offset = 1;
    st2 = NULL;
    is_int(onestop_store_open(&st2, d1, &conf, err, sizeof(err)),
           ONESTOP_ERROR, "another offset with check_offset is refused");
    ok(strstr(err, "+07:00") != NULL && strstr(err, "+09:00") != NULL,
       "says both: %s", err);
    conf.check_offset = 0;
    ok(onestop_store_open(&st2, d1, &conf, err, sizeof(err)) == ONESTOP_OK
       && onestop_store_offset(st2) == ONESTOP_DEFAULT_OFFSET,
       "without it, the store's offset wins");
    onestop_store_close(st2);

    memset(&conf, 0, sizeof(conf));
    conf.readonly = 1;
    is_int(onestop_store_open(&st2, d3, &conf, err, sizeof(err)),
           ONESTOP_ERROR, "read-only, a missing store is not created");
    ok(stat(d3, &sb) != 0, "nor its directory");

    /* a backup, opened as a store */

    err[0] = '\0';
    is_int(onestop_store_backup(st, d2, err, sizeof(err)), 0,
           "a backup is made %s", err);
    onestop_store_close(st);

    fixture_path(d3, sizeof(d3), d2, "data.mdb");
    ok(stat(d3, &sb) == 0 && (sb.st_mode & 0777) == 0640,
       "the copy is as private as the store (%o)", sb.st_mode & 0777);

    memset(&conf, 0, sizeof(conf));
    conf.readonly = 1;
    err[0] = '\0';
    ok(onestop_store_open(&st2, d2, &conf, err, sizeof(err)) == ONESTOP_OK,
       "the copy opens read-only %s", err);
    check_contents(st2, "copy");
    onestop_store_close(st2);

    st2 = fixture_open(d2, 0, 0, err, sizeof(err));
    ok(st2 != NULL, "and read-write");

    if (st2 != NULL) {
        onestop_write_t  w;

        is_int(fixture_delete(st2, "B-1", &w), 200, "a write to the copy");
        is_int(stored_version(st2, "B-1"), 0, "shows there");
        onestop_store_close(st2);

        st = fixture_open(d1, 0, 0, err, sizeof(err));
        is_int(stored_version(st, "B-1"), 2, "and not in the original");
        onestop_store_close(st);
    }

    return done_testing();
}
