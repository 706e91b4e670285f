package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.Scanner;
import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source's scan of its whole tree, and the load of its records, begun on a thread of its own
 * before the session is up: the session's round trips (TCP, SSH key exchange, login: five at
 * least) and the peer's own start then hide it, instead of the first file waiting for it. On the
 * emulated 100 ms link, a first push of 10,000 files scanned for 2.2 s after the session was up
 * while the destination's lists had been waiting since 1.1 s (load 14; docs/PERFORMANCE.md,
 * "Session 6"); a re-sync of a large tree scans and loads for seconds.
 *
 * <p>{@link SourceEndpoint#scannedAhead} hands it to the run, which takes its result in place of
 * scanning. What it saw is as good as a scan made a second later: a file that changes after it is
 * caught as one that changes during the transfer (its size and mtime are checked again when read),
 * and the next run sees the rest. {@link #close} stops a scan nobody will use and waits for it,
 * so that nothing reads the tree or the database after the caller closed them.
 */
public final class AheadScan implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AheadScan.class);

    /** The scan, and the records it is compared with. */
    record Result(ScanResult scan, NavigableMap<String, Entry> recorded) {
    }

    private final Path root;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    /** Whether {@link #await} handed the result over: the records are then the run's to drop. */
    private final AtomicBoolean taken = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean closed;
    /** The run's reason to stop (its peer failed), once a run waits for the scan. */
    private volatile BooleanSupplier peerFailed = () -> false;

    private AheadScan(Path root, Path dbFile, CompletableFuture<SnapshotStore> store, SyncOptions options) {
        this.root = root.toAbsolutePath().normalize();
        Path db = dbFile.toAbsolutePath().normalize();
        this.thread = new Thread(() -> scan(db, store, options), "farsync-source-scan-ahead");
        // a daemon: a command that fails while the scan runs must still exit; close() waits for it
        thread.setDaemon(true);
    }

    /**
     * Starts scanning {@code root} now (the whole tree, with {@code options}' filter and extended
     * attributes, leaving out the database at {@code dbFile}), and loads the records from
     * {@code store}, that database being opened, once both are done: the scan does not wait for
     * SQLite's native library and the database to open (0.1-0.7 s of CPU, more under load).
     */
    public static AheadScan start(Path root, Path dbFile, CompletableFuture<SnapshotStore> store, SyncOptions options) {
        AheadScan s = new AheadScan(Objects.requireNonNull(root, "root"), Objects.requireNonNull(dbFile, "dbFile"),
                Objects.requireNonNull(store, "store"), Objects.requireNonNull(options, "options"));
        s.thread.start();
        return s;
    }

    Path root() {
        return root;
    }

    /** True once the scan has ended, with a result or a failure. */
    boolean isDone() {
        return result.isDone();
    }

    /**
     * Waits for the scan and returns it. While waiting, {@code peerFailed} stops it (it throws
     * {@link Scanner.Stopped}, as a scan of the run's own would). Throws the scan's failure.
     */
    Result await(BooleanSupplier peerFailed) {
        this.peerFailed = Objects.requireNonNull(peerFailed, "peerFailed");
        if (!taken.compareAndSet(false, true)) {
            throw new IllegalStateException("the scan ahead of " + root + " was already taken");
        }
        try {
            Result r = result.join();
            // the caller holds this scan until the command ends: keep no reference to a million
            // records the run has finished comparing with (the scan thread is done with it)
            result.obtrudeValue(null);
            return r;
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new FarsyncException(ExitCode.INTERNAL, "scan of " + root + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Stops the scan if it still runs and waits for its thread to end. Idempotent. */
    @Override
    public void close() {
        closed = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close} was called; if so the result is completed as cancelled. */
    private boolean cancelledByClose() {
        boolean stop = closed;
        if (stop) {
            result.completeExceptionally(new CancellationException("scan of " + root + " closed"));
        }
        return stop;
    }

    private void scan(Path dbFile, CompletableFuture<SnapshotStore> store, SyncOptions options) {
        try {
            long started = System.nanoTime();
            Scanner scanner = SourceEndpoint.scanner(dbFile, root, options).stopWhen(() -> closed || peerFailed.getAsBoolean());
            ScanResult scan = Scope.WHOLE.scan(scanner, root);
            // closed (a failed login, say): nobody will use it, skip loading the records (seconds
            // for a large tree); asked again once the database is open, which takes a moment too
            if (cancelledByClose()) {
                return;
            }
            SnapshotStore snapshot = store.join();
            if (cancelledByClose()) {
                return;
            }
            if (!snapshot.file().equals(dbFile)) {
                throw new IllegalArgumentException("scan ahead left out " + dbFile + ", not the database " + snapshot.file());
            }
            NavigableMap<String, Entry> recorded = Scope.WHOLE.load(snapshot, scan);
            log.debug("timeline: scanned {} entries ahead and loaded their records in {} ms", scan.entries().size(),
                    (System.nanoTime() - started) / 1_000_000);
            result.complete(new Result(scan, recorded));
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
        }
    }
}
