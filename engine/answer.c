/*
 * The public answers (see onestop_answer.h): the typed query parsed from
 * the arguments against the read's catalog, the engine's computation,
 * and its outcome as an HTTP-like status.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_answer.h"
#include "onestop_stats.h"


static int
answer_failed(onestop_answer_t *a, const char *error, int status)
{
    memcpy(a->error, error, sizeof(a->error));

    return status;
}


static int
answer_compute(onestop_store_t *st, onestop_answer_t *a)
{
    int                       rc;
    onestop_query_t           q;
    onestop_apology_query_t   aq;
    const onestop_catalog_t  *cat;

    a->message = NULL;

    switch (a->kind) {

    case ONESTOP_ANSWER_WIDGET:
        a->widget.today = a->today;
        rc = onestop_widget(st, &a->widget, &a->out, &a->message);
        return rc == 0 ? 200 : rc == 1 ? 404 : 500;

    case ONESTOP_ANSWER_METRICS:
        return onestop_metrics_figures(st, a->all, a->today, &a->out) == 0
               ? 200 : 500;
    }

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        return 500;
    }

    if (a->kind == ONESTOP_ANSWER_CATALOG) {
        rc = onestop_catalog_answer(cat, a->args, a->nargs, &a->out,
                                    a->error, sizeof(a->error));
        return rc == 0 ? 200 : rc == -1 ? 400 : 500;
    }

    if (a->kind == ONESTOP_ANSWER_APOLOGIES) {
        if (onestop_apology_query_parse(&aq, cat, a->args, a->nargs) != 0) {
            return answer_failed(a, aq.error, 400);
        }

        return onestop_store_apologies(st, &aq, &a->out) == 0 ? 200 : 500;
    }

    if (onestop_query_parse(&q, cat, a->args, a->nargs) != 0) {
        return answer_failed(a, q.error, 400);
    }

    rc = a->kind == ONESTOP_ANSWER_SUMMARY
         ? onestop_store_evaluation_summary(st, &q, a->today, &a->out)
         : onestop_store_stats(st, &q, a->today, &a->out);

    return rc == 0 ? 200 : rc == -1 ? answer_failed(a, q.error, 400) : 500;
}


/* a 500 says why, for the log: memory, or the store's read */

int
onestop_answer(onestop_store_t *st, onestop_answer_t *a)
{
    int          status;
    const char  *why;

    a->error[0] = '\0';
    status = answer_compute(st, a);

    if (status == 500 && a->error[0] == '\0') {
        why = onestop_store_strerror(st);
        snprintf(a->error, sizeof(a->error), "%s",
                 a->out.failed ? "out of memory"
                 : why[0] ? why : "the store could not be read");
    }

    return status;
}


size_t
onestop_answer_key(char *out, uint64_t tag, const char *prefix,
    const char *extra, size_t elen, const char *args, size_t alen)
{
    int      i;
    char    *p;
    size_t   n;

    static const char  hex[] = "0123456789abcdef";

    /* the store's tag, 16 hex digits, then the rest */

    for (i = 0; i < 16; i++) {
        out[i] = hex[(tag >> (60 - 4 * i)) & 0xf];
    }

    n = strlen(prefix);
    memcpy(out + 16, prefix, n);
    p = out + 16 + n;
    *p++ = '?';

    if (extra != NULL) {
        memcpy(p, extra, elen);
        p += elen;
        *p++ = '?';
    }

    memcpy(p, args, alen);

    return (size_t) (p + alen - out);
}
