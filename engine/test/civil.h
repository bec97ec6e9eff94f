/*
 * The day number (days since 1970-01-01) of a civil date, computed with
 * the C library rather than the engine, so that the tests that use it
 * check the engine's date arithmetic instead of repeating it.
 */

#ifndef ONESTOP_TEST_CIVIL_H
#define ONESTOP_TEST_CIVIL_H

#include <string.h>
#include <time.h>


static inline int
civil(int y, int mo, int d)
{
    struct tm  tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;

    return (int) (timegm(&tm) / 86400);
}

#endif /* ONESTOP_TEST_CIVIL_H */
