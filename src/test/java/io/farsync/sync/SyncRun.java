package io.farsync.sync;

import io.farsync.sync.snapshot.SnapshotStore;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Runs a source and a destination endpoint against each other in two threads over a pair of
 * bounded in-memory pipes, with the snapshot databases outside both trees.
 */
final class SyncRun {

    /** What each side returned or threw. */
    record Result(SyncResult source, SyncResult destination, Throwable sourceError, Throwable destinationError) {
        SyncResult ok() {
            if (sourceError != null || destinationError != null) {
                AssertionError e = new AssertionError("sync failed: source=" + sourceError + ", destination=" + destinationError);
                if (sourceError != null) {
                    e.addSuppressed(sourceError);
                }
                if (destinationError != null) {
                    e.addSuppressed(destinationError);
                }
                throw e;
            }
            if (!source.equals(destination)) {
                throw new AssertionError("endpoints disagree: source=" + source + ", destination=" + destination);
            }
            return source;
        }
    }

    Path src;
    Path dst;
    Path srcDb;
    Path dstDb;
    SyncOptions options = SyncOptions.defaults();
    SyncListener sourceListener = SyncListener.NONE;
    SyncListener destinationListener = SyncListener.NONE;
    /** Wraps the source's outgoing stream (e.g. to corrupt it). */
    UnaryOperator<OutputStream> sourceOut = UnaryOperator.identity();
    /** Wraps the destination's outgoing stream. */
    UnaryOperator<OutputStream> destinationOut = UnaryOperator.identity();
    int pipeCapacity = 64 * 1024;
    /** What both endpoints compare. */
    Scope scope = Scope.WHOLE;
    /** The source's wall clock (nanoseconds since the epoch); null for the real one. */
    java.util.function.LongSupplier sourceWallClock;
    /** Runs at the source between working out the scope and scanning it; null for nothing. */
    Runnable sourceBeforeScan;
    /**
     * Set: the source's scan is begun before the run ({@link AheadScan}), handed to this first
     * (tests wait for it and change the tree), then to the source endpoint. Null: the run scans.
     */
    java.util.function.Consumer<AheadScan> scanAhead;
    /** The source's bound on entries awaiting the destination's answer; 0 for the default. */
    int sourceMaxAwaiting;
    /** How the destination fsyncs received files; null for the real fsync. */
    DestinationEndpoint.Fsync destinationFsync;
    /** The destination's writer threads for small files; negative for the default. */
    int destinationWriters = -1;

    SyncRun(Path src, Path dst, Path dbDir) {
        this.src = src;
        this.dst = dst;
        this.srcDb = dbDir.resolve("source.db");
        this.dstDb = dbDir.resolve("destination.db");
    }

    Result run() throws Exception {
        MemoryPipe toDst = new MemoryPipe(pipeCapacity);
        MemoryPipe toSrc = new MemoryPipe(pipeCapacity);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SnapshotStore s = SnapshotStore.open(srcDb); SnapshotStore d = SnapshotStore.open(dstDb)) {
            try {
                Future<SyncResult> source = pool.submit(() -> {
                    try {
                        SourceEndpoint endpoint = sourceWallClock == null ? new SourceEndpoint(src, s, options, sourceListener)
                                : new SourceEndpoint(src, s, options, sourceListener, sourceWallClock);
                        if (sourceBeforeScan != null) {
                            endpoint.beforeScan(sourceBeforeScan);
                        }
                        if (sourceMaxAwaiting > 0) {
                            endpoint.maxAwaiting(sourceMaxAwaiting);
                        }
                        if (scanAhead != null) {
                            AheadScan ahead = AheadScan.start(src, srcDb, java.util.concurrent.CompletableFuture.completedFuture(s), options);
                            try {
                                scanAhead.accept(ahead);
                            } catch (RuntimeException | Error e) {
                                ahead.close();    // the run that would close it never starts
                                throw e;
                            }
                            endpoint.scannedAhead(ahead);
                        }
                        return endpoint.scope(scope).run(toSrc.in, sourceOut.apply(toDst.out));
                    } finally {
                        toDst.out.close();
                    }
                });
                Future<SyncResult> destination = pool.submit(() -> {
                    try {
                        DestinationEndpoint endpoint = new DestinationEndpoint(dst, d, options, destinationListener).scope(scope);
                        if (destinationFsync != null) {
                            endpoint.fsyncWith(destinationFsync);
                        }
                        if (destinationWriters >= 0) {
                            endpoint.writerThreads(destinationWriters);
                        }
                        return endpoint.run(toDst.in, destinationOut.apply(toSrc.out));
                    } finally {
                        toSrc.out.close();
                    }
                });
                Object[] sr = outcome(source);
                Object[] dr = outcome(destination);
                return new Result((SyncResult) sr[0], (SyncResult) dr[0], (Throwable) sr[1], (Throwable) dr[1]);
            } finally {
                toDst.close();
                toSrc.close();
                pool.shutdownNow();
                // before the stores close: an endpoint still running (a failed run) must not use them or write into tmp
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A listener that notes the path of every entry done with {@code action}. */
    static SyncListener noting(SyncListener.EntryAction action, java.util.List<String> paths) {
        return new SyncListener() {
            @Override
            public void entryDone(String path, EntryAction done, long size) {
                if (done == action) {
                    paths.add(path);
                }
            }
        };
    }

    SyncResult runOk() throws Exception {
        return run().ok();
    }

    private static Object[] outcome(Future<SyncResult> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            return new Object[] {f.get(120, TimeUnit.SECONDS), null};
        } catch (ExecutionException e) {
            return new Object[] {null, e.getCause()};
        }
    }
}
