#!/usr/bin/env bash
# Where the CPU of both ends goes during one 10,000 x 50 KB push on the emulated 100 ms / 1 % /
# 500 Mbit/s link, through a resident agent: async-profiler (Maven Central's
# tools.profiler:async-profiler, fetched once into ~/.m2) is attached to the running agent and
# server with `jcmd PID JVMTI.agent_load` just before the timed sync and stopped after it, sampling
# CPU every ~1 ms per thread.
#
#   bench/wan-profile.sh [BIN] [OUT]      (BIN default bin/farsync)
#
# Writes OUT/{agent,server}.collapsed (collapsed stacks, thread name first) and OUT/threads.txt
# (bench/lib/collapsed_threads.py: CPU per thread); read one thread with
#   python3 bench/lib/collapsed_threads.py OUT/agent.collapsed farsync-udp 40
# The JVMs run without the class-data archive (FARSYNC_CDS=off): JDK 17's dynamic archive and a
# JVMTI agent loaded later do not mix (bin/farsync says more). Needs what bench/wan.sh needs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(readlink -f "${1:-$HERE/bin/farsync}")
OUT=${2:-$HERE/bench/results/profile-$(date -u +%Y%m%dT%H%M)}
WAN=${WAN:-$HERE/../shared/wan/wan}
W=${BENCH_DIR:-/tmp/farsync-profile}
AP_VERSION=3.0
. "$HERE/bench/lib/inode-settle.sh"
mkdir -p "$OUT"
AP_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar
[[ -f $AP_JAR ]] || mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION >&2
AP=$W/async-profiler/linux-x64/libasyncProfiler.so
if [[ ! -f $AP ]]; then
    mkdir -p "$W/async-profiler"
    (cd "$W/async-profiler" && unzip -o -q "$AP_JAR" 'linux-x64/*')
fi
export FARSYNC_CDS=off
"$BIN" --version >/dev/null
DATA=/tmp/farsync-timeline/data-10000-50    # shared with bench/wan-thread-timeline.sh
if [[ ! -d $DATA ]]; then
    mkdir -p "$(dirname "$DATA")"
    python3 "$HERE/bench/lib/wantree.py" "$DATA.tmp" 10000 50
    mv "$DATA.tmp" "$DATA"
fi
WARM=$W/warm-1000-50
[[ -d $WARM ]] || python3 "$HERE/bench/lib/wantree.py" "$WARM" 1000 50 >/dev/null
delete_tree "$W/homeA" "$W/homeB" "$W/rootB"
mkdir -p "$W/homeA" "$W/homeB" "$W/rootB"
"$WAN" up --delay-ms 50 --loss 1 --rate 500 >&2
cleanup() {
    FARSYNC_HOME=$W/homeA "$BIN" agent stop >/dev/null 2>&1 || true
    [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true
    rm -f "$W/server.pid"
    "$WAN" down || true
    delete_tree "$W/rootB"
}
trap cleanup EXIT
FARSYNC_HOME=$W/homeA "$BIN" keygen >/dev/null
FARSYNC_HOME=$W/homeB "$WAN" exec b "$BIN" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$OUT/server.log" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 100); do grep -q listening "$OUT/server.log" && break; sleep 0.1; done
FARSYNC_HOME=$W/homeA "$WAN" exec a "$BIN" agent start --idle-timeout 30m >&2
AGENT_PID=$(FARSYNC_HOME=$W/homeA "$BIN" agent status | sed -n 's/^agent: pid \([0-9]*\).*/\1/p')
SERVER_PID=$(for p in $(pgrep -f "server --listen 10.77.2.2 --root $W/rootB"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == java ]] && echo "$p"; done | head -1)
inodes_settle 361
for i in 1 2 3; do    # JIT and kept connection warm, as a resident agent and server are
    FARSYNC_HOME=$W/homeA "$WAN" exec a "$BIN" sync "$WARM" "10.77.2.2:/warm$i" -q
done
sync; sleep 1
# jcmd parses key=value arguments itself: the agent's options go as one quoted string
for pid in "$AGENT_PID" "$SERVER_PID"; do
    jcmd "$pid" JVMTI.agent_load "$AP" '"start,event=cpu,interval=997us,threads"' >/dev/null
done
t0=$(date +%s.%N)
FARSYNC_HOME=$W/homeA "$WAN" exec a "$BIN" sync "$DATA" 10.77.2.2:/dst -q
t1=$(date +%s.%N)
jcmd "$AGENT_PID" JVMTI.agent_load "$AP" "\"stop,file=$OUT/agent.collapsed,collapsed\"" >/dev/null
jcmd "$SERVER_PID" JVMTI.agent_load "$AP" "\"stop,file=$OUT/server.collapsed,collapsed\"" >/dev/null
{
    echo "sync: $(echo "$t1 - $t0" | bc -l | cut -c1-5) s wall (profiled); load $(cut -d' ' -f1-3 /proc/loadavg)"
    for side in agent server; do
        echo "== $side"
        python3 "$HERE/bench/lib/collapsed_threads.py" "$OUT/$side.collapsed"
    done
} | tee "$OUT/threads.txt"
