package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.scan.EntryType;
import io.farsync.sync.scan.ScanResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Offers kept as table rows read back exactly as the Meta objects they stand for. */
class OffersTest {

    private static Entry file(String path, long size) {
        return new Entry(path, EntryType.FILE, size, 7, 0644, 1, 100 + size, null, 0, 0, 1, 0);
    }

    private static Entry dir(String path) {
        return new Entry(path, EntryType.DIRECTORY, 0, 5, 0755, 1, path.length(), null, 0, 0, 1, 0);
    }

    private static EntryTable table(Entry... es) {
        EntryTable.Builder b = new EntryTable.Builder(es.length);
        for (Entry e : es) {
            b.add(e);
        }
        return b.build();
    }

    private final Entry d = dir("d");
    private final Entry f = file("d/f", 3);
    private final Entry g = file("d-g", 4);
    private final Entry h = file("h", 5);
    private final EntryTable t = table(d, g, f, h);    // path order: "d" < "d-g" < "d/f" < "h"

    @Test
    void rowsAndObjects_readBackAsTheItemsInOrder() {
        Offers o = new Offers(t);
        Planner.Delete del = new Planner.Delete(file("gone", 1));
        o.addRow(0);
        o.add(del);
        o.addRow(2);
        o.addRow(3);

        assertThat(o).containsExactly(new Planner.Meta(d), del, new Planner.Meta(f), new Planner.Meta(h));
        assertThat(o.rowAt(0)).isEqualTo(0);
        assertThat(o.rowAt(1)).isEqualTo(-1);
        assertThat(o.count(Planner.Meta.class)).isEqualTo(3);
        assertThat(o.count(Planner.Delete.class)).isEqualTo(1);
        assertThat(o.count(Planner.Move.class)).isZero();
        assertThatThrownBy(() -> o.get(4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void set_replacesARowOrAnObject_andKeepsTheIds() {
        Offers o = new Offers(t);
        o.addRow(2);
        o.add(new Planner.Delete(g));
        Entry changed = file("d/f", 9);

        assertThat(o.set(0, new Planner.Meta(changed))).isEqualTo(new Planner.Meta(f));
        assertThat(o.set(1, new Planner.Meta(h))).isEqualTo(new Planner.Delete(g));

        assertThat(o).containsExactly(new Planner.Meta(changed), new Planner.Meta(h));
        assertThat(o.rowAt(0)).isEqualTo(-1);
    }

    @Test
    void filtered_andOfferedBelow_seeRowsAndObjects() {
        Offers o = new Offers(t);
        for (int i = 0; i < t.size(); i++) {
            o.addRow(i);
        }
        o.add(new Planner.Delete(file("d/old", 1)));
        o.add(new Planner.Meta(file("d/new", 1)));

        assertThat(o.offeredAtOrBelow("d")).containsExactlyInAnyOrder("d", "d/f", "d/new");
        Offers noDeletes = o.filtered(i -> !(i instanceof Planner.Delete));
        assertThat(noDeletes).hasSize(5).allMatch(i -> i instanceof Planner.Meta);
        assertThat(noDeletes.rowAt(3)).as("rows stay rows").isEqualTo(3);
        assertThat(Offers.of(new ArrayList<>(o))).isEqualTo(o);
    }

    @Test
    void offeredBelow_seesWhatIsAddedOrReplacedAfterItsFirstCall() {
        Offers o = new Offers(t);
        o.addRow(3);
        o.addRow(0);
        assertThat(o.offeredAtOrBelow("d")).containsExactly("d");

        o.addRow(2);
        o.addRow(1);
        o.add(new Planner.Delete(file("d/old", 1)));
        o.add(new Planner.Meta(file("d/new", 1)));
        assertThat(o.offeredAtOrBelow("d")).containsExactlyInAnyOrder("d", "d/f", "d/new");

        o.set(2, new Planner.Meta(file("h/x", 1)));    // "d/f" is no longer offered
        assertThat(o.offeredAtOrBelow("d")).containsExactlyInAnyOrder("d", "d/new");
        assertThat(o.offeredAtOrBelow("h")).containsExactlyInAnyOrder("h", "h/x");
    }

    /** The planner's first plan of a random tree: every entry, parents first, each as its table row. */
    @Test
    void firstPlan_offersEveryScannedEntry_asRows() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random rnd = new Random(seed);
        TreeMap<String, Entry> tree = new TreeMap<>();
        for (int i = 0; i < 2000; i++) {
            String dirPath = "d" + rnd.nextInt(20) + (rnd.nextBoolean() ? "/e" + rnd.nextInt(5) : "");
            for (String p = dirPath; !p.isEmpty(); p = Entry.parentOf(p)) {
                tree.put(p, dir(p));
            }
            String path = dirPath + "/f" + i;
            tree.put(path, file(path, rnd.nextInt(1000)));
        }
        EntryTable scanned = EntryTable.copyOf(tree);

        Planner.Plan p = Planner.plan(new ScanResult(scanned, Map.of(), Set.of(), 0), new TreeMap<>(), Set.of(), List.of(),
                false, SyncOptions.defaults());

        List<Planner.Item> expected = tree.values().stream().map(e -> (Planner.Item) new Planner.Meta(e)).toList();
        assertThat(p.items()).as("seed %d", seed).isEqualTo(expected);
        Offers offers = (Offers) p.items();
        for (int i = 0; i < offers.size(); i++) {
            assertThat(offers.rowAt(i)).isEqualTo(i);
        }
        assertThat(p.count(Planner.Meta.class)).isEqualTo(tree.size());
        assertThat(p.files()).isEqualTo(2000);
        assertThat(p.bytes()).isEqualTo(tree.values().stream().mapToLong(Entry::size).sum());
    }
}
