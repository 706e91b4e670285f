#!/usr/bin/env bash
# Where the seconds of one bench/wan.sh farsync run go: runs bench/wan.sh (its arguments, farsync
# only) while a sampler inside host B reads B's received IP bytes every 100 ms, then splits the
# command's wall time into start-up (until the link carries data), ramp (until it first runs at
# 90 % of the bottleneck), steady state, and tail (after the last 100 ms at 90 %), and says how
# much link time each phase left idle. Prints the 100 ms series and the split; writes both to
# bench/results/timeline-*.txt.
#
#   WAN_NS=<ns> bench/wan-timeline.sh --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 60
#
# The link is busy in an interval when B received rate x interval IP bytes in it (the emulator
# counts IP bytes at its rate; B's veth counts 14 more per Ethernet frame, subtracted here), so
# an interval below the rate had an empty bottleneck queue for part of it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
NS=${WAN_NS:-wan}
RATE=500
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} == --rate ]] && RATE=${args[i + 1]}; done
W=${BENCH_DIR:-/tmp/farsync-wan-bench}
SAMPLES=$(mktemp)
(
    # waits for wan.sh to bring up host B, then samples from inside it until B is gone
    for _ in $(seq 600); do ip netns exec "${NS}b" true 2>/dev/null && break; sleep 0.1; done
    exec ip netns exec "${NS}b" python3 -c '
import sys, time
dev = "/sys/class/net/'"$NS"'-b0/statistics/"
def cpu():
    f = open("/proc/stat").readline().split()[1:]
    v = list(map(int, f))
    return sum(v), v[3] + v[4]
while True:
    try:
        rx = int(open(dev + "rx_bytes").read()); pk = int(open(dev + "rx_packets").read())
    except OSError:
        break
    tot, idle = cpu()
    print("%.3f %d %d %d %d" % (time.time(), rx, pk, tot, idle), flush=True)
    time.sleep(0.1)
'
) >"$SAMPLES" 2>/dev/null &
SAMPLER=$!
BENCH_DIR=$W "$HERE/bench/wan.sh" "${args[@]}" --tools farsync
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
OUT=$HERE/bench/results/timeline-$(date -u +%Y%m%dT%H%M)-$(basename "$(ls -t "$HERE"/bench/results/wan-*.md | head -1)" .md | cut -d- -f3-).txt
python3 - "$SAMPLES" "$W/last.times" "$RATE" "$W/farsync.json" <<'PY' | tee "$OUT"
import json, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 5]
t0, t1 = map(float, open(sys.argv[2]).read().split())
rate = float(sys.argv[3]) * 1e6 / 8          # IP bytes per second the bottleneck carries
stats = json.load(open(sys.argv[4]))
iv = []                                      # (start, end, ip bytes, cpu busy fraction)
for a, b in zip(rows, rows[1:]):
    if b[0] <= t0 or a[0] >= t1:
        continue
    ip = (b[1] - a[1]) - 14 * (b[2] - a[2])
    busy = 1 - (b[4] - a[4]) / max(1, b[3] - a[3])
    iv.append((max(a[0], t0), min(b[0], t1), ip, busy))
def frac(i): return iv[i][2] / (rate * (iv[i][1] - iv[i][0]))
first = next(i for i in range(len(iv)) if frac(i) > 0.02)
full = [i for i in range(len(iv)) if frac(i) >= 0.9]
ramp_end = full[0] if full else len(iv) - 1
tail = full[-1] + 1 if full else len(iv)
def phase(name, lo, hi):
    if hi <= lo:
        return
    secs = iv[hi - 1][1] - iv[lo][0]
    byt = sum(x[2] for x in iv[lo:hi])
    idle = secs - byt / rate
    cpu = sum(x[3] * (x[1] - x[0]) for x in iv[lo:hi]) / secs
    print("| %-10s | %6.2f | %8.1f | %6.1f | %6.2f | %3.0f %% |" % (name, secs, byt / 1e6, byt * 8 / secs / 1e6, idle, 100 * cpu))
print("100 ms samples (s from the command's start, link utilisation, machine CPU busy):")
for x in iv:
    print("%6.2f %5.1f %% cpu %3.0f %%" % (x[0] - t0, 100 * x[2] / (rate * (x[1] - x[0])), 100 * x[3]))
print()
import datetime
print("command %s to %s UTC (align with a DEBUG log's timestamps)" % (datetime.datetime.utcfromtimestamp(t0).strftime("%H:%M:%S.%f")[:-3],
      datetime.datetime.utcfromtimestamp(t1).strftime("%H:%M:%S.%f")[:-3]))
print("wall %.2f s; link busy for %.2f s in all (IP bytes / rate)" % (t1 - t0, sum(x[2] for x in iv) / rate))
print("stats: %s" % {k: stats[k] for k in stats if k in ("bytes_transferred", "wire_bytes", "retransmitted_bytes", "datagram_size", "rtt_ms", "loss_percent", "seconds")})
print()
print("| phase | s | IP MB | Mbit/s | link idle s | CPU busy |")
print("|---|---|---|---|---|---|")
phase("start-up", 0, first)
phase("ramp", first, ramp_end)
phase("steady", ramp_end, tail)
phase("tail", tail, len(iv))
PY
rm -f "$SAMPLES"
