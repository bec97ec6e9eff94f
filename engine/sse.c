/*
 * A change log's stream of Server-Sent Events (onestop_sse.h).  A stream
 * holds no read transaction between its sends: it reads the log only
 * when something was committed past what it sent, and nothing while the
 * client has not taken the last send, so a slow client costs memory for
 * one page at most and never holds back the store's free pages.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_json.h"
#include "onestop_sse.h"


int
onestop_sse_resume(const onestop_changes_query_t *q, const char *id,
    size_t len, uint64_t *after)
{
    if (id != NULL) {
        return onestop_changes_event_id(id, len, after);
    }

    *after = q->has_after ? q->after : ONESTOP_CHANGES_LATEST;

    return 0;
}


int
onestop_sse_open(onestop_sse_t *s, onestop_store_t *st, uint64_t after,
    unsigned heartbeat, onestop_changes_result_t *res)
{
    int  status;

    s->heartbeat = heartbeat;
    s->quiet = 0;

    onestop_buf_adds(&s->out, "retry: 2000\n\n");
    status = onestop_changes_read(st, after, ONESTOP_CHANGES_LIMIT_MAX,
                                  ONESTOP_CHANGES_SSE, &s->out, res);
    s->after = res->next;

    return status;
}


int
onestop_sse_tick(onestop_sse_t *s, unsigned ms, uint64_t seq)
{
    s->quiet += ms;

    if (s->out.len) {
        return ONESTOP_SSE_WAIT;
    }

    return seq == ONESTOP_SSE_UNKNOWN || seq > s->after ? ONESTOP_SSE_READ
                                                        : ONESTOP_SSE_IDLE;
}


int
onestop_sse_read(onestop_sse_t *s, onestop_store_t *st)
{
    int                       status;
    onestop_changes_result_t  res;

    status = onestop_changes_read(st, s->after, ONESTOP_CHANGES_LIMIT_MAX,
                                  ONESTOP_CHANGES_SSE, &s->out, &res);

    if (status == 410) {
        /* the message names members in quotes: escaped, so that the
         * data line is JSON */
        onestop_buf_adds(&s->out, "event: gone\ndata: "
                         "{\"error\":{\"code\":\"gone\",\"message\":");
        onestop_json_str(&s->out, res.message, strlen(res.message));
        onestop_buf_adds(&s->out, "}}\n\n");
        return 1;
    }

    if (status == 200) {
        s->after = res.next;
        return 0;
    }

    onestop_buf_free(&s->out);             /* a failed buffer, too */
    snprintf(s->error, sizeof(s->error), "%s", res.message);

    return -1;
}


void
onestop_sse_idle(onestop_sse_t *s)
{
    if (s->out.len == 0 && s->quiet >= s->heartbeat) {
        onestop_buf_adds(&s->out, ": heartbeat\n\n");
    }
}


void
onestop_sse_sent(onestop_sse_t *s)
{
    s->out.len = 0;
}
