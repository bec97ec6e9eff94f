/*
 * What a store directory holds, found without changing a byte of it: no
 * directory, an empty one, an onestop store (its schema version, UTC
 * offset, map size and creation time), or something else that must not
 * be taken for one.  For the commands that create, upgrade or restore a
 * store (onestop init, migrate, restore), and for whatever must only look
 * (nginx -t).
 */

#ifndef ONESTOP_PROBE_H
#define ONESTOP_PROBE_H

#include <stddef.h>
#include <stdint.h>

enum {
    ONESTOP_PROBE_MISSING = 0,   /* no such directory */
    ONESTOP_PROBE_EMPTY,         /* a directory without a data.mdb, or
                                    with an empty one */
    ONESTOP_PROBE_STORE,         /* an onestop store */
    ONESTOP_PROBE_FOREIGN,       /* a data.mdb that is not an onestop
                                    store: another program's LMDB
                                    environment, or not LMDB at all */
    ONESTOP_PROBE_ERROR          /* could not tell: see message */
};

typedef struct {
    int        state;            /* ONESTOP_PROBE_* */
    int        others;           /* the directory holds files other than
                                    data.mdb and lock.mdb */
    uint32_t   schema;           /* a store's schema version */
    int32_t    offset;           /* its UTC offset, in seconds */
    int64_t    created;          /* its creation time (0: not recorded) */
    uint64_t   map_size;         /* the map it reserves, in bytes */
    uint64_t   used;             /* the size of its data.mdb */
    int        cut;              /* ERROR: its data.mdb is cut short, a
                                    store that only a restore mends */
    char       message[256];     /* for FOREIGN and ERROR: why */
} onestop_probe_t;

/*
 * Looks at directory `dir` and fills *p.  Reads data.mdb with LMDB's
 * read-only, lock-free mode: no file is created or written, not even
 * lock.mdb, so it may look at a store that a running nginx serves (what
 * it reads is then a snapshot, good enough for these facts) and at a
 * directory it must leave exactly as it was.  Returns p->state.
 */
int onestop_store_probe(const char *dir, onestop_probe_t *p);

/*
 * Either is ONESTOP_PROBE_ERROR with p->cut set when data.mdb ends before
 * a page in use (onestop_store_whole).  The same for a backup's copy
 * (restore's source), with the message for a copy.
 */
int onestop_store_probe_copy(const char *dir, onestop_probe_t *p);

/*
 * The pid of a process that has the LMDB environment in `dir` open (it
 * holds a lock on lock.mdb for as long as it does), 0 when none has, or
 * -1 when that cannot be told (errno set).  Never creates lock.mdb.
 */
long onestop_store_user(const char *dir);

#endif /* ONESTOP_PROBE_H */
