/*
 * The notifier's pieces without a network (issue 16): the configuration
 * file, a record's events and channels, the templates' messages (the SMS
 * in one GSM-7 message), the gateways' fills, masks, the SMS lookup's
 * text, and the record member "notify" through the batch parser and the
 * binary form.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onestop_batch_int.h"
#include "onestop_notify.h"
#include "onestop_sms.h"

#include "tap.h"


static char  dir[] = "/tmp/onestop-notify-unit-XXXXXX";


static void
write_file(const char *name, const char *text)
{
    char   path[256];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}


static int
conf_error(const char *text, const char *want)
{
    char                   err[512], path[256];
    onestop_notify_conf_t  c;
    int                    rc;

    write_file("bad.conf", text);
    snprintf(path, sizeof(path), "%s/bad.conf", dir);
    rc = onestop_notify_conf_load(&c, path, err, sizeof(err));

    if (rc == 0) {
        onestop_notify_conf_free(&c);
        return 0;
    }

    if (strstr(err, want) == NULL) {
        printf("# %s\n", err);
        return 0;
    }

    return 1;
}


static void
test_conf(void)
{
    char                   err[512], path[256];
    onestop_notify_conf_t  c;

    write_file("pw", "s3cret\n");
    {
        char  pw[256];

        /* a secret's file is its owner's alone, or refused */
        snprintf(pw, sizeof(pw), "%s/pw", dir);
        chmod(pw, 0600);
    }
    snprintf(path, sizeof(path), "%s/n.conf", dir);
    {
        char  text[2048];

        snprintf(text, sizeof(text),
                 "# a comment\n"
                 "redis = 10.0.0.5:6380\nprefix = longan\nbatch = 50\n"
                 "consumer = notify-1\n"
                 "[email]\nurl = smtp://mail.longan.gov.vn:587\n"
                 "starttls = required\nusername = motcua\n"
                 "password_file = %s/pw\n"
                 "from_address = motcua@longan.gov.vn\n"
                 "[sms]\nurl = https://sms.example/send\n"
                 "header = Content-Type: application/json\n"
                 "body = {\"to\": \"{{phone84|json}}\"}\n", dir);
        write_file("n.conf", text);
    }

    ok(onestop_notify_conf_load(&c, path, err, sizeof(err)) == 0,
       "a configuration file is read");
    is_str(c.redis_host, strlen(c.redis_host), "10.0.0.5", "redis host");
    is_int(c.redis_port, 6380, "redis port");
    is_str(c.prefix, strlen(c.prefix), "longan", "prefix");
    is_int(c.batch, 50, "batch");
    is_str(c.consumer, strlen(c.consumer), "notify-1", "consumer");
    is_int(c.email.starttls, 2, "starttls = required");
    is_str(c.email.password, strlen(c.email.password), "s3cret",
           "the password from its file, without its newline");
    is_str(c.email.from, strlen(c.email.from), "motcua@longan.gov.vn",
           "From defaults to the envelope's address");
    ok(c.email.on && c.sms.on && !c.zalo.on, "the channels of the sections");
    is_int(c.sms.nheaders, 1, "a header");
    onestop_notify_conf_free(&c);

    ok(conf_error("redis = nowhere\n[email]\n", "bad.conf:1: redis must be"),
       "a bad redis is refused with its line");
    ok(conf_error("colour = blue\n", ":1: unknown name"),
       "an unknown name is refused");
    ok(conf_error("[fax]\n", ":1: unknown section"),
       "an unknown section is refused");
    ok(conf_error("batch = 0\n", ":1: a bad number"), "batch 0 is refused");
    ok(conf_error("# nothing\n", "no channel"), "no channel is refused");
    ok(conf_error("[email]\nurl = smtp://x:25\n", "needs from_address"),
       "e-mail without from_address is refused");
    /* a secret file that cannot be read: which, and why (the CLI adds
     * whose identity it read it with when the reason is EACCES) */
    ok(conf_error("[email]\npassword_file = /nonexistent/smtp.password\n",
                  ":2: password_file \"/nonexistent/smtp.password\" cannot "
                  "be read: No such file or directory"),
       "a password file that cannot be read: its name and why");
    ok(conf_error("redis_password_file = /nonexistent/r\n",
                  ":1: redis_password_file \"/nonexistent/r\" cannot be read: "
                  "No such file or directory"),
       "the Redis password file too");
    ok(conf_error("[zalo]\ntoken_file = /nonexistent/z\n",
                  ":2: token_file \"/nonexistent/z\" cannot be read: "
                  "No such file or directory"),
       "and Zalo's token file");
    ok(conf_error("[sms]\nurl = ftp://x\n", ":2: url must be"),
       "a gateway's url must be HTTP");

    /* From: a name alone gets the envelope's address; a name in another
     * encoding than UTF-8 (a Windows-1258 file) is refused */

    write_file("n.conf", "[email]\nurl = smtp://x:25\n"
               "from = Bộ phận Một cửa tỉnh Long An\n"
               "from_address = motcua@longan.gov.vn\n");
    ok(onestop_notify_conf_load(&c, path, err, sizeof(err)) == 0,
       "from, a name alone");
    is_str(c.email.from, strlen(c.email.from),
           "Bộ phận Một cửa tỉnh Long An <motcua@longan.gov.vn>",
           "... with the envelope's address");
    onestop_notify_conf_free(&c);
    write_file("n.conf", "[email]\nurl = smtp://x:25\n"
               "from = x@longan.gov.vn\n"
               "from_address = motcua@longan.gov.vn\n");
    ok(onestop_notify_conf_load(&c, path, err, sizeof(err)) == 0
       && strcmp(c.email.from, "x@longan.gov.vn") == 0,
       "from, an address alone: as it is");
    onestop_notify_conf_free(&c);
    ok(conf_error("[email]\nfrom = B\xf4 ph\xe2n \xd0\xf2" "a <a@b.vn>\n",
                  ":2: from must be UTF-8"),
       "from in Windows-1258 is refused");
}


static onestop_batch_t  batch;

static onestop_record_t *
parse(const char *json)
{
    onestop_batch_free(&batch);
    onestop_batch_init(&batch, 0, 7 * 3600, onestop_today(7 * 3600));
    onestop_batch_feed(&batch, json, strlen(json));
    onestop_batch_finish(&batch);

    return batch.nrecs == 1 && batch.error == 0 ? &batch.recs[0] : NULL;
}


#define REC(more)                                                            \
    "{\"code\": \"000.00.12.H36-261201-0001\", \"version\": 1, "             \
    "\"agency\": \"000.00.12.H36\", \"procedure\": \"1.001234\", "           \
    "\"channel\": \"direct\", \"applicant\": {\"name\": \"Trần Văn Ba\"}, "  \
    "\"received_at\": \"2026-12-01T08:00:00+07:00\", "                       \
    "\"due_at\": \"2026-12-08\"" more "}"


static void
test_record(void)
{
    size_t                    size;
    uint8_t                  *bin;
    onestop_record_t         *r, back;
    onestop_notify_events_t   e;

    r = parse(REC(", \"contact\": {\"phone\": \"0912345678\", "
                  "\"email\": \"ba@example.vn\"}, "
                  "\"notify\": [\"sms\", \"zalo\"]"));
    ok(r != NULL, "a record with notify is valid");

    if (r == NULL) {
        return;
    }

    is_int(r->notify, ONESTOP_NOTIFY_GIVEN | ONESTOP_NOTIFY_SMS
                      | ONESTOP_NOTIFY_ZALO, "notify: the channels chosen");
    is_int(onestop_notify_channels(r, 7), 1u << ONESTOP_NCH_SMS
                                          | 1u << ONESTOP_NCH_ZALO,
           "only the chosen channels, though an e-mail is there");
    is_int(onestop_notify_channels(r, 1u << ONESTOP_NCH_SMS),
           1u << ONESTOP_NCH_SMS, "... of those configured");

    r->agency_id = 1;
    r->procedure_id = 1;
    size = onestop_record_size(r);
    bin = malloc(size);
    onestop_record_encode(r, bin);
    ok(onestop_record_decode(bin, size, &back) == 0
       && back.notify == r->notify, "notify survives the binary form");
    free(bin);

    r = parse(REC(", \"contact\": {\"email\": \"ba@example.vn\"}"));
    ok(r != NULL && r->notify == 0
       && onestop_notify_channels(r, 7) == 1u << ONESTOP_NCH_EMAIL,
       "no notify: every channel its contacts allow");

    ok(parse(REC(", \"notify\": [\"fax\"]")) == NULL,
       "an unknown channel is refused");
    ok(parse(REC(", \"notify\": \"sms\"")) == NULL,
       "notify must be an array");
    ok(parse(REC(", \"notify\": [[\"sms\"]]")) == NULL,
       "an array in notify is refused");
    r = parse(REC(", \"notify\": []"));
    ok(r != NULL && r->notify == ONESTOP_NOTIFY_GIVEN
       && onestop_notify_channels(r, 7) == 0, "notify: []: none");

    r = parse(REC(", \"resolved_at\": \"2026-12-05\", "
                  "\"apology\": {\"issued_at\": \"2026-12-04\", "
                  "\"new_due_at\": \"2026-12-15\", \"reason\": \"x\"}"));
    ok(r != NULL, "a resolved record with an apology");

    if (r != NULL) {
        onestop_notify_events(r, &e);
        is_int(e.n, 2, "a resolved record: received and result (the "
               "apology's date is past its use)");
        is_int(e.ev[1], ONESTOP_EV_RESULT, "the result");
    }

    r = parse(REC(", \"apology\": {\"issued_at\": \"2026-12-04\", "
                  "\"new_due_at\": \"2026-12-15\", \"reason\": \"x\"}"));

    if (r != NULL) {
        onestop_notify_events(r, &e);
        ok(e.n == 2 && e.ev[1] == ONESTOP_EV_APPOINTMENT && e.print[1] != 0,
           "an apology: its appointment, told by its new date");
    }
}


static int
ascii_only(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] >= 0x80) {
            return 0;
        }
    }

    return 1;
}


static void
test_render(void)
{
    char                   err[512], out[64], path[512];
    onestop_buf_t          b;
    onestop_record_t      *r;
    onestop_notify_tpl_t  *t;
    onestop_notify_msg_t   m;
    onestop_notify_conf_t  conf;
    const char            *vars[] = { "a", "x y&z\"é" };

    t = onestop_notify_tpl_load("conf/notify", 7, err, sizeof(err));
    ok(t != NULL, "the shipped templates load");

    if (t == NULL) {
        printf("# %s\n", err);
        return;
    }

    memset(&conf, 0, sizeof(conf));
    strcpy(conf.lookup_url, "https://x.vn/tra-cuu?code={{code}}");

    /* REC's own applicant is another's: a member is named once */
    r = parse("{\"code\": \"000.00.12.H36-261201-0001\", \"version\": 1, "
              "\"agency\": \"000.00.12.H36\", \"procedure\": \"1.001234\", "
              "\"channel\": \"direct\", "
              "\"received_at\": \"2026-12-01T08:00:00+07:00\", "
              "\"due_at\": \"2026-12-08\", "
              "\"applicant\": {\"name\": \"Đặng Thị Ánh\"}, "
              "\"contact\": {\"phone\": \"0912345678\", "
              "\"email\": \"anh@example.vn\"}}");
    ok(r != NULL, "a record");

    if (r == NULL) {
        onestop_notify_tpl_free(t);
        return;
    }

    ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r, ONESTOP_EV_RECEIVED,
                             ONESTOP_NCH_EMAIL, &m) == 0, "an e-mail");
    is_str(m.subject, strlen(m.subject),
           "Đã tiếp nhận hồ sơ 000.00.12.H36-261201-0001", "its subject");
    ok(memmem(m.body.data, m.body.len, "Kính gửi Ông/Bà Đặng Thị Ánh,", 33)
       != NULL, "its body, in Vietnamese");
    ok(memmem(m.body.data, m.body.len, "lúc 08 giờ 00, ngày 01/12/2026.",
               strlen("lúc 08 giờ 00, ngày 01/12/2026.")) != NULL,
       "the time of receipt, as the pages write it: 24 h, \"giờ\", "
       "\"ngày\"");
    is_str(m.to, strlen(m.to), "anh@example.vn", "to the citizen");
    onestop_buf_free(&m.body);

    ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r, ONESTOP_EV_RECEIVED,
                             ONESTOP_NCH_SMS, &m) == 0, "an SMS");
    ok(m.body.len <= 160, "at most 160 characters (%zu)", m.body.len);
    is_str(m.body.data, 29, "Da tiep nhan HS 000.00.12.H36", "unaccented");
    onestop_buf_free(&m.body);

    ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r, ONESTOP_EV_RECEIVED,
                             ONESTOP_NCH_ZALO, &m) == 0, "ZNS data");
    ok(memmem(m.body.data, m.body.len, "\"ten\": \"Đặng Thị Ánh\"", 25)
       != NULL, "the template data, JSON");
    onestop_buf_free(&m.body);
    onestop_notify_tpl_free(t);

    /* an operator's SMS template written with its accents: unaccented
     * too, one GSM-7 message, cut between characters */

    snprintf(path, sizeof(path), "rm -rf %s/tpl && cp -r conf/notify %s/tpl",
             dir, dir);
    ok(system(path) == 0, "a copy of the templates");
    write_file("tpl/received.sms", "Hồ sơ {{code}} đã được tiếp nhận lúc "
               "{{received}}, hẹn trả kết quả ngày {{due}}. Ông/Bà tra cứu "
               "bằng cách soạn tin TRACUU {{code}} gửi tổng đài. Trân trọng "
               "cảm ơn Ông/Bà đã sử dụng dịch vụ công trực tuyến.\n");
    snprintf(path, sizeof(path), "%s/tpl", dir);
    t = onestop_notify_tpl_load(path, 7, err, sizeof(err));
    ok(t != NULL, "templates with an accented SMS load");

    if (t != NULL) {
        ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r,
                                 ONESTOP_EV_RECEIVED, ONESTOP_NCH_SMS, &m)
           == 0, "its SMS");
        is_str(m.body.data, 36, "Ho so 000.00.12.H36-261201-0001 da d",
               "its own words unaccented");
        ok(m.body.len <= 160 && ascii_only(m.body.data, m.body.len),
           "GSM-7's basic characters, at most 160 (%zu)", m.body.len);
        onestop_buf_free(&m.body);
        onestop_notify_tpl_free(t);
    }

    memset(&b, 0, sizeof(b));
    onestop_notify_fill(&b, "[{{a}}][{{a|url}}][{{a|json}}][{{b}}]", vars, 1);
    is_str(b.data, b.len, "[x y&z\"é][x+y%26z%22%C3%A9][x y&z\\\"é][]",
           "fills: raw, |url, |json, an unknown name empty");
    onestop_buf_free(&b);

    {
        char    s[64];
        size_t  n;

        n = onestop_notify_unaccent("Đồng Tháp – Ước `x`",
                                    strlen("Đồng Tháp – Ước `x`"), s);
        is_str(s, n, "Dong Thap - Uoc 'x'", "unaccented, GSM-7");
    }

    is_str(onestop_notify_mask("0912345678", out), 10, "09******78",
           "a phone masked");
    is_str(onestop_notify_mask("nguyen.van.a@example.vn", out), 15,
           "n***@example.vn", "an address masked");
    is_str(onestop_notify_mask("ánh.lê@example.vn", out),
           strlen("á***@example.vn"), "á***@example.vn",
           "an address masked: its first character kept whole");
    is_str(onestop_notify_mask("@example.vn", out), 15, "?***@example.vn",
           "an address without a local part");
    is_str(onestop_notify_mask("a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbị.vn", out),
           5 + 39, "a***@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
           "a long domain cut between characters");
    ok(strlen(out) == 5 + 39, "... and nothing of the cut character kept");
    is_str(onestop_notify_mask("09ấ12345678", out), 3, "***",
           "a phone that is not one: nothing kept");

    /* the apology's e-mail names the letter as the regulation does
     * (Điều 11.3: "phiếu xin lỗi và hẹn lại ngày trả kết quả") */

    t = onestop_notify_tpl_load("conf/notify", 7, err, sizeof(err));
    r = parse("{\"code\": \"000.00.12.H36-261201-0002\", \"version\": 1, "
              "\"agency\": \"000.00.12.H36\", \"procedure\": \"1.001234\", "
              "\"channel\": \"direct\", "
              "\"received_at\": \"2026-12-01T08:00:00+07:00\", "
              "\"due_at\": \"2026-12-03\", "
              "\"apology\": {\"issued_at\": \"2026-12-04T09:00:00+07:00\", "
              "\"new_due_at\": \"2026-12-08\", \"reason\": \"x\"}, "
              "\"applicant\": {\"name\": \"Đặng Thị Ánh\"}, "
              "\"contact\": {\"email\": \"anh@example.vn\"}}");
    ok(t != NULL && r != NULL, "a record with an apology letter");

    if (t != NULL && r != NULL) {
        ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r,
                                 ONESTOP_EV_APPOINTMENT, ONESTOP_NCH_EMAIL,
                                 &m) == 0, "its e-mail");
        is_str(m.subject, strlen(m.subject),
               "Hồ sơ 000.00.12.H36-261201-0002: phiếu xin lỗi và hẹn lại "
               "ngày trả kết quả", "its subject: the regulation's term");
        onestop_buf_free(&m.body);
    }

    /* the result, to be returned by post: told when it is resolved, so
     * not said already sent */

    r = parse("{\"code\": \"000.00.12.H36-261201-0004\", \"version\": 1, "
              "\"agency\": \"000.00.12.H36\", \"procedure\": \"1.001234\", "
              "\"channel\": \"direct\", \"return_channel\": \"postal\", "
              "\"received_at\": \"2026-12-01T08:00:00+07:00\", "
              "\"due_at\": \"2026-12-08\", "
              "\"resolved_at\": \"2026-12-03T10:00:00+07:00\", "
              "\"applicant\": {\"name\": \"Đặng Thị Ánh\"}, "
              "\"contact\": {\"email\": \"anh@example.vn\"}}");
    ok(t != NULL && r != NULL, "a record resolved, its result by post");

    if (t != NULL && r != NULL) {
        ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r,
                                 ONESTOP_EV_RESULT, ONESTOP_NCH_EMAIL, &m)
           == 0
           && memmem(m.body.data, m.body.len,
                     "Cách nhận kết quả: nhận qua dịch vụ bưu chính công ích",
                     strlen("Cách nhận kết quả: nhận qua dịch vụ bưu chính "
                            "công ích")) != NULL
           && memmem(m.body.data, m.body.len, "đã được gửi",
                     strlen("đã được gửi")) == NULL,
           "its e-mail: \"nhận qua dịch vụ bưu chính công ích\", not "
           "\"đã được gửi\" before it is");
        onestop_buf_free(&m.body);
    }

    /* a procedure without a deadline (issue 18): no empty date */

    r = parse("{\"code\": \"000.00.12.H36-261201-0003\", \"version\": 1, "
              "\"agency\": \"000.00.12.H36\", \"procedure\": \"1.001234\", "
              "\"channel\": \"direct\", "
              "\"received_at\": \"2026-12-01T08:00:00+07:00\", "
              "\"due_at\": null, "
              "\"applicant\": {\"name\": \"Đặng Thị Ánh\"}, "
              "\"contact\": {\"email\": \"anh@example.vn\", "
              "\"phone\": \"0912345678\"}}");
    ok(t != NULL && r != NULL, "a record without a due date");

    if (t != NULL && r != NULL) {
        ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r,
                                 ONESTOP_EV_RECEIVED, ONESTOP_NCH_EMAIL, &m)
           == 0
           && memmem(m.body.data, m.body.len,
                     "Ngày hẹn trả kết quả: không quy định thời hạn\n",
                     strlen("Ngày hẹn trả kết quả: không quy định thời "
                            "hạn\n")) != NULL,
           "its e-mail: \"Ngày hẹn trả kết quả: không quy định thời hạn\"");
        onestop_buf_free(&m.body);
        ok(onestop_notify_render(t, &conf, NULL, 7 * 3600, r,
                                 ONESTOP_EV_RECEIVED, ONESTOP_NCH_SMS, &m)
           == 0
           && memmem(m.body.data, m.body.len,
                     "Hen tra KQ khong quy dinh thoi han.",
                     strlen("Hen tra KQ khong quy dinh thoi han.")) != NULL
           && m.body.len <= 160,
           "its SMS: \"Hen tra KQ khong quy dinh thoi han.\" (%.*s)",
           (int) m.body.len, m.body.data);
        onestop_buf_free(&m.body);
    }

    onestop_notify_tpl_free(t);
}


static void
test_sms_code(void)
{
    char  code[ONESTOP_CODE_MAX + 1];

    ok(onestop_sms_code("TRACUU 000.00.12.H36-190710-0001", 32, code)
       && strcmp(code, "000.00.12.H36-190710-0001") == 0, "TRACUU <code>");
    ok(onestop_sms_code("tra cứu  000.00.12.H36 - 190710 - 0001 ",
                        strlen("tra cứu  000.00.12.H36 - 190710 - 0001 "),
                        code)
       && strcmp(code, "000.00.12.H36-190710-0001") == 0,
       "diacritics, case and spaces forgiven");
    ok(onestop_sms_code("T R A C U U:abc", 15, code)
       && strcmp(code, "abc") == 0, "a colon forgiven");
    ok(!onestop_sms_code("TRACUU", 6, code), "no code");
    ok(!onestop_sms_code("HELLO 000.00.12.H36-190710-0001", 31, code),
       "another keyword");
    ok(!onestop_sms_code("TRACUU ../../etc", 16, code), "not a code");
}


/*
 * The sent-log's claims (notify_db.c) on a store of its own: a message a
 * notifier claimed and died with is claimed again by the one that takes
 * its entry over, unless a newer version of the dossier told the event
 * since (an apology letter's other date), which a fresh claim respects
 * too: the old date must not reach the citizen after the new one.
 */
static int
exists(const char *jdir, const char *name)
{
    char         path[512];
    struct stat  sb;

    snprintf(path, sizeof(path), "%s/%s", jdir, name);
    return stat(path, &sb) == 0;
}


static void
jwrite(const char *jdir, const char *name, const char *text)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", jdir, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}


/* the journals removed once nothing in them is needed (st: a message
 * SENT, one SENDING, from test_claim) */
static void
test_journal(onestop_store_t *st)
{
    int                        live, rc;
    char                       jdir[256], path[512], err[512];
    DIR                       *d;
    struct dirent             *de;
    onestop_notify_journal_t   j, j2;

    static const char  *sent = "000.00.12.H36-261207-0001.2.appointment.sms";
    static const char  *sending = "000.00.12.H36-261207-0002.2.result.sms";

    snprintf(jdir, sizeof(jdir), "%s/journal", dir);
    mkdir(jdir, 0700);

    ok(onestop_notify_unsettled(st, (char **) &sent, 1) == 0,
       "a message sent: settled");
    ok(onestop_notify_unsettled(st, (char **) &sending, 1) == 1,
       "a message claimed: unsettled");

    jwrite(jdir, "journal.me.1796000000-42",
           "000.00.12.H36-261207-0001.2.appointment.sms\n");
    jwrite(jdir, "journal.dead",
           "000.00.12.H36-261207-0001.2.appointment.sms\n"
           "000.00.12.H36-261207-0002.2.result.sms\n");
    jwrite(jdir, "journal.stopped", "");
    jwrite(jdir, "journal.live",
           "000.00.12.H36-261207-0001.2.appointment.sms\n");
    snprintf(path, sizeof(path), "%s/journal.live", jdir);
    live = open(path, O_WRONLY | O_APPEND);
    ok(live >= 0 && flock(live, LOCK_EX | LOCK_NB) == 0,
       "journal.live held by a running notifier");

    ok(onestop_notify_journal_open(&j, jdir, "me", onestop_notify_unsettled,
                                   st, err, sizeof(err)) == 0,
       "a notifier's journal opened");
    ok(!exists(jdir, "journal.me.1796000000-42"),
       "a set-aside journal whose messages were all recorded: removed");
    ok(!exists(jdir, "journal.stopped"),
       "a stopped notifier's empty journal: removed");
    ok(exists(jdir, "journal.dead"),
       "a killed notifier's journal with a claimed message: kept");
    ok(exists(jdir, "journal.live"),
       "a running notifier's journal: kept, though all recorded");
    ok(onestop_notify_journal_has(&j, sending)
       && onestop_notify_journal_has(&j, sent),
       "their lines read");

    rc = onestop_notify_journal_open(&j2, jdir, "live", NULL, NULL, err,
                                     sizeof(err));
    ok(rc == -1 && strstr(err, "another running notifier") != NULL,
       "a second notifier under a running one's name refused: %s", err);
    close(live);

    onestop_notify_journal_add(&j, sending);
    onestop_notify_journal_close(&j);
    ok(exists(jdir, "journal.me"), "a journal closed with a line: kept");
    ok(onestop_notify_journal_open(&j, jdir, "me", onestop_notify_unsettled,
                                   st, err, sizeof(err)) == 0
       && onestop_notify_journal_has(&j, sending),
       "opened again: set aside, and read");
    ok(!exists(jdir, "journal.live"),
       "journal.live, its notifier stopped: removed");
    onestop_notify_journal_close(&j);
    ok(!exists(jdir, "journal.me"), "a journal closed empty: removed");

    d = opendir(jdir);
    rc = 0;

    while (d != NULL && (de = readdir(d)) != NULL) {
        rc += strncmp(de->d_name, "journal.", 8) == 0;
    }

    if (d != NULL) {
        closedir(d);
    }

    ok(rc == 2, "left: journal.dead and the set-aside one (%d)", rc);
}


static void
test_claim(void)
{
    char                      sdir[256], err[512];
    uint8_t                   claimed[1], was[1];
    onestop_store_t          *st;
    onestop_store_conf_t      sc;
    onestop_notify_id_t       v1, v2;
    onestop_notify_status_t   s;
    onestop_notify_outcome_t  o;

    snprintf(sdir, sizeof(sdir), "%s/store", dir);
    mkdir(sdir, 0700);
    memset(&sc, 0, sizeof(sc));
    sc.map_size = 16 << 20;
    sc.offset = 7 * 3600;
    sc.adopt_growth = 1;                    /* as the CLI's */

    if (onestop_store_open(&st, sdir, &sc, err, sizeof(err)) != ONESTOP_OK) {
        ok(0, "a store for the sent-log: %s", err);
        return;
    }

    memset(&v1, 0, sizeof(v1));
    strcpy(v1.code, "000.00.12.H36-261207-0001");
    v1.version = 1;
    v1.ev = ONESTOP_EV_APPOINTMENT;
    v1.ch = ONESTOP_NCH_SMS;
    v1.print = 1797000000;
    v2 = v1;
    v2.version = 2;
    v2.print = 1797200000;

    ok(onestop_notify_claim(st, &v1, 1, 0, claimed, was) == 0 && claimed[0],
       "version 1's new date claimed");
    ok(onestop_notify_claim(st, &v1, 1, 0, claimed, was) == 0 && !claimed[0],
       "not again while it is claimed");
    ok(onestop_notify_claim(st, &v1, 1, 1, claimed, was) == 0 && claimed[0]
       && was[0] == ONESTOP_NS_SENDING,
       "claimed again by a notifier that takes the entry over");

    ok(onestop_notify_claim(st, &v2, 1, 0, claimed, was) == 0 && claimed[0],
       "version 2's other date claimed");
    memset(&o, 0, sizeof(o));
    o.id = &v2;
    o.state = ONESTOP_NS_SENT;
    o.attempts = 1;
    ok(onestop_notify_record(st, &o, 1, -1, -1) == 0, "and sent");

    ok(onestop_notify_claim(st, &v1, 1, 1, claimed, was) == 0
       && claimed[0] == 2 && was[0] == ONESTOP_NS_SENDING,
       "version 1's date, taken over after version 2's was told: to be "
       "settled, not sent");
    memset(&o, 0, sizeof(o));
    o.id = &v1;
    o.state = ONESTOP_NS_SUPERSEDED;
    ok(onestop_notify_record(st, &o, 1, -1, -1) == 0,
       "and recorded as superseded");
    ok(onestop_store_read_begin(st) == ONESTOP_OK
       && onestop_notify_status(st, &s) == 0
       && s.count[ONESTOP_NCH_SMS][ONESTOP_EV_APPOINTMENT]
                 [ONESTOP_NC_SUPERSEDED] == 1
       && s.count[ONESTOP_NCH_SMS][ONESTOP_EV_APPOINTMENT]
                 [ONESTOP_NC_SENT] == 1,
       "the counts: 1 sent, 1 superseded");
    onestop_store_read_end(st);
    ok(onestop_notify_claim(st, &v1, 1, 1, claimed, was) == 0 && !claimed[0],
       "version 1's date no longer claimed by a notifier taking over");
    ok(onestop_notify_claim(st, &v1, 1, 0, claimed, was) == 0 && !claimed[0],
       "nor by a fresh claim");

    /* an appointment read after a newer version's result was told (two
     * notifiers, the older entry late): not told after the result */

    strcpy(v1.code, "000.00.12.H36-261207-0002");
    v2 = v1;
    v2.version = 2;
    v2.ev = ONESTOP_EV_RESULT;
    v2.print = 0;
    ok(onestop_notify_claim(st, &v2, 1, 0, claimed, was) == 0 && claimed[0],
       "version 2's result claimed");
    ok(onestop_notify_claim(st, &v1, 1, 0, claimed, was) == 0 && !claimed[0],
       "version 1's appointment after it: not claimed");

    test_journal(st);
    onestop_store_close(st);
}


int
main(void)
{
    char  cmd[128];

    if (mkdtemp(dir) == NULL) {
        return 1;
    }

    if (chdir(getenv("ONESTOP_ROOT") ? getenv("ONESTOP_ROOT") : ".") != 0) {
        return 1;
    }

    test_conf();
    test_record();
    test_render();
    test_sms_code();
    test_claim();

    onestop_batch_free(&batch);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);

    if (system(cmd) != 0) {
        printf("# could not remove %s\n", dir);
    }

    return done_testing();
}
