/*
 * Whether nginx's workers can reach the store: search every directory
 * down to it, and read and write data.mdb and lock.mdb.  It is judged from
 * owners and modes, so that "nginx -t" and a start can say what is wrong
 * before any worker runs; a file with an access control list is left to
 * the open.  A problem's message says what is wrong and the command that
 * fixes it.  Called by ngx_http_onestop_module.c only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"

#include <sys/xattr.h>


/* a user who must reach the store: nginx's workers' user, or the process */

typedef struct {
    ngx_uid_t   uid;
    ngx_gid_t   gid;
    gid_t      *groups;
    int         ngroups;
    char        user[64];
    char        group[64];
} ngx_http_onestop_cred_t;


#define NGX_HTTP_ONESTOP_ABOVE  0       /* a directory above the store */
#define NGX_HTTP_ONESTOP_DIR    1       /* the store's directory */
#define NGX_HTTP_ONESTOP_FILE   2       /* data.mdb, lock.mdb */


static ngx_int_t ngx_http_onestop_cred(ngx_http_onestop_cred_t *cr,
    ngx_uid_t uid, ngx_gid_t gid, const char *username, ngx_log_t *log);
static ngx_int_t ngx_http_onestop_reach(ngx_http_onestop_cred_t *cr,
    const u_char *store, size_t len, char *msg, size_t size);
static void ngx_http_onestop_shell_word(char *dst, size_t size,
    const char *s);
static ngx_int_t ngx_http_onestop_reach_one(ngx_http_onestop_cred_t *cr,
    const char *path, ngx_uint_t kind, const char *store, char *msg,
    size_t size);


static ngx_int_t
ngx_http_onestop_cred(ngx_http_onestop_cred_t *cr, ngx_uid_t uid,
    ngx_gid_t gid, const char *username, ngx_log_t *log)
{
    int             i, n;
    struct group   *gr;
    struct passwd  *pw;

    ngx_memzero(cr, sizeof(ngx_http_onestop_cred_t));
    cr->uid = uid;
    cr->gid = gid;

    pw = username == NULL ? getpwuid(uid) : NULL;

    if (username == NULL && pw != NULL) {
        username = pw->pw_name;
    }

    if (username != NULL) {
        ngx_cpystrn((u_char *) cr->user, (u_char *) username,
                    sizeof(cr->user));

    } else {
        ngx_snprintf((u_char *) cr->user, sizeof(cr->user), "%uL%Z",
                     (uint64_t) uid);
    }

    gr = getgrgid(gid);

    if (gr != NULL) {
        ngx_cpystrn((u_char *) cr->group, (u_char *) gr->gr_name,
                    sizeof(cr->group));

    } else {
        ngx_snprintf((u_char *) cr->group, sizeof(cr->group), "%uL%Z",
                     (uint64_t) gid);
    }

    /* the process's own groups, or those initgroups() gives the workers */

    if (uid == geteuid()) {
        n = getgroups(0, NULL);
        n = n > 0 ? n : 0;
        cr->groups = ngx_alloc((n + 1) * sizeof(gid_t), log);

        if (cr->groups == NULL) {
            return NGX_ERROR;
        }

        n = getgroups(n, cr->groups);
        cr->ngroups = n > 0 ? n : 0;
        return NGX_OK;
    }

    n = 64;

    for (i = 0; i < 2; i++) {
        cr->groups = ngx_alloc(n * sizeof(gid_t), log);

        if (cr->groups == NULL) {
            return NGX_ERROR;
        }

        if (getgrouplist(cr->user, gid, cr->groups, &n) != -1) {
            cr->ngroups = n;
            return NGX_OK;
        }

        /* n is now the number of the user's groups */

        ngx_free(cr->groups);
        cr->groups = NULL;
    }

    return NGX_OK;                      /* its group alone */
}


static ngx_int_t
ngx_http_onestop_reach(ngx_http_onestop_cred_t *cr, const u_char *store,
    size_t len, char *msg, size_t size)
{
    size_t  i;
    char    dir[NGX_MAX_PATH], path[NGX_MAX_PATH];

    if (cr->uid == 0) {
        return NGX_OK;
    }

    while (len > 1 && store[len - 1] == '/') {
        len--;
    }

    if (len + sizeof("/data.mdb") > NGX_MAX_PATH) {
        return NGX_OK;
    }

    ngx_memcpy(dir, store, len);
    dir[len] = '\0';

    /* every directory above the store, "/" first */

    for (i = 0; dir[0] == '/' && i < len; i++) {
        if (dir[i] != '/') {
            continue;
        }

        ngx_memcpy(path, dir, i ? i : 1);
        path[i ? i : 1] = '\0';

        if (ngx_http_onestop_reach_one(cr, path, NGX_HTTP_ONESTOP_ABOVE, dir,
                                       msg, size)
            != NGX_OK)
        {
            return NGX_DECLINED;
        }
    }

    if (ngx_http_onestop_reach_one(cr, dir, NGX_HTTP_ONESTOP_DIR, dir, msg,
                                   size)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    ngx_snprintf((u_char *) path, NGX_MAX_PATH, "%s/data.mdb%Z", dir);

    if (ngx_http_onestop_reach_one(cr, path, NGX_HTTP_ONESTOP_FILE, dir, msg,
                                   size)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    ngx_snprintf((u_char *) path, NGX_MAX_PATH, "%s/lock.mdb%Z", dir);

    return ngx_http_onestop_reach_one(cr, path, NGX_HTTP_ONESTOP_FILE, dir,
                                      msg, size);
}


static void
ngx_http_onestop_shell_word(char *dst, size_t size, const char *s)
{
    size_t       n;
    const char  *c;

    for (c = s; *c; c++) {
        if (!isalnum((unsigned char) *c) && strchr("/._-+:@,%=", *c) == NULL)
        {
            break;
        }
    }

    if (*c == '\0') {
        ngx_cpystrn((u_char *) dst, (u_char *) s, size);
        return;
    }

    n = 0;

    if (n + 1 < size) {
        dst[n++] = '\'';
    }

    for (c = s; *c && n + 5 < size; c++) {
        if (*c == '\'') {
            ngx_memcpy(dst + n, "'\\''", 4);
            n += 4;

        } else {
            dst[n++] = *c;
        }
    }

    if (n + 1 < size) {
        dst[n++] = '\'';
    }

    dst[n] = '\0';
}


static ngx_int_t
ngx_http_onestop_reach_one(ngx_http_onestop_cred_t *cr, const char *path,
    ngx_uint_t kind, const char *store, char *msg, size_t size)
{
    int             i, in;
    char            cls, owner[64], group[64];
    char            word[2 * NGX_MAX_PATH], dir[2 * NGX_MAX_PATH];
    unsigned        need, bits, mode;
    const char     *action, *perm;
    struct stat     st;
    struct group   *gr;
    struct passwd  *pw;

    if (stat(path, &st) == -1) {
        return NGX_OK;                  /* the open says why */
    }

    if (getxattr(path, "system.posix_acl_access", NULL, 0) > 0) {
        return NGX_OK;                  /* beyond the mode: the open says */
    }

    need = kind == NGX_HTTP_ONESTOP_FILE ? 6 : 1;
    mode = st.st_mode & 07777;

    in = (st.st_gid == cr->gid);

    for (i = 0; !in && i < cr->ngroups; i++) {
        in = (st.st_gid == cr->groups[i]);
    }

    if (st.st_uid == cr->uid
        || (ngx_test_config && geteuid() == 0
            && kind != NGX_HTTP_ONESTOP_ABOVE))
    {
        /* "nginx -t" as root gives nothing away: a start will */
        cls = 'u';
        bits = (mode >> 6) & 7;

    } else if (in) {
        cls = 'g';
        bits = (mode >> 3) & 7;

    } else {
        cls = 'o';
        bits = mode & 7;
    }

    if ((bits & need) == need) {
        return NGX_OK;
    }

    pw = getpwuid(st.st_uid);
    gr = getgrgid(st.st_gid);

    if (pw != NULL) {
        ngx_cpystrn((u_char *) owner, (u_char *) pw->pw_name, sizeof(owner));

    } else {
        snprintf(owner, sizeof(owner), "%lu", (unsigned long) st.st_uid);
    }

    if (gr != NULL) {
        ngx_cpystrn((u_char *) group, (u_char *) gr->gr_name, sizeof(group));

    } else {
        snprintf(group, sizeof(group), "%lu", (unsigned long) st.st_gid);
    }

    action = need == 6 ? "read and write" : "search";
    perm = need == 6 ? "rw" : "x";

    ngx_http_onestop_shell_word(word, sizeof(word), path);

    if (kind == NGX_HTTP_ONESTOP_ABOVE) {
        snprintf(msg, size, "cannot search the directory \"%s\" above the "
                 "store: its mode is %04o (owner %s:%s); fix: chmod %c+x %s, "
                 "or put the store elsewhere",
                 path, mode, owner, group, cls, word);
        return NGX_DECLINED;
    }

    if (st.st_uid == cr->uid) {
        snprintf(msg, size, "cannot %s \"%s\": its mode is %04o (owner "
                 "%s:%s); fix: chmod u+%s %s",
                 action, path, mode, owner, group, perm, word);
        return NGX_DECLINED;
    }

    /* the store and its files belong to the user who opens them */

    ngx_http_onestop_shell_word(dir, sizeof(dir), store);

    if (((mode >> 6) & need) == need) {
        snprintf(msg, size, "cannot %s \"%s\": it belongs to %s:%s (mode "
                 "%04o); fix: chown -R %s:%s %s",
                 action, path, owner, group, mode, cr->user, cr->group, dir);

    } else {
        snprintf(msg, size, "cannot %s \"%s\": it belongs to %s:%s (mode "
                 "%04o); fix: chown -R %s:%s %s && chmod u+%s %s",
                 action, path, owner, group, mode, cr->user, cr->group, dir,
                 perm, word);
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_onestop_workers_reach(ngx_cycle_t *cycle, const u_char *store,
    size_t len)
{
    char                      msg[4 * NGX_MAX_PATH];
    ngx_int_t                 rc;
    ngx_core_conf_t          *ccf;
    ngx_http_onestop_cred_t   cr;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (geteuid() != 0
        || ccf->user == (ngx_uid_t) NGX_CONF_UNSET_UINT
        || ccf->user == 0
        || !ccf->master
        || ngx_process == NGX_PROCESS_SIGNALLER)
    {
        return NGX_OK;
    }

    if (ngx_http_onestop_cred(&cr, ccf->user, ccf->group, ccf->username,
                              cycle->log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    rc = ngx_http_onestop_reach(&cr, store, len, msg, sizeof(msg));

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "store \"%*s\": nginx's workers, which run as user "
                      "\"%s\", %s", len, store, cr.user, msg);
    }

    ngx_free(cr.groups);

    if (rc == NGX_OK || ngx_process == NGX_PROCESS_MASTER) {
        return NGX_OK;
    }

    return NGX_ERROR;
}


void
ngx_http_onestop_open_failed(ngx_log_t *log, const u_char *store, size_t len,
    const char *err)
{
    char                      msg[4 * NGX_MAX_PATH];
    ngx_int_t                 rc;
    ngx_http_onestop_cred_t   cr;

    rc = NGX_OK;

    if (ngx_http_onestop_cred(&cr, geteuid(), getegid(), NULL, log)
        == NGX_OK)
    {
        rc = ngx_http_onestop_reach(&cr, store, len, msg, sizeof(msg));
        ngx_free(cr.groups);
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, log, 0, "%s: user \"%s\" %s",
                      err, cr.user, msg);
        return;
    }

    if (ngx_strstr((u_char *) err, strerror(EACCES)) != NULL) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "%s (user \"%s\" must be able to search every "
                      "directory down to the store, and read and write "
                      "data.mdb and lock.mdb)", err, cr.user);
        return;
    }

    ngx_log_error(NGX_LOG_EMERG, log, 0, "%s", err);
}
