/*
 * Lookup by SMS (issue 16, onestop_sms.h): "TRACUU <code>" answered in
 * one GSM-7 message without diacritics; anything else answered with a
 * short help text.  No name, no contact: what the public lookup shows of
 * the dates and the status, and less.
 *
 * Calls args.c, feedback.c (the unaccented text), record.c, date.c, the
 * store's read side.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_args.h"
#include "onestop_date.h"
#include "onestop_feedback.h"
#include "onestop_sms.h"

#define HELP  "Soan tin: TRACUU <ma ho so> de tra cuu tinh trang ho so. " \
              "VD: TRACUU 000.00.12.H36-190710-0001"


int
onestop_sms_code(const char *text, size_t len, char *code)
{
    size_t  i, n, k;
    char   *a;
    char    kw[6];

    if (len > 1024) {
        return 0;
    }

    a = malloc(len + 1);

    if (a == NULL) {
        return 0;
    }

    len = onestop_unaccent(text, len, a);

    /* the keyword's six letters, blanks between them forgiven */

    for (i = 0, k = 0; i < len && k < 6; i++) {
        if (a[i] == ' ' || a[i] == '\t' || a[i] == '\r' || a[i] == '\n') {
            continue;
        }

        kw[k++] = (char) (a[i] >= 'a' && a[i] <= 'z' ? a[i] - 32 : a[i]);
    }

    if (k < 6 || memcmp(kw, "TRACUU", 6) != 0) {
        free(a);
        return 0;
    }

    /* then the code, blanks anywhere dropped */

    for (n = 0; i < len; i++) {
        if (a[i] == ' ' || a[i] == '\t' || a[i] == '\r' || a[i] == '\n'
            || a[i] == ':')
        {
            continue;
        }

        if (n == ONESTOP_CODE_MAX) {
            free(a);
            return 0;
        }

        code[n++] = a[i];
    }

    free(a);
    code[n] = '\0';

    return onestop_code_valid(code, n);
}


static void
day_text(const onestop_ts_t *t, int32_t offset, char *buf)
{
    onestop_civil_t  c;

    onestop_ts_civil(t, offset, &c);
    snprintf(buf, 11, "%02u/%02u/%04d", c.day, c.month, c.year);
}


int
onestop_sms_answer(onestop_store_t *st, const char *args, size_t len,
    onestop_buf_t *out)
{
    int                 rc;
    char               *buf, code[ONESTOP_CODE_MAX + 1], up[ONESTOP_CODE_MAX],
                        d[16], status[128];
    size_t              n;
    int32_t             off;
    onestop_str_t       text;
    onestop_record_t    r;
    onestop_status_e    s;
    const onestop_ts_t *t;

    buf = malloc(len + 1);

    if (buf == NULL) {
        onestop_buf_adds(out, "out of memory");
        return 500;
    }

    rc = onestop_args_get(args, len, "text", buf, &text);

    if (rc != 1) {
        free(buf);
        onestop_buf_adds(out, rc == 0 ? "the argument text is required"
                                      : "text is given twice");
        return 400;
    }

    if (!onestop_sms_code(text.data, text.len, code)) {
        free(buf);
        onestop_buf_adds(out, HELP);
        return 200;
    }

    free(buf);
    n = strlen(code);
    rc = onestop_store_get(st, code, n, &r);

    if (rc == ONESTOP_NOT_FOUND && onestop_code_upper(up, code, n)) {
        memcpy(code, up, n);
        rc = onestop_store_get(st, code, n, &r);
    }

    if (rc == ONESTOP_ERROR) {
        onestop_buf_printf(out, "dossier %s cannot be read: %s", code,
                           onestop_store_strerror(st));
        return 500;
    }

    if (rc != ONESTOP_OK) {
        onestop_buf_printf(out, "Khong tim thay ho so %s. Soan tin: TRACUU "
                           "<ma ho so> (ma tren giay tiep nhan).", code);
        return 200;
    }

    off = onestop_store_offset(st);
    s = onestop_record_status(&r);
    n = strlen(onestop_status_text(s, onestop_record_timeliness(&r, off,
                                      onestop_today(off))));
    n = onestop_unaccent(onestop_status_text(s,
            onestop_record_timeliness(&r, off, onestop_today(off))), n,
            status);
    status[n] = '\0';

    onestop_buf_printf(out, "HS %s: %s.", code, status);
    t = r.t;

    if (t[ONESTOP_T_RECEIVED].set) {
        day_text(&t[ONESTOP_T_RECEIVED], off, d);
        onestop_buf_printf(out, " Nhan %s.", d);
    }

    if (r.has_apology && t[ONESTOP_T_APOLOGY_NEW_DUE].set) {
        day_text(&t[ONESTOP_T_APOLOGY_NEW_DUE], off, d);
        onestop_buf_printf(out, " Hen moi %s.", d);

    } else if (t[ONESTOP_T_DUE].set) {
        day_text(&t[ONESTOP_T_DUE], off, d);
        onestop_buf_printf(out, " Hen tra %s.", d);
    }

    if (t[ONESTOP_T_WITHDRAWN].set) {
        day_text(&t[ONESTOP_T_WITHDRAWN], off, d);
        onestop_buf_printf(out, " Rut %s.", d);

    } else if (t[ONESTOP_T_RESOLVED].set) {
        day_text(&t[ONESTOP_T_RESOLVED], off, d);
        onestop_buf_printf(out, " Co KQ %s.", d);
    }

    if (out->len > ONESTOP_SMS_MAX) {
        out->len = ONESTOP_SMS_MAX;          /* a 64-byte code at most */
    }

    return 200;
}
