/*
 * Unit tests of onestop_csv_cell (engine/util.c), the one function every
 * CSV writer uses for a text cell: RFC 4180 quoting, and the OWASP
 * defence against CSV formula injection (a cell that begins with =, +, -,
 * @, TAB or CR is quoted with a single quote in front).
 */

#include <stdio.h>
#include <string.h>

#include "onestop_util.h"
#include "tap.h"


static void
cell(const char *in, size_t len, const char *want, const char *name)
{
    onestop_buf_t  b;

    memset(&b, 0, sizeof(b));
    onestop_csv_cell(&b, in, len);
    ok(!b.failed, "%s: no allocation failure", name);
    is_str(b.data != NULL ? b.data : "", b.len, want, "%s", name);
    onestop_buf_free(&b);
}


#define CELL(in, want, name)  cell(in, sizeof(in) - 1, want, name)


int
main(void)
{
    onestop_buf_t  b;

    CELL("", "", "an empty cell stays empty");
    CELL("Sở Tư pháp", "Sở Tư pháp", "plain text is written as it is");
    CELL("000.00.12.H36", "000.00.12.H36", "an id is written as it is");
    CELL("a,b", "\"a,b\"", "a comma: quoted");
    CELL("say \"hi\"", "\"say \"\"hi\"\"\"", "quotes: quoted and doubled");
    CELL("\"", "\"\"\"\"", "a lone quote");
    CELL("two\nlines", "\"two\nlines\"", "a line feed: quoted");
    CELL("a\rb", "\"a\rb\"", "a carriage return inside: quoted");
    CELL("x=1", "x=1", "= not first: as it is");
    CELL("a-b", "a-b", "- not first: as it is");
    CELL("'quoted", "'quoted", "a leading single quote: as it is");
    CELL(" =1", " =1", "a space before =: as it is");

    CELL("=1+1", "\"'=1+1\"", "= first: neutralised");
    CELL("+1", "\"'+1\"", "+ first: neutralised");
    CELL("-2+3", "\"'-2+3\"", "- first: neutralised");
    CELL("@SUM(A1)", "\"'@SUM(A1)\"", "@ first: neutralised");
    CELL("\tTab", "\"'\tTab\"", "TAB first: neutralised");
    CELL("\r=1", "\"'\r=1\"", "CR first: neutralised");
    CELL("=HYPERLINK(\"http://x\",\"y\")",
         "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
         "= first with quotes and a comma: neutralised, quotes doubled");
    CELL("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"",
         "the DDE payload: neutralised");
    CELL("-", "\"'-\"", "a lone -: neutralised");

    memset(&b, 0, sizeof(b));
    onestop_csv_cell(&b, "a\0,b", 4);
    ok(b.len == 6 && memcmp(b.data, "\"a\0,b\"", 6) == 0,
       "a NUL does not end the scan for a comma");
    onestop_buf_free(&b);

    onestop_csv_cell(&b, "\0=x", 3);
    ok(b.len == 3 && memcmp(b.data, "\0=x", 3) == 0,
       "a leading NUL is no formula");
    onestop_buf_free(&b);

    return done_testing();
}
