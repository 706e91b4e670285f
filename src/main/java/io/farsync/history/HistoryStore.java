package io.farsync.history;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.SqliteFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transfer history of one server: a SQLite database (WAL) of sessions and the entries each
 * touched, plus the live view of the sessions running now.
 *
 * <p>Writes never happen on the caller's thread. {@link #begin} and the {@link Recording}s queue
 * rows for one writer thread, which commits whatever has queued up in one transaction (up to
 * {@value #BATCH} rows): a sync sending thousands of small files costs a queue insert per file,
 * not an fsync. The queue holds {@value #QUEUE} rows; when a slow disk lets it fill, per-file
 * rows are dropped and counted in the session's {@code filesUnrecorded} rather than slowing the
 * transfer. Session rows (start, end) always wait for room.
 *
 * <p>Reads go through a second connection and see committed rows; {@link #flush} waits until
 * everything queued so far is committed. All methods are thread-safe.
 */
public final class HistoryStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HistoryStore.class);
    static final int BATCH = 2000;
    static final int QUEUE = 65_536;
    private static final String COLUMNS = "id, started_at, ended_at, user, peer, direction, path, status, files, bytes, "
            + "deleted, errors, error, files_unrecorded";

    private final Path file;
    private final Clock clock;
    private final Connection writeDb;
    private final Connection readDb;
    private final BlockingQueue<Object> queue;
    private final Thread writer;
    private final AtomicLong nextId;
    private final Map<Long, Recording> running = new ConcurrentHashMap<>();
    private final List<Consumer<SessionRecord>> endListeners = new CopyOnWriteArrayList<>();
    final LongAdder bytesTransferred = new LongAdder();
    final LongAdder filesTransferred = new LongAdder();
    private volatile boolean closed;

    /** Asks the writer to count down once everything queued before it is committed. */
    private record Barrier(CountDownLatch done) {
    }

    /** A session row to update at the end. */
    private record Ended(SessionRecord session) {
    }

    private HistoryStore(Path file, Clock clock, Connection writeDb, Connection readDb, long lastId, int queueSize) {
        this.file = file;
        this.clock = clock;
        this.writeDb = writeDb;
        this.readDb = readDb;
        this.nextId = new AtomicLong(lastId);
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.writer = new Thread(this::writeLoop, "farsync-history-writer");
        // the daemon's exit must not wait for history; close() drains the queue on an orderly stop
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens or creates the history at {@code file}, creating its directory. */
    public static HistoryStore open(Path file) {
        return open(file, Clock.systemUTC(), QUEUE);
    }

    /**
     * Opens or creates the history at {@code file}. Sessions left running by a daemon that died
     * are marked {@link SessionStatus#INTERRUPTED}.
     *
     * @param clock     time of sessions and entries, and of the live rate
     * @param queueSize rows that may wait for the writer before per-file rows are dropped
     */
    public static HistoryStore open(Path file, Clock clock, int queueSize) {
        Path abs = file.toAbsolutePath().normalize();
        Connection w = null;
        Connection r = null;
        try {
            w = SqliteFiles.open(abs);
            try (Statement st = w.createStatement()) {
                // NORMAL: in WAL mode a power loss can lose the last commits but never corrupts;
                // history is not worth an fsync per batch on the server's disk.
                st.execute("PRAGMA synchronous=NORMAL");
                st.execute("CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, "
                        + "ended_at INTEGER, user TEXT NOT NULL, peer TEXT, direction TEXT NOT NULL, path TEXT NOT NULL, "
                        + "status TEXT NOT NULL, files INTEGER NOT NULL, bytes INTEGER NOT NULL, deleted INTEGER NOT NULL, "
                        + "errors INTEGER NOT NULL, error TEXT, files_unrecorded INTEGER NOT NULL)");
                st.execute("CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started_at)");
                st.execute("CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, "
                        + "time INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, action TEXT NOT NULL, "
                        + "result TEXT NOT NULL, error TEXT)");
                st.execute("CREATE INDEX IF NOT EXISTS files_session ON files (session_id, id)");
                int interrupted = st.executeUpdate("UPDATE sessions SET status = 'interrupted', "
                        + "error = 'the server stopped while the session was running' WHERE status = 'running'");
                if (interrupted > 0) {
                    log.warn("history {}: {} sessions were running when the server stopped", abs, interrupted);
                }
            }
            long lastId;
            try (Statement st = w.createStatement(); ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM sessions")) {
                lastId = rs.getLong(1);
            }
            w.setAutoCommit(false);
            r = SqliteFiles.open(abs);
            return new HistoryStore(abs, clock, w, r, lastId, queueSize);
        } catch (IOException | SQLException e) {
            closeQuietly(w);
            closeQuietly(r);
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot open the history database " + abs + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Starts recording a session; its row appears (status running) once the writer commits it,
     * its live numbers at once in {@link #running()}.
     */
    public Recording begin(String user, String peer, Direction direction, String path) {
        Recording r = new Recording(this, nextId.incrementAndGet(), now(), user, peer, direction, path);
        running.put(r.id(), r);
        put(r.started());
        return r;
    }

    /** Called with each session's final record once it ended (on the ending thread). */
    public void onSessionEnd(Consumer<SessionRecord> listener) {
        endListeners.add(listener);
    }

    /** The sessions running now, oldest first. */
    public List<LiveSession> running() {
        long now = clock.millis();
        return running.values().stream().map(r -> r.live(now)).sorted(Comparator.comparingLong(LiveSession::id)).toList();
    }

    /** A running session, to stop it. */
    public Optional<Recording> runningSession(long id) {
        return Optional.ofNullable(running.get(id));
    }

    /** File payload bytes and files transferred by sessions of this process, running ones included. */
    public long bytesTransferred() {
        return bytesTransferred.sum();
    }

    public long filesTransferred() {
        return filesTransferred.sum();
    }

    /** Sessions matching {@code q}, newest first; running sessions show their live numbers. */
    public Page<SessionRecord> search(HistoryQuery q) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.text() != null) {
            String like = "%" + q.text().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            where.append(" AND (s.path LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM files f WHERE f.session_id = s.id"
                    + " AND f.path LIKE ? ESCAPE '\\'))");
            args.add(like);
            args.add(like);
        }
        if (q.status() != null) {
            where.append(" AND s.status = ?");
            args.add(q.status().label());
        }
        if (q.user() != null) {
            where.append(" AND s.user = ?");
            args.add(q.user());
        }
        if (q.from() != null) {
            where.append(" AND s.started_at >= ?");
            args.add(q.from().toEpochMilli());
        }
        if (q.to() != null) {
            where.append(" AND s.started_at < ?");
            args.add(q.to().toEpochMilli());
        }
        synchronized (readDb) {
            try {
                long total;
                try (PreparedStatement ps = prepare("SELECT COUNT(*) FROM sessions s" + where, args); ResultSet rs = ps.executeQuery()) {
                    total = rs.getLong(1);
                }
                List<Object> pageArgs = new ArrayList<>(args);
                pageArgs.add(q.limit());
                pageArgs.add(q.offset());
                List<SessionRecord> items = new ArrayList<>();
                try (PreparedStatement ps = prepare("SELECT " + COLUMNS.replaceAll("(\\w+)", "s.$1") + " FROM sessions s" + where
                        + " ORDER BY s.started_at DESC, s.id DESC LIMIT ? OFFSET ?", pageArgs); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(withLive(session(rs)));
                    }
                }
                return new Page<>(items, total, q.limit(), q.offset());
            } catch (SQLException e) {
                throw failure("searching", e);
            }
        }
    }

    /** One session; empty when there is no such id (or its row is not committed yet). */
    public Optional<SessionRecord> session(long id) {
        synchronized (readDb) {
            try (PreparedStatement ps = prepare("SELECT " + COLUMNS + " FROM sessions WHERE id = ?", List.of(id));
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(withLive(session(rs))) : Optional.empty();
            } catch (SQLException e) {
                throw failure("reading session " + id, e);
            }
        }
    }

    /** The entries session {@code id} touched, in the order they were done. */
    public Page<FileRecord> files(long sessionId, int limit, int offset) {
        if (limit < 1 || limit > HistoryQuery.MAX_LIMIT || offset < 0) {
            throw new IllegalArgumentException("bad page: limit " + limit + ", offset " + offset);
        }
        synchronized (readDb) {
            try {
                long total;
                try (PreparedStatement ps = prepare("SELECT COUNT(*) FROM files WHERE session_id = ?", List.of(sessionId));
                        ResultSet rs = ps.executeQuery()) {
                    total = rs.getLong(1);
                }
                List<FileRecord> items = new ArrayList<>();
                try (PreparedStatement ps = prepare("SELECT session_id, time, path, size, action, result, error FROM files "
                        + "WHERE session_id = ? ORDER BY id LIMIT ? OFFSET ?", List.of(sessionId, limit, offset));
                        ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(new FileRecord(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getLong(4),
                                rs.getString(5), rs.getString(6), rs.getString(7)));
                    }
                }
                return new Page<>(items, total, limit, offset);
            } catch (SQLException e) {
                throw failure("reading the files of session " + sessionId, e);
            }
        }
    }

    /** Waits until everything queued before this call is committed. */
    public void flush() {
        CountDownLatch done = new CountDownLatch(1);
        put(new Barrier(done));
        try {
            if (!done.await(60, TimeUnit.SECONDS)) {
                throw new FarsyncException(ExitCode.INTERNAL, "history " + file + ": writer did not catch up within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Commits what is queued, then closes; sessions still running stay marked running (interrupted on the next open). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        flush();
        closed = true;
        writer.interrupt();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(writeDb);
        synchronized (readDb) {
            closeQuietly(readDb);
        }
    }

    Instant now() {
        return clock.instant();
    }

    boolean offer(FileRecord r) {
        return queue.offer(r);
    }

    void ended(Recording r, SessionRecord end) {
        put(new Ended(end));
        running.remove(r.id());
        for (Consumer<SessionRecord> l : endListeners) {
            try {
                l.accept(end);
            } catch (RuntimeException e) {
                log.warn("history listener failed on session {}", end.id(), e);
            }
        }
    }

    private void put(Object row) {
        if (closed) {
            // the server is shutting down while jobs end: losing their last rows beats failing them
            log.debug("history {} is closed; dropped {}", file, row);
            return;
        }
        try {
            queue.put(row);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.INTERNAL, "interrupted while queueing a history row", e);
        }
    }

    private SessionRecord withLive(SessionRecord s) {
        Recording r = running.get(s.id());
        if (s.status() != SessionStatus.RUNNING || r == null) {
            return s;
        }
        LiveSession l = r.live(clock.millis());
        return new SessionRecord(s.id(), s.startedAt(), null, s.user(), s.peer(), s.direction(), s.path(), s.status(),
                l.files(), l.bytes(), l.deleted(), l.errors(), null, 0);
    }

    private void writeLoop() {
        List<Object> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                Object first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) {
                    return;
                }
            }
        }
    }

    private void write(List<Object> batch) {
        try (PreparedStatement insertSession = writeDb.prepareStatement("INSERT INTO sessions (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                PreparedStatement endSession = writeDb.prepareStatement("UPDATE sessions SET ended_at = ?, status = ?, files = ?, "
                        + "bytes = ?, deleted = ?, errors = ?, error = ?, files_unrecorded = ? WHERE id = ?");
                PreparedStatement insertFile = writeDb.prepareStatement("INSERT INTO files (session_id, time, path, size, action, "
                        + "result, error) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (Object row : batch) {
                if (row instanceof SessionRecord s) {
                    bindSession(insertSession, s);
                    insertSession.executeUpdate();
                } else if (row instanceof Ended ended) {
                    SessionRecord s = ended.session();
                    endSession.setLong(1, s.endedAt().toEpochMilli());
                    endSession.setString(2, s.status().label());
                    endSession.setLong(3, s.files());
                    endSession.setLong(4, s.bytes());
                    endSession.setLong(5, s.deleted());
                    endSession.setLong(6, s.errors());
                    endSession.setString(7, s.error());
                    endSession.setLong(8, s.filesUnrecorded());
                    endSession.setLong(9, s.id());
                    endSession.executeUpdate();
                } else if (row instanceof FileRecord f) {
                    insertFile.setLong(1, f.sessionId());
                    insertFile.setLong(2, f.time().toEpochMilli());
                    insertFile.setString(3, f.path());
                    insertFile.setLong(4, f.size());
                    insertFile.setString(5, f.action());
                    insertFile.setString(6, f.result());
                    insertFile.setString(7, f.error());
                    insertFile.addBatch();
                }
            }
            insertFile.executeBatch();
            writeDb.commit();
        } catch (SQLException e) {
            // history must not take the daemon down: log the loss, keep serving transfers
            log.error("history {}: lost {} rows: {}", file, batch.size(), e.toString(), e);
            try {
                writeDb.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; the next batch reports it again
            }
        }
        for (Object row : batch) {
            if (row instanceof Barrier b) {
                b.done().countDown();
            }
        }
    }

    private static void bindSession(PreparedStatement ps, SessionRecord s) throws SQLException {
        ps.setLong(1, s.id());
        ps.setLong(2, s.startedAt().toEpochMilli());
        if (s.endedAt() == null) {
            ps.setNull(3, Types.INTEGER);
        } else {
            ps.setLong(3, s.endedAt().toEpochMilli());
        }
        ps.setString(4, s.user());
        ps.setString(5, s.peer());
        ps.setString(6, s.direction().label());
        ps.setString(7, s.path());
        ps.setString(8, s.status().label());
        ps.setLong(9, s.files());
        ps.setLong(10, s.bytes());
        ps.setLong(11, s.deleted());
        ps.setLong(12, s.errors());
        ps.setString(13, s.error());
        ps.setLong(14, s.filesUnrecorded());
    }

    private static SessionRecord session(ResultSet rs) throws SQLException {
        long ended = rs.getLong(3);
        Instant endedAt = rs.wasNull() ? null : Instant.ofEpochMilli(ended);
        return new SessionRecord(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), endedAt, rs.getString(4), rs.getString(5),
                Direction.parse(rs.getString(6)), rs.getString(7), SessionStatus.parse(rs.getString(8)), rs.getLong(9),
                rs.getLong(10), rs.getLong(11), rs.getLong(12), rs.getString(13), rs.getLong(14));
    }

    private PreparedStatement prepare(String sql, List<Object> args) throws SQLException {
        PreparedStatement ps = readDb.prepareStatement(sql);
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
        return ps;
    }

    private FarsyncException failure(String what, SQLException e) {
        return new FarsyncException(ExitCode.INTERNAL, "history " + file + ": " + what + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing: nothing left to save
            }
        }
    }
}
