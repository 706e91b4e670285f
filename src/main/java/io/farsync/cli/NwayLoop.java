package io.farsync.cli;

import io.farsync.sync.watch.ChangeListener;
import io.farsync.sync.watch.TreeWatcher;
import io.farsync.sync.watch.WatchMode;
import io.farsync.sync.watch.Watchers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * {@code farsync nway JOB --continuous}: settles the job (rounds until one changes nothing), then
 * waits until a local endpoint's watcher reports a change or the scan interval passes (the only
 * way to hear of changes at remote endpoints), and settles again, until stopped. The sync's own
 * writes into a watched root wake it once more; that settle finds nothing to do and writes
 * nothing, so the loop goes idle again (no ping-pong). A settle that fails is reported and
 * retried at the next wake-up: a link that is down must not end the job.
 */
final class NwayLoop implements ChangeListener {
    private final List<Path> watched;
    private final Set<Path> excluded;
    private final Duration interval;
    private final PrintStream err;
    private final Object lock = new Object();
    private boolean changed;
    private boolean stopping;
    private final CountDownLatch stopped = new CountDownLatch(1);

    /**
     * @param watched  the local endpoints' roots
     * @param excluded paths below them that are farsync's own (state directories)
     */
    NwayLoop(List<Path> watched, Set<Path> excluded, Duration interval, PrintStream err) {
        this.watched = watched;
        this.excluded = excluded;
        this.interval = interval;
        this.err = err;
    }

    /** Settles with {@code settle} (its exit code is only reported) until {@link #stopAndWait}; returns 0. */
    int run(IntSupplier settle) {
        List<TreeWatcher> watchers = new ArrayList<>();
        try {
            for (Path root : watched) {
                try {
                    TreeWatcher w = Watchers.create(root.toAbsolutePath(), WatchMode.AUTO, excluded, this);
                    w.start();
                    watchers.add(w);
                } catch (IOException | RuntimeException e) {
                    err.println("farsync: cannot watch " + root + " (" + e.getMessage() + "); it is compared every "
                            + interval.toSeconds() + " s");
                }
            }
            while (true) {
                synchronized (lock) {
                    if (stopping) {
                        return 0;
                    }
                    changed = false;
                }
                try {
                    settle.getAsInt();
                } catch (RuntimeException e) {
                    // A round that fails as a whole (a link's session, an interrupted phase) is
                    // reported and tried again at the next wake-up, as a failing link is.
                    err.println("farsync: nway round failed: " + e.getMessage() + "; trying again in at most "
                            + interval.toSeconds() + " s");
                }
                synchronized (lock) {
                    long deadline = System.nanoTime() + interval.toNanos();
                    for (long left = interval.toNanos(); !changed && !stopping && left > 0; left = deadline - System.nanoTime()) {
                        lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            watchers.forEach(TreeWatcher::close);
            stopped.countDown();
        }
    }

    /** Asks the loop to stop after the settle in progress; waits for it (at most {@code timeout}). */
    boolean stopAndWait(Duration timeout) {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
        try {
            return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void changed(Path path) {
        wake();
    }

    @Override
    public void rescan(Path subtree, String reason) {
        wake();
    }

    @Override
    public void warning(String message) {
        err.println("farsync: " + message);
    }

    private void wake() {
        synchronized (lock) {
            changed = true;
            lock.notifyAll();
        }
    }
}
