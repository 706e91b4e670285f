#!/usr/bin/env bash
# Long-running continuous sync under seeded churn: convergence time and heap over time.
#
#   bench/churn.sh MINUTES SEED [--rate OPS_PER_S] [--cooloff S]
#
# Runs `farsync sync SRC DST --continuous` (both local: the whole stack over loopback through the
# in-process server, one JVM) while bench/lib/churn.py creates, appends to, renames (files and
# directories) and deletes files across SRC for MINUTES. Every 30 s it records the JVM's heap:
# used (jstat -gc, S0U+S1U+EU+OU) before and after a full GC (jcmd GC.run), the latter being the
# live set that must stay flat. The churn deletes a lot by design: --max-delete 100% lets it (under
# the default, a pass over the limit would withhold its deletes and the trees would not converge).
# After the churn stops it compares SHA-256 listings of both trees, directories (empty ones too) included
# (bench/lib/treehash.py) until they are equal: the time from the churn's end to that is the
# convergence time (resolution: one listing, printed). Results go to $BENCH_DIR (default
# /tmp/farsync-churn-SEED): heap.tsv, farsync.log, stats.json (the run's --stats-json), summary.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
MINUTES=${1:?usage: bench/churn.sh MINUTES SEED [--rate OPS] [--cooloff S]}
SEED=${2:?usage: bench/churn.sh MINUTES SEED [--rate OPS] [--cooloff S]}
shift 2
RATE=50 COOLOFF=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --rate) RATE=$2; shift 2 ;;
        --cooloff) COOLOFF=$2; shift 2 ;;
        *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
W=${BENCH_DIR:-/tmp/farsync-churn-$SEED}
rm -rf "$W"; mkdir -p "$W/src" "$W/home"
"$HERE/bin/farsync" --version >/dev/null    # build outside the timing

FARSYNC_HOME=$W/home FARSYNC_JAVA_OPTS="${FARSYNC_JAVA_OPTS:--Xmx512m}" \
    "$HERE/bin/farsync" sync "$W/src" "$W/dst" --continuous --cooloff "$COOLOFF" --max-delete 100% \
    --stats-json "$W/stats.json" >"$W/farsync.log" 2>&1 &
PID=$!
SAMPLER=
cleanup() {
    [[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null || true
    kill -TERM "$PID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 600); do grep -q "sync #1" "$W/farsync.log" && break; sleep 0.1; done

used() {   # heap used in KiB from jstat -gc
    jstat -gc "$PID" 2>/dev/null | awk 'NR==1{for(i=1;i<=NF;i++)h[$i]=i} NR==2{printf "%.0f", $h["S0U"]+$h["S1U"]+$h["EU"]+$h["OU"]}'
}
T0=$(date +%s)
printf 'seconds\tused_kib\tlive_kib_after_gc\n' >"$W/heap.tsv"
(
    while kill -0 "$PID" 2>/dev/null; do
        before=$(used) || exit 0
        jcmd "$PID" GC.run >/dev/null 2>&1 || exit 0
        after=$(used) || exit 0
        printf '%d\t%s\t%s\n' $(($(date +%s) - T0)) "$before" "$after" >>"$W/heap.tsv"
        sleep 30
    done
) &
SAMPLER=$!

python3 "$HERE/bench/lib/churn.py" "$W/src" "$(echo "$MINUTES * 60" | bc)" "$SEED" "$RATE" | tee "$W/churn.txt"
STOP=$(date +%s.%N)
converged=
listing=0
for _ in $(seq 600); do
    t=$(date +%s.%N)
    python3 "$HERE/bench/lib/treehash.py" "$W/src" >"$W/src.list"
    python3 "$HERE/bench/lib/treehash.py" "$W/dst" >"$W/dst.list"
    listing=$(echo "$(date +%s.%N) - $t" | bc)
    if cmp -s "$W/src.list" "$W/dst.list"; then
        converged=$(echo "$(date +%s.%N) - $STOP" | bc)
        break
    fi
    sleep 0.2
done
kill "$SAMPLER" 2>/dev/null || true; SAMPLER=
kill -TERM "$PID"; set +e; wait "$PID"; EXIT=$?; set -e
{
    echo "churn.sh $MINUTES min, seed $SEED, $RATE ops/s, cooloff $COOLOFF s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    tail -1 "$W/churn.txt"
    echo "tree at the end: $(grep -c '^f ' "$W/src.list") files, $(du -sh --apparent-size "$W/src" | cut -f1)"
    if [[ -n $converged ]]; then
        printf 'converged (byte-identical listings) %.2f s after the churn stopped (one listing pair takes %.2f s)\n' "$converged" "$listing"
    else
        echo "NOT converged within the wait; diff:"; diff "$W/src.list" "$W/dst.list" | head -20
    fi
    echo "syncs: $(grep -c ' sync #' "$W/farsync.log"), failed: $(grep -c 'failed (attempt' "$W/farsync.log"); $(grep 'stopped after' "$W/farsync.log"); exit $EXIT"
    [[ -f $W/stats.json ]] && echo "stats.json: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(", ".join("%s %s" % (k, d[k]) for k in ("status","syncs","sessions","files_transferred","bytes_transferred","files_moved","files_deleted","wire_bytes","deletes_withheld")))' "$W/stats.json")"
    echo "heap (KiB): first/last live after GC: $(awk 'NR==2{f=$3} NR>1{l=$3} END{print f" / "l}' "$W/heap.tsv"), max used: $(awk 'NR>1 && $2>m{m=$2} END{print m}' "$W/heap.tsv")"
} | tee "$W/summary.txt"
