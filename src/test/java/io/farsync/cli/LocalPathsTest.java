package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two local paths that overlap, or a DST that is a file: refused before anything is touched. */
class LocalPathsTest {
    @TempDir
    Path tmp;

    @Test
    void overlappingPaths_andAFileAsDst_areUsageErrors_andNothingIsTouched() throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("outer"));
        Path inner = Files.createDirectories(outer.resolve("inner"));
        Files.writeString(inner.resolve("precious.txt"), "keep me");
        Files.writeString(outer.resolve("top.txt"), "top");
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        Files.createSymbolicLink(tmp.resolve("alias"), outer);
        CliHarness.Result srcInDst;
        CliHarness.Result viaLink;
        CliHarness.Result same;
        CliHarness.Result dstInSrc;
        CliHarness.Result dstExcluded;
        CliHarness.Result toFile;
        try (CliHarness h = new CliHarness(tmp)) {
            srcInDst = h.run("sync", inner.toString(), outer.toString(), "-q", "--mirror");
            viaLink = h.run("sync", inner.toString(), tmp.resolve("alias").toString(), "-q", "--mirror");
            same = h.run("sync", outer.toString(), outer.toString() + "/.", "-q");
            dstInSrc = h.run("sync", outer.toString(), inner.resolve("copy").toString(), "-q");
            dstExcluded = h.run("sync", outer.toString(), inner.resolve("copy").toString(), "-q", "--exclude", "/inner/copy/");
            toFile = h.run("sync", inner.toString(), file.toString(), "-q");
        }
        assertThat(srcInDst.exitCode()).as(srcInDst.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(srcInDst.err()).contains("is inside DST");
        assertThat(viaLink.exitCode()).as(viaLink.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(same.exitCode()).as(same.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(same.err()).contains("SRC and DST are the same directory");
        assertThat(dstInSrc.exitCode()).as(dstInSrc.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(dstInSrc.err()).contains("is inside SRC").contains("--exclude /inner/copy/");
        assertThat(dstExcluded.exitCode()).as(dstExcluded.toString()).isZero();
        assertThat(inner.resolve("copy/top.txt")).hasContent("top");
        assertThat(toFile.exitCode()).as(toFile.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(toFile.err()).contains("destination is not a directory: " + file);
        assertThat(inner.resolve("precious.txt")).hasContent("keep me");
        assertThat(file).hasContent("not a directory");
    }
}
