#!/usr/bin/env bash
# JMH micro-benchmarks of the transport core (AEAD per datagram, the whole sans-IO connection).
#   bench/jmh.sh [JMH ARGS...]      e.g. bench/jmh.sh PacketCodec -p payload=1443
# Installs farsync into the local Maven repository, builds bench/jmh, runs it, and writes the
# results to bench/results/jmh-<date>.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
(cd "$HERE" && mvn -q -B -DskipTests install)
(cd "$HERE/bench/jmh" && mvn -q -B package)
OUT=$HERE/bench/results/jmh-$(date -u +%Y%m%dT%H%M).txt
java -jar "$HERE/bench/jmh/target/benchmarks.jar" "$@" | tee "$OUT"
