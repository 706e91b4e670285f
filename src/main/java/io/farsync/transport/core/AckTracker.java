package io.farsync.transport.core;

/**
 * The receive side of packet numbers: replay protection and acknowledgement scheduling.
 *
 * <p>Every authenticated packet number goes into a {@link RangeSet}; one already there, or
 * below the floor, is a duplicate or a replay and is dropped before decryption. The set is
 * bounded: past {@link #MAX_RANGES} ranges the oldest ones are forgotten and the floor rises
 * above them, so a packet delayed by more than a few thousand packets is dropped too, which
 * only costs a retransmission.
 *
 * <p>Acks are delayed (RFC 9000 section 13.2): sent after {@link #ACK_EVERY} ack-eliciting
 * packets or {@link #MAX_ACK_DELAY} after the first unacknowledged one, whichever comes first,
 * and at once when a packet arrives out of order, at most once per {@link #GAP_ACK_INTERVAL},
 * so the sender learns of loss quickly without an ack per packet. An ACK frame lists the
 * highest ranges (RFC 9000 section 19.3); older ones were reported in earlier frames.
 */
final class AckTracker {

    static final long MAX_ACK_DELAY = 2_000_000L;
    static final int ACK_EVERY = 8;
    static final long GAP_ACK_INTERVAL = 250_000L;
    static final int MAX_RANGES = 4096;
    static final int MAX_ACK_FRAME_RANGES = 64;

    private final RangeSet received = new RangeSet();
    private final long epoch;
    private long floor;
    private long largest = -1;
    private long largestReceivedAt;
    private boolean ackPending;
    private int elicitingSinceAck;
    private long ackDeadline = Long.MAX_VALUE;
    private long lastAckSent = Long.MIN_VALUE / 2;

    /** {@code epoch}: time zero of the receive timestamps reported in ACK frames. */
    AckTracker(long epoch) {
        this.epoch = epoch;
    }

    boolean isDuplicate(long packetNumber) {
        return packetNumber < floor || received.contains(packetNumber);
    }

    long largest() {
        return largest;
    }

    void onReceived(long pn, boolean ackEliciting, long now) {
        onReceived(pn, ackEliciting, now, now);
    }

    /**
     * Packet {@code pn} reached this host at {@code arrivedAt} and is processed at {@code now}:
     * the ACK's receive timestamp and delay count from the arrival, its deadline from now.
     */
    void onReceived(long pn, boolean ackEliciting, long arrivedAt, long now) {
        boolean outOfOrder = largest >= 0 && pn != largest + 1;
        received.add(pn, pn + 1);
        if (received.size() > MAX_RANGES) {
            received.removeFirst(received.size() - MAX_RANGES);
            floor = received.start(0);
        }
        if (pn > largest) {
            largest = pn;
            largestReceivedAt = arrivedAt;
        }
        if (!ackEliciting) {
            return;
        }
        if (!ackPending) {
            ackPending = true;
            ackDeadline = now + MAX_ACK_DELAY;
        }
        elicitingSinceAck++;
        if (elicitingSinceAck >= ACK_EVERY) {
            ackDeadline = now;
        } else if (outOfOrder) {
            ackDeadline = Math.min(ackDeadline, Math.max(now, lastAckSent + GAP_ACK_INTERVAL));
        }
    }

    boolean ackPending() {
        return ackPending;
    }

    /** When an ACK must go out; Long.MAX_VALUE if none is pending. */
    long ackDeadline() {
        return ackPending ? ackDeadline : Long.MAX_VALUE;
    }

    /**
     * Writes an ACK frame of at most {@code space} bytes at {@code pos}; returns the new position,
     * or {@code pos} if nothing was written (nothing received yet, or too little space).
     */
    int writeAck(byte[] buf, int pos, int space, long now) {
        if (received.isEmpty()) {
            return pos;
        }
        int top = received.size() - 1;
        long largestAcked = received.max() - 1;
        long delayMicros = Math.max(0, now - largestReceivedAt) / 1000;
        long stampMicros = Math.max(0, largestReceivedAt - epoch) / 1000;
        long firstLength = largestAcked - received.start(top);
        int fixed = 1 + VarInt.size(largestAcked) + VarInt.size(delayMicros) + VarInt.size(stampMicros)
                + 2 + VarInt.size(firstLength);
        if (fixed > space) {
            return pos;
        }
        // count the ranges that fit, then write them
        int used = fixed;
        int count = 1;
        for (int i = top - 1; i >= 0 && count < MAX_ACK_FRAME_RANGES; i--) {
            long gap = received.start(i + 1) - received.end(i) - 1;
            long length = received.end(i) - 1 - received.start(i);
            int size = VarInt.size(gap) + VarInt.size(length);
            if (used + size > space) {
                break;
            }
            used += size;
            count++;
        }
        buf[pos++] = Frames.ACK;
        pos = VarInt.write(buf, pos, largestAcked);
        pos = VarInt.write(buf, pos, delayMicros);
        pos = VarInt.write(buf, pos, stampMicros);
        pos = VarInt.write(buf, pos, count, 2);
        pos = VarInt.write(buf, pos, firstLength);
        for (int i = top - 1; i > top - count; i--) {
            // QUIC's encoding: the gap is the count of missing numbers minus one
            pos = VarInt.write(buf, pos, received.start(i + 1) - received.end(i) - 1);
            pos = VarInt.write(buf, pos, received.end(i) - 1 - received.start(i));
        }
        ackPending = false;
        elicitingSinceAck = 0;
        ackDeadline = Long.MAX_VALUE;
        lastAckSent = now;
        return pos;
    }
}
