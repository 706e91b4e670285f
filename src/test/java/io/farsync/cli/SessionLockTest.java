package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.farsync.common.ExitCode;
import io.farsync.sync.snapshot.SnapshotLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs of the same sync session never share its snapshot databases: the second fails fast with exit 12. */
class SessionLockTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    CliHarness h;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        h = new CliHarness(tmp);
        src = Files.createDirectories(tmp.resolve("src"));
        byte[] big = new byte[12 << 20];
        new Random(SEED).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.resolve("small.txt"), "hello");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void secondRunOfTheSameSession_failsFastWithExit12_whileTheFirstCompletes() throws Exception {
        Path dst = tmp.resolve("dst");
        CompletableFuture<CliHarness.Result> first = slowRunUnderWay(dst);

        CliHarness.Result second = h.run("sync", src.toString(), dst.toString());
        // admin reads without waiting for the running sync, sees it running, and will not reset it
        CliHarness.Result sessions = h.run("admin", "sessions");
        CliHarness.Result reset = h.run("admin", "reset", "--yes", sessionIdOf(sessions.out()) + ".local");
        CliHarness.Result done = first.get();

        assertThat(done.exitCode()).as(done.toString()).isZero();
        assertThat(second.exitCode()).as(second.toString()).isEqualTo(ExitCode.SESSION_BUSY.code()).isEqualTo(12);
        assertThat(second.err()).contains("is already being synced by another farsync run (pid " + ProcessHandle.current().pid() + ")")
                .contains(src.toString());
        assertThat(sessions.exitCode()).as(sessions.toString()).isZero();
        assertThat(sessions.out()).contains(" running ");
        assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(12);
        Trees.assertSameTree(src, dst);
        // released: the next run goes through
        assertThat(h.run("sync", src.toString(), dst.toString()).exitCode()).isZero();
    }

    @Test
    void serverEndpointOfABusySession_refusesWithExit12_andChangesNothing() throws Exception {
        h.startServer();
        assertThat(h.run("sync", src.toString(), h.remote("copy")).exitCode()).isZero();
        Path serverDb;
        try (Stream<Path> dbs = Files.list(h.serverHome.resolve("server/snapshots"))) {
            serverDb = dbs.filter(p -> p.toString().endsWith(".remote.db")).findFirst().orElseThrow();
        }
        Files.writeString(src.resolve("small.txt"), "changed");

        CliHarness.Result busy;
        // with patience: the server's side of the first run may still be closing (the client is not waiting for that)
        try (SnapshotLock held = SnapshotLock.acquire(serverDb, "test", java.time.Duration.ofSeconds(10))) {
            busy = h.run("sync", src.toString(), h.remote("copy"));
        }

        assertThat(busy.exitCode()).as(busy.toString()).isEqualTo(12);
        assertThat(busy.err()).contains("on the server").contains("already being synced")
                .contains("lock (server state)/snapshots/").doesNotContain(h.serverHome.toString());
        assertThat(Files.readString(h.serverRoot.resolve("copy/small.txt"))).isEqualTo("hello");
        assertThat(h.run("sync", src.toString(), h.remote("copy")).exitCode()).isZero();
        assertThat(Files.readString(h.serverRoot.resolve("copy/small.txt"))).isEqualTo("changed");
    }

    @Test
    void withWaitLock_theSecondRunWaitsForTheFirst_andThenCompletes() throws Exception {
        Path dst = tmp.resolve("dst");
        CompletableFuture<CliHarness.Result> first = slowRunUnderWay(dst);
        Files.writeString(src.resolve("later.txt"), "added while the first run was going");

        CliHarness.Result second = h.run("sync", src.toString(), dst.toString(), "--wait-lock");

        assertThat(first.get().exitCode()).isZero();
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.err()).contains("is already being synced by another farsync run").contains("waiting for it to end");
        Trees.assertSameTree(src, dst);
    }

    /**
     * Starts a sync of src to {@code dst} slow enough (12 MiB at 16 Mbit/s: about 6 s) that a
     * second run starts while it holds the lock; returns once it is receiving the big file.
     */
    private CompletableFuture<CliHarness.Result> slowRunUnderWay(Path dst) {
        CompletableFuture<CliHarness.Result> run = CompletableFuture.supplyAsync(
                () -> h.run("sync", src.toString(), dst.toString(), "--rate", "16M", "-q"));
        // the big file's partial copy appears only while the run (holding the lock) receives it
        await().atMost(Duration.ofSeconds(30)).until(() -> run.isDone() || receiving(dst));
        assertThat(run.isDone()).as("the first run ended before the second started").isFalse();
        return run;
    }

    private static String sessionIdOf(String sessionsTable) {
        return sessionsTable.lines().skip(1).findFirst().orElseThrow().split(" ")[0];
    }

    private static boolean receiving(Path dst) throws Exception {
        if (!Files.isDirectory(dst)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dst)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(".big.bin."));
        }
    }
}
