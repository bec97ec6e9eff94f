/*
 * QR codes and the signed tokens in them.
 *
 * The symbol comes from libqrencode; drawing it is ours, because both
 * forms are simple when a module is either dark or not: the SVG is one
 * path of horizontal runs of dark modules, and the PNG is 1-bit grayscale
 * whose scanlines are built once per module row and copied `scale` times,
 * then deflated by zlib in one go.
 *
 * A token's signature is compared as text, in constant time, against the
 * signature each key would give the code, so verifying never decodes
 * attacker-chosen base64 and takes the same steps for every input of a
 * given length.
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <qrencode.h>
#include <zlib.h>

#include "onestop_qr.h"
#include "onestop_record.h"


#define SIG_BYTES   12                  /* 96 bits of the HMAC */
#define MODULES_MAX 177                 /* version 40 */
/* Z_BEST_SPEED: against the default level it saves a sixth of a render at
 * scale 4 and half at scale 20, for 100 bytes at 4 (541, not 442) */
#define PNG_LEVEL   Z_BEST_SPEED

#define LABEL       "Mã QR tra cứu hồ sơ"


static QRcode *encode(const char *text, size_t len, unsigned scale);
static int fail(onestop_buf_t *out, size_t start, int err);
static void add_uint(onestop_buf_t *b, unsigned v);
static void png_chunk(onestop_buf_t *b, const char *type,
    const unsigned char *data, size_t n);
static void put32(unsigned char *p, uint32_t v);
static int sign(const onestop_qr_key_t *key, const char *code, size_t len,
    char *sig);
static char b64url(unsigned v);
static int hexval(unsigned char c);


static QRcode *
encode(const char *text, size_t len, unsigned scale)
{
    QRcode  *qr;

    if (scale < 1 || scale > ONESTOP_QR_SCALE_MAX || text == NULL
        || len == 0)
    {
        errno = EINVAL;
        return NULL;
    }

    if (len > INT_MAX) {
        errno = ERANGE;
        return NULL;
    }

    /* 8-bit mode whatever the text: the alphanumeric mode would fold the
     * signature's case and misread it */
    qr = QRcode_encodeData((int) len, (const unsigned char *) text, 0,
                           QR_ECLEVEL_M);

    if (qr == NULL) {
        if (errno != ERANGE) {
            errno = ENOMEM;
        }
        return NULL;
    }

    if (qr->width < 21 || qr->width > MODULES_MAX) {
        QRcode_free(qr);
        errno = ERANGE;
        return NULL;
    }

    return qr;
}


/* Puts out back as it was on entry, when it can be. */
static int
fail(onestop_buf_t *out, size_t start, int err)
{
    if (!out->failed && out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }

    errno = err;
    return -1;
}


int
onestop_qr_svg(const char *text, size_t len, unsigned scale,
    onestop_buf_t *out)
{
    size_t          start;
    unsigned        x, y, n, w, size;
    QRcode         *qr;
    unsigned char  *row;

    if (out->failed) {
        errno = ENOMEM;
        return -1;
    }

    start = out->len;

    qr = encode(text, len, scale);

    if (qr == NULL) {
        return -1;
    }

    w = (unsigned) qr->width;
    size = w + 2 * ONESTOP_QR_QUIET;

    onestop_buf_printf(out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""
        " aria-label=\"" LABEL "\" width=\"%u\" height=\"%u\""
        " viewBox=\"0 0 %u %u\" shape-rendering=\"crispEdges\">"
        "<title>" LABEL "</title>"
        "<rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>"
        "<path fill=\"#000\" d=\"",
        size * scale, size * scale, size, size, size, size);

    for (y = 0; y < w; y++) {
        row = qr->data + (size_t) y * w;

        for (x = 0; x < w; x += n) {
            for (n = 0; x + n < w && (row[x + n] & 1); n++) {
                /* void */
            }

            if (n == 0) {
                n = 1;
                continue;
            }

            onestop_buf_add(out, "M", 1);
            add_uint(out, x + ONESTOP_QR_QUIET);
            onestop_buf_add(out, " ", 1);
            add_uint(out, y + ONESTOP_QR_QUIET);
            onestop_buf_add(out, "h", 1);
            add_uint(out, n);
            onestop_buf_add(out, "v1h-", 4);
            add_uint(out, n);
            onestop_buf_add(out, "z", 1);
        }
    }

    onestop_buf_adds(out, "\"/></svg>");

    QRcode_free(qr);

    if (out->failed) {
        return fail(out, start, ENOMEM);
    }

    return 0;
}


int
onestop_qr_png(const char *text, size_t len, unsigned scale,
    onestop_buf_t *out)
{
    int             rc;
    size_t          start, stride, rawlen, i, k, p, px;
    uLongf          zlen;
    unsigned        x, y, w, size;
    QRcode         *qr;
    unsigned char  *raw, *z, *r, *row;
    unsigned char   ihdr[13];

    static const unsigned char  sig[8] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
    };

    if (out->failed) {
        errno = ENOMEM;
        return -1;
    }

    start = out->len;

    qr = encode(text, len, scale);

    if (qr == NULL) {
        return -1;
    }

    w = (unsigned) qr->width;
    size = w + 2 * ONESTOP_QR_QUIET;
    px = (size_t) size * scale;              /* 3700 at most */
    stride = 1 + (px + 7) / 8;               /* the filter byte, then bits */
    rawlen = stride * px;

    zlen = compressBound((uLong) rawlen);
    raw = malloc(rawlen + zlen);

    if (raw == NULL) {
        QRcode_free(qr);
        return fail(out, start, ENOMEM);
    }

    z = raw + rawlen;

    /* all white (1 bits, the padding of each row too), filter 0 */
    memset(raw, 0xff, rawlen);

    for (i = 0; i < px; i++) {
        raw[i * stride] = 0;
    }

    for (y = 0; y < w; y++) {
        row = qr->data + (size_t) y * w;
        r = raw + (size_t) (y + ONESTOP_QR_QUIET) * scale * stride;

        for (x = 0; x < w; x++) {
            if (!(row[x] & 1)) {
                continue;
            }

            p = (size_t) (x + ONESTOP_QR_QUIET) * scale;

            for (k = 0; k < scale; k++, p++) {
                r[1 + p / 8] &= (unsigned char) ~(0x80u >> (p % 8));
            }
        }

        for (k = 1; k < scale; k++) {
            memcpy(r + k * stride, r, stride);
        }
    }

    QRcode_free(qr);

    rc = compress2(z, &zlen, raw, (uLong) rawlen, PNG_LEVEL);

    if (rc != Z_OK) {
        free(raw);
        return fail(out, start, ENOMEM);
    }

    put32(ihdr, (uint32_t) px);
    put32(ihdr + 4, (uint32_t) px);
    ihdr[8] = 1;                             /* bit depth */
    ihdr[9] = 0;                             /* grayscale */
    ihdr[10] = 0;                            /* deflate */
    ihdr[11] = 0;                            /* adaptive filtering */
    ihdr[12] = 0;                            /* no interlace */

    onestop_buf_add(out, sig, sizeof(sig));
    png_chunk(out, "IHDR", ihdr, sizeof(ihdr));
    png_chunk(out, "IDAT", z, zlen);
    png_chunk(out, "IEND", NULL, 0);

    free(raw);

    if (out->failed) {
        return fail(out, start, ENOMEM);
    }

    return 0;
}


static void
add_uint(onestop_buf_t *b, unsigned v)
{
    char   buf[12], *p;

    p = buf + sizeof(buf);

    do {
        *--p = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    onestop_buf_add(b, p, (size_t) (buf + sizeof(buf) - p));
}


static void
png_chunk(onestop_buf_t *b, const char *type, const unsigned char *data,
    size_t n)
{
    uLong          crc;
    unsigned char  head[8], tail[4];

    put32(head, (uint32_t) n);
    memcpy(head + 4, type, 4);

    crc = crc32(0L, (const Bytef *) type, 4);

    if (n) {
        crc = crc32(crc, data, (uInt) n);
    }

    put32(tail, (uint32_t) crc);

    onestop_buf_add(b, head, sizeof(head));

    if (n) {
        onestop_buf_add(b, data, n);
    }

    onestop_buf_add(b, tail, sizeof(tail));
}


static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


/* The signature of a code as its ONESTOP_TOKEN_SIG_LEN characters. */
static int
sign(const onestop_qr_key_t *key, const char *code, size_t len, char *sig)
{
    size_t         i, j;
    uint32_t       v;
    unsigned int   mdlen;
    unsigned char  md[EVP_MAX_MD_SIZE];

    static const unsigned char  empty;

    if (key->len > ONESTOP_QR_KEY_MAX) {
        return -1;
    }

    if (HMAC(EVP_sha256(), key->key, (int) key->len,
             len ? (const unsigned char *) code : &empty, len, md, &mdlen)
        == NULL
        || mdlen < SIG_BYTES)
    {
        return -1;
    }

    for (i = 0, j = 0; i < SIG_BYTES; i += 3) {
        v = (uint32_t) md[i] << 16 | (uint32_t) md[i + 1] << 8 | md[i + 2];
        sig[j++] = b64url(v >> 18);
        sig[j++] = b64url(v >> 12 & 63);
        sig[j++] = b64url(v >> 6 & 63);
        sig[j++] = b64url(v & 63);
    }

    OPENSSL_cleanse(md, sizeof(md));

    return 0;
}


/*
 * One base64url digit, by arithmetic rather than a table, so that the
 * expected signature does not show in which cache lines were read.
 * (k - v) >> 8 is all ones exactly when v > k, for v and k in 0..255
 * (an arithmetic shift, as every compiler we build with does).
 */
static char
b64url(unsigned v)
{
    int  c, d;

    d = (int) v;
    c = 'A' + d;
    c += ((25 - d) >> 8) & ('a' - 'A' - 26);
    c += ((51 - d) >> 8) & ('0' - 52 - ('a' - 26));
    c += ((61 - d) >> 8) & ('-' - '0' - 10);
    c += ((62 - d) >> 8) & ('_' - '-' - 1);

    return (char) c;
}


size_t
onestop_token_sign(const onestop_qr_key_t *key, const char *code,
    size_t len, char *out)
{
    if (sign(key, code, len, out + len + 1) != 0) {
        return 0;
    }

    if (len) {
        memcpy(out, code, len);
    }

    out[len] = '.';

    return len + 1 + ONESTOP_TOKEN_SIG_LEN;
}


int
onestop_token_verify(const onestop_qr_key_t *keys, size_t nkeys,
    const char *token, size_t len, const char **code, size_t *code_len)
{
    int     well, match;
    char    got[ONESTOP_TOKEN_SIG_LEN], want[ONESTOP_TOKEN_SIG_LEN];
    size_t  i, dot, clen;

    static const char  none = '\0';

    if (token == NULL) {
        token = &none;
        len = 0;
    }

    dot = len;

    for (i = len; i > 0; i--) {
        if (token[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    }

    clen = dot;
    well = clen > 0 && len - dot == 1 + ONESTOP_TOKEN_SIG_LEN;

    /* NUL never comes out of the encoder: a malformed token compares
     * against characters no key can produce */
    memset(got, 0, sizeof(got));

    if (well) {
        memcpy(got, token + dot + 1, ONESTOP_TOKEN_SIG_LEN);
    }

    match = 0;

    for (i = 0; i < nkeys; i++) {
        memset(want, 0, sizeof(want));

        if (sign(&keys[i], token, clen, want) != 0) {
            /* a failed HMAC must never let zeros match zeros */
            memset(want, 0xff, sizeof(want));
        }

        match |= CRYPTO_memcmp(got, want, sizeof(want)) == 0;
    }

    OPENSSL_cleanse(want, sizeof(want));

    if (!(well & match)) {
        if (code != NULL) {
            *code = NULL;
        }
        if (code_len != NULL) {
            *code_len = 0;
        }
        return 0;
    }

    if (code != NULL) {
        *code = token;
    }

    if (code_len != NULL) {
        *code_len = clen;
    }

    return 1;
}


int
onestop_token_code(const onestop_qr_key_t *keys, size_t nkeys,
    const char *token, size_t len, const char **code, size_t *code_len)
{
    return onestop_token_verify(keys, nkeys, token, len, code, code_len)
           && onestop_code_valid(*code, *code_len);
}


int
onestop_token_link(const onestop_qr_key_t *key, const char *url,
    size_t url_len, const char *code, size_t len, onestop_buf_t *out)
{
    char  sig[ONESTOP_TOKEN_SIG_LEN];

    if (key == NULL || sign(key, code, len, sig) != 0) {
        return -1;
    }

    onestop_buf_add(out, url, url_len);
    onestop_buf_add(out, "/q/", 3);
    onestop_buf_add(out, code, len);
    onestop_buf_add(out, ".", 1);
    onestop_buf_add(out, sig, sizeof(sig));

    return out->failed ? -1 : 0;
}


static int
hexval(unsigned char c)
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


int
onestop_qr_keys_parse(const char *text, size_t len,
    onestop_qr_key_t *keys, size_t max, char *err, size_t errlen)
{
    char         msg[128];
    size_t       line, n, i, digits;
    const char  *p, *last, *eol, *s, *e;

    line = 0;
    n = 0;
    p = text;
    last = text + len;

    while (p < last) {
        line++;

        eol = memchr(p, '\n', (size_t) (last - p));

        if (eol == NULL) {
            eol = last;
        }

        s = p;
        e = eol;
        p = eol < last ? eol + 1 : last;

        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }

        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
            e--;
        }

        if (s == e || *s == '#') {
            continue;
        }

        digits = (size_t) (e - s);

        for (i = 0; i < digits; i++) {
            if (hexval((unsigned char) s[i]) < 0) {
                snprintf(msg, sizeof(msg),
                         "line %zu: a key is hex digits only (0-9, a-f)",
                         line);
                goto failed;
            }
        }

        if (digits < 2 * ONESTOP_QR_KEY_MIN) {
            snprintf(msg, sizeof(msg),
                     "line %zu: a key needs %d hex digits (%d bytes) at least",
                     line, 2 * ONESTOP_QR_KEY_MIN, ONESTOP_QR_KEY_MIN);
            goto failed;
        }

        if (digits > 2 * ONESTOP_QR_KEY_MAX) {
            snprintf(msg, sizeof(msg),
                     "line %zu: a key has %d hex digits (%d bytes) at most",
                     line, 2 * ONESTOP_QR_KEY_MAX, ONESTOP_QR_KEY_MAX);
            goto failed;
        }

        if (digits % 2) {
            snprintf(msg, sizeof(msg),
                     "line %zu: a key has an even number of hex digits",
                     line);
            goto failed;
        }

        if (n == max) {
            snprintf(msg, sizeof(msg), "line %zu: more than %zu keys",
                     line, max);
            goto failed;
        }

        for (i = 0; i < digits / 2; i++) {
            keys[n].key[i] = (unsigned char)
                (hexval((unsigned char) s[2 * i]) << 4
                 | hexval((unsigned char) s[2 * i + 1]));
        }

        keys[n].len = digits / 2;
        n++;
    }

    if (n == 0) {
        snprintf(msg, sizeof(msg), "no key: a key file needs one key a line");
        goto failed;
    }

    return (int) n;

failed:

    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s", msg);
    }

    return -1;
}


int
onestop_qr_keys_load(const char *path, onestop_qr_key_t *keys, size_t max,
    char *err, size_t errlen)
{
    int          n;
    char         msg[128], *text;
    FILE        *f;
    size_t       len;
    struct stat  st;

    f = fopen(path, "r");

    if (f == NULL) {
        snprintf(err, errlen, "could not open QR key file \"%s\": %s",
                 path, strerror(errno));
        return -1;
    }

    if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)
        || st.st_size > 64 * 1024)
    {
        fclose(f);
        snprintf(err, errlen, "QR key file \"%s\" is not a small text file",
                 path);
        return -1;
    }

    /* the secret that mints full-name links: as the Redis password file,
     * refused when anyone but its owner may read or change it */

    if (onestop_secret_private("QR key file", path, (unsigned) st.st_mode,
                               " (nginx reads it as root)", err, errlen)
        != 0)
    {
        fclose(f);
        return -1;
    }

    text = malloc((size_t) st.st_size + 1);

    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "QR key file \"%s\": out of memory", path);
        return -1;
    }

    len = fread(text, 1, (size_t) st.st_size, f);
    fclose(f);

    n = onestop_qr_keys_parse(text, len, keys, max, msg, sizeof(msg));
    OPENSSL_cleanse(text, (size_t) st.st_size + 1);
    free(text);

    if (n < 1) {
        OPENSSL_cleanse(keys, max * sizeof(onestop_qr_key_t));
        snprintf(err, errlen, "QR key file \"%s\": %s", path, msg);
        return -1;
    }

    return n;
}
