package io.farsync.sync.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryOverlay;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.scan.EntryType;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed load ({@link OverlayLoad}) against the plain one: the same records, and exactly the
 * records equal to the scan's entry marked as the scan's row.
 */
class OverlayLoadTest {

    private static final String[] NAMES = {"a", "b", "dir", "é", "\uE000", "\uD83D\uDE00", "x y", "a.b", "a-b"};
    private static final int[] IDS = {Entry.UNKNOWN_ID, 0, 1000, -2, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final int[] MODES = {0, 0644, 0755, 01777, 0777};
    private static final long[] LONGS = {0, 1, 2049, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 1_600_000_000_123_456_789L};
    private static final String[] TARGETS = {"t", "", "../é \uD83D\uDE00 target", "/abs/path"};

    @TempDir
    Path tmp;

    @Test
    void packedLoad_givesTheRecordsOfTheRowByRowLoad_andMarksExactlyTheUnchangedOnes() {
        long seed = System.nanoTime();
        System.out.println("OverlayLoadTest seed " + seed);
        Random rnd = new Random(seed);
        try (SnapshotStore s = SnapshotStore.open(tmp.resolve("s.db"))) {
            TreeMap<String, Entry> scanned = new TreeMap<>();
            for (int i = 0; i < 3000; i++) {
                String path = randomPath(rnd);
                Entry recorded = randomEntry(rnd, path);
                s.put(recorded);
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> scanned.put(path, recorded);
                    case 2 -> scanned.put(path, changedField(rnd, recorded));
                    case 3 -> scanned.put(path, randomEntry(rnd, path));
                    default -> { }    // gone from the scan
                }
                if (rnd.nextInt(10) == 0) {
                    String fresh = randomPath(rnd);
                    scanned.putIfAbsent(fresh, randomEntry(rnd, fresh));
                }
            }
            EntryTable.Builder b = new EntryTable.Builder(scanned.size());
            scanned.values().forEach(b::add);
            EntryTable table = b.build();
            NavigableMap<String, Entry> plain = s.loadAll();

            EntryOverlay loaded = (EntryOverlay) s.loadAll(table);

            assertThat(loaded).as("seed %d", seed).containsExactlyEntriesOf(plain);
            for (int i = 0; i < table.size(); i++) {
                Entry record = plain.get(table.pathAt(i));
                assertThat(loaded.holdsRow(table, i)).as("seed %d, row %s", seed, table.pathAt(i))
                        .isEqualTo(table.entryAt(i).equals(record));
            }
        }
    }

    private static String randomPath(Random rnd) {
        StringBuilder p = new StringBuilder();
        int depth = 1 + rnd.nextInt(3);
        for (int d = 0; d < depth; d++) {
            if (d > 0) {
                p.append('/');
            }
            p.append(NAMES[rnd.nextInt(NAMES.length)]).append(rnd.nextInt(20));
        }
        return p.toString();
    }

    private static Entry randomEntry(Random rnd, String path) {
        EntryType type = EntryType.values()[rnd.nextInt(3)];
        return new Entry(path, type, Math.abs(pick(rnd) % 1_000_000_007L), pick(rnd), MODES[rnd.nextInt(MODES.length)], pick(rnd),
                pick(rnd), type == EntryType.SYMLINK ? TARGETS[rnd.nextInt(TARGETS.length)] : null,
                IDS[rnd.nextInt(IDS.length)], IDS[rnd.nextInt(IDS.length)], 1, rnd.nextBoolean() ? 0 : pick(rnd));
    }

    /** {@code e} with one field changed (a link count above 1: a hard-linked file, never held as unchanged). */
    private static Entry changedField(Random rnd, Entry e) {
        return switch (rnd.nextInt(9)) {
            case 0 -> new Entry(e.path(), e.type(), e.size() + 1, e.mtimeNanos(), e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid(), e.gid(), 1, e.xattrHash());
            case 1 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos() + 1, e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid(), e.gid(), 1, e.xattrHash());
            case 2 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode() ^ 01, e.device(), e.inode(), e.linkTarget(), e.uid(), e.gid(), 1, e.xattrHash());
            case 3 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device() + 1, e.inode(), e.linkTarget(), e.uid(), e.gid(), 1, e.xattrHash());
            case 4 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode() + 1, e.linkTarget(), e.uid(), e.gid(), 1, e.xattrHash());
            case 5 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid() + 1, e.gid(), 1, e.xattrHash());
            case 6 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid(), e.gid() + 1, 1, e.xattrHash());
            case 7 -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(),
                    e.isSymlink() ? e.linkTarget() + "x" : null, e.uid(), e.gid(), 1, e.xattrHash() + 1);
            default -> new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid(), e.gid(), 2, e.xattrHash());
        };
    }

    private static long pick(Random rnd) {
        return rnd.nextInt(4) == 0 ? rnd.nextLong() : LONGS[rnd.nextInt(LONGS.length)];
    }
}
