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
 * the trees byte-identical with no temp or partial file anywhere. With both paths local one
 * process holds both endpoints and each kill takes both sides down at once; the second test
 * runs client and server as separate processes and kills one of them, chosen at random.
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

    @Test
    void killingClientOrServerAtRandom_thenARunToCompletion_leaveIdenticalTreesAndNoPartialFiles() throws Exception {
        System.out.println("seed " + SEED + " kills " + KILLS + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        Random random = new Random(SEED ^ 0x5eed);
        Path src = tmp.resolve("src");
        Path serverRoot = Files.createDirectories(tmp.resolve("server-root"));
        Path dst = serverRoot.resolve("copy");
        Path clientHome = Files.createDirectories(tmp.resolve("client-home"));
        Path serverHome = Files.createDirectories(tmp.resolve("server-home"));
        Path identity = clientHome.resolve("id_ed25519");
        io.farsync.session.KeyFiles.generateTo(identity, "client@test");
        Files.copy(io.farsync.session.KeyFiles.publicKeyFile(identity), serverHome.resolve("authorized_keys"));
        long total = 0;
        for (int i = 0; i < 200; i++) {
            int size = random.nextInt(20_000);
            Trees.write(src.resolve("small/d" + (i % 11) + "/f" + i + ".dat"), random, size);
            total += size;
        }
        for (int i = 0; i < 2; i++) {
            int size = (8 + 6 * i) * MIB + random.nextInt(MIB);
            Trees.write(src.resolve("small/d" + (2 + 5 * i) + "/big" + i + ".bin"), random, size);
            total += size;
        }
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Process server = null;
        try {
            for (int k = 1; k <= KILLS; k++) {
                if (server == null || !server.isAlive()) {
                    server = startServer(serverHome, serverRoot, port, k);
                }
                long before = bytesBelow(dst);
                Process client = startClient(clientHome, identity, src, port, "24M", tmp.resolve("client-" + k + ".log"));
                boolean early = random.nextInt(4) == 0;
                long delayMs = early ? 200 + random.nextInt(3000) : random.nextInt(3000);
                if (!early) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (client.isAlive() && bytesBelow(dst) == before && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                }
                client.waitFor(delayMs, TimeUnit.MILLISECONDS);
                boolean killServer = random.nextBoolean();
                if (killServer) {
                    server.destroyForcibly().waitFor();
                    assertThat(client.waitFor(60, TimeUnit.SECONDS)).as("the client gives up once the server is gone").isTrue();
                } else {
                    client.destroyForcibly().waitFor();
                    // the server winds the dead client's session down on its own; the next run may
                    // race it for the partial file, which the whole-file checksum makes safe
                    Thread.sleep(500);
                }
                System.out.printf("kill %d: %s %d ms %s: %d of %d bytes at the destination%n", k, killServer ? "server" : "client",
                        delayMs, early ? "after start" : "after the first new bytes", bytesBelow(dst), total);
                assertFinalNamesHoldOnlyCompleteFiles(src, dst);
            }
            if (!server.isAlive()) {
                server = startServer(serverHome, serverRoot, port, 0);
            }
            Path stats = tmp.resolve("last.json");
            Process last = startClient(clientHome, identity, src, port, "1G", tmp.resolve("client-last.log"), "--stats-json", stats.toString());
            assertThat(last.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(last.exitValue()).as(Files.readString(tmp.resolve("client-last.log"))).isZero();
            Trees.assertSameTree(src, dst);
            assertThat(engineFiles(dst)).as("temp or partial files left").isEmpty();
            System.out.printf("last run sent %d of %d bytes%n",
                    new ObjectMapper().readTree(stats.toFile()).get("bytes_transferred").asLong(), total);
        } finally {
            if (server != null) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    private Process startServer(Path home, Path root, int port, int generation) throws Exception {
        Path log = tmp.resolve("server-" + generation + ".log");
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "--listen", "127.0.0.1", "--port", Integer.toString(port), "--root", root.toString(),
                "--authorized-keys", home.resolve("authorized_keys").toString(), "--host-key", home.resolve("host_key").toString(),
                "--state-dir", home.resolve("state").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FARSYNC_HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("listening on")) {
            assertThat(p.isAlive()).as("server died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("server start").isLessThan(deadline);
            Thread.sleep(50);
        }
        return p;
    }

    private static Process startClient(Path home, Path identity, Path src, int port, String rate, Path log, String... more)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "sync", src.toString(), "tester@127.0.0.1:/copy", "--port", Integer.toString(port), "-i", identity.toString(),
                "--rate", rate, "-q"));
        cmd.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FARSYNC_HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
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
