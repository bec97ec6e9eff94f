/*
 * The QR token verifier (engine/qr.c, SPEC section 6): /q/{token} as any
 * bytes, against two keys (a rotation's new and old).  A token that
 * verifies must be the code inside it signed again by one of the keys,
 * byte for byte; and the first bytes of the input, taken as a code and
 * signed, must verify to that code, and not once a byte of its signature
 * changes.  onestop_token_code must agree with verify and the code rules.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_qr.h"
#include "onestop_record.h"


static onestop_qr_key_t  keys[2];


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t  i;

    for (i = 0; i < 32; i++) {
        keys[0].key[i] = (unsigned char) (0x5e ^ i);
        keys[1].key[i] = (unsigned char) (0xa1 + i);
    }

    keys[0].len = 32;
    keys[1].len = 48;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int           ok, k, code_ok;
    char         *s, *signed_, *again;
    size_t        len, code_len, n, m;
    const char   *code;

    s = fuzz_room(size);
    memcpy(s, data, size);

    ok = onestop_token_verify(keys, 2, s, size, &code, &code_len);

    if (ok != 0 && ok != 1) {
        abort();
    }

    if (ok) {
        if (code != s || code_len == 0
            || code_len + 1 + ONESTOP_TOKEN_SIG_LEN != size
            || s[code_len] != '.')
        {
            abort();
        }

        again = malloc(size + 1);
        if (again == NULL) {
            abort();
        }

        for (k = 0; k < 2; k++) {
            n = onestop_token_sign(&keys[k], code, code_len, again);
            if (n == size && memcmp(again, s, size) == 0) {
                break;
            }
        }

        if (k == 2) {
            abort();
        }

        free(again);

    } else if (code != NULL || code_len != 0) {
        abort();
    }

    code_ok = onestop_token_code(keys, 2, s, size, &code, &code_len);

    if (code_ok && (!ok || !onestop_code_valid(code, code_len))) {
        abort();
    }

    if (ok && !code_ok && onestop_code_valid(s, size - 17)) {
        abort();
    }

    /* the input's first bytes as a code, signed by the old key */

    len = size < 64 ? size : 64;

    if (len > 0) {
        signed_ = fuzz_room(len + 1 + ONESTOP_TOKEN_SIG_LEN);
        n = onestop_token_sign(&keys[1], s, len, signed_);

        if (n != len + 1 + ONESTOP_TOKEN_SIG_LEN) {
            abort();
        }

        {
            if (onestop_token_verify(keys, 2, signed_, n, &code, &code_len)
                    != 1
                || code != signed_ || code_len != len)
            {
                abort();
            }

            m = len + 1 + (s[0] & 0x0f);
            signed_[m] = signed_[m] == 'A' ? 'B' : 'A';

            if (onestop_token_verify(keys, 2, signed_, n, &code, &code_len)
                != 0)
            {
                abort();
            }
        }

        free(signed_);
    }

    free(s);

    return 0;
}
