package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farsync sync FILE DST}, as rsync: the file lands in DST; nothing else in its directory
 * is sent, and nothing else in DST is deleted, {@code --mirror} included. Locally, pushed to a
 * real server and pulled from one.
 */
class SingleFileSourceTest {
    @TempDir
    Path tmp;

    @Test
    void local_theFileLandsInDst_andNothingElseIsSentOrDeleted() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random random = new Random(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.setPosixFilePermissions(src, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = src.resolve("we*ird [1].bin");  // wildcards in the name are taken literally
        Trees.write(file, random, 300_000);
        Trees.write(src.resolve("we-ird 1.bin"), random, 1_000);  // what the name would match as a pattern
        Trees.write(src.resolve("sub/inner.bin"), random, 1_000);
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Files.writeString(dst.resolve("keep.txt"), "the destination's own");
        Path fresh = tmp.resolve("fresh");
        CliHarness.Result first;
        CliHarness.Result intoFresh;
        CliHarness.Result intoAbove;
        CliHarness.Result again;
        CliHarness.Result changed;
        try (CliHarness h = new CliHarness(tmp)) {
            first = h.run("sync", file.toString(), dst.toString(), "--mirror");
            again = h.run("sync", file.toString(), dst.toString(), "--mirror");
            Trees.write(src.resolve("we-ird 1.bin"), random, 2_000);
            Trees.write(file, random, 200_000);
            changed = h.run("sync", file.toString(), dst.toString(), "--mirror");
            intoFresh = h.run("sync", file.toString(), fresh.toString(), "-q");
            // into a directory above the file's own: only the file is its business
            intoAbove = h.run("sync", file.toString(), tmp.toString(), "-q", "--mirror");
        }
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).startsWith("we*ird [1].bin\n");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).startsWith("already in sync");
        assertThat(changed.exitCode()).as(changed.toString()).isZero();
        assertThat(changed.out()).startsWith("we*ird [1].bin\nsent 1 file");
        assertThat(Files.mismatch(file, dst.resolve(file.getFileName()))).isEqualTo(-1L);
        try (Stream<Path> names = Files.list(dst)) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("keep.txt", "we*ird [1].bin");
        }
        // a new DST does not take the file's directory's mode (world-writable here, as /tmp is)
        assertThat(intoFresh.exitCode()).as(intoFresh.toString()).isZero();
        assertThat(Files.mismatch(file, fresh.resolve(file.getFileName()))).isEqualTo(-1L);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isNotEqualTo("rwxrwxrwx");
        assertThat(intoAbove.exitCode()).as(intoAbove.toString()).isZero();
        assertThat(Files.mismatch(file, tmp.resolve(file.getFileName()))).isEqualTo(-1L);
        assertThat(dst.resolve("keep.txt")).exists();
        assertThat(src.resolve("we-ird 1.bin")).exists();
    }

    @Test
    void pushedToAndPulledFromARealServer() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random random = new Random(seed);
        Path data = Files.createDirectories(tmp.resolve("server-root/data"));
        Trees.write(data.resolve("report.pdf"), random, 150_000);
        Trees.write(data.resolve("other.pdf"), random, 10_000);
        Path local = tmp.resolve("local");
        Path upload = tmp.resolve("upload.bin");
        Trees.write(upload, random, 70_000);
        Trees.write(tmp.resolve("beside.bin"), random, 10);
        CliHarness.Result pulled;
        CliHarness.Result pushed;
        CliHarness.Result filtered;
        CliHarness.Result special;
        try (CliHarness h = new CliHarness(tmp).startServer()) {
            pulled = h.run("sync", h.remote("data/report.pdf"), local.toString(), "--mirror");
            pushed = h.run("sync", upload.toString(), h.remote("incoming"));
            filtered = h.run("sync", h.remote("data/report.pdf"), local.toString(), "--exclude", "*.tmp");
            assertThat(new ProcessBuilder("mkfifo", data.resolve("pipe").toString()).start().waitFor()).isZero();
            special = h.run("sync", h.remote("data/pipe"), local.toString());
        }
        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(Files.mismatch(data.resolve("report.pdf"), local.resolve("report.pdf"))).isEqualTo(-1L);
        assertThat(local.resolve("other.pdf")).doesNotExist();
        assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
        Path incoming = tmp.resolve("server-root/incoming");
        assertThat(Files.mismatch(upload, incoming.resolve("upload.bin"))).isEqualTo(-1L);
        try (Stream<Path> names = Files.list(incoming)) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactly("upload.bin");
        }
        assertThat(filtered.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(filtered.err()).contains("do not apply to a single-file SRC (data/report.pdf is a file on the server)");
        assertThat(special.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(special.err()).contains("data/pipe is a special file on the server");
    }

    @Test
    void withBidiContinuousOrFilters_isAUsageError() throws Exception {
        Path file = tmp.resolve("one.txt");
        Files.writeString(file, "1");
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        try (CliHarness h = new CliHarness(tmp)) {
            CliHarness.Result bidi = h.run("sync", file.toString(), dst.toString(), "--bidi");
            CliHarness.Result continuous = h.run("sync", file.toString(), dst.toString(), "--continuous");
            CliHarness.Result filtered = h.run("sync", file.toString(), dst.toString(), "--exclude", "*.txt");
            Path newline = Files.writeString(tmp.resolve("two\nlines"), "x");
            CliHarness.Result badName = h.run("sync", newline.toString(), dst.toString());
            assertThat(badName.exitCode()).as(badName.toString()).isEqualTo(ExitCode.USAGE.code());
            assertThat(badName.err()).contains("two\\nlines has a newline in its name");
            Path fifo = tmp.resolve("pipe");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            CliHarness.Result special = h.run("sync", fifo.toString(), dst.toString());
            assertThat(special.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(special.err()).contains("is a special file (FIFO, socket or device)");
            Path link = Files.createSymbolicLink(tmp.resolve("link"), file.getFileName());
            CliHarness.Result skipped = h.run("sync", link.toString(), dst.toString(), "--symlinks", "skip");
            assertThat(skipped.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(skipped.err()).contains("is a symlink, which --symlinks skip leaves out");
            CliHarness.Result ontoItself = h.run("sync", file.toString(), tmp.toString());
            assertThat(ontoItself.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(ontoItself.err()).contains("is the directory SRC is in: the file would be copied onto itself");
            CliHarness.Result ontoTheFile = h.run("sync", file.toString(), file.toString());
            assertThat(ontoTheFile.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(ontoTheFile.err()).contains("destination is not a directory: " + file);
            assertThat(bidi.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(bidi.err()).contains("--bidi syncs two directories");
            assertThat(continuous.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(continuous.err()).contains("--continuous watches a directory");
            assertThat(filtered.exitCode()).isEqualTo(ExitCode.USAGE.code());
            assertThat(filtered.err()).contains("do not apply to a single-file SRC");
        }
        try (Stream<Path> names = Files.list(dst)) {
            assertThat(names).isEmpty();
        }
    }
}
