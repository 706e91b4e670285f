"""The new files of bench/scale.sh's "+10 %" run: N files of about AVG bytes (exponential sizes,
seed 7: the same names and sizes every run) named n0000000.bin..., spread over ROOT's directories.

    python3 bench/lib/additions.py ROOT N AVG
"""
import os
import random
import sys

root, n, avg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
dirs = sorted(os.listdir(root))
for i in range(n):
    size = int(rnd.expovariate(1 / avg))
    with open(os.path.join(root, dirs[i % len(dirs)], "n%07d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
