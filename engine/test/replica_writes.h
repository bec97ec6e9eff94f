/*
 * The primary's random history of test_replica.c: dossiers written in
 * batches (new codes, later versions that move them between agencies and
 * procedures, apology letters, outcomes), deletions, evaluations of
 * resolved dossiers, and one catalog change, each chosen by the test's
 * random stream (rnd(), defined before this file is included) and kept
 * consistent in a table of the codes' states.
 */

#ifndef ONESTOP_TEST_REPLICA_WRITES_H
#define ONESTOP_TEST_REPLICA_WRITES_H

typedef struct {
    unsigned   version;      /* last written; 0: never */
    int        deleted;
    int        closed;       /* resolved: may be evaluated */
    int        evaluated;
} code_state_t;

static code_state_t  codes[CODES];
static int           new_catalog;

static const char  *agencies[] = {
    "000.00.12.H36", "000.00.15.H36", "000.00.30.H36", "000.30.01.H36",
    "000.30.02.H36", "000.00.31.H36", "000.31.01.H36", "000.31.02.H36"
};

static const char  *procedures[] = {
    "1.001234", "1.009999", "1.000894", "1.000895", "1.000896"
};


static int
record_json(char *buf, size_t size, unsigned c, unsigned version,
    int *closed)
{
    int        n, rm, rd, dd, res, ret, apo, rs;
    unsigned   na, np;

    na = new_catalog ? 8 : 7;
    np = new_catalog ? 5 : 4;
    rm = 1 + (int) rnd(4);
    rd = 1 + (int) rnd(25);
    dd = 5 + (int) rnd(10);
    res = (int) rnd(10);
    ret = rnd(3) == 0;
    apo = rnd(6) == 0;

    n = snprintf(buf, size,
                 "{\"code\": \"RP-%04u\", \"version\": %u, "
                 "\"agency\": \"%s\", \"procedure\": \"%s\", "
                 "\"channel\": \"%s\", \"return_channel\": \"%s\", "
                 "\"applicant\": {\"name\": \"Nguyễn Văn %c\"}, "
                 "\"contact\": {\"phone\": \"09%08u\"}, "
                 "\"received_at\": \"2024-%02d-%02dT09:%02u:00+07:00\", "
                 "\"due_at\": \"2024-%02d-%02d\", "
                 "\"due_change\": \"correction\"",
                 c, version, agencies[rnd(na)], procedures[rnd(np)],
                 rnd(2) ? "online" : "direct", ret ? "postal" : "counter",
                 'A' + (char) rnd(26), rnd(100000000), rm, rd, rnd(60),
                 rm + 1, (rd + dd) % 28 + 1);

    *closed = 0;

    if (res < 6) {
        /* resolved in the month after received: early, on time or late */
        rs = 1 + (int) rnd(28);
        n += snprintf(buf + n, size - n,
                      ", \"resolved_at\": \"2024-%02d-%02dT15:00:00+07:00\"",
                      rm + 1, rs);
        *closed = 1;

        /* a letter issued on the due date: not for a dossier resolved
         * before it, or withdrawn (which happens the day it was received) */
        apo = apo && rs >= (rd + dd) % 28 + 1;

        if (ret) {
            n += snprintf(buf + n, size - n,
                          ", \"returned_at\": \"2024-%02d-28\"", rm + 1);
        }

    } else if (res == 6) {
        n += snprintf(buf + n, size - n,
                      ", \"withdrawn_at\": \"2024-%02d-%02d\"", rm, rd);
        apo = 0;
    }

    if (apo) {
        n += snprintf(buf + n, size - n,
                      ", \"apology\": {\"issued_at\": \"2024-%02d-%02d\", "
                      "\"new_due_at\": \"2024-%02d-28\", "
                      "\"reason\": \"thiếu hồ sơ %u\"}",
                      rm + 1, (rd + dd) % 28 + 1, rm + 2, rnd(1000));
    }

    return n + snprintf(buf + n, size - n, "}\n");
}


static int
write_batch(onestop_store_t *st)
{
    int               closed[24];
    unsigned          c[24], v[24];
    size_t            i, k, n;
    onestop_buf_t     b;
    onestop_write_t   w;
    char              line[2048];

    n = 1 + rnd(20);
    memset(&b, 0, sizeof(b));

    for (i = 0; i < n; i++) {
        c[i] = rnd(CODES);

        for (k = 0; k < i; k++) {
            if (c[k] == c[i]) {
                break;
            }
        }

        if (k < i) {
            i--;
            n--;
            continue;
        }

        /* a stale write now and then: no change, no entry */
        v[i] = codes[c[i]].version >= 2 && rnd(10) == 0
               ? codes[c[i]].version - 1 : codes[c[i]].version + 1;
        record_json(line, sizeof(line), c[i], v[i], &closed[i]);
        onestop_buf_adds(&b, line);
    }

    onestop_buf_add(&b, "", 1);

    if (fixture_import(st, b.data, today, &w) != 200) {
        printf("# import: %d %s\n", w.status, w.message);
        onestop_buf_free(&b);
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (v[i] > codes[c[i]].version) {
            codes[c[i]].version = v[i];
            codes[c[i]].deleted = 0;
            codes[c[i]].closed = closed[i];
        }
    }

    onestop_buf_free(&b);
    return 0;
}


static int
write_delete(onestop_store_t *st)
{
    unsigned          c;
    char              code[16];
    onestop_write_t   w;

    c = rnd(CODES);

    if (codes[c].version == 0 || codes[c].deleted) {
        return 0;
    }

    snprintf(code, sizeof(code), "RP-%04u", c);

    if (fixture_delete(st, code, &w) != 200) {
        printf("# delete %s: %d %s\n", code, w.status, w.message);
        return -1;
    }

    codes[c].deleted = 1;
    return 0;
}


static int
write_evaluation(onestop_store_t *st)
{
    int               i;
    unsigned          c;
    char              code[16], comment[64];
    onestop_write_t   w, *wp;

    c = rnd(CODES);

    if (codes[c].version == 0 || codes[c].deleted || !codes[c].closed
        || codes[c].evaluated)
    {
        return 0;
    }

    snprintf(code, sizeof(code), "RP-%04u", c);
    snprintf(comment, sizeof(comment), "cán bộ nhiệt tình %u", rnd(100));

    memset(&w, 0, sizeof(w));
    w.kind = ONESTOP_W_EVALUATE;
    w.code.data = code;
    w.code.len = strlen(code);

    for (i = 2; i <= ONESTOP_INDICES; i++) {
        w.answers[i] = (int8_t) ((int) rnd(4) - 1);
    }

    w.comment.data = comment;
    w.comment.len = rnd(2) ? strlen(comment) : 0;
    wp = &w;

    onestop_store_write(st, &wp, 1);

    if (w.status != 201) {
        printf("# evaluate %s: %d %s\n", code, w.status, w.message);
        return -1;
    }

    codes[c].evaluated = 1;
    return 0;
}


static const char  catalog_change[] =
    "{\"agencies\": ["
    "{\"id\": \"000.31.02.H36\", \"name\": \"UBND xã Long Thượng\", "
    "\"level\": \"commune\", \"parent\": \"000.00.31.H36\"},"
    "{\"id\": \"000.00.15.H36\", \"name\": \"Sở Xây dựng tỉnh Long An\", "
    "\"level\": \"province\", \"parent\": null}"
    "],"
    "\"fields\": [],"
    "\"procedures\": ["
    "{\"id\": \"1.000896\", \"name\": \"Đăng ký kết hôn\", "
    "\"field\": \"ho-tich\"}"
    "]}";


/* one random write on the primary: 0, -1 */
static int
write_random(onestop_store_t *st, int step)
{
    onestop_write_t  w;
    uint32_t         r;

    if (step == 150 && !new_catalog) {
        new_catalog = 1;
        return fixture_catalog_write(st, catalog_change, &w) == 200 ? 0 : -1;
    }

    r = rnd(10);

    return r < 6 ? write_batch(st) : r < 8 ? write_delete(st)
                                           : write_evaluation(st);
}

#endif /* ONESTOP_TEST_REPLICA_WRITES_H */
