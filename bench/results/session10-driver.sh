#!/usr/bin/env bash
# Session 10's quiet-machine A/B (nothing else running): this build (NEW) against the session's
# base (BASE, main at 54be47b built in a copy), alternating, one bench/wan.sh or bench/scale.sh
# invocation per cell. Prints each cell's rows (session 10 kept them in session10-final.log beside
# this script); the runs' tables go to bench/results/ as usual.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
NEW=${NEW:-$HERE/bin/farsync} BASE=${BASE:-/tmp/s10-base/bin/farsync}
cd "$HERE"
cell() {   # cell LABEL BIN ARGS...: one invocation, its farsync row and CPU line
    local label=$1 bin=$2; shift 2
    echo "== $label $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg): $*"
    "$@" --farsync "$bin" 2>&1 | grep -E '^\| (farsync|fixed|unchanged|\+)|CPU s client'
}
for pair in 1 2; do
    for b in BASE NEW; do
        cell "$b" "${!b}" bench/wan.sh --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 150 --tools farsync
    done
done
for row in "--delay-ms 300 --loss 1" "--delay-ms 50 --loss 0" "--delay-ms 50 --loss 10" "--delay-ms 50 --loss 1"; do
    for b in BASE NEW; do
        # shellcheck disable=SC2086
        cell "$b" "${!b}" bench/wan.sh $row --rate 500 --file-mb 2048 --timeout 150 --tools farsync
    done
done
for pair in 1 2; do
    for b in BASE NEW; do
        cell "$b" "${!b}" bench/scale.sh --files 200000
    done
done
# loopback.sh runs its own checkout's bin/farsync and writes its table there
for dir in "$(dirname "$(dirname "$BASE")")" "$HERE"; do
    echo "== loopback $dir $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    (cd "$dir" && bench/loopback.sh 1024 2>&1 | grep -E '^\| [0-9]')
done
