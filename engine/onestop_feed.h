/*
 * The change feed's words (SPEC section 9), in Redis's protocol: the
 * stream's entries, a round of them in one transaction, which agencies'
 * figures are due, and each agency's figures for the snapshot hash and
 * the channels.  What is made here is sent as it is by nginx's publisher
 * (ngx_onestop/ngx_http_onestop_redis.c); nothing here talks to Redis.
 *
 * Commands are formatted here rather than by hiredis, whose formatting
 * (strings grown piece by piece) took a third of the publisher's CPU when
 * it caught up on a backlog.
 */

#ifndef ONESTOP_FEED_H
#define ONESTOP_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_catalog.h"
#include "onestop_replica.h"
#include "onestop_store.h"
#include "onestop_util.h"


/* Commands in RESP, one after another, each with a tag of its own. */
typedef struct {
    onestop_buf_t   buf;
    size_t         *end;          /* where command i ends in buf */
    uint64_t       *tag;          /* its tag: the seq an XADD stores, the
                                     agency whose figures it carries */
    size_t          n;
    size_t          cap;
    int             failed;       /* memory ran out: do not send */
} onestop_resp_t;

/* Appends a command of argc arguments.  0, or -1 when memory ran out
 * (then c->failed is set until onestop_resp_clear). */
int onestop_resp_add(onestop_resp_t *c, uint64_t tag, int argc,
    const char *const *argv, const size_t *argvlen);
/* Command i's bytes and their length. */
const char *onestop_resp_cmd(const onestop_resp_t *c, size_t i,
    size_t *len);
/* Empties c and keeps its memory; onestop_resp_free releases it. */
void onestop_resp_clear(onestop_resp_t *c);
void onestop_resp_free(onestop_resp_t *c);


/* onestop_redis's parameters of the feed (SPEC section 9) */
typedef struct {
    onestop_str_t   prefix;       /* "onestop" */
    long            db;           /* 0: no SELECT */
    onestop_str_t   password;     /* empty: no AUTH */
    onestop_str_t   password_file;  /* a file holding the password */
    uint64_t        maxlen;       /* 1,000,000; 0: the stream is kept */
    int             log;          /* log=on: {prefix}:log too (issue 14) */
    uint64_t        log_maxlen;   /* 10,000,000; 0: the log is kept */
} onestop_feed_conf_t;

void onestop_feed_conf_default(onestop_feed_conf_t *c);
/* One parameter, "prefix=P", "db=N", "password=P", "password_file=FILE",
 * "maxlen=N", "log=on|off" or "log_maxlen=N": 0; 1 when it is none of
 * these; -1 when its value is wrong (password= and password_file= together
 * too).  c points into s. */
int onestop_feed_option(onestop_feed_conf_t *c, const char *s, size_t len);
/* Why parameter i of the directive's av[0..n) (av[0] its name, av[1] the
 * address) is refused, into buf (returned): never the password, nor a
 * piece of it. */
const char *onestop_feed_refused(const onestop_str_t *av, size_t n, size_t i,
    char *buf, size_t len);

/* The password of c->password_file, when one is set (read when the
 * configuration is, so that a reload reads it again): into buf[0..cap),
 * c->password pointing at it, one trailing newline (LF or CRLF) removed.
 * 0 (nothing to do when no file is set), or -1 with a message in err
 * that names the file and what to do: it is missing, cannot be read, is
 * not a regular file, can be read or written by its group or others
 * (chmod 0600), is empty, holds more than one line or more than cap - 1
 * bytes. */
int onestop_feed_password_read(onestop_feed_conf_t *c, char *buf,
    size_t cap, char *err, size_t errlen);


/*
 * What the processes that may publish share, in memory that outlives
 * them (nginx's zone): who publishes (a lease), what Redis has, and the
 * counters of /metrics.  Atomics only; every field is 64 bits.
 */
typedef struct {
    uint64_t        magic;
    uint64_t        lease;        /* expiry (ms, low 32 bits of a monotonic
                                     clock) << 32 | pid; 0: free */
    uint64_t        published;    /* Redis has 1..published */
    uint64_t        connected;
    uint64_t        changes;      /* acknowledged, a counter */
    uint64_t        failures;
} onestop_feed_share_t;

/* Starts sh afresh unless another process did (its magic is ours). */
void onestop_feed_share_init(onestop_feed_share_t *sh);
/* 1 when pid holds the lease until now + ttl (ms): it was free, expired,
 * pid's own, or its holder's process is gone; else 0. */
int onestop_feed_lease(onestop_feed_share_t *sh, uint32_t now, uint32_t pid,
    uint32_t ttl);
/* pid lets the lease go, if it holds it. */
void onestop_feed_release(onestop_feed_share_t *sh, uint32_t pid);
/* Where a new publisher starts: the store's record (stored) or sh's,
 * whichever is further, sh's being newer unless the store was replaced
 * (sh then speaks of another store, beyond its seq, and is set back);
 * sh is left saying it. */
uint64_t onestop_feed_resume(onestop_feed_share_t *sh, uint64_t stored,
    uint64_t seq);
/* Redis has every change up to seq, `changes` more of them. */
void onestop_feed_published(onestop_feed_share_t *sh, uint64_t seq,
    uint64_t changes);
/* The publishing state as Prometheus text, the store being at seq. */
void onestop_feed_metrics(onestop_feed_share_t *sh, uint64_t seq,
    onestop_buf_t *b);


/*
 * The feed's names and the agencies whose figures are due.  The names
 * do not change after onestop_feed_init: a thread may read them while
 * the owner marks agencies.
 */
typedef struct {
    char           *names;        /* one allocation for the three */
    onestop_str_t   stream;       /* {prefix}:changes */
    onestop_str_t   live;         /* {prefix}:stats:live, the snapshot */
    onestop_str_t   channel;      /* {prefix}:stats */
    char            maxlen[24];   /* "" (0): the stream is not trimmed */
    onestop_str_t   log;          /* {prefix}:log; empty: log=off */
    char            log_maxlen[24];
    uint8_t        *due;          /* [agency], [0] the province */
    uint32_t        ndue;
    int             any;          /* something in due */
    int             all;          /* every agency present is due */
} onestop_feed_t;

/* 0, or -1 when memory ran out. */
int onestop_feed_init(onestop_feed_t *f, const onestop_feed_conf_t *c);
void onestop_feed_free(onestop_feed_t *f);

/* A connection's first commands: AUTH, SELECT as configured, then
 * EXISTS {live}, whose reply tells whether the snapshot is there (not
 * after a restart without persistence).  0, or -1. */
int onestop_feed_hello(const onestop_feed_t *f, const onestop_feed_conf_t *c,
    onestop_resp_t *out);

/* MULTI; XREVRANGE {stream} + - COUNT 1; with log=on XREVRANGE {log}
 * + - COUNT 1; EXEC: the streams' last entries, which tell whether Redis
 * still has what it acknowledged (not after a restart from an older
 * snapshot) and whether it holds the store's changes under their numbers
 * (not after a restore: onestop_publish_top).  0, or -1. */
int onestop_feed_top(const onestop_feed_t *f, onestop_resp_t *out);

/* the name of a change's kind (ONESTOP_CHANGE_*) in the stream */
const char *onestop_feed_kind(int kind);

/*
 * A round, on the current read of the store whose catalog is `cat`:
 * MULTI; XADD {stream} [MAXLEN ~ N] {seq}-0 seq S kind K agency A [code C
 * version V] [ts T] [record R] for each of the n changes that
 * onestop_store_outbox_read
 * gave past `acked`; EXEC.  When the changes do not begin at acked + 1
 * (dropped past onestop_outbox_max; `seq` is the store's, for when n is
 * 0), a "gap" entry with the first and last seq lost comes first, *gap is
 * set and every agency's figures are due.  An XADD's tag is the seq it
 * stores.  The agency of each change (and the one a moved dossier left),
 * its ancestors and the province are due.  Nothing personal is ever
 * written: a dossier's code, version and public record (the lookup's
 * object, the name masked, no contact), no code for evaluations.
 * 0, or -1 when memory ran out.
 */
int onestop_feed_round(onestop_feed_t *f, onestop_resp_t *out,
    const onestop_catalog_t *cat, const onestop_change_t *ch, size_t n,
    uint64_t acked, uint64_t seq, int *gap);

/*
 * A follower's read of the log: XREAD COUNT count BLOCK block STREAMS
 * {prefix}:log {after}-0 (the entries past `after`).  0, or -1.
 */
int onestop_feed_xread(const onestop_feed_conf_t *c, onestop_resp_t *out,
    uint64_t after, size_t count, unsigned block);

/* A follower's look at the log's end: XREVRANGE {prefix}:log + - COUNT 1
 * (onestop_replica_top).  0, or -1. */
int onestop_feed_log_top(const onestop_feed_conf_t *c, onestop_resp_t *out);

/*
 * The log's part of a round (log=on, issue 14): XADD {prefix}:log [MAXLEN
 * ~ N] {seq}-0 FIELD VALUE ... for each of the n entries that
 * onestop_replica_log gave past the same `acked`, on the same read, put
 * before the round's EXEC, so that both streams have a change or neither
 * has.  Each XADD's tag is its seq.  0, or -1 when memory ran out.
 */
int onestop_feed_log(const onestop_feed_t *f, onestop_resp_t *out,
    const onestop_log_entry_t *e, size_t n);

/* The agency, its ancestors and the province due.  0, or -1 when memory
 * ran out (then every agency is due). */
int onestop_feed_mark(onestop_feed_t *f, const onestop_catalog_t *cat,
    uint32_t agency);

/* The agencies whose figures a pass computes. */
typedef struct {
    uint32_t       *agency;
    size_t          n;
    size_t          cap;
    int             all;          /* every agency present, and the
                                     province */
} onestop_feed_pass_t;

/*
 * Takes what is due into p (and clears it in f): 1, 0 when nothing is
 * due, -1 when memory ran out (nothing was taken).
 */
int onestop_feed_take(onestop_feed_t *f, onestop_feed_pass_t *p);
/* Due again: the pass's agencies (not computed), or one agency (its
 * figures were not delivered). */
void onestop_feed_again(onestop_feed_t *f, const onestop_feed_pass_t *p);
void onestop_feed_again_one(onestop_feed_t *f, uint64_t agency);
void onestop_feed_pass_free(onestop_feed_pass_t *p);

/*
 * The figures of the pass's agencies on the current read of st (they
 * reflect onestop_store_seq, read in the same transaction): for each
 * agency present (and the province), HSET {live} ID JSON, then PUBLISH
 * {channel}:ID JSON and PUBLISH {channel} JSON, tagged with the agency
 * (the snapshot first, so that a consumer that reads it after a message
 * never sees older figures than the message had).  JSON: {"seq",
 * "agency", "all": {COUNTERS}, "year": {COUNTERS}}, all time and this
 * year up to `today`.  Only reads f's names and st: it may run on
 * another thread than the one that marks agencies.  The number of
 * agencies whose figures could not be read (they are left out), or -1
 * when memory ran out.
 */
long onestop_feed_figures(const onestop_feed_t *f,
    const onestop_feed_pass_t *p, onestop_store_t *st, onestop_day_t today,
    onestop_resp_t *out);

/*
 * Redis's words of an error reply, without the arguments some versions
 * quote (", with args ...") and the trailing dots: their length in s.
 */
size_t onestop_feed_error(const char *s, size_t len);
/* 1 when the error refuses an XADD whose id the stream has (a replay). */
int onestop_feed_duplicate(const char *s, size_t len);

#endif /* ONESTOP_FEED_H */
