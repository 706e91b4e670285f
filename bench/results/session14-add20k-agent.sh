#!/usr/bin/env bash
# Session 14's A/B of the +20,000-file local sync on bench/scale.sh's 200,000-file tree: a
# command in its own JVM (FARSYNC_AGENT=off) against the same command through `farsync agent`
# (started once, warmed by the settling syncs). As session11-add20k.sh: per run the previous
# additions are moved aside (RUN/../trash), a settling sync, 20,000 files of ~1 KB added, the
# cache warmed, then one timed sync. Wall s, CPU s of the command and of the agent (its
# /proc/PID/stat before and after).
#   bench/results/session14-add20k-agent.sh RUN OUTDIR PAIRS BIN
set -euo pipefail
RUN=$1 OUT=$2 PAIRS=$3 BIN=$4 HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
export FARSYNC_HOME=$RUN/home FARSYNC_JAVA_OPTS=-Xmx256m
"$BIN" agent stop >/dev/null 2>&1 || true
"$BIN" agent start --idle-timeout 2h >&2
AGENT_PID=$("$BIN" agent status | sed -n 's/^agent: pid \([0-9]*\).*/\1/p')
trap '"$BIN" agent stop >/dev/null 2>&1 || true' EXIT
agent_cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$AGENT_PID/stat"; }
one() {   # one MODE(off|on) TAG
    local mode=$1 tag=$2 t; t=$(dirname "$RUN")/trash/$(date +%s%N)
    python3 "$HERE/bench/lib/move_aside.py" "$RUN/src" "$RUN/dst" "$t"
    FARSYNC_AGENT=$mode "$BIN" sync "$RUN/src" "$RUN/dst" -q --rate 500M >/dev/null 2>&1
    python3 "$HERE/bench/lib/additions.py" "$RUN/src" 20000 1024
    find "$RUN/src" -type f -print0 | xargs -0 cat >/dev/null; find "$RUN/dst" -type f >/dev/null
    sync
    local a0 a1; a0=$(agent_cpu)
    FARSYNC_AGENT=$mode /usr/bin/time -f "%e %U %S" -o "$OUT/$tag.time" "$BIN" sync "$RUN/src" "$RUN/dst" -q --rate 500M \
        --stats-json "$OUT/$tag.json" >/dev/null 2>"$OUT/$tag.err"
    a1=$(agent_cpu)
    read -r wall user sys <"$OUT/$tag.time"
    echo "| $tag | $wall | $(echo "$user + $sys" | bc) | $(echo "$a1 - $a0" | bc -l | xargs printf %.2f) | $(grep -o '"files_transferred" : [0-9]*' "$OUT/$tag.json" | grep -o '[0-9]*$') | $(cut -d' ' -f1 /proc/loadavg) |"
}
echo "| run | wall s | command CPU s | agent CPU s | files sent | load |"
echo "|---|---|---|---|---|---|"
for ((i = 1; i <= PAIRS; i++)); do
    one off "own-jvm-$i"
    one on "agent-$i"
done
