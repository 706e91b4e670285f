#!/usr/bin/env bash
# Session 10: the 10,000 x 50 KB tree on the issue-3 table's other three links (bench/rate-table.sh
# runs it at 100 ms / 1 % only), farsync and rsync on the same data in the same run.
set -uo pipefail
cd "$(dirname "$0")/../.."
bench/wan.sh --delay-ms 50 --loss 0 --rate 500 --files 10000 --file-kb 50 --timeout 150
bench/wan.sh --delay-ms 300 --loss 1 --rate 500 --files 10000 --file-kb 50 --timeout 150 --tools farsync,rsync-bbr
bench/wan.sh --delay-ms 50 --loss 10 --rate 500 --files 10000 --file-kb 50 --timeout 150 --tools farsync,rsync-bbr
