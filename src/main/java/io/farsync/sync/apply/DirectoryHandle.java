package io.farsync.sync.apply;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Stat;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * An open directory below the destination root, reached from the root one name at a time
 * without following symlinks, for file operations relative to it: the openat family
 * ({@code openat}, {@code renameat}, {@code unlinkat}, {@code fstatat} with
 * {@code AT_SYMLINK_NOFOLLOW}) through {@link SecureDirectoryStream}, which Linux JDKs provide.
 *
 * <p>Why: checking the parents with lstat and then opening by path leaves a window in which a
 * local process can swap a checked directory for a symlink to elsewhere, and the open would
 * follow it (TOCTOU). A handle names the directory itself, not a path to it: once open, a swap of
 * any of its ancestors changes nothing, and a symlink met while walking down is refused.
 *
 * <p>Not covered by the JDK: {@code mkdirat} and {@code symlinkat}, so the applier still
 * creates directories and symlinks by path; and the directory-relative {@code setTimes} keeps
 * only microseconds, so mtimes are set by path too (see SECURITY.md).
 */
final class DirectoryHandle implements AutoCloseable {

    private final SecureDirectoryStream<Path> dir;
    private final Path path;
    /** The opener's reference plus one per {@link #retain()}; the last {@link #close()} closes the directory. */
    private int references = 1;

    private DirectoryHandle(SecureDirectoryStream<Path> dir, Path path) {
        this.dir = dir;
        this.path = path;
    }

    /**
     * The directory that holds {@code rel} (a validated wire path), walked down from
     * {@code root}; an {@link EntryFailure} if a component is a symlink or not a directory.
     */
    static DirectoryHandle openParent(Path root, String rel) throws IOException, EntryFailure {
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> sds)) {
            top.close();
            throw new IOException("this platform offers no SecureDirectoryStream; cannot open " + root + " safely");
        }
        DirectoryHandle h = new DirectoryHandle(sds, root);
        try {
            int start = 0;
            for (int slash = rel.indexOf('/'); slash >= 0; slash = rel.indexOf('/', start)) {
                h = h.descend(rel.substring(start, slash), rel);
                start = slash + 1;
            }
            return h;
        } catch (IOException | EntryFailure | RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** Opens the subdirectory {@code name} and closes this one. */
    private DirectoryHandle descend(String name, String rel) throws IOException, EntryFailure {
        Path child = path.resolve(name);
        try (DirectoryHandle parent = this) {
            BasicFileAttributes a = parent.attrsOrNull(name);
            if (a == null) {
                throw new EntryFailure("parent directory missing: " + child);
            }
            if (a.isSymbolicLink()) {
                throw new EntryFailure("path escapes the root: parent " + child + " of " + rel + " is a symlink");
            }
            if (!a.isDirectory()) {
                throw new EntryFailure("parent is not a directory: " + child);
            }
            // O_NOFOLLOW: a swap after the check above fails here instead of being followed
            return new DirectoryHandle(parent.dir.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS), child);
        } catch (java.nio.file.FileSystemException e) {
            if (e instanceof NoSuchFileException || e instanceof java.nio.file.AccessDeniedException) {
                throw e;
            }
            throw new EntryFailure("path escapes the root: parent " + child + " of " + rel
                    + " changed into something other than a directory during the sync", e);
        }
    }

    /** The directory's path, for messages only. */
    Path path() {
        return path;
    }

    /** Opens {@code name} in this directory; NOFOLLOW_LINKS belongs in {@code options}. */
    FileChannel open(String name, Set<OpenOption> options, Set<PosixFilePermission> permissions) throws IOException {
        return fileChannel(dir.newByteChannel(Path.of(name), options,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(permissions)), name);
    }

    /** {@code name} in this directory opened for reading (no link followed). */
    FileChannel openToRead(String name) throws IOException {
        return fileChannel(dir.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)), name);
    }

    private FileChannel fileChannel(SeekableByteChannel ch, String name) throws IOException {
        if (ch instanceof FileChannel fc) {
            return fc;
        }
        ch.close();
        throw new IOException("the platform's directory-relative open gives no FileChannel for " + path.resolve(name));
    }

    /**
     * The entry {@code name} in this directory, as {@code rel}; null if absent. Relative to this
     * handle (fstatat, no link followed) only where {@link Stat#direct()}; else by path.
     */
    Entry lstatOrNull(String name, String rel) throws IOException {
        return Stat.lstatChildOrNull(dir, path.resolve(name), Path.of(name), rel);
    }

    /** lstat of {@code name} in this directory; null if absent. */
    BasicFileAttributes attrsOrNull(String name) throws IOException {
        try {
            return dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Sets the rwx bits of {@code name} (not a symlink); the sticky bit is not carried for files. */
    void setMode(String name, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = PosixFilePermission.values();   // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                perms.add(order[i]);
            }
        }
        dir.getFileAttributeView(Path.of(name), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(perms);
    }

    /** renameat: atomically replaces {@code to} in {@code toDir} (a file, or an empty directory by a directory). */
    void rename(String from, DirectoryHandle toDir, String to) throws IOException {
        dir.move(Path.of(from), toDir.dir, Path.of(to));
    }

    /** unlinkat, with AT_REMOVEDIR for a directory (which must be empty). */
    void delete(String name, boolean directory) throws IOException {
        if (directory) {
            dir.deleteDirectory(Path.of(name));
        } else {
            dir.deleteFile(Path.of(name));
        }
    }

    /**
     * One more user of this open directory ({@link OpenDirectories} shares one among the files
     * received into it); each calls {@link #close()} once when done.
     */
    synchronized DirectoryHandle retain() {
        if (references == 0) {
            throw new IllegalStateException("directory handle of " + path + " already closed");
        }
        references++;
        return this;
    }

    /** Drops one reference; the last one closes the directory. Idempotent once closed. */
    @Override
    public synchronized void close() throws IOException {
        if (references > 0 && --references == 0) {
            dir.close();
        }
    }

    /** {@link #close}, for cleanup paths: a failure to close is logged (debug), not thrown. */
    void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            LoggerFactory.getLogger(DirectoryHandle.class).debug("closing directory handle of {}: {}", path(), e.toString());
        }
    }
}
