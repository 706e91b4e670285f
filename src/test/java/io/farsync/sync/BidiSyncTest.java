package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bidirectional sync over in-memory pipes: both sides' changes meet, conflicts keep both versions. */
class BidiSyncTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long SEC = 1_000_000_000L;

    @TempDir
    Path tmp;
    Path a;
    Path b;
    BidiRun sync;

    @BeforeEach
    void setUp() throws IOException {
        a = Files.createDirectories(tmp.resolve("a"));
        b = Files.createDirectories(tmp.resolve("b"));
        sync = new BidiRun(a, b, Files.createDirectories(tmp.resolve("db")));
    }

    @Test
    void firstSync_mergesBothTrees() throws Exception {
        Trees.write(a.resolve("only-a.txt"), "a", T0);
        Trees.write(b.resolve("d/only-b.txt"), "b", T0);
        SyncResult r = sync.runOk();
        assertThat(r.filesTransferred()).isEqualTo(2);
        assertThat(read(b, "only-a.txt")).isEqualTo("a");
        assertThat(read(a, "d/only-b.txt")).isEqualTo("b");
        Trees.assertSameTree(a, b);
    }

    @Test
    void editsOnBothSides_propagate_andRerunTransfersNothing() throws Exception {
        Trees.write(a.resolve("x.txt"), "x0", T0);
        Trees.write(a.resolve("y.txt"), "y0", T0);
        Trees.write(a.resolve("dir/z.txt"), "z0", T0);
        sync.runOk();
        Trees.write(a.resolve("x.txt"), "x1 from a", T0 + SEC);
        Trees.write(b.resolve("y.txt"), "y1 from b", T0 + 2 * SEC);
        Trees.write(b.resolve("dir/new.txt"), "new from b", T0 + 3 * SEC);
        Files.delete(a.resolve("dir/z.txt"));
        SyncResult r = sync.runOk();
        assertThat(r.conflicts()).isZero();
        assertThat(r.errors()).isEmpty();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "x.txt")).isEqualTo("x1 from a");
            assertThat(read(side, "y.txt")).isEqualTo("y1 from b");
            assertThat(read(side, "dir/new.txt")).isEqualTo("new from b");
            assertThat(side.resolve("dir/z.txt")).doesNotExist();
        }
        Trees.assertSameTree(a, b);
        SyncResult again = sync.runOk();
        assertThat(again.upToDate()).as("re-run %s", again).isTrue();
        Trees.assertSameTree(a, b);
    }

    @Test
    void conflict_keepBoth_newerKeepsName_olderKeptAsCopyOnBothSides() throws Exception {
        Trees.write(a.resolve("doc.txt"), "base", T0);
        sync.runOk();
        Trees.write(a.resolve("doc.txt"), "older edit at a", T0 + SEC);
        Trees.write(b.resolve("doc.txt"), "newer edit at b", T0 + 2 * SEC);
        List<String> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        sync.aListener = new SyncListener() {
            @Override
            public void conflict(String path, String resolution) {
                reported.add(path + ": " + resolution);
            }
        };
        SyncResult r = sync.runOk();
        assertThat(r.conflicts()).isEqualTo(1);
        assertThat(reported).hasSize(1).first().asString().startsWith("doc.txt: ");
        String copy = "doc.conflict-hosta-20231114T221321Z.txt";
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "doc.txt")).isEqualTo("newer edit at b");
            assertThat(read(side, copy)).isEqualTo("older edit at a");
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void conflict_keepBoth_sourceNewer_destinationVersionKeptAsCopy() throws Exception {
        Trees.write(a.resolve("doc.txt"), "base", T0);
        sync.runOk();
        Trees.write(a.resolve("doc.txt"), "newer edit at a", T0 + 2 * SEC);
        Trees.write(b.resolve("doc.txt"), "older edit at b", T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.conflicts()).isEqualTo(1);
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "doc.txt")).isEqualTo("newer edit at a");
            assertThat(read(side, "doc.conflict-hostb-20231114T221321Z.txt")).isEqualTo("older edit at b");
        }
        Trees.assertSameTree(a, b);
    }

    @Test
    void conflict_addedOnBothSides_isAConflictToo() throws Exception {
        Trees.write(a.resolve("Makefile"), "from a", T0 + SEC);
        Trees.write(b.resolve("Makefile"), "from b", T0);
        SyncResult r = sync.runOk();
        assertThat(r.conflicts()).isEqualTo(1);
        assertThat(read(b, "Makefile")).isEqualTo("from a");
        assertThat(conflictCopies(b)).hasSize(1);
        assertThat(read(b, conflictCopies(b).get(0))).isEqualTo("from b");
        Trees.assertSameTree(a, b);
    }

    @Test
    void sameFileAddedOnBothSides_withOtherMtimes_isNoConflict_andNothingIsSent() throws Exception {
        editedOnBothSides("edited", "same edit", "same edit");
        byte[] same = "the same bytes, copied in at both ends".getBytes(StandardCharsets.UTF_8);
        Trees.write(a.resolve("copy.bin"), same, T0 + 3 * SEC);
        Trees.write(b.resolve("copy.bin"), same, T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.conflicts()).isZero();
        assertThat(r.bytesTransferred()).as("equal hashes: only the newer mtime travels").isZero();
        for (Path side : List.of(a, b)) {
            assertThat(conflictCopies(side)).isEmpty();
            assertThat(Files.getLastModifiedTime(side.resolve("copy.bin")).toMillis()).as("a's newer mtime").isEqualTo((T0 + 3 * SEC) / 1_000_000);
            assertThat(Files.getLastModifiedTime(side.resolve("edited")).toMillis()).as("b's newer mtime").isEqualTo((T0 + 2 * SEC) / 1_000_000);
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void sameSizeDifferentBytes_isStillAConflict() throws Exception {
        editedOnBothSides("f", "AAAA", "BBBB");
        assertThat(sync.runOk().conflicts()).isEqualTo(1);
        assertThat(read(a, "f")).isEqualTo("BBBB");
        assertThat(conflictCopies(a)).hasSize(1);
        assertThat(read(a, conflictCopies(a).get(0))).isEqualTo("AAAA");
        Trees.assertSameTree(a, b);
    }

    @Test
    void conflict_newest_overwritesOlder() throws Exception {
        sync.policy = ConflictPolicy.NEWEST;
        Trees.write(a.resolve("f"), "base", T0);
        sync.runOk();
        Trees.write(a.resolve("f"), "old", T0 + SEC);
        Trees.write(b.resolve("f"), "new", T0 + 2 * SEC);
        assertThat(sync.runOk().conflicts()).isEqualTo(1);
        assertThat(read(a, "f")).isEqualTo("new");
        assertThat(conflictCopies(a)).isEmpty();
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void conflict_sourceAndDestPolicies_pickTheirSide() throws Exception {
        for (ConflictPolicy p : List.of(ConflictPolicy.SOURCE, ConflictPolicy.DEST)) {
            sync.policy = p;
            Trees.write(a.resolve(p.label()), "base", T0);
            sync.runOk();
            Trees.write(a.resolve(p.label()), "a", T0 + SEC);
            Trees.write(b.resolve(p.label()), "b", T0 + 5 * SEC);
            assertThat(sync.runOk().conflicts()).isEqualTo(1);
            String winner = p == ConflictPolicy.SOURCE ? "a" : "b";
            assertThat(read(a, p.label())).isEqualTo(winner);
            assertThat(read(b, p.label())).isEqualTo(winner);
        }
        assertThat(conflictCopies(a)).isEmpty();
        Trees.assertSameTree(a, b);
    }

    @Test
    void deleteVersusModify_modificationWins_eitherWay() throws Exception {
        Trees.write(a.resolve("p"), "base p", T0);
        Trees.write(a.resolve("q"), "base q", T0);
        sync.runOk();
        Files.delete(a.resolve("p"));
        Trees.write(b.resolve("p"), "edited p at b", T0 + SEC);
        Trees.write(a.resolve("q"), "edited q at a", T0 + SEC);
        Files.delete(b.resolve("q"));
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "p")).isEqualTo("edited p at b");
            assertThat(read(side, "q")).isEqualTo("edited q at a");
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void moveOnEitherSide_travelsAsMove() throws Exception {
        Trees.write(a.resolve("d1/f"), "f", T0);
        Trees.write(a.resolve("g"), "g", T0);
        sync.runOk();
        Files.move(a.resolve("d1"), a.resolve("d2"));
        Files.move(b.resolve("g"), b.resolve("h"));
        SyncResult r = sync.runOk();
        assertThat(r.filesMoved()).isEqualTo(2);
        assertThat(r.filesTransferred()).isZero();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "d2/f")).isEqualTo("f");
            assertThat(read(side, "h")).isEqualTo("g");
            assertThat(side.resolve("d1")).doesNotExist();
            assertThat(side.resolve("g")).doesNotExist();
        }
        Trees.assertSameTree(a, b);
    }

    @Test
    void directoryRenamedAtA_fileEditedInsideAtB_keepsBothEffects() throws Exception {
        sync.policy = ConflictPolicy.NEWEST;
        Trees.write(a.resolve("old/f.txt"), "base", T0);
        Trees.write(a.resolve("old/g.txt"), "g", T0);
        sync.runOk();
        Files.move(a.resolve("old"), a.resolve("new"));
        Trees.write(b.resolve("old/f.txt"), "edited at b", T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        assertThat(r.conflicts()).isZero();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "new/f.txt")).isEqualTo("edited at b");
            assertThat(read(side, "new/g.txt")).isEqualTo("g");
            assertThat(side.resolve("old")).doesNotExist();
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void fileRenamedAtSrc_editedAtDst_endsAsOneFileUnderTheNewName() throws Exception {
        renameVersusEdit(a, b, false);
    }

    @Test
    void fileRenamedAtDst_editedAtSrc_endsAsOneFileUnderTheNewName() throws Exception {
        renameVersusEdit(b, a, false);
    }

    @Test
    void fileRenamedAtSrc_replacedByANewInodeAtDst_endsAsOneFileUnderTheNewName() throws Exception {
        renameVersusEdit(a, b, true);
    }

    @Test
    void fileRenamedAtDst_replacedByANewInodeAtSrc_endsAsOneFileUnderTheNewName() throws Exception {
        renameVersusEdit(b, a, true);
    }

    /** A sync root may itself be a symlink ({@code ~/Sync -> /data/Sync}): the carried rename still works. */
    @Test
    void fileRenamedAtOneSide_editedAtTheOther_withBothRootsReachedThroughSymlinks() throws Exception {
        a = Files.createSymbolicLink(tmp.resolve("a-link"), a);
        b = Files.createSymbolicLink(tmp.resolve("b-link"), b);
        sync = new BidiRun(a, b, tmp.resolve("db"));
        renameVersusEdit(a, b, false);
    }

    /**
     * {@code renamer} renames f.txt (into another directory), {@code editor} edits it (in place,
     * or by writing a new file over it): both effects are kept, as one file.
     */
    private void renameVersusEdit(Path renamer, Path editor, boolean newInode) throws Exception {
        Trees.write(a.resolve("f.txt"), "base", T0);
        Trees.write(a.resolve("g.txt"), "g", T0);
        Files.createDirectories(a.resolve("sub"));
        sync.runOk();
        Files.move(renamer.resolve("f.txt"), renamer.resolve("sub/renamed.txt"));
        if (newInode) {
            Trees.write(editor.resolve("f.txt.tmp"), "edited", T0 + SEC);
            Files.move(editor.resolve("f.txt.tmp"), editor.resolve("f.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else {
            Trees.write(editor.resolve("f.txt"), "edited", T0 + SEC);
        }
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        assertThat(r.conflicts()).isZero();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "sub/renamed.txt")).as("%s", side).isEqualTo("edited");
            assertThat(side.resolve("f.txt")).as("%s", side).doesNotExist();
            assertThat(conflictCopies(side)).isEmpty();
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void directoryRenamedAtDst_fileEditedInsideAtSrc_keepsBothEffects() throws Exception {
        Trees.write(a.resolve("old/f.txt"), "base", T0);
        Trees.write(a.resolve("old/g.txt"), "g", T0);
        sync.runOk();
        Files.move(b.resolve("old"), b.resolve("new"));
        Trees.write(a.resolve("old/f.txt"), "edited at a", T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        assertThat(r.conflicts()).isZero();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "new/f.txt")).isEqualTo("edited at a");
            assertThat(read(side, "new/g.txt")).isEqualTo("g");
            assertThat(side.resolve("old")).doesNotExist();
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void renamedToDifferentNamesOnBothSides_keepsBothNames() throws Exception {
        Trees.write(a.resolve("f.txt"), "base", T0);
        sync.runOk();
        Files.move(a.resolve("f.txt"), a.resolve("x.txt"));
        Files.move(b.resolve("f.txt"), b.resolve("y.txt"));
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "x.txt")).isEqualTo("base");
            assertThat(read(side, "y.txt")).isEqualTo("base");
            assertThat(side.resolve("f.txt")).doesNotExist();
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    /**
     * BidiFuzzTest seed 66585653240188 round 4: both sides rename d0/f3.txt to the same new name
     * d2/f0.txt; then a renames it on to r/moved5.txt and b edits it. Against the synced state
     * these are two renames of d0/f3.txt to different names, one of them edited: both names stay
     * (as {@link #renamedToDifferentNamesOnBothSides_keepsBothNames}), the edit under b's name,
     * and no version is lost.
     */
    @Test
    void sameRenameOnBothSides_thenRenamedOnAtOne_editedAtTheOther_keepsBothNamesAndTheEdit() throws Exception {
        Trees.write(a.resolve("d0/f3.txt"), "base", T0);
        Trees.write(a.resolve("g.txt"), "g", T0);
        Files.createDirectories(a.resolve("d2"));
        sync.runOk();
        for (Path side : List.of(a, b)) {
            Files.move(side.resolve("d0/f3.txt"), side.resolve("d2/f0.txt"));
        }
        Files.createDirectories(a.resolve("r"));
        Files.move(a.resolve("d2/f0.txt"), a.resolve("r/moved5.txt"));
        Trees.write(b.resolve("d2/f0.txt"), "edited", T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "d2/f0.txt")).as("%s", side).isEqualTo("edited");
            assertThat(read(side, "r/moved5.txt")).as("%s", side).isEqualTo("base");
            assertThat(side.resolve("d0/f3.txt")).as("%s", side).doesNotExist();
            assertThat(conflictCopies(side)).isEmpty();
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void renameVersusDelete_theRenamedFileSurvives_eitherWay() throws Exception {
        Trees.write(a.resolve("p"), "base p", T0);
        Trees.write(a.resolve("q"), "base q", T0);
        sync.runOk();
        Files.move(a.resolve("p"), a.resolve("p2"));
        Files.delete(b.resolve("p"));
        Files.move(b.resolve("q"), b.resolve("q2"));
        Files.delete(a.resolve("q"));
        SyncResult r = sync.runOk();
        assertThat(r.errors()).isEmpty();
        for (Path side : List.of(a, b)) {
            assertThat(read(side, "p2")).isEqualTo("base p");
            assertThat(read(side, "q2")).isEqualTo("base q");
            assertThat(side.resolve("p")).doesNotExist();
            assertThat(side.resolve("q")).doesNotExist();
        }
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void lostSnapshotAndVersions_mergesWithoutDeleting_andDifferingFilesAreConflicts() throws Exception {
        Trees.write(a.resolve("same"), "same", T0);
        Trees.write(a.resolve("differs"), "base", T0);
        Trees.write(a.resolve("deleted-at-a"), "x", T0);
        sync.runOk();
        Files.delete(sync.aDb);
        deleteVersionStores();
        Files.delete(a.resolve("deleted-at-a"));
        Trees.write(b.resolve("differs"), "changed at b", T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.filesDeleted()).isZero();
        assertThat(r.conflicts()).isEqualTo(1);
        assertThat(read(a, "deleted-at-a")).isEqualTo("x");
        assertThat(read(a, "differs")).isEqualTo("changed at b");
        assertThat(conflictCopies(a)).hasSize(1);
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void lostSnapshot_versionVectorsStillOrderTheChanges_noConflict() throws Exception {
        Trees.write(a.resolve("differs"), "base", T0);
        Trees.write(a.resolve("deleted-at-a"), "x", T0);
        sync.runOk();
        Files.delete(sync.aDb);
        Files.delete(a.resolve("deleted-at-a"));
        Trees.write(b.resolve("differs"), "changed at b", T0 + SEC);
        SyncResult r = sync.runOk();
        assertThat(r.filesDeleted()).isZero();
        assertThat(r.conflicts()).as("b's edit was made after the synced version: no conflict").isZero();
        assertThat(read(a, "deleted-at-a")).as("without a base nothing is deleted").isEqualTo("x");
        assertThat(read(a, "differs")).isEqualTo("changed at b");
        assertThat(conflictCopies(a)).isEmpty();
        Trees.assertSameTree(a, b);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    private void deleteVersionStores() throws IOException {
        for (Path root : List.of(a, b)) {
            try (var files = Files.list(io.farsync.sync.scan.ReplicaDir.of(root))) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("versions.db")).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /**
     * A state directory inside the tree still holds the version store an older farsync kept there
     * (open, so its -wal and -shm exist too): it is farsync's file, never synced to the peer.
     */
    @Test
    void legacyVersionStoreInAStateDirInsideTheTree_isNotSynced() throws Exception {
        Path state = Files.createDirectories(a.resolve(".state"));
        Trees.write(a.resolve("f"), "f", T0);
        BidiRun inTree = new BidiRun(a, b, state.resolve("a.db"), tmp.resolve("db/b.db"), "hosta", "hostb");
        try (io.farsync.sync.version.VersionStore legacy = io.farsync.sync.version.VersionStore.open(
                io.farsync.sync.version.VersionStore.legacyFiles(state, a).get(0))) {
            legacy.refresh(a, new io.farsync.sync.scan.Scanner(false, java.util.Set.of(), io.farsync.sync.filter.Filter.NONE).scan(a), "old");
            inTree.runOk();
        }
        assertThat(read(b, "f")).isEqualTo("f");
        try (Stream<Path> s = Files.walk(b)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("versions-"));
        }
    }

    @Test
    void emptiedSource_isRefusedByTheDeleteLimit() throws Exception {
        Trees.write(a.resolve("f"), "f", T0);
        sync.runOk();
        Files.delete(a.resolve("f"));
        org.assertj.core.api.Assertions.assertThatThrownBy(sync::runOk)
                .hasStackTraceContaining("is empty but held 1 entries at the last sync (not mounted?);"
                        + " refusing to sync its deletions to the other side")
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(org.assertj.core.util.Throwables.getStackTrace(e))
                        .doesNotContain("at the destination"));
        assertThat(b.resolve("f")).exists();
    }

    /** Syncs {@code rel} as "base", then writes it at a (mtime +1 s) and at b (+2 s). */
    private void editedOnBothSides(String rel, String atA, String atB) throws Exception {
        Trees.write(a.resolve(rel), "base", T0);
        sync.runOk();
        Trees.write(a.resolve(rel), atA, T0 + SEC);
        Trees.write(b.resolve(rel), atB, T0 + 2 * SEC);
    }

    static String read(Path root, String rel) throws IOException {
        return Files.readString(root.resolve(rel), StandardCharsets.UTF_8);
    }

    static List<String> conflictCopies(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().contains(".conflict-")).map(p -> root.relativize(p).toString())
                    .sorted().toList();
        }
    }
}
