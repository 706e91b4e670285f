package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;

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
