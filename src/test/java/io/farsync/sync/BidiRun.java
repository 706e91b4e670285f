package io.farsync.sync;

import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs two {@link BidiEndpoint}s against each other over in-memory pipes: {@code a} is SRC and
 * sends first (the client's role), {@code b} is DST. Snapshot databases live outside both trees.
 */
final class BidiRun {
    final Path a;
    final Path b;
    final Path aDb;
    final Path bDb;
    SyncOptions options = SyncOptions.defaults();
    ConflictPolicy policy = ConflictPolicy.KEEP_BOTH;
    SyncListener aListener = SyncListener.NONE;
    /** Runs at {@code a} after the passes' final scan, before its vectors are settled (another session may run there). */
    Runnable aBeforeSettle = () -> {
    };
    private final String hostA;
    private final String hostB;

    BidiRun(Path a, Path b, Path dbDir) {
        this(a, b, dbDir.resolve("a.db"), dbDir.resolve("b.db"), "hosta", "hostb");
    }

    /** One pair of an n-way setup: each root's snapshots for all its pairs share a directory (and so its version store). */
    BidiRun(Path a, Path b, Path aDb, Path bDb, String hostA, String hostB) {
        this.a = a;
        this.b = b;
        this.aDb = aDb;
        this.bDb = bDb;
        this.hostA = hostA;
        this.hostB = hostB;
    }

    /** Both endpoints' results, which must agree but for conflicts (counted by {@code a} only). */
    SyncResult runOk() throws Exception {
        MemoryPipe toB = new MemoryPipe(64 * 1024);
        MemoryPipe toA = new MemoryPipe(64 * 1024);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SnapshotStore sa = SnapshotStore.open(aDb); SnapshotStore sb = SnapshotStore.open(bDb)) {
            try {
                Future<SyncResult> fa = pool.submit(() -> {
                    try {
                        return new BidiEndpoint(a, sa, options, new BidiOptions(policy, true, hostA), true, aListener)
                                .beforeSettle(aBeforeSettle).run(toA.in, toB.out);
                    } finally {
                        toB.out.close();
                    }
                });
                Future<SyncResult> fb = pool.submit(() -> {
                    try {
                        return new BidiEndpoint(b, sb, options, new BidiOptions(policy, false, hostB), false, SyncListener.NONE)
                                .run(toB.in, toA.out);
                    } finally {
                        toA.out.close();
                    }
                });
                SyncResult ra = get(fa, "a");
                SyncResult rb = get(fb, "b");
                if (ra.filesTransferred() != rb.filesTransferred() || ra.filesDeleted() != rb.filesDeleted()
                        || !ra.errors().equals(rb.errors())) {
                    throw new AssertionError("endpoints disagree: a=" + ra + ", b=" + rb);
                }
                return ra;
            } finally {
                toB.close();
                toA.close();
                pool.shutdownNow();
                // before the stores close: an endpoint still running (a failed run) must not use them or write into tmp
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
    }

    private static SyncResult get(Future<SyncResult> f, String side) throws Exception {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("bidi sync failed at " + side + ": " + e.getCause(), e.getCause());
        }
    }
}
