#!/usr/bin/env bash
# Where the seconds of one farsync WAN sync go: runs one push over the emulated link and samples,
# every 100 ms, the bytes host B receives and the CPU of every thread of both JVMs
# (bench/timeline_sampler.py), with both sides' debug timeline lines ("timeline: ...").
#
#   bench/wan-thread-timeline.sh [--delay-ms ONE_WAY] [--loss PCT] [--rate MBIT] [--files N --file-kb K]
#                         [--bin PATH_TO_bin/farsync] [--runs N] [--out DIR] [--agent [--alternate]]
#
# Data: the same generator and seed as bench/wan.sh (kept in $BENCH_DIR/data between runs).
# Per run, OUT/run-K.{timeline,threads}.tsv, client.log, server.log and a one-line summary
# (wall s, goodput, first and last second with data flowing). Needs what bench/wan.sh needs.
# --agent: the syncs go through `farsync agent` in host A (started, then warmed by one sync of
# another tree right before the first run: WARM_FILES x WARM_KB, default 1000 x 50 KB); its threads
# are sampled as the client's.
# CLIENT_LOG_LEVEL=WARN: the client (and agent) without the DEBUG timeline (no phases then).
# --alternate (with --agent): odd runs in the command's own JVM (FARSYNC_AGENT=off), even runs
# through the agent: an A/B in one invocation, with no deletions between the runs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
WAN=${WAN:-$HERE/../shared/wan/wan}
DELAY=50 LOSS=1 RATE=500 FILES=10000 FILE_KB=50 BIN=$HERE/bin/farsync RUNS=1 AGENT=0 ALTERNATE=0
WARM_FILES=${WARM_FILES:-1000} WARM_KB=${WARM_KB:-50}
OUT=$HERE/bench/results/timeline-$(date -u +%Y%m%dT%H%M)
while [[ $# -gt 0 ]]; do
    case $1 in
        --delay-ms) DELAY=$2; shift 2 ;;
        --loss) LOSS=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --file-kb) FILE_KB=$2; shift 2 ;;
        --bin) BIN=$(readlink -f "$2"); shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --agent) AGENT=1; shift ;;
        --alternate) ALTERNATE=1; shift ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done
W=${BENCH_DIR:-/tmp/farsync-timeline}
. "$HERE/bench/lib/inode-settle.sh"
NS=${WAN_NS:-wan}
mkdir -p "$W" "$OUT"
"$BIN" --version >/dev/null
DATA=$W/data-$FILES-$FILE_KB
if [[ ! -d $DATA ]]; then
    python3 "$HERE/bench/lib/wantree.py" "$DATA.tmp" "$FILES" "$FILE_KB"
    mv "$DATA.tmp" "$DATA"
fi
PAYLOAD=$(du -sb --apparent-size "$DATA" | cut -f1)
delete_tree "$W/homeA" "$W/homeB" "$W/rootB" "$W/trash"; mkdir -p "$W/homeA" "$W/homeB" "$W/rootB"
"$WAN" up --delay-ms "$DELAY" --loss "$LOSS" --rate "$RATE" >&2
cleanup() {
    ((AGENT)) && FARSYNC_HOME=$W/homeA "$BIN" agent stop >/dev/null 2>&1 || true
    [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true
    rm -f "$W/server.pid"
    "$WAN" down || true
    delete_tree "$W/trash"    # the runs' destinations, after the measurements (inode-settle.sh)
}
trap cleanup EXIT
FARSYNC_HOME=$W/homeA "$BIN" keygen >/dev/null
FARSYNC_HOME=$W/homeB FARSYNC_LOG_LEVEL=DEBUG "$WAN" exec b "$BIN" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$OUT/server.log" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 100); do grep -q listening "$OUT/server.log" && break; sleep 0.1; done
if ((AGENT)); then
    FARSYNC_LOG_LEVEL=${CLIENT_LOG_LEVEL:-DEBUG} FARSYNC_HOME=$W/homeA "$WAN" exec a "$BIN" agent start --idle-timeout 30m >&2
    AGENT_PID=$(FARSYNC_HOME=$W/homeA "$BIN" agent status | sed -n 's/^agent: pid \([0-9]*\).*/\1/p')
    WARM=$W/warm-$WARM_FILES-$WARM_KB
    [[ -d $WARM ]] || python3 "$HERE/bench/lib/wantree.py" "$WARM" "$WARM_FILES" "$WARM_KB" >/dev/null
fi
# A resident agent and server have done work before: one sync of another tree through the agent,
# right before the first run (after any wait below, so its kept SSH connection and the path's
# measured rate are as recent as a user's previous sync a minute before would leave them).
warm_up() {
    FARSYNC_LOG_LEVEL=${CLIENT_LOG_LEVEL:-DEBUG} FARSYNC_HOME=$W/homeA "$WAN" exec a "$BIN" sync "$WARM" 10.77.2.2:/warm -q \
        2>"$OUT/warm.client.log"
    sync; sleep 1
}
# CPU seconds of the link emulator (the processes in the router's namespace): it shares the cores
emulator_cpu() {
    local total=0 pid
    for pid in $(ip netns pids "${NS}r" 2>/dev/null); do
        total=$(echo "$total + $(awk '{print ($14 + $15) / 100}' "/proc/$pid/stat" 2>/dev/null || echo 0)" | bc -l)
    done
    echo "$total"
}
for run in $(seq "$RUNS"); do
    # the previous run's destination goes aside, deleted at exit: deleting it here would make this run's
    # file creations dearer (bench/lib/inode-settle.sh)
    mkdir -p "$W/trash"; [[ -d $W/rootB/dst ]] && mv "$W/rootB/dst" "$W/trash/dst-$run"
    rm -rf "$W/homeA/snapshots" "$W/homeB/server/snapshots"
    inodes_settle 361    # the previous invocation's runs were deleted at its exit (bench/wan.sh says why 361)
    sync; sleep 1
    ((AGENT && run == 1)) && warm_up
    emu0=$(emulator_cpu)
    own=$( ((ALTERNATE && run % 2 == 1)) && echo off || echo on)
    sampled=$( [[ $own == on ]] && echo "${AGENT_PID:-}" || true)
    echo "run $run: $( [[ -n $sampled ]] && echo "through the agent" || echo "in its own JVM")" >>"$OUT/summary.txt"
    t0=$(date +%s.%N)
    FARSYNC_AGENT=$own FARSYNC_LOG_LEVEL=${CLIENT_LOG_LEVEL:-DEBUG} FARSYNC_HOME=$W/homeA "$WAN" exec a "$BIN" sync "$DATA" 10.77.2.2:/dst -q \
        --stats-json "$OUT/run-$run.stats.json" 2>"$OUT/run-$run.client.log" &
    client=$!
    SAMPLE_CLIENT_PID=$sampled python3 "$HERE/bench/timeline_sampler.py" "$(cat "$W/server.pid")" "$client" "$NS-b0" "$OUT/run-$run" "$t0" &
    sampler=$!
    wait "$client"; t1=$(date +%s.%N); wait "$sampler"
    echo "link emulator: $(echo "$(emulator_cpu) - $emu0" | bc -l) CPU s" >>"$OUT/run-$run.threads.tsv"
    secs=$(echo "$t1 - $t0" | bc -l)
    diff -rq "$DATA" "$W/rootB/dst" >/dev/null && same=identical || same="TREES DIFFER"
    python3 - "$OUT/run-$run.timeline.tsv" "$secs" "$PAYLOAD" "$RATE" "$same" <<'PY' | tee -a "$OUT/summary.txt"
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
secs, payload, rate, same = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
busy = [float(r[0]) for r in rows if float(r[2]) > 0.1 * rate]
first, last = (busy[0], busy[-1]) if busy else (0, 0)
inside = [float(r[2]) for r in rows if first <= float(r[0]) <= last]
print("wall %.2f s, goodput %.1f Mbit/s (%.1f %%), data flowing (>10 %% of the link) %.1f-%.1f s at %.1f Mbit/s mean, %s"
      % (secs, payload * 8 / secs / 1e6, 100 * payload * 8 / secs / 1e6 / rate, first, last,
         sum(inside) / max(1, len(inside)), same))
PY
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT" | tee -a "$OUT/summary.txt"
