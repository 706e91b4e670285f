#!/usr/bin/env bash
# Session 11's A/B of a mass move (docs/PERFORMANCE.md, "Session 11"): 50,000 files of 100 bytes in
# 50 directories are made in DIR/src and synced to DIR/dst once; then per run every file is renamed
# in place at the source (f* -> g* -> f* ...: one Move each, nothing sent) and the sync measured under
# bench/lib/phases.py; builds alternate. Prints: build, wall s, CPU s, files moved, files sent, the
# destination session thread's CPU s.
#   bench/results/session11-moves.sh DIR PAIRS BASE_BIN NEW_BIN
set -euo pipefail
DIR=$1 PAIRS=$2 HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$DIR/home"
cd "$DIR"
if [[ ! -d src ]]; then
    python3 - <<'PY'
import os
for i in range(50000):
    d = "src/d%03d" % (i // 1000)
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open("%s/f%06d.bin" % (d, i), "wb") as f:
        f.write(b"x" * 100)
PY
    env FARSYNC_HOME="$DIR/home" FARSYNC_JAVA_OPTS=-Xmx256m "$3" sync src dst -q >/dev/null 2>&1
fi
for ((i = 1; i <= PAIRS; i++)); do
    for b in "$3" "$4"; do
        python3 - <<'PY'
import os
for d in os.listdir("src"):
    for f in os.listdir("src/" + d):
        os.rename("src/%s/%s" % (d, f), "src/%s/%s%s" % (d, "g" if f[0] == "f" else "f", f[1:]))
PY
        sync
        env FARSYNC_HOME="$DIR/home" FARSYNC_JAVA_OPTS=-Xmx256m FARSYNC_LOG_LEVEL=DEBUG PHASES_LOG="$DIR/last.log" \
            /usr/bin/time -f "%e %U %S" "$HERE/bench/lib/phases.py" "$b" sync src dst -q --stats-json "$DIR/stats.json" \
            >"$DIR/phases.txt" 2>"$DIR/time.txt"
        read -r w u s <"$DIR/time.txt"
        echo "| $b | $w | $(echo "$u + $s" | bc) | $(grep -o '"files_moved" : [0-9]*' "$DIR/stats.json" | grep -o '[0-9]*$') | $(grep -o '"files_transferred" : [0-9]*' "$DIR/stats.json" | grep -o '[0-9]*$') | $(grep 'farsync-session' "$DIR/phases.txt" | cut -d'|' -f3) |"
    done
done
