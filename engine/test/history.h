/*
 * The statistics test's random history (test_counters.c): the catalog of
 * fixture.h as the test knows it, the model of each code's current
 * record by SPEC section 5's rules, and the history itself -- new
 * versions, same-version resends, stale versions, deletions and revivals
 * -- written through the public write API.  Included by test_counters.c
 * and test_prewarm.c, which define NAG, NPROC, NCODES and LOCAL first
 * (the tables the history does not read itself are marked unused).
 */

#ifndef ONESTOP_TEST_HISTORY_H
#define ONESTOP_TEST_HISTORY_H


/* a table of names the tests read, not the history */
#define HISTORY_TABLE  __attribute__((unused))

/* the catalog of fixture.h, as this test knows it */

static const char  *ag_id[NAG] = {
    "000.00.12.H36", "000.00.15.H36", "000.00.30.H36", "000.30.01.H36",
    "000.30.02.H36", "000.00.31.H36", "000.31.01.H36"
};
static const int    ag_parent[NAG] = { -1, -1, -1, 2, 2, -1, 5 };
static const int    ag_top[NAG] = { 0, 1, 2, 2, 2, 5, 5 };
static const int    ag_level[NAG] = { 0, 0, 1, 2, 2, 1, 2 };

static const char  *proc_id[NPROC] = {
    "1.001234", "1.009999", "1.000894", "1.000895"
};
static const int    proc_field[NPROC] = { 0, 1, 2, 2 };
static const char  *field_id[3] HISTORY_TABLE = {
    "tu-phap", "xay-dung", "ho-tich"
};

/* ONESTOP_CH_* order */
static const char  *ch_name[3] = { "direct", "online", "postal" };
static const char  *retch_name[3] = { "counter", "postal", "online" };
static const char  *level_name[3] HISTORY_TABLE = {
    "province", "district", "commune"
};

static const char  *dim_name[7] HISTORY_TABLE = {
    "", "agency", "top_agency", "field", "procedure", "channel", "level"
};


/* the model: the current record of each code, by day numbers (0: none) */

typedef struct {
    char      code[16];
    int       stored;           /* 0 never, 1 live, 2 deleted */
    unsigned  version;
    int       ag, proc, ch, retch;
    int       recv, due, res, ret, wd;
    char      line[1024];
} mrec_t;

static mrec_t   m[NCODES];
static int      today, day0;
static uint64_t rng;


static uint64_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


/* 0 .. n-1 */
static int
rn(int n)
{
    return (int) (rnd() % (uint64_t) n);
}



static void
ymd(int day, char *buf)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) day * 86400;
    gmtime_r(&t, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}


/* a local day written in one of the forms of SPEC section 3 */
static void
when(int day, char *buf)
{
    int        form, off, secs;
    time_t     t;
    struct tm  tm;

    form = rn(4);
    secs = rn(86400);

    /* near midnight half the time, where the offsets matter */
    if (rn(2)) {
        secs = rn(2) ? rn(600) : 86400 - 1 - rn(600);
    }

    if (form == 0) {
        ymd(day, buf);
        return;
    }

    off = form == 1 ? LOCAL : form == 2 ? 0 : -5 * 3600;

    /* the instant of local day + secs, shown in offset off */
    t = (time_t) day * 86400 + secs - LOCAL + off;
    gmtime_r(&t, &tm);
    strftime(buf, 20, "%Y-%m-%dT%H:%M:%S", &tm);

    if (form == 2) {
        strcat(buf, rn(2) ? "Z" : "z");
    } else {
        sprintf(buf + 19, "%c%02d:00", off < 0 ? '-' : '+', abs(off) / 3600);
    }
}


/* the December 31 of a day's year: a due date there is what a one-year
 * query's cut on December 30 takes from the year block (schema 5) */
static int
year_last_day(int day)
{
    time_t     t = (time_t) day * 86400;
    struct tm  tm;

    gmtime_r(&t, &tm);

    return civil(tm.tm_year + 1900, 12, 31);
}


/* new random content for m[i] at `version`, and its line */
static void
generate(mrec_t *r, unsigned version)
{
    int   k, n;
    char  t[40];

    r->version = version;
    r->ag = rn(NAG);
    r->proc = rn(NPROC);
    r->ch = rn(3);
    r->retch = rn(3);
    r->recv = rn(20) == 0 ? today + 1 : day0 + rn(today - day0 + 1);
    r->due = rn(8) == 0 ? year_last_day(r->recv) : r->recv + rn(31);
    r->res = r->ret = r->wd = 0;

    k = rn(100);

    if (k < 50) {
        r->res = rn(6) == 0 ? r->due : r->recv + rn(46);

        if (r->res > today + 1) {
            r->res = 0;

        } else if (rn(2)) {
            r->ret = r->res + rn(7);

            if (r->ret > today + 1) {
                r->ret = 0;
            }
        }

    } else if (k < 65) {
        r->wd = r->recv + rn(31);

        if (r->wd > today + 1) {
            r->wd = 0;
        }
    }

    n = snprintf(r->line, sizeof(r->line),
                 "{\"code\": \"%s\", \"version\": %u, \"agency\": \"%s\", "
                 "\"procedure\": \"%s\", \"channel\": \"%s\", "
                 "\"return_channel\": \"%s\", "
                 "\"applicant\": {\"name\": \"Lê Thị Hồng %d\"}",
                 r->code, version, ag_id[r->ag], proc_id[r->proc],
                 ch_name[r->ch], retch_name[r->retch], rn(1000));

    when(r->recv, t);
    n += snprintf(r->line + n, sizeof(r->line) - n,
                  ", \"received_at\": \"%s\"", t);
    when(r->due, t);
    /* versions move due dates at random: with a reason, as a passed one
     * needs (issue 18; t/due_change.t tests the refusal) */
    n += snprintf(r->line + n, sizeof(r->line) - n, ", \"due_at\": \"%s\", "
                  "\"due_change\": \"correction\"", t);

    if (r->res) {
        when(r->res, t);
        n += snprintf(r->line + n, sizeof(r->line) - n,
                      ", \"resolved_at\": \"%s\"", t);
    }

    if (r->ret) {
        when(r->ret, t);
        n += snprintf(r->line + n, sizeof(r->line) - n,
                      ", \"returned_at\": \"%s\"", t);
    }

    if (r->wd) {
        when(r->wd, t);
        n += snprintf(r->line + n, sizeof(r->line) - n,
                      ", \"withdrawn_at\": \"%s\"", t);
    }

    snprintf(r->line + n, sizeof(r->line) - n, "}\n");
}


/* the history, written in batches; what each write must answer */

typedef struct {
    onestop_store_t  *st;
    onestop_buf_t     batch;
    size_t            lines;
    size_t            accepted, unchanged, stale;
    int               failures;
} writer_t;


static void
flush(writer_t *wr)
{
    char             why[256];
    onestop_write_t  w;

    if (wr->lines == 0) {
        return;
    }

    onestop_buf_add(&wr->batch, "", 1);

    if (fixture_import_scoped(wr->st, wr->batch.data, today, NULL, &w, why,
                              sizeof(why)) != 200
        || w.accepted != wr->accepted || w.unchanged != wr->unchanged
        || w.stale != wr->stale)
    {
        printf("# a batch: status %d, %zu/%zu/%zu accepted/unchanged/stale, "
               "want %zu/%zu/%zu %s\n", w.status, w.accepted, w.unchanged,
               w.stale, wr->accepted, wr->unchanged, wr->stale, why);
        wr->failures++;
    }

    wr->batch.len = 0;
    wr->lines = 0;
    wr->accepted = wr->unchanged = wr->stale = 0;
}


/* a line and what it must count as: 'a'ccepted, 'u'nchanged, 's'tale */
static void
add(writer_t *wr, const char *line, int as)
{
    wr->accepted += as == 'a';
    wr->unchanged += as == 'u';
    wr->stale += as == 's';

    onestop_buf_adds(&wr->batch, line);

    if (++wr->lines == 40) {
        flush(wr);
    }
}


static void
history(writer_t *wr)
{
    int              i, k, op;
    mrec_t           tmp;
    onestop_write_t  w;

    for (i = 0; i < NCODES; i++) {
        snprintf(m[i].code, sizeof(m[i].code), "T-%05d", i);
        generate(&m[i], 1 + rn(3));
        m[i].stored = 1;
        add(wr, m[i].line, 'a');
    }

    flush(wr);

    for (k = 0; k < 600; k++) {
        i = rn(NCODES);
        op = rn(100);

        if (op < 45) {
            /* a new version: anything may change */
            generate(&m[i], m[i].version + 1 + rn(2));
            m[i].stored = 1;
            add(wr, m[i].line, 'a');

        } else if (op < 55 && m[i].stored == 1) {
            /* the same again */
            add(wr, m[i].line, 'u');

        } else if (op < 70) {
            /* a stale version: lower, or a deleted one's own */
            tmp = m[i];

            if (m[i].stored == 2) {
                generate(&tmp, m[i].version - rn(m[i].version > 1 ? 2 : 1));
            } else if (m[i].version > 1) {
                generate(&tmp, 1 + rn(m[i].version - 1));
            } else {
                continue;
            }

            add(wr, tmp.line, 's');

        } else if (op < 85 && m[i].stored == 1) {
            flush(wr);

            if (fixture_delete(wr->st, m[i].code, &w) != 200) {
                printf("# delete %s: %d\n", m[i].code, w.status);
                wr->failures++;
            }

            m[i].stored = 2;
        }
    }

    flush(wr);
}


/* a store in dir (size bytes, a fixture's temporary one) with the
 * catalog and the history written, the seed (ONESTOP_SEED, or the
 * default) printed first; NULL when it could not be opened */
static onestop_store_t *
history_store(char *dir, size_t size)
{
    char              err[512];
    const char       *env;
    unsigned long     seed;
    writer_t          wr;
    onestop_write_t   w;
    onestop_store_t  *st;

    env = getenv("ONESTOP_SEED");
    seed = env != NULL ? strtoul(env, NULL, 10) : 20190709;
    printf("# seed %lu (ONESTOP_SEED=%lu repeats this run)\n", seed, seed);
    rng = seed * 2654435761u + 88172645463325252ull;

    today = civil(2021, 6, 30);
    day0 = civil(2018, 1, 1);

    fixture_path(dir, size, fixture_tmpdir(), "store");
    st = fixture_open(dir, 64 << 20, 0, err, sizeof(err));
    ok(st != NULL, "a store");

    if (st == NULL) {
        printf("# %s\n", err);
        return NULL;
    }

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200, "a catalog");

    memset(&wr, 0, sizeof(wr));
    wr.st = st;
    history(&wr);
    onestop_buf_free(&wr.batch);
    is_int(wr.failures, 0, "the history is written, each write answering "
           "as the model says");

    return st;
}


#endif /* ONESTOP_TEST_HISTORY_H */
