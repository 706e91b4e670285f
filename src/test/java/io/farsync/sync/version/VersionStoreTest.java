package io.farsync.sync.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.InterProcessLock;
import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Scanner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refresh counts local writes and deletes; settle adopts the peer's vector where its version now lies. */
class VersionStoreTest {
    @TempDir
    Path tmp;

    @Test
    void refresh_bumpsOnlyChangedPaths_deletesBecomeTombstones_andTheReplicaIdIsStable() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path db = tmp.resolve("v.db");
        write(root.resolve("f"), "one", 1);
        write(root.resolve("g"), "g", 1);
        String id;
        try (VersionStore s = VersionStore.open(db)) {
            id = s.replicaId();
            NavigableMap<String, VersionRow> rows = s.refresh(root, scan(root), "host1");
            assertThat(rows.get("f").vector()).isEqualTo(new VersionVector(Map.of(id, 1L)));
            assertThat(rows.get("f").origin()).isEqualTo("host1");
        }
        write(root.resolve("f"), "two!", 2);
        Files.delete(root.resolve("g"));
        try (VersionStore s = VersionStore.open(db)) {
            assertThat(s.replicaId()).isEqualTo(id);
            NavigableMap<String, VersionRow> rows = s.refresh(root, scan(root), "host1");
            assertThat(rows.get("f").vector().get(id)).isEqualTo(2);
            assertThat(rows.get("g").deleted()).isTrue();
            assertThat(rows.get("g").vector().get(id)).isEqualTo(2);
            assertThat(s.refresh(root, scan(root), "host1")).as("nothing changed: nothing bumped").isEqualTo(rows);
        }
    }

    @Test
    void settle_adoptsThePeersVector_forItsVersionNowHere_soTheNextRefreshCountsNoWrite() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        write(root.resolve("f"), "mine", 1);
        try (VersionStore s = VersionStore.open(tmp.resolve("v.db"))) {
            s.refresh(root, scan(root), "me");
            // the peer's version arrives (as the sync would write it)
            write(root.resolve("f"), "theirs", 5);
            VersionRow theirs = new VersionRow("f", io.farsync.sync.scan.EntryType.FILE, 6, Instant.EPOCH.plusSeconds(5).getEpochSecond() * 1_000_000_000L,
                    "", new VersionVector(Map.of("peer", 3L)), "peerhost");
            s.settle(root, Map.of(), Map.of("f", theirs), Map.of(), scan(root).entries());
            VersionRow now = s.refresh(root, scan(root), "me").get("f");
            assertThat(now.vector()).isEqualTo(new VersionVector(Map.of("peer", 3L, s.replicaId(), 1L)));
            assertThat(now.origin()).isEqualTo("peerhost");
        }
    }

    /**
     * refresh looks at the disk before it takes SQLite's write lock, so another session (another
     * connection, as another process) can settle rows meanwhile; refresh then decides those paths
     * again: f now holds the peer's version (not the scanned local write), and h holds exactly
     * what was scanned but its row now carries the peer's vector, which must not be dropped.
     */
    @Test
    void refresh_statsOutsideTheWriteLock_andDecidesAgainWhereAnotherSessionSettledMeanwhile() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path db = tmp.resolve("v.db");
        write(root.resolve("f"), "one", 1);
        write(root.resolve("g"), "g", 1);
        write(root.resolve("h"), "h", 1);
        try (VersionStore s = VersionStore.open(db); VersionStore other = VersionStore.open(db)) {
            String id = s.replicaId();
            s.refresh(root, scan(root), "me");
            write(root.resolve("f"), "two", 2);
            write(root.resolve("g"), "gg", 2);
            write(root.resolve("h"), "hh", 2);
            s.afterStat = () -> {
                try {
                    write(root.resolve("f"), "three", 3);
                    Map<String, VersionRow> peer = Map.of(
                            "f", new VersionRow("f", io.farsync.sync.scan.EntryType.FILE, 5, 3_000_000_000L, "",
                                    new VersionVector(Map.of(id, 1L, "peer", 1L)), "peerhost"),
                            "h", new VersionRow("h", io.farsync.sync.scan.EntryType.FILE, 2, 2_000_000_000L, "",
                                    new VersionVector(Map.of(id, 1L, "peer", 1L)), "peerhost"));
                    other.settle(root, Map.of(), peer, Map.of(), scan(root).entries());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            NavigableMap<String, VersionRow> rows = s.refresh(root, scan(root), "me");
            assertThat(rows.get("f").vector()).as("the delivered version, not the replaced local write")
                    .isEqualTo(new VersionVector(Map.of(id, 1L, "peer", 1L)));
            assertThat(rows.get("h").vector()).as("the peer's counter kept").isEqualTo(new VersionVector(Map.of(id, 1L, "peer", 1L)));
            assertThat(rows.get("g").vector()).as("an untouched local write counted").isEqualTo(new VersionVector(Map.of(id, 2L)));
            assertThat(s.rows()).isEqualTo(rows);
        }
    }

    /** A root last synced by an older farsync keeps its replica id and rows when its store moves into the root. */
    @Test
    void openFor_copiesTheStoreAnOlderFarsyncKeptBesideTheSnapshots() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        write(root.resolve("f"), "one", 1);
        String id;
        NavigableMap<String, VersionRow> rows;
        try (VersionStore old = VersionStore.open(VersionStore.legacyFileFor(state, root))) {
            id = old.replicaId();
            rows = old.refresh(root, scan(root), "host1");
        }
        try (VersionStore s = VersionStore.openFor(root, state)) {
            assertThat(s.file()).isEqualTo(root.resolve(".farsync-replica/versions.db"));
            assertThat(s.replicaId()).isEqualTo(id);
            assertThat(s.rows()).isEqualTo(rows);
        }
        try (VersionStore other = VersionStore.openFor(root, Files.createDirectories(tmp.resolve("another-state")))) {
            assertThat(other.replicaId()).as("one replica whichever process opens it").isEqualTo(id);
        }
    }

    /**
     * Another process creates and opens the root's store while this one is about to copy the
     * legacy store over (it found none a moment ago): the copy must not replace the live store.
     */
    @Test
    void openFor_neverReplacesAStoreCreatedMeanwhile_andLeavesNoTempFile() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        legacyStore(root, state);
        VersionStore[] live = new VersionStore[1];
        VersionStore.beforeCreate = () -> {
            live[0] = VersionStore.open(root.resolve(".farsync-replica/versions.db"));
            live[0].refresh(root, scan(root), "live");
        };
        try (VersionStore s = VersionStore.openFor(root, state)) {
            assertThat(s.replicaId()).as("the store opened meanwhile stays the root's").isEqualTo(live[0].replicaId());
            assertThat(s.rows().get("f").origin()).isEqualTo("live");
            assertThat(live[0].rows().get("f").origin()).isEqualTo("live");
        } finally {
            VersionStore.beforeCreate = () -> {
            };
            live[0].close();
        }
        try (var names = Files.list(root.resolve(".farsync-replica"))) {
            assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("migrating"));
        }
    }

    /**
     * A mesh node's job and server are two processes opening the root's store at once: the other
     * JVM copies the legacy store in (held at that moment under the creation lock), this one has
     * no legacy store and waits for the lock instead of making a new store beside the copy. Both
     * end with the legacy replica id, and the store this process opened is the published one.
     */
    @Test
    void openFor_inTwoProcessesAtOnce_makesOneStore_theMigratedOne() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        String legacyId = legacyStore(root, state);
        Process other = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                MigrateWhenTold.class.getName(), root.toString(), state.toString()).redirectErrorStream(true).start();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("creating");
            Path replica = root.resolve(".farsync-replica");
            Future<String> here = pool.submit(() -> {
                try (VersionStore s = VersionStore.openFor(root, Files.createDirectories(tmp.resolve("another-state")))) {
                    s.refresh(root, scan(root), "here");
                    return s.replicaId();
                }
            });
            InterProcessLock creating = InterProcessLock.of(replica.resolve("versions.lock"));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> creating.isLocked() || here.isDone());
            assertThat(here.isDone()).as("this process waits for the other's creation").isFalse();
            assertThat(replica.resolve("versions.db")).doesNotExist();
            other.getOutputStream().close(); // lets it copy and publish
            assertThat(out.readLine()).isEqualTo(legacyId);
            assertThat(here.get(60, TimeUnit.SECONDS)).isEqualTo(legacyId);
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            // waited for: neither may still write into tmp once the test is over
            other.destroyForcibly().waitFor();
            pool.shutdownNow();
            pool.awaitTermination(60, TimeUnit.SECONDS);
        }
        try (VersionStore s = VersionStore.openFor(root, state)) {
            assertThat(s.replicaId()).isEqualTo(legacyId);
            assertThat(s.rows().get("f").origin()).isEqualTo("legacy");
        }
    }

    /** Opens the root's store (copying the legacy one), pausing under the creation lock until stdin closes; prints the replica id. */
    static final class MigrateWhenTold {
        public static void main(String[] args) throws Exception {
            VersionStore.beforeCreate = () -> {
                System.out.println("creating");
                System.out.flush();
                try {
                    while (System.in.read() >= 0) {
                        // wait for the test to close stdin
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            try (VersionStore s = VersionStore.openFor(Path.of(args[0]), Path.of(args[1]))) {
                System.out.println(s.replicaId());
                System.out.flush();
            }
        }
    }

    /** Writes {@code root/f} and a legacy store in {@code state} whose row for it was written by "legacy"; returns its replica id. */
    private static String legacyStore(Path root, Path state) throws Exception {
        write(root.resolve("f"), "one", 1);
        try (VersionStore old = VersionStore.open(VersionStore.legacyFileFor(state, root))) {
            old.refresh(root, scan(root), "legacy");
            return old.replicaId();
        }
    }

    private static io.farsync.sync.scan.ScanResult scan(Path root) {
        return new Scanner(false, Set.of(), Filter.NONE).scan(root);
    }

    private static void write(Path f, String s, long seconds) throws Exception {
        Files.writeString(f, s);
        Files.setLastModifiedTime(f, FileTime.from(Instant.EPOCH.plusSeconds(seconds)));
    }

    @Test
    void aRowWithATypeCodeNoBuildWrites_failsTheRefreshNamingTheRow() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path db = tmp.resolve("v.db");
        write(root.resolve("f"), "one", 1);
        try (VersionStore s = VersionStore.open(db)) {
            s.refresh(root, scan(root), "host1");
        }
        try (java.sql.Connection raw = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                java.sql.Statement st = raw.createStatement()) {
            st.executeUpdate("UPDATE versions SET type = 9 WHERE path = 'f'");
        }
        try (VersionStore s = VersionStore.open(db)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.refresh(root, scan(root), "host1"))
                    .isInstanceOf(io.farsync.common.FarsyncException.class)
                    .hasMessageContaining("cannot read version database")
                    .hasMessageContaining("corrupt row for f: unknown entry type code 9");
        }
    }
}
