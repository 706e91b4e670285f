package io.farsync.common;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock held across the threads of this JVM and across processes on the machine: a
 * {@link FileLock} on a lock file, behind a lock for this JVM's threads. The JDK's file locks are
 * per process (a second {@code lock()} on the same file in one JVM throws
 * {@code OverlappingFileLockException} instead of waiting), so each lock file has one instance
 * per JVM, keyed by the real path of its directory: two spellings of one directory (a symlink and
 * its target) share it. Reentrant for the thread that holds it.
 *
 * <p>A file system without lock support ({@code ENOLCK}, e.g. NFS without lockd) still gets this
 * JVM's lock, with one warning: exclusion against other processes is then lost, which the warning
 * says, rather than every caller failing.
 */
public final class InterProcessLock {
    private static final Logger log = LoggerFactory.getLogger(InterProcessLock.class);
    private static final ConcurrentHashMap<Path, InterProcessLock> LOCKS = new ConcurrentHashMap<>();

    /** Takes the file lock on an open channel; tests replace it to act as a file system without locks. */
    interface Locker {
        void lock(FileChannel channel) throws IOException;
    }

    private final Path file;
    private final ReentrantLock threads = new ReentrantLock();
    private volatile Locker locker = FileChannel::lock;
    private volatile boolean warned;
    /** Open while this JVM holds the lock; closing it releases its {@link FileLock}. */
    private FileChannel channel;

    private InterProcessLock(Path file) {
        this.file = file;
    }

    /** This JVM's lock on {@code file}; its directory must exist (the file is created on the first {@link #lock}). */
    public static InterProcessLock of(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent().toRealPath();
        return LOCKS.computeIfAbsent(dir.resolve(file.getFileName()), InterProcessLock::new);
    }

    /** Test hook: how the file lock is taken. */
    InterProcessLock withLocker(Locker l) {
        this.locker = l;
        return this;
    }

    /** True while a thread of this JVM holds the lock, or has this JVM's part and waits for the file lock. */
    public boolean isLocked() {
        return threads.isLocked();
    }

    public Path file() {
        return file;
    }

    /** Waits for the lock; throws if the lock file cannot be opened (nothing is held then). */
    public void lock() throws IOException {
        threads.lock();
        if (threads.getHoldCount() > 1) {
            return;
        }
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            threads.unlock();
            throw e;
        }
        try {
            locker.lock(channel);
        } catch (IOException e) {
            // ENOLCK and the like: the file system cannot lock; keep this JVM's lock.
            if (!warned) {
                warned = true;
                log.warn("cannot lock {} ({}): other processes on this root are not kept out; "
                        + "roots on network file systems are not supported for --bidi", file, e.getMessage());
            }
        } catch (RuntimeException e) {
            release();
            threads.unlock();
            throw e;
        }
    }

    public void unlock() {
        if (threads.getHoldCount() == 1) {
            release();
        }
        threads.unlock();
    }

    /** Ends the lock across processes (closing the channel releases its lock); keeps the thread lock. */
    private void release() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.warn("cannot close {}: {}", file, e.toString());
        } finally {
            channel = null;
        }
    }
}
