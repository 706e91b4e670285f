package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renames and moves at the source travel as moves, and fall back to transfers when they must. */
class MovesTest {

    private static final long T1 = 1_600_000_000_123_456_789L;
    private static final long T2 = 1_650_000_000_987_654_321L;

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;
    final AtomicLong wire = new AtomicLong();
    final List<String> moved = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.sourceOut = out -> new CountingStream(out, wire);
        sync.destinationOut = out -> new CountingStream(out, wire);
        sync.sourceListener = new SyncListener() {
            @Override
            public void entryMoved(String from, String to, long size) {
                moved.add(from + " -> " + to);
            }
        };
    }

    private static Random seeded(String test) {
        long seed = Long.getLong("farsync.test.seed", System.nanoTime());
        System.out.println(test + " seed=" + seed + " (rerun with -Dfarsync.test.seed=" + seed + ")");
        return new Random(seed);
    }

    /** {@code n} files of 1..8 KiB below {@code dir}, in a few subdirectories; returns their total size. */
    private static long manyFiles(Path dir, int n, Random rnd) throws IOException {
        long total = 0;
        for (int i = 0; i < n; i++) {
            int size = 1024 + rnd.nextInt(7 * 1024);
            Trees.write(dir.resolve("sub" + (i % 7) + "/file" + i + ".bin"), Trees.random(rnd, size), Trees.randomMtime(rnd));
            total += size;
        }
        Trees.setDirMtimes(dir, rnd);
        return total;
    }

    @Test
    void directoryRename_with2000Files_isOneMove_sendsNoFileBytes_andWireUnderOnePercent() throws Exception {
        Random rnd = seeded("directoryRename");
        long data = manyFiles(src.resolve("project/data"), 2000, rnd);
        Trees.write(src.resolve("project/readme.txt"), "hello", T1);
        sync.runOk();
        Files.move(src.resolve("project/data"), src.resolve("project/renamed-data"));
        wire.set(0);

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isEqualTo(1);
        assertThat(r.filesTransferred()).isZero();
        assertThat(r.bytesTransferred()).isZero();
        assertThat(r.filesDeleted()).isZero();
        assertThat(moved).containsExactly("project/data -> project/renamed-data");
        System.out.printf("directory rename: %d wire bytes for %d bytes of data (%.4f %%)%n", wire.get(), data, 100.0 * wire.get() / data);
        assertThat(wire.get()).isLessThan(data / 100);
        assertThat(sync.runOk().upToDate()).as("both snapshots follow the rename").isTrue();
    }

    @Test
    void filesMovedBetweenDirectories_includingIntoANewDirectory_areMoves() throws Exception {
        Trees.write(src.resolve("a/x.bin"), "xxxxxxxx", T1);
        Trees.write(src.resolve("a/stay.txt"), "stay", T1);
        Trees.write(src.resolve("b/other.txt"), "other", T1);
        Trees.write(src.resolve("c/y.bin"), "yyyy", T1);
        sync.runOk();
        Files.move(src.resolve("a/x.bin"), src.resolve("b/x.bin"));
        Files.createDirectories(src.resolve("new/deeper"));
        Files.move(src.resolve("c/y.bin"), src.resolve("new/deeper/y.bin"));
        Files.delete(src.resolve("c"));

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isEqualTo(2);
        assertThat(r.filesTransferred()).isZero();
        assertThat(r.filesDeleted()).as("the emptied directory c").isEqualTo(1);
        assertThat(moved).containsExactlyInAnyOrder("a/x.bin -> b/x.bin", "c/y.bin -> new/deeper/y.bin");
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void moveWithModeChange_isAMovePlusAttributeFix() throws Exception {
        Trees.write(src.resolve("a/x.sh"), "#!/bin/sh", T1);
        sync.runOk();
        Files.move(src.resolve("a/x.sh"), src.resolve("x.sh"));
        Files.setAttribute(src.resolve("x.sh"), "unix:mode", 0755);

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isEqualTo(1);
        assertThat(r.filesTransferred()).isZero();
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void moveAndModify_ofTheSameFile_isSentAndTheOldCopyDeleted() throws Exception {
        Trees.write(src.resolve("a/doc.txt"), "version one", T1);
        Trees.write(src.resolve("a/same-size.txt"), "aaaa", T1);
        sync.runOk();
        Files.move(src.resolve("a/doc.txt"), src.resolve("doc.txt"));
        Trees.write(src.resolve("doc.txt"), "version two, longer", T2);
        Files.move(src.resolve("a/same-size.txt"), src.resolve("same-size.txt"));
        Trees.write(src.resolve("same-size.txt"), "bbbb", T2);

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesTransferred()).isEqualTo(2);
        assertThat(r.filesDeleted()).isEqualTo(2);
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void moveOfAFileChangedAtTheDestination_sendsItInstead_andKeepsTheLocalEdit() throws Exception {
        Trees.write(src.resolve("a/notes.txt"), "synced", T1);
        sync.runOk();
        Trees.write(dst.resolve("a/notes.txt"), "edited at the destination", T2);
        Files.move(src.resolve("a/notes.txt"), src.resolve("notes.txt"));

        SyncResult r = sync.runOk();

        assertThat(dst.resolve("notes.txt")).hasContent("synced");
        assertThat(dst.resolve("a/notes.txt")).hasContent("edited at the destination");
        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesTransferred()).isEqualTo(1);
        assertThat(r.errors()).singleElement().asString().contains("a/notes.txt").contains("not deleted");
    }

    @Test
    void destinationRefusesAMove_whenItsCopyIsNotAsSynced_andTheFileIsSentInstead() throws Exception {
        Trees.write(src.resolve("a/notes.txt"), "synced", T1);
        Trees.write(src.resolve("d/inner/f.txt"), "inner", T1);
        sync.runOk();
        // No destination snapshot: no deviation reported, the destination checks against what the source says was synced.
        Files.delete(tmp.resolve("db/destination.db"));
        Trees.write(dst.resolve("a/notes.txt"), "edited at the destination", T2);
        Files.delete(dst.resolve("d/inner/f.txt"));
        Files.delete(dst.resolve("d/inner"));
        Files.move(src.resolve("a/notes.txt"), src.resolve("notes.txt"));
        Files.move(src.resolve("d/inner"), src.resolve("d/outer"));

        SyncResult r = sync.runOk();

        assertThat(dst.resolve("notes.txt")).hasContent("synced");
        assertThat(dst.resolve("a/notes.txt")).hasContent("edited at the destination");
        assertThat(dst.resolve("d/outer/f.txt")).hasContent("inner");
        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesTransferred()).isEqualTo(2);
        assertThat(dst.resolve("d/inner")).doesNotExist();
    }

    @Test
    void directoryMoveOntoATakenTarget_fallsBackToTransfers_andKeepsDestinationOnlyFiles() throws Exception {
        Trees.write(src.resolve("old/one.txt"), "one", T1);
        Trees.write(src.resolve("old/sub/two.txt"), "two", T1);
        sync.runOk();
        Trees.write(dst.resolve("new/mine.txt"), "destination only", T2);
        Files.move(src.resolve("old"), src.resolve("new"));

        SyncResult r = sync.runOk();

        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesTransferred()).isEqualTo(2);
        assertThat(dst.resolve("old")).doesNotExist();
        assertThat(dst.resolve("new/mine.txt")).hasContent("destination only");
        assertThat(dst.resolve("new/one.txt")).hasContent("one");
        assertThat(dst.resolve("new/sub/two.txt")).hasContent("two");
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void directoryRenamePlusChangesInside_movesOnce_andSendsOnlyTheChanges() throws Exception {
        Random rnd = seeded("renamePlusChanges");
        manyFiles(src.resolve("photos"), 50, rnd);
        sync.runOk();
        Files.move(src.resolve("photos"), src.resolve("pictures"));
        Trees.write(src.resolve("pictures/new-one.jpg"), Trees.random(rnd, 5000), T2);
        Trees.write(src.resolve("pictures/sub3/new-two.jpg"), Trees.random(rnd, 7000), T2);
        Trees.write(src.resolve("pictures/sub1/file1.bin"), Trees.random(rnd, 3000), T2);
        Files.delete(src.resolve("pictures/sub2/file2.bin"));

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isEqualTo(1);
        assertThat(r.filesTransferred()).isEqualTo(3);
        assertThat(r.filesDeleted()).isEqualTo(1);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void renamedDirectory_andAFileMovedOutOfIt_inOneRun() throws Exception {
        Trees.write(src.resolve("a/keep.txt"), "keep", T1);
        Trees.write(src.resolve("a/leave.txt"), "leave", T1);
        sync.runOk();
        Files.move(src.resolve("a"), src.resolve("b"));
        Files.createDirectories(src.resolve("z"));
        Files.move(src.resolve("b/leave.txt"), src.resolve("z/leave.txt"));

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(moved).containsExactly("a -> b", "b/leave.txt -> z/leave.txt");
        assertThat(r.filesTransferred()).isZero();
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void swappedFiles_areSentAgain_neverMovedOverEachOther() throws Exception {
        Trees.write(src.resolve("left.txt"), "left", T1);
        Trees.write(src.resolve("right.txt"), "right", T2);
        sync.runOk();
        Files.move(src.resolve("left.txt"), src.resolve("tmp.txt"));
        Files.move(src.resolve("right.txt"), src.resolve("left.txt"));
        Files.move(src.resolve("tmp.txt"), src.resolve("right.txt"));

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesTransferred()).isEqualTo(2);
    }

    @Test
    void withDeletesNotPropagated_nothingIsMoved_theOldCopyStays() throws Exception {
        Trees.write(src.resolve("a/x.txt"), "x", T1);
        sync.runOk();
        sync.options = new SyncOptions(false, true);
        Files.move(src.resolve("a/x.txt"), src.resolve("x.txt"));

        SyncResult r = sync.runOk();

        assertThat(r.filesMoved()).isZero();
        assertThat(dst.resolve("a/x.txt")).hasContent("x");
        assertThat(dst.resolve("x.txt")).hasContent("x");
    }

    @Test
    void reusedInodesWithEqualSizeAndMtime_butOtherBytes_areSentNotMoved() throws Exception {
        for (int i = 0; i < 30; i++) {
            Trees.write(src.resolve("old/f" + i), "old " + i, T1);
        }
        sync.runOk();
        for (int i = 0; i < 30; i++) {
            Files.delete(src.resolve("old/f" + i));
        }
        for (int i = 0; i < 30; i++) {
            Trees.write(src.resolve("new/g" + i), "new " + i, T1);
        }
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.UNLIMITED);

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesTransferred()).isEqualTo(30);
        assertThat(r.filesDeleted()).isEqualTo(30);
    }

    @Test
    void manyFilesMovedOneByOneBetweenDirectories_costAMoveEach_wellUnderOnePercent() throws Exception {
        Random rnd = seeded("fileMoves");
        long data = 0;
        for (int i = 0; i < 200; i++) {
            int size = 40_000 + rnd.nextInt(20_000);
            Trees.write(src.resolve("inbox/msg" + i + ".eml"), Trees.random(rnd, size), Trees.randomMtime(rnd));
            data += size;
        }
        Files.createDirectories(src.resolve("archive/2024"));
        sync.runOk();
        for (int i = 0; i < 200; i++) {
            Files.move(src.resolve("inbox/msg" + i + ".eml"), src.resolve("archive/2024/msg" + i + ".eml"));
        }
        wire.set(0);

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesMoved()).isEqualTo(200);
        assertThat(r.bytesTransferred()).isZero();
        System.out.printf("200 file moves: %d wire bytes for %d bytes of data (%.3f %%)%n", wire.get(), data, 100.0 * wire.get() / data);
        assertThat(wire.get()).isLessThan(data / 100);
    }

    @Test
    void directoryRecreatedAtTheDestination_isNotMoved_itsOwnFilesStayPut() throws Exception {
        assertEmptiedDirectoryWithAFileOfItsOwn_isNotMoved(true);
    }

    @Test
    void directoryRecreatedAtTheDestination_withItsOldInode_isNotMoved() throws Exception {
        // what the inode check cannot see: the directory holds none of the synced entries
        assertEmptiedDirectoryWithAFileOfItsOwn_isNotMoved(false);
    }

    /**
     * The destination's synced directory {@code a} loses its synced file and gets one of its own
     * ({@code recreate}: in a new directory of the same name, which may or may not get the old
     * inode back; else in the same directory); the source renames {@code a} to {@code b}.
     */
    private void assertEmptiedDirectoryWithAFileOfItsOwn_isNotMoved(boolean recreate) throws Exception {
        Trees.write(src.resolve("a/x.txt"), "x", T1);
        sync.runOk();
        Files.delete(dst.resolve("a/x.txt"));
        if (recreate) {
            Files.delete(dst.resolve("a"));
        }
        Trees.write(dst.resolve("a/mine.txt"), "destination only", T2);
        Files.move(src.resolve("a"), src.resolve("b"));

        SyncResult r = sync.runOk();

        assertThat(r.filesMoved()).isZero();
        assertThat(dst.resolve("b/x.txt")).hasContent("x");
        assertThat(dst.resolve("a/mine.txt")).hasContent("destination only");
    }

    @Test
    void directoryThatGainedADestinationOnlyFile_isStillMoved_withIt() throws Exception {
        Trees.write(src.resolve("a/x.txt"), "x", T1);
        sync.runOk();
        Trees.write(dst.resolve("a/.DS_Store"), "finder", T2);
        Files.move(src.resolve("a"), src.resolve("b"));

        SyncResult r = sync.runOk();

        assertThat(r.filesMoved()).isEqualTo(1);
        assertThat(r.filesTransferred()).isZero();
        assertThat(dst.resolve("b/x.txt")).hasContent("x");
        assertThat(dst.resolve("b/.DS_Store")).hasContent("finder");
    }

    @Test
    void directoryRenamedAway_andANewDirectoryOfItsName_receivesAMovedFile() throws Exception {
        Trees.write(src.resolve("d1/x"), "x", T1);
        Trees.write(src.resolve("d0/f"), "f", T2);
        sync.runOk();
        Files.move(src.resolve("d1"), src.resolve("d3"));
        Files.createDirectories(src.resolve("d1"));
        Files.move(src.resolve("d0/f"), src.resolve("d1/f"));

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        Trees.assertSameTree(src, dst);
        // The old d1 leaves first, then the new d1 is made and f moves into it.
        assertThat(moved).containsExactly("d1 -> d3", "d0/f -> d1/f");
        assertThat(r.filesTransferred()).isZero();
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void swappedDirectoryNames_viaATemporaryName_converge() throws Exception {
        Trees.write(src.resolve("a/x"), "x", T1);
        Trees.write(src.resolve("b/y"), "y", T2);
        sync.runOk();
        Files.move(src.resolve("a"), src.resolve("tmp"));
        Files.move(src.resolve("b"), src.resolve("a"));
        Files.move(src.resolve("tmp"), src.resolve("b"));

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        Trees.assertSameTree(src, dst);
        assertThat(r.filesTransferred()).isZero();
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void directoriesMovedIntoNewDirectoriesOfEachOthersName_aCycle_converge() throws Exception {
        Trees.write(src.resolve("a/x"), "x", T1);
        Trees.write(src.resolve("b/y"), "y", T2);
        sync.runOk();
        Files.move(src.resolve("a"), src.resolve("tmpA"));
        Files.move(src.resolve("b"), src.resolve("tmpB"));
        Files.createDirectories(src.resolve("a"));
        Files.createDirectories(src.resolve("b"));
        Files.move(src.resolve("tmpA"), src.resolve("b/sub"));
        Files.move(src.resolve("tmpB"), src.resolve("a/sub"));

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        Trees.assertSameTree(src, dst);
        // One of the two moves waits for the other: the cycle is broken by sending one directory.
        assertThat(moved).hasSize(1);
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void chainOfDirectoriesRenamedOntoEachOthersOldNames_converges() throws Exception {
        Trees.write(src.resolve("p/a/x"), "x", T1);
        Trees.write(src.resolve("p/b/y"), "y", T2);
        Trees.write(src.resolve("p/c/z"), "z", T1);
        sync.runOk();
        // c -> d, then b into a new c, then a into a new b: each move needs the one after it first.
        Files.move(src.resolve("p/c"), src.resolve("p/d"));
        Files.createDirectories(src.resolve("p/c"));
        Files.move(src.resolve("p/b"), src.resolve("p/c/b"));
        Files.createDirectories(src.resolve("p/b"));
        Files.move(src.resolve("p/a"), src.resolve("p/b/a"));

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        Trees.assertSameTree(src, dst);
        assertThat(moved).containsExactly("p/c -> p/d", "p/b -> p/c/b", "p/a -> p/b/a");
        assertThat(r.filesTransferred()).isZero();
        assertThat(sync.runOk().upToDate()).isTrue();
    }
}
