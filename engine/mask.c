/*
 * What the public sees of a citizen's name (SPEC section 4, rules.md
 * section 4): the name masked word by word, and free text about the
 * dossier with the words of that name masked the same way.  The one idea:
 * a name is words split on white space, and a word is shown as its first
 * letter (with that letter's combining marks) and a dot, so that masking
 * never needs to know the language's letters beyond their case.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_record.h"
#include "onestop_util.h"
#include "mask_decompose.h"


/* name masking */

static size_t
utf8_next(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned char  c;
    size_t         n, k;
    uint32_t       v;

    c = s[i];

    if (c < 0x80) {
        *cp = c;
        return i + 1;
    }

    if ((c & 0xe0) == 0xc0) {
        n = 1;
        v = c & 0x1f;

    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        v = c & 0x0f;

    } else if ((c & 0xf8) == 0xf0) {
        n = 3;
        v = c & 0x07;

    } else {
        *cp = 0xfffd;
        return i + 1;
    }

    for (k = 1; k <= n; k++) {
        if (i + k >= len || (s[i + k] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return i + k;
        }

        v = (v << 6) | (s[i + k] & 0x3f);
    }

    *cp = v;
    return i + n + 1;
}


/*
 * What parts a name's words: white space, and what shows as nothing at
 * all between two letters (control characters, zero-width spaces and
 * joiners, the byte order mark), so that "Lê<U+0000>Văn" or
 * "Lê<U+200B>Văn", which a page shows as two words, is masked as two
 * words rather than kept whole as the first.
 */
static int
is_space_cp(uint32_t cp)
{
    return cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0x1680
           || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200d)
           || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
           || cp == 0x2060 || cp == 0x3000 || cp == 0xfeff;
}


static int
is_combining(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff)
           || (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff)
           || (cp >= 0xfe20 && cp <= 0xfe2f);
}


size_t
onestop_mask_name(const char *name, size_t len, char *out)
{
    size_t                i, j, o, word;
    uint32_t              cp;
    const unsigned char  *s;

    s = (const unsigned char *) name;
    i = 0;
    o = 0;
    word = 0;

    for ( ;; ) {

        /* skip white space */

        while (i < len) {
            j = utf8_next(s, len, i, &cp);

            if (!is_space_cp(cp)) {
                break;
            }

            i = j;
        }

        if (i >= len) {
            break;
        }

        if (word++ > 0) {
            out[o++] = ' ';
        }

        if (word == 1) {

            /* the first word whole */

            while (i < len) {
                j = utf8_next(s, len, i, &cp);

                if (is_space_cp(cp)) {
                    break;
                }

                memcpy(out + o, s + i, j - i);
                o += j - i;
                i = j;
            }

            continue;
        }

        /* a later word: its first letter and that letter's marks */

        j = utf8_next(s, len, i, &cp);
        memcpy(out + o, s + i, j - i);
        o += j - i;
        i = j;

        while (i < len) {
            j = utf8_next(s, len, i, &cp);

            if (!is_combining(cp)) {
                break;
            }

            memcpy(out + o, s + i, j - i);
            o += j - i;
            i = j;
        }

        out[o++] = '.';

        while (i < len) {
            j = utf8_next(s, len, i, &cp);

            if (is_space_cp(cp)) {
                break;
            }

            i = j;
        }
    }

    return o;
}


void
onestop_shown_name(onestop_shown_name_t *n, const onestop_record_t *r,
    int unmasked)
{
    char  *out;

    n->heap = NULL;

    if (unmasked || r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION) {
        n->data = r->name.data;
        n->len = r->name.len;
        return;
    }

    out = n->buf;

    if (r->name.len > ONESTOP_NAME_MAX) {
        n->heap = malloc(2 * r->name.len);
        out = n->heap;
    }

    /* without memory for a long name: nothing rather than the name */

    n->data = out != NULL ? out : "";
    n->len = out != NULL ? onestop_mask_name(r->name.data, r->name.len, out)
                         : 0;
}


void
onestop_shown_name_free(onestop_shown_name_t *n)
{
    free(n->heap);
    n->heap = NULL;
}


/*
 * Free text shown to the public (an apology's reason, a question's text):
 * each word that is one of the later words of `name` (its given and
 * middle names; a word written with a capital, compared without regard to
 * case) masked as
 * onestop_mask_name masks it, so that a citizen's name does not come
 * back whole through a text about them.  The family name alone is left,
 * as the lookup leaves it.  `out` must hold 2 * `len` bytes.
 */

/* The white space at s[i] between a name's words, in bytes, or 0: any
 * that onestop_mask_name splits the name on (a no-break space pasted from
 * a form among them), so that the words masked in a text are the words
 * the masked name hides. */

static size_t
name_gap(const unsigned char *s, size_t len, size_t i)
{
    size_t    j;
    uint32_t  cp;

    j = utf8_next(s, len, i, &cp);

    return is_space_cp(cp) ? j - i : 0;
}


/* the end of the name's word that begins at s[i] */

static size_t
name_word_end(const unsigned char *s, size_t len, size_t i)
{
    uint32_t  cp;

    while (i < len && name_gap(s, len, i) == 0) {
        i = utf8_next(s, len, i, &cp);
    }

    return i;
}


static int
is_word_cp(uint32_t cp)
{
    return cp >= 0x80 ? !is_space_cp(cp) && cp != 0x2013 && cp != 0x2014
                        && !(cp >= 0x2018 && cp <= 0x201f) && cp != 0xfffd
                      : (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a'
                                                     && (cp | 0x20) <= 'z');
}


/* a letter as a name's word and a text's are compared: its base letter
 * (lower case) and its marks, in one order, whether it was written
 * precomposed (ễ) or as a letter and combining marks (e, U+0302, U+0303,
 * in any order): Unicode's canonical equivalence, for Latin letters */
typedef struct {
    uint32_t  base;
    uint32_t  mark[6];
    size_t    n;
} letter_t;


static size_t
letter_next(const unsigned char *s, size_t len, size_t i, letter_t *l)
{
    size_t    a, b, h, j, n;
    uint32_t  cp, m;

    i = utf8_next(s, len, i, &cp);
    l->n = 0;
    a = 0;

    /* the table's letters lie between U+00C0 and U+1EFF: ASCII, the
     * common case, is not looked up */
    n = cp >= onestop_decomposed[0].cp && cp <= 0x1eff
        ? sizeof(onestop_decomposed) / sizeof(onestop_decomposed[0]) : 0;
    b = n;

    while (a < b) {
        h = a + (b - a) / 2;

        if (onestop_decomposed[h].cp < cp) {
            a = h + 1;
        } else {
            b = h;
        }
    }

    if (a < n && onestop_decomposed[a].cp == cp)
    {
        l->base = onestop_decomposed[a].base;

        for (h = 0; h < 2 && onestop_decomposed[a].mark[h]; h++) {
            l->mark[l->n++] = onestop_decomposed[a].mark[h];
        }

    } else {
        l->base = cp;
    }

    l->base = onestop_lower_cp(l->base);

    for ( /* void */ ; i < len; i = j) {
        j = utf8_next(s, len, i, &m);

        if (!is_combining(m)) {
            break;
        }

        if (l->n < sizeof(l->mark) / sizeof(l->mark[0])) {
            l->mark[l->n++] = m;
        }
    }

    for (a = 1; a < l->n; a++) {             /* the marks in one order */
        for (b = a; b > 0 && l->mark[b - 1] > l->mark[b]; b--) {
            m = l->mark[b];
            l->mark[b] = l->mark[b - 1];
            l->mark[b - 1] = m;
        }
    }

    return i;
}


uint32_t
onestop_letter_composed(const char *s, size_t len, size_t i, size_t *end)
{
    size_t    k, m, n, j;
    uint32_t  mark[2];
    letter_t  l;

    j = letter_next((const unsigned char *) s, len, i, &l);

    if (l.n == 0 || l.n > 2) {
        return 0;
    }

    n = sizeof(onestop_decomposed) / sizeof(onestop_decomposed[0]);

    for (k = 0; k < n; k++) {
        if (onestop_decomposed[k].base != l.base) {
            continue;
        }

        mark[0] = onestop_decomposed[k].mark[0];
        mark[1] = onestop_decomposed[k].mark[1];
        m = mark[1] ? 2 : 1;

        if (m == 2 && mark[0] > mark[1]) {
            mark[0] = onestop_decomposed[k].mark[1];
            mark[1] = onestop_decomposed[k].mark[0];
        }

        if (m == l.n && mark[0] == l.mark[0] && (m == 1 || mark[1] == l.mark[1]))
        {
            *end = j;
            return onestop_decomposed[k].cp;
        }
    }

    return 0;
}


/*
 * Where a word's tone mark sits, one way: Vietnamese writes a word
 * ending in "oa", "oe" or "uy" (not after "q") with the mark on the
 * first vowel ("hòa", "khỏe", "thủy": the regulation's and the pages'
 * style) or on the second ("hoà", "khoẻ", "thuỷ": the style of the 1980s
 * rules, and the default of many keyboards), the same word either way.
 */

static const uint32_t  toned[5][5] = {         /* ` ' ? ~ . */
    { 0xe0, 0xe1, 0x1ea3, 0xe3, 0x1ea1 },      /* a */
    { 0xe8, 0xe9, 0x1ebb, 0x1ebd, 0x1eb9 },    /* e */
    { 0xf2, 0xf3, 0x1ecf, 0xf5, 0x1ecd },      /* o */
    { 0xf9, 0xfa, 0x1ee7, 0x169, 0x1ee5 },     /* u */
    { 0x1ef3, 0xfd, 0x1ef7, 0x1ef9, 0x1ef5 }   /* y */
};


int
onestop_tone_first(uint32_t *cp, size_t n)
{
    int  b, t, first;

    if (n < 2 || (n >= 3 && cp[n - 3] == 'q')) {
        return 0;
    }

    first = cp[n - 2] == 'o' ? 2 : cp[n - 2] == 'u' ? 3 : -1;

    for (b = 0; b < 5; b++) {
        for (t = 0; t < 5; t++) {
            if (toned[b][t] == cp[n - 1]
                && ((first == 2 && b <= 1) || (first == 3 && b == 4)))
            {
                cp[n - 2] = toned[first][t];
                cp[n - 1] = (uint32_t) "aeouy"[b];
                return 1;
            }
        }
    }

    return 0;
}


static int
letter_eq(const letter_t *x, const letter_t *y)
{
    return x->base == y->base && x->n == y->n
           && memcmp(x->mark, y->mark, x->n * sizeof(uint32_t)) == 0;
}


/* a word's tone marks, in order (a Vietnamese word has one) */

#define TONES_MAX  8

typedef struct {
    uint32_t  tone[TONES_MAX];
    size_t    n;
} tones_t;


/* the letter's tone mark (grave, acute, tilde, hook above, dot below)
 * taken off it, onto the word's tones */
static void
letter_tone(letter_t *l, tones_t *t)
{
    size_t    a, b;
    uint32_t  m;

    for (a = 0, b = 0; a < l->n; a++) {
        m = l->mark[a];

        if (m == 0x300 || m == 0x301 || m == 0x303 || m == 0x309
            || m == 0x323)
        {
            if (t->n < TONES_MAX) {
                t->tone[t->n] = m;
            }

            t->n++;
            continue;
        }

        l->mark[b++] = m;
    }

    l->n = b;
}


/*
 * The bytes of the text at s[i], the start of one of its words, that are
 * the name's word nm[n0, n1), or 0: a name is written with a capital
 * ("bình thường" is not Bình's), the rest compared without regard to
 * case, and the text's word ends there.  The name's word is matched from
 * its first letter or digit to its last, whole even when it holds what
 * parts the text's words (Anh-Thư, H'Hen), and without what surrounds it
 * ("(Út)", an alias), since the masked name hides all of it.  Letters
 * are compared as letter_next reads them: composed or not alike.
 */
static size_t
name_at(const unsigned char *s, size_t len, size_t i,
    const unsigned char *nm, size_t n0, size_t n1)
{
    int                   exact;
    size_t                j, k, wlen;
    uint32_t              cs, cw;
    tones_t               ts, tw;
    letter_t              ls, lw;
    const unsigned char  *w;

    /* the word's letters and digits, first to last: w[0, wlen) */

    for (wlen = 0, k = n0; k < n1; k = j) {
        j = utf8_next(nm, n1, k, &cw);

        if (is_word_cp(cw)) {
            wlen = j;

        } else if (wlen == 0) {
            n0 = j;
        }
    }

    if (wlen <= n0) {
        return 0;
    }

    w = nm + n0;
    wlen -= n0;

    (void) utf8_next(s, len, i, &cs);

    if (onestop_lower_cp(cs) == cs) {
        return 0;
    }

    /* the letters alike but for their tone marks, and the word's tones
     * alike in order: "Hoà" is "Hòa" (a syllable has one tone, wherever
     * the style puts it), "Hóa" is not */

    exact = 1;
    ts.n = 0;
    tw.n = 0;

    for (j = i, k = 0; k < wlen; /* void */) {
        if (j >= len) {
            return 0;
        }

        j = letter_next(s, len, j, &ls);
        k = letter_next(w, wlen, k, &lw);

        exact = exact && letter_eq(&ls, &lw);
        letter_tone(&ls, &ts);
        letter_tone(&lw, &tw);

        if (!letter_eq(&ls, &lw)) {
            return 0;
        }
    }

    if (!exact && !(ts.n == tw.n && ts.n <= TONES_MAX
                    && memcmp(ts.tone, tw.tone, ts.n * sizeof(uint32_t))
                       == 0))
    {
        return 0;
    }

    if (j < len) {
        (void) utf8_next(s, len, j, &cs);

        if (is_word_cp(cs)) {
            return 0;
        }
    }

    return j - i;
}


size_t
onestop_mask_words(const char *text, size_t len, const char *name,
    size_t nlen, char *out)
{
    size_t                i, j, k, o, ws, we, n0, n1, g, hit;
    uint32_t              cp;
    const unsigned char  *s, *nm;

    s = (const unsigned char *) text;
    nm = (const unsigned char *) name;
    o = 0;

    for (i = 0; i < len; /* void */) {
        j = utf8_next(s, len, i, &cp);

        if (!is_word_cp(cp)) {
            memcpy(out + o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }

        /* a word of the text: [ws, we) */

        ws = i;

        for (we = j; we < len; we = k) {
            k = utf8_next(s, len, we, &cp);

            if (!is_word_cp(cp)) {
                break;
            }
        }

        /* one of the name's later words? [ws, ws + hit) */

        hit = 0;

        /* past the family name, the first word, as the masked name */

        for (n0 = 0; n0 < nlen && (g = name_gap(nm, nlen, n0)) != 0;
             n0 += g)
        {
            /* void */
        }

        n0 = name_word_end(nm, nlen, n0);

        while (!hit && n0 < nlen) {
            while (n0 < nlen && (g = name_gap(nm, nlen, n0)) != 0) {
                n0 += g;
            }

            n1 = name_word_end(nm, nlen, n0);
            hit = name_at(s, len, ws, nm, n0, n1);
            n0 = n1;
        }

        we = hit ? ws + hit : we;

        if (!hit) {
            memcpy(out + o, s + ws, we - ws);
            o += we - ws;

        } else {
            /* its first letter, that letter's marks, a dot */
            k = utf8_next(s, len, ws, &cp);

            while (k < we) {
                j = utf8_next(s, len, k, &cp);

                if (!is_combining(cp)) {
                    break;
                }

                k = j;
            }

            memcpy(out + o, s + ws, k - ws);
            o += k - ws;
            out[o++] = '.';
        }

        i = we;
    }

    return o;
}


void
onestop_shown_text(onestop_shown_text_t *t, const onestop_record_t *r,
    const char *text, size_t len, int unmasked)
{
    t->heap = NULL;
    t->data = text;
    t->len = len;

    if (unmasked || r->applicant_type == ONESTOP_APPLICANT_ORGANIZATION
        || r->name.len == 0 || len == 0)
    {
        return;
    }

    /* without memory: nothing rather than the text */

    t->heap = malloc(2 * len);
    t->data = t->heap != NULL ? t->heap : "";
    t->len = t->heap != NULL
             ? onestop_mask_words(text, len, r->name.data, r->name.len,
                                  t->heap)
             : 0;
}


void
onestop_shown_text_free(onestop_shown_text_t *t)
{
    free(t->heap);
    t->heap = NULL;
}
