/*
 * Unit tests of engine/qr.c against SPEC section 6: tokens (a known answer
 * computed with the openssl command line, round trips, tampering, codes
 * with dots, malformed and huge input, key rotation), key files, and the
 * two renderers.  A rendering is checked the way a phone would: zbarimg
 * must read the input back from the PNG, and from the SVG once
 * rsvg-convert has rasterised it (skipped when either tool is missing).
 * The PNG's pixels are also compared with libqrencode's modules after an
 * independent inflate, and every chunk's CRC is checked.
 *
 * The render loop at the end does little under a plain run; it is there
 * for valgrind --leak-check=full, which must find nothing.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <qrencode.h>
#include <zlib.h>

#include "onestop_qr.h"
#include "tap.h"


#define KAT_CODE  "000.00.12.H36-190709-0001"
#define KAT_SIG   "jqAmtSqPTXZTpl6-"
#define LONG_URL  "https://dichvucong.longan.gov.vn/q/" \
                  "000.00.12.H36-190709-0001.AbCdEfGhIjKlMnOp"


static int  have_zbar;
static int  have_rsvg;
static int  have_xmllint;


static int
have(const char *tool)
{
    char  cmd[256];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);

    return system(cmd) == 0;
}


static void
key_seq(onestop_qr_key_t *k, unsigned char first, size_t len)
{
    size_t  i;

    memset(k, 0, sizeof(*k));

    for (i = 0; i < len; i++) {
        k->key[i] = (unsigned char) (first + i);
    }

    k->len = len;
}


/* A token in a heap buffer of exactly its length, so that the address
 * sanitizer catches a read past its end. */
static int
verify(const onestop_qr_key_t *keys, size_t nkeys, const char *token,
    size_t len, const char **code, size_t *code_len)
{
    int    rc;
    char  *p;

    p = malloc(len ? len : 1);

    if (p == NULL) {
        return -1;
    }

    memcpy(p, token, len);
    rc = onestop_token_verify(keys, nkeys, p, len, code, code_len);

    /* the code must point into the token: report its offset instead */
    if (rc == 1 && code != NULL) {
        *code = token + (*code - p);
    }

    free(p);

    return rc;
}


static int
verifys(const onestop_qr_key_t *keys, size_t nkeys, const char *token)
{
    return verify(keys, nkeys, token, strlen(token), NULL, NULL);
}


/* The reference signature: libcrypto's HMAC, EVP_EncodeBlock's base64
 * turned into base64url by hand. */
static void
ref_sig(const onestop_qr_key_t *key, const char *code, size_t len,
    char *sig)
{
    size_t         i;
    unsigned int   mdlen;
    unsigned char  md[EVP_MAX_MD_SIZE], b64[32];

    HMAC(EVP_sha256(), key->key, (int) key->len,
         (const unsigned char *) code, len, md, &mdlen);
    EVP_EncodeBlock(b64, md, 12);

    for (i = 0; i < ONESTOP_TOKEN_SIG_LEN; i++) {
        sig[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char) b64[i];
    }
}


static void
test_known_answer(void)
{
    char              tok[64];
    size_t            n, clen;
    const char       *code;
    onestop_qr_key_t  k;

    /* printf '%s' 000.00.12.H36-190709-0001 | openssl dgst -sha256 -mac HMAC
     *     -macopt hexkey:000102...1f
     * 8ea026b52a8f4d7653a65ebe15cecd9f5e48b8c80f9ab2fb032dfed8a1fb4668 */
    key_seq(&k, 0, 32);

    n = onestop_token_sign(&k, KAT_CODE, strlen(KAT_CODE), tok);
    is_int(n, strlen(KAT_CODE) + 17, "a token is the code's length + 17");
    is_str(tok, n, KAT_CODE "." KAT_SIG, "the known answer (openssl dgst)");

    is_int(verify(&k, 1, tok, n, &code, &clen), 1, "it verifies");
    is_str(code, clen, KAT_CODE, "and gives the code back");
}


static void
test_round_trip(void)
{
    int               bad;
    char              tok[256], t2[256], want[ONESTOP_TOKEN_SIG_LEN];
    size_t            n, i, m, clen;
    const char       *code;
    onestop_qr_key_t  k;

    static const char  *codes[] = {
        "000.00.12.H36-190709-0001", "H36.22-200101-0042", "x",
        "a.b.c.d.e", "code.", "..", "Mã hồ sơ",
    };

    key_seq(&k, 0x40, 64);

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        m = strlen(codes[i]);
        n = onestop_token_sign(&k, codes[i], m, tok);
        is_int(verify(&k, 1, tok, n, &code, &clen), 1,
               "round trip of \"%s\"", codes[i]);
        is_str(code, clen, codes[i], "the code back, split at the last dot");
    }

    /* every signature character, to every other value it can take */
    n = onestop_token_sign(&k, KAT_CODE, strlen(KAT_CODE), tok);
    bad = 0;

    for (i = n - ONESTOP_TOKEN_SIG_LEN; i < n; i++) {
        const char  *p;

        for (p = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 "0123456789-_+/=."; *p; p++)
        {
            if (*p == tok[i]) {
                continue;
            }
            memcpy(t2, tok, n);
            t2[i] = *p;
            bad += verify(&k, 1, t2, n, NULL, NULL) != 0;
        }
    }

    is_int(bad, 0, "no changed signature character verifies");

    memcpy(t2, tok, n);
    t2[0] = '1';
    is_int(verify(&k, 1, t2, n, NULL, NULL), 0, "a changed code does not");

    /* A's signature on B */
    n = onestop_token_sign(&k, "000.00.12.H36-190709-0001", 25, tok);
    memcpy(t2, "000.00.12.H36-190709-0002", 25);
    memcpy(t2 + 25, tok + 25, n - 25);
    is_int(verify(&k, 1, t2, n, NULL, NULL), 0,
           "the signature of one code does not fit another");

    /* a code with dots: the last dot splits; moving it breaks the token */
    n = onestop_token_sign(&k, "000.00.12.H36-1", 15, tok);
    is_int(verify(&k, 1, tok, n, &code, &clen), 1, "a code with dots");
    is_str(code, clen, "000.00.12.H36-1", "all of it is the code");
    memcpy(t2, tok, n);
    memcpy(t2 + n, ".", 1);
    is_int(verify(&k, 1, t2, n + 1, NULL, NULL), 0, "a dot after: 0");
    is_int(verify(&k, 1, tok + 4, n - 4, NULL, NULL), 0,
           "a shorter code with the same signature: 0");

    /* the signature of the empty code is not a token */
    ref_sig(&k, "", 0, want);
    t2[0] = '.';
    memcpy(t2 + 1, want, ONESTOP_TOKEN_SIG_LEN);
    is_int(verify(&k, 1, t2, 1 + ONESTOP_TOKEN_SIG_LEN, &code, &clen), 0,
           "an empty code, even rightly signed: 0");
    ok(code == NULL && clen == 0, "code and length cleared on 0");
}


static void
test_malformed(void)
{
    char              *big, *tok2;
    char               tok[64];
    size_t             n, i;
    onestop_qr_key_t   k;

    static const char  *bad[] = {
        "", ".", "..", "nodot", "000.00.12.H36-190709-0001",
        "000.00.12.H36-190709-0001.", ".AAAAAAAAAAAAAAAA",
        "x.AAAAAAAAAAAAAAA", "x.AAAAAAAAAAAAAAAAA", "x.AAAAAAAAAAAAAAAA",
        "x.AAAAAAAAAAAAAAA=",
    };

    key_seq(&k, 0, 32);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        is_int(verifys(&k, 1, bad[i]), 0, "\"%s\" does not verify", bad[i]);
    }

    is_int(onestop_token_verify(&k, 1, NULL, 0, NULL, NULL), 0,
           "NULL, 0 does not verify");
    is_int(verifys(&k, 0, "x.AAAAAAAAAAAAAAAA"), 0, "no key: nothing does");

    /* a signature one character short or long of a good one */
    n = onestop_token_sign(&k, "abc", 3, tok);
    is_int(verify(&k, 1, tok, n - 1, NULL, NULL), 0, "a signature cut short");
    tok[n] = 'A';
    is_int(verify(&k, 1, tok, n + 1, NULL, NULL), 0, "one character more");

    /* 4 MiB: a long code, a good-looking tail, NULs inside */
    n = 4 << 20;
    big = malloc(n);

    if (big == NULL) {
        ok(0, "memory for the long token");
        return;
    }

    memset(big, 'a', n);
    big[n - 17] = '.';
    memset(big + n - 16, 'A', 16);
    big[1000] = '\0';
    is_int(onestop_token_verify(&k, 1, big, n, NULL, NULL), 0,
           "a 4 MiB token does not verify and does not crash");
    memset(big, '.', n);
    is_int(onestop_token_verify(&k, 1, big, n, NULL, NULL), 0,
           "4 MiB of dots neither");

    /* and a long one that is right */
    memset(big, 'a', 100000);
    big[500] = '.';
    tok2 = malloc(100000 + 17);

    if (tok2 != NULL) {
        n = onestop_token_sign(&k, big, 100000, tok2);
        is_int(onestop_token_verify(&k, 1, tok2, n, NULL, NULL), 1,
               "a 100000-byte code signs and verifies");
        free(tok2);
    }

    free(big);
}


static void
test_rotation(void)
{
    char              tok[64];
    size_t            n;
    onestop_qr_key_t  keys[3], k1;

    key_seq(&keys[0], 0x20, 32);              /* key 2, the new one */
    key_seq(&keys[1], 0x00, 32);              /* key 1 */
    key_seq(&keys[2], 0x80, 128);
    k1 = keys[1];

    n = onestop_token_sign(&k1, KAT_CODE, strlen(KAT_CODE), tok);
    is_int(verify(keys, 2, tok, n, NULL, NULL), 1,
           "signed with key 1, verified with [key 2, key 1]");
    is_int(verify(keys, 1, tok, n, NULL, NULL), 0,
           "but not with [key 2] alone");
    is_int(verify(keys + 2, 1, tok, n, NULL, NULL), 0,
           "nor with a third key");

    n = onestop_token_sign(&keys[0], KAT_CODE, strlen(KAT_CODE), tok);
    is_int(verify(&k1, 1, tok, n, NULL, NULL), 0,
           "signed with key 2, checked with [key 1]: 0");
    is_int(verify(keys, 3, tok, n, NULL, NULL), 1,
           "checked with [key 2, key 1, key 3]: 1");

    n = onestop_token_sign(&keys[2], KAT_CODE, strlen(KAT_CODE), tok);
    is_int(verify(keys, 3, tok, n, NULL, NULL), 1,
           "a 128-byte key, last in the list");
}


/* The encoder against libcrypto and EVP_EncodeBlock on many codes, so that
 * each of the 64 digits is seen. */
static void
test_alphabet(void)
{
    int               bad, seen[256], nseen;
    char              code[32], tok[64], want[ONESTOP_TOKEN_SIG_LEN];
    size_t            i, j, n, m;
    onestop_qr_key_t  k;

    key_seq(&k, 7, 48);
    memset(seen, 0, sizeof(seen));
    bad = 0;

    for (i = 0; i < 2000; i++) {
        m = (size_t) snprintf(code, sizeof(code), "000.00.12.H36-%06zu", i);
        n = onestop_token_sign(&k, code, m, tok);
        ref_sig(&k, code, m, want);
        bad += n != m + 17 || tok[m] != '.'
               || memcmp(tok + m + 1, want, ONESTOP_TOKEN_SIG_LEN) != 0;

        for (j = 0; j < ONESTOP_TOKEN_SIG_LEN; j++) {
            seen[(unsigned char) tok[m + 1 + j]] = 1;
        }
    }

    for (i = 0, nseen = 0; i < 256; i++) {
        nseen += seen[i];
    }

    is_int(bad, 0, "2000 signatures equal the reference's");
    is_int(nseen, 64, "all 64 base64url digits appear");
    ok(seen['-'] && seen['_'] && !seen['+'] && !seen['/'] && !seen['='],
       "- and _, never + / =");
}


static void
test_keys_parse(void)
{
    int               n;
    char              err[128], text[1024];
    onestop_qr_key_t  keys[4];

    static const char  *k64 =
        "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";

    snprintf(text, sizeof(text),
             "# onestop QR keys: the first signs\n"
             "\n"
             "  %s  \r\n"
             "   # the old one\n"
             "\t%s%s\n"
             "%.*s", k64, k64, k64, 256, "ffffffffffffffffffffffffffffffff"
             "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
             "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
             "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
             "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
             "ffffffffffff");

    n = onestop_qr_keys_parse(text, strlen(text), keys, 4, err, sizeof(err));
    is_int(n, 3, "three keys, comments and blank lines skipped");
    is_int(keys[0].len, 32, "the first has 32 bytes");
    ok(keys[0].key[0] == 0x00 && keys[0].key[31] == 0x1f,
       "hex of either case");
    is_int(keys[1].len, 64, "the second 64");
    is_int(keys[2].len, 128, "the third 128, without a final newline");
    ok(keys[2].key[0] == 0xff && keys[2].key[127] == 0xff, "its bytes");

    n = onestop_qr_keys_parse(text, strlen(text), keys, 2, err, sizeof(err));
    is_int(n, -1, "more keys than room: -1");
    is_str(err, strlen(err), "line 6: more than 2 keys", "with the line");

    snprintf(text, sizeof(text), "# keys\n%s\n%.62s\n", k64, k64);
    n = onestop_qr_keys_parse(text, strlen(text), keys, 4, err, sizeof(err));
    is_int(n, -1, "a short key: -1");
    is_str(err, strlen(err),
           "line 3: a key needs 64 hex digits (32 bytes) at least",
           "the message names the line and the minimum");

    snprintf(text, sizeof(text), "%.63sg\n", k64);
    n = onestop_qr_keys_parse(text, strlen(text), keys, 4, err, sizeof(err));
    is_int(n, -1, "a non-hex digit: -1");
    is_str(err, strlen(err), "line 1: a key is hex digits only (0-9, a-f)",
           "its message");

    snprintf(text, sizeof(text), "%.32s %.32s\n", k64, k64 + 32);
    is_int(onestop_qr_keys_parse(text, strlen(text), keys, 4, err,
                                 sizeof(err)), -1, "a space inside: -1");

    snprintf(text, sizeof(text), "%s0\n", k64);
    n = onestop_qr_keys_parse(text, strlen(text), keys, 4, err, sizeof(err));
    is_int(n, -1, "an odd number of digits: -1");
    is_str(err, strlen(err),
           "line 1: a key has an even number of hex digits", "its message");

    snprintf(text, sizeof(text), "%s%s%s%s0a\n", k64, k64, k64, k64);
    n = onestop_qr_keys_parse(text, strlen(text), keys, 4, err, sizeof(err));
    is_int(n, -1, "more than 256 digits: -1");
    is_str(err, strlen(err),
           "line 1: a key has 256 hex digits (128 bytes) at most",
           "its message");

    n = onestop_qr_keys_parse("# none\n\n", 8, keys, 4, err, sizeof(err));
    is_int(n, -1, "only comments: -1");
    ok(strncmp(err, "no key", 6) == 0, "\"%s\"", err);
    is_int(onestop_qr_keys_parse("", 0, keys, 4, NULL, 0), -1,
           "empty text, no room for a message: -1");

    n = onestop_qr_keys_parse(k64, 64, keys, 4, err, 10);
    is_int(n, 1, "a key without a newline");
    n = onestop_qr_keys_parse("zz", 2, keys, 4, err, 10);
    is_int(strlen(err), 9, "a message is truncated to errlen");
}


static int
write_file(const char *suffix, const void *data, size_t n, char *path)
{
    int          fd;
    const char  *dir;

    dir = getenv("TMPDIR");
    snprintf(path, 256, "%s/onestop-qr-XXXXXX%s",
             dir != NULL && *dir ? dir : "/tmp", suffix);

    fd = mkstemps(path, (int) strlen(suffix));

    if (fd < 0) {
        return -1;
    }

    if (write(fd, data, n) != (ssize_t) n) {
        close(fd);
        unlink(path);
        return -1;
    }

    close(fd);

    return 0;
}


/* What zbarimg reads in an image file, without the final newline. */
static size_t
zbar(const char *path, char *out, size_t cap)
{
    char   cmd[512];
    FILE  *f;
    size_t n;

    snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s' 2>/dev/null", path);

    f = popen(cmd, "r");

    if (f == NULL) {
        return 0;
    }

    n = fread(out, 1, cap, f);
    pclose(f);

    if (n > 0 && out[n - 1] == '\n') {
        n--;
    }

    return n;
}


static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}


/*
 * Walk the PNG's chunks, check their CRCs and order, inflate IDAT and
 * compare every pixel with the module libqrencode gives.
 */
static int
png_check(const onestop_buf_t *b, const char *text, unsigned scale)
{
    int                  bad;
    size_t               pos, n, px, stride, x, y, mx, my;
    uLongf               rawlen;
    uint32_t             len;
    QRcode              *qr;
    unsigned char       *raw;
    const unsigned char *p, *idat;
    unsigned             dark, white, q;

    p = (const unsigned char *) b->data;
    q = ONESTOP_QR_QUIET;

    qr = QRcode_encodeData((int) strlen(text), (const unsigned char *) text,
                           0, QR_ECLEVEL_M);

    if (qr == NULL) {
        return -1;
    }

    px = ((size_t) qr->width + 2 * q) * scale;
    idat = NULL;
    n = 0;
    bad = 0;

    for (pos = 8; pos + 12 <= b->len; pos += 12 + len) {
        len = get32(p + pos);

        if (pos + 12 + len > b->len
            || crc32(crc32(0, NULL, 0), p + pos + 4, len + 4)
               != get32(p + pos + 8 + len))
        {
            bad |= 1;
            break;
        }

        if (memcmp(p + pos + 4, "IHDR", 4) == 0) {
            bad |= pos != 8 || len != 13 || get32(p + pos + 8) != px
                   || get32(p + pos + 12) != px
                   || memcmp(p + pos + 16, "\1\0\0\0\0", 5) != 0;
        } else if (memcmp(p + pos + 4, "IDAT", 4) == 0) {
            bad |= idat != NULL;
            idat = p + pos + 8;
            n = len;
        } else if (memcmp(p + pos + 4, "IEND", 4) == 0) {
            bad |= len != 0 || pos + 12 != b->len;
        }
    }

    if (bad || idat == NULL) {
        QRcode_free(qr);
        return -2;
    }

    stride = 1 + (px + 7) / 8;
    rawlen = stride * px;
    raw = malloc(rawlen + 1);

    if (raw == NULL
        || uncompress(raw, &rawlen, idat, n) != Z_OK
        || rawlen != stride * px)
    {
        free(raw);
        QRcode_free(qr);
        return -3;
    }

    for (y = 0; y < px; y++) {
        bad |= raw[y * stride] != 0;

        for (x = 0; x < px; x++) {
            mx = x / scale;
            my = y / scale;
            dark = mx >= q && my >= q && mx < q + (size_t) qr->width
                   && my < q + (size_t) qr->width
                   && (qr->data[(my - q) * qr->width + mx - q] & 1);
            white = (raw[y * stride + 1 + x / 8] >> (7 - x % 8)) & 1;
            bad |= dark == white;
        }
    }

    free(raw);
    QRcode_free(qr);

    return bad ? -4 : 0;
}


static void
test_png(void)
{
    int            rc;
    char           path[256], got[4096];
    size_t         n, i;
    unsigned       w;
    QRcode        *qr;
    onestop_buf_t  b;

    static const struct {
        const char  *text;
        unsigned     scale;
    } cases[] = {
        { "https://dichvucong.longan.gov.vn/q/" KAT_CODE "." KAT_SIG, 4 },
        { LONG_URL, 4 },
        { LONG_URL, 1 },
        { LONG_URL, 2 },
        { LONG_URL, 3 },
        { LONG_URL, 7 },
        { "A", 20 },
        { "AbCdEfGhIjKlMnOp abcdefghijklmnop", 5 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&b, 0, sizeof(b));
        rc = onestop_qr_png(cases[i].text, strlen(cases[i].text),
                            cases[i].scale, &b);
        is_int(rc, 0, "PNG of \"%.40s\" at scale %u", cases[i].text,
               cases[i].scale);

        qr = QRcode_encodeData((int) strlen(cases[i].text),
                               (const unsigned char *) cases[i].text, 0,
                               QR_ECLEVEL_M);
        w = (unsigned) ((qr->width + 8) * (int) cases[i].scale);
        QRcode_free(qr);

        ok(b.len > 33 && memcmp(b.data, "\x89PNG\r\n\x1a\n", 8) == 0,
           "the PNG signature");
        ok(b.len > 33 && memcmp(b.data + 12, "IHDR", 4) == 0
           && get32((unsigned char *) b.data + 16) == w
           && get32((unsigned char *) b.data + 20) == w,
           "IHDR: %u x %u, (modules + 8) * scale", w, w);
        is_int(png_check(&b, cases[i].text, cases[i].scale), 0,
               "chunks, CRCs and every pixel");

        if (!have_zbar) {
            ok(1, "# skip zbarimg is missing");
        } else if (write_file(".png", b.data, b.len, path) != 0) {
            ok(0, "a temporary file");
        } else {
            n = zbar(path, got, sizeof(got));
            unlink(path);

            /* at one pixel a module zbar may give up; that is the
             * reader, not the code, and the pixels were checked above */
            if (cases[i].scale == 1 && n == 0) {
                ok(1, "# skip zbarimg cannot read 1 pixel a module");
            } else {
                is_str(got, n, cases[i].text, "zbarimg reads it back");
            }
        }

        onestop_buf_free(&b);
    }
}


static void
test_svg(void)
{
    int            rc;
    char           path[256], png[300], cmd[1024], got[4096], want[256];
    size_t         n, i;
    onestop_buf_t  b;

    static const char  *texts[] = {
        LONG_URL, "https://dichvucong.longan.gov.vn/q/x.AAAAAAAAAAAAAAAA",
    };

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        memset(&b, 0, sizeof(b));
        rc = onestop_qr_svg(texts[i], strlen(texts[i]), 4, &b);
        is_int(rc, 0, "SVG of \"%.40s\"", texts[i]);
        ok(b.len > 5 && strncmp(b.data, "<svg xmlns=\"http://www.w3.org/2000/"
                                "svg\" role=\"img\"", 47) == 0,
           "it starts with <svg xmlns role");
        ok(b.len > 6 && strcmp(b.data + b.len - 6, "</svg>") == 0,
           "it ends with </svg>");
        ok(strstr(b.data, "aria-label=\"Mã QR tra cứu hồ sơ\"") != NULL
           && strstr(b.data, "<title>Mã QR tra cứu hồ sơ</title>") != NULL,
           "aria-label and title");
        ok(strstr(b.data, "shape-rendering=\"crispEdges\"") != NULL,
           "crisp edges");
        ok(strstr(b.data, "<rect width=\"") != NULL
           && strstr(b.data, "fill=\"#fff\"/>") != NULL,
           "a white background");

        if (i == 0) {
            /* 77 bytes need version 5 at M: 37 modules + 8 */
            snprintf(want, sizeof(want), " width=\"%d\" height=\"%d\""
                     " viewBox=\"0 0 45 45\"", 45 * 4, 45 * 4);
            ok(strstr(b.data, want) != NULL, "%s", want);
            /* the top-left finder pattern: 7 dark modules at 4,4 */
            ok(strstr(b.data, "d=\"M4 4h7v1h-7z") != NULL,
               "runs of dark modules");
        }

        if (write_file(".svg", b.data, b.len, path) != 0) {
            ok(0, "a temporary file");
            onestop_buf_free(&b);
            continue;
        }

        if (!have_xmllint) {
            ok(1, "# skip xmllint is missing");
        } else {
            snprintf(cmd, sizeof(cmd), "xmllint --noout '%s' 2>&1", path);
            ok(system(cmd) == 0, "xmllint: well-formed XML");
        }

        if (!have_rsvg || !have_zbar) {
            ok(1, "# skip rsvg-convert or zbarimg is missing");
        } else {
            snprintf(png, sizeof(png), "%s.png", path);
            snprintf(cmd, sizeof(cmd),
                     "rsvg-convert -o '%s' '%s' 2>/dev/null", png, path);
            rc = system(cmd);
            n = rc == 0 ? zbar(png, got, sizeof(got)) : 0;
            unlink(png);
            is_str(got, n, texts[i], "rasterised, zbarimg reads it back");
        }

        unlink(path);
        onestop_buf_free(&b);
    }
}


static void
test_render_errors(void)
{
    int            rc;
    char          *t;
    size_t         cap;
    onestop_buf_t  b;

    memset(&b, 0, sizeof(b));
    onestop_buf_adds(&b, "before");

    errno = 0;
    rc = onestop_qr_png("x", 1, 0, &b);
    ok(rc == -1 && errno == EINVAL, "scale 0: -1, EINVAL");
    rc = onestop_qr_svg("x", 1, 21, &b);
    ok(rc == -1 && errno == EINVAL, "scale 21: -1, EINVAL");
    rc = onestop_qr_png("", 0, 4, &b);
    ok(rc == -1 && errno == EINVAL, "empty text: -1, EINVAL");
    rc = onestop_qr_svg(NULL, 0, 4, &b);
    ok(rc == -1 && errno == EINVAL, "NULL text: -1, EINVAL");

    /* version 40-M holds 2331 bytes */
    cap = 2331;
    t = malloc(cap + 2);
    memset(t, 'a', cap + 1);
    t[cap + 1] = '\0';

    rc = onestop_qr_png(t, cap + 1, 4, &b);
    ok(rc == -1 && errno == ERANGE, "2332 bytes: -1, ERANGE");
    rc = onestop_qr_svg(t, cap + 1, 4, &b);
    ok(rc == -1 && errno == ERANGE, "in SVG too");
    is_str(b.data, b.len, "before", "out is left as it was");

    t[cap] = '\0';
    rc = onestop_qr_png(t, cap, 20, &b);
    is_int(rc, 0, "2331 bytes at scale 20: 0");
    ok(rc == 0 && get32((unsigned char *) b.data + 6 + 16) == 3700,
       "3700 pixels square, after what out held");
    is_int(png_check(&(onestop_buf_t) { b.data + 6, b.len - 6, 0, 0 }, t,
                     20), 0, "and every pixel of it is right");

    b.len = 6;
    rc = onestop_qr_svg(t, cap, 20, &b);
    is_int(rc, 0, "its SVG too");
    ok(strstr(b.data, "viewBox=\"0 0 185 185\"") != NULL,
       "185 modules with the quiet zone");

    b.failed = 1;
    errno = 0;
    ok(onestop_qr_png("x", 1, 4, &b) == -1 && errno == ENOMEM,
       "a failed buffer stays failed");
    b.failed = 0;

    free(t);
    onestop_buf_free(&b);
}


/* For valgrind: every allocation of both renderers and of libqrencode is
 * freed, on the good paths and the bad. */
static void
test_many(void)
{
    int            bad;
    char           text[128];
    size_t         i, n;
    onestop_buf_t  b;

    bad = 0;
    memset(&b, 0, sizeof(b));

    for (i = 0; i < 2000; i++) {
        n = (size_t) snprintf(text, sizeof(text),
                              "https://dichvucong.longan.gov.vn/q/"
                              "000.00.12.H36-%06zu.AbCdEfGhIjKlMnOp", i);
        b.len = 0;
        bad += onestop_qr_png(text, n, 1 + i % 8, &b) != 0;
        b.len = 0;
        bad += onestop_qr_svg(text, n, 1 + i % 8, &b) != 0;

        if (i % 100 == 0) {
            bad += onestop_qr_png(text, n, 0, &b) != -1;
        }
    }

    onestop_buf_free(&b);

    is_int(bad, 0, "2000 PNG and SVG renders");
}


int
main(void)
{
    have_zbar = have("zbarimg");
    have_rsvg = have("rsvg-convert");
    have_xmllint = have("xmllint");

    test_known_answer();
    test_round_trip();
    test_malformed();
    test_rotation();
    test_alphabet();
    test_keys_parse();
    test_png();
    test_svg();
    test_render_errors();
    test_many();

    return done_testing();
}
