/*
 * The apology letters' list (Điều 11.3; SPEC section 7): the letters
 * newest first, filtered by date and catalog, a page at a time.  The idea:
 * the apologies database is an index kept in the same write as the
 * records (store.c), keyed by the inverted issue day and the code, so
 * that the newest letters come first in LMDB's order, a date range is
 * one seek, and "next" is simply the last key given (YYYY-MM-DD~CODE).
 * Each letter's details come from its record.  Only reads.
 */

#include <string.h>

#include "onestop_csv.h"
#include "onestop_history.h"
#include "onestop_stats_int.h"
#include "onestop_store_int.h"


#define DAY_LEN  ONESTOP_APOLOGY_DAY_LEN


static void
gen_day(yajl_gen g, const char *member, const onestop_ts_t *ts,
    int32_t offset)
{
    char  d[ONESTOP_DATE_LEN];

    onestop_gen_cstr(g, member);
    onestop_day_format(onestop_ts_day(ts, offset), d);
    onestop_gen_str(g, d, ONESTOP_DATE_LEN);
}


/*
 * The due date a letter put off (form 04: the appointment that was
 * missed): the one in force when it was issued.  A due date moved after
 * the letter (a supplement, a correction; issue 18) does not rewrite a
 * published letter, so that is the `from` of the first move written after
 * its issue (a letter issued on a date alone: after its day); without
 * such a move, the dossier's due date, or, when a later version took the
 * deadline away (a letter is kept all the same), the last one it had.
 * NULL when there is none to tell (an unset date is not a day).
 */

static const onestop_ts_t *
letter_due(const onestop_record_t *r, const onestop_letter_t *l,
    int32_t offset, onestop_ts_t *last)
{
    int                     after;
    size_t                  pos;
    const onestop_ts_t     *due;
    onestop_history_item_t  it;

    pos = 0;

    while (onestop_history_next(r->history.data, r->history.len, &pos, &it)
           == 1)
    {
        if (it.type != ONESTOP_HISTORY_MOVE) {
            continue;
        }

        after = l->issued.date_only
                ? onestop_sec_day(it.move.at, offset)
                  > onestop_ts_day(&l->issued, offset)
                : it.move.at > l->issued.sec;

        if (after && it.move.from.set) {
            *last = it.move.from;
            return last;
        }
    }

    if (r->t[ONESTOP_T_DUE].set) {
        return &r->t[ONESTOP_T_DUE];
    }

    due = NULL;
    pos = 0;

    while (onestop_history_next(r->history.data, r->history.len, &pos, &it)
           == 1)
    {
        if (it.type == ONESTOP_HISTORY_MOVE && it.move.from.set) {
            *last = it.move.from;
            due = last;
        }
    }

    return due;
}


/* a letter as JSON: code, agency, procedure, the applicant masked, the
 * days, the reason with the applicant's name masked */

static void
item_json(yajl_gen g, const onestop_catalog_t *cat, uint32_t agency,
    uint32_t procedure, const onestop_str_t *code, const onestop_record_t *r,
    const onestop_letter_t *l, int32_t offset)
{
    onestop_ts_t          last;
    const onestop_ts_t   *due;
    onestop_shown_name_t  name;
    onestop_shown_text_t  reason;

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "code");
    onestop_gen_str(g, code->data, code->len);
    onestop_gen_ref(g, "agency", &cat->agencies[agency].id,
            &cat->agencies[agency].name);
    onestop_gen_ref(g, "procedure", &cat->procedures[procedure].id,
            &cat->procedures[procedure].name);

    onestop_gen_cstr(g, "applicant");
    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "name");

    onestop_shown_name(&name, r, 0);
    onestop_gen_str(g, name.data, name.len);
    onestop_shown_name_free(&name);

    onestop_gen_cstr(g, "type");
    onestop_gen_cstr(g, r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION
                        ? "organization" : "citizen");
    yajl_gen_map_close(g);

    due = letter_due(r, l, offset, &last);

    if (due != NULL) {
        gen_day(g, "due_date", due, offset);
    } else {
        onestop_gen_cstr(g, "due_date");
        yajl_gen_null(g);
    }

    gen_day(g, "new_due_date", &l->new_due, offset);
    gen_day(g, "issued_date", &l->issued, offset);

    onestop_gen_cstr(g, "reason");

    if (l->reason.len) {
        onestop_shown_text(&reason, r, l->reason.data, l->reason.len, 0);
        onestop_gen_str(g, reason.data, reason.len);
        onestop_shown_text_free(&reason);
    } else {
        yajl_gen_null(g);
    }

    yajl_gen_map_close(g);
}


/* issue 15: the same letter as a CSV row (the JSON's members flattened:
 * agency and agency_name, applicant_name and applicant_type) */

static const char *const  csv_columns[] = {
    "code", "agency", "agency_name", "procedure", "procedure_name",
    "applicant_name", "applicant_type", "due_date", "new_due_date",
    "issued_date", "reason", NULL
};


static void
csv_head(const onestop_csv_t *d, onestop_buf_t *out)
{
    size_t  i;

    onestop_csv_bom(out);

    for (i = 0; csv_columns[i] != NULL; i++) {
        onestop_csv_heading(d, out, csv_columns[i], csv_columns[i + 1] == NULL);
    }
}


static void
item_csv(const onestop_csv_t *d, onestop_buf_t *out,
    const onestop_catalog_t *cat, uint32_t agency, uint32_t procedure,
    const onestop_str_t *code, const onestop_record_t *r,
    const onestop_letter_t *l, int32_t offset)
{
    const char            *type;
    onestop_ts_t           last;
    const onestop_ts_t    *due;
    onestop_shown_name_t   name;
    onestop_shown_text_t   reason;
    const onestop_str_t   *s;

    onestop_csv_text(d, out, code->data, code->len, 0);
    s = &cat->agencies[agency].id;
    onestop_csv_text(d, out, s->data, s->len, 0);
    s = &cat->agencies[agency].name;
    onestop_csv_text(d, out, s->data, s->len, 0);
    s = &cat->procedures[procedure].id;
    onestop_csv_text(d, out, s->data, s->len, 0);
    s = &cat->procedures[procedure].name;
    onestop_csv_text(d, out, s->data, s->len, 0);

    onestop_shown_name(&name, r, 0);
    onestop_csv_text(d, out, name.data, name.len, 0);
    onestop_shown_name_free(&name);

    type = r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION
           ? "organization" : "citizen";
    onestop_csv_text(d, out, type, strlen(type), 0);

    due = letter_due(r, l, offset, &last);

    if (due != NULL) {
        onestop_csv_day(d, out, onestop_ts_day(due, offset), 0);
    } else {
        onestop_csv_empty(d, out, 0);
    }

    onestop_csv_day(d, out, onestop_ts_day(&l->new_due, offset), 0);
    onestop_csv_day(d, out, onestop_ts_day(&l->issued, offset), 0);

    if (l->reason.len) {
        onestop_shown_text(&reason, r, l->reason.data, l->reason.len, 0);
        onestop_csv_text(d, out, reason.data, reason.len, 1);
        onestop_shown_text_free(&reason);
    } else {
        onestop_csv_empty(d, out, 1);
    }
}


int
onestop_store_apologies(onestop_store_t *st,
    const onestop_apology_query_t *q, onestop_buf_t *out)
{
    int                       rc;
    char                      d[ONESTOP_DATE_LEN];
    char                      next[ONESTOP_DATE_LEN + 1 + ONESTOP_CODE_MAX];
    int                       more;
    size_t                    n, nlen, i, nl;
    uint8_t                   start[DAY_LEN + ONESTOP_CODE_MAX];
    onestop_letter_t          letters[ONESTOP_LETTERS_MAX];
    uint32_t                  agency, procedure;
    yajl_gen                  g;
    MDB_val                   key, val, dk, dv;
    MDB_cursor               *cur;
    onestop_day_t             day;
    onestop_record_t          r;
    onestop_str_t             code;
    const uint8_t            *kp;
    const onestop_catalog_t  *cat;

    if (!st->reading || (cat = onestop_store_catalog(st)) == NULL) {
        return -2;
    }

    if (mdb_cursor_open(st->rtxn, st->apologies, &cur) != 0) {
        return -2;
    }

    g = NULL;

    if (q->csv) {
        csv_head(onestop_csv_dialect(q->csv), out);

    } else {
        g = onestop_report_gen(out);

        if (g == NULL) {
            mdb_cursor_close(cur);
            return -2;
        }

        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "items");
        yajl_gen_array_open(g);
    }

    /* where to start: after the cursor, or at `to` */

    if (q->has_after) {
        be32(start, 0xffffffffu - (uint32_t) q->after_day);
        memcpy(start + DAY_LEN, q->after_code, q->after_len);
        key.mv_size = DAY_LEN + q->after_len;

    } else {
        be32(start, q->f.has_to ? 0xffffffffu - (uint32_t) q->f.to : 0);
        key.mv_size = DAY_LEN;
    }

    key.mv_data = start;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);

    if (rc == 0 && q->has_after && key.mv_size == DAY_LEN + q->after_len
        && memcmp(key.mv_data, start, key.mv_size) == 0)
    {
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
    }

    n = 0;
    nlen = 0;
    more = 0;

    for ( ; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        kp = key.mv_data;

        if (key.mv_size <= DAY_LEN
            || val.mv_size != ONESTOP_APOLOGY_VALUE_LEN)
        {
            continue;
        }

        day = (onestop_day_t) (0xffffffffu - get_be32(kp));

        if (q->f.has_to && day > q->f.to) {
            continue;
        }

        if (q->f.has_from && day < q->f.from) {
            break;
        }

        memcpy(&agency, val.mv_data, 4);
        memcpy(&procedure, (const uint8_t *) val.mv_data + 4, 4);

        if (agency == 0 || agency > cat->nagencies
            || procedure == 0 || procedure > cat->nprocedures
            || (q->f.agency && agency != q->f.agency)
            || (q->f.under && !onestop_catalog_under(cat, agency, q->f.under))
            || (q->f.procedure && procedure != q->f.procedure)
            || (q->f.field && cat->procedures[procedure].field != q->f.field))
        {
            continue;
        }

        if (n == q->limit) {
            more = 1;           /* one more exists: there is a next page */
            break;
        }

        dk.mv_data = (void *) (kp + DAY_LEN);
        dk.mv_size = key.mv_size - DAY_LEN;

        if (mdb_get(st->rtxn, st->dossiers, &dk, &dv) != 0
            || onestop_record_decode(dv.mv_data, dv.mv_size, &r) != 0
            || r.tombstone)
        {
            continue;
        }

        code.data = dk.mv_data;
        code.len = dk.mv_size;

        /* the dossier's letters of that day (issue 18: every letter is
         * kept, each in the index by its own day) */

        nl = onestop_record_letters(&r, letters);

        for (i = 0; i < nl; i++) {
            if (onestop_ts_day(&letters[i].issued, st->offset) != day) {
                continue;
            }

            if (q->csv) {
                item_csv(onestop_csv_dialect(q->csv), out, cat, agency,
                         procedure, &code, &r, &letters[i], st->offset);
            } else {
                item_json(g, cat, agency, procedure, &code, &r, &letters[i],
                          st->offset);
            }
        }

        n++;
        onestop_day_format(day, d);
        memcpy(next, d, ONESTOP_DATE_LEN);
        next[ONESTOP_DATE_LEN] = '~';
        memcpy(next + ONESTOP_DATE_LEN + 1, code.data, code.len);
        nlen = ONESTOP_DATE_LEN + 1 + code.len;
    }

    mdb_cursor_close(cur);

    if (g != NULL) {
        yajl_gen_array_close(g);
        onestop_gen_cstr(g, "next");

        if (more) {
            onestop_gen_str(g, next, nlen);
        } else {
            yajl_gen_null(g);
        }

        yajl_gen_map_close(g);
        yajl_gen_free(g);
        onestop_buf_add(out, "\n", 1);
    }

    if (rc != 0 && rc != MDB_NOTFOUND) {
        return -2;
    }

    return out->failed ? -2 : 0;
}
