package io.farsync.sync;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bidirectional sessions running in this JVM, per root. A hub of an n-way job serves several
 * spokes at once, so one root can receive through several sessions together; a receiving side's
 * scan removes engine temp files it finds (a killed run's leftovers), which would delete another
 * session's in-flight files. While more than one session uses a root, none removes them; the
 * next sync alone on that root does. And the receiving passes of sessions on one root take turns
 * ({@link #receiving}): a receiving side checks that a path still holds what it synced before it
 * replaces it (else it keeps that version aside), and two receivers interleaving between that check
 * and the rename would lose the first one's version. Sending passes run at once, which is what a
 * hub distributing to its spokes needs. (Sessions in different processes on one root are not seen.)
 */
final class RootSessions {
    private static final ConcurrentHashMap<Path, AtomicInteger> ACTIVE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock> RECEIVING = new ConcurrentHashMap<>();

    private RootSessions() {
    }

    /** A registration; closing it (once) ends it. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Registers a session on {@code root}; close the result when it ends. */
    static Registration enter(Path root) {
        Path key = root.toAbsolutePath().normalize();
        ACTIVE.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return () -> {
            ACTIVE.computeIfPresent(key, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        };
    }

    /** The lock a session holds while it receives into {@code root}. */
    static java.util.concurrent.locks.ReentrantLock receiving(Path root) {
        return RECEIVING.computeIfAbsent(root.toAbsolutePath().normalize(), k -> new java.util.concurrent.locks.ReentrantLock());
    }

    /** True if no other registered session uses {@code root}. */
    static boolean alone(Path root) {
        AtomicInteger n = ACTIVE.get(root.toAbsolutePath().normalize());
        return n == null || n.get() <= 1;
    }
}
