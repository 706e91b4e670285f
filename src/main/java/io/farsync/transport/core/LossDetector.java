package io.farsync.transport.core;

/**
 * Sent-packet tracking and loss detection after RFC 9002 (sections 6 and 7): a packet is lost
 * once a packet sent {@code packetThreshold} (initially 3) packets later is acknowledged, or
 * once it is older than 9/8 of the RTT while a later one was acknowledged; a probe timeout
 * (PTO) with exponential backoff covers the tail, when no acknowledgement arrives at all.
 * Because random loss is not taken as a congestion signal here, there is no congestion window:
 * loss only triggers retransmission.
 *
 * <p>Reordering deeper than a threshold makes losses spurious: the "lost" packet is acknowledged
 * later. Each such event raises the threshold that declared it, the packet threshold to the
 * observed reordering depth, the time threshold by 1/8 RTT up to 2 RTT; RFC 9002 section 6.1
 * suggests adapting them, as RACK (RFC 8985) does with its reordering window. To notice, lost
 * packets stay tracked for two RTTs after they were sent.
 *
 * <p>Packets are kept in a ring indexed by packet number, since numbers are dense: one slot per
 * packet from the oldest retained to the newest, in parallel primitive arrays so that tracking
 * allocates nothing per packet. Loss detection scans only from the oldest packet in flight.
 */
final class LossDetector {

    /** What the connection needs to hear about a packet's fate. */
    interface Listener {
        void onPacketAcked(int flags, long streamOffset, int streamLength);

        void onPacketLost(int flags, long streamOffset, int streamLength);
    }

    static final int FLAG_ACK_ELICITING = 1;
    static final int FLAG_STREAM = 2;
    static final int FLAG_FIN = 4;
    static final int FLAG_MAX_DATA = 8;
    /** A path-MTU probe: its loss says the size does not pass, not that a packet was lost. */
    static final int FLAG_MTU_PROBE = 16;
    /** Larger than the base datagram size: its loss may reveal an MTU black hole. */
    static final int FLAG_LARGE = 32;

    private static final byte UNTRACKED = 0;
    private static final byte IN_FLIGHT = 1;
    private static final byte ACKED = 2;
    private static final byte LOST = 3;

    private static final int INITIAL_PACKET_THRESHOLD = 3;
    private static final int MAX_PACKET_THRESHOLD = 256;
    private static final int INITIAL_TIME_THRESHOLD_EIGHTHS = 9;
    private static final int MAX_TIME_THRESHOLD_EIGHTHS = 16;
    private static final int MAX_PTO_BACKOFF = 16;

    private final Listener listener;
    private final RttEstimator rtt;
    private final long peerMaxAckDelay;

    private byte[] state = new byte[1024];
    private byte[] flags = new byte[1024];
    private long[] timeSent = new long[1024];
    private long[] streamOffset = new long[1024];
    private int[] streamLength = new int[1024];
    /** Wire bytes of each ack-eliciting packet, for the bytes in flight. */
    private int[] wireSize = new int[1024];
    /** For a lost packet: the largest acked when it was declared lost, -1 if by the time threshold. */
    private long[] lostAtLargest = new long[1024];

    /** Oldest retained packet. */
    private long base;
    /** No packet below this one is in flight. */
    private long firstInFlight;
    private long next;
    private long largestAcked = -1;
    private int ackElicitingInFlight;
    private long bytesInFlight;
    private long lostBytes;
    private long lastAckElicitingSent;
    private long lossTime = Long.MAX_VALUE;
    private int ptoCount;
    private int packetThreshold = INITIAL_PACKET_THRESHOLD;
    private int timeThresholdEighths = INITIAL_TIME_THRESHOLD_EIGHTHS;
    private long packetsLost;
    private long spuriousLosses;

    // per-ACK-frame scratch
    private boolean largestNewlyAcked;
    private boolean ackElicitingNewlyAcked;
    private long newlyAckedBytes;
    private long largestNewlyAckedSent;

    LossDetector(Listener listener, RttEstimator rtt, long peerMaxAckDelay, long now) {
        this.lastAckElicitingSent = now;
        this.listener = listener;
        this.rtt = rtt;
        this.peerMaxAckDelay = peerMaxAckDelay;
    }

    long nextPacketNumber() {
        return next;
    }

    /** As {@link #onPacketSent(long, int, long, int, int)} for a packet that counts no bytes in flight. */
    long onPacketSent(long now, int packetFlags, long offset, int length) {
        return onPacketSent(now, packetFlags, offset, length, 0);
    }

    /**
     * Records packet {@code next()}; untracked packets (ack-only, close) just take their number.
     * An ack-eliciting packet adds {@code wireBytes} to the bytes in flight until it is acked or lost.
     */
    long onPacketSent(long now, int packetFlags, long offset, int length, int wireBytes) {
        long pn = next++;
        if (next - base > state.length) {
            grow();
        }
        int i = slot(pn);
        flags[i] = (byte) packetFlags;
        if ((packetFlags & FLAG_ACK_ELICITING) != 0) {
            state[i] = IN_FLIGHT;
            timeSent[i] = now;
            streamOffset[i] = offset;
            streamLength[i] = length;
            wireSize[i] = wireBytes;
            bytesInFlight += wireBytes;
            ackElicitingInFlight++;
            lastAckElicitingSent = now;
        } else {
            state[i] = UNTRACKED;
        }
        advanceBase(now);
        return pn;
    }

    int ackElicitingInFlight() {
        return ackElicitingInFlight;
    }

    long lastAckElicitingSent() {
        return lastAckElicitingSent;
    }

    /** Wire bytes of the ack-eliciting packets neither acknowledged nor declared lost. */
    long bytesInFlight() {
        return bytesInFlight;
    }

    /** Wire bytes of all packets declared lost so far (spurious losses included). */
    long lostBytes() {
        return lostBytes;
    }

    /** Wire bytes newly acknowledged by the last ACK frame (between {@link #beginAck} and {@link #endAck}). */
    long newlyAckedBytes() {
        return newlyAckedBytes;
    }

    /**
     * When the largest packet of the last ACK frame was sent, if that frame newly acknowledged it
     * (so the frame's receive timestamp belongs to a packet whose send time is known), else -1.
     */
    long largestNewlyAckedSentTime() {
        return largestNewlyAckedSent;
    }

    long largestAcked() {
        return largestAcked;
    }

    long packetsLost() {
        return packetsLost;
    }

    long spuriousLosses() {
        return spuriousLosses;
    }

    int packetThreshold() {
        return packetThreshold;
    }

    int timeThresholdEighths() {
        return timeThresholdEighths;
    }

    /** Starts processing one ACK frame. */
    void beginAck() {
        largestNewlyAcked = false;
        ackElicitingNewlyAcked = false;
        newlyAckedBytes = 0;
        largestNewlyAckedSent = -1;
    }

    /** Acknowledges packets {@code [low, high]} of the current ACK frame; high must be below next. */
    void ackRange(long low, long high, long largestInFrame) {
        for (long pn = Math.max(low, base); pn <= high; pn++) {
            // a packet may be acknowledged twice, in two ACK frames
            int i = slot(pn);
            byte s = state[i];
            if (s == IN_FLIGHT) {
                state[i] = ACKED;
                ackElicitingInFlight--;
                bytesInFlight -= wireSize[i];
                newlyAckedBytes += wireSize[i];
                ackElicitingNewlyAcked = true;
                if (pn == largestInFrame) {
                    largestNewlyAcked = true;
                }
                listener.onPacketAcked(flags[i], streamOffset[i], streamLength[i]);
            } else if (s == LOST) {
                state[i] = ACKED;
                spuriousLosses++;
                if (lostAtLargest[i] < 0) {
                    timeThresholdEighths = Math.min(MAX_TIME_THRESHOLD_EIGHTHS, timeThresholdEighths + 1);
                } else {
                    long depth = lostAtLargest[i] - pn + 1;
                    packetThreshold = (int) Math.min(MAX_PACKET_THRESHOLD, Math.max(packetThreshold, depth));
                }
                listener.onPacketAcked(flags[i], streamOffset[i], streamLength[i]);
            }
        }
    }

    /**
     * Finishes an ACK frame that reached this host at {@code ackArrivedAt}: RTT sample (ending at
     * the arrival, so that time the frame waited for this host to read it is not counted), loss
     * detection, timer reset. An arrival not after the packet's send (a receive stamp gone wrong,
     * such as across a step of the wall clock) ends the sample at {@code now} instead: a sample
     * of a nanosecond would stay the minimum RTT for the rest of the connection.
     *
     * <p>Losses are judged at the arrival too, on the same clock as the RTT they are measured
     * against: judged at {@code now}, a sender's I/O thread that read the ACK late (descheduled,
     * collecting) would count its own stall as time the holes waited, declaring them lost before
     * the threshold means, while a later ACK of the same backlog may still acknowledge them. The
     * loss timer ({@link #onTimeout}) still runs at {@code now}.
     */
    void endAck(long largest, long ackDelayNanos, long ackArrivedAt, long now) {
        if (largestNewlyAcked) {
            largestNewlyAckedSent = timeSent[slot(largest)];
            long end = ackArrivedAt > largestNewlyAckedSent ? ackArrivedAt : now;
            if (end > largestNewlyAckedSent) {
                rtt.onSample(end - largestNewlyAckedSent, ackDelayNanos, peerMaxAckDelay);
            }
        }
        if (largest > largestAcked) {
            largestAcked = largest;
        }
        if (ackElicitingNewlyAcked) {
            ptoCount = 0;
        }
        long judgedAt = Math.min(ackArrivedAt, now);
        detectLosses(judgedAt);
        advanceBase(judgedAt);
    }

    /** When loss detection or the PTO next needs {@link #onTimeout}, or Long.MAX_VALUE. */
    long timerDeadline() {
        if (lossTime != Long.MAX_VALUE) {
            return lossTime;
        }
        if (ackElicitingInFlight == 0) {
            return Long.MAX_VALUE;
        }
        return lastAckElicitingSent + (rtt.pto(peerMaxAckDelay) << Math.min(ptoCount, MAX_PTO_BACKOFF));
    }

    /** Runs the timer; returns true if the PTO fired and the caller should send probes. */
    boolean onTimeout(long now) {
        if (lossTime != Long.MAX_VALUE) {
            if (now >= lossTime) {
                detectLosses(now);
                advanceBase(now);
            }
            return false;
        }
        if (ackElicitingInFlight > 0 && now >= timerDeadline()) {
            ptoCount++;
            return true;
        }
        return false;
    }

    private void detectLosses(long now) {
        lossTime = Long.MAX_VALUE;
        if (largestAcked < 0) {
            return;
        }
        long lossDelay = Math.max(rtt.latest(), rtt.smoothed()) * timeThresholdEighths / 8;
        lossDelay = Math.max(lossDelay, RttEstimator.GRANULARITY);
        long lostSendTime = now - lossDelay;
        for (long pn = firstInFlight; pn < largestAcked; pn++) {
            int i = slot(pn);
            if (state[i] != IN_FLIGHT) {
                continue;
            }
            boolean byCount = largestAcked - pn >= packetThreshold;
            if (byCount || timeSent[i] <= lostSendTime) {
                state[i] = LOST;
                lostAtLargest[i] = byCount ? largestAcked : -1;
                ackElicitingInFlight--;
                bytesInFlight -= wireSize[i];
                lostBytes += wireSize[i];
                if ((flags[i] & FLAG_MTU_PROBE) == 0) {
                    packetsLost++;
                }
                listener.onPacketLost(flags[i], streamOffset[i], streamLength[i]);
            } else {
                lossTime = Math.min(lossTime, timeSent[i] + lossDelay);
            }
        }
    }

    private void advanceBase(long now) {
        while (firstInFlight < next && state[slot(firstInFlight)] != IN_FLIGHT) {
            firstInFlight++;
        }
        long forgetSentBefore = now - 2 * Math.max(rtt.smoothed(), rtt.latest());
        while (base < firstInFlight) {
            int i = slot(base);
            if (state[i] == LOST && timeSent[i] > forgetSentBefore) {
                break;
            }
            base++;
        }
    }

    private int slot(long pn) {
        return (int) (pn & (state.length - 1));
    }

    private void grow() {
        int n = state.length * 2;
        byte[] s = new byte[n];
        byte[] f = new byte[n];
        long[] t = new long[n];
        long[] o = new long[n];
        int[] l = new int[n];
        int[] w = new int[n];
        long[] la = new long[n];
        for (long pn = base; pn < next - 1; pn++) {
            int from = slot(pn);
            int to = (int) (pn & (n - 1));
            s[to] = state[from];
            f[to] = flags[from];
            t[to] = timeSent[from];
            o[to] = streamOffset[from];
            l[to] = streamLength[from];
            w[to] = wireSize[from];
            la[to] = lostAtLargest[from];
        }
        state = s;
        flags = f;
        timeSent = t;
        streamOffset = o;
        streamLength = l;
        wireSize = w;
        lostAtLargest = la;
    }
}
