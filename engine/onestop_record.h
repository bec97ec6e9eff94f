/*
 * The dossier (hồ sơ): its members as writers send them (SPEC section 3),
 * the rules that make one valid, what follows from its dates (status and
 * timeliness, DOMAIN.md), its compact binary form in the store, and the
 * masking of a citizen's name for public answers.
 *
 * Strings in a record are not owned by it: they point into the buffer the
 * record was parsed or decoded from (a parser's arena, or an LMDB value
 * that is valid until its transaction ends).
 */

#ifndef ONESTOP_RECORD_H
#define ONESTOP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_date.h"
#include "onestop_schema.h"

typedef struct {
    const char  *data;
    size_t       len;
} onestop_str_t;

#define onestop_str(s)  { s, sizeof(s) - 1 }

enum {
    ONESTOP_CH_DIRECT = 0,
    ONESTOP_CH_ONLINE,
    ONESTOP_CH_POSTAL,
    ONESTOP_CH_COUNT
};

enum {
    ONESTOP_RET_COUNTER = 0,
    ONESTOP_RET_POSTAL,
    ONESTOP_RET_ONLINE
};

enum {
    ONESTOP_APPLICANT_CITIZEN = 0,
    ONESTOP_APPLICANT_ORGANIZATION
};

typedef enum {
    ONESTOP_PROCESSING = 0,
    ONESTOP_RESOLVED,
    ONESTOP_RETURNED,
    ONESTOP_WITHDRAWN
} onestop_status_e;

typedef enum {
    ONESTOP_TL_NONE = 0,         /* withdrawn */
    ONESTOP_TL_EARLY,
    ONESTOP_TL_ON_TIME,
    ONESTOP_TL_LATE,
    ONESTOP_TL_NOT_DUE,
    ONESTOP_TL_OVERDUE
} onestop_timeliness_e;

#define ONESTOP_CODE_MAX          64
#define ONESTOP_NAME_MAX          256
#define ONESTOP_CONTACT_MAX       256
#define ONESTOP_REASON_MAX        4096
#define ONESTOP_VERSION_MAX       9007199254740991ULL     /* 2^53 - 1 */
#define ONESTOP_LETTERS_MAX       16      /* apology letters a dossier */
#define ONESTOP_MOVES_MAX         32      /* changes of its due date */
#define ONESTOP_KEY_NAME_MAX      255

typedef struct {
    onestop_str_t   code;
    uint64_t        version;

    onestop_str_t   agency;          /* ids as sent; empty once decoded */
    onestop_str_t   procedure;
    uint32_t        agency_id;       /* interned; 0 until resolved */
    uint32_t        procedure_id;

    uint8_t         channel;
    uint8_t         return_channel;
    uint8_t         due_change;      /* the write's own: why this version
                                        moves due_at (issue 18),
                                        ONESTOP_DUE_CHANGE_*; not stored */
    uint8_t         applicant_type;
    uint8_t         has_apology;
    uint8_t         tombstone;

    onestop_str_t   name;
    onestop_str_t   phone;
    onestop_str_t   email;
    onestop_str_t   reason;

    onestop_ts_t    t[ONESTOP_T_COUNT];    /* indexed by ONESTOP_T_* */

    onestop_ts_t    submitted;       /* submitted_at: the online
                                        submission (Điều 9.1), a time */
    uint8_t         received_derived;  /* received follows from it */

    uint8_t         notify;          /* the channels the applicant chose
                                        (issue 16): ONESTOP_NOTIFY_GIVEN
                                        and ONESTOP_NOTIFY_* bits; 0: not
                                        said, every channel */
    onestop_str_t   history;         /* its earlier apology letters and
                                        due date changes, as stored
                                        (history.c; empty: none) */
} onestop_record_t;

/* a version's reason for moving its due date (record member due_change):
 * the time restarts when a requested supplement arrives (yêu cầu bổ sung
 * hồ sơ), or a mistake is corrected */
enum {
    ONESTOP_DUE_CHANGE_NONE = 0,
    ONESTOP_DUE_CHANGE_SUPPLEMENT,
    ONESTOP_DUE_CHANGE_CORRECTION
};

/* "email", "sms", "zalo" as ONESTOP_NOTIFY_* (0: none of them) */
unsigned onestop_notify_channel(const char *s, size_t len);

/* 1 when `code` follows SPEC section 3 (1-64 bytes of A-Z a-z 0-9 . - _,
 * starting and ending with a letter or digit). */
int onestop_code_valid(const char *code, size_t len);

/*
 * A code as a person types or pastes it (issue 17): *s and *len moved past
 * the white space around it (ASCII white space, the no-break space U+00A0,
 * the zero-width spaces U+200B and U+FEFF that copying from a page or a
 * document brings along).
 */
void onestop_code_trim(const char **s, size_t *len);

/*
 * code[0..len) upper-cased into dst (ONESTOP_CODE_MAX bytes, or code
 * itself), when it is a valid code: 1 when it
 * differs from code (it had a lower-case letter) and is a valid code, so
 * is worth a second look in the store, where the agencies' codes are upper
 * case; 0 otherwise.
 */
int onestop_code_upper(char *dst, const char *code, size_t len);

/* index 1 of an evaluation (Circular 01/2018, Art. 13: the time the
 * dossier took), the system's: early 2, on time 1, late 0; -1 (not
 * scored) for a dossier without a deadline */
int onestop_record_time_score(const onestop_record_t *r,
    int32_t offset);

/*
 * Whether a new version `r` of `old` may move its due date on `today`:
 * NULL, or why not (issue 18: a due date that has already passed moves
 * only with a due_change reason, so that a late dossier is not made on
 * time by a later version).
 */
const char *onestop_record_due_move(const onestop_record_t *old,
    const onestop_record_t *r, int32_t offset, onestop_day_t today);

/*
 * The validity rules of SPEC section 3 that need no catalog: dates in
 * order, one outcome, nothing more than one day after `today`.  Returns 0,
 * or -1 with a message (a static string) in *why.  An online dossier with
 * submitted_at may lack received_at (onestop_record_derive() gives it);
 * until then its submission stands for it in the comparisons.
 */
int onestop_record_check(const onestop_record_t *r, int32_t offset,
    onestop_day_t today, const char **why);

struct onestop_calendar_s;

/*
 * Điều 9.1: an online dossier sent with submitted_at and without
 * received_at is received at onestop_calendar_received() of its
 * submission (cal NULL: weekends only, 07:00-17:00); sets received and
 * received_derived.  `old` is the stored version (NULL: none): when its
 * moment was derived from the same submission, r gets that moment, not
 * one by the calendar in force now.  Returns 1 when it did, 0 when the
 * record needs nothing.
 */
int onestop_record_derive(onestop_record_t *r, const onestop_record_t *old,
    const struct onestop_calendar_s *cal, int32_t offset);

onestop_status_e onestop_record_status(const onestop_record_t *r);

/* Timeliness on `today` (DOMAIN.md: dates compared in `offset`). */
onestop_timeliness_e onestop_record_timeliness(const onestop_record_t *r,
    int32_t offset, onestop_day_t today);

/* "Đang giải quyết (quá hạn)" and the like, SPEC section 4. */
const char *onestop_status_text(onestop_status_e st, onestop_timeliness_e tl);
const char *onestop_status_name(onestop_status_e st);
const char *onestop_timeliness_name(onestop_timeliness_e tl);
const char *onestop_channel_name(unsigned ch);
const char *onestop_return_channel_name(unsigned ch);
int onestop_channel_parse(const char *s, size_t len);
int onestop_return_channel_parse(const char *s, size_t len);

/* The size of the binary form (agency_id and procedure_id must be set). */
size_t onestop_record_size(const onestop_record_t *r);

/* Writes the binary form into buf (onestop_record_size bytes). */
void onestop_record_encode(const onestop_record_t *r, uint8_t *buf);

/*
 * 1 when two binary forms hold the same content in the sense of SPEC
 * section 5: every member, times to the second as instants.  The form
 * remembers whether a time was written as a date (the receipt prints it
 * so); a date and its local midnight written as a time are one instant,
 * so that mark is not compared.
 */
int onestop_record_same(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen);

/*
 * Reads the binary form; strings point into buf.  The code is not part of
 * it: the caller sets r->code from the key.  Returns 0, or -1 when the
 * bytes are not a record of a known format.
 */
int onestop_record_decode(const uint8_t *buf, size_t len,
    onestop_record_t *r);

/*
 * Masks a citizen's name (SPEC section 4): the first word whole, each
 * later word as its first letter with its combining marks and a dot,
 * words joined by one space.  `out` must hold 2 * `len` bytes (a dot may
 * follow every one-byte word).  Returns the length written.
 */
size_t onestop_mask_name(const char *name, size_t len, char *out);

/*
 * The letter at s[i] and the combining marks that follow it, as the one
 * precomposed lower-case letter Unicode composes them into (NFC: e, U+0302,
 * U+0303 and ê, U+0303 are both ễ): its code point, with *end past the
 * marks; 0 when there is none (a letter without marks, more than two
 * marks, or marks no Latin letter takes).
 */
uint32_t onestop_letter_composed(const char *s, size_t len, size_t i,
    size_t *end);

/*
 * A word's lower-case precomposed letters cp[0, n) with the tone mark of
 * a final "oa", "oe" or "uy" (not after "q") on its first vowel, where
 * the older style writes it: "hoà" becomes "hòa", "thuỷ" "thủy"; 1 when
 * it moved the mark.
 */
int onestop_tone_first(uint32_t *cp, size_t n);

/*
 * The applicant's name as a public answer shows it: an organization's as
 * it is, a citizen's masked unless `unmasked` (a signed QR code).  Fills
 * n->data and n->len; call onestop_shown_name_free after use (a name
 * longer than the parser accepts, from an older store, is masked into
 * memory of its own).
 */
typedef struct {
    const char      *data;
    size_t           len;
    char            *heap;
    char             buf[2 * ONESTOP_NAME_MAX];
} onestop_shown_name_t;

void onestop_shown_name(onestop_shown_name_t *n, const onestop_record_t *r,
    int unmasked);
void onestop_shown_name_free(onestop_shown_name_t *n);

/*
 * Free text a public answer shows (an apology's reason): each word that
 * is one of the later words of `name` (a citizen's given and middle
 * names; a word that begins with a capital, without regard to the case
 * of the rest) masked as onestop_mask_name masks it;
 * the family name alone is left, as the lookup leaves it.  `out` must
 * hold 2 * `len` bytes.  Returns the length written.
 */
size_t onestop_mask_words(const char *text, size_t len, const char *name,
    size_t nlen, char *out);

/* a record's free text as shown: masked unless `unmasked` or the
 * applicant is an organization; onestop_shown_text_free after use */
typedef struct {
    const char      *data;
    size_t           len;
    char            *heap;
} onestop_shown_text_t;

void onestop_shown_text(onestop_shown_text_t *t, const onestop_record_t *r,
    const char *text, size_t len, int unmasked);
void onestop_shown_text_free(onestop_shown_text_t *t);

#endif /* ONESTOP_RECORD_H */
