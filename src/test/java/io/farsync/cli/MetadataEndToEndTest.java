package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.farsync.sync.apply.Metadata;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --preserve-owner} and {@code --xattrs} through the CLI to a real server. */
class MetadataEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void pushWithPreserveOwnerAndXattrs_carriesBoth_toTheServer() throws Exception {
        assumeTrue(Metadata.runningAsRoot(), "needs root to give files away (CI runs as root)");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path f = Files.writeString(src.resolve("report.txt"), "numbers");
        Files.setAttribute(f, "unix:uid", 4242, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(f, "unix:gid", 4343, LinkOption.NOFOLLOW_LINKS);
        Files.getFileAttributeView(f, UserDefinedFileAttributeView.class).write("origin", ByteBuffer.wrap("lab".getBytes(StandardCharsets.UTF_8)));

        CliHarness.Result plain;
        CliHarness.Result kept;
        Path root;
        try (CliHarness h = new CliHarness(tmp).startServer()) {
            plain = h.run("sync", src.toString(), h.remote("plain"));
            kept = h.run("sync", src.toString(), h.remote("kept"), "--preserve-owner", "--xattrs");
            root = h.serverRoot;
        }

        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(kept.exitCode()).as(kept.toString()).isZero();
        Path plainCopy = root.resolve("plain/report.txt");
        Path keptCopy = root.resolve("kept/report.txt");
        assertThat(Files.getAttribute(plainCopy, "unix:uid")).isEqualTo(0);
        assertThat(Files.getFileAttributeView(plainCopy, UserDefinedFileAttributeView.class).list()).isEmpty();
        assertThat(Files.getAttribute(keptCopy, "unix:uid")).isEqualTo(4242);
        assertThat(Files.getAttribute(keptCopy, "unix:gid")).isEqualTo(4343);
        assertThat(Files.getFileAttributeView(keptCopy, UserDefinedFileAttributeView.class).list()).containsExactly("origin");
    }

    @Test
    void aNewDestinationRoot_getsTheSourceRootsModeAndMtime_butNotSetuidBits_andAFullOneKeepsItsOwn() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        Files.setAttribute(src, "unix:mode", 02700);
        java.nio.file.attribute.FileTime y2000 = java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2000-01-01T00:00:00.123456789Z"));
        Files.setLastModifiedTime(src, y2000);
        Path dst = tmp.resolve("dst");
        CliHarness.Result first;
        CliHarness.Result again;
        int modeAfterFirst;
        try (CliHarness h = new CliHarness(tmp)) {
            first = h.run("sync", src.toString(), dst.toString(), "-q");
            modeAfterFirst = (Integer) Files.getAttribute(dst, "unix:mode") & 07777;
            assertThat(Files.getLastModifiedTime(dst)).isEqualTo(y2000);
            Files.setAttribute(dst, "unix:mode", 0755);
            again = h.run("sync", src.toString(), dst.toString(), "-q");
        }
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(Integer.toOctalString(modeAfterFirst)).isEqualTo("700");
        // a root that held entries when the run began (a home directory, say) keeps its own mode
        assertThat(Integer.toOctalString((Integer) Files.getAttribute(dst, "unix:mode") & 07777)).isEqualTo("755");
    }

    @Test
    void hardLinkedFiles_crossTheWireOnce_andArriveLinked() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] data = new byte[4 << 20];
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        new java.util.Random(seed).nextBytes(data);
        Files.write(src.resolve("a.bin"), data);
        for (String name : new String[] {"b.bin", "c.bin", "d.bin"}) {
            Files.createLink(src.resolve(name), src.resolve("a.bin"));
        }
        Path dst = tmp.resolve("dst");
        Path stats = tmp.resolve("stats.json");

        CliHarness.Result r;
        try (CliHarness h = new CliHarness(tmp)) {
            r = h.run("sync", src.toString(), dst.toString(), "--stats-json", stats.toString());
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stats.toFile());
        System.out.println("4 links of a 4 MiB file: " + json.get("wire_bytes") + " wire bytes");
        assertThat(json.get("bytes_transferred").asLong()).isEqualTo(data.length);
        // four separate copies would be 16 MiB on the wire
        assertThat(json.get("wire_bytes").asLong()).isBetween((long) data.length, (long) data.length * 5 / 4);
        Object inode = Files.getAttribute(dst.resolve("a.bin"), "unix:ino");
        for (String name : new String[] {"b.bin", "c.bin", "d.bin"}) {
            assertThat(Files.getAttribute(dst.resolve(name), "unix:ino")).as(name).isEqualTo(inode);
        }
        assertThat(r.out()).contains("b.bin (hard link)");
    }

    @Test
    void preserveOwnerWithoutRoot_isAWarning_notAnError() {
        assertThat(Metadata.of(true, false, false).warnings()).singleElement().asString()
                .contains("--preserve-owner").contains("not run as root");
        assertThat(Metadata.of(true, false, true).warnings()).isEmpty();
    }
}
