#!/usr/bin/env bash
# WAN benchmark: farsync against rsync (over ssh, TCP cubic and bbr) on the same emulated link,
# the same data, in one run. Writes a markdown table to bench/results/ and prints it.
#
#   bench/wan.sh [--delay-ms ONE_WAY] [--loss PCT] [--rate MBIT]
#                [--file-mb N | --files N --file-kb K] [--timeout S]
#                [--tools farsync,rsync-cubic,rsync-bbr] [--farsync-args "..."] [--label TEXT]
#                [--farsync BIN] [--warm-daemon] [--agent]
#
# Goodput = payload bytes that reached host B / wall time of the whole command (process start,
# SSH handshake, scan and teardown included). A tool still running at --timeout is stopped and
# credited with the bytes on disk at B by then (rsync's temp files included).
# The farsync server is started fresh for each invocation, so by default every farsync row pays
# the server JVM's start-up and JIT besides the client's (a real daemon is long-lived): that is
# the "fresh daemon" mode. --warm-daemon first syncs a small separate tree (200 files of 100 KB,
# to another destination) against the daemon, outside the timing, and the table says so ("warm
# daemon"). --tools farsync,farsync measures a first and a second sync (each to a fresh destination)
# against one daemon. Each farsync row's CPU seconds (user + sys) of the client and of the server
# during that row go to stderr and $BENCH_DIR/cpu.txt; the table is unchanged.
# Needs root, rsync, openssh-server, iproute2, cc (the link emulator is compiled on first use) and GNU time (/usr/bin/time, Debian package `time`: each farsync row's CPU seconds).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
WAN=${WAN:-$HERE/../shared/wan/wan}
DELAY=50 LOSS=0 RATE=500 FILE_MB=0 FILES=0 FILE_KB=50 TIMEOUT=300
TOOLS=farsync,rsync-cubic,rsync-bbr FARSYNC_ARGS="" LABEL="" FARSYNC=$HERE/bin/farsync WARM=0 AGENT=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --delay-ms) DELAY=$2; shift 2 ;;
        --loss) LOSS=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --file-mb) FILE_MB=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --file-kb) FILE_KB=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --tools) TOOLS=$2; shift 2 ;;
        --farsync-args) FARSYNC_ARGS=$2; shift 2 ;;
        --label) LABEL=$2; shift 2 ;;
        --farsync) FARSYNC=$(readlink -f "$2"); shift 2 ;;   # another build's bin/farsync, for A/B runs
        --warm-daemon) WARM=1; shift ;;
        --agent) AGENT=1; WARM=1; shift ;;   # the client's syncs go through a warm `farsync agent` (its first sync, of the warm-up tree, outside the timing)
        *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
((FILE_MB > 0 || FILES > 0)) || FILE_MB=1024
W=${BENCH_DIR:-/tmp/farsync-wan-bench}
# Many small files are created where the previous invocation's were deleted (this script deletes
# its whole directory first): those rows wait out ext4's 360 s window (bench/lib/inode-settle.sh).
# Back to back at 61 s, the 10,000-file rows were bound by the server's file creation: ~1 s slower,
# and a sync that started 0.9 s sooner did not end sooner (docs/PERFORMANCE.md, session 14).
SETTLE=61
((FILES > 0)) && SETTLE=361
. "$HERE/bench/lib/inode-settle.sh"
delete_tree "$W"; mkdir -p "$W/data" "$W/homeA" "$W/homeB" "$W/rootB"
"$FARSYNC" --version >/dev/null    # build outside the timing

echo "making data ..." >&2
if ((FILES > 0)); then
    python3 "$HERE/bench/lib/wantree.py" "$W/data" "$FILES" "$FILE_KB"
else
    head -c $((FILE_MB * 1024 * 1024)) /dev/urandom > "$W/data/big.bin"
fi
((WARM)) && python3 "$HERE/bench/lib/wantree.py" "$W/warm" 200 100 >/dev/null
sync    # the new data's writeback is done before anything is timed (it competed with the first row for the cores)
PAYLOAD=$(du -sb --apparent-size "$W/data" | cut -f1)
NFILES=$(find "$W/data" -type f | wc -l)

"$WAN" up --delay-ms "$DELAY" --loss "$LOSS" --rate "$RATE" >&2
cleanup() {
    ((AGENT)) && FARSYNC_HOME=$W/homeA "$FARSYNC" agent stop >/dev/null 2>&1 || true
    [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true
    [[ -f $W/sshd.pid ]] && kill "$(cat "$W/sshd.pid")" 2>/dev/null || true
    "$WAN" down || true
}
trap cleanup EXIT

# farsync server on B
FARSYNC_HOME=$W/homeA "$FARSYNC" keygen >/dev/null
FARSYNC_HOME=$W/homeB "$WAN" exec b "$FARSYNC" server --listen 10.77.2.2 --root "$W/rootB" \
    --authorized-keys "$W/homeA/id_ed25519.pub" >"$W/server.log" 2>&1 &
echo $! >"$W/server.pid"
# sshd on B for rsync
ssh-keygen -q -t ed25519 -N '' -f "$W/hostkey"; ssh-keygen -q -t ed25519 -N '' -f "$W/userkey"
cp "$W/userkey.pub" "$W/authorized_keys"; chmod 600 "$W/authorized_keys"; mkdir -p /run/sshd
"$WAN" exec b /usr/sbin/sshd -f /dev/null -p 2299 -o ListenAddress=10.77.2.2 -h "$W/hostkey" \
    -o AuthorizedKeysFile="$W/authorized_keys" -o PidFile="$W/sshd.pid" -o StrictModes=no -o PermitRootLogin=prohibit-password
SSH="ssh -p 2299 -i $W/userkey -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
for _ in $(seq 100); do grep -q listening "$W/server.log" && break; sleep 0.1; done
MODE=""
if ((AGENT)); then   # the agent runs in host A, as the client would
    FARSYNC_HOME=$W/homeA "$WAN" exec a "$FARSYNC" agent start --idle-timeout 30m >&2
    AGENT_PID=$(FARSYNC_HOME=$W/homeA "$FARSYNC" agent status | sed -n 's/^agent: pid \([0-9]*\).*/\1/p')
fi
if ((WARM)); then   # one sync of another tree against the daemon, outside the timing
    FARSYNC_HOME=$W/homeA "$WAN" exec a "$FARSYNC" sync "$W/warm" 10.77.2.2:/warm -q >"$W/warm.log" 2>&1 \
        || { echo "warm-up sync failed:" >&2; tail -5 "$W/warm.log" >&2; exit 1; }
    rm -rf "$W/rootB/warm"
    MODE=", warm daemon"
    ((AGENT)) && MODE=", warm daemon, through a warm agent"
fi
server_cpu() {   # the server JVM's user + sys CPU seconds so far
    awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$(cat "$W/server.pid")/stat" 2>/dev/null || echo 0
}
agent_cpu() {   # the agent JVM's, 0 without one
    ((AGENT)) && awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$AGENT_PID/stat" 2>/dev/null || echo 0
}

# runs "$@" in host A with a timeout; prints "seconds bytes_at_B finished(0/1)"
timed() {
    local dst=$1; shift
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    timeout --signal=KILL "$TIMEOUT" "$WAN" exec a "$@" >"$W/last.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    echo "$t0 $t1" >"$W/last.times"    # the command's start and end, for bench/wan-timeline.sh
    local bytes; bytes=$(du -sb --apparent-size "$dst" 2>/dev/null | cut -f1 || echo 0)
    echo "$(echo "$t1 - $t0" | bc -l) $bytes $((rc == 0))"
}

rows=()
for tool in ${TOOLS//,/ }; do
    case $tool in
        farsync)
            delete_tree "$W/rootB/dst" "$W/homeA/snapshots" "$W/homeB/server/snapshots"; inodes_settle "$SETTLE"
            cpu0=$(server_cpu); acpu0=$(agent_cpu); rm -f "$W/client.time"
            read -r secs bytes ok < <(timed "$W/rootB/dst" /usr/bin/time -f "%U %S" -o "$W/client.time" \
                env FARSYNC_HOME="$W/homeA" "$FARSYNC" sync "$W/data" 10.77.2.2:/dst -q --stats-json "$W/farsync.json" $FARSYNC_ARGS)
            read -r cu cs < <(tail -1 "$W/client.time" 2>/dev/null || echo "0 0") || true   # time's last line: "user sys"
            ((AGENT)) && FARSYNC_HOME=$W/homeA "$FARSYNC" agent status >"$W/agent-status.txt" 2>&1
            echo "farsync${MODE}: wall $secs s, CPU s client $(echo "$cu + $cs" | bc) ($cu + $cs)$( ((AGENT)) && echo ", agent $(echo "$(agent_cpu) - $acpu0" | bc -l | xargs printf %.2f)"), server $(echo "$(server_cpu) - $cpu0" | bc -l | xargs printf %.2f)" | tee -a "$W/cpu.txt" >&2
            extra=$(python3 -c "import json;d=json.load(open('$W/farsync.json'));print('retx %.2f%%, wire/payload %.3f, exit %d' % (100*d['retransmitted_bytes']/max(1,d['bytes_transferred']), d['wire_bytes']/max(1,d['bytes_transferred']), d['exit_code']))" 2>/dev/null || echo "no stats")
            [[ $ok == 1 ]] && diff -rq "$W/data" "$W/rootB/dst" >/dev/null || { [[ $ok == 1 ]] && extra="$extra, TREES DIFFER"; }
            label="farsync ${FARSYNC_ARGS:-(defaults)}$MODE" ;;
        rsync-cubic|rsync-bbr)
            cc=${tool#rsync-}
            "$WAN" exec a sysctl -qw net.ipv4.tcp_congestion_control="$cc"
            "$WAN" exec b sysctl -qw net.ipv4.tcp_congestion_control="$cc"
            delete_tree "$W/rsync-dst"; inodes_settle "$SETTLE"
            read -r secs bytes ok < <(timed "$W/rsync-dst" rsync -a -e "$SSH" "$W/data/" "root@10.77.2.2:$W/rsync-dst/")
            extra="tcp $cc"; label="rsync -a over ssh" ;;
        *) echo "unknown tool $tool" >&2; exit 2 ;;
    esac
    mbit=$(echo "$bytes * 8 / $secs / 1000000" | bc -l)
    util=$(echo "100 * $mbit / $RATE" | bc -l)
    rows+=("| $tool | $label | $(printf %.1f "$secs")$([[ $ok == 1 ]] || echo " (stopped)") | $(printf %.1f "$(echo "$bytes/1048576" | bc -l)") | $(printf %.1f "$mbit") | $(printf %.1f "$util") % | $extra |")
    echo "${rows[-1]}" >&2
done

OUT=$HERE/bench/results/wan-$(date -u +%Y%m%dT%H%M)-${DELAY}ms-${LOSS}pct-${RATE}M.md
{
    echo "# WAN: RTT $((2 * DELAY)) ms, loss ${LOSS} %, bottleneck ${RATE} Mbit/s ${LABEL:+($LABEL)}"
    echo
    echo "Data: $NFILES files, $(printf %.1f "$(echo "$PAYLOAD/1048576" | bc -l)") MiB. $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)."
    echo "Command: \`bench/wan.sh --delay-ms $DELAY --loss $LOSS --rate $RATE $( ((FILES > 0)) && echo "--files $FILES --file-kb $FILE_KB" || echo "--file-mb $FILE_MB") --timeout $TIMEOUT --tools $TOOLS${FARSYNC_ARGS:+ --farsync-args \"$FARSYNC_ARGS\"}$( ((AGENT)) && echo " --agent" || { ((WARM)) && echo " --warm-daemon"; })\`"
    echo
    echo "| tool | command | wall s | MiB at B | goodput Mbit/s | utilisation | notes |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Link counters: \`$("$WAN" stats 2>/dev/null | tr '\n' ' ')\`"
} >"$OUT"
cat "$OUT"
