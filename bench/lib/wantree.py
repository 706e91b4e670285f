"""The small-file tree of the WAN benches: N files of about KB KiB (exponential sizes, seed 42,
so every run and every script gets the same tree) in 100 directories d000..d099.

    python3 bench/lib/wantree.py DIR N KB
"""
import os
import random
import sys

root, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    size = max(1, int(rnd.expovariate(1 / (kb * 1024))))
    with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
