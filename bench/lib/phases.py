#!/usr/bin/env python3
"""Runs one command (a farsync sync with FARSYNC_LOG_LEVEL=DEBUG), samples the CPU time of every
thread of it and its children from /proc every 0.1 s, and prints two tables to stdout:
the wall-clock phases from the DEBUG timeline lines, and the CPU seconds per thread (grouped by
name: the JIT compilers, GC workers, the endpoints' threads). The command's stderr is kept in
$PHASES_LOG (default /dev/null) for reading; with $PHASES_TRACE, every sample (seconds since the
start, thread id, name, CPU seconds so far) goes to that file, for a per-thread timeline
(bench/lib/thread_timeline.py).

    FARSYNC_LOG_LEVEL=DEBUG bench/lib/phases.py bin/farsync sync SRC DST --rate 10G -q

Why a sampler and not JFR: JFR's execution samples miss threads in native code (socket and file
I/O, most of this workload), and its own start costs a second. A thread's last sample is at most
0.1 s before its end, so a short-lived thread's CPU may be undercounted by that much.
"""
import collections
import datetime
import os
import re
import subprocess
import sys
import time

TICK = os.sysconf('SC_CLK_TCK')
# Timeline lines, in the order they happen, and the name of the phase each one ends.
MARKS = [
    (r'FarsyncServer - listening', 'JVM start, CLI, embedded server up'),
    (r'SetupClock - session setup: \d+ ms,', 'SSH: connect, key exchange, login, channel, session request'),
    (r'timeline: source starts', 'UDP session, snapshot open'),
    (r'timeline: sending contents of entry', 'lists exchanged, plan, Meta/Need'),
    (r'timeline: first file data in', 'first data reaches the destination'),
    (r'timeline: last byte of entry \d+ written', 'data: read, hash, encrypt, send / receive, decrypt, write, hash'),
    (r'timeline: entry \d+ durable', 'final flush of the file (fsync or syncfs)'),
    (r'timeline: summary sent', 'rename, snapshot commit, summary'),
]
GROUPS = ('C2 CompilerThre', 'C1 CompilerThre', 'GC Thread', 'G1 ', 'sshd-SshClient', 'sshd-SshServer', 'farsync-udp')


def descendants(pid):
    out = [pid]
    try:
        for c in open(f'/proc/{pid}/task/{pid}/children').read().split():
            out += descendants(int(c))
    except OSError:
        pass
    return out


def main():
    log_path = os.environ.get('PHASES_LOG', '/dev/null')
    trace = open(os.environ['PHASES_TRACE'], 'w') if os.environ.get('PHASES_TRACE') else None
    start = time.time()
    with open(log_path, 'w') as log:
        p = subprocess.Popen(sys.argv[1:], stderr=log)
        threads = {}
        while p.poll() is None:
            for pid in descendants(p.pid):
                try:
                    tids = os.listdir(f'/proc/{pid}/task')
                except OSError:
                    continue
                for tid in tids:
                    try:
                        s = open(f'/proc/{pid}/task/{tid}/stat').read()
                    except OSError:
                        continue
                    name = s[s.index('(') + 1:s.rindex(')')]
                    f = s[s.rindex(')') + 2:].split()
                    threads[(pid, tid)] = (name, (int(f[11]) + int(f[12])) / TICK)
                    if trace:
                        trace.write(f'{time.time() - start:.2f}\t{tid}\t{name}\t{threads[(pid, tid)][1]:.2f}\n')
            time.sleep(0.1)
    end = time.time()
    rows = [('start', start)]
    if log_path != '/dev/null':
        day = datetime.datetime.fromtimestamp(start).date()
        text = open(log_path, errors='replace').read().splitlines()
        for pattern, phase in MARKS:
            hit = next((l for l in text if re.search(pattern, l)), None)
            if hit:
                t = datetime.datetime.combine(day, datetime.time.fromisoformat(hit[:12])).timestamp()
                rows.append((phase, t))
    rows.append(('summary to exit: teardown, JVM exit', end))
    print('| phase | s |\n|---|---|')
    for (_, t0), (phase, t1) in zip(rows, rows[1:]):
        print(f'| {phase} | {t1 - t0:.2f} |')
    print(f'| **whole command** | **{end - start:.2f}** |\n')
    groups = collections.defaultdict(lambda: [0.0, 0])
    for name, cpu in threads.values():
        key = next((g.strip() for g in GROUPS if name.startswith(g)), name)
        groups[key][0] += cpu
        groups[key][1] += 1
    print('| thread (name as the kernel keeps it, 15 chars) | CPU s | threads |\n|---|---|---|')
    for k, (cpu, n) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        if cpu >= 0.02:
            print(f'| {k} | {cpu:.2f} | {n} |')
    print(f'| **all threads** | **{sum(c for c, _ in groups.values()):.2f}** | |')
    sys.exit(p.returncode)


if __name__ == '__main__':
    main()
