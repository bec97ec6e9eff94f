/*
 * GET /api/v1/changes: the query string as the handler reads it
 * (onestop_args_parse, then onestop_changes_query), then a page of the
 * demo store's change log as JSON and as Server-Sent Events, and the
 * page after it by the answer's "next", as a consumer follows it; the
 * same bytes as a Last-Event-ID header's value.  Pages are JSON that
 * parses (or events whose data does), refusals error objects that do.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_changes.h"


static void
fuzz_read(onestop_store_t *st, uint64_t after, size_t limit, int follow)
{
    int                        status;
    char                      *p;
    onestop_buf_t              out;
    onestop_changes_result_t   res;

    memset(&out, 0, sizeof(out));
    status = onestop_changes_read(st, after, limit, ONESTOP_CHANGES_JSON,
                                  &out, &res);

    if (status == 410 || status == 404) {
        fuzz_check_error(res.message);

    } else if (status != 200 || out.failed) {
        abort();

    } else {
        fuzz_check_json("the page", out.data, out.len);

        if (res.n > limit
            || (res.n && after < ONESTOP_CHANGES_LATEST
                && res.next != after + res.n))
        {
            abort();
        }
    }

    onestop_buf_free(&out);

    /* the same as events: each data line one entry that parses */

    memset(&out, 0, sizeof(out));

    if (onestop_changes_read(st, after, limit, ONESTOP_CHANGES_SSE, &out,
                             &res) == 200 && out.len)
    {
        fuzz_check_text("the events", out.data, out.len);
        p = memmem(out.data, out.len, "\ndata: ", 7);

        if (p == NULL || strncmp(out.data, "id: ", 4) != 0) {
            abort();
        }
    }

    onestop_buf_free(&out);

    if (follow && status == 200) {
        fuzz_read(st, res.next, limit, 0);
    }
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store();
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                     *buf;
    uint64_t                  id;
    onestop_args_t            a;
    onestop_store_t          *st;
    onestop_changes_query_t   q;

    st = fuzz_store();
    buf = fuzz_room(size);

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        abort();
    }

    if (onestop_changes_event_id((const char *) data, size, &id) == 0) {
        fuzz_read(st, id, 10, 0);
    }

    if (onestop_args_parse(&a, (const char *) data, size, buf) != 0) {
        fuzz_check_error(a.error);

    } else if (onestop_changes_query(&q, a.arg, a.n) != 0) {
        fuzz_check_error(q.error);

    } else {
        fuzz_read(st, q.has_after ? q.after : ONESTOP_CHANGES_OLDEST,
                  q.limit, 1);
    }

    onestop_store_read_end(st);
    free(buf);

    return 0;
}
