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


static void
gen_time(yajl_gen g, const char *member, const onestop_ts_t *ts,
    int32_t offset)
{
    char  buf[ONESTOP_TS_LEN + 1];

    if (!ts->set) {
        return;
    }

    onestop_gen_cstr(g, member);
    onestop_gen_str(g, buf, onestop_ts_format(ts, offset, buf));
}


static void
gen_record(yajl_gen g, const onestop_record_t *r,
    const onestop_catalog_t *cat, int32_t offset)
{
    const onestop_str_t  *s;

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "code");
    onestop_gen_str(g, r->code.data, r->code.len);
    onestop_gen_cstr(g, "version");
    yajl_gen_integer(g, (long long) r->version);

    onestop_gen_cstr(g, "agency");
    s = &cat->agencies[r->agency_id].id;
    onestop_gen_str(g, s->data, s->len);
    onestop_gen_cstr(g, "procedure");
    s = &cat->procedures[r->procedure_id].id;
    onestop_gen_str(g, s->data, s->len);

    onestop_gen_cstr(g, "channel");
    onestop_gen_cstr(g, onestop_channel_name(r->channel));
    onestop_gen_cstr(g, "return_channel");
    onestop_gen_cstr(g, onestop_return_channel_name(r->return_channel));

    onestop_gen_cstr(g, "applicant");
    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "name");
    onestop_gen_str(g, r->name.data, r->name.len);
    onestop_gen_cstr(g, "type");
    onestop_gen_cstr(g, r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION
                        ? "organization" : "citizen");
    yajl_gen_map_close(g);

    if (r->phone.len || r->email.len) {
        onestop_gen_cstr(g, "contact");
        yajl_gen_map_open(g);

        if (r->phone.len) {
            onestop_gen_cstr(g, "phone");
            onestop_gen_str(g, r->phone.data, r->phone.len);
        }

        if (r->email.len) {
            onestop_gen_cstr(g, "email");
            onestop_gen_str(g, r->email.data, r->email.len);
        }

        yajl_gen_map_close(g);
    }

    /* the channels the applicant chose (issue 16), when they chose */
    if (r->notify & ONESTOP_NOTIFY_GIVEN) {
        onestop_gen_cstr(g, "notify");
        yajl_gen_array_open(g);

        if (r->notify & ONESTOP_NOTIFY_EMAIL) {
            onestop_gen_cstr(g, "email");
        }

        if (r->notify & ONESTOP_NOTIFY_SMS) {
            onestop_gen_cstr(g, "sms");
        }

        if (r->notify & ONESTOP_NOTIFY_ZALO) {
            onestop_gen_cstr(g, "zalo");
        }

        yajl_gen_array_close(g);
    }

    if (r->submitted.set) {
        gen_time(g, "submitted_at", &r->submitted, offset);
    }

    if (!r->received_derived) {
        gen_time(g, "received_at", &r->t[ONESTOP_T_RECEIVED], offset);
    }

    if (r->t[ONESTOP_T_DUE].set) {
        gen_time(g, "due_at", &r->t[ONESTOP_T_DUE], offset);
    } else {
        onestop_gen_cstr(g, "due_at");      /* no deadline (issue 18) */
        yajl_gen_null(g);
    }

    gen_time(g, "resolved_at", &r->t[ONESTOP_T_RESOLVED], offset);
    gen_time(g, "returned_at", &r->t[ONESTOP_T_RETURNED], offset);
    gen_time(g, "withdrawn_at", &r->t[ONESTOP_T_WITHDRAWN], offset);

    if (r->has_apology) {
        onestop_gen_cstr(g, "apology");
        yajl_gen_map_open(g);
        gen_time(g, "issued_at", &r->t[ONESTOP_T_APOLOGY_ISSUED], offset);
        gen_time(g, "new_due_at", &r->t[ONESTOP_T_APOLOGY_NEW_DUE], offset);

        if (r->reason.len) {
            onestop_gen_cstr(g, "reason");
            onestop_gen_str(g, r->reason.data, r->reason.len);
        }

        yajl_gen_map_close(g);
    }

    /* what the store kept (issue 18), read-only: a write skips it */

    if (r->history.len) {
        onestop_gen_cstr(g, "due_changes");
        onestop_due_changes_render(g, r, offset, 1);
    }

    yajl_gen_map_close(g);
}


int
onestop_record_answer(onestop_buf_t *out, onestop_store_t *st,
    const onestop_scope_t *scope, const char *code, size_t len)
{
    int                       rc;
    yajl_gen                  g;
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

    g = onestop_report_gen(out);

    if (g == NULL) {
        return 500;
    }

    gen_record(g, &r, cat, onestop_store_offset(st));
    yajl_gen_free(g);
    onestop_buf_add(out, "\n", 1);

    return out->failed ? 500 : 200;
}
