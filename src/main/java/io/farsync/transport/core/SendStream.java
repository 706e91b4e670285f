package io.farsync.transport.core;

/**
 * The sending half of a stream: bytes the application wrote, kept until acknowledged. New data
 * is sent once from {@code sentBelow} upwards; a packet declared lost puts its byte range back
 * into the {@code lost} set, minus whatever another packet already got acknowledged, and lost
 * ranges go out again (in new packets, QUIC style: RFC 9000 section 13.3) before new data.
 */
final class SendStream {

    private final int capacity;
    private final ChunkedBuffer buffer = new ChunkedBuffer();
    private final RangeSet acked = new RangeSet();
    private final RangeSet lost = new RangeSet();
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

    SendStream(int capacity) {
        this.capacity = capacity;
    }

    /** Buffers up to {@code len} bytes, as many as the send buffer has room for; returns that count. */
    int write(byte[] b, int off, int len) {
        if (finalSize >= 0) {
            throw new IllegalStateException("stream already finished at " + finalSize);
        }
        int n = (int) Math.min(len, capacity - (written - ackedBelow));
        if (n <= 0) {
            return 0;
        }
        buffer.write(written, b, off, n);
        written += n;
        return n;
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
        return finalSize >= 0 ? 0 : (int) (capacity - (written - ackedBelow));
    }

    /** Whether the stream has something to send under the peer's credit {@code maxData}. */
    boolean hasSendable(long maxData) {
        return !lost.isEmpty() || sentBelow < Math.min(written, maxData) || finNeedsSending();
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
        if (!lost.isEmpty()) {
            nextOffset = lost.start(0);
            nextLength = (int) Math.min(lost.end(0) - nextOffset, maxLength);
            nextRetransmit = true;
        } else {
            long limit = Math.min(written, maxData);
            if (sentBelow < limit) {
                nextOffset = sentBelow;
                nextLength = (int) Math.min(limit - sentBelow, maxLength);
            } else if (finNeedsSending()) {
                nextOffset = sentBelow;
                nextLength = 0;
            } else {
                return false;
            }
            nextRetransmit = false;
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

    void copy(long offset, byte[] dst, int pos, int len) {
        buffer.read(offset, dst, pos, len);
    }

    /** Records that the range chosen by {@link #next} went out in a packet. */
    void onSent() {
        if (nextRetransmit) {
            lost.remove(nextOffset, nextOffset + nextLength);
        } else {
            sentBelow = nextOffset + nextLength;
        }
        if (nextFin) {
            finSent = true;
            finLost = false;
        }
    }

    void onAcked(long offset, int length, boolean fin) {
        if (length > 0) {
            acked.add(offset, offset + length);
            lost.remove(offset, offset + length);
            long newAckedBelow = acked.start(0) == 0 ? acked.end(0) : 0;
            if (newAckedBelow > ackedBelow) {
                ackedBelow = newAckedBelow;
                buffer.releaseBelow(ackedBelow);
            }
        }
        if (fin) {
            finAcked = true;
            finLost = false;
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
