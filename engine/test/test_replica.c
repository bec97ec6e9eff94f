/*
 * Unit tests of replication (issue 14) through the public API
 * (engine/onestop_replica.h): a primary store receiving random writes
 * (dossiers, updates that move them between agencies, apology letters,
 * deletes, a catalog change, evaluations), its log read as the publisher
 * reads it into a list that stands for the Redis stream, and followers fed
 * from that list in batches of random sizes, with replays, a close and
 * reopen, a child process killed with SIGKILL while it applies, and one
 * seeded from a backup taken midway.  At the end every database of the
 * stores is compared with LMDB cursors (dossiers, catalog, counters,
 * apologies, evaluations, evaluation_days, the outbox, and the sequence,
 * digest and catalog generation of meta), and the digests are equal.
 * Also: the digest's formula recomputed with libcrypto; a damaged entry
 * (diverged, the store left at the last good entry); a missing entry and
 * a gap entry (behind); the role (writes to a follower refused with
 * read_only, apply refused on a primary, promote); changes committed
 * while the store did not log come as a gap; the publisher's max.
 *
 * ONESTOP_SEED=N repeats a run.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/evp.h>

#include "onestop_replica.h"
#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define MB      ((size_t) 1 << 20)
#define CODES   160

static onestop_day_t  today;
static uint64_t       rng;


static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;

    return (uint32_t) (rng % n);
}


/* the stream: log entries copied out of the primary's read */

typedef struct {
    uint64_t   seq;
    size_t     n;
    char      *name[ONESTOP_LOG_FIELDS];
    char      *value[ONESTOP_LOG_FIELDS];
    size_t     len[ONESTOP_LOG_FIELDS];
} stored_t;

static stored_t  *stream;
static size_t     nstream, capstream;


static void
stream_add(const onestop_log_entry_t *e)
{
    size_t     i;
    stored_t  *s;

    if (nstream == capstream) {
        capstream = capstream ? capstream * 2 : 1024;
        stream = realloc(stream, capstream * sizeof(stored_t));
    }

    s = &stream[nstream++];
    s->seq = e->seq;
    s->n = e->nfields;

    for (i = 0; i < e->nfields; i++) {
        s->name[i] = strndup(e->field[i].name, e->field[i].name_len);
        s->value[i] = malloc(e->field[i].value_len + 1);
        memcpy(s->value[i], e->field[i].value, e->field[i].value_len);
        s->len[i] = e->field[i].value_len;
    }
}


static void
to_entry(const stored_t *s, onestop_log_entry_t *e)
{
    size_t  i;

    memset(e, 0, sizeof(onestop_log_entry_t));
    e->seq = s->seq;
    e->nfields = s->n;

    for (i = 0; i < s->n; i++) {
        e->field[i].name = s->name[i];
        e->field[i].name_len = strlen(s->name[i]);
        e->field[i].value = s->value[i];
        e->field[i].value_len = s->len[i];
    }
}


/* the publisher: everything past the stream's end, in rounds of up to
 * `max`; the number of entries added, -1 on a failure */
static long
publish(onestop_store_t *st, size_t max)
{
    long                  n, i, total;
    uint64_t              after;
    onestop_log_entry_t  *out;

    out = calloc(max, sizeof(onestop_log_entry_t));
    total = 0;

    for ( ;; ) {
        after = nstream ? stream[nstream - 1].seq : 0;

        if (onestop_store_read_begin(st) != ONESTOP_OK) {
            free(out);
            return -1;
        }

        n = onestop_replica_log(st, after, out, max);

        for (i = 0; i < n; i++) {
            stream_add(&out[i]);
        }

        onestop_store_read_end(st);

        if (n <= 0) {
            free(out);
            return n < 0 ? -1 : total;
        }

        total += n;
    }
}


static const char *
field_of(const stored_t *s, const char *name, size_t *len)
{
    size_t  i;

    for (i = 0; i < s->n; i++) {
        if (strcmp(s->name[i], name) == 0) {
            *len = s->len[i];
            return s->value[i];
        }
    }

    return NULL;
}


/* the stream's entries [from, to) applied in one call */
static int
apply_range(onestop_store_t *st, size_t from, size_t to,
    onestop_replica_result_t *res)
{
    int                   rc;
    size_t                i;
    onestop_log_entry_t  *e;

    e = calloc(to - from + 1, sizeof(onestop_log_entry_t));

    for (i = from; i < to; i++) {
        to_entry(&stream[i], &e[i - from]);
    }

    rc = onestop_replica_apply(st, e, to - from, res);
    free(e);

    return rc;
}


static void
status(onestop_store_t *st, onestop_replica_status_t *s)
{
    memset(s, 0, sizeof(*s));
    onestop_store_read_begin(st);
    onestop_replica_status(st, s);
    onestop_store_read_end(st);
}


static uint64_t
seq_of(onestop_store_t *st)
{
    onestop_replica_status_t  s;

    status(st, &s);
    return s.seq;
}


#include "replica_writes.h"


#include "store_compare.h"


/* a follower catches up in batches of random sizes, with replays; the
 * number of calls that did not answer OK */
static long
follow_random(onestop_store_t *st, size_t *pos)
{
    long                      bad;
    size_t                    from, to;
    onestop_replica_result_t  res;

    bad = 0;

    while (*pos < nstream) {
        from = *pos;

        if (from > 0 && rnd(5) == 0) {
            from -= 1 + rnd(from < 30 ? (uint32_t) from : 30);  /* replay */
        }

        to = from + 1 + rnd(40);
        to = to > nstream ? nstream : to;

        if (apply_range(st, from, to, &res) != ONESTOP_OK) {
            printf("# apply [%zu, %zu): %s\n", from, to, res.message);
            bad++;
            break;
        }

        if (to > *pos) {
            *pos = to;
        }
    }

    return bad;
}


/* the digest of an entry, recomputed by its formula */
static int
digest_check(const uint8_t *prev, const stored_t *s, uint8_t *out)
{
    int          i;
    unsigned     n;
    size_t       dlen = 0, hlen = 0;
    uint8_t      be[8];
    char         hex[65];
    const char  *data, *digest;
    EVP_MD_CTX  *md;

    data = field_of(s, "data", &dlen);
    digest = field_of(s, "digest", &hlen);

    if (data == NULL || digest == NULL || hlen != 64) {
        return -1;
    }

    for (i = 0; i < 8; i++) {
        be[i] = (uint8_t) (s->seq >> (56 - 8 * i));
    }

    md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, prev, 32);
    EVP_DigestUpdate(md, be, 8);
    EVP_DigestUpdate(md, data, dlen);
    EVP_DigestFinal_ex(md, out, &n);
    EVP_MD_CTX_free(md);

    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    }

    return memcmp(hex, digest, 64) == 0 ? 0 : -1;
}


static onestop_store_t *
open_store(const char *dir)
{
    char              err[512];
    onestop_store_t  *st;

    st = fixture_open(dir, 256 * MB, 0, err, sizeof(err));

    if (st == NULL) {
        printf("# %s\n", err);
    }

    return st;
}


/* a child applies the whole stream in batches, and again (replays), until
 * killed, saying after each batch how far it went */
static void
child_apply(const char *dir, int fd)
{
    size_t                    pos, to;
    onestop_store_t          *st;
    onestop_replica_result_t  res;

    st = open_store(dir);

    if (st == NULL) {
        _exit(2);
    }

    for ( ;; ) {
        for (pos = 0; pos < nstream; pos = to) {
            to = pos + 1 + rnd(40);
            to = to > nstream ? nstream : to;
            apply_range(st, pos, to, &res);

            if (write(fd, &to, sizeof(to)) != sizeof(to)) {
                _exit(3);
            }
        }
    }
}


int
main(void)
{
    int                        rc, step, i;
    long                       n, bad;
    size_t                     pos1, pos2, pos3, len, k;
    uint8_t                    prev[32], next[32];
    pid_t                      pid;
    const char                *tmp, *v;
    onestop_store_t           *p, *f1, *f2, *f3, *q;
    onestop_write_t            w;
    onestop_log_entry_t        out[4], e;
    onestop_replica_result_t   res;
    onestop_replica_status_t   sp, sf;
    char                       dp[4096], d1[4096], d2[4096], d3[4096];
    char                       dq[4096], err[512], *data, saved = 0;

    v = getenv("ONESTOP_SEED");
    rng = v != NULL ? strtoull(v, NULL, 10) : (uint64_t) time(NULL);
    rng = rng ? rng : 1;
    printf("# ONESTOP_SEED=%llu\n", (unsigned long long) rng);

    setenv("ONESTOP_TODAY", "2024-06-15", 1);
    today = civil(2024, 6, 15);
    tmp = fixture_tmpdir();
    fixture_path(dp, sizeof(dp), tmp, "primary");
    fixture_path(d1, sizeof(d1), tmp, "follower1");
    fixture_path(d2, sizeof(d2), tmp, "follower2");
    fixture_path(d3, sizeof(d3), tmp, "seeded");
    fixture_path(dq, sizeof(dq), tmp, "quiet");

    /* --- a primary that logs, a follower from nothing --- */

    p = open_store(dp);
    f1 = open_store(d1);

    ok(p != NULL && f1 != NULL, "the stores open");

    if (p == NULL || f1 == NULL) {
        return done_testing();
    }

    status(p, &sp);
    ok(sp.role == ONESTOP_ROLE_PRIMARY && sp.seq == 0 && !sp.log,
       "a new store is a primary at 0 that does not log");
    is_str(sp.digest, strlen(sp.digest),
           "0000000000000000000000000000000000000000000000000000000000000000",
           "its digest is zeros");

    ok(onestop_replica_set_log(p, 1, err, sizeof(err)) == 0,
       "the primary logs");
    ok(onestop_replica_follow(f1, "onestop", 7, err, sizeof(err)) == 0,
       "the first store follows \"onestop\"");
    ok(onestop_replica_set_log(f1, 1, err, sizeof(err)) == 0,
       "... and logs too (a primary to be)");
    ok(onestop_replica_follow(f1, "a b", 3, err, sizeof(err)) == -1,
       "a prefix with a space is refused: %s", err);

    status(f1, &sf);
    ok(sf.role == ONESTOP_ROLE_FOLLOWER
       && strcmp(sf.follows, "onestop") == 0, "status: a follower of onestop");

    rc = fixture_catalog_write(p, fixture_catalog, &w);
    is_int(rc, 200, "the primary's catalog");

    /* --- writes to a follower are refused --- */

    rc = fixture_catalog_write(f1, fixture_catalog, &w);
    ok(rc == 503 && strcmp(w.error_code, "read_only") == 0
       && strstr(w.message, "\"onestop\"") != NULL,
       "a follower refuses a catalog write: 503 read_only naming the "
       "prefix (%s)", w.message);
    rc = fixture_delete(f1, "RP-0001", &w);
    is_int(rc, 503, "... and a delete");
    is_int(seq_of(f1), 0, "... and its sequence did not move");

    /* --- the log's digest follows its formula --- */

    n = publish(p, 7);
    ok(n == 1 && nstream == 1 && stream[0].seq == 1,
       "the catalog change is log entry 1");
    memset(prev, 0, 32);
    ok(digest_check(prev, &stream[0], next) == 0,
       "its digest is SHA-256(zeros || be64 1 || data)");
    data = (char *) field_of(&stream[0], "kind", &len);
    ok(data != NULL && len == 7 && memcmp(data, "catalog", 7) == 0,
       "its kind is catalog");

    /* --- random writes, followed as they come --- */

    bad = 0;
    pos1 = 0;
    pos2 = 0;
    f2 = NULL;

    for (step = 0; step < 300; step++) {
        if (write_random(p, step) != 0) {
            bad++;
            break;
        }

        if (rnd(4) == 0 && publish(p, 1 + rnd(50)) < 0) {
            bad++;
        }

        if (rnd(3) == 0) {
            bad += follow_random(f1, &pos1);
        }

        if (step == 100) {
            /* a close and an open again, mid-way */
            onestop_store_close(f1);
            f1 = open_store(d1);
        }

        if (step == 120) {
            /* a backup of the primary, taken while it writes, seeds a
             * follower that goes on from its sequence */
            ok(onestop_store_backup(p, d3, err, sizeof(err)) == 0,
               "a backup of the primary at step 120");
            f3 = open_store(d3);
            ok(f3 != NULL && onestop_replica_follow(f3, "onestop", 7, err,
                                                    sizeof(err)) == 0,
               "the backup follows");
            status(f3, &sf);
            status(p, &sp);
            ok(sf.seq == sp.seq && strcmp(sf.digest, sp.digest) == 0,
               "the backup has the primary's sequence and digest (%llu)",
               (unsigned long long) sf.seq);
            ok(sf.log, "... and its log setting");
            onestop_store_close(f3);
        }
    }

    is_int(bad, 0, "300 random writes, published and followed");
    publish(p, 64);

    /* the digests of the whole stream, by the formula */

    memset(prev, 0, 32);
    bad = 0;

    for (k = 0; k < nstream; k++) {
        if (digest_check(prev, &stream[k], next) != 0) {
            bad++;
        }

        memcpy(prev, next, 32);
    }

    ok(bad == 0 && nstream > 500, "each of the %zu entries' digest chains "
       "the one before", nstream);

    /* --- a second follower in a child killed while it applies --- */

    f2 = open_store(d2);
    ok(f2 != NULL && onestop_replica_follow(f2, "onestop", 7, err,
                                            sizeof(err)) == 0
       && onestop_replica_set_log(f2, 1, err, sizeof(err)) == 0,
       "a second follower");
    onestop_store_close(f2);

    for (i = 0; i < 3; i++) {
        int     fds[2];
        size_t  target, at;

        if (pipe(fds) != 0) {
            bad++;
            break;
        }

        pid = fork();

        if (pid == 0) {
            close(fds[0]);
            child_apply(d2, fds[1]);
        }

        /* killed once it is past a point of the log, within a batch or
         * between two */
        close(fds[1]);
        target = rnd((uint32_t) nstream);
        at = 0;

        while (at < target && read(fds[0], &at, sizeof(at)) == sizeof(at)) {
            /* void */
        }

        kill(pid, SIGKILL);
        waitpid(pid, &rc, 0);
        close(fds[0]);

        f2 = open_store(d2);
        n = f2 != NULL ? (long) seq_of(f2) : -1;
        ok(WIFSIGNALED(rc) && n >= 0
           && (size_t) n <= stream[nstream - 1].seq,
           "a child applying was killed: its store opens at a sequence of "
           "the log (%ld of %llu)", n,
           (unsigned long long) stream[nstream - 1].seq);

        if (f2 != NULL) {
            onestop_buf_t  report;

            memset(&report, 0, sizeof(report));
            onestop_store_read_begin(f2);
            n = onestop_store_verify(f2, &report);
            onestop_store_read_end(f2);
            is_int(n, 0, "... its counters match its records");
            onestop_buf_free(&report);
            onestop_store_close(f2);
        }
    }

    f2 = open_store(d2);
    ok(f2 != NULL, "the killed follower's store opens");

    /* it goes on from where it stands: the entries from there */

    pos2 = 0;
    bad = follow_random(f2, &pos2);
    is_int(bad, 0, "the killed follower catches up");

    bad = follow_random(f1, &pos1);
    is_int(bad, 0, "the first follower catches up");

    f3 = open_store(d3);
    pos3 = 0;
    bad = follow_random(f3, &pos3);
    is_int(bad, 0, "the follower seeded from a backup catches up, its "
           "first entries skipped");

    status(p, &sp);

    for (i = 0; i < 3; i++) {
        status(i == 0 ? f1 : i == 1 ? f2 : f3, &sf);
        ok(sf.seq == sp.seq && strcmp(sf.digest, sp.digest) == 0,
           "follower %d: the primary's sequence %llu and digest", i + 1,
           (unsigned long long) sp.seq);
    }

    /* verify: the follower's counters are its records' */

    {
        onestop_buf_t  report;

        memset(&report, 0, sizeof(report));
        onestop_store_read_begin(f1);
        n = onestop_store_verify(f1, &report);
        onestop_store_read_end(f1);
        is_int(n, 0, "the follower's counters match its records");
        onestop_buf_free(&report);
    }

    /* --- a damaged entry: diverged, the store at the last good one --- */

    rc = write_batch(p);
    is_int(rc, 0, "one more batch on the primary");
    k = nstream;
    publish(p, 64);
    ok(nstream > k, "... published");

    for (i = 0; i < (int) stream[k].n; i++) {
        if (strcmp(stream[k].name[i], "data") == 0) {
            stream[k].value[i][stream[k].len[i] - 1] ^= 1;
        }
    }

    rc = apply_range(f1, k - 2, nstream, &res);
    ok(rc == ONESTOP_REPLICA_DIVERGED && res.bad == stream[k].seq,
       "a damaged entry: diverged at %llu (%s)",
       (unsigned long long) res.bad, res.message);
    ok(res.applied == 0 && res.skipped == 2 && res.seq == stream[k - 1].seq,
       "... the replays before it skipped, the store at the last good entry");
    is_int(seq_of(f1), stream[k - 1].seq, "... and so it stays");

    for (i = 0; i < (int) stream[k].n; i++) {
        if (strcmp(stream[k].name[i], "data") == 0) {
            stream[k].value[i][stream[k].len[i] - 1] ^= 1;
        }

        if (strcmp(stream[k].name[i], "digest") == 0) {
            saved = stream[k].value[i][0];
            stream[k].value[i][0] = saved == '0' ? '1' : '0';
        }
    }

    rc = apply_range(f1, k, nstream, &res);
    ok(rc == ONESTOP_REPLICA_DIVERGED && res.bad == stream[k].seq,
       "a wrong digest: diverged");

    for (i = 0; i < (int) stream[k].n; i++) {
        if (strcmp(stream[k].name[i], "digest") == 0) {
            stream[k].value[i][0] = saved;
        }
    }

    to_entry(&stream[k], &e);
    e.seq = stream[k].seq + 1;
    rc = onestop_replica_apply(f1, &e, 1, &res);
    ok(rc == ONESTOP_REPLICA_DIVERGED, "an id that is not its seq: diverged");

    /* --- a missing entry: behind --- */

    if (nstream - k >= 3) {
        onestop_log_entry_t  two[2];

        to_entry(&stream[k], &two[0]);
        to_entry(&stream[k + 2], &two[1]);
        rc = onestop_replica_apply(f1, two, 2, &res);
        ok(rc == ONESTOP_REPLICA_BEHIND && res.applied == 1
           && res.missing == stream[k + 1].seq
           && res.seq == stream[k].seq,
           "a missing entry: behind at %llu, the entry before it kept (%s)",
           (unsigned long long) res.missing, res.message);

    } else {
        ok(1, "# skip: the batch made fewer than 3 entries");
    }

    pos1 = k;
    bad = follow_random(f1, &pos1);
    is_int(bad, 0, "the whole entries then apply");

    /* --- every database the same --- */

    publish(p, 64);
    pos1 = 0;
    pos2 = 0;
    pos3 = 0;
    bad = follow_random(f1, &pos1) + follow_random(f2, &pos2)
          + follow_random(f3, &pos3);
    is_int(bad, 0, "every follower at the primary's end");

    onestop_store_close(p);
    onestop_store_close(f1);
    onestop_store_close(f2);
    onestop_store_close(f3);

    is_int(stores_diff(dp, d1, "follower 1"), 0, "follower 1 is the primary");
    is_int(stores_diff(dp, d2, "killed follower"), 0,
           "the killed follower is the primary");
    is_int(stores_diff(dp, d3, "seeded follower"), 0,
           "the follower seeded from a backup is the primary");

    /* --- promotion --- */

    p = open_store(dp);
    f1 = open_store(d1);

    rc = apply_range(p, 0, 1, &res);
    ok(rc == ONESTOP_ERROR && strstr(res.message, "primary") != NULL,
       "a primary applies no log (%s)", res.message);

    rc = onestop_replica_promote(f1, err, sizeof(err));
    is_int(rc, 0, "the follower is promoted");
    rc = onestop_replica_promote(f1, err, sizeof(err));
    is_int(rc, 1, "... once (promoting a primary changes nothing)");
    status(f1, &sf);
    ok(sf.role == ONESTOP_ROLE_PRIMARY && sf.follows[0] == '\0'
       && sf.published == sf.seq,
       "it is a primary that publishes from its sequence (%llu)",
       (unsigned long long) sf.seq);

    /* a random batch may be all stale writes, which change nothing: the
     * next, then (the test failed about once in a hundred runs) */
    for (i = 0; i < 20; i++) {
        rc = write_batch(f1);

        if (rc != 0 || seq_of(f1) != sf.seq) {
            break;
        }
    }

    is_int(rc, 0, "the new primary takes writes");
    ok(seq_of(f1) > sf.seq, "... under the next sequences");

    rc = apply_range(f1, nstream - 1, nstream, &res);
    ok(rc == ONESTOP_ERROR, "the new primary applies no log");

    onestop_store_close(p);
    onestop_store_close(f1);

    /* --- changes committed without logging: a gap --- */

    q = open_store(dq);
    rc = fixture_catalog_write(q, fixture_catalog, &w);
    is_int(rc, 200, "a store that does not log: its catalog");
    new_catalog = 0;
    memset(codes, 0, sizeof(codes));
    rc = write_batch(q);
    n = (long) seq_of(q);

    onestop_store_read_begin(q);
    rc = (int) onestop_replica_log(q, 0, out, 4);
    ok(rc == 1 && out[0].seq == (uint64_t) n && out[0].nfields == 4
       && out[0].field[1].value_len == 3
       && memcmp(out[0].field[1].value, "gap", 3) == 0
       && out[0].field[2].value_len == 1 && out[0].field[2].value[0] == '1',
       "its changes come as one gap entry, 1 to %ld", n);
    onestop_store_read_end(q);

    ok(onestop_replica_set_log(q, 1, err, sizeof(err)) == 0, "it logs now");
    rc = write_batch(q);

    onestop_store_read_begin(q);
    rc = (int) onestop_replica_log(q, 0, out, 4);
    ok(rc >= 2 && out[0].seq == (uint64_t) n
       && out[1].seq == (uint64_t) n + 1
       && out[1].field[1].value_len == 7
       && memcmp(out[1].field[1].value, "dossier", 7) == 0,
       "the gap, then its new changes");
    rc = (int) onestop_replica_log(q, 0, out, 1);
    ok(rc == 1 && out[0].seq == (uint64_t) n, "max 1: the gap alone");
    rc = (int) onestop_replica_log(q, (uint64_t) n, out, 1);
    ok(rc == 1 && out[0].seq == (uint64_t) n + 1, "then the change after it");
    onestop_store_read_end(q);

    /* a gap entry in the stream: a follower is behind */

    {
        char  dz[4096];

        fixture_path(dz, sizeof(dz), tmp, "behind");
        f1 = open_store(dz);
        onestop_replica_follow(f1, "onestop", 7, err, sizeof(err));

        onestop_store_read_begin(q);
        onestop_replica_log(q, 0, out, 2);
        rc = onestop_replica_apply(f1, out, 2, &res);
        onestop_store_read_end(q);
        ok(rc == ONESTOP_REPLICA_BEHIND && res.missing == 1
           && res.applied == 0, "a gap entry: behind at 1 (%s)",
           res.message);
        onestop_store_close(f1);
    }

    onestop_store_close(q);

    return done_testing();
}
