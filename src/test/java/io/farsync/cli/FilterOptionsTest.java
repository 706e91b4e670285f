package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --include}, {@code --exclude} and {@code --exclude-from}: repeatable, applied in command-line order. */
class FilterOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void repeatedFilterOptions_applyInCommandLineOrder_firstMatchWins() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (String f : new String[] {"main.c", "main.o", "notes.txt", "lib/util.c", "lib/util.h", "lib/keep.o", "build/out.c"}) {
            Files.createDirectories(src.resolve(f).getParent());
            Files.writeString(src.resolve(f), f);
        }
        Path rules = Files.writeString(tmp.resolve("rules"), "+ *.h\n");
        Path dst = tmp.resolve("dst");
        CliHarness.Result r;
        try (CliHarness h = new CliHarness(tmp)) {
            // rsync's idiom: directories, then what to keep, then everything else out
            r = h.run("sync", src.toString(), dst.toString(), "-q", "--exclude", "/build/", "--include", "*/",
                    "--include", "*.c", "--exclude-from", rules.toString(), "--include", "lib/keep.o", "--exclude", "*.o",
                    "--exclude-from", rules.toString(), "--exclude", "*");
        }
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Trees.describe(dst, false).keySet()).containsExactly("lib", "lib/keep.o", "lib/util.c", "lib/util.h", "main.c");
    }

    @Test
    void bangLineInAnExcludeFile_dropsEveryRuleBeforeIt() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.c"), "c");
        Files.writeString(src.resolve("a.o"), "o");
        Path rules = Files.writeString(tmp.resolve("rules"), "*.txt\n!\n*.c\n");
        Path dst = tmp.resolve("dst");
        CliHarness.Result r;
        try (CliHarness h = new CliHarness(tmp)) {
            r = h.run("sync", src.toString(), dst.toString(), "-q", "--exclude", "*.o", "--exclude-from", rules.toString());
        }
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Trees.describe(dst, false).keySet()).containsExactly("a.o");
    }
}
