/*
 * The catalog: agencies (a tree of departments, districts and their
 * communes), fields and procedures.  String ids are interned to small
 * integers when first written and never change, so records and counters
 * carry the integers; this is the in-memory view a process loads from the
 * store, with the lookups the rules need (by id, an agency's ancestors,
 * the root of its tree).
 */

#ifndef ONESTOP_CATALOG_H
#define ONESTOP_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_record.h"
#include "onestop_util.h"

/* ref: the entry as the lookup shows it, {"id":...,"name":...} in JSON,
 * rendered once when the entry is set rather than on every lookup */

typedef struct {
    onestop_str_t   id;
    onestop_str_t   name;
    onestop_str_t   ref;
    uint32_t        parent;         /* 0: a root */
    uint32_t        top;            /* the root of its tree (itself if a root) */
    uint8_t         level;          /* ONESTOP_LEVEL_* */
    uint8_t         present;
} onestop_agency_t;

typedef struct {
    onestop_str_t   id;
    onestop_str_t   name;
    onestop_str_t   ref;
    uint8_t         present;
} onestop_field_t;

typedef struct {
    onestop_str_t   id;
    onestop_str_t   name;
    onestop_str_t   ref;
    uint32_t        field;
    uint8_t         present;
} onestop_procedure_t;

typedef struct {
    uint32_t       *slots;          /* open addressing: interned ids */
    uint32_t        mask;
} onestop_idmap_t;

typedef struct {
    uint64_t              gen;
    onestop_agency_t     *agencies;       /* [1 .. nagencies] */
    uint32_t              nagencies;
    onestop_field_t      *fields;
    uint32_t              nfields;
    onestop_procedure_t  *procedures;
    uint32_t              nprocedures;
    onestop_idmap_t       agency_map;
    onestop_idmap_t       field_map;
    onestop_idmap_t       procedure_map;
    onestop_arena_t       arena;
} onestop_catalog_t;

/* An empty catalog sized for the given largest ids, or NULL. */
onestop_catalog_t *onestop_catalog_create(uint32_t nagencies,
    uint32_t nfields, uint32_t nprocedures);
void onestop_catalog_destroy(onestop_catalog_t *cat);

/* Fill entry `id` (1..n given at creation); strings are copied. 0 or -1. */
int onestop_catalog_set_agency(onestop_catalog_t *cat, uint32_t id,
    onestop_str_t sid, onestop_str_t name, uint8_t level, uint32_t parent);
int onestop_catalog_set_field(onestop_catalog_t *cat, uint32_t id,
    onestop_str_t sid, onestop_str_t name);
int onestop_catalog_set_procedure(onestop_catalog_t *cat, uint32_t id,
    onestop_str_t sid, onestop_str_t name, uint32_t field);

/* After the last set: compute roots and build the id maps.  0 or -1. */
int onestop_catalog_finish(onestop_catalog_t *cat);

/* Interned id of a string id, or 0 when unknown. */
/* the agency a dossier code's first part names, in any case; 0: none */
uint32_t onestop_catalog_code_agency(const onestop_catalog_t *cat,
    const char *code, size_t len);
uint32_t onestop_catalog_agency(const onestop_catalog_t *cat,
    const char *s, size_t len);
uint32_t onestop_catalog_field(const onestop_catalog_t *cat,
    const char *s, size_t len);
uint32_t onestop_catalog_procedure(const onestop_catalog_t *cat,
    const char *s, size_t len);

/* What a record names, each NULL when the catalog has no such entry (the
 * field is the procedure's). */
typedef struct {
    const onestop_agency_t     *agency;
    const onestop_procedure_t  *procedure;
    const onestop_field_t      *field;
} onestop_refs_t;

void onestop_catalog_refs(const onestop_catalog_t *cat,
    const onestop_record_t *r, onestop_refs_t *refs);

/* 1 when `agency` is `ancestor` or lies below it. */
int onestop_catalog_under(const onestop_catalog_t *cat, uint32_t agency,
    uint32_t ancestor);

const char *onestop_level_name(unsigned level);
int onestop_level_parse(const char *s, size_t len);

#endif /* ONESTOP_CATALOG_H */
