/*
 * onestop_bench: the engine's side of the benchmarks, linked against
 * build/libonestop.a so that it measures the code nginx runs, without
 * nginx, HTTP or process start-up in the figures.
 *
 *   fsync DIR SECONDS          write 4 KiB in place + fdatasync() in a loop
 *                              in DIR: the disk's durable-write rate
 *   records DIR N PREFIX [SEED]
 *                              N new valid NDJSON records for the store in
 *                              DIR (the demo generator's, with codes
 *                              PREFIX-0000001...)
 *   stats DIR RUNS FROM TO GROUP [cold | prewarm]
 *                              RUNS timed onestop_store_stats() of one
 *                              query on one open store ("cold": first drop
 *                              the store's file from the page cache;
 *                              "prewarm": first read ahead as a worker
 *                              does once started, timed on stderr)
 *   write DIR BATCHES SIZE PREFIX
 *                              BATCHES durable batches of SIZE new records
 *                              (made as by "records"), with the time spent
 *                              on the counters
 *   feedback DIR N [SEED]      N citizens' questions, each answered and
 *                              published by its agency, through the
 *                              engine's own request parser and write path
 *                              (1,000 a commit): the published list of
 *                              bench/feedback
 *
 * The one idea: the counters' share of a commit is measured without
 * touching the engine, by wrapping the two functions that maintain them
 * (and LMDB's transactions) at link time: -Wl,--wrap=onestop_deltas_record,
 * --wrap=onestop_deltas_flush,--wrap=mdb_txn_begin,--wrap=mdb_txn_commit.
 * Calls from store.o to them go through the timers below.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "onestop_catalog.h"
#include "onestop_changes.h"
#include "onestop_date.h"
#include "onestop_demo.h"
#include "onestop_feedback.h"
#include "onestop_json.h"
#include "onestop_record.h"
#include "onestop_stats.h"
#include "onestop_store.h"


static double now(void);
static double cpu_now(void);
static int cmp_double(const void *a, const void *b);
static int cmd_fsync(int argc, char **argv);
static int cmd_records(int argc, char **argv);
static int cmd_stats(int argc, char **argv);
static int cmd_write(int argc, char **argv);
static int cmd_figures(int argc, char **argv);
static int cmd_feedback(int argc, char **argv);
static int open_store(const char *dir, onestop_store_t **st);
static int gen_records(onestop_store_t *st, unsigned long n,
    const char *prefix, uint64_t seed, unsigned long every,
    int (*flush)(void *ctx), void *ctx, onestop_buf_t *out);


/* the wrapped functions (see the comment at the top) */

struct onestop_deltas_s;

int __real_onestop_deltas_record(struct onestop_deltas_s *d,
    const onestop_record_t *r, int32_t offset, int sign);
int __real_onestop_deltas_flush(struct onestop_deltas_s *d, MDB_txn *txn,
    MDB_dbi dbi);
int __real_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags,
    MDB_txn **txn);
int __real_mdb_txn_commit(MDB_txn *txn);
int __wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags,
    MDB_txn **txn);
int __wrap_onestop_deltas_record(struct onestop_deltas_s *d,
    const onestop_record_t *r, int32_t offset, int sign);
int __wrap_onestop_deltas_flush(struct onestop_deltas_s *d, MDB_txn *txn,
    MDB_dbi dbi);
int __wrap_mdb_txn_commit(MDB_txn *txn);


static double    t_record, t_flush, t_commit, t_top_commit;
static double    c_record, c_flush, c_top_commit;     /* CPU time */
static MDB_txn  *top_txn;       /* the write transaction under way */


int
__wrap_onestop_deltas_record(struct onestop_deltas_s *d,
    const onestop_record_t *r, int32_t offset, int sign)
{
    int     rc;
    double  t, c;

    t = now();
    c = cpu_now();
    rc = __real_onestop_deltas_record(d, r, offset, sign);
    c_record += cpu_now() - c;
    t_record += now() - t;

    return rc;
}


int
__wrap_onestop_deltas_flush(struct onestop_deltas_s *d, MDB_txn *txn,
    MDB_dbi dbi)
{
    int     rc;
    double  t, c;

    t = now();
    c = cpu_now();
    rc = __real_onestop_deltas_flush(d, txn, dbi);
    c_flush += cpu_now() - c;
    t_flush += now() - t;

    return rc;
}


int
__wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags,
    MDB_txn **txn)
{
    int  rc;

    rc = __real_mdb_txn_begin(env, parent, flags, txn);

    if (rc == 0 && parent == NULL && !(flags & MDB_RDONLY)) {
        top_txn = *txn;
    }

    return rc;
}


int
__wrap_mdb_txn_commit(MDB_txn *txn)
{
    int      rc;
    double   t, dt, c, dc;
    MDB_txn *top;

    top = txn == top_txn ? txn : NULL;

    t = now();
    c = cpu_now();
    rc = __real_mdb_txn_commit(txn);
    dc = cpu_now() - c;
    dt = now() - t;

    t_commit += dt;

    if (top != NULL) {
        top_txn = NULL;
        t_top_commit += dt;
        c_top_commit += dc;     /* the durable one: page writes, 2 syncs */
    }

    return rc;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* this thread's CPU time: the figures that a busy machine does not
 * inflate (wall time includes waiting for a core, and for the disk) */
static double
cpu_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}


static int
open_store(const char *dir, onestop_store_t **st)
{
    char                  err[512];
    const char           *days;
    onestop_store_conf_t  conf;

    /* read-write, as the CLI opens it (read-only opens lost their named
     * databases' handles before commit 3e7e50d) */
    memset(&conf, 0, sizeof(conf));

    /* bench/changes: the change log kept (N days) or not (0) */
    days = getenv("ONESTOP_BENCH_CHANGELOG_DAYS");

    if (days != NULL) {
        conf.changelog_days = atoi(days) > 0 ? atoi(days)
                                             : ONESTOP_CHANGES_OFF;
    }

    if (onestop_store_open(st, dir, &conf, err, sizeof(err)) != ONESTOP_OK) {
        fprintf(stderr, "onestop_bench: cannot open store \"%s\": %s\n",
                dir, err);
        return -1;
    }

    return 0;
}


/* fsync DIR SECONDS */

static int
cmd_fsync(int argc, char **argv)
{
    int            fd;
    char           path[4096], block[4096];
    double         secs, t0, t;
    unsigned long  n;

    if (argc < 2) {
        return 2;
    }

    secs = atof(argv[1]);
    snprintf(path, sizeof(path), "%s/fsync-probe", argv[0]);

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        fprintf(stderr, "onestop_bench: %s: %s\n", path, strerror(errno));
        return 1;
    }

    /* allocated first, as LMDB's pages are: in-place writes, no metadata */
    memset(block, 'x', sizeof(block));

    if (pwrite(fd, block, sizeof(block), 0) != (ssize_t) sizeof(block)
        || fsync(fd) != 0)
    {
        fprintf(stderr, "onestop_bench: %s: %s\n", path, strerror(errno));
        close(fd);
        unlink(path);
        return 1;
    }

    n = 0;
    t0 = now();

    do {
        block[n % sizeof(block)]++;

        if (pwrite(fd, block, sizeof(block), 0) != (ssize_t) sizeof(block)
            || fdatasync(fd) != 0)
        {
            fprintf(stderr, "onestop_bench: %s: %s\n", path, strerror(errno));
            close(fd);
            unlink(path);
            return 1;
        }

        n++;
        t = now();
    } while (t - t0 < secs);

    close(fd);
    unlink(path);

    printf("fsync %lu %.6f %.1f\n", n, t - t0, n / (t - t0));
    return 0;
}


/*
 * New records as the one-stop systems send them: the demo generator's
 * (realistic agencies, procedures, dates, outcomes and apologies, in the
 * order they were received) with another seed than the demo store's, and
 * codes of our own so that every record is new (version 1).
 */

typedef struct {
    onestop_buf_t   *out;
    const char      *prefix;
    unsigned long    n;
    unsigned long    max;
    int            (*flush)(void *ctx);
    void            *ctx;
    unsigned long    every;
} records_ctx_t;


static int
records_catalog(void *ctx, const char *json, size_t len)
{
    return 0;
}


static int
records_record(void *ctx, const char *json, size_t len)
{
    const char     *p, *end, *q;
    records_ctx_t  *rc;

    rc = ctx;
    end = json + len;
    p = memmem(json, len, "\"code\":\"", 8);

    if (p == NULL) {
        return -1;
    }

    p += 8;
    q = memchr(p, '"', end - p);

    if (q == NULL) {
        return -1;
    }

    onestop_buf_add(rc->out, json, p - json);
    onestop_buf_printf(rc->out, "%s-%07lu", rc->prefix, ++rc->n);

    /* a first version, as a new dossier's */
    p = memmem(q, end - q, "\"version\":", 10);

    if (p != NULL) {
        p += 10;
        onestop_buf_add(rc->out, q, p - q);
        onestop_buf_add(rc->out, "1", 1);

        for (q = p; q < end && *q >= '0' && *q <= '9'; q++) {
            /* skip the demo's version */
        }
    }

    onestop_buf_add(rc->out, q, end - q);
    onestop_buf_add(rc->out, "\n", 1);

    if (rc->every && rc->n % rc->every == 0 && rc->flush(rc->ctx) != 0) {
        return -1;
    }

    return rc->n == rc->max ? 1 : 0;
}


static int
gen_records(onestop_store_t *st, unsigned long n, const char *prefix,
    uint64_t seed, unsigned long every, int (*flush)(void *ctx), void *ctx,
    onestop_buf_t *out)
{
    int            rc;
    records_ctx_t  r;

    memset(&r, 0, sizeof(r));
    r.out = out;
    r.prefix = prefix;
    r.max = n;
    r.every = every;
    r.flush = flush;
    r.ctx = ctx;

    rc = onestop_demo_generate(seed, n, onestop_today(onestop_store_offset(st)),
                               records_catalog, records_record, &r);

    return rc == 0 || rc == 1 ? 0 : -1;
}


/* records DIR N PREFIX [SEED] */

static int
records_out(void *ctx)
{
    onestop_buf_t  *b = ctx;

    fwrite(b->data, 1, b->len, stdout);
    b->len = 0;
    return 0;
}


static int
cmd_records(int argc, char **argv)
{
    uint64_t          seed;
    onestop_buf_t     b;
    onestop_store_t  *st;

    if (argc < 3) {
        return 2;
    }

    seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;

    if (open_store(argv[0], &st) != 0) {
        return 1;
    }

    memset(&b, 0, sizeof(b));

    if (gen_records(st, strtoul(argv[1], NULL, 10), argv[2], seed, 1000,
                    records_out, &b, &b) != 0)
    {
        fprintf(stderr, "onestop_bench: could not make records\n");
        return 1;
    }

    records_out(&b);
    onestop_buf_free(&b);
    onestop_store_close(st);
    return 0;
}


/* stats DIR RUNS FROM TO GROUP [cold | prewarm] */

static int
cmd_stats(int argc, char **argv)
{
    int                       fd, rc;
    char                      path[4096];
    long                      blocks;
    double                    t, c, *times, *cpus, first, cfirst, sum;
    size_t                    len;
    unsigned long             i, runs;
    onestop_arg_t             args[3];
    onestop_buf_t             out;
    onestop_query_t           q;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;

    if (argc < 5) {
        return 2;
    }

    if (argc > 5 && strcmp(argv[5], "cold") == 0) {
        /* only this store's pages leave the cache: nobody else's */
        snprintf(path, sizeof(path), "%s/data.mdb", argv[0]);
        fd = open(path, O_RDONLY);

        if (fd >= 0) {
            fdatasync(fd);
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            close(fd);
        }
    }

    runs = strtoul(argv[1], NULL, 10);
    times = calloc(runs ? runs : 1, sizeof(double));
    cpus = calloc(runs ? runs : 1, sizeof(double));

    if (times == NULL || cpus == NULL || open_store(argv[0], &st) != 0) {
        return 1;
    }

    if (argc > 5 && strcmp(argv[5], "prewarm") == 0) {
        /* what a worker does once started (onestop_store_prewarm) */
        t = now();

        if (onestop_store_read_begin(st) != ONESTOP_OK) {
            return 1;
        }

        memset(&out, 0, sizeof(out));
        blocks = onestop_store_prewarm(st, &out);
        onestop_buf_free(&out);
        fprintf(stderr, "prewarm %ld blocks %.3f ms\n", blocks,
                (now() - t) * 1e3);
        onestop_store_read_end(st);
    }

    args[0].key.data = "from";
    args[1].key.data = "to";
    args[2].key.data = "group";

    for (i = 0; i < 3; i++) {
        args[i].key.len = strlen(args[i].key.data);
        args[i].value.data = argv[2 + i];
        args[i].value.len = strlen(argv[2 + i]);
    }

    len = 0;
    first = 0;
    cfirst = 0;
    sum = 0;

    for (i = 0; i < runs; i++) {
        memset(&out, 0, sizeof(out));

        /* what a zone miss costs the handler: a snapshot, the catalog,
         * the query, the answer rendered */
        t = now();
        c = cpu_now();

        if (onestop_store_read_begin(st) != ONESTOP_OK
            || (cat = onestop_store_catalog(st)) == NULL)
        {
            fprintf(stderr, "onestop_bench: cannot read the store\n");
            return 1;
        }

        if (onestop_query_parse(&q, cat, args, 3) != 0) {
            fprintf(stderr, "onestop_bench: %s\n", q.error);
            return 1;
        }

        rc = onestop_store_stats(st, &q,
                                 onestop_today(onestop_store_offset(st)),
                                 &out);
        onestop_store_read_end(st);
        cpus[i] = cpu_now() - c;
        times[i] = now() - t;

        if (rc != 0) {
            fprintf(stderr, "onestop_bench: stats failed (%d): %s\n", rc,
                    q.error);
            return 1;
        }

        if (i == 0) {
            first = times[i];
            cfirst = cpus[i];
        }

        sum += times[i];
        len = out.len;
        onestop_buf_free(&out);
    }

    qsort(times, runs, sizeof(double), cmp_double);
    qsort(cpus, runs, sizeof(double), cmp_double);

    /* stats RUNS FIRST MIN MEDIAN P90 MAX MEAN BYTES CPU_FIRST CPU_MIN
     *       CPU_MEDIAN CPU_P90 (times in ms) */
    printf("stats %lu %.3f %.3f %.3f %.3f %.3f %.3f %zu %.3f %.3f %.3f "
           "%.3f\n", runs,
           first * 1e3, times[0] * 1e3, times[runs / 2] * 1e3,
           times[runs * 9 / 10] * 1e3, times[runs - 1] * 1e3,
           sum / runs * 1e3, len, cfirst * 1e3, cpus[0] * 1e3,
           cpus[runs / 2] * 1e3, cpus[runs * 9 / 10] * 1e3);

    onestop_store_close(st);
    free(times);
    free(cpus);
    return 0;
}


/* figures DIR [PASSES]: what the change feed computes for each agency
 * (all time and this year, the agency with its descendants) and for the
 * province, every one once a pass; the last pass is reported (the first
 * one maps the pages in, which a worker that runs for days has done) */

static int
cmd_figures(int argc, char **argv)
{
    double                    t, c, *times, *cpus, sum, csum;
    uint32_t                  a, n;
    unsigned long             pass, passes;
    onestop_day_t             today;
    onestop_counts_t          all, year;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;

    if (argc < 1) {
        return 2;
    }

    if (open_store(argv[0], &st) != 0
        || onestop_store_read_begin(st) != ONESTOP_OK
        || (cat = onestop_store_catalog(st)) == NULL)
    {
        return 1;
    }

    times = calloc(cat->nagencies + 1, sizeof(double));
    cpus = calloc(cat->nagencies + 1, sizeof(double));

    if (times == NULL || cpus == NULL) {
        return 1;
    }

    today = onestop_today(onestop_store_offset(st));
    passes = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
    passes = passes ? passes : 1;
    n = 0;
    sum = 0;
    csum = 0;

    for (pass = 0; pass < passes; pass++) {
    n = 0;
    sum = 0;
    csum = 0;

    for (a = 0; a <= cat->nagencies; a++) {
        if (a != 0 && !cat->agencies[a].present) {
            continue;
        }

        t = now();
        c = cpu_now();

        if (onestop_store_agency_counts(st, a, today, &all, &year) != 0) {
            fprintf(stderr, "onestop_bench: figures of %u failed\n", a);
            return 1;
        }

        cpus[n] = cpu_now() - c;
        times[n] = now() - t;
        sum += times[n];
        csum += cpus[n];
        n++;
    }
    }

    onestop_store_read_end(st);
    qsort(times, n, sizeof(double), cmp_double);

    /* figures AGENCIES MEAN MEDIAN P90 MAX TOTAL CPU_TOTAL (ms) */
    printf("figures %u %.3f %.3f %.3f %.3f %.3f %.3f\n", n, sum / n * 1e3,
           times[n / 2] * 1e3, times[n * 9 / 10] * 1e3, times[n - 1] * 1e3,
           sum * 1e3, csum * 1e3);

    onestop_store_close(st);
    free(times);
    free(cpus);
    return 0;
}


/* write DIR BATCHES SIZE PREFIX */

static int
cmd_write(int argc, char **argv)
{
    double            t, c, t_parse, t_write, t_all, c_parse, c_write;
    char             *p, *q, *end;
    size_t            accepted;
    unsigned long     i, j, batches, size;
    onestop_buf_t     text;
    onestop_batch_t   b;
    onestop_write_t   w, *wp;
    onestop_store_t  *st;

    if (argc < 4) {
        return 2;
    }

    if (open_store(argv[0], &st) != 0) {
        return 1;
    }

    batches = strtoul(argv[1], NULL, 10);
    size = strtoul(argv[2], NULL, 10);

    /* every record first, outside the timings */
    memset(&text, 0, sizeof(text));

    if (gen_records(st, batches * size, argv[3], 2, 0, NULL, NULL, &text)
        != 0)
    {
        fprintf(stderr, "onestop_bench: could not make records\n");
        return 1;
    }

    p = text.data;
    end = text.data + text.len;

    t_parse = 0;
    t_write = 0;
    c_parse = 0;
    c_write = 0;
    t_all = 0;
    accepted = 0;

    for (i = 0; i < batches && p < end; i++) {
        q = p;

        for (j = 0; j < size && q < end; j++) {
            q = memchr(q, '\n', end - q);
            q = q == NULL ? end : q + 1;
        }

        t = now();
        c = cpu_now();

        if (onestop_batch_init(&b, 1, onestop_store_offset(st),
                               onestop_today(onestop_store_offset(st))) != 0
            || onestop_batch_feed(&b, p, q - p) != 0
            || onestop_batch_finish(&b) != 0)
        {
            fprintf(stderr, "onestop_bench: batch refused: %s\n",
                    b.nitems ? b.items[0].message : b.message);
            return 1;
        }

        c_parse += cpu_now() - c;
        t_parse += now() - t;

        memset(&w, 0, sizeof(w));
        w.kind = ONESTOP_W_DOSSIERS;
        w.batch = &b;
        wp = &w;

        t = now();
        c = cpu_now();
        onestop_store_write(st, &wp, 1);
        c_write += cpu_now() - c;
        t_write += now() - t;

        if (w.status != 200) {
            fprintf(stderr, "onestop_bench: write refused: %d %s\n",
                    w.status, w.message);
            return 1;
        }

        accepted += w.accepted;
        onestop_batch_free(&b);
        p = q;
    }

    t_all = t_parse + t_write;

    /* write RECORDS PARSE WRITE COUNTERS_RECORD COUNTERS_FLUSH COMMIT
     *       TOP_COMMIT ALL, then the CPU times of PARSE WRITE
     *       COUNTERS_RECORD COUNTERS_FLUSH TOP_COMMIT (seconds, totals
     *       over every batch) */
    printf("write %zu %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f "
           "%.6f %.6f\n", accepted,
           t_parse, t_write, t_record, t_flush, t_commit, t_top_commit,
           t_all, c_parse, c_write, c_record, c_flush, c_top_commit);

    onestop_buf_free(&text);
    onestop_store_close(st);
    return 0;
}


/* feedback DIR N [SEED] */

/* the words of the questions: what citizens ask about, so that a search
 * finds some of them and not all */
static const char  *fb_words[] = {
    "thủ tục", "cấp", "giấy chứng nhận", "quyền sử dụng", "đất", "thuế",
    "thuê", "nhà ở", "hộ tịch", "khai sinh", "kết hôn", "chứng thực",
    "bản sao", "hộ khẩu", "đăng ký", "kinh doanh", "hộ kinh doanh",
    "doanh nghiệp", "giấy phép", "xây dựng", "lao động", "bảo hiểm",
    "xã hội", "trợ cấp", "người có công", "học bạ", "tuyển sinh",
    "lớp một", "môi trường", "nông nghiệp", "giống cây", "thủy lợi",
    "điện", "nước sạch", "giao thông", "bằng lái", "phương tiện",
    "hồ sơ", "trễ hẹn", "bổ sung", "lệ phí", "thời hạn", "kết quả",
    "trả lời", "bưu điện", "trực tuyến", "một cửa", "phường", "xã",
    "huyện", "tỉnh", "Long An", "Tân An", "Bến Lức", "Đức Hòa", "Cần Giuộc",
    "vì sao", "bao lâu", "ở đâu", "có được", "không", "xin hỏi", "mong",
    "hướng dẫn", "quy định", "mẫu đơn", "chữ ký", "con dấu", "căn cước"
};

#define FB_WORDS  (sizeof(fb_words) / sizeof(fb_words[0]))
#define FB_GROUP  1000


static uint64_t
fb_rand(uint64_t *s)
{
    /* xorshift64*: the same questions for the same seed */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}


static void
fb_text(onestop_buf_t *b, uint64_t *seed, unsigned min, unsigned max)
{
    unsigned  i, n;

    n = min + fb_rand(seed) % (max - min + 1);

    for (i = 0; i < n; i++) {
        onestop_buf_printf(b, "%s%s", i ? " " : "",
                           fb_words[fb_rand(seed) % FB_WORDS]);
    }
}


/* one commit of n writes; 0 when every write got the status expected */
static int
fb_commit(onestop_store_t *st, onestop_write_t *w, onestop_write_t **wp,
    size_t n, int expect)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        wp[i] = &w[i];
    }

    if (onestop_store_write(st, wp, n) != ONESTOP_OK) {
        fprintf(stderr, "onestop_bench: the commit failed: %d %s\n",
                w[0].status, w[0].message);
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (w[i].status != expect) {
            fprintf(stderr, "onestop_bench: a question refused: %d %s\n",
                    w[i].status, w[i].message);
            return -1;
        }
    }

    return 0;
}


static int
cmd_feedback(int argc, char **argv)
{
    int                       rc;
    char                      err[64];
    size_t                    n, k;
    uint32_t                  nag;
    char                    **ids;
    uint64_t                  seed, id, first;
    unsigned long             i, total;
    const char               *code, *message;
    onestop_buf_t             body;
    onestop_scope_t           admin;
    onestop_store_t          *st;
    onestop_write_t          *w, **wp;
    onestop_feedback_op_t    *ops;
    const onestop_catalog_t  *cat;

    static const char  *kinds[] = { "question", "complaint", "suggestion" };

    if (argc < 2) {
        return 2;
    }

    total = strtoul(argv[1], NULL, 10);
    seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    seed = seed * 0x9E3779B97F4A7C15ULL + 1;

    if (total == 0 || open_store(argv[0], &st) != 0) {
        return total == 0 ? 2 : 1;
    }

    /* the agencies of the catalog, each asked about; their ids copied, as
     * the catalog is valid only during the read */
    if (onestop_store_read_begin(st) != ONESTOP_OK
        || (cat = onestop_store_catalog(st)) == NULL)
    {
        fprintf(stderr, "onestop_bench: cannot read the catalog\n");
        return 1;
    }

    ids = calloc(cat->nagencies + 1, sizeof(char *));
    nag = 0;

    for (i = 1; ids != NULL && i <= cat->nagencies; i++) {
        if (cat->agencies[i].present) {
            ids[nag++] = strndup(cat->agencies[i].id.data,
                                 cat->agencies[i].id.len);
        }
    }

    onestop_store_read_end(st);

    w = calloc(FB_GROUP, sizeof(onestop_write_t));
    wp = calloc(FB_GROUP, sizeof(onestop_write_t *));
    ops = calloc(FB_GROUP, sizeof(onestop_feedback_op_t));

    if (nag == 0 || ids == NULL || w == NULL || wp == NULL
        || ops == NULL)
    {
        fprintf(stderr, "onestop_bench: no catalog, or no memory\n");
        return 1;
    }

    memset(&admin, 0, sizeof(admin));
    admin.all = 1;
    memset(&body, 0, sizeof(body));
    first = 0;

    for (i = 0; i < total; i += n) {
        n = total - i < FB_GROUP ? total - i : FB_GROUP;

        /* the questions, as the API's JSON */
        for (k = 0; k < n; k++) {
            body.len = 0;
            onestop_buf_printf(&body, "{\"kind\":\"%s\",\"agency\":\"%s\","
                "\"subject\":\"", kinds[fb_rand(&seed) % 3],
                ids[fb_rand(&seed) % nag]);
            fb_text(&body, &seed, 3, 8);
            onestop_buf_printf(&body, "\",\"text\":\"");
            fb_text(&body, &seed, 10, 40);
            onestop_buf_printf(&body, "\",\"name\":\"Nguyễn Văn %lu\","
                "\"contact\":\"09%08lu\"}", i + k, i + k);

            memset(&ops[k], 0, sizeof(ops[k]));
            rc = onestop_feedback_request(&ops[k], ONESTOP_FB_JSON, 0,
                                          body.data, body.len, 0, &code,
                                          &message);
            if (rc != 0) {
                fprintf(stderr, "onestop_bench: %d %s: %s\n", rc, code,
                        message);
                return 1;
            }

            ops[k].op = ONESTOP_FB_ASK;
            memset(&w[k], 0, sizeof(w[k]));
            w[k].kind = ONESTOP_W_FEEDBACK;
            w[k].feedback = &ops[k];
        }

        if (fb_commit(st, w, wp, n, 201) != 0) {
            return 1;
        }

        if (first == 0) {
            first = ops[0].id;
        }

        for (k = 0; k < n; k++) {
            id = ops[k].id;
            onestop_feedback_op_free(&ops[k]);

            body.len = 0;
            onestop_buf_printf(&body, "{\"answer\":\"");
            fb_text(&body, &seed, 20, 60);
            onestop_buf_printf(&body, "\",\"publish\":true}");

            memset(&ops[k], 0, sizeof(ops[k]));
            rc = onestop_feedback_request(&ops[k], ONESTOP_FB_INGEST, id,
                                          body.data, body.len, 0, &code,
                                          &message);
            if (rc != 0) {
                fprintf(stderr, "onestop_bench: answer %d %s: %s\n", rc,
                        code, message);
                return 1;
            }

            memset(&w[k], 0, sizeof(w[k]));
            w[k].kind = ONESTOP_W_FEEDBACK;
            w[k].feedback = &ops[k];
            w[k].scope = &admin;
        }

        if (fb_commit(st, w, wp, n, 200) != 0) {
            return 1;
        }

        for (k = 0; k < n; k++) {
            onestop_feedback_op_free(&ops[k]);
        }
    }

    snprintf(err, sizeof(err), "%lu", total);
    printf("feedback %s %llu\n", err, (unsigned long long) first);

    for (k = 0; k < nag; k++) {
        free(ids[k]);
    }

    free(ids);
    free(ops);
    free(wp);
    free(w);
    onestop_buf_free(&body);
    onestop_store_close(st);
    return 0;
}

/* lookups DIR < CODES: each code's public lookup JSON, as the CLI's get
 * and the module render it (onestop_lookup_render), one a line on
 * stdout; a code with no dossier is left out.  For bench/side-by-side,
 * which loads the Lua + Redis peer with exactly our answers and exports
 * the dossiers to PostgreSQL from them. */

static int
cmd_lookups(int argc, char **argv)
{
    char                      line[512];
    size_t                    len, n;
    onestop_buf_t             b;
    onestop_day_t             today;
    onestop_record_t          r;
    onestop_store_t          *st;
    const onestop_catalog_t  *cat;

    if (argc < 1) {
        return 2;
    }

    if (open_store(argv[0], &st) != 0) {
        return 1;
    }

    today = onestop_today(onestop_store_offset(st));
    memset(&b, 0, sizeof(onestop_buf_t));
    n = 0;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        len = strcspn(line, "\r\n");

        if (len == 0) {
            continue;
        }

        /* a fresh snapshot every 10,000 codes: short read transactions */
        if (n % 10000 == 0) {
            if (n) {
                onestop_store_read_end(st);
            }

            if (onestop_store_read_begin(st) != ONESTOP_OK) {
                fprintf(stderr, "onestop_bench: cannot read the store\n");
                return 1;
            }
        }

        n++;
        cat = onestop_store_catalog(st);

        if (cat == NULL
            || onestop_store_get(st, line, len, &r) != ONESTOP_OK)
        {
            continue;
        }

        b.len = 0;
        onestop_lookup_render(&b, &r, cat, onestop_store_offset(st), today,
                              0);
        onestop_buf_add(&b, "\n", 1);

        if (b.failed) {
            fprintf(stderr, "onestop_bench: out of memory\n");
            return 1;
        }

        fwrite(b.data, 1, b.len, stdout);
    }

    if (n) {
        onestop_store_read_end(st);
    }

    onestop_buf_free(&b);
    onestop_store_close(st);
    return fflush(stdout) == 0 ? 0 : 1;
}


int
main(int argc, char **argv)
{
    int  rc;

    rc = 2;

    if (argc >= 2) {
        if (strcmp(argv[1], "fsync") == 0) {
            rc = cmd_fsync(argc - 2, argv + 2);

        } else if (strcmp(argv[1], "records") == 0) {
            rc = cmd_records(argc - 2, argv + 2);

        } else if (strcmp(argv[1], "stats") == 0) {
            rc = cmd_stats(argc - 2, argv + 2);

        } else if (strcmp(argv[1], "write") == 0) {
            rc = cmd_write(argc - 2, argv + 2);

        } else if (strcmp(argv[1], "figures") == 0) {
            rc = cmd_figures(argc - 2, argv + 2);

        } else if (strcmp(argv[1], "feedback") == 0) {
            rc = cmd_feedback(argc - 2, argv + 2);

        } else if (strcmp(argv[1], "lookups") == 0) {
            rc = cmd_lookups(argc - 2, argv + 2);
        }
    }

    if (rc == 2) {
        fprintf(stderr,
            "usage: onestop_bench fsync DIR SECONDS\n"
            "       onestop_bench records DIR N PREFIX [SEED]\n"
            "       onestop_bench stats DIR RUNS FROM TO GROUP "
            "[cold | prewarm]\n"
            "       onestop_bench write DIR BATCHES SIZE PREFIX\n"
            "       onestop_bench figures DIR [PASSES]\n"
            "       onestop_bench feedback DIR N [SEED]\n"
            "       onestop_bench lookups DIR < CODES\n");
    }

    return rc;
}
