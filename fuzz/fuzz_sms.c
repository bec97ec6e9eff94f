/*
 * Lookup by SMS (issue 16): the webhook's arguments, a query string or a
 * form body (onestop_sms_answer), answered from the demo store, and the
 * message's text alone (onestop_sms_code).  An answer is 200 or 400; a
 * 200 is one GSM-7 message: at most 160 characters, printable ASCII; a
 * code found by onestop_sms_code is a valid code.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_sms.h"


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store();
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               status;
    size_t            i;
    char              code[ONESTOP_CODE_MAX + 1];
    onestop_buf_t     out;
    onestop_store_t  *st;

    st = fuzz_store();

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        abort();
    }

    memset(&out, 0, sizeof(out));
    status = onestop_sms_answer(st, (const char *) data, size, &out);
    onestop_store_read_end(st);

    if (out.failed || (status != 200 && status != 400)) {
        abort();
    }

    if (status == 200) {
        if (out.len == 0 || out.len > ONESTOP_SMS_MAX) {
            abort();
        }

        for (i = 0; i < out.len; i++) {
            if (out.data[i] < 0x20 || out.data[i] > 0x7e) {
                abort();
            }
        }

    } else {
        onestop_buf_add(&out, "", 1);
        fuzz_check_error(out.data);
    }

    onestop_buf_free(&out);

    if (onestop_sms_code((const char *) data, size, code)
        && !onestop_code_valid(code, strlen(code)))
    {
        abort();
    }

    return 0;
}
