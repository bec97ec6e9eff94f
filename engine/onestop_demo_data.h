/*
 * The demo data set's tables (demo_data.c): Long An's departments,
 * districts and communes, the fields and procedures with their levels,
 * handling times and weights, names, apology reasons, holidays.  Facts
 * only; the generator (demo.c) is what turns them into a catalog and
 * dossiers.  Nothing but those two files includes this.
 */

#ifndef ONESTOP_DEMO_DATA_H
#define ONESTOP_DEMO_DATA_H

#include <stddef.h>
#include <stdint.h>


#define DEMO_NELTS(a)         (sizeof(a) / sizeof((a)[0]))

/* the tables' sizes; demo_data.c declares its tables without them and
 * checks each against its table */
#ifdef ONESTOP_DEMO_DATA_TABLES
#define DEMO_SIZE(n)
#else
#define DEMO_SIZE(n)          n
#endif

#define DEMO_N_DEPTS          18
#define DEMO_N_DISTRICTS      15
#define DEMO_N_COMMUNES       191
#define DEMO_N_FIELDS         26
#define DEMO_N_PROCS          148
#define DEMO_N_FAMILY         30
#define DEMO_N_MIDDLE_M       15
#define DEMO_N_MIDDLE_F       14
#define DEMO_N_GIVEN_M        42
#define DEMO_N_GIVEN_F        43
#define DEMO_N_BRANDS         24
#define DEMO_N_TRADES         18
#define DEMO_N_COOPS          6
#define DEMO_N_MAIL_DOMAINS   4
#define DEMO_N_REASONS_LAND   6
#define DEMO_N_REASONS_ANY    6
#define DEMO_N_HOLIDAYS       32
#define DEMO_N_LOCKDOWNS      2


enum {
    L_PROVINCE = 0,
    L_DISTRICT,
    L_COMMUNE
};

/* who applies: mostly citizens, mixed, mostly organizations */
enum {
    K_CIT = 0,
    K_MIX,
    K_ORG
};

enum {
    CH_DIRECT = 0,
    CH_ONLINE,
    CH_POSTAL
};


/* provincial departments; the agency code is 000.00.{index + 1}.H36 */

enum {
    DP_NOIVU = 0,
    DP_NGOAIVU,
    DP_KHDT,
    DP_TAICHINH,
    DP_CONGTHUONG,
    DP_NNPTNT,
    DP_GTVT,
    DP_XAYDUNG,
    DP_TNMT,
    DP_TTTT,
    DP_LDTBXH,
    DP_TUPHAP,
    DP_VHTTDL,
    DP_KHCN,
    DP_GDDT,
    DP_YTE,
    DP_THANHTRA,
    DP_BQLKKT
};

extern const char *const demo_depts[DEMO_SIZE(DEMO_N_DEPTS)];


/* districts of 2019; the agency code is 000.00.{31 + index}.H36 */

#define DEMO_DISTRICT_CODE    31

typedef struct {
    const char  *kind;
    const char  *name;
    uint32_t     pop;              /* thousands of inhabitants */
} demo_district_t;

extern const demo_district_t demo_districts[DEMO_SIZE(DEMO_N_DISTRICTS)];


/* communes, wards and towns by district; the agency code is
 * 000.{number in the district}.{district code}.H36 */

typedef struct {
    uint8_t      district;
    const char  *name;
} demo_commune_t;

extern const demo_commune_t demo_communes[DEMO_SIZE(DEMO_N_COMMUNES)];


/* fields */

enum {
    F_TUPHAP = 0,
    F_HOTICH,
    F_CHUNGTHUC,
    F_DKKD,
    F_DAUTU,
    F_DATDAI,
    F_MOITRUONG,
    F_NUOC,
    F_XAYDUNG,
    F_GIAOTHONG,
    F_LAODONG,
    F_NGUOICOCONG,
    F_BAOTRO,
    F_YTE,
    F_ATTP,
    F_GIAODUC,
    F_THUONGMAI,
    F_NONGNGHIEP,
    F_TAICHINH,
    F_NOIVU,
    F_TONGIAO,
    F_VANHOA,
    F_KHCN,
    F_TTTT,
    F_KHIEUNAI,
    F_NGOAIVU
};

typedef struct {
    const char  *id;
    const char  *name;
    unsigned     hard;            /* late dossiers are more common */
} demo_field_t;

extern const demo_field_t demo_fields[DEMO_SIZE(DEMO_N_FIELDS)];


/* procedures: id, field, level, the department(s) handling it for the
 * province level, the legal handling time in working days, who applies,
 * how common it is, and the name */

typedef struct {
    const char  *id;
    uint8_t      field;
    uint8_t      level;
    int8_t       dept;
    int8_t       dept2;
    uint8_t      days;
    uint8_t      kind;
    uint16_t     weight;
    const char  *name;
} demo_proc_t;

extern const demo_proc_t demo_procs[DEMO_SIZE(DEMO_N_PROCS)];


/* names */

typedef struct {
    const char  *text;
    const char  *ascii;           /* for e-mail addresses */
    uint16_t     weight;
} demo_word_t;

extern const demo_word_t demo_family[DEMO_SIZE(DEMO_N_FAMILY)];
extern const demo_word_t demo_middle_m[DEMO_SIZE(DEMO_N_MIDDLE_M)];
extern const demo_word_t demo_middle_f[DEMO_SIZE(DEMO_N_MIDDLE_F)];
extern const demo_word_t demo_given_m[DEMO_SIZE(DEMO_N_GIVEN_M)];
extern const demo_word_t demo_given_f[DEMO_SIZE(DEMO_N_GIVEN_F)];
extern const demo_word_t demo_brands[DEMO_SIZE(DEMO_N_BRANDS)];
extern const char *const demo_trades[DEMO_SIZE(DEMO_N_TRADES)];
extern const char *const demo_coops[DEMO_SIZE(DEMO_N_COOPS)];
extern const char *const demo_mail_domains[DEMO_SIZE(DEMO_N_MAIL_DOMAINS)];


/* apology reasons */

extern const char *const demo_reasons_land[DEMO_SIZE(DEMO_N_REASONS_LAND)];
extern const char *const demo_reasons_any[DEMO_SIZE(DEMO_N_REASONS_ANY)];
extern const char demo_reason_lltp[];
extern const char demo_reason_covid[];


/* holidays on working days, besides 1/1, 30/4, 1/5 and 2/9; social
 * distancing against COVID-19 in Long An (fewer dossiers) */

typedef struct {
    uint16_t     year;
    uint8_t      month;
    uint8_t      day;
    uint8_t      ndays;
} demo_span_t;

extern const demo_span_t demo_holidays[DEMO_SIZE(DEMO_N_HOLIDAYS)];
extern const demo_span_t demo_lockdowns[DEMO_SIZE(DEMO_N_LOCKDOWNS)];

#endif /* ONESTOP_DEMO_DATA_H */
