#!/usr/bin/env bash
# N-way benchmark: three farsync nodes on emulated WAN access links, concurrent changes at all
# three, then `farsync nway` until they agree. Prints a markdown report and writes it to
# bench/results/.
#
#   bench/mesh.sh [--topology mesh|hub] [--delay-ms ONE_WAY] [--loss PCT] [--rate MBIT] [--mb N]
#
# Topology: a star of three access links, one per node, joined by a router namespace (the wan
# tool's two-host layout cannot hold a third host). Each node's link has its own emulator
# (../shared/wan/wanem.c on its own TUN device) with the given one-way delay, loss and rate in
# each direction, so node to node the one-way delay is twice --delay-ms, the loss about twice
# --loss, and a node's uplink is shared by everything it sends at once (what a hub feeding two
# spokes concurrently has to share). Node X = 10.78.X.2 (X = 1, 2, 3 for a, b, c).
#
# Each node runs `farsync server`; mesh: a's job syncs a-b and a-c, b's job b-c (--self),
# repeated until a run of both changes nothing; hub: a's job (hub a) syncs with b and c at once.
# Convergence time: from the first job start until the run that finds nothing left to do ends.
# Needs root, iproute2 and cc.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
NS=${WAN_NS:-mesh}
TOPOLOGY=mesh DELAY=25 LOSS=0 RATE=50 MB=20
while [[ $# -gt 0 ]]; do
    case $1 in
        --topology) TOPOLOGY=$2; shift 2 ;;
        --delay-ms) DELAY=$2; shift 2 ;;
        --loss) LOSS=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --mb) MB=$2; shift 2 ;;
        *) sed -n '2,19p' "$0"; exit 2 ;;
    esac
done
W=${BENCH_DIR:-/tmp/farsync-mesh-bench-$NS}
BIN=${WAN_BIN:-/tmp/wanem-bin}
R=${NS}r
NODES=(a b c)
[[ -x $BIN ]] || cc -O2 -o "$BIN" "$HERE/../shared/wan/wanem.c"
"$HERE/bin/farsync" --version >/dev/null    # build outside the timing

down() {
    for x in "${NODES[@]}"; do
        [[ -f $W/wanem-$x.pid ]] && kill "$(cat "$W/wanem-$x.pid")" 2>/dev/null || true
        [[ -f $W/server-$x.pid ]] && kill "$(cat "$W/server-$x.pid")" 2>/dev/null || true
    done
    for n in "${NODES[@]}" r; do ip netns del "$NS$n" 2>/dev/null || true; done
}
trap down EXIT
down
rm -rf "$W"; mkdir -p "$W"

ip netns add "$R"; ip -n "$R" link set lo up
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0
ip netns exec "$R" sysctl -qw net.ipv4.conf.default.rp_filter=0
for i in 1 2 3; do
    x=${NODES[$((i - 1))]}
    ip netns add "$NS$x"; ip -n "$NS$x" link set lo up
    ip link add "$NS-${x}0" type veth peer name "$NS-r$x"
    ip link set "$NS-${x}0" netns "$NS$x"; ip link set "$NS-r$x" netns "$R"
    ip -n "$NS$x" addr add "10.78.$i.2/24" dev "$NS-${x}0"; ip -n "$NS$x" link set "$NS-${x}0" up
    ip -n "$NS$x" route add default via "10.78.$i.1"
    ip -n "$R" addr add "10.78.$i.1/24" dev "$NS-r$x"; ip -n "$R" link set "$NS-r$x" up
    ip -n "$R" tuntap add dev "tun$x" mode tun; ip -n "$R" link set "tun$x" up
    for k in "$NS-r$x" "tun$x"; do ip netns exec "$R" sysctl -qw "net.ipv4.conf.$k.rp_filter=0"; done
    ip -n "$R" route add default dev "tun$x" table $((100 + i))
done
# X -> Y: X's veth, X's emulator (uplink), Y's emulator (downlink: the -b subnet), Y's veth.
for i in 1 2 3; do
    x=${NODES[$((i - 1))]}
    ip -n "$R" rule add iif "$NS-r$x" lookup $((100 + i))
    ip -n "$R" rule add iif "tun$x" to "10.78.$i.0/24" lookup main
    for j in 1 2 3; do
        ((i == j)) || ip -n "$R" rule add iif "tun$x" to "10.78.$j.0/24" lookup $((100 + j))
    done
    ip netns exec "$R" "$BIN" -i "tun$x" -b "10.78.$i.0/24" -d "$DELAY" -l "$LOSS" -r "$RATE" -s $((i * 7919)) >"$W/wanem-$x.log" 2>&1 &
    echo $! >"$W/wanem-$x.pid"
done

for i in 1 2 3; do
    x=${NODES[$((i - 1))]}
    mkdir -p "$W/home-$x" "$W/root-$x/data"
    FARSYNC_HOME=$W/home-$x "$HERE/bin/farsync" keygen >/dev/null
done
cat "$W"/home-*/id_ed25519.pub >"$W/keys.pub"
for i in 1 2 3; do
    x=${NODES[$((i - 1))]}
    FARSYNC_HOME=$W/home-$x ip netns exec "$NS$x" "$HERE/bin/farsync" server --listen "10.78.$i.2" --root "$W/root-$x" \
        --authorized-keys "$W/keys.pub" >"$W/server-$x.log" 2>&1 &
    echo $! >"$W/server-$x.pid"
done
for x in "${NODES[@]}"; do
    for _ in $(seq 200); do grep -q listening "$W/server-$x.log" && break; sleep 0.1; done
done
# reachability across the emulators (the servers above already answered on their own hosts)
ip netns exec "${NS}a" bash -c "exec 3<>/dev/tcp/10.78.2.2/33001" 

if [[ $TOPOLOGY == hub ]]; then
    cat >"$W/job.json" <<JSON
{"topology": "hub", "hub": "a", "rate": "${RATE}M", "share": "split",
 "endpoints": [{"name": "a", "path": "$W/root-a/data"},
               {"name": "b", "path": "root@10.78.2.2:/data"},
               {"name": "c", "path": "root@10.78.3.2:/data"}]}
JSON
else
    cat >"$W/job.json" <<JSON
{"topology": "mesh", "rate": "${RATE}M",
 "endpoints": [{"name": "a", "path": "root@10.78.1.2:/data", "local": "$W/root-a/data"},
               {"name": "b", "path": "root@10.78.2.2:/data", "local": "$W/root-b/data"},
               {"name": "c", "path": "root@10.78.3.2:/data", "local": "$W/root-c/data"}]}
JSON
fi

# nway NODE [ARGS]: node's job in its namespace; prints its last line
nway() {
    local x=$1; shift
    FARSYNC_HOME=$W/home-$x ip netns exec "$NS$x" "$HERE/bin/farsync" nway "$W/job.json" "$@" -q
}
converge() {
    local runs=0
    if [[ $TOPOLOGY == hub ]]; then
        nway a --stats-json "$W/stats-a-$1.json"; runs=1
    else
        for pass in 1 2 3; do
            nway a --self a --stats-json "$W/stats-a-$1-$pass.json"
            nway b --self b --stats-json "$W/stats-b-$1-$pass.json"
            runs=$((runs + 2))
            # settled when both runs needed only their one quiet round
            python3 - "$W/stats-a-$1-$pass.json" "$W/stats-b-$1-$pass.json" <<'PY' && break
import json, sys
sys.exit(0 if all(json.load(open(f))["rounds"] == 1 for f in sys.argv[1:]) else 1)
PY
        done
    fi
}

echo "seeding ..." >&2
echo "base" >"$W/root-a/data/shared.txt"
converge seed

echo "concurrent changes: ${MB} MB of new files at each node, one file edited at all three ..." >&2
for x in "${NODES[@]}"; do
    mkdir -p "$W/root-$x/data/from-$x"
    for k in 1 2 3 4; do head -c $((MB * 1024 * 1024 / 4)) /dev/urandom >"$W/root-$x/data/from-$x/part$k.bin"; done
    echo "edited at $x" >"$W/root-$x/data/shared.txt"
    touch -d "@$((1700000000 + $(printf '%d' "'$x")))" "$W/root-$x/data/shared.txt"
done
START=$(date +%s.%N)
converge run
END=$(date +%s.%N)

for x in b c; do
    diff -r -x .farsync-replica "$W/root-a/data" "$W/root-$x/data" >/dev/null || { echo "MISMATCH: a and $x differ" >&2; exit 1; }
done
COPIES=$(find "$W/root-a/data" -name '*.conflict-*' | wc -l)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$HERE/bench/results"
OUT="$HERE/bench/results/mesh-$TOPOLOGY-$(date -u +%Y%m%dT%H%M%SZ).md"
python3 - "$W" "$TOPOLOGY" "$DELAY" "$LOSS" "$RATE" "$MB" "$START" "$END" "$COPIES" "$LOAD" >"$OUT" <<'PY'
import glob, json, sys
w, topo, delay, loss, rate, mb, start, end, copies, load = sys.argv[1:]
secs = float(end) - float(start)
print(f"### bench/mesh.sh --topology {topo} --delay-ms {delay} --loss {loss} --rate {rate} --mb {mb}\n")
print(f"Three nodes, access links of {rate} Mbit/s, {delay} ms one-way and {loss} % loss each "
      f"(node to node: {2 * int(delay)} ms one-way, {4 * int(delay)} ms RTT). Load average at the end: {load}.\n")
print(f"- converged in **{secs:.1f} s** after concurrent changes at all three nodes "
      f"({mb} MB new at each, one file edited at all three: {copies} conflict copies at every node); trees identical")
total = 3 * 2 * int(mb) * 1024 * 1024
print(f"- payload that had to move: {total / 1e6:.0f} MB (each node's new files to the two others)\n")
print("| run | round | link | files | payload MB | seconds | payload Mbit/s | target Mbit/s | retransmitted MB |")
print("|---|---|---|---|---|---|---|---|---|")
for f in sorted(glob.glob(f"{w}/stats-*-run*.json")):
    s = json.load(open(f))
    for l in s["links"]:
        if l["bytes_transferred"] == 0 and l["files_transferred"] == 0:
            continue
        print(f"| {f.split('/')[-1][:-5]} | {l['round']} | {l['link']} | {l['files_transferred']} | {l['bytes_transferred'] / 1e6:.1f} | "
              f"{l['duration_seconds']:.1f} | {l['payload_rate_bps'] / 1e6:.1f} | {l['target_rate_bps'] / 1e6:.0f} | "
              f"{l['retransmitted_bytes'] / 1e6:.2f} |")
PY
cat "$OUT"
echo "(written to $OUT)" >&2
