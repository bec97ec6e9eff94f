/*
 * Unit tests of the dossier's binary form (engine/record.c, layout in
 * lmdb-schema/onestop_schema.h): the round trip, tombstones, truncated and
 * foreign bytes refused, and canonical bytes (the same content, the same
 * bytes: "same content" of SPEC section 5 is a byte comparison).
 */

#include "record_fixture.h"


/* the binary form */

static int
same_str(const onestop_str_t *got, const onestop_str_t *want)
{
    if (got->len != want->len) {
        printf("#   length %zu, want %zu\n", got->len, want->len);
        return 0;
    }

    return want->len == 0 || memcmp(got->data, want->data, want->len) == 0;
}

static void
same_record(const onestop_record_t *a, const onestop_record_t *b,
    const char *what)
{
    int  i, times_ok;

    is_int(b->version, a->version, "%s: version", what);
    is_int(b->agency_id, a->agency_id, "%s: agency id", what);
    is_int(b->procedure_id, a->procedure_id, "%s: procedure id", what);
    is_int(b->channel, a->channel, "%s: channel", what);
    is_int(b->return_channel, a->return_channel, "%s: return channel", what);
    is_int(b->applicant_type, a->applicant_type, "%s: applicant type", what);
    is_int(b->has_apology, a->has_apology, "%s: apology flag", what);
    is_int(b->tombstone, 0, "%s: not a tombstone", what);
    ok(same_str(&b->name, &a->name), "%s: name", what);
    ok(same_str(&b->phone, &a->phone), "%s: phone", what);
    ok(same_str(&b->email, &a->email), "%s: email", what);
    ok(same_str(&b->reason, &a->reason), "%s: reason", what);

    times_ok = 1;

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (b->t[i].set != a->t[i].set) {
            times_ok = 0;
            printf("#   time %d: set %d, want %d\n", i, b->t[i].set,
                   a->t[i].set);
            continue;
        }

        if (a->t[i].set && (b->t[i].sec != a->t[i].sec
                            || b->t[i].date_only != a->t[i].date_only))
        {
            times_ok = 0;
            printf("#   time %d: %lld/%d, want %lld/%d\n", i,
                   (long long) b->t[i].sec, b->t[i].date_only,
                   (long long) a->t[i].sec, a->t[i].date_only);
        }
    }

    ok(times_ok, "%s: every time, set and date-only flag", what);
}


static uint8_t *
encode(const onestop_record_t *r, size_t *len)
{
    uint8_t  *buf;

    *len = onestop_record_size(r);
    buf = malloc(*len ? *len : 1);

    if (buf != NULL) {
        onestop_record_encode(r, buf);
    }

    return buf;
}


/* Decodes a copy of exactly n bytes, so that reading past them is caught
 * by the address sanitizer. */
static int
decode_n(const uint8_t *buf, size_t n, onestop_record_t *r, uint8_t **copy)
{
    *copy = malloc(n ? n : 1);

    if (*copy == NULL) {
        return -2;
    }

    memcpy(*copy, buf, n);
    return onestop_record_decode(*copy, n, r);
}


static void
test_codec(void)
{
    int                i, rc;
    char              *reason, *longname;
    size_t             n, n2, k, rejected;
    uint8_t           *buf, *buf2, *copy;
    onestop_record_t   r, d, e;

    /* a full record */

    r = rec("2019-07-09T08:15:00+07:00", "2019-07-16", "2019-07-15T10:00:00Z",
            "2019-07-16T09:30:00+07:00", NULL);
    apology(&r, "2019-07-14T09:00:00+07:00", "2019-07-19");
    r.version = ONESTOP_VERSION_MAX;
    r.agency_id = 0x01020304;
    r.procedure_id = 0xfffffffe;
    r.channel = ONESTOP_CH_POSTAL;
    r.return_channel = ONESTOP_RET_ONLINE;
    r.applicant_type = ONESTOP_APPLICANT_ORGANIZATION;
    r.name.data = "Công ty TNHH Đầu tư Long An";
    r.name.len = strlen(r.name.data);
    r.phone.data = "0912345678";
    r.phone.len = 10;
    r.email.data = "";
    r.email.len = 0;
    r.reason.data = "Hồ sơ cần bổ sung ý kiến của Sở Tài chính.";
    r.reason.len = strlen(r.reason.data);

    buf = encode(&r, &n);
    ok(buf != NULL, "encode a full record");
    is_int(buf[0], ONESTOP_RECORD_FORMAT, "the first byte is the format");
    is_int(n, 24 + 6 * 8 + 2 + r.name.len + 2 + 10 + 2 + 0 + 4 + r.reason.len,
           "the size of a full record follows the layout");

    memset(&d, 0x5a, sizeof(d));
    rc = decode_n(buf, n, &d, &copy);
    is_int(rc, 0, "decode a full record");
    same_record(&r, &d, "full record");
    is_int(d.code.len, 0, "the code is not in the value");
    free(copy);

    /* all seven times, every date-only pattern of them */

    r = rec("2019-07-09", "2019-07-16T17:00:00+07:00", "2019-07-15",
            "2019-07-16", NULL);
    apology(&r, "2019-07-14T09:00:00Z", "2019-07-19T08:00:00+07:00");
    r.t[ONESTOP_T_WITHDRAWN] = ts("2019-07-17T11:11:11Z");
    r.phone.data = NULL;
    r.phone.len = 0;
    r.reason.data = NULL;
    r.reason.len = 0;

    rejected = 0;

    for (k = 0; k < 128; k++) {
        for (i = 0; i < ONESTOP_T_COUNT; i++) {
            r.t[i].date_only = (k >> i) & 1;
        }

        buf2 = encode(&r, &n2);
        rc = decode_n(buf2, n2, &d, &copy);

        if (rc != 0) {
            rejected++;

        } else {
            for (i = 0; i < ONESTOP_T_COUNT; i++) {
                if (!d.t[i].set || d.t[i].sec != r.t[i].sec
                    || d.t[i].date_only != r.t[i].date_only)
                {
                    rejected++;
                    break;
                }
            }
        }

        free(copy);
        free(buf2);
    }

    is_int(rejected, 0, "seven times, each date-only or not: round trip");

    /* each time alone, so every bit of the set mask is exercised */

    rejected = 0;

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        memset(&e, 0, sizeof(e));
        e.version = 1;
        e.name.data = "A";
        e.name.len = 1;
        e.t[i] = ts("2019-07-09T08:15:00+07:00");
        buf2 = encode(&e, &n2);

        if (n2 != 24 + 8 + 2 + 1 + 2 + 2 + 4
            || decode_n(buf2, n2, &d, &copy) != 0)
        {
            rejected++;

        } else {
            int  j;

            for (j = 0; j < ONESTOP_T_COUNT; j++) {
                if (d.t[j].set != (j == i)) {
                    rejected++;
                }
            }

            if (d.t[i].sec != e.t[i].sec) {
                rejected++;
            }
        }

        free(copy);
        free(buf2);
    }

    is_int(rejected, 0, "each time alone: round trip in its own slot");

    /* empty strings, no times beyond the required, no apology */

    memset(&e, 0, sizeof(e));
    e.version = 1;
    e.t[ONESTOP_T_RECEIVED] = ts("1990-01-01");
    e.t[ONESTOP_T_DUE] = ts("2100-12-31T23:59:59Z");
    buf2 = encode(&e, &n2);
    is_int(n2, 24 + 16 + 2 + 2 + 2 + 4, "a bare record's size");
    rc = decode_n(buf2, n2, &d, &copy);
    is_int(rc, 0, "decode a bare record");
    same_record(&e, &d, "bare record");
    free(copy);
    free(buf2);

    /* long strings: a 256-byte name, a 4096-byte reason, and a reason past
     * 65535 bytes (its length is a u32) */

    longname = malloc(ONESTOP_NAME_MAX);
    reason = malloc(70000);

    if (longname != NULL && reason != NULL) {
        memset(longname, 'n', ONESTOP_NAME_MAX);

        for (k = 0; k < 70000; k++) {
            reason[k] = (char) ('a' + k % 26);
        }

        e = r;
        e.name.data = longname;
        e.name.len = ONESTOP_NAME_MAX;
        e.reason.data = reason;
        e.reason.len = ONESTOP_REASON_MAX;
        buf2 = encode(&e, &n2);
        rc = decode_n(buf2, n2, &d, &copy);
        is_int(rc, 0, "decode a 256-byte name and a 4096-byte reason");
        same_record(&e, &d, "long strings");
        free(copy);
        free(buf2);

        e.reason.len = 70000;
        buf2 = encode(&e, &n2);
        rc = decode_n(buf2, n2, &d, &copy);
        is_int(rc, 0, "decode a 70000-byte reason");
        is_int(d.reason.len, 70000, "... all of it");
        free(copy);
        free(buf2);
    }

    free(longname);
    free(reason);

    /* every truncation of a full record is rejected, as is a byte more */

    rejected = 0;

    for (k = 0; k < n; k++) {
        if (decode_n(buf, k, &d, &copy) == -1) {
            rejected++;
        } else {
            printf("#   accepted %zu of %zu bytes\n", k, n);
        }
        free(copy);
    }

    is_int(rejected, n, "every truncation of a full record is rejected "
           "(%zu lengths)", n);

    buf2 = malloc(n + 1);
    memcpy(buf2, buf, n);
    buf2[n] = 0;
    is_int(onestop_record_decode(buf2, n + 1, &d), -1,
           "a record with a byte more is rejected");
    free(buf2);

    /* a wrong format byte */

    buf2 = malloc(n);
    memcpy(buf2, buf, n);
    buf2[0] = 0;
    is_int(onestop_record_decode(buf2, n, &d), -1, "format byte 0");
    buf2[0] = ONESTOP_RECORD_FORMAT + 1;
    is_int(onestop_record_decode(buf2, n, &d), -1, "format byte %d",
           ONESTOP_RECORD_FORMAT + 1);
    buf2[0] = 0xff;
    is_int(onestop_record_decode(buf2, n, &d), -1, "format byte 0xff");
    buf2[0] = ONESTOP_RECORD_FORMAT;
    is_int(onestop_record_decode(buf2, n, &d), 0, "format byte restored");
    free(buf2);

    /* a string length pointing past the end */

    buf2 = malloc(n);
    memcpy(buf2, buf, n);
    buf2[24 + 6 * 8] = 0xff;
    buf2[24 + 6 * 8 + 1] = 0xff;
    is_int(onestop_record_decode(buf2, n, &d), -1,
           "a name length past the end is rejected");
    free(buf2);

    free(buf);

    /* tombstones */

    memset(&r, 0, sizeof(r));
    r = rec("2019-07-09", "2019-07-16", "2019-07-15", NULL, NULL);
    r.tombstone = 1;
    r.version = 42;
    r.agency_id = 7;
    r.procedure_id = 9;
    buf = encode(&r, &n);
    is_int(n, 24, "a tombstone is its header only");
    is_int(buf[0], ONESTOP_RECORD_FORMAT, "a tombstone's format byte");
    ok((buf[1] & ONESTOP_REC_TOMBSTONE) != 0, "a tombstone's flag");
    memset(&d, 0x5a, sizeof(d));
    rc = decode_n(buf, n, &d, &copy);
    is_int(rc, 0, "decode a tombstone");
    is_int(d.tombstone, 1, "it is a tombstone");
    is_int(d.version, 42, "with its version");
    is_int(d.agency_id, 7, "with its agency");
    is_int(d.procedure_id, 9, "with its procedure");
    ok(!d.t[ONESTOP_T_RECEIVED].set && !d.t[ONESTOP_T_DUE].set
       && !d.t[ONESTOP_T_RESOLVED].set, "and no times");
    is_int(d.name.len, 0, "and no name");
    free(copy);

    rejected = 0;

    for (k = 0; k < n; k++) {
        if (decode_n(buf, k, &d, &copy) == -1) {
            rejected++;
        }
        free(copy);
    }

    is_int(rejected, n, "every truncation of a tombstone is rejected");

    buf[0] = 0;
    is_int(onestop_record_decode(buf, n, &d), -1,
           "a tombstone with format byte 0");
    free(buf);
}


static int
same_bytes(const onestop_record_t *a, const onestop_record_t *b)
{
    int       eq;
    size_t    na, nb;
    uint8_t  *ba, *bb;

    ba = encode(a, &na);
    bb = encode(b, &nb);
    eq = ba != NULL && bb != NULL && na == nb && memcmp(ba, bb, na) == 0;
    free(ba);
    free(bb);

    return eq;
}


static int
same_content(const onestop_record_t *a, const onestop_record_t *b)
{
    int       eq;
    size_t    na, nb;
    uint8_t  *ba, *bb;

    ba = encode(a, &na);
    bb = encode(b, &nb);
    eq = ba != NULL && bb != NULL && onestop_record_same(ba, na, bb, nb);
    free(ba);
    free(bb);

    return eq;
}


static void
test_canonical(void)
{
    size_t            n, n2;
    uint8_t          *buf, *buf2, *copy;
    onestop_record_t  a, b, d;
    char              name1[64], name2[64];

    /* "same content" (SPEC section 5): every member, times to the second
     * as instants */

    a = rec("2019-07-09T08:15:00+07:00", "2019-07-16T17:00:00+07:00",
            "2019-07-15T10:00:00+07:00", NULL, NULL);
    apology(&a, "2019-07-14T09:00:00+07:00", "2019-07-19T17:00:00+07:00");
    a.reason.data = "lý do";
    a.reason.len = strlen(a.reason.data);

    /* the same, written in other offsets, with fractions, and built on a
     * dirty struct whose unused times hold garbage */

    memset(&b, 0xa5, sizeof(b));
    b.code = a.code;
    b.version = a.version;
    b.agency = a.agency;
    b.procedure = a.procedure;
    b.agency_id = a.agency_id;
    b.procedure_id = a.procedure_id;
    b.channel = a.channel;
    b.return_channel = a.return_channel;
    b.applicant_type = a.applicant_type;
    b.has_apology = 1;
    b.tombstone = 0;
    b.phone = a.phone;
    b.email = a.email;
    b.t[ONESTOP_T_RECEIVED] = ts("2019-07-09T01:15:00.999Z");
    b.t[ONESTOP_T_DUE] = ts("2019-07-16T05:00:00-05:00");
    b.t[ONESTOP_T_RESOLVED] = ts("2019-07-15T12:00:00.5+09:00");
    b.t[ONESTOP_T_RETURNED].set = 0;
    b.t[ONESTOP_T_WITHDRAWN].set = 0;
    b.t[ONESTOP_T_APOLOGY_ISSUED] = ts("2019-07-14T02:00:00z");
    b.t[ONESTOP_T_APOLOGY_NEW_DUE] = ts("2019-07-19t10:00:00Z");
    b.submitted.set = 0;            /* members added after this test */
    b.notify = 0;
    b.history.len = 0;
    b.received_derived = 0;

    /* equal strings at other addresses */
    snprintf(name1, sizeof(name1), "%s", "Nguyễn Văn An");
    snprintf(name2, sizeof(name2), "%s", "lý do");
    b.name.data = name1;
    b.name.len = strlen(name1);
    b.reason.data = name2;
    b.reason.len = strlen(name2);

    ok(same_bytes(&a, &b), "the same content, other offsets, fractions and "
       "garbage in unused fields: the same bytes");

    /* decode then encode gives the same bytes */

    buf = encode(&a, &n);
    decode_n(buf, n, &d, &copy);
    buf2 = encode(&d, &n2);
    ok(n == n2 && memcmp(buf, buf2, n) == 0,
       "encode(decode(encode(r))) == encode(r)");
    free(buf);
    free(buf2);
    free(copy);

    /* any difference of content shows in the bytes */

    b = a;
    b.version++;
    ok(!same_bytes(&a, &b), "another version: other bytes");
    b = a;
    b.t[ONESTOP_T_RESOLVED].sec++;
    ok(!same_bytes(&a, &b), "a time one second later: other bytes");
    b = a;
    b.t[ONESTOP_T_RETURNED] = ts("2019-07-16");
    ok(!same_bytes(&a, &b), "one more time: other bytes");
    b = a;
    b.name.data = "Nguyễn Văn Am";
    ok(!same_bytes(&a, &b), "another name: other bytes");
    b = a;
    b.phone.data = "1";
    b.phone.len = 1;
    ok(!same_bytes(&a, &b), "another phone (contact included): other bytes");
    b = a;
    b.email.data = "a@b";
    b.email.len = 3;
    ok(!same_bytes(&a, &b), "another email: other bytes");
    b = a;
    b.reason.len--;
    ok(!same_bytes(&a, &b), "another reason: other bytes");
    b = a;
    b.channel = ONESTOP_CH_DIRECT;
    ok(!same_bytes(&a, &b), "another channel: other bytes");
    b = a;
    b.return_channel = ONESTOP_RET_POSTAL;
    ok(!same_bytes(&a, &b), "another return channel: other bytes");
    b = a;
    b.applicant_type = ONESTOP_APPLICANT_ORGANIZATION;
    ok(!same_bytes(&a, &b), "another applicant type: other bytes");
    b = a;
    b.agency_id++;
    ok(!same_bytes(&a, &b), "another agency: other bytes");
    b = a;
    b.procedure_id++;
    ok(!same_bytes(&a, &b), "another procedure: other bytes");
    b = a;
    b.has_apology = 0;
    b.t[ONESTOP_T_APOLOGY_ISSUED].set = 0;
    b.t[ONESTOP_T_APOLOGY_NEW_DUE].set = 0;
    b.reason.data = NULL;
    b.reason.len = 0;
    ok(!same_bytes(&a, &b), "no apology: other bytes");

    /*
     * SPEC section 5 compares "times to the second as instants".  A date
     * is its local midnight (onestop_date.h), so "2019-07-16" and
     * "2019-07-16T00:00:00+07:00" are the same instant: the same content,
     * although the form remembers which was written (the receipt prints
     * a date without a time).
     */
    a = rec("2019-07-09", "2019-07-16", NULL, NULL, NULL);
    b = rec("2019-07-09T00:00:00+07:00", "2019-07-15T17:00:00Z", NULL, NULL,
            NULL);
    ok(same_content(&a, &b), "a date and its local midnight written as a "
       "time are the same instant: the same content (SPEC section 5)");
    ok(!same_bytes(&a, &b), "... though the form keeps how each was written");
    b = rec("2019-07-09T00:00:01+07:00", "2019-07-15T17:00:00Z", NULL, NULL,
            NULL);
    ok(!same_content(&a, &b), "one second later is other content");
}


int
main(void)
{
    test_codec();
    test_canonical();

    return done_testing();
}
