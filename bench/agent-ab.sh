#!/usr/bin/env bash
# A/B of two farsync builds on the 10,000 x 50 KB WAN row, each through its own resident agent, in
# one invocation, runs alternating (A, B, A, B, ...): the run-to-run spread of this row on 2 shared
# cores (0.3-0.5 s) hides a change of 0.1 s unless many pairs are compared under the same conditions.
#
#   bench/agent-ab.sh A_BIN B_BIN [PAIRS] [OUT]      (PAIRS default 10)
#
# Host B runs one server (B_BIN's build) for both; host A one agent per build, each with its own
# farsync home, both warmed by one sync of another tree (1000 x 50 KB) right before the first pair.
# Per run: the previous destination is moved aside (deleting it would make the next run's file
# creations dearer, bench/lib/inode-settle.sh), both sides' snapshots are removed (a first sync
# each time), `sync`, then the timed `farsync sync` (wall time of the command, as a user sees it).
# Prints one line per run and, at the end, each build's runs sorted, median and mean; writes
# OUT/runs.tsv. Disk: 512 MB per run, freed at exit. Needs what bench/wan.sh needs; run as root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
[[ $# -ge 2 ]] || { sed -n '2,14p' "$0"; exit 2; }
A_BIN=$(readlink -f "$1") B_BIN=$(readlink -f "$2") PAIRS=${3:-10}
OUT=${4:-$HERE/bench/results/agent-ab-$(date -u +%Y%m%dT%H%M)}
WAN=${WAN:-$HERE/../shared/wan/wan}
W=${BENCH_DIR:-/tmp/farsync-agent-ab}
FILES=10000 FILE_KB=50 RATE=500
. "$HERE/bench/lib/inode-settle.sh"
mkdir -p "$W" "$OUT"
"$A_BIN" --version >/dev/null; "$B_BIN" --version >/dev/null
DATA=/tmp/farsync-timeline/data-$FILES-$FILE_KB    # shared with bench/wan-thread-timeline.sh
if [[ ! -d $DATA ]]; then
    mkdir -p "$(dirname "$DATA")"
    python3 "$HERE/bench/lib/wantree.py" "$DATA.tmp" "$FILES" "$FILE_KB"
    mv "$DATA.tmp" "$DATA"
fi
WARM=$W/warm-1000-50
[[ -d $WARM ]] || python3 "$HERE/bench/lib/wantree.py" "$WARM" 1000 50 >/dev/null
PAYLOAD=$(du -sb --apparent-size "$DATA" | cut -f1)
delete_tree "$W/homeA" "$W/homeB" "$W/homeA2" "$W/rootB" "$W/trash"
mkdir -p "$W/homeA" "$W/homeA2" "$W/homeB" "$W/rootB" "$W/trash"
"$WAN" up --delay-ms 50 --loss 1 --rate "$RATE" >&2
home_of() { [[ $1 == A ]] && echo "$W/homeA" || echo "$W/homeA2"; }
bin_of() { [[ $1 == A ]] && echo "$A_BIN" || echo "$B_BIN"; }
cleanup() {
    for v in A B; do FARSYNC_HOME=$(home_of $v) "$(bin_of $v)" agent stop >/dev/null 2>&1 || true; done
    [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true
    rm -f "$W/server.pid"
    "$WAN" down || true
    delete_tree "$W/trash" "$W/rootB"
}
trap cleanup EXIT
FARSYNC_HOME=$W/homeA "$A_BIN" keygen >/dev/null
cp "$W/homeA/id_ed25519" "$W/homeA/id_ed25519.pub" "$W/homeA2/"
FARSYNC_HOME=$W/homeB "$WAN" exec b "$B_BIN" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$OUT/server.log" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 100); do grep -q listening "$OUT/server.log" && break; sleep 0.1; done
for v in A B; do
    FARSYNC_HOME=$(home_of $v) "$WAN" exec a "$(bin_of $v)" agent start --idle-timeout 30m >&2
done
inodes_settle 361
for v in A B; do
    FARSYNC_HOME=$(home_of $v) "$WAN" exec a "$(bin_of $v)" sync "$WARM" "10.77.2.2:/warm-$v" -q
done
sync; sleep 1
printf 'run\tbuild\twall_s\tutilisation_pct\n' >"$OUT/runs.tsv"
for run in $(seq $((2 * PAIRS))); do
    v=$( ((run % 2)) && echo A || echo B)
    [[ -d $W/rootB/dst ]] && mv "$W/rootB/dst" "$W/trash/dst-$run"
    rm -rf "$W/homeA/snapshots" "$W/homeA2/snapshots" "$W/homeB/server/snapshots"
    sync; sleep 1
    t0=$(date +%s.%N)
    FARSYNC_HOME=$(home_of $v) "$WAN" exec a "$(bin_of $v)" sync "$DATA" 10.77.2.2:/dst -q
    t1=$(date +%s.%N)
    diff -rq "$DATA" "$W/rootB/dst" >/dev/null || { echo "run $run: TREES DIFFER" >&2; exit 1; }
    line=$(python3 -c "import sys; s=float(sys.argv[1]); print('%d\t%s\t%.2f\t%.1f' % (int(sys.argv[2]), sys.argv[3], s,
        100 * int(sys.argv[4]) * 8 / s / 1e6 / float(sys.argv[5])))" "$(echo "$t1 - $t0" | bc -l)" "$run" "$v" "$PAYLOAD" "$RATE")
    echo "$line" | tee -a "$OUT/runs.tsv"
done
python3 - "$OUT/runs.tsv" "$A_BIN" "$B_BIN" <<'PY' | tee "$OUT/summary.txt"
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
for v, b in (("A", sys.argv[2]), ("B", sys.argv[3])):
    w = sorted(float(r[2]) for r in rows if r[1] == v)
    u = sorted(float(r[3]) for r in rows if r[1] == v)
    print("%s (%s): wall %s s; median %.2f s (%.1f %%), mean %.2f s; >= 85 %%: %d of %d"
          % (v, b, " ".join("%.2f" % x for x in w), statistics.median(w), statistics.median(u), statistics.mean(w),
             sum(1 for x in u if x >= 85), len(u)))
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
