#!/usr/bin/env bash
# CPU per new small file (issue 4, goal b's per-file part): the first sync of N new files of ~BYTES
# (exponential sizes, seeded) into an empty destination, both paths local (SSH and the encrypted
# UDP transport over loopback), repeated RUNS times for each jar given, the jars alternating, so
# builds can be compared on a shared machine: CPU seconds (user + system) are the steadier figure.
# Without jars it runs this checkout's. FARSYNC_JAVA_OPTS is passed to the JVM (profilers, flags).
#
#   bench/newfiles-cpu.sh [--files N (20000)] [--bytes AVG (1024)] [--runs R (2)] [JAR ...]
#
# Profile one run, e.g.: FARSYNC_JAVA_OPTS="-XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions
#   -XX:+DumpPerfMapAtExit" perf record -F 999 -g -- bench/newfiles-cpu.sh --runs 1
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
FILES=20000 BYTES=1024 RUNS=2 JARS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --files) FILES=$2; shift 2 ;;
        --bytes) BYTES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --*) sed -n '2,11p' "$0"; exit 2 ;;
        *) JARS+=("$1"); shift ;;
    esac
done
if ((${#JARS[@]} == 0)); then
    "$HERE/bin/farsync" --version >/dev/null    # build outside the timing
    JARS=("$HERE/target/farsync.jar")
fi
W=/tmp/farsync-newfiles-$FILES-$BYTES
[[ -d $W/src ]] || python3 "$HERE/bench/lib/smalltree.py" "$W/src" "$FILES" "$BYTES" 200
echo "| jar | run | wall s | CPU s (user + sys) | load average |"
echo "|---|---|---|---|---|"
for ((run = 1; run <= RUNS; run++)); do
    for jar in "${JARS[@]}"; do
        rm -rf "$W/dst" "$W/home"; mkdir -p "$W/home"
        env FARSYNC_HOME="$W/home" /usr/bin/time -o "$W/time.txt" -f "%e %U %S" java --add-opens java.base/sun.nio.fs=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
            -Xmx256m ${FARSYNC_JAVA_OPTS:-} -cp "$jar:$HERE/target/lib/*" io.farsync.cli.Main sync "$W/src" "$W/dst" -q >"$W/last.log" 2>&1 \
            || { echo "sync failed:" >&2; tail -5 "$W/last.log" >&2; exit 1; }
        read -r wall user sys <"$W/time.txt"
        echo "| $(basename "$jar") | $run | $wall | $(echo "$user + $sys" | bc) ($user + $sys) | $(cut -d' ' -f1-3 /proc/loadavg) |"
    done
done
diff -rq "$W/src" "$W/dst" >/dev/null || { echo "TREES DIFFER" >&2; exit 1; }
