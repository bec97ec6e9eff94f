/*
 * What citizens are told (issue 16): the events a version of a dossier
 * implies, the channels its contacts and choice allow, the operator's
 * templates (conf/notify/: EVENT.email, EVENT.sms, EVENT.zalo.json) and
 * the messages made from them.  E-mail in Vietnamese; SMS without
 * diacritics in one GSM-7 message of 160 characters (the procedure's name
 * shortened when the whole would not fit); Zalo's template data as JSON.
 * Also the masks of a phone or address in log lines.
 *
 * Calls feedback.c (the unaccented text), date.c, util.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_catalog.h"
#include "onestop_date.h"
#include "onestop_feedback.h"
#include "onestop_notify.h"

#define SMS_MAX     160
#define TPL_MAX     65536

struct onestop_notify_tpl_s {
    char   *text[ONESTOP_NCH_COUNT][ONESTOP_EV_COUNT];
};

static const char  *suffix[ONESTOP_NCH_COUNT] = {
    "email", "sms", "zalo.json"
};


void
onestop_notify_events(const onestop_record_t *r, onestop_notify_events_t *e)
{
    const onestop_ts_t  *t;

    memset(e, 0, sizeof(onestop_notify_events_t));

    if (r->tombstone) {
        return;
    }

    t = r->t;

    if (t[ONESTOP_T_RECEIVED].set) {
        e->ev[e->n] = ONESTOP_EV_RECEIVED;
        e->at[e->n++] = t[ONESTOP_T_RECEIVED].sec;
    }

    if (r->has_apology && t[ONESTOP_T_APOLOGY_NEW_DUE].set
        && !t[ONESTOP_T_RESOLVED].set && !t[ONESTOP_T_WITHDRAWN].set)
    {
        /* each new date is told once: a later letter with another date
         * is another message */
        e->ev[e->n] = ONESTOP_EV_APPOINTMENT;
        e->print[e->n] = (uint64_t) t[ONESTOP_T_APOLOGY_NEW_DUE].sec;
        e->at[e->n++] = t[ONESTOP_T_APOLOGY_ISSUED].set
                        ? t[ONESTOP_T_APOLOGY_ISSUED].sec
                        : t[ONESTOP_T_APOLOGY_NEW_DUE].sec;
    }

    if (t[ONESTOP_T_WITHDRAWN].set) {
        e->ev[e->n] = ONESTOP_EV_WITHDRAWN;
        e->at[e->n++] = t[ONESTOP_T_WITHDRAWN].sec;

    } else if (t[ONESTOP_T_RESOLVED].set) {
        e->ev[e->n] = ONESTOP_EV_RESULT;
        e->at[e->n++] = t[ONESTOP_T_RESOLVED].sec;
    }
}


unsigned
onestop_notify_channels(const onestop_record_t *r, unsigned enabled)
{
    unsigned  ch;

    ch = 0;

    if (r->email.len > 0 && memchr(r->email.data, '@', r->email.len)) {
        ch |= 1u << ONESTOP_NCH_EMAIL;
    }

    if (r->phone.len >= 8) {
        ch |= 1u << ONESTOP_NCH_SMS | 1u << ONESTOP_NCH_ZALO;
    }

    if (r->notify & ONESTOP_NOTIFY_GIVEN) {
        ch &= ((r->notify & ONESTOP_NOTIFY_EMAIL) ? 1u << ONESTOP_NCH_EMAIL
                                                  : 0)
              | ((r->notify & ONESTOP_NOTIFY_SMS) ? 1u << ONESTOP_NCH_SMS : 0)
              | ((r->notify & ONESTOP_NOTIFY_ZALO) ? 1u << ONESTOP_NCH_ZALO
                                                   : 0);
    }

    return ch & enabled;
}


/* templates */

static char *
read_all(const char *file, char *err, size_t errlen)
{
    FILE    *f;
    char    *s;
    size_t   n;

    f = fopen(file, "r");

    if (f == NULL) {
        snprintf(err, errlen, "cannot open template \"%s\": %s", file,
                 strerror(errno));
        return NULL;
    }

    s = malloc(TPL_MAX + 1);

    if (s == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    n = fread(s, 1, TPL_MAX + 1, f);

    if (ferror(f)) {
        snprintf(err, errlen, "cannot read template \"%s\": %s", file,
                 strerror(errno));
        fclose(f);
        free(s);
        return NULL;
    }

    fclose(f);

    if (n > TPL_MAX || !onestop_utf8_valid(s, n)) {
        free(s);
        snprintf(err, errlen, "template \"%s\" is larger than 64 KB or not "
                 "UTF-8", file);
        return NULL;
    }

    s[n] = '\0';
    return s;
}


onestop_notify_tpl_t *
onestop_notify_tpl_load(const char *dir, unsigned channels, char *err,
    size_t errlen)
{
    char                  file[4096];
    size_t                n;
    unsigned              ch, ev;
    onestop_notify_tpl_t *t;

    t = calloc(1, sizeof(onestop_notify_tpl_t));

    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
        if (!(channels & (1u << ch))) {
            continue;
        }

        for (ev = 0; ev < ONESTOP_EV_COUNT; ev++) {
            snprintf(file, sizeof(file), "%s/%s.%s", dir,
                     onestop_notify_event_name(ev), suffix[ch]);
            t->text[ch][ev] = read_all(file, err, errlen);

            if (t->text[ch][ev] == NULL) {
                onestop_notify_tpl_free(t);
                return NULL;
            }

            /* an SMS's own words unaccented as its values are: one
             * GSM-7 message, cut between characters */

            if (ch == ONESTOP_NCH_SMS) {
                n = strlen(t->text[ch][ev]);
                n = onestop_notify_unaccent(t->text[ch][ev], n,
                                            t->text[ch][ev]);
                t->text[ch][ev][n] = '\0';
            }

            if (ch == ONESTOP_NCH_EMAIL
                && strncmp(t->text[ch][ev], "Subject:", 8) != 0)
            {
                snprintf(err, errlen, "template \"%s\" must begin with "
                         "\"Subject: \"", file);
                onestop_notify_tpl_free(t);
                return NULL;
            }
        }
    }

    return t;
}


void
onestop_notify_tpl_free(onestop_notify_tpl_t *t)
{
    unsigned  ch, ev;

    if (t == NULL) {
        return;
    }

    for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
        for (ev = 0; ev < ONESTOP_EV_COUNT; ev++) {
            free(t->text[ch][ev]);
        }
    }

    free(t);
}


/* filling */

enum { ENC_RAW = 0, ENC_JSON, ENC_URL };

static void
put_value(onestop_buf_t *b, const char *v, size_t len, int enc)
{
    size_t          i;
    unsigned char   c;

    if (enc == ENC_RAW) {
        onestop_buf_add(b, v, len);
        return;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) v[i];

        if (enc == ENC_JSON) {
            if (c == '"' || c == '\\') {
                onestop_buf_printf(b, "\\%c", c);
            } else if (c < 0x20) {
                onestop_buf_printf(b, "\\u%04x", c);
            } else {
                onestop_buf_add(b, &v[i], 1);
            }

        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                   || (c >= '0' && c <= '9') || c == '-' || c == '_'
                   || c == '.' || c == '~')
        {
            onestop_buf_add(b, &v[i], 1);

        } else if (c == ' ') {
            onestop_buf_add(b, "+", 1);

        } else {
            onestop_buf_printf(b, "%%%02X", c);
        }
    }
}


static void
fill(onestop_buf_t *b, const char *tpl, size_t len,
    const char *const *vars, size_t n, int dflt)
{
    int          enc;
    size_t       i, k, nlen;
    const char  *p, *end, *close, *bar;

    p = tpl;
    end = tpl + len;

    while (p < end) {
        close = NULL;

        if (p + 1 < end && p[0] == '{' && p[1] == '{') {
            close = memmem(p + 2, (size_t) (end - p - 2), "}}", 2);
        }

        if (close == NULL || close - p > 64) {
            onestop_buf_add(b, p, 1);
            p++;
            continue;
        }

        bar = memchr(p + 2, '|', (size_t) (close - p - 2));
        nlen = (size_t) ((bar ? bar : close) - p - 2);
        enc = dflt;

        if (bar != NULL) {
            k = (size_t) (close - bar - 1);
            enc = k == 4 && memcmp(bar + 1, "json", 4) == 0 ? ENC_JSON
                  : k == 3 && memcmp(bar + 1, "url", 3) == 0 ? ENC_URL
                  : ENC_RAW;
        }

        for (i = 0; i < n; i++) {
            if (strlen(vars[2 * i]) == nlen
                && memcmp(vars[2 * i], p + 2, nlen) == 0)
            {
                put_value(b, vars[2 * i + 1], strlen(vars[2 * i + 1]), enc);
                break;
            }
        }

        p = close + 2;
    }
}


void
onestop_notify_fill(onestop_buf_t *b, const char *tpl,
    const char *const *vars, size_t n)
{
    fill(b, tpl, strlen(tpl), vars, n, ENC_RAW);
}


/* GSM-7: the basic set's ASCII, the extension's characters (two septets
 * each), and what has no place in it */

static int
gsm_ext(unsigned char c)
{
    return c != '\0' && strchr("[]{}\\^~|", c) != NULL;
}


size_t
onestop_notify_unaccent(const char *s, size_t len, char *out)
{
    size_t          i, n;
    unsigned char   c;

    n = onestop_unaccent(s, len, out);

    for (i = 0; i < n; i++) {
        c = (unsigned char) out[i];

        if (c == '`') {
            out[i] = '\'';
        } else if (c < 0x20 && c != '\n' && c != '\r') {
            out[i] = ' ';
        } else if (c >= 0x7f) {
            out[i] = '?';
        }
    }

    return n;
}


static size_t
septets(const char *s, size_t len)
{
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {
        n += gsm_ext((unsigned char) s[i]) ? 2 : 1;
    }

    return n;
}


/* the message's values */

#define VARS  13

typedef struct {
    const char  *v[2 * VARS];
    char         received[48], due[16], new_due[16], result[16],
                 withdrawn[16], issued[16];
    char         code[ONESTOP_CODE_MAX + 1];
    char        *heap[VARS];
    size_t       nheap;
} vars_t;


static void
date_text(const onestop_ts_t *t, int32_t offset, int with_time, char *buf,
    size_t size)
{
    onestop_civil_t  c;

    if (!t->set) {
        buf[0] = '\0';
        return;
    }

    onestop_ts_civil(t, offset, &c);

    if (with_time == 2 && !t->date_only) {
        /* an e-mail's, as the pages write it: 24 h, "giờ" */
        snprintf(buf, size, "%02u giờ %02u, ngày %02u/%02u/%04d", c.hour,
                 c.minute, c.day, c.month, c.year);

    } else if (with_time && !t->date_only) {
        snprintf(buf, size, "%02u:%02u %02u/%02u/%04d", c.hour, c.minute,
                 c.day, c.month, c.year);
    } else {
        snprintf(buf, size, "%02u/%02u/%04d", c.day, c.month, c.year);
    }
}


static const char *
own(vars_t *vs, const char *s, size_t len, int sms)
{
    char  *p;

    p = malloc(len + 1);

    if (p == NULL) {
        return "";
    }

    len = sms ? onestop_notify_unaccent(s, len, p) : (memcpy(p, s, len), len);
    p[len] = '\0';
    vs->heap[vs->nheap++] = p;

    return p;
}


static const char *const  collect_text[] = {
    "nhận trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả",
    "nhận qua dịch vụ bưu chính công ích",
    "nhận trực tuyến trên Cổng Dịch vụ công"
};


static void
make_vars(vars_t *vs, const onestop_notify_conf_t *conf,
    const onestop_catalog_t *cat, int32_t offset, const onestop_record_t *r,
    int sms, int words, size_t proc_max)
{
    size_t           n, plen;
    onestop_refs_t   refs;
    onestop_buf_t    link;
    const char      *pname, *aname, *collect;
    size_t           alen;
    const char      *lv[2];

    memset(vs, 0, sizeof(vars_t));
    memset(&refs, 0, sizeof(refs));

    if (cat != NULL) {
        onestop_catalog_refs(cat, r, &refs);
    }

    pname = refs.procedure ? refs.procedure->name.data : "";
    plen = refs.procedure ? refs.procedure->name.len : 0;
    aname = refs.agency ? refs.agency->name.data : "";
    alen = refs.agency ? refs.agency->name.len : 0;

    plen = onestop_utf8_cut(pname, plen, proc_max);

    n = r->code.len < sizeof(vs->code) ? r->code.len : sizeof(vs->code) - 1;
    memcpy(vs->code, r->code.data, n);
    vs->code[n] = '\0';

    date_text(&r->t[ONESTOP_T_RECEIVED], offset, words ? 2 : 1, vs->received,
              sizeof(vs->received));
    date_text(&r->t[ONESTOP_T_DUE], offset, 0, vs->due, sizeof(vs->due));
    date_text(&r->t[ONESTOP_T_APOLOGY_NEW_DUE], offset, 0, vs->new_due,
              sizeof(vs->new_due));
    date_text(&r->t[ONESTOP_T_APOLOGY_ISSUED], offset, 0, vs->issued,
              sizeof(vs->issued));
    date_text(&r->t[ONESTOP_T_RESOLVED], offset, 0, vs->result,
              sizeof(vs->result));
    date_text(&r->t[ONESTOP_T_WITHDRAWN], offset, 0, vs->withdrawn,
              sizeof(vs->withdrawn));

    collect = collect_text[r->return_channel < 3 ? r->return_channel : 0];

    memset(&link, 0, sizeof(link));
    lv[0] = "code";
    lv[1] = vs->code;
    fill(&link, conf->lookup_url, strlen(conf->lookup_url), lv, 1, ENC_URL);

    vs->v[0] = "code";
    vs->v[1] = vs->code;
    vs->v[2] = "name";
    vs->v[3] = own(vs, r->name.data ? r->name.data : "", r->name.len, sms);
    vs->v[4] = "agency";
    vs->v[5] = own(vs, aname, alen, sms);
    vs->v[6] = "procedure";
    vs->v[7] = own(vs, pname, plen, sms);
    if (plen < (refs.procedure ? refs.procedure->name.len : 0)) {
        n = strlen(vs->v[7]);
        vs->heap[vs->nheap - 1] = realloc(vs->heap[vs->nheap - 1], n + 4);
        if (vs->heap[vs->nheap - 1] != NULL) {
            memcpy(vs->heap[vs->nheap - 1] + n, "...", 4);
        }
        vs->v[7] = vs->heap[vs->nheap - 1] ? vs->heap[vs->nheap - 1] : "";
    }
    vs->v[8] = "received";
    vs->v[9] = vs->received;
    vs->v[10] = "due";

    /* a procedure without a deadline (issue 18): said, as the pages say
     * it, rather than an empty date */
    vs->v[11] = r->t[ONESTOP_T_DUE].set
                ? vs->due
                : own(vs, "không quy định thời hạn",
                      strlen("không quy định thời hạn"), sms);
    vs->v[12] = "new_due";
    vs->v[13] = vs->new_due;
    vs->v[14] = "reason";
    vs->v[15] = own(vs, r->reason.data ? r->reason.data : "", r->reason.len,
                    sms);
    vs->v[16] = "result_date";
    vs->v[17] = vs->result;
    vs->v[18] = "collect";
    vs->v[19] = own(vs, collect, strlen(collect), sms);
    vs->v[20] = "withdrawn";
    vs->v[21] = vs->withdrawn;
    vs->v[22] = "link";
    vs->v[23] = own(vs, link.data ? link.data : "", link.len, 0);
    vs->v[24] = "issued";
    vs->v[25] = vs->issued;

    onestop_buf_free(&link);
}


static void
free_vars(vars_t *vs)
{
    size_t  i;

    for (i = 0; i < vs->nheap; i++) {
        free(vs->heap[i]);
    }
}


static void
copy_to(onestop_notify_msg_t *m, const onestop_str_t *s)
{
    size_t  n;

    n = s->len < sizeof(m->to) ? s->len : sizeof(m->to) - 1;
    memcpy(m->to, s->data, n);
    m->to[n] = '\0';
}


int
onestop_notify_render(const onestop_notify_tpl_t *t,
    const onestop_notify_conf_t *conf, const onestop_catalog_t *cat,
    int32_t offset, const onestop_record_t *r, unsigned ev, unsigned ch,
    onestop_notify_msg_t *m)
{
    int           tries;
    size_t        n, over, proc_max;
    vars_t        vs;
    const char   *tpl, *nl;

    memset(m, 0, sizeof(onestop_notify_msg_t));
    m->ev = ev;
    m->ch = ch;
    tpl = t->text[ch][ev];

    if (tpl == NULL) {
        return -1;
    }

    copy_to(m, ch == ONESTOP_NCH_EMAIL ? &r->email : &r->phone);

    if (ch == ONESTOP_NCH_EMAIL) {
        make_vars(&vs, conf, cat, offset, r, 0, 1, (size_t) -1);

        /* "Subject: ..." then the body after the first line */

        nl = strchr(tpl, '\n');
        n = nl ? (size_t) (nl - tpl) : strlen(tpl);
        fill(&m->body, tpl + 8, n - 8, vs.v, VARS, ENC_RAW);

        n = m->body.len;
        while (n > 0 && (m->body.data[n - 1] == ' '
                         || m->body.data[n - 1] == '\r'))
        {
            n--;
        }
        nl = m->body.data;
        while (n > 0 && *nl == ' ') {
            nl++;
            n--;
        }
        n = n < sizeof(m->subject) ? n : sizeof(m->subject) - 1;
        memcpy(m->subject, nl, n);
        m->subject[n] = '\0';
        m->body.len = 0;

        tpl = strchr(tpl, '\n');
        tpl = tpl ? tpl + 1 : "";
        while (*tpl == '\n' || *tpl == '\r') {
            tpl++;
        }

        fill(&m->body, tpl, strlen(tpl), vs.v, VARS, ENC_RAW);
        free_vars(&vs);

        return m->body.failed ? -1 : 0;
    }

    if (ch == ONESTOP_NCH_ZALO) {
        make_vars(&vs, conf, cat, offset, r, 0, 0, (size_t) -1);
        fill(&m->body, tpl, strlen(tpl), vs.v, VARS, ENC_JSON);
        free_vars(&vs);

        return m->body.failed ? -1 : 0;
    }

    /* SMS: one GSM-7 message, the procedure's name shortened to fit */

    proc_max = (size_t) -1;

    for (tries = 0; tries < 4; tries++) {
        make_vars(&vs, conf, cat, offset, r, 1, 0, proc_max);
        m->body.len = 0;
        fill(&m->body, tpl, strlen(tpl), vs.v, VARS, ENC_RAW);
        n = strlen(vs.v[7]);
        free_vars(&vs);

        while (m->body.len > 0
               && (m->body.data[m->body.len - 1] == '\n'
                   || m->body.data[m->body.len - 1] == '\r'
                   || m->body.data[m->body.len - 1] == ' '))
        {
            m->body.len--;
        }

        if (m->body.failed) {
            return -1;
        }

        over = septets(m->body.data, m->body.len);

        if (over <= SMS_MAX || n == 0) {
            break;
        }

        over -= SMS_MAX;
        proc_max = n > over + 3 ? n - over - 3 : 0;
    }

    /* still too long (long reasons, names): cut */

    while (septets(m->body.data, m->body.len) > SMS_MAX) {
        m->body.len--;
    }

    return 0;
}


const char *
onestop_notify_mask(const char *to, char *out)
{
    size_t       n, i, first, dlen;
    const char  *at;

    /* what is kept is whole UTF-8 characters: the answer goes into JSON
     * (--dead, --status) and into the log */

    n = strlen(to);
    at = strchr(to, '@');

    if (at != NULL) {
        first = at == to ? 0 : 1;

        while (first < (size_t) (at - to)
               && ((unsigned char) to[first] & 0xc0) == 0x80)
        {
            first++;                  /* the first character's tail */
        }

        dlen = onestop_utf8_cut(at + 1, strlen(at + 1), 40);

        snprintf(out, 64, "%.*s***@%.*s", (int) (first ? first : 1),
                 first ? to : "?", (int) dlen, at + 1);
        return out;
    }

    for (i = 0; i < n; i++) {
        if ((unsigned char) to[i] >= 0x80) {
            n = 0;                    /* not a phone number: nothing kept */
            break;
        }
    }

    if (n < 6 || n > 60) {
        snprintf(out, 64, "***");
        return out;
    }

    for (i = 0; i < n; i++) {
        out[i] = i < 2 || i >= n - 2 ? to[i] : '*';
    }

    out[n] = '\0';
    return out;
}
