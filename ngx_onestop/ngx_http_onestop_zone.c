/*
 * The shared zone: what every worker knows of the store's progress, and
 * the live answers computed from it.
 *
 * The zone holds the outbox sequence that statistics reflect
 * (applied_seq) and a table of rendered answers, each stamped with the
 * sequence and the day it was computed for.  A write raises applied_seq
 * before its requests are answered, and every worker raises it on a short
 * timer from the store's own sequence (which is how the CLI's writes
 * arrive), so a stamped answer is exact exactly while nothing changed and
 * the day did not turn: figures are never updated on the side, they are
 * recomputed from the durable counters when they can have changed.
 *
 * Readers take no lock: a slot is copied under its generation counter (a
 * seqlock) and the copy is thrown away if the generation moved.  Writers
 * of a slot take the slab pool's mutex.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"


#define NGX_HTTP_ONESTOP_ZONE_MAGIC   0x6f6e6573746f7001ULL
#define NGX_HTTP_ONESTOP_ZONE_LAYOUT  8
#define NGX_HTTP_ONESTOP_KEY_MAX      256
#define NGX_HTTP_ONESTOP_SLOTS        1024


typedef struct {
    ngx_atomic_t                gen;          /* odd while written */
    uint64_t                    seq;
    int32_t                     today;
    uint32_t                    len;
    uint32_t                    keylen;
    u_char                      key[NGX_HTTP_ONESTOP_KEY_MAX];
    u_char                      etag[NGX_HTTP_ONESTOP_ETAG_LEN];
    u_char                     *body;
} ngx_http_onestop_slot_t;


struct ngx_http_onestop_shctx_s {
    uint64_t                    magic;
    uint32_t                    layout;
    uint32_t                    nslots;
    ngx_atomic_t                applied_seq;
    ngx_atomic_t                hits;
    ngx_atomic_t                misses;
    ngx_atomic_t                nomem;
    ngx_atomic_t                accepted;
    ngx_atomic_t                requests[NGX_HTTP_ONESTOP_HANDLERS]
                                        [NGX_HTTP_ONESTOP_STATUSES];
    uint64_t                    redis[NGX_HTTP_ONESTOP_REDIS_SHM / 8];
    onestop_telemetry_t         tel;          /* the engine's atomics */
    ngx_http_onestop_slot_t     slots[NGX_HTTP_ONESTOP_SLOTS];
};


const unsigned  ngx_http_onestop_statuses[NGX_HTTP_ONESTOP_STATUSES] = {
    200, 201, 204, 303, 304, 400, 401, 403, 404, 405, 409, 413, 422, 429,
    500, 503, 507, 0
};

const char *const  ngx_http_onestop_handler_names[] = {
    "none", "lookup", "lookup_html", "ingest", "stats", "apologies",
    "widget", "dashboard", "metrics", "qr", "resolve", "receipt", "evaluate",
    "error_page", "changes", "catalog", "sms"
};


static ngx_int_t ngx_http_onestop_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


char *
ngx_http_onestop_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_onestop_main_conf_t  *omcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (omcf->shm_zone != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = ngx_parse_size(&value[2]);

    if (size == NGX_ERROR || size < 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "onestop_zone \"%V\" is too small: 1m at least",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    omcf->shm_zone = ngx_shared_memory_add(cf, &value[1], size,
                                           &ngx_http_onestop_module);
    if (omcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (omcf->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "onestop_zone \"%V\" is already used", &value[1]);
        return NGX_CONF_ERROR;
    }

    omcf->shm_zone->init = ngx_http_onestop_init_zone;
    omcf->shm_zone->data = omcf;

    return NGX_CONF_OK;
}


#define ngx_http_onestop_zone_ours(sh)                                       \
    ((sh) != NULL && (sh)->magic == NGX_HTTP_ONESTOP_ZONE_MAGIC              \
     && (sh)->layout == NGX_HTTP_ONESTOP_ZONE_LAYOUT)


static ngx_int_t
ngx_http_onestop_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t               *shpool;
    ngx_http_onestop_shctx_t      *sh;
    ngx_http_onestop_main_conf_t  *omcf;

    omcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    /* a reload's zone (the old configuration's), else one that exists
     * already: kept when its layout is ours */

    sh = data ? ((ngx_http_onestop_main_conf_t *) data)->sh : NULL;

    if (!ngx_http_onestop_zone_ours(sh) && shm_zone->shm.exists) {
        sh = shpool->data;
    }

    if (ngx_http_onestop_zone_ours(sh)) {
        omcf->sh = sh;
        omcf->shpool = shpool;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_onestop_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->magic = NGX_HTTP_ONESTOP_ZONE_MAGIC;
    sh->layout = NGX_HTTP_ONESTOP_ZONE_LAYOUT;
    sh->nslots = NGX_HTTP_ONESTOP_SLOTS;

    shpool->data = sh;
    shpool->log_nomem = 0;

    omcf->sh = sh;
    omcf->shpool = shpool;

    return NGX_OK;
}


void *
ngx_http_onestop_zone_redis(ngx_http_onestop_main_conf_t *omcf)
{
    return omcf->sh != NULL ? omcf->sh->redis : NULL;
}


uint64_t
ngx_http_onestop_zone_seq(ngx_http_onestop_main_conf_t *omcf)
{
    return omcf->sh != NULL ? (uint64_t) omcf->sh->applied_seq : 0;
}


void
ngx_http_onestop_zone_raise(ngx_http_onestop_main_conf_t *omcf, uint64_t seq)
{
    ngx_atomic_uint_t  old;

    if (omcf->sh == NULL) {
        return;
    }

    for ( ;; ) {
        old = omcf->sh->applied_seq;

        if ((uint64_t) old >= seq
            || ngx_atomic_cmp_set(&omcf->sh->applied_seq, old,
                                  (ngx_atomic_uint_t) seq))
        {
            return;
        }
    }
}


void
ngx_http_onestop_zone_catch_up(ngx_http_onestop_main_conf_t *omcf)
{
    uint64_t                    seq;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (wk->store == NULL || omcf->sh == NULL) {
        return;
    }

    if (ngx_http_onestop_read_begin(omcf, wk->store, wk->log) != NGX_OK) {
        return;
    }

    seq = onestop_store_seq(wk->store);
    onestop_store_read_end(wk->store);

    ngx_http_onestop_zone_raise(omcf, seq);
}


static ngx_http_onestop_slot_t *
ngx_http_onestop_zone_slot(ngx_http_onestop_main_conf_t *omcf,
    ngx_str_t *key)
{
    return &omcf->sh->slots[ngx_crc32_short(key->data, key->len)
                            % NGX_HTTP_ONESTOP_SLOTS];
}


ngx_int_t
ngx_http_onestop_zone_get(ngx_http_request_t *r,
    ngx_http_onestop_main_conf_t *omcf, ngx_str_t *key, int32_t today,
    ngx_str_t *body, ngx_str_t *etag)
{
    u_char                     *copy, *src, tag[NGX_HTTP_ONESTOP_ETAG_LEN];
    uint32_t                    len;
    uint64_t                    seq;
    ngx_atomic_uint_t           gen;
    ngx_http_onestop_slot_t    *s;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (omcf->sh == NULL || key->len > NGX_HTTP_ONESTOP_KEY_MAX) {
        return NGX_DECLINED;
    }

    seq = omcf->sh->applied_seq;
    s = ngx_http_onestop_zone_slot(omcf, key);

    gen = s->gen;
    ngx_memory_barrier();

    /*
     * The body's pointer and length are loaded once each: another worker's
     * put may free the body and set the pointer to NULL (and leave it so
     * when its allocation fails) at any moment, so what is tested must be
     * what is copied.  Whatever was read is checked against gen after the
     * copy; until then it only has to stay inside the zone.
     */
    src = *(u_char * volatile *) &s->body;
    len = *(volatile uint32_t *) &s->len;

    if ((gen & 1) || src == NULL || s->seq != seq || s->today != today
        || s->keylen != key->len || ngx_memcmp(s->key, key->data, key->len)
        != 0)
    {
        (void) ngx_atomic_fetch_add(&omcf->sh->misses, 1);
        return NGX_DECLINED;
    }

    if (wk->test_zone_delay) {
        /* for the tests alone: a put may come between test and copy */
        ngx_msleep(wk->test_zone_delay);
    }

    if (src < omcf->shpool->start || len > (size_t) (omcf->shpool->end - src))
    {
        /* a pointer and a length from two different puts */
        (void) ngx_atomic_fetch_add(&omcf->sh->misses, 1);
        return NGX_DECLINED;
    }

    copy = ngx_pnalloc(r->pool, len);
    if (copy == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(copy, src, len);
    ngx_memcpy(tag, s->etag, sizeof(tag));

    ngx_memory_barrier();

    if (s->gen != gen) {
        /* rewritten while we copied: compute it ourselves */
        (void) ngx_atomic_fetch_add(&omcf->sh->misses, 1);
        return NGX_DECLINED;
    }

    etag->data = ngx_pnalloc(r->pool, sizeof(tag));
    if (etag->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(etag->data, tag, sizeof(tag));
    etag->len = sizeof(tag);
    body->data = copy;
    body->len = len;

    (void) ngx_atomic_fetch_add(&omcf->sh->hits, 1);

    return NGX_OK;
}


/*
 * Under the pool's mutex, when an answer does not fit: the bodies of the
 * answers that can never be served again freed, those of an older
 * sequence than the zone's (which only rises) or of another day than
 * this answer's.  Under a steady stream of writes nearly every slot is
 * such an answer, kept until its key comes again: without this, they
 * filled the zone and the answers in use were no longer kept.  Answers
 * still current are left alone.  Returns the number of bodies freed.
 */

static ngx_uint_t
ngx_http_onestop_zone_drop_stale(ngx_http_onestop_main_conf_t *omcf,
    ngx_http_onestop_slot_t *keep, uint64_t seq, int32_t today)
{
    uint64_t                  applied;
    ngx_uint_t                i, n;
    ngx_http_onestop_slot_t  *t;

    applied = omcf->sh->applied_seq;

    if (seq > applied) {
        applied = seq;
    }

    n = 0;

    for (i = 0; i < NGX_HTTP_ONESTOP_SLOTS; i++) {
        t = &omcf->sh->slots[i];

        if (t == keep || t->body == NULL
            || (t->seq >= applied && t->today == today))
        {
            continue;
        }

        /* as a put does: odd while the body goes, so that a reader
         * copying it throws its copy away */

        if (!(t->gen & 1)) {
            t->gen++;
        }

        ngx_memory_barrier();

        ngx_slab_free_locked(omcf->shpool, t->body);
        t->body = NULL;

        ngx_memory_barrier();
        t->gen++;

        n++;
    }

    return n;
}


void
ngx_http_onestop_zone_put(ngx_http_onestop_main_conf_t *omcf,
    ngx_str_t *key, uint64_t seq, int32_t today, ngx_str_t *body,
    ngx_str_t *etag)
{
    u_char                     *p;
    ngx_http_onestop_slot_t    *s;
    ngx_http_onestop_worker_t  *wk = ngx_http_onestop_worker;

    if (omcf->sh == NULL || key->len > NGX_HTTP_ONESTOP_KEY_MAX
        || etag->len != sizeof(s->etag))
    {
        return;
    }

    s = ngx_http_onestop_zone_slot(omcf, key);

    ngx_shmtx_lock(&omcf->shpool->mutex);

    /* odd under the mutex: a writer died in its write (nginx's master
     * freed the mutex) and the slot reads as being written already */

    if (!(s->gen & 1)) {
        s->gen++;
    }

    ngx_memory_barrier();

    if (s->body != NULL) {
        ngx_slab_free_locked(omcf->shpool, s->body);
        s->body = NULL;
    }

    p = ngx_slab_alloc_locked(omcf->shpool, body->len);

    if (p == NULL
        && ngx_http_onestop_zone_drop_stale(omcf, s, seq, today) != 0)
    {
        p = ngx_slab_alloc_locked(omcf->shpool, body->len);
    }

    /* once per episode, under the pool's mutex: at error when the zone
     * fills, at notice when a quarter of it is free again (not at every
     * answer that happens to fit, which would say it again and again) */

    if (p == NULL) {
        if (!omcf->sh->nomem) {
            omcf->sh->nomem = 1;
            ngx_log_error(NGX_LOG_ERR, wk->log, 0,
                          "onestop_zone is full: answers are computed "
                          "anew each time; increase the size in "
                          "\"onestop_zone\" and reload nginx");
        }

    } else {
        if (omcf->sh->nomem
            && omcf->shpool->pfree * ngx_pagesize
               >= (size_t) (omcf->shpool->end - (u_char *) omcf->shpool) / 4)
        {
            omcf->sh->nomem = 0;
            ngx_log_error(NGX_LOG_NOTICE, wk->log, 0,
                          "onestop_zone has room again: answers are kept");
        }

        ngx_memcpy(p, body->data, body->len);
        ngx_memcpy(s->key, key->data, key->len);
        ngx_memcpy(s->etag, etag->data, sizeof(s->etag));
        s->keylen = (uint32_t) key->len;
        s->len = (uint32_t) body->len;
        s->seq = seq;
        s->today = today;
        s->body = p;
    }

    ngx_memory_barrier();
    s->gen++;

    ngx_shmtx_unlock(&omcf->shpool->mutex);
}


void
ngx_http_onestop_zone_usage(ngx_http_onestop_main_conf_t *omcf,
    size_t *size, size_t *used, uint64_t *hits, uint64_t *misses)
{
    ngx_slab_pool_t  *pool;

    *size = 0;
    *used = 0;
    *hits = 0;
    *misses = 0;

    if (omcf->sh == NULL) {
        return;
    }

    pool = omcf->shpool;
    *size = omcf->shm_zone->shm.size;

    ngx_shmtx_lock(&pool->mutex);
    *used = *size - pool->pfree * ngx_pagesize;

    ngx_shmtx_unlock(&pool->mutex);

    *hits = omcf->sh->hits;
    *misses = omcf->sh->misses;
}


void
ngx_http_onestop_zone_count(ngx_http_onestop_main_conf_t *omcf,
    ngx_uint_t handler, ngx_uint_t status)
{
    ngx_uint_t  i;

    if (omcf->sh == NULL || handler >= NGX_HTTP_ONESTOP_HANDLERS) {
        return;
    }

    for (i = 0; i < NGX_HTTP_ONESTOP_STATUSES - 1; i++) {
        if (ngx_http_onestop_statuses[i] == status) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&omcf->sh->requests[handler][i], 1);
}


onestop_telemetry_t *
ngx_http_onestop_zone_tel(ngx_http_onestop_main_conf_t *omcf)
{
    return omcf->sh ? &omcf->sh->tel : NULL;
}


void
ngx_http_onestop_zone_accepted(ngx_http_onestop_main_conf_t *omcf, size_t n)
{
    if (omcf->sh != NULL && n) {
        (void) ngx_atomic_fetch_add(&omcf->sh->accepted, n);
    }
}


void
ngx_http_onestop_zone_counters(ngx_http_onestop_main_conf_t *omcf,
    uint64_t *requests, uint64_t *accepted)
{
    ngx_uint_t  h, i;

    for (h = 0; h < NGX_HTTP_ONESTOP_HANDLERS; h++) {
        for (i = 0; i < NGX_HTTP_ONESTOP_STATUSES; i++) {
            requests[h * NGX_HTTP_ONESTOP_STATUSES + i] =
                omcf->sh ? omcf->sh->requests[h][i] : 0;
        }
    }

    *accepted = omcf->sh ? omcf->sh->accepted : 0;
}
