#!/usr/bin/env python3
"""Creates N small files in SRC one at a time and measures, for each, the time from its close()
to the same bytes being readable under DST (polled every millisecond with open/read: farsync
renames a complete file into place, so the first successful read is the arrival).

    latency_probe.py SRC DST N [GAP_S] [SEED]

Waits GAP_S (default 0.5) after each arrival before the next file. Prints one line per file and a
summary: median, p95 and max in milliseconds."""
import os, random, statistics, sys, time

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
rnd = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
lat = []
for i in range(n):
    name = "probe-%04d.txt" % i
    data = rnd.randbytes(rnd.randint(100, 4000))
    with open(os.path.join(src, name), "wb") as f:
        f.write(data)
    t0 = time.monotonic()
    target = os.path.join(dst, name)
    deadline = t0 + 60
    while True:
        try:
            with open(target, "rb") as f:
                if f.read() == data:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            print("file %d: not readable after 60 s" % i, flush=True)
            sys.exit(1)
        time.sleep(0.001)
    ms = (time.monotonic() - t0) * 1000
    lat.append(ms)
    print("file %d: %.0f ms" % (i, ms), flush=True)
    time.sleep(gap)
lat.sort()
p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
print("latency close->readable over %d files: median %.0f ms, p95 %.0f ms, max %.0f ms"
      % (n, statistics.median(lat), p95, lat[-1]), flush=True)
