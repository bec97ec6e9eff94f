/*
 * The audit trail: who wrote, deleted, changed the catalog or recorded an
 * evaluation, what, and how it ended, as JSON lines that a log shipper or
 * jq reads one at a time.
 *
 * A line is made from the write as it ended, so that it says what the
 * client was told: a batch that failed as a whole (403, 409, 422, 507)
 * gives every record the batch's status, and the records at fault their
 * own error code.  Only identifiers go in: the key's name (never the key),
 * the agency, the dossier code and its version; no applicant's name,
 * contact or free text, so that the trail can be kept and shown to an
 * auditor without becoming a second copy of the personal data.
 */

#include <stdio.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "onestop_audit.h"
#include "onestop_date.h"
#include "onestop_json.h"


static void audit_begin(yajl_gen g, const onestop_write_t *w,
    const char *action, const char *time);
static void audit_end(yajl_gen g, onestop_buf_t *b);


static const char *actions[] = {
    NULL, "write", "delete", "catalog", "evaluate"
};


void
onestop_audit_format(onestop_buf_t *b, const onestop_write_t *w,
    int64_t now, int32_t offset)
{
    char                       time[40];
    size_t                     i, j;
    yajl_gen                   g;
    onestop_ts_t               ts;
    const char                *error;
    const onestop_batch_t     *bt;
    const onestop_record_t    *r;

    if (w->kind < ONESTOP_W_DOSSIERS || w->kind > ONESTOP_W_EVALUATE) {
        return;
    }

    ts.sec = now;
    ts.set = 1;
    ts.date_only = 0;
    time[onestop_ts_format(&ts, offset, time)] = '\0';

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        b->failed = 1;
        return;
    }

    if (w->kind != ONESTOP_W_DOSSIERS || w->batch == NULL
        || w->batch->nrecs == 0)
    {
        audit_begin(g, w, actions[w->kind], time);

        if (w->code.len) {
            yajl_gen_string(g, (const unsigned char *) "code", 4);
            onestop_gen_str(g, w->code.data, w->code.len);
        }

        if (w->kind == ONESTOP_W_CATALOG && w->status == 200) {
            yajl_gen_string(g, (const unsigned char *) "agencies", 8);
            yajl_gen_integer(g, (long long) w->agencies);
            yajl_gen_string(g, (const unsigned char *) "fields", 6);
            yajl_gen_integer(g, (long long) w->fields);
            yajl_gen_string(g, (const unsigned char *) "procedures", 10);
            yajl_gen_integer(g, (long long) w->procedures);
        }

        if (w->status != 200 && w->error_code != NULL) {
            yajl_gen_string(g, (const unsigned char *) "error", 5);
            onestop_gen_cstr(g, w->error_code);
        }

        audit_end(g, b);
        yajl_gen_free(g);
        return;
    }

    bt = w->batch;

    for (i = 0; i < bt->nrecs; i++) {
        r = &bt->recs[i];

        audit_begin(g, w, "write", time);

        if (r->agency.len) {
            yajl_gen_string(g, (const unsigned char *) "agency", 6);
            onestop_gen_str(g, r->agency.data, r->agency.len);
        }

        if (r->code.len) {
            yajl_gen_string(g, (const unsigned char *) "code", 4);
            onestop_gen_str(g, r->code.data, r->code.len);
            yajl_gen_string(g, (const unsigned char *) "version", 7);
            yajl_gen_integer(g, (long long) r->version);
        }

        /* the record's own fault, when the batch lists one */

        error = NULL;

        for (j = 0; j < bt->nitems; j++) {
            if (bt->items[j].index == bt->pos[i]) {
                error = bt->items[j].code;
                break;
            }
        }

        if (error == NULL && w->status != 200) {
            error = w->error_code;
        }

        if (error != NULL) {
            yajl_gen_string(g, (const unsigned char *) "error", 5);
            onestop_gen_cstr(g, error);
        }

        audit_end(g, b);
        yajl_gen_reset(g, NULL);
    }

    yajl_gen_free(g);
}


static void
audit_begin(yajl_gen g, const onestop_write_t *w, const char *action,
    const char *time)
{
    yajl_gen_map_open(g);
    yajl_gen_string(g, (const unsigned char *) "time", 4);
    onestop_gen_cstr(g, time);
    yajl_gen_string(g, (const unsigned char *) "key", 3);

    if (w->key.len) {
        onestop_gen_str(g, w->key.data, w->key.len);

    } else {
        yajl_gen_null(g);
    }

    yajl_gen_string(g, (const unsigned char *) "action", 6);
    onestop_gen_cstr(g, action);
    yajl_gen_string(g, (const unsigned char *) "status", 6);
    yajl_gen_integer(g, w->status);
}


static void
audit_end(yajl_gen g, onestop_buf_t *b)
{
    size_t                len;
    const unsigned char  *buf;

    yajl_gen_map_close(g);

    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        onestop_buf_add(b, buf, len);
        onestop_buf_add(b, "\n", 1);

    } else {
        b->failed = 1;
    }

    yajl_gen_clear(g);
}
