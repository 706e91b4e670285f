package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.farsync.sync.ConflictPolicy;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.watch.WatchMode;
import io.farsync.transport.TransportConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code farsync sync A B --bidi} through the CLI: both local, and against a real server either way round. */
class BidiEndToEndTest {
    private static final Instant T0 = Instant.parse("2024-03-01T12:00:00Z");

    @TempDir
    Path tmp;
    CliHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new CliHarness(tmp).startServer();
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void bothLocal_editsOnBothSidesPropagate_conflictKeepsBoth_rerunIsQuiet() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        roundTrip(a, b, a.toString(), b.toString());
    }

    @Test
    void localSourceRemoteDestination_bidi() throws Exception {
        Path a = tmp.resolve("a");
        Path b = h.serverRoot.resolve("b");
        roundTrip(a, b, a.toString(), h.remote("/b"));
    }

    @Test
    void remoteSourceLocalDestination_bidi() throws Exception {
        Path a = h.serverRoot.resolve("a");
        Path b = tmp.resolve("b");
        roundTrip(a, b, h.remote("/a"), b.toString());
    }

    @Test
    void mirrorWithBidi_isAUsageError() {
        CliHarness.Result r = h.run("sync", tmp.resolve("x").toString(), tmp.resolve("y").toString(), "--bidi", "--mirror");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        CliHarness.Result bad = h.run("sync", tmp.toString(), tmp.resolve("y").toString(), "--bidi", "--conflict", "mine");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("--conflict");
        CliHarness.Result oneWay = h.run("sync", tmp.toString(), tmp.resolve("y").toString(), "--conflict", "newest");
        assertThat(oneWay.exitCode()).as(oneWay.toString()).isEqualTo(2);
        assertThat(oneWay.err()).contains("--conflict needs --bidi");
    }

    @Test
    void continuous_bothLocal_watchesSrc_andScansDst() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        SyncRunner.Settings sync = new SyncRunner.Settings(Location.parse(a.toString()), Location.parse(b.toString()), 0, h.identity,
                TransportConfig.defaults().withDatagramSize(SyncCommand.LOOPBACK_DATAGRAM), 128, SyncOptions.defaults(),
                ConflictPolicy.KEEP_BOTH);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContinuousRunner runner = continuous(sync, out);
        Thread t = new Thread(runner::run, "test-bidi-continuous");
        t.setDaemon(true);
        t.start();
        try {
            Files.writeString(a.resolve("from-a.txt"), "a");
            Files.writeString(b.resolve("from-b.txt"), "b");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.exists(b.resolve("from-a.txt")) && Files.exists(a.resolve("from-b.txt")));
            Files.writeString(b.resolve("from-b.txt"), "b edited");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.readString(a.resolve("from-b.txt")).equals("b edited"));
        } finally {
            runner.stopAndWait();
            t.join(30_000);
            System.out.println("--- continuous stdout\n" + out.toString(StandardCharsets.UTF_8));
        }
        cli(a, b);

        // While it is stopped: a renames, b edits the same file; the next run's first sync meets both.
        Files.move(a.resolve("from-a.txt"), a.resolve("renamed-at-a.txt"));
        write(b.resolve("from-a.txt"), "edited at b", 60);
        ContinuousRunner again = continuous(sync, out);
        Thread t2 = new Thread(again::run, "test-bidi-continuous-2");
        t2.setDaemon(true);
        t2.start();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !Files.exists(b.resolve("from-a.txt")) && Files.exists(b.resolve("renamed-at-a.txt"))
                            && Files.readString(a.resolve("renamed-at-a.txt")).equals("edited at b"));
        } finally {
            again.stopAndWait();
            t2.join(30_000);
        }
        assertThat(Files.readString(b.resolve("renamed-at-a.txt"))).isEqualTo("edited at b");
        assertThat(a.resolve("from-a.txt")).doesNotExist();
        cli(a, b);
    }

    private ContinuousRunner continuous(SyncRunner.Settings sync, ByteArrayOutputStream out) {
        return ContinuousRunner.forCli(sync, ContinuousRunner.Settings.defaults(Duration.ofMillis(200),
                Duration.ofSeconds(1), WatchMode.AUTO), new FarsyncHome(h.clientHome), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
    }

    /** A (named first) and B: first sync, edits on both sides, a conflict and a delete against an edit, then a quiet re-run. */
    private void roundTrip(Path a, Path b, String argA, String argB) throws Exception {
        write(a.resolve("shared.txt"), "base", 0);
        write(a.resolve("docs/report.txt"), "base report", 0);
        write(a.resolve("gone.txt"), "base gone", 0);
        write(b.resolve("from-b.txt"), "made at b", 0);
        write(a.resolve("notes.txt"), "notes", 0);
        write(a.resolve("todo.txt"), "todo", 0);
        CliHarness.Result first = h.run("sync", argA, argB, "--bidi");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        cli(a, b);

        write(a.resolve("a-new.txt"), "new at a", 10);
        write(b.resolve("docs/b-new.txt"), "new at b", 10);
        write(a.resolve("docs/report.txt"), "report edited at a", 20);
        write(b.resolve("docs/report.txt"), "report edited at b (newer)", 30);
        Files.delete(a.resolve("gone.txt"));
        write(b.resolve("gone.txt"), "gone edited at b", 40);
        // renamed at one side, edited at the other (either way round): one file, new name, edit
        Files.move(a.resolve("notes.txt"), a.resolve("docs/notes-renamed.txt"));
        write(b.resolve("notes.txt"), "notes edited at b", 50);
        Files.move(b.resolve("todo.txt"), b.resolve("docs/todo-renamed.txt"));
        write(a.resolve("todo.txt"), "todo edited at a", 50);
        Path stats = tmp.resolve("stats.json");
        CliHarness.Result r = h.run("sync", argA, argB, "--bidi", "--stats-json", stats.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("conflict docs/report.txt: ").contains("1 conflict");
        JsonNode json = new ObjectMapper().readTree(stats.toFile());
        assertThat(json.get("conflicts").asLong()).isEqualTo(1);
        for (Path side : List.of(a, b)) {
            assertThat(Files.readString(side.resolve("a-new.txt"))).isEqualTo("new at a");
            assertThat(Files.readString(side.resolve("docs/b-new.txt"))).isEqualTo("new at b");
            assertThat(Files.readString(side.resolve("docs/report.txt"))).isEqualTo("report edited at b (newer)");
            assertThat(Files.readString(side.resolve("gone.txt"))).isEqualTo("gone edited at b");
            assertThat(Files.readString(side.resolve("docs/notes-renamed.txt"))).isEqualTo("notes edited at b");
            assertThat(Files.readString(side.resolve("docs/todo-renamed.txt"))).isEqualTo("todo edited at a");
            assertThat(side.resolve("notes.txt")).doesNotExist();
            assertThat(side.resolve("todo.txt")).doesNotExist();
            List<Path> copies = copies(side);
            assertThat(copies).hasSize(1);
            assertThat(copies.get(0).getFileName().toString()).matches("report\\.conflict-[A-Za-z0-9._-]+-20240301T120020Z\\.txt");
            assertThat(Files.readString(copies.get(0))).isEqualTo("report edited at a");
        }
        cli(a, b);

        CliHarness.Result again = h.run("sync", argA, argB, "--bidi");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("already in sync");
    }

    private static void cli(Path a, Path b) {
        Trees.assertSameTree(a, b);
    }

    private static void write(Path file, String text, int seconds) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(T0.plusSeconds(seconds)));
    }

    private static List<Path> copies(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().contains(".conflict-")).sorted().toList();
        }
    }
}
