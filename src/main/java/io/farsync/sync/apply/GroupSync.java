package io.farsync.sync.apply;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLibrary;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Stat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for received files: one {@code syncfs(2)} of the destination's file system makes
 * every file written before it began durable, instead of an {@code fsync} per file.
 *
 * <p>Why: adding 20,000 small files to a 200,000-file tree spent nearly all its time in per-file
 * fsyncs (JFR: 16 ms each at the median on this machine's disk, 32 at once sharing journal
 * commits still gave ~56 s), while one syncfs after writing 20,000 files took 0.22 s
 * (docs/PERFORMANCE.md). The crash-safety rule does not change: a file is renamed to its final
 * name only after a barrier that started after its last write has returned, so a crash leaves
 * either the old contents or the complete new ones under that name. Renames and deletes are made
 * durable the same way (one barrier instead of an fsync per directory).
 *
 * <p>One daemon thread runs the barriers: each takes every request made before it starts, so
 * requests that arrive while one runs are served by the next. A barrier for received files
 * ({@link #force}) waits until {@link #GATHER} of them are waiting or the oldest has waited
 * {@link #LINGER_NANOS}, whichever comes first; a {@link #request} (the destination waiting for
 * its renames to be durable before a snapshot commit) starts the next barrier at once, for
 * everything waiting. Why gather: without it the barriers followed the disk so closely that
 * adding 20,000 files of ~1 KB to a 200,000-file tree made 1,583 syncfs calls, one per ~13
 * files, each a journal commit of the whole file system (docs/PERFORMANCE.md, "Session 6: new
 * files"). The rule for a file is unchanged: it is served only by a barrier that started after
 * its request. Files and directories on another file system than the root (a
 * mount point inside the tree) are not covered: {@link #covers} tells the caller to fsync those
 * itself. Linux only, through JNA ({@link NativeFiles}: the JDK has no syncfs); {@link #open} returns null elsewhere.
 */
public final class GroupSync implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupSync.class);

    /** What one barrier does; tests count and hold them. */
    @FunctionalInterface
    interface Barrier {
        void sync() throws IOException;
    }

    private static final int O_RDONLY = 0;

    /** Received files that start a barrier without waiting for {@link #LINGER_NANOS}. */
    static final int GATHER = 128;
    /**
     * How long the oldest received file waits for others before a barrier starts anyway: well
     * inside the destination's 200 ms commit interval, so its acks are not delayed by it.
     */
    static final long LINGER_NANOS = 20_000_000L;

    private final Barrier barrier;
    private final long device;
    private final Runnable onClose;
    private final Object lock = new Object();
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    /** A {@link #request} is among {@link #waiting}: the next barrier starts without gathering. */
    private boolean urgent;
    /** When the oldest of {@link #waiting} was requested ({@code System.nanoTime()}). */
    private long oldestNanos;
    private final int gather;
    private final long lingerNanos;
    private boolean closed;
    private final Thread runner;
    /** {@link #coversNewFile}'s last directory and its answer. */
    private Path lastDir;
    private boolean lastDirCovered;

    GroupSync(Barrier barrier, long device, Runnable onClose) {
        this(barrier, device, onClose, GATHER, LINGER_NANOS);
    }

    /** With {@code gather} and {@code lingerNanos} instead of {@link #GATHER} and {@link #LINGER_NANOS} (tests). */
    GroupSync(Barrier barrier, long device, Runnable onClose, int gather, long lingerNanos) {
        this.barrier = barrier;
        this.gather = gather;
        this.lingerNanos = lingerNanos;
        this.device = device;
        this.onClose = onClose;
        // Daemon: a barrier stuck on a dead disk must not keep the JVM alive.
        this.runner = new Thread(this::run, "farsync-group-sync");
        runner.setDaemon(true);
        runner.start();
    }

    /** Barriers by syncfs on {@code root}'s file system, or null where syncfs is not available. */
    public static GroupSync open(Path root) {
        if (!NativeFiles.isLinux() || !reportsWritebackErrors(System.getProperty("os.version", ""))) {
            return null;
        }
        try {
            Entry r = Stat.lstatOrNull(root, ".");
            if (r == null || !r.isDirectory() || r.device() == 0) {
                return null;
            }
            String type = Files.getFileStore(root).type();
            if (!TRUSTED_FILE_SYSTEMS.contains(type)) {
                log.info("{} is on {}: received files are fsynced one by one", root, type);
                return null;
            }
            NativeFiles.LibC c = NativeFiles.libc();
            if (c == null) {
                log.info("no C library through JNA for {}: received files are fsynced one by one", root);
                return null;
            }
            NativeLibrary.getInstance("c").getFunction("syncfs"); // bound now, not at the first barrier
            int fd = c.open(root.toString(), O_RDONLY);
            GroupSync g = new GroupSync(() -> {
                try {
                    c.syncfs(fd);
                } catch (LastErrorException e) {
                    throw new IOException("syncfs of " + root + " failed (errno " + e.getErrorCode() + ")", e);
                }
            }, r.device(), () -> {
                try {
                    c.close(fd);
                } catch (LastErrorException e) {
                    log.debug("closing {}: errno {}", root, e.getErrorCode());
                }
            });
            return g;
        } catch (IOException | LastErrorException | LinkageError e) {
            log.info("syncfs not available for {} ({}); received files are fsynced one by one", root, e.toString());
            return null;
        }
    }

    /**
     * File systems whose syncfs persists every file's data and reports a failed write: local
     * ones. On FUSE (sshfs, ntfs-3g...) it may not reach the server's storage at all, and
     * network file systems have their own rules; those get an fsync per file.
     */
    static final java.util.Set<String> TRUSTED_FILE_SYSTEMS = java.util.Set.of("ext4", "xfs", "btrfs", "f2fs", "tmpfs");

    /** Linux 5.8 and later: before it syncfs did not report writeback errors, so a failed write went unseen. */
    static boolean reportsWritebackErrors(String osVersion) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(osVersion);
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 5 || (major == 5 && minor >= 8);
    }

    /** True if a barrier makes {@code path} (file or directory) durable: same file system as the root. */
    public boolean covers(Path path) {
        try {
            Entry e = Stat.lstatOrNull(path, ".");
            return e != null && e.device() == device;
        } catch (IOException ex) {
            return false;
        }
    }

    /**
     * True if a barrier makes {@code file}, a file this process just created, durable. Such a
     * file is on its directory's file system (only an existing file can be a mount point), so
     * the answer for the last directory asked about is reused: received files come directory by
     * directory, and this saves an lstat per file. The answer holds until {@link #forgetDirectories}:
     * a file system can be mounted onto the directory later in a long run. Called by one thread
     * (the destination's).
     */
    public boolean coversNewFile(Path file) {
        Path dir = file.getParent();
        if (!dir.equals(lastDir)) {
            lastDirCovered = covers(dir);
            lastDir = dir;
        }
        return lastDirCovered;
    }

    /**
     * Forgets what {@link #coversNewFile} learned: called at each commit, so that a file system
     * mounted onto a directory during a continuous run is seen within a commit interval (as
     * {@link OpenDirectories} stops trusting its open directories).
     */
    public void forgetDirectories() {
        lastDir = null;
    }

    /**
     * Completes once a barrier that started after this call has returned; fails with its error.
     * The next barrier starts at once (with whatever else is waiting): the caller waits for it.
     */
    public CompletableFuture<Void> request() {
        return enqueue(true);
    }

    /**
     * Completes once {@code temp}'s contents are durable; {@link Applier#commit} then skips its
     * fsync. Served by a barrier that started after this call, which may first wait for more
     * files ({@link #GATHER}, {@link #LINGER_NANOS}) or for a {@link #request}.
     */
    public CompletableFuture<Void> force(TempFile temp) {
        return enqueue(false).thenRun(temp::markForced);
    }

    private CompletableFuture<Void> enqueue(boolean now) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                f.completeExceptionally(new IOException("group sync closed"));
                return f;
            }
            if (waiting.isEmpty()) {
                oldestNanos = System.nanoTime();
            }
            waiting.add(f);
            urgent |= now;
            if (now || waiting.size() == 1 || waiting.size() >= gather) {
                lock.notifyAll();
            }
        }
        return f;
    }

    /** Waits (holding {@link #lock}) until a barrier is due: see the class comment. False: closed with nothing waiting. */
    private boolean awaitDue() {
        while (!closed) {
            long left = waiting.isEmpty() ? Long.MAX_VALUE : lingerNanos - (System.nanoTime() - oldestNanos);
            if (!waiting.isEmpty() && (urgent || waiting.size() >= gather || left <= 0)) {
                return true;
            }
            try {
                if (left == Long.MAX_VALUE) {
                    lock.wait();
                } else {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
        return !waiting.isEmpty();
    }

    private void run() {
        while (true) {
            List<CompletableFuture<Void>> batch;
            synchronized (lock) {
                if (!awaitDue()) {
                    break;
                }
                batch = waiting;
                waiting = new ArrayList<>();
                urgent = false;
            }
            try {
                barrier.sync();
                batch.forEach(f -> f.complete(null));
            } catch (IOException | RuntimeException e) {
                batch.forEach(f -> f.completeExceptionally(e));
            } catch (Error e) {
                // No barrier can be trusted after this: fail everything asked, and every later
                // request (closed), rather than leave callers waiting on a dead thread.
                IOException failed = new IOException("syncfs failed: " + e, e);
                batch.forEach(f -> f.completeExceptionally(failed));
                synchronized (lock) {
                    closed = true;
                    waiting.forEach(f -> f.completeExceptionally(failed));
                    waiting = new ArrayList<>();
                }
                break;
            }
        }
        onClose.run();
    }

    /** Serves what was requested, then stops. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
