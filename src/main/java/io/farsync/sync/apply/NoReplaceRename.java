package io.farsync.sync.apply;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renames a file below a root only if the new name is free, atomically: Linux's
 * {@code renameat2(RENAME_NOREPLACE)} through JNA ({@link NativeFiles}; kernel 3.15+, glibc 2.28+).
 *
 * <p>Why: {@link Applier#carry} (and a conflict copy's publication) checks that the new name is free and then renames; a file made
 * there in between (by a user, or by another session on the root) would be silently replaced
 * and lost. The JDK has no no-replace rename ({@code Files.move} without REPLACE_EXISTING checks
 * first too). As {@link DirectoryHandle} does, both parents are opened from the root (which may
 * itself be a symlink) one name at a time with {@code openat(O_NOFOLLOW | O_DIRECTORY)}, so a
 * symlink swapped in below the root cannot redirect the rename out of it.
 *
 * <p>{@link Result#UNSUPPORTED} (the caller falls back to its check) off Linux on x86-64 and
 * arm64 (the open flags differ per architecture), without renameat2 in the C library, or where
 * the file system refuses the flag ({@code EINVAL}, e.g. some network file systems).
 */
public final class NoReplaceRename {
    private static final Logger log = LoggerFactory.getLogger(NoReplaceRename.class);

    /** What {@link #rename} did. */
    public enum Result { RENAMED, TAKEN, UNSUPPORTED }

    private static final int RENAME_NOREPLACE = 1;
    private static final int EEXIST = 17;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int ENOTDIR = 20;
    private static final int ELOOP = 40;
    private static final int O_CLOEXEC = 02000000;
    private static final String ARCH = System.getProperty("os.arch", "");
    /** O_DIRECTORY | O_CLOEXEC (read-only): for the root itself, which is trusted and may be a symlink; 0 where unknown. */
    private static final int ROOT_FLAGS = rootFlags(ARCH);
    /** {@link #ROOT_FLAGS} | O_NOFOLLOW: for every name below the root; 0 where this architecture's values are not known here. */
    private static final int DIRECTORY_FLAGS = ROOT_FLAGS == 0 ? 0 : ROOT_FLAGS | noFollow(ARCH);
    private static final NativeFiles.LibC C = load();

    private NoReplaceRename() {
    }

    private static int rootFlags(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> 0200000 | O_CLOEXEC;
            case "aarch64", "arm64" -> 040000 | O_CLOEXEC;
            default -> 0;
        };
    }

    private static int noFollow(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> 0400000;
            case "aarch64", "arm64" -> 0100000;
            default -> 0;
        };
    }

    private static NativeFiles.LibC load() {
        NativeFiles.LibC c = NativeFiles.libc();
        if (DIRECTORY_FLAGS == 0 || c == null) {
            return null;
        }
        try {
            NativeLibrary.getInstance("c").getFunction("renameat2"); // glibc < 2.28 has none: known now, not mid-sync
            return c;
        } catch (LinkageError | RuntimeException e) {
            log.info("renameat2 not available ({}): a carried rename checks that its new name is free first", e.toString());
            return null;
        }
    }

    /**
     * Renames {@code from} to {@code to} (validated wire paths below {@code root}, parents
     * existing) unless {@code to} exists. Throws an {@link EntryFailure} if a parent is a symlink
     * or no directory, and an IOException naming the errno for other failures of the system calls.
     */
    public static Result rename(Path root, String from, String to) throws IOException, EntryFailure {
        if (C == null) {
            return Result.UNSUPPORTED;
        }
        try {
            return renameAt(root, from, to);
        } catch (LastErrorException e) {
            throw new IOException("cannot rename " + root.resolve(from) + " to " + root.resolve(to) + " (errno " + e.getErrorCode() + ")", e);
        }
    }

    private static Result renameAt(Path root, String from, String to) throws EntryFailure {
        int fromDir = openParent(root, from);
        try {
            int toDir = openParent(root, to);
            try {
                C.renameat2(fromDir, name(from), toDir, name(to), RENAME_NOREPLACE);
                return Result.RENAMED;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EEXIST) {
                    return Result.TAKEN;
                }
                if (e.getErrorCode() == EINVAL || e.getErrorCode() == ENOSYS) {
                    return Result.UNSUPPORTED;
                }
                throw e;
            } finally {
                closeQuietly(toDir);
            }
        } finally {
            closeQuietly(fromDir);
        }
    }

    /**
     * An fd of the directory holding {@code rel}, walked down from {@code root} without following
     * links below it. The root itself is followed: it is the user's choice and trusted (as in
     * {@link DirectoryHandle}), and a root that is a symlink ({@code ~/Sync -> /data/Sync}) is common.
     */
    private static int openParent(Path root, String rel) throws EntryFailure {
        int fd = C.open(root.toString(), ROOT_FLAGS);
        int start = 0;
        for (int slash = rel.indexOf('/'); slash >= 0; slash = rel.indexOf('/', start)) {
            String name = rel.substring(start, slash);
            try {
                int next = C.openat(fd, name, DIRECTORY_FLAGS);
                closeQuietly(fd);
                fd = next;
            } catch (LastErrorException e) {
                closeQuietly(fd);
                if (e.getErrorCode() == ELOOP || e.getErrorCode() == ENOTDIR) {
                    throw new EntryFailure("path escapes the root: parent " + root.resolve(rel.substring(0, slash)) + " of " + rel
                            + " is a symlink or no directory");
                }
                throw e;
            }
            start = slash + 1;
        }
        return fd;
    }

    private static String name(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    private static void closeQuietly(int fd) {
        try {
            C.close(fd);
        } catch (LastErrorException e) {
            log.debug("close of fd {}: errno {}", fd, e.getErrorCode());
        }
    }
}
