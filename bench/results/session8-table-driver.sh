#!/usr/bin/env bash
# session 8: the full issue-3 table on main (frozen /tmp/s8-base), quiet machine
set -uo pipefail
export WAN=/work/shared/wan/wan WAN_NS=table BENCH_DIR=/tmp/s8-table-bench
B=/tmp/s8-base
cd $B
T=60
run() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; bench/wan.sh "$@" 2>&1 | tail -12; }
run --delay-ms 50 --loss 0 --rate 500 --file-mb 2048 --timeout $T
run --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout $T
run --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 90
run --delay-ms 50 --loss 10 --rate 500 --file-mb 2048 --timeout $T --tools farsync,rsync-bbr
run --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout $T
run --delay-ms 50 --loss 0 --rate 500 --files 10000 --file-kb 50 --timeout $T --tools farsync
run --delay-ms 300 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout $T --tools farsync
run --delay-ms 50 --loss 10 --rate 500 --files 10000 --file-kb 50 --timeout $T --tools farsync
echo "=== done $(date -u +%H:%M:%S)"
