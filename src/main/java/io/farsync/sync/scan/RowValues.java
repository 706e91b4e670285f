package io.farsync.sync.scan;

import java.nio.charset.StandardCharsets;

/**
 * One snapshot record as its database returned it, before an {@link Entry} is made of it: the
 * path is still the UTF-8 bytes the database holds. Loading a snapshot over a scan compares most
 * records with the scan's row at the same path ({@link EntryTable#rowEquals(int, RowValues)}) and
 * finds them equal; only the others need their path decoded and an entry made
 * ({@link #toEntry}). A record keeps no link count: its entry's is 1, as every recorded entry's.
 */
public record RowValues(byte[] path, EntryType type, long size, long mtimeNanos, int mode, long device, long inode,
        String linkTarget, int uid, int gid, long xattrHash) {

    /** The entry this record stands for. */
    public Entry toEntry() {
        return new Entry(new String(path, StandardCharsets.UTF_8), type, size, mtimeNanos, mode, device, inode, linkTarget,
                uid, gid, 1, xattrHash);
    }
}
