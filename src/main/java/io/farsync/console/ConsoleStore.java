package io.farsync.console;

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
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The console's own database (SQLite): users, registered nodes, the audit log. Console traffic
 * is a few requests a second, so one connection behind a lock is enough.
 */
final class ConsoleStore implements AutoCloseable {

    record User(String name, Role role, String passwordHash) {
    }

    /** A registered node; the token is what the node's {@code --api-token-file} holds. */
    record Node(long id, String name, String url, String token) {
    }

    /**
     * A sync job between two registered nodes, as an operator defined it.
     *
     * @param options   the job's options as a JSON object (rate_mbps, policy, delete, bidi, conflict, continuous, every_seconds)
     * @param schedule  {@link Schedule} text, null when it runs only when started
     * @param nextRun   when the schedule runs it next
     * @param runNode   the node running (or that last ran) it, and its job id there
     */
    record Job(long id, String name, long sourceNode, String sourcePath, long destNode, String destPath, String options,
            String schedule, Instant nextRun, Long runNode, Long runJob, Instant lastStarted, String createdBy) {
    }

    record AuditEntry(long id, Instant time, String user, String action, String target, String detail) {
    }

    private final Path file;
    private final Connection db;
    private final Clock clock;

    private ConsoleStore(Path file, Connection db, Clock clock) {
        this.file = file;
        this.db = db;
        this.clock = clock;
    }

    static ConsoleStore open(Path file, Clock clock) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            Connection db = SqliteFiles.open(abs);
            try (Statement st = db.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL, "
                        + "created_at INTEGER NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, url TEXT NOT NULL, "
                        + "token TEXT NOT NULL, added_at INTEGER NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                        + "source_node INTEGER NOT NULL, source_path TEXT NOT NULL, dest_node INTEGER NOT NULL, dest_path TEXT NOT NULL, "
                        + "options TEXT NOT NULL, schedule TEXT, next_run INTEGER, run_node INTEGER, run_job INTEGER, last_started INTEGER, "
                        + "created_by TEXT NOT NULL, created_at INTEGER NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL, "
                        + "action TEXT NOT NULL, target TEXT, detail TEXT)");
            }
            return new ConsoleStore(abs, db, clock);
        } catch (IOException | SQLException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot open the console database " + abs + ": " + e.getMessage(), e);
        }
    }

    synchronized boolean hasUsers() {
        return count("SELECT COUNT(*) FROM users") > 0;
    }

    /** Creates the user, or gives an existing one this role and password. */
    synchronized void putUser(String name, Role role, String password) {
        if (name == null || !name.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("user name (" + name + ") must be 1-64 letters, digits or . _ @ -");
        }
        if (password.length() < 8) {
            throw new IllegalArgumentException("the password must have at least 8 characters");
        }
        update("INSERT INTO users (name, role, password, created_at) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET role = excluded.role, password = excluded.password",
                name, role.label(), Passwords.hash(password), clock.millis());
    }

    /** Gives an existing user another role; refuses to leave the console without an admin. */
    synchronized void setRole(String name, Role role) {
        User u = user(name).orElseThrow(() -> new IllegalArgumentException("no user " + name));
        if (u.role() == Role.ADMIN && role != Role.ADMIN) {
            checkNotLastAdmin(name);
        }
        update("UPDATE users SET role = ? WHERE name = ?", role.label(), name);
    }

    /** Removes a user; refuses to remove the last admin. False when there was no such user. */
    synchronized boolean removeUser(String name) {
        Optional<User> u = user(name);
        if (u.isEmpty()) {
            return false;
        }
        if (u.get().role() == Role.ADMIN) {
            checkNotLastAdmin(name);
        }
        return update("DELETE FROM users WHERE name = ?", name) > 0;
    }

    private void checkNotLastAdmin(String name) {
        if (count("SELECT COUNT(*) FROM users WHERE role = 'admin'") <= 1) {
            throw new IllegalArgumentException(name + " is the last admin: make another admin first");
        }
    }

    /** Every user's name and role (never the hash), by name. */
    synchronized List<User> users() {
        List<User> out = new ArrayList<>();
        try (PreparedStatement ps = prepare("SELECT name, role FROM users ORDER BY name"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new User(rs.getString(1), Role.parse(rs.getString(2)), null));
            }
            return out;
        } catch (SQLException e) {
            throw failure("reading users", e);
        }
    }

    synchronized Optional<User> user(String name) {
        try (PreparedStatement ps = prepare("SELECT name, role, password FROM users WHERE name = ?", name); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new User(rs.getString(1), Role.parse(rs.getString(2)), rs.getString(3))) : Optional.empty();
        } catch (SQLException e) {
            throw failure("reading user " + name, e);
        }
    }

    synchronized List<Node> nodes() {
        List<Node> out = new ArrayList<>();
        try (PreparedStatement ps = prepare("SELECT id, name, url, token FROM nodes ORDER BY name"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Node(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
            return out;
        } catch (SQLException e) {
            throw failure("reading nodes", e);
        }
    }

    synchronized Optional<Node> node(long id) {
        return nodes().stream().filter(n -> n.id() == id).findFirst();
    }

    synchronized Node addNode(String name, String url, String token) {
        if (nodes().stream().anyMatch(n -> n.name().equals(name))) {
            throw new IllegalArgumentException("a node named " + name + " is already registered");
        }
        update("INSERT INTO nodes (name, url, token, added_at) VALUES (?, ?, ?, ?)", name, url, token, clock.millis());
        return nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    synchronized boolean removeNode(long id) {
        return update("DELETE FROM nodes WHERE id = ?", id) > 0;
    }

    private static final String JOB_COLUMNS = "id, name, source_node, source_path, dest_node, dest_path, options, schedule, next_run, "
            + "run_node, run_job, last_started, created_by";

    synchronized List<Job> jobs() {
        return jobsWhere("1 = 1");
    }

    synchronized Optional<Job> job(long id) {
        return jobsWhere("id = ?", id).stream().findFirst();
    }

    /** Jobs whose schedule is due at {@code now}. */
    synchronized List<Job> dueJobs(Instant now) {
        return jobsWhere("next_run IS NOT NULL AND next_run <= ?", now.toEpochMilli());
    }

    synchronized Job addJob(String name, long sourceNode, String sourcePath, long destNode, String destPath, String options,
            String createdBy) {
        if (jobs().stream().anyMatch(j -> j.name().equals(name))) {
            throw new IllegalArgumentException("a job named " + name + " exists already");
        }
        update("INSERT INTO jobs (name, source_node, source_path, dest_node, dest_path, options, created_by, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", name, sourceNode, sourcePath, destNode, destPath, options, createdBy, clock.millis());
        return jobsWhere("name = ?", name).get(0);
    }

    synchronized boolean removeJob(long id) {
        return update("DELETE FROM jobs WHERE id = ?", id) > 0;
    }

    /** Sets or clears ({@code schedule} null) the schedule and when it runs next. */
    synchronized void setSchedule(long id, String schedule, Instant nextRun) {
        update("UPDATE jobs SET schedule = ?, next_run = ? WHERE id = ?", schedule, nextRun == null ? null : nextRun.toEpochMilli(), id);
    }

    synchronized void jobStarted(long id, long runNode, long runJob) {
        update("UPDATE jobs SET run_node = ?, run_job = ?, last_started = ? WHERE id = ?", runNode, runJob, clock.millis(), id);
    }

    private List<Job> jobsWhere(String where, Object... args) {
        List<Job> out = new ArrayList<>();
        try (PreparedStatement ps = prepare("SELECT " + JOB_COLUMNS + " FROM jobs WHERE " + where + " ORDER BY name", args);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Job(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                        rs.getString(7), rs.getString(8), instant(rs, 9), rs.getObject(10) == null ? null : rs.getLong(10),
                        rs.getObject(11) == null ? null : rs.getLong(11), instant(rs, 12), rs.getString(13)));
            }
            return out;
        } catch (SQLException e) {
            throw failure("reading jobs", e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    synchronized void audit(String user, String action, String target, String detail) {
        update("INSERT INTO audit (time, user, action, target, detail) VALUES (?, ?, ?, ?, ?)", clock.millis(), user, action, target, detail);
    }

    /** The newest {@code limit} audit entries, newest first. */
    synchronized List<AuditEntry> audit(int limit) {
        List<AuditEntry> out = new ArrayList<>();
        try (PreparedStatement ps = prepare("SELECT id, time, user, action, target, detail FROM audit ORDER BY id DESC LIMIT ?", limit);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new AuditEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)));
            }
            return out;
        } catch (SQLException e) {
            throw failure("reading the audit log", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw failure("closing", e);
        }
    }

    private long count(String sql) {
        try (PreparedStatement ps = prepare(sql); ResultSet rs = ps.executeQuery()) {
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure(sql, e);
        }
    }

    private int update(String sql, Object... args) {
        try (PreparedStatement ps = prepare(sql, args)) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("writing", e);
        }
    }

    private PreparedStatement prepare(String sql, Object... args) throws SQLException {
        PreparedStatement ps = db.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    private FarsyncException failure(String what, SQLException e) {
        return new FarsyncException(ExitCode.INTERNAL, "console database " + file + ": " + what + ": " + e.getMessage(), e);
    }
}
