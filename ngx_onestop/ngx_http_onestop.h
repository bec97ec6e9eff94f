/*
 * What the files of the onestop module share: the configuration, the
 * per-worker state that hangs off it, and the helpers every handler uses
 * to answer (the JSON error object, the common headers).
 */

#ifndef NGX_HTTP_ONESTOP_H
#define NGX_HTTP_ONESTOP_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>

#include <yajl/yajl_gen.h>

#include "onestop_answer.h"
#include "onestop_csv.h"
#include "onestop_audit.h"
#include "onestop_calendar.h"
#include "onestop_evaluation.h"
#include "onestop_feed.h"
#include "onestop_feedback.h"
#include "onestop_figures.h"
#include "onestop_html.h"
#include "onestop_ingest.h"
#include "onestop_json.h"
#include "onestop_qr.h"
#include "onestop_stats.h"
#include "onestop_store.h"


typedef enum {
    NGX_HTTP_ONESTOP_NONE = 0,
    NGX_HTTP_ONESTOP_LOOKUP_JSON,
    NGX_HTTP_ONESTOP_LOOKUP_HTML,
    NGX_HTTP_ONESTOP_INGEST,
    NGX_HTTP_ONESTOP_STATS,
    NGX_HTTP_ONESTOP_APOLOGIES,
    NGX_HTTP_ONESTOP_WIDGET,
    NGX_HTTP_ONESTOP_DASHBOARD,
    NGX_HTTP_ONESTOP_METRICS,
    NGX_HTTP_ONESTOP_QR,
    NGX_HTTP_ONESTOP_RESOLVE,
    NGX_HTTP_ONESTOP_RECEIPT,
    NGX_HTTP_ONESTOP_EVALUATE,
    NGX_HTTP_ONESTOP_ERROR_PAGE,
    NGX_HTTP_ONESTOP_CHANGES,
    NGX_HTTP_ONESTOP_CATALOG,           /* issue 15 */
    NGX_HTTP_ONESTOP_SMS,
    NGX_HTTP_ONESTOP_HANDLERS
} ngx_http_onestop_handler_e;


#define NGX_HTTP_ONESTOP_STATUSES  18


/* a key of onestop_ingest_keys: its SHA-256, scope and name (the engine's) */
typedef onestop_api_key_t  ngx_http_onestop_key_t;


typedef struct ngx_http_onestop_shctx_s  ngx_http_onestop_shctx_t;
typedef struct ngx_http_onestop_publisher_s  ngx_http_onestop_publisher_t;
typedef struct ngx_http_onestop_follower_s  ngx_http_onestop_follower_t;


/* onestop_redis HOST:PORT [prefix=] [db=] [password=] [maxlen=] [interval=] */
typedef struct {
    ngx_str_t                   name;         /* HOST:PORT as written */
    ngx_str_t                   host;         /* the address, resolved at
                                                 configuration time, text */
    ngx_uint_t                  port;
    onestop_feed_conf_t         feed;         /* prefix, db, password,
                                                 maxlen */
    ngx_msec_t                  interval;     /* stats messages, ms */
    ngx_uint_t                  follow;       /* onestop_follow's */
} ngx_http_onestop_redis_conf_t;

/* the publisher's part of the shared zone (see ngx_http_onestop_redis.c) */
#define NGX_HTTP_ONESTOP_REDIS_SHM  512


/* computations off the event loop at once, per worker (one reader of the
 * store each, ngx_http_onestop_offloop.c); past them, up to WAITING more
 * wait for a reader, and past those a request is answered 503 */
#define NGX_HTTP_ONESTOP_READERS  4
#define NGX_HTTP_ONESTOP_WAITING  64

/* answers' buffers a worker keeps for its computations, each at most
 * ONESTOP_SCRATCH_KEEP (ngx_http_onestop_offloop.c) */
#define NGX_HTTP_ONESTOP_BUFS     8


typedef struct ngx_http_onestop_main_conf_s  ngx_http_onestop_main_conf_t;

/* after every commit of this worker (see ngx_http_onestop_module.c) */
typedef void (*ngx_http_onestop_commit_pt)(
    ngx_http_onestop_main_conf_t *omcf);

struct ngx_http_onestop_main_conf_s {
    ngx_str_t                   store_path;
    size_t                      map_size;
    uint64_t                    mapped;     /* the map the store reserves,
                                               as the master opened it */
    ngx_int_t                   utc_offset;
    time_t                      public_max_age;
    ngx_str_t                   public_cache;   /* its Cache-Control */
    ngx_uint_t                  metrics_all;    /* every agency, not tops */
    ngx_str_t                   keys_file;
    onestop_api_keys_t         *keys;           /* onestop_ingest_keys */
    ngx_http_onestop_redis_conf_t  *redis;
    ngx_http_onestop_redis_conf_t  *follow;     /* onestop_follow */
    ngx_str_t                   public_url;
    onestop_qr_key_t           *qr_keys;        /* onestop_qr_key */
    ngx_uint_t                  nqr_keys;
    ngx_uint_t                  needs_qr;
    ngx_str_t                   evaluate_uri;   /* where forms post */
    ngx_uint_t                  evaluate_uri_by_code;
    ngx_str_t                   lookup_page;    /* error pages link here */
    ngx_str_t                   feedback_page;
    ngx_str_t                   province;       /* onestop_province, NUL */
    ngx_str_t                   regulation;     /* onestop_regulation */
    ngx_str_t                   dashboard;      /* its page, filled */
    ngx_str_t                   feedback_tpl;   /* the questions', filled */
    ngx_str_t                   page;           /* html/page.html, filled */
    ngx_uint_t                  outbox_max;
    ngx_int_t                   changelog_days; /* onestop_changelog_days */
    ngx_int_t                   grace_days;  /* onestop_report_grace_days */
    ngx_open_file_t            *audit_log;      /* onestop_audit_log */
    onestop_calendar_t         *calendar;       /* onestop_calendar,
                                                   onestop_office_hours */
    ngx_uint_t                  office_hours;   /* set: open * 1441 + close,
                                                   plus 1 */
    ngx_uint_t                  calendar_file;  /* onestop_calendar seen */
    ngx_shm_zone_t             *shm_zone;
    ngx_http_onestop_shctx_t   *sh;
    ngx_slab_pool_t            *shpool;
};


/*
 * A worker's own state, apart from the configuration: made in
 * init_process (ngx_http_onestop_module.c), NULL in the master, which
 * never opens the store for longer than a check.
 */
typedef struct {
    onestop_store_t            *store;
    const char                 *read_error;   /* logged, until reads work */
    ngx_log_t                  *log;
    ngx_thread_pool_t          *thread_pool;
    ngx_thread_task_t          *write_task;
    ngx_queue_t                 write_queue;
    ngx_uint_t                  write_busy;
    ngx_uint_t                  write_maintain;
    ngx_uint_t                  write_recent;   /* committed since poll */
    ngx_uint_t                  write_full;     /* logged: no room */
    ngx_event_t                 pool_guard;     /* see _pool_guard() */
    onestop_store_t            *readers[NGX_HTTP_ONESTOP_READERS];
    ngx_uint_t                  nreaders;       /* made so far */
    ngx_uint_t                  readers_busy;   /* a bit each, in use */
    void                       *answering[NGX_HTTP_ONESTOP_READERS];
                                                /* each busy reader's work */
    ngx_queue_t                 waiting;        /* for a reader, in order */
    ngx_uint_t                  nwaiting;
    onestop_buf_t               bufs[NGX_HTTP_ONESTOP_BUFS];
    ngx_uint_t                  nbufs;          /* answers' buffers, kept */
    ngx_msec_t                  test_slow_miss; /* tests: a miss's delay */
    ngx_msec_t                  test_zone_delay; /* tests: zone get */
    ngx_http_onestop_publisher_t  *publisher;
    ngx_http_onestop_follower_t   *follower;
    ngx_http_onestop_commit_pt  after_commit;
    onestop_buf_t               scratch;        /* a lookup's answer, copied
                                                   to the request's pool */
} ngx_http_onestop_worker_t;

extern ngx_http_onestop_worker_t  *ngx_http_onestop_worker;


typedef struct {
    ngx_uint_t                  handler;
    size_t                      body_max;   /* client_max_body_size, ours */
    ngx_str_t                   frame_ancestors;
    ngx_uint_t                  feedback;   /* onestop_feedback: ONESTOP_FB_* */
    ngx_flag_t                  evaluate_by_code;   /* Điều 12.1 */
    ngx_msec_t                  heartbeat;  /* onestop_changes heartbeat= */
} ngx_http_onestop_loc_conf_t;


/*
 * What a request's context of this module is: a write's (ingest,
 * evaluations) or a computed answer's (ngx_http_onestop_answer.c).  Each
 * begins with its kind, so that the filters, which see every request,
 * take only a write's for one.
 */
#define NGX_HTTP_ONESTOP_CTX_WRITE   1
#define NGX_HTTP_ONESTOP_CTX_ANSWER  2
#define NGX_HTTP_ONESTOP_CTX_CHANGES 3         /* a change log's stream */

/* one write request on its way through the writer */
typedef struct ngx_http_onestop_write_ctx_s  ngx_http_onestop_write_ctx_t;

/* the answer of a write, once the writer is done (ingest, evaluations) */
typedef ngx_int_t (*ngx_http_onestop_answer_pt)(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);

struct ngx_http_onestop_write_ctx_s {
    ngx_uint_t                  ctx_kind;     /* NGX_HTTP_ONESTOP_CTX_WRITE */
    ngx_http_request_t         *request;
    ngx_queue_t                 queue;
    onestop_write_t             write;
    onestop_batch_t             batch;
    onestop_catalog_doc_t       doc;
    off_t                       body_size;
    ngx_str_t                   token;        /* evaluations */
    ngx_uint_t                  form;
    ngx_uint_t                  answered;
    ngx_uint_t                  too_large;
    ngx_http_onestop_answer_pt  answer;
};


extern ngx_module_t  ngx_http_onestop_module;

extern ngx_str_t  ngx_http_onestop_html_page_html;
extern ngx_str_t  ngx_http_onestop_html_style_css;
extern ngx_str_t  ngx_http_onestop_html_dashboard_html;
extern ngx_str_t  ngx_http_onestop_html_badge_svg;
extern ngx_str_t  ngx_http_onestop_html_widget_html;
extern ngx_str_t  ngx_http_onestop_html_receipt_html;
extern ngx_str_t  ngx_http_onestop_html_dossier_html;
extern ngx_str_t  ngx_http_onestop_html_dossier_missing_html;
extern ngx_str_t  ngx_http_onestop_html_lookup_html;


/* a yajl generator whose memory comes from the request's pool */
yajl_gen ngx_http_onestop_gen(ngx_http_request_t *r);

/*
 * What follows the location's prefix in the path (empty for an exact or a
 * regex location): NGX_OK; NGX_HTTP_NOT_FOUND when the path only begins
 * with the location's name (/tra-cuuX under location /tra-cuu).
 */
ngx_int_t ngx_http_onestop_location_rest(ngx_http_request_t *r,
    ngx_str_t *rest);

/*
 * The identifier after the location's prefix, else the "code" argument:
 * NGX_OK; NGX_HTTP_BAD_REQUEST when the code is given twice,
 * NGX_HTTP_NOT_FOUND when the path is not under the location (nothing is
 * sent yet: the handler returns ngx_http_onestop_id_failed()); NGX_ERROR.
 */
ngx_int_t ngx_http_onestop_request_id(ngx_http_request_t *r, ngx_str_t *id);

/*
 * A handler that takes no identifier: 1 when nothing but slashes follows
 * its location's prefix; else the path is no resource (a 404, not the
 * province's figures for /api/v1/stats/000.00.40.H36).
 */
ngx_uint_t ngx_http_onestop_no_rest(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_read_begin(ngx_http_onestop_main_conf_t *omcf,
    onestop_store_t *st, ngx_log_t *log);
ngx_int_t ngx_http_onestop_id_failed(ngx_http_request_t *r, ngx_int_t rc);

/* the current location as main conf's ngx_str_t at offset, if unset */
void ngx_http_onestop_page_at(ngx_conf_t *cf, size_t offset);

/* the Content-Types more than one handler answers with */
extern ngx_str_t  ngx_http_onestop_json_type;
extern ngx_str_t  ngx_http_onestop_html_type;
/* the same type, for a page made to be framed by other sites (the
 * dashboard, a widget's card): sent without X-Frame-Options */
extern ngx_str_t  ngx_http_onestop_framed_type;
/* reply.c: the card's Content-Security-Policy (frame-ancestors) */
ngx_int_t ngx_http_onestop_frame_policy(ngx_http_request_t *r);
extern ngx_str_t  ngx_http_onestop_svg_type;

/* sends a complete answer (HEAD too); the body may be in the pool */
ngx_int_t ngx_http_onestop_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len);
ngx_int_t ngx_http_onestop_send_buf(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, onestop_buf_t *b);

/*
 * The start every read-only handler shares: GET or HEAD (else 405 with
 * Allow), the body discarded, the store open (else 503).  NGX_OK to go
 * on; NGX_DECLINED when the request is answered, *rc being what the
 * handler returns.
 */
ngx_int_t ngx_http_onestop_get_begin(ngx_http_request_t *r,
    ngx_uint_t need_store, ngx_int_t *rc);

/* {"error": {"code", "message"}} with status */
ngx_int_t ngx_http_onestop_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message);
ngx_int_t ngx_http_onestop_error_items(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message,
    const onestop_item_err_t *items, size_t nitems);

ngx_int_t ngx_http_onestop_add_header(ngx_http_request_t *r, const char *key,
    u_char *value, size_t len);
/* Retry-After on a refusal that may be retried as it is (503 unavailable,
 * 507) */
ngx_int_t ngx_http_onestop_retry_after(ngx_http_request_t *r,
    ngx_uint_t status, const char *code);
/* a strong ETag from a hash of the body, set where nginx's not-modified
 * filter finds it (If-None-Match then gets 304) */
ngx_int_t ngx_http_onestop_etag(ngx_http_request_t *r, u_char *body,
    size_t len);
#define NGX_HTTP_ONESTOP_ETAG_LEN  18
ngx_int_t ngx_http_onestop_make_etag(ngx_http_request_t *r, u_char *body,
    size_t len, ngx_str_t *etag);
/* Cache-Control: private, no-store and Referrer-Policy: no-referrer */
ngx_int_t ngx_http_onestop_private_headers(ngx_http_request_t *r);
ngx_uint_t ngx_http_onestop_body_is(ngx_http_request_t *r, const char *type);
ngx_int_t ngx_http_onestop_fill(ngx_conf_t *cf, ngx_str_t *province,
    ngx_str_t *regulation, ngx_str_t *tpl, ngx_str_t *out);

/* HTML pages: the escaped text, and the page around a content */
ngx_int_t ngx_http_onestop_page(ngx_http_request_t *r, ngx_uint_t status,
    const char *title, onestop_buf_t *content);

/* QR codes, signed links, the receipt */
char *ngx_http_onestop_qr_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_onestop_qr_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_resolve_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_receipt_handler(ngx_http_request_t *r);

/* evaluations */
ngx_int_t ngx_http_onestop_evaluate_handler(ngx_http_request_t *r);
void ngx_http_onestop_evaluate_uri(ngx_conf_t *cf,
    ngx_http_onestop_loc_conf_t *olcf);

/* working days and questions (ngx_http_onestop_feedback.c) */
/* access.c, once the UTC offset is known: a warning when the calendar
 * file names no day of this year or of the year 45 days ahead */
void ngx_http_onestop_calendar_years(ngx_conf_t *cf,
    ngx_http_onestop_main_conf_t *omcf);
char *ngx_http_onestop_calendar(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_onestop_office_hours(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_onestop_feedback(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
extern ngx_str_t  ngx_http_onestop_html_feedback_html;
extern ngx_str_t  ngx_http_onestop_html_feedback_ask_html;

/* NGX_OK when the request's key (authenticated once by the caller; NULL:
 * none) covers the agency; else 401 (with WWW-Authenticate) or 403 */
ngx_int_t ngx_http_onestop_require_key(ngx_http_request_t *r,
    ngx_http_onestop_key_t *key, const onestop_catalog_t *cat,
    uint32_t agency);

ngx_int_t ngx_http_onestop_lookup_handler(ngx_http_request_t *r);

/* the change log (ngx_http_onestop_changes.c) */
char *ngx_http_onestop_changes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* writes */
extern ngx_http_request_body_filter_pt  ngx_http_onestop_next_body_filter;
extern ngx_http_output_header_filter_pt  ngx_http_onestop_next_header_filter;
extern ngx_http_output_body_filter_pt  ngx_http_onestop_next_output_filter;
ngx_int_t ngx_http_onestop_header_filter(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_output_filter(ngx_http_request_t *r,
    ngx_chain_t *in);

char *ngx_http_onestop_ingest_keys(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_onestop_audit_log(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_http_onestop_key_t *ngx_http_onestop_authenticate(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_ingest_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_sms_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
ngx_int_t ngx_http_onestop_body_copy(ngx_http_request_t *r, size_t max,
    u_char **data, size_t *len);

ngx_int_t ngx_http_onestop_writer_init(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf, ngx_http_onestop_commit_pt done);
void ngx_http_onestop_writer_submit(ngx_http_request_t *r,
    ngx_http_onestop_write_ctx_t *wc);

/* the store's access (ngx_http_onestop_access.c): whether the workers
 * can reach it (NGX_ERROR stops "nginx -t" and a start), and why an open
 * failed */
ngx_int_t ngx_http_onestop_workers_reach(ngx_cycle_t *cycle,
    const u_char *store, size_t len);
void ngx_http_onestop_open_failed(ngx_log_t *log, const u_char *store,
    size_t len, const char *err);
/* a store that a start would refuse (another program's, cut short, of a
 * newer schema or another UTC offset), refused while the configuration is
 * read, where the store is also created, upgraded or grown (not under
 * "nginx -t"; *mapped: the map it reserves), and on a reload whether the
 * workers' user reaches it: a reload that fails there keeps the running
 * one, where a failed init_module makes nginx exit */
ngx_int_t ngx_http_onestop_store_early(ngx_conf_t *cf, ngx_str_t *store,
    const onestop_store_conf_t *conf, uint64_t *mapped);

/* the shared zone */
char *ngx_http_onestop_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
uint64_t ngx_http_onestop_zone_seq(ngx_http_onestop_main_conf_t *omcf);
void ngx_http_onestop_zone_raise(ngx_http_onestop_main_conf_t *omcf,
    uint64_t seq);
void ngx_http_onestop_zone_catch_up(ngx_http_onestop_main_conf_t *omcf);
ngx_int_t ngx_http_onestop_zone_get(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *key, int32_t today,
    ngx_str_t *body, ngx_str_t *etag);
void ngx_http_onestop_zone_put(ngx_http_onestop_main_conf_t *omcf,
    ngx_str_t *key, uint64_t seq, int32_t today, ngx_str_t *body,
    ngx_str_t *etag);
void ngx_http_onestop_zone_usage(ngx_http_onestop_main_conf_t *omcf,
    size_t *size, size_t *used, uint64_t *hits, uint64_t *misses);

void ngx_http_onestop_zone_count(ngx_http_onestop_main_conf_t *omcf,
    ngx_uint_t handler, ngx_uint_t status);
void ngx_http_onestop_zone_accepted(ngx_http_onestop_main_conf_t *omcf,
    size_t n);
/* requests[handler][status index], accepted records: a snapshot */
onestop_telemetry_t *ngx_http_onestop_zone_tel(
    ngx_http_onestop_main_conf_t *omcf);
void ngx_http_onestop_zone_counters(ngx_http_onestop_main_conf_t *omcf,
    uint64_t *requests, uint64_t *accepted);
extern const unsigned    ngx_http_onestop_statuses[NGX_HTTP_ONESTOP_STATUSES];
extern const char *const  ngx_http_onestop_handler_names[];

/*
 * The one way off the event loop (ngx_http_onestop_offloop.c): compute()
 * runs on a thread of the pool inside a read of one of the worker's
 * readers, st, touching nothing but data and st; then done() runs on the
 * event loop, with NGX_OK, or NGX_ABORT when the read could not begin
 * (compute did not run).
 */
typedef void (*ngx_http_onestop_offloop_pt)(void *data, onestop_store_t *st);
typedef void (*ngx_http_onestop_offloop_done_pt)(void *data, ngx_int_t rc);
/* whether a waiting computation is still wanted: done() gets NGX_DECLINED
 * instead of running it when not */
typedef ngx_uint_t (*ngx_http_onestop_offloop_wanted_pt)(void *data);

/* a task for _offloop_post(), from pool; posted again once done() ran */
ngx_thread_task_t *ngx_http_onestop_offloop_task(ngx_pool_t *pool);
/* NGX_OK when posted, or waiting for a reader; NGX_BUSY when the worker
 * has NGX_HTTP_ONESTOP_WAITING waiting already; NGX_DECLINED when there is
 * no thread pool (or it or the store refused): nothing runs, the caller
 * computes elsewhere or later */
ngx_int_t ngx_http_onestop_offloop_post(ngx_http_onestop_main_conf_t *omcf,
    ngx_thread_task_t *task, ngx_http_onestop_offloop_pt compute,
    ngx_http_onestop_offloop_done_pt done, void *data, ngx_log_t *log);
void ngx_http_onestop_offloop_wanted(ngx_thread_task_t *task,
    ngx_http_onestop_offloop_wanted_pt wanted);
/* the data of the computation under way on reader i whose done() is
 * `done`, or NULL: how callers share one computation; i from
 * NGX_HTTP_ONESTOP_READERS to READERS + WAITING - 1: those waiting */
void *ngx_http_onestop_offloop_busy(ngx_http_onestop_main_conf_t *omcf,
    ngx_uint_t i, ngx_http_onestop_offloop_done_pt done);

/* a worker, once started: the statistics' blocks read ahead on a thread */
void ngx_http_onestop_prewarm(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf);

/*
 * Answers' buffers, on the event loop: _buf() gives b one to write an
 * answer into (empty; one the worker kept, its memory touched already, or
 * a new one); _unbuf() takes it back (kept, or freed); _lend() makes b's
 * bytes the pool's until the pool is destroyed, then takes the buffer
 * back: a response sent from it needs no copy.  NGX_ERROR: taken back at
 * once.  b is empty after _unbuf() and _lend().
 */
void ngx_http_onestop_offloop_buf(onestop_buf_t *b);
void ngx_http_onestop_offloop_unbuf(onestop_buf_t *b);
ngx_int_t ngx_http_onestop_offloop_lend(ngx_pool_t *pool, onestop_buf_t *b);

/*
 * Public answers (ngx_http_onestop_answer.c): the engine's answer to a
 * typed request (onestop_answer), from the zone while current, else
 * computed off the event loop and kept in the zone.
 */
typedef struct {
    ngx_http_onestop_main_conf_t  *omcf;
    onestop_answer_t               q;
} ngx_http_onestop_answer_t;

ngx_int_t ngx_http_onestop_public_begin(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, ngx_uint_t args, ngx_int_t *answered);
ngx_int_t ngx_http_onestop_answer(ngx_http_request_t *r,
    ngx_http_onestop_answer_t *a, const char *prefix, ngx_str_t *extra,
    ngx_str_t *body, ngx_uint_t public, ngx_int_t *answered);
/* the whole handler of a public answer of kind (ONESTOP_ANSWER_*) kept
 * under `prefix`: sent as JSON, or with format=csv as CSV with the file
 * name of `what` (ONESTOP_CSV_*) in Content-Disposition (issue 15) */
ngx_int_t ngx_http_onestop_public_answer(ngx_http_request_t *r, int kind,
    const char *prefix, int what);

/* statistics and the public pages */
char *ngx_http_onestop_frame_ancestors(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_onestop_stats_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_apologies_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_catalog_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_widget_handler(ngx_http_request_t *r);
/* answer.c: an unknown agency's badge or card, a 404 still an image or a
 * card that may be framed */
ngx_int_t ngx_http_onestop_widget_unknown(ngx_http_request_t *r,
    const onestop_widget_t *w, onestop_day_t today, ngx_int_t why);
ngx_int_t ngx_http_onestop_dashboard_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_error_page_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_error_object_handler(ngx_http_request_t *r);
/* the Vietnamese page of a failure with status err (a page's error) */
ngx_int_t ngx_http_onestop_error_html(ngx_http_request_t *r, ngx_uint_t err,
    const char *detail, ngx_str_t *back);
ngx_int_t ngx_http_onestop_metrics_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_log_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_public_headers(ngx_http_request_t *r);
/* Access-Control-Allow-Origin: * (public data, errors too) */
ngx_int_t ngx_http_onestop_cors(ngx_http_request_t *r);
/* a CORS preflight (OPTIONS) of public data answered: 204, sent */
ngx_int_t ngx_http_onestop_preflight(ngx_http_request_t *r);
ngx_int_t ngx_http_onestop_set_etag(ngx_http_request_t *r, ngx_str_t *etag);
/* the query's arguments, read whole (onestop_args_parse): NGX_OK;
 * NGX_DECLINED when they cannot be (too many), with *error for the 400;
 * NGX_ERROR */
ngx_int_t ngx_http_onestop_parse_args(ngx_http_request_t *r,
    onestop_arg_t **args, size_t *nargs, const char **error);

/* the shared zone's bytes reserved for the publisher (zeroed when new) */
void *ngx_http_onestop_zone_redis(ngx_http_onestop_main_conf_t *omcf);

/*
 * The change feed's connection to Redis (ngx_http_onestop_hiredis.c):
 * hiredis on nginx's events, the handshake, the reply timeout, backoff.
 * The owner's reply callbacks get its data in ac->data and call
 * _answered() first; hello(data, snapshot) says the handshake was
 * answered (snapshot: whether the snapshot hash exists), gone(data) that
 * the connection is over.
 */
typedef struct ngx_http_onestop_hiredis_s  ngx_http_onestop_hiredis_t;
struct redisAsyncContext;

typedef void (*ngx_http_onestop_hiredis_pt)(struct redisAsyncContext *ac,
    void *reply, void *data);
typedef void (*ngx_http_onestop_hiredis_hello_pt)(void *data,
    ngx_uint_t snapshot);
typedef void (*ngx_http_onestop_hiredis_gone_pt)(void *data);

ngx_http_onestop_hiredis_t *ngx_http_onestop_hiredis_create(
    ngx_cycle_t *cycle, ngx_http_onestop_redis_conf_t *conf,
    onestop_feed_share_t *sh, ngx_http_onestop_hiredis_hello_pt hello,
    ngx_http_onestop_hiredis_gone_pt gone, void *data);
void ngx_http_onestop_hiredis_connect(ngx_http_onestop_hiredis_t *h,
    onestop_resp_t *hello);
ngx_uint_t ngx_http_onestop_hiredis_usable(ngx_http_onestop_hiredis_t *h);
ngx_int_t ngx_http_onestop_hiredis_send(ngx_http_onestop_hiredis_t *h,
    ngx_http_onestop_hiredis_pt fn, void *data, const char *cmd, size_t len);
void ngx_http_onestop_hiredis_answered(ngx_http_onestop_hiredis_t *h,
    void *reply);
void ngx_http_onestop_hiredis_error(ngx_http_onestop_hiredis_t *h,
    void *reply);
void ngx_http_onestop_hiredis_refused(ngx_http_onestop_hiredis_t *h);
void ngx_http_onestop_hiredis_up(ngx_http_onestop_hiredis_t *h,
    uint64_t acked, uint64_t seq);
void ngx_http_onestop_hiredis_drop(ngx_http_onestop_hiredis_t *h,
    const char *why);

/* the change feed (ngx_http_onestop_redis.c) */
char *ngx_http_onestop_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_onestop_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf);
void ngx_http_onestop_redis_exit_process(ngx_http_onestop_main_conf_t *omcf);
/* something was committed: publish soon */
void ngx_http_onestop_redis_wake(ngx_http_onestop_main_conf_t *omcf);
/* publishing state, Prometheus text (nothing when not configured) */
void ngx_http_onestop_redis_metrics(ngx_http_onestop_main_conf_t *omcf,
    onestop_buf_t *b);

/* a follower (ngx_http_onestop_follow.c): onestop_follow, the reader of
 * the primary's log, its metrics */
char *ngx_http_onestop_follow(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_onestop_follow_init_process(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf);
void ngx_http_onestop_follow_exit_process(ngx_http_onestop_main_conf_t *omcf);
void ngx_http_onestop_follow_metrics(ngx_http_onestop_main_conf_t *omcf,
    onestop_buf_t *b);

/* the writer: a follower's batch (an ONESTOP_* code from apply) */
typedef int (*ngx_http_onestop_apply_pt)(void *data);
typedef void (*ngx_http_onestop_applied_pt)(void *data);
void ngx_http_onestop_writer_apply(ngx_http_onestop_main_conf_t *omcf,
    ngx_http_onestop_apply_pt apply, ngx_http_onestop_applied_pt applied,
    void *data);

/* the writer: an empty commit that only trims the outbox, when idle */
void ngx_http_onestop_writer_maintain(ngx_http_onestop_main_conf_t *omcf);

/* arms (or, with nothing on the pool, removes) the timer that keeps a
 * quitting worker until its work on the thread pool is answered */
void ngx_http_onestop_pool_guard(ngx_http_onestop_main_conf_t *omcf);


#endif /* NGX_HTTP_ONESTOP_H */
