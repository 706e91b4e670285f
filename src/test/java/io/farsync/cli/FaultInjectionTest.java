package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fault injection: a sync of a mixed tree (many small files, a few large ones) runs as a
 * subprocess and is killed with SIGKILL at random moments, again and again; after every kill no
 * file under its final name may differ from the source, and a last run to completion must leave
 * the trees byte-identical with no temp or partial file anywhere. Both paths are local, so one
 * process holds both endpoints and each kill takes both sides down at once.
 *
 * <p>{@code -Dfarsync.test.kills=N} raises the number of kills (default 5) for a bench run;
 * {@code -Dfarsync.test.seed=S} replays a run.
 */
class FaultInjectionTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final int KILLS = Integer.getInteger("farsync.test.kills", 5);
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void repeatedKills_thenARunToCompletion_leaveIdenticalTreesAndNoPartialFiles() throws Exception {
        System.out.println("seed " + SEED + " kills " + KILLS + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        Random random = new Random(SEED);
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        Path home = Files.createDirectories(tmp.resolve("home"));
        long total = 0;
        for (int i = 0; i < 400; i++) {
            int size = random.nextInt(20_000);
            Trees.write(src.resolve("small/d" + (i % 17) + "/f" + i + ".dat"), random, size);
            total += size;
        }
        for (int i = 0; i < 3; i++) {
            int size = (6 + 4 * i) * MIB + random.nextInt(MIB);
            // among the small files, so that kills land in both kinds
            Trees.write(src.resolve("small/d" + (3 + 5 * i) + "/big" + i + ".bin"), random, size);
            total += size;
        }

        for (int k = 1; k <= KILLS; k++) {
            // 24 Mbit/s: the whole tree takes ~12 s, so kills land all along the transfer
            long before = bytesBelow(dst);
            ProcessBuilder pb = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "sync", src.toString(), dst.toString(), "--rate", "24M", "-q")
                    .redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("run-" + k + ".log").toFile());
            pb.environment().put("FARSYNC_HOME", home.toString());
            Process p = pb.start();
            p.getOutputStream().close();
            // one kill in four during start-up, handshake and scans; the others once data flows
            boolean early = random.nextInt(4) == 0;
            long delayMs = early ? 200 + random.nextInt(3000) : random.nextInt(3000);
            String when = early ? "after start" : "after the first new bytes";
            if (!early) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (p.isAlive() && bytesBelow(dst) == before && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            boolean finished = p.waitFor(delayMs, TimeUnit.MILLISECONDS);
            p.destroyForcibly().waitFor();
            System.out.printf("kill %d %d ms %s%s: %d of %d bytes at the destination%n", k, delayMs, when,
                    finished ? " (it had finished)" : "", bytesBelow(dst), total);
            assertFinalNamesHoldOnlyCompleteFiles(src, dst);
        }

        Path stats = tmp.resolve("last.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"sync", src.toString(), dst.toString(), "--stats-json", stats.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8),
                Map.of("FARSYNC_HOME", home.toString()), false);

        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
        Trees.assertSameTree(src, dst);
        assertThat(engineFiles(dst)).as("temp or partial files left").isEmpty();
        System.out.printf("last run sent %d of %d bytes%n",
                new ObjectMapper().readTree(stats.toFile()).get("bytes_transferred").asLong(), total);
    }

    /** Whatever the kill interrupted, a file under its final name is the source's file, whole. */
    private static void assertFinalNamesHoldOnlyCompleteFiles(Path src, Path dst) throws IOException {
        if (!Files.exists(dst)) {
            return;
        }
        List<String> bad = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dst)) {
            for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                String name = f.getFileName().toString();
                if (name.contains(".farsync-")) {
                    assertThat(name).as("engine file names are hidden").startsWith(".");
                    continue;
                }
                Path original = src.resolve(dst.relativize(f).toString());
                if (!Files.exists(original) || Files.mismatch(original, f) != -1) {
                    bad.add(dst.relativize(f).toString());
                }
            }
        }
        assertThat(bad).as("files under their final names that differ from the source").isEmpty();
    }

    private static List<Path> engineFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(f -> f.getFileName().toString().contains(".farsync-")).toList();
        }
    }

    private static long bytesBelow(Path root) throws IOException {
        if (!Files.exists(root)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
