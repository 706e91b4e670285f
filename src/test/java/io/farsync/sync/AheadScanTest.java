package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The source's scan begun before the session is up ({@link AheadScan}): the run plans from it
 * instead of scanning, a file changed after it still arrives as it is now, and a scan nobody
 * uses is stopped and waited for.
 */
class AheadScanTest extends SyncFixture {

    @Test
    void runPlansFromTheScanMadeAhead_andTheNextRunSeesWhatCameAfter() throws Exception {
        long seed = System.nanoTime();
        System.out.println("AheadScanTest seed " + seed);
        Random rnd = new Random(seed);
        for (int i = 0; i < 60; i++) {
            Trees.write(src.resolve("d" + i % 3 + "/f" + i + ".bin"), Trees.random(rnd, rnd.nextInt(200_000)), T1);
        }
        AtomicReference<AheadScan> used = new AtomicReference<>();
        sync.scanAhead = ahead -> {
            used.set(ahead);
            await().atMost(Duration.ofSeconds(60)).until(ahead::isDone);
            // after the scan, before the run: not in this run's plan
            rewrite(src.resolve("late.bin"), Trees.random(rnd, 1000), T2);
        };

        SyncResult first = sync.runOk();

        assertThat(first.filesTransferred()).isEqualTo(60);
        // handed over once: the scan kept by the command holds no records after the run took them
        assertThatThrownBy(() -> used.get().await(() -> false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already taken");
        assertThat(dst.resolve("late.bin")).doesNotExist();
        sync.scanAhead = null;

        SyncResult second = sync.runOk();

        assertThat(second.filesTransferred()).isEqualTo(1);
        Trees.assertSameTree(src, dst);
    }

    @Test
    void fileChangedAfterTheScanMadeAhead_arrivesAsItIsNow() throws Exception {
        Random rnd = new Random(11);
        for (int i = 0; i < 20; i++) {
            Trees.write(src.resolve("f" + i + ".bin"), Trees.random(rnd, 5000 + i), T1);
        }
        sync.scanAhead = ahead -> {
            await().atMost(Duration.ofSeconds(60)).until(ahead::isDone);
            // grown, shrunk: the scan's size and mtime no longer hold
            rewrite(src.resolve("f3.bin"), Trees.random(rnd, 9000), T2);
            rewrite(src.resolve("f7.bin"), Trees.random(rnd, 10), T2);
        };

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        assertThat(r.filesTransferred()).isEqualTo(20);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void sourceDatabaseInsideTheTree_isLeftOutOfTheScanMadeAhead() throws Exception {
        Random rnd = new Random(5);
        for (int i = 0; i < 10; i++) {
            Trees.write(src.resolve("f" + i), Trees.random(rnd, 3000), T1);
        }
        sync.srcDb = src.resolve("state/source.db");
        sync.scanAhead = ahead -> { };

        SyncResult r = sync.runOk();

        assertThat(r.filesTransferred()).isEqualTo(10);
        try (var listed = Files.list(dst.resolve("state"))) {
            assertThat(listed).as("the source's database and its sidecars").isEmpty();
        }
    }

    private static void rewrite(java.nio.file.Path file, byte[] data, long mtimeNanos) {
        try {
            Trees.write(file, data, mtimeNanos);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void close_stopsAScanNobodyUses_beforeTheDatabaseCloses() throws Exception {
        Random rnd = new Random(3);
        for (int i = 0; i < 2000; i++) {
            Trees.write(src.resolve("d" + i % 40 + "/f" + i), Trees.random(rnd, 10), T1);
        }
        try (SnapshotStore store = SnapshotStore.open(tmp.resolve("db/source.db"))) {
            AheadScan ahead = AheadScan.start(src, tmp.resolve("db/source.db"), CompletableFuture.completedFuture(store), SyncOptions.defaults());

            ahead.close();

            assertThat(ahead.isDone()).as("the scan ended, with its result or stopped").isTrue();
            ahead.close();
        }
    }
}
