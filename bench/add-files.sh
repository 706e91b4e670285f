#!/usr/bin/env bash
# Adding 10 % new files to an existing tree (issue 4, goal b), one jar against another: for each
# run and each jar (alternating), the additions of a previous run are deleted from both trees and
# settled with a sync, the 20,000 files of bench/scale.sh (seed 7) are added, and one sync is timed
# (CPU seconds, user and system separately, are the steadier figure on a shared machine). The tree
# is bench/scale.sh's: run `bench/scale.sh --files 200000 --data DIR` once first.
# --strace counts the file system calls of the timed sync instead (load-independent):
# bench/results/add-files-<tag>-strace.txt.
#
#   bench/add-files.sh [--data DIR (/tmp/farsync-scale-200000)] [--runs R (2)] [--strace] JAR ...
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
DATA=/tmp/farsync-scale-200000 RUNS=2 STRACE=0 JARS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --data) DATA=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --strace) STRACE=1; shift ;;
        --*) sed -n '2,11p' "$0"; exit 2 ;;
        *) JARS+=("$1"); shift ;;
    esac
done
((${#JARS[@]} > 0)) || { sed -n '2,11p' "$0"; exit 2; }
SRC=$DATA/src DST=$DATA/dst
[[ -d $SRC && -d $DST ]] || { echo "no tree in $DATA: run bench/scale.sh --data $DATA first" >&2; exit 1; }
sync_with() {   # sync_with JAR [wrapper ...]
    local jar=$1; shift
    env FARSYNC_HOME="$DATA/home" "$@" java --add-opens java.base/sun.nio.fs=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
        -Xmx256m ${FARSYNC_JAVA_OPTS:-} -cp "$jar:$HERE/target/lib/*" io.farsync.cli.Main sync "$SRC" "$DST" -q --rate 500M >"$DATA/add-files.log" 2>&1 \
        || { echo "sync failed:" >&2; tail -5 "$DATA/add-files.log" >&2; exit 1; }
}
echo "| jar | run | wall s | CPU s (user + sys) | load average before, after |"
echo "|---|---|---|---|---|"
for ((run = 1; run <= RUNS; run++)); do
    for jar in "${JARS[@]}"; do
        find "$SRC" "$DST" -name 'n*.bin' -delete
        sync_with "$jar"
        python3 "$HERE/bench/lib/additions.py" "$SRC" 20000 1024
        sync
        load=$(cut -d' ' -f1 /proc/loadavg)
        tag=$(basename "$jar" .jar)-$run
        if ((STRACE)); then
            sync_with "$jar" strace -f --seccomp-bpf -c -o "$HERE/bench/results/add-files-$tag-strace.txt" \
                -e trace=syncfs,fsync,fdatasync,openat,statx,newfstatat,renameat,fchmod,utimensat,unlink,close,write,pwrite64
            echo "| $(basename "$jar") | $run | syncfs $(awk '$NF == "syncfs" {print $4}' "$HERE/bench/results/add-files-$tag-strace.txt") | (strace) | $load |"
        else
            /usr/bin/time -o "$DATA/add-files-time.txt" -f "%e %U %S" bash -c "$(declare -f sync_with); HERE='$HERE' DATA='$DATA' SRC='$SRC' DST='$DST'; sync_with '$jar'"
            read -r wall user sys <"$DATA/add-files-time.txt"
            echo "| $(basename "$jar") | $run | $wall | $(echo "$user + $sys" | bc) ($user + $sys) | $load, $(cut -d' ' -f1 /proc/loadavg) |"
        fi
    done
done
diff -rq "$SRC" "$DST" --exclude='.farsync*' >/dev/null || { echo "TREES DIFFER" >&2; exit 1; }
