package io.farsync.sync.protocol;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * An entry's metadata as it travels: no inode (that is local to a host).
 *
 * @param path       relative, '/'-separated; the receiver validates it before any use
 * @param linkTarget a symlink's target text; null for other types
 * @param uid        the owner's numeric user id at the source ({@link Entry#UNKNOWN_ID} if unknown)
 * @param gid        the numeric group id at the source ({@link Entry#UNKNOWN_ID} if unknown)
 * @param xattrs     the user extended attributes (names without {@code user.}), sorted; null when
 *                   not carried (without {@code --xattrs}, in deletes and moves' origins)
 */
public record WireEntry(String path, EntryType type, long size, long mtimeNanos, int mode, String linkTarget, int uid, int gid,
        SortedMap<String, byte[]> xattrs) {

    /** An entry without owner or extended attributes. */
    public WireEntry(String path, EntryType type, long size, long mtimeNanos, int mode, String linkTarget) {
        this(path, type, size, mtimeNanos, mode, linkTarget, Entry.UNKNOWN_ID, Entry.UNKNOWN_ID, null);
    }

    public static WireEntry of(Entry e) {
        return new WireEntry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.linkTarget(), e.uid(), e.gid(), null);
    }

    /** The entry as described here: no identity (device, inode), owner or extended attributes. */
    public Entry toEntry() {
        return new Entry(path, type, size, mtimeNanos, mode, 0, linkTarget);
    }

    /** This entry carrying {@code attrs} as its extended attributes. */
    public WireEntry withXattrs(SortedMap<String, byte[]> attrs) {
        return new WireEntry(path, type, size, mtimeNanos, mode, linkTarget, uid, gid, attrs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireEntry w && w.path.equals(path) && w.type == type && w.size == size && w.mtimeNanos == mtimeNanos
                && w.mode == mode && Objects.equals(w.linkTarget, linkTarget) && w.uid == uid && w.gid == gid
                && sameXattrs(w.xattrs, xattrs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, type, size, mtimeNanos, mode, linkTarget, uid, gid);
    }

    private static boolean sameXattrs(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.size() == b.size() && a.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), b.get(e.getKey())));
    }
}
