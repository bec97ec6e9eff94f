#!/bin/sh
# make fuzz: each target in turn for SECONDS (libFuzzer's -max_total_time),
# starting from its seeds in t/fuzz-corpus/TARGET and the corpus it grew
# before in BUILD/corpus/TARGET; a crash, a leak, undefined behaviour or a
# failed check leaves its input in BUILD/findings/ and makes this exit 1.
# Prints per target: inputs run, executions a second, coverage (edges,
# features), corpus size.
#
# usage: fuzz/run.sh BUILD SECONDS TARGET...
set -u
dir=$1
secs=$2
shift 2
mkdir -p "$dir/corpus" "$dir/findings" "$dir/logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
printf '%-16s %9s %8s %6s %6s %7s  %s\n' \
    target runs execs/s cov ft corpus result
for t in "$@"; do
    corpus=$dir/corpus/$t
    log=$dir/logs/$t.log
    mkdir -p "$corpus"
    case $t in
        batch|catalog) dict=fuzz/json.dict ;;
        *) dict=fuzz/query.dict ;;
    esac
    "$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -dict="$dict" \
        -artifact_prefix="$dir/findings/$t-" \
        "$corpus" "t/fuzz-corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    files=$(ls "$corpus" | wc -l)
    if [ $rc -eq 0 ]; then
        result=ok
    else
        result="FOUND (exit $rc): $log, $dir/findings/$t-*"
        status=1
    fi
    printf '%-16s %9s %8s %6s %6s %7s  %s\n' \
        "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$files" "$result"
done
exit $status
