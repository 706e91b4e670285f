#!/usr/bin/env bash
# Samples host B's received bytes on the emulated link every 100 ms until killed, one line per
# sample: "unix_time_s rx_bytes mbit_s_since_last". For reading a run's ramp, dips and tail
# against its DEBUG log's timestamps.
#   WAN_NS=<ns> bench/lib/rate-trace.sh > trace.txt &
set -euo pipefail
NS=${WAN_NS:-wan}b
prev_t=0 prev_b=0
while :; do
    t=$(date +%s.%N)
    b=$(ip netns exec "$NS" sh -c 'cat /sys/class/net/*/statistics/rx_bytes' | awk '{s+=$1} END {print s}')
    if [[ $prev_t != 0 ]]; then
        awk -v t="$t" -v b="$b" -v pt="$prev_t" -v pb="$prev_b" 'BEGIN {printf "%.2f %d %.1f\n", t, b, (b-pb)*8/(t-pt)/1e6}'
    fi
    prev_t=$t prev_b=$b
    sleep 0.1
done
