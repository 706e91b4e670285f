#!/usr/bin/env bash
# Wall time of a one-shot push the server refuses (a remote path that climbs out of its root:
# exit 10 "path escapes the root"), from a large local tree, on loopback: the refusal should come
# about a session set-up after the start, not after the local scan of the whole tree.
#   bench/refused-push.sh [--files N (200000)] [--runs N (3)] [--port P (33917)]
set -euo pipefail
FILES=200000 RUNS=3 PORT=33917
while [[ $# -gt 0 ]]; do
    case $1 in
        --files) FILES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        *) sed -n '2,5p' "$0"; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")/.." && pwd)
W=${BENCH_DIR:-/tmp/farsync-refused-push}
rm -rf "$W"; mkdir -p "$W/tree" "$W/home" "$W/root"
"$HERE/bin/farsync" --version >/dev/null
python3 - "$W/tree" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // 200))
    if i % 200 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d" % i), "w") as f:
        f.write("x")
PY
cleanup() { [[ -f $W/server.pid ]] && kill "$(cat "$W/server.pid")" 2>/dev/null || true; }
trap cleanup EXIT
FARSYNC_HOME=$W/home "$HERE/bin/farsync" keygen >/dev/null
FARSYNC_HOME=$W/home "$HERE/bin/farsync" server --listen 127.0.0.1 --port "$PORT" --root "$W/root" \
    --host-key "$W/host_key" --authorized-keys "$W/home/id_ed25519.pub" >"$W/server.log" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 300); do grep -q listening "$W/server.log" && break; sleep 0.1; done
for i in $(seq "$RUNS"); do
    t0=$(date +%s.%N)
    set +e
    FARSYNC_HOME=$W/home "$HERE/bin/farsync" sync "$W/tree" "127.0.0.1:/../escaped" -P "$PORT" -q >"$W/client.log" 2>&1
    rc=$?
    set -e
    t1=$(date +%s.%N)
    printf 'run %d: %.2f s, exit %d: %s (%d files, load %s)\n' "$i" "$(echo "$t1 - $t0" | bc -l)" "$rc" \
        "$(tail -1 "$W/client.log")" "$FILES" "$(cut -d' ' -f1 /proc/loadavg)"
done
