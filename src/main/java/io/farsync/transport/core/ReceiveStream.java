package io.farsync.transport.core;

/**
 * The receiving half of a stream: reassembles data by offset and hands it to the application
 * in order. Flow control as in RFC 9000 section 4: the peer may send up to the credit we
 * advertised, {@code readOffset + window}; data beyond it is a protocol violation, so reassembly
 * memory stays within the window. Credit is re-advertised once reading has freed an eighth of
 * the window.
 */
final class ReceiveStream {

    private final int window;
    private final ChunkedBuffer buffer = new ChunkedBuffer();
    private final RangeSet received = new RangeSet();
    private long readOffset;
    private long finalSize = -1;
    private long advertised;
    private boolean discarding;

    /** {@code initialCredit}: what the peer may send before hearing our first credit update. */
    ReceiveStream(int window, long initialCredit) {
        this.window = window;
        this.advertised = initialCredit;
    }

    /** Takes in a STREAM frame; returns null, or what the peer did wrong. */
    String onData(long offset, byte[] src, int pos, int len, boolean fin) {
        long end = offset + len;
        if (end > advertised) {
            return "stream data up to offset " + end + " exceeds the flow-control credit " + advertised;
        }
        if (finalSize >= 0 && (end > finalSize || (fin && end != finalSize))) {
            return "stream data up to offset " + end + " contradicts the final size " + finalSize;
        }
        if (fin) {
            if (!received.isEmpty() && received.max() > end) {
                return "final size " + end + " is below data already received up to " + received.max();
            }
            finalSize = end;
        }
        if (end > readOffset && len > 0) {
            long from = Math.max(offset, readOffset);
            buffer.write(from, src, pos + (int) (from - offset), (int) (end - from));
            received.add(from, end);
            if (discarding) {
                readOffset = contiguousEnd();
                buffer.releaseBelow(readOffset);
            }
        }
        return null;
    }

    private long contiguousEnd() {
        return !received.isEmpty() && received.start(0) <= readOffset ? Math.max(received.end(0), readOffset) : readOffset;
    }

    /** Bytes readable now without blocking. */
    int available() {
        return (int) Math.min(Integer.MAX_VALUE, contiguousEnd() - readOffset);
    }

    /** Copies up to {@code len} in-order bytes; returns the count, 0 if none yet, -1 at end of stream. */
    int read(byte[] dst, int off, int len) {
        int n = Math.min(len, available());
        if (n == 0) {
            return len > 0 && isEof() ? -1 : 0;
        }
        buffer.read(readOffset, dst, off, n);
        readOffset += n;
        buffer.releaseBelow(readOffset);
        return n;
    }

    boolean isEof() {
        return finalSize >= 0 && readOffset >= finalSize;
    }

    /** The peer's whole stream arrived (it may not be read yet). */
    boolean isComplete() {
        return finalSize >= 0 && contiguousEnd() >= finalSize;
    }

    /** From now on data is dropped on arrival; flow-control credit keeps flowing. */
    void discard() {
        discarding = true;
        readOffset = contiguousEnd();
        buffer.releaseBelow(readOffset);
    }

    /** True when reading has freed enough room that the peer should hear about new credit. */
    boolean shouldUpdateCredit() {
        return finalSize < 0 && readOffset + window - advertised >= Math.max(1, window / 8);
    }

    /** Raises the advertised credit to {@code readOffset + window} and returns it. */
    long advertiseCredit() {
        advertised = Math.max(advertised, readOffset + window);
        return advertised;
    }

    long advertisedCredit() {
        return advertised;
    }
}
