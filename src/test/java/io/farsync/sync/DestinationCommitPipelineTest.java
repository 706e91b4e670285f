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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The destination's commit pipeline: a file goes under its final name only after its own fsync
 * returned, yet a slow fsync holds up neither the receiving of later files nor their fsyncs.
 */
class DestinationCommitPipelineTest {

    @TempDir
    Path tmp;

    /** Holds the first fsync until released (or its thread is interrupted); counts the others. */
    private static final class HeldFirstFsync implements DestinationEndpoint.Fsync {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<TempFile> held = new AtomicReference<>();
        final AtomicInteger fsynced = new AtomicInteger();

        @Override
        public void force(TempFile temp) throws java.io.IOException {
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
        }
    }

    /** {@code files} random files of up to {@code maxBytes} in 7 directories of {@code src}; their total size. */
    private static long tree(Random rnd, Path src, int files, int maxBytes) throws java.io.IOException {
        long total = 0;
        for (int i = 0; i < files; i++) {
            byte[] data = Trees.random(rnd, 1 + rnd.nextInt(maxBytes));
            Trees.write(src.resolve("d" + (i % 7) + "/f" + i + ".dat"), data, Trees.randomMtime(rnd));
            total += data.length;
        }
        return total;
    }

    /** The bytes the destination has received so far; {@code session}: the thread that received them. */
    private static AtomicLong countReceived(SyncRun sync, AtomicReference<Thread> session) {
        AtomicLong received = new AtomicLong();
        sync.destinationListener = new SyncListener() {
            @Override
            public void progress(long bytes) {
                session.set(Thread.currentThread());
                received.addAndGet(bytes);
            }
        };
        return received;
    }

    private static CompletableFuture<SyncRun.Result> start(SyncRun sync) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return sync.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void slowFsync_keepsItsFileUnderTheTempName_whileEverythingElseIsReceivedAndFsynced() throws Exception {
        long seed = System.nanoTime();
        System.out.println("DestinationCommitPipelineTest seed " + seed);
        Random rnd = new Random(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = tmp.resolve("dst");
        int files = 300;
        long total = tree(rnd, src, files, 20_000);

        HeldFirstFsync fsync = new HeldFirstFsync();
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        AtomicLong received = countReceived(sync, new AtomicReference<>());
        sync.destinationFsync = fsync;
        CompletableFuture<SyncRun.Result> run = start(sync);

        await().atMost(Duration.ofSeconds(60)).until(() -> received.get() == total && fsync.fsynced.get() == files - 1);
        Path target = fsync.held.get().target();
        assertThat(target).as("seed %d: renamed before its fsync returned", seed).doesNotExist();
        assertThat(fsync.held.get().path()).as("seed %d", seed).exists();
        assertThat(Files.size(fsync.held.get().path())).isEqualTo(Files.size(src.resolve(dst.relativize(target))));
        assertThat(run).isNotDone();

        fsync.release.countDown();
        SyncResult r = run.get(60, TimeUnit.SECONDS).ok();

        assertThat(r.filesTransferred()).isEqualTo(files);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    /**
     * The session thread interrupted while it waits for the oldest file's fsync (a thread pool
     * shut down around it, as `farsync nway` does to the other links when one fails): the run
     * fails, and that file's temp file goes too. It was off the queue already, and was left
     * behind before (review, session 11). With the session thread writing, and with a writer thread.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void interruptedWhileWaitingForAnFsync_leavesNoTempFile(int writers) throws Exception {
        long seed = System.nanoTime();
        System.out.println("DestinationCommitPipelineTest seed " + seed + ", writers " + writers);
        Random rnd = new Random(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = tmp.resolve("dst");
        int files = 200;
        long total = tree(rnd, src, files, 4_000);

        HeldFirstFsync fsync = new HeldFirstFsync();
        AtomicReference<Thread> session = new AtomicReference<>();
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        AtomicLong received = countReceived(sync, session);
        sync.destinationWriters = writers;
        sync.destinationFsync = fsync;
        CompletableFuture<SyncRun.Result> run = start(sync);

        await().atMost(Duration.ofSeconds(60)).until(() -> received.get() == total && fsync.fsynced.get() == files - 1);
        session.get().interrupt();
        SyncRun.Result r = run.get(60, TimeUnit.SECONDS);
        fsync.release.countDown();

        assertThat(r.destinationError()).as("seed %d", seed).isNotNull();
        assertThat(fsync.held.get().target()).as("seed %d: never renamed", seed).doesNotExist();
        assertThat(Trees.tempFiles(dst)).as("seed %d", seed).isEmpty();
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
