/*
 * The change feed's words in Redis's protocol (see onestop_feed.h).  The
 * one idea: everything the publisher sends is made here as plain bytes
 * with a tag, so that the publisher only hands them to the connection
 * and, from each reply, knows by the tag what Redis has (a round's seq)
 * or what to send again (an agency's figures).
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <yajl/yajl_gen.h>

#include "onestop_date.h"
#include "onestop_feed.h"
#include "onestop_figures.h"
#include "onestop_json.h"
#include "onestop_schema.h"


#define FEED_MAGIC  0x6f6e6573746f7201ULL


static const char  *feed_kinds[] = {
    "unknown", "dossier", "delete", "catalog", "evaluation", "gap",
    "feedback"
};



void
onestop_feed_share_init(onestop_feed_share_t *sh)
{
    uint64_t  magic;

    magic = __atomic_load_n(&sh->magic, __ATOMIC_ACQUIRE);

    if (magic != FEED_MAGIC
        && __atomic_compare_exchange_n(&sh->magic, &magic, FEED_MAGIC, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    {
        /* new, or left by another layout: start afresh */
        __atomic_store_n(&sh->lease, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->published, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->connected, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->changes, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->failures, 0, __ATOMIC_RELEASE);
    }
}


int
onestop_feed_lease(onestop_feed_share_t *sh, uint32_t now, uint32_t pid,
    uint32_t ttl)
{
    uint32_t  owner, expiry;
    uint64_t  old, lease;

    lease = (uint64_t) (uint32_t) (now + ttl) << 32 | pid;

    for ( ;; ) {
        old = __atomic_load_n(&sh->lease, __ATOMIC_ACQUIRE);
        owner = (uint32_t) old;
        expiry = (uint32_t) (old >> 32);

        /* held by another process that is alive (EPERM: alive, not ours) */

        if (old != 0 && owner != pid && (int32_t) (expiry - now) > 0
            && (kill((pid_t) owner, 0) == 0 || errno == EPERM))
        {
            return 0;
        }

        if (__atomic_compare_exchange_n(&sh->lease, &old, lease, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        {
            return 1;
        }
    }
}


void
onestop_feed_release(onestop_feed_share_t *sh, uint32_t pid)
{
    uint64_t  old;

    old = __atomic_load_n(&sh->lease, __ATOMIC_ACQUIRE);

    if ((uint32_t) old == pid) {
        (void) __atomic_compare_exchange_n(&sh->lease, &old, 0, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE);
    }
}


uint64_t
onestop_feed_resume(onestop_feed_share_t *sh, uint64_t stored, uint64_t seq)
{
    uint64_t  shared, acked, old;

    shared = __atomic_load_n(&sh->published, __ATOMIC_ACQUIRE);
    acked = shared > stored && shared <= seq ? shared : stored;

    /* the zone says what Redis has (the metrics): set back when it
     * speaks of another store, brought forward when it is new (nginx
     * restarted, the store remembering more), or it would say 0 until
     * the next change is published */

    if (shared != acked) {
        old = shared;
        (void) __atomic_compare_exchange_n(&sh->published, &old, acked, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE);
    }

    __atomic_store_n(&sh->connected, 0, __ATOMIC_RELEASE);

    return acked;
}


void
onestop_feed_published(onestop_feed_share_t *sh, uint64_t seq,
    uint64_t changes)
{
    uint64_t  old;

    old = __atomic_load_n(&sh->published, __ATOMIC_ACQUIRE);

    while (old < seq
           && !__atomic_compare_exchange_n(&sh->published, &old, seq, 0,
                                           __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE))
    {
        /* void */
    }

    (void) __atomic_fetch_add(&sh->changes, changes, __ATOMIC_RELAXED);
}


void
onestop_feed_metrics(onestop_feed_share_t *sh, uint64_t seq,
    onestop_buf_t *b)
{
    uint64_t  published;

    published = __atomic_load_n(&sh->published, __ATOMIC_ACQUIRE);

    onestop_metrics_feed(b, __atomic_load_n(&sh->connected, __ATOMIC_ACQUIRE),
                         seq > published ? seq - published : 0, published,
                         __atomic_load_n(&sh->changes, __ATOMIC_ACQUIRE),
                         __atomic_load_n(&sh->failures, __ATOMIC_ACQUIRE));
}


int
onestop_feed_init(onestop_feed_t *f, const onestop_feed_conf_t *c)
{
    char        *p;
    size_t       len;
    const char  *prefix;

    memset(f, 0, sizeof(onestop_feed_t));
    prefix = c->prefix.data;
    len = c->prefix.len;

    p = malloc(3 * len + sizeof(":changes:stats:live:stats"));
    if (p == NULL) {
        return -1;
    }

    f->names = p;
    f->stream.data = p;
    p += sprintf(p, "%.*s:changes", (int) len, prefix);
    f->live.data = p;
    p += sprintf(p, "%.*s:stats:live", (int) len, prefix);
    f->channel.data = p;
    sprintf(p, "%.*s:stats", (int) len, prefix);

    f->stream.len = len + 8;
    f->live.len = len + 11;
    f->channel.len = len + 6;

    if (c->maxlen) {
        snprintf(f->maxlen, sizeof(f->maxlen), "%llu",
                 (unsigned long long) c->maxlen);
    }

    if (c->log) {
        f->log.data = malloc(len + sizeof(":log"));
        if (f->log.data == NULL) {
            free(f->names);
            f->names = NULL;
            return -1;
        }

        f->log.len = (size_t) sprintf((char *) f->log.data, "%.*s:log",
                                      (int) len, prefix);

        if (c->log_maxlen) {
            snprintf(f->log_maxlen, sizeof(f->log_maxlen), "%llu",
                     (unsigned long long) c->log_maxlen);
        }
    }

    return 0;
}


int
onestop_feed_hello(const onestop_feed_t *f, const onestop_feed_conf_t *c,
    onestop_resp_t *out)
{
    char         db[24];
    size_t       argvlen[2];
    const char  *argv[2];

    if (c->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = c->password.data;
        argvlen[1] = c->password.len;
        (void) onestop_resp_add(out, 0, 2, argv, argvlen);
    }

    if (c->db) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = db;
        argvlen[1] = (size_t) sprintf(db, "%ld", c->db);
        (void) onestop_resp_add(out, 0, 2, argv, argvlen);
    }

    argv[0] = "EXISTS";
    argvlen[0] = 6;
    argv[1] = f->live.data;
    argvlen[1] = f->live.len;

    return onestop_resp_add(out, 0, 2, argv, argvlen);
}


int
onestop_feed_top(const onestop_feed_t *f, onestop_resp_t *out)
{
    size_t       argvlen[6];
    const char  *argv[6];

    static const char    *multi = "MULTI", *exec = "EXEC";
    static const size_t   multi_len = 5, exec_len = 4;

    argv[0] = "XREVRANGE";
    argvlen[0] = 9;
    argv[1] = f->stream.data;
    argvlen[1] = f->stream.len;
    argv[2] = "+";
    argvlen[2] = 1;
    argv[3] = "-";
    argvlen[3] = 1;
    argv[4] = "COUNT";
    argvlen[4] = 5;
    argv[5] = "1";
    argvlen[5] = 1;

    if (onestop_resp_add(out, 0, 1, &multi, &multi_len) != 0
        || onestop_resp_add(out, 0, 6, argv, argvlen) != 0)
    {
        return -1;
    }

    /* log=on: the replicas' log too, in the same reply */

    if (f->log.len) {
        argv[1] = f->log.data;
        argvlen[1] = f->log.len;

        if (onestop_resp_add(out, 0, 6, argv, argvlen) != 0) {
            return -1;
        }
    }

    return onestop_resp_add(out, 0, 1, &exec, &exec_len);
}


const char *
onestop_feed_kind(int kind)
{
    return feed_kinds[kind >= 0 && kind <= ONESTOP_CHANGE_FEEDBACK ? kind : 0];
}


void
onestop_feed_free(onestop_feed_t *f)
{
    free(f->names);
    free((char *) f->log.data);
    free(f->due);
    memset(f, 0, sizeof(onestop_feed_t));
}


/* XADD {stream} [MAXLEN ~ N] {seq}-0 seq S kind K agency A [code C
 * version V] [ts T] [record R] [first F last L] */

static int
feed_xadd(const onestop_feed_t *f, onestop_resp_t *out, uint64_t seq,
    const char *kind, const onestop_str_t *agency, const onestop_change_t *ch,
    uint64_t first, uint64_t last)
{
    int          argc;
    char         id[32], s[24], v[24], fs[24], ls[24];
    size_t       argvlen[24];
    const char  *argv[24];

#define feed_arg(p, n)                                                       \
    argv[argc] = (p);                                                        \
    argvlen[argc] = (n);                                                     \
    argc++

    argc = 0;

    feed_arg("XADD", 4);
    feed_arg(f->stream.data, f->stream.len);

    if (f->maxlen[0] != '\0') {
        feed_arg("MAXLEN", 6);
        feed_arg("~", 1);
        feed_arg(f->maxlen, strlen(f->maxlen));
    }

    feed_arg(id, (size_t) sprintf(id, "%llu-0", (unsigned long long) seq));
    feed_arg("seq", 3);
    feed_arg(s, (size_t) sprintf(s, "%llu", (unsigned long long) seq));
    feed_arg("kind", 4);
    feed_arg(kind, strlen(kind));
    feed_arg("agency", 6);
    feed_arg(agency->data, agency->len);

    /* a dossier's code and version; nothing personal, ever */

    if (ch != NULL
        && (ch->kind == ONESTOP_CHANGE_DOSSIER
            || ch->kind == ONESTOP_CHANGE_DELETE)
        && ch->code_len)
    {
        feed_arg("code", 4);
        feed_arg(ch->code, ch->code_len);
        feed_arg("version", 7);
        feed_arg(v, (size_t) sprintf(v, "%llu",
                                     (unsigned long long) ch->version));
    }

    /* the commit time and a dossier's public record: the change log's
     * bytes (changelog.c), so that GET /api/v1/changes says the same */

    if (ch != NULL && ch->ts_len) {
        feed_arg("ts", 2);
        feed_arg(ch->ts, ch->ts_len);
    }

    if (ch != NULL && ch->record != NULL && ch->record_len) {
        feed_arg("record", 6);
        feed_arg(ch->record, ch->record_len);
    }

    if (ch == NULL) {
        feed_arg("first", 5);
        feed_arg(fs, (size_t) sprintf(fs, "%llu", (unsigned long long) first));
        feed_arg("last", 4);
        feed_arg(ls, (size_t) sprintf(ls, "%llu", (unsigned long long) last));
    }

#undef feed_arg

    return onestop_resp_add(out, seq, argc, argv, argvlen);
}


int
onestop_feed_round(onestop_feed_t *f, onestop_resp_t *out,
    const onestop_catalog_t *cat, const onestop_change_t *ch, size_t n,
    uint64_t acked, uint64_t seq, int *gap)
{
    size_t          i;
    uint64_t        first, last;
    onestop_str_t   agency;

    static const char    *multi = "MULTI", *exec = "EXEC";
    static const size_t   multi_len = 5, exec_len = 4;

    *gap = 0;

    if (onestop_resp_add(out, 0, 1, &multi, &multi_len) != 0) {
        return -1;
    }

    /* changes dropped past onestop_outbox_max: a gap in their place */

    first = acked + 1;
    last = n > 0 ? ch[0].seq - 1 : seq;

    if (last >= first) {
        agency.data = "province";
        agency.len = 8;

        if (feed_xadd(f, out, last, "gap", &agency, NULL, first, last) != 0) {
            return -1;
        }

        *gap = 1;
        f->all = 1;
    }

    for (i = 0; i < n; i++) {

        if (ch[i].agency == 0) {
            agency.data = "province";
            agency.len = 8;

        } else if (cat != NULL && ch[i].agency <= cat->nagencies) {
            agency = cat->agencies[ch[i].agency].id;

        } else {
            agency.data = "unknown";
            agency.len = 7;
        }

        if (feed_xadd(f, out, ch[i].seq,
                      feed_kinds[ch[i].kind <= ONESTOP_CHANGE_FEEDBACK
                                 ? ch[i].kind : 0],
                      &agency, &ch[i], 0, 0)
            != 0)
        {
            return -1;
        }

        (void) onestop_feed_mark(f, cat, ch[i].agency);

        if (ch[i].old_agency) {
            (void) onestop_feed_mark(f, cat, ch[i].old_agency);
        }
    }

#undef log_arg

    return onestop_resp_add(out, 0, 1, &exec, &exec_len);
}


int
onestop_feed_mark(onestop_feed_t *f, const onestop_catalog_t *cat,
    uint32_t agency)
{
    uint8_t   *due;
    uint32_t   n, cap, depth;

    n = cat != NULL ? cat->nagencies : 0;

    if (n >= f->ndue) {
        cap = n + 1 > 2 * f->ndue ? n + 1 : 2 * f->ndue;
        cap = cap > 64 ? cap : 64;

        due = calloc(cap, 1);
        if (due == NULL) {
            f->all = 1;
            return -1;
        }

        if (f->due != NULL) {
            memcpy(due, f->due, f->ndue);
            free(f->due);
        }

        f->due = due;
        f->ndue = cap;
    }

    f->due[0] = 1;
    f->any = 1;

    for (depth = 0; agency != 0 && agency <= n && depth < 16; depth++) {
        f->due[agency] = 1;
        agency = cat->agencies[agency].parent;
    }

    return 0;
}


int
onestop_feed_take(onestop_feed_t *f, onestop_feed_pass_t *p)
{
    uint32_t   a;
    uint32_t  *agency;

    p->n = 0;
    p->all = f->all;

    if (!f->any && !f->all) {
        return 0;
    }

    if (!f->all) {
        if (p->cap < f->ndue) {
            agency = realloc(p->agency, f->ndue * sizeof(uint32_t));

            if (agency == NULL) {
                return -1;
            }

            p->agency = agency;
            p->cap = f->ndue;
        }

        for (a = 0; a < f->ndue; a++) {
            if (f->due[a]) {
                p->agency[p->n++] = a;
            }
        }
    }

    /* every agency covers the ones marked */

    if (f->due != NULL) {
        memset(f->due, 0, f->ndue);
    }

    f->any = 0;
    f->all = 0;

    return 1;
}


void
onestop_feed_again(onestop_feed_t *f, const onestop_feed_pass_t *p)
{
    size_t  i;

    f->all |= p->all;

    for (i = 0; i < p->n; i++) {
        onestop_feed_again_one(f, p->agency[i]);
    }
}


void
onestop_feed_again_one(onestop_feed_t *f, uint64_t agency)
{
    if (agency < f->ndue) {
        f->due[agency] = 1;
        f->any = 1;

    } else {
        f->all = 1;
    }
}


void
onestop_feed_pass_free(onestop_feed_pass_t *p)
{
    free(p->agency);
    memset(p, 0, sizeof(onestop_feed_pass_t));
}


/* one agency's figures: HSET, PUBLISH on its channel, PUBLISH on all */

static int
feed_agency(const onestop_feed_t *f, yajl_gen g, onestop_buf_t *chan,
    onestop_str_t *id, uint32_t agency, uint64_t seq,
    const onestop_counts_t *all, const onestop_counts_t *year,
    onestop_resp_t *out)
{
    size_t                len, argvlen[4];
    const char           *argv[4];
    const unsigned char  *buf;

    yajl_gen_clear(g);
    yajl_gen_reset(g, NULL);

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "seq");
    yajl_gen_integer(g, (long long) seq);
    onestop_gen_cstr(g, "agency");
    onestop_gen_str(g, id->data, id->len);
    onestop_gen_cstr(g, "all");
    yajl_gen_map_open(g);
    onestop_counts_render(g, all);
    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "year");
    yajl_gen_map_open(g);
    onestop_counts_render(g, year);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        return -1;
    }

    chan->len = 0;
    onestop_buf_add(chan, f->channel.data, f->channel.len);
    onestop_buf_add(chan, ":", 1);
    onestop_buf_add(chan, id->data, id->len);

    if (chan->failed) {
        return -1;
    }

    argv[0] = "HSET";
    argvlen[0] = 4;
    argv[1] = f->live.data;
    argvlen[1] = f->live.len;
    argv[2] = id->data;
    argvlen[2] = id->len;
    argv[3] = (const char *) buf;
    argvlen[3] = len;

    if (onestop_resp_add(out, agency, 4, argv, argvlen) != 0) {
        return -1;
    }

    argv[0] = "PUBLISH";
    argvlen[0] = 7;
    argv[1] = chan->data;
    argvlen[1] = chan->len;
    argv[2] = (const char *) buf;
    argvlen[2] = len;

    if (onestop_resp_add(out, agency, 3, argv, argvlen) != 0) {
        return -1;
    }

    argv[1] = f->channel.data;
    argvlen[1] = f->channel.len;

    return onestop_resp_add(out, agency, 3, argv, argvlen);
}


long
onestop_feed_figures(const onestop_feed_t *f, const onestop_feed_pass_t *p,
    onestop_store_t *st, onestop_day_t today, onestop_resp_t *out)
{
    long                      unread;
    size_t                    i, n;
    uint32_t                  a;
    uint64_t                  seq;
    yajl_gen                  g;
    onestop_buf_t             chan;
    onestop_str_t             id;
    onestop_counts_t          all, year;
    const onestop_catalog_t  *cat;

    cat = onestop_store_catalog(st);
    seq = onestop_store_seq(st);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return -1;
    }

    memset(&chan, 0, sizeof(onestop_buf_t));
    unread = 0;

    /* every agency: the province and each agency present */

    n = p->all ? (cat != NULL ? cat->nagencies : 0) + 1 : p->n;

    for (i = 0; i < n; i++) {
        a = p->all ? (uint32_t) i : p->agency[i];

        if (a == 0) {
            id.data = "province";
            id.len = 8;

        } else if (cat != NULL && a <= cat->nagencies
                   && cat->agencies[a].present)
        {
            id = cat->agencies[a].id;

        } else {
            continue;
        }

        memset(&all, 0, sizeof(onestop_counts_t));
        memset(&year, 0, sizeof(onestop_counts_t));

        if (onestop_store_agency_counts(st, a, today, &all, &year) != 0) {
            unread++;
            continue;
        }

        if (feed_agency(f, g, &chan, &id, a, seq, &all, &year, out) != 0) {
            unread = -1;
            break;
        }
    }

    onestop_buf_free(&chan);
    yajl_gen_free(g);

    return unread;
}


/* s[0..len) holds `what`, case aside: where, or NULL */

static const char *
feed_find(const char *s, size_t len, const char *what)
{
    size_t  i, j, n;

    n = strlen(what);

    for (i = 0; i + n <= len; i++) {
        for (j = 0; j < n; j++) {
            if (tolower((unsigned char) s[i + j]) != what[j]) {
                break;
            }
        }

        if (j == n) {
            return s + i;
        }
    }

    return NULL;
}


size_t
onestop_feed_error(const char *s, size_t len)
{
    const char  *end;

    end = feed_find(s, len, ", with args");

    if (end != NULL) {
        len = (size_t) (end - s);
    }

    while (len && (s[len - 1] == ' ' || s[len - 1] == '.')) {
        len--;
    }

    return len;
}


int
onestop_feed_duplicate(const char *s, size_t len)
{
    return feed_find(s, len, "equal or smaller than the target stream top "
                             "item") != NULL;
}


int
onestop_feed_log(const onestop_feed_t *f, onestop_resp_t *out,
    const onestop_log_entry_t *e, size_t n)
{
    int          argc;
    char         id[32];
    size_t       i, k, argvlen[6 + 2 * ONESTOP_LOG_FIELDS];
    const char  *argv[6 + 2 * ONESTOP_LOG_FIELDS];

    static const char    *exec = "EXEC";
    static const size_t   exec_len = 4;

    if (out->failed || out->n == 0 || f->log.len == 0) {
        return -1;
    }

    /* the round's EXEC goes, and comes back after the log's entries */

    out->n--;
    out->buf.len = out->n ? out->end[out->n - 1] : 0;

#define log_arg(p, n)                                                        \
    argv[argc] = (p);                                                        \
    argvlen[argc] = (n);                                                     \
    argc++

    for (i = 0; i < n; i++) {
        argc = 0;
        log_arg("XADD", 4);
        log_arg(f->log.data, f->log.len);

        if (f->log_maxlen[0] != '\0') {
            log_arg("MAXLEN", 6);
            log_arg("~", 1);
            log_arg(f->log_maxlen, strlen(f->log_maxlen));
        }

        log_arg(id, (size_t) sprintf(id, "%llu-0",
                                     (unsigned long long) e[i].seq));

        for (k = 0; k < e[i].nfields; k++) {
            log_arg(e[i].field[k].name, e[i].field[k].name_len);
            log_arg(e[i].field[k].value, e[i].field[k].value_len);
        }

        if (onestop_resp_add(out, e[i].seq, argc, argv, argvlen) != 0) {
            return -1;
        }
    }

#undef log_arg

    return onestop_resp_add(out, 0, 1, &exec, &exec_len);
}


int
onestop_feed_xread(const onestop_feed_conf_t *c, onestop_resp_t *out,
    uint64_t after, size_t count, unsigned block)
{
    int          rc;
    char        *stream, id[32], n[24], ms[24];
    size_t       argvlen[8];
    const char  *argv[8];

    stream = malloc(c->prefix.len + sizeof(":log"));
    if (stream == NULL) {
        out->failed = 1;
        return -1;
    }

    argv[0] = "XREAD";
    argv[1] = "COUNT";
    argv[2] = n;
    argv[3] = "BLOCK";
    argv[4] = ms;
    argv[5] = "STREAMS";
    argv[6] = stream;
    argv[7] = id;

    argvlen[0] = 5;
    argvlen[1] = 5;
    argvlen[2] = (size_t) sprintf(n, "%zu", count);
    argvlen[3] = 5;
    argvlen[4] = (size_t) sprintf(ms, "%u", block);
    argvlen[5] = 7;
    argvlen[6] = (size_t) sprintf(stream, "%.*s:log", (int) c->prefix.len,
                                  c->prefix.data);
    argvlen[7] = (size_t) sprintf(id, "%llu-0", (unsigned long long) after);

    rc = onestop_resp_add(out, after, 8, argv, argvlen);
    free(stream);

    return rc;
}


int
onestop_feed_log_top(const onestop_feed_conf_t *c, onestop_resp_t *out)
{
    int          rc;
    char        *stream;
    size_t       argvlen[6];
    const char  *argv[6];

    stream = malloc(c->prefix.len + sizeof(":log"));
    if (stream == NULL) {
        out->failed = 1;
        return -1;
    }

    argv[0] = "XREVRANGE";
    argv[1] = stream;
    argv[2] = "+";
    argv[3] = "-";
    argv[4] = "COUNT";
    argv[5] = "1";

    argvlen[0] = 9;
    argvlen[1] = (size_t) sprintf(stream, "%.*s:log", (int) c->prefix.len,
                                  c->prefix.data);
    argvlen[2] = 1;
    argvlen[3] = 1;
    argvlen[4] = 5;
    argvlen[5] = 1;

    rc = onestop_resp_add(out, 0, 6, argv, argvlen);
    free(stream);

    return rc;
}
