package io.farsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.ConflictNames;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.TempNames;
import io.farsync.sync.snapshot.RunRecord;
import io.farsync.sync.snapshot.SnapshotLock;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code farsync admin}: the sessions this host keeps snapshots of (the client's
 * {@code ~/.farsync/snapshots/*.local.db}, a server's {@code <state-dir>/snapshots/*.remote.db}),
 * their counters and per-file state, and resetting one so the next sync compares everything.
 */
@Command(name = "admin", description = "Inspect and reset sync sessions (their snapshot databases).",
        subcommands = {AdminCommand.Sessions.class, AdminCommand.Show.class, AdminCommand.Reset.class})
final class AdminCommand implements Runnable {
    private static final String LIST_HINT = "'farsync admin sessions' lists them";

    final Main.Context context;

    AdminCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command: sessions, show or reset");
    }

    /** Options every admin subcommand takes. */
    static final class Common {
        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "also look in a server's state directory (default: ~/.farsync and ~/.farsync/server)")
        List<Path> stateDirs = new ArrayList<>();

        @Option(names = "--json", description = "machine-readable output")
        boolean json;
    }

    /** One snapshot database: a session as seen by one endpoint. */
    record SessionDb(String id, String db, Path file) {
        String key() {
            return id + "." + db;
        }
    }

    List<SessionDb> discover(Common c) {
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(context.home().dir().resolve("snapshots"));
        dirs.add(context.home().dir().resolve("server").resolve("snapshots"));
        for (Path d : c.stateDirs) {
            dirs.add(d.toAbsolutePath().normalize().resolve("snapshots"));
        }
        List<SessionDb> out = new ArrayList<>();
        for (Path dir : dirs) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.db")) {
                for (Path f : ds) {
                    String name = f.getFileName().toString();
                    for (String kind : List.of("local", "remote")) {
                        if (name.endsWith("." + kind + ".db")) {
                            out.add(new SessionDb(name.substring(0, name.length() - kind.length() - 4), kind, f));
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                // no sessions there
            } catch (IOException e) {
                throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    /**
     * The databases {@code selector} names: a session id (both databases when a local sync keeps
     * the two in one home), {@code ID.local} / {@code ID.remote}, or a unique prefix of 4+ characters.
     */
    List<SessionDb> select(Common c, String selector) {
        String idPart = selector;
        String dbPart = null;
        for (String kind : List.of("local", "remote")) {
            if (selector.endsWith("." + kind)) {
                idPart = selector.substring(0, selector.length() - kind.length() - 1);
                dbPart = kind;
            }
        }
        String wantedDb = dbPart;
        List<SessionDb> all = discover(c).stream().filter(s -> wantedDb == null || s.db().equals(wantedDb)).toList();
        String id = idPart;
        List<SessionDb> exact = all.stream().filter(s -> s.id().equals(id)).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        List<SessionDb> byPrefix = id.length() >= 4 ? all.stream().filter(s -> s.id().startsWith(id)).toList() : List.of();
        if (byPrefix.stream().map(SessionDb::id).distinct().count() == 1) {
            return byPrefix;
        }
        if (byPrefix.isEmpty()) {
            throw new FarsyncException(ExitCode.USAGE, "unknown session '" + selector + "'; " + LIST_HINT);
        }
        throw new FarsyncException(ExitCode.USAGE, "session '" + selector + "' is ambiguous ("
                + byPrefix.stream().map(SessionDb::key).toList() + "); " + LIST_HINT);
    }

    /** Summary of one database: identity, counters and the latest run. */
    static Map<String, Object> describe(SessionDb s, SnapshotStore db) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", s.id());
        m.put("db", s.db());
        m.put("file", s.file().toString());
        m.put("role", db.meta("role").orElse(null));
        m.put("root", db.meta("root").orElse(null));
        m.put("peer_db", db.meta("peer_uuid").orElse(null));
        m.put("entries", db.entryCount());
        RunRecord run = db.lastRun().orElse(null);
        long started = db.meta("run_started").map(Long::parseLong).orElse(0L);
        SnapshotLock.heldBy(s.file()).ifPresent(pid -> m.put("running_pid", pid));
        if (run == null || started > run.startedMillis()) {
            // a run began after the last recorded end and never recorded its own: killed, or still going
            if (started > 0) {
                m.put("unfinished_run_started", iso(started));
            }
        }
        if (run != null) {
            m.put("last_started", iso(run.startedMillis()));
            m.put("last_ended", iso(run.endedMillis()));
            m.put("last_status", run.status());
            m.put("last_error", run.error());
            m.put("last_files_transferred", run.filesTransferred());
            m.put("last_bytes_transferred", run.bytesTransferred());
            m.put("last_files_deleted", run.filesDeleted());
            m.put("last_files_moved", run.filesMoved());
            m.put("pending", run.pending());
            m.put("resumable_partials", run.resumable());
            m.put("conflicts", run.conflicts());
            m.put("errors", run.errors().size());
        } else {
            m.put("last_status", null);
        }
        return m;
    }

    private static String iso(long millis) {
        return Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    void printJson(Object value) {
        try {
            context.out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "cannot write JSON: " + e.getMessage(), e);
        }
    }

    private static Object orDash(Object o) {
        return o == null ? "-" : o;
    }

    @Command(name = "sessions", description = "List the sessions with a snapshot here: id, database, role, root, entries, last sync and result.")
    static final class Sessions implements Callable<Integer> {
        @ParentCommand
        AdminCommand admin;
        @Mixin
        Common common;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SessionDb s : admin.discover(common)) {
                try (SnapshotStore db = SnapshotStore.openReadOnly(s.file())) {
                    rows.add(describe(s, db));
                } catch (FarsyncException e) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("session", s.id());
                    m.put("db", s.db());
                    m.put("file", s.file().toString());
                    m.put("entries", null);
                    m.put("last_status", "unreadable");
                    m.put("last_error", e.getMessage());
                    rows.add(m);
                }
            }
            if (common.json) {
                admin.printJson(rows);
                return 0;
            }
            if (rows.isEmpty()) {
                admin.context.out().println("no sessions");
                return 0;
            }
            admin.context.out().printf("%-32s %-6s %-11s %8s  %-20s  %-7s  %s%n", "SESSION", "DB", "ROLE", "ENTRIES", "LAST SYNC", "RESULT", "ROOT");
            for (Map<String, Object> r : rows) {
                admin.context.out().printf("%-32s %-6s %-11s %8s  %-20s  %-7s  %s%n", r.get("session"), r.get("db"), orDash(r.get("role")),
                        orDash(r.get("entries")), orDash(r.get("last_ended")), r.containsKey("running_pid") ? "running"
                        : r.containsKey("unfinished_run_started") ? "unfinished" : orDash(r.get("last_status")), orDash(r.get("root")));
            }
            return 0;
        }
    }

    @Command(name = "show", description = "Counters of a session (synchronized, pending, conflicts, errors); --files for per-file state.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        AdminCommand admin;
        @Mixin
        Common common;

        @Parameters(paramLabel = "SESSION", description = "session id, ID.local / ID.remote, or a unique prefix")
        String session;

        @Option(names = "--files", description = "list every entry with its state")
        boolean files;

        @Option(names = "--path-prefix", paramLabel = "P", description = "with --files: only paths starting with P")
        String pathPrefix = "";

        @Override
        public Integer call() {
            List<Map<String, Object>> out = new ArrayList<>();
            for (SessionDb s : admin.select(common, session)) {
                try (SnapshotStore db = SnapshotStore.openReadOnly(s.file())) {
                    Map<String, Object> m = describe(s, db);
                    RunRecord run = db.lastRun().orElse(null);
                    m.put("error_lines", run == null ? List.of() : run.errors());
                    // the conflict copies in sync now: each a version that lost a conflict, left for the user to settle
                    m.put("conflict_copies", db.loadAll().keySet().stream().filter(ConflictNames::isCopy).toList());
                    if (files) {
                        List<Map<String, Object>> rows = fileStates(db, run);
                        if ("destination".equals(m.get("role")) && m.get("root") != null) {
                            rows.addAll(partialFiles(Path.of((String) m.get("root")), db.partials()));
                        }
                        m.put("files", rows);
                    }
                    out.add(m);
                }
            }
            if (common.json) {
                admin.printJson(out.size() == 1 ? out.get(0) : out);
                return 0;
            }
            for (Map<String, Object> m : out) {
                printText(m);
            }
            return 0;
        }

        private List<Map<String, Object>> fileStates(SnapshotStore db, RunRecord run) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Entry e : db.loadAll().tailMap(pathPrefix, true).values()) {
                if (!e.path().startsWith(pathPrefix)) {
                    break;
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("path", e.path());
                r.put("state", "synchronized");
                r.put("type", e.type().name().toLowerCase(java.util.Locale.ROOT));
                r.put("size", e.size());
                r.put("mtime", Instant.ofEpochSecond(0, e.mtimeNanos()).toString());
                rows.add(r);
            }
            if (run != null) {
                for (String line : run.errors()) {
                    if (line.startsWith(pathPrefix)) {
                        int colon = line.indexOf(": ");
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("path", colon < 0 ? line : line.substring(0, colon));
                        r.put("state", "error");
                        r.put("reason", colon < 0 ? "" : line.substring(colon + 2));
                        rows.add(r);
                    }
                }
            }
            return rows;
        }

        /**
         * Partial files of interrupted transfers below a destination root (hidden, kept for the
         * next run to resume): a walk of the tree, so only for {@code --files}. The path each will
         * become is the one the destination noted ({@code notes}, by the partial's relative path):
         * partial names truncate long names, so the final name cannot be cut out of them; a
         * partial nobody noted (an older farsync) shows its own path and {@code final: null}.
         */
        private List<Map<String, Object>> partialFiles(Path root, Map<String, String> notes) {
            List<Map<String, Object>> rows = new ArrayList<>();
            if (!Files.isDirectory(root)) {
                return rows;
            }
            try (var walk = Files.walk(root)) {
                for (Path f : (Iterable<Path>) walk::iterator) {
                    String name = f.getFileName().toString();
                    if (!TempNames.isPartialName(name)) {
                        continue;
                    }
                    String rel = root.relativize(f).toString();
                    String path = notes.get(rel);
                    if ((path == null ? rel : path).startsWith(pathPrefix)) {
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("path", path == null ? rel : path);
                        r.put("final", path);
                        r.put("state", "partial");
                        r.put("type", "file");
                        r.put("size", f.toFile().length());
                        r.put("partial_file", f.toString());
                        rows.add(r);
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                admin.context.err().println("farsync: cannot list partial files below " + root + ": " + e.getMessage());
            }
            return rows;
        }

        private void printText(Map<String, Object> m) {
            var p = admin.context.out();
            p.printf("session       %s (%s database %s)%n", m.get("session"), m.get("db"), m.get("file"));
            p.printf("role          %s%n", orDash(m.get("role")));
            p.printf("root          %s%n", orDash(m.get("root")));
            p.printf("peer db       %s%n", orDash(m.get("peer_db")));
            p.printf("synchronized  %s entries%n", m.get("entries"));
            if (m.containsKey("running_pid")) {
                p.printf("running       a sync of this session is running now (pid %s)%n", m.get("running_pid"));
            }
            if (m.containsKey("unfinished_run_started")) {
                p.printf("unfinished    a run started %s has not recorded its end (%s)%n", m.get("unfinished_run_started"),
                        m.containsKey("running_pid") ? "still running" : "killed");
            }
            if (m.get("last_status") == null) {
                p.println("last sync     never recorded");
            } else {
                p.printf("last sync     %s, %s to %s%s%n", m.get("last_status"), m.get("last_started"), m.get("last_ended"),
                        m.get("last_error") == null ? "" : ": " + m.get("last_error"));
                p.printf("transferred   %s files, %s bytes; deleted %s; moved %s%n", m.get("last_files_transferred"),
                        m.get("last_bytes_transferred"), m.get("last_files_deleted"), m.get("last_files_moved"));
                p.printf("pending       %s%n", m.get("pending"));
                p.printf("resumable     %s partial files%n", m.get("resumable_partials"));
                p.printf("conflicts     %s in the last run%n", m.get("conflicts"));
            }
            List<?> copies = (List<?>) m.get("conflict_copies");
            p.printf("conflict copies %s%n", copies.size());
            for (Object c : copies) {
                p.println("  " + c);
            }
            if (m.get("last_status") != null) {
                p.printf("errors        %s%n", m.get("errors"));
                for (Object line : (List<?>) m.get("error_lines")) {
                    p.println("  " + line);
                }
            }
            if (m.get("files") instanceof List<?> rows) {
                for (Object o : rows) {
                    Map<?, ?> r = (Map<?, ?>) o;
                    if ("error".equals(r.get("state"))) {
                        p.printf("%-13s %s: %s%n", "error", r.get("path"), r.get("reason"));
                    } else {
                        p.printf("%-13s %-9s %12s  %s%n", r.get("state"), r.get("type"), r.get("size"), r.get("path"));
                    }
                }
            }
            p.println();
        }
    }

    @Command(name = "reset", description = "Delete a session's snapshot so the next sync starts from a full compare (needs --yes).")
    static final class Reset implements Callable<Integer> {
        @ParentCommand
        AdminCommand admin;
        @Mixin
        Common common;

        @Parameters(paramLabel = "SESSION", description = "session id, ID.local / ID.remote, or a unique prefix")
        String session;

        @Option(names = "--yes", description = "really delete the snapshot")
        boolean yes;

        @Override
        public Integer call() {
            List<SessionDb> dbs = admin.select(common, session);
            if (!yes) {
                throw new FarsyncException(ExitCode.USAGE, "resetting session " + session + " deletes "
                        + dbs.stream().map(d -> d.file().toString()).toList() + "; add --yes to do it");
            }
            List<Map<String, Object>> done = new ArrayList<>();
            for (SessionDb s : dbs) {
                // never under a running sync's feet: that run would recreate half a snapshot
                try (SnapshotLock lock = SnapshotLock.acquire(s.file(), "session " + s.key())) {
                    Files.deleteIfExists(s.file());
                    Files.deleteIfExists(s.file().resolveSibling(s.file().getFileName() + "-wal"));
                    Files.deleteIfExists(s.file().resolveSibling(s.file().getFileName() + "-shm"));
                } catch (IOException e) {
                    throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot delete " + s.file() + ": " + e.getMessage(), e);
                }
                done.add(Map.of("session", s.id(), "db", s.db(), "file", s.file().toString(), "reset", true));
                if (!common.json) {
                    admin.context.out().println("reset " + s.key() + " (deleted " + s.file() + ")");
                }
            }
            if (common.json) {
                admin.printJson(done);
            }
            return 0;
        }
    }
}
