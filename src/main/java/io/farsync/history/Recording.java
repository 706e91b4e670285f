package io.farsync.history;

import io.farsync.sync.SyncListener;
import io.farsync.sync.SyncResult;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The history of one running session: the engine reports to it as a {@link SyncListener}, the
 * daemon ends it with {@link #finish} or {@link #fail}. Listener calls only bump counters and
 * queue records for the history's writer thread; they never touch the database.
 */
public final class Recording implements SyncListener {
    /** The live rate is measured over at least this long, so it does not jump with each chunk. */
    static final long RATE_WINDOW_MILLIS = 1000;

    private final HistoryStore store;
    private final long id;
    private final Instant startedAt;
    private final String user;
    private final String peer;
    private final Direction direction;
    private final String path;

    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong unrecorded = new AtomicLong();
    private volatile long plannedFiles;
    private volatile long plannedBytes;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Runnable abort;
    private volatile String stopReason;

    // the rate window: bytes seen at two instants at least RATE_WINDOW_MILLIS apart (guarded by this)
    private long windowStartMillis;
    private long windowStartBytes;
    private long windowEndMillis;
    private long windowEndBytes;

    Recording(HistoryStore store, long id, Instant startedAt, String user, String peer, Direction direction, String path) {
        this.store = store;
        this.id = id;
        this.startedAt = startedAt;
        this.user = user;
        this.peer = peer;
        this.direction = direction;
        this.path = path;
        this.windowStartMillis = startedAt.toEpochMilli();
        this.windowEndMillis = windowStartMillis;
    }

    public long id() {
        return id;
    }

    @Override
    public void planned(long files, long bytes) {
        plannedFiles = files;
        plannedBytes = bytes;
    }

    @Override
    public void progress(long n) {
        bytes.addAndGet(n);
        store.bytesTransferred.add(n);
    }

    @Override
    public void entryDone(String entry, EntryAction action, long size) {
        if (action == EntryAction.TRANSFERRED) {
            files.incrementAndGet();
            store.filesTransferred.increment();
        } else if (action == EntryAction.DELETED) {
            deleted.incrementAndGet();
        }
        fileRecord(new FileRecord(id, store.now(), entry, size, action.name().toLowerCase(Locale.ROOT), "ok", null));
    }

    @Override
    public void entryFailed(String entry, String reason) {
        errors.incrementAndGet();
        fileRecord(new FileRecord(id, store.now(), entry, 0, "failed", "failed", reason));
    }

    private void fileRecord(FileRecord r) {
        if (!store.offer(r)) {
            unrecorded.incrementAndGet();
        }
    }

    /** A listener that reports to this recording and to {@code other}. */
    public SyncListener also(SyncListener other) {
        Recording self = this;
        return new SyncListener() {
            @Override
            public void planned(long f, long b) {
                self.planned(f, b);
                other.planned(f, b);
            }

            @Override
            public void progress(long n) {
                self.progress(n);
                other.progress(n);
            }

            @Override
            public void entryDone(String entry, EntryAction action, long size) {
                self.entryDone(entry, action, size);
                other.entryDone(entry, action, size);
            }

            @Override
            public void entryFailed(String entry, String reason) {
                self.entryFailed(entry, reason);
                other.entryFailed(entry, reason);
            }
        };
    }

    /**
     * Makes the session stoppable: {@code abort} tears its transport down (called from another
     * thread, at most once). Until then a stop request is only remembered and wins when the
     * session ends.
     */
    public void onStop(Runnable abort) {
        this.abort = abort;
        if (stopReason != null) {
            // the stop came between the session's start and now: honour it, or it would be lost
            abort.run();
        }
    }

    /** Asks the session to stop; the session then ends as {@link SessionStatus#ABORTED}. */
    public void stop(String reason) {
        stopReason = reason;
        Runnable a = abort;
        if (a != null) {
            a.run();
        }
    }

    /** Ends the session with the engine's totals: ok, or partial when some entries failed. */
    public void finish(SyncResult result) {
        end(result.errors().isEmpty() ? SessionStatus.OK : SessionStatus.PARTIAL, null,
                result.filesTransferred(), result.bytesTransferred(), result.filesDeleted(), result.errors().size());
    }

    /** Ends the session as failed with {@code message}, or as aborted if {@link #stop} was asked for. */
    public void fail(String message) {
        String stop = stopReason;
        end(stop != null ? SessionStatus.ABORTED : SessionStatus.FAILED, stop != null ? stop : message,
                files.get(), bytes.get(), deleted.get(), errors.get());
    }

    private void end(SessionStatus status, String error, long f, long b, long d, long e) {
        if (ended.compareAndSet(false, true)) {
            store.ended(this, new SessionRecord(id, startedAt, store.now(), user, peer, direction, path, status, f, b, d, e,
                    error, unrecorded.get()));
        }
    }

    SessionRecord started() {
        return new SessionRecord(id, startedAt, null, user, peer, direction, path, SessionStatus.RUNNING, 0, 0, 0, 0, null, 0);
    }

    /** The numbers so far; the rate covers at least the last {@value #RATE_WINDOW_MILLIS} ms. */
    synchronized LiveSession live(long nowMillis) {
        long b = bytes.get();
        if (nowMillis - windowEndMillis >= RATE_WINDOW_MILLIS) {
            windowStartMillis = windowEndMillis;
            windowStartBytes = windowEndBytes;
            windowEndMillis = nowMillis;
            windowEndBytes = b;
        }
        long span = nowMillis - windowStartMillis;
        double rate = span <= 0 ? 0 : (b - windowStartBytes) * 1000.0 / span;
        return new LiveSession(id, startedAt, user, peer, direction, path, files.get(), b, deleted.get(), errors.get(),
                plannedFiles, plannedBytes, rate);
    }
}
