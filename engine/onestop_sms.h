/*
 * Lookup by SMS (issue 16, Điều 15.1): the SMS gateway's incoming-message
 * webhook (onestop_sms) hands the message's text here; the answer is one
 * GSM-7 message of at most 160 characters without diacritics, for the
 * gateway to send back: the status, the dates, on time or not, and no
 * personal data.
 */

#ifndef ONESTOP_SMS_H
#define ONESTOP_SMS_H

#include <stddef.h>

#include "onestop_store.h"
#include "onestop_util.h"

#define ONESTOP_SMS_MAX   160

/*
 * The arguments of the webhook (a query string or a form body, args[0..
 * len)) answered into out, on the current read of st: 200 (an answer, or
 * the help text for an unknown code or a text that is not "TRACUU
 * <code>"); 400 when there is no `text` argument or it is given twice
 * (out: the message of a JSON error); 500 when memory ran out or the
 * dossier could not be read (out: why, with the store's reason, for the
 * log).
 */
int onestop_sms_answer(onestop_store_t *st, const char *args, size_t len,
    onestop_buf_t *out);

/*
 * The code of an SMS text "TRACUU <code>": the keyword in any case, with
 * or without diacritics ("Tra cứu"), spaces anywhere forgiven; the code
 * into code (ONESTOP_CODE_MAX + 1 bytes), as typed.  1 when the text is
 * of that form with a valid code, 0 otherwise.
 */
int onestop_sms_code(const char *text, size_t len, char *code);

#endif /* ONESTOP_SMS_H */
