package io.farsync.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps sqlite-jdbc's native library extracted once per library version, in the user's cache
 * directory, and points the driver at it ({@code org.sqlite.lib.path}, {@code org.sqlite.lib.name},
 * which the driver tries before extracting).
 *
 * <p>Why: left alone, the driver copies its 1.1 MB library to a new file in the temp directory
 * at every JVM start and compares the copy with the jar's byte by byte: 6 % of the CPU samples
 * of a 200,000-entry re-sync (JFR, docs/PERFORMANCE.md), and a file left behind by every killed
 * JVM. The cached copy lives in a directory only this user can write ({@code 0700}), written
 * under a temporary name and renamed, and is used only if its size is the jar's; anything
 * unexpected leaves the driver to its own extraction, so this can cost speed, never a database.
 */
final class SqliteNative {

    private static final Logger log = LoggerFactory.getLogger(SqliteNative.class);

    private SqliteNative() {
    }

    /** Sets the driver's library properties to the cached copy (extracting it first if needed). */
    static void prepare() {
        if (System.getProperty("org.sqlite.lib.path") != null) {
            return;    // chosen by the user
        }
        try {
            String folder = org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath();
            String name = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
            URL lib = SqliteNative.class.getResource(folder + "/" + name);
            String home = System.getProperty("user.home");
            if (lib == null || home == null) {
                return;
            }
            URLConnection c = lib.openConnection();
            long size = c.getContentLengthLong();
            String version = org.sqlite.SQLiteJDBCLoader.getVersion();
            Path dir = Path.of(home, ".cache", "farsync", "sqlite-native", version + "-" + size);
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file) || Files.size(file) != size) {
                extract(lib, dir, file);
            }
            if (!privateToUs(dir)) {
                return;
            }
            System.setProperty("org.sqlite.lib.path", dir.toString());
            System.setProperty("org.sqlite.lib.name", name);
        } catch (IOException | RuntimeException | LinkageError e) {
            log.debug("sqlite-jdbc extracts its native library itself: {}", e.toString());
        }
    }

    private static void extract(URL lib, Path dir, Path file) throws IOException {
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another JVM made it first
        }
        Path tmp = Files.createTempFile(dir, name(file), ".tmp");
        try (InputStream in = lib.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** True if only this user can write {@code dir} (a library others can replace would run their code). */
    private static boolean privateToUs(Path dir) throws IOException {
        var attrs = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        var perms = attrs.permissions();
        return attrs.isDirectory() && attrs.owner().getName().equals(System.getProperty("user.name"))
                && !perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                && !perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    }

    private static String name(Path file) {
        return file.getFileName().toString();
    }
}
