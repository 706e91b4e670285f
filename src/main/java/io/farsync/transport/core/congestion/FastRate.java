package io.farsync.transport.core.congestion;

/**
 * The {@code fair} and {@code high} policies: FAST TCP's equilibrium of a constant number of
 * bytes queued at the bottleneck per flow (see {@link DelayController} for the equation and its
 * references). A constant alpha makes each flow's rate alpha / q for the shared queueing delay
 * q, so flows with the same alpha split a bottleneck equally and {@code high}, with twice the
 * alpha, takes twice a fair share.
 *
 * <p>The cost of a constant alpha is that the queue it implies grows as the bottleneck slows:
 * N alpha / capacity, i.e. 5 ms per flow at 100 Mbit/s, 1 ms at 500 Mbit/s, but 50 ms at
 * 10 Mbit/s.
 */
final class FastRate extends DelayController {

    /**
     * Bytes a {@code fair} flow keeps queued: 64 KiB, about 45 datagrams of 1500 bytes. Small
     * enough that two flows at 100 Mbit/s queue 10 ms, well within the 20 ms goal; large enough
     * that at 500 Mbit/s (1 ms of queue) the delay signal still stands above the microseconds of
     * noise that pacing and acknowledgement batching add. FAST TCP used 100 to 200 packets on
     * gigabit paths.
     */
    static final long FAIR_ALPHA_BYTES = 64 * 1024;
    /**
     * The least alpha in datagrams. The queue is measured in whole datagrams, and with the
     * 32 KiB datagrams used on loopback 64 KiB would be two of them: too coarse a target to
     * hold, and the window would starve the receiver. Flows with datagrams above 4 KiB thus
     * queue more, and take a larger share against flows with small datagrams.
     */
    static final int MIN_ALPHA_DATAGRAMS = 16;
    /** {@code high}: twice the bytes queued, hence twice the share. */
    static final int HIGH_FACTOR = 2;

    /**
     * Slow start ends only once the queue has stayed above alpha for a quarter of the minimum
     * RTT. Measured on the emulated 500 Mbit/s, 600 ms, 1 % loss link with receiver, sender and
     * emulator on 2 cores: the first exit came at a 20.6 MB window (275 Mbit/s) on 4 samples of
     * 3.9 to 4.2 ms while the acks came back at only 212 Mbit/s, i.e. a queue the bottleneck
     * could not have built (a descheduled receiver or emulator); at that window alpha is only
     * 2 ms of queue (1 ms at the bandwidth-delay product). The exit cut the window to the
     * delivery rate, 16 MB, and the flow took 17 s more to reach the link rate, for 178 Mbit/s
     * over a 1 GiB push. A scheduling stall lasts milliseconds; the overshoot of a real last
     * doubling keeps the queue growing for the rest of the round trip. A quarter round trip is
     * also the span over which {@link DeliveryRate} takes its highest rate, so by the exit the
     * acks have come at the bottleneck's rate for a whole span and the window it sets is the
     * link's, not the half of it that the acks of the previous doubling report. The cost on a
     * real overshoot is a quarter RTT more of queue (150 ms at 600 ms), within the one-BDP buffers
     * that the transport aims at. Not for {@code low}: a scavenger must leave slow start at the
     * first sign of another flow's queue.
     */
    static final double SLOW_START_EXIT_PERSISTENCE = 0.25;

    private final double alpha;

    /**
     * @param share      1 for {@code fair}, {@link #HIGH_FACTOR} for {@code high}
     * @param initialRtt the RTT measured before the transport started, ns (0: unknown)
     * @param resumeRate the rate the path carried for the last connection to this peer, bits/s (0: unknown)
     */
    FastRate(Limits limits, int share, long now, long initialRtt, long resumeRate) {
        super(limits, now, initialRtt, resumeRate, share);
        this.alpha = (double) share * Math.max(FAIR_ALPHA_BYTES, (long) MIN_ALPHA_DATAGRAMS * limits.maxDatagramWireBytes());
    }

    @Override
    double alpha(double window, double rttNanos) {
        return alpha;
    }

    @Override
    double slowStartExitPersistence() {
        return SLOW_START_EXIT_PERSISTENCE;
    }
}
