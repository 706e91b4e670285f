package io.farsync.transport.sim;

import java.util.TreeMap;

/**
 * A model of one bulk TCP BBR (version 1, as Linux's {@code tcp_bbr}) flow for the simulated
 * link, beside {@link CubicTcpFlow}: what {@code bench/fairness.sh} meets as iperf3 with
 * {@code bbr}. Like that model it retransmits nothing and is acknowledged segment by segment
 * ({@link TcpFlowModel}). What it keeps of BBR (Cardwell et al., "BBR:
 * congestion-based congestion control", ACM Queue 14(5), 2016; draft-cardwell-iccrg-bbr-
 * congestion-control-00) is what decides how it shares a bottleneck: the bottleneck bandwidth
 * as the highest delivery rate of the last 10 round trips, the propagation delay as the least
 * RTT of the last 10 s, pacing at a gain-cycled multiple of that bandwidth (startup 2.89, then
 * 1.25, 0.75 and six rounds at 1), a window of twice the estimated bandwidth-delay product,
 * ProbeRTT (4 segments for 200 ms when the least RTT is 10 s old), and no response to loss.
 */
public final class BbrTcpFlow extends TcpFlowModel {

    private static final double HIGH_GAIN = 2.885;
    private static final double CWND_GAIN = 2.0;
    private static final double[] CYCLE = {1.25, 0.75, 1, 1, 1, 1, 1, 1};
    private static final int BW_ROUNDS = 10;
    private static final long RTPROP_WINDOW_NANOS = 10_000_000_000L;
    private static final long PROBE_RTT_NANOS = 200_000_000L;
    private static final int MIN_CWND = 4;
    private static final int INITIAL_WINDOW = 10;

    private enum Mode { STARTUP, DRAIN, PROBE_BW, PROBE_RTT }

    /** What a segment carried at its sending, for a delivery-rate sample when it is acknowledged. */
    private record Sent(long time, long delivered, long deliveredTime) {
    }

    private final long startNanos;
    private final TreeMap<Long, Sent> outstanding = new TreeMap<>();
    private final double[] roundMax = new double[BW_ROUNDS];
    private Mode mode = Mode.STARTUP;
    private long nextSeq;
    private long delivered;
    private long deliveredTime;
    private long round;
    private long roundEndDelivered;
    /** Bottleneck bandwidth estimate, segments per nanosecond. */
    private double bw;
    private long rtProp = Long.MAX_VALUE;
    private long rtPropStamp;
    private double fullBw;
    private int fullBwRounds;
    private int cycleIndex;
    private long cycleStart;
    private long probeRttDone = -1;
    private long nextSend;
    private long lastProgress;

    /** A flow that starts sending at virtual time {@code startNanos}; add it with {@link #addTo}. */
    public BbrTcpFlow(long startNanos) {
        this.startNanos = startNanos;
    }

    /** Adds this flow to {@code sim}'s link. */
    public BbrTcpFlow addTo(Simulation sim) {
        attach(sim);
        return this;
    }

    @Override
    void onAck(long seq, long now) {
        Sent s = outstanding.remove(seq);
        if (s == null) {
            return;
        }
        // segments three behind an acknowledged one are lost: out of flight, never resent
        while (!outstanding.isEmpty() && outstanding.firstKey() < seq - REORDERING_THRESHOLD) {
            outstanding.pollFirstEntry();
        }
        delivered++;
        deliveredTime = now;
        lastProgress = now;
        long rtt = now - s.time();
        if (rtt <= rtProp || now - rtPropStamp > RTPROP_WINDOW_NANOS) {
            rtProp = rtt;
            rtPropStamp = now;
        }
        if (s.delivered() >= roundEndDelivered) {
            round++;
            roundEndDelivered = delivered;
            roundMax[(int) (round % BW_ROUNDS)] = 0;
            onRoundStart(now);
        }
        long interval = now - s.deliveredTime();
        if (interval > 0) {
            double rate = (double) (delivered - s.delivered()) / interval;
            int slot = (int) (round % BW_ROUNDS);
            roundMax[slot] = Math.max(roundMax[slot], rate);
        }
        bw = 0;
        for (double r : roundMax) {
            bw = Math.max(bw, r);
        }
        if (mode == Mode.DRAIN && outstanding.size() <= bdp()) {
            enterProbeBw(now);
        }
        if (mode == Mode.PROBE_BW && now - cycleStart > rtProp) {
            cycleIndex = (cycleIndex + 1) % CYCLE.length;
            cycleStart = now;
        }
        if (mode != Mode.PROBE_RTT && now - rtPropStamp > RTPROP_WINDOW_NANOS) {
            mode = Mode.PROBE_RTT;
            probeRttDone = now + PROBE_RTT_NANOS;
        }
        if (mode == Mode.PROBE_RTT && now >= probeRttDone) {
            rtPropStamp = now;
            enterProbeBw(now);
        }
    }

    private void onRoundStart(long now) {
        if (mode != Mode.STARTUP) {
            return;
        }
        if (bw >= 1.25 * fullBw) {
            fullBw = bw;
            fullBwRounds = 0;
        } else if (++fullBwRounds >= 3) {
            mode = Mode.DRAIN;
        }
    }

    private void enterProbeBw(long now) {
        mode = Mode.PROBE_BW;
        cycleIndex = 2;   // Linux starts at a random phase other than the 0.75 one
        cycleStart = now;
    }

    private double bdp() {
        return rtProp == Long.MAX_VALUE ? INITIAL_WINDOW : bw * rtProp;
    }

    private double pacingGain() {
        return switch (mode) {
            case STARTUP -> HIGH_GAIN;
            case DRAIN -> 1 / HIGH_GAIN;
            case PROBE_BW -> CYCLE[cycleIndex];
            case PROBE_RTT -> 1;
        };
    }

    private double cwnd() {
        if (mode == Mode.PROBE_RTT) {
            return MIN_CWND;
        }
        double gain = mode == Mode.PROBE_BW ? CWND_GAIN : HIGH_GAIN;
        return Math.max(MIN_CWND, bw == 0 ? INITIAL_WINDOW : gain * bdp());
    }

    /** Nanoseconds between segments at the pacing rate; the initial window goes out at once. */
    private long interval() {
        return bw == 0 ? 0 : (long) (1 / (pacingGain() * bw));
    }

    @Override
    public boolean step(SimulatedLink link, long now) {
        boolean sent = sendAcks(link, now);
        if (now < startNanos) {
            return sent;
        }
        if (deliveredTime == 0) {
            deliveredTime = now;
        }
        if (outstanding.isEmpty()) {
            lastProgress = now;
        } else if (now >= rtoDeadline()) {
            outstanding.clear();   // a whole window lost: nothing acknowledges, so time it out
            lastProgress = now;
        }
        while (outstanding.size() < (long) cwnd() && now >= nextSend) {
            outstanding.put(nextSeq, new Sent(now, delivered, deliveredTime));
            sendSegment(link, nextSeq++, now);
            nextSend = Math.max(nextSend, now - interval()) + interval();
            sent = true;
        }
        return sent;
    }

    private long rtoDeadline() {
        return lastProgress + Math.max(MIN_RTO_NANOS, 2 * (rtProp == Long.MAX_VALUE ? 0 : rtProp));
    }

    @Override
    public long nextWakeupNanos() {
        if (base < 0) {
            return Long.MAX_VALUE;
        }
        long timeout = outstanding.isEmpty() ? Long.MAX_VALUE : rtoDeadline();
        return outstanding.size() >= (long) cwnd() ? timeout : Math.min(timeout, Math.max(startNanos, nextSend));
    }
}
