package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hard-linked source files: contents sent once, the same link structure at the destination. */
class HardLinksTest {

    private static final long T1 = 1_600_000_000_123_456_789L;
    private static final int SIZE = 1 << 20;

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;
    final List<String> linked = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.destinationListener = SyncRun.noting(SyncListener.EntryAction.LINKED, linked);
        Trees.write(src.resolve("a.bin"), Trees.random(new Random(seed), SIZE), T1);
        Files.createDirectories(src.resolve("d"));
        Files.createLink(src.resolve("d/b.bin"), src.resolve("a.bin"));
        Files.createLink(src.resolve("d/c.bin"), src.resolve("a.bin"));
        Trees.write(src.resolve("other.txt"), "not linked", T1);
    }

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void linkedFiles_areSentOnce_andArriveAsOneInode() throws Exception {
        SyncResult r = sync.runOk();

        assertThat(r.bytesTransferred()).as("contents of the set sent once").isEqualTo(SIZE + "not linked".length());
        assertThat(inode(dst.resolve("d/b.bin"))).isEqualTo(inode(dst.resolve("a.bin")));
        assertThat(inode(dst.resolve("d/c.bin"))).isEqualTo(inode(dst.resolve("a.bin")));
        assertThat(inode(dst.resolve("other.txt"))).isNotEqualTo(inode(dst.resolve("a.bin")));
        assertThat(linked).containsExactlyInAnyOrder("d/b.bin", "d/c.bin");
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();

        SyncResult again = sync.runOk();
        assertThat(again.bytesTransferred()).isZero();
    }

    /**
     * A synced file that is renamed and gains a link in the same run: the rename travels as a move
     * and the new link waits for it, so both names are one inode at the destination too (it used
     * to be sent as a copy of its own, and later runs saw nothing to fix).
     */
    @Test
    void aFileMovedAndLinkedAnew_staysOneInode_withNothingSent() throws Exception {
        sync.runOk();
        Files.move(src.resolve("other.txt"), src.resolve("d/moved.txt"));
        Files.createLink(src.resolve("linked.txt"), src.resolve("d/moved.txt"));

        SyncResult r = sync.runOk();

        assertThat(r.bytesTransferred()).isZero();
        assertThat(r.filesMoved()).isEqualTo(1);
        assertThat(inode(dst.resolve("linked.txt"))).isEqualTo(inode(dst.resolve("d/moved.txt")));
        assertThat(linked).contains("linked.txt");
        Trees.assertSameTree(src, dst);
    }

    /** A leader that fails hands its set to the first follower: the others still link to one copy. */
    @Test
    void aFailedLeader_handsTheSetToItsFirstFollower() {
        HardLinks links = new HardLinks();
        io.farsync.sync.scan.Entry x = new io.farsync.sync.scan.Entry("x", io.farsync.sync.scan.EntryType.FILE, 5, T1, 0644, 1, 7,
                null, -1, -1, 3, 0);
        io.farsync.sync.scan.Entry y = new io.farsync.sync.scan.Entry("y", io.farsync.sync.scan.EntryType.FILE, 5, T1, 0644, 1, 7,
                null, -1, -1, 3, 0);
        io.farsync.sync.scan.Entry z = new io.farsync.sync.scan.Entry("z", io.farsync.sync.scan.EntryType.FILE, 5, T1, 0644, 1, 7,
                null, -1, -1, 3, 0);
        io.farsync.sync.scan.Entry old = new io.farsync.sync.scan.Entry("old", io.farsync.sync.scan.EntryType.FILE, 5, T1, 0644, 1, 7,
                null, -1, -1, 3, 0);
        java.util.TreeMap<String, io.farsync.sync.scan.Entry> scan = new java.util.TreeMap<>(java.util.Map.of("x", x, "y", y, "z", z));
        // y and z are offered before the move that puts x in place: the move still leads
        List<Planner.Item> offered = links.arrange(List.of(new Planner.Meta(y), new Planner.Meta(z),
                new Planner.Move(old, x, List.of(old))), scan);

        assertThat(offered).containsExactly(new Planner.Move(old, x, List.of(old)));
        assertThat(links.settled("x", null)).containsExactly(new Planner.Meta(y));
        assertThat(links.idle()).isFalse();
        assertThat(links.settled("y", y)).containsExactly(new Planner.Link(z, y));
        assertThat(links.idle()).isTrue();
    }

    @Test
    void aSetThatGainsAMember_linksItWithoutSending_andOneThatLosesOne_sendsOnlyThatFile() throws Exception {
        sync.runOk();
        Files.createLink(src.resolve("e.bin"), src.resolve("a.bin"));
        Files.delete(src.resolve("d/b.bin"));
        Trees.write(src.resolve("d/b.bin"), "its own file now", T1);

        SyncResult r = sync.runOk();

        assertThat(r.bytesTransferred()).isEqualTo("its own file now".length());
        assertThat(inode(dst.resolve("e.bin"))).isEqualTo(inode(dst.resolve("a.bin")));
        assertThat(inode(dst.resolve("d/c.bin"))).isEqualTo(inode(dst.resolve("a.bin")));
        assertThat(inode(dst.resolve("d/b.bin"))).isNotEqualTo(inode(dst.resolve("a.bin")));
        Trees.assertSameTree(src, dst);
    }

    @Test
    void aChangedSet_isSentOnceAgain_andStaysLinked() throws Exception {
        sync.runOk();
        Trees.write(src.resolve("a.bin"), Trees.random(new Random(7), SIZE), T1 + 1_000_000_000L);

        SyncResult r = sync.runOk();

        assertThat(r.bytesTransferred()).isEqualTo(SIZE);
        assertThat(inode(dst.resolve("d/b.bin"))).isEqualTo(inode(dst.resolve("a.bin")));
        assertThat(inode(dst.resolve("d/c.bin"))).isEqualTo(inode(dst.resolve("a.bin")));
        Trees.assertSameTree(src, dst);
    }

    @Test
    void aLinkWhoseTargetIsNotAsExpected_isSentInstead() throws Exception {
        sync.runOk();
        // the destination's copy of the set's member in place changed behind the sync's back,
        // and a new member appears at the source: it must not be linked to the changed copy
        Files.writeString(dst.resolve("a.bin"), "tampered");
        Files.createLink(src.resolve("e.bin"), src.resolve("a.bin"));

        SyncResult r = sync.runOk();

        assertThat(Files.mismatch(src.resolve("e.bin"), dst.resolve("e.bin"))).isEqualTo(-1);
        Trees.assertSameTree(src, dst);
        assertThat(r.bytesTransferred()).isGreaterThanOrEqualTo(SIZE);
    }

    @Test
    void aLinkAcrossDevicesBelowTheRoot_becomesALocalCopy() throws Exception {
        Files.delete(src.resolve("d/c.bin"));
        Path mount = Files.createDirectories(dst.resolve("d"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "farsync-test", mount.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0,
                "needs permission to mount a tmpfs (another device below the destination root): " + out);
        try {
            SyncResult r = sync.runOk();

            assertThat(r.bytesTransferred()).as("still sent once").isEqualTo(SIZE + "not linked".length());
            assertThat(Files.mismatch(src.resolve("a.bin"), dst.resolve("d/b.bin"))).isEqualTo(-1);
            assertThat(linked).containsExactly("d/b.bin");
            Trees.assertSameTree(src, dst);
            assertThat(Trees.tempFiles(dst)).isEmpty();
        } finally {
            io.farsync.common.TestMounts.unmount(mount);
        }
    }
}
