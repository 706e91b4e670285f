package io.farsync.transport.core.congestion;

/**
 * When and how a delay-based flow stops yielding to loss-based ones, after Copa's competitive
 * mode (Arun and Balakrishnan, "Copa: practical delay-based congestion control for the
 * Internet", NSDI 2018, section 2.3).
 *
 * <p>Why it is needed: FAST's equilibrium ({@link DelayController}) keeps alpha of our bytes in
 * the bottleneck queue, so our rate is alpha over the queueing delay. A loss-based flow (TCP
 * CUBIC, Linux's default) grows its window until the buffer overflows, so the queue sits between
 * 40 and 100 % of the buffer; at 100 ms RTT and a one-BDP buffer that is 40 to 100 ms, and a
 * 64 KiB alpha then means about 5 Mbit/s: measured 11 % of a 100 Mbit/s bottleneck against one
 * iperf3 flow (docs/PERFORMANCE.md).
 *
 * <p>Detection, as Copa does it: delay-based flows alone keep the queue short (N alpha over the
 * capacity: 10 ms for two {@code fair} flows at 100 Mbit/s), while a buffer filler keeps it long
 * for round trip after round trip. So once the least queueing delay of {@link #DETECT_EPOCHS} of the
 * last {@link #DETECT_WINDOW} round trips exceeds {@link #queueThreshold the threshold}, the
 * flow competes. The threshold is {@link #QUEUE_FLOOR_NANOS}, or
 * {@link #QUEUE_RTT_FRACTION} of the base RTT if more.
 *
 * <p>Competing: where Copa adapts its delay sensitivity AIMD-style, this mode runs CUBIC's own
 * window rule (RFC 9438: after a congestion loss the window shrinks to beta of itself, then
 * follows C (t - K)^3 + Wmax, or the Reno-friendly estimate if more), since what it meets is
 * mostly CUBIC, and two flows on the same rule share equally. It starts by growing the window by
 * {@link #RAMP_GAIN} every round trip until the first congestion loss. A loss counts as
 * congestion only while the queue is above the threshold (a tail drop at a full buffer), so
 * random loss still costs nothing. {@code high} uses a gentler decrease with CUBIC's own
 * growth, the way MulTCP (Crowcroft and Oechslin, 1998) emulates several flows in one.
 *
 * <p>Leaving: the loss-based flow may have gone, and our own window would then keep the queue
 * full. Every {@link #DRAIN_TEST_EPOCHS} round trips the window drops to the delivery rate
 * times the base RTT (none of our bytes queued) for two round trips, like BBR's ProbeRTT; if
 * the queue then all but empties ({@link #DRAINED_FRACTION}) in two such tests in a row it
 * was ours, and the delay rule takes over again from that window. Under CUBIC's rule the second
 * test follows the first at once, from the drained window; when holding, it comes
 * {@link #RETEST_EPOCHS} round trips later, from the held one. Otherwise the window returns to
 * its competitive value.
 *
 * <p>Against a flow that does not back off on loss (TCP BBR, which keeps about twice its
 * bandwidth-delay product in flight whatever is dropped), CUBIC's rule loses: with a one-BDP
 * buffer the queue stays full, nearly every round trip has a congestion loss, and each one cuts
 * our window while the other flow takes the room (measured: {@code fair} 13 % against iperf3
 * with bbr). Congestion losses that come again and again within {@link #FREQUENT_LOSS_EPOCHS}
 * round trips ({@link #HOLD_AFTER_LOSSES} in a row), or a drain test that finds our share
 * starved ({@link #STARVED_FRACTION}), mark such a flow; the mode then stops
 * answering losses and holds its window, sized by the drain tests: dropping our bytes from the
 * queue for a round trip takes our share of it away, so the queue falls from q1 to q2 with
 * our share s = 1 - q2 / q1 of the bottleneck, and the bottleneck's rate is our delivery rate
 * over s. The window then moves half way towards {@link #targetShare} of that rate. A
 * share under {@link #MEASURABLE_SHARE} hides in the noise (or under a queue the other flow
 * refills at once): the window doubles instead. Both flows' windows hold still through the
 * test (BBR's estimates span ten round trips), which is what makes the difference ours.
 */
final class CompetitiveMode {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CompetitiveMode.class);

    /** Round trips of long queue before competing: Copa watches 5. */
    static final int DETECT_EPOCHS = 5;
    /**
     * Round trips watched for them: one round trip in six may show a short queue without breaking
     * the run. On the emulated link, with the receiver on 2 loaded cores, an epoch in every few
     * seconds had a minimum of 0 to 5 ms (a stall that delayed the acks, then a burst) while
     * CUBIC's queue stood at 20 to 40 ms around it; five in a row took 15 s to come.
     */
    static final int DETECT_WINDOW = 6;
    /**
     * The least threshold: above the queue of a few delay-based flows at 100 Mbit/s (alpha each:
     * 10 ms for two {@code fair} flows, 16 ms for a {@code fair} and a {@code high} one), under the
     * 20 to 40 ms epoch minima a CUBIC flow left on the emulated 100 ms link. On slower links delay-based flows alone queue more
     * (one {@code fair} flow at 10 Mbit/s: 52 ms) and are taken for a loss-based competitor; the
     * drain test then hands back to the delay rule every {@link #DRAIN_TEST_EPOCHS} round trips.
     */
    static final long QUEUE_FLOOR_NANOS = 18_000_000L;
    /**
     * The threshold as a fraction of the base RTT, when that is more. CUBIC's least queue would be
     * 0.4 BDP alone with a one-BDP buffer; sharing it, measured on the emulated 100 ms, 100 Mbit/s
     * link: epoch minima of 20 to 40 ms.
     */
    static final double QUEUE_RTT_FRACTION = 0.18;
    /**
     * A drain test finds the queue ours when it falls below this fraction of the threshold: with
     * our bytes gone and nobody else's there, it all but empties. Against CUBIC it fell to 20 ms,
     * just under a 25 ms threshold, when CUBIC's own reduction happened at the same time.
     */
    static final double DRAINED_FRACTION = 0.25;
    /**
     * Growth per round trip from entering until the first congestion loss. Not slow start's 2:
     * the loss shows a round trip late, and in the simulation (50 Mbit/s, 100 ms, against the
     * CUBIC model) doubling overshot four-fold in that time, dropped whole flights of the TCP
     * flow and drove it into retransmission timeouts, leaving it 9 % of the link.
     */
    static final double RAMP_GAIN = 1.25;
    /**
     * After a congestion loss, further losses are of the same overflow for this many round trips:
     * a datagram is declared lost about 9/8 of a round trip after it left, and TCP ignores the
     * losses of everything sent before its reduction. Measured against the CUBIC model with one
     * round trip: {@code high} took two or three reductions per overflow and ended below fair.
     */
    static final double RECOVERY_RTTS = 1.5;
    /** Round trips between drain tests while competing. */
    static final int DRAIN_TEST_EPOCHS = 10;
    /**
     * Round trips to the second drain test after one found the queue drained while holding: the
     * mode leaves holding only on two in a row, since BBR empties the queue itself for 200 ms
     * every 10 s (ProbeRTT); on the emulated link one test that met it took the {@code fair} flow
     * back to the delay rule, which needed five round trips to notice BBR again and started over
     * from a small window. Under CUBIC's rule too: with the sender stalling on loaded cores, a
     * test could meet the queue drained by a stall or a CUBIC reduction and hand back to the delay
     * rule for seconds (CompetitiveModeTest, stalled sender).
     */
    static final int RETEST_EPOCHS = 3;
    /** Congestion losses this many round trips or fewer apart count as "again and again". */
    static final int FREQUENT_LOSS_EPOCHS = 3;
    /** Frequent congestion losses in a row after which the competitor is taken as not backing off. */
    static final int HOLD_AFTER_LOSSES = 4;
    /**
     * Under CUBIC's rule, a drain test that finds our share below this fraction of
     * {@link #targetShare} switches to holding too: losses may come too seldom at a starved
     * window to show the other flow's indifference to them (the CUBIC flow itself leaves us 36
     * to 46 % in the simulation, 34 to 55 % on the emulated link).
     */
    static final double STARVED_FRACTION = 0.4;
    /** A drain test's share estimate below this is noise: the window doubles instead. */
    static final double MEASURABLE_SHARE = 0.1;
    /** The most a drain test moves the held window, either way, as a factor. */
    static final double HOLD_STEP_MAX = 2.0;
    /** CUBIC's constant, segments per second cubed (RFC 9438). */
    static final double CUBIC_C = 0.4;
    /** CUBIC's multiplicative decrease (RFC 9438). */
    static final double CUBIC_BETA = 0.7;
    /** The Reno-friendly estimate's increase per round trip, segments: 3 (1 - beta) / (1 + beta) (RFC 9438). */
    static final double RENO_FRIENDLY_INCREASE = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);

    private enum State { DELAY, RAMP, CUBIC, HOLD, DRAIN, DRAIN_CHECK }

    private final double mss;
    private final double beta;
    private final long[] minima = new long[DETECT_WINDOW];
    private int seen;
    private int next;
    private State state = State.DELAY;
    private double wMax;
    private double wEst;
    private double k;
    private long cubicStart;
    private long recoveryEnd = Long.MIN_VALUE;
    /** The share held against a flow that does not back off on loss: 1/2 for fair, 2/3 for high. */
    private final double targetShare;
    private int epochsSinceDrain;
    private double savedWindow;
    /** Whether the last drain test found the queue drained (one more is needed to leave). */
    private boolean drainedBefore;
    /** Whether the last drain test found the queue grown (a negative share). */
    private boolean grewBefore;
    /** Where a drain test returns to: CUBIC or HOLD. */
    private State competing = State.CUBIC;
    private int epochsSinceLoss;
    private int frequentLosses;
    /** The window before the current run of frequent losses began cutting it. */
    private double windowBeforeLosses;
    /** The queue minimum of the round trip before a drain test, and the delivery rate then. */
    private long queueBeforeDrain;
    private double deliveryBeforeDrain;
    private long lastQueueMin;

    /**
     * @param mss    bytes of a full datagram on the wire: CUBIC's constants are in segments
     * @param flows  how many CUBIC flows it stands for: 1 for {@code fair}, 2 for {@code high}
     */
    CompetitiveMode(double mss, int flows) {
        this.mss = mss;
        // N flows' worth, after MulTCP: a congestion loss hits one of them, so the aggregate loses
        // 1/N of CUBIC's step, and it grows as CUBIC does (C and the Reno-friendly increase of one
        // CUBIC flow, not recomputed from the gentler beta). Why not more: a flow whose CUBIC
        // epoch K = cbrt(Wmax (1 - beta) / C) is shorter than its competitor's regains its window
        // first, probes past it and takes the next overflow's room, cycle after cycle; the shares
        // settle where both epochs are equal, at Wf (1 - betaF) / Cf = Wt (1 - beta) / C, i.e. at
        // N times the competitor's window with this beta and CUBIC's C (the Reno-friendly region
        // likewise, with epochs (1 - beta) W / increase). Session 6's N^3 C (from CUBIC's
        // response function, which holds for independent losses) made high's epoch 2.5 times
        // shorter: its share kept rising, 68 to 90 % over 40 s in CompetitiveModeTest (71 % with
        // C), and took 75-82 % on the emulated link once settled (docs/PERFORMANCE.md, session 7).
        this.beta = 1 - (1 - CUBIC_BETA) / flows;
        this.targetShare = (double) flows / (flows + 1);
    }

    /** Whether the window doubles every round trip, so pacing must allow for it. */
    boolean ramping() {
        return state == State.RAMP;
    }

    /** Whether the delay rule is suspended. */
    boolean active() {
        return state != State.DELAY;
    }

    /** The queueing delay above which the queue is not delay-based flows' doing, ns. */
    static long queueThreshold(long minRttNanos) {
        return Math.max(QUEUE_FLOOR_NANOS, (long) (QUEUE_RTT_FRACTION * minRttNanos));
    }

    /**
     * One round trip ended, with {@code queueMin} the least queueing delay seen in it. Returns the
     * window for the next one, or NaN to let the delay rule step.
     *
     * @param deliveryBytesPerNano the recent delivery rate, 0 if unknown
     */
    double onEpoch(long now, long queueMin, long minRtt, long smoothedRtt, double window, double deliveryBytesPerNano) {
        State before = state;
        double next = step(now, queueMin, minRtt, smoothedRtt, window, deliveryBytesPerNano);
        if (before != State.DELAY && log.isDebugEnabled()) {
            // one line a round trip while competing: what bench/fairness.sh's DEBUG runs are read with
            log.debug("competing epoch: {} -> {}, window {} -> {} KB, queue min {} ms, minRtt {} ms, delivery {} Mbit/s",
                    before, state, (long) window / 1000, Double.isNaN(next) ? -1 : (long) next / 1000,
                    String.format("%.1f", queueMin / 1e6), String.format("%.1f", minRtt / 1e6),
                    String.format("%.1f", deliveryBytesPerNano * 8e3));
        }
        return next;
    }

    private double step(long now, long queueMin, long minRtt, long smoothedRtt, double window, double deliveryBytesPerNano) {
        long threshold = queueThreshold(minRtt);
        switch (state) {
            case DELAY -> {
                // a ring of the last DETECT_WINDOW minima (seen stays bounded: a session may last months)
                minima[next] = queueMin;
                next = (next + 1) % DETECT_WINDOW;
                seen = Math.min(seen + 1, DETECT_WINDOW);
                int high = 0;
                for (int i = 0; i < seen; i++) {
                    high += minima[i] > threshold ? 1 : 0;
                }
                if (high < DETECT_EPOCHS) {
                    return Double.NaN;
                }
                state = State.RAMP;
                epochsSinceDrain = 0;
                return RAMP_GAIN * window;
            }
            case RAMP -> {
                return RAMP_GAIN * window;
            }
            case CUBIC, HOLD -> {
                epochsSinceLoss++;
                if (++epochsSinceDrain >= DRAIN_TEST_EPOCHS) {
                    competing = state;
                    state = State.DRAIN;
                    savedWindow = window;
                    queueBeforeDrain = lastQueueMin;
                    deliveryBeforeDrain = deliveryBytesPerNano;
                    lastQueueMin = queueMin;
                    return deliveryBytesPerNano > 0 ? Math.min(window, deliveryBytesPerNano * minRtt) : window / 2;
                }
                lastQueueMin = queueMin;
                return state == State.HOLD ? window : cubicWindow(now, smoothedRtt, window);
            }
            case DRAIN -> {
                // this round trip's samples are of datagrams sent before the drain: look at the next
                state = State.DRAIN_CHECK;
                return window;
            }
            case DRAIN_CHECK -> {
                epochsSinceDrain = 0;
                if (queueMin <= DRAINED_FRACTION * threshold) {
                    // a drained test ends a run of grown ones: grown, drained, grown is not two in a row
                    grewBefore = false;
                    if (drainedBefore) {
                        leave();
                        return window;
                    }
                    // once may be the other flow backing off (a CUBIC reduction, BBR's ProbeRTT) or
                    // our own sender stalling at the same time: test again. Under CUBIC's rule at
                    // once, from the drained window (a stall or a reduction is over in a round trip
                    // or two; going back to the competitive window in between cost a fixed-rate
                    // neighbour its target in RateControlTest); when holding, after BBR's ProbeRTT
                    drainedBefore = true;
                    if (competing == State.CUBIC) {
                        state = State.DRAIN;
                        return window;
                    }
                    state = competing;
                    epochsSinceDrain = DRAIN_TEST_EPOCHS - RETEST_EPOCHS;
                    return savedWindow;
                }
                drainedBefore = false;
                state = competing;
                double share = drainShare(queueMin);
                // A negative share counts (the queue grew when we withdrew: the other flow took our
                // room at once, as BBR does; without it fair took 14 % against iperf3's bbr), but
                // only in two tests in a row: CUBIC's growth gives one now and then, and holding
                // against CUBIC took high to 90 % in the simulation
                boolean grew = share < 0;
                boolean starved = share < STARVED_FRACTION * targetShare && (!grew || grewBefore);
                grewBefore = grew;
                if (state == State.CUBIC && starved) {
                    // CUBIC's rule is losing: whatever the other flow is, it does not yield to it
                    log.debug("holding: a drain test found our share of the queue at {} under CUBIC's rule",
                            String.format("%.2f", share));
                    state = State.HOLD;
                    competing = State.HOLD;
                }
                return state == State.HOLD ? heldWindow(queueMin) : savedWindow;
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /**
     * The held window after a drain test that found the queue at {@code queueAfter} (from
     * {@link #queueBeforeDrain}): our share s of the queue, and the window scaled by half the
     * way from 1 to {@link #targetShare} / s, by at most {@link #HOLD_STEP_MAX} either way; a
     * share too small to measure doubles it. (Aiming straight at the window that the target
     * share of the estimated bottleneck rate needs did worse in the simulation against BBR, 34
     * instead of 49 %: our delivery-rate samples, a quarter round trip's best, overstate a
     * share of a dropping queue.)
     */
    private double heldWindow(long queueAfter) {
        double share = drainShare(queueAfter);
        double factor = Double.isNaN(share) ? 1 : share < MEASURABLE_SHARE ? HOLD_STEP_MAX
                : Math.max(1 / HOLD_STEP_MAX, Math.min(HOLD_STEP_MAX, 1 + (targetShare / share - 1) / 2));
        if (log.isDebugEnabled()) {
            log.debug("holding: drain test queue {} -> {} ms, share {}, delivery {} Mbit/s, window {} -> {} KB",
                    String.format("%.1f", queueBeforeDrain / 1e6), String.format("%.1f", queueAfter / 1e6),
                    String.format("%.2f", share), String.format("%.1f", deliveryBeforeDrain * 8e3),
                    (long) savedWindow / 1000, (long) (savedWindow * factor) / 1000);
        }
        return savedWindow * factor;
    }

    /**
     * Our share of the queue from a drain test that found it at {@code queueAfter}: the fraction
     * that left with our bytes. NaN if there was no queue before; negative if the queue grew (the
     * other flow grew during the test).
     */
    private double drainShare(long queueAfter) {
        return queueBeforeDrain > 0 ? 1 - (double) queueAfter / queueBeforeDrain : Double.NaN;
    }

    /** Back to the delay rule, watching the queue afresh. */
    private void leave() {
        state = State.DELAY;
        drainedBefore = false;
        grewBefore = false;
        competing = State.CUBIC;
        frequentLosses = 0;
        seen = 0;
        next = 0;
    }

    /**
     * Datagrams were declared lost while the queue is {@code queueNanos}; returns the window to
     * use from now on (the same one if the loss is no congestion signal).
     */
    double onLoss(long now, long queueNanos, long minRtt, long smoothedRtt, double window) {
        if ((state != State.RAMP && state != State.CUBIC) || now < recoveryEnd || queueNanos <= queueThreshold(minRtt)) {
            return window;
        }
        recoveryEnd = now + (long) (RECOVERY_RTTS * smoothedRtt);
        if (state == State.CUBIC && epochsSinceLoss <= FREQUENT_LOSS_EPOCHS) {
            if (++frequentLosses >= HOLD_AFTER_LOSSES) {
                // the other flow does not back off: stop answering losses, from the window before them
                state = State.HOLD;
                competing = State.HOLD;
                epochsSinceDrain = 0;
                log.debug("holding: {} congestion losses within {} round trips of each other; window {} KB",
                        frequentLosses, FREQUENT_LOSS_EPOCHS, (long) Math.max(window, windowBeforeLosses) / 1000);
                return Math.max(window, windowBeforeLosses);
            }
        } else {
            frequentLosses = 0;
            windowBeforeLosses = window;
        }
        epochsSinceLoss = 0;
        double w = window / mss;
        wMax = w;
        double next = Math.max(2, w * beta);
        wEst = next;
        k = Math.cbrt(wMax * (1 - beta) / CUBIC_C);
        cubicStart = now;
        state = State.CUBIC;
        if (log.isDebugEnabled()) {
            log.debug("congestion loss at queue {} ms: window {} -> {} KB", String.format("%.1f", queueNanos / 1e6),
                    (long) window / 1000, (long) (next * mss) / 1000);
        }
        return next * mss;
    }

    /** CUBIC's window one round trip ahead, bytes, growing at most by half per round trip. */
    private double cubicWindow(long now, long smoothedRtt, double window) {
        double t = (now - cubicStart + smoothedRtt) / 1e9;
        double cubic = CUBIC_C * Math.pow(t - k, 3) + wMax;
        double w = window / mss;
        wEst += RENO_FRIENDLY_INCREASE;
        double next = Math.min(1.5 * w, Math.max(w, Math.max(cubic, wEst)));
        return next * mss;
    }
}
