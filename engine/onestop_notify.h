/*
 * Telling citizens (issue 16): the notifier's parts.
 *
 *   notify_conf.c      the configuration file (onestop notify --config)
 *   notify_template.c  a dossier's events, the operator's templates, the
 *                      messages (Vietnamese; SMS unaccented in one GSM-7
 *                      message), masking for log lines
 *   notify_db.c        the sent-log, the retry queue, the dead letters
 *                      and the counts, in the store's `notify` database
 *   notify_channel.c   e-mail (SMTP), the SMS gateway, Zalo ZNS: libcurl
 *   notify.c           the daemon: the consumer group `notify` on
 *                      {prefix}:log (hiredis), claims, sends, acks
 *
 * notify_channel.c and notify.c are the CLI's only (libcurl); the nginx
 * module reads the counts (onestop_notify_metrics) and nothing else.
 */

#ifndef ONESTOP_NOTIFY_H
#define ONESTOP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_record.h"
#include "onestop_store.h"
#include "onestop_util.h"

/* events */
enum {
    ONESTOP_EV_RECEIVED = 0,        /* the receipt (Điều 9.2) */
    ONESTOP_EV_APPOINTMENT,         /* an apology letter's new date (11.3) */
    ONESTOP_EV_RESULT,              /* the result is ready (10.2.b, 19.3.b) */
    ONESTOP_EV_WITHDRAWN,
    ONESTOP_EV_COUNT
};

/* channels */
enum {
    ONESTOP_NCH_EMAIL = 0,
    ONESTOP_NCH_SMS,
    ONESTOP_NCH_ZALO,
    ONESTOP_NCH_COUNT
};

/* what the counts count */
enum {
    ONESTOP_NC_SENT = 0,
    ONESTOP_NC_FAILED,              /* an attempt failed (retried later) */
    ONESTOP_NC_DEAD,                /* given up: a dead letter */
    ONESTOP_NC_SUPERSEDED,          /* claimed or queued, then dropped: a
                                       newer version told what makes it
                                       old news */
    ONESTOP_NC_COUNT
};

const char *onestop_notify_event_name(unsigned ev);
const char *onestop_notify_channel_name(unsigned ch);
const char *onestop_notify_count_name(unsigned k);

struct onestop_notify_id_s;

/* a message's identity as text, CODE.VERSION.EVENT.CHANNEL: the e-mail's
 * Message-ID, the gateways' request id, the journal's line */
void onestop_notify_key(const struct onestop_notify_id_s *id, char *buf,
    size_t size);
/* and back (the fingerprint 0): 0, or -1 when it is not one */
int onestop_notify_key_parse(const char *key, struct onestop_notify_id_s *id);

/* the clock, ms since the epoch */
int64_t onestop_notify_now_ms(void);

/* the daemon's log line, on stderr with the time (the journal under
 * systemd): never a phone, an address or a name (docs/notify.md) */
void onestop_notify_say(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* whether any of a journal's n lines (messages' identities) is still
 * unsettled, the store having no outcome for it yet: 1, 0, or -1 */
typedef int (*onestop_notify_unsettled_pt)(void *ctx,
    char *const *keys, size_t n);

/* a notifier's journal (notify_journal.c): what its channels accepted
 * and the store has not recorded yet; every journal's lines, read */
typedef struct {
    int             fd;             /* locked (flock) while it runs */
    char            path[1200];
    const char     *dir;
    char          **sent;
    size_t          nsent;
    onestop_notify_unsettled_pt  unsettled;    /* NULL: none removed */
    void           *ctx;
} onestop_notify_journal_t;

/* journal.CONSUMER in dir opened and locked (a previous run's set aside;
 * -1 when another running notifier holds it) and every journal read:
 * 0, or -1 with err */
int onestop_notify_journal_open(onestop_notify_journal_t *j, const char *dir,
    const char *consumer, onestop_notify_unsettled_pt unsettled, void *ctx,
    char *err, size_t errlen);
/* every journal's lines read anew; another's no running notifier holds
 * whose every line the store has settled (a set-aside one, a stopped
 * notifier's) removed */
void onestop_notify_journal_load(onestop_notify_journal_t *j);
int onestop_notify_journal_has(const onestop_notify_journal_t *j,
    const char *key);
void onestop_notify_journal_add(onestop_notify_journal_t *j, const char *key);
void onestop_notify_journal_empty(onestop_notify_journal_t *j);
/* closed; removed when empty (every outcome recorded) */
void onestop_notify_journal_close(onestop_notify_journal_t *j);

struct onestop_notify_conf_s;

/* ms before the attempt after `attempts` failed ones: retry_base doubled
 * each time, at most retry_cap, +-20 % */
int64_t onestop_notify_backoff(const struct onestop_notify_conf_s *c,
    unsigned attempts);

/* ---- configuration (notify_conf.c) ---- */

#define ONESTOP_NOTIFY_HEADERS  16
#define ONESTOP_NOTIFY_TEXT     1024     /* a configured text's bytes */

typedef struct {
    int             on;
    char            url[ONESTOP_NOTIFY_TEXT];   /* smtp://host:port,
                                                   smtps://... */
    int             starttls;               /* 0 no, 1 try, 2 required */
    int             verify;                 /* check the server's cert */
    char            cacert[ONESTOP_NOTIFY_TEXT];
    char            username[256];
    char            password[256];
    char            from[ONESTOP_NOTIFY_TEXT];   /* the From: header */
    char            from_addr[256];         /* the envelope's */
    long            timeout_ms;
} onestop_notify_email_conf_t;

typedef struct {
    int             on;
    char            url[ONESTOP_NOTIFY_TEXT];   /* a template */
    char            method[16];
    char           *header[ONESTOP_NOTIFY_HEADERS];   /* templates */
    size_t          nheaders;
    char            body[4 * ONESTOP_NOTIFY_TEXT];    /* a template */
    long            timeout_ms;
} onestop_notify_http_conf_t;

typedef struct {
    int             on;
    char            url[ONESTOP_NOTIFY_TEXT];
    char            token_file[ONESTOP_NOTIFY_TEXT];
    char            template_id[ONESTOP_EV_COUNT][64];
    long            timeout_ms;
} onestop_notify_zalo_conf_t;

typedef struct onestop_notify_conf_s {
    char            redis_host[256];
    int             redis_port;
    int             redis_db;
    char            redis_password[256];
    char            prefix[129];
    char            group[64];
    char            consumer[128];
    char            templates[ONESTOP_NOTIFY_TEXT];   /* a directory */
    char            lookup_url[ONESTOP_NOTIFY_TEXT];  /* {{code}} in it */
    char            journal_dir[ONESTOP_NOTIFY_TEXT];
    unsigned        batch;
    unsigned        block_ms;
    unsigned        claim_idle_ms;
    unsigned        retry_max;
    unsigned        retry_base_ms;
    unsigned        retry_cap_ms;
    unsigned        max_age_days;           /* older events: not told */

    onestop_notify_email_conf_t  email;
    onestop_notify_http_conf_t   sms;
    onestop_notify_zalo_conf_t   zalo;
} onestop_notify_conf_t;

/* The file read into conf (defaults first): 0, or -1 with err naming the
 * file and line. */
int onestop_notify_conf_load(onestop_notify_conf_t *conf, const char *file,
    char *err, size_t errlen);
void onestop_notify_conf_free(onestop_notify_conf_t *conf);

/* ---- events and messages (notify_template.c) ---- */

/* the events a version of a record implies: for each, a fingerprint of
 * what the citizen is told (an appointment's new date; 0 for the others,
 * told once) */
typedef struct {
    unsigned        n;
    unsigned        ev[ONESTOP_EV_COUNT];
    uint64_t        print[ONESTOP_EV_COUNT];
    int64_t         at[ONESTOP_EV_COUNT];   /* the event's moment, s */
} onestop_notify_events_t;

void onestop_notify_events(const onestop_record_t *r,
    onestop_notify_events_t *e);

/* the channels a record's contacts and choice allow, among `enabled`
 * (bits 1 << ONESTOP_NCH_*) */
unsigned onestop_notify_channels(const onestop_record_t *r,
    unsigned enabled);

/* a message, rendered: for e-mail the subject and body (UTF-8); for SMS
 * the text (GSM-7, at most 160 characters); for Zalo the template data
 * (a JSON object) */
typedef struct {
    unsigned        ev;
    unsigned        ch;
    char            to[ONESTOP_CONTACT_MAX + 1];
    char            subject[512];
    onestop_buf_t   body;
} onestop_notify_msg_t;

typedef struct onestop_notify_tpl_s  onestop_notify_tpl_t;

/* the templates of a directory: EVENT.email, EVENT.sms, EVENT.zalo.json
 * for each event of the channels in `channels`.  NULL with err. */
onestop_notify_tpl_t *onestop_notify_tpl_load(const char *dir,
    unsigned channels, char *err, size_t errlen);
void onestop_notify_tpl_free(onestop_notify_tpl_t *t);

/* one message of event ev on channel ch for a record (its catalog's names
 * from cat, may be NULL); 0, or -1 (out of memory) */
int onestop_notify_render(const onestop_notify_tpl_t *t,
    const onestop_notify_conf_t *conf, const onestop_catalog_t *cat,
    int32_t offset, const onestop_record_t *r, unsigned ev, unsigned ch,
    onestop_notify_msg_t *m);

/* {{name}} and {{name|url}}, {{name|json}} marks of a gateway's template
 * (vars: name, value pairs, n of them) appended to b */
void onestop_notify_fill(onestop_buf_t *b, const char *tpl,
    const char *const *vars, size_t n);

/* Vietnamese text without its diacritics (đ as d, case kept), in GSM-7's
 * basic characters (others as a space or '?'): out holds len bytes, and
 * may be s (the text never grows) */
size_t onestop_notify_unaccent(const char *s, size_t len, char *out);

/* a phone or e-mail address as log lines show it: "09******78",
 * "n***@example.vn" (out: 64 bytes) */
const char *onestop_notify_mask(const char *to, char *out);

/* ---- the channels (notify_channel.c, libcurl) ---- */

typedef struct onestop_notify_id_s  onestop_notify_id_t;

/* a send's outcome */
#define ONESTOP_SEND_OK     0
#define ONESTOP_SEND_TEMP   1       /* again later: down, timeout, 5xx */
#define ONESTOP_SEND_PERM   2       /* refused: 4xx, a bad address */

typedef struct onestop_notify_chan_s  onestop_notify_chan_t;

/* the channels of conf, each a reused connection; NULL with err */
onestop_notify_chan_t *onestop_notify_chan_open(
    const onestop_notify_conf_t *conf, char *err, size_t errlen);
void onestop_notify_chan_close(onestop_notify_chan_t *c);

/* sends m (its channel's), identified by id (the Message-ID, the
 * gateways' request id); ONESTOP_SEND_*, err says why not */
int onestop_notify_send(onestop_notify_chan_t *c,
    const onestop_notify_id_t *id, const onestop_notify_msg_t *m, char *err,
    size_t errlen);

/* ---- the daemon (notify.c, hiredis) ---- */

/* runs until *stop: 0, or -1 with err when it could not start */
int onestop_notify_daemon(onestop_store_t *st,
    const onestop_notify_conf_t *conf, volatile int *stop, char *err,
    size_t errlen);

/* ---- the sent-log, retries, dead letters, counts (notify_db.c) ---- */

/* one message's identity: dossier, version, event, channel */
struct onestop_notify_id_s {
    char            code[ONESTOP_CODE_MAX + 1];
    uint64_t        version;
    unsigned        ev;
    unsigned        ch;
    uint64_t        print;
};

enum {
    ONESTOP_NS_NONE = 0,
    ONESTOP_NS_SENDING,             /* claimed by a notifier */
    ONESTOP_NS_SENT,
    ONESTOP_NS_RETRY,               /* in the retry queue */
    ONESTOP_NS_DEAD,
    ONESTOP_NS_SUPERSEDED           /* dropped, not sent: a newer version
                                       told what makes it old news */
};

/*
 * Claims messages to send, in one write transaction: for each id whose
 * event was not told yet on its channel (no sent-log entry for the same
 * dossier, event and channel with this fingerprint, or with this version
 * or a newer one), a SENDING entry; claimed[i] 1 for those.  An entry
 * SENDING already (a notifier died after claiming it) is claimed again
 * only when `reclaim`, and given back in *was; claimed[i] is then 2 when
 * a newer version of the dossier has told since what makes it old news
 * (superseded): the caller records its outcome without sending it, sent
 * when the dead notifier's journal has it, else ONESTOP_NS_SUPERSEDED.
 * 0, or -1.
 */
int onestop_notify_claim(onestop_store_t *st, const onestop_notify_id_t *id,
    size_t n, int reclaim, uint8_t *claimed, uint8_t *was);

/* an outcome of a claimed message */
typedef struct {
    const onestop_notify_id_t   *id;
    int                          state;      /* SENT, RETRY, DEAD or
                                                SUPERSEDED */
    unsigned                     attempts;
    int64_t                      due_ms;     /* RETRY */
    const char                  *error;      /* RETRY, DEAD */
    const onestop_notify_msg_t  *msg;        /* RETRY, DEAD: kept */
    int                          from_queue; /* it came from the queue */
    int64_t                      old_due_ms; /* ... where it was due then */
} onestop_notify_outcome_t;

/* outcomes stored, counts added, and the group's lag (-1: unknown), in
 * one write transaction; 0, or -1 */
int onestop_notify_record(onestop_store_t *st,
    const onestop_notify_outcome_t *o, size_t n, int64_t lag,
    int64_t pending);

/* a message of the retry queue or the dead letters, read back */
typedef struct {
    onestop_notify_id_t   id;
    unsigned              attempts;
    int64_t               at_ms;           /* due, or when it died */
    int                   leased;          /* taken by a notifier before
                                              (onestop_notify_take) */
    char                  error[256];
    onestop_notify_msg_t  msg;
} onestop_notify_queued_t;

/* the queue's messages due at now_ms, at most max (q: each's body to
 * free with onestop_buf_free); the number, or -1.  *next: when the first
 * message not returned is due (now_ms or before when more than max are
 * due), or 0 when the queue holds no other */
long onestop_notify_due(onestop_store_t *st, int64_t now_ms,
    onestop_notify_queued_t *q, size_t max, int64_t *next);

/*
 * A queued message of onestop_notify_due taken to be sent: in one write
 * transaction it is moved from its due time to `until` (a lease), so that
 * no other notifier sends it meanwhile; q->at_ms is then `until`.  1 when
 * taken, 0 when another notifier took it first, 2 when taken but a newer
 * version of its dossier has its event and channel in the sent-log, or
 * for an appointment its result or withdrawal (superseded: the caller
 * records its outcome, ONESTOP_NS_SUPERSEDED, without sending it), -1
 * when the store refused.  A message found again past its lease
 * (q->leased) was being sent by a notifier that stopped: its journal says
 * whether it was.
 */
int onestop_notify_take(onestop_store_t *st, onestop_notify_queued_t *q,
    int64_t until);

/* of n messages' identities (CODE.VERSION.EVENT.CHANNEL, a journal's
 * lines), whether any is still unsettled: claimed by a notifier or in
 * the retry queue (a notifier that stopped may have been sending it), on
 * one read.  1, 0, or -1.  An onestop_notify_unsettled_pt (ctx: st). */
int onestop_notify_unsettled(void *st, char *const *keys, size_t n);

/* the dead letters, each handed to fn; the number, or -1 */
long onestop_notify_dead(onestop_store_t *st,
    void (*fn)(void *ctx, const onestop_notify_queued_t *q), void *ctx);

/* every dead letter (or the dossier code's) back in the queue, due now;
 * the number moved, or -1 */
long onestop_notify_retry(onestop_store_t *st, const char *code);

/* every dead letter (or the dossier code's) removed, the contacts and
 * text it kept with it: given up for good (the sent-log keeps it dead,
 * so it is not told again); the number removed, or -1 */
long onestop_notify_drop(onestop_store_t *st, const char *code);

/* the counts and the state, for --status and /metrics */
typedef struct {
    uint64_t        count[ONESTOP_NCH_COUNT][ONESTOP_EV_COUNT]
                         [ONESTOP_NC_COUNT];
    uint64_t        queued;
    uint64_t        dead;
    int64_t         lag;            /* -1: never said */
    int64_t         pending;
    int64_t         lag_at_ms;
    int             any;            /* a notifier has written */
} onestop_notify_status_t;

/* on the current read; 0, or -1 */
int onestop_notify_status(onestop_store_t *st, onestop_notify_status_t *s);

/* the Prometheus lines of the notifier's counts, on the current read
 * (nothing when no notifier ever wrote) */
void onestop_notify_metrics(onestop_store_t *st, onestop_buf_t *b);

#endif /* ONESTOP_NOTIFY_H */
