#!/usr/bin/env bash
# Fuzz bench: CASES seeded cases against each decoder a hostile network or peer can reach: the
# transport's datagram decoder (Connection.receive), the SSH control channel's decoder
# (ControlChannel) and the sync protocol's message decoder (MessageCodec.Reader). Fails on the
# first crash, on any unauthenticated datagram accepted, or on a case running longer than
# CASE_TIMEOUT_MS (a hang). Writes bench/results/fuzz-<date>.md and prints it.
#   bench/fuzz.sh [CASES (default 1000000)] [SEED (default random)] [CASE_TIMEOUT_MS (default 5000)]
set -euo pipefail
CASES=${1:-1000000}
SEED=${2:-$RANDOM$RANDOM}
TIMEOUT=${3:-5000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
mvn -o -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz.classpath >&2
t0=$(date +%s)
status=0
java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/fuzz.classpath)" io.farsync.fuzz.FuzzBench \
    "$CASES" "$SEED" "$TIMEOUT" | tee target/fuzz.log || status=$?
t1=$(date +%s)
mkdir -p bench/results
RESULT=bench/results/fuzz-$(date -u +%Y%m%dT%H%M).md
{
    echo "# fuzz bench, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Command: \`bench/fuzz.sh $CASES $SEED $TIMEOUT\` ($(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    grep -E '^(RESULT|FAILED)' target/fuzz.log | sed 's/^/- /'
    echo
    echo "Duration: $((t1 - t0)) s. Exit status: $status ($([[ $status == 0 ]] && echo 'no crash, no hang, no unauthenticated datagram accepted' || echo FAILED))."
} | tee "$RESULT"
exit $status
