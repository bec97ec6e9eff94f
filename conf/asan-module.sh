#!/bin/sh
# make asan-module: the nginx module built with AddressSanitizer in
# build/asan-module (nginx's own build, its CFLAGS and link line with
# -fsanitize=address), then the integration suites that drive the module
# run against it, Debian's nginx started with libasan preloaded.  Any
# report (in build/asan-module/log/) fails the run.
# Usage: asan-module.sh NGINX_SRC PROJECT_DIR
set -e
src=$1 project=$2
build=$project/build/asan-module
mkdir -p "$build"
conf/configure-module.sh "$src" "$project" "$build"
sed -i -e '/^CFLAGS =/s/$/ -fsanitize=address -fno-omit-frame-pointer/' \
       -e '/^LINK =/s/$/ -fsanitize=address/' "$build/nginx/Makefile"
make -s -f "$build/nginx/Makefile" -C "$build/nginx-src" modules
# a new file, not the old one written over: an nginx still running the
# old module (a test's leftover) keeps its pages instead of running the
# new module's bytes at the old one's addresses
cp "$build/nginx/ngx_http_onestop_module.so" "$build/module.so.new"
mv -f "$build/module.so.new" "$build/module.so"

log=$build/log
rm -rf "$log" && mkdir -p "$log" && chmod 1777 "$log"
libasan=$(${CC:-cc} -print-file-name=libasan.so)
# only nginx gets libasan: ps, perl and the CLI run as they are (not
# t/upgrade_feed.t: a binary upgrade's new master is started without
# LD_PRELOAD, which nginx does not pass on, and cannot load the module)
ONESTOP_NGINX="env LD_PRELOAD=$libasan ASAN_OPTIONS=detect_leaks=0:log_path=$log/asan /usr/sbin/nginx"
ONESTOP_MODULE=$build/module.so
export ONESTOP_NGINX ONESTOP_MODULE
status=0
prove t/threads.t t/stats.t t/ingest.t t/evaluations.t t/widgets.t \
      t/metrics.t t/apologies.t t/lookup.t t/qr.t t/garbage.t t/conf.t \
      t/redis.t t/redis_figures.t t/zone_race.t t/stress.t t/feedback.t \
      t/calendar.t t/audit.t t/nginx_t.t t/reload_writes.t t/changes.t \
      t/catalog_api.t t/sync_partner.t t/csv.t t/upgrade.t \
      t/stats_property.t t/prewarm.t t/redis_ahead.t t/qr_errlog.t \
      t/feedback_location.t t/free_text.t t/reload_store.t \
      t/html_controls.t t/feedback_pages.t t/form_limits.t \
      t/replica_whole.t t/location_prefix.t t/cors_preflight.t \
      t/redis_diverged.t t/replica_restore.t t/replica_failover.t \
      t/store_cut.t t/follower_conf.t t/reload_open.t \
      t/evaluate_by_code.t t/evaluation_residual.t \
      t/frame_headers.t t/changelog_off.t t/follower_realip.t \
      t/invisible_text.t t/follow_full.t t/store_locked.t t/utc_offset.t \
      t/production_conf.t t/follow_retry.t t/zone_stale.t \
      t/reload_grace.t t/calendar_live.t \
      t/feedback_periods.t t/feedback_dayoff.t t/keys.t t/scope.t \
      t/offloop_queue.t t/sse_errors.t t/answer_errors.t \
      t/http_semantics.t t/read_errors.t t/config_files.t \
      t/apology_dates.t t/calendar_years.t \
      || status=1
if ls "$log"/asan.* >/dev/null 2>&1; then
    echo "asan-module: reports in $log:"
    head -30 "$log"/asan.*
    exit 1
fi
[ $status = 0 ] && echo "asan-module: no report"
exit $status
