/*
 * Working days (Điều 9.1, 13.3) and citizens' questions and complaints
 * (Điều 13): the directives, and the handler that reads a request, calls
 * the engine once (engine/feedback*.c) and sends what it rendered.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


static char *ngx_http_onestop_calendar_apply(ngx_conf_t *cf,
    ngx_http_onestop_main_conf_t *omcf);
static void ngx_http_onestop_calendar_free(void *data);


/* onestop_calendar FILE; onestop_office_hours HH:MM-HH:MM; in any order:
 * the calendar (weekends only without a file) takes the hours */

char *
ngx_http_onestop_calendar(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    char                 err[512];
    ngx_str_t           *value, file;
    ngx_pool_cleanup_t  *cln;

    if (omcf->calendar != NULL && omcf->office_hours == 0) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    /* one made for onestop_office_hours alone goes with its cleanup */

    omcf->calendar = onestop_calendar_load((char *) file.data, err,
                                           sizeof(err));
    if (omcf->calendar == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "onestop_calendar: %s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_onestop_calendar_free;
    cln->data = omcf->calendar;

    return ngx_http_onestop_calendar_apply(cf, omcf);
}


char *
ngx_http_onestop_office_hours(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    unsigned    open, close;
    ngx_str_t  *value;

    if (omcf->office_hours) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (onestop_office_hours_parse((char *) value[1].data, value[1].len,
                                   &open, &close) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" (HH:MM-HH:MM, opening "
                           "before closing)", &value[1]);
        return NGX_CONF_ERROR;
    }

    omcf->office_hours = open * 1440 + close + 1;

    return ngx_http_onestop_calendar_apply(cf, omcf);
}


static char *
ngx_http_onestop_calendar_apply(ngx_conf_t *cf,
    ngx_http_onestop_main_conf_t *omcf)
{
    char                 err[128];
    ngx_uint_t           h;
    ngx_pool_cleanup_t  *cln;

    if (omcf->calendar == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        omcf->calendar = onestop_calendar_load(NULL, err, sizeof(err));
        if (omcf->calendar == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_onestop_calendar_free;
        cln->data = omcf->calendar;
    }

    if (omcf->office_hours) {
        h = omcf->office_hours - 1;
        onestop_calendar_set_hours(omcf->calendar, h / 1440, h % 1440);
    }

    return NGX_CONF_OK;
}


static void
ngx_http_onestop_calendar_free(void *data)
{
    onestop_calendar_free(data);
}
