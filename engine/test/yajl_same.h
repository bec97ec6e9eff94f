/*
 * A test's check that an answer written without yajl, straight into a
 * buffer (the statistics, report.c), is the bytes yajl_gen writes for the
 * answer's own tree: parse it, write the tree again with yajl_gen,
 * compare.
 */

#ifndef YAJL_SAME_H
#define YAJL_SAME_H

#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>


/* v written again by yajl_gen, which is what the answer's renderer
 * (report.c, straight into its buffer) must equal byte for byte */
static void
yajl_same_regen(yajl_gen g, yajl_val v)
{
    size_t  i;

    if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);

        for (i = 0; i < v->u.object.len; i++) {
            yajl_gen_string(g, (const unsigned char *) v->u.object.keys[i],
                            strlen(v->u.object.keys[i]));
            yajl_same_regen(g, v->u.object.values[i]);
        }

        yajl_gen_map_close(g);

    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);

        for (i = 0; i < v->u.array.len; i++) {
            yajl_same_regen(g, v->u.array.values[i]);
        }

        yajl_gen_array_close(g);

    } else if (YAJL_IS_STRING(v)) {
        yajl_gen_string(g, (const unsigned char *) v->u.string,
                        strlen(v->u.string));

    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));

    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, YAJL_IS_TRUE(v));

    } else {
        yajl_gen_null(g);
    }
}


/* 1 when text (an answer, with its final newline) is what yajl_gen
 * writes for its tree */
static int
yajl_same(const char *text, size_t len, yajl_val root)
{
    int                   same;
    size_t                glen;
    yajl_gen              g;
    const unsigned char  *gbuf;

    g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        return 0;
    }

    yajl_gen_config(g, yajl_gen_validate_utf8, 0);
    yajl_same_regen(g, root);
    yajl_gen_get_buf(g, &gbuf, &glen);

    same = len == glen + 1 && text[glen] == '\n'
           && memcmp(text, gbuf, glen) == 0;

    yajl_gen_free(g);
    return same;
}

#endif /* YAJL_SAME_H */
