#!/bin/sh
# Issue 12's before-and-after: bench/lookup, bench/stats and bench/ingest
# on an older tree (OLD, a git worktree of the commit to compare with) and
# on this one, alternating trees, one run each.  Usage:
#   git worktree add /tmp/old 959d5ef && OLD=/tmp/old bench/before-after.sh
set -e
new=$(cd "$(dirname "$0")/.." && pwd)
old=${OLD:?set OLD to a worktree of the older commit}
(cd "$old" && make -j2 >/dev/null)
(cd "$new" && make -j2 >/dev/null)
for b in lookup stats ingest; do
    for d in "$old" "$new"; do
        echo "=== bench/$b in $d ($(cd "$d" && git rev-parse --short HEAD)) $(date -u +%H:%M)"
        (cd "$d" && bench/$b)
    done
done
