package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination on a 1 MiB tmpfs. Needs permission to mount (root in a container); skipped
 * elsewhere.
 */
class DiskFullTest {

    @TempDir
    Path tmp;
    Path mountPoint;

    private static boolean run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @AfterEach
    void unmount() throws InterruptedException {
        if (mountPoint != null) {
            io.farsync.common.TestMounts.unmount(mountPoint);
        }
    }

    @Test
    void fullDisk_endsTheSyncWithDiskFullNamingThePath_onBothSides_andLeavesNoTempFile() throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()), "cannot mount a tmpfs here");
        mountPoint = small;
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = small.resolve("dst");
        Trees.write(src.resolve("a/big.bin"), Trees.random(new Random(1), 3 * 1024 * 1024), 1_600_000_000_000_000_000L);
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));

        SyncRun.Result r = sync.run();

        assertThat(r.destinationError()).isInstanceOf(FarsyncException.class)
                .hasMessage("no space left on device writing " + dst.resolve("a/big.bin"));
        assertThat(((FarsyncException) r.destinationError()).exitCode()).isEqualTo(ExitCode.DISK_FULL);
        assertThat(r.sourceError()).isInstanceOf(FarsyncException.class).hasMessage(r.destinationError().getMessage());
        assertThat(((FarsyncException) r.sourceError()).exitCode()).isEqualTo(ExitCode.DISK_FULL);
        assertThat(Trees.tempFiles(dst)).isEmpty();
        assertThat(dst.resolve("a/big.bin")).doesNotExist();
    }
}
