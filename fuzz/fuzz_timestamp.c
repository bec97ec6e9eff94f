/*
 * The timestamp grammar of records and queries (engine/date.c): RFC 3339
 * times and dates (onestop_ts_parse), days (onestop_day_parse) and UTC
 * offsets (onestop_offset_parse), read from bytes of any length, each in
 * an exact-size copy so that AddressSanitizer sees a read past the end.
 * Whatever parses must print back as what parses to the same value: a
 * time to the same instant, a day to the same day, an offset to itself.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "onestop_date.h"


static void
fuzz_ts(const char *s, size_t len, int32_t offset)
{
    char             out[ONESTOP_TS_LEN + 8];
    size_t           n;
    onestop_ts_t     ts, again;
    onestop_civil_t  c;

    if (onestop_ts_parse(s, len, offset, &ts) != 0) {
        return;
    }

    if (!ts.set) {
        abort();
    }

    onestop_ts_civil(&ts, offset, &c);

    if (c.year < 1989 || c.year > 2101 || c.month < 1 || c.month > 12
        || c.day < 1 || c.day > 31 || c.hour > 23 || c.minute > 59
        || c.second > 59)
    {
        abort();
    }

    n = onestop_ts_format(&ts, offset, out);

    if (n != (ts.date_only ? ONESTOP_DATE_LEN : ONESTOP_TS_LEN)) {
        abort();
    }

    /* the years 1990-2100 are those of the text's own offset (a time
     * such as 2100-12-31T23:59:59Z is 2101 at +07:00, by design, see
     * engine/test/test_date.c): printed in another, it parses back when
     * its year there is one of them too */

    if ((c.year >= 1990 && c.year <= 2100)
        && (onestop_ts_parse(out, n, offset, &again) != 0
            || again.sec != ts.sec || again.date_only != ts.date_only))
    {
        abort();
    }

    if (onestop_ts_day(&ts, offset) != onestop_sec_day(ts.sec, offset)) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char           *s, out[16];
    size_t          n;
    int32_t         offset;
    onestop_day_t   day, again;

    s = fuzz_room(size);
    memcpy(s, data, size);

    fuzz_ts(s, size, ONESTOP_DEFAULT_OFFSET);
    fuzz_ts(s, size, 0);
    fuzz_ts(s, size, -(9 * 3600 + 30 * 60));

    if (onestop_day_parse(s, size, &day) == 0) {
        n = onestop_day_format(day, out);

        if (n != ONESTOP_DATE_LEN || onestop_day_parse(out, n, &again) != 0
            || again != day)
        {
            abort();
        }
    }

    if (onestop_offset_parse(s, size, &offset) == 0) {
        if (offset < -14 * 3600 || offset > 14 * 3600) {
            abort();
        }

        n = onestop_offset_format(offset, out);

        if (n != 6 || onestop_offset_parse(out, n, &again) != 0
            || again != offset)
        {
            abort();
        }

        fuzz_ts("2024-06-15T10:20:30Z", 20, offset);
        fuzz_ts("2024-06-15", 10, offset);
    }

    free(s);

    return 0;
}
