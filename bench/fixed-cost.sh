#!/usr/bin/env bash
# Fixed cost of one sync on the emulated WAN: the wall time of `farsync sync` of one small file
# (a fresh destination each run, so the file is always sent), JVM start to exit, host A -> B.
# Prints one line per run, then the client's timeline of the last run (DEBUG log: the session
# set-up steps in round trips, the first and last file messages), to count round trips.
#   WAN_NS=<ns> bench/fixed-cost.sh [--delay-ms ONE_WAY (50)] [--runs N (3)] [--rate MBIT (500)] [--size BYTES] [--farsync BIN]
# --size: the file is BYTES of seeded pseudo-random data instead (above MessageCodec.INLINE_MAX, 131072:
# a large file's path, MetaEager or Meta+Need).
# FARSYNC_CDS=off measures without the class-data archive (see bin/farsync). --farsync runs another
# build's bin/farsync (a frozen copy, for A/B runs; default: this checkout's).
set -euo pipefail
DELAY=50 RUNS=3 RATE=500 SIZE= FARSYNC=
while [[ $# -gt 0 ]]; do
    case $1 in
        --delay-ms) DELAY=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --size) SIZE=$2; shift 2 ;;
        --farsync) FARSYNC=$2; shift 2 ;;
        *) sed -n '2,10p' "$0"; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")/.." && pwd)
FARSYNC=${FARSYNC:-$HERE/bin/farsync}
WAN=${WAN:-/work/shared/wan/wan}
W=${BENCH_DIR:-/tmp/farsync-fixed-cost-${WAN_NS:-wan}}
rm -rf "$W"; mkdir -p "$W/data" "$W/homeA" "$W/homeB" "$W/rootB"
"$FARSYNC" --version >/dev/null    # build (and make the class-data archive) outside the timing
if [[ -n $SIZE ]]; then
    python3 -c "import random,sys; sys.stdout.buffer.write(random.Random(1).randbytes($SIZE))" >"$W/data/small.txt"
else
    echo "one small file" > "$W/data/small.txt"
fi

"$WAN" up --delay-ms "$DELAY" --rate "$RATE" >&2
cleanup() {
    [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true
    "$WAN" down || true
}
trap cleanup EXIT
FARSYNC_HOME=$W/homeA "$FARSYNC" keygen >/dev/null
FARSYNC_HOME=$W/homeB "$WAN" exec b env FARSYNC_HOME="$W/homeB" FARSYNC_LOG_LEVEL=DEBUG "$FARSYNC" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$W/server.log" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 300); do grep -q listening "$W/server.log" && break; sleep 0.1; done

for i in $(seq "$RUNS"); do
    t0=$(date +%s.%N)
    FARSYNC_HOME=$W/homeA FARSYNC_LOG_LEVEL=DEBUG "$WAN" exec a env FARSYNC_HOME="$W/homeA" FARSYNC_LOG_LEVEL=DEBUG \
        FARSYNC_CDS="${FARSYNC_CDS:-on}" "$FARSYNC" sync "$W/data" "10.77.2.2:/dst$i" -q >"$W/client.log" 2>&1
    t1=$(date +%s.%N)
    stamps="$(date -d "@$t0" +%T.%3N) -> $(date -d "@$t1" +%T.%3N)"
    cmp "$W/data/small.txt" "$W/rootB/dst$i/small.txt"
    printf 'run %d: %.2f s, %s (RTT %d ms, CDS %s, load %s)\n' "$i" "$(echo "$t1 - $t0" | bc -l)" "$stamps" $((2 * DELAY)) \
        "${FARSYNC_CDS:-on}" "$(cut -d' ' -f1 /proc/loadavg)"
done
echo "timeline of the last run (client, then server; compare with the run's start and end stamps):"
grep -E 'SetupClock|SyncRunner|timeline|SourceEndpoint' "$W/client.log" | cut -c1-160 || true
grep -E "SessionRequest.*dst$RUNS|timeline|SyncJobHandler.*dst$RUNS" "$W/server.log" | tail -6 | cut -c1-160 || true
