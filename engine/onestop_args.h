/*
 * Request arguments: a query string or a form body
 * (application/x-www-form-urlencoded) split into names and values, read
 * whole or refused.  The one idea: no argument is ever left unread, so a
 * handler answers the question it was asked or says why it cannot -- an
 * argument past a fixed count, a second value of a filter or a filter
 * without '=' is never silently dropped.
 *
 * The decoding is the form encoding's: pieces between '&', the name up to
 * the first '=' (a piece without one is a name with an empty value),
 * names and values alike with '+' a space and %XX a byte; a '%' not
 * followed by two hex digits stays as it is.  Empty pieces are nothing.
 */

#ifndef ONESTOP_ARGS_H
#define ONESTOP_ARGS_H

#include <stddef.h>

#include "onestop_record.h"

/* at most this many arguments: a handler's dozen and a few more (page
 * trackers, cache busters); past it, a 400 rather than a guess */
#define ONESTOP_ARGS_MAX    64

/* what of a value an error message quotes: bytes, and the room it needs
 * (with "..." and the NUL) */
#define ONESTOP_ARGS_QUOTE  64
#define ONESTOP_ARGS_SHOWN  (ONESTOP_ARGS_QUOTE + 4)

/* One argument, decoded. */
typedef struct {
    onestop_str_t   key;
    onestop_str_t   value;
} onestop_arg_t;

typedef struct {
    onestop_arg_t   arg[ONESTOP_ARGS_MAX];
    size_t          n;
    char            error[96];
} onestop_args_t;

/*
 * Splits s[0..len) into a->arg.  `buf` (len bytes at least; decoding
 * never lengthens) receives the decoded names and values, which point
 * into it.  Returns 0, or -1 with a->error when there are more than
 * ONESTOP_ARGS_MAX arguments.
 */
int onestop_args_parse(onestop_args_t *a, const char *s, size_t len,
    char *buf);

/*
 * One argument of s[0..len), without a limit on the others: its value,
 * decoded into `buf` (len bytes at least).  Returns 1 (found), 0 (absent)
 * or -1 when it is given more than once.
 */
int onestop_args_get(const char *s, size_t len, const char *name, char *buf,
    onestop_str_t *value);

/* The argument `name` among args, or NULL. */
const onestop_arg_t *onestop_args_find(const onestop_arg_t *args, size_t n,
    const char *name);

/*
 * One value each: -1 with "NAME is given twice" in error when one of
 * names (NULL-terminated) occurs more than once among args; else 0.
 */
int onestop_args_once(const onestop_arg_t *args, size_t n,
    const char *const *names, char *error, size_t errlen);

/*
 * A value as an error message quotes it: at most ONESTOP_ARGS_QUOTE bytes
 * of whole UTF-8 characters, any byte that is not UTF-8 or is a control
 * shown as '?', "..." when cut; `shown` holds ONESTOP_ARGS_SHOWN bytes.
 * Returns shown, always well-formed UTF-8 and NUL-terminated.
 */
const char *onestop_args_quote(const onestop_str_t *v, char *shown);

/*
 * A widget's name, the last part of /widget/{agency}.{svg|html}: 0 with
 * the agency id and the extension, or -1 when it is not of that form (an
 * id that breaks the code rules of SPEC section 3, another extension).
 */
int onestop_args_widget(const char *s, size_t len, onestop_str_t *agency,
    onestop_str_t *ext);

#endif /* ONESTOP_ARGS_H */
