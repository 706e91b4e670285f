package io.farsync.common;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The one way farsync opens its SQLite databases (snapshots, history, console): owner-only file,
 * write-ahead log (readers never block the writer, a crash never corrupts), and a 10 s wait for
 * a lock another connection holds instead of an immediate "database is locked".
 */
public final class SqliteFiles {

    static {
        SqliteNative.prepare();    // before the driver loads its native library
    }

    private SqliteFiles() {
    }

    /** {@code file} and the files SQLite keeps beside it (-wal, -shm, -journal). */
    public static List<Path> withSidecars(Path file) {
        String name = file.getFileName().toString();
        return List.of(file, file.resolveSibling(name + "-wal"), file.resolveSibling(name + "-shm"), file.resolveSibling(name + "-journal"));
    }

    /**
     * Creates {@code file} and its parent directories if needed (mode 0600, see
     * {@link PrivateFiles}) and opens it in WAL mode; the caller chooses {@code synchronous}.
     */
    public static Connection open(Path file) throws IOException, SQLException {
        PrivateFiles.ensureOwnerOnly(file);
        return configure(DriverManager.getConnection("jdbc:sqlite:" + file));
    }

    /**
     * As {@link #open}, for a connection that one owner uses under its own lock (a snapshot
     * store's synchronized methods): SQLite then skips its lock around every call
     * ({@code SQLITE_OPEN_NOMUTEX}, the multi-thread mode). That is safe besides: the driver
     * enters one Java monitor per connection around each native call (but the thread-safe
     * {@code sqlite3_interrupt}). Reading the 1,000,000 rows of a snapshot took 1.6 instead of
     * 2.0 CPU s (docs/PERFORMANCE.md, session 6).
     */
    public static Connection openForOneOwner(Path file) throws IOException, SQLException {
        PrivateFiles.ensureOwnerOnly(file);
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setOpenMode(org.sqlite.SQLiteOpenMode.NOMUTEX);
        return configure(config.createConnection("jdbc:sqlite:" + file));
    }

    private static Connection configure(Connection db) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("PRAGMA busy_timeout=10000");
        } catch (SQLException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** A new, empty database in memory (gone when the connection closes). */
    public static Connection openInMemory() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite::memory:");
    }

    /**
     * Opens an existing database read-only (no file is created, nothing is written): readers of
     * a WAL database see the last commit and never wait for a writer.
     */
    public static Connection openReadOnly(Path file) throws SQLException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new SQLException("no such database: " + file);
        }
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(10000);
        return config.createConnection("jdbc:sqlite:" + file);
    }
}
