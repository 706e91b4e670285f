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

    void onAck(long now, long ackedBytes, long rttNanos) {
        total += ackedBytes;
        if (count > 0 && now - times[newest] < rttNanos / PER_ROUND_TRIP) {
            return;
        }
        newest = (newest + 1) % CHECKPOINTS;
        times[newest] = now;
        totals[newest] = total;
        count = Math.min(count + 1, CHECKPOINTS);
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
