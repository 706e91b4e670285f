package io.farsync.transport.core.congestion;

/**
 * The rate at which the peer acknowledges bytes, as BBR measures the bottleneck bandwidth
 * (Cardwell et al., "BBR: congestion-based congestion control", ACM Queue 14(5), 2016), without
 * its per-packet state: checkpoints of (time, total bytes acknowledged), at most one per
 * {@link #PER_ROUND_TRIP}th of a round trip, in a ring. The estimate is the highest rate over
 * any quarter round trip within the last round trip. While the bottleneck has a queue it sends
 * at its capacity, never faster, so the maximum is the flow's share of the capacity even when
 * the flow sends in bursts (as slow start does), which an average over the whole round trip
 * would underestimate.
 *
 * <p>{@link #recentMaxBytesPerNano} keeps BBR's longer memory too: the best of those quarter-round-trip
 * rates over the last {@link #MEMORY_ROUND_TRIPS} round trips (BBR's bottleneck-bandwidth
 * filter spans 10). A round trip whose acks came slowly because the receiver was starved of CPU
 * (on the emulated link: 45 Mbit/s for a few hundred ms while the path carried 500) does not
 * erase what the path carried just before, so the window that rate calls for is still known
 * when the receiver catches up. Each sample is capped at the rate the window then allowed
 * (window over minimum RTT): a backlog the receiver reads at once acknowledges in a burst that a
 * quarter round trip would otherwise take for a faster path.
 */
final class DeliveryRate {

    /** Checkpoints per round trip: eighths, so a quarter round trip spans two. */
    static final int PER_ROUND_TRIP = 8;
    static final int SPAN = PER_ROUND_TRIP / 4;
    /** Ring size: a round trip at eighths, with room for the RTT to grow. */
    static final int CHECKPOINTS = 4 * PER_ROUND_TRIP;

    private final long[] times = new long[CHECKPOINTS];
    private final long[] totals = new long[CHECKPOINTS];
    private int newest = -1;
    private int count;
    private long total;
    /** Round trips the longer memory spans. */
    static final int MEMORY_ROUND_TRIPS = 10;
    private final double[] roundBest = new double[MEMORY_ROUND_TRIPS];
    private final long[] roundStart = new long[MEMORY_ROUND_TRIPS];
    private int round;

    /**
     * @param capBytesPerNano the most this flow could have delivered over a round trip, bytes/ns
     *                        (its window over the minimum RTT): caps the samples the longer memory keeps
     */
    void onAck(long now, long ackedBytes, long rttNanos, double capBytesPerNano) {
        total += ackedBytes;
        if (count > 0 && now - times[newest] < rttNanos / PER_ROUND_TRIP) {
            return;
        }
        newest = (newest + 1) % CHECKPOINTS;
        times[newest] = now;
        totals[newest] = total;
        count = Math.min(count + 1, CHECKPOINTS);
        if (count > SPAN) {
            double sample = latestBytesPerNano();
            if (now - roundStart[round] >= rttNanos) {
                round = (round + 1) % MEMORY_ROUND_TRIPS;
                roundStart[round] = now;
                roundBest[round] = 0;
            }
            roundBest[round] = Math.max(roundBest[round], Math.min(sample, capBytesPerNano));
        }
    }

    /** The rate over the latest quarter round trip (between checkpoints), bytes per nanosecond; 0 if unknown. */
    double latestBytesPerNano() {
        if (count <= SPAN) {
            return 0;
        }
        int start = Math.floorMod(newest - SPAN, CHECKPOINTS);
        return (double) (totals[newest] - totals[start]) / (times[newest] - times[start]);
    }

    /**
     * The highest quarter-round-trip rate of the last {@link #MEMORY_ROUND_TRIPS} round trips of
     * {@code rttNanos}, each capped as {@link #onAck} says, bytes per nanosecond; 0 if unknown.
     */
    double recentMaxBytesPerNano(long now, long rttNanos) {
        double best = 0;
        for (int k = 0; k < MEMORY_ROUND_TRIPS; k++) {
            if (now - roundStart[k] <= MEMORY_ROUND_TRIPS * rttNanos) {
                best = Math.max(best, roundBest[k]);
            }
        }
        return best;
    }

    /**
     * The highest quarter-round-trip rate of the last {@link #MEMORY_ROUND_TRIPS} round trips that
     * had acknowledgements, however old, bytes per nanosecond; 0 if unknown: a connection's end
     * (its close and drain) starts no rounds, so these are its last round trips of data.
     */
    double lastRoundsMaxBytesPerNano() {
        double best = 0;
        for (double b : roundBest) {
            best = Math.max(best, b);
        }
        return best;
    }

    /** The highest rate over a quarter round trip in the last {@code rttNanos}, bytes per nanosecond; 0 if unknown. */
    double bytesPerNano(long now, long rttNanos) {
        double best = 0;
        for (int k = 0; k + SPAN < count; k++) {
            int end = Math.floorMod(newest - k, CHECKPOINTS);
            int start = Math.floorMod(newest - k - SPAN, CHECKPOINTS);
            if (now - times[start] > rttNanos) {
                break;
            }
            long elapsed = times[end] - times[start];
            if (elapsed > 0) {
                best = Math.max(best, (double) (totals[end] - totals[start]) / elapsed);
            }
        }
        return best;
    }
}
