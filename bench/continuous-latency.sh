#!/usr/bin/env bash
# Latency of continuous sync on the emulated WAN: close() of a small file at the source to the
# same bytes readable at the destination, for push (the client watches its local source), pull
# (the server watches its source and sends hints over the open session) and local (both paths
# local on host A: the in-process server over loopback, no WAN).
#
#   WAN_NS=live bench/continuous-latency.sh [--delay-ms ONE_WAY] [--loss PCT] [--rate MBIT]
#                                           [--files N] [--cooloff S] [--modes push,pull,local]
#
# Server on host B, client on host A (`farsync sync ... --continuous`); bench/lib/latency_probe.py
# writes N files one at a time and polls the destination (both hosts share this machine's file
# system, so one clock measures both ends). The goal is median and p95 <= cooloff + 1 s at
# 100 ms RTT (--delay-ms 50). Logs in $BENCH_DIR (default /tmp/farsync-latency-$WAN_NS).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
WAN=${WAN:-$HERE/../shared/wan/wan}
export WAN_NS=${WAN_NS:-live}
DELAY=50 LOSS=0 RATE=500 FILES=20 COOLOFF=1 MODES=push,pull
while [[ $# -gt 0 ]]; do
    case $1 in
        --delay-ms) DELAY=$2; shift 2 ;;
        --loss) LOSS=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --cooloff) COOLOFF=$2; shift 2 ;;
        --modes) MODES=$2; shift 2 ;;
        *) sed -n '2,13p' "$0"; exit 2 ;;
    esac
done
W=${BENCH_DIR:-/tmp/farsync-latency-$WAN_NS}
rm -rf "$W"; mkdir -p "$W/homeA" "$W/homeB" "$W/rootB" "$W/a"
"$HERE/bin/farsync" --version >/dev/null    # build outside the timing

"$WAN" up --delay-ms "$DELAY" --loss "$LOSS" --rate "$RATE" >&2
SERVER= CLIENT=
cleanup() {
    [[ -n $CLIENT ]] && kill -TERM "$CLIENT" 2>/dev/null || true
    [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null || true
    "$WAN" down || true
}
trap cleanup EXIT
FARSYNC_HOME=$W/homeA "$HERE/bin/farsync" keygen >/dev/null
FARSYNC_HOME=$W/homeB "$WAN" exec b "$HERE/bin/farsync" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$W/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do grep -q listening "$W/server.log" && break; sleep 0.1; done

echo "continuous latency: RTT $((2 * DELAY)) ms, loss $LOSS %, $RATE Mbit/s, cooloff $COOLOFF s, $FILES files;" \
    "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in ${MODES//,/ }; do
    case $mode in
        push) srcdir=$W/a/push-src; dstdir=$W/rootB/push-dst; src=$srcdir; dst=10.77.2.2:/push-dst ;;
        pull) srcdir=$W/rootB/pull-src; dstdir=$W/a/pull-dst; src=10.77.2.2:/pull-src; dst=$dstdir ;;
        local) srcdir=$W/a/local-src; dstdir=$W/a/local-dst; src=$srcdir; dst=$dstdir ;;   # both local: loopback in host A
        *) echo "unknown mode $mode" >&2; exit 2 ;;
    esac
    mkdir -p "$srcdir"
    FARSYNC_HOME=$W/homeA "$WAN" exec a "$HERE/bin/farsync" sync "$src" "$dst" --continuous --cooloff "$COOLOFF" \
        --rate "${RATE}M" >"$W/client-$mode.log" 2>&1 &
    CLIENT=$!
    for _ in $(seq 600); do grep -q "sync #1" "$W/client-$mode.log" && break; sleep 0.1; done
    mkdir -p "$dstdir"
    python3 "$HERE/bench/lib/latency_probe.py" "$srcdir" "$dstdir" "$FILES" 0.5 >"$W/probe-$mode.log"
    echo "$mode: $(tail -1 "$W/probe-$mode.log")"
    kill -TERM "$CLIENT"; wait "$CLIENT" || true; CLIENT=
    grep -q "over 1 session" "$W/client-$mode.log" || echo "$mode: note: more than one session, see $W/client-$mode.log"
done
