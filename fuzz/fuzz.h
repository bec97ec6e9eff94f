/*
 * What the fuzz targets share: a small store made once per process (the
 * demo catalog and a few thousand dossiers, apology letters among them,
 * and evaluations of the finished ones), and the checks every answer
 * passes: well-formed UTF-8, and JSON that parses.  A check that fails
 * aborts, which libFuzzer reports as a crash with the input.
 */

#ifndef ONESTOP_FUZZ_H
#define ONESTOP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_args.h"
#include "onestop_store.h"

/* "today" of every target, so that a crash replays the same way */
#define FUZZ_TODAY  "2024-06-15"

/* The demo store, opened and filled on the first call; its read begun
 * by the caller as a handler does. */
onestop_store_t *fuzz_store(void);

/* Aborts unless s[0..len) is well-formed UTF-8 (and, for json, one JSON
 * text that yajl parses). */
void fuzz_check_text(const char *what, const char *s, size_t len);
void fuzz_check_json(const char *what, const char *s, size_t len);

/* The 400 a handler would send for `message`: rendered and checked. */
void fuzz_check_error(const char *message);

/* Room for what data[0..size) decodes into: exactly size bytes, as the
 * module gives (at least one), so that AddressSanitizer sees any byte
 * written or read past them. */
char *fuzz_room(size_t size);

#endif /* ONESTOP_FUZZ_H */
