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
        Planner.Plan p = Planner.plan(scan(dir("a"), file("a/f", 1, 1)), recorded, Set.of(), true, true);
        assertThat(p.candidates()).isEmpty();
        assertThat(p.deletes()).isEmpty();
    }

    @Test
    void changedEntry_isACandidate_withItsParentDirectories() {
        TreeMap<String, Entry> recorded = map(dir("a"), dir("a/b"), file("a/b/f", 1, 1), file("g", 1, 1));
        Planner.Plan p = Planner.plan(scan(dir("a"), dir("a/b"), file("a/b/f", 2, 2), file("g", 1, 1)),
                recorded, Set.of(), true, true);
        assertThat(paths(p.candidates())).containsExactly("a", "a/b", "a/b/f");
        assertThat(p.files()).isEqualTo(1);
        assertThat(p.bytes()).isEqualTo(2);
    }

    @Test
    void destinationDeviation_makesAnUnchangedEntryACandidate() {
        TreeMap<String, Entry> recorded = map(file("f", 1, 1), file("g", 1, 1));
        Planner.Plan p = Planner.plan(scan(file("f", 1, 1), file("g", 1, 1)), recorded, Set.of("g"), true, true);
        assertThat(paths(p.candidates())).containsExactly("g");
    }

    @Test
    void untrustedSnapshot_makesEverythingACandidate_butStillDeletes() {
        TreeMap<String, Entry> recorded = map(file("f", 1, 1), file("gone", 1, 1));
        Planner.Plan p = Planner.plan(scan(file("f", 1, 1)), recorded, Set.of(), false, true);
        assertThat(paths(p.candidates())).containsExactly("f");
        assertThat(paths(p.deletes())).containsExactly("gone");
    }

    @Test
    void deletes_comeChildrenFirst_andOnlyWhenEnabled() {
        TreeMap<String, Entry> recorded = map(dir("d"), dir("d/e"), file("d/e/f", 1, 1), file("keep", 1, 1));
        ScanResult now = scan(file("keep", 1, 1));
        assertThat(paths(Planner.plan(now, recorded, Set.of(), true, true).deletes())).containsExactly("d/e/f", "d/e", "d");
        assertThat(Planner.plan(now, recorded, Set.of(), true, false).deletes()).isEmpty();
    }

    @Test
    void nothingUnderAnUnreadableDirectory_isDeleted() {
        TreeMap<String, Entry> recorded = map(dir("locked"), file("locked/f", 1, 1), file("other", 1, 1));
        ScanResult now = new ScanResult(map(dir("locked")), Map.of("locked", "permission denied"), Set.of("locked"), 0);
        Planner.Plan p = Planner.plan(now, recorded, Set.of(), true, true);
        assertThat(paths(p.deletes())).containsExactly("other");
    }
}
