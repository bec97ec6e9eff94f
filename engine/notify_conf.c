/*
 * The notifier's configuration file (issue 16, docs/notify.md):
 *
 *   # a comment
 *   name = value               before any section: the daemon's own
 *   [email] / [sms] / [zalo]   a channel's, which the section turns on
 *
 * Values run to the end of the line, blanks around them trimmed.  A
 * password is never in the file itself: `password_file` names a file of
 * its own (its first line).  Unknown names and bad numbers are refused
 * with the file's name and the line's number.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onestop_notify.h"


static const char  *event_names[ONESTOP_EV_COUNT] = {
    "received", "appointment", "result", "withdrawn"
};

static const char  *channel_names[ONESTOP_NCH_COUNT] = {
    "email", "sms", "zalo"
};

static const char  *count_names[ONESTOP_NC_COUNT] = {
    "sent", "failed", "dead", "superseded"
};


const char *
onestop_notify_event_name(unsigned ev)
{
    return ev < ONESTOP_EV_COUNT ? event_names[ev] : "?";
}


const char *
onestop_notify_channel_name(unsigned ch)
{
    return ch < ONESTOP_NCH_COUNT ? channel_names[ch] : "?";
}


const char *
onestop_notify_count_name(unsigned k)
{
    return k < ONESTOP_NC_COUNT ? count_names[k] : "?";
}


void
onestop_notify_key(const onestop_notify_id_t *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s.%llu.%s.%s", id->code,
             (unsigned long long) id->version,
             onestop_notify_event_name(id->ev),
             onestop_notify_channel_name(id->ch));
}


/* a message's identity back from its text (onestop_notify_key's,
 * CODE.VERSION.EVENT.CHANNEL; the code may hold dots): 0, or -1 */
int
onestop_notify_key_parse(const char *key, onestop_notify_id_t *id)
{
    char         *dot[3], *end, buf[200];
    size_t        len;
    unsigned      i, k;
    const char   *name;
    unsigned long long  v;

    memset(id, 0, sizeof(onestop_notify_id_t));
    len = strlen(key);

    if (len >= sizeof(buf)) {
        return -1;
    }

    memcpy(buf, key, len + 1);

    for (i = 0; i < 3; i++) {
        dot[i] = strrchr(buf, '.');

        if (dot[i] == NULL) {
            return -1;
        }

        *dot[i] = '\0';
    }

    /* buf: the code; dot[2] + 1: the version, [1] the event, [0] the
     * channel */

    if (dot[2] - buf > ONESTOP_CODE_MAX || dot[2] == buf
        || dot[2][1] < '0' || dot[2][1] > '9')
    {
        return -1;
    }

    errno = 0;
    v = strtoull(dot[2] + 1, &end, 10);

    if (errno != 0 || *end != '\0') {
        return -1;
    }

    memcpy(id->code, buf, (size_t) (dot[2] - buf) + 1);
    id->version = v;
    id->ev = ONESTOP_EV_COUNT;
    id->ch = ONESTOP_NCH_COUNT;

    for (k = 0; k < ONESTOP_EV_COUNT; k++) {
        name = onestop_notify_event_name(k);
        id->ev = strcmp(dot[1] + 1, name) == 0 ? k : id->ev;
    }

    for (k = 0; k < ONESTOP_NCH_COUNT; k++) {
        name = onestop_notify_channel_name(k);
        id->ch = strcmp(dot[0] + 1, name) == 0 ? k : id->ch;
    }

    return id->ev < ONESTOP_EV_COUNT && id->ch < ONESTOP_NCH_COUNT ? 0 : -1;
}


int64_t
onestop_notify_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


void
onestop_notify_say(const char *fmt, ...)
{
    va_list    ap;
    char       when[32];
    time_t     now;
    struct tm  tm;

    now = time(NULL);
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

    fprintf(stderr, "%s notify: ", when);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


int64_t
onestop_notify_backoff(const onestop_notify_conf_t *c, unsigned attempts)
{
    uint64_t  ms;

    ms = c->retry_base_ms;

    while (attempts-- > 1 && ms < c->retry_cap_ms) {
        ms *= 2;
    }

    ms = ms > c->retry_cap_ms ? c->retry_cap_ms : ms;

    return (int64_t) (ms - ms / 5 + (uint64_t) rand() % (ms / 5 * 2 + 1));
}


static int
copy(char *dst, size_t size, const char *v)
{
    size_t  n;

    n = strlen(v);

    if (n >= size) {
        return -1;
    }

    memcpy(dst, v, n + 1);
    return 0;
}


static int
number(const char *v, unsigned *out)
{
    char           *end;
    unsigned long   n;

    errno = 0;
    n = strtoul(v, &end, 10);

    if (errno != 0 || end == v || *end != '\0' || n > 0x7fffffff) {
        return -1;
    }

    *out = (unsigned) n;
    return 0;
}


/* the first line of a file (a password, a token) */
static int
first_line(const char *file, char *dst, size_t size)
{
    FILE    *f;
    size_t   n;

    f = fopen(file, "r");

    if (f == NULL) {
        return -1;
    }

    if (fgets(dst, (int) size, f) == NULL) {
        dst[0] = '\0';

        if (ferror(f)) {
            /* a directory, a read error: not an empty password */
            n = (size_t) errno;
            fclose(f);
            errno = (int) n;
            return -1;
        }
    }

    fclose(f);

    n = strlen(dst);

    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r')) {
        dst[--n] = '\0';
    }

    return 0;
}


/* a secret's file is its owner's alone (conf/notify.conf: mode 0600,
 * owned by the store's owner), as nginx's password_file= and QR key
 * file are: one its group or others may read or change is refused with
 * the command that mends it */
static const char *
secret_mode(const char *name, const char *file)
{
    struct stat  sb;
    static char  why[2 * PATH_MAX + 160];

    if (stat(file, &sb) != 0) {
        snprintf(why, sizeof(why), "%s \"%s\" cannot be read: %s", name,
                 file, strerror(errno));
        return why;
    }

    if (!S_ISREG(sb.st_mode)) {
        snprintf(why, sizeof(why), "%s \"%s\" is not a regular file", name,
                 file);
        return why;
    }

    if (onestop_secret_private(name, file, (unsigned) sb.st_mode, "", why,
                               sizeof(why))
        != 0)
    {
        return why;
    }

    return NULL;
}


/* a secret file's first line; when it cannot be read, which file and why
 * (the CLI adds whose identity read it when that is the reason) */
static const char *
secret_file(const char *name, const char *file, char *dst, size_t size)
{
    const char   *bad;
    static char   why[PATH_MAX + 128];

    bad = secret_mode(name, file);

    if (bad != NULL) {
        return bad;
    }

    if (first_line(file, dst, size) == 0) {
        return NULL;
    }

    snprintf(why, sizeof(why), "%s \"%s\" cannot be read: %s", name, file,
             strerror(errno));
    return why;
}


static int
on_off(const char *v, int *out)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0) {
        *out = 1;
        return 0;
    }

    if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0) {
        *out = 0;
        return 0;
    }

    return -1;
}


static const char *
set_main(onestop_notify_conf_t *c, const char *k, const char *v)
{
    char      *colon;
    unsigned   n;

    if (strcmp(k, "redis") == 0) {
        colon = strrchr(v, ':');

        if (colon == NULL || number(colon + 1, &n) != 0 || n == 0
            || n > 65535 || (size_t) (colon - v) >= sizeof(c->redis_host))
        {
            return "redis must be HOST:PORT";
        }

        memcpy(c->redis_host, v, (size_t) (colon - v));
        c->redis_host[colon - v] = '\0';
        c->redis_port = (int) n;
        return NULL;
    }

    if (strcmp(k, "redis_db") == 0) {
        return number(v, &n) == 0 && n < 1000
               ? (c->redis_db = (int) n, NULL) : "redis_db must be a number";
    }

    if (strcmp(k, "redis_password_file") == 0) {
        return secret_file(k, v, c->redis_password,
                           sizeof(c->redis_password));
    }

    if (strcmp(k, "prefix") == 0) {
        return *v && !strchr(v, ' ') && copy(c->prefix, sizeof(c->prefix), v)
               == 0 ? NULL : "prefix must be 1-128 bytes, no space";
    }

    if (strcmp(k, "group") == 0) {
        return *v && copy(c->group, sizeof(c->group), v) == 0
               ? NULL : "group is too long";
    }

    if (strcmp(k, "consumer") == 0) {
        return *v && copy(c->consumer, sizeof(c->consumer), v) == 0
               ? NULL : "consumer is too long";
    }

    if (strcmp(k, "templates") == 0) {
        return copy(c->templates, sizeof(c->templates), v) == 0
               ? NULL : "templates is too long";
    }

    if (strcmp(k, "lookup_url") == 0) {
        return copy(c->lookup_url, sizeof(c->lookup_url), v) == 0
               ? NULL : "lookup_url is too long";
    }

    if (strcmp(k, "journal_dir") == 0) {
        return copy(c->journal_dir, sizeof(c->journal_dir), v) == 0
               ? NULL : "journal_dir is too long";
    }

    {
        static const struct {
            const char  *name;
            size_t       off;
            unsigned     min;
        } nums[] = {
            { "batch", offsetof(onestop_notify_conf_t, batch), 1 },
            { "block", offsetof(onestop_notify_conf_t, block_ms), 1 },
            { "claim_idle", offsetof(onestop_notify_conf_t, claim_idle_ms),
              100 },
            { "retry_max", offsetof(onestop_notify_conf_t, retry_max), 0 },
            { "retry_base", offsetof(onestop_notify_conf_t, retry_base_ms),
              1 },
            { "retry_cap", offsetof(onestop_notify_conf_t, retry_cap_ms), 1 },
            { "max_age_days", offsetof(onestop_notify_conf_t, max_age_days),
              1 },
        };
        size_t  i;

        for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
            if (strcmp(k, nums[i].name) == 0) {
                if (number(v, &n) != 0 || n < nums[i].min
                    || (nums[i].off == offsetof(onestop_notify_conf_t, batch)
                        && n > 1000))
                {
                    return "a bad number";
                }

                *(unsigned *) ((char *) c + nums[i].off) = n;
                return NULL;
            }
        }
    }

    return "unknown name";
}


static const char *
set_email(onestop_notify_email_conf_t *e, const char *k, const char *v)
{
    unsigned  n;

    if (strcmp(k, "url") == 0) {
        return (strncmp(v, "smtp://", 7) == 0 || strncmp(v, "smtps://", 8)
                == 0) && copy(e->url, sizeof(e->url), v) == 0
               ? NULL : "url must be smtp://HOST:PORT or smtps://HOST:PORT";
    }

    if (strcmp(k, "starttls") == 0) {
        if (strcmp(v, "no") == 0 || strcmp(v, "off") == 0) {
            e->starttls = 0;
        } else if (strcmp(v, "try") == 0) {
            e->starttls = 1;
        } else if (strcmp(v, "required") == 0 || strcmp(v, "on") == 0) {
            e->starttls = 2;
        } else {
            return "starttls must be no, try or required";
        }
        return NULL;
    }

    if (strcmp(k, "verify") == 0) {
        return on_off(v, &e->verify) == 0 ? NULL : "verify must be on or off";
    }

    if (strcmp(k, "cacert") == 0) {
        return copy(e->cacert, sizeof(e->cacert), v) == 0 ? NULL : "too long";
    }

    if (strcmp(k, "username") == 0) {
        return copy(e->username, sizeof(e->username), v) == 0
               ? NULL : "too long";
    }

    if (strcmp(k, "password_file") == 0) {
        return secret_file(k, v, e->password, sizeof(e->password));
    }

    if (strcmp(k, "from") == 0) {
        return !onestop_utf8_valid(v, strlen(v)) ? "from must be UTF-8"
               : copy(e->from, sizeof(e->from), v) == 0 ? NULL : "too long";
    }

    if (strcmp(k, "from_address") == 0) {
        return strchr(v, '@') && copy(e->from_addr, sizeof(e->from_addr), v)
               == 0 ? NULL : "from_address must be an e-mail address";
    }

    if (strcmp(k, "timeout") == 0) {
        return number(v, &n) == 0 && n > 0
               ? (e->timeout_ms = n, NULL) : "timeout must be milliseconds";
    }

    return "unknown name";
}


static const char *
set_http(onestop_notify_http_conf_t *h, const char *k, const char *v)
{
    unsigned  n;

    if (strcmp(k, "url") == 0) {
        return (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8)
                == 0) && copy(h->url, sizeof(h->url), v) == 0
               ? NULL : "url must be http:// or https://";
    }

    if (strcmp(k, "method") == 0) {
        return (strcmp(v, "POST") == 0 || strcmp(v, "GET") == 0
                || strcmp(v, "PUT") == 0)
               && copy(h->method, sizeof(h->method), v) == 0
               ? NULL : "method must be GET, POST or PUT";
    }

    if (strcmp(k, "header") == 0) {
        if (h->nheaders == ONESTOP_NOTIFY_HEADERS || strchr(v, ':') == NULL) {
            return "header must be Name: value (at most 16)";
        }

        h->header[h->nheaders] = strdup(v);
        return h->header[h->nheaders++] != NULL ? NULL : "out of memory";
    }

    if (strcmp(k, "body") == 0) {
        return copy(h->body, sizeof(h->body), v) == 0 ? NULL : "too long";
    }

    if (strcmp(k, "timeout") == 0) {
        return number(v, &n) == 0 && n > 0
               ? (h->timeout_ms = n, NULL) : "timeout must be milliseconds";
    }

    return "unknown name";
}


static const char *
set_zalo(onestop_notify_zalo_conf_t *z, const char *k, const char *v)
{
    unsigned     ev, n;
    const char  *why;
    static char  token_why[PATH_MAX + 128];

    if (strcmp(k, "url") == 0) {
        return (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8)
                == 0) && copy(z->url, sizeof(z->url), v) == 0
               ? NULL : "url must be http:// or https://";
    }

    if (strcmp(k, "token_file") == 0) {
        why = secret_mode(k, v);

        if (why != NULL) {
            return why;
        }

        if (access(v, R_OK) != 0) {
            snprintf(token_why, sizeof(token_why), "token_file \"%s\" cannot "
                     "be read: %s", v, strerror(errno));
            return token_why;
        }

        return copy(z->token_file, sizeof(z->token_file), v) == 0
               ? NULL : "too long";
    }

    if (strcmp(k, "timeout") == 0) {
        return number(v, &n) == 0 && n > 0
               ? (z->timeout_ms = n, NULL) : "timeout must be milliseconds";
    }

    if (strncmp(k, "template.", 9) == 0) {
        for (ev = 0; ev < ONESTOP_EV_COUNT; ev++) {
            if (strcmp(k + 9, event_names[ev]) == 0) {
                return copy(z->template_id[ev], sizeof(z->template_id[ev]),
                            v) == 0 ? NULL : "too long";
            }
        }

        return "template.EVENT: received, appointment, result or withdrawn";
    }

    return "unknown name";
}


static char *
trim(char *s)
{
    size_t  n;

    while (*s == ' ' || *s == '\t') {
        s++;
    }

    n = strlen(s);

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'
                     || s[n - 1] == '\r'))
    {
        s[--n] = '\0';
    }

    return s;
}


int
onestop_notify_conf_load(onestop_notify_conf_t *c, const char *file,
    char *err, size_t errlen)
{
    FILE        *f;
    char         line[8192], *k, *v, *eq, host[64];
    size_t       n;
    unsigned     no, ev;
    int          section;
    const char  *why;

    memset(c, 0, sizeof(onestop_notify_conf_t));
    strcpy(c->redis_host, "127.0.0.1");
    c->redis_port = 6379;
    strcpy(c->prefix, "onestop");
    strcpy(c->group, "notify");
    strcpy(c->templates, "/etc/onestop/notify");
    strcpy(c->journal_dir, "/var/lib/onestop/notify");
    c->batch = 64;
    c->block_ms = 1000;
    c->claim_idle_ms = 60000;
    c->retry_max = 8;
    c->retry_base_ms = 2000;
    c->retry_cap_ms = 600000;
    c->max_age_days = 30;
    c->email.timeout_ms = 10000;
    c->email.verify = 1;
    c->email.starttls = 1;
    c->sms.timeout_ms = 10000;
    strcpy(c->sms.method, "POST");
    c->zalo.timeout_ms = 10000;
    strcpy(c->zalo.url, "https://business.openapi.zalo.me/message/template");

    if (gethostname(host, sizeof(host)) != 0) {
        strcpy(host, "notify");
    }

    host[sizeof(host) - 1] = '\0';
    snprintf(c->consumer, sizeof(c->consumer), "%s-%ld", host,
             (long) getpid());

    f = fopen(file, "r");

    if (f == NULL) {
        snprintf(err, errlen, "cannot open \"%s\": %s", file, strerror(errno));
        return -1;
    }

    section = -1;
    no = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        no++;
        k = trim(line);

        if (*k == '#' || *k == '\0') {
            continue;
        }

        if (*k == '[') {
            section = strcmp(k, "[email]") == 0 ? ONESTOP_NCH_EMAIL
                      : strcmp(k, "[sms]") == 0 ? ONESTOP_NCH_SMS
                      : strcmp(k, "[zalo]") == 0 ? ONESTOP_NCH_ZALO : -2;

            if (section == -2) {
                why = "unknown section (email, sms, zalo)";
                goto bad;
            }

            continue;
        }

        eq = strchr(k, '=');

        if (eq == NULL) {
            why = "a line must be name = value";
            goto bad;
        }

        *eq = '\0';
        v = trim(eq + 1);
        k = trim(k);

        why = section == -1 ? set_main(c, k, v)
              : section == ONESTOP_NCH_EMAIL ? set_email(&c->email, k, v)
              : section == ONESTOP_NCH_SMS ? set_http(&c->sms, k, v)
              : set_zalo(&c->zalo, k, v);

        if (why != NULL) {
            goto bad;
        }
    }

    if (ferror(f)) {
        snprintf(err, errlen, "cannot read \"%s\": %s", file,
                 strerror(errno));
        fclose(f);
        onestop_notify_conf_free(c);
        return -1;
    }

    fclose(f);

    c->email.on = c->email.url[0] != '\0';
    c->sms.on = c->sms.url[0] != '\0';
    c->zalo.on = c->zalo.token_file[0] != '\0';

    if (c->email.on && c->email.from_addr[0] == '\0') {
        snprintf(err, errlen, "%s: [email] needs from_address", file);
        return -1;
    }

    /* a name alone ("Bộ phận Một cửa"): the From: header is that name
     * and the envelope's address, not the name where an address goes */

    if (c->email.on && c->email.from[0] == '\0') {
        strcpy(c->email.from, c->email.from_addr);

    } else if (c->email.on && strchr(c->email.from, '<') == NULL
               && strchr(c->email.from, '@') == NULL)
    {
        n = strlen(c->email.from);

        if (n + strlen(c->email.from_addr) + 3 >= sizeof(c->email.from)) {
            snprintf(err, errlen, "%s: [email] from is too long", file);
            return -1;
        }

        snprintf(c->email.from + n, sizeof(c->email.from) - n, " <%s>",
                 c->email.from_addr);
    }

    for (ev = 0; c->zalo.on && ev < ONESTOP_EV_COUNT; ev++) {
        if (c->zalo.template_id[ev][0] != '\0') {
            break;
        }
    }

    if (c->zalo.on && ev == ONESTOP_EV_COUNT) {
        snprintf(err, errlen, "%s: [zalo] needs the template of an event "
                 "(template.received, appointment, result or withdrawn)",
                 file);
        onestop_notify_conf_free(c);
        return -1;
    }

    if (!c->email.on && !c->sms.on && !c->zalo.on) {
        snprintf(err, errlen, "%s: no channel: give [email], [sms] or "
                 "[zalo] a url (zalo: a token_file)", file);
        return -1;
    }

    return 0;

bad:

    fclose(f);
    snprintf(err, errlen, "%s:%u: %s", file, no, why);
    onestop_notify_conf_free(c);
    return -1;
}


void
onestop_notify_conf_free(onestop_notify_conf_t *c)
{
    size_t  i;

    for (i = 0; i < c->sms.nheaders; i++) {
        free(c->sms.header[i]);
    }

    c->sms.nheaders = 0;
}
