package io.farsync.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteNativeTest {

    @TempDir
    Path tmp;

    @Test
    void openingADatabase_loadsTheDriverFromOnePrivateCachedCopy() throws Exception {
        try (Connection db = SqliteFiles.open(tmp.resolve("x.db")); Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT sqlite_version()")) {
            assertThat(rs.next()).isTrue();
        }
        Path dir = Path.of(System.getProperty("org.sqlite.lib.path"));
        Path lib = dir.resolve(System.getProperty("org.sqlite.lib.name"));
        assertThat(dir).startsWith(Path.of(System.getProperty("user.home"), ".cache", "farsync", "sqlite-native"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (var in = SqliteNative.class.getResourceAsStream(org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/"
                + org.sqlite.util.LibraryLoaderUtil.getNativeLibName())) {
            assertThat(Files.readAllBytes(lib)).isEqualTo(in.readAllBytes());
        }
        // a second preparation keeps the copy (no extraction, no temp file left)
        SqliteNative.prepare();
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(lib);
        }
    }

    private static final String NAME = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();

    private static java.net.URL jarLibrary() {
        return SqliteNative.class.getResource(org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/" + NAME);
    }

    @Test
    void everyFarsyncLevelOfTheCache_isMadePrivate() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));

        Path dir = SqliteNative.cachedCopy(home, jarLibrary(), NAME, "v1");

        assertThat(dir).isNotNull().startsWith(home.resolve(".cache/farsync/sqlite-native"));
        for (Path level = dir; !level.equals(home.resolve(".cache")); level = level.getParent()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(level))).as("%s", level).isEqualTo("rwx------");
        }
        assertThat(dir.resolve(NAME)).isRegularFile();
    }

    /** Someone in the group could swap the library (or a level) between the check and the driver's load. */
    @Test
    void groupWritableParentLevel_isNotUsed() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path farsync = Files.createDirectories(home.resolve(".cache/farsync"));
        Files.setPosixFilePermissions(farsync, PosixFilePermissions.fromString("rwxrwx---"));

        assertThat(SqliteNative.cachedCopy(home, jarLibrary(), NAME, "v1")).isNull();
        assertThat(farsync.resolve("sqlite-native/v1")).doesNotExist();
    }

    @Test
    void symlinkedLevel_isNotUsed_andNothingIsWrittenThroughIt() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(Files.createDirectories(home.resolve(".cache/farsync")).resolve("sqlite-native"), elsewhere);

        assertThat(SqliteNative.cachedCopy(home, jarLibrary(), NAME, "v1")).isNull();
        try (var s = Files.list(elsewhere)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void symlinkedLibrary_isReplacedByOurOwnCopy_notLoadedThroughTheLink() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path dir = SqliteNative.cachedCopy(home, jarLibrary(), NAME, "v1");
        Path other = Files.writeString(tmp.resolve("other.so"), "x".repeat((int) Files.size(dir.resolve(NAME))));
        Files.delete(dir.resolve(NAME));
        Files.createSymbolicLink(dir.resolve(NAME), other);

        assertThat(SqliteNative.cachedCopy(home, jarLibrary(), NAME, "v1")).isEqualTo(dir);
        assertThat(Files.isSymbolicLink(dir.resolve(NAME))).isFalse();
        try (var in = jarLibrary().openStream()) {
            assertThat(Files.readAllBytes(dir.resolve(NAME))).isEqualTo(in.readAllBytes());
        }
        assertThat(other).hasContent("x".repeat((int) Files.size(other)));
    }

    /** E.g. {@code sudo} keeping another user's HOME: that user's cache is not ours to load code from. */
    @Test
    void homeOfAnotherUser_isNotUsed() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        try {
            Files.setOwner(home, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        } catch (java.io.IOException e) {
            assumeTrue(false, "cannot give a directory to nobody here (not root): " + e);
        }

        assertThat(SqliteNative.cachedCopy(home, jarLibrary(), NAME, "v1")).isNull();
        assertThat(home.resolve(".cache")).doesNotExist();
    }
}
