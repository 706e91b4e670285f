package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File names the JVM cannot decode (not UTF-8): reported, never synced under a mangled name. */
class NamesEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void namesThatAreNotUtf8_areErrors_andNoMangledEntryIsMade() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("ok.txt"), "ok");
        // Latin-1 bytes (0xE9): no Java string names them, so a shell makes them
        Process p = new ProcessBuilder("bash", "-c", "mkdir \"$(printf 'dir\\351')\" && echo x > \"$(printf 'dir\\351')/in.txt\""
                + " && echo y > \"$(printf 'r\\351sum\\351.txt')\"").directory(src.toFile()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        Path dst = tmp.resolve("dst");
        CliHarness.Result r;
        try (CliHarness h = new CliHarness(tmp)) {
            r = h.run("sync", src.toString(), dst.toString(), "-q");
        }
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(r.err()).contains("dir\uFFFD: file name is not valid").contains("r\uFFFDsum\uFFFD.txt: file name is not valid");
        try (var names = Files.list(dst)) {
            assertThat(names.map(n -> n.getFileName().toString())).containsExactly("ok.txt");
        }
    }
}
