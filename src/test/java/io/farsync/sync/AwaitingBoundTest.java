package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
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
 * Deletes and moves count against the same bound (a source emptied of its files queued every
 * Delete the same way).
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

    /**
     * Counts, as frames are written, the source's {@code offer} frames not yet answered by one of
     * the destination's {@code answers} frame types, and the most at any time.
     */
    private static final class Unanswered {
        final AtomicInteger offers = new AtomicInteger();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger worst = new AtomicInteger();

        Unanswered(SyncRun sync, int offer, Set<Integer> answers) {
            sync.sourceMaxAwaiting = BOUND;
            sync.sourceOut = out -> frames(out, type -> {
                if (type == offer) {
                    worst.accumulateAndGet(offers.incrementAndGet() - answered.get(), Math::max);
                }
            });
            sync.destinationOut = out -> frames(out, type -> {
                if (answers.contains(type)) {
                    answered.incrementAndGet();
                }
            });
        }
    }

    private static final int DELETE = 3;
    private static final int META = 4;
    private static final int NEED = 7;
    private static final int ACK = 8;
    private static final int MOVE = 15;

    /** FILES small files in DIRS directories under src, and with {@code alsoAt} the same files (contents, mtimes) there. */
    private static void tree(Random rnd, Path src, Path alsoAt) throws IOException {
        for (int i = 0; i < FILES; i++) {
            byte[] data = Trees.random(rnd, 1 + rnd.nextInt(200));
            long mtime = T1 + rnd.nextInt(1_000_000);
            Trees.write(src.resolve(name(i, "f")), data, mtime);
            if (alsoAt != null) {
                Trees.write(alsoAt.resolve(name(i, "f")), data, mtime);
            }
        }
    }

    private static String name(int i, String prefix) {
        return "d" + i % DIRS + "/" + prefix + i;
    }

    private Random seeded() {
        long seed = System.nanoTime();
        System.out.println("AwaitingBoundTest seed " + seed);
        this.seed = seed;
        return new Random(seed);
    }

    private long seed;

    @Test
    void aFirstSyncOfFilesAlreadyInPlace_neverHasMoreThanTheBoundUnanswered() throws Exception {
        Random rnd = seeded();
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        tree(rnd, src, dst);    // in place: the destination only records them
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        Unanswered u = new Unanswered(sync, META, Set.of(NEED, ACK));

        SyncResult r = sync.runOk();

        assertThat(r.filesTransferred()).as("seed %d", seed).isZero();
        assertThat(u.offers.get()).as("every file and directory offered").isGreaterThanOrEqualTo(FILES + DIRS);
        assertThat(u.worst.get()).as("seed %d: most Metas written and not yet answered", seed).isLessThanOrEqualTo(BOUND + BURST + DIRS);
        Trees.assertSameTree(src, dst);
    }

    /**
     * Deletes count too: a source emptied of its files (the directories stay) sends one Delete
     * per file, and before the bound covered them all of them could be queued at the destination.
     */
    @Test
    void deletingEveryFile_neverHasMoreThanTheBoundUnanswered() throws Exception {
        Random rnd = seeded();
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        tree(rnd, src, dst);
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.UNLIMITED);
        sync.runOk();
        for (int i = 0; i < FILES; i++) {
            Files.delete(src.resolve(name(i, "f")));
        }
        Unanswered u = new Unanswered(sync, DELETE, Set.of(ACK));

        SyncResult r = sync.runOk();

        assertThat(r.filesDeleted()).as("seed %d", seed).isEqualTo(FILES);
        assertThat(u.offers.get()).isEqualTo(FILES);
        assertThat(u.worst.get()).as("seed %d: most Deletes written and not yet answered", seed).isLessThanOrEqualTo(BOUND + BURST);
        Trees.assertSameTree(src, dst);
    }

    /** Moves count too: every file renamed in place is one Move, answered when done or refused. */
    @Test
    void renamingEveryFile_neverHasMoreThanTheBoundUnanswered() throws Exception {
        Random rnd = seeded();
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        tree(rnd, src, null);
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.runOk();
        for (int i = 0; i < FILES; i++) {
            Files.move(src.resolve(name(i, "f")), src.resolve(name(i, "g")));
        }
        Unanswered u = new Unanswered(sync, MOVE, Set.of(NEED, ACK));    // a refused move is answered by a Need

        SyncResult r = sync.runOk();

        assertThat(r.filesMoved()).as("seed %d", seed).isEqualTo(FILES);
        assertThat(r.filesTransferred()).isZero();
        assertThat(u.worst.get()).as("seed %d: most Moves written and not yet answered", seed).isLessThanOrEqualTo(BOUND + BURST);
        Trees.assertSameTree(src, dst);
    }
}
