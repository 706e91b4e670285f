package io.farsync.sync.version;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.InterProcessLock;
import io.farsync.common.SqliteFiles;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import io.farsync.sync.scan.ReplicaDir;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The version vectors of one replica root: a SQLite file in the root's {@link ReplicaDir} (one per
 * root, shared by every session and process that syncs that root, unlike the per-session snapshots
 * in each process's state directory), holding the root's stable random replica id and one
 * {@link VersionRow} per path, tombstones included.
 *
 * <p>Why a store of its own: a snapshot records what one pair of endpoints last agreed on, which
 * is all two-way sync needs; with three or more replicas a pair's base cannot tell whether a
 * version the peer brings was written after this side's (it travelled through a third replica)
 * or concurrently with it. The vectors can, and they must be the same whichever peer asks.
 *
 * <p>Updates happen at two moments, each one SQLite write transaction (taken at its start, so
 * atomic against other processes on the root) under a per-file lock in this JVM: {@link #refresh}
 * before a sync counts every local change since the last one as a write by this replica (a
 * vanished path becomes a tombstone), and {@link #settle} after it adopts the peer's vector for
 * every path that now holds the peer's version.
 *
 * <p>Concurrent sessions on one root (a hub's spokes, a mesh node's own job beside its server)
 * need no lock around the whole sync: a session's rows, read at its start, may go stale while
 * another session delivers into the root, but a row is only ever used for the content it
 * describes (type, size, mtime). A stale row describes nothing on disk any more, so its vector
 * orders nothing ({@link PairVersions} answers "unknown" and the pairwise base decides), and
 * {@link #settle} re-reads the rows inside its transaction and adopts a peer's vector only where
 * the file on disk is still the peer's version: a vector never advances for content it did not
 * see. The cost of staleness is at worst a conflict copy where the vectors could have ordered two
 * versions, never a lost version. What did break this was two stores for one root, see
 * {@link ReplicaDir}.
 */
public final class VersionStore implements AutoCloseable {
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final int DELETED = -1;
    private static final String FILE_NAME = "versions.db";

    private final Path file;
    private final Connection db;
    private final String replicaId;

    private VersionStore(Path file, Connection db, String replicaId) {
        this.file = file;
        this.db = db;
        this.replicaId = replicaId;
    }

    /**
     * Opens {@code root}'s store, {@code versions.db} in its {@link ReplicaDir} (created if
     * needed), shared by every process that syncs the root. A root last synced by an older farsync
     * kept its store in the session's snapshot directory ({@code legacyDir}): that store is copied
     * over once, so the root keeps its replica id and vectors.
     *
     * <p>While the store does not exist yet, it is created (copied or new) under
     * {@code versions.lock} in the replica directory, taken across processes: a mesh node's server
     * and its own job may open the root at once, and neither may then see the other's half-made
     * copy, or create a new store (a new replica id) beside a copy being made, or replace a store
     * the other has opened already.
     */
    public static VersionStore openFor(Path root, Path legacyDir) {
        Path dir;
        try {
            dir = ReplicaDir.create(root);
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot create the replica directory of " + root + ": " + e.getMessage(), e);
        }
        Path file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return open(file);
        }
        InterProcessLock creating;
        try {
            creating = InterProcessLock.of(dir.resolve("versions.lock"));
            creating.lock();
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot lock " + dir.resolve("versions.lock") + ": " + e.getMessage(), e);
        }
        try {
            beforeCreate.run();
            Path legacy = legacyFileFor(legacyDir, root);
            if (!Files.exists(file) && Files.isRegularFile(legacy)) {
                migrate(legacy, file);
            }
            // Still under the lock: a new store has its replica id before anyone else opens it.
            return open(file);
        } finally {
            creating.unlock();
        }
    }

    /** Test hook: runs in {@link #openFor} once it holds the creation lock, before it looks again whether the store exists. */
    static volatile Runnable beforeCreate = () -> {
    };

    /**
     * Copies the legacy store (WAL included) into {@code file} in one statement, through a temp
     * file of this call's own, published only if {@code file} does not exist (a hard link, which
     * never replaces): a failure leaves no half copy, and a store already there is never replaced.
     */
    private static void migrate(Path legacy, Path file) {
        Path partial = file.resolveSibling(FILE_NAME + ".migrating-" + HexFormat.of().toHexDigits(new java.security.SecureRandom().nextLong()));
        try (Connection old = SqliteFiles.open(legacy); Statement st = old.createStatement()) {
            st.execute("VACUUM INTO '" + partial.toString().replace("'", "''") + "'");
            try {
                Files.createLink(file, partial);
            } catch (FileAlreadyExistsException e) {
                // created meanwhile by a process that did not take the lock: that store is the root's
            } catch (UnsupportedOperationException | FileSystemException e) {
                // No hard links here: a rename that checks first (we hold the lock) is the next best.
                if (!Files.exists(file)) {
                    Files.move(partial, file);
                }
            }
        } catch (IOException | SQLException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot copy the version database " + legacy + " to " + file + ": "
                    + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                // a leftover temp file in the replica directory harms nothing
            }
        }
    }

    /** Where farsync before the replica directory kept {@code root}'s store: {@code dir/versions-<hash of root>.db}. */
    static Path legacyFileFor(Path dir, Path root) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] h = sha.digest(root.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return dir.resolve("versions-" + HexFormat.of().formatHex(h, 0, 12) + ".db");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The legacy store of {@code root} in {@code dir} and its SQLite side files: farsync's own,
     * excluded from scans when {@code dir} lies in the tree (left in place, an older farsync may
     * still use it).
     */
    public static List<Path> legacyFiles(Path dir, Path root) {
        return SqliteFiles.withSidecars(legacyFileFor(dir, root));
    }

    public static VersionStore open(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        // Sessions of one root start together (a hub's concurrent spokes): two connections creating
        // the schema and switching to WAL at once get SQLITE_BUSY, which the busy timeout does not cover.
        ReentrantLock lock = LOCKS.computeIfAbsent(abs, f -> new ReentrantLock());
        lock.lock();
        try {
            return openLocked(abs);
        } finally {
            lock.unlock();
        }
    }

    private static VersionStore openLocked(Path abs) {
        Connection db;
        try {
            db = SqliteFiles.open(abs);
        } catch (IOException | SQLException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot open the version database " + abs + ": " + e.getMessage(), e);
        }
        try {
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA synchronous=FULL");
                st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS versions (path TEXT PRIMARY KEY, type INTEGER NOT NULL, size INTEGER NOT NULL, "
                        + "mtime_ns INTEGER NOT NULL, link_target TEXT NOT NULL, vector TEXT NOT NULL, origin TEXT NOT NULL) WITHOUT ROWID");
            }
            db.setAutoCommit(false);
            String id;
            try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = 'replica'"); ResultSet rs = ps.executeQuery()) {
                id = rs.next() ? rs.getString(1) : null;
            }
            if (id == null) {
                // 64 random bits in hex: short on the wire, and two roots colliding is out of reach
                id = HexFormat.of().toHexDigits(new java.security.SecureRandom().nextLong());
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO meta (key, value) VALUES ('replica', ?)")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            db.commit();
            return new VersionStore(abs, db, id);
        } catch (SQLException e) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // the first failure is the one to report
            }
            throw failure("cannot open version database " + abs, e);
        }
    }

    /** This root's stable random replica id. */
    public String replicaId() {
        return replicaId;
    }

    public Path file() {
        return file;
    }

    /** Every row, tombstones included, by path. */
    public NavigableMap<String, VersionRow> rows() {
        NavigableMap<String, VersionRow> out = readRows();
        try {
            db.commit();
        } catch (SQLException e) {
            throw failure("cannot read version database " + file, e);
        }
        return out;
    }

    /**
     * Starts a write transaction at once (a no-op update takes SQLite's write lock), so that a
     * read-modify-write of the rows is atomic against other processes on the same root too (a
     * server's sessions and a local job's).
     */
    private void beginWrite() {
        try (Statement st = db.createStatement()) {
            st.executeUpdate("UPDATE meta SET value = value WHERE key = 'replica'");
        } catch (SQLException e) {
            throw failure("cannot lock version database " + file, e);
        }
    }

    private NavigableMap<String, VersionRow> readRows() {
        NavigableMap<String, VersionRow> out = new TreeMap<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT path, type, size, mtime_ns, link_target, vector, origin FROM versions");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String path = rs.getString(1);
                int t = rs.getInt(2);
                try {
                    out.put(path, new VersionRow(path, t == DELETED ? null : EntryType.fromCode(t), rs.getLong(3), rs.getLong(4),
                            rs.getString(5), VersionVector.parse(rs.getString(6)), rs.getString(7)));
                } catch (IllegalArgumentException e) {
                    // written outside farsync (type code or vector no build writes): name the row
                    throw new SQLException("corrupt row for " + path + ": " + e.getMessage(), e);
                }
            }
        } catch (SQLException e) {
            throw failure("cannot read version database " + file, e);
        }
        return out;
    }

    /**
     * Counts this replica's changes since the last call: every path of {@code scan} (of
     * {@code root}) that its row does not describe gets this replica's counter bumped and
     * {@code origin} as writer, and every live row whose path is gone becomes a tombstone the same
     * way, unless the scan could not tell ({@link ScanResult#isUnknown}). Returns all rows after it.
     *
     * <p>A compare-and-set per changed path: the scan was taken before this transaction, and
     * another session may have delivered a version into the root since (and settled its row).
     * Counting the scanned, already replaced content as a local write would give it a vector
     * that dominates the delivered version's. So a change is only counted if the path still holds
     * what the scan saw (one lstat per changed path); otherwise its row is left as it is and the
     * next refresh counts whatever is there then. The lstats are made before the write
     * transaction (a first sync of a large tree changes every path, and holding SQLite's write
     * lock through them would make other processes on the root time out); inside it, only the
     * paths whose rows another session wrote meanwhile are decided again, and looked at again.
     */
    public NavigableMap<String, VersionRow> refresh(Path root, ScanResult result, String origin) {
        ReentrantLock lock = lock();
        lock.lock();
        try {
            NavigableMap<String, VersionRow> before = rows();
            TreeMap<String, VersionRow> changed = stillThere(root, changes(before, result, origin, p -> true));
            afterStat.run();
            beginWrite();
            NavigableMap<String, VersionRow> rows = readRows();
            Set<String> rewritten = new HashSet<>();
            before.forEach((p, r) -> {
                if (!r.equals(rows.get(p))) {
                    rewritten.add(p);
                }
            });
            rows.forEach((p, r) -> {
                if (!r.equals(before.get(p))) {
                    rewritten.add(p);
                }
            });
            changed.keySet().removeAll(rewritten);
            changed.putAll(stillThere(root, changes(rows, result, origin, rewritten::contains)));
            write(changed.values());
            rows.putAll(changed);
            return rows;
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: runs in {@link #refresh} after the lstats, before the write transaction. */
    volatile Runnable afterStat = () -> {
    };

    /**
     * The rows {@link #refresh} would write over {@code rows} for the paths {@code only} accepts:
     * a bumped row for each scanned entry its row does not describe, a tombstone for each live row
     * whose path the scan no longer has (and could tell).
     */
    private TreeMap<String, VersionRow> changes(NavigableMap<String, VersionRow> rows, ScanResult result, String origin,
            Predicate<String> only) {
        NavigableMap<String, Entry> scan = result.entries();
        TreeMap<String, VersionRow> changed = new TreeMap<>();
        for (Entry e : scan.values()) {
            VersionRow r = rows.get(e.path());
            if (only.test(e.path()) && (r == null || !r.describes(e))) {
                changed.put(e.path(), VersionRow.of(e, (r == null ? VersionVector.EMPTY : r.vector()).bump(replicaId), origin));
            }
        }
        for (VersionRow r : rows.values()) {
            if (only.test(r.path()) && !r.deleted() && !scan.containsKey(r.path()) && !result.isUnknown(r.path())) {
                changed.put(r.path(), new VersionRow(r.path(), null, 0, 0, "", r.vector().bump(replicaId), origin));
            }
        }
        return changed;
    }

    /** {@code rows} without those that do not describe what {@code root} holds now. */
    private static TreeMap<String, VersionRow> stillThere(Path root, TreeMap<String, VersionRow> rows) {
        rows.values().removeIf(r -> !stillThere(root, r));
        return rows;
    }

    /** True if {@code row} describes what {@code root} holds at its path now (false if that cannot be read). */
    private static boolean stillThere(Path root, VersionRow row) {
        try {
            return row.describes(Stat.lstatOrNull(root.resolve(row.path()), row.path()));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * After a sync with a peer whose rows were {@code peer}: where this root now holds the peer's
     * version ({@code now}, a scan after the sync), this replica's vector becomes the merge of both
     * (so a later change here dominates the peer's), and the row describes what is here. Paths
     * that hold something else are left for the next {@link #refresh} to count as local writes.
     *
     * <p>{@code carried} are the renames that met an edit of the old path on the other side (old
     * path to new, both ends of the sync know the same ones): the old path's tombstone becomes the
     * merge of both replicas' vectors there (so the delete dominates the edit it absorbed, and a
     * third replica still holding that edit deletes it), and the new path's vector the merge of
     * all four, written by the editor. Both replicas compute the same rows from {@code mine} (this
     * side's rows as sent at the start) and {@code peer}.
     *
     * <p>A row is only written if {@code root} still holds what it describes (another session
     * may have delivered into the root since {@code now} was scanned, and settled its own row).
     */
    public void settle(Path root, Map<String, VersionRow> mine, Map<String, VersionRow> peer, Map<String, String> carried,
            NavigableMap<String, Entry> now) {
        ReentrantLock lock = lock();
        lock.lock();
        try {
            beginWrite();
            NavigableMap<String, VersionRow> rows = readRows();
            TreeMap<String, VersionRow> changed = new TreeMap<>();
            for (VersionRow q : peer.values()) {
                Entry e = now.get(q.path());
                if (!q.describes(e)) {
                    continue;
                }
                VersionRow own = rows.get(q.path());
                VersionVector merged = own == null ? q.vector() : own.vector().merge(q.vector());
                VersionRow next;
                if (own != null && own.sameContent(q) && own.describes(e)) {
                    // The same version on both sides: the writer that wins the name is the
                    // smaller name, so both replicas agree whichever settles first.
                    String origin = own.origin().compareTo(q.origin()) <= 0 ? own.origin() : q.origin();
                    next = new VersionRow(q.path(), own.type(), own.size(), own.mtimeNanos(), own.linkTarget(), merged, origin);
                } else {
                    next = e == null ? q.withVector(merged) : VersionRow.of(e, merged, q.origin());
                }
                if (!next.equals(own)) {
                    changed.put(q.path(), next);
                }
            }
            carried.forEach((from, to) -> {
                Entry e = now.get(to);
                if (!now.containsKey(from) && e != null && e.isFile()) {
                    VersionRow a = mine.get(from);
                    VersionRow b = peer.get(from);
                    VersionVector gone = vector(a).merge(vector(b));
                    changed.put(from, new VersionRow(from, null, 0, 0, "", gone, originOf(a, b, true)));
                    changed.put(to, VersionRow.of(e, gone.merge(vector(mine.get(to))).merge(vector(peer.get(to))), originOf(a, b, false)));
                }
            });
            // Compare-and-set, as in refresh: another session may have delivered a newer version
            // since the scan; a row for what was scanned would then take its place.
            changed.values().removeIf(r -> !stillThere(root, r));
            write(changed.values());
        } finally {
            lock.unlock();
        }
    }

    private static VersionVector vector(VersionRow r) {
        return r == null ? VersionVector.EMPTY : r.vector();
    }

    /** The origin of whichever of {@code a} and {@code b} is (not) a tombstone; the smaller name if both or neither. */
    private static String originOf(VersionRow a, VersionRow b, boolean deleted) {
        boolean aFits = a != null && a.deleted() == deleted;
        boolean bFits = b != null && b.deleted() == deleted;
        if (aFits != bFits) {
            return aFits ? a.origin() : b.origin();
        }
        String x = a == null ? "" : a.origin();
        String y = b == null ? "" : b.origin();
        return x.isEmpty() ? y : y.isEmpty() || x.compareTo(y) <= 0 ? x : y;
    }

    /** Writes {@code rows} and commits (also when there are none: it ends the transaction). */
    private void write(Collection<VersionRow> rows) {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO versions (path, type, size, mtime_ns, link_target, vector, origin) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (VersionRow r : rows) {
                ps.setString(1, r.path());
                ps.setInt(2, r.deleted() ? DELETED : r.type().code());
                ps.setLong(3, r.size());
                ps.setLong(4, r.mtimeNanos());
                ps.setString(5, r.linkTarget());
                ps.setString(6, r.vector().encode());
                ps.setString(7, r.origin());
                ps.addBatch();
            }
            ps.executeBatch();
            db.commit();
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the first failure is the one to report
            }
            throw failure("cannot write version database " + file, e);
        }
    }

    private ReentrantLock lock() {
        return LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
    }

    private static FarsyncException failure(String what, SQLException e) {
        return new FarsyncException(ExitCode.INTERNAL, what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw failure("cannot close version database " + file, e);
        }
    }
}
