package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupSyncTest {

    @TempDir
    Path tmp;

    /** Writes the temp files of {@link #receivedFile}; its open directories are closed after each test. */
    private Applier applier;

    @AfterEach
    void closeDirectories() {
        if (applier != null) {
            applier.close();
        }
    }

    @Test
    void aRequestMadeWhileABarrierRuns_waitsForTheNextBarrier() throws Exception {
        HeldBarrier held = new HeldBarrier();
        try (GroupSync g = new GroupSync(held, 1, () -> { })) {
            CompletableFuture<Void> before = g.request();
            assertThat(held.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> during1 = g.request();
            CompletableFuture<Void> during2 = g.request();

            held.release.release();
            before.get(10, TimeUnit.SECONDS);
            assertThat(during1).isNotDone();
            assertThat(during2).isNotDone();

            held.release.release();
            during1.get(10, TimeUnit.SECONDS);
            during2.get(10, TimeUnit.SECONDS);
            assertThat(held.barriers).hasValue(2);    // the two made during the first shared the second
        }
    }

    /** A linger no test outlives: received files wait for a request, a full batch or close. */
    private static final long FOREVER = TimeUnit.DAYS.toNanos(1);

    @Test
    void receivedFiles_waitForARequest_andAreServedByTheOneBarrierItStarts() throws Exception {
        AtomicInteger barriers = new AtomicInteger();
        try (GroupSync g = new GroupSync(barriers::incrementAndGet, 1, () -> { }, 100, FOREVER)) {
            List<TempFile> files = new ArrayList<>();
            List<CompletableFuture<Void>> durable = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                TempFile t = receivedFile("f" + i);
                files.add(t);
                durable.add(g.force(t));
            }
            // fewer than a batch and a day to linger: no barrier can have started for them
            assertThat(durable).noneMatch(CompletableFuture::isDone);
            assertThat(barriers).hasValue(0);

            g.request().get(30, TimeUnit.SECONDS);

            for (int i = 0; i < files.size(); i++) {
                durable.get(i).get(30, TimeUnit.SECONDS);
                assertThat(files.get(i).forced()).isTrue();
                files.get(i).discard();
            }
            assertThat(barriers).hasValue(1);
        }
    }

    @Test
    void aFullBatchOfReceivedFiles_startsABarrierWithoutARequest() throws Exception {
        AtomicInteger barriers = new AtomicInteger();
        try (GroupSync g = new GroupSync(barriers::incrementAndGet, 1, () -> { }, 3, FOREVER)) {
            List<TempFile> files = List.of(receivedFile("a"), receivedFile("b"), receivedFile("c"));
            List<CompletableFuture<Void>> durable = files.stream().map(g::force).toList();
            for (CompletableFuture<Void> f : durable) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(files).allMatch(TempFile::forced);
            assertThat(barriers).hasValue(1);
            files.forEach(TempFile::discard);
        }
    }

    @Test
    void aReceivedFileWaitingWhileABarrierRuns_isNotServedByIt() throws Exception {
        HeldBarrier held = new HeldBarrier();
        try (GroupSync g = new GroupSync(held, 1, () -> { }, 100, FOREVER)) {
            CompletableFuture<Void> before = g.request();
            assertThat(held.firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            TempFile t = receivedFile("late");
            CompletableFuture<Void> late = g.force(t);

            held.release.release();
            before.get(30, TimeUnit.SECONDS);
            assertThat(late).isNotDone();
            assertThat(t.forced()).isFalse();

            held.release.release();
            g.request().get(30, TimeUnit.SECONDS);
            late.get(30, TimeUnit.SECONDS);
            assertThat(t.forced()).isTrue();
            assertThat(held.barriers).hasValue(2);
            t.discard();
        }
    }

    @Test
    void lingeringFiles_areServedAfterTheLinger_withoutARequest() throws Exception {
        AtomicInteger barriers = new AtomicInteger();
        try (GroupSync g = new GroupSync(barriers::incrementAndGet, 1, () -> { }, 100, TimeUnit.MILLISECONDS.toNanos(1))) {
            TempFile t = receivedFile("alone");
            g.force(t).get(30, TimeUnit.SECONDS);
            assertThat(t.forced()).isTrue();
            assertThat(barriers).hasValue(1);
            t.discard();
        }
    }

    @Test
    void close_servesTheLingeringFilesAtOnce() throws Exception {
        AtomicInteger barriers = new AtomicInteger();
        GroupSync g = new GroupSync(barriers::incrementAndGet, 1, () -> { }, 100, FOREVER);
        TempFile t = receivedFile("last");
        CompletableFuture<Void> durable = g.force(t);
        g.close();
        durable.get(30, TimeUnit.SECONDS);
        assertThat(t.forced()).isTrue();
        assertThat(barriers).hasValue(1);
        t.discard();
    }

    /** A barrier that counts itself and returns only when the test releases it. */
    private static final class HeldBarrier implements GroupSync.Barrier {
        final Semaphore release = new Semaphore(0);
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final AtomicInteger barriers = new AtomicInteger();

        @Override
        public void sync() {
            barriers.incrementAndGet();
            firstStarted.countDown();
            release.acquireUninterruptibly();
        }
    }

    /** A temp file as the destination writes one (never renamed here: discarded by the test). */
    private TempFile receivedFile(String name) throws Exception {
        if (applier == null) {
            Files.createDirectories(tmp.resolve("d"));
            applier = new Applier(tmp, Metadata.of(false, false, false));
        }
        io.farsync.sync.protocol.WireEntry e = new io.farsync.sync.protocol.WireEntry("d/" + name, io.farsync.sync.scan.EntryType.FILE,
                1, 1_600_000_000_000_000_000L, 0644, null);
        TempFile t = applier.createTemp(e, io.farsync.sync.Checksum.XXH64);
        t.write(new byte[] {7});
        return t;
    }

    @Test
    void aBarrierThatThrowsAnError_failsItsRequestsAndEveryLaterOne_insteadOfHanging() throws Exception {
        try (GroupSync g = new GroupSync(() -> {
            throw new UnsatisfiedLinkError("syncfs");
        }, 1, () -> { })) {
            CompletableFuture<Void> first = g.request();
            assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("syncfs failed");
            CompletableFuture<Void> later = g.request();
            assertThatThrownBy(() -> later.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void syncfsIsTrustedFromLinux58_whenItReportsWritebackErrors() {
        assertThat(GroupSync.reportsWritebackErrors("6.18.44-fc-v657")).isTrue();
        assertThat(GroupSync.reportsWritebackErrors("5.8.0")).isTrue();
        assertThat(GroupSync.reportsWritebackErrors("5.10.0-28-amd64")).isTrue();
        assertThat(GroupSync.reportsWritebackErrors("5.4.0-150-generic")).isFalse();
        assertThat(GroupSync.reportsWritebackErrors("4.18.0-513.el8.x86_64")).isFalse();
        assertThat(GroupSync.reportsWritebackErrors("")).isFalse();
    }

    @Test
    void coversNewFile_asksAgainAfterForgetDirectories_whenTheDirectoryMovedToAnotherFileSystem() throws Exception {
        // A symlinked ancestor stands in for a mount: the same directory path, another device.
        Path elsewhere = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(elsewhere) && Files.isWritable(elsewhere)
                && !Files.getFileStore(elsewhere).equals(Files.getFileStore(tmp)), "a second file system at /dev/shm");
        Path local = Files.createDirectories(tmp.resolve("real/sub"));
        Path other = Files.createTempDirectory(elsewhere, "groupsync");
        try {
            Files.createDirectory(other.resolve("sub"));
            Path link = Files.createSymbolicLink(tmp.resolve("link"), local.getParent());
            long device = io.farsync.sync.scan.Stat.lstatOrNull(local, ".").device();
            try (GroupSync g = new GroupSync(() -> { }, device, () -> { })) {
                Path file = link.resolve("sub/f");
                assertThat(g.coversNewFile(file)).isTrue();
                Files.delete(link);
                Files.createSymbolicLink(link, other);
                assertThat(g.coversNewFile(file)).as("cached until the next commit").isTrue();
                g.forgetDirectories();
                assertThat(g.coversNewFile(file)).isFalse();
            }
        } finally {
            Files.delete(other.resolve("sub"));
            Files.delete(other);
        }
    }

    @Test
    void aFailedBarrier_failsEveryRequestItServed() throws Exception {
        try (GroupSync g = new GroupSync(() -> {
            throw new IOException("EIO");
        }, 1, () -> { })) {
            CompletableFuture<Void> f = g.request();
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasRootCauseMessage("EIO");
        }
    }

    @Test
    void syncfs_onThisFileSystem_makesATempFileDurableWithoutItsOwnFsync() throws Exception {
        // Elsewhere (another OS, Linux before 5.8, an overlay or FUSE temp dir) received files are
        // fsynced one by one, which the engine tests cover.
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").contains("Linux")
                && GroupSync.reportsWritebackErrors(System.getProperty("os.version"))
                && GroupSync.TRUSTED_FILE_SYSTEMS.contains(Files.getFileStore(tmp).type()),
                "syncfs barriers are used here");
        GroupSync g = GroupSync.open(tmp);
        assertThat(g).as("syncfs through JNA on Linux").isNotNull();
        try (g) {
            Files.createDirectory(tmp.resolve("d"));
            Applier applier = new Applier(tmp, Metadata.of(false, false, false));
            io.farsync.sync.protocol.WireEntry e = new io.farsync.sync.protocol.WireEntry("d/f", io.farsync.sync.scan.EntryType.FILE,
                    3, 1_600_000_000_000_000_000L, 0644, null);
            TempFile t = applier.createTemp(e, io.farsync.sync.Checksum.XXH64);
            t.write(new byte[] {1, 2, 3});
            assertThat(g.covers(t.path())).isTrue();
            assertThat(g.covers(Path.of("/proc/self"))).isFalse();

            g.force(t).get(60, TimeUnit.SECONDS); // syncfs writes back the whole file system: slow while others write

            assertThat(t.forced()).isTrue();
            applier.commit(t, e);
            assertThat(Files.readAllBytes(tmp.resolve("d/f"))).containsExactly(1, 2, 3);
        }
    }
}
