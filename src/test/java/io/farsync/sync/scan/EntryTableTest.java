package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EntryTableTest {

    /** Names whose UTF-8 and UTF-16 orders differ ('-' before '/', U+E000 against a supplementary character). */
    private static final String[] NAMES = {"a", "a-b", "a/b", "a/b/c", "a0", "\uE000", "\uD83D\uDE00", "\uD83D\uDE01", "z", "é", "ü/x"};

    private static Entry entry(Random rnd, String path, int i) {
        return switch (rnd.nextInt(4)) {
            case 0 -> new Entry(path, EntryType.DIRECTORY, 0, i, 0755, 3, 100 + i, null, 1000, 1000, 1, 0);
            case 1 -> new Entry(path, EntryType.SYMLINK, 0, i, 0, 3, 100 + i, "target-" + i, 1000, 1000, 1, 0);
            case 2 -> new Entry(path, EntryType.FILE, i, i * 7L, 0644, 3, 100 + i, null, 0, 0, 2, rnd.nextLong());
            default -> new Entry(path, EntryType.FILE, i, i * 7L, 0600, 3, 100 + i, null, Entry.UNKNOWN_ID, Entry.UNKNOWN_ID, 1, 0);
        };
    }

    private static TreeMap<String, Entry> randomTree(Random rnd, int n) {
        TreeMap<String, Entry> tree = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String path = NAMES[rnd.nextInt(NAMES.length)] + "/" + NAMES[rnd.nextInt(NAMES.length)] + rnd.nextInt(40);
            tree.put(path, entry(rnd, path, i));
        }
        return tree;
    }

    /** A path the random trees may or may not hold. */
    private static String probe(Random rnd) {
        return NAMES[rnd.nextInt(NAMES.length)] + "/" + NAMES[rnd.nextInt(NAMES.length)] + rnd.nextInt(45);
    }

    private static EntryTable tableOf(Map<String, Entry> sorted) {
        EntryTable.Builder b = new EntryTable.Builder(2);
        sorted.values().forEach(b::add);
        return b.build();
    }

    @Test
    void table_holdsEntriesInStringOrder_andFindsEveryPath() {
        long seed = new Random().nextLong();
        System.out.println("EntryTableTest seed " + seed);
        Random rnd = new Random(seed);
        TreeMap<String, Entry> expected = randomTree(rnd, 600);

        EntryTable table = tableOf(expected);

        assertThat(table).containsExactlyEntriesOf(expected);
        assertThat(new ArrayList<>(table.values())).containsExactlyElementsOf(expected.values());
        for (int q = 0; q < 300; q++) {
            String probe = probe(rnd);
            assertThat(table.get(probe)).as(probe).isEqualTo(expected.get(probe));
            assertThat(table.containsKey(probe)).isEqualTo(expected.containsKey(probe));
            assertThat(table.ceilingKey(probe)).isEqualTo(expected.ceilingKey(probe));
            assertThat(table.floorKey(probe)).isEqualTo(expected.floorKey(probe));
            assertThat(table.higherKey(probe)).isEqualTo(expected.higherKey(probe));
            assertThat(table.lowerKey(probe)).isEqualTo(expected.lowerKey(probe));
            int i = table.indexOf(probe);
            if (i >= 0) {
                assertThat(table.rowEquals(i, expected.get(probe))).isTrue();
                assertThat(table.rowEquals(i, expected.get(probe).withXattrHash(12345))).isFalse();
            }
        }
        for (String dir : NAMES) {
            assertThat(table.subMap(dir + "/", true, dir + "0", false)).containsExactlyEntriesOf(expected.subMap(dir + "/", true, dir + "0", false));
            assertThat(table.tailMap(dir)).containsExactlyEntriesOf(expected.tailMap(dir));
            assertThat(table.headMap(dir, true)).containsExactlyEntriesOf(expected.headMap(dir, true));
        }
        assertThat(table.firstKey()).isEqualTo(expected.firstKey());
        assertThat(table.lastKey()).isEqualTo(expected.lastKey());
    }

    @Test
    void rowsCompareWithUtf8Bytes_inUnsignedByteOrder_andEqualTheRecordTheyHold_alsoInAView() {
        long seed = new Random().nextLong();
        System.out.println("EntryTableTest bytes seed " + seed);
        Random rnd = new Random(seed);
        TreeMap<String, Entry> expected = randomTree(rnd, 400);
        EntryTable table = tableOf(expected);
        EntryTable view = (EntryTable) table.tailMap(NAMES[rnd.nextInt(NAMES.length)], true);
        for (EntryTable t : List.of(table, view)) {
            for (int i = 0; i < t.size(); i++) {
                Entry e = t.entryAt(i);
                String probe = probe(rnd);
                byte[] probeBytes = probe.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] pathBytes = e.path().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertThat(Integer.signum(t.comparePathBytesAt(i, probeBytes))).as("%s vs %s", e.path(), probe)
                        .isEqualTo(Integer.signum(java.util.Arrays.compareUnsigned(pathBytes, probeBytes)));
                assertThat(t.comparePathBytesAt(i, pathBytes)).isZero();
                RowValues same = new RowValues(pathBytes, e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(),
                        e.linkTarget(), e.uid(), e.gid(), e.xattrHash());
                // a record's link count is 1: a row of a hard-linked file never equals one
                assertThat(t.rowEquals(i, same)).as(e.path()).isEqualTo(e.nlink() == 1);
                assertThat(same.toEntry()).isEqualTo(e.nlink() == 1 ? e : new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(),
                        e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid(), e.gid(), 1, e.xattrHash()));
                RowValues other = new RowValues(probeBytes, e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(),
                        e.linkTarget(), e.uid(), e.gid(), e.xattrHash());
                assertThat(t.rowEquals(i, other)).isEqualTo(e.nlink() == 1 && probe.equals(e.path()));
            }
        }
    }

    @Test
    void merge_ofOverlappingSortedRuns_equalsOneSortedMap() {
        long seed = new Random().nextLong();
        System.out.println("EntryTableTest seed " + seed);
        Random rnd = new Random(seed);
        TreeMap<String, Entry> expected = new TreeMap<>();
        ArrayDeque<EntryTable> runs = new ArrayDeque<>();
        for (int r = 0; r < 30; r++) {
            TreeMap<String, Entry> run = randomTree(rnd, rnd.nextInt(40));
            // a path in two runs: the merge keeps one of them (here both runs hold the same entry)
            run.keySet().removeIf(expected::containsKey);
            expected.putAll(run);
            runs.add(tableOf(run));
        }
        runs.add(tableOf(expected.headMap("a0")));    // every path of a stretch again

        EntryTable merged = EntryTable.merge(runs);

        assertThat(merged).containsExactlyEntriesOf(expected);
        assertThat(runs).isEmpty();
    }

    @Test
    void table_isReadOnly() {
        EntryTable table = tableOf(new TreeMap<>(Map.of("a", new Entry("a", EntryType.FILE, 1, 1, 0644, 1, null))));
        assertThatThrownBy(() -> table.put("b", new Entry("b", EntryType.FILE, 1, 1, 0644, 1, null)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> table.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(EntryTable.empty()).isEmpty();
    }

    @Test
    void overlay_behavesAsATreeMapUnderRandomEdits() {
        long seed = new Random().nextLong();
        System.out.println("EntryTableTest overlay seed " + seed);
        Random rnd = new Random(seed);
        TreeMap<String, Entry> scanned = randomTree(rnd, 400);
        EntryTable table = tableOf(scanned);
        EntryOverlay overlay = new EntryOverlay(table);
        TreeMap<String, Entry> model = new TreeMap<>();
        List<String> paths = new ArrayList<>(scanned.keySet());
        for (int i = 0; i < table.size(); i++) {
            if (rnd.nextBoolean()) {
                overlay.markSame(i);
                model.put(table.pathAt(i), table.entryAt(i));
            }
        }
        assertThat(overlay).containsExactlyEntriesOf(model);
        EntryOverlay copy = overlay.copy();
        TreeMap<String, Entry> copyModel = new TreeMap<>(model);
        for (int step = 0; step < 2000; step++) {
            String path = rnd.nextInt(4) == 0 ? "new/" + rnd.nextInt(100) : paths.get(rnd.nextInt(paths.size()));
            switch (rnd.nextInt(4)) {
                case 0 -> {
                    Entry e = entry(rnd, path, step);
                    assertThat(overlay.put(path, e)).isEqualTo(model.put(path, e));
                }
                case 1 -> assertThat(overlay.remove(path)).isEqualTo(model.remove(path));
                case 2 -> {
                    String dir = path.substring(0, path.indexOf('/'));
                    List<Entry> expected = new ArrayList<>(model.subMap(dir + "/", true, dir + "0", false).values());
                    model.subMap(dir + "/", true, dir + "0", false).clear();
                    assertThat(SortedEntries.removeBelow(overlay, dir)).containsExactlyElementsOf(expected);
                }
                default -> {
                    assertThat(overlay.get(path)).isEqualTo(model.get(path));
                    assertThat(overlay.containsKey(path)).isEqualTo(model.containsKey(path));
                }
            }
            assertThat(overlay.size()).isEqualTo(model.size());
        }
        assertThat(overlay).containsExactlyEntriesOf(model);
        assertThat(new ArrayList<>(overlay.values())).containsExactlyElementsOf(model.values());
        assertThat(copy).containsExactlyEntriesOf(copyModel);
    }
}
