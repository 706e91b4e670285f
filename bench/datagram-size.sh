#!/usr/bin/env bash
# Datagram size on loopback: one local `farsync sync` of a SIZE_MB random file with path MTU
# probing (the default: from 1200 bytes up to 32 KiB) and one with the size fixed by
# --datagram-size 32768 (no probing: the behaviour before probing existed). Prints wall time and
# the datagram_size from --stats-json for each.
#   bench/datagram-size.sh [SIZE_MB (default 1024)]
set -euo pipefail
SIZE_MB=${1:-1024}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/farsync-bench-dgram}
rm -rf "$WORK"; mkdir -p "$WORK/src" "$WORK/home"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom > "$WORK/src/big.bin"
cat "$WORK/src/big.bin" > /dev/null
"$HERE/bin/farsync" --version >/dev/null   # builds the jar if needed, outside the timing
echo "| run | seconds | MB/s | datagram_size |"
echo "|---|---|---|---|"
for mode in probed fixed; do
    rm -rf "$WORK/dst" "$WORK/home"; mkdir -p "$WORK/home"
    extra=()
    [[ $mode == fixed ]] && extra=(--datagram-size 32768)
    t0=$(date +%s.%N)
    FARSYNC_HOME=$WORK/home "$HERE/bin/farsync" sync "$WORK/src" "$WORK/dst" --rate 10G -q \
        --stats-json "$WORK/$mode.json" "${extra[@]}"
    t1=$(date +%s.%N)
    cmp "$WORK/src/big.bin" "$WORK/dst/big.bin"
    size=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['datagram_size'])" "$WORK/$mode.json")
    awk -v m="$mode" -v a="$t0" -v b="$t1" -v s="$SIZE_MB" -v d="$size" \
        'BEGIN { printf "| %s | %.2f | %.0f | %s |\n", m, b - a, s * 1.048576 / (b - a), d }'
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$WORK"
