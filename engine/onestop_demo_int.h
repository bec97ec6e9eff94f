/*
 * The demo generator's state, shared by its two files: demo_world.c (the
 * random stream, the calendar of working days, the agencies and the
 * weights drawn from, set up once) and demo.c (the catalog and the
 * dossiers written from them).  demo.c calls demo_world.c, never the
 * other way.  Nothing else includes this.
 */

#ifndef ONESTOP_DEMO_INT_H
#define ONESTOP_DEMO_INT_H

#include "onestop_demo.h"
#include "onestop_demo_data.h"
#include "onestop_util.h"


#define DEMO_LOCAL_OFFSET     (7 * 3600)
#define DEMO_OPEN             (7 * 3600 + 30 * 60)
#define DEMO_NOON             (11 * 3600 + 30 * 60)
#define DEMO_AFTERNOON        (13 * 3600)
#define DEMO_CLOSE            (17 * 3600)

/* per mille of dossiers received by each level */
#define DEMO_COMMUNE_PM       440
#define DEMO_DISTRICT_PM      360

/* per mille of the dept2 share of a procedure handled by two departments */
#define DEMO_DEPT2_PM         350


typedef struct {
    char          id[16];
    uint8_t       level;
    uint16_t      src;            /* index in its level's table */
    uint16_t      parent;         /* agency index of a commune's district */
    uint32_t      due_secs;       /* the hour its receipts promise */
} demo_agency_t;

typedef struct {
    int           offset;         /* minutes east of UTC */
    int           zulu;
    int           lower;
    int           frac;
    unsigned      ms;
} demo_style_t;

#define DEMO_NDEPTS           DEMO_NELTS(demo_depts)
#define DEMO_NDISTRICTS       DEMO_NELTS(demo_districts)
#define DEMO_NCOMMUNES        DEMO_NELTS(demo_communes)
#define DEMO_NAGENCIES        (DEMO_NDEPTS + DEMO_NDISTRICTS + DEMO_NCOMMUNES)
#define DEMO_NPROCS           DEMO_NELTS(demo_procs)

typedef struct {
    uint64_t      s[4];
    int32_t       today;
    int32_t       start;
    int32_t       span;

    int32_t       wd_lo;
    int32_t       wd_hi;
    uint8_t      *wd;             /* working days in [wd_lo, wd_hi] */

    int32_t       lock_from[DEMO_NELTS(demo_lockdowns)];
    int32_t       lock_to[DEMO_NELTS(demo_lockdowns)];
    int32_t       tet_from[DEMO_NELTS(demo_holidays)];
    int32_t       tet_to[DEMO_NELTS(demo_holidays)];
    size_t        ntet;

    demo_agency_t agencies[DEMO_NAGENCIES];
    uint32_t      commune_cum[DEMO_NCOMMUNES];
    uint32_t      district_cum[DEMO_NDISTRICTS];
    uint16_t      group[3][DEMO_NPROCS];
    uint32_t      group_cum[3][DEMO_NPROCS];
    size_t        ngroup[3];

    uint32_t     *counter;        /* per agency, for the current day */
    uint32_t     *keys;           /* the day's intake: secs << 2 | channel */
    size_t        nkeys;

    onestop_buf_t    out;
    onestop_demo_times_t  times;  /* the record in out */
} demo_t;


/* demo_world.c: the calendar */

int demo_is_working(const demo_t *d, int32_t day);
/* the n-th working day after day (day itself for n == 0) */
int32_t demo_add_wd(const demo_t *d, int32_t day, unsigned n);
/* how many dossiers a working day gets, relative to the others */
uint32_t demo_day_weight(const demo_t *d, int32_t day);
int demo_in_lockdown(const demo_t *d, int32_t day);

/* demo_world.c: random draws */

/* uniform in [0, n) */
uint32_t demo_rnd(demo_t *d, uint32_t n);
size_t demo_pick_cum(demo_t *d, const uint32_t *cum, size_t n);
const demo_word_t *demo_pick_word(demo_t *d, const demo_word_t *w,
    size_t n);
#define demo_pick(d, a)       (a)[demo_rnd(d, DEMO_NELTS(a))]
/* a second of office hours, 07:30-11:30 and 13:00-17:00 */
uint32_t demo_office_secs(demo_t *d);
/* a time of day for an event on (day), after an earlier one at (pday) */
uint32_t demo_event_secs(demo_t *d, int32_t day, int32_t pday,
    uint32_t psecs);

/* demo_world.c: the set-up (-1 when memory is exhausted) */
int demo_init(demo_t *d, uint64_t seed, int32_t today);

#endif /* ONESTOP_DEMO_INT_H */
