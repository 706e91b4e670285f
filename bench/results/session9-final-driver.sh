#!/usr/bin/env bash
# session 9 final quiet window: merged build (/tmp/s9-fin) alternating with main at the session start (/tmp/s9-base)
set -uo pipefail
export WAN=/work/shared/wan/wan WAN_NS=final BENCH_DIR=/tmp/s9-final-bench
NEW=/tmp/s9-fin/bin/farsync OLD=/tmp/s9-base/bin/farsync
cd /tmp/s9-fin
hdr() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
wanrow() { local tag=$1 bin=$2; shift 2; hdr "$tag $*"; bench/wan.sh "$@" --tools farsync --farsync "$bin" 2>&1 | grep '^| farsync\|CPU s\|queue_drop' | head -3; }
for i in 1 2; do
  wanrow new $NEW --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 150
  wanrow old $OLD --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 150
done
wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 90
wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 90
for i in 1 2; do
  wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
  wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
done
wanrow new $NEW --delay-ms 50 --loss 10 --rate 500 --file-mb 2048 --timeout 120
wanrow old $OLD --delay-ms 50 --loss 10 --rate 500 --file-mb 2048 --timeout 120
hdr "loopback new"; BENCH_DIR=/tmp/s9-loop-bench FARSYNC=$NEW bench/loopback.sh 1024 2>&1 | grep '^|' | tail -4
echo "=== done $(date -u +%H:%M:%S)"

# part 2
# session 9 final quiet window, part 2: two more 10,000-file pairs (the first two split 60.2/54.2 against 61.9/65.0)
set -uo pipefail
export WAN=/work/shared/wan/wan WAN_NS=final BENCH_DIR=/tmp/s9-final-bench
NEW=/tmp/s9-fin/bin/farsync OLD=/tmp/s9-base/bin/farsync
cd /tmp/s9-fin
hdr() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
wanrow() { local tag=$1 bin=$2; shift 2; hdr "$tag $*"; bench/wan.sh "$@" --tools farsync --farsync "$bin" 2>&1 | grep '^| farsync\|CPU s' | head -2; }
for i in 1 2; do
  wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
  wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
done
echo "=== done $(date -u +%H:%M:%S)"
