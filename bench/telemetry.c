/*
 * The cost of the zone's telemetry per request (issue 19): one
 * onestop_tel_observe (a handler's latency histogram) and one
 * onestop_tel_write (a write by key name), timed over many calls in one
 * process, then with two threads on the same counters, as two workers
 * share them.  Build and run:
 *
 *   make && cc -O2 -Iengine -Ilmdb-schema bench/telemetry.c \
 *       build/libonestop.a -llmdb -lyajl -lqrencode -lhiredis -lz \
 *       -lcrypto -lpthread -o build/bench-telemetry && build/bench-telemetry
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "onestop_figures.h"

#define N  20000000UL

static onestop_telemetry_t  tel;


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void *
observe(void *arg)
{
    unsigned long  i;

    for (i = 0; i < N; i++) {
        onestop_tel_observe(&tel, 1 + i % 12, (i * 7919) % 20000);
    }

    return arg;
}


static void *
write_(void *arg)
{
    unsigned long  i;
    static const char  *names[] = { "so-tu-phap", "so-xay-dung",
                                    "ubnd-ben-luc", "admin" };

    for (i = 0; i < N / 4; i++) {
        onestop_tel_write(&tel, names[i % 4], 5 + i % 4, 200);
    }

    return arg;
}


static double
run(void *(*f)(void *), int threads)
{
    int        i;
    double     t0;
    pthread_t  th[2];

    t0 = now();

    for (i = 0; i < threads; i++) {
        pthread_create(&th[i], NULL, f, NULL);
    }

    for (i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
    }

    return now() - t0;
}


int
main(void)
{
    double  t;

    t = run(observe, 1);
    printf("onestop_tel_observe, 1 thread:  %6.1f ns a call\n", t / N * 1e9);
    t = run(observe, 2);
    printf("onestop_tel_observe, 2 threads: %6.1f ns a call (each thread)\n",
           t / N * 1e9);
    t = run(write_, 1);
    printf("onestop_tel_write, 1 thread:    %6.1f ns a call\n",
           t / (N / 4) * 1e9);
    t = run(write_, 2);
    printf("onestop_tel_write, 2 threads:   %6.1f ns a call (each thread)\n",
           t / (N / 4) * 1e9);

    return 0;
}
