/*
 * The notifier's channels (issue 16), each a real protocol through
 * libcurl, each one easy handle kept for the daemon's life so that its
 * connection is reused (an SMTP session sends message after message):
 *
 *   e-mail   SMTP, STARTTLS (try or required) or SMTPS, authentication;
 *            a MIME text/plain UTF-8 message, base64, its Message-ID
 *            the message's identity (a resend is recognisably the same)
 *   SMS      an HTTP gateway: URL, method, headers and body are the
 *            configuration's templates ({{phone}}, {{phone84}},
 *            {{text}}, {{code}}, {{event}}, {{key}}; |url, |json)
 *   Zalo     ZNS's JSON API: phone (84...), template_id, template_data,
 *            tracking_id; the access token read from its file, read again
 *            when the file changes
 *
 * Outcomes: sent; again later (no connection, a timeout, 408, 429, 5xx,
 * SMTP 4xx); refused (other 4xx, SMTP 5xx, ZNS's error codes).
 *
 * Calls notify_template.c (the gateways' templates), util.c.  The CLI's
 * only: not in the nginx module.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <yajl/yajl_tree.h>

#include "onestop_notify.h"


struct onestop_notify_chan_s {
    const onestop_notify_conf_t  *conf;
    CURL                         *h[ONESTOP_NCH_COUNT];
    char                          token[2048];
    struct timespec               token_mtime;
    onestop_buf_t                 reply;
    const char                   *upload;
    size_t                        upload_len;
    size_t                        upload_off;
};


static size_t
on_reply(char *p, size_t size, size_t n, void *ctx)
{
    onestop_notify_chan_t  *c = ctx;

    if (c->reply.len < 65536) {
        onestop_buf_add(&c->reply, p, size * n);
    }

    return size * n;
}


static size_t
on_read(char *p, size_t size, size_t n, void *ctx)
{
    size_t                  k;
    onestop_notify_chan_t  *c = ctx;

    k = c->upload_len - c->upload_off;
    k = k < size * n ? k : size * n;
    memcpy(p, c->upload + c->upload_off, k);
    c->upload_off += k;

    return k;
}


onestop_notify_chan_t *
onestop_notify_chan_open(const onestop_notify_conf_t *conf, char *err,
    size_t errlen)
{
    unsigned                ch;
    onestop_notify_chan_t  *c;
    static int              inited;

    if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(err, errlen, "libcurl could not start");
        return NULL;
    }

    inited = 1;
    c = calloc(1, sizeof(onestop_notify_chan_t));

    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    c->conf = conf;

    for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
        c->h[ch] = curl_easy_init();

        if (c->h[ch] == NULL) {
            onestop_notify_chan_close(c);
            snprintf(err, errlen, "libcurl: no handle");
            return NULL;
        }
    }

    return c;
}


void
onestop_notify_chan_close(onestop_notify_chan_t *c)
{
    unsigned  ch;

    if (c == NULL) {
        return;
    }

    for (ch = 0; ch < ONESTOP_NCH_COUNT; ch++) {
        if (c->h[ch] != NULL) {
            curl_easy_cleanup(c->h[ch]);
        }
    }

    onestop_buf_free(&c->reply);
    free(c);
}


/* the message's identity as a token: code.version.event.channel */
static void
base64(onestop_buf_t *b, const char *s, size_t len, size_t line)
{
    size_t         i, k;
    unsigned char  out[4 * 57 / 3 + 4];

    for (i = 0; i < len; i += k) {
        k = len - i < line ? len - i : line;
        EVP_EncodeBlock(out, (const unsigned char *) s + i, (int) k);
        onestop_buf_adds(b, (const char *) out);

        if (line < len) {
            onestop_buf_add(b, "\r\n", 2);
        }
    }
}


static int
ascii(const char *s)
{
    for ( /* void */ ; *s; s++) {
        if ((unsigned char) *s >= 0x80 || *s == '\r' || *s == '\n') {
            return 0;
        }
    }

    return 1;
}


/* a header's text, RFC 2047 when it is not ASCII */
static void
header_text(onestop_buf_t *b, const char *s, size_t len)
{
    size_t  i, k;

    for (i = 0; i < len; i += k) {
        k = onestop_utf8_cut(s + i, len - i, 45);   /* whole characters */

        onestop_buf_adds(b, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        base64(b, s + i, k, 57);
        onestop_buf_adds(b, "?=");
    }
}


/* an ASCII display name, quoted when it holds what would end it or make
 * it another mailbox (a comma, a quote...), unless it is quoted already */
static void
phrase(onestop_buf_t *b, const char *s, size_t len)
{
    size_t  i;

    if (strcspn(s, "()<>[]:;@\\,\"") >= len
        || (len >= 2 && s[0] == '"' && s[len - 1] == '"'))
    {
        onestop_buf_add(b, s, len);
        return;
    }

    onestop_buf_add(b, "\"", 1);

    for (i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            onestop_buf_add(b, "\\", 1);
        }

        onestop_buf_add(b, &s[i], 1);
    }

    onestop_buf_add(b, "\"", 1);
}


static int
send_email(onestop_notify_chan_t *c, const onestop_notify_id_t *id,
    const onestop_notify_msg_t *m, char *err, size_t errlen)
{
    int                 rc;
    long                code;
    size_t              n;
    char                key[160], date[64], rcpt[ONESTOP_CONTACT_MAX + 3],
                        from[300];
    time_t              now;
    struct tm           tm;
    onestop_buf_t       msg;
    struct curl_slist  *to;
    const char         *lt;
    CURL               *h;
    const onestop_notify_email_conf_t  *e;

    e = &c->conf->email;
    h = c->h[ONESTOP_NCH_EMAIL];

    if (strpbrk(m->to, "<>\r\n ,") != NULL || strchr(m->to, '@') == NULL) {
        snprintf(err, errlen, "not an e-mail address");
        return ONESTOP_SEND_PERM;
    }

    onestop_notify_key(id, key, sizeof(key));
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

    memset(&msg, 0, sizeof(msg));
    onestop_buf_adds(&msg, "From: ");
    lt = strchr(e->from, '<');

    for (n = lt ? (size_t) (lt - e->from) : 0;
         n > 0 && e->from[n - 1] == ' ';
         n--)
    {
        /* void: the name before the address */
    }

    if (lt == NULL || n == 0) {
        onestop_buf_adds(&msg, e->from);

    } else if (!ascii(e->from)) {
        header_text(&msg, e->from, n);
        onestop_buf_printf(&msg, " %s", lt);

    } else {
        phrase(&msg, e->from, n);
        onestop_buf_printf(&msg, " %s", lt);
    }

    onestop_buf_printf(&msg, "\r\nTo: <%s>\r\nSubject: ", m->to);

    if (ascii(m->subject)) {
        onestop_buf_adds(&msg, m->subject);
    } else {
        header_text(&msg, m->subject, strlen(m->subject));
    }

    onestop_buf_printf(&msg, "\r\nDate: %s\r\nMessage-ID: <%s@onestop>\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=UTF-8\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n",
                       date, key);
    base64(&msg, m->body.data ? m->body.data : "", m->body.len, 57);
    onestop_buf_add(&msg, "\r\n", 2);

    if (msg.failed) {
        onestop_buf_free(&msg);
        snprintf(err, errlen, "out of memory");
        return ONESTOP_SEND_TEMP;
    }

    snprintf(rcpt, sizeof(rcpt), "<%s>", m->to);
    snprintf(from, sizeof(from), "<%s>", e->from_addr);
    to = curl_slist_append(NULL, rcpt);

    c->upload = msg.data;
    c->upload_len = msg.len;
    c->upload_off = 0;

    curl_easy_setopt(h, CURLOPT_URL, e->url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, c);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) msg.len);
    curl_easy_setopt(h, CURLOPT_USE_SSL, e->starttls == 2 ? CURLUSESSL_ALL
                     : e->starttls == 1 ? CURLUSESSL_TRY : CURLUSESSL_NONE);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, e->verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, e->verify ? 2L : 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, e->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);

    if (e->cacert[0]) {
        curl_easy_setopt(h, CURLOPT_CAINFO, e->cacert);
    }

    if (e->username[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, e->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, e->password);
    }

    rc = curl_easy_perform(h);
    code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(to);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    onestop_buf_free(&msg);

    if (rc == CURLE_OK) {
        return ONESTOP_SEND_OK;
    }

    snprintf(err, errlen, "smtp: %s (%ld)", curl_easy_strerror(rc), code);

    return code >= 500 && code < 600 && code != 421
           && rc != CURLE_LOGIN_DENIED ? ONESTOP_SEND_PERM : ONESTOP_SEND_TEMP;
}


/* an HTTP gateway's request and what its status means */
static int
http_send(onestop_notify_chan_t *c, unsigned ch, const char *method,
    const char *url, struct curl_slist *headers, const char *body,
    long timeout, char *err, size_t errlen)
{
    int    rc;
    long   code;
    CURL  *h;

    h = c->h[ch];
    c->reply.len = 0;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);

    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);

    } else {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long) strlen(body));

        if (strcmp(method, "POST") != 0) {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        }
    }

    rc = curl_easy_perform(h);
    code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);

    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", curl_easy_strerror(rc));
        return ONESTOP_SEND_TEMP;
    }

    if (code >= 200 && code < 300) {
        return ONESTOP_SEND_OK;
    }

    snprintf(err, errlen, "HTTP %ld", code);

    return code == 408 || code == 429 || code >= 500 ? ONESTOP_SEND_TEMP
                                                     : ONESTOP_SEND_PERM;
}


/* 0912345678 -> 84912345678; +84... and 0084... -> 84... */
static void
phone84(const char *to, char *out, size_t size)
{
    char         digits[32];
    size_t       n;
    const char  *d;

    for (n = 0; *to && n < sizeof(digits) - 1; to++) {
        if (*to >= '0' && *to <= '9') {
            digits[n++] = *to;
        }
    }

    digits[n] = '\0';
    d = digits[0] == '0' && digits[1] == '0' ? digits + 2 : digits;
    snprintf(out, size, "%s%s", d[0] == '0' ? "84" : "",
             d[0] == '0' ? d + 1 : d);
}


static int
send_sms(onestop_notify_chan_t *c, const onestop_notify_id_t *id,
    const onestop_notify_msg_t *m, char *err, size_t errlen)
{
    int                 rc;
    size_t              i;
    char                key[160], p84[64], *text;
    onestop_buf_t       url, body, hdr;
    struct curl_slist  *headers, *more;
    const char         *vars[12];
    const onestop_notify_http_conf_t  *s;

    s = &c->conf->sms;
    onestop_notify_key(id, key, sizeof(key));
    phone84(m->to, p84, sizeof(p84));
    text = strndup(m->body.data ? m->body.data : "", m->body.len);

    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return ONESTOP_SEND_TEMP;
    }

    vars[0] = "phone";
    vars[1] = m->to;
    vars[2] = "phone84";
    vars[3] = p84;
    vars[4] = "text";
    vars[5] = text;
    vars[6] = "code";
    vars[7] = id->code;
    vars[8] = "event";
    vars[9] = onestop_notify_event_name(id->ev);
    vars[10] = "key";
    vars[11] = key;

    memset(&url, 0, sizeof(url));
    memset(&body, 0, sizeof(body));
    onestop_notify_fill(&url, s->url, vars, 6);
    onestop_notify_fill(&body, s->body, vars, 6);
    onestop_buf_add(&url, "", 1);
    onestop_buf_add(&body, "", 1);
    headers = NULL;

    for (i = 0; i < s->nheaders; i++) {
        memset(&hdr, 0, sizeof(hdr));
        onestop_notify_fill(&hdr, s->header[i], vars, 6);
        onestop_buf_add(&hdr, "", 1);
        more = hdr.failed ? NULL : curl_slist_append(headers, hdr.data);
        onestop_buf_free(&hdr);
        headers = more ? more : headers;
    }

    rc = url.failed || body.failed
         ? (snprintf(err, errlen, "out of memory"), ONESTOP_SEND_TEMP)
         : http_send(c, ONESTOP_NCH_SMS, s->method, url.data, headers,
                     body.data, s->timeout_ms, err, errlen);

    curl_slist_free_all(headers);
    onestop_buf_free(&url);
    onestop_buf_free(&body);
    free(text);

    return rc;
}


/* the ZNS access token, read again when its file changed */
static int
zalo_token(onestop_notify_chan_t *c, char *err, size_t errlen)
{
    FILE         *f;
    size_t        n;
    struct stat   sb;
    const char   *file;

    file = c->conf->zalo.token_file;

    if (stat(file, &sb) != 0) {
        snprintf(err, errlen, "zalo: cannot read the token file \"%s\": %s",
                 file, strerror(errno));
        return -1;
    }

    if (c->token[0] && sb.st_mtim.tv_sec == c->token_mtime.tv_sec
        && sb.st_mtim.tv_nsec == c->token_mtime.tv_nsec)
    {
        return 0;
    }

    f = fopen(file, "r");

    if (f == NULL || fgets(c->token, sizeof(c->token), f) == NULL) {
        snprintf(err, errlen, "zalo: cannot read the token file \"%s\": %s",
                 file, f == NULL || ferror(f) ? strerror(errno)
                                              : "it is empty");
        if (f) {
            fclose(f);
        }
        c->token[0] = '\0';
        return -1;
    }

    fclose(f);
    n = strcspn(c->token, "\r\n");
    c->token[n] = '\0';

    if (n == 0) {
        snprintf(err, errlen, "zalo: cannot read the token file \"%s\": its "
                 "first line is empty", file);
        return -1;
    }

    c->token_mtime = sb.st_mtim;

    return 0;
}


static int
send_zalo(onestop_notify_chan_t *c, const onestop_notify_id_t *id,
    const onestop_notify_msg_t *m, char *err, size_t errlen)
{
    int                 rc;
    char                key[160], p84[64], hdr[2100], ebuf[128];
    onestop_buf_t       body;
    yajl_val            doc, e;
    struct curl_slist  *headers;
    const onestop_notify_zalo_conf_t  *z;

    static const char  *path[] = { "error", NULL };

    z = &c->conf->zalo;

    if (z->template_id[id->ev][0] == '\0') {
        snprintf(err, errlen, "zalo: no template.%s",
                 onestop_notify_event_name(id->ev));
        return ONESTOP_SEND_PERM;
    }

    if (zalo_token(c, err, errlen) != 0) {
        return ONESTOP_SEND_TEMP;
    }

    onestop_notify_key(id, key, sizeof(key));
    phone84(m->to, p84, sizeof(p84));

    memset(&body, 0, sizeof(body));
    onestop_buf_printf(&body, "{\"phone\":\"%s\",\"template_id\":\"",
                       p84);
    onestop_notify_fill(&body, "{{t|json}}",
                        (const char *[]) { "t", z->template_id[id->ev] }, 1);
    onestop_buf_adds(&body, "\",\"template_data\":");
    onestop_buf_add(&body, m->body.data, m->body.len);
    onestop_buf_printf(&body, ",\"tracking_id\":\"%s\"}", key);
    onestop_buf_add(&body, "", 1);

    snprintf(hdr, sizeof(hdr), "access_token: %s", c->token);
    headers = curl_slist_append(NULL, hdr);
    headers = curl_slist_append(headers, "Content-Type: application/json");

    rc = body.failed
         ? (snprintf(err, errlen, "out of memory"), ONESTOP_SEND_TEMP)
         : http_send(c, ONESTOP_NCH_ZALO, "POST", z->url, headers, body.data,
                     z->timeout_ms, err, errlen);

    curl_slist_free_all(headers);
    onestop_buf_free(&body);

    if (rc != ONESTOP_SEND_OK) {
        return rc;
    }

    /* ZNS answers 200 with {"error": 0, ...}, or an error code */

    onestop_buf_add(&c->reply, "", 1);
    doc = c->reply.failed ? NULL
          : yajl_tree_parse(c->reply.data, ebuf, sizeof(ebuf));
    e = doc ? yajl_tree_get(doc, path, yajl_t_number) : NULL;

    if (e == NULL || !YAJL_IS_INTEGER(e)) {
        yajl_tree_free(doc);
        snprintf(err, errlen, "zalo: an answer without an error code");
        return ONESTOP_SEND_TEMP;
    }

    if (YAJL_GET_INTEGER(e) != 0) {
        snprintf(err, errlen, "zalo: error %lld",
                 (long long) YAJL_GET_INTEGER(e));
        rc = YAJL_GET_INTEGER(e) == -124 || YAJL_GET_INTEGER(e) == -216
             ? ONESTOP_SEND_TEMP : ONESTOP_SEND_PERM;   /* token: again */
        c->token[0] = rc == ONESTOP_SEND_TEMP ? '\0' : c->token[0];
    }

    yajl_tree_free(doc);
    return rc;
}


int
onestop_notify_send(onestop_notify_chan_t *c, const onestop_notify_id_t *id,
    const onestop_notify_msg_t *m, char *err, size_t errlen)
{
    err[0] = '\0';

    switch (m->ch) {
    case ONESTOP_NCH_EMAIL:
        return send_email(c, id, m, err, errlen);
    case ONESTOP_NCH_SMS:
        return send_sms(c, id, m, err, errlen);
    case ONESTOP_NCH_ZALO:
        return send_zalo(c, id, m, err, errlen);
    }

    snprintf(err, errlen, "no such channel");
    return ONESTOP_SEND_PERM;
}
