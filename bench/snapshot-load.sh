#!/usr/bin/env bash
# Snapshot load bench (issue 4, docs/PERFORMANCE.md "Session 7: 1M re-sync"): the thread CPU of
# loading a snapshot database over a table of its own entries, RUNS times in one JVM, for each
# given build (a checkout or frozen copy holding target/farsync.jar and target/lib), alternating.
# The database is copied first (SQLite's backup: consistent even while a sync writes it).
#
#   bench/snapshot-load.sh DB RUNS BUILD...
#   e.g. bench/snapshot-load.sh /tmp/scan4-1m/home/snapshots/X.local.db 5 /tmp/s7-base /tmp/resync7-v2
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DB=$1 RUNS=$2; shift 2
WORK=$(mktemp -d /tmp/snapshot-load.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 -c "import sqlite3,sys; s=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()" "$DB" "$WORK/copy.db"
for build in "$@"; do
    mkdir -p "$WORK/classes"
    javac -nowarn -d "$WORK/classes" -cp "$build/target/farsync.jar" "$HERE/lib/SnapshotLoadBench.java"
    cp "$WORK/copy.db" "$WORK/run.db"
    echo "$build load=$(cut -d' ' -f1 /proc/loadavg): $(java -Xmx1g -cp "$WORK/classes:$build/target/farsync.jar:$build/target/lib/*" \
        SnapshotLoadBench "$WORK/run.db" "$RUNS" | awk '{print $3}' | tr '\n' ' ')"
    rm -rf "$WORK/classes" "$WORK"/run.db*
done
