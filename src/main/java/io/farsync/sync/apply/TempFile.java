package io.farsync.sync.apply;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.Checksum;
import io.farsync.sync.scan.IoReasons;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file being received: written under a hidden temp name next to its target, hashed as it is
 * written (with the sync's checksum), then either committed by {@link Applier#commit} or discarded by {@link #discard()}.
 */
public final class TempFile {

    private static final Logger log = LoggerFactory.getLogger(TempFile.class);

    final Path path;
    final Path target;
    final FileChannel channel;
    private final Checksum.Digest hash;
    private long written;
    private boolean open = true;
    private volatile boolean forced;

    TempFile(Path path, Path target, FileChannel channel, Checksum checksum) {
        this.path = path;
        this.target = target;
        this.channel = channel;
        this.hash = checksum.start();
    }

    /** Appends {@code data}; a full disk ends the sync ({@code DISK_FULL} naming the target). */
    public void write(byte[] data) throws EntryFailure {
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            discard();
            if (IoReasons.isDiskFull(e)) {
                throw new FarsyncException(ExitCode.DISK_FULL, "no space left on device writing " + target, e);
            }
            throw new EntryFailure(IoReasons.reason(e) + " writing " + target, e);
        }
        hash.update(data, 0, data.length);
        written += data.length;
    }

    public long written() {
        return written;
    }

    /** The checksum of everything written (call once, after the last write). */
    public byte[] digest() {
        return hash.finish();
    }

    /** Closes and deletes the temp file. Idempotent; never throws. */
    public void discard() {
        if (open) {
            open = false;
            try {
                channel.close();
            } catch (IOException ignored) {
                // deleting is what matters
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove temp file {}: {}", path, IoReasons.reason(e));
        }
    }

    /**
     * fsyncs the contents written so far. May run on another thread than the writes, after the
     * last one; lets a destination overlap the fsyncs of many files (they then share journal
     * commits).
     */
    public void force() throws IOException {
        channel.force(true);
        forced = true;
    }

    boolean forced() {
        return forced;
    }

    void close() throws IOException {
        if (open) {
            open = false;
            channel.close();
        }
    }

    /** The temp file's location (hidden name in the target's directory). */
    public Path path() {
        return path;
    }
}
