package io.farsync.common;

/**
 * The documented process exit codes of every farsync command. Scripts depend on these numbers:
 * never renumber, only add. The README lists them.
 */
public enum ExitCode {
    /** The trees are in sync (or the command did what was asked). */
    OK(0),
    /** Some files could not be synchronized; the rest were. The trees are not fully in sync. */
    PARTIAL(1),
    /** Bad command line: unknown option, malformed rate, missing argument. */
    USAGE(2),
    /** The source path does not exist (locally or inside the server's root). */
    SOURCE_NOT_FOUND(3),
    /** The remote host could not be reached (DNS, refused, timeout on SSH or UDP). */
    UNREACHABLE(4),
    /** The server refused our key, or we refused a peer's key. */
    AUTH_FAILED(5),
    /** The server's host key differs from the one recorded in known_hosts. */
    HOST_KEY_CHANGED(6),
    /** A file or directory could not be read or written for lack of permission. */
    PERMISSION_DENIED(7),
    /** The destination file system ran out of space. */
    DISK_FULL(8),
    /** The transfer failed: the peer vanished, timed out, or broke the protocol. */
    TRANSFER_FAILED(9),
    /** A path tried to leave the root it must stay inside. */
    PATH_ESCAPE(10),
    /**
     * The sync would delete more than {@code --max-delete} allows, or the source root is empty
     * while the last sync had entries (unmounted?); nothing was changed.
     */
    DELETE_LIMIT(11),
    /**
     * Another farsync run is syncing the same session (its snapshot database is locked); nothing
     * was changed. Run again later.
     */
    SESSION_BUSY(12),
    /** A bug: an unexpected exception. The log holds the stack trace. */
    INTERNAL(70);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
