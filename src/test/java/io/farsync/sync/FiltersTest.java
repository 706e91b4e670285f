package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.filter.Filter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Include and exclude rules applied by the source. */
class FiltersTest extends SyncFixture {

    private SyncOptions filtered(String... rules) {
        return SyncOptions.defaults().withFilter(Filter.of(List.of(rules)));
    }

    @Test
    void excludedEntries_areNotSent_andExcludedDirectoriesNotEntered() throws Exception {
        Trees.write(src.resolve("src/main.c"), "int main;", T1);
        Trees.write(src.resolve("src/main.o"), "obj", T1);
        Trees.write(src.resolve("keep.o"), "keep me", T1);
        Trees.write(src.resolve("build/out/a.bin"), "built", T1);
        Trees.write(src.resolve("logs/today.log"), "log", T1);
        Trees.write(src.resolve("app/logs/x.log"), "nested log", T1);
        Path locked = Files.createDirectories(src.resolve("build/locked"));
        Files.setAttribute(locked, "unix:mode", 0);
        sync.options = filtered("+ keep.o", "- *.o", "- build/", "- /logs");
        try {
            SyncResult r = sync.runOk();

            assertThat(r.errors()).as("an excluded directory is not read").isEmpty();
        } finally {
            Files.setAttribute(locked, "unix:mode", 0755);
        }
        assertThat(dst.resolve("src/main.c")).exists();
        assertThat(dst.resolve("keep.o")).exists();
        assertThat(dst.resolve("src/main.o")).doesNotExist();
        assertThat(dst.resolve("build")).doesNotExist();
        assertThat(dst.resolve("logs")).doesNotExist();
        assertThat(dst.resolve("app/logs/x.log")).exists();
    }

    @Test
    void entryThatBecomesExcluded_isNotDeletedAtTheDestination_norMirroredAway() throws Exception {
        Trees.write(src.resolve("data/a.csv"), "a", T1);
        Trees.write(src.resolve("cache/c.bin"), "c", T1);
        sync.runOk();
        Trees.write(dst.resolve("cache/dest-only.bin"), "mine", T2);
        Files.delete(src.resolve("cache/c.bin"));
        Files.delete(src.resolve("cache"));
        sync.options = filtered("- cache/").withMirror(true);

        SyncResult r = sync.runOk();

        assertThat(r.filesDeleted()).isZero();
        assertThat(dst.resolve("cache/c.bin")).hasContent("c");
        assertThat(dst.resolve("cache/dest-only.bin")).hasContent("mine");
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void fileMovedIntoAnExcludedDirectory_isNotMovedNorDeleted() throws Exception {
        Trees.write(src.resolve("a/x.txt"), "x", T1);
        sync.runOk();
        Files.createDirectories(src.resolve("private"));
        Files.move(src.resolve("a/x.txt"), src.resolve("private/x.txt"));
        sync.options = filtered("- /private");

        SyncResult r = sync.runOk();

        assertThat(r.filesMoved()).isZero();
        assertThat(r.filesDeleted()).isEqualTo(1);
        assertThat(dst.resolve("a/x.txt")).doesNotExist();
        assertThat(dst.resolve("private")).doesNotExist();
    }

    @Test
    void includeThenExcludeEverything_syncsOnlyTheIncludedNames() throws Exception {
        Trees.write(src.resolve("a.txt"), "a", T1);
        Trees.write(src.resolve("b.bin"), "b", T1);
        Trees.write(src.resolve("d/c.txt"), "c", T1);
        Trees.write(src.resolve("d/e.bin"), "e", T1);
        sync.options = filtered("+ */", "+ *.txt", "- *");

        sync.runOk();

        assertThat(Trees.describe(dst).keySet()).containsExactly("a.txt", "d", "d/c.txt");
    }
}
