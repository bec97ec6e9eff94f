/*
 * The store: one LMDB environment holding the dossiers, the catalog, the
 * durable counters and the outbox (lmdb-schema/README.md), and the one
 * write transaction that changes them together.
 *
 * A handle is used by one thread for reads (it keeps one read-only
 * transaction that is reset between uses and renewed, so a read costs no
 * allocation and no lock) and by one thread at a time for writes (the
 * write may run on another thread than the reads: MDB_NOTLS).
 */

#ifndef ONESTOP_STORE_H
#define ONESTOP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_catalog.h"
#include "onestop_json.h"
#include "onestop_record.h"
#include "onestop_stats.h"

#define ONESTOP_OK           0
#define ONESTOP_NOT_FOUND    1
#define ONESTOP_ERROR       -1
#define ONESTOP_FULL        -2           /* MDB_MAP_FULL or a full disk */
#define ONESTOP_STORE_OLD    2           /* onestop_store_check: an older
                                            schema, upgraded at an open */

/* why writes find no room (onestop_store_full) */
#define ONESTOP_FULL_MAP     1           /* the store reached map_size */
#define ONESTOP_FULL_DISK    2           /* its file system, or the quota
                                            of its owner there */

/* the least room, on the disk or in the map, that is room */
#define ONESTOP_ROOM_MIN    ((size_t) 1 << 20)

#define ONESTOP_MAP_SIZE_DEFAULT  ((size_t) 64 << 30)

typedef struct onestop_store_s  onestop_store_t;

typedef struct {
    size_t       map_size;      /* reserved for a new store (0: the
                                   default); an existing store keeps its
                                   own, or grows to this at open */
    int          adopt_growth;  /* one thread, no reader of its own: a
                                   map grown by another process may be
                                   adopted between transactions (the CLI) */
    int32_t      offset;        /* UTC offset for a new store */
    int          check_offset;  /* fail when the store's differs */
    unsigned     maxreaders;    /* 0: 1024 */
    int          readonly;      /* open an existing store for reading */
    int          random_reads;  /* MDB_NORDAHEAD: a page fault reads the
                                   page, not megabytes around it (nginx's
                                   workers: lookups and statistics land
                                   all over the file; the CLI's scans and
                                   backups keep the kernel's readahead) */
    uint64_t     outbox_max;    /* 0: 10,000,000 */
    int          unread;        /* nobody reads the outbox: each write
                                   drops what was committed before it */
    int          changelog_days;  /* the change log's days (issue 15),
                                   recorded in the store for the CLI: 0,
                                   as recorded (31 when never set);
                                   ONESTOP_CHANGES_OFF (-1): none kept */
    int          grace_set;     /* grace_days is to be recorded */
    unsigned     grace_days;    /* onestop_report_grace_days (issue 18):
                                   recorded in the store when grace_set
                                   (nginx), else as recorded (the CLI; 5
                                   when never set) */
    const struct onestop_calendar_s  *calendar;
                                /* working days and office hours (Điều
                                   9.1, 13.3); NULL: weekends only,
                                   07:00-17:00.  Not owned: it must
                                   outlive the store */
    int          calendar_set;  /* calendar is nginx's: recorded in the
                                   store; else (the CLI) a NULL calendar
                                   is the one recorded, if any */
} onestop_store_conf_t;

/*
 * Opens (and, unless readonly, creates) the store in directory `dir`.
 * Returns ONESTOP_OK, or ONESTOP_ERROR with a message in err.
 */
int onestop_store_open(onestop_store_t **stp, const char *dir,
    const onestop_store_conf_t *conf, char *err, size_t errlen);
void onestop_store_close(onestop_store_t *st);

/*
 * Whether a store could be opened, without changing a byte of it (for
 * "nginx -t"): ONESTOP_OK; ONESTOP_NOT_FOUND (none yet: an open creates
 * it); ONESTOP_STORE_OLD (an open upgrades it); ONESTOP_ERROR (it would
 * be refused).  msg says what, and the command that helps.
 */
int onestop_store_check(const char *dir, const onestop_store_conf_t *conf,
    char *msg, size_t len);

int32_t onestop_store_offset(const onestop_store_t *st);

/*
 * Why the last read (read_begin, get, catalog) or write of this handle
 * failed, or "": a fixed text that says what to do.
 */
const char *onestop_store_strerror(const onestop_store_t *st);

/* The store's files' size and the map's: bytes used and reserved. */
void onestop_store_usage(onestop_store_t *st, uint64_t *used,
    uint64_t *mapped);

/* Write transactions committed to the store since it was created, by any
 * process (LMDB's last transaction id): with the records accepted, how
 * many records a commit carried. */
uint64_t onestop_store_commits(onestop_store_t *st);

/* The dossiers' records (a deleted dossier's too), as of the current
 * read (between read_begin and read_end). */
uint64_t onestop_store_dossiers(onestop_store_t *st);

/*
 * Another reader of an open store, for another thread: the same LMDB
 * environment and databases, its own read transaction and catalog.  Every
 * read function works on it; writes do not.  onestop_store_close frees it
 * and leaves the environment open.  NULL when memory is exhausted.
 */
onestop_store_t *onestop_store_reader(onestop_store_t *st);

/* Reads.  Between read_begin and read_end, records and the catalog stay
 * valid; read_end releases the snapshot. */
int onestop_store_read_begin(onestop_store_t *st);
void onestop_store_read_end(onestop_store_t *st);

/* ONESTOP_OK (record filled, strings into the map), ONESTOP_NOT_FOUND
 * (also for a deleted dossier), or ONESTOP_ERROR. */
int onestop_store_get(onestop_store_t *st, const char *code, size_t len,
    onestop_record_t *r);

/* The catalog as of the current read (reloaded when it changed), or NULL
 * on failure. */
const onestop_catalog_t *onestop_store_catalog(onestop_store_t *st);

/* The last sequence number written to the outbox, as of the current read. */
uint64_t onestop_store_seq(onestop_store_t *st);

/*
 * Which store st is (never 0): the device and inode of its data.mdb, for
 * the keys of the answers nginx keeps in its zone, which outlive a reload
 * that may point onestop_store at another store (whose sequence numbers
 * are not this one's).
 */
uint64_t onestop_store_tag(onestop_store_t *st);

/* Writes. */

typedef struct {
    int                    all;          /* an administrator */
    const onestop_str_t   *agencies;     /* each covers its descendants */
    size_t                 n;
    int                    sms;          /* scope "sms": the SMS gateway's
                                            lookups (onestop_sms), no
                                            agency, no write */
} onestop_scope_t;

/* 1 when the scope covers the agency (itself or an ancestor listed). */
int onestop_scope_covers(const onestop_catalog_t *cat,
    const onestop_scope_t *scope, uint32_t agency);

enum {
    ONESTOP_W_DOSSIERS = 1,
    ONESTOP_W_DELETE,
    ONESTOP_W_CATALOG,
    ONESTOP_W_EVALUATE,
    ONESTOP_W_FEEDBACK
};

#define ONESTOP_INDICES  9              /* Article 13, Circular 01/2018 */

/* where an evaluation came from (Điều 18: the portal, the one-stop desk's
 * devices), by how it was authenticated; 0 for one stored before sources
 * were kept */
enum {
    ONESTOP_EVAL_SRC_NONE = 0,
    ONESTOP_EVAL_SRC_QR,            /* the receipt's signed token: the
                                       /q/ page's form, or an app */
    ONESTOP_EVAL_SRC_DESK,          /* a key: the desk's devices */
    ONESTOP_EVAL_SRC_PORTAL,        /* the code alone
                                       (onestop_evaluate_by_code) */
    ONESTOP_EVAL_SOURCES
};

typedef struct {
    int                      kind;
    const onestop_scope_t   *scope;
    onestop_batch_t         *batch;        /* ONESTOP_W_DOSSIERS */
    onestop_str_t            code;         /* ONESTOP_W_DELETE */
    onestop_catalog_doc_t   *doc;          /* ONESTOP_W_CATALOG */
    int8_t                   answers[ONESTOP_INDICES + 1];
                                           /* ONESTOP_W_EVALUATE, with code:
                                              [2..9] 0-2 or -1; [1] out */
    onestop_str_t            comment;
    uint8_t                  source;       /* ONESTOP_W_EVALUATE: how it
                                              was authenticated,
                                              ONESTOP_EVAL_SRC_* */
    int64_t                  evaluated_at; /* out */
    char                     upper[ONESTOP_CODE_MAX];
                                           /* ONESTOP_W_EVALUATE: code, when
                                              found in upper case */
    onestop_str_t            key;          /* the key's name, for the
                                              audit trail; empty: none */
    struct onestop_feedback_op_s  *feedback;   /* ONESTOP_W_FEEDBACK
                                                  (onestop_feedback.h) */

    /* results */
    int                      status;       /* HTTP-like: 200, 403, ... */
    const char              *error_code;   /* "forbidden", ... */
    char                     message[256];
    size_t                   accepted;
    size_t                   unchanged;
    size_t                   stale;
    size_t                   deleted;
    size_t                   agencies;
    size_t                   fields;
    size_t                   procedures;
} onestop_write_t;

/*
 * Applies writes in one transaction, each in a nested one of its own, so
 * that each succeeds or fails alone (status 200, or 403/404/409/422 with
 * batch items where records are at fault, or 507 for one too large for
 * the map), and commits once, durably.  Returns ONESTOP_OK when the
 * commit succeeded, ONESTOP_FULL (507: no room, onestop_store_full() says
 * where) or ONESTOP_ERROR (500) when nothing was written; then every
 * write's status says so too.  Must not be called while this thread has a
 * read open.
 */
int onestop_store_write(onestop_store_t *st, onestop_write_t **w, size_t n);

/*
 * The commit time of the writes that follow, in ms since the epoch, for
 * `onestop demo` alone (never an API's): a store built in one go as years
 * of writes would have left it, each batch committed at the time of its
 * newest event, so that the change log keeps only its last
 * onestop_changelog_days as a province's store does.  A time later than
 * the clock is taken as the clock; one earlier than the newest commit
 * time the store still records (the last entry of the outbox or of the
 * change log) as that time, so the commit times of a store never go
 * backwards (the change log's trim walks them in sequence order).  0: the
 * clock again, as every other writer.
 */
void onestop_store_commit_time(onestop_store_t *st, int64_t ms);

/*
 * The same for a group that may grow: once the transaction has begun
 * (this process then holds the store's writer lock) and again whenever
 * the writes so far are applied, more(ctx, w + n, cap - n) may add writes
 * that arrived meanwhile; they join the same commit.  *n is the group's
 * final size.  A writer that waited for another process's commit thus
 * takes everything that queued up behind it, not only what it started
 * with.
 */
typedef size_t (*onestop_write_more_pt)(void *ctx, onestop_write_t **w,
    size_t room);

int onestop_store_write_group(onestop_store_t *st, onestop_write_t **w,
    size_t *n, size_t cap, onestop_write_more_pt more, void *ctx);

/*
 * Whether writes find no room, as the writes so far found it: 0,
 * ONESTOP_FULL_MAP or ONESTOP_FULL_DISK.  Set when a write is refused with
 * 507; cleared by the next write that finds ONESTOP_ROOM_MIN of room again
 * (a write may commit meanwhile, in pages the store freed before).  A
 * failed write is taken for a full disk when LMDB reports ENOSPC or
 * EDQUOT, or EIO (a write cut short) while the file system has less than
 * ONESTOP_ROOM_MIN for the store's user.  For the thread that writes, or
 * once its write has returned.
 */
int onestop_store_full(onestop_store_t *st);

/*
 * 1 when a write failed so that LMDB gave up on the environment
 * (MDB_PANIC: a meta page could not be written): every read and write of
 * this handle and its readers fails until the store is opened again.  A
 * full disk does not do it where a file's written blocks are overwritten
 * in place (ext4, XFS, tmpfs); a file system that copies on write may.
 * For the thread that writes, or once its write has returned.
 */
int onestop_store_broken(onestop_store_t *st);

/*
 * Statistics (SPEC section 7) on the current read: settles the period
 * against `today` and the store, and renders the JSON or CSV answer into
 * `out`.  Returns 0; -1 when the query is wrong for this store (q->error:
 * a 400); -2 when the store could not be read or memory ran out.
 */
int onestop_store_stats(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out);

/*
 * On the current read: loads this handle's catalog and walks the blocks
 * every statistics query reads, whatever its period (each series' years
 * and all time), so that this process maps their pages before a request
 * needs them; then answers the commonest heavy query (this year by
 * agency), appended to out, which the caller frees or keeps, so that the handle's
 * scratch (onestop_scratch.h) and that buffer have their room.  A
 * worker's first query otherwise does all of it, some milliseconds.
 * Returns how many blocks it walked, or -1 when the store could not be
 * read.
 */
long onestop_store_prewarm(onestop_store_t *st, onestop_buf_t *out);

/*
 * The apology letters (newest issue date first, then code), as
 * {"items": [...], "next": CURSOR|null}.  0, or -2 on a store failure.
 */
int onestop_store_apologies(onestop_store_t *st,
    const onestop_apology_query_t *q, onestop_buf_t *out);

/*
 * Evaluation summary (SPEC section 8): the query's filters and grouping,
 * from/to on the evaluation date.  0; -1 with q->error; -2 on failure.
 */
int onestop_store_evaluation_summary(onestop_store_t *st, onestop_query_t *q,
    onestop_day_t today, onestop_buf_t *out);

/* 1 when the dossier has been evaluated (current read). */
int onestop_store_evaluated(onestop_store_t *st, const char *code,
    size_t len);

/*
 * Recomputes every counter from the records and compares it with the
 * stored one; each difference is described in `report`.  Returns the
 * number of differences, or -1 when the store could not be read.
 */
long onestop_store_verify(onestop_store_t *st, onestop_buf_t *report);

/*
 * The same, calling progress(ctx, done, total) now and then from the
 * calling thread: `done` of `total` records read (each is read once per
 * pass), and done == total at the end.  progress may be NULL.
 */
typedef void (*onestop_progress_pt)(void *ctx, uint64_t done,
    uint64_t total);

long onestop_store_verify_progress(onestop_store_t *st, onestop_buf_t *report,
    onestop_progress_pt progress, void *ctx);

/* The change feed's side of the outbox (SPEC section 9). */

typedef struct {
    uint64_t        seq;
    uint8_t         kind;               /* ONESTOP_CHANGE_* */
    uint32_t        agency;             /* interned; 0: none */
    uint64_t        version;            /* the catalog's generation for
                                           catalog changes */
    size_t          code_len;
    char            code[ONESTOP_CODE_MAX];
    uint32_t        old_agency;         /* a dossier that moved: the agency
                                           it left; 0: none */
    char            ts[ONESTOP_TS_LEN]; /* the commit time, RFC 3339 */
    size_t          ts_len;             /* 0: an entry from before it */
    const char     *record;             /* a dossier's public lookup object
                                           as the change log keeps it, in
                                           the read's map; NULL: none */
    size_t          record_len;
} onestop_change_t;

/*
 * Up to `max` changes with a sequence above `after`, in order, as of the
 * current read.  A first sequence above after + 1 means the changes
 * between were dropped (onestop_outbox_max): the caller publishes a gap.
 * Returns how many were read, or -1.
 */
long onestop_store_outbox_read(onestop_store_t *st, uint64_t after,
    onestop_change_t *out, size_t max);

/* The sequence Redis acknowledged, as last recorded in the store. */
uint64_t onestop_store_published(onestop_store_t *st);

/*
 * Records that Redis acknowledged every change up to `seq`: the next write
 * transaction stores it and trims the outbox up to it (a bounded number of
 * entries each time).  Without Redis, pass the store's own sequence.  Safe
 * to call from the reading thread while another thread writes.
 */
void onestop_store_set_published(onestop_store_t *st, uint64_t seq);

/* Outbox entries older than the published sequence still to be trimmed. */
int onestop_store_needs_trim(onestop_store_t *st);

/*
 * All-time and current-year figures (up to `today`) of an agency and its
 * descendants (agency 0: the province), on the current read.  0 or -1.
 */
int onestop_store_agency_counts(onestop_store_t *st, uint32_t agency,
    onestop_day_t today, onestop_counts_t *all, onestop_counts_t *year);

/* COUNTERS of SPEC section 7, as members of the open object in `g`. */
void onestop_counts_render(yajl_gen g, const onestop_counts_t *c);

/* A consistent compacted copy into directory `dest` (must be empty or
 * missing).  0, or -1 with err. */
int onestop_store_backup(onestop_store_t *st, const char *dest, char *err,
    size_t errlen);

#endif /* ONESTOP_STORE_H */
