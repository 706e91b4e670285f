#!/usr/bin/env bash
# Scale benchmark (issue 4): a tree of N small files, both paths local (the full stack: SSH and
# the encrypted UDP transport over loopback through an in-process server), every run with a
# bounded heap. Measures
#   1. re-sync of the unchanged tree on a warm cache: files/s, nothing transferred (goal:
#      >= 100,000 files/s at 1,000,000 files, with -Xmx256m);
#   2. adding ADD_PCT % new files: time against "new bytes / RATE + 3 s" (goal: not above it);
#   and first the fixed cost: the same command on a one-file tree (JVM start, SSH, session set-up,
#   teardown), so the unchanged row's per-entry part is the difference (docs/PERFORMANCE.md,
#   "Session 8": at 200,000 files the fixed part is about half the wall).
# The tree is generated once and kept in --data (delete it to regenerate); the destination is
# seeded with `cp -a` and a first sync that only records it (quick check: same size and mtime),
# so the fsync of N files is not part of the set-up time.
# Prints a markdown table and writes it to bench/results/scale-<date>-<N>.md.
#
# --first-sync instead measures the first sync of the tree into an empty destination
# ($DATA/first-dst, every file sent, fsynced) with the heap bound, and checks the trees are identical
# (contents with diff -r; type, mode and mtime with find).
#
#   bench/scale.sh [--files N (200000)] [--bytes AVG (1024)] [--add-pct P (10)]
#                  [--xmx 256m] [--rate MBIT (500)] [--data DIR (/tmp/farsync-scale-N)] [--first-sync]
#                  [--farsync BIN (this checkout's bin/farsync)]
# --farsync runs another build (a frozen copy for an A/B: bin/farsync rebuilds a checkout being edited).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
FILES=200000 BYTES=1024 ADD_PCT=10 XMX=256m RATE=500 DATA="" FIRST=0 FARSYNC=$HERE/bin/farsync
while [[ $# -gt 0 ]]; do
    case $1 in
        --first-sync) FIRST=1; shift ;;
        --files) FILES=$2; shift 2 ;;
        --bytes) BYTES=$2; shift 2 ;;
        --add-pct) ADD_PCT=$2; shift 2 ;;
        --xmx) XMX=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --data) DATA=$2; shift 2 ;;
        --farsync) FARSYNC=$2; shift 2 ;;
        *) sed -n '2,22p' "$0"; exit 2 ;;
    esac
done
DATA=${DATA:-/tmp/farsync-scale-$FILES}
SRC=$DATA/src DST=$DATA/dst HOME_DIR=$DATA/home
. "$HERE/bench/lib/inode-settle.sh"
"$FARSYNC" --version >/dev/null    # build outside the timing

# N files in directories of 1,000, sizes exponential around BYTES (seeded: the same tree every time)
make_files() {   # make_files FIRST COUNT
    python3 - "$SRC" "$1" "$2" "$BYTES" <<'PY'
import os, random, sys
root, first, n, avg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(first)
blob = os.urandom(1 << 20)
for i in range(first, first + n):
    d = os.path.join(root, "d%04d" % (i // 1000))
    if i % 1000 == 0 or i == first:
        os.makedirs(d, exist_ok=True)
    size = min(len(blob), int(rnd.expovariate(1 / avg)))
    off = rnd.randrange(len(blob) - size + 1)
    with open(os.path.join(d, "f%07d.bin" % i), "wb") as f:
        f.write(blob[off:off + size])
PY
}

# runs one sync with the heap bound; prints "seconds peak_rss_kb files_transferred bytes_transferred exit cpu_seconds"
# (CPU seconds, user + system, are the steadier figure on a shared machine)
sync_once() {
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    env FARSYNC_HOME="$HOME_DIR" FARSYNC_JAVA_OPTS="-Xmx$XMX" /usr/bin/time -o "$DATA/time.txt" -f "%M %U %S" \
        "$FARSYNC" sync "$SRC" "$DST" -q --rate "${RATE}M" --stats-json "$DATA/stats.json" >"$DATA/last.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    python3 - "$DATA/stats.json" "$(echo "$t1 - $t0" | bc -l)" "$(tail -1 "$DATA/time.txt")" "$rc" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    d = {"files_transferred": -1, "bytes_transferred": -1}
rss, user, system = sys.argv[3].split()
print("%.2f %s %d %d %s %.1f" % (float(sys.argv[2]), rss, d["files_transferred"], d["bytes_transferred"], sys.argv[4],
                                 float(user) + float(system)))
PY
}

if (( FIRST )); then
    if [[ ! -d $SRC ]]; then
        mkdir -p "$SRC"; echo "making $FILES files ..." >&2; make_files 0 "$FILES"
    fi
    DST=$DATA/first-dst HOME_DIR=$DATA/first-home
    delete_tree "$DST" "$HOME_DIR"; mkdir -p "$HOME_DIR"
    inodes_settle
    echo "first sync into an empty destination ..." >&2
    read -r secs rss files bytes rc cpu < <(sync_once)
    [[ $rc == 0 ]] || tail -5 "$DATA/last.log" >&2
    listing() { (cd "$1" && find . -mindepth 1 -path './.farsync*' -prune -o -printf '%P %y %m %T@\n' | sort); }
    same=identical
    diff -rq --no-dereference --exclude='.farsync*' "$SRC" "$DST" >"$DATA/first-diff.txt" 2>&1 || same="DIFFERENT (contents)"
    diff <(listing "$SRC") <(listing "$DST") >>"$DATA/first-diff.txt" || same="DIFFERENT (metadata)"
    entries=$(($(find "$SRC" | wc -l) - 1))
    echo "| first sync, $entries entries, -Xmx$XMX | $secs | $cpu | trees $same | $files files, $bytes bytes sent | $rss | $rc |"
    exit 0
fi

if [[ ! -f $DATA/.made-$FILES ]]; then
    rm -rf "$DATA"; mkdir -p "$SRC" "$HOME_DIR"
    echo "making $FILES files ..." >&2
    make_files 0 "$FILES"
    cp -a "$SRC" "$DST"
    echo "recording the seeded destination (first sync) ..." >&2
    read -r secs rss files bytes rc cpu < <(sync_once)
    echo "first sync (records only): $secs s, $files files sent, peak RSS $rss KB, exit $rc" >&2
    [[ $rc == 0 ]] || { tail -5 "$DATA/last.log" >&2; exit 1; }
    touch "$DATA/.made-$FILES"
fi
# A previous run's additions go, so every run starts from the same N files: moved aside into
# $DATA/trash (a rename frees no inode), deleted when this script ends. Deleted here, they made
# the additions below pay for ext4's recently-deleted inode checks (inode-settle.sh): the new
# files go into the same directories, whose inode-table blocks they dirty, which stretches the
# kernel's window from 60 s to 360 s; perf put 13 % of the destination thread's samples in
# recently_deleted 61 s after such a delete (docs/PERFORMANCE.md, "Session 11").
TRASH=$DATA/trash/$(date +%s%N)
python3 "$HERE/bench/lib/move_aside.py" "$SRC" "$DST" "$TRASH"
trap 'delete_tree "$DATA/trash"' EXIT
echo "settling after the additions of a previous run ..." >&2
read -r secs rss files bytes rc cpu < <(sync_once)
find "$SRC" -type f -print0 | xargs -0 cat >/dev/null    # warm cache
find "$DST" -type f >/dev/null

# sync_once reads SRC, DST and HOME_DIR: here the one-file tree's, settled by a first sync
fixed_cost_row() {
    local SRC=$DATA/one/src DST=$DATA/one/dst HOME_DIR=$DATA/one/home secs rss files bytes rc cpu
    mkdir -p "$SRC" "$HOME_DIR"
    [[ -f $SRC/a.bin ]] || head -c "$BYTES" /dev/urandom >"$SRC/a.bin"
    sync_once >/dev/null
    read -r secs rss files bytes rc cpu < <(sync_once)
    echo "| fixed cost: unchanged re-sync of a 1-file tree | $secs | $cpu | - | $files files, $bytes bytes sent | $rss | $rc |"
}
echo "fixed cost (one-file tree) ..." >&2
row0=$(fixed_cost_row)

echo "re-sync of the unchanged tree ..." >&2
read -r secs rss files bytes rc cpu < <(sync_once)
[[ $rc == 0 ]] || tail -5 "$DATA/last.log" >&2
entries=$(($(find "$SRC" | wc -l) - 1))
fps=$(echo "$entries / $secs" | bc -l)
row1="| unchanged re-sync, $entries entries | $secs | $cpu | $(printf %.0f "$fps") files/s | $files files, $bytes bytes sent | $rss | $rc |"

ADD=$((FILES * ADD_PCT / 100))
echo "adding $ADD files ..." >&2
inodes_settle 361    # after the trash of an earlier invocation: the files go where those were
python3 "$HERE/bench/lib/additions.py" "$SRC" "$ADD" "$BYTES"
new_bytes=$(find "$SRC" -name 'n*.bin' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
read -r secs2 rss2 files2 bytes2 rc2 cpu2 < <(sync_once)
[[ $rc2 == 0 ]] || tail -5 "$DATA/last.log" >&2
budget=$(echo "$new_bytes * 8 / ($RATE * 1000000) + 3" | bc -l)
row2="| + $ADD new files ($(printf %.1f "$(echo "$new_bytes/1048576" | bc -l)") MiB) | $secs2 | $cpu2 | budget $(printf %.2f "$budget") s (new bytes at $RATE Mbit/s + 3 s): $( (( $(echo "$secs2 <= $budget" | bc -l) )) && echo met || echo "not met") | $files2 files, $bytes2 bytes sent | $rss2 | $rc2 |"

OUT=$HERE/bench/results/scale-$(date -u +%Y%m%dT%H%M)-$FILES.md
{
    echo "# Scale: $FILES files of ~$BYTES bytes, both paths local, -Xmx$XMX"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)."
    echo "Command: \`bench/scale.sh --files $FILES --bytes $BYTES --add-pct $ADD_PCT --xmx $XMX --rate $RATE --farsync $FARSYNC\`"
    echo
    echo "| run | wall s | CPU s | result | transferred | peak RSS KB | exit |"
    echo "|---|---|---|---|---|---|---|"
    echo "$row0"
    echo "$row1"
    echo "$row2"
} >"$OUT"
cat "$OUT"
