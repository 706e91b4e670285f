package io.farsync.sync;

import io.farsync.common.InterProcessLock;
import io.farsync.sync.scan.ReplicaDir;
import java.io.IOException;
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
 * hub distributing to its spokes needs.
 *
 * <p>The receiving turn is taken across processes too (a mesh node's server receives from a
 * peer's job while the node's own job receives from another peer): an {@link InterProcessLock} on
 * {@code receiving.lock} in the root's {@link ReplicaDir}. It cannot deadlock: a session holds at
 * most one such lock, its own root's, and while it holds it, it only reads what its peer sends,
 * and a sending pass waits for no lock. Whole syncs are deliberately not serialized per root: a hub's spokes would then
 * queue, and a lock held at both ends of a session while waiting for the other end's would
 * deadlock mesh pairs (a-b at b waiting for b-c, b-c at c for a-c, a-c at a for a-b); the
 * version store copes with concurrent sessions instead (see {@code VersionStore}). The count of
 * active sessions ({@link #alone}) is this JVM's only.
 */
final class RootSessions {
    private static final ConcurrentHashMap<Path, AtomicInteger> ACTIVE = new ConcurrentHashMap<>();

    private RootSessions() {
    }

    /** A registration; closing it (once) ends it. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Registers a session on {@code root}; close the result when it ends. */
    static Registration enter(Path root) {
        Path key = key(root);
        ACTIVE.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return () -> {
            ACTIVE.computeIfPresent(key, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        };
    }

    /**
     * The lock a session holds while it receives into {@code root}: {@code receiving.lock} in its
     * replica directory, one per root whichever way the root is spelled.
     */
    static InterProcessLock receiving(Path root) throws IOException {
        return InterProcessLock.of(ReplicaDir.create(root).resolve("receiving.lock"));
    }

    /** The key of {@code root}: its real path (a symlink and its target are one root), else its normal form. */
    private static Path key(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return root.toAbsolutePath().normalize();
        }
    }

    /** True if no other registered session uses {@code root}. */
    static boolean alone(Path root) {
        AtomicInteger n = ACTIVE.get(key(root));
        return n == null || n.get() <= 1;
    }
}
