package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.FarsyncException;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Syncs limited to a scope (continuous mode's batches) find what a whole-tree sync finds inside it, and nothing outside. */
class ScopeTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;
    Random random;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        random = new Random(SEED);
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
        write("a/b/c/one.bin");
        write("a/other.bin");
        write("b/two.bin");
        sync.run().ok();
        Trees.assertSameTree(src, dst);
    }

    private void write(String path) throws IOException {
        Trees.write(src.resolve(path), Trees.random(random, 100 + random.nextInt(5000)), Trees.randomMtime(random));
    }

    private SyncResult scoped(String... paths) throws Exception {
        sync.scope = Scope.of(List.of(paths));
        return sync.run().ok();
    }

    @Test
    void scopedSync_looksOnlyInsideItsSubtrees() throws Exception {
        write("a/b/c/new.bin");
        write("b/new.bin");

        SyncResult r = scoped("a/b");
        assertThat(r.filesTransferred()).isEqualTo(1);
        assertThat(dst.resolve("a/b/c/new.bin")).exists();
        assertThat(dst.resolve("b/new.bin")).doesNotExist();

        scoped("b/new.bin");
        Trees.assertSameTree(src, dst);
    }

    @Test
    void renameBetweenHintedPaths_isOneMove() throws Exception {
        Files.move(src.resolve("a"), src.resolve("renamed"));

        SyncResult r = scoped("a", "renamed");
        assertThat(r.filesMoved()).isEqualTo(1);
        assertThat(r.filesTransferred()).isZero();
        Trees.assertSameTree(src, dst);
    }

    @Test
    void deletedAncestorOfAHintedPath_deletesAllOfIt() throws Exception {
        try (var walk = Files.walk(src.resolve("a"))) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }

        scoped("a/b/c/one.bin");
        Trees.assertSameTree(src, dst);
        try (SnapshotStore d = SnapshotStore.open(sync.dstDb); SnapshotStore s = SnapshotStore.open(sync.srcDb)) {
            assertThat(d.loadSubtree("a")).as("destination records outside its scope, deleted by the widened source").isEmpty();
            assertThat(s.loadSubtree("a")).isEmpty();
        }
    }

    /**
     * The churn run's stale empty directories: a directory renamed after the source checked a
     * hinted path's ancestors and before it scanned them. Its record, loaded only as an ancestor,
     * must not be taken for a delete of the whole directory (whose other entries this batch does
     * not look at): the destination would keep it for them, both sides would forget it, and once
     * those entries went it would stay behind empty, recorded nowhere.
     */
    @Test
    void ancestorRenamedWhileTheBatchScans_leavesNoStaleDirectory() throws Exception {
        write("a/b/c/two.bin");
        Files.createDirectories(src.resolve("a/b/c/empty"));
        sync.run().ok();
        Files.delete(src.resolve("a/b/c/one.bin"));
        sync.sourceBeforeScan = () -> {
            try {
                Files.move(src.resolve("a/b"), src.resolve("a/renamed"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        scoped("a/b/c/one.bin");
        sync.sourceBeforeScan = null;

        scoped("a/b", "a/renamed"); // the watcher's hints of the rename
        Trees.assertSameTree(src, dst);
        sync.scope = Scope.WHOLE;
        assertThat(sync.run().ok().upToDate()).isTrue();
        Trees.assertSameTree(src, dst);
    }

    @Test
    void destinationDatabaseRecreated_scopedSyncComparesEverything() throws Exception {
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(Path.of(sync.dstDb + suffix));
        }
        write("b/outside.bin");

        scoped("a/b");
        Trees.assertSameTree(src, dst);
    }

    @Test
    void scopeOf_dropsNestedPaths_andRejectsEscapes() {
        assertThat(Scope.of(List.of("a/b", "a", "a-b", "c/d")).paths()).containsExactly("a", "a-b", "c/d");
        assertThat(Scope.of(List.of("x", "")).isWhole()).isTrue();
        assertThatThrownBy(() -> Scope.of(List.of("../etc"))).isInstanceOf(FarsyncException.class);
    }
}
