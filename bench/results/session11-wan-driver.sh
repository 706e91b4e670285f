#!/usr/bin/env bash
# Session 11's quiet-machine A/B of the 10,000 x 50 KB row (100 ms RTT, 1 % loss, 500 Mbit/s):
# this build (NEW) against the session's base (BASE: main at 9b9138a built in a copy),
# alternating, one bench/wan.sh invocation per cell; prints each cell's farsync row and CPU line.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
NEW=${NEW:-$HERE/bin/farsync} BASE=${BASE:-/tmp/s11-base/bin/farsync} PAIRS=${PAIRS:-2}
cd "$HERE"
for ((pair = 1; pair <= PAIRS; pair++)); do
    for b in BASE NEW; do
        echo "== $b $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
        bench/wan.sh --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 150 --tools farsync \
            --farsync "${!b}" 2>&1 | grep -E '^\| farsync|CPU s client'
    done
done
