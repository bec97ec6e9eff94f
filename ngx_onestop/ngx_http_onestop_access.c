/*
 * Whether nginx's workers can reach the store, why an open failed, and
 * whether the store is one a start would refuse: the judgement is the
 * engine's (onestop_access.h, onestop_probe.h); this file finds nginx's
 * user for it and logs what it says.  At the end of the http block
 * (ngx_http_onestop_store_early) it also opens the store read-write once,
 * not under "nginx -t", which creates, upgrades or grows it, and closes
 * it; and, as checks of a start go, whether the calendar file runs out
 * (ngx_http_onestop_calendar_years).  Called by ngx_http_onestop_module.c
 * only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_access.h"


static ngx_int_t ngx_http_onestop_reach(ngx_cycle_t *cycle, ngx_log_t *log,
    const u_char *store, size_t len, int given);


ngx_int_t
ngx_http_onestop_workers_reach(ngx_cycle_t *cycle, const u_char *store,
    size_t len)
{
    /* "nginx -t" gives nothing away: the store is judged as a start would
     * give it */

    if (ngx_http_onestop_reach(cycle, cycle->log, store, len,
                               ngx_test_config)
        == NGX_OK)
    {
        return NGX_OK;
    }

    return ngx_process == NGX_PROCESS_MASTER ? NGX_OK : NGX_ERROR;
}


/* whether the workers' user reaches the store; NGX_ERROR said at emerg */

static ngx_int_t
ngx_http_onestop_reach(ngx_cycle_t *cycle, ngx_log_t *log,
    const u_char *store, size_t len, int given)
{
    int                     rc;
    char                    msg[4 * NGX_MAX_PATH];
    ngx_core_conf_t        *ccf;
    onestop_access_user_t   u;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (geteuid() != 0
        || ccf->user == (ngx_uid_t) NGX_CONF_UNSET_UINT
        || ccf->user == 0
        || !ccf->master
        || ngx_process == NGX_PROCESS_SIGNALLER)
    {
        return NGX_OK;
    }

    if (onestop_access_user(&u, ccf->user, ccf->group, ccf->username) != 0) {
        onestop_access_user_free(&u);
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "could not check the store's access for user \"%s\": "
                      "out of memory", u.user);
        return NGX_ERROR;
    }

    u.given = given;

    rc = onestop_store_access_check((char *) store, len, &u, msg,
                                    sizeof(msg));
    onestop_access_user_free(&u);

    if (rc == 0) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, log, 0,
                  "store \"%*s\": nginx's workers, which run as user "
                  "\"%s\", %s", len, store, u.user, msg);

    return NGX_ERROR;
}


void
ngx_http_onestop_open_failed(ngx_log_t *log, const u_char *store, size_t len,
    const char *err)
{
    char  msg[5 * NGX_MAX_PATH];

    onestop_store_open_explain((char *) store, len, err, msg, sizeof(msg));
    ngx_log_error(NGX_LOG_EMERG, log, 0, "%s", msg);
}


ngx_int_t
ngx_http_onestop_store_early(ngx_conf_t *cf, ngx_str_t *store,
    const onestop_store_conf_t *conf, uint64_t *mapped)
{
    int               rc;
    char              err[512];
    u_char            path[NGX_MAX_PATH], *p;
    uint64_t          used;
    ngx_log_t        *log;
    struct stat       sb;
    onestop_store_t  *st;

    log = cf->log;

    /* "nginx -s stop|quit|reopen|reload" reads the configuration for its
     * pid file alone: a store in any state must not keep it from
     * signalling (a reload is judged by the master) */

    if (ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_OK;
    }

    if (store->len > NGX_MAX_PATH - 16) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "onestop_store path is too long (%uz bytes, %d at "
                      "most): \"%V\"", store->len, NGX_MAX_PATH - 16, store);
        return NGX_ERROR;
    }

    ngx_cpystrn(path, store->data, store->len + 1);

    /* first only look (onestop_probe.h): nothing is created or changed,
     * so "nginx -t" may do it too */

    rc = onestop_store_check((char *) path, conf, err, sizeof(err));

    switch (rc) {

    case ONESTOP_NOT_FOUND:

        /* the start creates the directory, not those above it */

        p = path + store->len;

        while (p > path + 1 && *(p - 1) == '/') {
            p--;
        }

        while (p > path && *(p - 1) != '/') {
            p--;
        }

        if (p > path + 1) {
            *(p - 1) = '\0';

            if (stat((char *) path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                ngx_log_error(NGX_LOG_EMERG, log, 0, "onestop_store \"%V\" "
                              "cannot be created: \"%s\" is not a directory",
                              store, path);
                return NGX_ERROR;
            }

            *(p - 1) = '/';
        }

        break;

    case ONESTOP_OK:
    case ONESTOP_STORE_OLD:
        break;

    default:
        ngx_http_onestop_open_failed(log, path, store->len, err);
        return NGX_ERROR;
    }

    if (ngx_test_config) {
        /* "nginx -t" changes nothing: it only says what a start would do
         * (a warning, so that it shows on the terminal) */

        if (rc != ONESTOP_OK) {
            ngx_log_error(NGX_LOG_WARN, log, 0, "%s", err);
        }

        return NGX_OK;
    }

    /*
     * What a start creates, upgrades or grows (the directory, the schema,
     * the map), done here and not in init_module: an open that fails here
     * (a read-only file system, a map the address space cannot hold, an
     * upgrade that finds no room) refuses a reload, which keeps the
     * running configuration, where a failed init_module makes nginx's
     * master exit and leaves its workers orphaned.
     */

    if (onestop_store_open(&st, (char *) path, conf, err, sizeof(err))
        != ONESTOP_OK)
    {
        ngx_http_onestop_open_failed(log, path, store->len, err);
        return NGX_ERROR;
    }

    onestop_store_usage(st, &used, mapped);
    onestop_store_close(st);

    /* a reload onto a store the workers' user cannot reach is refused too
     * (judged as init_module will give it to them), when the "user"
     * directive came before the http block: else init_module says it, and
     * the new workers answer 503 */

    if (ngx_process == NGX_PROCESS_MASTER) {
        return ngx_http_onestop_reach(cf->cycle, log, path, store->len, 1);
    }

    return NGX_OK;
}


/* once the utc offset is known: a calendar file without this year, or
 * the year a due date computed now can reach, whose holidays would count
 * as working days */

void
ngx_http_onestop_calendar_years(ngx_conf_t *cf,
    ngx_http_onestop_main_conf_t *omcf)
{
    int  year;

    if (omcf->calendar_file
        && (year = onestop_calendar_missing_year(omcf->calendar,
                       onestop_today((int32_t) omcf->utc_offset))) != 0)
    {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "onestop_calendar: the file "
            "names no day of %d: its holidays count as working days "
            "(Điều 9.1, 13.3) until its lines are added", year);
    }
}
