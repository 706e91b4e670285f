package io.farsync.transport.sim;

import java.util.TreeMap;

/**
 * A model of one bulk TCP CUBIC flow (RFC 9438, Linux's default) for the simulated link, so that
 * rate-control tests can check how farsync shares a bottleneck with the loss-based traffic it
 * meets in practice. It is a model, not a TCP: segments carry only a sequence number, nothing
 * is retransmitted (goodput counts the segments that arrived), and the receiver acknowledges
 * every segment by number ({@link TcpFlowModel}).
 * What it keeps of TCP is what decides the share: an unpaced window that grows by slow start,
 * then by CUBIC's cubic function of the time since the last reduction (with its Reno-friendly
 * region and fast convergence), and shrinks to beta = 0.7 of itself once per round trip in which
 * segments were lost (three later segments acknowledged, as RFC 9002's packet threshold), or to
 * one segment after a retransmission timeout.
 */
public final class CubicTcpFlow extends TcpFlowModel {

    private static final double C = 0.4;
    private static final double BETA = 0.7;
    private static final int INITIAL_WINDOW = 10;

    private final long startNanos;
    private long stopNanos = Long.MAX_VALUE;
    private boolean stopped;
    /** Outstanding segments: sequence number to send time. */
    private final TreeMap<Long, Long> outstanding = new TreeMap<>();
    private long nextSeq;
    private double cwnd = INITIAL_WINDOW;
    private double ssthresh = Double.MAX_VALUE;
    private double wMax;
    private double wLastMax;
    private double wEst;
    private double k;
    private long epochStart;
    private long recoveryUntilSeq = -1;
    private long srtt;
    private long lastProgress;
    private long reductions;

    /** A flow that starts sending at virtual time {@code startNanos}; add it with {@link Simulation#addAgent}. */
    public CubicTcpFlow(long startNanos) {
        this.startNanos = startNanos;
    }

    /** From virtual time {@code nanos} on, the flow sends nothing more, as if its transfer ended. */
    public CubicTcpFlow stopAt(long nanos) {
        stopNanos = nanos;
        return this;
    }

    /** Adds this flow to {@code sim}'s link. */
    public CubicTcpFlow addTo(Simulation sim) {
        attach(sim);
        return this;
    }

    /** Window reductions so far (loss episodes and timeouts). */
    public long reductions() {
        return reductions;
    }

    @Override
    void onAck(long seq, long now) {
        Long sent = outstanding.remove(seq);
        if (sent == null) {
            return;
        }
        lastProgress = now;
        long rtt = now - sent;
        srtt = srtt == 0 ? rtt : (7 * srtt + rtt) / 8;
        boolean lost = false;
        while (!outstanding.isEmpty() && outstanding.firstKey() < seq - REORDERING_THRESHOLD) {
            lost |= outstanding.pollFirstEntry().getKey() > recoveryUntilSeq;
        }
        if (lost) {
            reduce(now);
        } else if (seq > recoveryUntilSeq) {
            grow(now);
        }
    }

    private void grow(long now) {
        if (cwnd < ssthresh) {
            cwnd += 1;
            return;
        }
        double t = (now - epochStart + srtt) / 1e9;
        double target = C * Math.pow(t - k, 3) + wMax;
        cwnd += target > cwnd ? (target - cwnd) / cwnd : 0.01 / cwnd;
        wEst += 3 * (1 - BETA) / (1 + BETA) / cwnd;
        cwnd = Math.max(cwnd, wEst);
    }

    private void reduce(long now) {
        reductions++;
        recoveryUntilSeq = nextSeq - 1;
        wMax = cwnd < wLastMax ? cwnd * (1 + BETA) / 2 : cwnd;
        wLastMax = cwnd;
        cwnd = Math.max(2, cwnd * BETA);
        ssthresh = cwnd;
        wEst = cwnd;
        k = Math.cbrt(wMax * (1 - BETA) / C);
        epochStart = now;
    }

    @Override
    public boolean step(SimulatedLink link, long now) {
        boolean sent = sendAcks(link, now);
        if (now >= stopNanos) {
            stopped = true;
            outstanding.clear();   // the transfer ended: what is still in flight no longer matters
        }
        if (now < startNanos || stopped) {
            return sent;
        }
        if (!outstanding.isEmpty() && now >= rtoDeadline()) {
            outstanding.clear();
            reduce(now);
            cwnd = 1;
            lastProgress = now;
        }
        if (outstanding.isEmpty()) {
            lastProgress = now;
        }
        while (outstanding.size() < (long) cwnd) {
            outstanding.put(nextSeq, now);
            sendSegment(link, nextSeq++, now);
            sent = true;
        }
        return sent;
    }

    private long rtoDeadline() {
        return lastProgress + Math.max(MIN_RTO_NANOS, 2 * srtt);
    }

    @Override
    public long nextWakeupNanos() {
        if (base < 0 || stopped) {
            return Long.MAX_VALUE;
        }
        return outstanding.isEmpty() ? startNanos : Math.min(rtoDeadline(), stopNanos);
    }
}
