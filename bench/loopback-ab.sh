#!/usr/bin/env bash
# A/B of builds or JVM options on a local sync (both paths local, as bench/loopback.sh): one file
# of SIZE_KB random KiB, ROUNDS rounds, each round one run per variant in turn (alternating, so
# that a changing machine load hits every variant alike). Per run, one line: the load average at
# its start, wall and CPU seconds of the whole command and the CPU seconds of the thread groups
# that matter (bench/lib/phases.py samples them from /proc).
#   bench/loopback-ab.sh SIZE_KB ROUNDS 'LABEL|FARSYNC_BIN|JAVA_OPTS|EXTRA_ARGS' ...
# e.g. bench/loopback-ab.sh 1048576 3 "main|/tmp/base/bin/farsync||" "head|bin/farsync||" \
#          "dg65k|bin/farsync||--datagram-size 65000" "serial|bin/farsync|-XX:+UseSerialGC|"
set -uo pipefail
SIZE_KB=$1 ROUNDS=$2
shift 2
HERE=$(cd "$(dirname "$0")/.." && pwd)
W=${BENCH_DIR:-/tmp/farsync-loopback-ab}
mkdir -p "$W/src" "$W/home"
if [[ $(stat -c %s "$W/src/data.bin" 2>/dev/null || echo 0) != $((SIZE_KB * 1024)) ]]; then
    head -c $((SIZE_KB * 1024)) /dev/urandom > "$W/src/data.bin"
fi
for v in "$@"; do    # builds and class-data archives outside the timing
    IFS='|' read -r _ bin _ _ <<<"$v"
    "$bin" --version >/dev/null
done
column() {  # the CPU seconds of one thread group in phases.py's table
    grep "^| $1" <<<"$2" | awk -F'|' '{s += $3} END {printf "%.2f", s}'
}
for r in $(seq "$ROUNDS"); do
    for v in "$@"; do
        IFS='|' read -r label bin opts extra <<<"$v"
        rm -rf "$W/dst"
        sync
        load=$(cut -d' ' -f1 /proc/loadavg)
        # shellcheck disable=SC2086 # EXTRA_ARGS are words
        out=$(FARSYNC_JAVA_OPTS="$opts" FARSYNC_LOG_LEVEL=DEBUG FARSYNC_HOME=$W/home PHASES_LOG=/dev/null \
            "$HERE/bench/lib/phases.py" "$bin" sync "$W/src" "$W/dst" --rate 10G -q $extra 2>&1)
        cmp -s "$W/src/data.bin" "$W/dst/data.bin" || echo "$label: DESTINATION DIFFERS"
        whole=$(grep 'whole command' <<<"$out" | grep -o '[0-9.]*' | head -1)
        cpu=$(grep 'all threads' <<<"$out" | grep -o '[0-9.]*' | head -1)
        echo "$label load=$load wall=$whole cpu=$cpu C2=$(column 'C2 ' "$out") C1=$(column 'C1 ' "$out")" \
            "udp=$(column farsync-udp "$out") main=$(column 'java ' "$out") server-session=$(column farsync-session "$out")"
    done
done
