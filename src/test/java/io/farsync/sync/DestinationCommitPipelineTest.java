package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.farsync.sync.apply.TempFile;
import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The destination's commit pipeline: a file goes under its final name only after its own fsync
 * returned, yet a slow fsync holds up neither the receiving of later files nor their fsyncs.
 */
class DestinationCommitPipelineTest {

    @TempDir
    Path tmp;

    @Test
    void slowFsync_keepsItsFileUnderTheTempName_whileEverythingElseIsReceivedAndFsynced() throws Exception {
        long seed = System.nanoTime();
        System.out.println("DestinationCommitPipelineTest seed " + seed);
        Random rnd = new Random(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = tmp.resolve("dst");
        int files = 300;
        long total = 0;
        for (int i = 0; i < files; i++) {
            byte[] data = Trees.random(rnd, 1 + rnd.nextInt(20_000));
            Trees.write(src.resolve("d" + (i % 7) + "/f" + i + ".dat"), data, Trees.randomMtime(rnd));
            total += data.length;
        }

        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<TempFile> held = new AtomicReference<>();
        AtomicInteger fsynced = new AtomicInteger();
        AtomicLong received = new AtomicLong();
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.destinationListener = new SyncListener() {
            @Override
            public void progress(long bytes) {
                received.addAndGet(bytes);
            }
        };
        sync.destinationFsync = temp -> {
            if (held.compareAndSet(null, temp)) {
                try {
                    assertThat(release.await(120, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("held fsync interrupted");
                }
            }
            temp.force();
            fsynced.incrementAndGet();
        };
        CompletableFuture<SyncRun.Result> run = CompletableFuture.supplyAsync(() -> {
            try {
                return sync.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        long expected = total;
        await().atMost(Duration.ofSeconds(60)).until(() -> received.get() == expected && fsynced.get() == files - 1);
        Path target = held.get().target();
        assertThat(target).as("seed %d: renamed before its fsync returned", seed).doesNotExist();
        assertThat(held.get().path()).as("seed %d", seed).exists();
        assertThat(Files.size(held.get().path())).isEqualTo(Files.size(src.resolve(dst.relativize(target))));
        assertThat(run).isNotDone();

        release.countDown();
        SyncResult r = run.get(60, TimeUnit.SECONDS).ok();

        assertThat(r.filesTransferred()).isEqualTo(files);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    /**
     * Directories get their rows at the end, once everything inside them is done: those rows
     * commit in bounded batches like every other, not all in one transaction at the end. Seen
     * from another connection while the run goes: the directories done minus the rows committed
     * never exceeds the commit bound.
     */
    @Test
    void finishingManyDirectories_commitsTheirRowsInBoundedBatches() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        int dirs = 3 * DestinationEndpoint.ACKS_PER_COMMIT + 100;
        for (int i = 0; i < dirs; i++) {
            Files.createDirectory(src.resolve("d" + i));
        }
        SyncRun sync = new SyncRun(src, tmp.resolve("dst"), tmp.resolve("db"));
        AtomicInteger done = new AtomicInteger();
        AtomicLong mostUncommitted = new AtomicLong();
        AtomicReference<SnapshotStore> committed = new AtomicReference<>();
        sync.destinationListener = new SyncListener() {
            @Override
            public void entryDone(String path, EntryAction action, long size) {
                if (action == EntryAction.DIRECTORY) {
                    if (committed.get() == null) {
                        committed.set(SnapshotStore.openReadOnly(sync.dstDb));
                    }
                    long uncommitted = done.incrementAndGet() - committed.get().entryCount();
                    mostUncommitted.accumulateAndGet(uncommitted, Math::max);
                }
            }
        };
        try {
            assertThat(sync.run().ok().filesTransferred()).isZero();
        } finally {
            if (committed.get() != null) {
                committed.get().close();
            }
        }
        assertThat(done.get()).isEqualTo(dirs);
        assertThat(mostUncommitted.get()).as("directory rows waiting for one commit").isPositive()
                .isLessThanOrEqualTo(DestinationEndpoint.ACKS_PER_COMMIT);
        try (SnapshotStore after = SnapshotStore.openReadOnly(sync.dstDb)) {
            assertThat(after.entryCount()).isEqualTo(dirs);
        }
    }
}
