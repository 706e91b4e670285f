#!/usr/bin/env bash
# Session 14's A/B of the 10,000 x 50 KB row (100 ms RTT, 1 % loss, 500 Mbit/s): a warm server
# and a command in its own JVM (--warm-daemon) against a warm server and the command through a
# warm `farsync agent` (--agent), alternating, one bench/wan.sh invocation per cell.
#   PAIRS=3 bash bench/results/session14-wan-agent-driver.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
PAIRS=${PAIRS:-3}
cd "$HERE"
for ((pair = 1; pair <= PAIRS; pair++)); do
    for mode in --warm-daemon --agent; do
        echo "== $mode $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
        bench/wan.sh --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 150 --tools farsync $mode 2>&1 \
            | grep -E '^\| farsync|CPU s client'
    done
done
