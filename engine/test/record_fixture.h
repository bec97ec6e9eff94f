/*
 * What the record's unit tests share (test_record.c, test_record_codec.c):
 * a time parsed as SPEC section 3 writes it, a valid citizen's dossier
 * with the times given, and an apology letter added to one.
 */

#ifndef ONESTOP_TEST_RECORD_FIXTURE_H
#define ONESTOP_TEST_RECORD_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onestop_date.h"
#include "onestop_record.h"
#include "tap.h"
#include "civil.h"


#define OFF  ONESTOP_DEFAULT_OFFSET


static inline onestop_ts_t
ts(const char *s)
{
    onestop_ts_t  t;

    memset(&t, 0, sizeof(t));

    if (s != NULL && onestop_ts_parse(s, strlen(s), OFF, &t) != 0) {
        printf("# bad time in the test itself: %s\n", s);
        memset(&t, 0, sizeof(t));
    }

    return t;
}


/* A valid citizen's dossier; NULL leaves a time out. */
static inline onestop_record_t
rec(const char *received, const char *due, const char *resolved,
    const char *returned, const char *withdrawn)
{
    onestop_record_t  r;

    memset(&r, 0, sizeof(r));
    r.code.data = "000.00.12.H36-190709-0001";
    r.code.len = strlen(r.code.data);
    r.version = 3;
    r.agency_id = 1;
    r.procedure_id = 1;
    r.channel = ONESTOP_CH_ONLINE;
    r.name.data = "Nguyễn Văn An";
    r.name.len = strlen(r.name.data);
    r.t[ONESTOP_T_RECEIVED] = ts(received);
    r.t[ONESTOP_T_DUE] = ts(due);
    r.t[ONESTOP_T_RESOLVED] = ts(resolved);
    r.t[ONESTOP_T_RETURNED] = ts(returned);
    r.t[ONESTOP_T_WITHDRAWN] = ts(withdrawn);

    return r;
}


static inline void
apology(onestop_record_t *r, const char *issued, const char *new_due)
{
    r->has_apology = 1;
    r->t[ONESTOP_T_APOLOGY_ISSUED] = ts(issued);
    r->t[ONESTOP_T_APOLOGY_NEW_DUE] = ts(new_due);
}

#endif /* ONESTOP_TEST_RECORD_FIXTURE_H */
