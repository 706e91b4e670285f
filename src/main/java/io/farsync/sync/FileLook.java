package io.farsync.sync;

import io.farsync.sync.apply.Applier;
import io.farsync.sync.scan.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What an lstat says about a regular file that a copy of it must not miss changing: size, mtime,
 * ctime and identity (device and inode). Two equal looks taken before and after reading a file
 * mean it was not written or replaced in between, as far as the file system's timestamps can
 * tell (a write within the same clock tick as the first look keeps mtime and ctime on kernels
 * with coarse timestamps; nothing short of a lock or a checksum sees that).
 *
 * @param size     bytes
 * @param mtime    modification time
 * @param ctime    status-change time; null where the platform has none ({@code unix:} view missing)
 * @param device   the device number, 0 where unknown
 * @param inode    the inode number, 0 where unknown
 */
record FileLook(long size, FileTime mtime, FileTime ctime, long device, long inode) {

    private static final String UNIX = "unix:size,lastModifiedTime,ctime,dev,ino,isRegularFile";

    /** The look of the regular file at {@code file}; null if nothing, or no regular file, is there. */
    static FileLook of(Path file) throws IOException {
        try {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(file, UNIX, LinkOption.NOFOLLOW_LINKS);
            } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
                BasicFileAttributes b = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                return b.isRegularFile() ? new FileLook(b.size(), b.lastModifiedTime(), null, 0, 0) : null;
            }
            return Boolean.TRUE.equals(a.get("isRegularFile")) ? new FileLook((Long) a.get("size"), (FileTime) a.get("lastModifiedTime"),
                    (FileTime) a.get("ctime"), (Long) a.get("dev"), (Long) a.get("ino")) : null;
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    /** True if this file is {@code version} itself: its size and mtime, and its inode and device where both sides know them. */
    boolean is(Entry version) {
        return describes(version) && (inode == 0 || version.inode() == 0 || inode == version.inode())
                && (device == 0 || version.device() == 0 || device == version.device());
    }

    /** True if this file has {@code version}'s size and mtime (within what a copy keeps): a copy of it, or itself. */
    boolean describes(Entry version) {
        long nanos = mtime.to(TimeUnit.NANOSECONDS);
        return size == version.size()
                && (Applier.mtimeMatches(version.mtimeNanos(), nanos) || Applier.mtimeMatches(nanos, version.mtimeNanos()));
    }
}
