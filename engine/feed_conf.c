/*
 * The parameters of onestop_redis and onestop_follow (see onestop_feed.h):
 * each "name=value" checked once into onestop_feed_conf_t, which points
 * into the configuration's own strings, and the password read from its
 * own file (password_file=), refused when others could read it.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onestop_feed.h"


void
onestop_feed_conf_default(onestop_feed_conf_t *c)
{
    memset(c, 0, sizeof(onestop_feed_conf_t));
    c->prefix.data = "onestop";
    c->prefix.len = 7;
    c->maxlen = 1000000;
    c->log_maxlen = 10000000;
}


/* digits only, at least one, no overflow: 0 */

static int
feed_number(const char *s, size_t len, uint64_t max, uint64_t *n)
{
    size_t  i;

    *n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || *n > (max - (s[i] - '0')) / 10) {
            return -1;
        }

        *n = *n * 10 + (uint64_t) (s[i] - '0');
    }

    return len ? 0 : -1;
}


int
onestop_feed_option(onestop_feed_conf_t *c, const char *s, size_t len)
{
    size_t           i, n;
    uint64_t         v;
    onestop_str_t   *str;

    static const char  *names[] = { "prefix=", "db=", "password=",
                                    "maxlen=", "password_file=" };

    /* the replication log (issue 14) */

    if (len >= 4 && memcmp(s, "log=", 4) == 0) {
        if (len == 6 && memcmp(s + 4, "on", 2) == 0) {
            c->log = 1;
            return 0;
        }

        if (len == 7 && memcmp(s + 4, "off", 3) == 0) {
            c->log = 0;
            return 0;
        }

        return -1;
    }

    if (len >= 11 && memcmp(s, "log_maxlen=", 11) == 0) {
        return feed_number(s + 11, len - 11, UINT64_MAX / 2, &c->log_maxlen);
    }

    for (i = 0; i < 5; i++) {
        n = strlen(names[i]);

        if (len >= n && memcmp(s, names[i], n) == 0) {
            break;
        }
    }

    if (i == 5) {
        return 1;
    }

    s += n;
    len -= n;

    if (i == 0 || i == 2 || i == 4) {
        if (len == 0 || (i == 4 && len >= PATH_MAX)) {
            return -1;
        }

        /* a password in nginx.conf, or one in a file: not both */

        if ((i == 2 && c->password_file.len) || (i == 4 && c->password.len)) {
            return -1;
        }

        str = i == 0 ? &c->prefix : i == 2 ? &c->password : &c->password_file;
        str->data = s;
        str->len = len;
        return 0;
    }

    if (feed_number(s, len, i == 1 ? 0x7fffffff : UINT64_MAX / 2, &v) != 0) {
        return -1;
    }

    if (i == 1) {
        c->db = (long) v;

    } else {
        c->maxlen = v;
    }

    return 0;
}


int
onestop_feed_password_read(onestop_feed_conf_t *c, char *buf, size_t cap,
    char *err, size_t errlen)
{
    int          fd;
    char         path[PATH_MAX];
    size_t       n;
    ssize_t      got;
    struct stat  sb;

    if (c->password_file.len == 0) {
        return 0;
    }

    memcpy(path, c->password_file.data, c->password_file.len);
    path[c->password_file.len] = '\0';

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd == -1) {
        snprintf(err, errlen, "password_file \"%s\": %s; write Redis's "
                 "password into it (the only line) and chmod 0600 it",
                 path, strerror(errno));
        return -1;
    }

    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "password_file \"%s\" is not a regular file",
                 path);
        goto failed;
    }

    if (onestop_secret_private("password_file", path,
                               (unsigned) sb.st_mode,
                               " (nginx reads it as root)", err, errlen)
        != 0)
    {
        goto failed;
    }

    n = 0;

    while (n < cap) {
        got = read(fd, buf + n, cap - n);

        if (got < 0 && errno == EINTR) {
            continue;
        }

        if (got < 0) {
            snprintf(err, errlen, "password_file \"%s\": %s", path,
                     strerror(errno));
            goto failed;
        }

        if (got == 0) {
            break;
        }

        n += (size_t) got;
    }

    close(fd);

    if (n == cap) {
        snprintf(err, errlen, "password_file \"%s\" is longer than %zu "
                 "bytes", path, cap - 1);
        return -1;
    }

    if (n && buf[n - 1] == '\n') {
        n--;

        if (n && buf[n - 1] == '\r') {
            n--;
        }
    }

    if (n == 0) {
        snprintf(err, errlen, "password_file \"%s\" is empty: write "
                 "Redis's password into it (requirepass)", path);
        return -1;
    }

    if (memchr(buf, '\n', n) != NULL || memchr(buf, '\r', n) != NULL
        || memchr(buf, '\0', n) != NULL)
    {
        snprintf(err, errlen, "password_file \"%s\" holds more than one "
                 "line: the password is its only line", path);
        return -1;
    }

    buf[n] = '\0';
    c->password.data = buf;
    c->password.len = n;

    return 0;

failed:

    close(fd);
    return -1;
}


/*
 * Why parameter i of onestop_redis's (or onestop_follow's) av[0..n) is
 * refused, into buf: never the password, nor a piece of it.  password=
 * and password_file= both (the second one refused, in either order), or
 * "password=two words" unquoted (two parameters, the second a piece of
 * the password), or password= empty; else the parameter as it is.
 */
const char *
onestop_feed_refused(const onestop_str_t *av, size_t n, size_t i, char *buf,
    size_t len)
{
    size_t  j;
    int     pw, pwf;

    pw = 0;
    pwf = 0;

    for (j = 2; j < n; j++) {
        pw |= av[j].len >= 9 && memcmp(av[j].data, "password=", 9) == 0;
        pwf |= av[j].len >= 14
               && memcmp(av[j].data, "password_file=", 14) == 0;
    }

    if ((pw && pwf && av[i].len >= 9
         && memcmp(av[i].data, "password", 8) == 0)
        || (i > 2 && av[i - 1].len >= 9
            && memcmp(av[i - 1].data, "password=", 9) == 0
            && !(av[i].len >= 8 && memcmp(av[i].data, "password", 8) == 0)))
    {
        snprintf(buf, len, "invalid parameter \"password=...\": give "
                 "password= or password_file=, not both, and a password "
                 "with spaces in quotes");

    } else if (av[i].len == 9 && memcmp(av[i].data, "password=", 9) == 0) {
        snprintf(buf, len, "invalid parameter \"password=\": the password "
                 "is empty");

    } else {
        snprintf(buf, len, "invalid parameter \"%.*s\"", (int) av[i].len,
                 av[i].data);
    }

    return buf;
}
