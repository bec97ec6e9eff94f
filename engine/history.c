/*
 * A dossier's history: earlier apology letters and due date changes, as
 * items appended one after the other to the record's bytes (layout in
 * lmdb-schema/onestop_schema.h).  The one idea: the history only grows
 * by what a new version replaces, so a version sent twice merges to the
 * same bytes (its "unchanged" stays a byte comparison), and a follower,
 * which stores the primary's bytes, never merges anything.
 */

#include <string.h>

#include "onestop_history.h"


#define LETTER_FIXED  (1 + 8 + 8 + 1 + 2)
#define MOVE_FIXED    (1 + 1 + 1 + 8 + 8 + 8 + 1)


static int64_t
get_i64(const uint8_t *p)
{
    int64_t  v;

    memcpy(&v, p, 8);
    return v;
}


int
onestop_history_next(const char *h, size_t len, size_t *pos,
    onestop_history_item_t *it)
{
    size_t          n, left;
    const uint8_t  *p;

    if (*pos == len) {
        return 0;
    }

    p = (const uint8_t *) h + *pos;
    left = len - *pos;
    memset(it, 0, sizeof(onestop_history_item_t));
    it->type = p[0];

    if (p[0] == ONESTOP_HISTORY_LETTER) {
        if (left < LETTER_FIXED) {
            return -1;
        }

        n = (size_t) p[18] | (size_t) p[19] << 8;

        if (left - LETTER_FIXED < n || n > ONESTOP_REASON_MAX) {
            return -1;
        }

        it->letter.issued.sec = get_i64(p + 1);
        it->letter.issued.set = 1;
        it->letter.issued.date_only = p[17] & 1;
        it->letter.new_due.sec = get_i64(p + 9);
        it->letter.new_due.set = 1;
        it->letter.new_due.date_only = (p[17] >> 1) & 1;
        it->letter.reason.data = (const char *) p + LETTER_FIXED;
        it->letter.reason.len = n;
        *pos += LETTER_FIXED + n;
        return 1;
    }

    if (p[0] == ONESTOP_HISTORY_MOVE) {
        if (left < MOVE_FIXED) {
            return -1;
        }

        n = p[MOVE_FIXED - 1];

        if (left - MOVE_FIXED < n || p[2] > ONESTOP_DUE_CHANGE_CORRECTION) {
            return -1;
        }

        it->move.flags = p[1];
        it->move.why = p[2];
        it->move.from.set = (p[1] & ONESTOP_MOVE_FROM) != 0;
        it->move.from.sec = it->move.from.set ? get_i64(p + 3) : 0;
        it->move.from.date_only = (p[1] & ONESTOP_MOVE_FROM_DATE) != 0;
        it->move.to.set = (p[1] & ONESTOP_MOVE_TO) != 0;
        it->move.to.sec = it->move.to.set ? get_i64(p + 11) : 0;
        it->move.to.date_only = (p[1] & ONESTOP_MOVE_TO_DATE) != 0;
        it->move.at = get_i64(p + 19);
        it->move.by.data = (const char *) p + MOVE_FIXED;
        it->move.by.len = n;
        *pos += MOVE_FIXED + n;
        return 1;
    }

    return -1;
}


int
onestop_history_check(const char *h, size_t len)
{
    int                     rc;
    size_t                  pos, letters, moves;
    onestop_history_item_t  it;

    pos = 0;
    letters = 0;
    moves = 0;

    while ((rc = onestop_history_next(h, len, &pos, &it)) == 1) {
        if (it.type == ONESTOP_HISTORY_LETTER) {
            letters++;
        } else {
            moves++;
        }
    }

    return rc == 0 && letters <= ONESTOP_LETTERS_MAX
           && moves <= ONESTOP_MOVES_MAX ? 0 : -1;
}


size_t
onestop_record_letters(const onestop_record_t *r, onestop_letter_t *out)
{
    size_t                  n, pos;
    onestop_history_item_t  it;

    n = 0;
    pos = 0;

    while (n < ONESTOP_LETTERS_MAX
           && onestop_history_next(r->history.data, r->history.len, &pos,
                                   &it) == 1)
    {
        if (it.type == ONESTOP_HISTORY_LETTER) {
            out[n++] = it.letter;
        }
    }

    if (r->has_apology && n < ONESTOP_LETTERS_MAX) {
        out[n].issued = r->t[ONESTOP_T_APOLOGY_ISSUED];
        out[n].new_due = r->t[ONESTOP_T_APOLOGY_NEW_DUE];
        out[n++].reason = r->reason;
    }

    return n;
}


onestop_day_t
onestop_history_moved_late(const onestop_record_t *r, int32_t offset)
{
    size_t                  pos;
    onestop_history_item_t  it;

    pos = 0;

    while (onestop_history_next(r->history.data, r->history.len, &pos, &it)
           == 1)
    {
        if (it.type == ONESTOP_HISTORY_MOVE
            && (it.move.flags & ONESTOP_MOVE_LATE))
        {
            return onestop_sec_day(it.move.at, offset);
        }
    }

    return 0;
}


static void
put_letter(onestop_buf_t *out, const onestop_letter_t *l)
{
    uint8_t  b[LETTER_FIXED];
    size_t   n;

    n = l->reason.len > ONESTOP_REASON_MAX ? ONESTOP_REASON_MAX
                                           : l->reason.len;
    b[0] = ONESTOP_HISTORY_LETTER;
    memcpy(b + 1, &l->issued.sec, 8);
    memcpy(b + 9, &l->new_due.sec, 8);
    b[17] = (uint8_t) ((l->issued.date_only ? 1 : 0)
                       | (l->new_due.date_only ? 2 : 0));
    b[18] = (uint8_t) (n & 0xff);
    b[19] = (uint8_t) (n >> 8);
    onestop_buf_add(out, b, sizeof(b));
    onestop_buf_add(out, l->reason.data, n);
}


static void
put_move(onestop_buf_t *out, const onestop_due_move_t *m)
{
    uint8_t  b[MOVE_FIXED];
    int64_t  zero = 0;
    size_t   n;

    n = m->by.len > ONESTOP_KEY_NAME_MAX ? ONESTOP_KEY_NAME_MAX : m->by.len;
    b[0] = ONESTOP_HISTORY_MOVE;
    b[1] = m->flags;
    b[2] = m->why;
    memcpy(b + 3, m->from.set ? &m->from.sec : &zero, 8);
    memcpy(b + 11, m->to.set ? &m->to.sec : &zero, 8);
    memcpy(b + 19, &m->at, 8);
    b[MOVE_FIXED - 1] = (uint8_t) n;
    onestop_buf_add(out, b, sizeof(b));
    onestop_buf_add(out, m->by.data, n);
}


int
onestop_history_merge(onestop_buf_t *out, const onestop_record_t *old,
    onestop_record_t *r, const onestop_str_t *key, int64_t now,
    int32_t offset, onestop_day_t today, const char **why)
{
    int                     moved;
    size_t                  pos, letters, moves;
    onestop_letter_t        cur;
    onestop_due_move_t      m;
    onestop_history_item_t  it;
    const onestop_ts_t     *was, *due;

    out->len = 0;
    letters = r->has_apology ? 1 : 0;
    moves = 0;

    if (old == NULL || old->tombstone) {
        r->history.data = NULL;
        r->history.len = 0;
        return 0;
    }

    /* what old kept; a letter the new version sends as its current one
     * (the same issue time) is that letter, not an earlier one */

    pos = 0;

    while (onestop_history_next(old->history.data, old->history.len, &pos,
                                &it) == 1)
    {
        if (it.type == ONESTOP_HISTORY_LETTER) {
            if (r->has_apology
                && it.letter.issued.sec == r->t[ONESTOP_T_APOLOGY_ISSUED].sec)
            {
                continue;
            }

            put_letter(out, &it.letter);
            letters++;

        } else {
            put_move(out, &it.move);
            moves++;
        }
    }

    /* old's current letter, when the new version replaces it */

    if (old->has_apology
        && (!r->has_apology
            || old->t[ONESTOP_T_APOLOGY_ISSUED].sec
               != r->t[ONESTOP_T_APOLOGY_ISSUED].sec))
    {
        cur.issued = old->t[ONESTOP_T_APOLOGY_ISSUED];
        cur.new_due = old->t[ONESTOP_T_APOLOGY_NEW_DUE];
        cur.reason = old->reason;
        put_letter(out, &cur);
        letters++;
    }

    /* a change of the due date */

    was = &old->t[ONESTOP_T_DUE];
    due = &r->t[ONESTOP_T_DUE];
    moved = was->set != due->set || (was->set && was->sec != due->sec);

    if (moved) {
        memset(&m, 0, sizeof(m));
        m.from = *was;
        m.to = *due;
        m.flags = (uint8_t) ((was->set ? ONESTOP_MOVE_FROM : 0)
                             | (due->set ? ONESTOP_MOVE_TO : 0)
                             | (was->set && was->date_only
                                ? ONESTOP_MOVE_FROM_DATE : 0)
                             | (due->set && due->date_only
                                ? ONESTOP_MOVE_TO_DATE : 0));

        if (was->set && onestop_ts_day(was, offset) < today) {
            m.flags |= ONESTOP_MOVE_LATE;
        }

        m.why = r->due_change;
        m.at = now;

        if (key != NULL) {
            m.by = *key;
        }

        put_move(out, &m);
        moves++;
    }

    if (letters > ONESTOP_LETTERS_MAX) {
        *why = "a dossier keeps at most 16 apology letters";
        return -1;
    }

    if (moves > ONESTOP_MOVES_MAX) {
        *why = "a dossier's due date changes at most 32 times";
        return -1;
    }

    if (out->failed) {
        return -2;
    }

    r->history.data = out->data;
    r->history.len = out->len;

    return 0;
}
