package io.farsync.transport.core.congestion;

import io.farsync.transport.TransportConfig;

/**
 * Decides how fast one connection sends: a pacing rate and a window (a cap on the bytes in
 * flight). Sans-IO, like the rest of {@code transport.core}: the connection reports what
 * happened, with the time as a parameter, and reads the two outputs before it sends; a
 * controller owns no clock, thread or socket, so the same code runs on a socket and in a
 * simulation in virtual time. One controller per connection, not thread-safe.
 *
 * <p>The inputs are the connection's view of its packets: each ack-eliciting packet sent, each
 * ACK frame (bytes it newly acknowledged, the RTT estimates, and a one-way delay sample taken
 * from the receiver's timestamp) and each loss. Random loss is not congestion: the adaptive
 * controllers read congestion from the queueing delay, and a loss counts only while they
 * compete with a loss-based flow at a long queue (see CompetitiveMode).
 *
 * <p>Outputs, valid at any time: {@link #pacingRateBitsPerSecond()} always lies in
 * [minimum rate, target rate]; {@link #windowBytes()} is {@link Long#MAX_VALUE} when the
 * controller only paces.
 */
public interface RateController {

    /** {@code oneWayDelayNanos} value of an ACK that carries no usable one-way delay sample. */
    long NO_SAMPLE = Long.MIN_VALUE;

    /** The controller that {@code config}'s policy and rates call for, for datagrams of {@code maxDatagramWireBytes}. */
    static RateController create(TransportConfig config, int maxDatagramWireBytes, long now) {
        Limits limits = new Limits(config.minRateBitsPerSecond(), config.rateBitsPerSecond(), maxDatagramWireBytes);
        long initialRtt = config.initialRtt().toNanos();
        long resume = config.resumeRateBitsPerSecond();
        return switch (config.policy()) {
            case FIXED -> new FixedRate(limits);
            case HIGH -> new FastRate(limits, FastRate.HIGH_FACTOR, now, initialRtt, resume);
            case FAIR -> new FastRate(limits, 1, now, initialRtt, resume);
            case LOW -> new Scavenger(limits, now);
        };
    }

    /**
     * An ack-eliciting packet of {@code wireBytes} (headers included) left at {@code now};
     * {@code bytesInFlight} counts it.
     */
    void onPacketSent(long now, int wireBytes, long bytesInFlight);

    /**
     * An ACK frame was processed.
     *
     * @param ackedBytes       wire bytes it newly acknowledged (0 for a duplicate)
     * @param bytesInFlight    wire bytes still unacknowledged and not lost, after this ACK
     * @param minRttNanos      smallest RTT seen
     * @param smoothedRttNanos smoothed RTT (RFC 9002)
     * @param oneWayDelayNanos the receiver's receive time of the largest acknowledged packet minus
     *                         its send time: the one-way delay plus an unknown, constant clock
     *                         offset; {@link #NO_SAMPLE} if this frame gives none
     */
    void onAck(long now, long ackedBytes, long bytesInFlight, long minRttNanos, long smoothedRttNanos,
            long oneWayDelayNanos);

    /** Packets of {@code lostBytes} wire bytes were declared lost. */
    void onLoss(long now, long lostBytes);

    /** The rate to pace datagrams at, bits/s, within [minimum rate, target rate]. */
    long pacingRateBitsPerSecond();

    /** The most bytes that may be in flight, {@link Long#MAX_VALUE} if unlimited. */
    long windowBytes();

    /** The estimated queueing delay at the bottleneck, nanoseconds (0 if not measured). */
    long queueingDelayNanos();

    /**
     * The best rate the peer acknowledged in the last round trips that carried acknowledgements
     * (wire bits/s), however long ago: what a later connection over the same path may resume
     * from, asked when this one ends (after its close and drain, which carry none); 0 if unknown
     * or not measured by this policy.
     */
    default long deliveryRateBitsPerSecond() {
        return 0;
    }

    /** The rate bounds and packet size every controller works with. */
    record Limits(long minRateBitsPerSecond, long targetRateBitsPerSecond, int maxDatagramWireBytes) {
        public Limits {
            if (minRateBitsPerSecond < 0 || minRateBitsPerSecond > targetRateBitsPerSecond
                    || targetRateBitsPerSecond <= 0) {
                throw new IllegalArgumentException("rates must satisfy 0 <= minimum (" + minRateBitsPerSecond
                        + " bit/s) <= target (" + targetRateBitsPerSecond + " bit/s), target positive");
            }
            if (maxDatagramWireBytes <= 0) {
                throw new IllegalArgumentException("datagram size (" + maxDatagramWireBytes + ") must be positive");
            }
        }

        /** {@code bitsPerSecond} clamped to [minimum, target]. */
        long clamp(double bitsPerSecond) {
            return (long) Math.max(Math.max(minRateBitsPerSecond, 1), Math.min(targetRateBitsPerSecond, bitsPerSecond));
        }
    }
}
