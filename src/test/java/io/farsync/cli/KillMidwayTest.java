package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a sync process in the middle of a large file: no partial file may appear under its
 * final name, and running the same command again completes the tree, resuming the large file
 * from the partial copy the killed run left under its hidden partial name.
 */
class KillMidwayTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;

    @Test
    void killedTransfer_leavesNoPartialFile_andRerunResumesTheLargeFile() throws Exception {
        System.out.println("seed " + SEED);
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Random random = new Random(SEED);
        Trees.write(src.resolve("small/first.txt"), random, 1000);
        Trees.write(src.resolve("big.bin"), random, 48 * 1024 * 1024);
        Trees.write(src.resolve("z/last.txt"), random, 2000);

        // 40 Mbit/s makes the 48 MiB file take ~10 s: long enough to be caught midway
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "sync", src.toString(), dst.toString(), "--rate", "40M", "-q")
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("killed-run.log").toFile());
        pb.environment().put("FARSYNC_HOME", home.toString());
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !p.isAlive() || tempFiles(dst).stream().anyMatch(f -> sizeOf(f) > 24 * 1024 * 1024));
            assertThat(p.isAlive()).as("sync finished before it could be killed; log: %s",
                    Files.readString(tmp.resolve("killed-run.log"))).isTrue();
        } finally {
            // also when the wait fails: a sync left running would write into tmp during its cleanup
            p.destroyForcibly().waitFor();
        }

        assertThat(dst.resolve("big.bin")).as("partial file under its final name").doesNotExist();
        List<Path> partials = tempFiles(dst).stream().filter(f -> f.getFileName().toString().endsWith(".part")).toList();
        assertThat(partials).as("partial copy kept for resuming").hasSize(1);
        long had = sizeOf(partials.get(0));

        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var sessions = json.readTree(runInProcess(home, "admin", "sessions", "--json").out());
        assertThat(sessions).hasSize(2).allSatisfy(s -> assertThat(s.has("unfinished_run_started")).isTrue());
        CliHarness.Result show = runInProcess(home, "admin", "show", sessions.get(0).get("session").asText() + ".remote", "--files", "--json");
        assertThat(json.readTree(show.out()).get("files")).as(show.toString()).anySatisfy(f -> {
            assertThat(f.get("path").asText()).isEqualTo("big.bin");
            assertThat(f.get("state").asText()).isEqualTo("partial");
            assertThat(f.get("size").asLong()).isEqualTo(had);
        });

        Path stats = tmp.resolve("rerun.json");
        CliHarness.Result rerun = runInProcess(home, "sync", src.toString(), dst.toString(), "--stats-json", stats.toString());
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        Trees.assertSameTree(src, dst);
        assertThat(tempFiles(dst)).as("temp files left behind").isEmpty();
        long resent = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stats.toFile()).get("bytes_transferred").asLong();
        System.out.printf("killed with %d bytes of big.bin at the destination; the rerun sent %d bytes of %d%n",
                had, resent, 48L * 1024 * 1024 + 3000);
        // the rerun may lose the partial's last unfinished block, and sends the small files
        assertThat(runInProcess(home, "admin", "sessions").out()).doesNotContain("unfinished").contains(" ok ");
        assertThat(resent).isLessThanOrEqualTo(48L * 1024 * 1024 - had + 1024 * 1024 + 3000).isLessThan(26L * 1024 * 1024);
    }

    private static CliHarness.Result runInProcess(Path home, String... args) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int code = Main.run(args, new java.io.PrintStream(out, true), new java.io.PrintStream(err, true),
                java.util.Map.of("FARSYNC_HOME", home.toString()), false);
        return new CliHarness.Result(code, out.toString(), err.toString());
    }

    /**
     * The engine's temp and partial files below {@code root}. A running sync renames and removes
     * files during the walk: one that vanishes under it is simply not listed.
     */
    static List<Path> tempFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        List<Path> found = new java.util.ArrayList<>();
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                if (f.getFileName().toString().matches("\\..*\\.farsync-.*\\.(tmp|part)")) {
                    found.add(f);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return found;
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
