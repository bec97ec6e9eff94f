/*
 * Unit tests of engine/mask.c: a citizen's name masked as every public
 * answer shows it (SPEC section 4, DOMAIN.md), the one function the
 * answers go through (onestop_shown_name), and the words of the name
 * masked in published free text (onestop_mask_words).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_record.h"
#include "tap.h"


/* name masking */

static void
mask_is(const char *name, const char *want, const char *what)
{
    char    *out;
    size_t   len, n;

    len = strlen(name);
    out = malloc(len ? 2 * len : 1);

    if (out == NULL) {
        ok(0, "malloc");
        return;
    }

    n = onestop_mask_name(name, len, out);
    ok(n <= 2 * len, "%s: no more than 2 * len bytes", what);
    is_str(out, n <= 2 * len ? n : 0, want, "%s", what);
    free(out);
}


static void
test_mask(void)
{
    int      bad_len, bad_shape, iter;
    char    *name, *out;
    size_t   k, len, n;
    unsigned seed;
    static const char  *pieces[] = {
        " ", "\t", "\n", "\r", "\xc2\xa0", "\xe2\x80\x83", "\xe3\x80\x80",
        "a", "B", "\xc4\x90", "\xe1\xbb\x85", "\xcc\x81", "\xcc\x82",
        "\xcc\xa3", "\x80", "\xe1", "\xf0\x9f\x98\x80", "\xc3", "."
    };

    mask_is("Đặng Thị Ánh", "Đặng T. Á.", "Đặng Thị Ánh (SPEC)");
    mask_is("Nguyễn Văn An", "Nguyễn V. A.", "Nguyễn Văn An");
    mask_is("Trần Ễm", "Trần Ễ.", "a precomposed three-byte letter");
    mask_is("Lê Ông Ủy Ưng Đức", "Lê Ô. Ủ. Ư. Đ.", "many later words");
    mask_is("nguyễn văn an", "nguyễn v. a.", "lower case stays lower case");
    mask_is("An", "An", "a single word");
    mask_is("Nguyễn", "Nguyễn", "a single Vietnamese word");
    mask_is("", "", "the empty name");
    mask_is("   ", "", "only spaces");
    mask_is("\t \xc2\xa0 \t", "", "only white space of several kinds");
    mask_is("  Nguyễn Văn An", "Nguyễn V. A.", "leading spaces");
    mask_is("Nguyễn Văn An   ", "Nguyễn V. A.", "trailing spaces");
    mask_is("Nguyễn    Văn     An", "Nguyễn V. A.", "runs of spaces");
    mask_is("Nguyễn\tVăn\t\tAn", "Nguyễn V. A.", "tabs");
    mask_is("\tNguyễn \t Văn\r\n An\n", "Nguyễn V. A.",
            "tabs, CR and LF around and between");
    mask_is("Nguyễn\xc2\xa0Văn\xc2\xa0" "An", "Nguyễn V. A.",
            "U+00A0 between words");
    mask_is("\xc2\xa0Nguyễn Văn An\xc2\xa0", "Nguyễn V. A.",
            "U+00A0 leading and trailing");
    mask_is("Nguyễn\xe2\x80\x83Văn\xe3\x80\x80" "An", "Nguyễn V. A.",
            "U+2003 and U+3000 between words");
    /* what shows as nothing between two letters parts them too: else the
     * given names would be shown whole as part of the first word */
    mask_is("Lê\x01Văn\x1b" "An", "Lê V. A.", "control characters");
    {
        static const char  nul[] = "Lê\0Văn An";

        char    out[2 * sizeof(nul)];
        size_t  n;

        n = onestop_mask_name(nul, sizeof(nul) - 1, out);
        is_str(out, n, "Lê V. A.", "a NUL between words");
    }
    mask_is("Lê\x7fVăn\xc2\x85" "An\xc2\x9f" "Bé", "Lê V. A. B.",
            "DEL and C1 control characters");
    mask_is("Lê\xe2\x80\x8bVăn\xe2\x80\x8d" "An\xe2\x81\xa0" "Bé"
            "\xef\xbb\xbf" "Cư", "Lê V. A. B. C.",
            "zero-width space, joiner, word joiner, BOM");
    mask_is("Nguyễn V. A.", "Nguyễn V. A.", "an already masked name");
    mask_is("A B C", "A B. C.", "one-letter words");

    /* decomposed (NFD) names: a letter keeps every combining mark after it;
     * the first word is whole */

    mask_is("Le\xcc\x82 A\xcc\x81nh", "Le\xcc\x82 A\xcc\x81.",
            "NFD \"Lê Ánh\"");
    mask_is("Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 E\xcc\x82\xcc\x83m",
            "Nguye\xcc\x82\xcc\x83n T. E\xcc\x82\xcc\x83.",
            "NFD: a letter with two marks");
    mask_is("Đa\xcc\xa3\xcc\x86ng Thi\xcc\xa3 A\xcc\x81nh",
            "Đa\xcc\xa3\xcc\x86ng T. A\xcc\x81.", "NFD \"Đặng Thị Ánh\"");
    mask_is("Ho\xcc\x82 O\xcc\x82\xcc\x80ng",
            "Ho\xcc\x82 O\xcc\x82\xcc\x80.", "NFD \"Hồ Ồng\"");
    mask_is("Lê Ă\xcc\x81n", "Lê Ă\xcc\x81.",
            "a precomposed letter with a combining mark after it");
    mask_is("Lê A\xcc\x81", "Lê A\xcc\x81.", "a later word that is one "
            "letter and its mark");
    mask_is("Lê A\xcc\x81\xcc\xa3\xcc\x82xyz", "Lê A\xcc\x81\xcc\xa3\xcc\x82.",
            "three marks kept, the rest dropped");

    /* a long name (256 bytes) */

    {
        char  lng[ONESTOP_NAME_MAX + 1], want[2 * ONESTOP_NAME_MAX + 1];

        strcpy(lng, "Nguyễn");
        strcpy(want, "Nguyễn");

        while (strlen(lng) + 5 <= ONESTOP_NAME_MAX) {
            strcat(lng, " Văn");
            strcat(want, " V.");
        }

        while (strlen(lng) < ONESTOP_NAME_MAX) {
            strcat(lng, " ");
        }

        is_int(strlen(lng), ONESTOP_NAME_MAX, "the long name is 256 bytes");
        mask_is(lng, want, "a 256-byte name");

        strcpy(lng, "X");
        strcpy(want, "X");

        while (strlen(lng) + 2 <= ONESTOP_NAME_MAX) {
            strcat(lng, " y");
            strcat(want, " y.");
        }

        mask_is(lng, want, "a 256-byte name of one-letter words");
    }

    /* the bound and the shape over many random names: the output fits in
     * 2 * len (the buffer is exactly that, for the sanitizer), never
     * begins or ends with a space, never has two spaces in a row */

    bad_len = 0;
    bad_shape = 0;
    seed = 12345;
    name = malloc(512);

    for (iter = 0; name != NULL && iter < 20000; iter++) {
        len = 0;
        seed = seed * 1103515245u + 12345u;
        k = (seed >> 16) % 40;

        while (k-- > 0) {
            const char  *p;

            seed = seed * 1103515245u + 12345u;
            p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];

            if (len + strlen(p) > 500) {
                break;
            }

            memcpy(name + len, p, strlen(p));
            len += strlen(p);
        }

        out = malloc(len ? 2 * len : 1);

        if (out == NULL) {
            break;
        }

        n = onestop_mask_name(name, len, out);

        if (n > 2 * len) {
            bad_len++;

        } else if (n > 0 && (out[0] == ' ' || out[n - 1] == ' '
                             || memmem(out, n, "  ", 2) != NULL))
        {
            bad_shape++;
        }

        free(out);
    }

    free(name);

    is_int(bad_len, 0, "20000 random names: never more than 2 * len bytes");
    is_int(bad_shape, 0, "20000 random names: words joined by one space");
}


/* what a public answer shows of the applicant: the one function every
 * answer (JSON, lookup page, apology list) goes through */
static void
test_shown_name(void)
{
    char                  *big;
    size_t                 i, len;
    onestop_record_t       r;
    onestop_shown_name_t   n;

    memset(&r, 0, sizeof(r));
    r.name.data = "Nguyễn Văn An";
    r.name.len = strlen(r.name.data);

    onestop_shown_name(&n, &r, 0);
    is_str(n.data, n.len, "Nguyễn V. A.", "a citizen's name is masked");
    ok(n.heap == NULL, "a usual name needs no memory of its own");
    onestop_shown_name_free(&n);

    onestop_shown_name(&n, &r, 1);
    is_str(n.data, n.len, "Nguyễn Văn An", "unmasked: the name itself");
    onestop_shown_name_free(&n);

    r.applicant_type = ONESTOP_APPLICANT_ORGANIZATION;
    r.name.data = "Công ty TNHH Bến Lức";
    r.name.len = strlen(r.name.data);
    onestop_shown_name(&n, &r, 0);
    is_str(n.data, n.len, "Công ty TNHH Bến Lức",
           "an organization's name is shown whole");
    onestop_shown_name_free(&n);

    /* longer than the parser accepts (an older store): masked all the same,
     * every later word cut to a letter and a dot */

    len = 4 * ONESTOP_NAME_MAX + 1;
    big = malloc(len);

    if (big == NULL) {
        ok(0, "malloc");
        return;
    }

    big[0] = 'X';

    for (i = 1; i + 1 < len; i += 2) {
        big[i] = ' ';
        big[i + 1] = 'y';
    }

    r.applicant_type = ONESTOP_APPLICANT_CITIZEN;
    r.name.data = big;
    r.name.len = len;
    onestop_shown_name(&n, &r, 0);
    ok(n.heap != NULL && n.data == n.heap, "a long name: masked apart");
    is_int(n.len, 1 + 3 * (len / 2), "a long name: every word masked");
    ok(n.len >= 4 && memcmp(n.data, "X y.", 4) == 0
       && memcmp(n.data + n.len - 3, " y.", 3) == 0,
       "a long name: its words as letters and dots");
    onestop_shown_name_free(&n);
    ok(n.heap == NULL, "freed");
    free(big);
}


static void
mask_words_case(const char *text, const char *name, const char *want)
{
    char    *out;
    size_t   len, n;

    len = strlen(text);
    out = malloc(len ? 2 * len : 1);

    if (out == NULL) {
        ok(0, "malloc");
        return;
    }

    n = onestop_mask_words(text, len, name, strlen(name), out);
    ok(n <= 2 * len, "\"%s\": no more than 2 * len bytes", text);
    is_str(out, n <= 2 * len ? n : 0, want, "\"%s\" with the name \"%s\"",
           text, name);
    free(out);
}


static void
test_mask_words(void)
{
    onestop_record_t      r;
    onestop_shown_text_t  t;

    /* the given and middle names masked, the family name left */
    mask_words_case("Chờ ông Bình bổ sung giấy tờ", "Trần Văn Bình",
                    "Chờ ông B. bổ sung giấy tờ");

    /* composed or decomposed, in either field, marks in any order: the
     * same letters (Unicode's canonical equivalence) */
    mask_words_case("Chờ ông Bi\xcc\x80nh bổ sung", "Trần Văn Bình",
                    "Chờ ông B. bổ sung");
    mask_words_case("Chờ ông Bình và bà Nguyệt", "Tra\xcc\x82\xcc\x80n "
                    "Thị Nguye\xcc\x82\xcc\xa3t",
                    "Chờ ông Bình và bà N.");
    mask_words_case("Gọi chị Nguye\xcc\xa3\xcc\x82t", "Lê Thị Nguyệt",
                    "Gọi chị N.");
    mask_words_case("Gọi chị NGUYÊ\xcc\xa3T", "Lê Thị Nguyệt",
                    "Gọi chị N.");
    mask_words_case("Gọi anh Nguyẹt", "Lê Thị Nguyệt",
                    "Gọi anh Nguyẹt");              /* another word */
    /* the tone of a final oa, oe, uy on either vowel: one word, as the
     * agency and the applicant each wrote it ("Hòa" and "Hoà") */
    mask_words_case("Chờ bà Hòa bổ sung", "Lê Thị Hoà",
                    "Chờ bà H. bổ sung");
    mask_words_case("Gọi anh Thuỷ, chị Khỏe, ông Hoà", "Trần Thủy Khoẻ Hòa",
                    "Gọi anh T., chị K., ông H.");
    mask_words_case("Chờ bà Ho\xcc\x80" "a, HOÀ", "Lê Thị Hoà",
                    "Chờ bà H., H.");
    mask_words_case("Chờ bà Hoa\xcc\x80 bổ sung", "Lê Thị Hòa",
                    "Chờ bà H. bổ sung");
    mask_words_case("Gọi Hóa, Hoá, Hoàng, Hỏa", "Lê Hòa Hoang",
                    "Gọi Hóa, Hoá, Hoàng, Hỏa");    /* other words */
    mask_words_case("Trần Văn Bình nộp thiếu hồ sơ", "Trần Văn Bình",
                    "Trần V. B. nộp thiếu hồ sơ");
    /* a capital, then without regard to case; punctuation kept; a word
     * in lower case is a word, not a name ("bình thường": normal) */
    mask_words_case("Đã gọi BÌNH, chị Ánh. Bình thường, bình thường",
                    "Đặng Thị Ánh Bình",
                    "Đã gọi B., chị Á.. B. thường, bình thường");
    /* a word that only contains a name, or a name folded, is not it */
    mask_words_case("Bình thường, Binh, Bìnhh", "Lê Bình",
                    "B. thường, Binh, Bìnhh");
    /* a letter whose last byte is 0xa0 (Ạ: e1 ba a0) inside a name */
    mask_words_case("Hồ sơ của Hạnh và Ạnh", "Phạm Ạnh Hạnh",
                    "Hồ sơ của H. và Ạ.");
    /* a name whose words are parted by other white space than ASCII (a
     * no-break space, an ideographic space, as pasted from a form): its
     * words are the masked name's, so they are masked in the text too */
    mask_words_case("Chờ ông Trần Văn Bình bổ sung",
                    "Trần\xc2\xa0" "Văn\xc2\xa0" "Bình",
                    "Chờ ông Trần V. B. bổ sung");
    mask_words_case("Bình, Văn và Trần",
                    "Trần\xe3\x80\x80" "Văn \xe2\x80\x83" "Bình",
                    "B., V. và Trần");
    mask_words_case("Trần và Văn", "\xc2\xa0" "Trần\xc2\xa0" "Văn",
                    "Trần và V.");
    mask_words_case("Chờ ông Văn và An", "Lê\x01Văn\xe2\x80\x8b" "An",
                    "Chờ ông V. và A.");
    /* a name's word that holds a hyphen or an apostrophe is masked whole,
     * as the masked name hides it; an alias in parentheses too */
    mask_words_case("Chờ chị Anh-Thư bổ sung", "Nguyễn Thị Anh-Thư",
                    "Chờ chị A. bổ sung");
    mask_words_case("Gọi H'Hen, Anh và Thư", "Nguyễn H'Hen Anh-Thư",
                    "Gọi H., Anh và Thư");
    mask_words_case("ông Tư (Út) đã nhận", "Lê Văn Tư (Út)",
                    "ông T. (Ú.) đã nhận");
    mask_words_case("Út-Em và Útx", "Lê (Út)", "Ú.-Em và Útx");
    mask_words_case("A. B. (..)", "Lê A. (..)", "A.. B. (..)");
    mask_words_case("Không có tên", "", "Không có tên");
    mask_words_case("", "Lê Văn An", "");

    /* the bound over many random texts and names, the pieces of names
     * among them (hyphens, apostrophes, brackets, stray bytes) */
    {
        int          bad;
        char         text[512], nm[128], *out;
        size_t       k, tl, nl, n;
        unsigned     seed;
        static const char  *bits[] = {
            " ", "\xc2\xa0", "-", "'", "(", ")", ".", "An", "AN", "an",
            "B\xc3\xacnh", "Th\xc6\xb0", "\xc3\x9a", "A\xcc\x81", "\x80",
            "\xe1", "\x01", "\xe2\x80\x8b", "x"
        };

        bad = 0;
        seed = 777;

        for (k = 0; k < 20000; k++) {
            tl = 0;
            nl = 0;

            for (n = 0; n < 30; n++) {
                const char  *p;

                seed = seed * 1103515245u + 12345u;
                p = bits[(seed >> 16) % (sizeof(bits) / sizeof(bits[0]))];

                if (n < 8 && nl + strlen(p) < sizeof(nm)) {
                    memcpy(nm + nl, p, strlen(p));
                    nl += strlen(p);
                }

                if (tl + strlen(p) < sizeof(text)) {
                    memcpy(text + tl, p, strlen(p));
                    tl += strlen(p);
                }
            }

            out = malloc(2 * tl);

            if (out == NULL) {
                break;
            }

            bad += onestop_mask_words(text, tl, nm, nl, out) > 2 * tl;
            free(out);
        }

        is_int(bad, 0, "20000 random texts: never more than 2 * len bytes");
    }

    /* a record's text: an organization's and an unmasked one as they are */
    memset(&r, 0, sizeof(r));
    r.name.data = "Nguyễn Thị Lan";
    r.name.len = strlen(r.name.data);
    r.applicant_type = ONESTOP_APPLICANT_CITIZEN;
    onestop_shown_text(&t, &r, "Lan xin rút", strlen("Lan xin rút"), 0);
    is_str(t.data, t.len, "L. xin rút", "a citizen's reason, masked");
    onestop_shown_text_free(&t);
    onestop_shown_text(&t, &r, "Lan xin rút", strlen("Lan xin rút"), 1);
    is_str(t.data, t.len, "Lan xin rút", "unmasked (a signed QR code)");
    onestop_shown_text_free(&t);
    r.applicant_type = ONESTOP_APPLICANT_ORGANIZATION;
    onestop_shown_text(&t, &r, "Lan xin rút", strlen("Lan xin rút"), 0);
    is_str(t.data, t.len, "Lan xin rút", "an organization's, as it is");
    onestop_shown_text_free(&t);
}


int
main(void)
{
    test_mask();
    test_shown_name();
    test_mask_words();

    return done_testing();
}
