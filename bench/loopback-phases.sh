#!/usr/bin/env bash
# Where the time of a loopback sync goes: one file of SIZE_MB random bytes, synced RUNS times by
# `farsync sync SRC DST --rate 10G` (both paths local, as bench/loopback.sh), each run with DEBUG
# timelines and a per-thread CPU sampler (bench/lib/phases.py). Prints, per run, the load average
# at its start, the wall-clock phases and the CPU seconds per thread.
#   [FARSYNC=path/to/bin/farsync] [FARSYNC_JAVA_OPTS=...] [BENCH_DIR=/tmp/...] bench/loopback-phases.sh [SIZE_MB (1024)] [RUNS (3)]
# FARSYNC picks another build to compare (e.g. an older commit's checkout).
set -euo pipefail
SIZE_MB=${1:-1024}
RUNS=${2:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
FARSYNC=${FARSYNC:-$HERE/bin/farsync}
WORK=${BENCH_DIR:-/tmp/farsync-phases}
mkdir -p "$WORK/src" "$WORK/home"
if [[ $(stat -c %s "$WORK/src/big.bin" 2>/dev/null || echo 0) != $((SIZE_MB * 1024 * 1024)) ]]; then
    head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom > "$WORK/src/big.bin"
fi
cat "$WORK/src/big.bin" > /dev/null
"$FARSYNC" --version >/dev/null   # builds the jar and its class-data archive outside the timing
for i in $(seq "$RUNS"); do
    rm -rf "$WORK/dst"
    sync
    echo "### run $i: $FARSYNC, load average $(cut -d' ' -f1-3 /proc/loadavg), FARSYNC_JAVA_OPTS='${FARSYNC_JAVA_OPTS:-}'"
    echo
    FARSYNC_LOG_LEVEL=DEBUG FARSYNC_HOME=$WORK/home PHASES_LOG=$WORK/run-$i.log \
        "$HERE/bench/lib/phases.py" "$FARSYNC" sync "$WORK/src" "$WORK/dst" --rate 10G -q
    cmp "$WORK/src/big.bin" "$WORK/dst/big.bin"
    echo
done
