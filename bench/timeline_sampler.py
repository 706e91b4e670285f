#!/usr/bin/env python3
"""Samples, every 100 ms until the client process ends: the bytes host B's interface received
(read through /proc/SERVER_PID/net/dev, which shows the server's network namespace) and the CPU
time of every thread of the server's and the client's JVMs (/proc/PID/task/TID/stat).

  timeline_sampler.py SERVER_JVM_PID CLIENT_WRAPPER_PID IFACE OUT_PREFIX [START_EPOCH_SECONDS]

Writes OUT_PREFIX.timeline.tsv (per 100 ms: seconds since START (default: the sampler's own start), wall clock, Mbit/s into B, client and server
CPU in cores) and OUT_PREFIX.threads.tsv (CPU seconds per thread name, summed over threads of that
name, server counted from the sampler's start). With SAMPLE_CLIENT_PID set (a `farsync agent`), that
JVM's threads are the client's, counted from the sampler's start, until the wrapper ends."""
import os, sys, time

server, wrapper, iface, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
HZ = os.sysconf("SC_CLK_TCK")


def rx_bytes():
    with open(f"/proc/{server}/net/dev") as f:
        for line in f:
            if line.strip().startswith(iface + ":"):
                return int(line.split(":", 1)[1].split()[0])
    return 0


def threads(pid):
    """{tid: (name, cpu seconds)} of pid's live threads."""
    res = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return res
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                s = f.read()
        except OSError:
            continue
        name = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        res[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / HZ)
    return res


def java_child(pid):
    """The first java process below pid, or None."""
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/comm") as f:
                if f.read().strip() == "java":
                    return p
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return None


t0 = float(sys.argv[5]) if len(sys.argv) > 5 else time.time()
server_start = threads(server)
seen = {"client": {}, "server": dict(server_start)}
rows = []
last_t, last_rx, last_cpu = time.time(), rx_bytes(), {"client": 0.0, "server": sum(c for _, c in server_start.values())}
client = int(os.environ["SAMPLE_CLIENT_PID"]) if os.environ.get("SAMPLE_CLIENT_PID") else None
client_start = threads(client) if client else {}
if client:
    seen["client"] = dict(client_start)
    last_cpu["client"] = sum(c for _, c in seen["client"].values())
while os.path.exists(f"/proc/{wrapper}"):
    time.sleep(0.1)
    client = client or java_child(wrapper)
    cpu = {}
    for side, pid in (("client", client), ("server", server)):
        if pid:
            seen[side].update(threads(pid))
        cpu[side] = sum(c for _, c in seen[side].values())
    rx, t = rx_bytes(), time.time()
    dt = t - last_t
    clock = time.strftime("%H:%M:%S", time.localtime(t)) + ("%.3f" % (t % 1))[1:]
    rows.append((t - t0, clock, (rx - last_rx) * 8 / dt / 1e6,
                 (cpu["client"] - last_cpu["client"]) / dt, (cpu["server"] - last_cpu["server"]) / dt))
    last_t, last_rx, last_cpu = t, rx, cpu
with open(out + ".timeline.tsv", "w") as f:
    f.write("t_s\tclock\tmbit_into_B\tclient_cores\tserver_cores\n")
    for r in rows:
        f.write("%.2f\t%s\t%.1f\t%.2f\t%.2f\n" % r)
by_name = {}
for side in ("client", "server"):
    for tid, (name, c) in seen[side].items():
        c -= (server_start if side == "server" else client_start).get(tid, (name, 0.0))[1]
        key = (side, name.rstrip("0123456789-"))
        by_name[key] = by_name.get(key, 0.0) + c
with open(out + ".threads.tsv", "w") as f:
    f.write("side\tthread\tcpu_s\n")
    for (side, name), c in sorted(by_name.items(), key=lambda kv: -kv[1]):
        if c >= 0.01:
            f.write("%s\t%s\t%.2f\n" % (side, name, c))
