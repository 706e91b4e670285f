package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.protocol.MessageCodec;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Small files new at the destination travel with their entry (FileInline, no Need): they land
 * intact, the source sends no contents a destination it knows nothing about may already have,
 * and a corrupted one is asked for again and never applied.
 */
class InlineFilesTest extends SyncFixture {

    /** With the session thread writing them, and with one or several writer threads. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void newAndChangedSmallFiles_afterATrustedSync_landIntact(int writers) throws Exception {
        long seed = System.nanoTime();
        System.out.println("InlineFilesTest seed " + seed + ", writers " + writers);
        sync.destinationWriters = writers;
        Random rnd = new Random(seed);
        for (int i = 0; i < 20; i++) {
            Trees.write(src.resolve("old" + i + ".bin"), Trees.random(rnd, rnd.nextInt(4096)), T1);
        }
        sync.runOk();
        Files.createDirectories(src.resolve("new/deeper"));
        for (int i = 0; i < 40; i++) {
            int size = i == 0 ? 0 : i == 1 ? MessageCodec.INLINE_MAX : i == 2 ? MessageCodec.INLINE_MAX + 1 : rnd.nextInt(64 * 1024);
            Trees.write(src.resolve((i % 2 == 0 ? "new/" : "new/deeper/") + "f" + i + ".bin"), Trees.random(rnd, size), T2);
        }
        for (int i = 0; i < 3; i++) {
            Trees.write(src.resolve("old" + i + ".bin"), Trees.random(rnd, 100 + i), T2);
        }

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        assertThat(r.filesTransferred()).isEqualTo(43);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void destinationSeededWithoutRecords_isSentNoContents() throws Exception {
        Random rnd = new Random(7);
        for (int i = 0; i < 100; i++) {
            byte[] data = Trees.random(rnd, 8192);
            Trees.write(src.resolve("d/f" + i), data, T1);
            Trees.write(dst.resolve("d/f" + i), data, T1);
        }
        AtomicLong toDestination = new AtomicLong();
        sync.sourceOut = out -> new CountingStream(out, toDestination);

        SyncResult r = sync.runOk();

        assertThat(r.filesTransferred()).isZero();
        assertThat(toDestination.get()).as("bytes to the destination").isLessThan(100 * 8192 / 10);
        Trees.assertSameTree(src, dst);
    }

    /** Flips the middle byte of every run of {@code run} 'Q's (only the victim's contents have one). */
    private static OutputStream corruptEveryRunOfQ(OutputStream out, int run) {
        int[] qs = {0};
        return new RewritingStream(out, b -> {
            qs[0] = b == 'Q' ? qs[0] + 1 : 0;
            return qs[0] == run / 2 ? 'R' : b;
        });
    }

    @Test
    void persistentCorruptionOfAnInlineFile_isRefusedTwice_andNeverApplied() throws Exception {
        byte[] qs = new byte[10_000];
        Arrays.fill(qs, (byte) 'Q');
        Trees.write(src.resolve("victim.bin"), qs, T1);
        Trees.write(src.resolve("fine.txt"), "fine", T1);
        sync.sourceOut = out -> corruptEveryRunOfQ(out, qs.length);

        SyncResult r = sync.runOk();

        assertThat(r.errors()).singleElement().asString().contains("victim.bin").contains("twice; not applied");
        assertThat(r.bytesTransferred()).isEqualTo(2L * qs.length + 4);
        assertThat(dst.resolve("victim.bin")).doesNotExist();
        assertThat(dst.resolve("fine.txt")).hasContent("fine");
        assertThat(Trees.tempFiles(dst)).isEmpty();

        sync.sourceOut = out -> out;
        assertThat(sync.runOk().filesTransferred()).as("retried by the next run").isEqualTo(1);
        Trees.assertSameTree(src, dst);
    }

    /**
     * The source's stream breaks while writer threads are creating small files: whatever is in
     * the destination tree afterwards is complete (never a part under a final name), no temp
     * file is left behind (the failed run puts in place what was written and verified), and a
     * rerun completes the tree. (A write still running when the run gives up:
     * DestinationCommitPipelineTest.interruptedWhileWaitingForAnFsync_leavesNoTempFile.)
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void brokenStream_withManySmallFilesBeingWritten_leavesNoTempFile_andNoPartialFile(int writers) throws Exception {
        long seed = System.nanoTime();
        System.out.println("InlineFilesTest seed " + seed + ", writers " + writers);
        Random rnd = new Random(seed);
        for (int i = 0; i < 3000; i++) {
            Trees.write(src.resolve("d" + (i % 13) + "/f" + i + ".bin"), Trees.random(rnd, 1 + rnd.nextInt(2048)), T1);
        }
        long cutAfter = 200_000 + rnd.nextInt(2_000_000);
        sync.destinationWriters = writers;
        sync.sourceOut = out -> new java.io.FilterOutputStream(out) {
            private long sent;

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                if (sent + len > cutAfter) {
                    throw new java.io.IOException("cut after " + sent + " bytes (test)");
                }
                sent += len;
                out.write(b, off, len);
            }

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }
        };

        SyncRun.Result broken = sync.run();

        assertThat(broken.sourceError() != null || broken.destinationError() != null)
                .as("seed %d: the run broke", seed).isTrue();
        assertThat(Trees.tempFiles(dst)).as("seed %d", seed).isEmpty();
        long complete = 0;
        try (var files = Files.walk(Files.createDirectories(dst))) {
            for (var p : (Iterable<java.nio.file.Path>) files.filter(Files::isRegularFile)::iterator) {
                if (Trees.farsyncOwn(dst, p)) {
                    continue;
                }
                java.nio.file.Path rel = dst.relativize(p);
                assertThat(Files.readAllBytes(p)).as("seed %d: %s", seed, rel).isEqualTo(Files.readAllBytes(src.resolve(rel)));
                complete++;
            }
        }
        System.out.println("InlineFilesTest: " + complete + " files in place after the cut at " + cutAfter + " bytes");

        sync.sourceOut = out -> out;
        sync.runOk();
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }
}
