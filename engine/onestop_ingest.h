/*
 * The write API apart from HTTP (SPEC section 5): the keys file that says
 * who may write what, the resources a write names and the methods they
 * take, and what a write that succeeded answers.
 */

#ifndef ONESTOP_INGEST_H
#define ONESTOP_INGEST_H

#include <stddef.h>
#include <sys/types.h>

#include "onestop_json.h"
#include "onestop_store.h"
#include "onestop_util.h"

/* a key of the keys file: only the SHA-256 of the key itself is kept */
typedef struct {
    unsigned char       hash[32];
    onestop_scope_t     scope;
    onestop_str_t       name;           /* len 0: none */
} onestop_api_key_t;

typedef struct {
    onestop_api_key_t  *keys;           /* malloc'd */
    size_t              n;
    onestop_arena_t     arena;          /* the scopes' agencies, names */
} onestop_api_keys_t;

/*
 * The keys of text[0..len), one a line, "SHA256-HEX-OF-KEY SCOPE [NAME]":
 * 64 hex digits, SCOPE "*" (an administrator) or agency ids separated by
 * commas, the rest of the line the key's name.  Blank lines and lines
 * whose first non-blank character is '#' are skipped.  k must be zeroed
 * (or freed) first.  0, or -1 with "invalid line N in keys file \"file\":
 * ..." in err.  onestop_api_keys_free() frees k either way.
 */
int onestop_api_keys_parse(onestop_api_keys_t *k, const char *text,
    size_t len, const char *file, char *err, size_t errlen);

/* the same of the file at path (16 MiB at most) */
int onestop_api_keys_load(onestop_api_keys_t *k, const char *path,
    char *err, size_t errlen);
void onestop_api_keys_free(onestop_api_keys_t *k);

/*
 * The key an Authorization header's value auth[0..len) presents ("Bearer
 * KEY", the scheme in any case, blanks around the key): the matching one
 * of keys[0..n), or NULL.  Every key is compared whole, in constant time,
 * so that the time says nothing of which matched.
 */
const onestop_api_key_t *onestop_api_key_find(const onestop_api_key_t *keys,
    size_t n, const char *auth, size_t len);

/*
 * 1 when an Authorization header's value auth[0..len) presents a key
 * ("Bearer ...", whatever the key), 0 for any other scheme (an operator's
 * auth_basic in front, say): where a key is optional, one that is
 * presented and not found is refused rather than taken as none.
 */
int onestop_api_key_presented(const char *auth, size_t len);

/* issue 15: not a write but a read of the stored record (GET
 * dossiers/CODE) */
#define ONESTOP_INGEST_READ  100

/* a write's resource, the path after the location */
typedef struct {
    int             kind;               /* ONESTOP_W_DOSSIERS, _DELETE,
                                           _CATALOG, ONESTOP_INGEST_READ */
    onestop_str_t   code;               /* ONESTOP_W_DELETE, _INGEST_READ */
    const char     *allow;              /* a 405's Allow header */
} onestop_ingest_route_t;

/*
 * The resource of path[0..len) written with method[0..method_len) by a
 * key (admin: its scope is "*"): "dossiers" (POST), "dossiers/CODE"
 * (DELETE; GET or HEAD: ONESTOP_INGEST_READ), "catalog" (POST, an
 * administrator only).  0; or the status,
 * 404 (no such resource), 405 (another method: rt->allow), 400 (not a
 * code) or 403, with *message.
 */
int onestop_ingest_route(onestop_ingest_route_t *rt, const char *path,
    size_t len, const char *method, size_t method_len, int admin,
    const char **message);

/*
 * Feed the batch the bytes [pos, last) of the file fd (where a web server
 * left a large body), read a piece at a time: 0; 1 when the batch
 * refused them (onestop_batch_feed's -1: b->message says why); -1 when
 * the file could not be read.
 */
int onestop_ingest_feed_file(onestop_batch_t *b, int fd, off_t pos,
    off_t last);

/* the JSON a write of status 200 answers: {"accepted", "unchanged",
 * "stale"}, {"deleted": 1} or the catalog's {"agencies", "fields",
 * "procedures"} */
void onestop_ingest_answer(onestop_buf_t *b, const onestop_write_t *w);

#endif /* ONESTOP_INGEST_H */
