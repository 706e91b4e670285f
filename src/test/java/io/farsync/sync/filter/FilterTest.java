package io.farsync.sync.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterTest {

    private static Filter f(String... rules) {
        return Filter.of(List.of(rules));
    }

    @Test
    void star_staysWithinAComponent_andUnanchoredPatternsMatchAtAnyDepth() {
        Filter f = f("- *.tmp");
        assertThat(f.excludes("a.tmp", false)).isTrue();
        assertThat(f.excludes("x/y/a.tmp", false)).isTrue();
        assertThat(f.excludes("a.tmp.keep", false)).isFalse();
        assertThat(f("- a/*.c").excludes("a/b/x.c", false)).isFalse();
        assertThat(f("- a/*.c").excludes("top/a/x.c", false)).as("unanchored: matches the last components").isTrue();
    }

    @Test
    void doubleStar_crossesComponents_andMatchesNoneToo() {
        Filter f = f("- /src/**/gen");
        assertThat(f.excludes("src/gen", true)).isTrue();
        assertThat(f.excludes("src/a/b/gen", true)).isTrue();
        assertThat(f.excludes("other/src/gen", true)).isFalse();
        assertThat(f("- /cache/**").excludes("cache/x/y", false)).isTrue();
    }

    @Test
    void questionMarkAndClasses() {
        assertThat(f("- file?.txt").excludes("file1.txt", false)).isTrue();
        assertThat(f("- file?.txt").excludes("file10.txt", false)).isFalse();
        assertThat(f("- [ab]*").excludes("apple", false)).isTrue();
        assertThat(f("- [!ab]*").excludes("apple", false)).isFalse();
        assertThat(f("- [0-9]x").excludes("7x", false)).isTrue();
    }

    /** rsync's extensions (found different by a differential test against rsync 3). */
    @Test
    void rsyncExtensions_tripleStarNegatedAndPosixClassesAndEscapes() {
        Filter dir = f("- d/***");
        assertThat(dir.excludes("d", true)).as("the directory itself").isTrue();
        assertThat(dir.excludes("d/x/y", false)).isTrue();
        assertThat(dir.excludes("dd", true)).isFalse();
        assertThat(f("- /d/***").excludes("a/d", true)).isFalse();
        assertThat(f("- [^ab]*").excludes("ca", false)).isTrue();
        assertThat(f("- [^ab]*").excludes("ab", false)).isFalse();
        assertThat(f("- a[!b]c").excludes("a/c", false)).as("a class never matches '/'").isFalse();
        assertThat(f("- [[:alpha:]]*").excludes("ab", false)).isTrue();
        assertThat(f("- [[:alpha:]]*").excludes("1b", false)).isFalse();
        assertThat(f("- x[[:digit:]_]").excludes("x_", false)).isTrue();
        assertThat(f("- []a]").excludes("]", false)).as("']' first is literal").isTrue();
        assertThat(f("- [a-]").excludes("-", false)).isTrue();
        assertThat(f("- a\\*").excludes("a*", false)).as("escaped star").isTrue();
        assertThat(f("- a\\*").excludes("ab", false)).isFalse();
        assertThatThrownBy(() -> f("- [[:word:]]")).hasMessageContaining("unknown character class [:word:]");
    }

    @Test
    void excludeFile_bangLineClearsTheRulesBeforeIt(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("excludes");
        Files.writeString(file, "*.log\n!\n*.txt\n");
        assertThat(Filter.readExcludeFile(file)).containsExactly("- *.log", Filter.CLEAR, "- *.txt");
    }

    @Test
    void leadingSlashAnchors_trailingSlashMatchesDirectoriesOnly() {
        assertThat(f("- /logs").excludes("logs", false)).isTrue();
        assertThat(f("- /logs").excludes("app/logs", false)).isFalse();
        assertThat(f("- build/").excludes("x/build", true)).isTrue();
        assertThat(f("- build/").excludes("x/build", false)).isFalse();
    }

    @Test
    void firstMatchWins_andNoMatchIncludes() {
        Filter f = f("+ keep.log", "- *.log");
        assertThat(f.excludes("keep.log", false)).isFalse();
        assertThat(f.excludes("other.log", false)).isTrue();
        assertThat(f.excludes("other.txt", false)).isFalse();
        assertThat(f("- *.log", "+ keep.log").excludes("keep.log", false)).isTrue();
    }

    @Test
    void hides_whatIsBelowAnExcludedDirectory() {
        Filter f = f("- node_modules/");
        assertThat(f.hides("web/node_modules/x/y.js", false)).isTrue();
        assertThat(f.hides("web/src/y.js", false)).isFalse();
    }

    @Test
    void excludeFile_readsPatternsCommentsAndIncludes(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("excludes");
        Files.writeString(file, "# build output\n*.o\n\n+ important.o\r\n- /tmp/\n");
        assertThat(Filter.readExcludeFile(file)).containsExactly("- *.o", "+ important.o", "- /tmp/");
    }

    @Test
    void badRules_areRefusedWithTheRule() {
        assertThatThrownBy(() -> f("* x")).hasMessageContaining("'* x'");
        assertThatThrownBy(() -> f("- ")).hasMessageContaining("must be");
        assertThatThrownBy(() -> f("- [abc")).hasMessageContaining("unclosed '['");
        assertThatThrownBy(() -> f("- /")).hasMessageContaining("empty pattern");
    }
}
