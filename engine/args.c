/*
 * Request arguments (onestop_args.h): the query strings and form bodies
 * of every handler, decoded here once, in plain C, so that the handlers,
 * the CLI and the fuzz targets read them with the same code.  Nothing is
 * dropped: a parse reads every piece or refuses the whole.
 */

#include <stdio.h>
#include <string.h>

#include "onestop_args.h"
#include "onestop_util.h"


static int
hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* s[0..len) decoded into dst; returns the decoded length (<= len) */

static size_t
decode(const char *s, size_t len, char *dst)
{
    int     h, l;
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            dst[n++] = ' ';
            continue;
        }

        if (s[i] == '%' && len - i > 2
            && (h = hex((unsigned char) s[i + 1])) >= 0
            && (l = hex((unsigned char) s[i + 2])) >= 0)
        {
            dst[n++] = (char) (h << 4 | l);
            i += 2;
            continue;
        }

        dst[n++] = s[i];
    }

    return n;
}


/*
 * The next non-empty piece of s[*pos..len): its name and value, raw.
 * 0 when none is left.
 */
static int
next_piece(const char *s, size_t len, size_t *pos, onestop_str_t *name,
    onestop_str_t *value)
{
    const char  *p, *end, *amp, *eq;

    end = s + len;

    while (*pos < len) {
        p = s + *pos;
        amp = memchr(p, '&', end - p);

        if (amp == NULL) {
            amp = end;
        }

        *pos = amp - s + 1;

        if (amp == p) {
            continue;
        }

        eq = memchr(p, '=', amp - p);

        name->data = p;
        name->len = (eq ? eq : amp) - p;
        value->data = eq ? eq + 1 : amp;
        value->len = eq ? (size_t) (amp - eq - 1) : 0;

        return 1;
    }

    return 0;
}


int
onestop_args_parse(onestop_args_t *a, const char *s, size_t len, char *buf)
{
    size_t          pos, n;
    onestop_str_t   name, value;

    a->n = 0;
    a->error[0] = '\0';
    pos = 0;
    n = 0;

    while (next_piece(s, len, &pos, &name, &value)) {
        if (a->n == ONESTOP_ARGS_MAX) {
            snprintf(a->error, sizeof(a->error),
                     "too many query arguments (at most %d)",
                     ONESTOP_ARGS_MAX);
            return -1;
        }

        a->arg[a->n].key.data = buf + n;
        a->arg[a->n].key.len = decode(name.data, name.len, buf + n);
        n += a->arg[a->n].key.len;

        a->arg[a->n].value.data = buf + n;
        a->arg[a->n].value.len = decode(value.data, value.len, buf + n);
        n += a->arg[a->n].value.len;

        a->n++;
    }

    return 0;
}


int
onestop_args_get(const char *s, size_t len, const char *name, char *buf,
    onestop_str_t *value)
{
    int            found;
    size_t         pos, n, k, nlen;
    onestop_str_t  key, val;

    found = 0;
    pos = 0;
    n = 0;                      /* buf[0..n): the value found */
    nlen = strlen(name);

    while (next_piece(s, len, &pos, &key, &val)) {

        /* the name decoded after the value kept so far */

        k = decode(key.data, key.len, buf + n);

        if (k != nlen || memcmp(buf + n, name, nlen) != 0) {
            continue;
        }

        if (found) {
            return -1;
        }

        found = 1;
        value->data = buf;
        value->len = decode(val.data, val.len, buf);
        n = value->len;
    }

    return found;
}


static int
key_is(const onestop_arg_t *a, const char *name)
{
    return a->key.len == strlen(name)
           && memcmp(a->key.data, name, a->key.len) == 0;
}


const onestop_arg_t *
onestop_args_find(const onestop_arg_t *args, size_t n, const char *name)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (key_is(&args[i], name)) {
            return &args[i];
        }
    }

    return NULL;
}


int
onestop_args_once(const onestop_arg_t *args, size_t n,
    const char *const *names, char *error, size_t errlen)
{
    size_t              i, seen;
    const char *const  *name;

    for (name = names; *name != NULL; name++) {
        seen = 0;

        for (i = 0; i < n; i++) {
            if (key_is(&args[i], *name) && ++seen == 2) {
                snprintf(error, errlen, "%s is given twice", *name);
                return -1;
            }
        }
    }

    return 0;
}


const char *
onestop_args_quote(const onestop_str_t *v, char *shown)
{
    size_t                i, k, c;
    const unsigned char  *u;

    u = (const unsigned char *) v->data;
    k = 0;

    for (i = 0; i < v->len; i += c) {
        c = u[i] < 0x80 ? 1
            : (u[i] & 0xe0) == 0xc0 ? 2
            : (u[i] & 0xf0) == 0xe0 ? 3
            : (u[i] & 0xf8) == 0xf0 ? 4 : 0;

        if (c == 0 || c > v->len - i
            || !onestop_utf8_valid(v->data + i, c))
        {
            c = 1;                          /* one byte, not UTF-8 */

            if (k + 1 > ONESTOP_ARGS_QUOTE) {
                break;
            }

            shown[k++] = '?';
            continue;
        }

        if (k + c > ONESTOP_ARGS_QUOTE) {
            break;
        }

        if (c == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
            shown[k++] = '?';
            continue;
        }

        memcpy(shown + k, v->data + i, c);
        k += c;
    }

    if (i < v->len) {
        memcpy(shown + k, "...", 3);
        k += 3;
    }

    shown[k] = '\0';

    return shown;
}


int
onestop_args_widget(const char *s, size_t len, onestop_str_t *agency,
    onestop_str_t *ext)
{
    const char  *dot;

    /* the last dot: an agency id has dots of its own */

    dot = s + len;

    while (dot > s && dot[-1] != '.') {
        dot--;
    }

    if (dot <= s + 1) {
        return -1;
    }

    dot--;

    agency->data = s;
    agency->len = dot - s;
    ext->data = dot + 1;
    ext->len = s + len - dot - 1;

    if (!((ext->len == 3 && memcmp(ext->data, "svg", 3) == 0)
          || (ext->len == 4 && memcmp(ext->data, "html", 4) == 0))
        || !onestop_code_valid(agency->data, agency->len))
    {
        return -1;
    }

    return 0;
}
