/*
 * The dossier: validation, derived status and timeliness, the compact
 * binary form kept in the store, and name masking.
 *
 * The binary form is canonical: two records with the same members (times
 * to the second) encode to the same bytes, so "same content" in the
 * version rules of SPEC section 5 is a byte comparison.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_calendar.h"
#include "onestop_history.h"
#include "onestop_record.h"
#include "onestop_util.h"


static uint8_t *put_u16str(uint8_t *p, const onestop_str_t *s);
static uint8_t *put_u32str(uint8_t *p, const onestop_str_t *s);
static int get_str(const uint8_t **p, const uint8_t *end, size_t lenbytes,
    onestop_str_t *s);


unsigned
onestop_notify_channel(const char *s, size_t len)
{
    if (len == 5 && memcmp(s, "email", 5) == 0) {
        return ONESTOP_NOTIFY_EMAIL;
    }

    if (len == 3 && memcmp(s, "sms", 3) == 0) {
        return ONESTOP_NOTIFY_SMS;
    }

    if (len == 4 && memcmp(s, "zalo", 4) == 0) {
        return ONESTOP_NOTIFY_ZALO;
    }

    return 0;
}


int
onestop_code_valid(const char *code, size_t len)
{
    size_t  i;
    char    c;

    if (len == 0 || len > ONESTOP_CODE_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = code[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9'))
        {
            continue;
        }

        if ((c == '.' || c == '-' || c == '_') && i != 0 && i != len - 1) {
            continue;
        }

        return 0;
    }

    return 1;
}


static size_t
code_space(const unsigned char *p, size_t len)
{
    if (len >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))) {
        return 1;
    }

    if (len >= 2 && p[0] == 0xc2 && p[1] == 0xa0) {
        return 2;
    }

    if (len >= 3 && ((p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x8b)
                     || (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)))
    {
        return 3;
    }

    return 0;
}


static size_t
code_space_end(const unsigned char *p, size_t len)
{
    size_t  n;

    for (n = 1; n <= 3 && n <= len; n++) {
        if (code_space(p + len - n, n) == n) {
            return n;
        }
    }

    return 0;
}


void
onestop_code_trim(const char **s, size_t *len)
{
    size_t                n;
    const unsigned char  *p;

    p = (const unsigned char *) *s;

    while (*len && (n = code_space(p, *len)) != 0) {
        p += n;
        *len -= n;
    }

    while (*len && (n = code_space_end(p, *len)) != 0) {
        *len -= n;
    }

    *s = (const char *) p;
}


int
onestop_code_upper(char *dst, const char *code, size_t len)
{
    size_t  i;
    int     lower;

    if (!onestop_code_valid(code, len)) {
        return 0;
    }

    lower = 0;

    for (i = 0; i < len; i++) {
        if (code[i] >= 'a' && code[i] <= 'z') {
            dst[i] = (char) (code[i] - 'a' + 'A');
            lower = 1;

        } else {
            dst[i] = code[i];
        }
    }

    return lower;
}


int
onestop_record_check(const onestop_record_t *r, int32_t offset,
    onestop_day_t today, const char **why)
{
    onestop_day_t        d[ONESTOP_T_COUNT], sub;
    int                  i, closed;
    const onestop_ts_t  *t;

    t = r->t;

    if (r->submitted.set && r->submitted.date_only) {
        *why = "submitted_at must be an RFC 3339 time (with its hour)";
        return -1;
    }

    if (!t[ONESTOP_T_RECEIVED].set
        && !(r->submitted.set && r->channel == ONESTOP_CH_ONLINE))
    {
        *why = r->submitted.set
               ? "received_at is required unless the dossier is online "
                 "with submitted_at"
               : "received_at is required";
        return -1;
    }

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        d[i] = t[i].set ? onestop_ts_day(&t[i], offset) : 0;
    }

    sub = r->submitted.set ? onestop_ts_day(&r->submitted, offset) : 0;

    /* years 1990-2100 hold for the local dates too, which statistics
     * index by: 1990-01-01T00:00:00+14:00 is a year 1989 here */

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (t[i].set
            && (d[i] < ONESTOP_DAY_FIRST || d[i] > ONESTOP_DAY_LAST))
        {
            *why = "a time's local date lies outside the years 1990-2100";
            return -1;
        }
    }

    if (r->submitted.set
        && (sub < ONESTOP_DAY_FIRST || sub > ONESTOP_DAY_LAST))
    {
        *why = "submitted_at's local date lies outside the years 1990-2100";
        return -1;
    }

    if (!t[ONESTOP_T_RECEIVED].set) {
        d[ONESTOP_T_RECEIVED] = sub;    /* derived later, not before it */

    } else if (r->submitted.set && d[ONESTOP_T_RECEIVED] < sub) {
        *why = "received_at is before submitted_at";
        return -1;
    }

    if (r->submitted.set && sub > today + 1) {
        *why = "a time lies more than one day in the future";
        return -1;
    }

    if (t[ONESTOP_T_DUE].set && d[ONESTOP_T_DUE] < d[ONESTOP_T_RECEIVED]) {
        *why = "due_at is before received_at";
        return -1;
    }

    if (t[ONESTOP_T_RESOLVED].set && t[ONESTOP_T_WITHDRAWN].set) {
        *why = "a dossier cannot be both resolved and withdrawn";
        return -1;
    }

    if (t[ONESTOP_T_RESOLVED].set
        && d[ONESTOP_T_RESOLVED] < d[ONESTOP_T_RECEIVED])
    {
        *why = "resolved_at is before received_at";
        return -1;
    }

    if (t[ONESTOP_T_RETURNED].set) {
        if (!t[ONESTOP_T_RESOLVED].set) {
            *why = "returned_at needs resolved_at";
            return -1;
        }

        if (d[ONESTOP_T_RETURNED] < d[ONESTOP_T_RESOLVED]) {
            *why = "returned_at is before resolved_at";
            return -1;
        }
    }

    if (t[ONESTOP_T_WITHDRAWN].set
        && d[ONESTOP_T_WITHDRAWN] < d[ONESTOP_T_RECEIVED])
    {
        *why = "withdrawn_at is before received_at";
        return -1;
    }

    if (r->has_apology) {
        if (!t[ONESTOP_T_APOLOGY_ISSUED].set
            || !t[ONESTOP_T_APOLOGY_NEW_DUE].set)
        {
            *why = "apology needs issued_at and new_due_at";
            return -1;
        }

        if (!t[ONESTOP_T_DUE].set) {
            *why = "apology needs due_at: a dossier without a deadline is "
                   "never late";
            return -1;
        }

        if (d[ONESTOP_T_APOLOGY_NEW_DUE] <= d[ONESTOP_T_DUE]) {
            *why = "apology new_due_at is not after due_at";
            return -1;
        }

        /* a letter apologises for a dossier the agency holds (Điều 11.3,
         * Nghị định 61/2018: issued before the due date, at the latest,
         * for one that will be late): never before it was received, nor
         * after it was resolved or withdrawn by its due date, when it
         * was never late; one issued after a late resolution is still a
         * late letter, and kept */

        if (d[ONESTOP_T_APOLOGY_ISSUED] < d[ONESTOP_T_RECEIVED]) {
            *why = "apology issued_at is before received_at";
            return -1;
        }

        closed = t[ONESTOP_T_RESOLVED].set ? ONESTOP_T_RESOLVED
                 : t[ONESTOP_T_WITHDRAWN].set ? ONESTOP_T_WITHDRAWN : -1;

        if (closed >= 0 && d[closed] <= d[ONESTOP_T_DUE]
            && d[ONESTOP_T_APOLOGY_ISSUED] > d[closed])
        {
            *why = closed == ONESTOP_T_RESOLVED
                   ? "apology issued_at is after resolved_at, which was "
                     "not late: no letter for a dossier resolved by its "
                     "due date"
                   : "apology issued_at is after withdrawn_at, which was "
                     "not late: no letter for a dossier withdrawn by its "
                     "due date";
            return -1;
        }
    }

    /* a received moment derived from the submission (Điều 9.1) may lie
     * days ahead, the next opening after a weekend or Tết: the rule is
     * the submission's, checked above */

    if ((!r->received_derived && d[ONESTOP_T_RECEIVED] > today + 1)
        || (t[ONESTOP_T_RESOLVED].set && d[ONESTOP_T_RESOLVED] > today + 1)
        || (t[ONESTOP_T_RETURNED].set && d[ONESTOP_T_RETURNED] > today + 1)
        || (t[ONESTOP_T_WITHDRAWN].set && d[ONESTOP_T_WITHDRAWN] > today + 1)
        || (r->has_apology && d[ONESTOP_T_APOLOGY_ISSUED] > today + 1))
    {
        *why = "a time lies more than one day in the future";
        return -1;
    }

    return 0;
}


int
onestop_record_derive(onestop_record_t *r, const onestop_record_t *old,
    const struct onestop_calendar_s *cal, int32_t offset)
{
    if (r->t[ONESTOP_T_RECEIVED].set || !r->submitted.set
        || r->channel != ONESTOP_CH_ONLINE)
    {
        return 0;
    }

    /* the moment derived when the dossier was written stays its moment:
     * a calendar changed since (a holiday added, other office hours) must
     * not move an old dossier's dates, nor turn the same record sent
     * again into a conflict */

    if (old != NULL && !old->tombstone && old->received_derived
        && old->submitted.set && old->submitted.sec == r->submitted.sec)
    {
        r->t[ONESTOP_T_RECEIVED].sec = old->t[ONESTOP_T_RECEIVED].sec;

    } else {
        r->t[ONESTOP_T_RECEIVED].sec = onestop_calendar_received(cal,
                                                   r->submitted.sec, offset);
    }

    r->t[ONESTOP_T_RECEIVED].set = 1;
    r->t[ONESTOP_T_RECEIVED].date_only = 0;
    r->received_derived = 1;

    return 1;
}


onestop_status_e
onestop_record_status(const onestop_record_t *r)
{
    if (r->t[ONESTOP_T_WITHDRAWN].set) {
        return ONESTOP_WITHDRAWN;
    }

    if (r->t[ONESTOP_T_RETURNED].set) {
        return ONESTOP_RETURNED;
    }

    if (r->t[ONESTOP_T_RESOLVED].set) {
        return ONESTOP_RESOLVED;
    }

    return ONESTOP_PROCESSING;
}


onestop_timeliness_e
onestop_record_timeliness(const onestop_record_t *r, int32_t offset,
    onestop_day_t today)
{
    onestop_day_t  due, done;

    /* withdrawn, or without a deadline (issue 18: a procedure with no
     * legal time limit, or answered on the spot): never early, on time,
     * late or overdue */

    if (r->t[ONESTOP_T_WITHDRAWN].set || !r->t[ONESTOP_T_DUE].set) {
        return ONESTOP_TL_NONE;
    }

    due = onestop_ts_day(&r->t[ONESTOP_T_DUE], offset);

    if (r->t[ONESTOP_T_RESOLVED].set) {
        done = onestop_ts_day(&r->t[ONESTOP_T_RESOLVED], offset);

        return done < due ? ONESTOP_TL_EARLY
                          : done == due ? ONESTOP_TL_ON_TIME : ONESTOP_TL_LATE;
    }

    return due < today ? ONESTOP_TL_OVERDUE : ONESTOP_TL_NOT_DUE;
}


const char *
onestop_status_text(onestop_status_e st, onestop_timeliness_e tl)
{
    static const char  *resolved[] = {
        "Đã giải quyết (trước hạn)",
        "Đã giải quyết (đúng hạn)",
        "Đã giải quyết (trễ hạn)"
    };
    static const char  *returned[] = {
        "Đã trả kết quả (trước hạn)",
        "Đã trả kết quả (đúng hạn)",
        "Đã trả kết quả (trễ hạn)"
    };

    switch (st) {

    case ONESTOP_WITHDRAWN:
        return "Đã rút hồ sơ";

    case ONESTOP_RESOLVED:
    case ONESTOP_RETURNED:
        if (tl == ONESTOP_TL_NONE) {        /* no deadline to judge by */
            return st == ONESTOP_RESOLVED ? "Đã giải quyết"
                                          : "Đã trả kết quả";
        }

        if (tl < ONESTOP_TL_EARLY || tl > ONESTOP_TL_LATE) {
            tl = ONESTOP_TL_ON_TIME;
        }

        return st == ONESTOP_RESOLVED ? resolved[tl - ONESTOP_TL_EARLY]
                                      : returned[tl - ONESTOP_TL_EARLY];

    default:
        return tl == ONESTOP_TL_OVERDUE ? "Đang giải quyết (quá hạn)"
                                        : "Đang giải quyết";
    }
}


const char *
onestop_status_name(onestop_status_e st)
{
    static const char  *names[] = {
        "processing", "resolved", "returned", "withdrawn"
    };

    return names[st];
}


const char *
onestop_timeliness_name(onestop_timeliness_e tl)
{
    static const char  *names[] = {
        NULL, "early", "on_time", "late", "not_due", "overdue"
    };

    return names[tl];
}


const char *
onestop_channel_name(unsigned ch)
{
    static const char  *names[] = { "direct", "online", "postal" };

    return ch < ONESTOP_CH_COUNT ? names[ch] : "direct";
}


const char *
onestop_return_channel_name(unsigned ch)
{
    static const char  *names[] = { "counter", "postal", "online" };

    return ch < 3 ? names[ch] : "counter";
}


int
onestop_channel_parse(const char *s, size_t len)
{
    unsigned  i;

    for (i = 0; i < ONESTOP_CH_COUNT; i++) {
        if (strlen(onestop_channel_name(i)) == len
            && memcmp(onestop_channel_name(i), s, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


int
onestop_return_channel_parse(const char *s, size_t len)
{
    unsigned  i;

    for (i = 0; i < 3; i++) {
        if (strlen(onestop_return_channel_name(i)) == len
            && memcmp(onestop_return_channel_name(i), s, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


/* binary form */

#define HEAD_LEN  (8 + 8 + 4 + 4)

size_t
onestop_record_size(const onestop_record_t *r)
{
    size_t  n;
    int     i;

    n = HEAD_LEN;

    if (r->tombstone) {
        return n;
    }

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        n += r->t[i].set ? 8 : 0;
    }

    n += r->submitted.set ? 8 : 0;

    return n + 2 + r->name.len + 2 + r->phone.len + 2 + r->email.len
           + 4 + r->reason.len + (r->history.len ? 4 + r->history.len : 0);
}


static uint8_t *
put_u16str(uint8_t *p, const onestop_str_t *s)
{
    *p++ = (uint8_t) (s->len & 0xff);
    *p++ = (uint8_t) (s->len >> 8);

    if (s->len) {
        memcpy(p, s->data, s->len);
    }

    return p + s->len;
}


static uint8_t *
put_u32str(uint8_t *p, const onestop_str_t *s)
{
    uint32_t  n;

    n = (uint32_t) s->len;
    memcpy(p, &n, 4);
    p += 4;

    if (s->len) {
        memcpy(p, s->data, s->len);
    }

    return p + s->len;
}


void
onestop_record_encode(const onestop_record_t *r, uint8_t *buf)
{
    int       i, sub;
    uint8_t  *p, set, date_only;
    uint64_t  v;

    set = 0;
    date_only = 0;

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (r->t[i].set && !r->tombstone) {
            set |= (uint8_t) (1u << i);

            if (r->t[i].date_only) {
                date_only |= (uint8_t) (1u << i);
            }
        }
    }

    sub = r->submitted.set && !r->tombstone;

    if (sub) {
        set |= ONESTOP_SET_SUBMITTED;
    }

    p = buf;
    *p++ = sub ? ONESTOP_RECORD_FORMAT_SUBMITTED : ONESTOP_RECORD_FORMAT;
    *p++ = (uint8_t) ((r->tombstone ? ONESTOP_REC_TOMBSTONE : 0)
                      | (r->has_apology ? ONESTOP_REC_APOLOGY : 0)
                      | (r->received_derived && !r->tombstone
                         ? ONESTOP_REC_RECEIVED_DERIVED : 0)
                      | (r->history.len && !r->tombstone
                         ? ONESTOP_REC_HISTORY : 0));
    *p++ = r->channel;
    *p++ = r->return_channel;
    *p++ = r->applicant_type;
    *p++ = set;
    *p++ = date_only;
    *p++ = r->tombstone ? 0 : r->notify;

    v = r->version;
    memcpy(p, &v, 8);
    p += 8;
    memcpy(p, &r->agency_id, 4);
    p += 4;
    memcpy(p, &r->procedure_id, 4);
    p += 4;

    if (r->tombstone) {
        return;
    }

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (set & (1u << i)) {
            memcpy(p, &r->t[i].sec, 8);
            p += 8;
        }
    }

    if (sub) {
        memcpy(p, &r->submitted.sec, 8);
        p += 8;
    }

    p = put_u16str(p, &r->name);
    p = put_u16str(p, &r->phone);
    p = put_u16str(p, &r->email);
    p = put_u32str(p, &r->reason);

    if (r->history.len) {
        put_u32str(p, &r->history);
    }
}


int
onestop_record_same(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
    /* byte 6 is the date-only mark (lmdb-schema/onestop_schema.h) */

    return alen == blen && alen >= HEAD_LEN
           && memcmp(a, b, 6) == 0
           && memcmp(a + 7, b + 7, alen - 7) == 0;
}


static int
get_str(const uint8_t **p, const uint8_t *end, size_t lenbytes,
    onestop_str_t *s)
{
    size_t    n;
    uint32_t  n32;

    if ((size_t) (end - *p) < lenbytes) {
        return -1;
    }

    if (lenbytes == 2) {
        n = (size_t) (*p)[0] | (size_t) (*p)[1] << 8;

    } else {
        memcpy(&n32, *p, 4);
        n = n32;
    }

    *p += lenbytes;

    if ((size_t) (end - *p) < n) {
        return -1;
    }

    s->data = (const char *) *p;
    s->len = n;
    *p += n;

    return 0;
}


int
onestop_record_decode(const uint8_t *buf, size_t len, onestop_record_t *r)
{
    int             i;
    uint8_t         set, date_only;
    const uint8_t  *p, *end;

    memset(r, 0, sizeof(onestop_record_t));

    if (len < HEAD_LEN
        || (buf[0] != ONESTOP_RECORD_FORMAT
            && buf[0] != ONESTOP_RECORD_FORMAT_SUBMITTED)
        || (buf[0] == ONESTOP_RECORD_FORMAT_SUBMITTED)
           != ((buf[5] & ONESTOP_SET_SUBMITTED) != 0))
    {
        return -1;
    }

    p = buf;
    end = buf + len;

    r->tombstone = (buf[1] & ONESTOP_REC_TOMBSTONE) != 0;
    r->has_apology = (buf[1] & ONESTOP_REC_APOLOGY) != 0;
    r->received_derived = (buf[1] & ONESTOP_REC_RECEIVED_DERIVED) != 0;
    r->channel = buf[2];
    r->return_channel = buf[3];
    r->applicant_type = buf[4];
    set = buf[5];
    date_only = buf[6];
    r->notify = buf[7];
    p += 8;

    memcpy(&r->version, p, 8);
    p += 8;
    memcpy(&r->agency_id, p, 4);
    p += 4;
    memcpy(&r->procedure_id, p, 4);
    p += 4;

    if (r->tombstone) {
        return 0;
    }

    for (i = 0; i < ONESTOP_T_COUNT; i++) {
        if (set & (1u << i)) {
            if (end - p < 8) {
                return -1;
            }

            memcpy(&r->t[i].sec, p, 8);
            p += 8;
            r->t[i].set = 1;
            r->t[i].date_only = (date_only & (1u << i)) != 0;
        }
    }

    if (set & ONESTOP_SET_SUBMITTED) {
        if (end - p < 8) {
            return -1;
        }

        memcpy(&r->submitted.sec, p, 8);
        p += 8;
        r->submitted.set = 1;
    }

    if (get_str(&p, end, 2, &r->name) != 0
        || get_str(&p, end, 2, &r->phone) != 0
        || get_str(&p, end, 2, &r->email) != 0
        || get_str(&p, end, 4, &r->reason) != 0)
    {
        return -1;
    }

    if ((buf[1] & ONESTOP_REC_HISTORY)
        && (get_str(&p, end, 4, &r->history) != 0 || r->history.len == 0
            || onestop_history_check(r->history.data, r->history.len) != 0))
    {
        return -1;
    }

    return p == end ? 0 : -1;
}


const char *
onestop_record_due_move(const onestop_record_t *old,
    const onestop_record_t *r, int32_t offset, onestop_day_t today)
{
    onestop_day_t  was;

    if (!old->t[ONESTOP_T_DUE].set || r->due_change != ONESTOP_DUE_CHANGE_NONE)
    {
        return NULL;
    }

    was = onestop_ts_day(&old->t[ONESTOP_T_DUE], offset);

    if (was >= today
        || (r->t[ONESTOP_T_DUE].set
            && onestop_ts_day(&r->t[ONESTOP_T_DUE], offset) == was))
    {
        return NULL;
    }

    /* moved, or taken away (a deadline removed hides lateness as well) */

    return "due_at moves a due date that has already passed: say why with "
           "due_change, \"supplement\" (the time restarts when a requested "
           "supplement arrives) or \"correction\"";
}


int
onestop_record_time_score(const onestop_record_t *r, int32_t offset)
{
    onestop_timeliness_e  tl;

    tl = onestop_record_timeliness(r, offset, 0);

    return tl == ONESTOP_TL_EARLY ? 2 : tl == ONESTOP_TL_ON_TIME ? 1
           : tl == ONESTOP_TL_LATE ? 0 : -1;
}
