/*
 * The on-disk layout of an onestop store: the names of its LMDB databases,
 * the shape of their keys and values, and the version of all of it.
 * README.md beside this file explains each database; code reads its
 * constants from here and nowhere else.
 *
 * All integers in keys are big-endian so that LMDB's byte order is their
 * numeric order; integers in values are little-endian (the host order of
 * every platform we ship on, checked at build time by the engine).
 */

#ifndef ONESTOP_SCHEMA_H
#define ONESTOP_SCHEMA_H

/* Bumped whenever any layout below changes incompatibly. */
#define ONESTOP_SCHEMA_VERSION       6

/* Named databases. */
#define ONESTOP_DB_META              "meta"
#define ONESTOP_DB_DOSSIERS          "dossiers"
#define ONESTOP_DB_CATALOG           "catalog"
#define ONESTOP_DB_OUTBOX            "outbox"
#define ONESTOP_DB_COUNTERS          "counters"
#define ONESTOP_DB_APOLOGIES         "apologies"
#define ONESTOP_DB_EVALUATIONS       "evaluations"
#define ONESTOP_DB_EVALUATION_DAYS   "evaluation_days"
#define ONESTOP_DB_FEEDBACK          "feedback"
#define ONESTOP_DB_FEEDBACK_INDEX    "feedback_index"
#define ONESTOP_DB_FEEDBACK_COUNTERS "feedback_counters"
#define ONESTOP_DB_CHANGELOG         "changelog"
#define ONESTOP_DB_NOTIFY            "notify"       /* issue 16 */
#define ONESTOP_DB_PUBLISHED         "published"    /* issue 18 */
#define ONESTOP_DB_MAX               16

/* meta: ASCII names to fixed-size little-endian values. */
#define ONESTOP_META_SCHEMA          "schema_version"     /* u32 */
#define ONESTOP_META_UTC_OFFSET      "utc_offset"         /* i32 seconds */
#define ONESTOP_META_CATALOG_GEN     "catalog_gen"        /* u64 */
#define ONESTOP_META_OUTBOX_SEQ      "outbox_seq"         /* u64, last used */
#define ONESTOP_META_CREATED         "created_at"         /* i64 unix time */
#define ONESTOP_META_OUTBOX_MAX      "outbox_max"         /* u64 */
#define ONESTOP_META_PUBLISHED       "published_seq"      /* u64: Redis has it */
#define ONESTOP_META_MAP_SIZE        "map_size"           /* u64: bytes reserved */
/* replication (issue 14): the running digest at outbox_seq (32 bytes,
 * missing: zeros), the role (u64 ONESTOP_ROLE_*, missing: primary), the
 * prefix a follower's primary publishes under (bytes), and whether outbox
 * entries keep the change's bytes for {prefix}:log (u64, 1: they do) */
#define ONESTOP_META_DIGEST          "digest"
#define ONESTOP_META_ROLE            "role"
#define ONESTOP_META_FOLLOWS         "follows"
#define ONESTOP_META_LOG             "log"
#define ONESTOP_META_CHANGELOG_DAYS  "changelog_days"     /* u64; 0: none kept,
                                                            missing: 31 */

/* published figures (issue 18): the months before this one are frozen
 * (u64 months since ONESTOP_MONTH_ORIGIN's January; missing or 0: none
 * yet), and the days after a month's end it freezes (u64, as
 * onestop_report_grace_days last said; missing: 5) */
#define ONESTOP_META_PUBLISHED_BEFORE "published_before"
/* the local day + 1 of the store's first write by a build that publishes
 * (u64; missing: none yet): nothing is frozen on that day, so that what is
 * loaded on it (a history, a demo) is published, not listed as changes */
#define ONESTOP_META_PUBLISHED_START "published_start"
#define ONESTOP_META_GRACE_DAYS      "report_grace_days"
/* the working days and office hours nginx works by (onestop_calendar,
 * onestop_office_hours), as onestop_calendar_text() writes them, recorded
 * when nginx opens the store so that the CLI's writes derive alike */
#define ONESTOP_META_CALENDAR        "calendar"

#define ONESTOP_ROLE_PRIMARY         0
#define ONESTOP_ROLE_FOLLOWER        1
#define ONESTOP_FOLLOWS_MAX          128
#define ONESTOP_META_FEEDBACK_SEQ    "feedback_seq"       /* u64, last question id */

/*
 * catalog: one database, keys prefixed by a type byte.
 *   'A' u32 id         -> agency:    u8 level, u32 parent (0: none),
 *                                    u16 id length, id, u16 name length, name
 *   'a' id string      -> u32 id (the interned agency)
 *   'F' u32 id         -> field:     u16 id length, id, u16 name length, name
 *   'f' id string      -> u32 id
 *   'P' u32 id         -> procedure: u32 field, u16 id length, id,
 *                                    u16 name length, name
 *   'p' id string      -> u32 id
 *   'N' type byte      -> u32, the last id given for that type
 * Ids are interned from 1 in order of first appearance and never reused or
 * removed, so binary records can carry them.
 */
#define ONESTOP_CAT_AGENCY           'A'
#define ONESTOP_CAT_AGENCY_ID        'a'
#define ONESTOP_CAT_FIELD            'F'
#define ONESTOP_CAT_FIELD_ID         'f'
#define ONESTOP_CAT_PROCEDURE        'P'
#define ONESTOP_CAT_PROCEDURE_ID     'p'
#define ONESTOP_CAT_NEXT             'N'

#define ONESTOP_LEVEL_PROVINCE       1
#define ONESTOP_LEVEL_DISTRICT       2
#define ONESTOP_LEVEL_COMMUNE        3

/*
 * dossiers: code (1-64 bytes) -> record, layout ONESTOP_RECORD_FORMAT:
 *   u8  format
 *   u8  flags        (ONESTOP_REC_*)
 *   u8  channel      (0 direct, 1 online, 2 postal)
 *   u8  return channel (0 counter, 1 postal, 2 online)
 *   u8  applicant type (0 citizen, 1 organization)
 *   u8  set times    (bit i: time i present; i as ONESTOP_T_*)
 *   u8  date-only    (bit i: time i was written as a date)
 *   u8  notify       (ONESTOP_NOTIFY_*; 0: not said)
 *   u64 version
 *   u32 agency, u32 procedure (interned catalog ids)
 *   i64 seconds since the epoch (UTC), one per time that is present
 *   u16 length and bytes of: name, phone, email; u32 length and reason
 *   when flags has ONESTOP_REC_HISTORY (issue 18): u32 length and the
 *   dossier's history, items one after the other (oldest first):
 *     'L' an earlier apology letter (Điều 11.3), replaced by a later one:
 *         i64 issued, i64 new due, u8 date-only (bit 0 issued, bit 1 new
 *         due), u16 length and reason
 *     'M' a change of the due date: u8 flags (ONESTOP_MOVE_*), u8 why
 *         (ONESTOP_DUE_CHANGE_*), i64 old due, i64 new due (0 when
 *         absent), i64 when (the write's time), u8 length and the name
 *         of the key that wrote it (empty: the CLI)
 *   (a build that knows no history refuses such a record as unknown;
 *   only records with a history carry the flag)
 * A tombstone (flags has ONESTOP_REC_TOMBSTONE) stops after the agency
 * and procedure.
 * Format 2 is format 1 with the online submission's time (Điều 9.1): bit
 * 7 of "set times" (ONESTOP_SET_SUBMITTED) is set, and its i64 follows
 * the other times; a format 1 record never has that bit.  Only records
 * with a submission time are written as format 2, so that a build that
 * knows format 1 alone still reads every other record.
 */
#define ONESTOP_RECORD_FORMAT        1
#define ONESTOP_RECORD_FORMAT_SUBMITTED  2
#define ONESTOP_SET_SUBMITTED        0x80
#define ONESTOP_REC_TOMBSTONE        0x01
#define ONESTOP_REC_APOLOGY          0x02
#define ONESTOP_REC_RECEIVED_DERIVED 0x04   /* received from submitted, 9.1 */
#define ONESTOP_REC_HISTORY          0x08   /* letters and due moves kept */
#define ONESTOP_HISTORY_LETTER       'L'
#define ONESTOP_HISTORY_MOVE         'M'
#define ONESTOP_MOVE_FROM            0x01   /* there was a due date */
#define ONESTOP_MOVE_TO              0x02   /* there is one after */
#define ONESTOP_MOVE_LATE            0x04   /* the old one had passed */
#define ONESTOP_MOVE_FROM_DATE       0x08   /* written as dates */
#define ONESTOP_MOVE_TO_DATE         0x10
/* the byte after "date-only" (reserved before issue 16): the channels an
 * applicant chose for notifications, the record member "notify"; 0 (an
 * older record too): not said, every channel its contacts allow */
#define ONESTOP_NOTIFY_EMAIL         0x01
#define ONESTOP_NOTIFY_SMS           0x02
#define ONESTOP_NOTIFY_ZALO          0x04
#define ONESTOP_NOTIFY_GIVEN         0x80   /* "notify" was sent: only the
                                               channels of the bits above */

#define ONESTOP_T_RECEIVED           0
#define ONESTOP_T_DUE                1
#define ONESTOP_T_RESOLVED           2
#define ONESTOP_T_RETURNED           3
#define ONESTOP_T_WITHDRAWN          4
#define ONESTOP_T_APOLOGY_ISSUED     5
#define ONESTOP_T_APOLOGY_NEW_DUE    6
#define ONESTOP_T_COUNT              7

/*
 * counters: per series, a block per month and one of all time:
 *   'P' u8 channel                          province
 *   'A' u32 agency, u8 channel              an agency
 *   'C' u32 agency, u32 procedure, u8 channel   a cell
 *   'R' u32 agency, u8 return channel, u8 channel   an agency by return
 *                                           channel (issue 18)
 * then u16 month (months since 1990-01; 0xf000 + years since 1990: a
 * year, schema 4; 0xffff: all time; the years and all time under the
 * series' tag in lower case, schema 6: ONESTOP_SERIES_YEARS) ->
 *   month:    the totals as zigzag varints, then per counter a varint
 *             mask of its non-zero days and their values as zigzag
 *             varints (the totals are the days' sums)
 *   year:     the totals as zigzag varints (the sums of its months'),
 *             then its December 31 of the counters of ONESTOP_K_LAST_DAY
 *             (schema 5: a cut on December 30 reads them), a zigzag
 *             varint each
 *   all time: the totals as zigzag varints
 * of the nine counters of schema 2, or, after a byte 0x01 and a varint
 * count n (10..13), of the first n (written only when a later one is not
 * zero; a stored total is never negative, so a block of nine starts with
 * an even byte).
 * (schema 1: i64 totals[9], i32 days[9][31] and i64 totals[9]; such a
 * store is rewritten to schema 2 when first opened read-write; schema 2
 * gains the 'R' series and its apology letters' counts in schema 3, the
 * year blocks in schema 4, their last day in schema 5, and a key range
 * of their own in schema 6)
 * The counters are ONESTOP_K_* of engine/onestop_stats.h.
 */
#define ONESTOP_SERIES_PROVINCE      'P'
#define ONESTOP_SERIES_AGENCY        'A'
#define ONESTOP_SERIES_CELL          'C'
#define ONESTOP_SERIES_RETURN        'R'
#define ONESTOP_SERIES_PROVINCE_LEN  2      /* tag, channel */
#define ONESTOP_SERIES_AGENCY_LEN    6      /* tag, agency, channel */
#define ONESTOP_SERIES_CELL_LEN      10     /* tag, agency, procedure, channel */
#define ONESTOP_SERIES_RETURN_LEN    7      /* tag, agency, return channel,
                                               channel */
#define ONESTOP_SERIES_MONTH_LEN     2      /* the u16 month after a series */
/* the tag of a series' years and all time (schema 6): every series' year
 * blocks side by side, apart from the months, so that a query of whole
 * years walks them without a seek per series */
#define ONESTOP_SERIES_YEARS(tag)    ((char) ((tag) | 0x20))
/* the series' tag of either */
#define ONESTOP_SERIES_TAG(tag)      ((char) ((tag) & ~0x20))
#define ONESTOP_COUNTERS_KEY_MAX     12
#define ONESTOP_MONTH_ORIGIN         1990   /* month 0 is its January */
#define ONESTOP_MONTH_YEARS          0xf000 /* + years since the origin */
#define ONESTOP_MONTH_ALL_TIME       0xffff
#define ONESTOP_MONTH_DAYS           31

/*
 * apologies: u32 (0xffffffff - issue day), code -> u32 agency,
 * u32 procedure (newest letters first, then by code)
 */
#define ONESTOP_APOLOGY_DAY_LEN      4
#define ONESTOP_APOLOGY_VALUE_LEN    8

/*
 * evaluations: code -> u8 format, u8 answers[10] (index 1-9; 0xff: none),
 *   u8 channel, u8 source (ONESTOP_EVAL_SRC_*: 0 none recorded, 1 the
 *   receipt's QR token, 2 a desk's key, 3 the code alone), i64 evaluated
 *   at (unix), u32 agency, u32 procedure, u16 comment length, comment.
 *   Index 1 (time taken) follows the dossier: rewritten when a later
 *   version changes its timeliness; the evaluation and its day are
 *   deleted with the dossier.
 * evaluation_days: u32 local day of the evaluation, code -> (empty)
 */
#define ONESTOP_EVALUATION_FORMAT    1
#define ONESTOP_EVAL_ANSWERS         1      /* offsets in the value */
#define ONESTOP_EVAL_CHANNEL         11
#define ONESTOP_EVAL_SOURCE          12
#define ONESTOP_EVAL_AT              13
#define ONESTOP_EVAL_AGENCY          21
#define ONESTOP_EVAL_PROCEDURE       25
#define ONESTOP_EVAL_COMMENT_LEN     29
#define ONESTOP_EVAL_COMMENT         31     /* the size without a comment */
#define ONESTOP_EVAL_DAY_LEN         4      /* evaluation_days: the day */

/*
 * outbox: u64 seq -> entry:
 *   u8 kind (ONESTOP_CHANGE_*), u32 agency, u64 version,
 *   u8 code length, code (none for evaluations),
 *   u32 the agency a moved dossier left (0: none),
 *   32 bytes: the running digest after this change,
 *   i64 the primary's commit time, milliseconds since the epoch,
 *   then, when meta "log" is 1, the change's bytes (below)
 * (entries written before the digest stop after the old agency)
 *
 * The change's bytes (the {prefix}:log entry's "data", and what the
 * running digest hashes: digest(seq) = SHA-256(digest(seq - 1) ||
 * be64 seq || bytes), digest(0) = 32 zero bytes):
 *   u8 ONESTOP_LOG_FORMAT, u8 kind, u8 code length, code, then
 *   dossier, delete:  the dossiers value as stored (a tombstone for a delete)
 *   evaluation:       the evaluations value as stored
 *   catalog:          u64 catalog_gen, then for each put of the write, in
 *                     order: u8 key length, key, u16 value length, value
 */
#define ONESTOP_CHANGE_DOSSIER       1
#define ONESTOP_CHANGE_DELETE        2
#define ONESTOP_CHANGE_CATALOG       3
#define ONESTOP_CHANGE_EVALUATION    4
#define ONESTOP_CHANGE_GAP           5
#define ONESTOP_CHANGE_FEEDBACK      6      /* version: the question's id */

/*
 * feedback: u64 id (big-endian) -> a question, ONESTOP_FB_FORMAT 1:
 *   u8 format, u8 kind (0 question, 1 complaint, 2 suggestion),
 *   u8 flags (1 answered, 2 published), u8 times forwarded,
 *   u32 agency (0: not assigned), u32 procedure, u32 field,
 *   u32 the agency it was last forwarded from,
 *   i64 submitted, i64 received, i64 answered (0), i64 forwarded (0),
 *   i32 due day, u8[32] SHA-256 of the sender's token,
 *   u16 + dossier code, u16 + subject, u16 + name, u16 + contact,
 *   u32 + text, u32 + answer
 * feedback_index, keys by a type byte:
 *   'O' u64 id                      -> u32 agency: open (not answered)
 *   'P' u64 ~id                     -> u32 agency, u32 field, u8 kind,
 *                                      u32 procedure, then the public
 *                                      JSON of the (answered) question up
 *                                      to its catalog entries, as
 *                                      onestop_fb_public_head renders it:
 *                                      published, newest first (an entry
 *                                      of 9 bytes, without procedure and
 *                                      JSON, was written before those
 *                                      were kept; read as before)
 *   'W' folded word, 0, u64 ~id     -> (empty): a published question's
 *   'E' lower-case word, 0, u64 ~id -> (empty)  subject and answer words
 * feedback_counters: u32 agency, u8 kind, u16 month -> i32 [5][31]: per
 *   day, received, answered in time, answered late, overdue from (the day
 *   after the due day), overdue until (a late answer's day)
 */
/*
 * published (issue 18): the figures of closed months as they stood when
 * each was frozen, and what changed them since, keys by a type byte:
 *   'F' u16 month, u32 agency      -> the agency's figures of that month
 *                                     (GET /api/v1/stats?group=agency of
 *                                     the whole month): u8 n, then n
 *                                     zigzag varints, the members of
 *                                     onestop_counts_t in the order of
 *                                     engine/published.c's table (a
 *                                     reader takes the ones it knows; one
 *                                     a value lacks was never published:
 *                                     read as today's); an agency with
 *                                     no figure at all has no entry
 *   'X' u16 month, u32 agency, code -> (empty): a dossier whose
 *                                     contribution to that frozen month
 *                                     of that agency a later write changed
 * A month is frozen by the first write transaction that begins on or
 * after the local day (its last day + 1 + the grace days), before that
 * transaction's own writes; meta "published_before" says up to where.
 */
#define ONESTOP_PUB_FIGURES          'F'
#define ONESTOP_PUB_CHANGED          'X'
#define ONESTOP_PUB_KEY_LEN          7      /* tag, month, agency */
#define ONESTOP_GRACE_DAYS_DEFAULT   5
#define ONESTOP_GRACE_DAYS_MAX       31

#define ONESTOP_FBI_OPEN             'O'
#define ONESTOP_FBI_PUBLISHED        'P'
#define ONESTOP_FBI_WORD             'W'
#define ONESTOP_FBI_EXACT            'E'
#define ONESTOP_FBC_KEY_LEN          7
#define ONESTOP_FBC_COUNTERS         5

#define ONESTOP_OUTBOX_FIXED         18     /* kind .. code length, old agency,
                                               without the code */
#define ONESTOP_DIGEST_LEN           32
#define ONESTOP_LOG_FORMAT           1

#endif /* ONESTOP_SCHEMA_H */
