/*
 * Unit tests of the change feed's words (onestop_feed.h, SPEC section 9):
 * commands in RESP with their tags; the stream entries of each kind of
 * change with the contract's fields and nothing personal (no code for an
 * evaluation), MAXLEN, the gap entry in place of changes dropped from the
 * outbox; which agencies' figures are due (the agency, its ancestors, the
 * province, the one a moved dossier left; everything after a gap); the
 * figures' HSET and PUBLISH commands, the snapshot first, against the
 * engine's own counts; Redis's error replies.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include "onestop_feed.h"
#include "onestop_store.h"
#include "tap.h"
#include "civil.h"
#include "fixture.h"


#define MB  ((size_t) 1 << 20)


/* command i of c as its arguments joined by spaces (parsed back from
 * RESP, so that the framing is checked too); "" when malformed */

static const char *
words(const onestop_resp_t *c, size_t i)
{
    static char   out[8192];
    char         *end;
    size_t        len, o;
    const char   *p, *last;
    unsigned long argc, n, k;

    p = onestop_resp_cmd(c, i, &len);
    last = p + len;
    o = 0;

    if (len < 4 || *p != '*') {
        return "";
    }

    argc = strtoul(p + 1, &end, 10);
    p = end + 2;

    for (k = 0; k < argc; k++) {
        if (p >= last || *p != '$') {
            return "";
        }

        n = strtoul(p + 1, &end, 10);
        p = end + 2;

        if (p + n + 2 > last || p[n] != '\r' || p[n + 1] != '\n'
            || o + n + 2 > sizeof(out))
        {
            return "";
        }

        if (k) {
            out[o++] = ' ';
        }

        memcpy(out + o, p, n);
        o += n;
        p += n + 2;
    }

    out[o] = '\0';

    return p == last ? out : "";
}


static void
test_resp(void)
{
    size_t          len;
    onestop_resp_t  c;
    const char     *cmd;

    static const char    *argv[] = { "SET", "k", "" };
    static const size_t   argvlen[] = { 3, 1, 0 };

    memset(&c, 0, sizeof(c));

    for (size_t i = 0; i < 40; i++) {
        onestop_resp_add(&c, i + 100, 3, argv, argvlen);
    }

    is_int(c.n, 40, "forty commands (the arrays grow)");
    cmd = onestop_resp_cmd(&c, 0, &len);
    is_str(cmd, len, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
           "RESP: the array's length, each argument's");
    cmd = onestop_resp_cmd(&c, 39, &len);
    is_str(cmd, len, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
           "the last command, alone");
    is_int(c.tag[39], 139, "each with its tag");

    onestop_resp_clear(&c);
    is_int(c.n, 0, "cleared");
    onestop_resp_add(&c, 7, 1, argv, argvlen);
    is_str(words(&c, 0), strlen(words(&c, 0)), "SET", "and used again");
    onestop_resp_free(&c);
}


static onestop_feed_conf_t *
conf(const char *prefix, uint64_t maxlen)
{
    static onestop_feed_conf_t  c;

    onestop_feed_conf_default(&c);
    c.prefix.data = prefix;
    c.prefix.len = strlen(prefix);
    c.maxlen = maxlen;

    return &c;
}


static void
test_names(void)
{
    onestop_feed_t  f;

    ok(onestop_feed_init(&f, conf("t", 100000)) == 0, "a feed");
    is_str(f.stream.data, f.stream.len, "t:changes", "the stream");
    is_str(f.live.data, f.live.len, "t:stats:live", "the snapshot hash");
    is_str(f.channel.data, f.channel.len, "t:stats", "the common channel");
    is_str(f.maxlen, strlen(f.maxlen), "100000", "MAXLEN");
    onestop_feed_free(&f);

    onestop_feed_init(&f, conf("onestop", 0));
    is_str(f.maxlen, strlen(f.maxlen), "", "maxlen=0: no MAXLEN");
    onestop_feed_free(&f);
}


static void
test_options(void)
{
    onestop_feed_t        f;
    onestop_resp_t        out;
    onestop_feed_conf_t   c;

#define option(s)  onestop_feed_option(&c, s, strlen(s))

    onestop_feed_conf_default(&c);
    ok(c.prefix.len == 7 && c.maxlen == 1000000 && c.db == 0
       && c.password.len == 0, "defaults: onestop, 1,000,000, no db, "
       "no password");
    ok(option("prefix=x") == 0 && c.prefix.len == 1, "prefix=");
    ok(option("db=3") == 0 && c.db == 3, "db=");
    ok(option("password=s3") == 0 && c.password.len == 2, "password=");
    ok(option("maxlen=0") == 0 && c.maxlen == 0, "maxlen=0");
    is_int(option("interval=100"), 1, "interval= is not the engine's");
    is_int(option("prefix="), -1, "an empty prefix");
    is_int(option("password="), -1, "an empty password");
    is_int(option("db=x"), -1, "db= not a number");
    is_int(option("db="), -1, "db= empty");
    is_int(option("db=99999999999"), -1, "db= too large");
    is_int(option("maxlen=-1"), -1, "maxlen= negative");
    is_int(option("nothing"), 1, "something else");

#undef option

    memset(&out, 0, sizeof(out));
    onestop_feed_init(&f, &c);
    onestop_feed_hello(&f, &c, &out);
    is_int(out.n, 3, "the handshake: three commands");
    is_str(words(&out, 0), strlen(words(&out, 0)), "AUTH s3", "AUTH");
    is_str(words(&out, 1), strlen(words(&out, 1)), "SELECT 3", "SELECT");
    is_str(words(&out, 2), strlen(words(&out, 2)), "EXISTS x:stats:live",
           "is the snapshot there?");
    onestop_feed_free(&f);

    onestop_resp_clear(&out);
    onestop_feed_conf_default(&c);
    onestop_feed_init(&f, &c);
    onestop_feed_hello(&f, &c, &out);
    is_int(out.n, 1, "without password and db: EXISTS alone");
    onestop_feed_free(&f);
    onestop_resp_free(&out);
}


/* password_file=: what nginx -t refuses, what it reads */

static int
pw_file(const char *path, const char *text, mode_t mode)
{
    FILE  *f;

    f = fopen(path, "w");

    if (f == NULL) {
        return -1;
    }

    fputs(text, f);
    fclose(f);

    return chmod(path, mode);
}


static int
pw_read(const char *path, char *buf, size_t cap, char *err,
    onestop_feed_conf_t *c)
{
    char  opt[PATH_MAX + 16];

    onestop_feed_conf_default(c);
    snprintf(opt, sizeof(opt), "password_file=%s", path);

    if (onestop_feed_option(c, opt, strlen(opt)) != 0) {
        return -2;
    }

    err[0] = '\0';
    return onestop_feed_password_read(c, buf, cap, err, 256);
}


static void
test_password_file(void)
{
    char                 dir[1024], path[1100], buf[64], err[256];
    onestop_feed_conf_t  c;

#define option(s)  onestop_feed_option(&c, s, strlen(s))

    onestop_feed_conf_default(&c);
    is_int(option("password_file="), -1, "an empty password_file=");
    ok(option("password_file=/x") == 0 && c.password_file.len == 2,
       "password_file=");
    is_int(option("password=s3"), -1, "then password= too: refused");
    onestop_feed_conf_default(&c);
    ok(option("password=s3") == 0, "password=");
    is_int(option("password_file=/x"), -1, "then password_file=: refused");
    onestop_feed_conf_default(&c);
    is_int(onestop_feed_password_read(&c, buf, sizeof(buf), err, 256), 0,
           "no file: nothing to read");
    is_int((int) c.password.len, 0, "and no password");

#undef option

    snprintf(dir, sizeof(dir), "%s", fixture_tmpdir());
    snprintf(path, sizeof(path), "%s/redis.pw", dir);

    ok(pw_file(path, "s3cret\n", 0600) == 0, "a 0600 file");
    is_int(pw_read(path, buf, sizeof(buf), err, &c), 0, "is read");
    is_str(c.password.data, c.password.len, "s3cret",
           "its trailing newline stripped");

    pw_file(path, "s3cret\r\n", 0400);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), 0, "0400, CRLF");
    is_str(c.password.data, c.password.len, "s3cret", "CRLF stripped");

    pw_file(path, "no newline", 0600);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), 0, "no newline");
    is_str(c.password.data, c.password.len, "no newline", "all of it");

    pw_file(path, "s3cret\n", 0640);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1,
           "group-readable: refused");
    ok(strstr(err, "chmod 0600") != NULL && strstr(err, "0640") != NULL,
       "saying its mode and what to run");
    ok(strstr(err, "s3cret") == NULL, "and not the password");

    pw_file(path, "s3cret\n", 0604);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1,
           "world-readable: refused");
    pw_file(path, "s3cret\n", 0620);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1,
           "group-writable: refused");

    pw_file(path, "", 0600);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1, "empty: refused");
    ok(strstr(err, "is empty") != NULL, "saying so");
    pw_file(path, "\n", 0600);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1,
           "a newline alone: refused");

    pw_file(path, "one\ntwo\n", 0600);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1,
           "two lines: refused");
    ok(strstr(err, "more than one line") != NULL, "saying so");

    pw_file(path, "0123456789012345678901234567890123456789012345678901234"
            "5678901234567890", 0600);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1,
           "longer than the room: refused");

    unlink(path);
    is_int(pw_read(path, buf, sizeof(buf), err, &c), -1, "missing: refused");
    ok(strstr(err, "No such file") != NULL && strstr(err, path) != NULL,
       "naming the file and why");
    is_int((int) c.password.len, 0, "no password then");

    is_int(pw_read(dir, buf, sizeof(buf), err, &c), -1,
           "a directory: refused");
    ok(strstr(err, "not a regular file") != NULL, "saying so");
}


static void
test_share(void)
{
    uint32_t               me, gone;
    onestop_buf_t          b;
    onestop_feed_share_t   sh;

    memset(&sh, 0xff, sizeof(sh));
    onestop_feed_share_init(&sh);
    ok(sh.lease == 0 && sh.published == 0 && sh.failures == 0,
       "another layout: started afresh");
    sh.published = 7;
    onestop_feed_share_init(&sh);
    is_int(sh.published, 7, "ours: kept (a reload)");

    me = (uint32_t) getpid();
    gone = 0x7ffffff0;          /* no such process */

    ok(onestop_feed_lease(&sh, 1000, me, 3000), "a free lease: taken");
    is_int(sh.lease >> 32, 4000, "until now + 3 s");
    ok(onestop_feed_lease(&sh, 2000, me, 3000), "renewed");
    ok(!onestop_feed_lease(&sh, 2500, (uint32_t) getppid(), 3000),
       "not taken from a live holder");
    ok(onestop_feed_lease(&sh, 6000, (uint32_t) getppid(), 3000),
       "taken once it expired");
    sh.lease = (uint64_t) 100000 << 32 | gone;
    ok(onestop_feed_lease(&sh, 6000, me, 3000),
       "taken from a holder that is gone");
    onestop_feed_release(&sh, gone);
    ok(sh.lease != 0, "released only by its holder");
    onestop_feed_release(&sh, me);
    is_int(sh.lease, 0, "released");

    sh.published = 7;
    is_int(onestop_feed_resume(&sh, 5, 9), 7, "resume: the zone's, further");
    is_int(onestop_feed_resume(&sh, 8, 9), 8, "the store's, further");
    is_int(onestop_feed_resume(&sh, 2, 4), 2,
           "a zone beyond the store speaks of another store");
    is_int(sh.published, 2, "and is set back");
    sh.published = 0;
    is_int(onestop_feed_resume(&sh, 6, 6), 6,
           "a new zone: the store's record");
    is_int(sh.published, 6, "and the zone says so (the metrics)");
    sh.published = 2;

    onestop_feed_published(&sh, 6, 4);
    onestop_feed_published(&sh, 5, 0);
    ok(sh.published == 6 && sh.changes == 4, "published: only forward");

    memset(&b, 0, sizeof(b));
    sh.connected = 1;
    onestop_feed_metrics(&sh, 10, &b);
    onestop_buf_add(&b, "", 1);
    ok(b.data != NULL && strstr(b.data, "onestop_redis_outbox_depth 4")
       != NULL, "metrics: the depth");
    onestop_buf_free(&b);
}


static uint32_t
agency(const onestop_catalog_t *cat, const char *id)
{
    return onestop_catalog_agency(cat, id, strlen(id));
}


static const char *
rec(char *buf, size_t size, int n, const char *agency, const char *resolved)
{
    snprintf(buf, size,
             "{\"code\": \"000.00.30.H36-240601-%04d\", \"version\": 1, "
             "\"agency\": \"%s\", \"procedure\": \"1.000894\", "
             "\"channel\": \"online\", "
             "\"applicant\": {\"name\": \"Nguyễn Văn Bí Mật\"}, "
             "\"contact\": {\"phone\": \"0912345678\"}, "
             "\"received_at\": \"2024-06-01\", \"due_at\": \"2024-06-20\"%s}\n",
             n, agency, resolved);

    return buf;
}


static void
test_round(onestop_store_t *st, onestop_day_t today)
{
    int                       gap;
    long                      n;
    char                      buf[1024];
    uint32_t                  commune, district, other;
    onestop_feed_t            f;
    onestop_resp_t            out;
    onestop_write_t           w;
    onestop_change_t          ch[16];
    onestop_feed_pass_t       p;
    const onestop_catalog_t  *cat;

    is_int(fixture_catalog_write(st, fixture_catalog, &w), 200, "catalog");
    is_int(fixture_import(st, rec(buf, sizeof(buf), 1, "000.30.01.H36", ""),
                          today, &w), 200, "a dossier");
    is_int(fixture_import(st, rec(buf, sizeof(buf), 2, "000.30.01.H36",
                                  ", \"resolved_at\": \"2024-06-10\""),
                          today, &w), 200, "another, resolved");
    is_int(fixture_delete(st, "000.00.30.H36-240601-0001", &w), 200,
           "a deletion");

    /* the second, moved to a commune of another district */
    buf[0] = '\0';
    rec(buf, sizeof(buf), 2, "000.31.01.H36",
        ", \"resolved_at\": \"2024-06-10\"");
    strstr(buf, "\"version\": 1")[11] = '2';
    is_int(fixture_import(st, buf, today, &w), 200, "a dossier moved");

    memset(&out, 0, sizeof(out));
    memset(&p, 0, sizeof(p));
    onestop_feed_init(&f, conf("t", 1000));

    onestop_store_read_begin(st);
    cat = onestop_store_catalog(st);
    commune = agency(cat, "000.30.01.H36");
    district = agency(cat, "000.00.30.H36");
    other = agency(cat, "000.31.01.H36");
    n = onestop_store_outbox_read(st, 0, ch, 16);
    is_int(n, 5, "five changes in the outbox");

    ok(onestop_feed_round(&f, &out, cat, ch, (size_t) n, 0,
                          onestop_store_seq(st), &gap) == 0, "a round");
    onestop_store_read_end(st);

    is_int(gap, 0, "no gap");
    is_int(out.n, 7, "MULTI, five XADDs, EXEC");
    is_str(words(&out, 0), strlen(words(&out, 0)), "MULTI", "MULTI first");
    is_str(words(&out, 6), strlen(words(&out, 6)), "EXEC", "EXEC last");

#define word_is(i, want, what)                                               \
    is_str(words(&out, i), strlen(words(&out, i)), want, what)

    /* each entry, then its commit time and, for a dossier, its record:
     * the change log's bytes (changelog.c) */

#define word_starts(i, want, what)                                           \
    ok(strncmp(words(&out, i), want, strlen(want)) == 0                      \
       && strncmp(words(&out, i) + strlen(want), " ts ", 4) == 0, what)

    word_starts(1, "XADD t:changes MAXLEN ~ 1000 1-0 seq 1 kind catalog "
                "agency province", "the catalog entry");
    word_starts(2, "XADD t:changes MAXLEN ~ 1000 2-0 seq 2 kind dossier "
                "agency 000.30.01.H36 code 000.00.30.H36-240601-0001 "
                "version 1", "a dossier: its agency, code and version");
    word_starts(4, "XADD t:changes MAXLEN ~ 1000 4-0 seq 4 kind delete "
                "agency 000.30.01.H36 code 000.00.30.H36-240601-0001 "
                "version 1", "a deletion");
    word_starts(5, "XADD t:changes MAXLEN ~ 1000 5-0 seq 5 kind dossier "
                "agency 000.31.01.H36 code 000.00.30.H36-240601-0002 "
                "version 2", "the moved dossier under its new agency");
    ok(strstr(words(&out, 2), " record {\"code\":\"000.00.30.H36-240601-0001\"")
       != NULL, "a dossier's record: its lookup object");
    ok(strstr(words(&out, 4), " record ") == NULL, "a deletion: no record");
    ok(strstr(words(&out, 5), "\"status\":\"resolved\"") != NULL,
       "the record of the version committed");

#undef word_starts

    is_int(out.tag[1], 1, "an XADD's tag: its seq");
    is_int(out.tag[5], 5, "the last one's");
    ok(strstr(out.buf.data, "Văn") == NULL
       && strstr(out.buf.data, "Bí Mật") == NULL
       && strstr(out.buf.data, "Nguyễn V. B. M.") != NULL
       && strstr(out.buf.data, "0912345678") == NULL,
       "no name but masked, no phone");

    ok(onestop_feed_take(&f, &p) == 1 && !p.all, "figures due");
    ok(p.n == 5 && p.agency[0] == 0
       && ((p.agency[1] == commune && p.agency[2] == district)
           || (p.agency[1] == district && p.agency[2] == commune)),
       "the province, the commune, its district ...");
    ok(p.agency[3] == other || p.agency[4] == other,
       "... and the commune the dossier moved to with its district");
    ok(onestop_feed_take(&f, &p) == 0, "taken: nothing due any more");

    onestop_feed_again_one(&f, district);
    ok(onestop_feed_take(&f, &p) == 1 && p.n == 1 && p.agency[0] == district,
       "one agency due again (not delivered)");
    onestop_feed_again(&f, &p);
    ok(f.any && f.due[district], "a pass due again (not computed)");

    /* the changes after 2 dropped (outbox_max): the gap in their place */

    onestop_resp_clear(&out);
    onestop_feed_round(&f, &out, cat, ch + 3, 2, 1, 5, &gap);
    is_int(gap, 1, "a gap");
    word_is(1, "XADD t:changes MAXLEN ~ 1000 3-0 seq 3 kind gap "
            "agency province first 2 last 3", "the gap: first and last lost");
    is_int(out.tag[1], 3, "tagged with its last seq");
    ok(f.all, "after a gap every agency is due");
    ok(onestop_feed_take(&f, &p) == 1 && p.all, "taken: all of them");

    /* everything dropped, nothing left to read */

    onestop_resp_clear(&out);
    onestop_feed_round(&f, &out, NULL, NULL, 0, 5, 9, &gap);
    is_int(out.n, 3, "all dropped: MULTI, the gap, EXEC");
    word_is(1, "XADD t:changes MAXLEN ~ 1000 9-0 seq 9 kind gap "
            "agency province first 6 last 9", "the gap up to the store's");

    /* an evaluation carries no code; maxlen=0 no MAXLEN */

    onestop_feed_free(&f);
    onestop_feed_init(&f, conf("t", 0));
    ch[0].kind = ONESTOP_CHANGE_EVALUATION;
    ch[0].seq = 10;
    ch[0].agency = 0;
    ch[0].ts_len = 0;
    ch[0].record = NULL;
    onestop_resp_clear(&out);
    onestop_feed_round(&f, &out, NULL, ch, 1, 9, 10, &gap);
    word_is(1, "XADD t:changes 10-0 seq 10 kind evaluation agency province",
            "an evaluation: no code, no version; no MAXLEN");

#undef word_is

    onestop_feed_pass_free(&p);
    onestop_resp_free(&out);
    onestop_feed_free(&f);
}


static void
test_figures(onestop_store_t *st, onestop_day_t today)
{
    long                      unread;
    char                      want[64], *json;
    uint32_t                  commune, district;
    onestop_feed_t            f;
    onestop_resp_t            out;
    onestop_counts_t          all, year;
    onestop_feed_pass_t       p;
    const onestop_catalog_t  *cat;

    memset(&out, 0, sizeof(out));
    memset(&p, 0, sizeof(p));
    onestop_feed_init(&f, conf("t", 0));

    onestop_store_read_begin(st);
    cat = onestop_store_catalog(st);
    commune = agency(cat, "000.31.01.H36");
    district = agency(cat, "000.00.31.H36");
    onestop_feed_mark(&f, cat, commune);
    onestop_feed_take(&f, &p);

    unread = onestop_feed_figures(&f, &p, st, today, &out);
    onestop_store_agency_counts(st, district, today, &all, &year);
    onestop_store_read_end(st);

    is_int(unread, 0, "every agency's figures read");
    is_int(out.n, 9, "three agencies, three commands each");

    json = strchr(words(&out, 0), '{');
    ok(strncmp(words(&out, 0), "HSET t:stats:live province {", 28) == 0,
       "the province's snapshot first");
    ok(json != NULL && strncmp(json, "{\"seq\":5,\"agency\":\"province\","
                               "\"all\":{", 36) == 0,
       "the message: seq, agency, all ...");
    ok(json != NULL && strstr(json, "},\"year\":{") != NULL,
       "... and year");
    is_int(out.tag[0], 0, "tagged with the agency (the province: 0)");
    ok(strncmp(words(&out, 1), "PUBLISH t:stats:province {", 26) == 0,
       "then its own channel");
    ok(strncmp(words(&out, 2), "PUBLISH t:stats {", 17) == 0,
       "then the common one");

    ok(strncmp(words(&out, 3), "HSET t:stats:live 000.00.31.H36 {", 33) == 0
       || strncmp(words(&out, 6), "HSET t:stats:live 000.00.31.H36 {", 33)
          == 0, "the district");
    json = strstr(words(&out, 3), "000.00.31.H36 {") != NULL
           ? strchr(words(&out, 3), '{') : strchr(words(&out, 6), '{');
    snprintf(want, sizeof(want), "\"received\":%llu",
             (unsigned long long) all.received);
    ok(all.received == 1 && json != NULL && strstr(json, want) != NULL,
       "its figures are the engine's (one dossier moved in)");
    ok(out.tag[3] == district || out.tag[6] == district,
       "tagged with the district");

    /* every agency: the seven of the catalog and the province */

    onestop_resp_clear(&out);
    p.all = 1;
    p.n = 0;
    onestop_store_read_begin(st);
    unread = onestop_feed_figures(&f, &p, st, today, &out);
    onestop_store_read_end(st);
    is_int(out.n, 3 * 8, "all: the province and seven agencies");

    onestop_feed_pass_free(&p);
    onestop_resp_free(&out);
    onestop_feed_free(&f);
}


static void
test_errors(void)
{
    const char  *s;

    s = "ERR Invalid stream ID specified as stream command argument, "
        "with args beginning with: XADD";
    is_str(s, onestop_feed_error(s, strlen(s)),
           "ERR Invalid stream ID specified as stream command argument",
           "an error without the arguments Redis quotes");
    s = "OOM command not allowed when used memory > 'maxmemory'.";
    is_str(s, onestop_feed_error(s, strlen(s)),
           "OOM command not allowed when used memory > 'maxmemory'",
           "without the trailing dot");

    s = "ERR The ID specified in XADD is equal or smaller than the target "
        "stream top item";
    ok(onestop_feed_duplicate(s, strlen(s)), "a replayed id: a duplicate");
    s = "ERR THE ID SPECIFIED IN XADD IS EQUAL OR SMALLER THAN THE TARGET "
        "STREAM TOP ITEM";
    ok(onestop_feed_duplicate(s, strlen(s)), "in any case");
    s = "LOADING Redis is loading the dataset in memory";
    ok(!onestop_feed_duplicate(s, strlen(s)), "LOADING is not one");
}


int
main(void)
{
    char              err[256];
    onestop_day_t     today;
    onestop_store_t  *st;

    today = civil(2024, 6, 15);

    test_resp();
    test_names();
    test_options();
    test_password_file();
    test_share();
    test_errors();

    st = fixture_open(fixture_tmpdir(), 64 * MB, 0, err, sizeof(err));
    ok(st != NULL, "a store");

    if (st != NULL) {
        test_round(st, today);
        test_figures(st, today);
        onestop_store_close(st);
    }

    return done_testing();
}
