package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --continuous} against a real server (SSH + UDP on loopback), including a server restart. */
class ContinuousRemoteTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    CliHarness h;
    BackgroundContinuous running;
    int port;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        h = new CliHarness(tmp);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        h.startServer(port);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (running != null) {
            running.close();
        }
        h.close();
    }

    private BackgroundContinuous start(String src, String dst, ContinuousRunner.Settings settings) {
        return new BackgroundContinuous(src, dst, h.clientHome, h.identity, port, settings);
    }

    @Test
    void push_serverRestartInTheMiddle_convergesWithoutResendingWhatWasDone() throws Exception {
        Random random = new Random(SEED);
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("done/big.bin"), random, 2_000_000);
        running = start(src.toString(), h.remote("/pushed"),
                BackgroundContinuous.settings(0.3, 600).withBackoff(Duration.ofMillis(100), Duration.ofMillis(800)));
        Path dst = h.serverRoot.resolve("pushed");
        ContinuousSyncTest.awaitSameTree(src, dst);

        long sentBefore = sentLines().count();
        h.stopServer();
        Trees.write(src.resolve("while-down/new.bin"), random, 30_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> running.err().contains("failed (attempt 2)"));
        h.startServer(port);

        ContinuousSyncTest.awaitSameTree(src, dst);
        await().atMost(Duration.ofSeconds(30)).until(() -> sentLines().count() > sentBefore); // printed after the files land
        String last = sentLines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).as("the sync after the restart sends only the new file").contains("sent 1 file");
        assertThat(BackgroundContinuous.wireBytes(last)).as("wire bytes after the restart: new session + 30 kB, not the 2 MB done before")
                .isLessThan(300_000);
        assertThat(running.stop()).isZero();
        assertThat(running.out()).contains("over 2 sessions");
    }

    /** The idle hint reader notices the lost session; the new session's whole-tree sync finds what changed meanwhile. */
    @Test
    void pull_serverRestartWhileIdle_reconnectsAndSendsOnlyTheNewFile() throws Exception {
        Random random = new Random(SEED);
        Path remote = h.serverRoot.resolve("data");
        Trees.write(remote.resolve("done/big.bin"), random, 2_000_000);
        Path local = tmp.resolve("pulled");
        running = start(h.remote("/data"), local.toString(),
                BackgroundContinuous.settings(0.1, 0).withBackoff(Duration.ofMillis(100), Duration.ofMillis(800)));
        ContinuousSyncTest.awaitSameTree(remote, local);

        long sentBefore = sentLines().count();
        h.stopServer();
        Trees.write(remote.resolve("while-down/new.bin"), random, 30_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> running.err().contains("failed (attempt 1)"));
        h.startServer(port);

        ContinuousSyncTest.awaitSameTree(remote, local);
        await().atMost(Duration.ofSeconds(30)).until(() -> sentLines().count() > sentBefore);
        String last = sentLines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).contains("sent 1 file");
        assertThat(BackgroundContinuous.wireBytes(last)).isLessThan(300_000);
        assertThat(running.stop()).isZero();
        assertThat(running.out()).contains("over 2 sessions");
    }

    /** A remote source's server withholds deletes over --max-delete as a local source does; the client hears of it and exits 11. */
    @Test
    void pull_deletesOverTheLimit_areWithheldByTheServer_andTheExitStatusSaysSo() throws Exception {
        Random random = new Random(SEED);
        Path remote = h.serverRoot.resolve("data");
        for (int i = 0; i < 200; i++) {
            Trees.write(remote.resolve("d/f" + i), random, 100);
        }
        Path local = tmp.resolve("pulled");
        running = start(h.remote("/data"), local.toString(), BackgroundContinuous.settings(1.0, 0));
        ContinuousSyncTest.awaitSameTree(remote, local);

        for (int i = 0; i < 150; i++) {
            Files.delete(remote.resolve("d/f" + i));
        }
        Trees.write(remote.resolve("new.bin"), random, 1000);

        await().atMost(Duration.ofSeconds(30)).until(() -> running.err().contains("d/f99: 150 deletes withheld by --max-delete"
                + " (refusing to delete 150 of 201 synced entries (75%) at the destination: more than the default limit of 50%)"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(local.resolve("new.bin")));
        assertThat(local.resolve("d/f0")).as("withheld, not deleted").exists();
        assertThat(running.stop()).isEqualTo(io.farsync.common.ExitCode.DELETE_LIMIT.code());
        assertThat(running.err()).contains("farsync: deletes are still withheld by --max-delete");
    }

    private java.util.stream.Stream<String> sentLines() {
        return running.out().lines().filter(l -> l.contains(" sync #") && l.contains("sent "));
    }

    /** The server's warnings about the directory it watches name it as the client did, not by the server's own path. */
    @Test
    void pull_theWatchedDirectoryRemoved_isReportedAsTheClientNamedIt() throws Exception {
        Random random = new Random(SEED);
        Path remote = h.serverRoot.resolve("data");
        Trees.write(remote.resolve("a/one.bin"), random, 1_000);
        Path local = tmp.resolve("pulled");
        running = start(h.remote("/data"), local.toString(), BackgroundContinuous.settings(0.1, 0));
        ContinuousSyncTest.awaitSameTree(remote, local);

        try (java.util.stream.Stream<Path> all = Files.walk(remote)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> running.err().contains("server: the watched directory /data was removed"));
        running.stop();
        assertThat(running.err()).doesNotContain(h.serverRoot.toString());
    }

    @Test
    void pull_fromRemoteSource_theServerWatchesAndSendsHints() throws Exception {
        Random random = new Random(SEED);
        Path remote = h.serverRoot.resolve("data");
        Trees.write(remote.resolve("a/one.bin"), random, 10_000);
        Path local = tmp.resolve("pulled");
        // no periodic full syncs: only the server's hints can bring the changes
        running = start(h.remote("/data"), local.toString(), BackgroundContinuous.settings(0.1, 0));
        ContinuousSyncTest.awaitSameTree(remote, local);

        Trees.write(remote.resolve("a/two.bin"), random, 20_000);
        Files.delete(remote.resolve("a/one.bin"));
        ContinuousSyncTest.awaitSameTree(remote, local);

        Files.move(remote.resolve("a"), remote.resolve("b"));
        ContinuousSyncTest.awaitSameTree(remote, local);
        await().atMost(Duration.ofSeconds(30)).until(() -> running.out().contains("moved 1"));

        assertThat(running.out()).contains("the server watches it");
        assertThat(running.stop()).isZero();
        assertThat(running.out()).contains("over 1 session");
    }
}
