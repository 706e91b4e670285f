package io.farsync.sync.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Scanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
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
        write(root.resolve("f"), "one", 1);
        try (VersionStore old = VersionStore.open(VersionStore.legacyFileFor(state, root))) {
            old.refresh(root, scan(root), "legacy");
        }
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

    private static io.farsync.sync.scan.ScanResult scan(Path root) {
        return new Scanner(false, Set.of(), Filter.NONE).scan(root);
    }

    private static void write(Path f, String s, long seconds) throws Exception {
        Files.writeString(f, s);
        Files.setLastModifiedTime(f, FileTime.from(Instant.EPOCH.plusSeconds(seconds)));
    }
}
