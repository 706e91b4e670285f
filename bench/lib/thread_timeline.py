#!/usr/bin/env python3
"""Per-thread CPU over time from bench/lib/phases.py's $PHASES_TRACE: for every STEP seconds
(default 0.5), the cores each thread group used, so the wall-clock critical path shows (which
thread is busy while the other core idles).

    python3 bench/lib/thread_timeline.py TRACE [STEP]
"""
import collections
import re
import sys

trace = sys.argv[1]
step = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
# thread names the JVM numbers (pool-3-thread-1, C2 CompilerThre0): grouped without the number
NUMBERED = re.compile(r'[-#]?\d+$')

last = {}
use = collections.defaultdict(lambda: collections.defaultdict(float))
for line in open(trace):
    t, tid, name, cpu = line.rstrip('\n').split('\t')
    t, cpu = float(t), float(cpu)
    prev = last.get(tid, (name, 0.0))[1]
    last[tid] = (name, cpu)
    if cpu > prev:
        use[int(t / step)][NUMBERED.sub('', name)] += cpu - prev

totals = collections.Counter()
for b in use.values():
    totals.update(b)
groups = [g for g, c in totals.most_common() if c >= 0.1][:9]
print('| s | all | ' + ' | '.join(groups) + ' | others |')
print('|---' * (len(groups) + 3) + '|')
for b in sorted(use):
    row = use[b]
    other = sum(v for g, v in row.items() if g not in groups)
    cells = ' | '.join(f'{row.get(g, 0.0) / step:.2f}' for g in groups)
    print(f'| {b * step:.1f} | {sum(row.values()) / step:.2f} | {cells} | {other / step:.2f} |')
