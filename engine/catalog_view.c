/*
 * The catalog as the public reads it (issue 15, `onestop_catalog`): the
 * agencies, fields and procedures of the read's catalog with the string
 * ids the writes use (`agency=`, `under=`, `field=`, `procedure=` of the
 * statistics), as JSON, or one table as CSV in either dialect.  Each
 * list is sorted by id.  Only reads the in-memory catalog.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_answer.h"
#include "onestop_csv.h"
#include "onestop_stats_int.h"


enum { T_AGENCIES = 0, T_FIELDS, T_PROCEDURES, T_ALL };

typedef struct {
    const onestop_str_t  *id;
    uint32_t              i;
} entry_t;


static int
entry_cmp(const void *a, const void *b)
{
    const onestop_str_t  *x = ((const entry_t *) a)->id;
    const onestop_str_t  *y = ((const entry_t *) b)->id;
    int                   c;

    c = memcmp(x->data, y->data, x->len < y->len ? x->len : y->len);

    return c ? c : (x->len > y->len) - (x->len < y->len);
}


/* the present entries of a table, sorted by id; NULL when out of memory
 * (n 0 and a non-NULL result for an empty table) */

static entry_t *
sorted(const onestop_catalog_t *cat, int table, size_t *n)
{
    uint32_t   i, count;
    entry_t   *e;

    count = table == T_AGENCIES ? cat->nagencies
            : table == T_FIELDS ? cat->nfields : cat->nprocedures;

    e = malloc((count + 1) * sizeof(entry_t));

    if (e == NULL) {
        return NULL;
    }

    *n = 0;

    for (i = 1; i <= count; i++) {
        if (table == T_AGENCIES && cat->agencies[i].present) {
            e[*n].id = &cat->agencies[i].id;
        } else if (table == T_FIELDS && cat->fields[i].present) {
            e[*n].id = &cat->fields[i].id;
        } else if (table == T_PROCEDURES && cat->procedures[i].present) {
            e[*n].id = &cat->procedures[i].id;
        } else {
            continue;
        }

        e[(*n)++].i = i;
    }

    qsort(e, *n, sizeof(entry_t), entry_cmp);

    return e;
}


static const char *const  table_names[] = { "agencies", "fields",
                                            "procedures" };


static void
json_table(yajl_gen g, const onestop_catalog_t *cat, int table,
    const entry_t *e, size_t n)
{
    size_t                      k;
    const onestop_agency_t     *a;
    const onestop_procedure_t  *p;

    onestop_gen_cstr(g, table_names[table]);
    yajl_gen_array_open(g);

    for (k = 0; k < n; k++) {
        yajl_gen_map_open(g);
        onestop_gen_cstr(g, "id");
        onestop_gen_str(g, e[k].id->data, e[k].id->len);

        if (table == T_AGENCIES) {
            a = &cat->agencies[e[k].i];
            onestop_gen_cstr(g, "name");
            onestop_gen_str(g, a->name.data, a->name.len);
            onestop_gen_cstr(g, "level");
            onestop_gen_cstr(g, onestop_level_name(a->level));
            onestop_gen_cstr(g, "parent");

            if (a->parent) {
                onestop_gen_str(g, cat->agencies[a->parent].id.data,
                                cat->agencies[a->parent].id.len);
            } else {
                yajl_gen_null(g);
            }

        } else if (table == T_FIELDS) {
            onestop_gen_cstr(g, "name");
            onestop_gen_str(g, cat->fields[e[k].i].name.data,
                            cat->fields[e[k].i].name.len);

        } else {
            p = &cat->procedures[e[k].i];
            onestop_gen_cstr(g, "name");
            onestop_gen_str(g, p->name.data, p->name.len);
            onestop_gen_cstr(g, "field");

            if (p->field) {
                onestop_gen_str(g, cat->fields[p->field].id.data,
                                cat->fields[p->field].id.len);
            } else {
                yajl_gen_null(g);
            }
        }

        yajl_gen_map_close(g);
    }

    yajl_gen_array_close(g);
}


static void
csv_table(const onestop_csv_t *d, onestop_buf_t *b,
    const onestop_catalog_t *cat, int table, const entry_t *e, size_t n)
{
    size_t                      k;
    const onestop_str_t        *s;
    const onestop_agency_t     *a;
    const onestop_procedure_t  *p;

    onestop_csv_bom(b);
    onestop_csv_heading(d, b, "id", 0);
    onestop_csv_heading(d, b, "name", table == T_FIELDS);

    if (table == T_AGENCIES) {
        onestop_csv_heading(d, b, "level", 0);
        onestop_csv_heading(d, b, "parent", 1);
    } else if (table == T_PROCEDURES) {
        onestop_csv_heading(d, b, "field", 1);
    }

    for (k = 0; k < n; k++) {
        onestop_csv_text(d, b, e[k].id->data, e[k].id->len, 0);

        if (table == T_AGENCIES) {
            a = &cat->agencies[e[k].i];
            onestop_csv_text(d, b, a->name.data, a->name.len, 0);
            onestop_csv_text(d, b, onestop_level_name(a->level),
                             strlen(onestop_level_name(a->level)), 0);
            s = a->parent ? &cat->agencies[a->parent].id : NULL;

        } else if (table == T_FIELDS) {
            onestop_csv_text(d, b, cat->fields[e[k].i].name.data,
                             cat->fields[e[k].i].name.len, 1);
            continue;

        } else {
            p = &cat->procedures[e[k].i];
            onestop_csv_text(d, b, p->name.data, p->name.len, 0);
            s = p->field ? &cat->fields[p->field].id : NULL;
        }

        if (s != NULL) {
            onestop_csv_text(d, b, s->data, s->len, 1);
        } else {
            onestop_csv_empty(d, b, 1);
        }
    }
}


int
onestop_catalog_answer(const onestop_catalog_t *cat,
    const onestop_arg_t *args, size_t nargs, onestop_buf_t *out,
    char *error, size_t size)
{
    int                   format, table, t, rc;
    size_t                n;
    entry_t              *e;
    yajl_gen              g;
    const onestop_arg_t  *ta;

    static const char *const  names[] = { "format", "locale", "table",
                                          NULL };

    if (onestop_args_once(args, nargs, names, error, size) != 0) {
        return -1;
    }

    format = onestop_csv_format(args, nargs, error, size);

    if (format < 0) {
        return -1;
    }

    ta = onestop_args_find(args, nargs, "table");
    table = T_ALL;

    if (ta != NULL) {
        for (t = 0; t < T_ALL; t++) {
            if (ta->value.len == strlen(table_names[t])
                && memcmp(ta->value.data, table_names[t], ta->value.len) == 0)
            {
                table = t;
            }
        }

        if (table == T_ALL) {
            snprintf(error, size,
                     "table must be agencies, fields or procedures");
            return -1;
        }
    }

    if (format == ONESTOP_FORMAT_JSON && table != T_ALL) {
        snprintf(error, size, "table needs format=csv");
        return -1;
    }

    if (format != ONESTOP_FORMAT_JSON && table == T_ALL) {
        snprintf(error, size,
                 "format=csv needs table=agencies, fields or procedures");
        return -1;
    }

    if (format != ONESTOP_FORMAT_JSON) {
        e = sorted(cat, table, &n);

        if (e == NULL) {
            return -2;
        }

        csv_table(onestop_csv_dialect(format), out, cat, table, e, n);
        free(e);

        return out->failed ? -2 : 0;
    }

    g = onestop_report_gen(out);

    if (g == NULL) {
        return -2;
    }

    rc = 0;
    yajl_gen_map_open(g);

    for (t = 0; t < T_ALL; t++) {
        e = sorted(cat, t, &n);

        if (e == NULL) {
            rc = -2;
            break;
        }

        json_table(g, cat, t, e, n);
        free(e);
    }

    yajl_gen_map_close(g);
    yajl_gen_free(g);
    onestop_buf_add(out, "\n", 1);

    return rc == 0 && !out->failed ? 0 : -2;
}
