/*
 * POST /api/v1/ingest/catalog: the catalog document as the handler
 * parses it (onestop_catalog_doc_parse).  A refusal carries a message
 * that renders as an error object; an accepted document's strings are
 * UTF-8.
 */

#include <stdlib.h>

#include "fuzz.h"
#include "onestop_json.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                     rc;
    size_t                  i;
    onestop_catalog_doc_t   doc;

    rc = onestop_catalog_doc_parse(&doc, (const char *) data, size);

    if (rc != 0) {
        if (rc != 400 && rc != 422) {
            abort();
        }

        fuzz_check_error(doc.message);

    } else {
        for (i = 0; i < doc.nagencies; i++) {
            fuzz_check_text("an agency's name", doc.agencies[i].name.data,
                            doc.agencies[i].name.len);
        }

        for (i = 0; i < doc.nprocedures; i++) {
            fuzz_check_text("a procedure's name",
                            doc.procedures[i].name.data,
                            doc.procedures[i].name.len);
        }
    }

    onestop_catalog_doc_free(&doc);

    return 0;
}
