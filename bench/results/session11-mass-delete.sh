#!/usr/bin/env bash
# Session 11: the heap of a sync that deletes every file of a large tree, base build against new
# (docs/PERFORMANCE.md, "Session 11": deletes count against the source's unsettled bound).
# Uses bench/scale.sh's data DATA (DATA/src: 200,000 files, or 220,000 with its additions): makes a
# destination per build (cp -a of the source), records it with that build (a first sync that only
# records it), then deletes every file of DATA/src (the directories stay; this ends the data set:
# delete DATA afterwards so that bench/scale.sh makes it again) and syncs it to each destination
# with its build, -Xmx256m and a GC log. Prints per build: exit, wall s, peak RSS KB, files deleted,
# and the most heap in use before and after a collection (MB, from -Xlog:gc).
#   bench/results/session11-mass-delete.sh DATA OUT BASE_BIN NEW_BIN
set -euo pipefail
DATA=$1 OUT=$2 BASE=$3 NEW=$4
mkdir -p "$OUT"
for b in BASE NEW; do
    rm -rf "$DATA/del-$b" "$DATA/del-home-$b"; mkdir -p "$DATA/del-home-$b"
    cp -a "$DATA/src" "$DATA/del-$b"
    env FARSYNC_HOME="$DATA/del-home-$b" FARSYNC_JAVA_OPTS=-Xmx256m "${!b}" sync "$DATA/src" "$DATA/del-$b" -q >/dev/null
done
find "$DATA/src" -type f -delete
for b in BASE NEW; do
    t0=$(date +%s.%N) rc=0
    env FARSYNC_HOME="$DATA/del-home-$b" FARSYNC_JAVA_OPTS="-Xmx256m -Xlog:gc:file=$OUT/gc-$b.log" \
        /usr/bin/time -o "$OUT/time-$b.txt" -f "%M" "${!b}" sync "$DATA/src" "$DATA/del-$b" -q --max-delete 100% \
        --stats-json "$OUT/stats-$b.json" >"$OUT/out-$b.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    python3 - "$b" "$rc" "$(echo "$t1 - $t0" | bc -l)" "$(tail -1 "$OUT/time-$b.txt")" "$OUT/stats-$b.json" "$OUT/gc-$b.log" <<'PY'
import json, re, sys
b, rc, wall, rss, stats, gc = sys.argv[1:7]
try:
    deleted = json.load(open(stats))["files_deleted"]
except Exception:
    deleted = "-"
before = after = 0
for line in open(gc):
    m = re.search(r"(\d+)M->(\d+)M\(\d+M\)", line)
    if m:
        before, after = max(before, int(m.group(1))), max(after, int(m.group(2)))
print("| %s | %s | %.2f | %s | %s | %d | %d |" % (b, rc, float(wall), rss, deleted, before, after))
PY
done
