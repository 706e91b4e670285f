#!/usr/bin/env bash
# session 9: a first A/B of integration (gso + kstamp) against main at the session start, 600 ms and 100 ms / 1 %
set -uo pipefail
export WAN=/work/shared/wan/wan WAN_NS=s9pre BENCH_DIR=/tmp/s9-pre-bench
NEW=${NEW:-/tmp/s9-int1/bin/farsync} OLD=/tmp/s9-base/bin/farsync
cd /work/wt-int
hdr() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
wanrow() { local tag=$1 bin=$2; shift 2; hdr "$tag $*"; flock /tmp/farsync-bench.lock bench/wan.sh "$@" --tools farsync --farsync "$bin" 2>&1 | grep '^| farsync\|CPU s' | head -2; }
for i in 1 2; do
  wanrow new $NEW --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 150
  wanrow old $OLD --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout 150
done
echo "=== done $(date -u +%H:%M:%S)"

# part 2
# session 9: integration (gso + kstamp, before review fixes) against main at the session start, 100 ms rows
set -uo pipefail
export WAN=/work/shared/wan/wan WAN_NS=s9pre BENCH_DIR=/tmp/s9-pre-bench
NEW=${NEW:-/tmp/s9-int1/bin/farsync} OLD=/tmp/s9-base/bin/farsync
cd /work/wt-int
hdr() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
wanrow() { local tag=$1 bin=$2; shift 2; hdr "$tag $*"; flock /tmp/farsync-bench.lock bench/wan.sh "$@" --tools farsync --farsync "$bin" 2>&1 | grep '^| farsync\|CPU s\|queue_drop' | head -3; }
wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 90
wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout 90
wanrow new $NEW --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
wanrow old $OLD --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 90
echo "=== done $(date -u +%H:%M:%S)"
