#!/usr/bin/env bash
# Exact timeline of one `farsync sync` of one small file on the emulated WAN: a packet capture on
# host A (tcpdump), printed in round trips by bench/lib/flights.py, beside the client's DEBUG log
# (which names the SSH messages: sshd logs each one it sends and handles). A first sync warms the
# server up; the second is captured.
#   WAN_NS=<ns> bench/handshake-trace.sh [--delay-ms ONE_WAY (300)] [--out DIR]
# Needs tcpdump (apt-get install tcpdump).
set -euo pipefail
DELAY=300 OUT=/tmp/farsync-handshake-${WAN_NS:-wan}
while [[ $# -gt 0 ]]; do
    case $1 in
        --delay-ms) DELAY=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        *) sed -n '2,8p' "$0"; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")/.." && pwd)
WAN=${WAN:-/work/shared/wan/wan}
command -v tcpdump >/dev/null || { echo "handshake-trace: needs tcpdump" >&2; exit 2; }
rm -rf "$OUT"; mkdir -p "$OUT/data" "$OUT/homeA" "$OUT/homeB" "$OUT/rootB"
"$HERE/bin/farsync" --version >/dev/null
echo "one small file" > "$OUT/data/small.txt"
"$WAN" up --delay-ms "$DELAY" --rate 500 >&2
cleanup() {
    [[ -n ${TP:-} ]] && kill "$TP" 2>/dev/null || true
    [[ -n ${SP:-} ]] && kill "$SP" 2>/dev/null || true
    "$WAN" down || true
}
trap cleanup EXIT
FARSYNC_HOME=$OUT/homeA "$HERE/bin/farsync" keygen >/dev/null
"$WAN" exec b env FARSYNC_HOME="$OUT/homeB" FARSYNC_LOG_LEVEL=DEBUG "$HERE/bin/farsync" server --listen 10.77.2.2 \
    --root "$OUT/rootB" --authorized-keys "$OUT/homeA/id_ed25519.pub" >"$OUT/server.log" 2>&1 &
SP=$!
for _ in $(seq 300); do grep -q listening "$OUT/server.log" && break; sleep 0.1; done
sync_once() {
    "$WAN" exec a env FARSYNC_HOME="$OUT/homeA" FARSYNC_LOG_LEVEL=DEBUG "$HERE/bin/farsync" sync "$OUT/data" \
        "10.77.2.2:/dst$1" -q >"$OUT/client$1.log" 2>&1
}
sync_once 1
"$WAN" exec a tcpdump -i any -n -tt -w "$OUT/capture.pcap" 'host 10.77.2.2' 2>/dev/null &
TP=$!
sleep 1    # tcpdump attached
t0=$(date +%s.%N)
sync_once 2
t1=$(date +%s.%N)
sleep 1; kill "$TP"; wait "$TP" 2>/dev/null || true; TP=
tcpdump -n -tt -r "$OUT/capture.pcap" >"$OUT/capture.txt" 2>/dev/null
echo "RTT $((2 * DELAY)) ms, load $(cut -d' ' -f1 /proc/loadavg), files in $OUT"
"$HERE/bench/lib/flights.py" "$OUT/capture.txt" "$(echo "2 * $DELAY / 1000" | bc -l)" "$t0" "$t1"
grep -E 'SetupClock|timeline' "$OUT/client2.log" | cut -c1-160 || true
