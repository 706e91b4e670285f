#!/usr/bin/env bash
# Loopback benchmark: one file of SIZE_MB random bytes, farsync (both paths local: the full stack,
# SSH + encrypted UDP over 127.0.0.1 through an in-process server) against rsync over ssh to a
# private sshd on 127.0.0.1, in the same run, on the same data, warm page cache for both.
# Writes a markdown table to bench/results/loopback-<date>.md and prints it.
#   [BENCH_DIR=/tmp/...] [BENCH_SSH_PORT=2299] bench/loopback.sh [SIZE_MB (default 1024)]
# Needs root (for the private sshd), rsync and openssh-server (apt-get install rsync openssh-server).
set -euo pipefail
SIZE_MB=${1:-1024}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/farsync-bench}
PORT=${BENCH_SSH_PORT:-2299}
rm -rf "$WORK"; mkdir -p "$WORK/src" "$WORK/home"
command -v rsync >/dev/null && [[ -x /usr/sbin/sshd ]] || { echo "needs rsync and openssh-server" >&2; exit 2; }

echo "making $SIZE_MB MiB of random data ..." >&2
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom > "$WORK/src/big.bin"
cat "$WORK/src/big.bin" > /dev/null

# a private sshd for rsync, with its own keys, on loopback only
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/userkey"
cp "$WORK/userkey.pub" "$WORK/authorized_keys"; chmod 600 "$WORK/authorized_keys"
mkdir -p /run/sshd
/usr/sbin/sshd -f /dev/null -p $PORT -o ListenAddress=127.0.0.1 -h "$WORK/hostkey" \
    -o AuthorizedKeysFile="$WORK/authorized_keys" -o PidFile="$WORK/sshd.pid" -o StrictModes=no \
    -o PermitRootLogin=prohibit-password
trap 'kill $(cat "$WORK/sshd.pid") 2>/dev/null || true' EXIT
SSH="ssh -p $PORT -i $WORK/userkey -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"

"$HERE/bin/farsync" --version >/dev/null   # builds the jar if needed, outside the timing

run_farsync() {
    rm -rf "$WORK/dst-farsync"
    local t0 t1
    t0=$(date +%s.%N)
    FARSYNC_HOME=$WORK/home /usr/bin/time -f "%U %S" -o "$WORK/farsync.cpu" \
        "$HERE/bin/farsync" sync "$WORK/src" "$WORK/dst-farsync" --rate 10G -q --stats-json "$WORK/farsync.json"
    t1=$(date +%s.%N)
    cmp "$WORK/src/big.bin" "$WORK/dst-farsync/big.bin"
    echo "$t1 - $t0" | bc -l
}
run_rsync() {
    rm -rf "$WORK/dst-rsync"
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$WORK/rsync.cpu" rsync -a -e "$SSH" "$WORK/src/" "root@127.0.0.1:$WORK/dst-rsync/"
    t1=$(date +%s.%N)
    cmp "$WORK/src/big.bin" "$WORK/dst-rsync/big.bin"
    echo "$t1 - $t0" | bc -l
}

rows=()
for i in 1 2 3; do
    f=$(run_farsync); r=$(run_rsync)
    fcpu=$(awk '{print $1+$2}' "$WORK/farsync.cpu"); rcpu=$(awk '{print $1+$2}' "$WORK/rsync.cpu")
    load=$(cut -d' ' -f1 /proc/loadavg)
    rows+=("| $i | $load | $(printf %.2f "$f") | $(printf %.0f "$(echo "$SIZE_MB / $f" | bc -l)") | $(printf %.2f "$r") | $(printf %.0f "$(echo "$SIZE_MB / $r" | bc -l)") | $(printf %.2f "$(echo "$r / $f" | bc -l)") | $fcpu | $(printf %.1f "$(echo "$fcpu * 1024 / $SIZE_MB" | bc -l)") | $rcpu |")
done

OUT=$HERE/bench/results/loopback-$(date -u +%Y-%m-%dT%H%MZ).md
{
    echo "# Loopback: one ${SIZE_MB} MiB file, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1). Command: \`bench/loopback.sh $SIZE_MB\`."
    echo "farsync: \`farsync sync SRC DST --rate 10G\` (embedded server, SSH + AES-128-GCM UDP over 127.0.0.1)."
    echo "rsync: \`rsync -a -e ssh\` to a private sshd on 127.0.0.1 (OpenSSH defaults). Wall time includes process start."
    echo "farsync CPU: user + system of the whole process (client and embedded server in one JVM); rsync: its client process only."
    echo
    echo "| run | load average (1 min, after the run) | farsync s | farsync MiB/s | rsync s | rsync MiB/s | speed-up (rsync s / farsync s) | farsync CPU s | farsync CPU s per GiB | rsync client CPU s |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Last farsync stats: \`$(tr -d '\n ' < "$WORK/farsync.json" | cut -c1-400)\`"
} > "$OUT"
cat "$OUT"
