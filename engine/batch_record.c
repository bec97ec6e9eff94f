/*
 * A batch's records, member by member, and its list of faults.
 *
 * Each value yajl reports lands in the record being read and is checked
 * as it comes: a member that breaks a rule marks its record (422) and the
 * parse goes on, so that one answer lists every bad record; unknown
 * members are skipped whole.  The rules that need the whole record
 * (onestop_record_check) run when its object closes.  Strings are copied
 * into the batch's arena.
 *
 * Calls only files below the batch parser (the record, dates, the arena).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_batch_int.h"
#include "onestop_util.h"


typedef struct {
    const char  *name;
    int          key;
} key_t_;

static const key_t_  record_keys[] = {
    { "code", K_CODE }, { "version", K_VERSION }, { "agency", K_AGENCY },
    { "procedure", K_PROCEDURE }, { "channel", K_CHANNEL },
    { "return_channel", K_RETURN_CHANNEL }, { "applicant", K_APPLICANT },
    { "contact", K_CONTACT }, { "received_at", K_RECEIVED },
    { "due_at", K_DUE }, { "resolved_at", K_RESOLVED },
    { "returned_at", K_RETURNED }, { "withdrawn_at", K_WITHDRAWN },
    { "apology", K_APOLOGY }, { "submitted_at", K_SUBMITTED },
    { "notify", K_NOTIFY }, { "due_change", K_DUE_CHANGE }, { NULL, 0 }
};

static const key_t_  applicant_keys[] = {
    { "name", K_NAME }, { "type", K_TYPE }, { NULL, 0 }
};

static const key_t_  contact_keys[] = {
    { "phone", K_PHONE }, { "email", K_EMAIL }, { NULL, 0 }
};

static const key_t_  apology_keys[] = {
    { "issued_at", K_ISSUED }, { "new_due_at", K_NEW_DUE },
    { "reason", K_REASON }, { NULL, 0 }
};

static int lookup_key(const key_t_ *keys, const char *s, size_t len);
static int set_string(onestop_batch_parser_t *p, onestop_str_t *dst,
    int type, const char *s, size_t len, size_t max, int required,
    const char *why);
static int set_text(onestop_batch_parser_t *p, onestop_str_t *dst,
    int type, const char *s, size_t len, size_t max, int required,
    const char *why, const char *invisible);
static int set_time(onestop_batch_parser_t *p, onestop_ts_t *ts, int type,
    const char *s, size_t len, const char *why);


void
onestop_batch_fail(onestop_batch_t *b, size_t index, const char *code,
    const char *message)
{
    onestop_item_err_t  *items;

    b->nfailed++;

    if (b->error == 0) {
        b->error = 422;
    }

    if (b->nitems >= ONESTOP_ITEMS_MAX) {
        return;
    }

    if (b->items == NULL) {
        items = malloc(sizeof(onestop_item_err_t) * 16);

    } else if ((b->nitems & (b->nitems - 1)) == 0 && b->nitems >= 16) {
        items = realloc(b->items, sizeof(onestop_item_err_t) * b->nitems * 2);

    } else {
        items = b->items;
    }

    if (items == NULL) {
        return;
    }

    b->items = items;
    items[b->nitems].index = index;
    items[b->nitems].code = code;
    items[b->nitems].message = message;
    b->nitems++;
}


static int
item_cmp(const void *a, const void *b)
{
    const onestop_item_err_t  *x = a, *y = b;

    return x->index < y->index ? -1 : x->index > y->index;
}


void
onestop_batch_sort_items(onestop_batch_t *b)
{
    if (b->nitems > 1) {
        qsort(b->items, b->nitems, sizeof(onestop_item_err_t), item_cmp);
    }
}


void
onestop_syntax_item(onestop_batch_t *b, size_t index)
{
    /* a 400 lists the item or line at fault too (b->message says why) */

    b->nitems = 0;
    b->nfailed = 0;
    onestop_batch_fail(b, index, "bad_request", b->message);
    b->error = 400;
}


int
onestop_syntax_error(onestop_batch_parser_t *p, const char *fmt, size_t index)
{
    onestop_batch_t  *b;

    b = p->batch;

    if (b->error != 400) {
        snprintf(b->message, sizeof(b->message), fmt,
                 index + (p->ndjson ? b->line_base : 0));
        onestop_syntax_item(b, index);
    }

    return 0;
}


void
onestop_rec_error(onestop_batch_parser_t *p, const char *why)
{
    if (p->rec_error == NULL) {
        p->rec_error = why;
    }
}


int
onestop_rec_begin(onestop_batch_parser_t *p)
{
    onestop_batch_t   *b;
    uint8_t           *bad;
    onestop_record_t  *recs;
    size_t            *pos, cap;

    b = p->batch;

    if (b->nrecs == b->cap) {
        cap = b->cap ? b->cap * 2 : 64;
        recs = realloc(b->recs, cap * sizeof(onestop_record_t));

        if (recs == NULL) {
            return -1;
        }

        b->recs = recs;
        pos = realloc(b->pos, cap * sizeof(size_t));

        if (pos == NULL) {
            return -1;
        }

        b->pos = pos;
        bad = realloc(b->bad, cap);

        if (bad == NULL) {
            return -1;
        }

        b->bad = bad;
        b->cap = cap;
    }

    p->rec = &b->recs[b->nrecs];
    memset(p->rec, 0, sizeof(onestop_record_t));
    b->pos[b->nrecs] = p->index;
    b->bad[b->nrecs] = 0;
    b->nrecs++;

    p->in_record = 1;
    p->rec_depth = p->depth;
    p->sub = SUB_NONE;
    p->key = K_UNKNOWN;
    p->rec_error = NULL;
    p->seen = 0;
    p->given = 0;

    return 0;
}


void
onestop_rec_end(onestop_batch_parser_t *p)
{
    onestop_record_t  *r;
    onestop_batch_t   *b;

    b = p->batch;
    r = p->rec;

    if (p->rec_error == NULL) {
        if (!(p->seen & SEEN(K_CODE))) {
            onestop_rec_error(p, "code is required");

        } else if (!(p->seen & SEEN(K_VERSION))) {
            onestop_rec_error(p, "version is required");

        } else if (!(p->seen & SEEN(K_AGENCY))) {
            onestop_rec_error(p, "agency is required");

        } else if (!(p->seen & SEEN(K_PROCEDURE))) {
            onestop_rec_error(p, "procedure is required");

        } else if (!(p->seen & SEEN(K_CHANNEL))) {
            onestop_rec_error(p, "channel is required");

        } else if (!(p->seen & SEEN(K_NAME))) {
            onestop_rec_error(p, "applicant.name is required");

        } else if (!(p->seen & SEEN(K_DUE))) {
            /* null says so: a procedure without a deadline (issue 18) */
            onestop_rec_error(p, "due_at is required (null for a procedure "
                                 "without a deadline)");

        } else if (r->has_apology
                   && (!r->t[ONESTOP_T_APOLOGY_ISSUED].set
                       || !r->t[ONESTOP_T_APOLOGY_NEW_DUE].set))
        {
            onestop_rec_error(p, "apology needs issued_at and new_due_at");

        } else {
            onestop_record_check(r, b->offset, b->today, &p->rec_error);
        }
    }

    if (p->rec_error != NULL) {
        b->bad[r - b->recs] = 1;
        onestop_batch_fail(b, p->index, "invalid", p->rec_error);
    }

    p->in_record = 0;

    if (!p->ndjson) {
        p->index++;
    }
}


static int
lookup_key(const key_t_ *keys, const char *s, size_t len)
{
    for ( /* void */ ; keys->name != NULL; keys++) {
        if (strlen(keys->name) == len && memcmp(keys->name, s, len) == 0) {
            return keys->key;
        }
    }

    return K_UNKNOWN;
}


static int
set_string(onestop_batch_parser_t *p, onestop_str_t *dst, int type,
    const char *s, size_t len, size_t max, int required, const char *why)
{
    char  *copy;

    if (type == V_NULL && !required) {
        dst->data = NULL;
        dst->len = 0;
        return 0;
    }

    if (type != V_STRING || len > max || (required && len == 0)) {
        onestop_rec_error(p, why);
        return 0;
    }

    copy = onestop_arena_strdup(&p->batch->arena, s, len);

    if (copy == NULL) {
        return -1;
    }

    dst->data = copy;
    dst->len = len;
    return 0;
}


/* a text people read: no character they cannot see (onestop_util.h), or
 * the record is refused with `invisible`, which names the member */

static int
set_text(onestop_batch_parser_t *p, onestop_str_t *dst, int type,
    const char *s, size_t len, size_t max, int required, const char *why,
    const char *invisible)
{
    if (type == V_STRING && onestop_text_invisible(s, len)) {
        onestop_rec_error(p, invisible);
        return 0;
    }

    return set_string(p, dst, type, s, len, max, required, why);
}


static int
set_time(onestop_batch_parser_t *p, onestop_ts_t *ts, int type,
    const char *s, size_t len, const char *why)
{
    if (type == V_NULL) {
        ts->set = 0;
        return 0;
    }

    if (type != V_STRING
        || onestop_ts_parse(s, len, p->batch->offset, ts) != 0)
    {
        onestop_rec_error(p, why);
    }

    return 0;
}


static int
parse_version(const char *s, size_t len, uint64_t *v)
{
    size_t    i;
    uint64_t  n;

    if (len == 0 || len > 16) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        n = n * 10 + (uint64_t) (s[i] - '0');
    }

    if (n < 1 || n > ONESTOP_VERSION_MAX) {
        return -1;
    }

    *v = n;
    return 0;
}


int
onestop_rec_value(onestop_batch_parser_t *p, int type, const char *s,
    size_t len)
{
    int                c;
    onestop_record_t  *r;

    if (p->skip) {
        return 0;
    }

    if (!p->in_record) {
        return onestop_syntax_error(p, p->ndjson
                                       ? "line %zu is not a JSON object"
                                       : "item %zu is not a JSON object",
                                    p->index);
    }

    r = p->rec;

    if (p->sub == SUB_NOTIFY) {
        c = type == V_STRING ? (int) onestop_notify_channel(s, len) : 0;

        if (c == 0 || p->depth != p->rec_depth + 1) {
            onestop_rec_error(p, "notify must be an array of \"sms\", "
                                 "\"email\" and \"zalo\"");
        }

        r->notify |= (uint8_t) c;
        return 0;
    }

    if (p->depth == p->rec_depth + 1) {
        switch (p->key) {

        case K_NAME:
            if (set_text(p, &r->name, type, s, len, ONESTOP_NAME_MAX, 1,
                         "applicant.name must be a string of 1 to 256 "
                         "bytes",
                         "applicant.name " ONESTOP_TEXT_INVISIBLE) != 0)
            {
                return -1;
            }
            p->seen |= SEEN(K_NAME);
            return 0;

        case K_TYPE:
            if (type == V_NULL) {
                r->applicant_type = ONESTOP_APPLICANT_CITIZEN;

            } else if (type == V_STRING && len == 7
                       && memcmp(s, "citizen", 7) == 0)
            {
                r->applicant_type = ONESTOP_APPLICANT_CITIZEN;

            } else if (type == V_STRING && len == 12
                       && memcmp(s, "organization", 12) == 0)
            {
                r->applicant_type = ONESTOP_APPLICANT_ORGANIZATION;

            } else {
                onestop_rec_error(p, "applicant.type must be citizen or "
                                     "organization");
            }
            return 0;

        case K_PHONE:
            return set_text(p, &r->phone, type, s, len, ONESTOP_CONTACT_MAX,
                            0, "contact.phone must be a string of at most "
                               "256 bytes",
                            "contact.phone " ONESTOP_TEXT_INVISIBLE);

        case K_EMAIL:
            return set_text(p, &r->email, type, s, len, ONESTOP_CONTACT_MAX,
                            0, "contact.email must be a string of at most "
                               "256 bytes",
                            "contact.email " ONESTOP_TEXT_INVISIBLE);

        case K_ISSUED:
            return set_time(p, &r->t[ONESTOP_T_APOLOGY_ISSUED], type, s, len,
                            "apology.issued_at must be a date or an RFC 3339 "
                            "time, years 1990-2100");

        case K_NEW_DUE:
            return set_time(p, &r->t[ONESTOP_T_APOLOGY_NEW_DUE], type, s, len,
                            "apology.new_due_at must be a date or an RFC 3339 "
                            "time, years 1990-2100");

        case K_REASON:
            return set_text(p, &r->reason, type, s, len, ONESTOP_REASON_MAX,
                            0, "apology.reason must be a string of at most "
                               "4096 bytes",
                            "apology.reason " ONESTOP_TEXT_INVISIBLE);
        }

        return 0;
    }

    switch (p->key) {

    case K_CODE:
        p->seen |= SEEN(K_CODE);

        if (type != V_STRING || !onestop_code_valid(s, len)) {
            onestop_rec_error(p, "code must be 1-64 bytes of A-Z a-z 0-9 "
                                 ". - _, beginning and ending with a letter "
                                 "or digit");
            return 0;
        }

        return set_string(p, &r->code, type, s, len, ONESTOP_CODE_MAX, 1, "");

    case K_VERSION:
        p->seen |= SEEN(K_VERSION);

        if (type != V_NUMBER || parse_version(s, len, &r->version) != 0) {
            onestop_rec_error(p, "version must be an integer from 1 to "
                                 "2^53-1");
        }
        return 0;

    case K_AGENCY:
        p->seen |= SEEN(K_AGENCY);
        return set_string(p, &r->agency, type, s, len, ONESTOP_CODE_MAX, 1,
                          "agency must be a catalog id");

    case K_PROCEDURE:
        p->seen |= SEEN(K_PROCEDURE);
        return set_string(p, &r->procedure, type, s, len, ONESTOP_CODE_MAX, 1,
                          "procedure must be a catalog id");

    case K_CHANNEL:
        p->seen |= SEEN(K_CHANNEL);
        c = type == V_STRING ? onestop_channel_parse(s, len) : -1;

        if (c < 0) {
            onestop_rec_error(p, "channel must be direct, online or postal");
            return 0;
        }

        r->channel = (uint8_t) c;
        return 0;

    case K_RETURN_CHANNEL:
        c = type == V_NULL ? ONESTOP_RET_COUNTER
          : type == V_STRING ? onestop_return_channel_parse(s, len) : -1;

        if (c < 0) {
            onestop_rec_error(p, "return_channel must be counter, postal or "
                                 "online");
            return 0;
        }

        r->return_channel = (uint8_t) c;
        return 0;

    case K_RECEIVED:
        return set_time(p, &r->t[ONESTOP_T_RECEIVED], type, s, len,
                        "received_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_SUBMITTED:
        return set_time(p, &r->submitted, type, s, len,
                        "submitted_at must be an RFC 3339 time, "
                        "years 1990-2100");

    case K_DUE:
        p->seen |= SEEN(K_DUE);
        return set_time(p, &r->t[ONESTOP_T_DUE], type, s, len,
                        "due_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_RESOLVED:
        return set_time(p, &r->t[ONESTOP_T_RESOLVED], type, s, len,
                        "resolved_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_RETURNED:
        return set_time(p, &r->t[ONESTOP_T_RETURNED], type, s, len,
                        "returned_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_WITHDRAWN:
        return set_time(p, &r->t[ONESTOP_T_WITHDRAWN], type, s, len,
                        "withdrawn_at must be a date or an RFC 3339 time, "
                        "years 1990-2100");

    case K_APPLICANT:
        onestop_rec_error(p, "applicant must be an object");
        return 0;

    case K_CONTACT:
        if (type != V_NULL) {
            onestop_rec_error(p, "contact must be an object");
        }
        return 0;

    case K_APOLOGY:
        if (type != V_NULL) {
            onestop_rec_error(p, "apology must be an object");
        }
        r->has_apology = 0;
        return 0;

    case K_NOTIFY:
        if (type != V_NULL) {
            onestop_rec_error(p, "notify must be an array of \"sms\", "
                                 "\"email\" and \"zalo\"");
        }
        r->notify = 0;
        return 0;

    case K_DUE_CHANGE:
        c = type == V_NULL ? ONESTOP_DUE_CHANGE_NONE
          : type == V_STRING && len == 10 && memcmp(s, "supplement", 10) == 0
            ? ONESTOP_DUE_CHANGE_SUPPLEMENT
          : type == V_STRING && len == 10 && memcmp(s, "correction", 10) == 0
            ? ONESTOP_DUE_CHANGE_CORRECTION : -1;

        if (c < 0) {
            onestop_rec_error(p, "due_change must be \"supplement\" or "
                                 "\"correction\"");
            return 0;
        }

        r->due_change = (uint8_t) c;
        return 0;
    }

    return 0;
}


/* the key of a member where the parser stands: a record's, or one of
 * its objects' (K_UNKNOWN: skipped whole) */

static const char *const  twice[] = {
    [K_CODE] = "code is given twice",
    [K_VERSION] = "version is given twice",
    [K_AGENCY] = "agency is given twice",
    [K_PROCEDURE] = "procedure is given twice",
    [K_CHANNEL] = "channel is given twice",
    [K_RETURN_CHANNEL] = "return_channel is given twice",
    [K_APPLICANT] = "applicant is given twice",
    [K_CONTACT] = "contact is given twice",
    [K_RECEIVED] = "received_at is given twice",
    [K_DUE] = "due_at is given twice",
    [K_RESOLVED] = "resolved_at is given twice",
    [K_RETURNED] = "returned_at is given twice",
    [K_WITHDRAWN] = "withdrawn_at is given twice",
    [K_APOLOGY] = "apology is given twice",
    [K_NAME] = "applicant.name is given twice",
    [K_TYPE] = "applicant.type is given twice",
    [K_PHONE] = "contact.phone is given twice",
    [K_EMAIL] = "contact.email is given twice",
    [K_ISSUED] = "apology.issued_at is given twice",
    [K_NEW_DUE] = "apology.new_due_at is given twice",
    [K_REASON] = "apology.reason is given twice",
    [K_SUBMITTED] = "submitted_at is given twice",
    [K_NOTIFY] = "notify is given twice",
    [K_DUE_CHANGE] = "due_change is given twice"
};


/*
 * The key of a member where the parser stands: a record's, or one of its
 * objects' (K_UNKNOWN: skipped whole).  A member named twice makes the
 * record invalid: which of the two a reader takes differs from one JSON
 * library to another (the first, the last), and a write must mean one
 * record, the one the writer's own log and any gateway in between read.
 */
int
onestop_rec_key(onestop_batch_parser_t *p, const char *s, size_t len)
{
    int  k;

    if (p->depth == p->rec_depth) {
        k = lookup_key(record_keys, s, len);

    } else {
        k = lookup_key(p->sub == SUB_APPLICANT ? applicant_keys
                       : p->sub == SUB_CONTACT ? contact_keys
                       : apology_keys, s, len);
    }

    if (k != K_UNKNOWN) {
        if (p->given & SEEN(k)) {
            onestop_rec_error(p, twice[k]);
        }

        p->given |= SEEN(k);
    }

    return k;
}
