package io.farsync.sync.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.scan.EntryType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {

    @TempDir
    Path tmp;

    private static Entry file(String path, long size) {
        return new Entry(path, EntryType.FILE, size, 1_600_000_000_123_456_789L, 0644, 42, null);
    }

    @Test
    void reopenAfterClose_keepsEntriesIdAndPeerId() {
        Path db = tmp.resolve("nested/dir/snap.db");
        String id;
        try (SnapshotStore s = SnapshotStore.open(db)) {
            id = s.id();
            s.put(file("a/b.txt", 10));
            s.put(new Entry("a", EntryType.DIRECTORY, 0, 5, 0755, 7, null));
            s.put(new Entry("ln", EntryType.SYMLINK, 0, 6, 0, 8, "../target with spaces"));
            s.setPeerId("peer-1");
        }
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.id()).isEqualTo(id);
            assertThat(s.peerId()).contains("peer-1");
            assertThat(s.loadAll().keySet()).containsExactly("a", "a/b.txt", "ln");
            assertThat(s.get("a/b.txt")).contains(file("a/b.txt", 10));
            assertThat(s.get("ln").orElseThrow().linkTarget()).isEqualTo("../target with spaces");
        }
    }

    @Test
    void putsDeletesAndMovesOfOneBatch_applyInTheOrderMade() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            s.put(file("a", 1));
            s.put(file("b", 2));
            s.remove("a");
            s.put(file("a", 3));
            s.remove("b");
            s.remove("c");
            s.put(file("d/x", 4));
            s.moveTree("d", "e");
            s.put(file("d/x", 5));
            s.put(file("b", 6));
            s.put(file("b", 7));
            assertThat(s.pendingCount()).isEqualTo(11);
            s.flush();

            assertThat(s.loadAll()).containsOnlyKeys("a", "b", "d/x", "e/x");
            assertThat(s.get("a")).contains(file("a", 3));
            assertThat(s.get("b")).contains(file("b", 7));
            assertThat(s.get("d/x")).contains(file("d/x", 5));
            assertThat(s.get("e/x")).contains(file("e/x", 4));
        }
    }

    @Test
    void loadAll_sharesTheScannedObjectOfEachUnchangedEntry_andKeepsChangedOnesApart() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            // U+1F600 sorts after U+E000 in UTF-8 (the primary key's order), before it in Java's
            s.put(file("\uE000", 1));
            s.put(file("\uD83D\uDE00", 2));
            s.put(file("a", 3));
            s.put(file("b", 4));
            java.util.TreeMap<String, Entry> scanned = new java.util.TreeMap<>();
            Entry sameA = file("a", 3);
            scanned.put("a", sameA);
            scanned.put("b", file("b", 5));
            scanned.put("\uE000", file("\uE000", 1));

            java.util.NavigableMap<String, Entry> loaded = s.loadAll(scanned);

            assertThat(loaded.keySet()).containsExactly("a", "b", "\uD83D\uDE00", "\uE000");
            assertThat(loaded.get("a")).isSameAs(sameA);
            assertThat(loaded.get("b")).isEqualTo(file("b", 4));
            assertThat(loaded).isEqualTo(s.loadAll());
        }
    }

    @Test
    void loadAll_overAScannedTable_marksUnchangedRows_andHoldsTheOthers_inBothOrders() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            // U+1F600 sorts after U+E000 in UTF-8 (the primary key's order), before it in Java's
            for (String p : new String[] {"\uE000", "\uE000/x", "\uD83D\uDE00", "\uD83D\uDE00/y", "a", "b", "gone"}) {
                s.put(file(p, p.length()));
            }
            java.util.TreeMap<String, Entry> scanned = new java.util.TreeMap<>();
            for (String p : new String[] {"\uE000", "\uE000/x", "\uD83D\uDE00", "\uD83D\uDE00/y", "a", "new"}) {
                scanned.put(p, file(p, p.length()));
            }
            scanned.put("b", file("b", 99));
            io.farsync.sync.scan.EntryTable.Builder table = new io.farsync.sync.scan.EntryTable.Builder(scanned.size());
            scanned.values().forEach(table::add);

            java.util.NavigableMap<String, Entry> loaded = s.loadAll(table.build());

            assertThat(loaded).isInstanceOf(io.farsync.sync.scan.EntryOverlay.class);
            assertThat(loaded).containsExactlyEntriesOf(s.loadAll());
            assertThat(loaded.get("b")).isEqualTo(file("b", 1));
            assertThat(loaded).doesNotContainKey("new");
            // still a map to work on: the destination records what it applies
            loaded.remove("a");
            loaded.put("new", file("new", 3));
            assertThat(loaded.keySet()).containsExactly("b", "gone", "new", "\uD83D\uDE00", "\uD83D\uDE00/y", "\uE000", "\uE000/x");
        }
    }

    @Test
    void newDatabase_getsARandomIdAndNoPeer() {
        try (SnapshotStore a = SnapshotStore.open(tmp.resolve("a.db")); SnapshotStore b = SnapshotStore.open(tmp.resolve("b.db"))) {
            assertThat(a.id()).isNotEqualTo(b.id());
            assertThat(a.peerId()).isEmpty();
            assertThat(a.loadAll()).isEmpty();
        }
    }

    @Test
    void journalMode_isWal() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            assertThat(s.journalMode()).isEqualToIgnoringCase("wal");
        }
        assertThat(tmp.resolve("s.db")).exists();
    }

    @Test
    void writes_areBufferedAndCommittedInBatches() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            for (int i = 0; i < SnapshotStore.BATCH - 1; i++) {
                s.put(file("f" + i, i));
            }
            assertThat(s.pendingCount()).isEqualTo(SnapshotStore.BATCH - 1);
            s.put(file("last", 1));
            assertThat(s.pendingCount()).isZero();
            s.remove("f0");
            assertThat(s.pendingCount()).isEqualTo(1);
            assertThat(s.loadAll()).hasSize(SnapshotStore.BATCH - 1).doesNotContainKey("f0");
        }
    }

    @Test
    void commitOnFlushOnly_aFullBatchStaysUncommittedUntilFlush() {
        Path db = tmp.resolve("s.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            s.commitOnFlushOnly(true);
            for (int i = 0; i < SnapshotStore.BATCH + 500; i++) {
                s.put(file("f" + i, i));
            }
            s.moveTree("f1", "moved");
            assertThat(s.pendingCount()).isEqualTo(SnapshotStore.BATCH + 501);
            try (SnapshotStore other = SnapshotStore.openReadOnly(db)) {
                assertThat(other.entryCount()).as("rows another connection sees before the flush").isZero();
            }
            s.flush();
            try (SnapshotStore other = SnapshotStore.openReadOnly(db)) {
                assertThat(other.entryCount()).isEqualTo(SnapshotStore.BATCH + 500);
                assertThat(other.get("moved")).isPresent();
            }
            s.commitOnFlushOnly(false);
            for (int i = 0; i < SnapshotStore.BATCH; i++) {
                s.remove("f" + i);
            }
            assertThat(s.pendingCount()).as("a full batch commits itself again").isZero();
        }
    }

    /**
     * A read that fails after SQLite rolled the open transaction back on its own (as it does for
     * SQLITE_FULL, IOERR or NOMEM even in a read) must not leave the store counting the rows it
     * applied there: the next flush applies and commits every pending row. SQLite's own rollback
     * cannot be provoked on demand in a test, so it is issued on the store's connection, and a
     * table the read needs is dropped to make the read fail.
     */
    @Test
    void aReadFailingAfterSqliteRolledBack_leavesEveryPendingRowToTheNextFlush() throws Exception {
        Path db = tmp.resolve("s.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            s.commitOnFlushOnly(true);
            s.put(file("a", 1));
            s.put(file("d/x", 2));
            s.moveTree("d", "e");
            assertThat(s.entryCount()).as("applied in the open transaction").isEqualTo(2);
            java.lang.reflect.Field field = SnapshotStore.class.getDeclaredField("db");
            field.setAccessible(true);
            java.sql.Connection connection = (java.sql.Connection) field.get(s);
            try (java.sql.Statement st = connection.createStatement()) {
                st.execute("ROLLBACK"); // what SQLite does itself after a SQLITE_FULL/IOERR/NOMEM
                st.execute("DROP TABLE run_errors");
            }
            assertThatThrownBy(s::lastRun).hasMessageContaining("cannot read snapshot database");
            s.put(file("f", 3));
            s.flush();
        }
        try (SnapshotStore s = SnapshotStore.openReadOnly(db)) {
            assertThat(s.loadAll()).as("every pending row, moved once").containsOnlyKeys("a", "e/x", "f");
            assertThat(s.get("e/x")).contains(file("e/x", 2));
        }
    }

    /**
     * Under commitOnFlushOnly, reads and side-table writes see the buffered rows (applied in the
     * open transaction) but commit nothing: another connection sees none of it until the flush.
     */
    @Test
    void commitOnFlushOnly_readsAndSideTableWritesSeePendingRows_butCommitOnlyOnFlush() {
        Path db = tmp.resolve("s.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            s.notePartial(".a.part", "a");
            s.flush();
            s.commitOnFlushOnly(true);
            s.put(file("a", 1));
            s.put(file("d/x", 2));
            assertThat(s.get("a")).contains(file("a", 1));
            s.put(file("d/y", 3));
            s.moveTree("d", "e");
            assertThat(s.loadAll()).containsOnlyKeys("a", "e/x", "e/y");
            assertThat(s.loadSubtree("e")).containsOnlyKeys("e/x", "e/y");
            assertThat(s.entryCount()).isEqualTo(3);
            s.clearPartials();
            assertThat(s.partials()).isEmpty();
            s.setPeerId("peer-2");
            assertThat(s.peerId()).contains("peer-2");
            s.recordRun(new RunRecord(1, 2, "ok", null, 3, 4, 0, 0, 0, 0, 0, List.of("e/x: failed once")));
            assertThat(s.lastRun().orElseThrow().errors()).containsExactly("e/x: failed once");
            assertThat(s.pendingCount()).as("applied by the reads, still uncommitted").isPositive();

            try (SnapshotStore other = SnapshotStore.openReadOnly(db)) {
                assertThat(other.entryCount()).as("rows another connection sees before the flush").isZero();
                assertThat(other.partials()).as("the partial note, cleared only in the open transaction").containsOnlyKeys(".a.part");
                assertThat(other.peerId()).isEmpty();
                assertThat(other.lastRun()).isEmpty();
            }
            s.flush();
            assertThat(s.pendingCount()).isZero();
            try (SnapshotStore other = SnapshotStore.openReadOnly(db)) {
                assertThat(other.loadAll()).containsOnlyKeys("a", "e/x", "e/y");
                assertThat(other.partials()).isEmpty();
                assertThat(other.peerId()).contains("peer-2");
                assertThat(other.lastRun().orElseThrow().errors()).containsExactly("e/x: failed once");
            }
        }
    }

    /**
     * The crash-safety promise: a process killed (SIGKILL) before its flush leaves none of the
     * rows it buffered under commitOnFlushOnly, even after it read them back and wrote other
     * tables; what it flushed before survives.
     */
    @Test
    void commitOnFlushOnly_killedBeforeFlush_leavesOnlyWhatWasFlushed() throws Exception {
        Path db = tmp.resolve("s.db");
        Process writer = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                WriteReadAndWait.class.getName(), db.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            assertThat(line.get(120, TimeUnit.SECONDS)).isEqualTo("sees " + (SnapshotStore.BATCH + 11) + " rows, moved true, partials 0");
        } finally {
            // killed, not closed: its transaction is open; waited for, so nothing writes into tmp after the test
            writer.destroyForcibly().waitFor();
            out.close();
        }
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.loadAll()).containsOnlyKeys("durable");
            assertThat(s.partials()).containsOnlyKeys(".durable.part");
            assertThat(s.peerId()).isEmpty();
        }
    }

    /** Flushes one row and a partial note, then buffers more, reads and writes under commitOnFlushOnly, and waits to be killed. */
    static final class WriteReadAndWait {
        public static void main(String[] args) throws Exception {
            SnapshotStore s = SnapshotStore.open(Path.of(args[0]));
            s.put(file("durable", 1));
            s.notePartial(".durable.part", "durable");
            s.flush();
            s.commitOnFlushOnly(true);
            for (int i = 0; i < SnapshotStore.BATCH + 10; i++) {
                s.put(file("pending" + i, i));
            }
            s.remove("durable");
            s.put(file("durable", 1));
            s.moveTree("pending1", "moved");
            s.clearPartials();
            s.setPeerId("peer-3");
            System.out.println("sees " + s.entryCount() + " rows, moved " + s.get("moved").isPresent() + ", partials " + s.partials().size());
            System.out.flush();
            while (System.in.read() >= 0) {
                // killed here, the transaction open
            }
        }
    }

    /** A reader that stays open sees each later commit: its reads do not keep an old WAL snapshot. */
    @Test
    void readOnlyStoreKeptOpen_seesLaterCommits() {
        Path db = tmp.resolve("s.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            s.put(file("a", 1));
            s.flush();
            try (SnapshotStore reader = SnapshotStore.openReadOnly(db)) {
                assertThat(reader.entryCount()).isEqualTo(1);
                assertThat(reader.get("a")).isPresent();
                assertThat(reader.loadAll()).containsOnlyKeys("a");
                assertThat(reader.loadSubtree("a")).containsOnlyKeys("a");
                assertThat(reader.partials()).isEmpty();
                s.put(file("a/b", 2));
                s.notePartial(".x.part", "x");
                s.flush();
                assertThat(reader.entryCount()).isEqualTo(2);
                assertThat(reader.get("a/b")).isPresent();
                assertThat(reader.loadAll()).containsOnlyKeys("a", "a/b");
                assertThat(reader.loadSubtree("a")).containsOnlyKeys("a", "a/b");
                assertThat(reader.partials()).containsOnlyKeys(".x.part");
            }
        }
    }

    @Test
    void putThenRemoveInOneBatch_appliesInOrder() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            s.put(file("x", 1));
            s.remove("x");
            s.remove("y");
            s.put(file("y", 2));
            assertThat(s.loadAll().keySet()).containsExactly("y");
        }
    }

    @Test
    void close_isIdempotent_andCommitsPending() {
        Path db = tmp.resolve("s.db");
        SnapshotStore s = SnapshotStore.open(db);
        s.put(file("x", 1));
        s.close();
        s.close();
        assertThatThrownBy(() -> s.put(file("y", 1))).isInstanceOf(IllegalStateException.class);
        try (SnapshotStore again = SnapshotStore.open(db)) {
            assertThat(again.loadAll()).containsOnlyKeys("x");
        }
    }

    @Test
    void deletedDatabase_isRecreatedWithANewId() throws Exception {
        Path db = tmp.resolve("s.db");
        String first;
        try (SnapshotStore s = SnapshotStore.open(db)) {
            first = s.id();
        }
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(tmp.resolve("s.db" + suffix));
        }
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.id()).isNotEqualTo(first);
        }
    }

    @Test
    void moveTree_renamesTheEntryAndItsSubtree_only() {
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("m.db"))) {
            s.put(new Entry("a", EntryType.DIRECTORY, 0, 5, 0755, 3, 7, null));
            s.put(file("a/x", 1));
            s.put(file("a/sub/y", 2));
            s.put(file("a-sibling", 3));
            s.put(file("ab", 4));
            s.moveTree("a", "z/b");
            s.moveTree("ab", "ba");

            assertThat(s.loadAll().keySet()).containsExactly("a-sibling", "ba", "z/b", "z/b/sub/y", "z/b/x");
            assertThat(s.get("z/b").orElseThrow().device()).isEqualTo(3);
            assertThat(s.get("z/b/sub/y")).contains(file("z/b/sub/y", 2));
        }
    }

    /** A database as an older farsync made it: {@code entries} with the given columns after mode, then the rows. */
    private Path legacyDatabase(String name, String laterColumns, String... inserts) throws Exception {
        Path db = tmp.resolve(name);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            st.execute("CREATE TABLE entries (path TEXT PRIMARY KEY, type INTEGER NOT NULL, size INTEGER NOT NULL, "
                    + "mtime_ns INTEGER NOT NULL, mode INTEGER NOT NULL, " + laterColumns + ") WITHOUT ROWID");
            for (String sql : inserts) {
                st.execute(sql);
            }
        }
        return db;
    }

    @Test
    void schema1Database_isMigrated_keepingItsEntriesWithUnknownDevice() throws Exception {
        Path db = legacyDatabase("old.db", "inode INTEGER NOT NULL, link_target TEXT",
                "INSERT INTO meta VALUES ('uuid', 'old-id'), ('schema', '1'), ('peer_uuid', 'peer')",
                "INSERT INTO entries VALUES ('f', 0, 10, 1600000000123456789, 420, 42, NULL)");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.id()).isEqualTo("old-id");
            assertThat(s.peerId()).contains("peer");
            assertThat(s.get("f")).contains(file("f", 10));
            s.put(new Entry("g", EntryType.FILE, 1, 2, 0644, 9, 8, null));
        }
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.get("g").orElseThrow().device()).isEqualTo(9);
        }
    }

    @Test
    void schema2Database_isMigrated_withUnknownOwners_andOwnersRoundTripAfterwards() throws Exception {
        Path db = legacyDatabase("v2.db", "device INTEGER NOT NULL DEFAULT 0, inode INTEGER NOT NULL, link_target TEXT",
                "INSERT INTO meta VALUES ('uuid', 'v2-id'), ('schema', '2')",
                "INSERT INTO entries VALUES ('f', 0, 10, 1600000000123456789, 420, 7, 42, NULL)");
        assertThatThrownBy(() -> SnapshotStore.openReadOnly(db)).hasMessageContaining("schema 2");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            Entry f = s.get("f").orElseThrow();
            assertThat(f.uid()).isEqualTo(Entry.UNKNOWN_ID);
            assertThat(f.xattrHash()).isZero();
            // unknown owner matches any: the migration alone changes nothing
            assertThat(f.unchangedAs(new Entry("f", EntryType.FILE, 10, 1_600_000_000_123_456_789L, 0644, 7, 42, null, 1000, 100, 1, 5)))
                    .isTrue();
            s.put(new Entry("g", EntryType.FILE, 1, 2, 0644, 9, 8, null, 1234, 567, 1, 99));
        }
        try (SnapshotStore s = SnapshotStore.openReadOnly(db)) {
            Entry g = s.get("g").orElseThrow();
            assertThat(g.uid()).isEqualTo(1234);
            assertThat(g.gid()).isEqualTo(567);
            assertThat(g.xattrHash()).isEqualTo(99);
            assertThat(g.unchangedAs(g.withXattrHash(100))).isFalse();
        }
    }

    @Test
    void schema1Database_loadedOverAScan_afterItsMigration_givesItsRecordsWithDefaultsForTheNewColumns() throws Exception {
        Path db = legacyDatabase("old-over.db", "inode INTEGER NOT NULL, link_target TEXT",
                "INSERT INTO meta VALUES ('uuid', 'old-id'), ('schema', '1')",
                "INSERT INTO entries VALUES ('f', 0, 10, 1600000000123456789, 420, 42, NULL), "
                        + "('g', 0, 11, 1600000000123456789, 420, 43, NULL), ('ln', 2, 0, 5, 0, 44, 'target')");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            io.farsync.sync.scan.EntryTable.Builder scan = new io.farsync.sync.scan.EntryTable.Builder(3);
            scan.add(file("f", 10));    // device 0, owners unknown: as migrated
            scan.add(new Entry("g", EntryType.FILE, 11, 1_600_000_000_123_456_789L, 0644, 0, 43, null, 1000, 1000, 1, 0));
            scan.add(new Entry("ln", EntryType.SYMLINK, 0, 5, 0, 44, "target"));
            io.farsync.sync.scan.EntryTable table = scan.build();

            io.farsync.sync.scan.EntryOverlay loaded = (io.farsync.sync.scan.EntryOverlay) s.loadAll(table);

            assertThat(loaded).containsExactlyEntriesOf(s.loadAll());
            assertThat(loaded.holdsRow(table, 0)).isTrue();
            assertThat(loaded.holdsRow(table, 1)).as("known owners differ from the record's unknown ones").isFalse();
            assertThat(loaded.holdsRow(table, 2)).isTrue();
            assertThat(loaded.get("g").uid()).isEqualTo(Entry.UNKNOWN_ID);
        }
    }

    @Test
    void readOnly_readsWhileAWriterHoldsTheDatabase_andRefusesWrites() throws Exception {
        Path db = tmp.resolve("busy.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            s.put(file("a", 1));
        }
        try (java.sql.Connection writer = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                java.sql.Statement st = writer.createStatement()) {
            // a sync in the middle of a commit: it holds the write lock
            st.execute("BEGIN IMMEDIATE");
            st.execute("INSERT INTO entries (path, type, size, mtime_ns, mode, inode) VALUES ('b', 0, 1, 1, 420, 1)");
            try (SnapshotStore ro = SnapshotStore.openReadOnly(db)) {
                assertThat(ro.entryCount()).isEqualTo(1);
                assertThat(ro.lastRun()).isEmpty();
                assertThatThrownBy(() -> ro.put(file("c", 1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
            }
            st.execute("COMMIT");
        }
    }

    @Test
    void runRecord_andEndpointDescription_surviveReopen_andTheLatestRunReplacesTheOneBefore() {
        Path db = tmp.resolve("run.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.lastRun()).isEmpty();
            s.describeEndpoint("destination", tmp.resolve("root"), 1_000);
            s.recordRun(new RunRecord(1_000, 2_000, "partial", null, 3, 4096, 1, 2, 0, 0, 0, java.util.List.of("a: one", "b: two")));
            s.recordRun(new RunRecord(3_000, 4_000, "error", "link down", 0, 0, 0, 0, 0, 5, 1, java.util.List.of("c: three")));
            s.put(file("x", 1));
        }
        try (SnapshotStore s = SnapshotStore.open(db)) {
            assertThat(s.meta("role")).contains("destination");
            assertThat(s.meta("root")).contains(tmp.resolve("root").toString());
            assertThat(s.meta("run_started")).contains("1000");
            assertThat(s.entryCount()).isEqualTo(1);
            assertThat(s.lastRun()).contains(
                    new RunRecord(3_000, 4_000, "error", "link down", 0, 0, 0, 0, 0, 5, 1, java.util.List.of("c: three")));
        }
    }

    @Test
    void aRowWithATypeCodeNoBuildWrites_failsTheLoadNamingTheRow_inBothLoads() throws Exception {
        Path db = tmp.resolve("s.db");
        try (SnapshotStore s = SnapshotStore.open(db)) {
            s.put(file("a/b.txt", 10));
            s.put(file("c.txt", 3));
        }
        try (java.sql.Connection raw = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                java.sql.Statement st = raw.createStatement()) {
            st.executeUpdate("UPDATE entries SET type = 9 WHERE path = 'a/b.txt'");
        }
        EntryTable.Builder scanned = new EntryTable.Builder(1);
        scanned.add(file("c.txt", 3));
        EntryTable table = scanned.build();
        try (SnapshotStore s = SnapshotStore.open(db)) {
            for (Runnable load : List.<Runnable>of(s::loadAll, () -> s.loadAll(table))) {
                assertThatThrownBy(load::run)
                        .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.INTERNAL))
                        .hasMessageContaining("cannot read snapshot database " + db)
                        .hasMessageContaining("corrupt row for a/b.txt: unknown entry type code 9")
                        .hasMessageContaining("farsync admin reset");
            }
            // the store stays usable: the row is still there to reset, nothing else was touched
            assertThat(s.get("c.txt")).contains(file("c.txt", 3));
        }
    }
}
