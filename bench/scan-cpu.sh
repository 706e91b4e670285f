#!/usr/bin/env bash
# CPU of the scanner alone on an existing tree (read-only: nothing is written or removed), RUNS
# scans in one JVM, then the process's user and system seconds. Compare builds by pointing
# FARSYNC_DIR at another checkout; alternate them, the machine's load moves these by +-15 %.
#   bench/scan-cpu.sh TREE [RUNS (2)] [THREADS (the scanner's default)]
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,5p' "$0"; exit 2; }
TREE=$1 RUNS=${2:-2}
HERE=${FARSYNC_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
"$HERE/bin/farsync" --version >/dev/null    # builds the jar if stale
BENCH=$(cd "$(dirname "$0")" && pwd)/lib/ScanCpu.java
/usr/bin/time -f "user %U sys %S wall %e" java -Xmx256m --add-opens java.base/sun.nio.fs=ALL-UNNAMED \
    -cp "$HERE/target/farsync.jar:$HERE/target/lib/*" "$BENCH" "$TREE" "$RUNS" ${3:+"$3"} 2>&1 | grep -v SLF4J
