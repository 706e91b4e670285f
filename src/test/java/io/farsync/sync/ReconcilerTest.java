package io.farsync.sync;

import static io.farsync.sync.Reconciler.Action.CONFLICT;
import static io.farsync.sync.Reconciler.Action.DELETE_AT_PEER;
import static io.farsync.sync.Reconciler.Action.DELETE_HERE;
import static io.farsync.sync.Reconciler.Action.NOTHING;
import static io.farsync.sync.Reconciler.Action.RECEIVE;
import static io.farsync.sync.Reconciler.Action.SEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.Reconciler.Action;
import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The three-way decision table, one path "f" synced before (or never), each side leaving it
 * unchanged, modifying, adding, deleting or moving it (to "f.a" at A, "f.b" at B). Seen from A.
 */
class ReconcilerTest {
    private static final BidiOptions KEEP_BOTH_SRC = new BidiOptions(ConflictPolicy.KEEP_BOTH, true, "a");
    private static final long T = 1_700_000_000_000_000_000L;

    enum State { UNCHANGED, MODIFIED, ADDED, DELETED, MOVED, ABSENT }

    static Stream<Arguments> table() {
        return Stream.of(
                // synced before
                row(State.UNCHANGED, State.UNCHANGED, Map.of()),
                row(State.UNCHANGED, State.MODIFIED, Map.of("f", RECEIVE)),
                row(State.UNCHANGED, State.DELETED, Map.of("f", DELETE_HERE)),
                row(State.UNCHANGED, State.MOVED, Map.of("f", DELETE_HERE, "f.b", RECEIVE)),
                row(State.MODIFIED, State.UNCHANGED, Map.of("f", SEND)),
                row(State.MODIFIED, State.MODIFIED, Map.of("f", CONFLICT)),
                row(State.MODIFIED, State.DELETED, Map.of("f", SEND)),
                row(State.MODIFIED, State.MOVED, Map.of("f", SEND, "f.b", RECEIVE)),
                row(State.DELETED, State.UNCHANGED, Map.of("f", DELETE_AT_PEER)),
                row(State.DELETED, State.MODIFIED, Map.of("f", RECEIVE)),
                row(State.DELETED, State.DELETED, Map.of()),
                row(State.DELETED, State.MOVED, Map.of("f.b", RECEIVE)),
                row(State.MOVED, State.UNCHANGED, Map.of("f", DELETE_AT_PEER, "f.a", SEND)),
                row(State.MOVED, State.MODIFIED, Map.of("f", RECEIVE, "f.a", SEND)),
                row(State.MOVED, State.DELETED, Map.of("f.a", SEND)),
                row(State.MOVED, State.MOVED, Map.of("f.a", SEND, "f.b", RECEIVE)),
                // never synced
                row(State.ABSENT, State.ABSENT, Map.of()),
                row(State.ABSENT, State.ADDED, Map.of("f", RECEIVE)),
                row(State.ADDED, State.ABSENT, Map.of("f", SEND)),
                row(State.ADDED, State.ADDED, Map.of("f", CONFLICT)));
    }

    private static Arguments row(State a, State b, Map<String, Action> expected) {
        return Arguments.of(a, b, expected);
    }

    @ParameterizedTest(name = "A {0} x B {1} -> {2}")
    @MethodSource("table")
    void decisionTable(State a, State b, Map<String, Action> expected) {
        boolean synced = a != State.ABSENT && a != State.ADDED;
        TreeMap<String, Entry> base = new TreeMap<>();
        if (synced) {
            base.put("f", file("f", 10, T, 1));
        }
        TreeMap<String, Entry> here = side(a, "f.a", 100, T + 1, 1);
        TreeMap<String, Entry> peerNow = side(b, "f.b", 200, T + 2, 2);
        Set<String> deviations = new HashSet<>();
        Map<String, Entry> peerCurrent = new HashMap<>();
        for (Entry r : base.values()) {
            Entry now = peerNow.get(r.path());
            if (now == null || !r.unchangedAs(now)) {
                deviations.add(r.path());
            }
        }
        for (Entry e : peerNow.values()) {
            Entry r = base.get(e.path());
            if (r == null || !r.unchangedAs(e)) {
                peerCurrent.put(e.path(), e.withPath(e.path()));
            }
        }
        Map<String, Reconciler.Decision> d = Reconciler.reconcile(base, here, deviations, peerCurrent, Filter.NONE, KEEP_BOTH_SRC);
        Map<String, Action> actions = new TreeMap<>();
        d.forEach((p, x) -> actions.put(p, x.action()));
        assertThat(actions).isEqualTo(new TreeMap<>(expected));
        // The reverse pass sees the mirror image: what A sends, B receives, and vice versa.
        Map<String, Reconciler.Decision> rev = Reconciler.reconcile(base, peerNow, deviationsOf(base, here), changedOf(base, here),
                Filter.NONE, KEEP_BOTH_SRC.peer("b"));
        Map<String, Action> mirrored = new TreeMap<>();
        rev.forEach((p, x) -> mirrored.put(p, mirror(x.action())));
        assertThat(mirrored).isEqualTo(new TreeMap<>(expected));
    }

    private static TreeMap<String, Entry> side(State s, String movedName, long size, long mtime, long inode) {
        TreeMap<String, Entry> m = new TreeMap<>();
        switch (s) {
            case UNCHANGED -> m.put("f", file("f", 10, T, 1));
            case MODIFIED, ADDED -> m.put("f", file("f", size, mtime, inode));
            case MOVED -> m.put(movedName, file(movedName, 10, T, 1));
            case DELETED, ABSENT -> {
            }
        }
        return m;
    }

    private static Set<String> deviationsOf(Map<String, Entry> base, Map<String, Entry> now) {
        Set<String> out = new HashSet<>();
        base.values().forEach(r -> {
            if (now.get(r.path()) == null || !r.unchangedAs(now.get(r.path()))) {
                out.add(r.path());
            }
        });
        return out;
    }

    private static Map<String, Entry> changedOf(Map<String, Entry> base, Map<String, Entry> now) {
        Map<String, Entry> out = new HashMap<>();
        now.values().forEach(e -> {
            if (base.get(e.path()) == null || !base.get(e.path()).unchangedAs(e)) {
                out.put(e.path(), e);
            }
        });
        return out;
    }

    private static Action mirror(Action a) {
        return switch (a) {
            case SEND -> RECEIVE;
            case RECEIVE -> SEND;
            case DELETE_AT_PEER -> DELETE_HERE;
            case DELETE_HERE -> DELETE_AT_PEER;
            case NOTHING, CONFLICT -> a;
        };
    }

    @Test
    void conflictWinner_byPolicy_mtime_tie_andType() {
        Entry older = file("f", 1, T, 1);
        Entry newer = file("f", 2, T + 5, 2);
        Entry sameTime = file("f", 3, T, 3);
        Entry dir = new Entry("f", EntryType.DIRECTORY, 0, T - 100, 0755, 4, null);
        record Case(ConflictPolicy p, boolean hereIsSrc, Entry here, Entry peer, boolean hereWins, boolean keepBoth) {
        }
        for (Case c : List.of(
                new Case(ConflictPolicy.KEEP_BOTH, true, older, newer, false, true),
                new Case(ConflictPolicy.KEEP_BOTH, false, newer, older, true, true),
                new Case(ConflictPolicy.KEEP_BOTH, true, older, sameTime, true, true),
                new Case(ConflictPolicy.KEEP_BOTH, false, older, sameTime, false, true),
                new Case(ConflictPolicy.NEWEST, true, older, newer, false, false),
                new Case(ConflictPolicy.SOURCE, true, older, newer, true, false),
                new Case(ConflictPolicy.SOURCE, false, newer, older, false, false),
                new Case(ConflictPolicy.DEST, false, older, newer, true, false),
                new Case(ConflictPolicy.SOURCE, false, dir, newer, true, true),
                new Case(ConflictPolicy.NEWEST, true, newer, dir, false, true))) {
            Reconciler.Decision d = Reconciler.decide("p", Reconciler.Change.MODIFIED, c.here(), Reconciler.Change.MODIFIED, c.peer(),
                    new BidiOptions(c.p(), c.hereIsSrc(), "h"));
            assertThat(d.action()).as("%s", c).isEqualTo(CONFLICT);
            assertThat(d.hereWins()).as("%s", c).isEqualTo(c.hereWins());
            assertThat(d.keepBoth()).as("%s", c).isEqualTo(c.keepBoth());
        }
    }

    @Test
    void bothChangedToTheSameThing_isNoConflict() {
        Entry mine = file("f", 7, T + 9, 1);
        Entry theirs = file("f", 7, T + 9, 2);
        assertThat(Reconciler.decide("p", Reconciler.Change.MODIFIED, mine, Reconciler.Change.ADDED, theirs, KEEP_BOTH_SRC).action())
                .isEqualTo(NOTHING);
        Entry d1 = new Entry("d", EntryType.DIRECTORY, 0, T, 0755, 1, null);
        Entry d2 = new Entry("d", EntryType.DIRECTORY, 0, T + 1, 0700, 2, null);
        assertThat(Reconciler.decide("p", Reconciler.Change.MODIFIED, d1, Reconciler.Change.MODIFIED, d2, KEEP_BOTH_SRC).action())
                .isEqualTo(NOTHING);
    }

    @Test
    void filteredPaths_areLeftAlone() {
        TreeMap<String, Entry> base = new TreeMap<>(Map.of("x.tmp", file("x.tmp", 1, T, 1)));
        Map<String, Reconciler.Decision> d = Reconciler.reconcile(base, new TreeMap<>(), Set.of(), Map.of(),
                Filter.of(List.of("- *.tmp")), KEEP_BOTH_SRC);
        assertThat(d).isEmpty();
    }

    @Test
    void conflictCopyNames() {
        long t = 1_709_294_420_000_000_000L; // 2024-03-01T12:00:20Z
        assertThat(ConflictNames.copyOf("docs/report.txt", "hosta", t, 0)).isEqualTo("docs/report.conflict-hosta-20240301T120020Z.txt");
        assertThat(ConflictNames.copyOf("Makefile", "hosta", t, 0)).isEqualTo("Makefile.conflict-hosta-20240301T120020Z");
        assertThat(ConflictNames.copyOf(".bashrc", "hosta", t, 2)).isEqualTo(".bashrc.conflict-hosta-20240301T120020Z-2");
        assertThat(ConflictNames.copyOf("a.tar.gz", "h", t, 0)).isEqualTo("a.conflict-h-20240301T120020Z.tar.gz");
        assertThat(ConflictNames.copyOf("d/b.TAR.zst", "h", t, 1)).isEqualTo("d/b.conflict-h-20240301T120020Z-1.TAR.zst");
        assertThat(ConflictNames.copyOf(".tar.gz", "h", t, 0)).isEqualTo(".tar.conflict-h-20240301T120020Z.gz");
        assertThat(ConflictNames.copyOf("x.tar", "h", t, 0)).isEqualTo("x.conflict-h-20240301T120020Z.tar");
        assertThat(ConflictNames.isCopy("a.conflict-h-20240301T120020Z.tar.gz")).isTrue();
        assertThat(ConflictNames.isCopy("a.tar.conflict-h-20240301T120020Z.gz")).isTrue();
        assertThat(new BidiOptions(ConflictPolicy.KEEP_BOTH, true, "my host/1").host()).isEqualTo("my_host_1");
    }

    private static Entry file(String path, long size, long mtime, long inode) {
        return new Entry(path, EntryType.FILE, size, mtime, 0644, inode, null);
    }
}
