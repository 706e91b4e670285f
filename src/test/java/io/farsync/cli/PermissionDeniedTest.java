package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permission errors on real files. CI runs as root, for whom permission bits do not apply, so the
 * CLI runs here as a separate process with the capabilities that bypass them taken away
 * ({@code setpriv --bounding-set -dac_override,-dac_read_search,-fowner}): still uid 0, but the
 * files under test belong to {@code nobody} (65534) and their mode bits hold. A file that cannot
 * be read, and a destination directory that cannot be written, are reported by name with exit 1
 * (partial), while every other file arrives.
 */
class PermissionDeniedTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final String DROP = "-dac_override,-dac_read_search,-fowner";

    @TempDir
    Path tmp;

    @Test
    void unreadableSourceFile_isReportedByName_andEveryOtherFileArrives() throws Exception {
        Path src = threeFiles("a.txt", "secret/hidden.txt");
        Path dst = tmp.resolve("dst");
        Path hidden = src.resolve("secret/hidden.txt");
        makeNobodys(hidden, "---------");

        Run run = syncWithoutPermissionOverride(src, dst);

        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("secret/hidden.txt").containsIgnoringCase("permission denied");
        assertThat(dst.resolve("a.txt")).hasSameBinaryContentAs(src.resolve("a.txt"));
        assertThat(dst.resolve("z/last.txt")).hasSameBinaryContentAs(src.resolve("z/last.txt"));
        assertThat(dst.resolve("secret/hidden.txt")).doesNotExist();
    }

    @Test
    void unwritableDestinationDirectory_isReportedByName_andEveryOtherFileArrives() throws Exception {
        Path src = threeFiles("ok.txt", "locked/inside.txt");
        Path dst = tmp.resolve("dst");
        Path locked = Files.createDirectories(dst.resolve("locked"));
        makeNobodys(locked, "r-xr-xr-x");
        Files.setAttribute(src.resolve("locked"), "unix:mode", 0555);

        Run run = syncWithoutPermissionOverride(src, dst);

        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("locked/inside.txt").containsIgnoringCase("permission denied");
        assertThat(dst.resolve("ok.txt")).hasSameBinaryContentAs(src.resolve("ok.txt"));
        assertThat(dst.resolve("z/last.txt")).hasSameBinaryContentAs(src.resolve("z/last.txt"));
        assertThat(dst.resolve("locked/inside.txt")).doesNotExist();
        assertThat(KillMidwayTest.tempFiles(dst)).as("temp files left behind").isEmpty();
    }

    /** A source with {@code first}, {@code second} and z/last.txt, of seeded random bytes. */
    private Path threeFiles(String first, String second) throws Exception {
        Path src = tmp.resolve("src");
        Random random = new Random(SEED);
        Trees.write(src.resolve(first), random, 3000);
        Trees.write(src.resolve(second), random, 2000);
        Trees.write(src.resolve("z/last.txt"), random, 5000);
        return src;
    }

    private static void makeNobodys(Path p, String mode) throws Exception {
        UserPrincipalLookupService users = p.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(p, users.lookupPrincipalByName("65534"));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private record Run(int exit, String output) {
    }

    /** The CLI as uid 0 without the capabilities that override permission bits. */
    private Run syncWithoutPermissionOverride(Path src, Path dst) throws Exception {
        assumeTrue(isRoot(), "needs root, to take capabilities away");
        assumeTrue(new File("/usr/bin/setpriv").canExecute(), "needs setpriv (util-linux)");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path log = tmp.resolve("sync.log");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(List.of("/usr/bin/setpriv", "--bounding-set", DROP, "--",
                java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "sync", src.toString(), dst.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FARSYNC_HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("sync finished").isTrue();
        return new Run(p.exitValue(), Files.readString(log));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
