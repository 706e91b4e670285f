package io.farsync.sync;

import io.farsync.sync.protocol.MessageCodec;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reused file-data chunks ({@link MessageCodec#MAX_CHUNK} bytes) for one conversation: the
 * source reads a file into one, its writer hands it back once framed into the stream; the
 * destination's reader reads a frame into one, the endpoint hands it back once written to disk.
 *
 * <p>Why: a new 256 KiB array per chunk made 1 GiB of garbage per GiB sent on each side (the JVM
 * zeroes every one, and the young collections copy whatever is still queued), measured with JFR
 * allocation samples on the loopback benchmark (docs/PERFORMANCE.md, "Loopback, session 4").
 * Shorter chunks (a file's tail, small files) are allocated to size and never pooled, so a
 * message's array length stays its data length. A chunk handed back must no longer be read by
 * anyone: the caller gives up its reference. Thread-safe.
 */
final class ChunkPool {

    private final ArrayBlockingQueue<byte[]> free;

    /** @param capacity chunks kept at most; beyond that, returned ones are left to the collector */
    ChunkPool(int capacity) {
        this.free = new ArrayBlockingQueue<>(capacity);
    }

    /** An array of exactly {@code size} bytes, pooled if {@code size} is a whole chunk; contents undefined. */
    byte[] take(int size) {
        if (size != MessageCodec.MAX_CHUNK) {
            return new byte[size];
        }
        byte[] b = free.poll();
        return b != null ? b : new byte[size];
    }

    /** Hands {@code chunk} back for reuse (ignored unless it is a whole chunk, or the pool is full). */
    void give(byte[] chunk) {
        if (chunk.length == MessageCodec.MAX_CHUNK) {
            free.offer(chunk);
        }
    }
}
