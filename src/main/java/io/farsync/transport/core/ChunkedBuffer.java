package io.farsync.transport.core;

/**
 * Bytes addressed by absolute stream offset, stored in fixed 32 KiB chunks that are allocated
 * when first written and recycled once the owner releases everything below them. Used for the
 * send buffer (written in order, released as acks arrive) and for reassembly on the receive
 * side (written anywhere inside the window, released as the application reads). Memory is
 * bounded by the span between the release point and the highest offset written, which the
 * callers bound by the send buffer and the flow-control window.
 */
final class ChunkedBuffer {

    static final int CHUNK_BITS = 15;
    static final int CHUNK = 1 << CHUNK_BITS;
    /**
     * Released chunks kept for reuse (8 MiB). An ack releases many chunks at once: with 16 kept,
     * a 1 GiB loopback transfer allocated (and zeroed, and collected) 1.3 GB of chunks (JFR
     * allocation samples); never more than the span the buffer already held at its peak.
     */
    private static final int MAX_SPARE = 256;

    private byte[][] chunks = new byte[4][];
    private long baseChunk;
    private final byte[][] spare = new byte[MAX_SPARE][];
    private int spareCount;

    /** Copies {@code len} bytes to {@code offset}, which must not be below the release point. */
    void write(long offset, byte[] src, int srcOff, int len) {
        if (offset >>> CHUNK_BITS < baseChunk) {
            throw new IllegalArgumentException("offset " + offset + " is below the released part");
        }
        while (len > 0) {
            byte[] chunk = chunkFor(offset >>> CHUNK_BITS);
            int in = (int) (offset & (CHUNK - 1));
            int n = Math.min(len, CHUNK - in);
            System.arraycopy(src, srcOff, chunk, in, n);
            offset += n;
            srcOff += n;
            len -= n;
        }
    }

    /** Copies {@code len} bytes from {@code offset}, which must have been written. */
    void read(long offset, byte[] dst, int dstOff, int len) {
        while (len > 0) {
            long chunkNo = offset >>> CHUNK_BITS;
            byte[] chunk = chunks[(int) (chunkNo & (chunks.length - 1))];
            int in = (int) (offset & (CHUNK - 1));
            int n = Math.min(len, CHUNK - in);
            System.arraycopy(chunk, in, dst, dstOff, n);
            offset += n;
            dstOff += n;
            len -= n;
        }
    }

    /** Frees every chunk that lies entirely below {@code offset}. */
    void releaseBelow(long offset) {
        long limit = offset >>> CHUNK_BITS;
        while (baseChunk < limit) {
            int slot = (int) (baseChunk & (chunks.length - 1));
            byte[] chunk = chunks[slot];
            if (chunk != null && spareCount < MAX_SPARE) {
                spare[spareCount++] = chunk;
            }
            chunks[slot] = null;
            baseChunk++;
        }
    }

    private byte[] chunkFor(long chunkNo) {
        while (chunkNo - baseChunk >= chunks.length) {
            grow();
        }
        int slot = (int) (chunkNo & (chunks.length - 1));
        byte[] chunk = chunks[slot];
        if (chunk == null) {
            chunk = spareCount > 0 ? spare[--spareCount] : new byte[CHUNK];
            chunks[slot] = chunk;
        }
        return chunk;
    }

    private void grow() {
        byte[][] bigger = new byte[chunks.length * 2][];
        for (long c = baseChunk; c < baseChunk + chunks.length; c++) {
            bigger[(int) (c & (bigger.length - 1))] = chunks[(int) (c & (chunks.length - 1))];
        }
        chunks = bigger;
    }
}
