package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import io.farsync.sync.scan.ScanResult;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PlannerTest {

    private static Entry file(String path, long size, long mtime) {
        return new Entry(path, EntryType.FILE, size, mtime, 0644, 1, null);
    }

    private static Entry dir(String path) {
        return new Entry(path, EntryType.DIRECTORY, 0, 1, 0755, 2, null);
    }

    private static TreeMap<String, Entry> map(Entry... es) {
        TreeMap<String, Entry> m = new TreeMap<>();
        for (Entry e : es) {
            m.put(e.path(), e);
        }
        return m;
    }

    private static ScanResult scan(Entry... es) {
        return new ScanResult(map(es), Map.of(), Set.of(), 0);
    }

    private static List<String> paths(List<Entry> es) {
        return es.stream().map(Entry::path).toList();
    }

    @Test
    void unchangedTrustedEntries_areNotCandidates() {
        TreeMap<String, Entry> recorded = map(dir("a"), file("a/f", 1, 1));
        Planner.Plan p = Planner.plan(scan(dir("a"), file("a/f", 1, 1)), recorded, Set.of(), List.of(), true, SyncOptions.defaults());
        assertThat(p.candidates()).isEmpty();
        assertThat(p.deletes()).isEmpty();
    }

    @Test
    void changedEntry_isACandidate_withItsParentDirectories() {
        TreeMap<String, Entry> recorded = map(dir("a"), dir("a/b"), file("a/b/f", 1, 1), file("g", 1, 1));
        Planner.Plan p = Planner.plan(scan(dir("a"), dir("a/b"), file("a/b/f", 2, 2), file("g", 1, 1)),
                recorded, Set.of(), List.of(), true, SyncOptions.defaults());
        assertThat(paths(p.candidates())).containsExactly("a", "a/b", "a/b/f");
        assertThat(p.files()).isEqualTo(1);
        assertThat(p.bytes()).isEqualTo(2);
    }

    @Test
    void destinationDeviation_makesAnUnchangedEntryACandidate() {
        TreeMap<String, Entry> recorded = map(file("f", 1, 1), file("g", 1, 1));
        Planner.Plan p = Planner.plan(scan(file("f", 1, 1), file("g", 1, 1)), recorded, Set.of("g"), List.of(), true, SyncOptions.defaults());
        assertThat(paths(p.candidates())).containsExactly("g");
    }

    @Test
    void untrustedSnapshot_makesEverythingACandidate_butStillDeletes() {
        TreeMap<String, Entry> recorded = map(file("f", 1, 1), file("gone", 1, 1));
        Planner.Plan p = Planner.plan(scan(file("f", 1, 1)), recorded, Set.of(), List.of(), false, SyncOptions.defaults());
        assertThat(paths(p.candidates())).containsExactly("f");
        assertThat(paths(p.deletes())).containsExactly("gone");
    }

    @Test
    void deletes_comeChildrenFirst_andOnlyWhenEnabled() {
        TreeMap<String, Entry> recorded = map(dir("d"), dir("d/e"), file("d/e/f", 1, 1), file("keep", 1, 1));
        ScanResult now = scan(file("keep", 1, 1));
        assertThat(paths(Planner.plan(now, recorded, Set.of(), List.of(), true, SyncOptions.defaults()).deletes())).containsExactly("d/e/f", "d/e", "d");
        assertThat(Planner.plan(now, recorded, Set.of(), List.of(), true, new SyncOptions(false, true)).deletes()).isEmpty();
    }

    @Test
    void nothingUnderAnUnreadableDirectory_isDeleted() {
        TreeMap<String, Entry> recorded = map(dir("locked"), file("locked/f", 1, 1), file("other", 1, 1));
        ScanResult now = new ScanResult(map(dir("locked")), Map.of("locked", "permission denied"), Set.of("locked"), 0);
        Planner.Plan p = Planner.plan(now, recorded, Set.of(), List.of(), true, SyncOptions.defaults());
        assertThat(paths(p.deletes())).containsExactly("other");
    }

    private static Entry withInode(Entry e, long inode) {
        return new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), 1, inode, e.linkTarget());
    }

    private static List<String> items(Planner.Plan p) {
        return p.items().stream().map(i -> i instanceof Planner.Move m ? "move " + m.from().path() + " -> " + m.entry().path()
                : (i instanceof Planner.Delete ? "delete " : "meta ") + i.entry().path()).toList();
    }

    @Test
    void renamedDirectory_isOneMove_itsChildrenNeedNothing() {
        TreeMap<String, Entry> recorded = map(withInode(dir("a"), 10), withInode(file("a/f", 1, 1), 11),
                withInode(file("a/g", 2, 2), 12));
        Planner.Plan p = Planner.plan(scan(withInode(dir("b"), 10), withInode(file("b/f", 1, 1), 11),
                withInode(file("b/g", 2, 2), 12)), recorded, Set.of(), List.of(), true, SyncOptions.defaults());
        assertThat(items(p)).containsExactly("move a -> b");
        assertThat(p.moves().get(0).fromTree()).extracting(Entry::path).containsExactly("a/g", "a/f", "a");
    }

    @Test
    void moveIntoANewDirectory_isPrecededByThatDirectory_andDeletesFollowMoves() {
        TreeMap<String, Entry> recorded = map(withInode(dir("old"), 10), withInode(file("old/f", 1, 1), 11));
        Planner.Plan p = Planner.plan(scan(withInode(dir("new"), 20), withInode(file("new/f", 1, 1), 11)),
                recorded, Set.of(), List.of(), true, SyncOptions.defaults());
        assertThat(items(p)).containsExactly("meta new", "move old/f -> new/f", "delete old");
    }

    @Test
    void changedSizeOrMtime_deviationAtTheDestination_orARecordedTarget_isNoMove() {
        TreeMap<String, Entry> recorded = map(withInode(file("a", 1, 1), 11), withInode(file("b", 1, 1), 12),
                withInode(file("c", 1, 1), 13), withInode(file("taken", 1, 1), 99));
        ScanResult now = scan(withInode(file("a2", 2, 1), 11), withInode(file("b2", 1, 1), 12),
                withInode(file("taken", 1, 1), 13));
        Planner.Plan p = Planner.plan(now, recorded, Set.of("b"), List.of(), true, SyncOptions.defaults());
        assertThat(p.moves()).isEmpty();
        assertThat(items(p)).containsExactly("delete c", "delete b", "delete a", "meta a2", "meta b2", "meta taken");
    }

    @Test
    void nothingIsMoved_whenDeletesDoNotPropagate() {
        TreeMap<String, Entry> recorded = map(withInode(file("a", 1, 1), 11));
        Planner.Plan p = Planner.plan(scan(withInode(file("b", 1, 1), 11)), recorded, Set.of(), List.of(), true, new SyncOptions(false, true));
        assertThat(items(p)).containsExactly("meta b");
    }

    /**
     * A snapshot loaded over the scan (rows marked as the scan's, the rest its own) plans exactly
     * as the same records in a plain map: the planner skips the marked rows without decoding them.
     */
    @Test
    void recordsOverTheScan_planAsThePlainMap() {
        Entry moved = new Entry("old/m", EntryType.FILE, 9, 1, 0644, 77, null);
        io.farsync.sync.scan.EntryTable rows = io.farsync.sync.scan.EntryTable.copyOf(map(dir("a"), file("a/f", 1, 1),
                file("a/g", 2, 2), file("b", 3, 3), file("c", 4, 4), moved.withPath("new/m"), dir("new")));
        TreeMap<String, Entry> plain = map(dir("a"), file("a/f", 1, 1), file("a/g", 1, 1), file("b", 3, 3), file("c", 4, 4),
                file("gone", 5, 5), moved, dir("old"));
        io.farsync.sync.scan.EntryOverlay over = new io.farsync.sync.scan.EntryOverlay(rows);
        for (int i = 0; i < rows.size(); i++) {
            if (rows.entryAt(i).equals(plain.get(rows.pathAt(i)))) {
                over.markSame(i);
            }
        }
        plain.values().stream().filter(e -> !rows.containsKey(e.path()) || !rows.get(e.path()).equals(e))
                .forEach(e -> over.put(e.path(), e));
        assertThat(over).isEqualTo(plain);
        ScanResult now = new ScanResult(rows, Map.of(), Set.of(), 0);

        for (boolean trusted : new boolean[] {true, false}) {
            Planner.Plan expected = Planner.plan(now, plain, Set.of("c"), List.of(), trusted, SyncOptions.defaults());
            Planner.Plan actual = Planner.plan(now, over, Set.of("c"), List.of(), trusted, SyncOptions.defaults());
            assertThat(actual.items()).as("trusted %s", trusted).isEqualTo(expected.items());
            assertThat(actual.late()).isEqualTo(expected.late());
        }
        Planner.Plan p = Planner.plan(now, over, Set.of("c"), List.of(), true, SyncOptions.defaults());
        assertThat(paths(p.candidates())).as("changed, deviating, and their parent").containsExactly("a", "a/g", "c");
        assertThat(paths(p.deletes())).containsExactly("gone");
        assertThat(p.moves()).as("the directory, inode 2 in both").extracting(m -> m.entry().path()).containsExactly("new");
    }
}
