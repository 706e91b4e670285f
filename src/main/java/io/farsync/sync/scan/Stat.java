package io.farsync.sync.scan;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * lstat(2) for the engine: one system call, links never followed.
 *
 * <p>The JDK exposes the inode, device, link count and owner ids only through its string-named
 * {@code unix:} attribute map, which parses the attribute list, boxes every value and fills a
 * hash map on each call: 15 % of the CPU samples of a 200,000-entry re-sync (JFR,
 * docs/PERFORMANCE.md). When the JVM opens {@code sun.nio.fs} to us ({@code bin/farsync} passes
 * {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED}), the same fields are read straight from
 * the JDK's own lstat result instead; otherwise the attribute map is used. No library offers
 * these fields without native code, and both ways read the same {@code struct stat}.
 *
 * <p>A scan reads each child of a listed directory relative to the directory it has open
 * ({@link #lstatChildOrNull}): fstatat(2) on the listing's descriptor, which the JDK offers on
 * Linux as a {@link SecureDirectoryStream}. The kernel then looks up one name instead of every
 * component of the absolute path: 17 % fewer kernel samples in a warm 1,000,000-file re-sync
 * (docs/PERFORMANCE.md, session 6; the name's own lookup remains, and dominates there).
 */
public final class Stat {

    private static final String UNIX_ATTRS = "unix:mode,dev,ino,size,lastModifiedTime,isDirectory,isRegularFile,isSymbolicLink,uid,gid,nlink";
    /** Permission bits kept: rwx for all plus sticky; setuid/setgid are dropped on purpose. */
    public static final int MODE_MASK = 01777;

    /** Accessors of {@code sun.nio.fs.UnixFileAttributes}, or all null where the package is closed to us. */
    private static final MethodHandle MODE;
    private static final MethodHandle INO;
    private static final MethodHandle DEV;
    private static final MethodHandle NLINK;
    private static final MethodHandle UID;
    private static final MethodHandle GID;

    static {
        MethodHandle[] h = new MethodHandle[6];
        try {
            Class<?> attrs = Class.forName("sun.nio.fs.UnixFileAttributes");
            if (!attrs.isInstance(Files.readAttributes(Path.of("/"), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS))) {
                throw new IllegalStateException("the file system reports its attributes in another class");
            }
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(attrs, MethodHandles.lookup());
            String[] names = {"mode", "ino", "dev", "nlink", "uid", "gid"};
            for (int i = 0; i < names.length; i++) {
                Class<?> type = names[i].equals("ino") || names[i].equals("dev") ? long.class : int.class;
                h[i] = lookup.findVirtual(attrs, names[i], MethodType.methodType(type))
                        .asType(MethodType.methodType(type, Object.class));
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            // closed module (no --add-opens), another JDK or platform: the attribute map it is
            h = new MethodHandle[6];
        }
        MODE = h[0];
        INO = h[1];
        DEV = h[2];
        NLINK = h[3];
        UID = h[4];
        GID = h[5];
    }

    private Stat() {
    }

    /** True when entries are read from the JDK's lstat result directly (see the class comment). */
    public static boolean direct() {
        return MODE != null;
    }

    /**
     * The entry at {@code file}, named {@code relPath}; null when nothing is there or when it is
     * neither a regular file, a directory nor a symlink.
     */
    public static Entry lstatOrNull(Path file, String relPath) throws IOException {
        return direct() ? lstatDirect(file, relPath) : lstatByMap(file, relPath);
    }

    /**
     * The entry {@code child} (named {@code relPath}), which {@code listing} just listed; as
     * {@link #lstatOrNull}, but stat'ed relative to the listing's open directory where the JDK
     * allows that (see the class comment). {@code name} is {@code child}'s file name.
     */
    public static Entry lstatChildOrNull(DirectoryStream<Path> listing, Path child, Path name, String relPath) throws IOException {
        if (!direct() || !(listing instanceof SecureDirectoryStream<Path> dir)) {
            return lstatOrNull(child, relPath);
        }
        PosixFileAttributes a;
        try {
            a = dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
        return fromJdkAttributes(child, relPath, a);
    }

    /**
     * The entry a symbolic link at {@code file} leads to, named {@code relPath}: the file or
     * directory at the end of its chain, as {@link #lstatOrNull} would read that one ({@code
     * --symlinks follow}); null when it is neither. Throws {@link NoSuchFileException} when the
     * chain ends nowhere, and the file system's error for a chain that loops.
     */
    public static Entry followOrNull(Path file, String relPath) throws IOException {
        if (!direct()) {
            return fromMap(file, relPath, Files.readAttributes(file, UNIX_ATTRS));
        }
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class);
        return a.isSymbolicLink() ? null : fromJdkAttributes(file, relPath, a);
    }

    static Entry lstatDirect(Path file, String relPath) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        return fromJdkAttributes(file, relPath, a);
    }

    /** The entry from the JDK's own lstat result ({@code sun.nio.fs.UnixFileAttributes}); needs {@link #direct()}. */
    private static Entry fromJdkAttributes(Path file, String relPath, PosixFileAttributes a) throws IOException {
        try {
            Object o = a;
            return entry(file, relPath, a.isRegularFile(), a.isDirectory(), a.isSymbolicLink(), a.size(), a.lastModifiedTime(),
                    (int) MODE.invokeExact(o), (long) DEV.invokeExact(o), (long) INO.invokeExact(o),
                    (int) UID.invokeExact(o), (int) GID.invokeExact(o), (int) NLINK.invokeExact(o));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reading lstat fields of " + file, t);
        }
    }

    static Entry lstatByMap(Path file, String relPath) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(file, UNIX_ATTRS, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        return fromMap(file, relPath, a);
    }

    /** The entry from the JDK's {@code unix:} attribute map (see the class comment). */
    private static Entry fromMap(Path file, String relPath, Map<String, Object> a) throws IOException {
        return entry(file, relPath, (Boolean) a.get("isRegularFile"), (Boolean) a.get("isDirectory"),
                (Boolean) a.get("isSymbolicLink"), (Long) a.get("size"), (FileTime) a.get("lastModifiedTime"),
                (Integer) a.get("mode"), ((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                (Integer) a.get("uid"), (Integer) a.get("gid"), ((Number) a.get("nlink")).intValue());
    }

    private static Entry entry(Path file, String relPath, boolean regular, boolean directory, boolean symlink, long size,
            FileTime modified, int rawMode, long device, long inode, int uid, int gid, int nlink) throws IOException {
        long mtime = modified.to(TimeUnit.NANOSECONDS);
        int mode = rawMode & MODE_MASK;
        if (regular) {
            return new Entry(relPath, EntryType.FILE, size, mtime, mode, device, inode, null, uid, gid, nlink, 0);
        }
        if (directory) {
            return new Entry(relPath, EntryType.DIRECTORY, 0, mtime, mode, device, inode, null, uid, gid, 1, 0);
        }
        if (symlink) {
            String target;
            try {
                target = Files.readSymbolicLink(file).toString();
            } catch (NoSuchFileException gone) {
                // The link vanished after its lstat, or its directory was renamed while a scan
                // listed it through the directory's descriptor: skipped as a vanished entry is.
                return null;
            }
            return new Entry(relPath, EntryType.SYMLINK, 0, mtime, 0, device, inode, target, uid, gid, 1, 0);
        }
        return null;
    }
}
