package io.farsync.common;

import static org.assertj.core.api.Assertions.assertThat;

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
}
