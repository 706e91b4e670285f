package io.farsync.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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
 * JVM. The cached copy lives in {@code ~/.cache/farsync/sqlite-native/<version>-<size>/}, each
 * farsync level of it made {@code 0700}, written under a temporary name and renamed, and is used
 * only if its size is the jar's. Since the driver then loads the library by path, every level
 * from {@code ~/.cache/farsync} down and the library itself must, when the driver is pointed at
 * it, be owned by this user, writable by no one else and no symlink (a level someone else can
 * write would let them swap in their own library), and the home directory must be this user's
 * (not so under {@code sudo} keeping another user's HOME). Anything unexpected leaves the driver
 * to its own extraction, so this can cost speed, never a database. Left alone: a {@code ~/.cache}
 * or home that others can write (they could rename our directory away between check and load);
 * that is the user's home, and no path-based load can close it.
 */
final class SqliteNative {

    private static final Logger log = LoggerFactory.getLogger(SqliteNative.class);
    private static final FileAttribute<?> PRIVATE_DIR = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

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
            Path dir = cachedCopy(Path.of(home), lib, name, org.sqlite.SQLiteJDBCLoader.getVersion());
            if (dir == null) {
                return;
            }
            System.setProperty("org.sqlite.lib.path", dir.toString());
            System.setProperty("org.sqlite.lib.name", name);
        } catch (IOException | RuntimeException | LinkageError e) {
            log.debug("sqlite-jdbc extracts its native library itself: {}", e.toString());
        }
    }

    /**
     * The directory below {@code home} holding a private copy of {@code lib} named {@code name}
     * (extracted if missing), or null (logged at debug) if the copy or a level above it up to
     * {@code ~/.cache/farsync} is not private to this user, or {@code home} is not this user's.
     */
    static Path cachedCopy(Path home, URL lib, String name, String version) throws IOException {
        if (!ownedByUs(Files.readAttributes(home, PosixFileAttributes.class))) {
            log.debug("sqlite-jdbc extracts its native library itself: {} is not {}'s home", home, System.getProperty("user.name"));
            return null;
        }
        long size = lib.openConnection().getContentLengthLong();
        Path cache = Files.createDirectories(home.resolve(".cache"));
        List<Path> levels = List.of(cache.resolve("farsync"), cache.resolve("farsync/sqlite-native"),
                cache.resolve("farsync/sqlite-native/" + version + "-" + size));
        for (Path level : levels) {
            try {
                Files.createDirectory(level, PRIVATE_DIR);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made before, or by another JVM first: checked below
            }
            if (!privateToUs(level, true)) {
                return null;
            }
        }
        Path dir = levels.get(levels.size() - 1);
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != size) {
            extract(lib, dir, file);
        }
        // checked again just before the driver is pointed at it: it loads the library by this path
        for (Path level : levels) {
            if (!privateToUs(level, true)) {
                return null;
            }
        }
        return privateToUs(file, false) ? dir : null;
    }

    private static void extract(URL lib, Path dir, Path file) throws IOException {
        Path tmp = Files.createTempFile(dir, name(file), ".tmp");
        try (InputStream in = lib.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * True if {@code p} is no symlink, is a directory (or a regular file), is ours and only we can
     * write it: a library others can replace would run their code. Logs why at debug otherwise.
     */
    private static boolean privateToUs(Path p, boolean directory) throws IOException {
        var attrs = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        var perms = attrs.permissions();
        boolean ok = (directory ? attrs.isDirectory() : attrs.isRegularFile()) && ownedByUs(attrs)
                && !perms.contains(PosixFilePermission.GROUP_WRITE) && !perms.contains(PosixFilePermission.OTHERS_WRITE);
        if (!ok) {
            log.debug("sqlite-jdbc extracts its native library itself: {} is {}, owned by {}, {}", p,
                    attrs.isSymbolicLink() ? "a symlink" : attrs.isDirectory() ? "a directory" : "a file", attrs.owner().getName(),
                    PosixFilePermissions.toString(perms));
        }
        return ok;
    }

    private static boolean ownedByUs(PosixFileAttributes attrs) {
        return attrs.owner().getName().equals(System.getProperty("user.name"));
    }

    private static String name(Path file) {
        return file.getFileName().toString();
    }
}
