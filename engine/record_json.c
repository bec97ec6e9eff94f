/*
 * A stored dossier as the write API takes it (issue 15, for a sync
 * partner): `GET /api/v1/ingest/dossiers/{code}` with a key whose scope
 * covers the dossier's agency.  The idea: the answer is a batch item, the
 * same members the write parses (batch_record.c), contacts included, so
 * that it can be written back as it is and be `unchanged`: every time in
 * the form it was stored (a date as YYYY-MM-DD, an instant in the store's
 * offset, which parses to the same second), defaults written out, and
 * received_at left out when Điều 9.1 derived it from submitted_at.
 * Only reads, inside the caller's read.
 */

#include <string.h>

#include "onestop_catalog.h"
#include "onestop_json.h"
#include "onestop_pages.h"
#include "onestop_stats_int.h"



/* "member":"instant" after *sep when ts is set; *sep is "," after it */
static void
json_time(onestop_buf_t *b, const char **sep, const char *member,
    const onestop_ts_t *ts, int32_t offset)
{
    char  buf[ONESTOP_TS_LEN + 1];

    if (!ts->set) {
        return;
    }

    onestop_buf_adds(b, *sep);
    *sep = ",";
    onestop_json_str(b, member, strlen(member));
    onestop_buf_lit(b, ":");
    onestop_json_str(b, buf, onestop_ts_format(ts, offset, buf));
}


static void
json_id(onestop_buf_t *b, const char *member, const onestop_str_t *s)
{
    onestop_buf_lit(b, ",");
    onestop_json_str(b, member, strlen(member));
    onestop_buf_lit(b, ":");
    onestop_json_str(b, s->data, s->len);
}


/* the bytes yajl_gen wrote before: members in this order, no spaces */
static void
json_record(onestop_buf_t *b, const onestop_record_t *r,
    const onestop_catalog_t *cat, int32_t offset)
{
    size_t       i;
    const char  *sep;

    static const struct {
        unsigned     flag;
        const char  *json;
    } notify[] = {
        { ONESTOP_NOTIFY_EMAIL, "\"email\"" },
        { ONESTOP_NOTIFY_SMS, "\"sms\"" },
        { ONESTOP_NOTIFY_ZALO, "\"zalo\"" },
    };

    onestop_buf_lit(b, "{\"code\":");
    onestop_json_str(b, r->code.data, r->code.len);
    onestop_buf_lit(b, ",\"version\":");
    onestop_json_int(b, (int64_t) r->version);

    json_id(b, "agency", &cat->agencies[r->agency_id].id);
    json_id(b, "procedure", &cat->procedures[r->procedure_id].id);

    onestop_buf_lit(b, ",\"channel\":");
    onestop_buf_lit(b, "\"");
    onestop_buf_adds(b, onestop_channel_name(r->channel));
    onestop_buf_lit(b, "\",\"return_channel\":\"");
    onestop_buf_adds(b, onestop_return_channel_name(r->return_channel));
    onestop_buf_lit(b, "\",\"applicant\":{\"name\":");
    onestop_json_str(b, r->name.data, r->name.len);

    if (r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION) {
        onestop_buf_lit(b, ",\"type\":\"organization\"}");
    } else {
        onestop_buf_lit(b, ",\"type\":\"citizen\"}");
    }

    if (r->phone.len || r->email.len) {
        onestop_buf_lit(b, ",\"contact\":{");

        if (r->phone.len) {
            onestop_buf_lit(b, "\"phone\":");
            onestop_json_str(b, r->phone.data, r->phone.len);
        }

        if (r->email.len) {
            if (r->phone.len) {
                onestop_buf_lit(b, ",");
            }

            onestop_buf_lit(b, "\"email\":");
            onestop_json_str(b, r->email.data, r->email.len);
        }

        onestop_buf_lit(b, "}");
    }

    /* the channels the applicant chose (issue 16), when they chose */
    if (r->notify & ONESTOP_NOTIFY_GIVEN) {
        sep = "";
        onestop_buf_lit(b, ",\"notify\":[");

        for (i = 0; i < 3; i++) {
            if (r->notify & notify[i].flag) {
                onestop_buf_adds(b, sep);
                onestop_buf_adds(b, notify[i].json);
                sep = ",";
            }
        }

        onestop_buf_lit(b, "]");
    }

    sep = ",";

    if (r->submitted.set) {
        json_time(b, &sep, "submitted_at", &r->submitted, offset);
    }

    if (!r->received_derived) {
        json_time(b, &sep, "received_at", &r->t[ONESTOP_T_RECEIVED], offset);
    }

    if (r->t[ONESTOP_T_DUE].set) {
        json_time(b, &sep, "due_at", &r->t[ONESTOP_T_DUE], offset);
    } else {
        onestop_buf_lit(b, ",\"due_at\":null");    /* no deadline (issue 18) */
    }

    json_time(b, &sep, "resolved_at", &r->t[ONESTOP_T_RESOLVED], offset);
    json_time(b, &sep, "returned_at", &r->t[ONESTOP_T_RETURNED], offset);
    json_time(b, &sep, "withdrawn_at", &r->t[ONESTOP_T_WITHDRAWN], offset);

    if (r->has_apology) {
        sep = "";
        onestop_buf_lit(b, ",\"apology\":{");
        json_time(b, &sep, "issued_at", &r->t[ONESTOP_T_APOLOGY_ISSUED],
                  offset);
        json_time(b, &sep, "new_due_at", &r->t[ONESTOP_T_APOLOGY_NEW_DUE],
                  offset);

        if (r->reason.len) {
            onestop_buf_adds(b, sep);
            onestop_buf_lit(b, "\"reason\":");
            onestop_json_str(b, r->reason.data, r->reason.len);
        }

        onestop_buf_lit(b, "}");
    }

    /* what the store kept (issue 18), read-only: a write skips it */

    if (r->history.len) {
        onestop_buf_lit(b, ",\"due_changes\":");
        onestop_due_changes_render(b, r, offset, 1);
    }

    onestop_buf_lit(b, "}");
}


int
onestop_record_answer(onestop_buf_t *out, onestop_store_t *st,
    const onestop_scope_t *scope, const char *code, size_t len)
{
    int                       rc;
    onestop_record_t          r;
    const onestop_catalog_t  *cat;

    if (!onestop_code_valid(code, len)) {
        return 404;
    }

    rc = onestop_store_get(st, code, len, &r);

    if (rc == ONESTOP_NOT_FOUND) {
        return 404;
    }

    cat = onestop_store_catalog(st);

    if (rc != ONESTOP_OK || cat == NULL) {
        return 500;
    }

    /* outside the key's scope: the same 404 as an absent code, so that a
     * key learns nothing of another agency's dossiers */

    if (r.tombstone || r.agency_id == 0 || r.agency_id > cat->nagencies
        || r.procedure_id == 0 || r.procedure_id > cat->nprocedures
        || !onestop_scope_covers(cat, scope, r.agency_id))
    {
        return 404;
    }

    json_record(out, &r, cat, onestop_store_offset(st));
    onestop_buf_add(out, "\n", 1);

    return out->failed ? 500 : 200;
}
