package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathJailTest {

    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("outside/secret"));
        Files.createDirectories(root.resolve("project/sub"));
    }

    /** Messages for the peer show the root as it was asked for, and leave other paths that merely contain it alone. */
    @Test
    void showing_rewritesTheRootWherePathsBeginAndEnd_only() {
        java.util.function.UnaryOperator<String> shown = PathJail.showing(Path.of("/srv/data"), "proj");
        assertThat(shown.apply("permission denied: /srv/data/x/y")).isEqualTo("permission denied: proj/x/y");
        assertThat(shown.apply("source /srv/data is empty")).isEqualTo("source proj is empty");
        assertThat(shown.apply("cannot create '/srv/data'")).isEqualTo("cannot create 'proj'");
        assertThat(shown.apply("under /var/srv/data/x, and /srv/data2 or /srv/data.old")).isEqualTo("under /var/srv/data/x, and /srv/data2 or /srv/data.old");
        assertThat(shown.apply(null)).isNull();
        assertThat(PathJail.showing(Path.of("/srv/data"), "/srv/data")).isNull();
        assertThat(PathJail.showing(Path.of("/"), "x")).isNull();
        assertThat(PathJail.showing(Path.of("/srv/data"), "").apply("/srv/data/a")).isEqualTo("./a");
    }

    @Test
    void absoluteAndRelativeNames_resolveInsideTheRoot() {
        assertThat(PathJail.resolveInRoot(root, "/project")).isEqualTo(root.resolve("project"));
        assertThat(PathJail.resolveInRoot(root, "project")).isEqualTo(root.resolve("project"));
        assertThat(PathJail.resolveInRoot(root, "//project/./sub/")).isEqualTo(root.resolve("project/sub"));
        assertThat(PathJail.resolveInRoot(root, "/")).isEqualTo(root);
        assertThat(PathJail.resolveInRoot(root, "")).isEqualTo(root);
    }

    @Test
    void dotDotWithinTheRoot_isAllowed() {
        assertThat(PathJail.resolveInRoot(root, "project/sub/../other")).isEqualTo(root.resolve("project/other"));
        assertThat(PathJail.resolveInRoot(root, "/project/..")).isEqualTo(root);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../outside", "/..", "project/../../outside", "/a/b/../../../x"})
    void dotDotAboveTheRoot_isRefused(String requested) {
        assertThatThrownBy(() -> PathJail.resolveInRoot(root, requested))
                .isInstanceOf(FarsyncException.class)
                .hasMessageStartingWith("path escapes the root: ")
                .extracting(e -> ((FarsyncException) e).exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
    }

    @Test
    void symlinkedParentLeadingOutside_isRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("project/escape"), tmp.resolve("outside"));

        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "project/escape/secret"))
                .isInstanceOf(FarsyncException.class)
                .hasMessage("path escapes the root: project/escape/secret");
        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "/project/escape"))
                .isInstanceOf(FarsyncException.class);
    }

    @Test
    void relativeSymlinkClimbingOut_isRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("up"), Path.of("../outside"));

        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "up/secret")).isInstanceOf(FarsyncException.class);
    }

    @Test
    void danglingSymlinkPointingOutside_isRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("outside/not-yet"));

        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "dangling/x")).isInstanceOf(FarsyncException.class);
    }

    @Test
    void symlinkStayingInside_isAllowed() throws IOException {
        Files.createSymbolicLink(root.resolve("alias"), Path.of("project"));

        assertThat(PathJail.resolveInRoot(root, "alias/sub")).isEqualTo(root.resolve("alias/sub"));
    }

    @Test
    void rootThatIsItselfASymlink_isFine() throws IOException {
        Path linkRoot = Files.createSymbolicLink(tmp.resolve("link-root"), root);

        assertThat(PathJail.resolveInRoot(linkRoot, "project/sub")).isEqualTo(linkRoot.resolve("project/sub"));
    }

    @Test
    void missingTail_resolvesLexically() {
        assertThat(PathJail.resolveInRoot(root, "project/new/deeper")).isEqualTo(root.resolve("project/new/deeper"));
    }

    @Test
    void nulCharacter_isRefused() {
        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "pro\0ject"))
                .isInstanceOf(FarsyncException.class)
                .hasMessageContaining("\\x00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b/c", "with space/ü-ñ", "...", "..a", "a..", ".hidden/x", "back\\slash"})
    void validWirePaths_areAccepted(String path) {
        assertThat(PathJail.checkWirePath(path)).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/a", "a/", "a//b", "./a", "a/./b", "..", "a/..", "../a", "a/../b", "a\0b", "/"})
    void invalidWirePaths_areRefusedWithPathEscape(String path) {
        assertThatThrownBy(() -> PathJail.checkWirePath(path))
                .isInstanceOf(FarsyncException.class)
                .extracting(e -> ((FarsyncException) e).exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
    }

    @Test
    void wirePathComponent_isLimitedTo255BytesOfUtf8() {
        assertThat(PathJail.checkWirePath("x".repeat(255))).hasSize(255);
        assertThatThrownBy(() -> PathJail.checkWirePath("d/" + "ü".repeat(128)))
                .hasMessageContaining("longer than 255 bytes");
    }

    /** A peer can never write into (or name) a root's replica directory, at any depth. */
    @ParameterizedTest
    @ValueSource(strings = {".farsync-replica", ".farsync-replica/versions.db", "d/.farsync-replica/receiving.lock"})
    void replicaDirectoryPaths_areRefused(String path) {
        assertThatThrownBy(() -> PathJail.checkWirePath(path)).isInstanceOf(FarsyncException.class)
                .hasMessage("invalid path from peer (farsync's reserved replica directory): " + path);
    }

    /** A case variant is the same directory on a case-insensitive file system (macOS APFS, Windows). */
    @ParameterizedTest
    @ValueSource(strings = {".FARSYNC-REPLICA/versions.db", "d/.Farsync-Replica/receiving.lock", ".farſync-replica/versions.db"})
    void replicaDirectoryPathsInAnyLetterCase_areRefused(String path) {
        assertThatThrownBy(() -> PathJail.checkWirePath(path)).isInstanceOf(FarsyncException.class)
                .hasMessage("invalid path from peer (farsync's reserved replica directory): " + path);
    }

    /** A requested root directory may not be (or lie in) the replica directory, however it is named. */
    @ParameterizedTest
    @ValueSource(strings = {"/.farsync-replica", ".farsync-replica/sub", "/x/../.farsync-replica", "/d/.FARSYNC-REPLICA"})
    void requestedReplicaDirectory_isRefused(String requested) {
        assertThatThrownBy(() -> PathJail.resolveInRoot(root, requested))
                .isInstanceOf(FarsyncException.class)
                .hasMessageStartingWith("path names farsync's reserved replica directory (.farsync-replica, in any letter case): ")
                .extracting(e -> ((FarsyncException) e).exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
    }

    @Test
    void symlinkInsideTheRootLeadingIntoTheReplicaDirectory_isRefused() throws IOException {
        Files.createDirectories(root.resolve(".farsync-replica"));
        Files.createSymbolicLink(root.resolve("store"), Path.of(".farsync-replica"));
        Files.createSymbolicLink(root.resolve("later"), Path.of("project/.farsync-replica"));

        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "/store")).hasMessageContaining("reserved replica directory");
        assertThatThrownBy(() -> PathJail.resolveInRoot(root, "/later/x")).as("dangling").hasMessageContaining("reserved replica directory");
        assertThat(PathJail.resolveInRoot(root, "/project/.farsync-replica-not")).isEqualTo(root.resolve("project/.farsync-replica-not"));
    }
}
