package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.ExitCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --symlinks copy|skip|follow} through the CLI: local syncs (the in-process server) and a real server. */
class SymlinksEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void follow_syncsWhatLinksLeadTo_reportsBrokenAndLoopingOnes_andDeletesNothingThere() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random random = new Random(seed);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Trees.write(outside.resolve("data.bin"), random, 300_000);
        Trees.write(outside.resolve("dir/x.bin"), random, 5_000);
        Trees.write(outside.resolve("dir/sub/y.bin"), random, 70_000);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Trees.write(src.resolve("a.txt"), random, 100);
        Files.createSymbolicLink(src.resolve("f"), outside.resolve("data.bin"));
        Files.createSymbolicLink(src.resolve("d"), outside.resolve("dir"));
        Files.createSymbolicLink(src.resolve("alias"), Path.of("a.txt"));
        Files.createSymbolicLink(src.resolve("broken"), Path.of("nowhere"));
        Files.createDirectories(src.resolve("d2"));
        Files.createSymbolicLink(src.resolve("d2/up"), Path.of(".."));
        Files.createSymbolicLink(src.resolve("upper"), Path.of(".."));  // above the root: its parent holds dst too
        Files.getFileAttributeView(outside.resolve("data.bin"), UserDefinedFileAttributeView.class)
                .write("origin", ByteBuffer.wrap("lab".getBytes(StandardCharsets.UTF_8)));
        Path dst = tmp.resolve("dst");

        CliHarness.Result copied;
        Path copiedLink;
        CliHarness.Result followed;
        CliHarness.Result again;
        CliHarness.Result gone;
        java.util.TreeMap<String, String> before;
        java.util.TreeMap<String, String> referent;
        try (CliHarness h = new CliHarness(tmp)) {
            copied = h.run("sync", src.toString(), dst.toString(), "-q");
            copiedLink = Files.readSymbolicLink(dst.resolve("f"));
            followed = h.run("sync", src.toString(), dst.toString(), "-q", "--symlinks", "follow", "--xattrs");
            Trees.write(outside.resolve("dir/sub/y.bin"), random, 80_000);  // changed through the link
            again = h.run("sync", src.toString(), dst.toString(), "-q", "--symlinks", "follow", "--xattrs");
            before = Trees.describe(dst.resolve("d"), false);
            referent = Trees.describe(outside.resolve("dir"), false);
            try (var walk = Files.walk(outside.resolve("dir"))) {  // a followed directory's referent is gone
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            gone = h.run("sync", src.toString(), dst.toString(), "-q", "--symlinks", "follow", "--xattrs");
        }

        assertThat(copied.exitCode()).as(copied.toString()).isZero();
        assertThat(copiedLink).isEqualTo(outside.resolve("data.bin"));
        // followed: links to files and directories became what they lead to
        assertThat(followed.exitCode()).as(followed.toString()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(followed.err()).contains("broken: symlink has no referent").contains("d2/up: symlink leads to a directory that holds it")
                .contains("upper: symlink leads to a directory that holds it");
        assertThat(Files.getFileAttributeView(dst.resolve("f"), UserDefinedFileAttributeView.class).list()).containsExactly("origin");
        assertThat(Files.isRegularFile(dst.resolve("f"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.mismatch(dst.resolve("f"), outside.resolve("data.bin"))).isEqualTo(-1L);
        assertThat(Files.isDirectory(dst.resolve("d"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.isRegularFile(dst.resolve("alias"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.mismatch(dst.resolve("alias"), src.resolve("a.txt"))).isEqualTo(-1L);
        // the broken and the looping link were not followed, and what stood there before stays
        assertThat(Files.readSymbolicLink(dst.resolve("broken"))).isEqualTo(Path.of("nowhere"));
        assertThat(Files.readSymbolicLink(dst.resolve("d2/up"))).isEqualTo(Path.of(".."));
        assertThat(Files.readSymbolicLink(dst.resolve("upper"))).isEqualTo(Path.of(".."));
        // a file changed behind a followed directory link is sent again
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(before).isEqualTo(referent).containsKey("sub/y.bin").hasSize(3);
        // its referent gone: an error for the path, and nothing synced through it is deleted
        assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(gone.err()).contains("d: symlink has no referent");
        assertThat(Trees.describe(dst.resolve("d"), false)).isEqualTo(before);
    }

    @Test
    void skip_leavesLinksOutOnBothSides_evenWithMirror() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha");
        Files.writeString(src.resolve("b.txt"), "bravo");
        Files.createSymbolicLink(src.resolve("l1"), Path.of("a.txt"));
        Path dst = tmp.resolve("dst");

        CliHarness.Result copied;
        CliHarness.Result skipped;
        try (CliHarness h = new CliHarness(tmp)) {
            copied = h.run("sync", src.toString(), dst.toString(), "-q");
            Files.delete(src.resolve("l1"));                                   // a synced link gone at the source
            Files.createSymbolicLink(src.resolve("l2"), Path.of("a.txt"));     // a new link
            Files.delete(src.resolve("b.txt"));
            Files.createSymbolicLink(src.resolve("b.txt"), Path.of("a.txt"));  // a synced file now a link
            Files.writeString(src.resolve("c.txt"), "charlie");
            Files.createSymbolicLink(dst.resolve("mine"), Path.of("elsewhere")); // the destination's own link
            skipped = h.run("sync", src.toString(), dst.toString(), "-q", "--symlinks", "skip", "--mirror");
        }

        assertThat(copied.exitCode()).as(copied.toString()).isZero();
        assertThat(skipped.exitCode()).as(skipped.toString()).isZero();
        assertThat(Files.readString(dst.resolve("c.txt"))).isEqualTo("charlie");
        assertThat(Files.readSymbolicLink(dst.resolve("l1"))).isEqualTo(Path.of("a.txt"));
        assertThat(dst.resolve("l2")).doesNotExist();
        assertThat(Files.isRegularFile(dst.resolve("b.txt"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(dst.resolve("b.txt"))).isEqualTo("bravo");
        assertThat(Files.readSymbolicLink(dst.resolve("mine"))).isEqualTo(Path.of("elsewhere"));
    }

    @Test
    void skip_onAPull_leavesTheServersLinksOut() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("server-root/data"));
        Files.writeString(data.resolve("a.txt"), "alpha");
        Files.createSymbolicLink(data.resolve("l"), Path.of("a.txt"));
        Path local = tmp.resolve("local");
        CliHarness.Result pulled;
        try (CliHarness h = new CliHarness(tmp).startServer()) {
            pulled = h.run("sync", h.remote("data"), local.toString(), "-q", "--symlinks", "skip");
        }
        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(Files.readString(local.resolve("a.txt"))).isEqualTo("alpha");
        assertThat(local.resolve("l")).doesNotExist();
        assertThat(Files.exists(local.resolve("l"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void follow_isRefusedForAPullAndWithBidi_andABadModeIsAUsageError() throws IOException {
        Files.createDirectories(tmp.resolve("server-root/data"));
        Path local = Files.createDirectories(tmp.resolve("local"));
        CliHarness.Result pull;
        CliHarness.Result bidi;
        CliHarness.Result bad;
        try (CliHarness h = new CliHarness(tmp).startServer()) {
            pull = h.run("sync", h.remote("data"), local.toString(), "--symlinks", "follow");
            bidi = h.run("sync", local.toString(), h.remote("data"), "--bidi", "--symlinks", "skip");
            bad = h.run("sync", local.toString(), h.remote("data"), "--symlinks", "deref");
        }
        assertThat(pull.exitCode()).as(pull.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(pull.err()).contains("--symlinks follow needs a local SRC");
        assertThat(bidi.exitCode()).as(bidi.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bidi.err()).contains("--symlinks skip is for one-way syncs");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("--symlinks deref: expected one of copy, skip, follow");
    }
}
