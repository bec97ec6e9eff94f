/*
 * The catalog database: the catalog as stored, and its writes.
 *
 * String ids are interned once, from 1 in order of first appearance, and
 * never reused or removed, so that records carry integers.  A generation
 * number in meta changes with every catalog write that changes something:
 * each thread keeps its in-memory catalog (catalog.c) and rebuilds it only
 * when the generation it read is no longer the store's.  A catalog
 * document that breaks a rule of the agency tree (levels, parents that
 * cannot change, no circle) is refused whole: its nested transaction
 * (write.c) is aborted.
 *
 * A catalog write's puts are its change's bytes in the outbox and the log:
 * a follower makes the same puts (onestop_store_catalog_apply), so that
 * both catalogs hold the same bytes, interned ids included.
 *
 * Calls catalog.c (the in-memory catalog), outbox.c (the change entry)
 * and store.c (meta).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "onestop_store_int.h"


const onestop_catalog_t *
onestop_store_catalog(onestop_store_t *st)
{
    if (!st->reading) {
        return NULL;
    }

    if (onestop_store_catalog_load(st, st->rtxn, &st->rcat) != 0) {
        st->error = "the stored catalog could not be loaded: memory ran "
                    "out, or the store is damaged (restore it from a "
                    "backup)";
        return NULL;
    }

    return st->rcat;
}


static int
cat_next(MDB_txn *txn, MDB_dbi dbi, char type, uint32_t *n)
{
    int      rc;
    char     key[2];
    MDB_val  k, v;

    key[0] = ONESTOP_CAT_NEXT;
    key[1] = type;
    k.mv_data = key;
    k.mv_size = 2;
    rc = mdb_get(txn, dbi, &k, &v);

    if (rc == MDB_NOTFOUND) {
        *n = 0;
        return 0;
    }

    if (rc != 0 || v.mv_size != 4) {
        return -1;
    }

    memcpy(n, v.mv_data, 4);
    return 0;
}


static int
get_str16(const uint8_t **p, const uint8_t *end, onestop_str_t *s)
{
    size_t  n;

    if (end - *p < 2) {
        return -1;
    }

    n = (size_t) (*p)[0] | (size_t) (*p)[1] << 8;
    *p += 2;

    if ((size_t) (end - *p) < n) {
        return -1;
    }

    s->data = (const char *) *p;
    s->len = n;
    *p += n;
    return 0;
}


int
onestop_store_catalog_load(onestop_store_t *st, MDB_txn *txn,
    onestop_catalog_t **catp)
{
    int                 rc;
    uint8_t             level;
    uint32_t            na, nf, np, id, parent, field;
    uint64_t            gen;
    MDB_val             k, v;
    MDB_cursor         *cur;
    onestop_str_t       sid, name;
    const uint8_t      *p, *end, *key;
    onestop_catalog_t  *cat;

    if (onestop_meta_get_u64(txn, st->meta, ONESTOP_META_CATALOG_GEN, &gen)
        != 0)
    {
        return -1;
    }

    if (*catp != NULL && (*catp)->gen == gen) {
        return 0;
    }

    if (cat_next(txn, st->catalog, ONESTOP_CAT_AGENCY, &na) != 0
        || cat_next(txn, st->catalog, ONESTOP_CAT_FIELD, &nf) != 0
        || cat_next(txn, st->catalog, ONESTOP_CAT_PROCEDURE, &np) != 0)
    {
        return -1;
    }

    cat = onestop_catalog_create(na, nf, np);

    if (cat == NULL) {
        return -1;
    }

    cat->gen = gen;

    rc = mdb_cursor_open(txn, st->catalog, &cur);

    if (rc != 0) {
        onestop_catalog_destroy(cat);
        return -1;
    }

    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);

    for ( /* void */ ; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        key = k.mv_data;
        p = v.mv_data;
        end = p + v.mv_size;

        if (k.mv_size != 5) {
            continue;
        }

        id = get_be32(key + 1);

        switch (key[0]) {

        case ONESTOP_CAT_AGENCY:
            if (v.mv_size < 5) {
                goto corrupt;
            }

            level = p[0];
            memcpy(&parent, p + 1, 4);
            p += 5;

            if (get_str16(&p, end, &sid) != 0
                || get_str16(&p, end, &name) != 0
                || onestop_catalog_set_agency(cat, id, sid, name, level,
                                              parent) != 0)
            {
                goto corrupt;
            }
            break;

        case ONESTOP_CAT_FIELD:
            if (get_str16(&p, end, &sid) != 0
                || get_str16(&p, end, &name) != 0
                || onestop_catalog_set_field(cat, id, sid, name) != 0)
            {
                goto corrupt;
            }
            break;

        case ONESTOP_CAT_PROCEDURE:
            if (v.mv_size < 4) {
                goto corrupt;
            }

            memcpy(&field, p, 4);
            p += 4;

            if (get_str16(&p, end, &sid) != 0
                || get_str16(&p, end, &name) != 0
                || onestop_catalog_set_procedure(cat, id, sid, name, field)
                   != 0)
            {
                goto corrupt;
            }
            break;
        }
    }

    mdb_cursor_close(cur);

    if (rc != MDB_NOTFOUND || onestop_catalog_finish(cat) != 0) {
        onestop_catalog_destroy(cat);
        return -1;
    }

    onestop_catalog_destroy(*catp);
    *catp = cat;

    return 0;

corrupt:

    mdb_cursor_close(cur);
    onestop_catalog_destroy(cat);
    return -1;
}


/* catalog writes: each put is also kept, in order, as the change's bytes
 * (u8 key length, key, u16 value length, value) that a follower applies */

static int
cat_put_logged(onestop_store_t *st, MDB_txn *txn, MDB_val *k, MDB_val *v,
    onestop_buf_t *log)
{
    uint8_t  len[2];

    len[0] = (uint8_t) k->mv_size;
    onestop_buf_add(log, len, 1);
    onestop_buf_add(log, k->mv_data, k->mv_size);
    len[0] = (uint8_t) (v->mv_size & 0xff);
    len[1] = (uint8_t) (v->mv_size >> 8);
    onestop_buf_add(log, len, 2);
    onestop_buf_add(log, v->mv_data, v->mv_size);

    if (log->failed) {
        return ENOMEM;
    }

    return mdb_put(txn, st->catalog, k, v, 0);
}


typedef struct {
    char      type;
    uint32_t  id;
    uint8_t   key[5];
} cat_key_t;


static void
cat_key(cat_key_t *ck, char type, uint32_t id)
{
    ck->type = type;
    ck->id = id;
    ck->key[0] = (uint8_t) type;
    be32(ck->key + 1, id);
}


static int
cat_intern(onestop_store_t *st, MDB_txn *txn, char type, char idtype,
    onestop_str_t sid, uint32_t *id, int *created, onestop_buf_t *log)
{
    int      rc;
    char     key[1 + ONESTOP_CODE_MAX];
    char     nkey[2];
    uint32_t n;
    MDB_val  k, v;

    key[0] = idtype;
    memcpy(key + 1, sid.data, sid.len);
    k.mv_data = key;
    k.mv_size = 1 + sid.len;

    rc = mdb_get(txn, st->catalog, &k, &v);

    if (rc == 0 && v.mv_size == 4) {
        memcpy(id, v.mv_data, 4);
        *created = 0;
        return 0;
    }

    if (rc != MDB_NOTFOUND) {
        return rc ? rc : MDB_CORRUPTED;
    }

    if (cat_next(txn, st->catalog, type, &n) != 0) {
        return MDB_CORRUPTED;
    }

    n++;

    nkey[0] = ONESTOP_CAT_NEXT;
    nkey[1] = type;
    k.mv_data = key;
    k.mv_size = 1 + sid.len;
    v.mv_data = &n;
    v.mv_size = 4;

    if ((rc = cat_put_logged(st, txn, &k, &v, log)) != 0) {
        return rc;
    }

    k.mv_data = nkey;
    k.mv_size = 2;

    if ((rc = cat_put_logged(st, txn, &k, &v, log)) != 0) {
        return rc;
    }

    *id = n;
    *created = 1;
    return 0;
}


static int
cat_put(onestop_store_t *st, MDB_txn *txn, char type, uint32_t id,
    const uint8_t *head, size_t headlen, onestop_str_t sid,
    onestop_str_t name, size_t *written, onestop_buf_t *log)
{
    uint8_t    buf[16 + 2 * (ONESTOP_NAME_MAX + 2)];
    uint8_t   *p;
    MDB_val    k, v, old;
    cat_key_t  ck;

    cat_key(&ck, type, id);
    k.mv_data = ck.key;
    k.mv_size = 5;

    p = buf;
    memcpy(p, head, headlen);
    p += headlen;
    *p++ = (uint8_t) (sid.len & 0xff);
    *p++ = (uint8_t) (sid.len >> 8);
    memcpy(p, sid.data, sid.len);
    p += sid.len;
    *p++ = (uint8_t) (name.len & 0xff);
    *p++ = (uint8_t) (name.len >> 8);
    memcpy(p, name.data, name.len);
    p += name.len;

    v.mv_data = buf;
    v.mv_size = (size_t) (p - buf);

    if (mdb_get(txn, st->catalog, &k, &old) == 0 && old.mv_size == v.mv_size
        && memcmp(old.mv_data, buf, v.mv_size) == 0)
    {
        return 0;
    }

    (*written)++;
    return cat_put_logged(st, txn, &k, &v, log);
}


int
onestop_store_catalog_write(onestop_store_t *st, MDB_txn *txn,
    onestop_write_t *w, onestop_chain_t *c)
{
    int                        rc, created, *plevel;
    size_t                     i, j;
    uint8_t                    head[5];
    uint32_t                   id, parent, field, hops, *ids, *pids, *up;
    onestop_catalog_doc_t     *doc;
    onestop_cat_agency_in_t   *a;
    onestop_cat_entry_in_t    *e;
    const onestop_catalog_t   *cat;
    const onestop_agency_t    *old, *pa;
    onestop_buf_t              log;
    uint64_t                   gen;

    doc = w->doc;
    cat = st->wcat;

    if (w->scope != NULL && !w->scope->all) {
        w->status = 403;
        w->error_code = "forbidden";
        snprintf(w->message, sizeof(w->message),
                 "only an administrator's key may write the catalog");
        return 0;
    }

    memset(&log, 0, sizeof(onestop_buf_t));
    gen = 0;
    onestop_buf_add(&log, &gen, 8);        /* the generation, at the end */

#define CAT_FAIL(...)                                                        \
    do {                                                                     \
        w->status = 422;                                                     \
        w->error_code = "invalid";                                           \
        snprintf(w->message, sizeof(w->message), __VA_ARGS__);               \
        rc = 0;                                                              \
        goto done;                                                           \
    } while (0)

    ids = calloc(doc->nagencies + 1, sizeof(uint32_t));
    pids = calloc(doc->nagencies + 1, sizeof(uint32_t));
    plevel = calloc(doc->nagencies + 1, sizeof(int));
    up = calloc(doc->nagencies + 1, sizeof(uint32_t));
    rc = ENOMEM;

    if (ids == NULL || pids == NULL || plevel == NULL || up == NULL) {
        goto done;
    }

    /* fields */

    for (i = 0; i < doc->nfields; i++) {
        e = &doc->fields[i];

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_FIELD, ONESTOP_CAT_FIELD_ID,
                             e->id, &id, &created, &log)) != 0
            || (rc = cat_put(st, txn, ONESTOP_CAT_FIELD, id, head, 0, e->id,
                             e->name, &w->fields, &log)) != 0)
        {
            goto done;
        }
    }

    /* agencies: check the tree first, then write */

    for (i = 0; i < doc->nagencies; i++) {
        a = &doc->agencies[i];

        if (a->id.len == 8 && memcmp(a->id.data, "province", 8) == 0) {
            CAT_FAIL("agencies[%zu]: the id \"province\" is reserved", i);
        }

        id = onestop_catalog_agency(cat, a->id.data, a->id.len);
        old = id ? &cat->agencies[id] : NULL;

        parent = 0;
        plevel[i] = 0;

        if (a->parent.len) {
            parent = onestop_catalog_agency(cat, a->parent.data,
                                            a->parent.len);
            plevel[i] = parent ? cat->agencies[parent].level : 0;

            for (j = 0; j < doc->nagencies; j++) {
                if (doc->agencies[j].id.len == a->parent.len
                    && memcmp(doc->agencies[j].id.data, a->parent.data,
                              a->parent.len) == 0)
                {
                    plevel[i] = doc->agencies[j].level;
                    up[i] = j + 1;
                    break;
                }
            }

            if (plevel[i] == 0) {
                CAT_FAIL("agencies[%zu]: parent \"%.*s\" is not in the "
                         "catalog", i, (int) a->parent.len, a->parent.data);
            }

            if (a->parent.len == a->id.len
                && memcmp(a->parent.data, a->id.data, a->id.len) == 0)
            {
                CAT_FAIL("agencies[%zu]: an agency cannot be its own parent",
                         i);
            }
        }

        if (a->level == ONESTOP_LEVEL_COMMUNE
            && plevel[i] != ONESTOP_LEVEL_DISTRICT)
        {
            CAT_FAIL("agencies[%zu]: a commune's parent must be a district",
                     i);
        }

        if (a->level == ONESTOP_LEVEL_DISTRICT && plevel[i] != 0) {
            CAT_FAIL("agencies[%zu]: a district has no parent", i);
        }

        if (a->level == ONESTOP_LEVEL_PROVINCE && plevel[i] != 0
            && plevel[i] != ONESTOP_LEVEL_PROVINCE)
        {
            CAT_FAIL("agencies[%zu]: a department's parent must be a "
                     "department", i);
        }

        if (old != NULL) {
            pa = old->parent ? &cat->agencies[old->parent] : NULL;

            if (old->level != a->level
                || (pa == NULL) != (a->parent.len == 0)
                || (pa != NULL && (pa->id.len != a->parent.len
                                   || memcmp(pa->id.data, a->parent.data,
                                             a->parent.len) != 0)))
            {
                CAT_FAIL("agencies[%zu]: the level and parent of \"%.*s\" "
                         "cannot change", i, (int) a->id.len, a->id.data);
            }
        }
    }

    /* a department's parent is a department: no chain of them may come
     * back to where it started (the stored tree has none, and a stored
     * agency's parent cannot change, so only this document's can) */

    for (i = 0; i < doc->nagencies; i++) {
        for (j = up[i], hops = 0; j != 0 && hops <= doc->nagencies;
             j = up[j - 1], hops++)
        {
            /* void */
        }

        if (j != 0) {
            a = &doc->agencies[i];
            CAT_FAIL("agencies[%zu]: \"%.*s\" would be its own ancestor "
                     "(its parents go round in a circle)", i,
                     (int) a->id.len, a->id.data);
        }
    }

    for (i = 0; i < doc->nagencies; i++) {
        a = &doc->agencies[i];

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_AGENCY,
                             ONESTOP_CAT_AGENCY_ID, a->id, &ids[i], &created,
                             &log))
            != 0)
        {
            goto done;
        }
    }

    for (i = 0; i < doc->nagencies; i++) {
        a = &doc->agencies[i];
        parent = 0;

        if (a->parent.len) {
            if ((rc = cat_intern(st, txn, ONESTOP_CAT_AGENCY,
                                 ONESTOP_CAT_AGENCY_ID, a->parent, &parent,
                                 &created, &log)) != 0)
            {
                goto done;
            }
        }

        head[0] = (uint8_t) a->level;
        memcpy(head + 1, &parent, 4);

        if ((rc = cat_put(st, txn, ONESTOP_CAT_AGENCY, ids[i], head, 5, a->id,
                          a->name, &w->agencies, &log)) != 0)
        {
            goto done;
        }
    }

    /* procedures */

    for (i = 0; i < doc->nprocedures; i++) {
        e = &doc->procedures[i];

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_FIELD, ONESTOP_CAT_FIELD_ID,
                             e->field, &field, &created, &log)) != 0)
        {
            goto done;
        }

        if (created) {
            /* a field neither in the catalog nor in this document */
            CAT_FAIL("procedures[%zu]: field \"%.*s\" is not in the catalog",
                     i, (int) e->field.len, e->field.data);
        }

        id = onestop_catalog_procedure(cat, e->id.data, e->id.len);

        if (id && cat->procedures[id].field
            && cat->procedures[id].field != field)
        {
            CAT_FAIL("procedures[%zu]: the field of \"%.*s\" cannot change",
                     i, (int) e->id.len, e->id.data);
        }

        if ((rc = cat_intern(st, txn, ONESTOP_CAT_PROCEDURE,
                             ONESTOP_CAT_PROCEDURE_ID, e->id, &id, &created,
                             &log))
            != 0)
        {
            goto done;
        }

        memcpy(head, &field, 4);

        if ((rc = cat_put(st, txn, ONESTOP_CAT_PROCEDURE, id, head, 4, e->id,
                          e->name, &w->procedures, &log)) != 0)
        {
            goto done;
        }
    }

    if (w->agencies + w->fields + w->procedures) {
        if ((rc = onestop_meta_get_u64(txn, st->meta,
                                       ONESTOP_META_CATALOG_GEN, &gen)) != 0)
        {
            goto done;
        }

        gen++;

        if (log.failed) {
            rc = ENOMEM;
            goto done;
        }

        memcpy(log.data, &gen, 8);

        if ((rc = onestop_meta_put(txn, st->meta, ONESTOP_META_CATALOG_GEN,
                                   &gen, 8)) != 0
            || (rc = onestop_outbox_append(st, txn, c,
                                           ONESTOP_CHANGE_CATALOG, 0, gen,
                                           NULL, 0, (uint8_t *) log.data,
                                           log.len)) != 0)
        {
            goto done;
        }
    }

    w->status = 200;
    rc = 0;

done:

#undef CAT_FAIL

    free(ids);
    free(pids);
    free(plevel);
    free(up);
    onestop_buf_free(&log);

    return rc;
}


int
onestop_store_catalog_apply(onestop_store_t *st, MDB_txn *txn,
    onestop_chain_t *c, const uint8_t *body, size_t len)
{
    int             rc;
    size_t          klen, vlen;
    uint64_t        gen;
    MDB_val         k, v;
    const uint8_t  *p, *end;

    if (len < 8) {
        return MDB_CORRUPTED;
    }

    memcpy(&gen, body, 8);
    p = body + 8;
    end = body + len;

    /* every put checked before the first is made */

    while (p < end) {
        klen = p[0];

        if (klen == 0 || (size_t) (end - p) < 1 + klen + 2) {
            return MDB_CORRUPTED;
        }

        vlen = (size_t) p[1 + klen] | (size_t) p[2 + klen] << 8;

        if ((size_t) (end - p) < 3 + klen + vlen) {
            return MDB_CORRUPTED;
        }

        p += 3 + klen + vlen;
    }

    for (p = body + 8; p < end; p += 3 + k.mv_size + v.mv_size) {
        k.mv_size = p[0];
        k.mv_data = (void *) (p + 1);
        v.mv_size = (size_t) p[1 + k.mv_size] | (size_t) p[2 + k.mv_size] << 8;
        v.mv_data = (void *) (p + 3 + k.mv_size);

        if ((rc = mdb_put(txn, st->catalog, &k, &v, 0)) != 0) {
            return rc;
        }
    }

    if ((rc = onestop_meta_put(txn, st->meta, ONESTOP_META_CATALOG_GEN, &gen,
                               8)) != 0)
    {
        return rc;
    }

    return onestop_outbox_append(st, txn, c, ONESTOP_CHANGE_CATALOG, 0, gen,
                                 NULL, 0, body, len);
}
