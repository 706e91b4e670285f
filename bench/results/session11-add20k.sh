#!/usr/bin/env bash
# Session 11's A/B of the +20,000-file sync (docs/PERFORMANCE.md, "Session 11"), without the
# benchmark's own deletions: on a settled copy RUN of bench/scale.sh's 200,000-file tree
# (RUN/src, RUN/dst, RUN/home, recorded by a sync at that path), each run moves the previous run's
# additions aside into RUN/../trash (a rename frees no inode; delete the trash when done and wait
# 6 minutes before measuring file creation again: bench/lib/inode-settle.sh), settles, adds the
# 20,000 files of bench/lib/additions.py, warms the cache and measures one sync under
# bench/lib/phases.py (DEBUG timeline, per-thread CPU); builds alternate.
#   bench/results/session11-add20k.sh RUN OUTDIR PAIRS BASE_BIN NEW_BIN
set -euo pipefail
RUN=$1 OUT=$2 PAIRS=$3 BASE=$4 NEW=$5 HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
one() {   # one BIN TAG
    local bin=$1 tag=$2 t; t=$(dirname "$RUN")/trash/$(date +%s%N)
    python3 "$HERE/bench/lib/move_aside.py" "$RUN/src" "$RUN/dst" "$t"
    env FARSYNC_HOME="$RUN/home" FARSYNC_JAVA_OPTS=-Xmx256m "$bin" sync "$RUN/src" "$RUN/dst" -q --rate 500M >/dev/null 2>&1
    python3 "$HERE/bench/lib/additions.py" "$RUN/src" 20000 1024
    find "$RUN/src" -type f -print0 | xargs -0 cat >/dev/null; find "$RUN/dst" -type f >/dev/null
    sync
    env FARSYNC_HOME="$RUN/home" FARSYNC_JAVA_OPTS=-Xmx256m FARSYNC_LOG_LEVEL=DEBUG PHASES_LOG="$OUT/$tag.log" \
        PHASES_TRACE="$OUT/$tag.trace" /usr/bin/time -f "%e %U %S" "$HERE/bench/lib/phases.py" "$bin" sync "$RUN/src" "$RUN/dst" \
        -q --rate 500M --stats-json "$OUT/$tag.json" >"$OUT/$tag.phases" 2>"$OUT/$tag.time"
    read -r wall user sys <"$OUT/$tag.time"
    echo "| $tag | $wall | $(echo "$user + $sys" | bc) | $(grep -o '"files_transferred" : [0-9]*' "$OUT/$tag.json" | grep -o '[0-9]*$') | $(cut -d' ' -f1 /proc/loadavg) |"
}
echo "| run | wall s | CPU s | files sent | load |"
echo "|---|---|---|---|---|"
for ((i = 1; i <= PAIRS; i++)); do
    one "$BASE" "base-$i"
    one "$NEW" "new-$i"
done
