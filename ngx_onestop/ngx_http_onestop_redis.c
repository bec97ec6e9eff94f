/*
 * The change feed through Redis (SPEC section 9).  Placeholder: the
 * publisher is being written; the directive is refused until then.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


char *
ngx_http_onestop_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return "is not available in this build";
}


ngx_int_t
ngx_http_onestop_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_onestop_main_conf_t *omcf)
{
    return NGX_OK;
}


void
ngx_http_onestop_redis_exit_process(ngx_http_onestop_main_conf_t *omcf)
{
}


void
ngx_http_onestop_redis_wake(ngx_http_onestop_main_conf_t *omcf)
{
}


void
ngx_http_onestop_redis_metrics(ngx_http_onestop_main_conf_t *omcf,
    onestop_buf_t *b)
{
}
