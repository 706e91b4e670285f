package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM to a {@code farsync sync --continuous} process: exit 0, nothing half-written left behind. */
class ContinuousSignalTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    @RegisterExtension
    final LeftoverProcesses leftovers = new LeftoverProcesses();

    private Process launch(Path src, Path dst, String... extra) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "sync", src.toString(), dst.toString(), "--continuous", "--cooloff", "0.2"));
        cmd.addAll(java.util.List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile());
        pb.environment().put("FARSYNC_HOME", home.toString());
        Process p = pb.start();
        leftovers.track(p);
        p.getOutputStream().close();
        return p;
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("run.log"));
    }

    @Test
    void sigterm_whileIdle_exitsZero() throws Exception {
        System.out.println("seed " + SEED);
        Random random = new Random(SEED);
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        Trees.write(src.resolve("a/first.bin"), random, 5000);
        Process p = launch(src, dst);
        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive() || log().contains("sync #1"));
        Trees.write(src.resolve("b/second.bin"), random, 7000);
        ContinuousSyncTest.awaitSameTree(src, dst);

        p.destroy(); // SIGTERM

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited; log: %s", log()).isTrue();
        assertThat(p.exitValue()).as(log()).isZero();
        assertThat(log()).contains("stopped after");
        assertThat(KillMidwayTest.tempFiles(dst)).isEmpty();
    }

    /** --stats-json in continuous mode: written at the stop, complete, with the totals of every sync. */
    @Test
    void sigterm_writesTheStatsJson_withTheTotalsOfAllSyncs() throws Exception {
        System.out.println("seed " + SEED);
        Random random = new Random(SEED);
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        Path stats = tmp.resolve("stats.json");
        Trees.write(src.resolve("a/first.bin"), random, 5000);
        Trees.write(src.resolve("a/doomed.bin"), random, 100);
        Process p = launch(src, dst, "--stats-json", stats.toString(), "--max-delete", "100%");
        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive() || log().contains("sync #1"));
        // written aside and moved in whole: a sync catching it empty, between create and write (a
        // busy machine can pause the writer that long), would count a fourth transfer
        Trees.write(tmp.resolve("staging/second.bin"), random, 7000);
        Files.move(tmp.resolve("staging/second.bin"), Files.createDirectories(src.resolve("b")).resolve("second.bin"));
        ContinuousSyncTest.awaitSameTree(src, dst);
        Files.move(src.resolve("a/first.bin"), src.resolve("b/moved.bin"));
        Files.delete(src.resolve("a/doomed.bin"));
        ContinuousSyncTest.awaitSameTree(src, dst);
        await().atMost(Duration.ofSeconds(30)).until(() -> log().contains("moved 1") && log().contains("deleted 1"));
        assertThat(stats).as("written at the stop only").doesNotExist();

        p.destroy(); // SIGTERM

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited; log: %s", log()).isTrue();
        assertThat(p.exitValue()).as(log()).isZero();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stats.toFile());
        long syncs = log().lines().filter(l -> l.matches("\\S+ sync #\\d+ .*")).count();
        assertThat(json.get("status").asText()).isEqualTo("ok");
        assertThat(json.get("exit_code").asInt()).isZero();
        assertThat(json.get("continuous").asBoolean()).isTrue();
        assertThat(json.get("syncs").asLong()).isEqualTo(syncs).isGreaterThanOrEqualTo(3);
        assertThat(json.get("sessions").asLong()).isEqualTo(1);
        assertThat(json.get("files_transferred").asLong()).as("first, doomed, second").isEqualTo(3);
        assertThat(json.get("bytes_transferred").asLong()).isEqualTo(5000 + 100 + 7000);
        assertThat(json.get("files_moved").asLong()).isEqualTo(1);
        assertThat(json.get("files_deleted").asLong()).isEqualTo(1);
        assertThat(json.get("conflicts").asLong()).isZero();
        assertThat(json.get("deletes_withheld").asLong()).isZero();
        assertThat(json.get("wire_bytes").asLong()).isGreaterThan(5000 + 100 + 7000);
        assertThat(json.has("retransmitted_bytes")).isTrue();
        assertThat(json.get("duration_seconds").asDouble()).isPositive();
        assertThat(json.get("errors")).isEmpty();
    }

    @Test
    void sigterm_duringALargeTransfer_exitsZero_andLeavesNoPartialFileVisible() throws Exception {
        System.out.println("seed " + SEED);
        Random random = new Random(SEED);
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        Trees.write(src.resolve("small.txt"), random, 100);
        // 20 Mbit/s: the 48 MiB file takes ~20 s, more than the 10 s a stop lets a sync run on
        Process p = launch(src, dst, "--rate", "20M");
        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive() || log().contains("sync #1"));
        Trees.write(src.resolve("big.bin"), random, 48 * 1024 * 1024);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> !p.isAlive() || KillMidwayTest.tempFiles(dst).stream().anyMatch(f -> f.toFile().length() > 1024 * 1024));

        p.destroy(); // SIGTERM

        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        System.out.println("--- farsync log\n" + log());
        assertThat(exited).as("exited; log: %s", log()).isTrue();
        assertThat(p.exitValue()).as(log()).isZero();
        if (Files.exists(dst.resolve("big.bin"))) {
            assertThat(Trees.sha256(dst.resolve("big.bin"))).isEqualTo(Trees.sha256(src.resolve("big.bin")));
        }
        // a partial copy of big.bin may stay, hidden, for the next run to resume; random temp files may not
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(KillMidwayTest.tempFiles(dst))
                .allSatisfy(f -> assertThat(f.getFileName().toString()).startsWith(".big.bin.farsync-").endsWith(".part")));
    }
}
