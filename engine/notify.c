/*
 * The notifier daemon (issue 16, docs/notify.md): `onestop notify`.
 *
 * Reads {prefix}:log as a member of the consumer group `notify`
 * (XREADGROUP), so that several notifiers share the entries; takes over
 * what a dead one left pending (XAUTOCLAIM past claim_idle); and for each
 * dossier entry, the events its version implies on the channels its
 * contacts and choice allow:
 *
 *   1. claims them in the sent-log (one write transaction): a message
 *      told already, or claimed by another notifier, is not claimed;
 *   2. renders and sends each (notify_channel.c), and appends its
 *      identity to this notifier's journal file once the channel said
 *      yes (a write(2), no fsync: it survives kill -9);
 *   3. stores the outcomes (sent, queued for a retry, dead) and the
 *      counts in one write transaction, empties its journal;
 *   4. XACKs the entries.
 *
 * A notifier killed between 2 and 3 left claims without outcomes: the one
 * that takes its entries over finds each message's identity in the dead
 * one's journal (sent: not again) or not (sent again).  The retry queue
 * is sent from as its messages fall due, with exponential backoff up to
 * retry_max attempts, then dead-lettered.  Log lines (stderr: the
 * journal under systemd) mask every phone and address.
 *
 * Calls notify_db.c, notify_template.c, notify_channel.c,
 * notify_journal.c, record.c, the store's read side; hiredis
 * (synchronous).  The CLI's only.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "onestop_notify.h"
#include "onestop_replica.h"

#define MSGS_MAX   (ONESTOP_EV_COUNT * ONESTOP_NCH_COUNT)
#define say        onestop_notify_say


typedef struct {
    onestop_store_t               *st;
    const onestop_notify_conf_t   *conf;
    onestop_notify_tpl_t          *tpl;
    onestop_notify_chan_t         *chan;
    redisContext                  *redis;
    char                           key[160];       /* {prefix}:log */
    unsigned                       enabled;
    onestop_notify_journal_t       journal;
    int64_t                        lag;
    int64_t                        pending;
    int64_t                        lag_at;
    int64_t                        claimed_at;
    char                           read_to[64];    /* the group's last
                                                      delivered id */
    volatile int                  *stop;
} daemon_t;

/* one message of a batch */
typedef struct {
    onestop_notify_id_t       id;
    onestop_notify_msg_t      msg;
    int                       rendered;
    uint8_t                   was;
} item_t;


/* Redis */

static void
redis_close(daemon_t *d)
{
    if (d->redis != NULL) {
        redisFree(d->redis);
        d->redis = NULL;
    }
}


static int
redis_open(daemon_t *d)
{
    redisReply      *r;
    struct timeval   tv;

    tv.tv_sec = 5;
    tv.tv_usec = 0;
    d->redis = redisConnectWithTimeout(d->conf->redis_host,
                                       d->conf->redis_port, tv);

    if (d->redis == NULL || d->redis->err) {
        say("redis %s:%d: %s", d->conf->redis_host, d->conf->redis_port,
            d->redis ? d->redis->errstr : "out of memory");
        redis_close(d);
        return -1;
    }

    tv.tv_sec = 5 + d->conf->block_ms / 1000;
    redisSetTimeout(d->redis, tv);

    if (d->conf->redis_password[0]) {
        r = redisCommand(d->redis, "AUTH %s", d->conf->redis_password);

        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            say("redis: AUTH refused");
            freeReplyObject(r);
            redis_close(d);
            return -1;
        }

        freeReplyObject(r);
    }

    if (d->conf->redis_db) {
        r = redisCommand(d->redis, "SELECT %d", d->conf->redis_db);

        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            /* not the database asked for: reading db 0 instead would
             * tell another store's citizens, or nobody */
            say("redis: SELECT %d refused: %s", d->conf->redis_db,
                r == NULL ? d->redis->errstr : r->str);
            freeReplyObject(r);
            redis_close(d);
            return -1;
        }

        freeReplyObject(r);
    }

    /* the group, from the log's end when it is new: what was committed
     * before the first notifier started is not told.  A group this
     * notifier read from, gone since (a Redis that came back empty, the
     * log deleted), is made again where it was: the primary's outbox may
     * have written the outage's changes to the new log already */

    r = redisCommand(d->redis, "XGROUP CREATE %s %s %s MKSTREAM", d->key,
                     d->conf->group, d->read_to[0] ? d->read_to : "$");

    if (r == NULL) {
        say("redis: %s", d->redis->errstr);
        redis_close(d);
        return -1;
    }

    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0)
    {
        say("redis: XGROUP CREATE: %s", r->str);
        freeReplyObject(r);
        redis_close(d);
        return -1;
    }

    freeReplyObject(r);
    say("reading %s as %s of group %s", d->key, d->conf->consumer,
        d->conf->group);

    return 0;
}


static void
lag_read(daemon_t *d)
{
    size_t        i, j;
    redisReply   *r, *g, *k, *v;
    int           ours;

    r = redisCommand(d->redis, "XINFO GROUPS %s", d->key);

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return;
    }

    for (i = 0; i < r->elements; i++) {
        g = r->element[i];
        ours = 0;

        if (g->type != REDIS_REPLY_ARRAY) {
            continue;
        }

        for (j = 0; j + 1 < g->elements; j += 2) {
            k = g->element[j];
            v = g->element[j + 1];

            if (k->type == REDIS_REPLY_STRING && strcmp(k->str, "name") == 0
                && v->type == REDIS_REPLY_STRING)
            {
                ours = strcmp(v->str, d->conf->group) == 0;
            }
        }

        for (j = 0; ours && j + 1 < g->elements; j += 2) {
            k = g->element[j];
            v = g->element[j + 1];

            if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING
                && strcmp(k->str, "last-delivered-id") == 0
                && v->len < sizeof(d->read_to))
            {
                memcpy(d->read_to, v->str, v->len + 1);
                continue;
            }

            if (k->type != REDIS_REPLY_STRING
                || v->type != REDIS_REPLY_INTEGER)
            {
                continue;
            }

            if (strcmp(k->str, "lag") == 0) {
                d->lag = v->integer;
            } else if (strcmp(k->str, "pending") == 0) {
                d->pending = v->integer;
            }
        }
    }

    freeReplyObject(r);
    d->lag_at = onestop_notify_now_ms();
}


/* an entry's field */
static const redisReply *
field(const redisReply *f, const char *name)
{
    size_t  i;

    for (i = 0; f != NULL && i + 1 < f->elements; i += 2) {
        if (f->element[i]->type == REDIS_REPLY_STRING
            && strcmp(f->element[i]->str, name) == 0)
        {
            return f->element[i + 1];
        }
    }

    return NULL;
}


/* the messages of one dossier entry into items; their number */
static size_t
entry_items(daemon_t *d, const redisReply *fields, onestop_record_t *r,
    item_t *it)
{
    size_t                    n, clen;
    unsigned                  i, ch, chans;
    int64_t                   oldest;
    const redisReply         *kind, *data;
    const uint8_t            *p;
    onestop_notify_events_t   ev;

    kind = field(fields, "kind");
    data = field(fields, "data");

    if (kind == NULL || data == NULL || kind->type != REDIS_REPLY_STRING
        || strcmp(kind->str, "dossier") != 0
        || data->type != REDIS_REPLY_STRING || data->len < 3)
    {
        return 0;                          /* nothing a citizen is told */
    }

    p = (const uint8_t *) data->str;
    clen = p[2];

    if (p[0] != ONESTOP_LOG_FORMAT || clen == 0 || clen > ONESTOP_CODE_MAX
        || data->len < 3 + clen
        || onestop_record_decode(p + 3 + clen, data->len - 3 - clen, r) != 0)
    {
        say("an entry of %s that is not a record: skipped", d->key);
        return 0;
    }

    r->code.data = (const char *) p + 3;
    r->code.len = clen;

    onestop_notify_events(r, &ev);
    chans = onestop_notify_channels(r, d->enabled);
    oldest = (int64_t) time(NULL) - (int64_t) d->conf->max_age_days * 86400;
    n = 0;

    for (i = 0; i < ev.n; i++) {
        if (ev.at[i] < oldest) {
            continue;                      /* old news: an import */
        }

        for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
            if (!(chans & (1u << ch))) {
                continue;
            }

            if (ch == ONESTOP_NCH_ZALO
                && d->conf->zalo.template_id[ev.ev[i]][0] == '\0')
            {
                continue;            /* no ZNS template: not told by Zalo */
            }

            memset(&it[n], 0, sizeof(item_t));
            memcpy(it[n].id.code, r->code.data, clen);
            it[n].id.code[clen] = '\0';
            it[n].id.version = r->version;
            it[n].id.ev = ev.ev[i];
            it[n].id.ch = ch;
            it[n].id.print = ev.print[i];
            n++;
        }
    }

    return n;
}


/* one send and its outcome */
static void
send_one(daemon_t *d, const onestop_notify_id_t *id,
    const onestop_notify_msg_t *m, unsigned attempts,
    onestop_notify_outcome_t *o, char *err, size_t errlen)
{
    int       rc;
    char      key[160], to[64];
    int64_t   wait;

    rc = onestop_notify_send(d->chan, id, m, err, errlen);
    onestop_notify_key(id, key, sizeof(key));
    onestop_notify_mask(m->to, to);

    memset(o, 0, sizeof(onestop_notify_outcome_t));
    o->id = id;
    o->msg = m;
    o->attempts = attempts + 1;

    if (rc == ONESTOP_SEND_OK) {
        onestop_notify_journal_add(&d->journal, key);
        o->state = ONESTOP_NS_SENT;
        say("sent %s to %s", key, to);
        return;
    }

    o->error = err;

    /* retry_max attempts in all, the first included (docs/notify.md,
     * conf/notify.conf) */

    if (rc == ONESTOP_SEND_TEMP && o->attempts < d->conf->retry_max) {
        o->state = ONESTOP_NS_RETRY;
        wait = onestop_notify_backoff(d->conf, o->attempts);
        o->due_ms = onestop_notify_now_ms() + wait;
        say("%s to %s failed (%s): attempt %u, again in %lld ms", key, to,
            err, o->attempts, (long long) wait);
        return;
    }

    o->state = ONESTOP_NS_DEAD;
    say("%s to %s failed (%s): dead letter after %u attempt(s) "
        "(onestop notify --dead)", key, to, err, o->attempts);
}


static void
outcomes_done(daemon_t *d, onestop_notify_outcome_t *o, size_t n)
{
    int64_t  lag;

    lag = d->lag_at ? d->lag : -1;

    while (onestop_notify_record(d->st, o, n, lag, d->pending) != 0) {
        if (*d->stop) {
            return;
        }

        say("the store refused the outcomes (%s): again in 1 s",
            onestop_store_strerror(d->st));
        sleep(1);
    }

    onestop_notify_journal_empty(&d->journal);
}


/*
 * A batch that takes long (a channel timing out message after message)
 * is claimed again by this consumer (XCLAIM ... 0 ... JUSTID resets the
 * entries' idle time), lest another notifier take it over as a dead one's
 * and send what this one is sending.  argv[3..3 + n) are the entries' ids.
 */
static void
touch(daemon_t *d, const char **argv, size_t *argvlen, size_t n)
{
    size_t        i;
    redisReply   *r;
    const char  **av;
    size_t       *al;

    if (d->redis == NULL || n == 0) {
        return;
    }

    av = calloc(n + 6, sizeof(char *));
    al = calloc(n + 6, sizeof(size_t));

    if (av == NULL || al == NULL) {
        free(av);
        free(al);
        return;
    }

    av[0] = "XCLAIM";
    av[1] = d->key;
    av[2] = d->conf->group;
    av[3] = d->conf->consumer;
    av[4] = "0";

    for (i = 0; i < 5; i++) {
        al[i] = strlen(av[i]);
    }

    for (i = 0; i < n; i++) {
        av[5 + i] = argv[3 + i];
        al[5 + i] = argvlen[3 + i];
    }

    av[5 + n] = "JUSTID";
    al[5 + n] = 6;

    r = redisCommandArgv(d->redis, (int) n + 6, av, al);

    if (r == NULL) {
        say("redis: XCLAIM: %s", d->redis->errstr);
        redis_close(d);
    }

    freeReplyObject(r);
    free(av);
    free(al);
}


/* the dead letters of the dossiers a batch's entries delete removed, the
 * contacts they kept with them: the store keeps no contact of a deleted
 * dossier (its queued messages are dropped as they fall due) */
static void
deleted_letters(daemon_t *d, const redisReply *entries)
{
    long               got;
    size_t             i, clen;
    char               code[ONESTOP_CODE_MAX + 1];
    const redisReply  *e, *kind, *data;

    for (i = 0; i < entries->elements; i++) {
        e = entries->element[i];

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2) {
            continue;
        }

        kind = field(e->element[1], "kind");
        data = field(e->element[1], "data");

        if (kind == NULL || data == NULL || kind->type != REDIS_REPLY_STRING
            || strcmp(kind->str, "delete") != 0
            || data->type != REDIS_REPLY_STRING || data->len < 3
            || (uint8_t) data->str[0] != ONESTOP_LOG_FORMAT)
        {
            continue;
        }

        clen = (uint8_t) data->str[2];

        if (clen == 0 || clen > ONESTOP_CODE_MAX || data->len < 3 + clen) {
            continue;
        }

        memcpy(code, data->str + 3, clen);
        code[clen] = '\0';
        got = onestop_notify_drop(d->st, code);

        if (got > 0) {
            say("%s deleted: its %ld dead letter(s) removed", code, got);
        }
    }
}


/* a batch of entries (XREADGROUP's or XAUTOCLAIM's array of [id,
 * fields]): claimed, sent, recorded, acknowledged */
static void
process(daemon_t *d, const redisReply *entries, int reclaim)
{
    size_t                     i, j, k, n, nitems, nacks;
    int64_t                    touched;
    char                       err[MSGS_MAX][256], key[160];
    uint8_t                   *claimed, *was;
    item_t                    *it;
    onestop_record_t           r;
    redisReply                *rep;
    const redisReply          *e;
    const char               **argv;
    size_t                    *argvlen;
    onestop_notify_id_t       *ids;
    onestop_notify_outcome_t  *o;
    const onestop_catalog_t   *cat;

    n = entries->elements;

    if (n == 0) {
        return;
    }

    it = calloc(n * MSGS_MAX, sizeof(item_t));
    ids = calloc(n * MSGS_MAX, sizeof(onestop_notify_id_t));
    claimed = calloc(n * MSGS_MAX, 2);
    o = calloc(n * MSGS_MAX, sizeof(onestop_notify_outcome_t));
    argv = calloc(n + 3, sizeof(char *));
    argvlen = calloc(n + 3, sizeof(size_t));

    if (it == NULL || ids == NULL || claimed == NULL || o == NULL
        || argv == NULL || argvlen == NULL)
    {
        say("out of memory");
        goto done;
    }

    was = claimed + n * MSGS_MAX;

    /* the messages, rendered on one read of the store (the catalog's
     * names as of now) */

    if (onestop_store_read_begin(d->st) != ONESTOP_OK) {
        say("the store cannot be read: %s", onestop_store_strerror(d->st));
        goto done;
    }

    cat = onestop_store_catalog(d->st);
    nitems = 0;
    nacks = 0;

    for (i = 0; i < n; i++) {
        e = entries->element[i];

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 1
            || e->element[0]->type != REDIS_REPLY_STRING)
        {
            continue;
        }

        argv[3 + nacks] = e->element[0]->str;
        argvlen[3 + nacks] = e->element[0]->len;
        nacks++;

        if (e->elements < 2) {
            continue;                        /* deleted from the stream */
        }

        k = entry_items(d, e->element[1], &r, &it[nitems]);

        for (j = nitems; j < nitems + k; j++) {
            ids[j] = it[j].id;
            it[j].rendered = onestop_notify_render(d->tpl, d->conf, cat,
                                 onestop_store_offset(d->st), &r,
                                 it[j].id.ev, it[j].id.ch, &it[j].msg) == 0;
        }

        nitems += k;
    }

    onestop_store_read_end(d->st);
    deleted_letters(d, entries);

    /* claimed, sent, recorded */

    while (nitems > 0
           && onestop_notify_claim(d->st, ids, nitems, reclaim, claimed, was)
              != 0)
    {
        if (*d->stop) {
            goto done;
        }

        say("the store refused the claims (%s): again in 1 s",
            onestop_store_strerror(d->st));
        sleep(1);
    }

    touched = onestop_notify_now_ms();

    for (i = 0, k = 0; i < nitems; i++) {
        if (*d->stop) {
            /* SIGTERM: the message in hand was the last; the others stay
             * claimed, their entries pending, for this consumer's next
             * start or another notifier (as after a kill, but recorded) */
            break;
        }

        if (!claimed[i]) {
            continue;
        }

        onestop_notify_key(&ids[i], key, sizeof(key));

        if (was[i] == ONESTOP_NS_SENDING
            && onestop_notify_journal_has(&d->journal, key))
        {
            memset(&o[k], 0, sizeof(onestop_notify_outcome_t));
            o[k].id = &ids[i];
            o[k].state = ONESTOP_NS_SENT;     /* sent before the crash */
            o[k].attempts = 1;
            say("%s was sent by a notifier that stopped: not again", key);

        } else if (claimed[i] == 2) {
            memset(&o[k], 0, sizeof(onestop_notify_outcome_t));
            o[k].id = &ids[i];
            o[k].state = ONESTOP_NS_SUPERSEDED;
            say("%s, taken over from a notifier that stopped: a newer "
                "version of the dossier was told since: not sent", key);

        } else if (!it[i].rendered) {
            say("%s: no message (out of memory)", key);
            continue;

        } else {
            send_one(d, &ids[i], &it[i].msg, 0, &o[k], err[k % MSGS_MAX],
                     sizeof(err[0]));

            if (onestop_notify_now_ms() - touched
                > (int64_t) d->conf->claim_idle_ms / 3)
            {
                touch(d, argv, argvlen, nacks);   /* slow channels */
                touched = onestop_notify_now_ms();
            }
        }

        /* the outcomes stored a round of MSGS_MAX at a time (their errors
         * are err[]'s), whatever the round's last one was */

        if (++k % MSGS_MAX == 0) {
            outcomes_done(d, o + k - MSGS_MAX, MSGS_MAX);
        }
    }

    if (k % MSGS_MAX) {
        outcomes_done(d, o + k - k % MSGS_MAX, k % MSGS_MAX);
    }

    /* then acknowledged */

    if (nacks > 0 && !*d->stop && d->redis != NULL) {
        argv[0] = "XACK";
        argvlen[0] = 4;
        argv[1] = d->key;
        argvlen[1] = strlen(d->key);
        argv[2] = d->conf->group;
        argvlen[2] = strlen(d->conf->group);
        rep = redisCommandArgv(d->redis, (int) nacks + 3, argv, argvlen);

        if (rep == NULL) {
            say("redis: XACK: %s", d->redis->errstr);
            redis_close(d);
        }

        freeReplyObject(rep);
    }

    for (i = 0; i < n * MSGS_MAX; i++) {
        onestop_buf_free(&it[i].msg.body);
    }

done:

    free(it);
    free(ids);
    free(claimed);
    free(o);
    free(argv);
    free(argvlen);
}


/*
 * The retry queue's messages that are due.  The queue is the store's and
 * every notifier sends from it: each message is taken first (moved to a
 * lease's time in one write transaction), so that one notifier only sends
 * it; one past its lease was taken by a notifier that stopped, and is sent
 * again only when that one's journal does not have it.
 */
static int64_t
retry_due(daemon_t *d)
{
    int                       rc;
    long                      n, i, taken;
    char                      err[256], key[160];
    int64_t                   lease, next;
    onestop_notify_queued_t   q[32];
    onestop_notify_outcome_t  o;

    n = onestop_notify_due(d->st, onestop_notify_now_ms(), q, 32, &next);
    taken = 0;

    /* longer than any send can take */

    lease = (int64_t) d->conf->claim_idle_ms
            + (d->conf->email.on ? d->conf->email.timeout_ms : 0)
            + (d->conf->sms.on ? d->conf->sms.timeout_ms : 0)
            + (d->conf->zalo.on ? d->conf->zalo.timeout_ms : 0);

    for (i = 0; i < n && !*d->stop; i++) {
        rc = onestop_notify_take(d->st, &q[i], onestop_notify_now_ms() + lease);
        onestop_notify_key(&q[i].id, key, sizeof(key));

        if (rc != 1 && rc != 2) {
            continue;                       /* another notifier's */
        }

        taken++;

        if (q[i].leased) {
            onestop_notify_journal_load(&d->journal);
        }

        if (q[i].leased && onestop_notify_journal_has(&d->journal, key)) {
            memset(&o, 0, sizeof(onestop_notify_outcome_t));
            o.id = &q[i].id;
            o.state = ONESTOP_NS_SENT;
            o.attempts = q[i].attempts + 1;
            say("%s was sent by a notifier that stopped: not again", key);

        } else if (rc == 2) {
            memset(&o, 0, sizeof(onestop_notify_outcome_t));
            o.id = &q[i].id;
            o.state = ONESTOP_NS_SUPERSEDED;
            o.attempts = q[i].attempts;
            say("%s: a newer version of the dossier was told since: "
                "not sent", key);

        } else {
            send_one(d, &q[i].id, &q[i].msg, q[i].attempts, &o, err,
                     sizeof(err));
        }

        o.from_queue = 1;
        o.old_due_ms = q[i].at_ms;
        outcomes_done(d, &o, 1);
    }

    for (i = 0; i < n; i++) {
        onestop_buf_free(&q[i].msg.body);
    }

    /* a batch of which none could be taken (a store refusing writes) is
     * not hurried back to */

    return n > 0 && taken == 0 ? 0 : next;
}


/* how long the loop may wait for new entries (or Redis) before the
 * queue's next message is due: up to `most` ms; 0 when one is already */
static unsigned
retry_wait(int64_t next, unsigned most)
{
    int64_t  left;

    if (next == 0) {
        return most;
    }

    left = next - onestop_notify_now_ms();

    return left <= 0 ? 0 : left < (int64_t) most ? (unsigned) left : most;
}


/* XREADGROUP (id ">" for new entries, "0" for this consumer's pending) */
static int
read_group(daemon_t *d, const char *id, unsigned block)
{
    int          got;
    redisReply  *r;

    if (d->redis == NULL) {
        return -1;          /* closed in the last batch (its XACK failed) */
    }

    if (block) {
        r = redisCommand(d->redis, "XREADGROUP GROUP %s %s COUNT %u BLOCK %u "
                         "STREAMS %s %s", d->conf->group, d->conf->consumer,
                         d->conf->batch, block, d->key, id);
    } else {
        r = redisCommand(d->redis, "XREADGROUP GROUP %s %s COUNT %u "
                         "STREAMS %s %s", d->conf->group, d->conf->consumer,
                         d->conf->batch, d->key, id);
    }

    if (r == NULL) {
        say("redis: XREADGROUP: %s", d->redis->errstr);
        redis_close(d);
        return -1;
    }

    got = 0;

    if (r->type == REDIS_REPLY_ERROR) {
        say("redis: XREADGROUP: %s", r->str);
        freeReplyObject(r);
        redis_close(d);              /* NOGROUP: the log was deleted */
        return -1;
    }

    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0
        && r->element[0]->elements == 2)
    {
        got = (int) r->element[0]->element[1]->elements;
        process(d, r->element[0]->element[1], id[0] == '0');
    }

    freeReplyObject(r);
    return got;
}


/* what a notifier that stopped left pending, past claim_idle */
static void
autoclaim(daemon_t *d)
{
    char         start[64];
    redisReply  *r;
    int          rounds;

    snprintf(start, sizeof(start), "0-0");

    for (rounds = 0; rounds < 100 && d->redis != NULL && !*d->stop;
         rounds++)
    {
        r = redisCommand(d->redis, "XAUTOCLAIM %s %s %s %u %s COUNT %u",
                         d->key, d->conf->group, d->conf->consumer,
                         d->conf->claim_idle_ms, start, d->conf->batch);

        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2
            || r->element[0]->type != REDIS_REPLY_STRING)
        {
            freeReplyObject(r);
            return;
        }

        if (r->element[1]->elements > 0) {
            say("took over %zu entries a stopped notifier left",
                r->element[1]->elements);
            onestop_notify_journal_load(&d->journal);
            process(d, r->element[1], 1);
        }

        snprintf(start, sizeof(start), "%s", r->element[0]->str);
        freeReplyObject(r);

        if (strcmp(start, "0-0") == 0) {
            return;
        }
    }
}


int
onestop_notify_daemon(onestop_store_t *st, const onestop_notify_conf_t *conf,
    volatile int *stop, char *err, size_t errlen)
{
    int           pause_ms;
    size_t        i;
    unsigned      wait;
    int64_t       lag, pending, now, next, redis_at;
    daemon_t      d;

    memset(&d, 0, sizeof(d));
    d.st = st;
    d.conf = conf;
    d.stop = stop;
    d.lag = -1;
    d.pending = -1;
    snprintf(d.key, sizeof(d.key), "%s:log", conf->prefix);
    d.enabled = (conf->email.on ? 1u << ONESTOP_NCH_EMAIL : 0)
                | (conf->sms.on ? 1u << ONESTOP_NCH_SMS : 0)
                | (conf->zalo.on ? 1u << ONESTOP_NCH_ZALO : 0);
    srand((unsigned) (getpid() ^ time(NULL)));

    d.tpl = onestop_notify_tpl_load(conf->templates, d.enabled, err, errlen);

    if (d.tpl == NULL) {
        return -1;
    }

    if (conf->zalo.on) {
        for (i = 0; i < ONESTOP_EV_COUNT; i++) {
            if (conf->zalo.template_id[i][0] == '\0') {
                say("zalo: no template.%s: those messages go by the other "
                    "channels only", onestop_notify_event_name(i));
            }
        }
    }

    d.chan = onestop_notify_chan_open(conf, err, errlen);

    if (d.chan == NULL) {
        onestop_notify_tpl_free(d.tpl);
        return -1;
    }

    /* what a previous run under this name journaled and did not record
     * (a kill -9) is set aside, read with the other journals; a message
     * of the queue it was sending is looked up only past its lease */

    if (onestop_notify_journal_open(&d.journal, conf->journal_dir,
                                    conf->consumer, onestop_notify_unsettled,
                                    st, err, errlen)
        != 0)
    {
        onestop_notify_chan_close(d.chan);
        onestop_notify_tpl_free(d.tpl);
        return -1;
    }

    pause_ms = 0;
    redis_at = 0;

    /* the retry queue is sent as it falls due, 32 at a time: the loop
     * waits for new entries, or for Redis to come back, no longer than
     * until its next message is due */

    while (!*stop) {
        if (d.redis == NULL) {
            next = retry_due(&d);           /* the queue needs no Redis */
            now = onestop_notify_now_ms();

            if (now < redis_at) {
                wait = retry_wait(next, (unsigned) (redis_at - now));

                if (wait) {
                    usleep((useconds_t) wait * 1000);
                }

                continue;
            }

            if (redis_open(&d) != 0) {
                pause_ms = pause_ms ? (pause_ms < 16000 ? pause_ms * 2
                                                        : 30000)
                                    : 500;
                redis_at = onestop_notify_now_ms() + pause_ms;
                continue;
            }

            pause_ms = 0;
            redis_at = 0;

            /* this consumer's own pending entries first (a restart) */

            while (!*stop && read_group(&d, "0", 0) > 0) {
                /* void */
            }

            continue;
        }

        now = onestop_notify_now_ms();

        if (now - d.claimed_at >= (int64_t) conf->claim_idle_ms / 2) {
            d.claimed_at = now;
            autoclaim(&d);
        }

        next = retry_due(&d);

        if (d.redis != NULL && now - d.lag_at >= 1000) {
            lag = d.lag;
            pending = d.pending;
            lag_read(&d);

            if (d.lag != lag || d.pending != pending) {
                onestop_notify_record(st, NULL, 0, d.lag, d.pending);
            }
        }

        if (d.redis != NULL) {
            read_group(&d, ">", retry_wait(next, conf->block_ms));
        }
    }

    say("stopping");
    redis_close(&d);
    onestop_notify_journal_close(&d.journal);
    onestop_notify_chan_close(d.chan);
    onestop_notify_tpl_free(d.tpl);

    return 0;
}
