/*
 * The keys files nginx reads: the API keys of onestop_ingest_keys (one
 * "SHA256-HEX-OF-KEY SCOPE NAME" a line) and the QR signing keys of
 * onestop_qr_key (one key a line in hex, the first signs).  Both formats
 * skip lines that begin with '#', so each key's creation time is written
 * as a comment line just above it ("# created 2026-12-05T07:08:00Z").
 *
 * The one idea: a keys file is never edited in place.  It is read, the
 * new text is written to a temporary file of mode 0600 in the same
 * directory, synced and renamed over the old one, under a lock on the
 * directory; so nginx reads the old file or the new one, whole, and never
 * a file more readable than 0600.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "onestop_cli.h"
#include "onestop_qr.h"
#include "onestop_record.h"
#include "onestop_util.h"

#define KEY_BYTES        32             /* of randomness in a key */
#define KEY_PREFIX       "onestop_"
#define QR_KEYS_MAX      16             /* what nginx reads */
#define QR_HEADER        "# onestop QR signing keys (onestop_qr_key): " \
                         "the first signs, every one verifies\n"


typedef struct {
    const char  *line;              /* the key's line */
    size_t       len;
    const char  *created;           /* its "# created" line, or NULL */
    size_t       created_len;
    char         hash[65];
    char         scope[512];
    char         name[256];
} key_entry_t;

typedef struct {
    const char   *file;
    int           dirfd;            /* locked */
    onestop_buf_t text;
    key_entry_t  *keys;
    size_t        n;
} keys_file_t;


static int keys_open(keys_file_t *kf, const char *file, int must_exist);
static void keys_close(keys_file_t *kf);
static int keys_parse(keys_file_t *kf);
static int write_atomic(keys_file_t *kf, const char *data, size_t len);
static void timestamp(char *buf, size_t len);
static int random_bytes(unsigned char *buf, size_t len);
static int name_valid(const char *name);
static int scope_valid(const char *scope);
static int key_add_args(int argc, char **argv);
static int key_add(keys_file_t *kf, const char *dir, int argc,
    char **argv);
static void column(const char *s, size_t width);
static int key_list(keys_file_t *kf, const char *audit);
static int key_revoke(keys_file_t *kf, const char *name);
static void last_used(const char *audit, key_entry_t *keys, size_t n,
    char (*used)[32]);


/* the file, read whole, with its directory locked until keys_close */

static int
keys_open(keys_file_t *kf, const char *file, int must_exist)
{
    int       fd;
    char      dir[4096], buf[65536];
    ssize_t   n;

    memset(kf, 0, sizeof(keys_file_t));
    kf->file = file;
    kf->dirfd = open(onestop_cli_parent(file, dir, sizeof(dir)),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (kf->dirfd < 0) {
        return onestop_cli_fail("cannot open directory \"%s\": %s%s", dir,
                                strerror(errno),
                                errno == ENOENT ? " (install -d -m 0700 "
                                "it first)" : "");
    }

    if (flock(kf->dirfd, LOCK_EX) != 0) {
        onestop_cli_fail("cannot lock directory \"%s\": %s", dir,
                         strerror(errno));
        keys_close(kf);
        return 1;
    }

    fd = open(file, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        if (errno == ENOENT && !must_exist) {
            return 0;
        }

        onestop_cli_fail("cannot open \"%s\": %s", file, strerror(errno));
        keys_close(kf);
        return 1;
    }

    while ((n = read(fd, buf, sizeof(buf))) > 0
           || (n < 0 && errno == EINTR))
    {
        if (n > 0) {
            onestop_buf_add(&kf->text, buf, (size_t) n);
        }
    }

    OPENSSL_cleanse(buf, sizeof(buf));
    close(fd);

    if (n < 0 || kf->text.failed) {
        onestop_cli_fail("cannot read \"%s\": %s", file,
                         n < 0 ? strerror(errno) : "out of memory");
        keys_close(kf);
        return 1;
    }

    return 0;
}


static void
keys_close(keys_file_t *kf)
{
    if (kf->text.data != NULL) {
        OPENSSL_cleanse(kf->text.data, kf->text.cap);
    }

    onestop_buf_free(&kf->text);
    free(kf->keys);

    if (kf->dirfd >= 0) {
        close(kf->dirfd);           /* and the lock with it */
    }

    kf->dirfd = -1;
}


/* the keys of an API keys file, as nginx reads them */

static int
keys_parse(keys_file_t *kf)
{
    size_t        len, cap, lineno;
    const char   *p, *end, *eol, *s, *e, *t;
    const char   *created;
    size_t        created_len;
    key_entry_t  *k;

    cap = 0;
    lineno = 0;
    created = NULL;
    created_len = 0;
    p = kf->text.data;
    end = p + kf->text.len;

    while (p != NULL && p < end) {
        lineno++;
        eol = memchr(p, '\n', (size_t) (end - p));
        e = eol != NULL ? eol : end;
        s = p;
        p = eol != NULL ? eol + 1 : end;

        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }

        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }

        if (s == e) {
            created = NULL;
            continue;
        }

        if (*s == '#') {
            if ((size_t) (e - s) > 10 && memcmp(s, "# created ", 10) == 0) {
                created = s;
                created_len = (size_t) (p - s);
            } else {
                created = NULL;
            }

            continue;
        }

        if (kf->n == cap) {
            cap = cap ? 2 * cap : 16;
            k = realloc(kf->keys, cap * sizeof(key_entry_t));

            if (k == NULL) {
                return onestop_cli_fail("out of memory");
            }

            kf->keys = k;
        }

        k = &kf->keys[kf->n];
        memset(k, 0, sizeof(key_entry_t));
        k->line = s;
        k->len = (size_t) (p - s);
        k->created = created;
        k->created_len = created_len;
        created = NULL;

        /* HASH SCOPE [NAME] */

        for (t = s; t < e && *t != ' ' && *t != '\t'; t++) { /* void */ }

        len = (size_t) (t - s);

        if (len != 64) {
            return onestop_cli_fail("\"%s\": line %zu is not \"SHA256-HEX-OF-"
                                    "KEY SCOPE [NAME]\"", kf->file, lineno);
        }

        memcpy(k->hash, s, 64);

        for (s = t; s < e && (*s == ' ' || *s == '\t'); s++) { /* void */ }
        for (t = s; t < e && *t != ' ' && *t != '\t'; t++) { /* void */ }

        len = (size_t) (t - s);

        if (len == 0 || len >= sizeof(k->scope)) {
            return onestop_cli_fail("\"%s\": line %zu is not \"SHA256-HEX-OF-"
                                    "KEY SCOPE [NAME]\"", kf->file, lineno);
        }

        memcpy(k->scope, s, len);

        for (s = t; s < e && (*s == ' ' || *s == '\t'); s++) { /* void */ }

        len = (size_t) (e - s);

        if (len >= sizeof(k->name)) {
            len = sizeof(k->name) - 1;
        }

        memcpy(k->name, s, len);
        kf->n++;
    }

    return 0;
}


/*
 * The new text into a temporary file beside the old (mode 0600, the old
 * file's owner), synced, renamed over it, and the directory synced.
 */

static int
write_atomic(keys_file_t *kf, const char *data, size_t len)
{
    int          fd, rc;
    char         tmp[4200];
    size_t       off;
    ssize_t      n;
    struct stat  sb;

    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", kf->file);

    fd = mkstemp(tmp);                  /* 0600 */

    if (fd < 0) {
        return onestop_cli_fail("cannot create \"%s\": %s", tmp,
                                strerror(errno));
    }

    rc = fchmod(fd, 0600);

    if (rc == 0 && stat(kf->file, &sb) == 0) {
        rc = fchown(fd, sb.st_uid, sb.st_gid);
    }

    for (off = 0; rc == 0 && off < len; off += (size_t) n) {
        n = write(fd, data + off, len - off);

        if (n < 0 && errno != EINTR) {
            rc = -1;
        }

        if (n < 0) {
            n = 0;
        }
    }

    if (rc == 0) {
        rc = fsync(fd);
    }

    if (close(fd) != 0) {
        rc = -1;
    }

    if (rc == 0) {
        rc = rename(tmp, kf->file);
    }

    if (rc != 0) {
        rc = onestop_cli_fail("cannot write \"%s\": %s", kf->file,
                              strerror(errno));
        unlink(tmp);
        return rc;
    }

    fsync(kf->dirfd);

    return 0;
}


static void
timestamp(char *buf, size_t len)
{
    time_t     now;
    struct tm  tm;

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


static int
random_bytes(unsigned char *buf, size_t len)
{
    size_t   off;
    ssize_t  n;

    for (off = 0; off < len; off += (size_t) n) {
        n = getrandom(buf + off, len - off, 0);

        if (n < 0 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n < 0) {
            return onestop_cli_fail("no random numbers: %s", strerror(errno));
        }
    }

    return 0;
}


/* a name for people and logs: 1-64 bytes of UTF-8, no control character,
 * not beginning with '#' or a blank, not ending with a blank */

static int
name_valid(const char *name)
{
    size_t       len;
    const char  *p;

    len = strlen(name);

    if (len == 0 || len > 64 || name[0] == '#' || name[0] == ' '
        || name[len - 1] == ' ' || !onestop_utf8_valid(name, len))
    {
        return 0;
    }

    for (p = name; *p; p++) {
        if ((unsigned char) *p < 0x20 || *p == 0x7f) {
            return 0;
        }
    }

    return 1;
}


/* "*", "sms" or comma-separated agency ids, as nginx reads them ("sms"
 * has an agency id's form) */

static int
scope_valid(const char *scope)
{
    const char  *p, *comma;

    if (strcmp(scope, "*") == 0) {
        return 1;
    }

    for (p = scope; ; p = comma + 1) {
        comma = strchr(p, ',');

        if (!onestop_code_valid(p, comma != NULL ? (size_t) (comma - p)
                                                 : strlen(p)))
        {
            return 0;
        }

        if (comma == NULL) {
            return 1;
        }
    }
}


/* key add's command line, checked before the keys file is opened, so
 * that a wrong one is exit 2 whatever the state of the file */

static int
key_add_args(int argc, char **argv)
{
    if (argc != 2) {
        return onestop_cli_usage_error("key add needs NAME and SCOPE");
    }

    if (!name_valid(argv[0])) {
        return onestop_cli_usage_error("key add: invalid name \"%s\" (1 to 64 "
                                       "bytes of UTF-8, no control "
                                       "character, not beginning with #)",
                                       argv[0]);
    }

    if (!scope_valid(argv[1])) {
        return onestop_cli_usage_error("key add: invalid scope \"%s\" (\"*\", "
                                       "\"sms\" or comma-separated agency "
                                       "ids)", argv[1]);
    }

    return 0;
}


static int
key_add(keys_file_t *kf, const char *dir, int argc, char **argv)
{
    int             rc;
    char            key[sizeof(KEY_PREFIX) + 64], when[32], hex[65];
    size_t          i, klen;
    unsigned int    mdlen;
    unsigned char   raw[KEY_BYTES], md[EVP_MAX_MD_SIZE];
    const char     *name, *scope;
    onestop_buf_t   out;

    static const char  b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    name = argv[0];                     /* key_add_args() checked them */
    scope = argv[1];

    for (i = 0; i < kf->n; i++) {
        if (strcmp(kf->keys[i].name, name) == 0) {
            return onestop_cli_fail("a key named \"%s\" is in \"%s\" already:"
                                    " revoke it or choose another name",
                                    name, kf->file);
        }
    }

    rc = onestop_cli_scope_known(dir, scope);

    if (rc != 0) {
        return rc;
    }

    /* KEY_PREFIX and 32 random bytes in unpadded base64url */

    if (random_bytes(raw, sizeof(raw)) != 0) {
        return 1;
    }

    klen = sizeof(KEY_PREFIX) - 1;
    memcpy(key, KEY_PREFIX, klen);

    for (i = 0; i < sizeof(raw); i += 3) {
        unsigned  v, n;

        n = sizeof(raw) - i < 3 ? sizeof(raw) - i : 3;
        v = raw[i] << 16 | (n > 1 ? raw[i + 1] << 8 : 0)
            | (n > 2 ? raw[i + 2] : 0);

        key[klen++] = b64[v >> 18 & 63];
        key[klen++] = b64[v >> 12 & 63];

        if (n > 1) {
            key[klen++] = b64[v >> 6 & 63];
        }

        if (n > 2) {
            key[klen++] = b64[v & 63];
        }
    }

    key[klen] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));

    if (EVP_Digest(key, klen, md, &mdlen, EVP_sha256(), NULL) != 1) {
        OPENSSL_cleanse(key, sizeof(key));
        return onestop_cli_fail("cannot compute SHA-256");
    }

    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }

    timestamp(when, sizeof(when));

    memset(&out, 0, sizeof(out));
    onestop_buf_add(&out, kf->text.data, kf->text.len);

    if (out.len && out.data[out.len - 1] != '\n') {
        onestop_buf_adds(&out, "\n");
    }

    if (out.len == 0) {
        onestop_buf_adds(&out, "# onestop API keys (onestop_ingest_keys): "
                         "SHA256-HEX-OF-KEY SCOPE NAME\n");
    }

    onestop_buf_printf(&out, "# created %s\n%s %s %s\n", when, hex, scope,
                       name);

    rc = out.failed ? onestop_cli_fail("out of memory")
                    : write_atomic(kf, out.data, out.len);
    onestop_buf_free(&out);

    if (rc != 0) {
        OPENSSL_cleanse(key, sizeof(key));
        return rc;
    }

    /* the key, once, alone on stdout; what to do, on stderr */

    printf("%s\n", key);
    fflush(stdout);
    OPENSSL_cleanse(key, sizeof(key));

    fprintf(stderr, "onestop: key \"%s\" of scope %s added to \"%s\" (its "
            "hash only: the key above is shown this once); reload nginx: "
            "nginx -t && nginx -s reload\n", name, scope, kf->file);

    return 0;
}


/* the time of the last audit line of each key, by name */

static void
last_used(const char *audit, key_entry_t *keys, size_t n, char (*used)[32])
{
    FILE    *f;
    char     line[8192], name[256], when[32];
    char    *p, *q, *o;
    size_t   i;

    f = fopen(audit, "r");

    if (f == NULL) {
        onestop_cli_fail("cannot open audit log \"%s\": %s (last use not "
                         "shown)", audit, strerror(errno));
        return;
    }

    while (fgets(line, sizeof(line), f) != NULL) {
        p = strstr(line, "\"key\":");
        q = strstr(line, "\"time\":");

        if (p == NULL || q == NULL) {
            continue;
        }

        for (p += 6; *p == ' '; p++) { /* void */ }
        for (q += 7; *q == ' '; q++) { /* void */ }

        if (*p++ != '"' || *q++ != '"') {
            continue;
        }

        for (o = name; *p && *p != '"' && o < name + sizeof(name) - 1; p++) {
            if (*p == '\\' && p[1] != '\0') {
                p++;
            }

            *o++ = *p;
        }

        *o = '\0';

        for (o = when; *q && *q != '"' && o < when + sizeof(when) - 1; q++) {
            *o++ = *q;
        }

        *o = '\0';

        for (i = 0; i < n; i++) {
            if (keys[i].name[0] != '\0' && strcmp(keys[i].name, name) == 0) {
                memcpy(used[i], when, sizeof(when));
            }
        }
    }

    fclose(f);
}


/* s and blanks up to `width` characters (of UTF-8), and one more */

static void
column(const char *s, size_t width)
{
    size_t       n;
    const char  *p;

    n = 0;

    for (p = s; *p; p++) {
        n += ((unsigned char) *p & 0xc0) != 0x80;
    }

    printf("%s%*s", s, (int) (n < width ? width - n + 1 : 1), "");
}


static int
key_list(keys_file_t *kf, const char *audit)
{
    size_t    i, len;
    char      created[32];
    char    (*used)[32];

    used = calloc(kf->n ? kf->n : 1, sizeof(*used));

    if (used == NULL) {
        return onestop_cli_fail("out of memory");
    }

    if (audit != NULL) {
        last_used(audit, kf->keys, kf->n, used);
    }

    column("NAME", 24);
    column("SCOPE", 28);
    column("CREATED", 20);
    column("LAST USED", 25);
    printf("HASH\n");

    for (i = 0; i < kf->n; i++) {
        key_entry_t  *k = &kf->keys[i];

        strcpy(created, "-");

        if (k->created != NULL) {
            len = k->created_len - 10;

            while (len && (k->created[10 + len - 1] == '\n'
                           || k->created[10 + len - 1] == '\r'))
            {
                len--;
            }

            if (len < sizeof(created)) {
                memcpy(created, k->created + 10, len);
                created[len] = '\0';
            }
        }

        column(k->name[0] ? k->name : "-", 24);
        column(k->scope, 28);
        column(created, 20);
        column(used[i][0] ? used[i] : "-", 25);
        printf("%.12s\n", k->hash);
    }

    free(used);

    return fflush(stdout) == 0 ? 0 : 1;
}


static int
key_revoke(keys_file_t *kf, const char *name)
{
    int             rc;
    size_t          i, found, len;
    const char     *from, *to;
    key_entry_t    *k;
    onestop_buf_t   out;

    found = kf->n;

    for (i = 0; i < kf->n; i++) {
        if (strcmp(kf->keys[i].name, name) == 0) {
            if (found != kf->n) {
                return onestop_cli_fail("more than one key is named \"%s\": "
                                        "revoke by the hash's first digits "
                                        "(onestop key list)", name);
            }

            found = i;
        }
    }

    /* or by the first digits of its hash, 8 at least */

    len = strlen(name);

    if (found == kf->n && len >= 8 && len <= 64) {
        for (i = 0; i < kf->n; i++) {
            if (strncasecmp(kf->keys[i].hash, name, len) == 0) {
                if (found != kf->n) {
                    return onestop_cli_fail("more than one key's hash begins "
                                            "with \"%s\"", name);
                }

                found = i;
            }
        }
    }

    if (found == kf->n) {
        return onestop_cli_fail("no key named \"%s\" in \"%s\"", name,
                                kf->file);
    }

    k = &kf->keys[found];
    from = k->created != NULL ? k->created : k->line;
    to = k->line + k->len;

    memset(&out, 0, sizeof(out));
    onestop_buf_add(&out, kf->text.data, (size_t) (from - kf->text.data));
    onestop_buf_add(&out, to, (size_t) (kf->text.data + kf->text.len - to));

    rc = out.failed ? onestop_cli_fail("out of memory")
                    : write_atomic(kf, out.data ? out.data : "", out.len);
    onestop_buf_free(&out);

    if (rc == 0) {
        printf("key \"%s\" revoked (removed from \"%s\"); reload nginx: "
               "nginx -t && nginx -s reload\n",
               k->name[0] ? k->name : name, kf->file);
    }

    return rc;
}


int
onestop_cli_key(const char *dir, int argc, char **argv)
{
    int           c, rc;
    const char   *file, *audit, *action;
    keys_file_t   kf;

    static const struct option  options[] = {
        { "keys-file", required_argument, NULL, 'k' },
        { "audit-log", required_argument, NULL, 'a' },
        { NULL, 0, NULL, 0 }
    };

    if (argc < 2) {
        return onestop_cli_usage_error("key needs add, list or revoke");
    }

    action = argv[1];
    file = ONESTOP_KEYS_FILE;
    audit = NULL;

    if (strcmp(action, "add") != 0 && strcmp(action, "list") != 0
        && strcmp(action, "revoke") != 0)
    {
        return onestop_cli_usage_error("unknown key command \"%s\"", action);
    }

    optind = 0;
    opterr = 0;

    while ((c = getopt_long(argc - 1, argv + 1, ":", options, NULL)) != -1) {
        switch (c) {

        case 'k':
            file = optarg;
            break;

        case 'a':
            if (strcmp(action, "list") != 0) {
                return onestop_cli_usage_error("--audit-log is for key "
                                               "list");
            }

            audit = optarg;
            break;

        case ':':
            return onestop_cli_usage_error("key %s: %s needs a value", action,
                                           argv[optind]);

        default:
            return onestop_cli_usage_error("key %s: unknown option \"%s\"",
                                           action, argv[optind]);
        }
    }

    argc -= optind + 1;
    argv += optind + 1;

    if (strcmp(action, "list") == 0 && argc != 0) {
        return onestop_cli_usage_error("key list: unexpected argument "
                                       "\"%s\"", argv[0]);
    }

    if (strcmp(action, "revoke") == 0 && argc != 1) {
        return onestop_cli_usage_error("key revoke needs NAME");
    }

    if (strcmp(action, "add") == 0) {
        rc = key_add_args(argc, argv);

        if (rc != 0) {
            return rc;
        }
    }

    if (keys_open(&kf, file, strcmp(action, "add") != 0) != 0) {
        return 1;
    }

    rc = keys_parse(&kf);

    if (rc == 0) {
        if (strcmp(action, "add") == 0) {
            rc = key_add(&kf, dir, argc, argv);

        } else if (strcmp(action, "list") == 0) {
            rc = key_list(&kf, audit);

        } else {
            rc = key_revoke(&kf, argv[0]);
        }
    }

    keys_close(&kf);

    return rc;
}


/* qr-key rotate */

int
onestop_cli_qr_key(const char *dir, int argc, char **argv)
{
    int                c, n, rc;
    char               when[32], hex[2 * KEY_BYTES + 1], err[256];
    size_t             i, skip;
    unsigned char      raw[KEY_BYTES];
    const char        *file;
    keys_file_t        kf;
    onestop_buf_t      out;
    onestop_qr_key_t  *keys;

    static const struct option  options[] = {
        { "qr-key-file", required_argument, NULL, 'k' },
        { NULL, 0, NULL, 0 }
    };

    if (argc < 2 || strcmp(argv[1], "rotate") != 0) {
        return argc < 2 ? onestop_cli_usage_error("qr-key needs rotate")
                        : onestop_cli_usage_error("unknown qr-key command "
                                                  "\"%s\"", argv[1]);
    }

    file = ONESTOP_QR_KEY_FILE;
    optind = 0;
    opterr = 0;

    while ((c = getopt_long(argc - 1, argv + 1, ":", options, NULL)) != -1) {
        if (c != 'k') {
            return onestop_cli_usage_error("qr-key rotate: %s \"%s\"",
                                           c == ':' ? "a value is needed for"
                                                    : "unknown option",
                                           argv[optind]);
        }

        file = optarg;
    }

    if (optind + 1 < argc) {
        return onestop_cli_usage_error("qr-key rotate: unexpected argument "
                                       "\"%s\"", argv[optind + 1]);
    }

    if (keys_open(&kf, file, 0) != 0) {
        return 1;
    }

    n = 0;

    if (kf.text.len > 0) {
        keys = calloc(QR_KEYS_MAX, sizeof(onestop_qr_key_t));

        if (keys == NULL) {
            keys_close(&kf);
            return onestop_cli_fail("out of memory");
        }

        n = onestop_qr_keys_parse(kf.text.data, kf.text.len, keys,
                                  QR_KEYS_MAX, err, sizeof(err));
        OPENSSL_cleanse(keys, QR_KEYS_MAX * sizeof(onestop_qr_key_t));
        free(keys);

        if (n < 0 && strncmp(err, "no key", 6) == 0) {
            n = 0;

        } else if (n < 0) {
            keys_close(&kf);
            return onestop_cli_fail("QR key file \"%s\": %s; nothing "
                                    "changed", file, err);
        }
    }

    if (n == QR_KEYS_MAX) {
        keys_close(&kf);
        return onestop_cli_fail("QR key file \"%s\" holds %d keys, the most "
                                "nginx reads: remove the oldest (the last; "
                                "receipts signed with it stop opening), then "
                                "rotate", file, QR_KEYS_MAX);
    }

    if (random_bytes(raw, sizeof(raw)) != 0) {
        keys_close(&kf);
        return 1;
    }

    for (i = 0; i < sizeof(raw); i++) {
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    }

    OPENSSL_cleanse(raw, sizeof(raw));
    timestamp(when, sizeof(when));

    /* the new key first, the old text below it (without its header) */

    skip = 0;

    if (kf.text.len >= sizeof(QR_HEADER) - 1
        && memcmp(kf.text.data, QR_HEADER, sizeof(QR_HEADER) - 1) == 0)
    {
        skip = sizeof(QR_HEADER) - 1;
    }

    memset(&out, 0, sizeof(out));
    onestop_buf_printf(&out, "%s# created %s\n%s\n", QR_HEADER, when, hex);
    onestop_buf_add(&out, kf.text.data + skip, kf.text.len - skip);

    if (out.len && out.data[out.len - 1] != '\n') {
        onestop_buf_adds(&out, "\n");
    }

    OPENSSL_cleanse(hex, sizeof(hex));

    rc = out.failed ? onestop_cli_fail("out of memory")
                    : write_atomic(&kf, out.data, out.len);

    if (out.data != NULL) {
        OPENSSL_cleanse(out.data, out.cap);
    }

    onestop_buf_free(&out);
    keys_close(&kf);

    if (rc == 0) {
        printf("QR key file \"%s\": a new signing key first, %d older key(s) "
               "kept below it for verification; reload nginx: nginx -t && "
               "nginx -s reload\n", file, n);
    }

    return rc;
}
