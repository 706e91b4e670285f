package io.farsync.sync.snapshot;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryOverlay;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.scan.EntryType;
import io.farsync.sync.scan.RowValues;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Reads a snapshot's records as a difference against a scan ({@link EntryOverlay}): the load of
 * every unchanged re-sync, two of them (one per endpoint) for each entry of the tree.
 *
 * <p>Why not {@code SnapshotStore}'s row reader: each column read is a JNI call through
 * sqlite-jdbc's checks and locks, and each text column comes back as a new direct buffer decoded
 * into a {@code String}. Here SQLite packs type, mode and two "has" flags into one integer and the
 * two owner ids into another, the link target and the extended attributes' hash are read only
 * where there is one, and the path is read as its UTF-8 bytes and compared in place with the
 * scan's: 8 calls a row (the step included) instead of 12, and no string or entry for a record
 * equal to the scan. Reading the 1,001,000 records of the 1M re-sync's snapshot over their scan
 * (thread CPU, three alternating rounds on a loaded machine): medians 1.59-1.84 s before,
 * 1.03-1.45 s after, about -30 % (docs/PERFORMANCE.md, "Session 7: 1M re-sync"). The result is
 * the same as making every record's entry and comparing it.
 */
final class OverlayLoad {

    /** Bit 7 of the packed type column: the row has a link target. Types are 0-2, modes go above bit 8. */
    private static final long HAS_LINK = 0x80;
    /** Bit 6 of the packed type column: the row has an extended attributes' hash (not 0, as without {@code --xattrs}). */
    private static final long HAS_XATTRS = 0x40;
    private static final String QUERY = "SELECT path, type | (mode << 8) | ((link_target IS NOT NULL) << 7) | ((xattr_hash != 0) << 6), "
            + "size, mtime_ns, "
            + "device, inode, ((uid & 4294967295) << 32) | (gid & 4294967295), xattr_hash, link_target "
            + "FROM entries ORDER BY path";

    private OverlayLoad() {
    }

    /**
     * Every record of {@code db}'s entries table over {@code scanned}. Rows come in the primary
     * key's order (UTF-8 bytes) and are matched against the table by a cursor that only moves
     * forward; where that order and the table's ({@link String#compareTo}) differ (characters
     * above U+FFFF against U+E000-U+FFFF), the row is looked up by binary search instead.
     */
    static EntryOverlay load(Connection db, EntryTable scanned) throws SQLException {
        EntryOverlay out = new EntryOverlay(scanned);
        int next = 0;
        int n = scanned.size();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            while (rs.next()) {
                RowValues v = read(rs);
                while (next < n && scanned.comparePathBytesAt(next, v.path()) < 0) {
                    next++;
                }
                if (next < n && scanned.rowEquals(next, v)) {
                    out.markSame(next);
                    continue;
                }
                Entry e = v.toEntry();
                int at = scanned.indexOf(e.path());
                if (at >= 0 && scanned.rowEquals(at, e)) {
                    out.markSame(at);
                } else {
                    out.put(e.path(), e);
                }
            }
        }
        return out;
    }

    private static RowValues read(ResultSet rs) throws SQLException {
        long typeMode = rs.getLong(2);
        long owner = rs.getLong(7);
        byte[] path = rs.getBytes(1);
        EntryType type;
        try {
            type = EntryType.fromCode((int) (typeMode & 0x3f));
        } catch (IllegalArgumentException e) {
            throw SnapshotStore.corruptRow(new String(path, StandardCharsets.UTF_8), e);
        }
        return new RowValues(path, type, rs.getLong(3), rs.getLong(4),
                (int) (typeMode >> 8), rs.getLong(5), rs.getLong(6), (typeMode & HAS_LINK) != 0 ? rs.getString(9) : null,
                (int) (owner >> 32), (int) owner, (typeMode & HAS_XATTRS) != 0 ? rs.getLong(8) : 0);
    }
}
