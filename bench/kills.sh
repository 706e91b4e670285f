#!/usr/bin/env bash
# Crash-safety bench: the kill -9 fault-injection harness (FaultInjectionTest) in two scenarios:
# (1) a local sync, both endpoints in one process, killed N times; (2) client and server as
# separate processes, one of them (chosen at random) killed N_CS times (each kill there costs two
# JVM starts and a server restart, so it defaults to N/5). The source changes between
# runs so every run has work to do. After every kill each file under its final name must be a whole
# version of its source; a last run must leave identical trees and no temp or partial file.
# Any corruption or leftover fails the run at once (non-zero exit), so a finished run means zero.
# Writes bench/results/kills-<date>.md and prints it.
#   bench/kills.sh [N (default 100)] [SEED (default random)] [N_CS (default N/5)]
set -euo pipefail
N=${1:-100}
SEED=${2:-$RANDOM$RANDOM}
N_CS=${3:-$((N / 5))}
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
REPORT=target/surefire-reports/io.farsync.cli.FaultInjectionTest-output.txt
OUT=target/kills-bench.log
mkdir -p target && : > "$OUT"
t0=$(date +%s)
status=0
run() {   # METHOD KILLS
    mvn -o -q -B test -Dtest="FaultInjectionTest#$1" -Dsurefire.failIfNoSpecifiedTests=false \
        -Dfarsync.test.kills="$2" -Dfarsync.test.seed="$SEED" || status=$?
    cat "$REPORT" >> "$OUT"
}
if (( N > 0 )); then run 'repeatedKills*' "$N"; fi
if (( N_CS > 0 )); then run 'killingClientOrServer*' "$N_CS"; fi
t1=$(date +%s)
kills=$(grep -c '^kill ' "$OUT" || true)
finished=$(grep -c 'it had finished' "$OUT" || true)
mkdir -p bench/results
RESULT=bench/results/kills-$(date -u +%Y%m%dT%H%M).md
{
    echo "# kill -9 bench, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Command: \`bench/kills.sh $N $SEED $N_CS\` ($(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "| scenario | result |"
    echo "|---|---|"
    grep '^BENCH' "$OUT" | sed 's/^BENCH \([^ ]*\) \(.*\)/| \1 | \2 |/' || true
    echo
    echo "Kills performed: $kills (of which $finished landed after the run had already finished)."
    echo "Duration: $((t1 - t0)) s. Exit status of the harness: $status ($([[ $status == 0 ]] && echo 'zero corruptions, zero partial files' || echo 'FAILED: see the surefire report'))."
} | tee "$RESULT"
exit $status
