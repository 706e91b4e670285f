package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source offers at most {@link SourceEndpoint#MAX_AWAITING} files the destination has not
 * answered: a first sync of 1,000,000 files already in place queued 753,000 Metas at the
 * destination and ended in an OutOfMemoryError at {@code -Xmx256m}. Here the bound is lowered
 * and every frame of both directions is counted as it is written: a Meta written while more than
 * the bound (plus one burst and the directories, which wait for no answer) were unanswered fails.
 */
class AwaitingBoundTest {

    private static final int FILES = 4000;
    private static final int DIRS = 8;
    private static final int BOUND = 50;
    /** SourceEndpoint's META_BURST: the source checks the bound between bursts. */
    private static final int BURST = 64;
    private static final long T1 = 1_600_000_000_123_456_789L;

    @TempDir
    Path tmp;

    /** Counts the frames of one direction by type byte as they are written (4-byte length, then type). */
    private static OutputStream frames(OutputStream out, IntConsumer onType) {
        return new FilterOutputStream(out) {
            private final byte[] head = new byte[5];
            private int inHead;
            private long bodyLeft;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int i = off; i < off + len; ) {
                    if (bodyLeft > 0) {
                        int n = (int) Math.min(bodyLeft, off + len - i);
                        bodyLeft -= n;
                        i += n;
                        continue;
                    }
                    head[inHead++] = b[i++];
                    if (inHead == 5) {
                        long length = ((head[0] & 0xffL) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
                        onType.accept(head[4]);
                        bodyLeft = length - 1;
                        inHead = 0;
                    }
                }
                out.write(b, off, len);
            }
        };
    }

    @Test
    void aFirstSyncOfFilesAlreadyInPlace_neverHasMoreThanTheBoundUnanswered() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random rnd = new Random(seed);
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        for (int i = 0; i < FILES; i++) {
            byte[] data = Trees.random(rnd, 1 + rnd.nextInt(200));
            long mtime = T1 + rnd.nextInt(1_000_000);
            Trees.write(src.resolve("d" + i % DIRS + "/f" + i), data, mtime);
            Trees.write(dst.resolve("d" + i % DIRS + "/f" + i), data, mtime);    // in place: the destination only records it
        }
        AtomicInteger metas = new AtomicInteger();
        AtomicInteger answers = new AtomicInteger();
        AtomicInteger worst = new AtomicInteger();
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.sourceMaxAwaiting = BOUND;
        sync.sourceOut = out -> frames(out, type -> {
            if (type == 4) {    // META
                worst.accumulateAndGet(metas.incrementAndGet() - answers.get(), Math::max);
            }
        });
        sync.destinationOut = out -> frames(out, type -> {
            if (type == 7 || type == 8) {    // NEED, ACK
                answers.incrementAndGet();
            }
        });

        SyncResult r = sync.runOk();

        assertThat(r.filesTransferred()).as("seed %d", seed).isZero();
        assertThat(metas.get()).as("every file and directory offered").isGreaterThanOrEqualTo(FILES + DIRS);
        assertThat(worst.get()).as("seed %d: most Metas written and not yet answered", seed).isLessThanOrEqualTo(BOUND + BURST + DIRS);
        Trees.assertSameTree(src, dst);
    }
}
