package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.sync.BatchClient;
import io.farsync.sync.DeleteLimit;
import io.farsync.sync.Scope;
import io.farsync.sync.SyncResult;
import io.farsync.sync.watch.Batch;
import io.farsync.sync.watch.ChangeAggregator;
import io.farsync.sync.watch.ChangeListener;
import io.farsync.sync.watch.TreeWatcher;
import io.farsync.sync.watch.WatchMode;
import io.farsync.sync.watch.Watchers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * farsync sync --continuous: a sync per batch of changes, until stopped.
 *
 * The watcher (of a local source; a remote source's server sends hints instead) feeds a
 * ChangeAggregator; each released batch is synced by the Syncer, limited to the batch's paths
 * (a Scope) unless the whole tree was asked for (initial sync, periodic scan, retry, overflow).
 * One-way sync keeps one session across batches (PersistentSync); --bidi runs the whole one-time
 * sync through SyncRunner per batch. The snapshots on both sides make a sync cheap (only what
 * changed is sent) and safe after any failure (nothing done is sent again), so reconnecting is
 * just syncing again later over a new session.
 *
 * Batches limited to their hints are followed, once the tree has been quiet for twice the
 * cooloff (at least 2 s), by one whole-tree sync ("settling"): events are hints, and a hint with
 * a stale name (a watcher racing a directory rename) must not leave the trees apart for long.
 *
 * Changes seen while a sync runs stay in the aggregator and become the next batch: the running
 * sync may or may not have seen them, and a spare sync finds nothing to do.
 *
 * Failures: errors a retry can fix (peer unreachable, transfer broken, disk full) schedule a full
 * sync after an exponential backoff (1 s doubling to 60 s) and print one line per attempt; hints
 * arriving meanwhile wait for it. Entries that failed in a sync that otherwise worked get a
 * whole-tree retry after their own backoff, while batches of new hints go on meanwhile: under
 * churn most such failures are files that changed while sent, and their change is hinted anyway.
 * Errors only the user can fix (usage, authentication, host key, path escape, internal) end the
 * run with their exit code.
 */
final class ContinuousRunner {
    private static final Logger log = LoggerFactory.getLogger(ContinuousRunner.class);

    /**
     * @param cooloff      quiet time before a batch is synced
     * @param maxDelay     longest a batch waits for quiet
     * @param scanInterval full syncs this often; zero for none
     * @param watch        how to watch a local source
     * @param backoffMin   first retry delay after a failure
     * @param backoffMax   longest retry delay
     * @param stopGrace    how long a stop lets the running sync finish before aborting it
     */
    record Settings(Duration cooloff, Duration maxDelay, Duration scanInterval, WatchMode watch, Duration backoffMin,
            Duration backoffMax, Duration stopGrace) {
        static Settings defaults(Duration cooloff, Duration scanInterval, WatchMode watch) {
            ChangeAggregator.Settings a = ChangeAggregator.Settings.withCooloff(cooloff);
            return new Settings(cooloff, a.maxDelay(), scanInterval, watch, Duration.ofSeconds(1), Duration.ofSeconds(60),
                    Duration.ofSeconds(10));
        }

        Settings withBackoff(Duration min, Duration max) {
            return new Settings(cooloff, maxDelay, scanInterval, watch, min, max, stopGrace);
        }
    }

    /** Makes the watcher of a local source ({@link Watchers#create}; tests put a lossy one in between). */
    interface WatcherFactory {
        TreeWatcher create(Path root, WatchMode mode, Set<Path> excluded, ChangeListener listener) throws IOException;
    }

    /** Runs a batch's sync, and a way to abort it from another thread. */
    interface Syncer {
        /** Syncs {@code scope} (the batch's changed subtrees, or the whole tree); a syncer may widen it. */
        SyncRunner.Outcome sync(Progress progress, Scope scope);

        void abort(String reason);

        /** Ends whatever the syncer keeps open between batches; called once the loop is over. */
        default void close() {
        }

        /** Sessions opened so far; -1 if each sync opens its own. */
        default long sessions() {
            return -1;
        }

        /** Wire bytes of the last sync (a new session's handshake included); -1 if unknown. */
        default long lastWireBytes() {
            return -1;
        }

        /** Bytes the last sync retransmitted; -1 if unknown (then the outcome's transport has them). */
        default long lastRetransmittedBytes() {
            return -1;
        }
    }

    private final SyncRunner.Settings sync;
    private final Settings settings;
    private final FarsyncHome home;
    private final Syncer syncer;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean quiet;
    private final LongSupplier nanoClock;
    private final ChangeAggregator aggregator;
    private final Path watchedRoot;
    /** Stands for a remote source's root in the aggregator: the server's hints are relative to it. */
    private static final Path REMOTE_ROOT = Path.of("/");

    private final CountDownLatch finished = new CountDownLatch(1);
    /** A whole-tree sync was requested since the last batch was taken (set by the loop, and on a lost session). */
    private volatile boolean wholeRequested;
    private WatcherFactory watchers = Watchers::create;
    /** The last sync compared the whole tree (so the periodic scan can wait a full interval again). */
    private boolean lastWhole;
    private volatile ExitCode exit = ExitCode.OK;
    private volatile boolean syncing;
    private long syncs;
    /**
     * The error line of the latest pass that withheld deletes over --max-delete, until a whole-tree
     * pass withholds none; the run then ends with DELETE_LIMIT instead of OK.
     */
    private volatile String withheld;
    private final ContinuousTotals totals = new ContinuousTotals();
    /** Where to write the run's totals when it stops ({@code --stats-json}); null for nowhere. */
    private Path statsJson;
    /** The message of a fatal error that ended the run; null if none. */
    private String fatal;

    ContinuousRunner(SyncRunner.Settings sync, Settings settings, FarsyncHome home, Syncer syncer, PrintStream out,
            PrintStream err, boolean quiet, LongSupplier nanoClock) {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.home = Objects.requireNonNull(home, "home");
        this.syncer = Objects.requireNonNull(syncer, "syncer");
        this.out = out;
        this.err = err;
        this.quiet = quiet;
        this.nanoClock = nanoClock;
        // Bidirectional: the local side is watched (SRC if both are local); the other is found by the periodic syncs.
        Location watched = sync.bidi() != null && sync.source() instanceof Location.Remote ? sync.destination() : sync.source();
        this.watchedRoot = watched instanceof Location.Local l ? l.path().toAbsolutePath().normalize() : null;
        this.aggregator = new ChangeAggregator(watchedRoot != null ? watchedRoot : Path.of("/"),
                new ChangeAggregator.Settings(settings.cooloff(), settings.maxDelay(), ChangeAggregator.Settings.DEFAULT_MAX_PATHS),
                nanoClock);
    }

    /**
     * The runner the CLI uses: real syncs, real clock. One-way sync keeps one persistent session
     * ({@link PersistentSync}); bidirectional sync runs a whole one-time sync per batch.
     */
    static ContinuousRunner forCli(SyncRunner.Settings sync, Settings settings, FarsyncHome home, PrintStream out,
            PrintStream err, boolean quiet) {
        SyncRunner runner = new SyncRunner(home);
        if (sync.bidi() == null) {
            ContinuousRunner[] self = new ContinuousRunner[1];
            PersistentSync persistent = new PersistentSync(runner, sync, new BatchClient.HintListener() {
                @Override
                public void hinted(List<String> paths, boolean wholeTree) {
                    self[0].remoteHints(paths, wholeTree);
                }

                @Override
                public void warning(String message) {
                    err.println("farsync: warning: " + message);
                }

                @Override
                public void broken(String reason) {
                    self[0].remoteBroken(reason);
                }
            });
            self[0] = new ContinuousRunner(sync, settings, home, persistent, out, err, quiet, System::nanoTime);
            return self[0];
        }
        Syncer syncer = new Syncer() {
            @Override
            public SyncRunner.Outcome sync(Progress progress, Scope scope) {
                return runner.run(sync, progress);
            }

            @Override
            public void abort(String reason) {
                runner.abort(reason);
            }
        };
        return new ContinuousRunner(sync, settings, home, syncer, out, err, quiet, System::nanoTime);
    }

    /** A remote source's server saw changes at these paths (relative to its root). */
    private void remoteHints(List<String> paths, boolean wholeTree) {
        if (wholeTree) {
            aggregator.rescan(hintRoot(), "the server rescans");
        }
        for (String p : paths) {
            aggregator.changed(hintRoot().resolve(p));
        }
    }

    /** The persistent session broke while idle: sync soon, the retry then reconnects. */
    private void remoteBroken(String reason) {
        if (!aggregator.stopped()) {
            log.info("session lost while idle: {}", reason);
            wholeRequested = true;
            aggregator.request("reconnect");
        }
    }

    /** The root hints are given against: the watched root, or a stand-in for a remote source. */
    private Path hintRoot() {
        return watchedRoot != null ? watchedRoot : REMOTE_ROOT;
    }

    /**
     * The scope a batch covers: the whole tree for a requested sync (initial, periodic, retry) or
     * one with too many paths, else the changed paths relative to the root.
     */
    private Scope scopeOf(Batch batch, boolean requested) {
        if (requested || batch.wholeTree() || batch.hints() == 0) {
            return Scope.WHOLE;
        }
        Path root = hintRoot();
        List<String> rel = new ArrayList<>();
        for (Path p : batch.paths()) {
            Path n = p.toAbsolutePath().normalize();
            if (!n.startsWith(root) || n.equals(root)) {
                return Scope.WHOLE;
            }
            rel.add(root.relativize(n).toString().replace(java.io.File.separatorChar, '/'));
        }
        try {
            return Scope.of(rel);
        } catch (RuntimeException e) {
            // a name no wire path can carry: let the whole-tree sync report it
            return Scope.WHOLE;
        }
    }

    /**
     * Runs {@code farsync sync --continuous} in this thread until SIGTERM/SIGINT (exit 0) or an
     * error no retry can fix (its exit code).
     */
    static int runUntilSignalled(ContinuousRunner runner) {
        // The JVM's own exit status after a signal is 128+signal; halting from the hook, once the
        // runner has stopped cleanly, makes a requested stop a success.
        Thread hook = new Thread(() -> {
            runner.stopAndWait();
            Runtime.getRuntime().halt(runner.exit.code());
        }, "farsync-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return runner.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and will halt the JVM
            }
        }
    }

    /** Writes the run's totals to {@code file} when it stops (null: nowhere); call before {@link #run()}. */
    ContinuousRunner withStatsJson(Path file) {
        this.statsJson = file;
        return this;
    }

    /** Uses {@code factory} for the local watcher; call before {@link #run()}. */
    ContinuousRunner withWatchers(WatcherFactory factory) {
        this.watchers = Objects.requireNonNull(factory, "factory");
        return this;
    }

    /** Runs until {@link #stop()} or a fatal error; returns the exit code (0 after a stop). */
    int run() {
        long started = nanoClock.getAsLong();
        try {
            TreeWatcher watcher = startWatcher();
            try {
                loop(watcher != null || serverWatches());
            } finally {
                if (watcher != null) {
                    watcher.close();
                }
                syncer.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            String w = withheld;
            if (w != null && exit == ExitCode.OK) {
                err.println("farsync: deletes are still withheld by --max-delete (" + w + ")");
                exit = ExitCode.DELETE_LIMIT;
            }
            if (!quiet) {
                long sessions = syncer.sessions();
                out.println(time() + " stopped after " + syncs + " syncs"
                        + (sessions < 0 ? "" : " over " + sessions + (sessions == 1 ? " session" : " sessions")));
            }
            writeStats((nanoClock.getAsLong() - started) / 1e9);
            finished.countDown();
        }
        return exit.code();
    }

    private void writeStats(double seconds) {
        if (statsJson == null) {
            return;
        }
        String error = exit == ExitCode.OK ? null : exit == ExitCode.DELETE_LIMIT && fatal == null ? withheld : fatal;
        try {
            ContinuousTotals.write(statsJson, totals.summary(exit, error, seconds, syncer.sessions()));
        } catch (IOException e) {
            err.println("farsync: cannot write --stats-json " + statsJson + ": " + e.getMessage());
        }
    }

    private TreeWatcher startWatcher() {
        if (watchedRoot == null) {
            say(serverWatches() ? "source is remote: the server watches it and sends its changes over the session, cooloff "
                    + seconds(settings.cooloff()) + (settings.scanInterval().isZero() ? "" : ", full sync every " + seconds(settings.scanInterval()))
                    : "source is remote: syncing every " + seconds(unwatchedInterval()));
            return null;
        }
        Set<Path> excluded = new HashSet<>();
        excluded.add(home.dir());
        if (sync.destination() instanceof Location.Local d && !d.path().toAbsolutePath().normalize().equals(watchedRoot)) {
            // DST inside a watched SRC would echo our own writes; but with --bidi the watched side may be DST itself
            excluded.add(d.path().toAbsolutePath().normalize());
        }
        TreeWatcher watcher = null;
        try {
            watcher = watchers.create(watchedRoot, settings.watch(), excluded, new ChangeListener() {
                @Override
                public void changed(Path path) {
                    aggregator.changed(path);
                }

                @Override
                public void rescan(Path subtree, String reason) {
                    aggregator.rescan(subtree, reason);
                }

                @Override
                public void warning(String message) {
                    err.println("farsync: warning: " + message);
                }
            });
            watcher.start();
            say("watching " + watchedRoot + " (" + watcher.describe() + "), cooloff " + seconds(settings.cooloff())
                    + (settings.scanInterval().isZero() ? "" : ", full sync every " + seconds(settings.scanInterval())));
            return watcher;
        } catch (IOException | RuntimeException e) {
            if (watcher != null) {
                watcher.close();
            }
            err.println("farsync: warning: cannot watch " + watchedRoot + " (" + e.getMessage() + "); syncing every "
                    + seconds(unwatchedInterval()) + " instead");
            log.debug("watcher failed to start", e);
            return null;
        }
    }

    /** A remote source is watched by the server of a persistent session. */
    private boolean serverWatches() {
        return watchedRoot == null && syncer instanceof PersistentSync;
    }

    private Duration unwatchedInterval() {
        Duration fallback = Duration.ofNanos(Math.round(ContinuousOptions.DEFAULT_SCAN_UNWATCHED * 1e9));
        Duration s = settings.scanInterval();
        return s.isZero() || s.compareTo(fallback) > 0 ? fallback : s;
    }

    private void loop(boolean watching) throws InterruptedException {
        long interval = (watching ? settings.scanInterval() : unwatchedInterval()).toNanos();
        long backoff = settings.backoffMin().toNanos();
        // Entries that failed (mostly files changing or vanishing while sent) are retried with a
        // whole-tree sync after their own backoff, while batches of new hints go on meanwhile.
        long partialBackoff = backoff;
        long retryAt = Long.MAX_VALUE;
        // Once the tree is quiet after batches limited to their hints, one whole-tree sync: a
        // hint a watcher got wrong (a name it reported stale) cannot leave the trees apart.
        long settleDelay = Math.max(Duration.ofSeconds(2).toNanos(), 2 * settings.cooloff().toNanos());
        long settleAt = Long.MAX_VALUE;
        int failures = 0;
        boolean everSucceeded = false;
        long nextScan = interval == 0 ? Long.MAX_VALUE : nanoClock.getAsLong() + interval;
        wholeRequested = true;
        aggregator.request("initial sync");
        while (!aggregator.stopped()) {
            if (interval > 0 && nanoClock.getAsLong() - nextScan >= 0) {
                wholeRequested = true;
                aggregator.request("periodic scan");
                nextScan = nanoClock.getAsLong() + interval;
            }
            if (retryAt != Long.MAX_VALUE && nanoClock.getAsLong() - retryAt >= 0) {
                wholeRequested = true;
                aggregator.request("retry");
                retryAt = Long.MAX_VALUE;
            }
            if (settleAt != Long.MAX_VALUE && nanoClock.getAsLong() - settleAt >= 0) {
                // only when quiet: with hints pending, the next batch sets a new settling time
                if (aggregator.nanosUntilDue() == Long.MAX_VALUE) {
                    wholeRequested = true;
                    aggregator.request("settling");
                }
                settleAt = Long.MAX_VALUE;
            }
            Batch batch = aggregator.await(Math.min(nextScan, Math.min(retryAt, settleAt)));
            if (batch == null) {
                continue;
            }
            syncs++;
            SyncRunner.Outcome o = runOne(batch);
            if (aggregator.stopped()) {
                break;
            }
            if (o.exit() == ExitCode.OK || o.exit() == ExitCode.PARTIAL) {
                everSucceeded = true;
                failures = 0;
                backoff = settings.backoffMin().toNanos();
                if (interval > 0 && lastWhole) {
                    nextScan = nanoClock.getAsLong() + interval;
                }
                settleAt = lastWhole ? Long.MAX_VALUE : nanoClock.getAsLong() + settleDelay;
                if (o.exit() == ExitCode.OK) {
                    partialBackoff = backoff;
                    retryAt = Long.MAX_VALUE;
                } else {
                    say("retrying the failed entries in " + seconds(Duration.ofNanos(partialBackoff)));
                    retryAt = nanoClock.getAsLong() + partialBackoff;
                    partialBackoff = Math.min(partialBackoff * 2, settings.backoffMax().toNanos());
                }
                continue;
            }
            if (!retryable(o.exit(), everSucceeded)) {
                err.println("farsync: " + o.error());
                fatal = o.error();
                exit = o.exit();
                return;
            }
            failures++;
            if (o.exit() == ExitCode.DELETE_LIMIT) {
                withheld = o.error(); // an emptied source: every delete is withheld until it is back
            }
            err.println(time() + " sync #" + syncs + " failed (attempt " + failures + "): " + o.error() + "; retrying in "
                    + seconds(Duration.ofNanos(backoff)));
            if (!aggregator.pauseUntil(nanoClock.getAsLong() + backoff)) {
                break;
            }
            wholeRequested = true;
            aggregator.request("retry");
            backoff = Math.min(backoff * 2, settings.backoffMax().toNanos());
        }
    }

    private SyncRunner.Outcome runOne(Batch batch) {
        SyncRunner.Outcome o;
        boolean requested = wholeRequested;
        wholeRequested = false;
        syncing = true;
        Scope scope = scopeOf(batch, requested);
        lastWhole = scope.isWhole();
        try (Progress progress = new Progress(out, err, quiet, false, nanoClock)) {
            o = syncer.sync(progress, scope);
        } finally {
            syncing = false;
        }
        totals.add(o, syncer.lastWireBytes(), syncer.lastRetransmittedBytes());
        long held = 0;
        if (o.result() != null && (o.exit() == ExitCode.OK || o.exit() == ExitCode.PARTIAL)) {
            String line = null;
            for (String e : o.result().errors()) {
                if (DeleteLimit.withheldIn(e) > 0) {
                    line = e;
                    held = DeleteLimit.withheldIn(e);
                }
            }
            if (line != null) {
                withheld = line;
            } else if (scope.isWhole()) {
                withheld = null;
            }
        }
        if (o.result() != null && (o.exit() == ExitCode.OK || o.exit() == ExitCode.PARTIAL) && !quiet) {
            long wire = syncer.lastWireBytes();
            out.println(time() + " sync #" + syncs + " (" + describe(batch) + "): " + SyncCommand.summary(o)
                    + (held > 0 ? ", " + held + " deletes withheld" : "")
                    + (wire < 0 ? "" : "; " + Rates.bytes(wire) + " on the wire"));
        }
        return o;
    }

    static boolean retryable(ExitCode code, boolean everSucceeded) {
        return switch (code) {
            case OK, PARTIAL, UNREACHABLE, TRANSFER_FAILED, DISK_FULL, SESSION_BUSY -> true;
            // a source that vanished, emptied or became unreadable after working may be an unmounted disk
            case SOURCE_NOT_FOUND, PERMISSION_DENIED, DELETE_LIMIT -> everSucceeded;
            case USAGE, AUTH_FAILED, HOST_KEY_CHANGED, PATH_ESCAPE, INTERNAL -> false;
        };
    }

    /**
     * Asks the loop to end; a sync in progress is left to finish for the stop grace period, then
     * aborted (the destination discards its unfinished temp files). Returns once the loop ended,
     * or false if it did not within twice the grace period.
     */
    boolean stopAndWait() {
        stop();
        try {
            if (finished.await(settings.stopGrace().toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
            err.println("farsync: the running sync did not finish within " + seconds(settings.stopGrace()) + "; aborting it");
            syncer.abort("farsync was stopped");
            return finished.await(settings.stopGrace().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Asks the loop to end after the running sync (if any); does not wait. Idempotent. */
    void stop() {
        if (!aggregator.stopped() && !quiet) {
            out.println(time() + " stopping" + (syncing ? " after the running sync" : ""));
        }
        aggregator.stop();
    }

    private static String describe(Batch b) {
        if (b.hints() == 0) {
            return String.join(", ", b.reasons());
        }
        StringBuilder s = new StringBuilder();
        s.append(b.hints()).append(b.hints() == 1 ? " change" : " changes");
        if (b.wholeTree()) {
            s.append(", whole tree");
        } else if (b.paths().size() != b.hints()) {
            s.append(" to ").append(b.paths().size()).append(b.paths().size() == 1 ? " path" : " paths");
        }
        for (String r : b.reasons()) {
            s.append(", ").append(r);
        }
        return s.toString();
    }

    private void say(String line) {
        if (!quiet) {
            out.println(time() + " " + line);
        }
    }

    private static String time() {
        return LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
    }
}
