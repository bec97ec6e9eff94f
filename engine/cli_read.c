/*
 * The commands that read a store's figures: stats and changes.  Each
 * reads its command line whole before the store is opened, so that a
 * wrong one is exit 2 whatever the store ("no store at" is for a right
 * command line on a wrong directory; onestop(1), EXIT STATUS).
 *
 * Calls the engine's stats and change log, as GET /api/v1/stats and
 * GET /api/v1/changes do.
 */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "onestop_cli.h"
#include "onestop_stats.h"


static int onestop_cli_stats_args(int argc, char **argv,
    onestop_cli_read_t *rd);
static int onestop_cli_changes_args(int argc, char **argv,
    onestop_cli_read_t *rd);
static int onestop_cli_stats(onestop_store_t *st, onestop_cli_read_t *rd);
static int onestop_cli_changes(onestop_store_t *st, onestop_cli_read_t *rd);


int
onestop_cli_read_args(const char *cmd, int argc, char **argv,
    onestop_cli_read_t *rd)
{
    memset(rd, 0, sizeof(onestop_cli_read_t));

    if (strcmp(cmd, "stats") == 0) {
        rd->cmd = ONESTOP_CLI_STATS;
        return onestop_cli_stats_args(argc, argv, rd);
    }

    if (strcmp(cmd, "changes") == 0) {
        rd->cmd = ONESTOP_CLI_CHANGES;
        return onestop_cli_changes_args(argc, argv, rd);
    }

    return 0;
}


int
onestop_cli_read(onestop_store_t *st, onestop_cli_read_t *rd)
{
    return rd->cmd == ONESTOP_CLI_STATS ? onestop_cli_stats(st, rd)
                                        : onestop_cli_changes(st, rd);
}


/* each option is a query argument of GET /api/v1/stats, by name */

static int
onestop_cli_stats_args(int argc, char **argv, onestop_cli_read_t *rd)
{
    int  c;

    static const struct option  options[] = {
        { "from", required_argument, NULL, 0 },
        { "to", required_argument, NULL, 0 },
        { "period", required_argument, NULL, 0 },
        { "interval", required_argument, NULL, 0 },
        { "group", required_argument, NULL, 0 },
        { "agency", required_argument, NULL, 0 },
        { "under", required_argument, NULL, 0 },
        { "field", required_argument, NULL, 0 },
        { "procedure", required_argument, NULL, 0 },
        { "channel", required_argument, NULL, 0 },
        { "level", required_argument, NULL, 0 },
        { "format", required_argument, NULL, 0 },
        { "locale", required_argument, NULL, 0 },       /* issue 15 */
        { "subject", required_argument, NULL, 0 },
        { "kind", required_argument, NULL, 0 },
        { "as", required_argument, NULL, 0 },           /* issue 18 */
        { "return_channel", required_argument, NULL, 0 },
        { NULL, 0, NULL, 0 }
    };

    optind = 0;
    opterr = 0;

    for ( ;; ) {
        int  i = -1;

        c = getopt_long(argc, argv, "+:", options, &i);

        if (c == -1) {
            break;
        }

        if (c == ':') {
            return onestop_cli_usage_error("stats: %s needs a value",
                                           argv[optind - 1]);
        }

        if (c != 0) {
            return onestop_cli_usage_error("stats: unknown option \"%s\"",
                                           argv[optind - 1]);
        }

        if (rd->n == ONESTOP_ARGS_MAX) {
            return onestop_cli_usage_error("stats: too many options (at "
                                           "most %d)", ONESTOP_ARGS_MAX);
        }

        rd->args[rd->n].key.data = options[i].name;
        rd->args[rd->n].key.len = strlen(options[i].name);
        rd->args[rd->n].value.data = optarg;
        rd->args[rd->n].value.len = strlen(optarg);
        rd->n++;
    }

    if (optind < argc) {
        return onestop_cli_usage_error("stats: unexpected argument \"%s\"",
                                       argv[optind]);
    }

    return 0;
}


static int
onestop_cli_stats(onestop_store_t *st, onestop_cli_read_t *rd)
{
    int                       rc;
    onestop_buf_t             out;
    onestop_query_t           q;
    const onestop_catalog_t  *cat;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return onestop_cli_fail("cannot read the store: %s",
                                onestop_store_strerror(st));
    }

    cat = onestop_store_catalog(st);

    if (cat == NULL) {
        onestop_store_read_end(st);
        return onestop_cli_fail("cannot read the catalog: %s",
                                onestop_store_strerror(st));
    }

    /* a value the API would answer 400: the command line is wrong */

    if (onestop_query_parse(&q, cat, rd->args, rd->n) != 0) {
        onestop_store_read_end(st);
        return onestop_cli_usage_error("stats: %s", q.error);
    }

    memset(&out, 0, sizeof(out));
    rc = onestop_store_stats(st, &q, onestop_today(onestop_store_offset(st)),
                             &out);
    onestop_store_read_end(st);

    if (rc == -1) {
        onestop_buf_free(&out);
        return onestop_cli_fail("%s", q.error);
    }

    if (rc != 0) {
        onestop_buf_free(&out);
        return onestop_cli_fail("cannot compute the statistics");
    }

    fwrite(out.data, 1, out.len, stdout);
    onestop_buf_free(&out);
    return 0;
}



/* changes [after=N] [limit=N]: a page of the change log, as GET
 * /api/v1/changes answers it */

static int
onestop_cli_changes_args(int argc, char **argv, onestop_cli_read_t *rd)
{
    int          i;
    const char  *eq;

    if (argc > 3) {
        return onestop_cli_usage_error("changes takes after=N and limit=N");
    }

    for (i = 1; i < argc; i++) {
        eq = strchr(argv[i], '=');

        if (eq == NULL) {
            return onestop_cli_usage_error("changes takes after=N and "
                                           "limit=N, not \"%s\"", argv[i]);
        }

        rd->args[i - 1].key.data = argv[i];
        rd->args[i - 1].key.len = (size_t) (eq - argv[i]);
        rd->args[i - 1].value.data = eq + 1;
        rd->args[i - 1].value.len = strlen(eq + 1);
    }

    if (onestop_changes_query(&rd->changes, rd->args, (size_t) argc - 1)
        != 0)
    {
        return onestop_cli_usage_error("changes: %s", rd->changes.error);
    }

    return 0;
}


static int
onestop_cli_changes(onestop_store_t *st, onestop_cli_read_t *rd)
{
    int                        status;
    onestop_buf_t              b;
    onestop_changes_result_t   res;
    onestop_changes_query_t   *q = &rd->changes;

    if (onestop_store_read_begin(st) != ONESTOP_OK) {
        return onestop_cli_fail("cannot read the store: %s",
                                onestop_store_strerror(st));
    }

    memset(&b, 0, sizeof(onestop_buf_t));
    status = onestop_changes_read(st, q->has_after ? q->after
                                                   : ONESTOP_CHANGES_OLDEST,
                                  q->limit, ONESTOP_CHANGES_JSON, &b, &res);
    onestop_store_read_end(st);

    if (status == 200) {
        fwrite(b.data, 1, b.len, stdout);
        fputc('\n', stdout);
    }

    onestop_buf_free(&b);

    if (status != 200) {
        return onestop_cli_fail("%s%s", status == 500 ? "cannot read the "
                                        "change log: " : "", res.message);
    }

    return 0;
}
