package io.farsync.transport.core.congestion;

/**
 * The machinery shared by the adaptive policies: a window (bytes in flight) updated once per
 * round trip by a FAST TCP equation on the measured queueing delay, and a pacing rate derived
 * from it. Subclasses say how many of their own bytes they aim to keep queued at the bottleneck
 * ({@link #alpha}), which is what sets their share.
 *
 * <p>The idea is FAST TCP's (Jin, Wei and Low, "FAST TCP: motivation, architecture, algorithms,
 * performance", INFOCOM 2004; Wei, Jin, Low and Hegde, IEEE/ACM ToN 14(6), 2006). Once per
 * round trip
 *
 * <pre>  w &lt;- min(2w, (1 - gamma) w + gamma (w baseRTT / RTT + alpha))</pre>
 *
 * where RTT = baseRTT + q and q is the queueing delay. At equilibrium w q / RTT = alpha: the
 * flow's rate times the queueing delay, i.e. its bytes standing in the bottleneck queue, equals
 * alpha. Flows that share a bottleneck see the same q, so flows with equal alpha get equal
 * rates (twice the alpha, twice the rate), and N flows queue N alpha bytes in all, whatever
 * the round-trip time: this is what makes the standing queue short and the sharing fair.
 * Because the equation acts on a window, the queue responds at once to a window change
 * (the self-clocking of acknowledgements), which is why FAST stays stable at large
 * bandwidth-delay products where an equation on the rate alone would integrate the error over
 * a round trip and oscillate. Loss does not enter the equation: the transport repairs random
 * loss by retransmission, so 1 to 10 % loss on a long path costs no rate.
 *
 * <p>Around the equation:
 * <ul>
 * <li>First flight: with an RTT measured before the transport started (the session's SSH
 * handshake), the first round trip sends {@link #INITIAL_RATE_FRACTION} of the target rate,
 * paced evenly over that RTT, instead of {@link #INITIAL_WINDOW_DATAGRAMS} datagrams: at
 * 600 ms, doubling from 32 datagrams to a 500 Mbit/s path takes ten round trips (6 s); from an
 * eighth of a 1 Gbit/s target it takes two. Paced, not a burst, so a slow path sees at most that
 * rate for one round trip, the overshoot that slow start's last doubling would cause anyway.
 * <li>Careful resume: a connection to a peer that this process's last connection to it measured
 * (within minutes, at a similar RTT: {@code transport.PathHistory}) sends its first flight at
 * {@link #RESUME_FRACTION} of the rate the path then carried, when that is more: the path's
 * own recent rate, halved for safety, as draft-ietf-tsvwg-careful-resume's "jump" does (it
 * too cannot know whether the path has been shared since). Slow start and its exit on a queue
 * go on from there, growing 1.5x per round trip as a resumed slow start does
 * ({@link #RESTART_SLOW_START_GAIN}): the window starts within a factor of two of the path's.
 * On the emulated 100 ms / 500 Mbit/s link the usual first flight (100 Mbit/s) needs three
 * doublings, about 0.3 s, to fill the link. Doubling from a resumed one (about 260 Mbit/s) ended
 * slow start in the second round trip on a queue seen while the acks came at 307-357 Mbit/s (the
 * receiver, sender and emulator starting their work on 2 shared cores), which cut the window to
 * 3.9-4.4 MB; the link was full only 0.8-0.95 s in (bench/wan-thread-timeline.sh, 3 of 4 runs).
 * <li>Start: the window doubles every round trip (slow start, as FAST does) until the flow has
 * more than alpha bytes queued (for {@code fair} and {@code high}, for a quarter of a round trip
 * on end, so that a receiver descheduled for a few milliseconds does not end it: see
 * {@link FastRate#SLOW_START_EXIT_PERSISTENCE}), then the equation takes over with gamma = 1 for
 * one step, which drains the overshoot of the last doubling.
 * <li>Probing: when the queue holds less than a quarter of alpha for two round trips, the path has
 * room the equation would claim only alpha / 2 per round trip at a time (hours at 500 Mbit/s and
 * 600 ms). The window then grows by a step that doubles from 1/32 of it to half of it,
 * every other round trip, since a step shows in the delay only a round trip later; freed
 * bandwidth is taken within a few round trips, as BIC's or BBR's bandwidth probing do, with an
 * overshoot of at most half a round trip of queue. The step resets as soon as a queue shows;
 * if two probes find none, slow start resumes.
 * <li>Limits: the pacing rate is the window over the current RTT times a small gain, so the
 * window, not the pacer, binds and datagrams leave evenly (BBR's pacing, Cardwell et al. 2016);
 * both are clamped so that the rate stays within [minimum rate, target rate]. The window grows
 * only while the flow actually fills it (RFC 7661's congestion window validation), so an
 * application- or flow-control-limited connection does not bank a window it never tested.
 * <li>Starved hosts: on a loaded machine the receiver or the sender loses the CPU for tens of
 * milliseconds to seconds, which looks like a queue or like room on the path. A slow-start queue
 * whose acks came at less than half the recent best rate is the receiver's and does not end slow
 * start; drains and exits keep the best delivery rate of the last ten round trips
 * ({@link DeliveryRate}), and an empty round trip restores a window cut below it; only a full
 * window's empty round trips probe or resume slow start, which then grows 1.5x per round trip.
 * {@code RampTest} reproduces both starvations in the simulator.
 * <li>Competition: against a loss-based flow, which keeps the queue long, the equation would
 * leave this flow a trickle; {@link CompetitiveMode} notices such a queue and runs a CUBIC
 * window instead until a drain test shows the queue is ours again. The scavenger never competes.
 * </ul>
 */
abstract class DelayController implements RateController {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DelayController.class);

    /** FAST TCP's recommended gain: half way to the equation's target each round trip. */
    static final double GAMMA = 0.5;
    /** Datagrams in the window before the first RTT sample; RFC 9002 uses 10, but pacing spreads them. */
    static final int INITIAL_WINDOW_DATAGRAMS = 32;
    /** The first flight's rate, as a fraction of the target, when the RTT is known in advance. */
    static final double INITIAL_RATE_FRACTION = 1.0 / 8;
    /**
     * The first flight's highest rate, bits/s: the default target is 1 Gbit/s whatever the path,
     * and an eighth of it for a whole round trip would bury a 10 Mbit/s path's queue under 10 times
     * its size at 600 ms. 100 Mbit/s costs one round trip more than 125 to reach 500 Mbit/s.
     */
    static final long INITIAL_RATE_CAP = 100_000_000L;
    /** The fraction of the path's recently measured rate a resumed first flight is paced at. */
    static final double RESUME_FRACTION = 0.5;
    /** The smallest window, as RFC 6817 and RFC 9002 keep two packets: enough to keep acks flowing. */
    static final int MIN_WINDOW_DATAGRAMS = 2;
    /**
     * Pacing runs this much faster than the window's rate so that the window, clocked by the
     * acknowledgements, is what binds; 1.25 is RFC 9002's N (section 7.7).
     */
    static final double PACING_GAIN = 1.25;
    /** In slow start, pacing at twice the window's rate lets the window double each round trip. */
    static final double SLOW_START_PACING_GAIN = 2.0;
    /**
     * A window above the target rate times the RTT buys nothing; twice that leaves room to
     * follow a growing RTT without the window getting in the way of the target.
     */
    static final double MAX_WINDOW_TARGET_RTTS = 2.0;
    /**
     * Added to the RTT when capping the window: acknowledgements come up to the peer's ack delay
     * (2 ms) late, plus an I/O loop's turn. Without it the cap starves short paths: on loopback
     * (0.1 ms minimum RTT) at a 1 Gbit/s target it held the window near 50 KB, which the delayed
     * acks turned into 25 MB/s (a 1 GiB local sync took 40 s instead of 12 s).
     */
    static final long WINDOW_CAP_SLACK_NANOS = 4_000_000;
    /**
     * Shortest update period. On loopback the RTT is tens of microseconds, while the receiver's
     * scheduling noise lasts milliseconds; a period of at least 1 ms gathers enough delay samples
     * for the minimum over the period to mean something.
     */
    static final long MIN_EPOCH_NANOS = 1_000_000;
    /**
     * Past this many alphas of our bytes queued, the queue is an overshoot (of slow start or a
     * probe) or a newcomer's arrival, not the equilibrium's noise: the window jumps to the
     * delivery rate's (gamma = 1) instead of going half way, and the next round trip only
     * observes, as the jump shows a round trip later.
     */
    static final double DRAIN_ALPHAS = 8;
    /**
     * First probing step, a fraction of the window: 1/32, a queue of 3 ms at 100 ms RTT if the
     * path had no room after all; doubling, it reaches half the window in five probes.
     */
    static final double PROBE_GAIN_INITIAL = 1.0 / 32;
    /**
     * Largest probing step: half the window. The step is seen a round trip later, so it can
     * overshoot by this much for one round trip: half a round trip of queue, which a buffer of
     * one bandwidth-delay product (the usual sizing) holds without loss.
     */
    static final double PROBE_GAIN_MAX = 0.5;
    /**
     * The queue counts as empty, and the path as having room, below a quarter of alpha of our
     * bytes: well under the equilibrium's alpha, so that the equation's own small swings, and the
     * bytes of lost packets still counted in flight (which keep the queue below alpha for a
     * while after a drain), do not set off probes.
     */
    static final double EMPTY_ALPHAS = 0.25;
    /**
     * Empty round trips after which probing gives way to slow start again: two probes found no
     * queue, so the path has much more room than the window (a competitor left, or the window
     * sits at a floor far below the path), and doubling finds it in a few round trips, where
     * probing steps of at most half the window would take many.
     */
    static final int RESTART_EMPTY_EPOCHS = 5;
    /**
     * A drain cuts the window to the delivery rate of the last round trip, but not below this
     * fraction of the best rate of the last {@link DeliveryRate#MEMORY_ROUND_TRIPS}: a newcomer
     * takes about half of the path from one flow, while a round trip's rate far below that is
     * more likely the receiver's stall than the path's (see {@link DeliveryRate}).
     */
    static final double DRAIN_FLOOR = 0.5;
    /**
     * In slow start a queue comes with acks at least as fast as before; with acks below this
     * fraction of the recent best rate it is the receiver's, not the path's (see {@link #pathQueue}).
     */
    static final double STALLED_DELIVERY_FRACTION = 0.5;
    /**
     * An empty round trip restores the window to the path's recent best rate only when the window
     * is below this fraction of it: that rate is a quarter round trip's best and reads up to a
     * quarter high after a burst of acks (a receiver reading its backlog at once), and restoring
     * a window already near the path's would then queue that much; the probes take it from there.
     */
    static final double RESTORE_BELOW = 0.8;
    /**
     * A resumed slow start grows the window by this fraction of the bytes acknowledged (1.5x per
     * round trip), not 1 (doubling), when the path's recent rate is known: it resumes only from a
     * window at least that rate's (a smaller one is restored at once), and doubling from about
     * the bandwidth-delay product overshoots by one more, a round trip of queue that a one-BDP
     * buffer no longer holds (on the emulated 100 ms link one such restart made the emulator drop
     * 168 datagrams). The first slow start doubles.
     */
    static final double RESTART_SLOW_START_GAIN = 0.5;
    /**
     * An empty round trip says the path has room only if the window was full in it: the bytes in
     * flight reached this fraction of it. Else the sender did not keep up (on 2 loaded cores it
     * is starved of CPU for seconds) and the queue is empty for that reason: probing then banked
     * a window the sender did not use, up to 1.5 times the path's, which it sent in one burst
     * when it got the CPU back (RampTest: 888 datagrams dropped from a one-BDP queue).
     */
    static final double FULL_FRACTION = 0.9;
    /** The window counts as used when the bytes in flight reached this fraction of it. */
    static final double USED_FRACTION = 0.5;
    /**
     * A slow-start exit that cut the window below this fraction of it can be undone (see
     * {@link #undoFalseExit}). An exit on the path's queue cuts less: it comes a quarter round trip
     * after the queue formed ({@link FastRate#SLOW_START_EXIT_PERSISTENCE}), when the window is
     * 1.25 to 1.5 times the path's (7786 to 6435 KB in RampTest, 42.7 to 35.5 MB on the 600 ms link).
     */
    static final double UNDO_CUT_BELOW = 0.5;
    /**
     * Empty round trips with a full window that prove such an exit false: any two of round trips
     * 2 to 5 after the exit (see {@link #undoFalseExit}).
     */
    static final int UNDO_EMPTY_EPOCHS = 2;
    /**
     * Bytes reported lost since a slow-start exit, above this fraction of the bytes sent since,
     * veto its undo: the exit's queue overflowed the buffer, so it was the path's (a tail drop of
     * slow start's last doubling loses up to half of a round trip's datagrams). Not any loss:
     * random loss (1 % on RampTest's link, up to 10 % on the paths the transport is made for) is
     * reported in nearly every round trip, and vetoing on any loss failed RampTest's cold receiver
     * (90 % of the 100 ms link after 1700 ms instead of 1100; at its undo 1.9 % of the bytes sent
     * since the exit were lost). Weighed when the undo would happen, not before: in the round trip
     * after the exit the cut window is still draining and little is sent. The fraction is
     * reasoned, not measured on a real overflow.
     */
    static final double UNDO_LOSS_VETO_FRACTION = 0.2;

    private final Limits limits;
    private final QueueDelayFilter delay;
    private final DeliveryRate delivery = new DeliveryRate();
    /** Null for a flow that always yields (the scavenger). */
    private final CompetitiveMode competition;
    private final double mss;
    private double window;
    private boolean slowStart = true;
    /** The window grows by this fraction of the bytes acknowledged in slow start. */
    private double slowStartGain = 1;
    private long minRtt;
    private long smoothedRtt;
    private long epochEnd = Long.MIN_VALUE;
    private long epochMinQueue = Long.MAX_VALUE;
    /** Start of the last quarter of the epoch, and the smallest queue sample since then. */
    private long epochLateStart;
    private long epochLateMinQueue = Long.MAX_VALUE;
    private long epochMaxInFlight;
    private double probeGain;
    private int emptyEpochs;
    private boolean drainedLastEpoch;
    /** The window before a slow-start exit that may yet be undone, 0 if none. */
    private double undoWindow;
    /** Whether slow start has not ended yet: only the connection's first exit may be undone. */
    private boolean firstSlowStart = true;
    /** Round trips since that exit, and the empty ones among them. */
    private int epochsSinceExit;
    private int emptySinceExit;
    /** Bytes sent, and reported lost, since that exit: for {@link #UNDO_LOSS_VETO_FRACTION}. */
    private long sentSinceExit;
    private long lostSinceExit;
    private long pacingRate;
    /** When the queue in slow start last rose above alpha, or {@link Long#MIN_VALUE} if it is below. */
    private long queuedSince = Long.MIN_VALUE;

    /**
     * @param initialRtt       the RTT measured before the transport started, ns; 0 if unknown
     * @param resumeRate       the rate the path carried for the last connection to this peer, bits/s; 0 if unknown
     * @param competingFlows   how many CUBIC flows it stands for against loss-based traffic
     *                         ({@link CompetitiveMode}); 0 never to compete
     */
    DelayController(Limits limits, long now, long initialRtt, long resumeRate, int competingFlows) {
        this.limits = limits;
        this.delay = new QueueDelayFilter(now);
        this.mss = limits.maxDatagramWireBytes();
        this.competition = competingFlows > 0 ? new CompetitiveMode(mss, competingFlows) : null;
        double firstFlight = 0;
        long firstRate = 0;
        if (initialRtt > 0) {
            double usual = Math.min(INITIAL_RATE_CAP, limits.targetRateBitsPerSecond() * INITIAL_RATE_FRACTION);
            boolean resumed = resumeRate * RESUME_FRACTION > Math.max(usual, limits.minRateBitsPerSecond())
                    && resumeRate * RESUME_FRACTION / 8e9 * initialRtt > INITIAL_WINDOW_DATAGRAMS * mss;
            firstRate = limits.clamp(resumed ? resumeRate * RESUME_FRACTION : usual);
            firstFlight = firstRate / 8e9 * initialRtt;
            if (resumed) {
                // a window within a factor of two of the path's: grow 1.5x, as a resumed slow start does
                slowStartGain = RESTART_SLOW_START_GAIN;
            }
            if (resumed && log.isDebugEnabled()) {
                log.debug("careful resume: first flight at {} Mbit/s (the path carried {} Mbit/s on the last connection)",
                        firstRate / 1_000_000, resumeRate / 1_000_000);
            }
        }
        if (firstFlight > INITIAL_WINDOW_DATAGRAMS * mss) {
            this.window = firstFlight;
            this.pacingRate = firstRate;
        } else {
            this.window = INITIAL_WINDOW_DATAGRAMS * mss;
            this.pacingRate = limits.targetRateBitsPerSecond();
        }
    }

    /** The bytes this flow aims to keep queued at the bottleneck, given its window and the RTT now (ns). */
    abstract double alpha(double window, double rttNanos);

    /**
     * How long, as a fraction of the minimum RTT, the queue must stay above alpha before slow
     * start ends; 0 ends it on the first filtered sample above alpha. See {@link FastRate}.
     */
    double slowStartExitPersistence() {
        return 0;
    }

    /**
     * Whether a false slow-start exit may be undone ({@link #undoFalseExit}); the scavenger says
     * no, since it must stay at the window its exit gave it.
     */
    boolean undoesFalseExit() {
        return true;
    }

    /**
     * A factor (at most 1) to scale the window by this round trip, whatever the equation says,
     * when the queueing delay {@code queueNanos} calls for more than the equation's gradual step.
     */
    double yieldFactor(long queueNanos) {
        return 1.0;
    }

    @Override
    public void onPacketSent(long now, int wireBytes, long bytesInFlight) {
        epochMaxInFlight = Math.max(epochMaxInFlight, bytesInFlight);
        sentSinceExit += wireBytes;
    }

    @Override
    public void onAck(long now, long ackedBytes, long bytesInFlight, long minRttNanos, long smoothedRttNanos,
            long oneWayDelayNanos) {
        if (minRttNanos <= 0) {
            return;
        }
        minRtt = minRttNanos;
        smoothedRtt = smoothedRttNanos;
        if (oneWayDelayNanos != NO_SAMPLE) {
            long sample = delay.onSample(now, oneWayDelayNanos);
            epochMinQueue = Math.min(epochMinQueue, sample);
            if (now >= epochLateStart) {
                epochLateMinQueue = Math.min(epochLateMinQueue, sample);
            }
        }
        delivery.onAck(now, ackedBytes, minRtt, window / minRtt);
        if (slowStart) {
            if (bytesInFlight + ackedBytes >= window * USED_FRACTION) {
                window += ackedBytes * slowStartGain;
            }
            double rtt = minRtt + delay.current();
            if (window * delay.current() / rtt > alpha(window, rtt) && pathQueue(now)) {
                if (queuedSince == Long.MIN_VALUE) {
                    queuedSince = now;
                }
                if (now - queuedSince >= slowStartExitPersistence() * minRtt) {
                    exitSlowStart(now, rtt);
                }
            } else {
                if (queuedSince != Long.MIN_VALUE && log.isDebugEnabled()) {
                    log.debug("slow start: queue above alpha for only {} ms at window {} KB, staying (samples {} ms)",
                            String.format("%.1f", (now - queuedSince) / 1e6), (long) window / 1000, delay.recentMillis());
                }
                queuedSince = Long.MIN_VALUE;
                if (window >= maxWindow(rtt)) {
                    slowStart = false;
                    firstSlowStart = false;
                    startEpoch(now);
                }
            }
        }
        if (now >= epochEnd) {
            if (!slowStart && epochEnd != Long.MIN_VALUE) {
                update(now);
            }
            startEpoch(now);
        }
        double rtt = minRtt + delay.current();
        window = Math.max(minWindow(rtt), Math.min(maxWindow(rtt), window));
        double gain = slowStart ? 1 + slowStartGain
                : competition != null && competition.ramping() ? SLOW_START_PACING_GAIN : PACING_GAIN;
        pacingRate = limits.clamp(window * 8e9 / rtt * gain);
    }

    /**
     * Whether a queue seen in slow start can be the path's: a bottleneck that fills delivers at its
     * rate, at least what the flow got through in the round trips before, whereas acks that
     * slowed well below that while the delay grew come from a receiver that could not keep up
     * for a while (BBR likewise ignores receiver- and application-limited rate samples). Measured
     * on the emulated 100 ms link with the receiver on 2 loaded cores: queue samples of 13 to
     * 46 ms at a delivery rate of 45 Mbit/s, where the round trips before had carried several
     * times that; ending slow start there cut the window from 3.6 MB to 635 KB. A receiver that
     * stays slow ends it once the slow round trips are all the memory holds.
     *
     * <p>Slow start's growth drops to 1.5x only when the acks slowed over a whole round trip (the
     * best quarter of the last one is below that fraction too), not on the latest quarter alone:
     * slow start paces at twice the window's rate, so it sends in bursts of about half a round
     * trip with gaps between them, and a quarter round trip that spans a gap reads slow. On the
     * emulated 600 ms link 40 such samples (93 against 322 Mbit/s, with a 1-5 ms queue) each cut
     * the growth to 1.5x (SlowStartBurstTest). They still do not end slow start: a queue the
     * path builds comes with acks at its full rate.
     */
    private boolean pathQueue(long now) {
        double recent = delivery.latestBytesPerNano();
        double best = delivery.recentMaxBytesPerNano(now, minRtt);
        boolean path = recent >= STALLED_DELIVERY_FRACTION * best;
        boolean stalled = !path && delivery.bytesPerNano(now, minRtt) < STALLED_DELIVERY_FRACTION * best;
        if (stalled) {
            // the acks of the receiver's backlog will come in a burst: doubling on them would
            // overshoot the path by a whole window at once
            slowStartGain = Math.min(slowStartGain, RESTART_SLOW_START_GAIN);
        }
        if (!path && log.isDebugEnabled()) {
            log.debug("slow start: queue {} ms (samples {} ms) at a delivery rate of {} Mbit/s, {} before: the receiver's,"
                    + " staying{}", String.format("%.2f", delay.current() / 1e6), delay.recentMillis(),
                    String.format("%.1f", recent * 8e3), String.format("%.1f", best * 8e3),
                    stalled ? " (slow for a round trip: growth 1.5x)" : " (a gap between bursts)");
        }
        return path;
    }

    /**
     * Leaves slow start once a queue shows. The delay seen now is a round trip old: the last
     * doubling is still on its way into the queue, and the equation would take many round
     * trips to drain it. But while the queue builds, acknowledgements arrive at the bottleneck's
     * rate, so the window that rate fills in a base RTT, plus alpha, is the equilibrium to jump
     * to; the bytes in flight above it drain before anything more is sent.
     */
    private void exitSlowStart(long now, double rtt) {
        slowStart = false;
        queuedSince = Long.MIN_VALUE;
        double before = window;
        double byEquation = window * minRtt / rtt + alpha(window, rtt);
        double rate = Math.max(delivery.bytesPerNano(now, minRtt), delivery.recentMaxBytesPerNano(now, minRtt));
        if (rate > 0) {
            window = Math.min(byEquation, rate * minRtt + alpha(rate * minRtt, minRtt));
        } else {
            window = byEquation;
        }
        undoWindow = firstSlowStart && undoesFalseExit() && window < UNDO_CUT_BELOW * before ? before : 0;
        firstSlowStart = false;
        epochsSinceExit = 0;
        emptySinceExit = 0;
        sentSinceExit = 0;
        lostSinceExit = 0;
        if (log.isDebugEnabled()) {
            log.debug("slow start exit: window {} -> {} KB, queue {} ms (samples {} ms), minRtt {} ms, delivery {} Mbit/s",
                    (long) before / 1000, (long) window / 1000, String.format("%.2f", delay.current() / 1e6),
                    delay.recentMillis(), String.format("%.1f", minRtt / 1e6), String.format("%.1f", rate * 8e3));
        }
        startEpoch(now);
    }

    /** One round trip's step of the equation. */
    private void update(long now) {
        long q = epochMinQueue != Long.MAX_VALUE ? epochMinQueue : delay.current();
        if (competition != null && competeEpoch(now, q)) {
            return;
        }
        double rtt = minRtt + q;
        double a = alpha(window, rtt);
        double target = window * minRtt / rtt + a;
        double next = (1 - GAMMA) * window + GAMMA * target;
        if (window * q / rtt > DRAIN_ALPHAS * a) {
            if (drainedLastEpoch) {
                drainedLastEpoch = false;
                return;
            }
            double rate = Math.max(delivery.bytesPerNano(now, minRtt),
                    DRAIN_FLOOR * delivery.recentMaxBytesPerNano(now, minRtt));
            next = rate > 0 ? Math.min(target, rate * minRtt + alpha(rate * minRtt, minRtt)) : target;
            drainedLastEpoch = true;
        } else {
            drainedLastEpoch = false;
        }
        boolean used = epochMaxInFlight >= window * USED_FRACTION;
        boolean full = epochMaxInFlight >= window * FULL_FRACTION;
        // The queue at the end of the epoch, where a probe of the previous one shows: the least
        // sample of its last quarter, not the filter's last 4 samples. On the emulated 600 ms
        // link with the receiver on 2 shared cores, the last 4 samples read 0.5 to 5 ms in most
        // epochs while the epoch's least was 0.00 to 0.05 ms and the emulator's queue was empty
        // (the window's rate, 420 Mbit/s, below the 500 Mbit/s bottleneck); at a 24 MB window
        // "empty" is below 0.4 ms, so that noise reset the probe almost every round trip and
        // left the flow at 420 Mbit/s for tens of seconds. A probe's queue lasts the round trip.
        long latest = epochLateMinQueue != Long.MAX_VALUE ? epochLateMinQueue : delay.current();
        boolean empty = window * Math.max(q, latest) / (minRtt + latest) < a * EMPTY_ALPHAS;
        double proven = delivery.recentMaxBytesPerNano(now, minRtt) * minRtt;
        if (undoFalseExit(empty, full)) {
            return;
        }
        if (empty && full && window < RESTORE_BELOW * proven) {
            // The path carried more within the last few round trips than this window allows
            // (a drain or a slow-start exit on a receiver's stall cut it): restore it at once.
            next = Math.max(next, proven);
            emptyEpochs = 0;
            probeGain = 0;
        } else if (empty && full) {
            // A window change shows in the delay only a round trip later: probe every other round
            // trip, and not in the first empty one, which may just be the trough after a drain.
            emptyEpochs++;
            if (emptyEpochs >= RESTART_EMPTY_EPOCHS) {
                slowStart = true;
                slowStartGain = proven > 0 ? RESTART_SLOW_START_GAIN : 1;
                emptyEpochs = 0;
                probeGain = 0;
            } else if (emptyEpochs % 2 == 0) {
                probeGain = probeGain == 0 ? PROBE_GAIN_INITIAL : Math.min(PROBE_GAIN_MAX, probeGain * 2);
                next = Math.max(next, window + Math.max(a, window * probeGain));
            }
        } else {
            probeGain = 0;
            emptyEpochs = 0;
        }
        if (!used) {
            next = Math.min(next, window);
        }
        next = Math.min(next, 2 * window) * yieldFactor(q);
        if (log.isTraceEnabled()) {
            // TRACE, not DEBUG: on loopback an epoch lasts a millisecond
            log.trace("epoch: window {} -> {} KB, queue min {} ms latest {} ms, alpha {} KB, delivery {} Mbit/s, pacing {} Mbit/s, empty {} probe {}{}",
                    (long) window / 1000, (long) next / 1000, String.format("%.2f", q / 1e6), String.format("%.2f", latest / 1e6),
                    (long) a / 1000, String.format("%.1f", delivery.bytesPerNano(now, minRtt) * 8e3), pacingRate / 1_000_000,
                    emptyEpochs, probeGain, slowStart ? " -> slow start" : drainedLastEpoch ? " drain" : "");
        }
        window = next;
    }

    /**
     * Undoes a slow-start exit that the round trips after it proved false, as TCP undoes a window
     * reduction that turned out spurious (the Eifel response, RFC 4015): returns whether it did,
     * having restored the window from before the exit and resumed slow start.
     *
     * <p>Why: the first flight (a fraction of the target rate, for one round trip) reaches a
     * receiver whose JIT has not yet compiled the decryption, on 2 cores shared with the sender
     * and the emulator. It reads slowly for a few hundred milliseconds, so its acks come slowly and
     * its delay samples grow, and in the first round trip there is no faster delivery rate yet
     * for {@link #pathQueue} to tell that queue from the path's. On the emulated 100 ms link slow
     * start ended 260 ms into the data at 20 Mbit/s and cut the window from 1752 to 333 KB; the
     * empty round trips after it then probed and resumed slow start at 1.5x (both made for a
     * window near the path's), and the link was full only 1.4 s later. A receiver's queue vanishes
     * once it has caught up, while the cut window is full. After an exit on the path's queue the
     * queue can read empty too, for two or three round trips on a lossy path (the drain's trough,
     * and lost datagrams still counted in flight): what tells the two apart is the cut, which such
     * an exit keeps above half ({@link #UNDO_CUT_BELOW}; undoing milder cuts too undid a real exit
     * in RampTest, docs/PERFORMANCE.md session 6). The round trip right after the exit is not
     * looked at: the receiver's backlog, or the drain, is still in it. The undo comes with the
     * second round trip, among round trips 2 to 5 after the exit, that is empty with a full
     * window; an empty one whose window was not full counts neither way, while a queue in any
     * round trip from the second on, or a fifth without the second such, cancels it.
     *
     * <p>Once per connection, for its first slow-start exit only: the cold receiver meets the
     * first flight, and an undo after a later exit, or a second one, could ratchet the window up
     * (exit, undo, slow start paced at twice the window's rate, exit, undo). Losses since the exit
     * above {@link #UNDO_LOSS_VETO_FRACTION} of the bytes sent veto it, and so does competing
     * ({@link #competeEpoch}); the scavenger never undoes ({@link #undoesFalseExit}).
     */
    private boolean undoFalseExit(boolean empty, boolean full) {
        if (undoWindow == 0) {
            return false;
        }
        if (++epochsSinceExit == 1) {
            return false;
        }
        if (!empty) {
            undoWindow = 0;
            return false;
        }
        if (full) {
            emptySinceExit++;
        }
        if (emptySinceExit < UNDO_EMPTY_EPOCHS) {
            if (epochsSinceExit > 2 * UNDO_EMPTY_EPOCHS) {
                undoWindow = 0;
            }
            return false;
        }
        if (lostSinceExit > UNDO_LOSS_VETO_FRACTION * sentSinceExit) {
            undoWindow = 0;
            return false;
        }
        if (log.isDebugEnabled()) {
            log.debug("slow start exit undone: the queue vanished with a full window; window {} -> {} KB",
                    (long) window / 1000, (long) undoWindow / 1000);
        }
        window = Math.max(window, undoWindow);
        undoWindow = 0;
        slowStart = true;
        emptyEpochs = 0;
        probeGain = 0;
        return true;
    }

    /** Lets {@link CompetitiveMode} set the window for the next round trip; returns whether it did. */
    private boolean competeEpoch(long now, long queueMin) {
        boolean wasActive = competition.active();
        double next = competition.onEpoch(now, queueMin, minRtt, smoothedRtt, window, delivery.bytesPerNano(now, minRtt));
        if (Double.isNaN(next)) {
            return false;
        }
        if (wasActive != competition.active() && log.isDebugEnabled()) {
            log.debug("{} competing with a loss-based flow: queue min {} ms, window {} KB",
                    wasActive ? "stopped" : "started", String.format("%.1f", queueMin / 1e6), (long) window / 1000);
        }
        if (log.isTraceEnabled()) {
            log.trace("epoch (competing): window {} -> {} KB, queue min {} ms, delivery {} Mbit/s", (long) window / 1000,
                    (long) next / 1000, String.format("%.2f", queueMin / 1e6),
                    String.format("%.1f", delivery.bytesPerNano(now, minRtt) * 8e3));
        }
        window = next;
        probeGain = 0;
        emptyEpochs = 0;
        drainedLastEpoch = false;
        // an exit from before competing is no longer the window's last word: no undo pending
        undoWindow = 0;
        return true;
    }

    private void startEpoch(long now) {
        long length = Math.max(smoothedRtt, MIN_EPOCH_NANOS);
        epochEnd = now + length;
        epochLateStart = epochEnd - length / 4;
        epochMinQueue = Long.MAX_VALUE;
        epochLateMinQueue = Long.MAX_VALUE;
        epochMaxInFlight = 0;
    }

    private double minWindow(double rttNanos) {
        return Math.max(MIN_WINDOW_DATAGRAMS * mss, limits.minRateBitsPerSecond() / 8e9 * rttNanos + mss);
    }

    private double maxWindow(double rttNanos) {
        double paced = Math.max(rttNanos, smoothedRtt) + WINDOW_CAP_SLACK_NANOS;
        return Math.max(minWindow(rttNanos), limits.targetRateBitsPerSecond() / 8e9 * paced * MAX_WINDOW_TARGET_RTTS);
    }

    @Override
    public void onLoss(long now, long lostBytes) {
        lostSinceExit += lostBytes;
        // Random loss is not congestion: alone, or among delay-based flows, a full queue shows as
        // delay long before it overflows. Only against a loss-based flow is a loss at a full
        // queue the signal to back off.
        if (competition != null && competition.active()) {
            window = Math.max(minWindow(minRtt + delay.current()),
                    competition.onLoss(now, delay.current(), minRtt, smoothedRtt, window));
            pacingRate = Math.min(pacingRate, limits.clamp(window * 8e9 / (minRtt + delay.current()) * PACING_GAIN));
        }
    }

    @Override
    public long pacingRateBitsPerSecond() {
        return pacingRate;
    }

    @Override
    public long windowBytes() {
        return (long) window;
    }

    @Override
    public long queueingDelayNanos() {
        return delay.current();
    }

    /**
     * The best delivery rate of the last round trips with acknowledgements, but no more than the
     * window's rate: a quarter round trip's acks read high after a receiver's stall (on the emulated
     * 500 Mbit/s link a connection's record once read 747 Mbit/s), while the window at the end of
     * a transfer is the equilibrium's, about the path's bandwidth-delay product.
     */
    @Override
    public long deliveryRateBitsPerSecond() {
        double rate = delivery.lastRoundsMaxBytesPerNano() * 8e9;
        return minRtt > 0 ? (long) Math.min(rate, window * 8e9 / minRtt) : (long) rate;
    }

    /** Whether the flow is still in its initial exponential ramp. */
    boolean inSlowStart() {
        return slowStart;
    }
}
