package io.farsync.sync.apply;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.Checksum;
import io.farsync.sync.scan.IoReasons;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
    /** The directory holding the temp file and its target, open since the temp file was created. */
    final DirectoryHandle dir;
    private final Checksum.Digest hash;
    private final Writeback writeback;
    private long written;
    private boolean open = true;
    /** Whether {@link #dir} is open: until the file is committed, kept for resuming or discarded. */
    private boolean dirOpen = true;
    private volatile boolean forced;
    /** Mode and mtime set by {@link Applier#finishContents} (maybe on another thread). */
    private volatile boolean finished;
    /** Renamed to its target: nothing is left under the temp name to delete. */
    private boolean renamed;

    /** True for a partial file, which outlives an interrupted run for the next one to resume. */
    private final boolean partial;

    TempFile(DirectoryHandle dir, String name, String targetName, FileChannel channel, Checksum checksum,
            boolean partial) {
        this.dir = dir;
        this.path = dir.path().resolve(name);
        this.target = dir.path().resolve(targetName);
        this.channel = channel;
        this.hash = checksum.start();
        this.writeback = new Writeback(channel);
        this.partial = partial;
    }

    /**
     * Keeps the first {@code offset} bytes already in the file (hashing them, since the checksum
     * covers the whole file), drops the rest, and appends from there.
     */
    void keepPrefix(long offset) throws IOException {
        if (channel.size() < offset) {
            throw new IOException("partial file holds " + channel.size() + " bytes, fewer than the " + offset + " to keep");
        }
        channel.truncate(offset);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(offset, 1), 1 << 20));
        long pos = 0;
        while (pos < offset) {
            buf.clear().limit((int) Math.min(buf.capacity(), offset - pos));
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new IOException("partial file ended at " + pos + " of " + offset + " bytes");
            }
            hash.update(buf.array(), 0, n);
            pos += n;
        }
        channel.position(offset);
        written = offset;
        writeback.skip(offset);
    }

    /** True for a partial file (see {@link io.farsync.sync.scan.TempNames#forPartial}). */
    public boolean partial() {
        return partial;
    }

    /**
     * After an interrupted transfer: closes a partial file and leaves it for the next run to
     * resume (true), or discards anything else, or a partial shorter than one block (false). Never throws.
     */
    public boolean keepForResume() {
        if (!partial || written < BlockHashes.BLOCK) {
            discard();
            return false;
        }
        if (open) {
            open = false;
            try {
                channel.close();
            } catch (IOException ignored) {
                // the next run verifies every block it offers anyway
            }
        }
        closeDir();
        return true;
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
        writeback.written(written);
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
        if (!dirOpen) {
            return;
        }
        if (renamed) {
            // no unlink of a name known to be gone: it cost a NoSuchFileException (a stack
            // trace) per received file (docs/PERFORMANCE.md, "Small files, session 4")
            closeDir();
            return;
        }
        try {
            dir.delete(path.getFileName().toString(), false);
        } catch (java.nio.file.NoSuchFileException gone) {
            // renamed into place, or never there
        } catch (IOException e) {
            log.warn("could not remove temp file {}: {}", path, IoReasons.reason(e));
        }
        closeDir();
    }

    private void closeDir() {
        if (!dirOpen) {
            return;
        }
        dirOpen = false;
        dir.closeQuietly();
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

    /** {@link Applier#finishContents} gave it its mode and mtime. */
    void markFinished() {
        finished = true;
    }

    boolean finished() {
        return finished;
    }

    /** It was renamed into place by {@link Applier#commit}. */
    void markRenamed() {
        renamed = true;
    }

    /** Its contents were made durable by other means than {@link #force()} ({@link GroupSync}). */
    void markForced() {
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

    /** The final name this file is renamed to once committed. */
    public Path target() {
        return target;
    }

    /** The temp file's location (hidden name in the target's directory). */
    public Path path() {
        return path;
    }
}
