/*
 * POST /api/v1/ingest/dossiers: the body as the handler feeds it to the
 * batch parser (onestop_batch_feed, chunk by chunk as nginx's buffers
 * arrive, then onestop_batch_finish).  The first byte chooses NDJSON or
 * JSON and the size of the chunks.  A refusal carries a message that
 * renders as an error object; every record accepted survives its binary
 * form (encode, decode, encode: the same bytes).
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_date.h"
#include "onestop_json.h"


static void
fuzz_round_trip(onestop_record_t *r)
{
    size_t             n, m;
    uint8_t           *a, *b;
    onestop_record_t   d;

    r->agency_id = 1;
    r->procedure_id = 1;
    n = onestop_record_size(r);
    a = malloc(n);

    if (a == NULL) {
        abort();
    }

    onestop_record_encode(r, a);

    if (onestop_record_decode(a, n, &d) != 0) {
        abort();
    }

    d.code = r->code;
    m = onestop_record_size(&d);
    b = malloc(m);

    if (b == NULL) {
        abort();
    }

    onestop_record_encode(&d, b);

    if (m != n || memcmp(a, b, n) != 0 || !onestop_record_same(a, n, b, m)) {
        abort();
    }

    free(a);
    free(b);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t            i, chunk, k;
    onestop_batch_t   b;

    if (size == 0) {
        return 0;
    }

    setenv("ONESTOP_TODAY", FUZZ_TODAY, 1);

    if (onestop_batch_init(&b, data[0] & 1, ONESTOP_DEFAULT_OFFSET,
                           onestop_today(ONESTOP_DEFAULT_OFFSET))
        != 0)
    {
        abort();
    }

    chunk = (data[0] >> 1) + 1;         /* 1 to 128 bytes */
    data++;
    size--;

    for (i = 0; i < size; i += k) {
        k = size - i < chunk ? size - i : chunk;

        if (onestop_batch_feed(&b, data + i, k) != 0) {
            break;
        }
    }

    if (onestop_batch_finish(&b) != 0) {
        if (b.error == 400) {
            fuzz_check_error(b.message);

        } else if (b.error == 422) {
            for (i = 0; i < b.nitems; i++) {
                fuzz_check_error(b.items[i].message);
            }

        } else {
            abort();
        }

    } else {
        for (i = 0; i < b.nrecs; i++) {
            fuzz_round_trip(&b.recs[i]);
        }
    }

    onestop_batch_free(&b);

    return 0;
}
