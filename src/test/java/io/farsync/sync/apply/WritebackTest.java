package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.time.Duration;
import org.awaitility.Awaitility;

import io.farsync.sync.Checksum;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.EntryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WritebackTest {

    @TempDir
    Path root;

    @Test
    void onLinux_withTheOpensOfThePom_theHintIsOn() {
        // Off, nothing fails: only the final flush gets slow again. So check it is on where it should be.
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        assertThat(Writeback.available()).as("--add-opens java.base/sun.nio.ch (pom, bin/farsync)").isEqualTo(linux);
    }

    /** Linux 6.5+ cachestat(2): a file range's page-cache state, here its count of dirty pages. */
    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        long syscall(long number, int fd, Memory range, Memory stat, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final int SYS_CACHESTAT = 451; // the same number on every architecture (added after the tables were unified)

    private static long dirtyPages(LibC c, Path file, long length) {
        int fd = c.open(file.toString(), 0);
        try {
            Memory range = new Memory(16);
            range.setLong(0, 0);
            range.setLong(8, length);
            Memory stat = new Memory(40);
            c.syscall(SYS_CACHESTAT, fd, range, stat, 0);
            return stat.getLong(8); // nr_cache, then nr_dirty
        } finally {
            c.close(fd);
        }
    }

    @Test
    void aWindowWritten_leavesNoDirtyPagesBehind_longBeforeTheKernelWouldWriteThem() throws Exception {
        assumeTrue(Writeback.available(), "early writeback not available here");
        LibC c = Native.load("c", LibC.class);
        Path probe = Files.write(root.resolve("probe"), new byte[1]);
        try {
            dirtyPages(c, probe, 1);
        } catch (LastErrorException e) {
            assumeTrue(false, "no cachestat(2) on this kernel: " + e.getMessage());
        }
        WireEntry e = new WireEntry("w.bin", EntryType.FILE, 2 * Writeback.WINDOW, 1_600_000_000_000_000_000L, 0644, null);
        TempFile t = new Applier(root).createTemp(e, Checksum.XXH64);
        byte[] piece = new byte[256 * 1024];
        new Random(1).nextBytes(piece);
        for (long n = 0; n < Writeback.WINDOW + piece.length; n += piece.length) {
            t.write(piece);
        }

        // Left to itself the kernel writes dirty pages after dirty_expire_centisecs (30 s by
        // default) unless memory is short; the hint has them written within moments (20 s: a
        // margin for a disk busy with other writers, still well short of the kernel's 30).
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> dirtyPages(c, t.path(), Writeback.WINDOW) == 0);
        t.discard();
    }

    @Test
    void fileSpanningSeveralWindows_isWrittenWhole_withItsChecksum() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        byte[] data = new byte[(int) (2.5 * Writeback.WINDOW)];
        new Random(seed).nextBytes(data);
        WireEntry e = new WireEntry("big.bin", EntryType.FILE, data.length, 1_600_000_000_000_000_000L, 0644, null);
        Applier applier = new Applier(root);

        TempFile t = applier.createTemp(e, Checksum.XXH64);
        for (int off = 0; off < data.length; off += 256 * 1024) {
            t.write(Arrays.copyOfRange(data, off, Math.min(data.length, off + 256 * 1024)));
        }
        byte[] digest = t.digest();
        t.force();
        applier.commit(t, e);

        assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(data);
        Checksum.Digest expected = Checksum.XXH64.start();
        expected.update(data, 0, data.length);
        assertThat(digest).isEqualTo(expected.finish());
    }
}
