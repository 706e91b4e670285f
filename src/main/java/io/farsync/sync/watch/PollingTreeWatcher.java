package io.farsync.sync.watch;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Watching by walking: for file systems that deliver no events (NFS, SMB, FUSE), when the inotify
 * limit is exhausted, or on request. Each poll lstats every entry and keeps one 64-bit digest per
 * directory (the order-independent sum of a mixed hash of each entry's name, type, size, mtime,
 * mode and inode), so memory grows with the number of directories, not files, and never with
 * running time. A directory whose digest differs is reported as changed, as is one that appeared
 * or vanished.
 *
 * The interval adapts: at least the configured minimum, and at least ten times the last walk's
 * duration, so a huge tree costs at most ~10 % of one core.
 */
final class PollingTreeWatcher implements TreeWatcher {
    private static final Logger log = LoggerFactory.getLogger(PollingTreeWatcher.class);
    /** Digest of a directory that could not be listed. */
    private static final long UNREADABLE = 0x5eed_dead_beefL;

    private final Path root;
    private final Predicate<Path> excluded;
    private final ChangeListener listener;
    private final Duration minInterval;
    private final LongSupplier nanoClock;
    private final ThreadFactory threads;
    private ScheduledExecutorService scheduler;
    /** Confined to the polling thread after start(). */
    private Map<Path, Long> digests = Map.of();
    private volatile long intervalNanos;
    private volatile boolean closed;

    PollingTreeWatcher(Path root, Predicate<Path> excluded, ChangeListener listener, Duration minInterval,
            LongSupplier nanoClock, ThreadFactory threads) {
        this.root = Objects.requireNonNull(root, "root");
        this.excluded = Objects.requireNonNull(excluded, "excluded");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (minInterval.isNegative() || minInterval.isZero()) {
            throw new IllegalArgumentException("poll interval (" + minInterval + ") must be positive");
        }
        this.minInterval = minInterval;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.intervalNanos = minInterval.toNanos();
    }

    @Override
    public synchronized void start() throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("cannot watch " + root + ": not a directory");
        }
        digests = walk();
        scheduler = Executors.newSingleThreadScheduledExecutor(threads);
        scheduler.schedule(this::tick, intervalNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "polling every %.1f s", intervalNanos / 1e9);
    }

    private void tick() {
        try {
            pollOnce();
        } catch (RuntimeException e) {
            log.error("polling {} failed", root, e);
            listener.rescan(root, "polling failed");
        }
        synchronized (this) {
            if (!closed) {
                scheduler.schedule(this::tick, intervalNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** One poll: walks the tree, reports what differs from the last walk. */
    void pollOnce() {
        long t0 = nanoClock.getAsLong();
        Map<Path, Long> now = walk();
        long took = nanoClock.getAsLong() - t0;
        intervalNanos = Math.max(minInterval.toNanos(), 10 * took);
        Set<Path> all = new HashSet<>(digests.keySet());
        all.addAll(now.keySet());
        for (Path dir : all) {
            if (!Objects.equals(digests.get(dir), now.get(dir))) {
                listener.changed(dir);
            }
        }
        digests = now;
    }

    private Map<Path, Long> walk() {
        Map<Path, Long> result = new HashMap<>();
        Deque<Path> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty() && !closed) {
            Path dir = todo.pop();
            long digest = 0;
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    if (excluded.test(child)) {
                        continue;
                    }
                    BasicFileAttributes a;
                    try {
                        a = lstat(child);
                    } catch (IOException e) {
                        continue; // vanished between listing and lstat: the parent's digest changed anyway
                    }
                    digest += mix(child.getFileName().hashCode(), a);
                    if (a.isDirectory()) {
                        todo.push(child);
                    }
                }
            } catch (IOException | DirectoryIteratorException e) {
                digest = UNREADABLE;
            }
            result.put(dir, digest);
        }
        return result;
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static long mix(int nameHash, BasicFileAttributes a) {
        long h = nameHash;
        h = h * 31 + (a.isDirectory() ? 1 : a.isSymbolicLink() ? 2 : a.isRegularFile() ? 3 : 4);
        h = h * 31 + a.size();
        h = h * 31 + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        h = h * 31 + Objects.hashCode(a.fileKey());
        if (a instanceof PosixFileAttributes posix) {
            h = h * 31 + posix.permissions().hashCode();
        }
        return splitmix(h);
    }

    /** SplitMix64's finalizer: spreads each entry's bits so the sum of entries rarely collides. */
    private static long splitmix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
