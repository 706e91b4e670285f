#!/usr/bin/env python3
"""Writes N files of random bytes, sizes exponential around AVG bytes, spread over DIRS
directories (d000, d001, ...), named PREFIX + number; seeded, so the same sizes every time.

    smalltree.py ROOT N AVG DIRS [SEED] [PREFIX]"""
import os, random, sys

root, n, avg, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 7)
prefix = sys.argv[6] if len(sys.argv) > 6 else "n"
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % dirs))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "%s%07d.bin" % (prefix, i)), "wb") as f:
        f.write(os.urandom(int(rnd.expovariate(1 / avg))))
