package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --delete-delay, --mirror, --max-delete and the emptied-source guard. */
class DeletePoliciesTest extends SyncFixture {

    private void files(String dir, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Trees.write(src.resolve(dir + "/f" + i), "file " + i, T1);
        }
    }

    private static FarsyncException refusal(SyncRun.Result r) {
        assertThat(r.sourceError()).isInstanceOf(FarsyncException.class);
        assertThat(r.destinationError()).isInstanceOf(FarsyncException.class);
        FarsyncException e = (FarsyncException) r.sourceError();
        assertThat(e.exitCode()).isEqualTo(ExitCode.DELETE_LIMIT);
        assertThat(((FarsyncException) r.destinationError()).exitCode()).isEqualTo(ExitCode.DELETE_LIMIT);
        return e;
    }

    @Test
    void deleteDelay_sendsDeletesOnlyAfterEveryTransferIsInPlace() throws Exception {
        files("old", 20);
        sync.runOk();
        for (int i = 0; i < 20; i++) {
            Files.delete(src.resolve("old/f" + i));
        }
        // Same sizes and mtimes, other bytes: reused inodes must not pass for moves.
        for (int i = 0; i < 20; i++) {
            Trees.write(src.resolve("new/f" + i), "elif " + i, T1);
        }
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        sync.destinationListener = new SyncListener() {
            @Override
            public void entryDone(String path, EntryAction action, long size) {
                events.add(action + " " + path);
            }
        };
        sync.options = SyncOptions.defaults().withDeleteDelay(true).withMaxDelete(DeleteLimit.UNLIMITED);

        SyncResult r = sync.runOk();

        Trees.assertSameTree(src, dst);
        assertThat(r.filesDeleted()).as("%s, events %s", r, events).isEqualTo(20);
        assertThat(r.filesMoved()).isZero();
        int lastTransfer = -1;
        int firstDelete = Integer.MAX_VALUE;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).startsWith("TRANSFERRED")) {
                lastTransfer = i;
            } else if (events.get(i).startsWith("DELETED")) {
                firstDelete = Math.min(firstDelete, i);
            }
        }
        assertThat(lastTransfer).as("events %s", events).isGreaterThanOrEqualTo(0).isLessThan(firstDelete);
    }

    @Test
    void deleteDelay_stillClearsTheWayForADirectoryThatBecameAFile() throws Exception {
        Trees.write(src.resolve("thing/inside.txt"), "inside", T1);
        sync.runOk();
        Files.delete(src.resolve("thing/inside.txt"));
        Files.delete(src.resolve("thing"));
        Trees.write(src.resolve("thing"), "now a file", T2);
        sync.options = SyncOptions.defaults().withDeleteDelay(true).withMaxDelete(DeleteLimit.UNLIMITED);

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        Trees.assertSameTree(src, dst);
    }

    @Test
    void mirror_removesDestinationOnlyEntries_andNeverFollowsLinksOutOfTheRoot() throws Exception {
        Trees.write(src.resolve("keep/a.txt"), "a", T1);
        Trees.write(src.resolve("top.txt"), "top", T1);
        sync.runOk();
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Trees.write(outside.resolve("precious.txt"), "do not touch", T1);
        Trees.write(dst.resolve("keep/mine.txt"), "destination only", T2);
        Trees.write(dst.resolve("own/deep/er.txt"), "destination only", T2);
        Files.createSymbolicLink(dst.resolve("link-out"), outside);
        Files.createSymbolicLink(dst.resolve("keep/file-link"), outside.resolve("precious.txt"));
        sync.options = SyncOptions.defaults().withMirror(true);

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        assertThat(r.filesDeleted()).isEqualTo(6);
        assertThat(outside.resolve("precious.txt")).hasContent("do not touch");
        Trees.write(src.resolve("keep/a.txt"), "a", T1);
        assertThat(Trees.describe(dst).keySet()).isEqualTo(Trees.describe(src).keySet());
        assertThat(sync.runOk().upToDate()).isTrue();
    }

    @Test
    void mirror_afterTheDestinationSnapshotWasLost_stillRemovesWhatTheSourceLacks() throws Exception {
        Trees.write(src.resolve("a.txt"), "a", T1);
        Trees.write(src.resolve("b.txt"), "b", T1);
        sync.runOk();
        Files.delete(tmp.resolve("db/source.db"));
        Files.delete(src.resolve("b.txt"));
        sync.options = SyncOptions.defaults().withMirror(true);

        SyncResult r = sync.runOk();

        assertThat(r.filesDeleted()).isEqualTo(1);
        assertThat(r.filesTransferred()).isZero();
        assertThat(dst.resolve("b.txt")).doesNotExist();
        Trees.assertSameTree(src, dst);
    }

    /** A first --mirror into a full directory (a wrong DST) counts against the limit too: nothing was synced before. */
    @Test
    void mirror_onAFirstSyncIntoAFullDestination_isRefusedByThePercentageLimits() throws Exception {
        files("mine", 300);  // a larger source does not dilute the count: only the destination's entries do
        for (int i = 0; i < 200; i++) {
            Trees.write(dst.resolve("theirs/o" + i), "not ours " + i, T1);
        }
        sync.options = SyncOptions.defaults().withMirror(true);
        assertThat(refusal(sync.run()).getMessage())
                .contains("refusing to delete 201 of 201 entries at the destination, by --mirror's count (100%)")
                .contains("the default limit of 50%");
        sync.options = SyncOptions.defaults().withMirror(true).withMaxDelete(DeleteLimit.parse("10%"));
        assertThat(refusal(sync.run()).getMessage()).contains("--max-delete 10%");
        assertThat(dst.resolve("theirs/o7")).hasContent("not ours 7");

        sync.options = SyncOptions.defaults().withMirror(true).withMaxDelete(DeleteLimit.UNLIMITED);
        assertThat(sync.runOk().filesDeleted()).isEqualTo(201);
        Trees.assertSameTree(src, dst);
    }

    @Test
    void mirror_fromAnEmptySourceOnAFirstSync_isRefused_andSaysWhatItWouldDelete() throws Exception {
        for (int i = 0; i < 5; i++) {
            Trees.write(dst.resolve("o" + i), "not ours", T1);
        }
        sync.options = SyncOptions.defaults().withMirror(true);
        assertThat(refusal(sync.run()).getMessage()).contains("is empty (not mounted?); refusing to delete the destination's 5 entries")
                .doesNotContain("held 0 entries");
        assertThat(dst.resolve("o3")).hasContent("not ours");
    }

    @Test
    void withoutMirror_destinationOnlyEntriesStay() throws Exception {
        Trees.write(src.resolve("a.txt"), "a", T1);
        sync.runOk();
        Trees.write(dst.resolve("mine.txt"), "mine", T2);

        sync.runOk();

        assertThat(dst.resolve("mine.txt")).hasContent("mine");
    }

    /**
     * A directory the source deleted that the destination kept for entries the source never had
     * stays recorded on both sides: once those entries are gone, the next sync deletes it too
     * (forgetting it would leave it behind, empty and recorded nowhere).
     */
    @Test
    void directoryKeptForDestinationOnlyEntries_isDeletedOnceTheyAreGone() throws Exception {
        files("d/sub", 3);
        Trees.write(src.resolve("kept.txt"), "kept", T1);
        sync.runOk();
        Trees.write(dst.resolve("d/sub/mine.txt"), "mine", T2);
        try (var walk = Files.walk(src.resolve("d"))) {
            for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }

        sync.runOk();
        assertThat(dst.resolve("d/sub/mine.txt")).as("never synced: not deleted").hasContent("mine");
        assertThat(dst.resolve("d/sub/f0")).doesNotExist();

        Files.delete(dst.resolve("d/sub/mine.txt"));
        sync.runOk();
        Trees.assertSameTree(src, dst);
    }

    @Test
    void maxDeleteCount_refusesBeforeChangingAnything() throws Exception {
        files("d", 10);
        sync.runOk();
        for (int i = 0; i < 4; i++) {
            Files.delete(src.resolve("d/f" + i));
        }
        Trees.write(src.resolve("new.txt"), "new", T2);
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.parse("3"));

        FarsyncException e = refusal(sync.run());

        assertThat(e.getMessage()).contains("refusing to delete 4 entries").contains("--max-delete 3");
        assertThat(dst.resolve("d/f0")).exists();
        assertThat(dst.resolve("new.txt")).doesNotExist();
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.parse("4"));
        assertThat(sync.runOk().filesDeleted()).isEqualTo(4);
    }

    @Test
    void maxDeletePercent_countsAgainstTheSyncedEntries() throws Exception {
        files("d", 19);
        sync.runOk();
        for (int i = 0; i < 5; i++) {
            Files.delete(src.resolve("d/f" + i));
        }
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.parse("20%"));

        assertThat(refusal(sync.run()).getMessage()).contains("5 of 20 synced entries (25%)").contains("--max-delete 20%");

        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.parse("25%"));
        assertThat(sync.runOk().filesDeleted()).isEqualTo(5);
    }

    @Test
    void defaultLimit_refusesDeletingMostOfALargeTree_butNotOfASmallOne() throws Exception {
        files("big", 200);
        files("small", 5);
        sync.runOk();
        for (int i = 0; i < 150; i++) {
            Files.delete(src.resolve("big/f" + i));
        }

        assertThat(refusal(sync.run()).getMessage()).contains("150 of 207").contains("the default limit of 50%");
        assertThat(dst.resolve("big/f0")).exists();

        for (int i = 150; i < 200; i++) {
            Files.delete(src.resolve("big/f" + i));
        }
        Files.delete(src.resolve("big"));
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.UNLIMITED);
        sync.runOk();
        sync.options = SyncOptions.defaults();
        for (int i = 0; i < 4; i++) {
            Files.delete(src.resolve("small/f" + i));
        }
        assertThat(sync.runOk().filesDeleted()).as("4 of 6: a small tree is exempt").isEqualTo(4);
    }

    @Test
    void emptiedSource_isRefusedWithAClearError_unlessMaxDeleteIs100Percent() throws Exception {
        files("d", 3);
        sync.runOk();
        for (int i = 0; i < 3; i++) {
            Files.delete(src.resolve("d/f" + i));
        }
        Files.delete(src.resolve("d"));

        FarsyncException e = refusal(sync.run());

        assertThat(e.getMessage()).contains("is empty but held 4 entries").contains("not mounted?").contains("--max-delete 100%");
        assertThat(dst.resolve("d/f0")).exists();
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.parse("100%"));
        assertThat(sync.runOk().filesDeleted()).isEqualTo(4);
        assertThat(dst).isEmptyDirectory();
    }

    @Test
    void emptiedSource_withDeletesNotPropagated_isFine() throws Exception {
        files("d", 3);
        sync.runOk();
        for (int i = 0; i < 3; i++) {
            Files.delete(src.resolve("d/f" + i));
        }
        Files.delete(src.resolve("d"));
        sync.options = new SyncOptions(false, true);

        assertThat(sync.runOk().upToDate()).isTrue();
        assertThat(dst.resolve("d/f0")).exists();
    }

    @Test
    void deleteLimit_parsesCountsAndPercentages_andRejectsNonsense() {
        assertThat(DeleteLimit.parse("500")).isEqualTo(new DeleteLimit(500, 1.0, 0));
        assertThat(DeleteLimit.parse("20%")).isEqualTo(new DeleteLimit(Long.MAX_VALUE, 0.2, 0));
        assertThat(DeleteLimit.parse("100%").unlimited()).isTrue();
        for (DeleteLimit l : List.of(DeleteLimit.DEFAULT, DeleteLimit.parse("7"), DeleteLimit.parse("12.5%"), DeleteLimit.UNLIMITED)) {
            assertThat(DeleteLimit.fromString(l.format())).isEqualTo(l);
        }
        assertThatThrownBy(() -> DeleteLimit.parse("lots")).hasMessageContaining("expected a count");
        assertThatThrownBy(() -> DeleteLimit.parse("150%")).hasMessageContaining("0..100");
        assertThatThrownBy(() -> DeleteLimit.parse("-1")).hasMessageContaining("negative");
        assertThatThrownBy(() -> new SyncOptions(false, true).withMirror(true)).hasMessageContaining("--mirror contradicts --ignore-delete");
    }
}
