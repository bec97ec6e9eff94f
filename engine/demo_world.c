/*
 * The demo's world (see demo.c): what every dossier is drawn from.  The
 * idea: everything random comes from one xoshiro256** stream seeded
 * through splitmix64, and every draw by weight is a binary search in a
 * table of cumulative weights set up once (agencies by population and
 * level, procedures by level and commonness); the calendar knows the
 * working days (weekends, holidays, Tết) and the lockdowns, so that the
 * same seed draws the same world.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_date.h"
#include "onestop_demo_int.h"


/* calendar */

static int
demo_weekday(int32_t day)
{
    /* 0 is Sunday; 1970-01-01 was a Thursday */
    return (int) (((day % 7) + 7 + 4) % 7);
}


static int32_t
demo_span_from(const demo_span_t *s)
{
    return onestop_days_from_civil(s->year, s->month, s->day);
}


static int
demo_is_working_slow(int32_t day)
{
    int       y, wday;
    size_t    i;
    int32_t   from;
    unsigned  m, d, md;

    wday = demo_weekday(day);
    if (wday == 0 || wday == 6) {
        return 0;
    }

    onestop_civil_from_days(day, &y, &m, &d);
    md = m * 100 + d;
    if (md == 101 || md == 430 || md == 501 || md == 902) {
        return 0;
    }

    for (i = 0; i < DEMO_NELTS(demo_holidays); i++) {
        if (demo_holidays[i].year != y) {
            continue;
        }

        from = demo_span_from(&demo_holidays[i]);
        if (day >= from && day < from + demo_holidays[i].ndays) {
            return 0;
        }
    }

    return 1;
}


int
demo_is_working(const demo_t *d, int32_t day)
{
    if (day >= d->wd_lo && day <= d->wd_hi) {
        return d->wd[day - d->wd_lo];
    }

    return demo_is_working_slow(day);
}


/* the n-th working day after day (day itself for n == 0) */

int32_t
demo_add_wd(const demo_t *d, int32_t day, unsigned n)
{
    while (n) {
        day++;
        if (demo_is_working(d, day)) {
            n--;
        }
    }

    return day;
}


/* random numbers: xoshiro256** seeded through splitmix64 */

static uint64_t
demo_splitmix(uint64_t *x)
{
    uint64_t  z;

    z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

    return z ^ (z >> 31);
}


static uint64_t
demo_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}


static uint64_t
demo_next(demo_t *d)
{
    uint64_t  r, t, *s;

    s = d->s;
    r = demo_rotl(s[1] * 5, 7) * 9;
    t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = demo_rotl(s[3], 45);

    return r;
}


/* uniform in [0, n) */

uint32_t
demo_rnd(demo_t *d, uint32_t n)
{
    return (uint32_t) (((demo_next(d) >> 32) * n) >> 32);
}


size_t
demo_pick_cum(demo_t *d, const uint32_t *cum, size_t n)
{
    size_t    lo, hi, mid;
    uint32_t  r;

    r = demo_rnd(d, cum[n - 1]);
    lo = 0;
    hi = n - 1;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (cum[mid] > r) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return lo;
}


const demo_word_t *
demo_pick_word(demo_t *d, const demo_word_t *w, size_t n)
{
    size_t    i;
    uint32_t  total, r;

    total = 0;
    for (i = 0; i < n; i++) {
        total += w[i].weight;
    }

    r = demo_rnd(d, total);
    for (i = 0; i < n - 1; i++) {
        if (r < w[i].weight) {
            break;
        }
        r -= w[i].weight;
    }

    return &w[i];
}



/* set-up */

int32_t
onestop_demo_first_day(int32_t today)
{
    int32_t  start;

    /* from the day after Decision 30/2019/QĐ-UBND, or a year at least */
    start = onestop_days_from_civil(2019, 7, 10);

    return today < start ? today - 364 : start;
}


int
demo_init(demo_t *d, uint64_t seed, int32_t today)
{
    int32_t   day, from;
    size_t    i, j, n, first;
    uint32_t  w, sum, ndist[DEMO_NDISTRICTS];

    memset(d, 0, sizeof(demo_t));

    for (i = 0; i < 4; i++) {
        d->s[i] = demo_splitmix(&seed);
    }

    d->today = today;
    d->start = onestop_demo_first_day(today);
    d->span = today > d->start ? today - d->start : 1;

    d->wd_lo = d->start - 7;
    d->wd_hi = today + 400;
    d->wd = malloc((size_t) (d->wd_hi - d->wd_lo + 1));
    d->counter = malloc(DEMO_NAGENCIES * sizeof(uint32_t));
    if (d->wd == NULL || d->counter == NULL) {
        return -1;
    }

    for (day = d->wd_lo; day <= d->wd_hi; day++) {
        d->wd[day - d->wd_lo] = (uint8_t) demo_is_working_slow(day);
    }

    for (i = 0; i < DEMO_NELTS(demo_lockdowns); i++) {
        d->lock_from[i] = demo_span_from(&demo_lockdowns[i]);
        d->lock_to[i] = d->lock_from[i] + demo_lockdowns[i].ndays - 1;
    }

    for (i = 0; i < DEMO_NELTS(demo_holidays); i++) {
        if (demo_holidays[i].ndays >= 7) {
            from = demo_span_from(&demo_holidays[i]);
            d->tet_from[d->ntet] = from;
            d->tet_to[d->ntet] = from + demo_holidays[i].ndays - 1;
            d->ntet++;
        }
    }

    /* agencies */

    n = 0;

    for (i = 0; i < DEMO_NDEPTS; i++, n++) {
        memcpy(d->agencies[n].id, "000.00.00.H36", 14);
        d->agencies[n].id[7] = (char) ('0' + (i + 1) / 10);
        d->agencies[n].id[8] = (char) ('0' + (i + 1) % 10);
        d->agencies[n].level = L_PROVINCE;
        d->agencies[n].src = (uint16_t) i;
    }

    for (i = 0; i < DEMO_NDISTRICTS; i++, n++) {
        memcpy(d->agencies[n].id, "000.00.00.H36", 14);
        d->agencies[n].id[7] = (char) ('0' + (DEMO_DISTRICT_CODE + i) / 10);
        d->agencies[n].id[8] = (char) ('0' + (DEMO_DISTRICT_CODE + i) % 10);
        d->agencies[n].level = L_DISTRICT;
        d->agencies[n].src = (uint16_t) i;
        ndist[i] = 0;
    }

    for (i = 0; i < DEMO_NCOMMUNES; i++, n++) {
        j = demo_communes[i].district;
        ndist[j]++;
        memcpy(d->agencies[n].id, "000.00.00.H36", 14);
        d->agencies[n].id[4] = (char) ('0' + ndist[j] / 10);
        d->agencies[n].id[5] = (char) ('0' + ndist[j] % 10);
        d->agencies[n].id[7] = (char) ('0' + (DEMO_DISTRICT_CODE + j) / 10);
        d->agencies[n].id[8] = (char) ('0' + (DEMO_DISTRICT_CODE + j) % 10);
        d->agencies[n].level = L_COMMUNE;
        d->agencies[n].src = (uint16_t) i;
        d->agencies[n].parent = (uint16_t) (DEMO_NDEPTS + j);
    }

    for (i = 0; i < DEMO_NAGENCIES; i++) {
        w = (uint32_t) (i * 2654435761u) >> 16;
        d->agencies[i].due_secs = (w % 10 < 3) ? 16 * 3600 + 1800
                                               : DEMO_CLOSE;
    }

    /* where dossiers go: by population, towns and wards busier */

    sum = 0;
    for (i = 0; i < DEMO_NDISTRICTS; i++) {
        sum += demo_districts[i].pop;
        d->district_cum[i] = sum;
    }

    sum = 0;
    for (i = 0; i < DEMO_NCOMMUNES; i++) {
        j = demo_communes[i].district;
        w = demo_districts[j].pop * 1000 / ndist[j];
        w = w * (60 + ((uint32_t) (i * 40503u) >> 3) % 81) / 100;
        if (demo_communes[i].name[0] != 'x') {
            w = w * 3 / 2;
        }
        sum += w;
        d->commune_cum[i] = sum;
    }

    for (i = 0; i < DEMO_NPROCS; i++) {
        j = demo_procs[i].level;
        first = d->ngroup[j];
        d->group[j][first] = (uint16_t) i;
        d->group_cum[j][first] = (first ? d->group_cum[j][first - 1] : 0)
                                 + demo_procs[i].weight;
        d->ngroup[j]++;
    }

    return 0;
}


/* how many dossiers a working day gets, relative to the others */

uint32_t
demo_day_weight(const demo_t *d, int32_t day)
{
    size_t    i;
    uint32_t  w;
    int       wday;

    w = 1000 + (uint32_t) ((int64_t) 2000 * (day - d->start) / d->span);

    wday = demo_weekday(day);
    if (wday == 1) {
        w = w * 112 / 100;

    } else if (wday == 5) {
        w = w * 92 / 100;
    }

    for (i = 0; i < DEMO_NELTS(demo_lockdowns); i++) {
        if (day >= d->lock_from[i] && day <= d->lock_to[i]) {
            w = w * 40 / 100;
        }
    }

    for (i = 0; i < d->ntet; i++) {
        if (day >= d->tet_from[i] - 21 && day < d->tet_from[i]) {
            w = w * 115 / 100;

        } else if (day > d->tet_to[i] && day <= d->tet_to[i] + 7) {
            w = w * 80 / 100;
        }
    }

    return w;
}


int
demo_in_lockdown(const demo_t *d, int32_t day)
{
    size_t  i;

    for (i = 0; i < DEMO_NELTS(demo_lockdowns); i++) {
        if (day >= d->lock_from[i] && day <= d->lock_to[i]) {
            return 1;
        }
    }

    return 0;
}


/* a second of office hours, 07:30-11:30 and 13:00-17:00 */

uint32_t
demo_office_secs(demo_t *d)
{
    if (demo_rnd(d, 100) < 58) {
        return DEMO_OPEN + demo_rnd(d, DEMO_NOON - DEMO_OPEN);
    }

    return DEMO_AFTERNOON + demo_rnd(d, DEMO_CLOSE - DEMO_AFTERNOON + 1);
}


/* a time of day for an event on (day), after an earlier one at (pday) */

uint32_t
demo_event_secs(demo_t *d, int32_t day, int32_t pday, uint32_t psecs)
{
    uint32_t  lo, hi;

    if (day != pday) {
        return demo_office_secs(d);
    }

    lo = psecs + 300;
    hi = lo < DEMO_CLOSE ? DEMO_CLOSE : lo + 1800;

    return lo + demo_rnd(d, hi - lo + 1);
}
