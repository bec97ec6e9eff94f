/*
 * Whether nginx's workers can reach the store, why an open failed, and
 * whether the store is one a start would refuse: the judgement is the
 * engine's (onestop_access.h, onestop_probe.h); this file finds nginx's
 * user for it and logs what it says.  Called by
 * ngx_http_onestop_module.c only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
#include "onestop_access.h"


ngx_int_t
ngx_http_onestop_workers_reach(ngx_cycle_t *cycle, const u_char *store,
    size_t len)
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
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "could not check the store's access for user \"%s\": "
                      "out of memory", u.user);
        return NGX_ERROR;
    }

    u.given = ngx_test_config;      /* "nginx -t" gives nothing away */

    rc = onestop_store_access_check((char *) store, len, &u, msg,
                                    sizeof(msg));
    onestop_access_user_free(&u);

    if (rc == 0) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                  "store \"%*s\": nginx's workers, which run as user "
                  "\"%s\", %s", len, store, u.user, msg);

    return ngx_process == NGX_PROCESS_MASTER ? NGX_OK : NGX_ERROR;
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
ngx_http_onestop_store_early(ngx_log_t *log, ngx_str_t *store,
    const onestop_store_conf_t *conf)
{
    char         err[512];
    u_char       path[NGX_MAX_PATH], *p;
    struct stat  sb;

    /* "nginx -s stop|quit|reopen|reload" reads the configuration for its
     * pid file alone: a store in any state must not keep it from
     * signalling (a reload is judged by the master) */

    if (ngx_process == NGX_PROCESS_SIGNALLER
        || store->len > NGX_MAX_PATH - 16)
    {
        return NGX_OK;          /* init_module says what is wrong */
    }

    ngx_cpystrn(path, store->data, store->len + 1);

    /* only looks (onestop_probe.h): nothing is created or changed, so
     * "nginx -t" may do it too; init_module then says what a start would
     * create or upgrade */

    switch (onestop_store_check((char *) path, conf, err, sizeof(err))) {

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
        }

        return NGX_OK;

    case ONESTOP_OK:
    case ONESTOP_STORE_OLD:
        return NGX_OK;

    default:
        ngx_http_onestop_open_failed(log, path, store->len, err);
        return NGX_ERROR;
    }
}
