package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination on a tiny tmpfs: the sync must stop with exit 8 and a line naming the file,
 * leaving no temp file and no partial file. Needs root to mount (CI runs as root); skipped otherwise.
 */
class DiskFullTest {
    @TempDir
    Path tmp;
    Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            io.farsync.common.TestMounts.unmount(mount);
        }
    }

    @Test
    void fullDestination_exit8_noPartialFiles() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("small-fs"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", target.toString())
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (not root?)");
        mount = target;
        Path src = tmp.resolve("src");
        Random random = new Random(7);
        Trees.write(src.resolve("a-small.txt"), random, 1000);
        Trees.write(src.resolve("b-big.bin"), random, 8 * 1024 * 1024);
        Path home = Files.createDirectories(tmp.resolve("home"));

        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int code = Main.run(new String[] {"sync", src.toString(), target.resolve("dst").toString()},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true),
                java.util.Map.of("FARSYNC_HOME", home.toString()), false);

        assertThat(code).as("stdout %s stderr %s", out, err).isEqualTo(8);
        assertThat(err.toString()).contains("no space left").contains("b-big.bin");
        assertThat(target.resolve("dst/b-big.bin")).doesNotExist();
        assertThat(KillMidwayTest.tempFiles(target)).isEmpty();
    }
}
