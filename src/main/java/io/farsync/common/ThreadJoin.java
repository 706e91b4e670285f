package io.farsync.common;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Waiting for worker threads at a shutdown: a component's {@code close()} that returned while its
 * threads still wrote into a root or a database let callers delete or reuse them under the
 * threads' feet (a test's temp-dir cleanup did, on CI). One shared deadline bounds the wait, so a
 * stuck thread (a dead disk) delays the shutdown by the grace period, not forever; those still
 * alive then are logged.
 */
public final class ThreadJoin {
    private ThreadJoin() {
    }

    /**
     * A component's worker threads, each known until it ends, so that its {@code close()} can
     * wait for those still running ({@link #awaitAll}).
     */
    public static final class Workers {
        private final Set<Thread> running = ConcurrentHashMap.newKeySet();

        /** Starts {@code task} on a daemon thread named {@code name} (a worker must not keep the JVM up). */
        public void start(String name, Runnable task) {
            Thread t = new Thread(() -> {
                try {
                    task.run();
                } finally {
                    running.remove(Thread.currentThread());
                }
            }, name);
            t.setDaemon(true);
            running.add(t);
            t.start();
        }

        /** {@link ThreadJoin#all} for the workers running now. */
        public void awaitAll(Duration grace, Logger log) {
            all(running, grace, log);
        }

        /**
         * Waits, however long it takes, until the workers running now have ended (a component
         * that lets its work finish rather than stop it). Returns early, with the interrupt flag
         * set, if the caller is interrupted.
         */
        public void awaitAll() {
            for (Thread t : List.copyOf(running)) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Waits until every thread of {@code threads} (but the calling one) has ended or {@code grace}
     * has passed. Returns early, with the interrupt flag set, if the caller is interrupted.
     */
    private static void all(Collection<Thread> threads, Duration grace, Logger log) {
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread t : List.copyOf(threads)) {
            if (t == Thread.currentThread()) {
                continue;
            }
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("{} still running {} s after its shutdown began", t.getName(), grace.toSeconds());
            }
        }
    }

    /**
     * The same for executors (already shut down by the caller): waits, under one deadline of
     * {@code grace}, until each has terminated, and logs those that have not.
     */
    public static void executors(Map<String, ExecutorService> executors, Duration grace, Logger log) {
        long deadline = System.nanoTime() + grace.toNanos();
        for (Map.Entry<String, ExecutorService> e : executors.entrySet()) {
            try {
                if (!e.getValue().awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    log.warn("{} still running {} s after its shutdown began", e.getKey(), grace.toSeconds());
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
