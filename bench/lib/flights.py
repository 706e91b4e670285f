#!/usr/bin/env python3
"""Prints a packet capture of one sync as a timeline in round trips, to count them per phase.

    bench/lib/flights.py CAPTURE.txt RTT_SECONDS [PROCESS_START PROCESS_END]

CAPTURE.txt is `tcpdump -n -tt -r FILE` output taken on host A. Time 0 is the client's SYN; each
line is one packet (bare TCP acknowledgements left out) with its time in seconds and in RTTs, its
direction and size. A flight is the packets one side sends before it hears from the other; the
number of B->A flights before a phase's last packet is the number of round trips it cost. The SSH
messages are encrypted after NEWKEYS, so they are named from the client's DEBUG log and sizes
(docs/PERFORMANCE.md, "Session 5: fixed cost", has a labelled example).
"""
import re
import sys


def main():
    path, rtt = sys.argv[1], float(sys.argv[2])
    marks = [float(t) for t in sys.argv[3:5]]
    packets = []
    for line in open(path):
        m = re.match(r'(\d+\.\d+) .*?IP (\S+) > (\S+): (.*)', line)
        if not m:
            continue
        rest = m.group(4)
        size = re.search(r'length (\d+)', rest)
        flags = re.search(r'Flags \[([^\]]*)\]', rest)
        flags = flags.group(1) if flags else ''
        size = int(size.group(1)) if size else 0
        if 'UDP' not in rest and size == 0 and flags == '.':
            continue
        packets.append((float(m.group(1)), m.group(2).startswith('10.77.1.2'), 'UDP' if 'UDP' in rest else 'TCP', flags, size))
    syn = next((p[0] for p in packets if p[2] == 'TCP' and p[3] == 'S'), packets[0][0] if packets else 0)
    if marks:
        print(f"process start {marks[0] - syn:8.3f} s {(marks[0] - syn) / rtt:6.2f} RTT")
    flights, last_dir = 0, None
    for t, from_a, proto, flags, size in packets:
        if t < syn:
            continue
        if from_a != last_dir:
            flights += 1
            last_dir = from_a
        print(f"{t - syn:8.3f} s {(t - syn) / rtt:6.2f} RTT  flight {flights:2d}  {'A->B' if from_a else '    B->A'}  "
              f"{proto} {flags:3s} {size}")
    if len(marks) > 1:
        print(f"process end   {marks[1] - syn:8.3f} s {(marks[1] - syn) / rtt:6.2f} RTT")


if __name__ == '__main__':
    main()
