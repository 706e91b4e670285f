package io.farsync.transport.core.congestion;

import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import io.farsync.transport.sim.BulkApp;
import io.farsync.transport.sim.LinkProfile;
import io.farsync.transport.sim.Simulation;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk flows from clients to servers through one shared simulated bottleneck, sampled every
 * {@link #SLICE}: bytes each server read (goodput) and each client's rate controller state.
 */
final class FlowRun {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    static final long SLICE = 100 * MS;

    /** One flow: its client's settings, when it starts (after the run's start) and how much it sends. */
    record Flow(TransportConfig config, long startNanos, long bytes) {
        static Flow bulk(TransportConfig config) {
            return new Flow(config, 0, Long.MAX_VALUE / 4);
        }
    }

    final Simulation sim;
    private final int flows;
    private final BulkApp[] receivers;
    private final long start;
    /** Per slice, per flow: bytes read by the flow's server in that slice. */
    final List<long[]> delivered = new ArrayList<>();
    /** Per slice, per flow: the client's stats at the end of the slice. */
    final List<TransportStats[]> stats = new ArrayList<>();
    private final long[] lastReceived;

    FlowRun(String test, LinkProfile forward, LinkProfile backward, TransportConfig server, List<Flow> flowList) {
        this(Simulation.goalSeed(test), forward, backward, server, flowList);
    }

    FlowRun(long seed, LinkProfile forward, LinkProfile backward, TransportConfig server, List<Flow> flowList) {
        this.flows = flowList.size();
        this.sim = Simulation.shared(flowList.stream().map(Flow::config).toList(), server, forward, backward, seed);
        this.start = sim.clock().now();
        this.receivers = new BulkApp[flows];
        this.lastReceived = new long[flows];
        for (int i = 0; i < flows; i++) {
            Flow f = flowList.get(i);
            sim.setApp(2 * i, new BulkApp(f.bytes(), start + f.startNanos()));
            receivers[i] = new BulkApp(0, 0);
            sim.setApp(2 * i + 1, receivers[i]);
        }
    }

    /** Runs {@code nanos} more of virtual time, sampling every slice. */
    void runFor(long nanos) {
        for (long t = 0; t < nanos; t += SLICE) {
            sim.runUntil(() -> false, SLICE);
            long[] d = new long[flows];
            TransportStats[] st = new TransportStats[flows];
            for (int i = 0; i < flows; i++) {
                long r = receivers[i].received();
                d[i] = r - lastReceived[i];
                lastReceived[i] = r;
                st[i] = sim.client(i).stats();
            }
            delivered.add(d);
            stats.add(st);
        }
    }

    /** Runs until flow {@code i}'s server read the end of its stream, or {@code maxNanos}; returns whether it did. */
    boolean runUntilDone(int i, long maxNanos) {
        return sim.runUntil(receivers[i]::eof, maxNanos);
    }

    BulkApp receiver(int i) {
        return receivers[i];
    }

    /** How long flow {@code i} took from the run's start to the end of its stream, -1 if it has not ended. */
    long duration(int i) {
        return receivers[i].finishedAt() < 0 ? -1 : receivers[i].finishedAt() - start;
    }

    /** Virtual time since the run started. */
    long elapsed() {
        return sim.clock().now() - start;
    }

    /** Index of the slice that ends at {@code nanos} after the start. */
    static int slice(long nanos) {
        return (int) (nanos / SLICE);
    }

    /** Goodput of flow {@code i} over slices [from, to), bits/s. */
    double goodput(int i, int from, int to) {
        long bytes = 0;
        for (int s = from; s < to; s++) {
            bytes += delivered.get(s)[i];
        }
        return bytes * 8.0 / ((to - from) * SLICE / 1e9);
    }

    /** The first slice from which flow {@code i}'s goodput reached {@code bits} per second, or -1. */
    int firstSliceAtLeast(int i, double bitsPerSecond) {
        for (int s = 0; s < delivered.size(); s++) {
            if (delivered.get(s)[i] * 8.0 / (SLICE / 1e9) >= bitsPerSecond) {
                return s;
            }
        }
        return -1;
    }

    /** Coefficient of variation of flow {@code i}'s rate controller output over slices [from, to). */
    double rateVariation(int i, int from, int to) {
        double sum = 0;
        double sq = 0;
        int n = to - from;
        for (int s = from; s < to; s++) {
            double r = stats.get(s)[i].rateBitsPerSecond();
            sum += r;
            sq += r * r;
        }
        double mean = sum / n;
        return Math.sqrt(Math.max(0, sq / n - mean * mean)) / mean;
    }

    /** Lowest rate flow {@code i}'s controller reported over slices [from, to). */
    long minRate(int i, int from, int to) {
        long min = Long.MAX_VALUE;
        for (int s = from; s < to; s++) {
            min = Math.min(min, stats.get(s)[i].rateBitsPerSecond());
        }
        return min;
    }

    /** Jain's fairness index of the given throughputs: 1 when equal, 1/n when one takes all. */
    static double jain(double... x) {
        double sum = 0;
        double sq = 0;
        for (double v : x) {
            sum += v;
            sq += v * v;
        }
        return sum * sum / (x.length * sq);
    }
}
