/*
 * A dossier's history (issue 18): the apology letters a later letter
 * replaced (Điều 11.3: a dossier late twice gets two letters, and the
 * first is not taken back by the second) and every change of its due
 * date (old and new date, when, by which key, why), kept in the record
 * across versions.  The writer sends the current letter and the current
 * due date; the store keeps what they replace.
 */

#ifndef ONESTOP_HISTORY_H
#define ONESTOP_HISTORY_H

#include "onestop_record.h"
#include "onestop_util.h"

typedef struct {
    onestop_ts_t    issued;
    onestop_ts_t    new_due;
    onestop_str_t   reason;
} onestop_letter_t;

typedef struct {
    uint8_t         flags;          /* ONESTOP_MOVE_* */
    uint8_t         why;            /* ONESTOP_DUE_CHANGE_* */
    onestop_ts_t    from;           /* .set 0: there was no due date */
    onestop_ts_t    to;             /* .set 0: none after */
    int64_t         at;             /* the write's time (unix) */
    onestop_str_t   by;             /* the key's name; empty: the CLI */
} onestop_due_move_t;

typedef struct {
    int                  type;      /* ONESTOP_HISTORY_LETTER or _MOVE */
    onestop_letter_t     letter;
    onestop_due_move_t   move;
} onestop_history_item_t;

/* the item at *pos of a history, *pos moved past it: 1, or 0 at the end,
 * -1 when the bytes are not a history */
int onestop_history_next(const char *h, size_t len, size_t *pos,
    onestop_history_item_t *it);

/* 0 when h[0..len) is a history within the limits, else -1 */
int onestop_history_check(const char *h, size_t len);

/* every apology letter of a record, oldest first (the current one last);
 * out holds ONESTOP_LETTERS_MAX; returns how many */
size_t onestop_record_letters(const onestop_record_t *r,
    onestop_letter_t *out);

/* the day of its first due date change made after the old date had
 * passed, or 0 when there is none */
onestop_day_t onestop_history_moved_late(const onestop_record_t *r,
    int32_t offset);

/*
 * The history of a new version r of `old` (NULL: a new dossier), written
 * into out and set as r->history: old's, the letter r replaces (old's
 * current one, when r has another or none), and the change of its due
 * date if r moves it (by `key`, at `now`, late when the old date is
 * before `today`).  Returns 0; -1 with *why when a limit is passed; -2
 * when memory is exhausted.
 */
int onestop_history_merge(onestop_buf_t *out, const onestop_record_t *old,
    onestop_record_t *r, const onestop_str_t *key, int64_t now,
    int32_t offset, onestop_day_t today, const char **why);

#endif /* ONESTOP_HISTORY_H */
