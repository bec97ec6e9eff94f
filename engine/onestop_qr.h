/*
 * QR codes and the signed tokens they carry (SPEC section 6).
 *
 * A printed receipt's QR code links to /q/{token}; the token is the
 * dossier's code, a dot, and a 96-bit HMAC-SHA256 tag of the code in
 * unpadded base64url, so a link can be checked without storing it and
 * cannot be forged for another code.  Several keys may be loaded: the
 * first signs, all verify, so a key is rotated by putting the new one
 * first and dropping the old one once its receipts no longer matter.
 *
 * The renderers draw the symbol (libqrencode, error correction M, 8-bit
 * mode) with a quiet zone of 4 modules, as SVG or as 1-bit PNG.
 */

#ifndef ONESTOP_QR_H
#define ONESTOP_QR_H

#include <stddef.h>

#include "onestop_util.h"

#define ONESTOP_QR_SCALE_MAX    20      /* pixels per module */
#define ONESTOP_QR_QUIET        4       /* modules of white on each side */

#define ONESTOP_TOKEN_SIG_LEN   16      /* base64url of 12 bytes */
#define ONESTOP_QR_KEY_MAX      128     /* bytes: 256 hex digits */
#define ONESTOP_QR_KEY_MIN      32      /* bytes: 64 hex digits */

typedef struct {
    unsigned char  key[ONESTOP_QR_KEY_MAX];
    size_t         len;
} onestop_qr_key_t;


/*
 * Append to `out` the QR code of text[0..len) drawn with `scale` pixels
 * per module: an SVG document (UTF-8, no XML declaration) or a PNG image
 * (1-bit grayscale, dark modules black).  The SVG's viewBox counts
 * modules, its width and height pixels; the PNG is (modules + 8) * scale
 * pixels square, 3700 at most.
 *
 * Return 0, or -1 with errno set: EINVAL when scale is not 1..20 or the
 * text is empty, ERANGE when the text is longer than a version 40 symbol
 * holds at level M (2331 bytes), ENOMEM when memory runs out.  On -1,
 * out->len is what it was on entry unless out->failed is set, in which
 * case out's data is incomplete; either way out is still the caller's to
 * free with onestop_buf_free().  A buffer that has already failed on entry
 * makes both return -1 (ENOMEM).
 */
int onestop_qr_svg(const char *text, size_t len, unsigned scale,
    onestop_buf_t *out);
int onestop_qr_png(const char *text, size_t len, unsigned scale,
    onestop_buf_t *out);

/*
 * Write the token of code[0..len) under `key` into `out`: the code, ".",
 * and ONESTOP_TOKEN_SIG_LEN characters of signature; len + 17 bytes, no
 * NUL.  Return the length written, or 0 when libcrypto fails or the key
 * is longer than ONESTOP_QR_KEY_MAX (nothing useful is in out then).
 */
size_t onestop_token_sign(const onestop_qr_key_t *key, const char *code,
    size_t len, char *out);

/*
 * Check token[0..len) against keys[0..nkeys).  The token is split at its
 * last dot; the part before must be non-empty and the part after exactly
 * ONESTOP_TOKEN_SIG_LEN characters.  Return 1 when some key's signature
 * matches, with *code and *code_len set to the code inside `token`;
 * otherwise return 0 and set *code to NULL and *code_len to 0.  (Either
 * pointer may be NULL when the caller does not want it.)
 *
 * The time it takes depends on len and nkeys only: every key's HMAC is
 * computed and compared in constant time, whatever the token looks like,
 * so a wrong signature, a malformed token and an unknown key are not
 * told apart by timing.  token may be NULL when len is 0.
 */
int onestop_token_verify(const onestop_qr_key_t *keys, size_t nkeys,
    const char *token, size_t len, const char **code, size_t *code_len);

/*
 * The code of a receipt's token: 1 when token[0..len) verifies against
 * keys[0..nkeys) (as onestop_token_verify) and the code inside it follows
 * SPEC section 3, with *code and *code_len set; else 0.
 */
int onestop_token_code(const onestop_qr_key_t *keys, size_t nkeys,
    const char *token, size_t len, const char **code, size_t *code_len);

/*
 * Append to `out` the signed link of code[0..len): url[0..url_len), "/q/"
 * and the code's token under `key`.  0, or -1 when signing fails, key is
 * NULL (nothing is appended then) or out->failed is set.
 */
int onestop_token_link(const onestop_qr_key_t *key, const char *url,
    size_t url_len, const char *code, size_t len, onestop_buf_t *out);

/*
 * Parse the text of a key file: one key a line in hex digits (either
 * case), 64 to 256 of them (32 to 128 bytes), an even number.  Blank
 * lines, lines whose first non-blank character is '#', spaces, tabs and
 * a CR before the newline are ignored.  Return the number of keys (at
 * least 1) stored in keys[0..), in file order, or -1 with a message
 * written into err (NUL-terminated, truncated to errlen; err may be NULL):
 * "line N: ..." when a line is not such a key or is one more than `max`,
 * "no key: ..." when the text holds none.  On -1, keys[] may hold
 * key material from the file: the caller clears it if that matters.
 */
int onestop_qr_keys_parse(const char *text, size_t len,
    onestop_qr_key_t *keys, size_t max, char *err, size_t errlen);

/*
 * The keys of the key file at `path` (a small text file, 64 KiB at most,
 * parsed as onestop_qr_keys_parse): their number, or -1 with a message
 * that names the file in err.  The file's text is wiped from memory, and
 * keys[] too on -1.
 */
int onestop_qr_keys_load(const char *path, onestop_qr_key_t *keys,
    size_t max, char *err, size_t errlen);

#endif /* ONESTOP_QR_H */
