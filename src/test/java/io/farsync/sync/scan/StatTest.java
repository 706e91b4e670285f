package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatTest {

    @TempDir
    Path tmp;

    @Test
    void directRead_isUsedUnderTheTestsJvmOptions_andReadsWhatTheAttributeMapReads() throws Exception {
        Path file = Files.write(tmp.resolve("f"), new byte[1234]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_600_000_000L, 123_456_789L)));
        Files.createLink(tmp.resolve("hard"), file);
        Path dir = Files.createDirectory(tmp.resolve("d"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("l"), Path.of("../somewhere else"));

        assertThat(Stat.direct()).as("--add-opens java.base/sun.nio.fs (pom, bin/farsync)").isTrue();
        for (Path p : new Path[] {file, dir, link}) {
            Entry direct = Stat.lstatDirect(p, p.getFileName().toString());
            assertThat(direct).isEqualTo(Stat.lstatByMap(p, p.getFileName().toString()));
        }
        Entry f = Stat.lstatDirect(file, "f");
        assertThat(f.size()).isEqualTo(1234);
        assertThat(f.mode()).isEqualTo(0750);
        assertThat(f.nlink()).isEqualTo(2);
        assertThat(f.mtimeNanos()).isEqualTo(1_600_000_000_123_456_789L);
        assertThat(f.inode()).isNotZero();
        assertThat(Stat.lstatDirect(link, "l").linkTarget()).isEqualTo("../somewhere else");
        assertThat(Stat.lstatDirect(tmp.resolve("missing"), "missing")).isNull();
    }

    @Test
    void childOfAListing_readsWhatAnLstatOfItsPathReads_forEveryKindOfEntry() throws Exception {
        Path file = Files.write(tmp.resolve("f"), new byte[77]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.createLink(tmp.resolve("hard"), file);
        Files.createDirectory(tmp.resolve("d"));
        Files.createSymbolicLink(tmp.resolve("l"), Path.of("../somewhere else"));
        Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("missing"));
        Files.createSymbolicLink(tmp.resolve("to-dir"), tmp.resolve("d"));

        List<String> seen = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(tmp)) {
            assertThat(listing).as("the JDK lists with a descriptor on Linux: the fstatat path is the one tested")
                    .isInstanceOf(SecureDirectoryStream.class);
            for (Path child : listing) {
                String name = child.getFileName().toString();
                Entry viaListing = Stat.lstatChildOrNull(listing, child, child.getFileName(), "x/" + name);
                assertThat(viaListing).as(name).isEqualTo(Stat.lstatByMap(child, "x/" + name));
                seen.add(name);
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("f", "hard", "d", "l", "dangling", "to-dir");
    }

    @Test
    void childOfAListing_isReadInTheDirectoryListed_evenAfterThatDirectoryWasRenamed() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("before"));
        Files.write(dir.resolve("f"), new byte[5]);
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            Iterator<Path> it = listing.iterator();
            Path child = it.next();
            Files.move(dir, tmp.resolve("after"));

            // the path is gone; the open directory still holds f: one name looked up, not a path walked
            assertThat(Stat.lstatDirect(child, "f")).isNull();
            Entry e = Stat.lstatChildOrNull(listing, child, child.getFileName(), "f");
            assertThat(e).isNotNull();
            assertThat(e.size()).isEqualTo(5);
            assertThat(e).isEqualTo(Stat.lstatDirect(tmp.resolve("after/f"), "f"));
        }
    }

    @Test
    void symlinkOfAListing_whoseDirectoryWasRenamed_isSkippedAsVanished() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("before"));
        Files.createSymbolicLink(dir.resolve("l"), Path.of("target"));
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            Path child = listing.iterator().next();
            Files.move(dir, tmp.resolve("after"));

            // the lstat through the descriptor finds the link; its target, read by path, is gone:
            // the entry is skipped as any vanished one (before: NoSuchFileException, a scan error)
            assertThat(Stat.lstatChildOrNull(listing, child, child.getFileName(), "l")).isNull();
        }
    }

    @Test
    void childOfAListing_thatVanishedAfterItWasListed_isNull() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Path file = Files.write(dir.resolve("gone"), new byte[1]);
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            Path child = listing.iterator().next();
            Files.delete(file);

            assertThat(Stat.lstatChildOrNull(listing, child, child.getFileName(), "gone")).isNull();
        }
    }

    @Test
    void childOfAListing_thatIsASocket_isNull() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(dir.resolve("sock")));
            try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
                Path child = listing.iterator().next();
                assertThat(child.getFileName()).hasToString("sock");
                assertThat(Stat.lstatChildOrNull(listing, child, child.getFileName(), "sock")).isNull();
            }
        }
    }

    @Test
    void childOfAListingWithoutADescriptor_isReadByItsPath() throws Exception {
        Path file = Files.write(tmp.resolve("f"), new byte[3]);
        try (DirectoryStream<Path> secure = Files.newDirectoryStream(tmp)) {
            DirectoryStream<Path> plain = new DirectoryStream<>() {
                @Override
                public Iterator<Path> iterator() {
                    return secure.iterator();
                }

                @Override
                public void close() throws IOException {
                    secure.close();
                }
            };
            Path child = plain.iterator().next();
            assertThat(Stat.lstatChildOrNull(plain, child, child.getFileName(), "f")).isEqualTo(Stat.lstatDirect(file, "f"));
        }
    }
}
