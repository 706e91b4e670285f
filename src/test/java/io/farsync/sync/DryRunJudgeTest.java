package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The outcomes a dry run's destination predicts, each against what the offers before it did. */
class DryRunJudgeTest {
    private static final long T = 1_700_000_000_000_000_000L;

    private final TreeMap<String, Entry> scanned = new TreeMap<>(Map.of(
            "d", dir("d", 0755),
            "d/a", file("d/a", 10, T, 0644, 11),
            "d/b", file("d/b", 20, T, 0644, 12),
            "e", dir("e", 0755),
            "e/own", file("e/own", 5, T, 0644, 13),
            "edited", file("edited", 99, T + 5, 0644, 14)));
    private final TreeMap<String, Entry> recorded = new TreeMap<>(Map.of(
            "d/a", file("d/a", 10, T, 0644, 11),
            "d/b", file("d/b", 20, T, 0644, 12),
            "edited", file("edited", 30, T, 0644, 14)));
    private final DryRunJudge judge = new DryRunJudge(scanned, recorded);

    @Test
    void files_quickCheckedLikeTheApplier() {
        assertThat(judge.meta(wire("d/a", EntryType.FILE, 10, T, 0644))).isEqualTo(Outcome.UNCHANGED);
        assertThat(judge.meta(wire("d/b", EntryType.FILE, 20, T, 0600))).isEqualTo(Outcome.METADATA);
        assertThat(judge.meta(wire("d/new", EntryType.FILE, 1, T, 0644))).isEqualTo(Outcome.TRANSFERRED);
        assertThat(judge.meta(wire("edited", EntryType.FILE, 30, T, 0644))).isEqualTo(Outcome.TRANSFERRED);
        assertThat(judge.meta(wire("x", EntryType.DIRECTORY, 0, T, 0755))).isEqualTo(Outcome.DIRECTORY);
    }

    @Test
    void hardLinks_alreadyLinkedAreLeftAlone_andAHardLinkedCopyWhoseModeDiffersIsReplaced() {
        scanned.put("h1", new Entry("h1", EntryType.FILE, 7, T, 0644, 1, 40, null, -1, -1, 2, 0));
        scanned.put("h2", new Entry("h2", EntryType.FILE, 7, T, 0644, 1, 40, null, -1, -1, 2, 0));
        scanned.put("h3", new Entry("h3", EntryType.FILE, 7, T, 0644, 1, 41, null, -1, -1, 1, 0));
        assertThat(judge.link(wire("h2", EntryType.FILE, 7, T, 0644), wire("h1", EntryType.FILE, 7, T, 0644))).isEqualTo(Outcome.UNCHANGED);
        assertThat(judge.link(wire("h3", EntryType.FILE, 7, T, 0644), wire("h1", EntryType.FILE, 7, T, 0644))).isEqualTo(Outcome.LINKED);
        assertThat(judge.link(wire("h4", EntryType.FILE, 7, T, 0644), wire("new", EntryType.FILE, 7, T, 0644))).isEqualTo(Outcome.LINKED);
        assertThat(judge.meta(wire("h1", EntryType.FILE, 7, T, 0600))).isEqualTo(Outcome.TRANSFERRED);
        assertThat(judge.meta(wire("h3", EntryType.FILE, 7, T, 0600))).isEqualTo(Outcome.METADATA);
    }

    @Test
    void deletes_keepWhatChangedSinceTheSync_andLeaveDirectoriesWithEntriesNothingDeletes() {
        assertThat(judge.delete(wire("edited", EntryType.FILE, 30, T, 0644))).isEqualTo(Outcome.KEPT);
        assertThat(judge.delete(wire("missing", EntryType.FILE, 1, T, 0644))).isEqualTo(Outcome.GONE);
        assertThat(judge.delete(wire("e", EntryType.DIRECTORY, 0, T, 0755))).isEqualTo(Outcome.LEFT);
        assertThat(judge.delete(wire("d/a", EntryType.FILE, 10, T, 0644))).isEqualTo(Outcome.DELETED);
        assertThat(judge.delete(wire("d", EntryType.DIRECTORY, 0, T, 0755))).isEqualTo(Outcome.LEFT);
        assertThat(judge.delete(wire("d/b", EntryType.FILE, 20, T, 0644))).isEqualTo(Outcome.DELETED);
        assertThat(judge.delete(wire("d", EntryType.DIRECTORY, 0, T, 0755))).isEqualTo(Outcome.DELETED);
        assertThat(judge.delete(wire("d/a", EntryType.FILE, 10, T, 0644))).isEqualTo(Outcome.GONE);
    }

    @Test
    void moves_onlyOfWhatIsAsSynced_notOntoADirectory_elseTheTargetIsSent() {
        assertThat(judge.move(wire("edited", EntryType.FILE, 30, T, 0644), wire("moved", EntryType.FILE, 30, T, 0644)))
                .isEqualTo(Outcome.TRANSFERRED);
        // a file replaces a file the destination has there
        assertThat(judge.move(wire("d/a", EntryType.FILE, 10, T, 0644), wire("e/own", EntryType.FILE, 10, T, 0644)))
                .isEqualTo(Outcome.MOVED);
        assertThat(judge.move(wire("d/b", EntryType.FILE, 20, T, 0644), wire("e/b", EntryType.FILE, 20, T, 0644)))
                .isEqualTo(Outcome.MOVED);
        assertThat(judge.meta(wire("e/b", EntryType.FILE, 20, T, 0644))).isEqualTo(Outcome.UNCHANGED);
        assertThat(judge.delete(wire("d/b", EntryType.FILE, 20, T, 0644))).isEqualTo(Outcome.GONE);
        // nothing replaces a directory
        assertThat(judge.move(wire("e/b", EntryType.FILE, 20, T, 0644), wire("d", EntryType.FILE, 20, T, 0644)))
                .isEqualTo(Outcome.TRANSFERRED);
    }

    @Test
    void aDirectoryMadeAgainSinceTheSync_isNotMoved() {
        recorded.put("e", dir("e", 0755));
        recorded.put("d", dir("d", 0755));
        // e holds only entries never synced: not the directory that was synced there
        assertThat(judge.move(wire("e", EntryType.DIRECTORY, 0, T, 0755), wire("e2", EntryType.DIRECTORY, 0, T, 0755)))
                .isEqualTo(Outcome.DIRECTORY);
        assertThat(judge.move(wire("d", EntryType.DIRECTORY, 0, T, 0755), wire("d2", EntryType.DIRECTORY, 0, T, 0755)))
                .isEqualTo(Outcome.MOVED);
    }

    @Test
    void directories_whoseListingChanges_getTheirMtimeFixed() {
        Outcome d = judge.meta(wire("d", EntryType.DIRECTORY, 0, T, 0755));
        Outcome e = judge.meta(wire("e", EntryType.DIRECTORY, 0, T, 0755));
        judge.meta(wire("d/new", EntryType.FILE, 1, T, 0644));
        judge.meta(wire("e/own", EntryType.FILE, 5, T, 0600));  // a mode fix leaves the listing alone
        assertThat(d).isEqualTo(Outcome.UNCHANGED);
        assertThat(judge.finishDirectory("d", d)).isEqualTo(Outcome.METADATA);
        assertThat(judge.finishDirectory("e", e)).isEqualTo(Outcome.UNCHANGED);
    }

    @Test
    void aMovedDirectory_takesItsEntriesAndRecordsAlong() {
        recorded.put("d", dir("d", 0755));
        assertThat(judge.move(wire("d", EntryType.DIRECTORY, 0, T, 0755), wire("n", EntryType.DIRECTORY, 0, T, 0755)))
                .isEqualTo(Outcome.MOVED);
        // below the new name, as synced: a chmod is an attribute fix, a delete finds it
        assertThat(judge.meta(wire("n/a", EntryType.FILE, 10, T, 0600))).isEqualTo(Outcome.METADATA);
        assertThat(judge.delete(wire("n/b", EntryType.FILE, 20, T, 0644))).isEqualTo(Outcome.DELETED);
        assertThat(judge.move(wire("n/a", EntryType.FILE, 10, T, 0644), wire("n/a2", EntryType.FILE, 10, T, 0644)))
                .isEqualTo(Outcome.MOVED);
        // the moved file keeps its mode until the attribute fix that follows its move
        assertThat(judge.meta(wire("n/a2", EntryType.FILE, 10, T, 0600))).isEqualTo(Outcome.METADATA);
        // nothing is left at the old name
        assertThat(judge.delete(wire("d/a", EntryType.FILE, 10, T, 0644))).isEqualTo(Outcome.GONE);
        assertThat(judge.finishDirectory("n", Outcome.UNCHANGED)).isEqualTo(Outcome.METADATA);
        // n still holds n/a2: not deleted until that goes too
        assertThat(judge.delete(wire("n", EntryType.DIRECTORY, 0, T, 0755))).isEqualTo(Outcome.LEFT);
        assertThat(judge.delete(wire("n/a2", EntryType.FILE, 10, T, 0644))).isEqualTo(Outcome.DELETED);
        assertThat(judge.delete(wire("n", EntryType.DIRECTORY, 0, T, 0755))).isEqualTo(Outcome.DELETED);
    }

    private static Entry file(String path, long size, long mtime, int mode, long inode) {
        return new Entry(path, EntryType.FILE, size, mtime, mode, inode, null);
    }

    private static Entry dir(String path, int mode) {
        return new Entry(path, EntryType.DIRECTORY, 0, T, mode, 0, null);
    }

    private static WireEntry wire(String path, EntryType type, long size, long mtime, int mode) {
        return new WireEntry(path, type, size, mtime, mode, null);
    }
}
