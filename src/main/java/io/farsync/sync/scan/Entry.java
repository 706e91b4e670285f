package io.farsync.sync.scan;

import java.util.Objects;

/**
 * One entry of a tree as seen by an lstat (links are never followed), or as recorded in a
 * snapshot.
 *
 * @param path        relative to the root, '/'-separated, never empty
 * @param type        file, directory or symlink
 * @param size        bytes of a regular file; 0 for directories and symlinks
 * @param mtimeNanos  modification time in nanoseconds since the epoch
 * @param mode        permission bits (07777 at most, no file-type bits)
 * @param device      the file system's device number, 0 where unknown (snapshots written before
 *                    schema 2); with the inode it identifies a file across renames
 * @param inode       the inode number, 0 where unknown; local to one host, never sent
 * @param linkTarget  a symlink's target text, exactly as stored; null for other types
 * @param uid         the owner's user id, {@link #UNKNOWN_ID} where unknown (rows of snapshots before
 *                    schema 3, entries built from older messages): unknown matches any
 * @param gid         the group id, {@link #UNKNOWN_ID} where unknown
 * @param nlink       the link count (regular files with more than one are hard-linked); 1 where unknown
 * @param xattrHash   a fingerprint of the user.* extended attributes ({@code Xattrs}), 0 where not
 *                    read (without {@code --xattrs}): 0 matches any
 */
public record Entry(String path, EntryType type, long size, long mtimeNanos, int mode, long device, long inode,
        String linkTarget, int uid, int gid, int nlink, long xattrHash) {

    /** A uid or gid not known. */
    public static final int UNKNOWN_ID = -1;

    public Entry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        if ((type == EntryType.SYMLINK) != (linkTarget != null)) {
            throw new IllegalArgumentException("linkTarget (" + linkTarget + ") must be set exactly for symlinks: " + path);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size (" + size + ") must not be negative: " + path);
        }
    }

    /** An entry whose owner, link count and extended attributes are unknown. */
    public Entry(String path, EntryType type, long size, long mtimeNanos, int mode, long device, long inode, String linkTarget) {
        this(path, type, size, mtimeNanos, mode, device, inode, linkTarget, UNKNOWN_ID, UNKNOWN_ID, 1, 0);
    }

    /** An entry whose device is unknown. */
    public Entry(String path, EntryType type, long size, long mtimeNanos, int mode, long inode, String linkTarget) {
        this(path, type, size, mtimeNanos, mode, 0, inode, linkTarget);
    }

    /**
     * True if {@code other} is the same file-system object: same inode (never 0) on the same
     * device (a device of 0 is unknown and matches any).
     */
    public boolean sameIdentity(Entry other) {
        return inode != 0 && inode == other.inode && (device == 0 || other.device == 0 || device == other.device);
    }

    public boolean isFile() {
        return type == EntryType.FILE;
    }

    public boolean isDirectory() {
        return type == EntryType.DIRECTORY;
    }

    public boolean isSymlink() {
        return type == EntryType.SYMLINK;
    }

    /**
     * True when nothing observable changed between {@code this} (recorded) and {@code now}: same
     * type, size, mtime, mode, inode and link target, owner and extended attributes (where both
     * are known). Symlink mode and mtime are ignored: Linux cannot set a link's mode and stores
     * its mtime only to the microsecond.
     */
    public boolean unchangedAs(Entry now) {
        if (type != now.type || !sameOwnerAndXattrs(now)) {
            return false;
        }
        return switch (type) {
            case FILE -> size == now.size && mtimeNanos == now.mtimeNanos && mode == now.mode && inode == now.inode;
            case DIRECTORY -> mtimeNanos == now.mtimeNanos && mode == now.mode;
            case SYMLINK -> linkTarget.equals(now.linkTarget);
        };
    }

    /** Same owner and group and same extended attributes, where both sides know them. */
    public boolean sameOwnerAndXattrs(Entry other) {
        return sameId(uid, other.uid) && sameId(gid, other.gid)
                && (xattrHash == 0 || other.xattrHash == 0 || xattrHash == other.xattrHash);
    }

    private static boolean sameId(int a, int b) {
        return a == UNKNOWN_ID || b == UNKNOWN_ID || a == b;
    }

    /** This entry at another path (same metadata). */
    public Entry withPath(String newPath) {
        return new Entry(newPath, type, size, mtimeNanos, mode, device, inode, linkTarget, uid, gid, nlink, xattrHash);
    }

    /** This entry with the extended attributes' fingerprint {@code hash}. */
    public Entry withXattrHash(long hash) {
        return new Entry(path, type, size, mtimeNanos, mode, device, inode, linkTarget, uid, gid, nlink, hash);
    }

    /** The parent's relative path, or "" for an entry directly under the root. */
    public static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** True if {@code path} is {@code ancestor} or lies below it. */
    public static boolean isAtOrBelow(String path, String ancestor) {
        return path.startsWith(ancestor) && (path.length() == ancestor.length() || path.charAt(ancestor.length()) == '/');
    }

    /** {@code path}, which is at or below {@code from}, moved to {@code to}. */
    public static String rebase(String path, String from, String to) {
        return to + path.substring(from.length());
    }

    /** The last component of a relative path. */
    public static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
