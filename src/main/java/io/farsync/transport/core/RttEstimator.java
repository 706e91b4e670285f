package io.farsync.transport.core;

/**
 * Round-trip time estimation as in RFC 9002 section 5: the minimum over all samples, and an
 * exponentially weighted smoothed RTT and mean deviation (weights 1/8 and 1/4), with the peer's
 * reported ack delay subtracted when that does not take the sample below the minimum.
 */
final class RttEstimator {

    static final long INITIAL_RTT = 333_000_000L;
    static final long GRANULARITY = 1_000_000L;

    private long latest;
    private long smoothed;
    private long variance;
    private long min;
    private boolean hasSample;

    /**
     * @param initialRtt the RTT known before the first sample (the session's handshake measured
     *                   it), or 0 for RFC 9002's default of 333 ms. It sets the first probe
     *                   timeout: with the default, a lost first datagram (the first credit
     *                   announcement, say) stalls a 100 ms path for a second.
     */
    RttEstimator(long initialRtt) {
        smoothed = initialRtt > 0 ? initialRtt : INITIAL_RTT;
        variance = smoothed / 2;
    }

    void onSample(long rtt, long ackDelay, long maxAckDelay) {
        rtt = Math.max(rtt, 1);
        latest = rtt;
        if (!hasSample) {
            hasSample = true;
            min = rtt;
            smoothed = rtt;
            variance = rtt / 2;
            return;
        }
        min = Math.min(min, rtt);
        long adjusted = rtt;
        long delay = Math.min(ackDelay, maxAckDelay);
        if (rtt >= min + delay) {
            adjusted = rtt - delay;
        }
        variance = (3 * variance + Math.abs(smoothed - adjusted)) / 4;
        smoothed = (7 * smoothed + adjusted) / 8;
    }

    boolean hasSample() {
        return hasSample;
    }

    long smoothed() {
        return smoothed;
    }

    long latest() {
        return hasSample ? latest : smoothed;
    }

    long min() {
        return min;
    }

    /** The probe timeout before backoff: srtt + max(4 rttvar, granularity) + the peer's max ack delay. */
    long pto(long maxAckDelay) {
        return smoothed + Math.max(4 * variance, GRANULARITY) + maxAckDelay;
    }
}
