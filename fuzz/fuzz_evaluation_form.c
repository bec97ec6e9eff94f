/*
 * POST /api/v1/evaluations as a form (application/x-www-form-urlencoded):
 * the body as the handler reads it (onestop_args_parse, each of token,
 * comment, a1-a9 at most once: onestop_args_once), every value quoted
 * for an error message (onestop_args_quote).  Names and values stay in
 * the room given; a quote is short, UTF-8 and ends in a NUL.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                 *buf, shown[ONESTOP_ARGS_SHOWN];
    size_t                i, total;
    onestop_args_t        a;
    const onestop_arg_t  *arg;

    static const char  *const names[] = {
        "token", "comment", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8",
        "a9", NULL
    };

    buf = fuzz_room(size);

    if (onestop_args_parse(&a, (const char *) data, size, buf) != 0) {
        fuzz_check_error(a.error);
        free(buf);
        return 0;
    }

    if (a.n > ONESTOP_ARGS_MAX) {
        abort();
    }

    if (onestop_args_once(a.arg, a.n, names, a.error, sizeof(a.error))
        != 0)
    {
        fuzz_check_error(a.error);
    }

    total = 0;

    for (i = 0; i < a.n; i++) {
        arg = &a.arg[i];

        /* decoded in order, one after the other, never longer */
        if (arg->key.data != buf + total
            || arg->value.data != arg->key.data + arg->key.len)
        {
            abort();
        }

        total += arg->key.len + arg->value.len;

        if (total > size) {
            abort();
        }

        onestop_args_quote(&arg->value, shown);

        if (strlen(shown) > ONESTOP_ARGS_QUOTE + 3) {
            abort();
        }

        fuzz_check_text("a quoted value", shown, strlen(shown));
    }

    free(buf);

    return 0;
}
