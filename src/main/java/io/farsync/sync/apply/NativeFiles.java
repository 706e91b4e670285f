package io.farsync.sync.apply;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls on the descriptor of an open {@link FileChannel} that the JDK does not offer:
 * {@code sync_file_range(2)} (for {@link Writeback}), and {@code fchmod(2)} and
 * {@code futimens(2)} (for {@link Applier#commit}), through JNA.
 *
 * <p>Why the last two: the JDK sets a file's mode and mtime by path only (its directory-relative
 * {@code setTimes} keeps only microseconds), so each received file cost two more path lookups
 * after its contents were written; set on the descriptor the file is already open on, they cost
 * neither a lookup nor a race with a swapped directory (docs/PERFORMANCE.md, "Session 5: new
 * files").
 *
 * <p>Needs the descriptor behind the JDK's {@link FileChannel}, which the JDK does not expose:
 * read reflectively with {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (bin/farsync and
 * the tests pass it). Without it, off Linux, or on a 32-bit JVM (whose {@code struct timespec}
 * differs), {@link #available()} is false and callers keep their path-based ways.
 */
final class NativeFiles {

    private static final Logger log = LoggerFactory.getLogger(NativeFiles.class);
    /** {@code tv_nsec} value that leaves that time alone (the access time, here). */
    private static final long UTIME_OMIT = (1L << 30) - 2L;

    /**
     * The C library calls this package makes, in one JNA binding (the JDK offers none of them):
     * also {@code syncfs} for {@link GroupSync} and {@code renameat2} for {@link NoReplaceRename}.
     * A call missing from the C library fails only when made: callers that need one check for it
     * when they start ({@code NativeLibrary.getFunction}).
     */
    interface LibC extends Library {
        int sync_file_range(int fd, long offset, long nbytes, int flags) throws LastErrorException;

        int fchmod(int fd, int mode) throws LastErrorException;

        /** {@code times}: atime seconds, nanoseconds, mtime seconds, nanoseconds (64-bit timespecs). */
        int futimens(int fd, long[] times) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int openat(int dirfd, String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int syncfs(int fd) throws LastErrorException;

        int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags) throws LastErrorException;
    }

    /** The C library on Linux; null elsewhere or where JNA cannot load it. Before {@link #NATIVE}, which uses it. */
    private static final LibC LIBC = loadLibC();

    /** How to reach a FileChannel's descriptor and the calls; null where any is missing. */
    private record Access(LibC libc, Field channelFd, Method fdVal) {
    }

    private static final Access NATIVE = load();

    private NativeFiles() {
    }

    /** True on Linux, the only system whose C library calls are bound here. */
    static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    /** The C library through JNA, or null off Linux or where it cannot be loaded. */
    static LibC libc() {
        return LIBC;
    }

    private static LibC loadLibC() {
        if (!isLinux()) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            log.debug("the C library cannot be loaded through JNA: {}", e.toString());
            return null;
        }
    }

    /** True where these calls work (64-bit Linux, the descriptor reachable). */
    static boolean available() {
        return NATIVE != null;
    }

    /** {@code sync_file_range(fd, offset, nbytes, flags)} on the channel's descriptor. */
    static void syncFileRange(FileChannel channel, long offset, long nbytes, int flags) throws IOException {
        try {
            NATIVE.libc().sync_file_range(fd(channel), offset, nbytes, flags);
        } catch (LastErrorException e) {
            throw new IOException("sync_file_range failed (errno " + e.getErrorCode() + ")", e);
        }
    }

    /**
     * Gives the open file the permission bits {@code mode} and the modification time
     * {@code mtimeNanos} (nanoseconds since the epoch), leaving its access time. Call after the
     * last write: a write sets the mtime again.
     */
    static void setModeAndMtime(FileChannel channel, int mode, long mtimeNanos) throws IOException {
        int fd = fd(channel);
        try {
            NATIVE.libc().fchmod(fd, mode);
            NATIVE.libc().futimens(fd, new long[] {0, UTIME_OMIT, Math.floorDiv(mtimeNanos, 1_000_000_000L),
                    Math.floorMod(mtimeNanos, 1_000_000_000L)});
        } catch (LastErrorException e) {
            throw new IOException("cannot set the mode and mtime of an open file (errno " + e.getErrorCode() + ")", e);
        }
    }

    private static int fd(FileChannel channel) throws IOException {
        try {
            return (int) NATIVE.fdVal().invoke(null, (FileDescriptor) NATIVE.channelFd().get(channel));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("no descriptor for " + channel + ": " + e, e);
        }
    }

    private static Access load() {
        if (LIBC == null) {
            return null;
        }
        try {
            if (Native.LONG_SIZE != 8) {
                return null;
            }
            Class<?> impl = Class.forName("sun.nio.ch.FileChannelImpl");
            Field fd = impl.getDeclaredField("fd");
            fd.setAccessible(true);
            Method fdVal = Class.forName("sun.nio.ch.IOUtil").getDeclaredMethod("fdVal", FileDescriptor.class);
            fdVal.setAccessible(true);
            return new Access(LIBC, fd, fdVal);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // closed module (no --add-opens), another JDK or no JNA: callers go by path
            log.debug("descriptor calls not available: {}", e.toString());
            return null;
        }
    }
}
