/*
 * The onestop module: directives, configuration, and the store's life in
 * nginx.  The master only checks the store and makes it ready (refusing
 * one a start would refuse, creating, upgrading or growing it, giving it
 * to the workers' user and seeing that they can open it) and closes it
 * again before fork(); each worker opens its own handle in init_process,
 * since an LMDB environment must never cross fork().
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_access.h"
#include "onestop_changes.h"
#include "onestop_replica.h"


#define NGX_HTTP_ONESTOP_POLL  250      /* ms: the store's sequence */


static void *ngx_http_onestop_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_onestop_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_onestop_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_onestop_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_onestop_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_onestop_utc_offset(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_onestop_lookup(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_onestop_handler_slot(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_onestop_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_onestop_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_onestop_init_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_onestop_poll_init(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf);
static void ngx_http_onestop_poll(ngx_event_t *ev);
static void ngx_http_onestop_after_commit(ngx_http_onestop_main_conf_t *omcf);
static void ngx_http_onestop_exit_process(ngx_cycle_t *cycle);
static void ngx_http_onestop_store_conf(ngx_http_onestop_main_conf_t *omcf,
    onestop_store_conf_t *conf);


ngx_http_request_body_filter_pt   ngx_http_onestop_next_body_filter;
ngx_http_output_header_filter_pt  ngx_http_onestop_next_header_filter;
ngx_http_output_body_filter_pt    ngx_http_onestop_next_output_filter;


static ngx_conf_enum_t  ngx_http_onestop_metrics_agencies[] = {
    { ngx_string("top"), 0 },
    { ngx_string("all"), 1 },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_onestop_grace_bounds = {
    ngx_conf_check_num_bounds, 0, ONESTOP_GRACE_DAYS_MAX };


/* a location's handler without arguments: its index (the counters',
 * ngx_http_onestop_loc_conf_t's) and its function, which
 * ngx_http_onestop_handler_slot() sets */
#define ngx_http_onestop_handler_cmd(name, index, handler)                   \
    { ngx_string(name), NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,                   \
      ngx_http_onestop_handler_slot, NGX_HTTP_LOC_CONF_OFFSET, index,        \
      (void *) handler }


static ngx_command_t  ngx_http_onestop_commands[] = {

    { ngx_string("onestop_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_onestop_store,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_utc_offset"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_utc_offset,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_public_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, public_max_age),
      NULL },

    { ngx_string("onestop_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_onestop_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    ngx_http_onestop_handler_cmd("onestop_stats",
        NGX_HTTP_ONESTOP_STATS, ngx_http_onestop_stats_handler),

    ngx_http_onestop_handler_cmd("onestop_apologies",
        NGX_HTTP_ONESTOP_APOLOGIES, ngx_http_onestop_apologies_handler),

    ngx_http_onestop_handler_cmd("onestop_catalog",
        NGX_HTTP_ONESTOP_CATALOG, ngx_http_onestop_catalog_handler),

    ngx_http_onestop_handler_cmd("onestop_widget",
        NGX_HTTP_ONESTOP_WIDGET, ngx_http_onestop_widget_handler),

    ngx_http_onestop_handler_cmd("onestop_dashboard",
        NGX_HTTP_ONESTOP_DASHBOARD, ngx_http_onestop_dashboard_handler),

    ngx_http_onestop_handler_cmd("onestop_error_page",
        NGX_HTTP_ONESTOP_ERROR_PAGE, ngx_http_onestop_error_page_handler),

    ngx_http_onestop_handler_cmd("onestop_error_object",
        NGX_HTTP_ONESTOP_ERROR_PAGE, ngx_http_onestop_error_object_handler),

    ngx_http_onestop_handler_cmd("onestop_metrics",
        NGX_HTTP_ONESTOP_METRICS, ngx_http_onestop_metrics_handler),

    { ngx_string("onestop_widget_frame_ancestors"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_onestop_frame_ancestors,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_province"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, province),
      NULL },

    { ngx_string("onestop_regulation"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, regulation),
      NULL },

    { ngx_string("onestop_metrics_agencies"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, metrics_all),
      &ngx_http_onestop_metrics_agencies },

    { ngx_string("onestop_public_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, public_url),
      NULL },

    { ngx_string("onestop_qr_key"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_qr_key,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    ngx_http_onestop_handler_cmd("onestop_qr",
        NGX_HTTP_ONESTOP_QR, ngx_http_onestop_qr_handler),

    ngx_http_onestop_handler_cmd("onestop_resolve",
        NGX_HTTP_ONESTOP_RESOLVE, ngx_http_onestop_resolve_handler),

    ngx_http_onestop_handler_cmd("onestop_receipt",
        NGX_HTTP_ONESTOP_RECEIPT, ngx_http_onestop_receipt_handler),

    ngx_http_onestop_handler_cmd("onestop_evaluate",
        NGX_HTTP_ONESTOP_EVALUATE, ngx_http_onestop_evaluate_handler),

    { ngx_string("onestop_evaluate_by_code"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_onestop_loc_conf_t, evaluate_by_code),
      NULL },

    { ngx_string("onestop_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_onestop_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_follow"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_onestop_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      (void *) "follow" },

    { ngx_string("onestop_calendar"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_calendar,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_office_hours"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_office_hours,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_feedback"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_feedback,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_outbox_max"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, outbox_max),
      NULL },

    { ngx_string("onestop_changelog_days"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, changelog_days),
      NULL },

    { ngx_string("onestop_report_grace_days"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_onestop_main_conf_t, grace_days),
      &ngx_http_onestop_grace_bounds },

    { ngx_string("onestop_changes"),
      NGX_HTTP_LOC_CONF|NGX_CONF_ANY,
      ngx_http_onestop_changes,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_ingest_keys"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_ingest_keys,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("onestop_audit_log"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_audit_log,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    ngx_http_onestop_handler_cmd("onestop_ingest",
        NGX_HTTP_ONESTOP_INGEST, ngx_http_onestop_ingest_handler),

    ngx_http_onestop_handler_cmd("onestop_sms",
        NGX_HTTP_ONESTOP_SMS, ngx_http_onestop_sms_handler),

    { ngx_string("onestop_lookup"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_onestop_lookup,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


ngx_http_onestop_worker_t  *ngx_http_onestop_worker;


static ngx_http_module_t  ngx_http_onestop_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_onestop_postconfiguration,    /* postconfiguration */

    ngx_http_onestop_create_main_conf,     /* create main configuration */
    ngx_http_onestop_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_onestop_create_loc_conf,      /* create location configuration */
    ngx_http_onestop_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_onestop_module = {
    NGX_MODULE_V1,
    &ngx_http_onestop_module_ctx,          /* module context */
    ngx_http_onestop_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_onestop_init_module,          /* init module */
    ngx_http_onestop_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_onestop_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_onestop_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_onestop_main_conf_t));
    if (omcf == NULL) {
        return NULL;
    }

    omcf->map_size = NGX_CONF_UNSET_SIZE;
    omcf->utc_offset = NGX_CONF_UNSET;
    omcf->public_max_age = NGX_CONF_UNSET;
    omcf->metrics_all = NGX_CONF_UNSET_UINT;
    omcf->outbox_max = NGX_CONF_UNSET_UINT;
    omcf->changelog_days = NGX_CONF_UNSET;
    omcf->grace_days = NGX_CONF_UNSET;

    return omcf;
}


static char *
ngx_http_onestop_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    /* 0: the store's own size, or the default for a new store */
    ngx_conf_init_size_value(omcf->map_size, 0);
    ngx_conf_init_value(omcf->utc_offset, ONESTOP_DEFAULT_OFFSET);
    ngx_conf_init_value(omcf->public_max_age, 60);
    ngx_conf_init_uint_value(omcf->metrics_all, 0);

    ngx_http_onestop_calendar_years(cf, omcf);

    /* Long An's act by default (the province not named, or named Long
     * An); another province's name without its act: "a decision" of its
     * People's Committee, never Long An's number */

    if (omcf->regulation.data == NULL) {
        if (omcf->province.data == NULL
            || (omcf->province.len == sizeof("Tỉnh Long An") - 1
                && ngx_strncmp(omcf->province.data, "Tỉnh Long An",
                               omcf->province.len) == 0))
        {
            ngx_str_set(&omcf->regulation,
                        "Quyết định số 30/2019/QĐ-UBND ngày 09/7/2019");
        } else {
            ngx_str_set(&omcf->regulation, "quyết định");
        }
    }

    if (omcf->province.data == NULL) {
        ngx_str_set(&omcf->province, "Tỉnh Long An");
    }

    /* the province's name and its act in the pages', the dashboard's and
     * the questions' templates, once (the questions' other {{...}} are
     * left to fill at each request) */

    if (ngx_http_onestop_fill(cf, &omcf->province, &omcf->regulation,
                              &ngx_http_onestop_html_page_html, &omcf->page)
        != NGX_OK
        || ngx_http_onestop_fill(cf, &omcf->province, &omcf->regulation,
                                 &ngx_http_onestop_html_dashboard_html,
                                 &omcf->dashboard)
           != NGX_OK
        || ngx_http_onestop_fill(cf, &omcf->province, &omcf->regulation,
                                 &ngx_http_onestop_html_feedback_html,
                                 &omcf->feedback_tpl)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* the public answers' Cache-Control, once */

    omcf->public_cache.data = ngx_pnalloc(cf->pool, sizeof("public, max-age=")
                                                    + NGX_TIME_T_LEN);
    if (omcf->public_cache.data == NULL) {
        return NGX_CONF_ERROR;
    }

    omcf->public_cache.len = ngx_sprintf(omcf->public_cache.data,
                                         "public, max-age=%T",
                                         omcf->public_max_age)
                             - omcf->public_cache.data;
    ngx_conf_init_uint_value(omcf->outbox_max, 10000000);

    if (omcf->outbox_max == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "onestop_outbox_max must be 1 at least");
        return NGX_CONF_ERROR;
    }

    ngx_conf_init_value(omcf->changelog_days, ONESTOP_CHANGES_DAYS);
    ngx_conf_init_value(omcf->grace_days, ONESTOP_GRACE_DAYS_DEFAULT);

    if (omcf->changelog_days < 0 || omcf->changelog_days > 36500) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "onestop_changelog_days "
                           "must be from 0 (no change log) to 36500");
        return NGX_CONF_ERROR;
    }

    while (omcf->public_url.len
           && omcf->public_url.data[omcf->public_url.len - 1] == '/')
    {
        omcf->public_url.len--;
    }

    if (omcf->needs_qr && (omcf->qr_keys == NULL || omcf->public_url.len == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "onestop_qr, onestop_resolve and onestop_receipt "
                           "need onestop_qr_key and onestop_public_url");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_onestop_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_onestop_loc_conf_t  *olcf;

    olcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_onestop_loc_conf_t));
    if (olcf == NULL) {
        return NULL;
    }

    olcf->evaluate_by_code = NGX_CONF_UNSET;

    return olcf;
}


static char *
ngx_http_onestop_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_onestop_loc_conf_t  *prev = parent;
    ngx_http_onestop_loc_conf_t  *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    ngx_conf_merge_str_value(conf->frame_ancestors, prev->frame_ancestors,
                             "*");
    ngx_conf_merge_value(conf->evaluate_by_code, prev->evaluate_by_code, 0);
    ngx_http_onestop_evaluate_uri(cf, conf);

    if (conf->handler == NGX_HTTP_ONESTOP_INGEST) {

        /*
         * The key is checked before the body's size (SPEC: 401 comes
         * before 413), so the limit is taken over from nginx's core,
         * which would check it before any handler runs.
         */

        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
        conf->body_max = clcf->client_max_body_size;
        clcf->client_max_body_size = 0;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_onestop_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt           *h;
    onestop_store_conf_t           conf;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_onestop_main_conf_t  *omcf;

    ngx_http_onestop_next_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_onestop_body_filter;

    ngx_http_onestop_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_onestop_header_filter;

    ngx_http_onestop_next_output_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_onestop_output_filter;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_onestop_log_handler;

    /* a store a start would refuse, refused here: a reload that fails
     * while it reads the configuration keeps the running one, where a
     * failed init_module makes nginx exit */

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_onestop_module);

    if (omcf->store_path.len == 0) {
        return NGX_OK;
    }

    ngx_http_onestop_store_conf(omcf, &conf);

    return ngx_http_onestop_store_early(cf, &omcf->store_path, &conf,
                                        &omcf->mapped);
}


static char *
ngx_http_onestop_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    ssize_t     size;
    ngx_str_t  *value, s;

    if (omcf->store_path.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    omcf->store_path = value[1];

    /* writes commit on nginx's "default" thread pool */

    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &omcf->store_path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "map_size=", 9) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        s.data = value[2].data + 9;
        s.len = value[2].len - 9;
        size = ngx_parse_offset(&s);

        if (size == NGX_ERROR || size < 1024 * 1024) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid map_size \"%V\" (1m at least)", &s);
            return NGX_CONF_ERROR;
        }

        omcf->map_size = (size_t) size;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_onestop_utc_offset(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    int32_t     offset;
    ngx_str_t  *value;

    if (omcf->utc_offset != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (onestop_offset_parse((char *) value[1].data, value[1].len, &offset)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid UTC offset \"%V\" (+HH:MM)", &value[1]);
        return NGX_CONF_ERROR;
    }

    omcf->utc_offset = offset;

    return NGX_CONF_OK;
}


static char *
ngx_http_onestop_lookup(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_loc_conf_t  *olcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (olcf->handler != NGX_HTTP_ONESTOP_NONE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "json") == 0) {
        olcf->handler = NGX_HTTP_ONESTOP_LOOKUP_JSON;

    } else if (ngx_strcmp(value[1].data, "html") == 0) {
        olcf->handler = NGX_HTTP_ONESTOP_LOOKUP_HTML;
        ngx_http_onestop_page_at(cf, offsetof(ngx_http_onestop_main_conf_t,
                                              lookup_page));

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" (json or html)", &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_onestop_lookup_handler;

    return NGX_CONF_OK;
}


/* the first location of a public page, which error pages link to */

void
ngx_http_onestop_page_at(ngx_conf_t *cf, size_t offset)
{
    ngx_str_t                     *at;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_onestop_module);
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    at = (ngx_str_t *) ((u_char *) omcf + offset);

    if (at->len == 0 && !clcf->regex && !clcf->named) {
        *at = clcf->name;
    }
}


static char *
ngx_http_onestop_handler_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_loc_conf_t  *olcf = conf;

    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_onestop_main_conf_t  *omcf;

    if (olcf->handler != NGX_HTTP_ONESTOP_NONE) {
        return "is duplicate";
    }

    olcf->handler = cmd->offset;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = (ngx_http_handler_pt) cmd->post;

    if (olcf->handler == NGX_HTTP_ONESTOP_QR
        || olcf->handler == NGX_HTTP_ONESTOP_RESOLVE
        || olcf->handler == NGX_HTTP_ONESTOP_RECEIPT)
    {
        omcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_onestop_module);
        omcf->needs_qr = 1;
    }

    return NGX_CONF_OK;
}


/* the store's life */

static void
ngx_http_onestop_store_conf(ngx_http_onestop_main_conf_t *omcf,
    onestop_store_conf_t *conf)
{
    ngx_memzero(conf, sizeof(onestop_store_conf_t));
    conf->map_size = omcf->map_size;
    conf->offset = (int32_t) omcf->utc_offset;
    conf->check_offset = 1;
    conf->random_reads = 1;
    conf->outbox_max = omcf->outbox_max;
    conf->changelog_days = omcf->changelog_days ? (int) omcf->changelog_days
                                                : ONESTOP_CHANGES_OFF;
    conf->unread = (omcf->sh == NULL && omcf->redis == NULL);
    conf->grace_set = 1;
    conf->grace_days = (unsigned) omcf->grace_days;
    conf->calendar = omcf->calendar;
    conf->calendar_set = 1;
}


static ngx_int_t
ngx_http_onestop_init_module(ngx_cycle_t *cycle)
{
    char                           err[512];
    u_char                         path[NGX_MAX_PATH];
    ngx_core_conf_t               *ccf;
    ngx_http_onestop_main_conf_t  *omcf;

    /* the store was judged, created or upgraded at the end of the http
     * block (ngx_http_onestop_store_early), where a reload may fail */

    omcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_onestop_module);

    if (omcf == NULL || omcf->store_path.len == 0) {
        return NGX_OK;
    }

    if (omcf->map_size && omcf->mapped > omcf->map_size) {
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "onestop_store \"%V\" reserves %uL bytes, more than "
                      "map_size=%uz: the store's size is kept (a store "
                      "never shrinks)", &omcf->store_path, omcf->mapped,
                      omcf->map_size);
    }

    ngx_cpystrn(path, omcf->store_path.data, omcf->store_path.len + 1);

    /* the workers run as nginx's "user": the store must be theirs */

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (!ngx_test_config && geteuid() == 0
        && ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT
        && onestop_store_give((char *) path, ccf->user, ccf->group, err,
                              sizeof(err)) != 0)
    {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "%s", err);

        /* not on a reload, where nginx's master would exit: the workers
         * that cannot reach the store say so and answer 503 */

        if (ngx_process != NGX_PROCESS_MASTER) {
            return NGX_ERROR;
        }
    }

    return ngx_http_onestop_workers_reach(cycle, path, omcf->store_path.len);
}


static ngx_int_t
ngx_http_onestop_init_process(ngx_cycle_t *cycle)
{
    char                           err[512], *slow;
    u_char                         path[NGX_MAX_PATH];
    onestop_store_conf_t           conf;
    ngx_http_onestop_worker_t     *wk;
    ngx_http_onestop_main_conf_t  *omcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    omcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_onestop_module);

    if (omcf == NULL) {
        return NGX_OK;
    }

    wk = ngx_pcalloc(cycle->pool, sizeof(ngx_http_onestop_worker_t));
    if (wk == NULL) {
        return NGX_ERROR;
    }

    wk->log = cycle->log;
    ngx_queue_init(&wk->waiting);
    ngx_http_onestop_worker = wk;

    if (omcf->store_path.len == 0) {
        return NGX_OK;
    }

    ngx_http_onestop_store_conf(omcf, &conf);

    ngx_cpystrn(path, omcf->store_path.data, omcf->store_path.len + 1);

    if (onestop_store_open(&wk->store, (char *) path, &conf, err,
                           sizeof(err))
        != ONESTOP_OK)
    {
        /* the worker stays and answers 503 "unavailable": one that exits
         * here (code 2) is never respawned, and nginx is left without
         * workers, its port accepting connections nobody answers */

        ngx_http_onestop_open_failed(cycle->log, path, omcf->store_path.len,
                                     err);
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "this worker answers 503 until it can open the "
                      "store: fix it, then \"nginx -s reload\"");
        wk->store = NULL;
        return NGX_OK;
    }

    /* the role the configuration gives the store, written when it
     * changes: a worker that cannot (no room) stays and answers 503 too */

    if (onestop_replica_configure(wk->store,
            omcf->follow ? (char *) omcf->follow->feed.prefix.data : NULL,
            omcf->follow ? omcf->follow->feed.prefix.len : 0,
            omcf->redis ? omcf->redis->feed.log : -1, err, sizeof(err))
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "store \"%V\": %s; this worker answers 503 until "
                      "then: fix it, then \"nginx -s reload\"",
                      &omcf->store_path, err);
        onestop_store_close(wk->store);
        wk->store = NULL;
        return NGX_OK;
    }

    /*
     * For the tests alone (t/threads.t): each statistics miss computed on
     * the thread pool takes this many milliseconds more, so that a test
     * can see the worker answer other requests meanwhile.  nginx passes
     * the variable only with "env ONESTOP_TEST_SLOW_MISS_MS=...;".
     */
    slow = getenv("ONESTOP_TEST_SLOW_MISS_MS");
    wk->test_slow_miss = slow != NULL ? (ngx_msec_t) atoi(slow) : 0;

    /* the same for t/zone_race.t: a zone read waits this long between
     * testing a slot and copying its body */
    slow = getenv("ONESTOP_TEST_ZONE_DELAY_MS");
    wk->test_zone_delay = slow != NULL ? (ngx_msec_t) atoi(slow) : 0;

    if (omcf->sh != NULL) {
        ngx_http_onestop_zone_catch_up(omcf);

        if (ngx_http_onestop_poll_init(cycle, omcf) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_onestop_writer_init(cycle, omcf,
                                     ngx_http_onestop_after_commit) != NGX_OK) {
        return NGX_ERROR;
    }

    if (omcf->follow != NULL
        && ngx_http_onestop_follow_init_process(cycle, omcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (omcf->redis != NULL
        && ngx_http_onestop_redis_init_process(cycle, omcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_onestop_prewarm(cycle, omcf);

    return NGX_OK;
}


static void
ngx_http_onestop_after_commit(ngx_http_onestop_main_conf_t *omcf)
{
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    /* statistics reflect the commit before its requests are answered */

    ngx_http_onestop_zone_catch_up(omcf);

    if (omcf->redis != NULL) {
        ngx_http_onestop_redis_wake(omcf);

    } else if (omcf->sh != NULL) {
        /* nobody else reads the outbox: what the zone applied may go;
         * without a zone either, the store trims it by itself (unread) */
        onestop_store_set_published(wk->store,
                                    ngx_http_onestop_zone_seq(omcf));
    }
}


static void
ngx_http_onestop_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_onestop_main_conf_t  *omcf;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    omcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_onestop_module);

    if (omcf == NULL || wk == NULL) {
        return;
    }

    if (omcf->redis != NULL) {
        ngx_http_onestop_redis_exit_process(omcf);
    }

    if (omcf->follow != NULL) {
        ngx_http_onestop_follow_exit_process(omcf);
    }

    if (wk->store != NULL) {
        /* nginx's thread pools are done by now (a core module's exit
         * comes first): no reader is in use */

        while (wk->nreaders > 0) {
            onestop_store_close(wk->readers[--wk->nreaders]);
        }

        onestop_store_close(wk->store);
        wk->store = NULL;
    }

    onestop_buf_free(&wk->scratch);

    /* the answers' buffers kept for the next (up to 4 MB each): freed,
     * so that a leak checker's report at exit holds only real leaks */

    while (wk->nbufs > 0) {
        onestop_buf_free(&wk->bufs[--wk->nbufs]);
    }
}


static ngx_int_t
ngx_http_onestop_poll_init(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    ngx_event_t  *ev;

    /* the store's sequence, every 250 ms: how the CLI's writes arrive */

    ev = ngx_pcalloc(cycle->pool, sizeof(ngx_event_t));
    if (ev == NULL) {
        return NGX_ERROR;
    }

    ev->handler = ngx_http_onestop_poll;
    ev->data = omcf;
    ev->log = cycle->log;
    ev->cancelable = 1;

    ngx_add_timer(ev, NGX_HTTP_ONESTOP_POLL);

    return NGX_OK;
}


static void
ngx_http_onestop_poll(ngx_event_t *ev)
{
    ngx_http_onestop_main_conf_t  *omcf = ev->data;
    ngx_http_onestop_worker_t     *wk = ngx_http_onestop_worker;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_http_onestop_zone_catch_up(omcf);

    if (omcf->redis == NULL) {
        /* nobody else reads the outbox: the zone's position is enough */
        onestop_store_set_published(wk->store,
                                    ngx_http_onestop_zone_seq(omcf));
    }

    /* the outbox is trimmed in every write's commit; a commit of its own
     * only when this worker has not written since the last poll */

    if (onestop_store_needs_trim(wk->store) && !wk->write_recent) {
        ngx_http_onestop_writer_maintain(omcf);
    }

    wk->write_recent = 0;

    ngx_add_timer(ev, NGX_HTTP_ONESTOP_POLL);
}
