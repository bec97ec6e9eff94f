/*
 * The demo data set ("onestop demo"): a synthetic but realistic catalog of
 * Long An's provincial departments, district and commune People's
 * Committees, fields and procedures, and a stream of dossier records
 * (SPEC section 3) received since Decision 30/2019/QĐ-UBND took effect,
 * deterministic for a seed.  Pure C, no state kept between calls.
 *
 * The idea: one random stream (demo_world.c) walks the days from the
 * start to today; each working day draws its intake by level, agency and
 * procedure from cumulative weights of the tables in demo_data.c, and
 * each dossier's fate (early, on time, late, withdrawn, an apology) from
 * its field and handling time - so the same seed gives the same catalog
 * and the same dossiers, byte for byte.  This file writes them as JSON.
 */

#include <stdlib.h>
#include <string.h>

#include "onestop_date.h"
#include "onestop_util.h"
#include "onestop_demo.h"
#include "onestop_demo_int.h"


/* output */

static void
demo_putc(onestop_buf_t *b, char c)
{
    onestop_buf_add(b, &c, 1);
}


/* decimal, zero-padded to at least width digits */

static void
demo_num(onestop_buf_t *b, uint64_t v, int width)
{
    char  tmp[24], *p;

    p = tmp + sizeof(tmp);
    do {
        *--p = (char) ('0' + v % 10);
        v /= 10;
        width--;
    } while (v || width > 0);

    onestop_buf_add(b, p, (size_t) (tmp + sizeof(tmp) - p));
}


/* the text of a JSON string, without the quotes */

static void
demo_escape(onestop_buf_t *b, const char *s)
{
    static const char  hex[] = "0123456789abcdef";
    unsigned char      c;

    for ( /* void */ ; *s; s++) {
        c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            demo_putc(b, '\\');
            demo_putc(b, (char) c);

        } else if (c < 0x20) {
            onestop_buf_add(b, "\\u00", 4);
            demo_putc(b, hex[c >> 4]);
            demo_putc(b, hex[c & 0xf]);

        } else {
            demo_putc(b, (char) c);
        }
    }
}


static void
demo_str(onestop_buf_t *b, const char *s)
{
    demo_putc(b, '"');
    demo_escape(b, s);
    demo_putc(b, '"');
}


static void
demo_date(onestop_buf_t *b, int32_t day)
{
    int       y;
    unsigned  m, dd;

    onestop_civil_from_days(day, &y, &m, &dd);
    demo_num(b, (uint64_t) y, 4);
    demo_putc(b, '-');
    demo_num(b, m, 2);
    demo_putc(b, '-');
    demo_num(b, dd, 2);
}


/* a quoted RFC 3339 timestamp of a local day and second of the day */

static void
demo_ts(onestop_buf_t *b, int32_t day, uint32_t secs, const demo_style_t *st)
{
    int64_t   t;
    int32_t   dd;
    uint32_t  rem;
    int       off;

    t = (int64_t) day * 86400 + secs - DEMO_LOCAL_OFFSET
        + (int64_t) st->offset * 60;
    dd = (int32_t) (t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
    rem = (uint32_t) (t - (int64_t) dd * 86400);

    demo_putc(b, '"');
    demo_date(b, dd);
    demo_putc(b, st->lower ? 't' : 'T');
    demo_num(b, rem / 3600, 2);
    demo_putc(b, ':');
    demo_num(b, rem / 60 % 60, 2);
    demo_putc(b, ':');
    demo_num(b, rem % 60, 2);

    if (st->frac) {
        demo_putc(b, '.');
        demo_num(b, st->ms, 3);
    }

    if (st->zulu) {
        demo_putc(b, st->lower ? 'z' : 'Z');

    } else {
        off = st->offset;
        demo_putc(b, off < 0 ? '-' : '+');
        off = off < 0 ? -off : off;
        demo_num(b, (uint64_t) (off / 60), 2);
        demo_putc(b, ':');
        demo_num(b, (uint64_t) (off % 60), 2);
    }

    demo_putc(b, '"');
}

/* the catalog */

static void
demo_agency_name(onestop_buf_t *b, const demo_agency_t *a)
{
    const demo_district_t  *dist;

    switch (a->level) {

    case L_PROVINCE:
        demo_escape(b, demo_depts[a->src]);
        break;

    case L_DISTRICT:
        dist = &demo_districts[a->src];
        onestop_buf_adds(b, "UBND ");
        demo_escape(b, dist->kind);
        demo_putc(b, ' ');
        demo_escape(b, dist->name);
        break;

    default:
        onestop_buf_adds(b, "UBND ");
        demo_escape(b, demo_communes[a->src].name);
        break;
    }
}


static void
demo_catalog(demo_t *d, onestop_buf_t *b)
{
    size_t                i;
    const demo_agency_t  *a;
    static const char    *const levels[] = {
        "province", "district", "commune"
    };

    onestop_buf_adds(b, "{\"agencies\":[\n");

    for (i = 0; i < DEMO_NAGENCIES; i++) {
        a = &d->agencies[i];

        onestop_buf_adds(b, i ? ",\n{\"id\":" : "{\"id\":");
        demo_str(b, a->id);
        onestop_buf_adds(b, ",\"name\":\"");
        demo_agency_name(b, a);
        onestop_buf_adds(b, "\",\"level\":");
        demo_str(b, levels[a->level]);
        onestop_buf_adds(b, ",\"parent\":");

        if (a->level == L_COMMUNE) {
            demo_str(b, d->agencies[a->parent].id);

        } else {
            onestop_buf_adds(b, "null");
        }

        demo_putc(b, '}');
    }

    onestop_buf_adds(b, "],\n\"fields\":[\n");

    for (i = 0; i < DEMO_NELTS(demo_fields); i++) {
        onestop_buf_adds(b, i ? ",\n{\"id\":" : "{\"id\":");
        demo_str(b, demo_fields[i].id);
        onestop_buf_adds(b, ",\"name\":");
        demo_str(b, demo_fields[i].name);
        demo_putc(b, '}');
    }

    onestop_buf_adds(b, "],\n\"procedures\":[\n");

    for (i = 0; i < DEMO_NPROCS; i++) {
        onestop_buf_adds(b, i ? ",\n{\"id\":" : "{\"id\":");
        demo_str(b, demo_procs[i].id);
        onestop_buf_adds(b, ",\"name\":");
        demo_str(b, demo_procs[i].name);
        onestop_buf_adds(b, ",\"field\":");
        demo_str(b, demo_fields[demo_procs[i].field].id);
        demo_putc(b, '}');
    }

    onestop_buf_adds(b, "]}\n");
}


/* people and organisations */

static void
demo_person(demo_t *d, onestop_buf_t *b, const demo_word_t **fam,
    const demo_word_t **given)
{
    int                 female;
    const demo_word_t  *mid;

    female = demo_rnd(d, 2);

    *fam = demo_pick_word(d, demo_family, DEMO_NELTS(demo_family));
    onestop_buf_adds(b, (*fam)->text);

    if (demo_rnd(d, 100) < 3) {
        /* a double family name, as in "Nguyễn Trần ..." */
        demo_putc(b, ' ');
        onestop_buf_adds(b, demo_pick_word(d, demo_family,
                                    DEMO_NELTS(demo_family))->text);
    }

    if (female) {
        mid = demo_pick_word(d, demo_middle_f, DEMO_NELTS(demo_middle_f));

    } else {
        mid = demo_pick_word(d, demo_middle_m, DEMO_NELTS(demo_middle_m));
    }

    demo_putc(b, ' ');
    onestop_buf_adds(b, mid->text);

    if (demo_rnd(d, 100) < 20) {
        demo_putc(b, ' ');
        if (female) {
            onestop_buf_adds(b, demo_pick_word(d, demo_middle_f + 1,
                                        DEMO_NELTS(demo_middle_f) - 1)->text);

        } else {
            onestop_buf_adds(b, demo_pick_word(d, demo_middle_m + 1,
                                        DEMO_NELTS(demo_middle_m) - 1)->text);
        }
    }

    do {
        if (female) {
            *given = demo_pick_word(d, demo_given_f,
                                    DEMO_NELTS(demo_given_f));

        } else {
            *given = demo_pick_word(d, demo_given_m,
                                    DEMO_NELTS(demo_given_m));
        }

    } while (strcmp((*given)->ascii, mid->ascii) == 0);

    demo_putc(b, ' ');
    onestop_buf_adds(b, (*given)->text);
}


static const demo_word_t *
demo_organization(demo_t *d, onestop_buf_t *b, const demo_agency_t *a)
{
    uint32_t            r;
    const char         *place;
    const demo_word_t  *brand;

    brand = &demo_pick(d, demo_brands);
    r = demo_rnd(d, 100);

    if (r < 45) {
        onestop_buf_adds(b, "Công ty TNHH ");
        onestop_buf_adds(b, demo_pick(d, demo_trades));
        demo_putc(b, ' ');
        onestop_buf_adds(b, brand->text);

    } else if (r < 58) {
        onestop_buf_adds(b, "Công ty TNHH MTV ");
        onestop_buf_adds(b, demo_pick(d, demo_trades));
        demo_putc(b, ' ');
        onestop_buf_adds(b, brand->text);

    } else if (r < 84) {
        onestop_buf_adds(b, "Công ty Cổ phần ");
        onestop_buf_adds(b, demo_pick(d, demo_trades));
        demo_putc(b, ' ');
        onestop_buf_adds(b, brand->text);

    } else if (r < 91) {
        onestop_buf_adds(b, "Doanh nghiệp tư nhân ");
        onestop_buf_adds(b, brand->text);

    } else {
        if (a->level == L_DISTRICT) {
            place = demo_districts[a->src].name;

        } else if (a->level == L_COMMUNE) {
            place = demo_districts[a->parent - DEMO_NDEPTS].name;

        } else {
            place = demo_pick(d, demo_districts).name;
        }

        onestop_buf_adds(b, demo_pick(d, demo_coops));
        demo_putc(b, ' ');
        onestop_buf_adds(b, place);
    }

    return brand;
}


static void
demo_phone(demo_t *d, onestop_buf_t *b)
{
    static const char  p09[] = "012346789";
    static const char  p03[] = "23456789";
    int                i;

    if (demo_rnd(d, 100) < 62) {
        onestop_buf_adds(b, "09");
        demo_putc(b, p09[demo_rnd(d, sizeof(p09) - 1)]);

    } else {
        onestop_buf_adds(b, "03");
        demo_putc(b, p03[demo_rnd(d, sizeof(p03) - 1)]);
    }

    for (i = 0; i < 7; i++) {
        demo_putc(b, (char) ('0' + demo_rnd(d, 10)));
    }
}


/* a record's times as instants: received, and its newest event */

static void
demo_newest(demo_t *d, int32_t day, uint32_t secs)
{
    int64_t  t;

    if (day < 0) {
        return;
    }

    t = (int64_t) day * 86400 + secs - DEMO_LOCAL_OFFSET;

    if (t > d->times.newest) {
        d->times.newest = t;
    }
}


static void
demo_times(demo_t *d, int32_t rday, uint32_t rsecs, const int32_t *days,
    const uint32_t *secs, size_t n)
{
    size_t  i;

    d->times.received = (int64_t) rday * 86400 + rsecs - DEMO_LOCAL_OFFSET;
    d->times.newest = d->times.received;

    for (i = 0; i < n; i++) {
        demo_newest(d, days[i], secs[i]);
    }
}


/* one dossier record */

static void
demo_record(demo_t *d, int32_t rday, uint32_t rsecs, unsigned ch)
{
    int                  org, stuck, withdrawn, late, dateonly;
    int32_t              due, plan, res, ret, wdr, ai, nd;
    size_t               pi;
    uint32_t             r, r2, days, ontime, latepm, tpm, version;
    uint32_t             due_secs, res_secs, ret_secs, wdr_secs, ai_secs;
    onestop_buf_t          *b;
    demo_style_t         st;
    const char          *reason;
    const demo_proc_t   *p;
    const demo_agency_t *a;
    const demo_word_t   *fam, *given, *brand;
    static const char   *const channels[] = { "direct", "online", "postal" };

    b = &d->out;
    b->len = 0;

    /* who handles it */

    r = demo_rnd(d, 1000);

    if (r < DEMO_COMMUNE_PM) {
        a = &d->agencies[DEMO_NDEPTS + DEMO_NDISTRICTS
                         + demo_pick_cum(d, d->commune_cum, DEMO_NCOMMUNES)];
        pi = d->group[L_COMMUNE][demo_pick_cum(d, d->group_cum[L_COMMUNE],
                                               d->ngroup[L_COMMUNE])];

    } else if (r < DEMO_COMMUNE_PM + DEMO_DISTRICT_PM) {
        a = &d->agencies[DEMO_NDEPTS
                         + demo_pick_cum(d, d->district_cum,
                                         DEMO_NDISTRICTS)];
        pi = d->group[L_DISTRICT][demo_pick_cum(d, d->group_cum[L_DISTRICT],
                                                d->ngroup[L_DISTRICT])];

    } else {
        pi = d->group[L_PROVINCE][demo_pick_cum(d, d->group_cum[L_PROVINCE],
                                                d->ngroup[L_PROVINCE])];
        p = &demo_procs[pi];
        a = &d->agencies[(p->dept2 >= 0 && demo_rnd(d, 1000) < DEMO_DEPT2_PM)
                         ? p->dept2 : p->dept];
    }

    p = &demo_procs[pi];
    days = p->days;
    tpm = (uint32_t) ((int64_t) 1000 * (rday - d->start) / d->span);

    /* the timeline, as planned, then cut at today */

    due = demo_add_wd(d, rday, days);
    due_secs = a->due_secs;

    res = ret = wdr = ai = nd = -1;
    res_secs = ret_secs = wdr_secs = ai_secs = 0;
    plan = -1;
    late = 0;
    reason = NULL;

    r = demo_rnd(d, 1000);
    withdrawn = r < 20;
    stuck = r >= 20 && r < 40;

    if (withdrawn) {
        wdr = demo_add_wd(d, rday, demo_rnd(d, days + 1));
        if (wdr > d->today) {
            wdr = -1;

        } else {
            wdr_secs = demo_event_secs(d, wdr, rday, rsecs);
        }

    } else if (!stuck) {
        /* the rest of the thousand are early */
        if (demo_fields[p->field].hard) {
            ontime = 270;
            latepm = 190;

        } else {
            ontime = 215;
            latepm = 50;
        }

        /* late dossiers get rarer over the years */
        latepm = latepm * (1300 - 600 * tpm / 1000) / 1000;

        r = demo_rnd(d, 1000);

        if (r < latepm) {
            late = 1;
            r = demo_rnd(d, 100);
            r = r < 45 ? 1 : r < 70 ? 2 : r < 85 ? 3
                : r < 95 ? 4 + demo_rnd(d, 4) : 8 + demo_rnd(d, 13);
            plan = demo_add_wd(d, due, r);

        } else if (r < latepm + ontime) {
            plan = due;

        } else {
            r = demo_rnd(d, days);
            if (demo_rnd(d, 2)) {
                /* skewed towards the due date */
                r2 = demo_rnd(d, days);
                r = r > r2 ? r : r2;
            }
            plan = demo_add_wd(d, rday, r);
        }

        if (plan <= d->today) {
            res = plan;
            res_secs = demo_event_secs(d, res, rday, rsecs);

            if (demo_rnd(d, 1000) < 860) {
                r = demo_rnd(d, 100);
                r = r < 25 ? 0 : r < 60 ? 1 : r < 78 ? 2 : r < 90 ? 3
                    : 4 + demo_rnd(d, 4);
                ret = demo_add_wd(d, res, r);
                if (ret > d->today) {
                    ret = -1;

                } else {
                    ret_secs = demo_event_secs(d, ret, res, res_secs);
                }
            }
        }

        /* an apology letter for most late dossiers */

        if (late && due <= d->today && demo_rnd(d, 1000) < 600) {
            ai = demo_add_wd(d, due, demo_rnd(d, 2));
            ai = ai < plan ? ai : plan;
            ai = ai < d->today ? ai : d->today;
            nd = demo_add_wd(d, plan, demo_rnd(d, 3));
        }
    }

    if (stuck && due < d->today && demo_rnd(d, 2)) {
        ai = demo_add_wd(d, due, demo_rnd(d, 4));
        ai = ai < d->today ? ai : d->today;
        nd = demo_add_wd(d, due, 5 + demo_rnd(d, 16));
    }

    if (ai >= 0) {
        ai_secs = demo_office_secs(d);

        r = demo_rnd(d, 100);
        if (r < 3) {
            reason = NULL;

        } else if (demo_in_lockdown(d, rday) && r < 60) {
            reason = demo_reason_covid;

        } else if (p->field == F_TUPHAP && r < 70) {
            reason = demo_reason_lltp;

        } else if (demo_fields[p->field].hard && r < 80) {
            reason = demo_pick(d, demo_reasons_land);

        } else {
            reason = demo_pick(d, demo_reasons_any);
        }
    }

    /* resolved, returned, withdrawn, the apology letter */
    demo_times(d, rday, rsecs, (int32_t[]) { res, ret, wdr, ai },
               (uint32_t[]) { res_secs, ret_secs, wdr_secs, ai_secs }, 4);

    version = 1 + (ai >= 0) + (res >= 0) + (ret >= 0) + (wdr >= 0);
    if (version < 4 && demo_rnd(d, 100) < 12) {
        version++;
    }

    /* how the times are written: mostly +07:00 */

    memset(&st, 0, sizeof(st));
    r = demo_rnd(d, 1000);

    if (r < 20) {
        st.zulu = 1;

    } else if (r < 30) {
        static const int  offsets[] = { 0, 480, 540, -300, 330, -180 };

        st.offset = offsets[demo_rnd(d, DEMO_NELTS(offsets))];

    } else {
        st.offset = 420;
    }

    st.lower = demo_rnd(d, 1000) < 2;
    st.frac = demo_rnd(d, 1000) < 5;           /* received_at only */
    st.ms = demo_rnd(d, 1000);
    dateonly = demo_rnd(d, 100) < 3;

    /* the record */

    onestop_buf_adds(b, "{\"code\":\"");
    onestop_buf_adds(b, a->id);
    demo_putc(b, '-');
    {
        int       y;
        unsigned  m, dd;

        onestop_civil_from_days(rday, &y, &m, &dd);
        demo_num(b, (uint64_t) (y % 100), 2);
        demo_num(b, m, 2);
        demo_num(b, dd, 2);
    }
    demo_putc(b, '-');
    demo_num(b, ++d->counter[a - d->agencies], 4);

    onestop_buf_adds(b, "\",\"version\":");
    demo_num(b, version, 1);
    onestop_buf_adds(b, ",\"agency\":\"");
    onestop_buf_adds(b, a->id);
    onestop_buf_adds(b, "\",\"procedure\":\"");
    onestop_buf_adds(b, p->id);
    onestop_buf_adds(b, "\",\"channel\":\"");
    onestop_buf_adds(b, channels[ch]);
    onestop_buf_adds(b, "\",\"return_channel\":\"");

    r = demo_rnd(d, 100);
    if (ch == CH_POSTAL) {
        onestop_buf_adds(b, r < 72 ? "postal" : "counter");

    } else if (ch == CH_ONLINE) {
        onestop_buf_adds(b, r < 58 ? "counter" : r < 76 ? "postal" : "online");

    } else {
        onestop_buf_adds(b, r < 88 ? "counter" : r < 96 ? "postal" : "online");
    }

    /* applicant and contact */

    r = demo_rnd(d, 1000);
    org = p->kind == K_ORG ? r < 820 : p->kind == K_MIX ? r < 200 : r < 10;

    onestop_buf_adds(b, "\",\"applicant\":{\"name\":\"");
    fam = given = brand = NULL;

    if (org) {
        brand = demo_organization(d, b, a);
        onestop_buf_adds(b, "\",\"type\":\"organization\"}");

    } else {
        demo_person(d, b, &fam, &given);
        onestop_buf_adds(b, "\",\"type\":\"citizen\"}");
    }

    r = demo_rnd(d, 100);
    if (r >= 4) {
        onestop_buf_adds(b, ",\"contact\":{");

        if (r >= 10) {
            onestop_buf_adds(b, "\"phone\":\"");
            demo_phone(d, b);
            demo_putc(b, '"');
        }

        if (r < 10 || demo_rnd(d, 100) < (org ? 70u : 20u)) {
            if (r >= 10) {
                demo_putc(b, ',');
            }

            onestop_buf_adds(b, "\"email\":\"");

            if (org) {
                onestop_buf_adds(b, demo_rnd(d, 2) ? "info." : "ketoan.");
                onestop_buf_adds(b, brand->ascii);

            } else if (demo_rnd(d, 2)) {
                onestop_buf_adds(b, given->ascii);
                demo_putc(b, '.');
                onestop_buf_adds(b, fam->ascii);
                demo_num(b, demo_rnd(d, 100), 2);

            } else {
                onestop_buf_adds(b, fam->ascii);
                onestop_buf_adds(b, given->ascii);
                demo_num(b, 1960 + demo_rnd(d, 45), 4);
            }

            demo_putc(b, '@');
            onestop_buf_adds(b, demo_pick(d, demo_mail_domains));
            demo_putc(b, '"');
        }

        demo_putc(b, '}');
    }

    /* dates */

    onestop_buf_adds(b, ",\"received_at\":");
    demo_ts(b, rday, rsecs, &st);
    st.frac = 0;

    onestop_buf_adds(b, ",\"due_at\":");
    if (dateonly) {
        demo_putc(b, '"');
        demo_date(b, due);
        demo_putc(b, '"');

    } else {
        demo_ts(b, due, due_secs, &st);
    }

    onestop_buf_adds(b, ",\"resolved_at\":");
    if (res >= 0) {
        demo_ts(b, res, res_secs, &st);

    } else {
        onestop_buf_adds(b, "null");
    }

    onestop_buf_adds(b, ",\"returned_at\":");
    if (ret >= 0) {
        demo_ts(b, ret, ret_secs, &st);

    } else {
        onestop_buf_adds(b, "null");
    }

    onestop_buf_adds(b, ",\"withdrawn_at\":");
    if (wdr >= 0) {
        demo_ts(b, wdr, wdr_secs, &st);

    } else {
        onestop_buf_adds(b, "null");
    }

    onestop_buf_adds(b, ",\"apology\":");
    if (ai >= 0) {
        onestop_buf_adds(b, "{\"issued_at\":");
        demo_ts(b, ai, ai_secs, &st);
        onestop_buf_adds(b, ",\"new_due_at\":");

        if (demo_rnd(d, 2)) {
            demo_putc(b, '"');
            demo_date(b, nd);
            demo_putc(b, '"');

        } else {
            demo_ts(b, nd, DEMO_CLOSE, &st);
        }

        if (reason) {
            onestop_buf_adds(b, ",\"reason\":");
            demo_str(b, reason);
        }

        demo_putc(b, '}');

    } else {
        onestop_buf_adds(b, "null");
    }

    demo_putc(b, '}');
}


static int
demo_cmp_keys(const void *one, const void *two)
{
    uint32_t  a, b;

    a = *(const uint32_t *) one;
    b = *(const uint32_t *) two;

    return (a > b) - (a < b);
}


/* floor(n * c / w) without overflow, for c <= w */

static size_t
demo_share(size_t n, uint64_t c, uint64_t w)
{
    return (size_t) ((uint64_t) (n / w) * c + (uint64_t) (n % w) * c / w);
}


/* onestop_demo_generate's records, without their times */

typedef struct {
    onestop_demo_emit_pt   emit_catalog;
    onestop_demo_emit_pt   emit_record;
    void                  *ctx;
} demo_untimed_t;


static int
demo_untimed_catalog(void *ctx, const char *json, size_t len)
{
    demo_untimed_t  *u = ctx;

    return u->emit_catalog(u->ctx, json, len);
}


static int
demo_untimed_record(void *ctx, const char *json, size_t len,
    const onestop_demo_times_t *times)
{
    demo_untimed_t  *u = ctx;

    return u->emit_record(u->ctx, json, len);
}


int
onestop_demo_generate(uint64_t seed, size_t ndossiers, int32_t today,
    onestop_demo_emit_pt emit_catalog, onestop_demo_emit_pt emit_record,
    void *ctx)
{
    demo_untimed_t  u;

    u.emit_catalog = emit_catalog;
    u.emit_record = emit_record;
    u.ctx = ctx;

    return onestop_demo_generate_timed(seed, ndossiers, today,
                                       demo_untimed_catalog,
                                       demo_untimed_record, &u);
}


int
onestop_demo_generate_timed(uint64_t seed, size_t ndossiers, int32_t today,
    onestop_demo_emit_pt emit_catalog, onestop_demo_emit_timed_pt emit_record,
    void *ctx)
{
    int        rc;
    int32_t    day;
    size_t     i, c, done, target, cap;
    uint32_t  *keys, secs, ch, online;
    uint64_t   total, cum;
    demo_t    *d;

    d = malloc(sizeof(demo_t));
    if (d == NULL) {
        return -1;
    }

    rc = -1;
    cap = 0;

    if (demo_init(d, seed, today) != 0) {
        goto done;
    }

    demo_catalog(d, &d->out);
    if (d->out.failed) {
        goto done;
    }

    rc = emit_catalog(ctx, d->out.data, d->out.len);
    if (rc != 0) {
        goto done;
    }

    total = 0;
    for (day = d->start; day <= today; day++) {
        if (demo_is_working(d, day)) {
            total += demo_day_weight(d, day);
        }
    }

    cum = 0;
    done = 0;

    for (day = d->start; day <= today && done < ndossiers; day++) {
        if (!demo_is_working(d, day)) {
            continue;
        }

        cum += demo_day_weight(d, day);
        target = demo_share(ndossiers, cum, total);
        c = target - done;
        done = target;

        if (c == 0) {
            continue;
        }

        if (c > cap) {
            keys = realloc(d->keys, c * sizeof(uint32_t));
            if (keys == NULL) {
                rc = -1;
                goto done;
            }
            d->keys = keys;
            cap = c;
        }

        /* the day's intake: a channel and a time each, in time order */

        online = 147 + 400 * (uint32_t) ((int64_t) 1000 * (day - d->start)
                                        / d->span) / 1000;
        if (demo_in_lockdown(d, day)) {
            online += 150;
        }

        for (i = 0; i < c; i++) {
            secs = demo_rnd(d, 1000);
            ch = secs < 70 ? CH_POSTAL
                 : secs < 70 + online ? CH_ONLINE : CH_DIRECT;
            secs = ch == CH_ONLINE
                   ? DEMO_OPEN + demo_rnd(d, DEMO_CLOSE - DEMO_OPEN + 1)
                   : demo_office_secs(d);
            d->keys[i] = secs << 2 | ch;
        }

        qsort(d->keys, c, sizeof(uint32_t), demo_cmp_keys);
        memset(d->counter, 0, DEMO_NAGENCIES * sizeof(uint32_t));

        for (i = 0; i < c; i++) {
            demo_record(d, day, d->keys[i] >> 2, d->keys[i] & 3);
            if (d->out.failed) {
                rc = -1;
                goto done;
            }

            rc = emit_record(ctx, d->out.data, d->out.len, &d->times);
            if (rc != 0) {
                goto done;
            }
        }
    }

    rc = 0;

done:

    free(d->keys);
    free(d->counter);
    free(d->wd);
    onestop_buf_free(&d->out);
    free(d);

    return rc;
}
