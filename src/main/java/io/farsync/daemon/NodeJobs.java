package io.farsync.daemon;

import io.farsync.common.FarsyncException;
import io.farsync.common.ThreadJoin;
import io.farsync.history.Direction;
import io.farsync.history.HistoryStore;
import io.farsync.history.Recording;
import io.farsync.sync.PathJail;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync jobs this node runs on request of the console ({@code farsync server --run-jobs}): this
 * node logs in to another node with its own identity key and pushes a directory of its root there,
 * or pulls one into it. Each run is a session in this node's history (and in the other node's,
 * which serves it), stoppable like any other; a continuous job runs again every {@code every}
 * until it is stopped. Stopping the job or its running session ends both.
 *
 * <p>Jobs live in memory: a node restart forgets them (the console's schedule starts them again).
 */
public final class NodeJobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeJobs.class);

    /**
     * What the console asks for.
     *
     * @param localPath   a path inside this node's root
     * @param requestedBy the console user, recorded as the session's user on both nodes
     * @param every       for a continuous job, the pause between runs
     */
    public record Spec(String peerHost, int peerPort, String localPath, String remotePath, boolean push, boolean bidi,
            String conflict, long rateBps, String policy, boolean propagateDeletes, boolean continuous, Duration every,
            String requestedBy, String consoleJob) {
    }

    /** A job as the API shows it. {@code sessions}: its runs' history ids, oldest first. */
    public record View(long id, String state, Spec spec, List<Long> sessions, String lastStatus, String lastError) {
    }

    private static final int KEEP_FINISHED = 1000;

    private final Path root;
    private final HistoryStore history;
    private final OutboundSync sync;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
    /** Job threads still running; {@link #close()} waits for them. */
    private final ThreadJoin.Workers threads = new ThreadJoin.Workers();
    /** How long {@link #close()} waits for stopped jobs to wind down (abort their sessions, record the outcome). */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(15);
    /** Set by {@link #close()}; guarded by {@code this}, as is registering a job and its thread in {@link #start}. */
    private boolean closed;

    public NodeJobs(Path root, HistoryStore history, OutboundSync sync) {
        this.root = root;
        this.history = history;
        this.sync = sync;
    }

    /**
     * Starts a job in its own thread; throws (USAGE or PATH_ESCAPE) for a local path outside the root,
     * IllegalStateException once {@link #close()} has begun (close would neither stop nor wait for it).
     */
    public synchronized View start(Spec spec) {
        if (closed) {
            throw new IllegalStateException("the node is shutting down: no new job starts");
        }
        if (spec.continuous() && (spec.every() == null || spec.every().isNegative() || spec.every().isZero())) {
            throw new IllegalArgumentException("a continuous job needs a positive pause between runs");
        }
        Path local = PathJail.resolveInRoot(root, spec.localPath());
        Job job = new Job(ids.incrementAndGet(), spec, local);
        forgetOldJobs();
        jobs.put(job.id, job);
        // a daemon: a job must not keep the node from shutting down; close() stops it first
        threads.start("farsync-job-" + job.id, job::run);
        return job.view();
    }

    /** Finished jobs beyond the newest {@value #KEEP_FINISHED} are forgotten: the history keeps their sessions. */
    private void forgetOldJobs() {
        List<Long> finished = jobs.values().stream().filter(j -> !j.state.equals("running")).map(j -> j.id).sorted().toList();
        for (int i = 0; i < finished.size() - KEEP_FINISHED; i++) {
            jobs.remove(finished.get(i));
        }
    }

    public List<View> list() {
        List<View> out = new ArrayList<>();
        jobs.values().stream().sorted((a, b) -> Long.compare(b.id, a.id)).forEach(j -> out.add(j.view()));
        return out;
    }

    public Optional<View> get(long id) {
        return Optional.ofNullable(jobs.get(id)).map(Job::view);
    }

    /** Stops a job: its running session is aborted and no further run starts. Empty if there is no such job. */
    public Optional<View> stop(long id, String reason) {
        Job j = jobs.get(id);
        if (j == null) {
            return Optional.empty();
        }
        j.stop(reason);
        return Optional.of(j.view());
    }

    /**
     * Stops every job and waits (up to 15 s) for their threads to end, so that nothing writes into
     * the root or the history after this returns: close the history after this.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        jobs.values().forEach(j -> j.stop("the node is shutting down"));
        threads.awaitAll(CLOSE_GRACE, log);
    }

    private final class Job {
        final long id;
        final Spec spec;
        final Path local;
        final List<Long> sessions = new ArrayList<>();
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile String state = "running";
        final AtomicReference<String> stopping = new AtomicReference<>();
        volatile String stopReason;
        volatile Runnable abort;
        volatile Recording current;
        volatile String lastStatus;
        volatile String lastError;

        Job(long id, Spec spec, Path local) {
            this.id = id;
            this.spec = spec;
            this.local = local;
        }

        synchronized View view() {
            return new View(id, state, spec, List.copyOf(sessions), lastStatus, lastError);
        }

        void run() {
            String peer = spec.peerHost() + ":" + spec.peerPort();
            try (LogContext.Scope scope = LogContext.with(Map.of(LogContext.JOB, Long.toString(id), LogContext.PEER, peer))) {
                do {
                    runOnce(peer);
                } while (spec.continuous() && !awaitStop(spec.every()));
            } catch (RuntimeException e) {
                log.warn("job {} failed: {}", id, e.toString(), e);
                lastError = e.toString();
            } finally {
                state = stopReason != null ? "stopped" : "done";
            }
        }

        private void runOnce(String peer) {
            Recording rec = history.begin(spec.requestedBy(), peer, spec.push() || spec.bidi() ? Direction.SEND : Direction.RECEIVE,
                    spec.localPath());
            synchronized (this) {
                sessions.add(rec.id());
            }
            current = rec;
            rec.onStop(() -> stop("session stopped"));
            if (stopReason != null) {
                rec.fail(stopReason);
                return;
            }
            OutboundSync.Outcome o;
            try (LogContext.Scope scope = LogContext.with(Map.of(LogContext.HISTORY_ID, Long.toString(rec.id())))) {
                log.info("job {} run: {} {} {}:{}", id, spec.localPath(), spec.bidi() ? "<->" : spec.push() ? "->" : "<-", peer,
                        spec.remotePath());
                o = sync.run(new OutboundSync.Request(spec.peerHost(), spec.peerPort(), spec.requestedBy(), local, spec.remotePath(),
                        spec.push(), spec.bidi(), spec.conflict(), spec.rateBps(), spec.policy(), spec.propagateDeletes()), rec,
                        a -> {
                            abort = a;
                            // a stop between the check above and now found no abort to run: honour it here
                            if (stopReason != null) {
                                a.run();
                            }
                        });
            } catch (FarsyncException e) {
                o = new OutboundSync.Outcome(e.exitCode().code(), e.getMessage(), null);
            }
            abort = null;
            if (o.result() != null && (o.exitCode() == 0 || o.exitCode() == 1)) {
                rec.finish(o.result());
                lastStatus = o.exitCode() == 0 ? "ok" : "partial";
                lastError = o.error();
            } else {
                rec.fail(o.error());
                lastStatus = stopReason != null ? "aborted" : "failed";
                lastError = stopReason != null ? stopReason : o.error();
            }
            log.info("job {} run ended: {}{}", id, lastStatus, lastError == null ? "" : ": " + lastError);
        }

        /** Waits {@code d} for a stop; true if stopped. */
        private boolean awaitStop(Duration d) {
            try {
                return stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }

        void stop(String reason) {
            // the session's stop calls back here: only the first stop acts
            if (!stopping.compareAndSet(null, reason)) {
                return;
            }
            stopReason = reason;
            stopped.countDown();
            Runnable a = abort;
            if (a != null) {
                a.run();
            }
            Recording r = current;
            if (r != null) {
                r.stop(reason);
            }
        }
    }
}
