package io.farsync.sync.scan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** lstat(2) for the engine: one system call, links never followed. */
public final class Stat {

    private static final String UNIX_ATTRS = "unix:mode,dev,ino,size,lastModifiedTime,isDirectory,isRegularFile,isSymbolicLink,uid,gid,nlink";
    /** Permission bits kept: rwx for all plus sticky; setuid/setgid are dropped on purpose. */
    public static final int MODE_MASK = 01777;

    private Stat() {
    }

    /**
     * The entry at {@code file}, named {@code relPath}; null when nothing is there or when it is
     * neither a regular file, a directory nor a symlink.
     */
    public static Entry lstatOrNull(Path file, String relPath) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(file, UNIX_ATTRS, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
        int mode = ((Integer) a.get("mode")) & MODE_MASK;
        long inode = ((Number) a.get("ino")).longValue();
        long device = ((Number) a.get("dev")).longValue();
        int uid = (Integer) a.get("uid");
        int gid = (Integer) a.get("gid");
        int nlink = ((Number) a.get("nlink")).intValue();
        if ((Boolean) a.get("isRegularFile")) {
            return new Entry(relPath, EntryType.FILE, (Long) a.get("size"), mtime, mode, device, inode, null, uid, gid, nlink, 0);
        }
        if ((Boolean) a.get("isDirectory")) {
            return new Entry(relPath, EntryType.DIRECTORY, 0, mtime, mode, device, inode, null, uid, gid, 1, 0);
        }
        if ((Boolean) a.get("isSymbolicLink")) {
            String target = Files.readSymbolicLink(file).toString();
            return new Entry(relPath, EntryType.SYMLINK, 0, mtime, 0, device, inode, target, uid, gid, 1, 0);
        }
        return null;
    }
}
