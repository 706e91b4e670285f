package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first sync of a few thousand small files in nested directories, with hard-link sets and
 * symlinks, into an empty destination: the path where every entry is offered (kept as table
 * rows, see {@link Offers}) and sent inline. Then a run with edits, a directory rename, deletes
 * and a hard link added to a set in place. Both end with identical trees.
 */
class FirstSyncOfManyTest {

    private static final int FILES = 3000;
    private static final long T1 = 1_600_000_000_123_456_789L;

    @TempDir
    Path tmp;

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** {@link #FILES} small files in 17 x 5 directories, a hard-link set every 150 files, a symlink every 400. */
    private static void makeTree(Path src, Random rnd) throws IOException {
        for (int i = 0; i < FILES; i++) {
            Path dir = Files.createDirectories(src.resolve("d" + i % 17 + "/e" + i % 5));
            Trees.write(dir.resolve("f" + i), Trees.random(rnd, rnd.nextInt(300)), T1 + rnd.nextInt(1000));
            if (i % 150 == 0) {
                Files.createLink(src.resolve("d" + i % 17 + "/h" + i), dir.resolve("f" + i));
            }
            if (i % 400 == 0) {
                Files.createSymbolicLink(dir.resolve("l" + i), Path.of("f" + i));
            }
        }
        Trees.setDirMtimes(src, rnd);
    }

    @Test
    void firstSyncOfManyFiles_thenEditsAndARename_leaveIdenticalTrees() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random rnd = new Random(seed);
        Path src = tmp.resolve("src");
        makeTree(src, rnd);
        Path dst = tmp.resolve("dst");
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));

        SyncResult first = sync.runOk();

        assertThat(first.filesTransferred()).as("seed %d: a hard-linked file's contents travel once", seed)
                .isEqualTo(FILES);
        Trees.assertSameTree(src, dst);
        assertThat(inode(dst.resolve("d0/h0"))).isEqualTo(inode(dst.resolve("d0/e0/f0")));
        assertThat(Trees.tempFiles(dst)).isEmpty();

        for (int i = 0; i < FILES; i += 97) {
            Path f = src.resolve("d" + i % 17 + "/e" + i % 5 + "/f" + i);
            Trees.write(f, Trees.random(rnd, rnd.nextInt(300)), T1 + 5_000);
        }
        Files.move(src.resolve("d3"), src.resolve("renamed"));
        Files.delete(src.resolve("d4/e4/f4"));
        Files.createLink(src.resolve("d14/extra"), src.resolve("d14/h150"));    // joins a set whose members are in place
        Trees.setDirMtimes(src, rnd);

        SyncResult second = sync.runOk();

        assertThat(second.filesMoved()).as("seed %d", seed).isGreaterThanOrEqualTo(1);
        Trees.assertSameTree(src, dst);
        assertThat(inode(dst.resolve("d14/extra"))).isEqualTo(inode(dst.resolve("d14/h150")));
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }
}
