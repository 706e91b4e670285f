package io.farsync.sync.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Early writeback of a file being received: every {@link #WINDOW} bytes written, asks the kernel
 * to start writing them to disk ({@code sync_file_range(2)} with {@code SYNC_FILE_RANGE_WRITE}),
 * without waiting for it.
 *
 * <p>Why: a received file is made durable before its rename (an fsync, or {@link GroupSync}'s
 * syncfs). Left alone, the kernel starts writing a large file's dirty pages only after a delay,
 * so that barrier found most of the file still in memory: flushing 1 GiB after its last byte
 * arrived took 0.6-1.2 s on this project's machine, with nothing else to do meanwhile (rsync,
 * which does not fsync, never pays it). Started while the data arrives, the writing overlaps the
 * transfer and the barrier finds little left: 1 GiB written in 8 MiB steps, each handed to
 * writeback, then fsynced: the fsync took 0.01 s instead of 0.6-1.0 s, the writes no longer
 * (docs/PERFORMANCE.md, "Loopback, session 4"). It is only a hint: durability and write errors
 * still come from the barrier, so a failure here only turns the hint off for that file.
 *
 * <p>Goes through {@link NativeFiles} (the channel's descriptor, Linux): where that is not
 * available, {@link #written} does nothing. Small files never reach a window and cost nothing.
 * Not thread-safe: used by the thread writing the file.
 */
final class Writeback {

    private static final Logger log = LoggerFactory.getLogger(Writeback.class);
    /** Bytes handed to writeback at once: a few disk requests' worth, small against the page cache. */
    static final long WINDOW = 8L << 20;
    private static final int SYNC_FILE_RANGE_WRITE = 2;

    private final FileChannel channel;
    /** Bytes of the file before this offset were handed to writeback (or kept from before). */
    private long handed;
    private boolean off = !NativeFiles.available();

    Writeback(FileChannel channel) {
        this.channel = channel;
    }

    /** True where the hint works (Linux, the descriptor reachable). */
    static boolean available() {
        return NativeFiles.available();
    }

    /** The first {@code offset} bytes were there before this run: nothing to hand over for them. */
    void skip(long offset) {
        handed = offset;
    }

    /** The file now holds {@code total} bytes: hands the ones not yet handed over once they fill a window. */
    void written(long total) {
        if (off || total - handed < WINDOW) {
            return;
        }
        try {
            NativeFiles.syncFileRange(channel, handed, total - handed, SYNC_FILE_RANGE_WRITE);
            handed = total;
        } catch (IOException | RuntimeException | LinkageError e) {
            off = true;
            log.debug("early writeback off for this file: {}", e.toString());
        }
    }
}
