#!/bin/sh
# make asan: the sanitized CLI over a demo store; stops at the first report
set -e
dir=$1
cli=$dir/onestop
store=$dir/store
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

rm -rf "$store"
"$cli" --store "$store" demo 20000 >/dev/null 2>&1
agency=$("$cli" --store "$store" stats --group agency \
         | grep -o '"agency":"[^"]*"' | sed -n 3p | cut -d'"' -f4)
for q in "" "--period all --group agency,procedure" \
         "--from 2020-01-01 --to 2020-12-31 --group agency" \
         "--period year --interval month" "--from 2019-01-01 --interval day" \
         "--under $agency --group agency" "--agency $agency --interval quarter" \
         "--period quarter --group channel,level" "--format csv --group field" \
         "--period today --group procedure"; do
    # shellcheck disable=SC2086
    "$cli" --store "$store" stats $q >/dev/null
done
code=$(mdb_dump -s dossiers "$store" 2>/dev/null | sed -n '/HEADER=END/{n;p;q}' \
       | perl -ne 's/\s//g; print pack("H*", $_)')
"$cli" --store "$store" get "$code" >/dev/null
"$cli" --store "$store" delete "$code" >/dev/null
"$cli" --store "$store" verify
rm -rf "$store"
echo "asan: no report"
