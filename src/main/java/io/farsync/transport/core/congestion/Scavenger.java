package io.farsync.transport.core.congestion;

/**
 * The {@code low} policy, a less-than-best-effort scavenger after LEDBAT (RFC 6817): it aims at
 * a small fixed queueing delay instead of a number of queued bytes, so it uses a link that
 * nobody else loads, and gives way as soon as others push the queue above its target.
 *
 * <p>LEDBAT's controller moves its window by at most one packet per round trip toward the target
 * delay, which takes minutes to fill a long fat path. Here LEDBAT's equilibrium (queueing delay =
 * {@link #TARGET_DELAY_NANOS}) is reached with FAST's equation instead ({@link DelayController}):
 * alpha is the window's rate times the target delay, so the equation settles exactly where the
 * queueing delay equals the target, with FAST's stability and {@link DelayController}'s
 * exponential probing of an empty path. Near the target it yields as gently as it grows; when
 * the delay exceeds {@link #YIELD_DELAY_NANOS}, someone else is loading the path and the window
 * halves every round trip down to the floor, the sharp back-off of a scavenger (LEDBAT++,
 * draft-irtf-iccrg-ledbat-plus-plus, uses a multiplicative decrease for the same reason).
 *
 * <p>Against {@code fair} flows (alpha bytes each, so a queue of alpha / capacity per flow) it
 * yields completely while that queue exceeds its target, i.e. below about 500 Mbit/s; on
 * faster bottlenecks it takes what is left above the fair flows' rate at 1 ms of queue.
 */
final class Scavenger extends DelayController {

    /**
     * The queueing delay it settles at when alone: 1 ms. RFC 6817 allows up to 100 ms because
     * it yields to loss-based TCP, which fills buffers; here it must also stay under the
     * queue a {@code fair} flow keeps (64 KiB, 1 ms at 500 Mbit/s) to yield to it.
     */
    static final long TARGET_DELAY_NANOS = 1_000_000;
    /** Above this the queue is someone else's doing: halve every round trip. */
    static final long YIELD_DELAY_NANOS = 4 * TARGET_DELAY_NANOS;

    Scavenger(Limits limits, long now) {
        super(limits, now, 0, 0, 0);  // a scavenger starts small (no first flight sized by the RTT, none resumed) and never competes
    }

    @Override
    double alpha(double window, double rttNanos) {
        return window * TARGET_DELAY_NANOS / rttNanos;
    }

    /**
     * No undo of a slow-start exit: the scavenger's exit on another flow's queue cuts deep (its
     * alpha is a millisecond of queue), and a brief pause in that flow's traffic would put it back
     * at its old window, in the other flow's way.
     */
    @Override
    boolean undoesFalseExit() {
        return false;
    }

    @Override
    double yieldFactor(long queueNanos) {
        return queueNanos > YIELD_DELAY_NANOS ? 0.5 : 1.0;
    }

    /** None: a scavenger's rate is what others left it, not what the path can carry. */
    @Override
    public long deliveryRateBitsPerSecond() {
        return 0;
    }
}
