package io.farsync.sync.version;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import java.util.Objects;

/**
 * One path's current version at a replica: what is there (type, size, mtime, link target; a
 * tombstone when {@code type} is null), its version vector, and the replica name ({@code origin})
 * whose write made this version, which names its conflict copy so every replica picks the same
 * name.
 */
public record VersionRow(String path, EntryType type, long size, long mtimeNanos, String linkTarget, VersionVector vector,
        String origin) {

    public VersionRow {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(origin, "origin");
        linkTarget = linkTarget == null ? "" : linkTarget;
    }

    static VersionRow of(Entry e, VersionVector vector, String origin) {
        return new VersionRow(e.path(), e.type(), e.isFile() ? e.size() : 0, e.isFile() ? e.mtimeNanos() : 0,
                e.isSymlink() ? e.linkTarget() : "", vector, origin);
    }

    public boolean deleted() {
        return type == null;
    }

    /**
     * True if {@code e} (null: nothing there) is this version: same type, a file of equal size and
     * mtime (within the resolution a copy keeps), a symlink to the same target. Any directory is
     * the same directory: its contents have their own versions.
     */
    public boolean describes(Entry e) {
        if (e == null || deleted()) {
            return e == null && deleted();
        }
        if (e.type() != type) {
            return false;
        }
        return switch (type) {
            case DIRECTORY -> true;
            case FILE -> e.size() == size && (mtimeMatch(mtimeNanos, e.mtimeNanos()) || mtimeMatch(e.mtimeNanos(), mtimeNanos));
            case SYMLINK -> e.linkTarget().equals(linkTarget);
        };
    }

    /** The same data (both tombstones, or equal content by {@link #describes}'s rules). */
    public boolean sameContent(VersionRow o) {
        if (deleted() || o.deleted()) {
            return deleted() && o.deleted();
        }
        return type == o.type && switch (type) {
            case DIRECTORY -> true;
            case FILE -> size == o.size && (mtimeMatch(mtimeNanos, o.mtimeNanos) || mtimeMatch(o.mtimeNanos, mtimeNanos));
            case SYMLINK -> linkTarget.equals(o.linkTarget);
        };
    }

    VersionRow withVector(VersionVector v) {
        return new VersionRow(path, type, size, mtimeNanos, linkTarget, v, origin);
    }

    /** A copy may keep the mtime to the microsecond or the second only (see Applier.mtimeMatches). */
    private static boolean mtimeMatch(long source, long dest) {
        return io.farsync.sync.apply.Applier.mtimeMatches(source, dest);
    }
}
