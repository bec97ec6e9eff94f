/*
 * The catalog in memory: dense arrays indexed by interned id, and for each
 * kind an open-addressing table from the string id to the interned one.
 * A process builds it once per catalog generation and reads it without
 * locks.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_catalog.h"


static int idmap_build(onestop_idmap_t *m, uint32_t n,
    const onestop_str_t *(*key)(const onestop_catalog_t *, uint32_t),
    const onestop_catalog_t *cat);
static uint32_t idmap_find(const onestop_idmap_t *m, const char *s,
    size_t len, const onestop_str_t *(*key)(const onestop_catalog_t *,
    uint32_t), const onestop_catalog_t *cat);
static const onestop_str_t *agency_key(const onestop_catalog_t *cat,
    uint32_t id);
static const onestop_str_t *field_key(const onestop_catalog_t *cat,
    uint32_t id);
static const onestop_str_t *procedure_key(const onestop_catalog_t *cat,
    uint32_t id);
static int copy_str(onestop_catalog_t *cat, onestop_str_t *dst,
    onestop_str_t src);


onestop_catalog_t *
onestop_catalog_create(uint32_t nagencies, uint32_t nfields,
    uint32_t nprocedures)
{
    onestop_catalog_t  *cat;

    cat = calloc(1, sizeof(onestop_catalog_t));

    if (cat == NULL) {
        return NULL;
    }

    cat->nagencies = nagencies;
    cat->nfields = nfields;
    cat->nprocedures = nprocedures;
    cat->agencies = calloc(nagencies + 1, sizeof(onestop_agency_t));
    cat->fields = calloc(nfields + 1, sizeof(onestop_field_t));
    cat->procedures = calloc(nprocedures + 1, sizeof(onestop_procedure_t));

    if (cat->agencies == NULL || cat->fields == NULL
        || cat->procedures == NULL)
    {
        onestop_catalog_destroy(cat);
        return NULL;
    }

    return cat;
}


void
onestop_catalog_destroy(onestop_catalog_t *cat)
{
    if (cat == NULL) {
        return;
    }

    free(cat->agencies);
    free(cat->fields);
    free(cat->procedures);
    free(cat->agency_map.slots);
    free(cat->field_map.slots);
    free(cat->procedure_map.slots);
    onestop_arena_free(&cat->arena);
    free(cat);
}


static int
copy_str(onestop_catalog_t *cat, onestop_str_t *dst, onestop_str_t src)
{
    char  *p;

    p = onestop_arena_strdup(&cat->arena, src.data, src.len);

    if (p == NULL) {
        return -1;
    }

    dst->data = p;
    dst->len = src.len;
    return 0;
}


/* {"id":sid,"name":name}: the entry as the lookup and the published
 * questions show it (onestop_json_ref, json.c) */
static int
copy_ref(onestop_catalog_t *cat, onestop_str_t *dst, onestop_str_t sid,
    onestop_str_t name)
{
    int            rc;
    onestop_buf_t  b;

    memset(&b, 0, sizeof(onestop_buf_t));
    onestop_buf_lit(&b, "{\"id\":");
    onestop_json_str(&b, sid.data, sid.len);
    onestop_buf_lit(&b, ",\"name\":");
    onestop_json_str(&b, name.data, name.len);
    onestop_buf_lit(&b, "}");

    rc = b.failed ? -1
         : copy_str(cat, dst, (onestop_str_t) { b.data, b.len });

    onestop_buf_free(&b);
    return rc;
}


int
onestop_catalog_set_agency(onestop_catalog_t *cat, uint32_t id,
    onestop_str_t sid, onestop_str_t name, uint8_t level, uint32_t parent)
{
    onestop_agency_t  *a;

    if (id == 0 || id > cat->nagencies) {
        return -1;
    }

    a = &cat->agencies[id];

    if (copy_str(cat, &a->id, sid) != 0 || copy_str(cat, &a->name, name) != 0
        || copy_ref(cat, &a->ref, sid, name) != 0)
    {
        return -1;
    }

    a->level = level;
    a->parent = parent <= cat->nagencies ? parent : 0;
    a->present = 1;

    return 0;
}


int
onestop_catalog_set_field(onestop_catalog_t *cat, uint32_t id,
    onestop_str_t sid, onestop_str_t name)
{
    onestop_field_t  *f;

    if (id == 0 || id > cat->nfields) {
        return -1;
    }

    f = &cat->fields[id];

    if (copy_str(cat, &f->id, sid) != 0 || copy_str(cat, &f->name, name) != 0
        || copy_ref(cat, &f->ref, sid, name) != 0)
    {
        return -1;
    }

    f->present = 1;
    return 0;
}


int
onestop_catalog_set_procedure(onestop_catalog_t *cat, uint32_t id,
    onestop_str_t sid, onestop_str_t name, uint32_t field)
{
    onestop_procedure_t  *p;

    if (id == 0 || id > cat->nprocedures) {
        return -1;
    }

    p = &cat->procedures[id];

    if (copy_str(cat, &p->id, sid) != 0 || copy_str(cat, &p->name, name) != 0
        || copy_ref(cat, &p->ref, sid, name) != 0)
    {
        return -1;
    }

    p->field = field <= cat->nfields ? field : 0;
    p->present = 1;
    return 0;
}


static const onestop_str_t *
agency_key(const onestop_catalog_t *cat, uint32_t id)
{
    return &cat->agencies[id].id;
}


static const onestop_str_t *
field_key(const onestop_catalog_t *cat, uint32_t id)
{
    return &cat->fields[id].id;
}


static const onestop_str_t *
procedure_key(const onestop_catalog_t *cat, uint32_t id)
{
    return &cat->procedures[id].id;
}


static int
idmap_build(onestop_idmap_t *m, uint32_t n,
    const onestop_str_t *(*key)(const onestop_catalog_t *, uint32_t),
    const onestop_catalog_t *cat)
{
    uint32_t             size, id, h;
    const onestop_str_t  *k;

    size = 16;

    while (size < n * 2 + 2) {
        size *= 2;
    }

    m->slots = calloc(size, sizeof(uint32_t));

    if (m->slots == NULL) {
        return -1;
    }

    m->mask = size - 1;

    for (id = 1; id <= n; id++) {
        k = key(cat, id);

        if (k->data == NULL) {
            continue;
        }

        h = onestop_hash(k->data, k->len) & m->mask;

        while (m->slots[h] != 0) {
            h = (h + 1) & m->mask;
        }

        m->slots[h] = id;
    }

    return 0;
}


static uint32_t
idmap_find(const onestop_idmap_t *m, const char *s, size_t len,
    const onestop_str_t *(*key)(const onestop_catalog_t *, uint32_t),
    const onestop_catalog_t *cat)
{
    uint32_t             h, id;
    const onestop_str_t  *k;

    if (m->slots == NULL) {
        return 0;
    }

    h = onestop_hash(s, len) & m->mask;

    while ((id = m->slots[h]) != 0) {
        k = key(cat, id);

        if (k->len == len && memcmp(k->data, s, len) == 0) {
            return id;
        }

        h = (h + 1) & m->mask;
    }

    return 0;
}


int
onestop_catalog_finish(onestop_catalog_t *cat)
{
    uint32_t  id, top, hops;

    for (id = 1; id <= cat->nagencies; id++) {
        top = id;

        for (hops = 0; cat->agencies[top].parent != 0
                       && hops < cat->nagencies; hops++)
        {
            top = cat->agencies[top].parent;
        }

        cat->agencies[id].top = top;
    }

    if (idmap_build(&cat->agency_map, cat->nagencies, agency_key, cat) != 0
        || idmap_build(&cat->field_map, cat->nfields, field_key, cat) != 0
        || idmap_build(&cat->procedure_map, cat->nprocedures, procedure_key,
                       cat) != 0)
    {
        return -1;
    }

    return 0;
}


uint32_t
onestop_catalog_agency(const onestop_catalog_t *cat, const char *s,
    size_t len)
{
    return idmap_find(&cat->agency_map, s, len, agency_key, cat);
}


/*
 * The agency a dossier code's first part names: the part before its first
 * '-' (the whole code without one), as Decision 30 builds codes from the
 * receiving agency's id (000.00.12.H36-190709-0001); 0 when it names none.
 * In any case: a lookup not found as typed is tried in upper case, so a
 * code of another agency's format in lower case would take what its
 * citizens type (write.c's rule on new codes).
 */

uint32_t
onestop_catalog_code_agency(const onestop_catalog_t *cat, const char *code,
    size_t len)
{
    char         up[ONESTOP_CODE_MAX];
    uint32_t     id;
    const char  *dash;

    dash = memchr(code, '-', len);
    len = dash != NULL ? (size_t) (dash - code) : len;

    id = onestop_catalog_agency(cat, code, len);

    return id != 0 || !onestop_code_upper(up, code, len)
           ? id : onestop_catalog_agency(cat, up, len);
}


uint32_t
onestop_catalog_field(const onestop_catalog_t *cat, const char *s,
    size_t len)
{
    return idmap_find(&cat->field_map, s, len, field_key, cat);
}


uint32_t
onestop_catalog_procedure(const onestop_catalog_t *cat, const char *s,
    size_t len)
{
    return idmap_find(&cat->procedure_map, s, len, procedure_key, cat);
}


void
onestop_catalog_refs(const onestop_catalog_t *cat, const onestop_record_t *r,
    onestop_refs_t *refs)
{
    const onestop_procedure_t  *pr;

    refs->agency = r->agency_id && r->agency_id <= cat->nagencies
                   && cat->agencies[r->agency_id].present
                   ? &cat->agencies[r->agency_id] : NULL;

    pr = r->procedure_id && r->procedure_id <= cat->nprocedures
         && cat->procedures[r->procedure_id].present
         ? &cat->procedures[r->procedure_id] : NULL;
    refs->procedure = pr;

    refs->field = pr != NULL && pr->field && pr->field <= cat->nfields
                  && cat->fields[pr->field].present
                  ? &cat->fields[pr->field] : NULL;
}


int
onestop_catalog_under(const onestop_catalog_t *cat, uint32_t agency,
    uint32_t ancestor)
{
    uint32_t  hops;

    for (hops = 0; agency != 0 && hops <= cat->nagencies; hops++) {
        if (agency == ancestor) {
            return 1;
        }

        agency = agency <= cat->nagencies ? cat->agencies[agency].parent : 0;
    }

    return 0;
}


const char *
onestop_level_name(unsigned level)
{
    switch (level) {
    case ONESTOP_LEVEL_PROVINCE:
        return "province";
    case ONESTOP_LEVEL_DISTRICT:
        return "district";
    case ONESTOP_LEVEL_COMMUNE:
        return "commune";
    default:
        return "unknown";
    }
}


int
onestop_level_parse(const char *s, size_t len)
{
    unsigned  l;

    for (l = ONESTOP_LEVEL_PROVINCE; l <= ONESTOP_LEVEL_COMMUNE; l++) {
        if (strlen(onestop_level_name(l)) == len
            && memcmp(onestop_level_name(l), s, len) == 0)
        {
            return (int) l;
        }
    }

    return -1;
}
