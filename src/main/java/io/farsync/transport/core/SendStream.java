package io.farsync.transport.core;

/**
 * The sending half of a stream: bytes the application wrote, kept until acknowledged. New data
 * is sent once from {@code sentBelow} upwards; a packet declared lost puts its byte range back
 * into the {@code lost} set, minus whatever another packet already got acknowledged, and lost
 * ranges go out again (in new packets, QUIC style: RFC 9000 section 13.3) before new data.
 *
 * <p>Tail repeats. A lost packet is found by the acknowledgement of a later one; the last packets
 * before the stream falls idle have none, and wait for the probe timeout (about two round trips,
 * doubling when the probe is lost too). At 10 % loss the repair of the last window took several
 * such rounds, 7 to 10 % of a 100 MB transfer in the simulations at 100 ms. So a packet that
 * leaves the stream with nothing new or lost to send (the last of a burst, or a retransmission
 * at the tail) is queued to go once more, behind everything else: repeats only fill time the
 * stream would spend idle, and one is dropped as soon as its range is acknowledged. Both copies
 * are lost only 1 % of the time at 10 % loss. Only on a lossy path, or while the connection is
 * too young to tell ({@link #repeatTails}, decided by the connection): on a clean one a repeat is
 * pure overhead, and an application slower than the path (loopback) ends a burst at every write. The same idea as RACK-TLP's tail loss probe
 * (RFC 8985) sent at once rather than after a timer, and as the probes with data of RFC 9002
 * section 6.2.4.
 */
final class SendStream {

    /**
     * Written bytes not sent yet that the stream holds at most: 16 MiB, 13 ms at 10 Gbit/s and
     * 270 ms at 500 Mbit/s, so the pacer never waits for the application, which refills as each
     * batch goes out. The capacity is sized for what is in flight (a long path's bandwidth-delay
     * product, up to 512 MiB); without this bound an application faster than the path filled it
     * all with data that merely waited its turn: a 1 GiB loopback sync held 512 MiB here, ~0.6 GB
     * of chunks allocated, then copied by the collector while they waited (JFR allocation samples,
     * docs/PERFORMANCE.md "Loopback, session 4").
     */
    static final int MAX_UNSENT = 16 << 20;

    private final int capacity;
    private final int maxUnsent;
    private final ChunkedBuffer buffer = new ChunkedBuffer();
    private final RangeSet acked = new RangeSet();
    private final RangeSet lost = new RangeSet();
    /** Sent ranges to send once more when nothing else is left to send (see the class comment). */
    private final RangeSet repeat = new RangeSet();
    private boolean finRepeat;
    private boolean repeatTails;
    private long written;
    private long sentBelow;
    private long ackedBelow;
    private long finalSize = -1;
    private boolean finSent;
    private boolean finLost;
    private boolean finAcked;

    // the range chosen by the last next() call
    private long nextOffset;
    private int nextLength;
    private boolean nextFin;
    private boolean nextRetransmit;
    private boolean nextRepeat;
    private long nextMaxData;

    SendStream(int capacity) {
        this(capacity, MAX_UNSENT);
    }

    SendStream(int capacity, int maxUnsent) {
        this.capacity = capacity;
        this.maxUnsent = maxUnsent;
    }

    /**
     * Buffers up to {@code len} bytes, as many as the send buffer has room for (unacknowledged
     * bytes within the capacity, unsent ones within {@link #MAX_UNSENT}); returns that count.
     */
    int write(byte[] b, int off, int len) {
        if (finalSize >= 0) {
            throw new IllegalStateException("stream already finished at " + finalSize);
        }
        int n = (int) Math.min(len, room());
        if (n <= 0) {
            return 0;
        }
        buffer.write(written, b, off, n);
        written += n;
        return n;
    }

    /** Bytes written to the stream so far. */
    long written() {
        return written;
    }

    /** Marks the end of the stream after the bytes written so far. Idempotent. */
    void finish() {
        if (finalSize < 0) {
            finalSize = written;
        }
    }

    boolean isFinished() {
        return finalSize >= 0;
    }

    int writableBytes() {
        return finalSize >= 0 ? 0 : (int) Math.max(0, room());
    }

    private long room() {
        return Math.min(capacity - (written - ackedBelow), maxUnsent - (written - sentBelow));
    }

    /** Whether written bytes wait for the peer's credit: {@code maxData} is reached and more is written. */
    boolean blockedByCredit(long maxData) {
        return sentBelow < written && sentBelow >= maxData;
    }

    /** Whether the stream has something to send under the peer's credit {@code maxData}. */
    boolean hasSendable(long maxData) {
        return !lost.isEmpty() || sentBelow < Math.min(written, maxData) || finNeedsSending() || !repeat.isEmpty()
                || (finRepeat && !finAcked);
    }

    private boolean finNeedsSending() {
        return finalSize >= 0 && !finAcked && sentBelow == finalSize && (!finSent || finLost);
    }

    /** Every written byte and the end of stream acknowledged. */
    boolean allAcked() {
        return finAcked && ackedBelow == finalSize;
    }

    /**
     * Chooses the next range to send, at most {@code maxLength} bytes, lost data first; read it
     * with {@link #nextOffset()} etc. and confirm with {@link #onSent}. Returns false if nothing.
     */
    boolean next(long maxData, int maxLength) {
        nextMaxData = maxData;
        nextRepeat = false;
        long limit = Math.min(written, maxData);
        if (!lost.isEmpty()) {
            nextOffset = lost.start(0);
            nextLength = (int) Math.min(lost.end(0) - nextOffset, maxLength);
            nextRetransmit = true;
        } else if (sentBelow < limit || finNeedsSending()) {
            nextOffset = sentBelow;
            nextLength = (int) Math.min(limit - sentBelow, maxLength);
            nextRetransmit = false;
        } else if (!repeat.isEmpty()) {
            nextOffset = repeat.start(0);
            nextLength = (int) Math.min(repeat.end(0) - nextOffset, maxLength);
            nextRetransmit = true;
            nextRepeat = true;
        } else if (finRepeat && !finAcked) {
            nextOffset = finalSize;
            nextLength = 0;
            nextRetransmit = true;
            nextRepeat = true;
        } else {
            return false;
        }
        nextFin = finalSize >= 0 && nextOffset + nextLength == finalSize;
        return true;
    }

    long nextOffset() {
        return nextOffset;
    }

    int nextLength() {
        return nextLength;
    }

    boolean nextFin() {
        return nextFin;
    }

    boolean nextRetransmit() {
        return nextRetransmit;
    }

    /** Whether the range chosen is a tail repeat (sent before, not known lost). */
    boolean nextRepeat() {
        return nextRepeat;
    }

    void copy(long offset, byte[] dst, int pos, int len) {
        buffer.read(offset, dst, pos, len);
    }

    /** Records that the range chosen by {@link #next} went out in a packet. */
    void onSent() {
        long end = nextOffset + nextLength;
        if (nextRepeat) {
            repeat.remove(nextOffset, end);
            if (nextFin) {
                finRepeat = false;
            }
            return;
        }
        if (nextRetransmit) {
            lost.remove(nextOffset, end);
        } else {
            sentBelow = end;
        }
        if (nextFin) {
            finSent = true;
            finLost = false;
        }
        boolean idleNow = repeatTails && lost.isEmpty() && sentBelow >= Math.min(written, nextMaxData) && !finNeedsSending();
        if (idleNow) {
            if (nextLength > 0) {
                repeat.add(nextOffset, end);
            }
            finRepeat |= nextFin;
        }
    }

    /** Whether packets that leave the stream idle are repeated (see the class comment): on lossy paths. */
    void repeatTails(boolean on) {
        repeatTails = on;
    }

    /**
     * Queues the oldest unacknowledged bytes, at most {@code maxLength}, to go again: the data a
     * probe timeout's probe carries (RFC 9002 section 6.2.4), so that the probe repairs what it
     * finds lost instead of only asking for an acknowledgement. Returns whether anything was queued.
     */
    boolean repeatOldestUnacked(int maxLength) {
        if (!lost.isEmpty() || !repeat.isEmpty()) {
            return true;
        }
        if (ackedBelow < sentBelow) {
            int i = acked.firstEndAbove(ackedBelow);
            long gapEnd = i < acked.size() ? Math.min(sentBelow, acked.start(i)) : sentBelow;
            repeat.add(ackedBelow, Math.min(gapEnd, ackedBelow + maxLength));
            return true;
        }
        if (finSent && !finAcked) {
            finRepeat = true;
            return true;
        }
        return false;
    }

    void onAcked(long offset, int length, boolean fin) {
        if (length > 0) {
            acked.add(offset, offset + length);
            lost.remove(offset, offset + length);
            repeat.remove(offset, offset + length);
            long newAckedBelow = acked.start(0) == 0 ? acked.end(0) : 0;
            if (newAckedBelow > ackedBelow) {
                ackedBelow = newAckedBelow;
                buffer.releaseBelow(ackedBelow);
            }
        }
        if (fin) {
            finAcked = true;
            finLost = false;
            finRepeat = false;
        }
    }

    void onLost(long offset, int length, boolean fin) {
        long cur = Math.max(offset, ackedBelow);
        long end = offset + length;
        int i = acked.firstEndAbove(cur);
        while (cur < end) {
            if (i >= acked.size() || acked.start(i) >= end) {
                lost.add(cur, end);
                break;
            }
            if (acked.start(i) > cur) {
                lost.add(cur, acked.start(i));
            }
            cur = Math.max(cur, acked.end(i));
            i++;
        }
        if (fin && !finAcked) {
            finLost = true;
        }
    }
}
