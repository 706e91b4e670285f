package io.farsync.sync.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/*
 * Turns a stream of change hints into batches (the idea of Syncthing's watchaggregator, much
 * simplified because the sync compares the whole tree anyway).
 *
 * A batch is due once no hint has arrived for the cooloff period, so a file is shipped only after
 * it stopped changing for that long and a burst of thousands of changes (an unpacked archive, a
 * directory rename seen as a delete plus thousands of creates) becomes one batch. A tree that
 * never quiets down is still synced: a batch is due at the latest maxDelay after its first hint.
 * A request (periodic scan, retry) wants a sync without being a change: it does not push the due
 * time back, but a batch that also has hints still waits for them to cool off.
 *
 * Memory is bounded: distinct paths are kept up to maxPaths, beyond that the batch collapses to
 * "the whole tree" and only hints are counted.
 */
public final class ChangeAggregator {

    /**
     * @param cooloff  quiet time after the last hint before a batch is released
     * @param maxDelay longest a batch waits after its first hint, however busy the tree
     * @param maxPaths distinct paths kept per batch before it collapses to the whole tree
     */
    public record Settings(Duration cooloff, Duration maxDelay, int maxPaths) {
        public static final int DEFAULT_MAX_PATHS = 10_000;

        public Settings {
            if (cooloff.isNegative()) {
                throw new IllegalArgumentException("cooloff (" + cooloff + ") must not be negative");
            }
            if (maxDelay.compareTo(cooloff) < 0) {
                throw new IllegalArgumentException("maxDelay (" + maxDelay + ") must be at least the cooloff (" + cooloff + ")");
            }
            if (maxPaths < 1) {
                throw new IllegalArgumentException("maxPaths (" + maxPaths + ") must be positive");
            }
        }

        /** Cooloff as given, max delay ten times it (at least 1 s), the default path limit. */
        public static Settings withCooloff(Duration cooloff) {
            Duration max = cooloff.multipliedBy(10);
            return new Settings(cooloff, max.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : max, DEFAULT_MAX_PATHS);
        }
    }

    private static final int MAX_REASONS = 8;

    private final Settings settings;
    private final LongSupplier nanoClock;
    private final Path root;

    // all guarded by this
    private final Set<Path> paths = new HashSet<>();
    private final Set<String> reasons = new LinkedHashSet<>();
    private boolean pending;
    private boolean wholeTree;
    private long hints;
    private long firstNanos;
    private boolean hinted;
    private long firstHintNanos;
    private long lastHintNanos;
    private boolean stopped;

    /** @param root the watched root: a rescan of it makes the batch whole-tree */
    public ChangeAggregator(Path root, Settings settings, LongSupplier nanoClock) {
        this.root = Objects.requireNonNull(root, "root");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** A hint: something at or below {@code path} changed. */
    public synchronized void changed(Path path) {
        hint(path);
    }

    /** Events under {@code subtree} were lost: compare it all again, once things are quiet. */
    public synchronized void rescan(Path subtree, String reason) {
        hint(subtree);
        if (subtree.equals(root)) {
            collapse();
        }
        addReason(reason);
    }

    /** Wants a sync soon (periodic scan, retry) without being a change itself. */
    public synchronized void request(String reason) {
        begin();
        addReason(reason);
        notifyAll();
    }

    private void hint(Path path) {
        long now = nanoClock.getAsLong();
        begin();
        if (!hinted) {
            hinted = true;
            firstHintNanos = now;
        }
        lastHintNanos = now;
        hints++;
        if (!wholeTree) {
            paths.add(path);
            if (paths.size() > settings.maxPaths()) {
                collapse();
            }
        }
        notifyAll();
    }

    private void begin() {
        if (!pending) {
            pending = true;
            firstNanos = nanoClock.getAsLong();
        }
    }

    private void collapse() {
        wholeTree = true;
        paths.clear();
    }

    private void addReason(String reason) {
        if (reasons.size() < MAX_REASONS) {
            reasons.add(reason);
        }
    }

    /** Nanoseconds until the pending batch is due: 0 if due now, {@link Long#MAX_VALUE} if nothing is pending. */
    public synchronized long nanosUntilDue() {
        if (!pending) {
            return Long.MAX_VALUE;
        }
        if (!hinted) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        long quietAt = lastHintNanos + settings.cooloff().toNanos();
        long latestAt = firstHintNanos + settings.maxDelay().toNanos();
        return Math.max(0, Math.min(quietAt - now, latestAt - now));
    }

    /** The pending batch if it is due; it is then no longer pending. Never blocks. */
    public synchronized Optional<Batch> poll() {
        return nanosUntilDue() == 0 ? Optional.of(take()) : Optional.empty();
    }

    /**
     * Blocks until a batch is due and returns it, or returns null once {@code deadlineNanos} (on
     * this aggregator's clock; {@link Long#MAX_VALUE} for none) has passed or {@link #stop()} was called.
     */
    public synchronized Batch await(long deadlineNanos) throws InterruptedException {
        while (!stopped) {
            long due = nanosUntilDue();
            if (due == 0) {
                return take();
            }
            long left = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - nanoClock.getAsLong();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(due, left));
        }
        return null;
    }

    /** Waits until {@code deadlineNanos} or {@link #stop()}, ignoring hints. Returns false if stopped. */
    public synchronized boolean pauseUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while (!stopped && (left = deadlineNanos - nanoClock.getAsLong()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return !stopped;
    }

    /** Wakes and ends every {@link #await} and {@link #pauseUntil}, now and later. Idempotent. */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    public synchronized boolean stopped() {
        return stopped;
    }

    private Batch take() {
        Batch b = new Batch(hints, paths, wholeTree, reasons, Duration.ofNanos(nanoClock.getAsLong() - firstNanos));
        pending = false;
        hinted = false;
        wholeTree = false;
        hints = 0;
        paths.clear();
        reasons.clear();
        return b;
    }

    /** Distinct paths held for the pending batch (for tests of the memory bound). */
    synchronized int pendingPaths() {
        return paths.size();
    }
}
