#!/usr/bin/env bash
# Wire bytes of a bidirectional sync that has nothing to do, for a tree of N files: both sides
# send their whole version table (issue 6: about 60 bytes plus the path per row), then the two
# one-way passes exchange their lists. Both paths local (the full stack over loopback). Runs
# `farsync sync A B --bidi` once to sync everything, then RUNS more times unchanged, and prints
# each no-op run's wire_bytes (all UDP and TCP bytes, both directions) from --stats-json; then the
# same for a one-way push (run twice, the second reported), whose lists the bidi run also sends:
# the difference is about what the version tables cost.
#   bench/bidi-noop-bytes.sh [--files N (20000)] [--runs R (2)]
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
FILES=20000 RUNS=2
while [[ $# -gt 0 ]]; do
    case $1 in
        --files) FILES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        *) sed -n '2,7p' "$0"; exit 2 ;;
    esac
done
W=$(mktemp -d /tmp/farsync-bidi-noop-XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/a" "$W/b" "$W/home"
# 100 directories of FILES/100 files, paths of about 30 characters (dir-NNN/file-name-NNNNNN.txt)
python3 - "$W/a" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "dir-%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file-name-%06d.txt" % i), "w") as f:
        f.write("x" * 100)
PY
export FARSYNC_HOME=$W/home
"$HERE/bin/farsync" sync "$W/a" "$W/b" --bidi -q
for i in $(seq "$RUNS"); do
    "$HERE/bin/farsync" sync "$W/a" "$W/b" --bidi -q --stats-json "$W/s$i.json"
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("files %s no-op bidi run %s: wire_bytes %d, files_transferred %d" % (sys.argv[2], sys.argv[3], s["wire_bytes"], s["files_transferred"]))' \
        "$W/s$i.json" "$FILES" "$i"
done
"$HERE/bin/farsync" sync "$W/a" "$W/b" -q
"$HERE/bin/farsync" sync "$W/a" "$W/b" -q --stats-json "$W/oneway.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("files %s no-op one-way run: wire_bytes %d" % (sys.argv[2], s["wire_bytes"]))' \
    "$W/oneway.json" "$FILES"
