/*
 * The write API apart from HTTP (see onestop_ingest.h).  A keys file is
 * read once at configuration time into one array and an arena, so that a
 * key and its scope are plain data that every request reads and nothing
 * frees but the configuration's end.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "onestop_ingest.h"


#define KEYS_FILE_MAX  (16 << 20)


static int key_line(onestop_api_keys_t *k, const char *s, const char *e);
static int key_scope(onestop_api_keys_t *k, onestop_scope_t *scope,
    const char *s, const char *e);
static int blank(char c);
static int hexval(char c);


int
onestop_api_keys_parse(onestop_api_keys_t *k, const char *text, size_t len,
    const char *file, char *err, size_t errlen)
{
    int          rc;
    size_t       line;
    const char  *p, *eol, *last;

    p = text;
    last = text + len;

    for (line = 1; p < last; line++) {
        eol = memchr(p, '\n', (size_t) (last - p));
        eol = eol != NULL ? eol : last;

        rc = key_line(k, p, eol);

        if (rc == -2) {
            snprintf(err, errlen, "keys file \"%s\": out of memory", file);
            return -1;
        }

        if (rc == -1) {
            snprintf(err, errlen, "invalid line %zu in keys file \"%s\": "
                     "expected \"SHA256-HEX-OF-KEY SCOPE [NAME]\" with SCOPE "
                     "\"*\", \"sms\" or comma-separated agency ids", line,
                     file);
            return -1;
        }

        p = eol + 1;
    }

    return 0;
}


int
onestop_api_keys_load(onestop_api_keys_t *k, const char *path, char *err,
    size_t errlen)
{
    int          rc;
    char        *text;
    FILE        *f;
    size_t       len;
    struct stat  st;

    f = fopen(path, "r");

    if (f == NULL) {
        snprintf(err, errlen, "could not open keys file \"%s\": %s", path,
                 strerror(errno));
        return -1;
    }

    if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)
        || st.st_size > KEYS_FILE_MAX)
    {
        fclose(f);
        snprintf(err, errlen, "keys file \"%s\" is not a small text file",
                 path);
        return -1;
    }

    /* the keys are hashes, no secret; but who may change the file may
     * give themselves a key of every agency at the next reload */

    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        fclose(f);
        snprintf(err, errlen, "keys file \"%s\" may be changed by its group "
                 "or others (mode %04o), who could add a key of their own: "
                 "run \"chmod go-w %s\"", path,
                 (unsigned) (st.st_mode & 07777), path);
        return -1;
    }

    text = malloc((size_t) st.st_size + 1);

    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "keys file \"%s\": out of memory", path);
        return -1;
    }

    len = fread(text, 1, (size_t) st.st_size, f);

    /* a key not read is a client refused: the whole file or nothing */

    if (ferror(f)) {
        snprintf(err, errlen, "could not read keys file \"%s\": %s", path,
                 strerror(errno));
        fclose(f);
        free(text);
        return -1;
    }

    fclose(f);

    rc = onestop_api_keys_parse(k, text, len, path, err, errlen);
    free(text);

    return rc;
}


void
onestop_api_keys_free(onestop_api_keys_t *k)
{
    free(k->keys);
    onestop_arena_free(&k->arena);
    k->keys = NULL;
    k->n = 0;
}


/* one line [s, e): 0 (a key, or nothing), -1 (invalid), -2 (memory) */

static int
key_line(onestop_api_keys_t *k, const char *s, const char *e)
{
    int                 hi, lo, rc;
    size_t              i;
    const char         *hex, *scope, *scope_end, *name;
    onestop_api_key_t  *key, *keys;

    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }

    if (s == e || *s == '#' || *s == '\r' || *s == '\0') {
        return 0;
    }

    /* HEX SCOPE, then the rest of the line up to a CR is the name */

    for (hex = s; s < e && !blank(*s); s++) {
        /* void */
    }

    if (s - hex != 64) {
        return -1;
    }

    while (s < e && blank(*s)) {
        s++;
    }

    for (scope = s; s < e && !blank(*s); s++) {
        /* void */
    }

    scope_end = s;

    if (scope == scope_end) {
        return -1;
    }

    keys = realloc(k->keys, (k->n + 1) * sizeof(onestop_api_key_t));

    if (keys == NULL) {
        return -2;
    }

    k->keys = keys;
    key = &keys[k->n];
    memset(key, 0, sizeof(onestop_api_key_t));

    for (i = 0; i < 32; i++) {
        hi = hexval(hex[2 * i]);
        lo = hexval(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }

        key->hash[i] = (unsigned char) (hi << 4 | lo);
    }

    for (s = s < e ? s + 1 : s; s < e && *s == '\r'; s++) {
        /* void */
    }

    for (name = s; s < e && *s != '\r'; s++) {
        /* void */
    }

    while (name < s && (*name == ' ' || *name == '\t')) {
        name++;
    }

    if (name < s) {
        key->name.data = onestop_arena_strdup(&k->arena, name,
                                              (size_t) (s - name));
        key->name.len = (size_t) (s - name);

        if (key->name.data == NULL) {
            return -2;
        }
    }

    if (scope_end - scope == 1 && scope[0] == '*') {
        key->scope.all = 1;

    } else if (scope_end - scope == 3 && memcmp(scope, "sms", 3) == 0) {
        key->scope.sms = 1;             /* no agency: it writes nothing */

    } else {
        rc = key_scope(k, &key->scope, scope, scope_end);

        if (rc != 0) {
            return rc;
        }
    }

    k->n++;

    return 0;
}


/* agency ids separated by commas (empty pieces skipped), at least one */

static int
key_scope(onestop_api_keys_t *k, onestop_scope_t *scope, const char *s,
    const char *e)
{
    size_t          n;
    const char     *p, *piece;
    onestop_str_t  *agency;

    n = 1;

    for (p = s; p < e; p++) {
        n += (*p == ',');
    }

    agency = onestop_arena_alloc(&k->arena, n * sizeof(onestop_str_t));

    if (agency == NULL) {
        return -2;
    }

    n = 0;

    for (p = s; p < e; p++) {
        for (piece = p; p < e && *p != ','; p++) {
            /* void */
        }

        if (p == piece) {
            continue;
        }

        if (!onestop_code_valid(piece, (size_t) (p - piece))) {
            return -1;
        }

        agency[n].data = onestop_arena_strdup(&k->arena, piece,
                                              (size_t) (p - piece));
        agency[n].len = (size_t) (p - piece);

        if (agency[n].data == NULL) {
            return -2;
        }

        n++;
    }

    if (n == 0) {
        return -1;
    }

    scope->agencies = agency;
    scope->n = n;

    return 0;
}


static int
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}


static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c = (char) (c | 0x20);

    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}


int
onestop_ingest_route(onestop_ingest_route_t *rt, const char *path,
    size_t len, const char *method, size_t method_len, int admin,
    const char **message)
{
    int  post;

    memset(rt, 0, sizeof(onestop_ingest_route_t));
    post = method_len == 4 && memcmp(method, "POST", 4) == 0;

    if (len == 8 && memcmp(path, "dossiers", 8) == 0) {
        rt->kind = ONESTOP_W_DOSSIERS;

    } else if (len > 9 && memcmp(path, "dossiers/", 9) == 0) {
        /* issue 15: GET (HEAD) reads the stored record back */
        if ((method_len == 3 && memcmp(method, "GET", 3) == 0)
            || (method_len == 4 && memcmp(method, "HEAD", 4) == 0))
        {
            rt->kind = ONESTOP_INGEST_READ;

        } else if (method_len != 6 || memcmp(method, "DELETE", 6) != 0) {
            rt->allow = "GET, HEAD, DELETE";
            *message = "a dossier is read with GET and deleted with DELETE";
            return 405;
        }

        if (!onestop_code_valid(path + 9, len - 9)) {
            *message = "not a dossier code";
            return 400;
        }

        if (rt->kind == 0) {
            rt->kind = ONESTOP_W_DELETE;
        }

        rt->code.data = path + 9;
        rt->code.len = len - 9;
        return 0;

    } else if (len == 7 && memcmp(path, "catalog", 7) == 0) {
        rt->kind = ONESTOP_W_CATALOG;

    } else {
        *message = "no such resource: dossiers, dossiers/CODE or catalog";
        return 404;
    }

    if (!post) {
        rt->allow = "POST";
        *message = "use POST here";
        return 405;
    }

    if (rt->kind == ONESTOP_W_CATALOG && !admin) {
        *message = "only an administrator's key may write the catalog";
        return 403;
    }

    return 0;
}


int
onestop_ingest_feed_file(onestop_batch_t *b, int fd, off_t pos, off_t last)
{
    char     buf[16384];
    ssize_t  n;

    for ( /* void */ ; pos < last; pos += n) {
        n = pread(fd, buf, last - pos < (off_t) sizeof(buf)
                           ? (size_t) (last - pos) : sizeof(buf), pos);

        if (n <= 0) {
            return -1;
        }

        if (onestop_batch_feed(b, buf, (size_t) n) != 0) {
            return 1;
        }
    }

    return 0;
}


void
onestop_ingest_answer(onestop_buf_t *b, const onestop_write_t *w)
{
    switch (w->kind) {

    case ONESTOP_W_DELETE:
        onestop_buf_adds(b, "{\"deleted\": 1}\n");
        break;

    case ONESTOP_W_CATALOG:
        onestop_buf_printf(b, "{\"agencies\": %zu, \"fields\": %zu, "
                           "\"procedures\": %zu}\n", w->agencies, w->fields,
                           w->procedures);
        break;

    default:
        onestop_buf_printf(b, "{\"accepted\": %zu, \"unchanged\": %zu, "
                           "\"stale\": %zu}\n", w->accepted, w->unchanged,
                           w->stale);
    }
}


int
onestop_api_key_presented(const char *auth, size_t len)
{
    return len >= 6 && strncasecmp(auth, "Bearer", 6) == 0
           && (len == 6 || auth[6] == ' ');
}


const onestop_api_key_t *
onestop_api_key_find(const onestop_api_key_t *keys, size_t n,
    const char *auth, size_t len)
{
    size_t                    i;
    unsigned char             hash[SHA256_DIGEST_LENGTH];
    const onestop_api_key_t  *found;

    if (len <= 7 || strncasecmp(auth, "Bearer ", 7) != 0) {
        return NULL;
    }

    auth += 7;
    len -= 7;

    while (len && auth[0] == ' ') {
        auth++;
        len--;
    }

    while (len && auth[len - 1] == ' ') {
        len--;
    }

    if (len == 0) {
        return NULL;
    }

    SHA256((const unsigned char *) auth, len, hash);
    found = NULL;

    for (i = 0; i < n; i++) {
        if (CRYPTO_memcmp(keys[i].hash, hash, sizeof(hash)) == 0) {
            found = &keys[i];
        }
    }

    return found;
}
