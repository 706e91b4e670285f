package io.farsync.sync.snapshot;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One sync at a time per snapshot database: an exclusive lock on {@code <db>.lock} beside it,
 * held for the whole run. Two runs of the same session (overlapping cron jobs, a manual run
 * beside {@code --continuous}) would otherwise interleave their writes to one snapshot and each
 * trust records the other made mid-run.
 *
 * <p>The lock is an OS advisory lock ({@code fcntl} via {@link FileChannel#tryLock()}): it dies
 * with the process, so a killed run never leaves a stale lock behind, and the lock file itself
 * may stay. The JVM allows one lock per file per process, so locks held by this process are
 * also tracked in a set (in-process servers and tests run both endpoints in one JVM). The file
 * holds the holder's pid while it is held (emptied on release), for the error message and for
 * {@link #heldBy}, which tells {@code farsync admin} a running sync from a killed one.
 */
public final class SnapshotLock implements AutoCloseable {

    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();
    private static final long POLL_MILLIS = 50;

    private final Path file;
    private final FileChannel channel;

    private SnapshotLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** The lock file of the snapshot database {@code dbFile}. */
    public static Path fileFor(Path dbFile) {
        return dbFile.resolveSibling(dbFile.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code dbFile}'s session, or fails at once with
     * {@link ExitCode#SESSION_BUSY} naming {@code what} (e.g. "session 0123abcd") when another
     * run holds it.
     */
    public static SnapshotLock acquire(Path dbFile, String what) {
        SnapshotLock l = tryAcquire(dbFile);
        if (l == null) {
            throw busy(dbFile, what);
        }
        return l;
    }

    /**
     * Takes the lock of {@code dbFile}'s session, waiting for the run that holds it to end; says
     * so once through {@code note}. Polls: an OS file lock gives no wake-up that works both across
     * processes and within this one, and a sync ending a fraction of a second earlier than noticed
     * costs nothing.
     */
    public static SnapshotLock await(Path dbFile, String what, java.util.function.Consumer<String> note) {
        SnapshotLock l = tryAcquire(dbFile);
        if (l != null) {
            return l;
        }
        note.accept(busy(dbFile, what).getMessage().replaceFirst("; lock .*", "") + "; waiting for it to end");
        return poll(dbFile, what, Long.MAX_VALUE);
    }

    /**
     * Takes the lock, waiting at most {@code patience} for the run that holds it to end, then
     * fails as {@link #acquire} does. The server uses it: a client that starts the same sync again
     * right after the last one ended may arrive while the server's side of that run is still
     * closing its database.
     */
    public static SnapshotLock acquire(Path dbFile, String what, java.time.Duration patience) {
        SnapshotLock l = tryAcquire(dbFile);
        return l != null ? l : poll(dbFile, what, patience.toNanos());
    }

    /** Polls for the lock; gives up after {@code patienceNanos} (Long.MAX_VALUE: never). */
    private static SnapshotLock poll(Path dbFile, String what, long patienceNanos) {
        long start = System.nanoTime();
        SnapshotLock l;
        while ((l = tryAcquire(dbFile)) == null) {
            if (patienceNanos != Long.MAX_VALUE && System.nanoTime() - start > patienceNanos) {
                throw busy(dbFile, what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FarsyncException(ExitCode.SESSION_BUSY, "interrupted while waiting for " + what, e);
            }
        }
        return l;
    }

    /** Takes the lock, or returns null if another run holds it. */
    public static SnapshotLock tryAcquire(Path dbFile) {
        Path file = fileFor(dbFile.toAbsolutePath().normalize());
        if (!HELD_HERE.add(file)) {
            return null;
        }
        FileChannel ch = null;
        try {
            PrivateFiles.ensureOwnerOnly(file);
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                HELD_HERE.remove(file);
                return null;
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new SnapshotLock(file, ch);
        } catch (IOException e) {
            HELD_HERE.remove(file);
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // reporting the first failure
                }
            }
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pid of the process syncing {@code dbFile}'s session now, if any, without taking the
     * lock (taking it, even briefly, could make a sync starting at that moment fail): the pid in
     * the lock file, if that process is alive. A killed holder leaves its pid behind, so a pid
     * reused since by another process would be reported as holding it.
     */
    public static java.util.OptionalLong heldBy(Path dbFile) {
        Path file = fileFor(dbFile.toAbsolutePath().normalize());
        if (HELD_HERE.contains(file)) {
            return java.util.OptionalLong.of(ProcessHandle.current().pid());
        }
        String pid = holder(file);
        if (pid != null && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)) {
            return java.util.OptionalLong.of(Long.parseLong(pid));
        }
        return java.util.OptionalLong.empty();
    }

    /** The error for a session another run is syncing; names the holder's pid when known. */
    static FarsyncException busy(Path dbFile, String what) {
        Path file = fileFor(dbFile.toAbsolutePath().normalize());
        String pid = holder(file);
        return new FarsyncException(ExitCode.SESSION_BUSY, what + " is already being synced by another farsync run"
                + (pid == null ? "" : " (pid " + pid + ")") + "; lock " + file);
    }

    private static String holder(Path file) {
        try {
            String s = java.nio.file.Files.readString(file, StandardCharsets.US_ASCII).trim();
            return s.matches("[0-9]{1,10}") ? s : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Releases the lock. Idempotent. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            channel.truncate(0);
        } catch (IOException ignored) {
            // the pid stays; heldBy then checks whether that process lives
        }
        try {
            // closing the channel releases the lock
            channel.close();
        } catch (IOException ignored) {
            // the lock dies with the channel whatever close reports
        } finally {
            HELD_HERE.remove(file);
        }
    }
}
