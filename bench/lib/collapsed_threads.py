# Reads async-profiler's collapsed stacks recorded with "threads" (each stack starts with the thread's
# name) and prints the samples per thread, then, for threads whose name contains FILTER, the frames
# with the most samples of their own (self) and below them (inclusive).
#
#   python3 bench/lib/collapsed_threads.py FILE.collapsed [FILTER [TOP]]
#
# At a 1 ms sampling interval a sample is about a millisecond of CPU.
import sys, collections, re
path = sys.argv[1]
filt = sys.argv[2] if len(sys.argv) > 2 else None
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 30
threads, selfc, incl = collections.Counter(), collections.Counter(), collections.Counter()
total = 0
for line in open(path):
    stack, _, n = line.rstrip().rpartition(" ")
    n = int(n)
    frames = stack.split(";")
    t = re.sub(r"[-\d]+$", "", re.sub(r" tid=\d+$", "", frames[0].strip("[]")))
    threads[t] += n
    if filt and filt not in frames[0]:
        continue
    total += n
    selfc[frames[-1]] += n
    for f in set(frames[1:]):
        incl[f] += n
all_ = max(1, sum(threads.values()))
print("all samples", sum(threads.values()), "(~ms of CPU)")
for t, c in threads.most_common(15):
    print("%6d %5.1f%% %s" % (c, 100 * c / all_, t))
if filt:
    total = max(1, total)
    print("--- %s: %d samples; self" % (filt, total))
    for f, c in selfc.most_common(depth):
        print("%6d %5.1f%% %s" % (c, 100 * c / total, f[:150]))
    print("--- inclusive")
    for f, c in incl.most_common(depth):
        print("%6d %5.1f%% %s" % (c, 100 * c / total, f[:150]))
