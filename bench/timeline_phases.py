#!/usr/bin/env python3
"""The phases of one run of bench/wan-thread-timeline.sh: reads OUT/run-K.client.log (DEBUG timeline
lines), OUT/server.log and OUT/run-K.timeline.tsv, and prints seconds per phase.

  timeline_phases.py OUT_DIR [RUN] [RATE_MBIT]"""
import re, sys

out, run, rate = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "1", float(sys.argv[3]) if len(sys.argv) > 3 else 500


def secs(clock):
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def first(lines, pattern):
    for l in lines:
        if re.search(pattern, l):
            return secs(l.split()[0])
    return None


client = open(f"{out}/run-{run}.client.log").read().splitlines()
server = open(f"{out}/server.log").read().splitlines()
rows = [l.split("\t") for l in open(f"{out}/run-{run}.timeline.tsv").read().splitlines()[1:]]
samples = [(float(r[0]), secs(r[1]), float(r[2])) for r in rows]
start = samples[0][1] - samples[0][0]          # the command's start, on the wall clock
end = samples[-1][1]
flowing = [s for s in samples if s[2] > 0.1 * rate]
full = [s for s in samples if s[2] > 0.8 * rate]
marks = [
    ("JVM start, CLI, snapshot lock", first(client, r"INFO .*SyncRunner - sync ")),
    ("session set-up (TCP, SSH, transport)", first(client, r"session setup: \d+ ms")),
    ("source: own scan + snapshot load", first(client, r"timeline: scanned")),
    ("source: destination's lists in", first(client, r"timeline: the destination's hello")),
    ("source: planned", first(client, r"SourceEndpoint - source .* entries")),
    ("first 100 ms with data (>10 % of link)", flowing[0][1] - 0.1 if flowing else None),
    ("ramp: first 100 ms above 80 % of link", full[0][1] - 0.1 if full else None),
    ("source: every entry offered", first(client, r"timeline: every entry offered")),
    ("last 100 ms with data", flowing[-1][1] if flowing else None),
    ("source: summary in", first(client, r"timeline: summary in")),
    ("session closed", first(client, r"timeline: session closed")),
    ("process ended", end),
]
server_marks = [
    ("server: session request", first(server, r"SessionRequest\[")),
    ("server: destination scanned, lists sent", first(server, r"timeline: scanned")),
]
prev = start
print("| phase | ends at s | takes s |")
print("|---|---|---|")
for name, t in marks:
    if t is None:
        print(f"| {name} | - | - |")
        continue
    print(f"| {name} | {t - start:.2f} | {t - prev:.2f} |")
    prev = t
for name, t in server_marks:
    print(f"| ({name}) | {t - start:.2f} | |" if t else f"| ({name}) | - | |")
if flowing:
    inside = [s[2] for s in samples if flowing[0][1] <= s[1] <= flowing[-1][1]]
    ramp_end = full[0][1] if full else flowing[-1][1]
    steady = [s[2] for s in samples if ramp_end <= s[1] <= flowing[-1][1]]
    print(f"\nmean into B while flowing {sum(inside) / len(inside):.0f} Mbit/s; after the ramp "
          f"{sum(steady) / max(1, len(steady)):.0f} Mbit/s (wire bytes, {len(steady) / 10:.1f} s)")
