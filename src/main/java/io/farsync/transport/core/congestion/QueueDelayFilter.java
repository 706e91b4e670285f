package io.farsync.transport.core.congestion;

import java.util.Arrays;

/**
 * Queueing delay on the forward path from one-way delay samples, after LEDBAT (RFC 6817,
 * section 4): a sample is the receiver's receive time of a packet minus its send time, so it
 * holds the propagation delay, the time queued at the bottleneck (and in the receiver's socket
 * buffer, which makes an overwhelmed receiver look like a bottleneck too) and a constant offset
 * between the two clocks. The smallest sample seen is the base (propagation plus offset); the
 * queueing delay is a recent sample minus the base. Only the forward path counts: a queue on
 * the way back, which delays acknowledgements but not our data, does not show, as it would in
 * an RTT.
 *
 * <p>The base is the minimum over {@link #BASE_BUCKETS} buckets of {@link #BASE_BUCKET_NANOS}
 * each (RFC 6817's base history: ten one-minute minima), so it follows a route change or clock
 * drift within ten minutes instead of keeping a stale minimum forever. The current value is the
 * minimum of the last {@link #CURRENT_FILTER} samples (RFC 6817's current filter): queueing
 * delay only ever adds to a sample, so the minimum drops the positive noise of jitter and
 * receiver scheduling while still following a standing queue within a few samples.
 */
final class QueueDelayFilter {

    /** RFC 6817 section 6.3 recommends 10 one-minute buckets. */
    static final int BASE_BUCKETS = 10;
    static final long BASE_BUCKET_NANOS = 60_000_000_000L;
    /**
     * Samples in the current filter. An ACK goes out every 8 packets, so 4 samples span about 32
     * packets: a few milliseconds at 100 Mbit/s, short against any round trip worth controlling.
     */
    static final int CURRENT_FILTER = 4;

    private final long[] baseMin = new long[BASE_BUCKETS];
    private final long[] recent = new long[CURRENT_FILTER];
    private int bucket;
    private long bucketStart;
    private int recentCount;
    private int recentNext;
    private long base = Long.MAX_VALUE;
    private long current;

    QueueDelayFilter(long now) {
        Arrays.fill(baseMin, Long.MAX_VALUE);
        this.bucketStart = now;
    }

    /** Takes one sample; returns its queueing delay (the sample minus the base), in nanoseconds. */
    long onSample(long now, long oneWayDelay) {
        if (now - bucketStart >= BASE_BUCKET_NANOS) {
            bucket = (bucket + 1) % BASE_BUCKETS;
            baseMin[bucket] = Long.MAX_VALUE;
            bucketStart = now;
            base = Long.MAX_VALUE;
            for (long m : baseMin) {
                base = Math.min(base, m);
            }
        }
        baseMin[bucket] = Math.min(baseMin[bucket], oneWayDelay);
        base = Math.min(base, oneWayDelay);
        recent[recentNext] = oneWayDelay;
        recentNext = (recentNext + 1) % CURRENT_FILTER;
        recentCount = Math.min(recentCount + 1, CURRENT_FILTER);
        long min = Long.MAX_VALUE;
        for (int i = 0; i < recentCount; i++) {
            min = Math.min(min, recent[i]);
        }
        current = min - base;
        return oneWayDelay - base;
    }

    /** The samples in the current filter minus the base, in ms, oldest first: for debug logs. */
    String recentMillis() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < recentCount; i++) {
            long v = recent[(recentNext - recentCount + i + CURRENT_FILTER) % CURRENT_FILTER];
            b.append(i == 0 ? "" : " ").append(String.format("%.2f", (v - base) / 1e6));
        }
        return b.append(']').toString();
    }

    boolean hasSample() {
        return recentCount > 0;
    }

    /** Filtered queueing delay, nanoseconds; 0 before any sample. */
    long current() {
        return current;
    }
}
