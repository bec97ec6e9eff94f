/*
 * The public answers (SPEC sections 7 and 8) as one call each on a read
 * of the store, from a typed request: statistics, the apology letters,
 * the evaluation summary (from the query's arguments), a widget and the
 * Prometheus figures.  nginx computes them off its event loop and keeps
 * them in its shared zone (ngx_onestop/ngx_http_onestop_answer.c).
 */

#ifndef ONESTOP_ANSWER_H
#define ONESTOP_ANSWER_H

#include <stddef.h>

#include "onestop_args.h"
#include "onestop_catalog.h"
#include "onestop_figures.h"
#include "onestop_store.h"

enum {
    ONESTOP_ANSWER_STATS = 1,
    ONESTOP_ANSWER_APOLOGIES,
    ONESTOP_ANSWER_SUMMARY,
    ONESTOP_ANSWER_WIDGET,
    ONESTOP_ANSWER_METRICS,
    ONESTOP_ANSWER_CATALOG          /* issue 15: the public catalog */
};

typedef struct {
    int                   kind;
    const onestop_arg_t  *args;       /* stats, apologies, summary */
    size_t                nargs;
    onestop_widget_t      widget;     /* its today is set from `today` */
    int                   all;        /* metrics: every agency, not tops */
    onestop_day_t         today;

    /* out */
    onestop_buf_t         out;
    const char           *message;    /* a 400's or 404's, else error */
    char                  error[256];
} onestop_answer_t;

/*
 * The answer on the current read of st into a->out (which the caller
 * frees): 200; 400 or 404 with a->message, else a->error; 500 when the
 * store could not be read or memory ran out.  Reads only `a` and st: it
 * may run on another thread than the request's.
 */
int onestop_answer(onestop_store_t *st, onestop_answer_t *a);

/*
 * The key an answer is kept under in nginx's zone: the store's tag
 * (onestop_store_tag(), 16 hex digits: the zone outlives a reload onto
 * another store), prefix "?" [extra "?"] args (the query string as sent:
 * a different spelling is another key, never a wrong answer).  Written
 * into out, which has room for ONESTOP_ANSWER_KEY_EXTRA + strlen(prefix) +
 * elen + alen bytes; its length.  extra NULL: none.
 */
#define ONESTOP_ANSWER_KEY_EXTRA  18
size_t onestop_answer_key(char *out, uint64_t tag, const char *prefix,
    const char *extra, size_t elen, const char *args, size_t alen);

/*
 * The catalog (issue 15; engine/catalog_view.c): `{"agencies", "fields",
 * "procedures"}` as JSON, or with format=csv one `table` in the dialect
 * of `locale`.  0, -1 with `error` (a 400: a bad or repeated argument),
 * -2 when memory ran out.
 */
int onestop_catalog_answer(const onestop_catalog_t *cat,
    const onestop_arg_t *args, size_t nargs, onestop_buf_t *out,
    char *error, size_t size);

#endif /* ONESTOP_ANSWER_H */
