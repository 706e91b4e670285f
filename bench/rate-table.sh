#!/usr/bin/env bash
# The rate-control goals table (issue 3): farsync against rsync (cubic, bbr) on a 500 Mbit/s
# emulated bottleneck at 100 ms / 0 %, 100 ms / 1 %, 600 ms / 1 % and 100 ms / 10 %, for one
# 2 GiB file and for 10,000 files of about 50 KB. Each row is one bench/wan.sh run; results land
# in bench/results/. Takes about half an hour.
#   bench/rate-table.sh [TIMEOUT_S (default 150)]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=${1:-150}
"$HERE/wan.sh" --delay-ms 50 --loss 0 --rate 500 --file-mb 2048 --timeout "$T"
"$HERE/wan.sh" --delay-ms 50 --loss 1 --rate 500 --file-mb 2048 --timeout "$T"
"$HERE/wan.sh" --delay-ms 300 --loss 1 --rate 500 --file-mb 2048 --timeout "$T"
"$HERE/wan.sh" --delay-ms 50 --loss 10 --rate 500 --file-mb 2048 --timeout "$T" --tools farsync,rsync-bbr
"$HERE/wan.sh" --delay-ms 50 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout "$T"
