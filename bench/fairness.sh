#!/usr/bin/env bash
# Fairness against TCP: one iperf3 TCP flow (cubic, then bbr) and one farsync transfer share the
# emulated bottleneck, once per rate policy (fixed, high, fair, low). Prints and writes a markdown
# table of each flow's rate over the same window.
#
#   bench/fairness.sh [--delay-ms ONE_WAY] [--rate MBIT] [--seconds S] [--ccs cubic,bbr]
#                     [--policies fixed,high,fair,low] [--warm W] [--farsync BIN] [--tag TAG]
#
# --warm W (default 6) is the seconds of farsync's run left out before the measured window: TCP CUBIC
# gives up the link it held alone over several of its loss cycles (about 4-8 s each at 100 ms,
# 100 Mbit/s), so a short warm-up measures that convergence, not the shares the flows settle at.
# --farsync BIN runs another build's bin/farsync (a frozen copy, for A/B runs); --tag names it in
# the results file. Each run also writes a per-second timeline (farsync and TCP Mbit/s, TCP
# retransmits) under BENCH_DIR, and FARSYNC_LOG_LEVEL=DEBUG keeps farsync's mode transitions there.
#
# Per run: iperf3 starts first; farsync starts 3 s later (--rate = the bottleneck, the policy
# under test) with a file larger than it can move in time; after a warm-up of WARM s (JVM start,
# SSH handshake, ramp) both flows are measured over the next S seconds: farsync by the bytes that
# reached host B (partial files included), TCP by iperf3's per-second receiver intervals.
# What to expect: fixed holds its target whatever TCP does; fair about half each; high about
# two thirds; low yields most of the link to TCP.
# The pseudo-policy tcp-cubic runs a second iperf3 flow (TCP cubic) in farsync's place, started and
# measured the same way: the share a late-starting TCP flow itself gets, for reference.
# Needs root, iperf3 and the emulator (../shared/wan/wan). Set WAN_NS to your own prefix.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
WAN=${WAN:-$HERE/../shared/wan/wan}
DELAY=50 RATE=100 SECONDS_=20 WARM=6 CCS=cubic,bbr POLICIES=fixed,high,fair,low
FARSYNC=$HERE/bin/farsync TAG=
while [[ $# -gt 0 ]]; do
    case $1 in
        --delay-ms) DELAY=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --seconds) SECONDS_=$2; shift 2 ;;
        --ccs) CCS=$2; shift 2 ;;
        --policies) POLICIES=$2; shift 2 ;;
        --warm) WARM=$2; shift 2 ;;
        --farsync) FARSYNC=$2; shift 2 ;;
        --tag) TAG=$2; shift 2 ;;
        *) sed -n '2,26p' "$0"; exit 2 ;;
    esac
done
command -v iperf3 >/dev/null || { echo "iperf3 missing: apt-get install iperf3" >&2; exit 2; }
W=${BENCH_DIR:-/tmp/farsync-fairness-bench}
rm -rf "$W"; mkdir -p "$W/data" "$W/homeA" "$W/homeB" "$W/rootB"
"$FARSYNC" --version >/dev/null
# more than the whole link could carry in the run, so farsync is still sending at the end
FILE_MB=$(( RATE * (SECONDS_ + WARM + 5) / 8 + 16 ))
head -c $((FILE_MB * 1024 * 1024)) /dev/urandom > "$W/data/big.bin"

"$WAN" up --delay-ms "$DELAY" --loss 0 --rate "$RATE" >&2
cleanup() {
    [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true
    [[ -f $W/iperf.pid ]] && kill "$(cat "$W/iperf.pid")" 2>/dev/null || true
    [[ -f $W/iperf2.pid ]] && kill "$(cat "$W/iperf2.pid")" 2>/dev/null || true
    "$WAN" down || true
}
trap cleanup EXIT
FARSYNC_HOME=$W/homeA "$FARSYNC" keygen >/dev/null
FARSYNC_HOME=$W/homeB "$WAN" exec b "$FARSYNC" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$W/server.log" 2>&1 &
echo $! >"$W/server.pid"
"$WAN" exec b iperf3 -s -B 10.77.2.2 >"$W/iperf-server.log" 2>&1 &
echo $! >"$W/iperf.pid"
"$WAN" exec b iperf3 -s -B 10.77.2.2 -p 5202 >"$W/iperf-server2.log" 2>&1 &
echo $! >"$W/iperf2.pid"
for _ in $(seq 100); do grep -q listening "$W/server.log" && break; sleep 0.1; done

bytes_at_b() { du -sb --apparent-size "$W/rootB/dst" 2>/dev/null | cut -f1 || echo 0; }
# mean receiver rate, Mbit/s, of an iperf3 -J log over the S seconds from second START of its run
iperf_rate() {
    python3 - "$1" "$2" "$SECONDS_" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); start = int(sys.argv[2]); n = int(sys.argv[3])
iv = [i["sum"] for i in d["intervals"] if start <= i["sum"]["start"] < start + n]
print(sum(i["bytes"] for i in iv) * 8 / max(1e-9, sum(i["seconds"] for i in iv)) / 1e6)
PY
}

# per second of the window: farsync Mbit/s (bytes at B, sampled once a second), TCP Mbit/s and
# retransmits (iperf3's sender intervals), farsync's share
timeline() {
    python3 - "$1" "$2" "$3" "$4" <<'PY'
import json, sys
samples = [l.split() for l in open(sys.argv[1]) if l.strip()]
prev_t, prev_b = None, int(sys.argv[2])
d = json.load(open(sys.argv[3])); start = int(sys.argv[4])
iv = [i for i in d["intervals"] if i["sum"]["start"] >= start]
print("second farsync_Mbit tcp_Mbit tcp_retransmits share")
for n, (t, b) in enumerate(samples):
    t, b = float(t), int(b)
    far = (b - prev_b) * 8 / 1e6 / ((t - prev_t) if prev_t else 1.0)
    prev_t, prev_b = t, b
    tcp = iv[n]["sum"]["bits_per_second"] / 1e6 if n < len(iv) else float("nan")
    rtx = iv[n]["sum"].get("retransmits", "-") if n < len(iv) else "-"
    print(f"{n + 1} {far:.1f} {tcp:.1f} {rtx} {100 * far / max(1e-9, far + tcp):.0f}")
PY
}

rows=()
for cc in ${CCS//,/ }; do
    "$WAN" exec a sysctl -qw net.ipv4.tcp_congestion_control="$cc"
    "$WAN" exec b sysctl -qw net.ipv4.tcp_congestion_control="$cc"
    for policy in ${POLICIES//,/ }; do
        rm -rf "$W/rootB/dst" "$W/homeA/snapshots" "$W/homeB/server/snapshots"
        total=$((3 + WARM + SECONDS_ + 2))
        "$WAN" exec a iperf3 -c 10.77.2.2 -t "$total" -i 1 -J >"$W/iperf-$cc-$policy.json" 2>&1 &
        iperf=$!
        sleep 3
        if [[ $policy == tcp-cubic ]]; then
            "$WAN" exec a iperf3 -c 10.77.2.2 -p 5202 -C cubic -t $((WARM + SECONDS_ + 1)) -i 1 -J >"$W/iperf2-$cc.json" 2>&1 &
            second=$!
        else
        # in a subshell, so that the shell does not report the kill at the end of the window
        (FARSYNC_HOME=$W/homeA timeout --signal=KILL $((WARM + SECONDS_ + 1)) "$WAN" exec a "$FARSYNC" sync "$W/data" \
            10.77.2.2:/dst -q --rate "${RATE}M" --policy "$policy" >"$W/farsync-$cc-$policy.log" 2>&1 || true) &
        fi
        sleep "$WARM"
        b0=$(bytes_at_b)
        # farsync's bytes at B once a second over the window, for the timeline
        (for s in $(seq "$SECONDS_"); do sleep 1; echo "$(date +%s.%N) $(bytes_at_b)"; done) >"$W/bytes-$cc-$policy.txt" &
        sampler=$!
        sleep "$SECONDS_"
        b1=$(bytes_at_b)
        wait "$sampler" || true
        wait "$iperf" || true
        sleep 1
        if [[ $policy == tcp-cubic ]]; then
            wait "$second" || true
            far=$(iperf_rate "$W/iperf2-$cc.json" "$WARM")
        else
            far=$(echo "($b1 - $b0) * 8 / $SECONDS_ / 1000000" | bc -l)
        fi
        # iperf3's intervals are seconds since its start; farsync was measured over [3 + WARM, 3 + WARM + S)
        tcp=$(iperf_rate "$W/iperf-$cc-$policy.json" $((3 + WARM)))
        share=$(echo "100 * $far / ($far + $tcp)" | bc -l)
        timeline "$W/bytes-$cc-$policy.txt" "$b0" "$W/iperf-$cc-$policy.json" $((3 + WARM)) >"$W/timeline-$cc-$policy.txt"
        rows+=("| $cc | $policy | $(printf %.1f "$far") | $(printf %.1f "$tcp") | $(printf %.0f "$share") % |")
        echo "${rows[-1]}" >&2
    done
done

OUT=$HERE/bench/results/fairness-$(date -u +%Y%m%dT%H%M)-${DELAY}ms-${RATE}M${TAG:+-$TAG}.md
{
    echo "# Fairness: farsync against one iperf3 TCP flow, RTT $((2 * DELAY)) ms, 0 % loss, bottleneck ${RATE} Mbit/s"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Command: \`bench/fairness.sh --delay-ms $DELAY --rate $RATE --seconds $SECONDS_ --ccs $CCS --policies $POLICIES --warm $WARM${TAG:+ --farsync BIN --tag $TAG}\`; farsync \`$FARSYNC\`."
    echo "Both flows measured over the same ${SECONDS_} s, after ${WARM} s of farsync start-up."
    echo
    echo "| TCP | farsync policy | farsync Mbit/s | TCP Mbit/s | farsync share |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} >"$OUT"
cat "$OUT"
