#!/usr/bin/env bash
# Many small files (issue 4, goal a): 10,000 files of ~50 KB.
#   1. locally (both paths local, the full stack over loopback): wall time and CPU seconds, the
#      steadier figure on a shared machine;
#   2. on the emulated WAN (100 ms RTT, 1 % loss, 500 Mbit/s) through bench/wan.sh, which
#      writes its own table to bench/results/ (goal: >= 85 % of the bottleneck, start to finish).
#
#   bench/smallfiles.sh [--files N (10000)] [--file-kb K (50)] [--no-wan] [--tools farsync,...]
# Set WAN_NS to your own namespace prefix when others use the emulator too.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
FILES=10000 FILE_KB=50 WAN_RUN=1 TOOLS=farsync
while [[ $# -gt 0 ]]; do
    case $1 in
        --files) FILES=$2; shift 2 ;;
        --file-kb) FILE_KB=$2; shift 2 ;;
        --no-wan) WAN_RUN=0; shift ;;
        --tools) TOOLS=$2; shift 2 ;;
        *) sed -n '2,10p' "$0"; exit 2 ;;
    esac
done
W=${BENCH_DIR:-/tmp/farsync-smallfiles-bench}
rm -rf "$W"; mkdir -p "$W/src" "$W/home"
"$HERE/bin/farsync" --version >/dev/null    # build outside the timing
python3 - "$W/src" "$FILES" "$FILE_KB" <<'PY'
import os, random, sys
root, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
        f.write(os.urandom(max(1, int(rnd.expovariate(1 / (kb * 1024))))))
PY
PAYLOAD=$(du -sb --apparent-size "$W/src" | cut -f1)
/usr/bin/time -o "$W/time.txt" -f "%e %U %S %M" env FARSYNC_HOME="$W/home" \
    "$HERE/bin/farsync" sync "$W/src" "$W/dst" -q --stats-json "$W/stats.json"
diff -rq "$W/src" "$W/dst" >/dev/null || { echo "TREES DIFFER" >&2; exit 1; }
read -r wall user sys rss <"$W/time.txt"
echo "local: $FILES files, $(printf %.1f "$(echo "$PAYLOAD/1048576" | bc -l)") MiB in $wall s" \
    "($(printf %.0f "$(echo "$PAYLOAD * 8 / $wall / 1000000" | bc -l)") Mbit/s), CPU $user user + $sys sys s," \
    "peak RSS $rss KB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$W"
if ((WAN_RUN)); then
    "$HERE/bench/wan.sh" --delay-ms 50 --loss 1 --rate 500 --files "$FILES" --file-kb "$FILE_KB" --timeout 300 --tools "$TOOLS"
fi
