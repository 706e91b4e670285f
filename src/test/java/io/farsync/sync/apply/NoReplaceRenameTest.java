package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** renameat2(RENAME_NOREPLACE) below a root: a taken name is never replaced, a symlinked parent never followed. */
class NoReplaceRenameTest {
    @TempDir
    Path tmp;
    private Path root;

    @org.junit.jupiter.api.BeforeEach
    void makeRoot() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
    }

    @Test
    void freeName_isRenamed_takenName_keepsBothFiles() throws Exception {
        Files.createDirectories(root.resolve("d/e"));
        Files.writeString(root.resolve("d/a.txt"), "edited");
        NoReplaceRename.Result r = NoReplaceRename.rename(root, "d/a.txt", "d/e/b.txt");
        assumeTrue(r != NoReplaceRename.Result.UNSUPPORTED, "renameat2 is not available here");
        assertThat(r).isEqualTo(NoReplaceRename.Result.RENAMED);
        assertThat(root.resolve("d/a.txt")).doesNotExist();
        assertThat(Files.readString(root.resolve("d/e/b.txt"))).isEqualTo("edited");

        Files.writeString(root.resolve("d/a.txt"), "another");
        assertThat(NoReplaceRename.rename(root, "d/a.txt", "d/e/b.txt")).isEqualTo(NoReplaceRename.Result.TAKEN);
        assertThat(Files.readString(root.resolve("d/a.txt"))).isEqualTo("another");
        assertThat(Files.readString(root.resolve("d/e/b.txt"))).isEqualTo("edited");
    }

    @Test
    void symlinkedParent_isRefused_nothingMovesOutside() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(root.resolve("a.txt"), "mine");
        Files.createSymbolicLink(root.resolve("link"), outside);
        assumeTrue(NoReplaceRename.rename(root, "a.txt", "b.txt") != NoReplaceRename.Result.UNSUPPORTED, "renameat2 is not available here");
        assertThatThrownBy(() -> NoReplaceRename.rename(root, "b.txt", "link/b.txt")).isInstanceOf(EntryFailure.class)
                .hasMessageContaining("path escapes the root");
        assertThat(Files.readString(root.resolve("b.txt"))).isEqualTo("mine");
        try (var s = Files.list(outside)) {
            assertThat(s).isEmpty();
        }
    }

    /** The root itself is trusted and may be a symlink ({@code ~/Sync -> /data/Sync}); only names below it are not followed. */
    @Test
    void rootThatIsASymlink_isFollowed() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/a.txt"), "mine");
        Path linkRoot = Files.createSymbolicLink(tmp.resolve("link-root"), root);
        NoReplaceRename.Result r = NoReplaceRename.rename(linkRoot, "d/a.txt", "b.txt");
        assumeTrue(r != NoReplaceRename.Result.UNSUPPORTED, "renameat2 is not available here");
        assertThat(r).isEqualTo(NoReplaceRename.Result.RENAMED);
        assertThat(Files.readString(root.resolve("b.txt"))).isEqualTo("mine");
        assertThat(root.resolve("d/a.txt")).doesNotExist();
    }

    @Test
    void carry_ontoATakenName_changesNothing() throws Exception {
        Files.writeString(root.resolve("old.txt"), "edited here");
        Files.writeString(root.resolve("new.txt"), "made meanwhile");
        assertThat(new Applier(root).carry("old.txt", "new.txt")).isFalse();
        assertThat(Files.readString(root.resolve("old.txt"))).isEqualTo("edited here");
        assertThat(Files.readString(root.resolve("new.txt"))).isEqualTo("made meanwhile");
        assertThat(new Applier(root).carry("old.txt", "free.txt")).isTrue();
        assertThat(Files.readString(root.resolve("free.txt"))).isEqualTo("edited here");
    }
}
