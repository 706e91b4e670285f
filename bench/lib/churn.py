#!/usr/bin/env python3
"""Seeded file-system churn for bench/churn.sh: creates, appends, renames (files and directories)
and deletes across a tree, at about RATE operations per second, for SECONDS seconds.

    churn.py ROOT SECONDS SEED [RATE]

Prints the seed and a count of each operation at the end. Same seed, same sequence of choices
(the timing, and so what the watcher sees together, still varies)."""
import os, random, shutil, sys, time

root, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 50.0
rnd = random.Random(seed)
print("churn seed %d, %.0f s, %.0f ops/s" % (seed, seconds, rate), flush=True)
files, dirs = [], [root]
counts = dict(create=0, append=0, rename=0, mkdir=0, dirrename=0, delete=0, rmdir=0, failed=0)
n = 0
start = time.monotonic()
end = start + seconds
while time.monotonic() < end:
    n += 1
    op = rnd.random()
    try:
        if op < 0.30 or not files:
            d = rnd.choice(dirs)
            f = os.path.join(d, "f%07d" % n)
            with open(f, "wb") as out:
                out.write(rnd.randbytes(rnd.choice([100, 1000, 10_000, 60_000])))
            files.append(f); counts["create"] += 1
        elif op < 0.52:
            with open(rnd.choice(files), "ab") as out:
                out.write(rnd.randbytes(rnd.randint(1, 20_000)))
            counts["append"] += 1
        elif op < 0.58 and len(dirs) < 200:
            dirs.append(os.path.join(rnd.choice(dirs), "d%07d" % n)); os.makedirs(dirs[-1])
            counts["mkdir"] += 1
        elif op < 0.72:
            i = rnd.randrange(len(files))
            to = os.path.join(rnd.choice(dirs), "r%07d" % n)
            os.rename(files[i], to); files[i] = to; counts["rename"] += 1
        elif op < 0.75 and len(dirs) > 1:
            i = rnd.randrange(1, len(dirs))
            old = dirs[i]
            new = os.path.join(os.path.dirname(old), "m%07d" % n)
            os.rename(old, new)
            dirs = [new + p[len(old):] if p == old or p.startswith(old + "/") else p for p in dirs]
            files = [new + p[len(old):] if p.startswith(old + "/") else p for p in files]
            counts["dirrename"] += 1
        elif op < 0.755 and len(dirs) > 1:
            i = rnd.randrange(1, len(dirs))
            old = dirs[i]
            shutil.rmtree(old)
            dirs = [p for p in dirs if not (p == old or p.startswith(old + "/"))]
            files = [p for p in files if not p.startswith(old + "/")]
            counts["rmdir"] += 1
        else:
            os.remove(files.pop(rnd.randrange(len(files)))); counts["delete"] += 1
    except OSError:
        counts["failed"] += 1
    # pace to the rate without drifting
    ahead = start + n / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
print("churn done: %d ops %s; %d files, %d dirs" % (n, counts, len(files), len(dirs)), flush=True)
