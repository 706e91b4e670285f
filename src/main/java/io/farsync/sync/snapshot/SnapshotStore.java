package io.farsync.sync.snapshot;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.SqliteFiles;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryOverlay;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.scan.EntryType;
import io.farsync.sync.scan.SortedEntries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The snapshot database of one endpoint of one sync session: a SQLite file (WAL, every batch in
 * a transaction) recording the state of each entry as of its last successful sync.
 *
 * Each database carries a random UUID made when it is created, so a peer can tell a
 * recreated database from the one it synced with. Writes are buffered and committed in batches
 * of {@value #BATCH} (and on {@link #flush()} and {@link #close()}); a crash loses at most the
 * uncommitted batch, which only makes the next sync re-check those entries. An owner whose rows
 * may be committed only once what they describe is durable turns on
 * {@link #commitOnFlushOnly}: then nothing but {@link #flush()} commits, and reads see the
 * buffered changes inside the open transaction. All methods are thread-safe.
 */
public final class SnapshotStore implements AutoCloseable {

    static final int BATCH = 1000;
    /**
     * 1: the first release; 2: adds {@code entries.device} (0 in rows migrated from 1); 3: adds
     * {@code entries.uid, gid} (-1, unknown, in migrated rows), {@code entries.xattr_hash} (0, not
     * read) and the {@code partials} table.
     */
    static final int SCHEMA_VERSION = 3;
    private static final String COLUMNS = "path, type, size, mtime_ns, mode, device, inode, link_target, uid, gid, xattr_hash";

    private final Path file;
    private final Connection db;
    private final String id;
    private final boolean readOnly;
    /** Changes not yet committed, in the order made; the first {@link #applied} are in the open transaction. */
    private final List<Object> pending = new ArrayList<>();
    /**
     * How many of {@link #pending} a read under {@link #commitOnFlushOnly} applied to the open
     * transaction (visible to this connection only). They stay in the list until the commit: a
     * rollback undoes them, and the next flush applies them again.
     */
    private int applied;
    /** Whether only {@link #flush()} commits (a full batch, a read and a side-table write do not). */
    private boolean commitOnFlushOnly;
    private boolean closed;

    private SnapshotStore(Path file, Connection db, String id, boolean readOnly) {
        this.file = file;
        this.db = db;
        this.id = id;
        this.readOnly = readOnly;
    }

    /**
     * Opens an existing database read-only, for {@code farsync admin}: no schema changes, no
     * writes, so it never waits for (or blocks) a sync that is writing the database (readers of
     * a WAL database never wait for its writer). A database of an older schema is refused with
     * a message to run a sync first.
     */
    public static SnapshotStore openReadOnly(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Connection db = null;
        try {
            db = SqliteFiles.openReadOnly(abs);
            db.setAutoCommit(false);
            String schema = readMeta(db, "schema");
            if (schema == null || Integer.parseInt(schema) != SCHEMA_VERSION) {
                throw new FarsyncException(ExitCode.USAGE, "snapshot database " + abs + " has schema " + schema
                        + ", this farsync reads " + SCHEMA_VERSION + " (a sync of the session upgrades it)");
            }
            String id = readMeta(db, "uuid");
            db.commit();
            return new SnapshotStore(abs, db, id, true);
        } catch (SQLException e) {
            closeQuietly(db);
            throw failure("cannot open snapshot database " + abs + " read-only", e);
        } catch (RuntimeException e) {
            closeQuietly(db);
            throw e;
        }
    }

    /**
     * For a dry run: the database at {@code file} read-only ({@link #openReadOnly}) if it exists,
     * else an empty one in memory with a new identity, as a first run would create: nothing is
     * created or written on disk either way ({@link #file()} still names {@code file}, so the scans
     * leave a database inside the tree out as usual).
     */
    public static SnapshotStore openForDryRun(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            return openReadOnly(abs);
        }
        Connection db = null;
        try {
            db = SqliteFiles.openInMemory();
            createTables(db);
            db.setAutoCommit(false);
            return new SnapshotStore(abs, db, UUID.randomUUID().toString(), true);
        } catch (SQLException e) {
            closeQuietly(db);
            throw failure("cannot open an empty snapshot database in memory", e);
        }
    }

    private static void createTables(Connection db) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS entries (path TEXT PRIMARY KEY, type INTEGER NOT NULL, "
                    + "size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, mode INTEGER NOT NULL, "
                    + "device INTEGER NOT NULL DEFAULT 0, inode INTEGER NOT NULL, link_target TEXT, "
                    + "uid INTEGER NOT NULL DEFAULT -1, gid INTEGER NOT NULL DEFAULT -1, xattr_hash INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID");
            // the latest run's per-entry errors, for farsync admin ("path: reason" lines)
            st.execute("CREATE TABLE IF NOT EXISTS run_errors (line TEXT NOT NULL)");
            // destination: partial files kept for resuming and the path each will become
            // (their names may be truncated, so the final name cannot be read off them)
            st.execute("CREATE TABLE IF NOT EXISTS partials (partial TEXT PRIMARY KEY, final TEXT NOT NULL) WITHOUT ROWID");
        }
    }

    /** Opens or creates the database at {@code file}, creating parent directories. */
    public static SnapshotStore open(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Connection db = null;
        try {
            db = SqliteFiles.openForOneOwner(abs);
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot create the snapshot database " + abs + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw failure("cannot open snapshot database " + abs, e);
        }
        try {
            try (Statement st = db.createStatement()) {
                // FULL: a commit survives power loss; the destination acknowledges entries only
                // after their commit, and the source trusts those acknowledgements.
                st.execute("PRAGMA synchronous=FULL");
            }
            createTables(db);
            db.setAutoCommit(false);
            String schema = readMeta(db, "schema");
            if (schema != null && Integer.parseInt(schema) > SCHEMA_VERSION) {
                throw new FarsyncException(ExitCode.INTERNAL,
                        "snapshot database " + abs + " has schema " + schema + ", newer than this farsync (" + SCHEMA_VERSION + ")");
            }
            if (schema != null && Integer.parseInt(schema) < 2) {
                // Devices unknown (0) in old rows: identity then rests on the inode alone.
                try (Statement st = db.createStatement()) {
                    st.execute("ALTER TABLE entries ADD COLUMN device INTEGER NOT NULL DEFAULT 0");
                }
            }
            if (schema != null && Integer.parseInt(schema) < 3) {
                // Owners and xattrs unknown in old rows: unknown matches anything (Entry#unchangedAs).
                try (Statement st = db.createStatement()) {
                    st.execute("ALTER TABLE entries ADD COLUMN uid INTEGER NOT NULL DEFAULT -1");
                    st.execute("ALTER TABLE entries ADD COLUMN gid INTEGER NOT NULL DEFAULT -1");
                    st.execute("ALTER TABLE entries ADD COLUMN xattr_hash INTEGER NOT NULL DEFAULT 0");
                }
            }
            if (schema != null && Integer.parseInt(schema) < SCHEMA_VERSION) {
                writeMeta(db, "schema", Integer.toString(SCHEMA_VERSION));
            }
            String id = readMeta(db, "uuid");
            if (id == null) {
                id = UUID.randomUUID().toString();
                writeMeta(db, "uuid", id);
                writeMeta(db, "schema", Integer.toString(SCHEMA_VERSION));
            }
            db.commit();
            return new SnapshotStore(abs, db, id, false);
        } catch (SQLException e) {
            closeQuietly(db);
            throw failure("cannot open snapshot database " + abs, e);
        } catch (RuntimeException e) {
            closeQuietly(db);
            throw e;
        }
    }

    /** The file this store lives in. */
    public Path file() {
        return file;
    }

    /** The random identity of this database, made when it was created. */
    public String id() {
        return id;
    }

    /** The identity of the peer database the entries were last synced with, if recorded. */
    public synchronized Optional<String> peerId() {
        return meta("peer_uuid");
    }

    /** Records the peer's identity, committing everything pending with it (see {@link #commitOnFlushOnly}). */
    public synchronized void setPeerId(String peerId) {
        putMeta("peer_uuid", peerId);
    }

    /** Records {@code entry} as in sync (buffered; committed with the batch). */
    public synchronized void put(Entry entry) {
        enqueue(entry);
    }

    /** Forgets {@code path} (buffered; committed with the batch). */
    public synchronized void remove(String path) {
        enqueue(path);
    }

    /**
     * Renames the entry at {@code from} and everything recorded below it to the same places
     * below {@code to} (buffered; committed with the batch, as one statement, so a directory
     * rename costs one indexed range update whatever its size). Recorded entries at the new
     * paths are replaced.
     */
    public synchronized void moveTree(String from, String to) {
        enqueue(new MoveOp(from, to));
    }

    private record MoveOp(String from, String to) {
    }

    /** Sets a value of the meta table. */
    private record MetaOp(String key, String value) {
    }

    /** Replaces the latest run's error lines. */
    private record RunErrorsOp(List<String> lines) {
    }

    /** Forgets every noted partial file. */
    private enum ClearPartialsOp { INSTANCE }

    private void enqueue(Object op) {
        checkOpen();
        if (readOnly) {
            throw new IllegalStateException("snapshot database " + file + " is open read-only");
        }
        pending.add(op);
        if (pending.size() >= BATCH && !commitOnFlushOnly) {
            flush();
        }
    }

    /** A side-table write: committed at once, unless {@link #commitOnFlushOnly} leaves that to {@link #flush()}. */
    private void commitUnlessHeld() {
        if (!commitOnFlushOnly) {
            flush();
        }
    }

    /**
     * While on, nothing commits but {@link #flush()} (and {@link #close()}): not a full batch, not
     * a read, not a write of another table. Reads still see every change made so far: they apply
     * the buffered ones inside the open transaction first. For an owner whose rows may be
     * committed only once what they claim is durable (the destination syncs the directories of
     * its renames and deletes first); that owner bounds the buffer itself ({@link #pendingCount}).
     */
    public synchronized void commitOnFlushOnly(boolean on) {
        commitOnFlushOnly = on;
    }

    /** Number of buffered, uncommitted changes (those a read already applied included). */
    public synchronized int pendingCount() {
        return pending.size();
    }

    /** Commits the buffered changes in one transaction. */
    public synchronized void flush() {
        checkOpen();
        if (pending.isEmpty()) {
            return;
        }
        try {
            applyPending();
            db.commit();
            pending.clear();
            applied = 0;
        } catch (SQLException e) {
            rollBack();
            throw failure("cannot write snapshot database " + file, e);
        }
    }

    /**
     * Makes every change made so far visible to this connection's next read: commits them, or
     * under {@link #commitOnFlushOnly} applies them to the open transaction only.
     */
    private void makeVisible() {
        checkOpen();
        if (!commitOnFlushOnly) {
            flush();
            return;
        }
        try {
            applyPending();
        } catch (SQLException e) {
            rollBack();
            throw failure("cannot write snapshot database " + file, e);
        }
    }

    /**
     * Ends a read's transaction, unless it holds applied changes only {@link #flush()} may commit.
     * Call it after the read's statements are closed: a commit with a result set still open
     * leaves the read transaction (its WAL snapshot) open, and a long-lived read-only connection
     * would go on seeing the database as it was.
     */
    private void endRead() throws SQLException {
        if (applied == 0) {
            db.commit();
        }
    }

    /**
     * Undoes the open transaction, the changes a read applied included (the next flush applies
     * them again). After an error SQLite rolls back on its own (SQLITE_FULL, IOERR, NOMEM, even
     * in a read) the connection is left in autocommit and the driver's rollback fails before it
     * begins the next transaction: it is begun here, so that later changes stay in one
     * transaction and the next commit has one to commit.
     */
    private void rollBack() {
        applied = 0;
        try {
            db.rollback();
        } catch (SQLException noTransaction) {
            try (Statement st = db.createStatement()) {
                st.execute("BEGIN");
            } catch (SQLException ignored) {
                // the original error is the one to report
            }
        }
    }

    /**
     * A failed read: its transaction may already be gone (see {@link #rollBack}), and with it
     * the changes applied for it, so they are counted as not applied, whatever the error.
     */
    private FarsyncException readFailure(SQLException e) {
        rollBack();
        return failure("cannot read snapshot database " + file, e);
    }

    /** Runs the changes not yet applied in the open transaction, in order. */
    private void applyPending() throws SQLException {
        if (applied == pending.size()) {
            return;
        }
        try (PreparedStatement put = db.prepareStatement("INSERT OR REPLACE INTO entries "
                + "(" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE path = ?");
                PreparedStatement partial = db.prepareStatement("INSERT OR REPLACE INTO partials (partial, final) VALUES (?, ?)");
                // path/... sorts between "path/" and "path0" ('0' follows '/'), in SQLite's
                // BINARY collation as in Java's: an index range, not a LIKE scan.
                PreparedStatement move = db.prepareStatement("UPDATE OR REPLACE entries SET path = ? || substr(path, length(?) + 1) "
                        + "WHERE path = ? OR (path >= ? AND path < ?)")) {
            // Ops on one path must apply in order: a run of puts (or of deletes) goes as one
            // JDBC batch, sent before the next op of another kind. Why batches: sqlite-jdbc's
            // executeUpdate costs 3-5x a batched row (20,000 rows: 1.7-4.3 s against 0.45-0.9 s
            // on this project's loaded machine), and both endpoints record every file they sync
            // (docs/PERFORMANCE.md, "Session 5: new files").
            PreparedStatement batched = null;
            for (Object op : pending.subList(applied, pending.size())) {
                PreparedStatement kind = op instanceof Entry ? put : op instanceof String ? del : null;
                if (batched != null && batched != kind) {
                    batched.executeBatch();
                    batched = null;
                }
                if (op instanceof Entry e) {
                    put.setString(1, e.path());
                    put.setInt(2, e.type().code());
                    put.setLong(3, e.size());
                    put.setLong(4, e.mtimeNanos());
                    put.setInt(5, e.mode());
                    put.setLong(6, e.device());
                    put.setLong(7, e.inode());
                    put.setString(8, e.linkTarget());
                    put.setInt(9, e.uid());
                    put.setInt(10, e.gid());
                    put.setLong(11, e.xattrHash());
                    put.addBatch();
                    batched = put;
                } else if (op instanceof PartialOp p) {
                    partial.setString(1, p.partial());
                    partial.setString(2, p.finalPath());
                    partial.executeUpdate();
                } else if (op instanceof MoveOp m) {
                    move.setString(1, m.to());
                    move.setString(2, m.from());
                    move.setString(3, m.from());
                    move.setString(4, m.from() + "/");
                    move.setString(5, m.from() + "0");
                    move.executeUpdate();
                } else if (op instanceof MetaOp m) {
                    writeMeta(db, m.key(), m.value());
                } else if (op instanceof RunErrorsOp r) {
                    replaceRunErrors(r.lines());
                } else if (op == ClearPartialsOp.INSTANCE) {
                    try (Statement st = db.createStatement()) {
                        st.execute("DELETE FROM partials");
                    }
                } else {
                    del.setString(1, (String) op);
                    del.addBatch();
                    batched = del;
                }
            }
            if (batched != null) {
                batched.executeBatch();
            }
        }
        applied = pending.size();
    }

    private void replaceRunErrors(List<String> lines) throws SQLException {
        try (Statement st = db.createStatement();
                PreparedStatement add = db.prepareStatement("INSERT INTO run_errors (line) VALUES (?)")) {
            st.execute("DELETE FROM run_errors");
            for (String line : lines) {
                add.setString(1, line);
                add.executeUpdate();
            }
        }
    }

    /** Every recorded entry, sorted by path (pending changes included). */
    public synchronized NavigableMap<String, Entry> loadAll() {
        return loadAll(new TreeMap<>());
    }

    /**
     * Every recorded entry, sorted by path (pending changes included); a record equal to the
     * entry of {@code scanned} at its path (an unchanged entry, the usual case) is that very
     * object, so an endpoint holds one copy of each unchanged entry, not two. For a scan's
     * {@link EntryTable} the result is an {@link EntryOverlay} over it: an unchanged record costs
     * one bit, and the map stays mutable.
     */
    public synchronized NavigableMap<String, Entry> loadAll(NavigableMap<String, Entry> scanned) {
        if (scanned instanceof EntryTable table) {
            return loadOver(table);
        }
        makeVisible();
        List<Entry> rows = new ArrayList<>();
        SortedEntries.Cursor same = new SortedEntries.Cursor(scanned);
        boolean ordered = true;
        // The primary key's order (UTF-8 bytes): the cursor's, but for rare characters (SortedEntries).
        try {
            try (Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT " + COLUMNS + " FROM entries ORDER BY path")) {
                while (rs.next()) {
                    Entry e = row(rs);
                    if (ordered && !rows.isEmpty() && rows.get(rows.size() - 1).path().compareTo(e.path()) >= 0) {
                        ordered = false;
                    }
                    Entry s = ordered ? same.get(e.path()) : null;
                    rows.add(e.equals(s) ? s : e);
                }
            }
            endRead();
        } catch (SQLException e) {
            throw readFailure(e);
        }
        return SortedEntries.treeOf(rows);
    }

    /** The records as a difference against {@code scanned} ({@link OverlayLoad}). */
    private EntryOverlay loadOver(EntryTable scanned) {
        makeVisible();
        try {
            EntryOverlay out = OverlayLoad.load(db, scanned);
            endRead();
            return out;
        } catch (SQLException e) {
            throw readFailure(e);
        }
    }

    /**
     * The recorded entries at and below {@code path}, sorted (pending changes included); the
     * whole snapshot for {@code ""}. One range scan of the primary key: a continuous sync of a
     * few changed paths must not read every record.
     */
    public synchronized NavigableMap<String, Entry> loadSubtree(String path) {
        if (path.isEmpty()) {
            return loadAll();
        }
        makeVisible();
        NavigableMap<String, Entry> found = new TreeMap<>();
        // '0' is the character after '/': [path/, path0) is everything below path
        try {
            try (PreparedStatement st = db.prepareStatement(
                    "SELECT " + COLUMNS + " FROM entries WHERE path = ? OR (path >= ? AND path < ?)")) {
                st.setString(1, path);
                st.setString(2, path + "/");
                st.setString(3, path + "0");
                try (ResultSet rs = st.executeQuery()) {
                    readRows(rs, found);
                }
            }
            endRead();
        } catch (SQLException e) {
            throw readFailure(e);
        }
        return found;
    }

    private static void readRows(ResultSet rs, NavigableMap<String, Entry> into) throws SQLException {
        while (rs.next()) {
            Entry e = row(rs);
            into.put(e.path(), e);
        }
    }

    /** The recorded entry at {@code path} (pending changes included). */
    public synchronized Optional<Entry> get(String path) {
        makeVisible();
        try {
            Optional<Entry> result;
            try (PreparedStatement st = db.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE path = ?")) {
                st.setString(1, path);
                try (ResultSet rs = st.executeQuery()) {
                    result = rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
            endRead();
            return result;
        } catch (SQLException e) {
            throw readFailure(e);
        }
    }

    /**
     * Destination: the partial file {@code partial} (relative to the root) is receiving the entry
     * at {@code finalPath}. Buffered like {@link #put}; {@code farsync admin} reads it back.
     */
    public synchronized void notePartial(String partial, String finalPath) {
        enqueue(new PartialOp(partial, finalPath));
    }

    /**
     * Forgets every noted partial file (a complete run left none). Committed at once with what is
     * pending, unless {@link #commitOnFlushOnly} leaves that to {@link #flush()}.
     */
    public synchronized void clearPartials() {
        enqueue(ClearPartialsOp.INSTANCE);
        commitUnlessHeld();
    }

    /** The final path of each noted partial file, by the partial's path relative to the root. */
    public synchronized Map<String, String> partials() {
        makeVisible();
        Map<String, String> out = new TreeMap<>();
        try {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT partial, final FROM partials")) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
            endRead();
        } catch (SQLException e) {
            throw readFailure(e);
        }
        return out;
    }

    private record PartialOp(String partial, String finalPath) {
    }

    /**
     * Records who keeps this database, for {@code farsync admin}: the endpoint's role
     * ({@code source} or {@code destination}), the root it syncs, and that a run started at
     * {@code startedMillis} (a run that never records its end was killed, or is still going).
     * Committed at once with what is pending, unless {@link #commitOnFlushOnly} leaves that to
     * {@link #flush()}.
     */
    public synchronized void describeEndpoint(String role, Path root, long startedMillis) {
        enqueue(new MetaOp("role", role));
        enqueue(new MetaOp("root", root.toString()));
        enqueue(new MetaOp("run_started", Long.toString(startedMillis)));
        commitUnlessHeld();
    }

    /**
     * Records how the latest run ended (replacing the previous run's record and error lines).
     * Committed at once with what is pending, unless {@link #commitOnFlushOnly} leaves that to
     * {@link #flush()}.
     */
    public synchronized void recordRun(RunRecord run) {
        for (Map.Entry<String, String> m : run.toMeta().entrySet()) {
            enqueue(new MetaOp(m.getKey(), m.getValue()));
        }
        enqueue(new RunErrorsOp(List.copyOf(run.errors())));
        commitUnlessHeld();
    }

    /** The latest run's record, if one was made. */
    public synchronized Optional<RunRecord> lastRun() {
        makeVisible();
        try {
            Map<String, String> meta = new TreeMap<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT key, value FROM meta")) {
                while (rs.next()) {
                    meta.put(rs.getString(1), rs.getString(2));
                }
            }
            List<String> errors = new ArrayList<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT line FROM run_errors ORDER BY rowid")) {
                while (rs.next()) {
                    errors.add(rs.getString(1));
                }
            }
            endRead();
            return RunRecord.fromMeta(meta, errors);
        } catch (SQLException e) {
            throw readFailure(e);
        }
    }

    /**
     * Sets a value of the meta table. Committed at once with what is pending, unless
     * {@link #commitOnFlushOnly} leaves that to {@link #flush()}.
     */
    public synchronized void putMeta(String key, String value) {
        enqueue(new MetaOp(key, value));
        commitUnlessHeld();
    }

    /** A value of the meta table ({@code role}, {@code root}, {@code peer_uuid}...), if set. */
    public synchronized Optional<String> meta(String key) {
        makeVisible();
        try {
            Optional<String> value = Optional.ofNullable(readMeta(db, key));
            endRead();
            return value;
        } catch (SQLException e) {
            throw readFailure(e);
        }
    }

    /** Number of recorded entries (pending changes included). */
    public synchronized long entryCount() {
        makeVisible();
        try {
            long n;
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM entries")) {
                rs.next();
                n = rs.getLong(1);
            }
            endRead();
            return n;
        } catch (SQLException e) {
            throw readFailure(e);
        }
    }

    /** The SQLite journal mode ("wal"). */
    public synchronized String journalMode() {
        checkOpen();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw readFailure(e);
        }
    }

    /** Commits pending changes and closes the database. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            closeQuietly(db);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("snapshot database " + file + " is closed");
        }
    }

    private static Entry row(ResultSet rs) throws SQLException {
        String path = rs.getString(1);
        return new Entry(path, storedType(rs.getInt(2), path), rs.getLong(3), rs.getLong(4),
                rs.getInt(5), rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getInt(9), rs.getInt(10), 1, rs.getLong(11));
    }

    /**
     * The entry type a row stores. A code no build writes means the file was changed outside
     * farsync: the read fails naming the row (exit 70, nothing changed) instead of with an
     * unexplained internal error.
     */
    private static EntryType storedType(int code, String path) throws SQLException {
        try {
            return EntryType.fromCode(code);
        } catch (IllegalArgumentException e) {
            throw corruptRow(path, e);
        }
    }

    static SQLException corruptRow(String path, IllegalArgumentException cause) {
        return new SQLException("corrupt row for " + path + ": " + cause.getMessage()
                + " (`farsync admin reset` starts the session over)", cause);
    }

    private static String readMeta(Connection db, String key) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            st.setString(1, key);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void writeMeta(Connection db, String key, String value) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            st.setString(1, key);
            st.setString(2, value);
            st.executeUpdate();
        }
    }

    private static FarsyncException failure(String what, SQLException e) {
        if (e instanceof SQLiteException se && (se.getResultCode() == SQLiteErrorCode.SQLITE_FULL)) {
            return new FarsyncException(ExitCode.DISK_FULL, "no space left on device: " + what, e);
        }
        return new FarsyncException(ExitCode.INTERNAL, what + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // closing after a failure; the failure is what gets reported
            }
        }
    }
}
