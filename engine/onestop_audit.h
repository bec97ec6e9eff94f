/*
 * The audit trail (issue 19): one JSON line per thing a write did or was
 * refused, for onestop_audit_log.  See audit.c.
 */

#ifndef ONESTOP_AUDIT_H
#define ONESTOP_AUDIT_H

#include <stdint.h>

#include "onestop_store.h"
#include "onestop_util.h"

/*
 * Appends the lines of one write request, as it ended, to b: a line per
 * record of a batch, one for a delete, a catalog change or an evaluation.
 * now is the commit's time (UTC seconds), written in the store's offset.
 * Never a name, a contact or a comment: codes, ids, versions, statuses.
 */
void onestop_audit_format(onestop_buf_t *b, const onestop_write_t *w,
    int64_t now, int32_t offset);

#endif
