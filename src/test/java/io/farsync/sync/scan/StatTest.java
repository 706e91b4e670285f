package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
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
}
