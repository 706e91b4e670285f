package io.farsync.sync;

import io.farsync.sync.scan.ReplicaDir;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * peer's job while the node's own job receives from another peer): a {@link FileLock} on
 * {@code receiving.lock} in the root's {@link ReplicaDir}, behind a lock for this JVM's threads
 * (a JVM holds a file lock once). It cannot deadlock: a session holds at most one such lock, its
 * own root's, and while it holds it, it only reads what its peer sends, and a sending pass waits
 * for no lock. Whole syncs are deliberately not serialized per root: a hub's spokes would then
 * queue, and a lock held at both ends of a session while waiting for the other end's would
 * deadlock mesh pairs (a-b at b waiting for b-c, b-c at c for a-c, a-c at a for a-b); the
 * version store copes with concurrent sessions instead (see {@code VersionStore}). The count of
 * active sessions ({@link #alone}) is this JVM's only.
 */
final class RootSessions {
    private static final Logger log = LoggerFactory.getLogger(RootSessions.class);
    private static final ConcurrentHashMap<Path, AtomicInteger> ACTIVE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Path, Receiving> RECEIVING = new ConcurrentHashMap<>();

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
    static Receiving receiving(Path root) {
        return RECEIVING.computeIfAbsent(root.toAbsolutePath().normalize(), Receiving::new);
    }

    /** The receiving turn on one root: this JVM's threads, then the processes on the machine. */
    static final class Receiving {
        private final Path root;
        private final ReentrantLock threads = new ReentrantLock();
        /** Open while this JVM holds the turn; closing it releases its {@link FileLock}. */
        private FileChannel channel;

        private Receiving(Path root) {
            this.root = root;
        }

        /** Waits for the turn; throws if the lock file cannot be opened or locked (nothing is held then). */
        void lock() throws IOException {
            threads.lock();
            if (threads.getHoldCount() > 1) {
                return;
            }
            try {
                channel = FileChannel.open(ReplicaDir.create(root).resolve("receiving.lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                channel.lock();
            } catch (IOException | RuntimeException e) {
                release();
                threads.unlock();
                throw e;
            }
        }

        void unlock() {
            if (threads.getHoldCount() == 1) {
                release();
            }
            threads.unlock();
        }

        /** Ends the turn across processes (closing the channel releases its lock); keeps the thread lock. */
        private void release() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                log.warn("cannot close {}: {}", root.resolve(ReplicaDir.NAME).resolve("receiving.lock"), e.toString());
            } finally {
                channel = null;
            }
        }
    }

    /** True if no other registered session uses {@code root}. */
    static boolean alone(Path root) {
        AtomicInteger n = ACTIVE.get(root.toAbsolutePath().normalize());
        return n == null || n.get() <= 1;
    }
}
