package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.farsync.common.ExitCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -n/--dry-run} through the CLI: it lists what the real run then does, and changes
 * nothing on either side (trees, directory mtimes, snapshot databases), locally, as a push to a
 * real server and as a pull from one.
 */
class DryRunEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void local_listsWhatTheRealRunThenDoes_andChangesNothing() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random random = new Random(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = tmp.resolve("dst");
        Trees.makeSampleTree(src, seed);
        for (int i = 0; i < 20; i++) {
            Trees.write(src.resolve("dir" + i % 3 + "/f" + i + ".bin"), random, random.nextInt(70_000));
        }
        CliHarness.Result first;
        CliHarness.Result dry;
        CliHarness.Result real;
        TreeMap<String, String> srcBefore;
        TreeMap<String, String> dstBefore;
        TreeMap<String, String> statesBefore;
        TreeMap<String, String> dstAfterDry;
        TreeMap<String, String> statesAfterDry;
        Path stats = tmp.resolve("stats.json");
        try (CliHarness h = new CliHarness(tmp)) {
            first = h.run("sync", src.toString(), dst.toString(), "-q");
            // changes at the source: new, changed, chmodded, renamed (a directory), deleted
            Trees.write(src.resolve("dir0/new.bin"), random, 30_000);
            Trees.write(src.resolve("dir1/f1.bin"), random, 12_345);
            Files.setPosixFilePermissions(src.resolve("dir2/f2.bin"), PosixFilePermissions.fromString("rw-------"));
            Files.move(src.resolve("dir0"), src.resolve("renamed"));
            Files.delete(src.resolve("dir1/f4.bin"));
            Files.createDirectories(src.resolve("fresh/deeper"));
            Files.createSymbolicLink(src.resolve("link"), Path.of("renamed/new.bin"));
            // and at the destination: one file of its own, one changed since the last sync
            Files.writeString(dst.resolve("own.txt"), "only here");
            Files.writeString(dst.resolve("dir1/f7.bin"), "edited at the destination");
            srcBefore = Trees.describe(src, true);
            dstBefore = Trees.describe(dst, true);
            statesBefore = databases(h.clientHome);
            dry = h.run("sync", src.toString(), dst.toString(), "--mirror", "-n", "--stats-json", stats.toString());
            dstAfterDry = Trees.describe(dst, true);
            statesAfterDry = databases(h.clientHome);
            real = h.run("sync", src.toString(), dst.toString(), "--mirror");
        }

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(real.exitCode()).as(real.toString()).isZero();
        // nothing changed by the dry run: not the trees (directory mtimes included), not the databases
        assertThat(dstAfterDry).isEqualTo(dstBefore);
        assertThat(Trees.describe(src, true)).isEqualTo(srcBefore);
        assertThat(statesAfterDry).isEqualTo(statesBefore).isNotEmpty();
        // what it listed is what the real run then did, line for line (in its own order)
        assertThat(entryLines(dry.out())).isEqualTo(entryLines(real.out()))
                .contains("dir0 -> renamed", "renamed/new.bin", "dir1/f1.bin", "dir2/f2.bin (attributes)", "deleting dir1/f4.bin",
                        "deleting own.txt", "dir1/f7.bin", "fresh/", "fresh/deeper/", "link (symlink)");
        assertThat(lastLine(dry.out())).startsWith("dry run: would send ").contains("move 1", "delete 2").contains("nothing was changed");
        JsonNode json = new ObjectMapper().readTree(stats.toFile());
        assertThat(json.get("dry_run").asBoolean()).isTrue();
        assertThat(json.get("files_deleted").asLong()).isEqualTo(2);
        assertThat(json.get("files_moved").asLong()).isEqualTo(1);
        Trees.assertSameTree(src, dst);
    }

    @Test
    void overTheDeleteLimit_listsTheDeletes_andExitsAsTheRealRunWould() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = tmp.resolve("dst");
        for (int i = 0; i < 150; i++) {
            Files.writeString(src.resolve("f" + i), Integer.toString(i));
        }
        CliHarness.Result dry;
        CliHarness.Result real;
        try (CliHarness h = new CliHarness(tmp)) {
            assertThat(h.run("sync", src.toString(), dst.toString(), "-q").exitCode()).isZero();
            for (int i = 0; i < 100; i++) {
                Files.delete(src.resolve("f" + i));
            }
            dry = h.run("sync", src.toString(), dst.toString(), "--dry-run");
            real = h.run("sync", src.toString(), dst.toString());
        }
        assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(ExitCode.DELETE_LIMIT.code()).isEqualTo(real.exitCode());
        assertThat(dry.err()).contains("refusing to delete 100 of 150 synced entries");
        assertThat(entryLines(dry.out())).hasSize(100).allMatch(l -> l.startsWith("deleting f"));
        try (Stream<Path> files = Files.list(dst)) {
            assertThat(files.count()).isEqualTo(150);
        }
    }

    @Test
    void againstARealServer_pushAndPull_createAndRecordNothing() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("server-root/data"));
        Files.writeString(data.resolve("a.txt"), "alpha");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("sub/b.txt"), "beta");
        Path local = tmp.resolve("local/copy");
        CliHarness.Result pullDry;
        CliHarness.Result pushDry;
        CliHarness.Result pull;
        TreeMap<String, String> serverStates;
        TreeMap<String, String> clientStates;
        boolean localMade;
        boolean serverMade;
        try (CliHarness h = new CliHarness(tmp).startServer()) {
            pullDry = h.run("sync", h.remote("data"), local.toString(), "-n");
            pushDry = h.run("sync", data.toString(), h.remote("elsewhere/new"), "-n");
            serverStates = files(h.serverHome.resolve("server/snapshots"));
            clientStates = files(h.clientHome.resolve("snapshots"));
            localMade = Files.exists(tmp.resolve("local"));
            serverMade = Files.exists(tmp.resolve("server-root/elsewhere"));
            pull = h.run("sync", h.remote("data"), local.toString());
        }
        assertThat(pullDry.exitCode()).as(pullDry.toString()).isZero();
        assertThat(pushDry.exitCode()).as(pushDry.toString()).isZero();
        assertThat(pull.exitCode()).as(pull.toString()).isZero();
        assertThat(entryLines(pullDry.out())).isEqualTo(entryLines(pull.out())).contains("a.txt", "sub/", "sub/b.txt");
        assertThat(entryLines(pushDry.out())).containsExactlyInAnyOrder("a.txt", "sub/", "sub/b.txt");
        // neither a destination nor a snapshot database (nor a lock file) was made on either side
        assertThat(localMade).isFalse();
        assertThat(serverMade).isFalse();
        assertThat(serverStates).isEmpty();
        assertThat(clientStates).isEmpty();
        Trees.assertSameTree(data, local);
    }

    @Test
    void withBidiOrContinuous_isAUsageError() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        try (CliHarness h = new CliHarness(tmp)) {
            CliHarness.Result bidi = h.run("sync", src.toString(), dst.toString(), "-n", "--bidi");
            CliHarness.Result continuous = h.run("sync", src.toString(), dst.toString(), "-n", "--continuous");
            assertThat(bidi.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(bidi.err()).contains("--dry-run is for one-way syncs");
            assertThat(continuous.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(continuous.err()).contains("--dry-run is for one-time syncs");
        }
    }

    /** The entry lines of a sync's stdout (not the summary), sorted. */
    private static List<String> entryLines(String out) {
        return Arrays.stream(out.split("\n"))
                .filter(l -> !l.isBlank() && !l.startsWith("dry run: ") && !l.startsWith("sent ") && !l.startsWith("already in sync"))
                .sorted().toList();
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Every file in {@code dir}, by name, with a hash of its bytes (none if there is no {@code dir}). */
    private static TreeMap<String, String> files(Path dir) throws IOException {
        TreeMap<String, String> found = new TreeMap<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    found.put(p.getFileName().toString(), Trees.sha256(p));
                }
            }
        }
        return found;
    }

    /**
     * The snapshot databases under {@code home}: each file's bytes, and those of its write-ahead log
     * when that holds any (not lock files, nor the empty log and index a reader may leave).
     */
    private static TreeMap<String, String> databases(Path home) throws IOException {
        TreeMap<String, String> found = new TreeMap<>();
        Path dir = home.resolve("snapshots");
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.toString().endsWith(".db") || p.toString().endsWith(".db-wal")).forEach(p -> {
                try {
                    if (Files.size(p) > 0 || p.toString().endsWith(".db")) {
                        found.put(p.getFileName().toString(), Trees.sha256(p));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return found;
    }
}
