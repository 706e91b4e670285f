#!/usr/bin/env bash
# session 8 final quiet window: merged build (/tmp/s8-fin) alternating with main at the session start (/tmp/s8-base)
set -uo pipefail
export WAN=/work/shared/wan/wan WAN_NS=final BENCH_DIR=/tmp/s8-final-bench
NEW=/tmp/s8-fin/bin/farsync OLD=/tmp/s8-base/bin/farsync
cd /tmp/s8-fin
hdr() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
wanrow() { local tag=$1 bin=$2; shift 2; hdr "$tag $*"; bench/wan.sh "$@" --tools farsync --farsync "$bin" 2>&1 | grep '^| farsync\|CPU s' | head -2; }
for tag in new old; do b=$NEW; [[ $tag == old ]] && b=$OLD; hdr "fixed-cost 600ms $tag"; bench/fixed-cost.sh --delay-ms 300 --runs 2 --farsync $b 2>&1 | grep '^run'; done
for tag in old new; do b=$NEW; [[ $tag == old ]] && b=$OLD; hdr "fixed-cost 100ms $tag"; bench/fixed-cost.sh --delay-ms 50 --runs 2 --farsync $b 2>&1 | grep '^run'; done
for i in 1 2; do
  wanrow new $NEW --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 150
  wanrow old $OLD --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 150
done
wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 90
wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 90
wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
for i in 1 2; do
  hdr "1M resync new"; /tmp/scan4-1m/resync.sh $NEW 256m s8new$i
  hdr "1M resync old"; /tmp/scan4-1m/resync.sh $OLD 256m s8old$i
done
hdr "loopback new"; BENCH_DIR=/tmp/s8-loop-bench bench/loopback.sh 1024 2>&1 | grep '^|' | tail -3
echo "=== done $(date -u +%H:%M:%S)"
