/*
 * A minimal TAP producer for the engine's unit tests, so prove runs them
 * beside the Perl integration tests.
 */

#ifndef ONESTOP_TAP_H
#define ONESTOP_TAP_H

#include <stdio.h>
#include <string.h>

static int  tap_n;
static int  tap_failed;

#define ok(cond, ...)                                                        \
    do {                                                                     \
        int c_ = (cond);                                                     \
        tap_failed += !c_;                                                   \
        printf("%sok %d - ", c_ ? "" : "not ", ++tap_n);                     \
        printf(__VA_ARGS__);                                                 \
        printf("\n");                                                        \
        if (!c_) {                                                           \
            printf("#   failed at %s line %d\n", __FILE__, __LINE__);        \
        }                                                                    \
    } while (0)

#define is_int(got, want, ...)                                               \
    do {                                                                     \
        long long g_ = (long long) (got), w_ = (long long) (want);           \
        ok(g_ == w_, __VA_ARGS__);                                           \
        if (g_ != w_) {                                                      \
            printf("#   got %lld, want %lld\n", g_, w_);                     \
        }                                                                    \
    } while (0)

#define is_str(got, glen, want, ...)                                         \
    do {                                                                     \
        size_t gl_ = (glen);                                                 \
        const char *w_ = (want);                                             \
        int eq_ = gl_ == strlen(w_) && memcmp((got), w_, gl_) == 0;          \
        ok(eq_, __VA_ARGS__);                                                \
        if (!eq_) {                                                          \
            printf("#   got \"%.*s\", want \"%s\"\n", (int) gl_,            \
                   (const char *) (got), w_);                                \
        }                                                                    \
    } while (0)

static int
done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif /* ONESTOP_TAP_H */
