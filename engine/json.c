/*
 * JSON documents read whole, and the public answers written.
 *
 * A catalog document is small and comes at once: its text is checked
 * whole (UTF-8, surrogates, NUL), read into yajl's tree and checked entry
 * by entry (400 when it is not an object, 422 naming the entry at
 * fault).  The error object is written with yajl_gen, which escapes every
 * string; the busiest answer, a dossier's lookup object, straight into a
 * buffer with the same bytes.
 *
 * Calls batch.c (the surrogate scanner) and the files below it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "onestop_batch_int.h"
#include "onestop_history.h"
#include "onestop_number.h"


/* catalog documents */

#define CATALOG_DEPTH_MAX  32

/*
 * Whether the text nests arrays and objects deeper than a catalog needs:
 * yajl's tree is built and freed by recursion, so a few hundred thousand
 * levels would overflow the stack of the worker that parses them.
 */

static int
too_deep(const char *text, size_t len)
{
    size_t  i, depth;
    int     in_str;

    depth = 0;
    in_str = 0;

    for (i = 0; i < len; i++) {
        if (in_str) {
            if (text[i] == '\\') {
                i++;                    /* the escaped byte is text */

            } else if (text[i] == '"') {
                in_str = 0;
            }

        } else if (text[i] == '"') {
            in_str = 1;

        } else if (text[i] == '[' || text[i] == '{') {
            if (++depth > CATALOG_DEPTH_MAX) {
                return 1;
            }

        } else if ((text[i] == ']' || text[i] == '}') && depth > 0) {
            depth--;
        }
    }

    return 0;
}


static int
tree_str(yajl_val v, const char *member, onestop_str_t *out, int required,
    onestop_arena_t *arena)
{
    const char  *path[2];
    yajl_val     s;
    size_t       len;

    path[0] = member;
    path[1] = NULL;
    s = yajl_tree_get(v, path, yajl_t_any);

    if (s == NULL || YAJL_IS_NULL(s)) {
        out->data = NULL;
        out->len = 0;
        return required ? -1 : 0;
    }

    if (!YAJL_IS_STRING(s)) {
        return -1;
    }

    len = strlen(s->u.string);

    if ((required && len == 0) || len > ONESTOP_NAME_MAX) {
        return -1;
    }

    out->data = onestop_arena_strdup(arena, s->u.string, len);
    out->len = len;

    return out->data == NULL ? -1 : 0;
}


static yajl_val
tree_array(yajl_val doc, const char *member, int *bad)
{
    const char  *path[2];
    yajl_val     a;

    path[0] = member;
    path[1] = NULL;
    a = yajl_tree_get(doc, path, yajl_t_any);

    if (a != NULL && !YAJL_IS_NULL(a) && !YAJL_IS_ARRAY(a)) {
        *bad = 1;
    }

    return (a != NULL && YAJL_IS_ARRAY(a)) ? a : NULL;
}


/* an id of one list of the document, where it stands */

typedef struct {
    const onestop_str_t  *id;
    size_t                i;
} doc_id_t;


static int
doc_id_cmp(const void *a, const void *b)
{
    const doc_id_t  *x = a, *y = b;
    size_t           n;
    int              c;

    n = x->id->len < y->id->len ? x->id->len : y->id->len;
    c = memcmp(x->id->data, y->id->data, n);

    if (c != 0 || x->id->len != y->id->len) {
        return c != 0 ? c : (x->id->len < y->id->len ? -1 : 1);
    }

    return x->i < y->i ? -1 : x->i > y->i;
}


/*
 * An id given twice in one list of the document: the second would
 * silently undo the first (another level, parent or field, which a write
 * may never change, and counted twice), so the document is refused with
 * the later one named.  ids[i] is the id of entry i, apart `size` bytes.
 * 1 (the message set), 0, or -1 out of memory.
 */
static int
doc_id_twice(onestop_catalog_doc_t *doc, const char *list,
    const void *first, size_t size, size_t n)
{
    size_t     i;
    doc_id_t  *v;

    if (n < 2) {
        return 0;
    }

    v = malloc(n * sizeof(doc_id_t));

    if (v == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        v[i].id = (const onestop_str_t *) ((const char *) first + i * size);
        v[i].i = i;
    }

    qsort(v, n, sizeof(doc_id_t), doc_id_cmp);

    for (i = 1; i < n; i++) {
        if (v[i].id->len == v[i - 1].id->len
            && memcmp(v[i].id->data, v[i - 1].id->data, v[i].id->len) == 0)
        {
            snprintf(doc->message, sizeof(doc->message),
                     "%s[%zu]: the id \"%.*s\" is given twice (%s[%zu])",
                     list, v[i].i, (int) v[i].id->len, v[i].id->data, list,
                     v[i - 1].i);
            free(v);
            return 1;
        }
    }

    free(v);
    return 0;
}


/* a name every page and answer shows: 1, and the message, when it holds
 * a character no reader can see (onestop_text_invisible) */

static int
name_invisible(onestop_catalog_doc_t *doc, const char *list, size_t i,
    const onestop_str_t *name)
{
    if (!onestop_text_invisible(name->data, name->len)) {
        return 0;
    }

    snprintf(doc->message, sizeof(doc->message),
             "%s[%zu].name " ONESTOP_TEXT_INVISIBLE, list, i);
    return 1;
}


static int
key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


/* a member an object holds twice, or NULL: yajl's tree keeps both, and
 * the document would be read by its first, another reader by its last
 * (onestop_json.h) */

static int
json_named(const char *key, const char *const *names)
{
    for ( ; names != NULL && *names != NULL; names++) {
        if (strcmp(*names, key) == 0) {
            return 1;
        }
    }

    return names == NULL;
}


const char *
onestop_json_twice(yajl_val o, const char *const *names)
{
    size_t        i, j, n;
    const char   *twice, **k;

    n = o->u.object.len;

    if (n <= 16) {
        for (i = 1; i < n; i++) {
            for (j = 0; j < i; j++) {
                if (strcmp(o->u.object.keys[i], o->u.object.keys[j]) == 0
                    && json_named(o->u.object.keys[i], names))
                {
                    return o->u.object.keys[i];
                }
            }
        }

        return NULL;
    }

    /* many members (a body made to be slow): sorted, then side by side */

    k = malloc(n * sizeof(const char *));

    if (k == NULL) {
        return NULL;                    /* out of memory: found later */
    }

    memcpy(k, o->u.object.keys, n * sizeof(const char *));
    qsort(k, n, sizeof(const char *), key_cmp);

    twice = NULL;

    for (i = 1; i < n && twice == NULL; i++) {
        if (strcmp(k[i], k[i - 1]) == 0 && json_named(k[i], names)) {
            twice = k[i];
        }
    }

    free(k);
    return twice;
}


/* an entry of one of the lists, beside the members it needs: 1, and the
 * message, when it holds a member twice or its name is blank or holds a
 * character no reader can see */

static int
entry_bad(onestop_catalog_doc_t *doc, const char *list, size_t i,
    yajl_val e, const onestop_str_t *name)
{
    size_t       k;
    const char  *twice;

    twice = onestop_json_twice(e, NULL);

    if (twice != NULL) {
        snprintf(doc->message, sizeof(doc->message),
                 "%s[%zu]: the member \"%.64s\" is given twice", list, i,
                 twice);
        return 1;
    }

    for (k = 0; k < name->len; k++) {
        if (name->data[k] == ' ' || name->data[k] == '\t'
            || name->data[k] == '\r' || name->data[k] == '\n')
        {
            continue;
        }

        if (k + 1 < name->len && (unsigned char) name->data[k] == 0xc2
            && (unsigned char) name->data[k + 1] == 0xa0)
        {
            k++;                        /* a no-break space */
            continue;
        }

        break;
    }

    if (k == name->len) {
        snprintf(doc->message, sizeof(doc->message),
                 "%s[%zu].name is blank: every page shows it", list, i);
        return 1;
    }

    return name_invisible(doc, list, i, name);
}


int
onestop_catalog_doc_parse(onestop_catalog_doc_t *doc, const char *text,
    size_t len)
{
    int                      bad, level, rc;
    char                    *copy, errbuf[200];
    size_t                   i, n;
    yajl_val                 tree, a, e;
    onestop_str_t            lv;
    onestop_batch_parser_t   scan;

    memset(doc, 0, sizeof(onestop_catalog_doc_t));

    /* a byte order mark in front (a file saved by Notepad): ignored, as
     * a batch's (RFC 8259 section 8.1) */

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }

    /*
     * yajl lets overlong forms and raw surrogates through, turns a lone
     * escaped high surrogate into '?', and its tree cuts a string at a
     * \u0000: a name the public answers show would be other than sent,
     * or not UTF-8.  The batch parser checks each string; here the text
     * is checked whole, as the records' are.
     */

    if (!onestop_utf8_valid(text, len)) {
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: invalid UTF-8");
        return 400;
    }

    memset(&scan, 0, sizeof(scan));

    if (onestop_json_surrogates(&scan, (const unsigned char *) text, len)
        != 0)
    {
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: %s", ONESTOP_LONE_SURROGATE);
        return 400;
    }

    if (too_deep(text, len)) {
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: nesting deeper than %d",
                 CATALOG_DEPTH_MAX);
        return 400;
    }

    copy = malloc(len + 1);

    if (copy == NULL) {
        snprintf(doc->message, sizeof(doc->message), "out of memory");
        return 500;
    }

    memcpy(copy, text, len);
    copy[len] = '\0';
    errbuf[0] = '\0';

    if (strlen(copy) != len) {
        free(copy);
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: a NUL byte");
        return 400;
    }

    tree = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
    free(copy);

    if (tree == NULL) {
        /* yajl's first line; the next ones point at the spot in a copy of
         * the text, which has no place in a one-line message */
        errbuf[strcspn(errbuf, "\n")] = '\0';
        snprintf(doc->message, sizeof(doc->message),
                 "the body is not valid JSON: %s", errbuf);
        onestop_json_one_line(doc->message);
        return 400;
    }

    if (!YAJL_IS_OBJECT(tree)) {
        yajl_tree_free(tree);
        snprintf(doc->message, sizeof(doc->message),
                 "a catalog is a JSON object");
        return 400;
    }

    if (scan.js_nul) {
        yajl_tree_free(tree);
        snprintf(doc->message, sizeof(doc->message),
                 "a catalog's strings may not contain \\u0000");
        return 422;
    }

    if (onestop_json_twice(tree, NULL) != NULL) {
        snprintf(doc->message, sizeof(doc->message),
                 "the member \"%.64s\" is given twice",
                 onestop_json_twice(tree, NULL));
        yajl_tree_free(tree);
        return 422;
    }

    bad = 0;

    a = tree_array(tree, "agencies", &bad);
    n = a ? a->u.array.len : 0;
    doc->agencies = onestop_arena_alloc(&doc->arena,
                                   (n + 1) * sizeof(onestop_cat_agency_in_t));

    for (i = 0; doc->agencies && i < n; i++) {
        e = a->u.array.values[i];

        if (!YAJL_IS_OBJECT(e)
            || tree_str(e, "id", &doc->agencies[i].id, 1, &doc->arena) != 0
            || tree_str(e, "name", &doc->agencies[i].name, 1, &doc->arena)
               != 0
            || tree_str(e, "parent", &doc->agencies[i].parent, 0, &doc->arena)
               != 0
            || tree_str(e, "level", &lv, 1, &doc->arena) != 0
            || (level = onestop_level_parse(lv.data, lv.len)) < 0
            || !onestop_code_valid(doc->agencies[i].id.data,
                                   doc->agencies[i].id.len))
        {
            snprintf(doc->message, sizeof(doc->message),
                     "agencies[%zu] needs an id (1 to 64 bytes of A-Z a-z "
                     "0-9 . - _), a name of 1 to 256 bytes, a level "
                     "(province, district or commune) and a parent id or "
                     "null", i);
            yajl_tree_free(tree);
            return 422;
        }

        if (entry_bad(doc, "agencies", i, e, &doc->agencies[i].name)) {
            yajl_tree_free(tree);
            return 422;
        }

        doc->agencies[i].level = level;
    }

    doc->nagencies = n;

    a = tree_array(tree, "fields", &bad);
    n = a ? a->u.array.len : 0;
    doc->fields = onestop_arena_alloc(&doc->arena,
                                   (n + 1) * sizeof(onestop_cat_entry_in_t));

    for (i = 0; doc->fields && i < n; i++) {
        e = a->u.array.values[i];

        if (!YAJL_IS_OBJECT(e)
            || tree_str(e, "id", &doc->fields[i].id, 1, &doc->arena) != 0
            || tree_str(e, "name", &doc->fields[i].name, 1, &doc->arena) != 0
            || !onestop_code_valid(doc->fields[i].id.data,
                                   doc->fields[i].id.len))
        {
            snprintf(doc->message, sizeof(doc->message),
                     "fields[%zu] needs an id (1 to 64 bytes of A-Z a-z 0-9 "
                     ". - _) and a name of 1 to 256 bytes", i);
            yajl_tree_free(tree);
            return 422;
        }

        if (entry_bad(doc, "fields", i, e, &doc->fields[i].name)) {
            yajl_tree_free(tree);
            return 422;
        }
    }

    doc->nfields = n;

    a = tree_array(tree, "procedures", &bad);
    n = a ? a->u.array.len : 0;
    doc->procedures = onestop_arena_alloc(&doc->arena,
                                   (n + 1) * sizeof(onestop_cat_entry_in_t));

    for (i = 0; doc->procedures && i < n; i++) {
        e = a->u.array.values[i];

        if (!YAJL_IS_OBJECT(e)
            || tree_str(e, "id", &doc->procedures[i].id, 1, &doc->arena) != 0
            || tree_str(e, "name", &doc->procedures[i].name, 1, &doc->arena)
               != 0
            || tree_str(e, "field", &doc->procedures[i].field, 1,
                        &doc->arena) != 0
            || !onestop_code_valid(doc->procedures[i].id.data,
                                   doc->procedures[i].id.len))
        {
            snprintf(doc->message, sizeof(doc->message),
                     "procedures[%zu] needs an id (1 to 64 bytes of A-Z a-z "
                     "0-9 . - _), a name of 1 to 256 bytes and a field id",
                     i);
            yajl_tree_free(tree);
            return 422;
        }

        if (entry_bad(doc, "procedures", i, e, &doc->procedures[i].name)) {
            yajl_tree_free(tree);
            return 422;
        }
    }

    doc->nprocedures = n;
    yajl_tree_free(tree);

    if (doc->agencies == NULL || doc->fields == NULL
        || doc->procedures == NULL)
    {
        snprintf(doc->message, sizeof(doc->message), "out of memory");
        return 500;
    }

    if (bad) {
        snprintf(doc->message, sizeof(doc->message),
                 "agencies, fields and procedures must be arrays");
        return 422;
    }

    rc = doc_id_twice(doc, "agencies", &doc->agencies[0].id,
                      sizeof(onestop_cat_agency_in_t), doc->nagencies);

    if (rc == 0) {
        rc = doc_id_twice(doc, "fields", &doc->fields[0].id,
                          sizeof(onestop_cat_entry_in_t), doc->nfields);
    }

    if (rc == 0) {
        rc = doc_id_twice(doc, "procedures", &doc->procedures[0].id,
                          sizeof(onestop_cat_entry_in_t), doc->nprocedures);
    }

    if (rc < 0) {
        snprintf(doc->message, sizeof(doc->message), "out of memory");
        return 500;
    }

    return rc ? 422 : 0;
}


void
onestop_catalog_doc_free(onestop_catalog_doc_t *doc)
{
    onestop_arena_free(&doc->arena);
}


/* rendering */

void
onestop_gen_str(yajl_gen g, const char *s, size_t len)
{
    yajl_gen_string(g, (const unsigned char *) s, len);
}


void
onestop_gen_cstr(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *) s, strlen(s));
}


/* what onestop_gen_ref writes for a member of an open object, straight
 * into a buffer: ,"member": and the catalog entry's object as it was
 * rendered when the catalog was read (catalog.c), or null */
void
onestop_json_ref(onestop_buf_t *b, const char *member,
    const onestop_str_t *ref)
{
    onestop_buf_lit(b, ",\"");
    onestop_buf_adds(b, member);
    onestop_buf_lit(b, "\":");

    if (ref == NULL) {
        onestop_buf_lit(b, "null");
        return;
    }

    onestop_buf_add(b, ref->data, ref->len);
}


void
onestop_json_day(onestop_buf_t *b, onestop_day_t day)
{
    char  buf[ONESTOP_DATE_LEN + 2];

    buf[0] = '"';
    onestop_day_format(day, buf + 1);
    buf[ONESTOP_DATE_LEN + 1] = '"';
    onestop_buf_add(b, buf, sizeof(buf));
}


/* "YYYY-MM-DD" of ts in the offset, or null */
static void
json_date(onestop_buf_t *b, const onestop_ts_t *ts, int32_t offset)
{
    if (!ts->set) {
        onestop_buf_lit(b, "null");
        return;
    }

    onestop_json_day(b, onestop_ts_day(ts, offset));
}


static void
json_cstr(onestop_buf_t *b, const char *s)
{
    onestop_json_str(b, s, strlen(s));
}


void
onestop_json_int(onestop_buf_t *b, int64_t v)
{
    char  buf[ONESTOP_NUMBER_MAX];

    onestop_buf_add(b, buf, onestop_number_int(buf, v));
}


void
onestop_gen_ref(yajl_gen g, const char *member, const onestop_str_t *id,
    const onestop_str_t *name)
{
    onestop_gen_cstr(g, member);

    if (id == NULL) {
        yajl_gen_null(g);
        return;
    }

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "id");
    onestop_gen_str(g, id->data, id->len);
    onestop_gen_cstr(g, "name");
    onestop_gen_str(g, name->data, name->len);
    yajl_gen_map_close(g);
}


static void json_letter(onestop_buf_t *b, const onestop_record_t *r,
    const onestop_letter_t *l, int32_t offset, int unmasked);


/*
 * Written straight into the buffer, not through yajl: the lookup is the
 * busiest answer, and the object's shape is fixed, so the commas and the
 * members' names are literals and only the values are escaped (the same
 * bytes as yajl_gen writes, onestop_json_str).
 */
void
onestop_lookup_render(onestop_buf_t *b, const onestop_record_t *r,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int unmasked)
{
    onestop_refs_t          refs;
    onestop_status_e        st;
    size_t                  i, nl;
    onestop_timeliness_e    tl;
    onestop_shown_name_t    name;
    onestop_letter_t        letters[ONESTOP_LETTERS_MAX];

    onestop_catalog_refs(cat, r, &refs);

    st = onestop_record_status(r);
    tl = onestop_record_timeliness(r, offset, today);

    onestop_buf_lit(b, "{\"code\":");
    onestop_json_str(b, r->code.data, r->code.len);

    onestop_buf_lit(b, ",\"applicant\":{\"name\":");
    onestop_shown_name(&name, r, unmasked);
    onestop_json_str(b, name.data, name.len);
    onestop_shown_name_free(&name);

    if (r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION) {
        onestop_buf_lit(b, ",\"type\":\"organization\"}");
    } else {
        onestop_buf_lit(b, ",\"type\":\"citizen\"}");
    }

    /* the catalog's entries as rendered when the catalog was read */

    onestop_json_ref(b, "agency", refs.agency ? &refs.agency->ref : NULL);
    onestop_json_ref(b, "field", refs.field ? &refs.field->ref : NULL);
    onestop_json_ref(b, "procedure",
                     refs.procedure ? &refs.procedure->ref : NULL);

    onestop_buf_lit(b, ",\"channel\":");
    json_cstr(b, onestop_channel_name(r->channel));

    onestop_buf_lit(b, ",\"received_date\":");
    json_date(b, &r->t[ONESTOP_T_RECEIVED], offset);

    if (r->submitted.set) {
        /* Điều 9.1: the submission, and the moment it counts from */
        char    buf[ONESTOP_TS_LEN];
        size_t  n;

        onestop_buf_lit(b, ",\"submitted_at\":");
        n = onestop_ts_format(&r->submitted, offset, buf);
        onestop_json_str(b, buf, n);
        onestop_buf_lit(b, ",\"received_at\":");
        n = onestop_ts_format(&r->t[ONESTOP_T_RECEIVED], offset, buf);
        onestop_json_str(b, buf, n);
    }

    onestop_buf_lit(b, ",\"due_date\":");
    json_date(b, &r->t[ONESTOP_T_DUE], offset);
    onestop_buf_lit(b, ",\"resolved_date\":");
    json_date(b, &r->t[ONESTOP_T_RESOLVED], offset);
    onestop_buf_lit(b, ",\"returned_date\":");
    json_date(b, &r->t[ONESTOP_T_RETURNED], offset);
    onestop_buf_lit(b, ",\"withdrawn_date\":");
    json_date(b, &r->t[ONESTOP_T_WITHDRAWN], offset);

    onestop_buf_lit(b, ",\"status\":");
    json_cstr(b, onestop_status_name(st));
    onestop_buf_lit(b, ",\"timeliness\":");

    if (tl == ONESTOP_TL_NONE) {
        onestop_buf_lit(b, "null");
    } else {
        json_cstr(b, onestop_timeliness_name(tl));
    }

    onestop_buf_lit(b, ",\"status_text\":");
    json_cstr(b, onestop_status_text(st, tl));

    /* the current letter, as always; then every letter and every change
     * of the due date (issue 18) */

    nl = onestop_record_letters(r, letters);

    onestop_buf_lit(b, ",\"apology\":");

    if (r->has_apology) {
        json_letter(b, r, &letters[nl - 1], offset, unmasked);
    } else {
        onestop_buf_lit(b, "null");
    }

    onestop_buf_lit(b, ",\"apologies\":[");

    for (i = 0; i < nl; i++) {
        if (i) {
            onestop_buf_lit(b, ",");
        }

        json_letter(b, r, &letters[i], offset, unmasked);
    }

    onestop_buf_lit(b, "],\"due_changes\":");
    onestop_due_changes_render(b, r, offset, 0);
    onestop_buf_lit(b, "}");
}


static void
json_letter(onestop_buf_t *b, const onestop_record_t *r,
    const onestop_letter_t *l, int32_t offset, int unmasked)
{
    onestop_shown_text_t  reason;

    onestop_buf_lit(b, "{\"issued_date\":");
    json_date(b, &l->issued, offset);
    onestop_buf_lit(b, ",\"new_due_date\":");
    json_date(b, &l->new_due, offset);
    onestop_buf_lit(b, ",\"reason\":");

    if (l->reason.len) {
        onestop_shown_text(&reason, r, l->reason.data, l->reason.len,
                           unmasked);
        onestop_json_str(b, reason.data, reason.len);
        onestop_shown_text_free(&reason);
    } else {
        onestop_buf_lit(b, "null");
    }

    onestop_buf_lit(b, "}");
}


void
onestop_due_changes_render(onestop_buf_t *b, const onestop_record_t *r,
    int32_t offset, int with_key)
{
    int                     first;
    size_t                  pos;
    onestop_ts_t            at;
    onestop_history_item_t  it;

    static const char  *whys[] = { NULL, "supplement", "correction" };

    pos = 0;
    first = 1;
    onestop_buf_lit(b, "[");

    while (onestop_history_next(r->history.data, r->history.len, &pos, &it)
           == 1)
    {
        if (it.type != ONESTOP_HISTORY_MOVE) {
            continue;
        }

        if (!first) {
            onestop_buf_lit(b, ",");
        }

        first = 0;
        onestop_buf_lit(b, "{\"from\":");
        json_date(b, &it.move.from, offset);
        onestop_buf_lit(b, ",\"to\":");
        json_date(b, &it.move.to, offset);
        onestop_buf_lit(b, ",\"changed_date\":");
        at.sec = it.move.at;
        at.set = 1;
        at.date_only = 0;
        json_date(b, &at, offset);

        if (it.move.flags & ONESTOP_MOVE_LATE) {
            onestop_buf_lit(b, ",\"after_due\":true,\"due_change\":");
        } else {
            onestop_buf_lit(b, ",\"after_due\":false,\"due_change\":");
        }

        if (it.move.why == ONESTOP_DUE_CHANGE_NONE) {
            onestop_buf_lit(b, "null");
        } else {
            json_cstr(b, whys[it.move.why]);
        }

        if (with_key) {
            onestop_buf_lit(b, ",\"by\":");

            if (it.move.by.len) {
                onestop_json_str(b, it.move.by.data, it.move.by.len);
            } else {
                onestop_buf_lit(b, "null");
            }
        }

        onestop_buf_lit(b, "}");
    }

    onestop_buf_lit(b, "]");
}


void
onestop_error_render(yajl_gen g, const char *code, const char *message,
    const onestop_item_err_t *items, size_t nitems)
{
    size_t  i;

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "error");
    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "code");
    onestop_gen_cstr(g, code);
    onestop_gen_cstr(g, "message");
    onestop_gen_cstr(g, message);

    if (items != NULL) {
        onestop_gen_cstr(g, "items");
        yajl_gen_array_open(g);

        for (i = 0; i < nitems; i++) {
            yajl_gen_map_open(g);
            onestop_gen_cstr(g, "index");
            yajl_gen_integer(g, (long long) items[i].index);
            onestop_gen_cstr(g, "code");
            onestop_gen_cstr(g, items[i].code);
            onestop_gen_cstr(g, "message");
            onestop_gen_cstr(g, items[i].message);
            yajl_gen_map_close(g);
        }

        yajl_gen_array_close(g);
    }

    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}


const char *
onestop_error_code(int status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "payload_too_large";
    case 422:
        return "invalid";
    case 503:
        return "unavailable";
    case 507:
        return "insufficient_storage";
    }

    return "internal_error";
}
