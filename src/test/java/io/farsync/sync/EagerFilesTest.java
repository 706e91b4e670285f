package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Files too large to inline, new at a destination whose tree is empty, go out as MetaEager with
 * their contents at once (no Need, one round trip fewer); a partial copy of an earlier run is
 * still resumed, and a file that turns up at the destination meanwhile is kept, its bytes dropped.
 */
class EagerFilesTest extends SyncFixture {

    private static final int MIB = 1 << 20;
    private static final int BIG = 8 * MIB + 12_345;

    private final MessageTrace fromSource = new MessageTrace();
    private final MessageTrace fromDestination = new MessageTrace();
    private byte[] big;

    @BeforeEach
    void writeTree() throws IOException {
        long seed = System.nanoTime();
        System.out.println("EagerFilesTest seed " + seed);
        Random rnd = new Random(seed);
        big = Trees.random(rnd, BIG);
        Trees.write(src.resolve("a-small.txt"), "small", T1);
        Trees.write(src.resolve("d/big.bin"), big, T1);
        Trees.write(src.resolve("d/e/just-over.bin"), Trees.random(rnd, MessageCodec.INLINE_MAX + 1), T1);
        Trees.write(src.resolve("z-small.txt"), "last", T1);
        sync.destinationOut = fromDestination.tap();
    }

    @Test
    void largeFilesIntoAnEmptyDestination_goOutWithoutANeed() throws Exception {
        sync.sourceOut = fromSource.tap();

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        assertThat(r.filesTransferred()).isEqualTo(4);
        assertThat(fromSource.count(Message.MetaEager.class)).as("large files announced with their contents").isEqualTo(2);
        assertThat(fromDestination.count(Message.Need.class)).as("Needs sent").isZero();
        assertThat(fromDestination.count(Message.Resume.class)).as("Resumes sent").isZero();
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void partialOfAnInterruptedEagerTransfer_isResumed_notSentAgain() throws Exception {
        sync.sourceOut = LinkDown.after(5 * MIB);
        assertThat(sync.run().destinationError()).isInstanceOf(FarsyncException.class);
        assertThat(dst.resolve("d/big.bin")).doesNotExist();
        assertThat(Trees.tempFiles(dst)).singleElement().satisfies(p -> assertThat(Files.size(p)).isGreaterThan(3L * MIB));
        sync.sourceOut = fromSource.tap();

        SyncResult r = sync.runOk();

        assertThat(fromSource.count(Message.MetaEager.class)).as("eager with a partial there").isZero();
        assertThat(fromDestination.count(Message.Resume.class)).as("Resumes sent").isEqualTo(1);
        assertThat(r.bytesTransferred()).as("bytes sent again").isLessThan(BIG - 2L * MIB);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void changedLargeFile_ofATrustedDestination_waitsForItsNeed() throws Exception {
        sync.runOk();
        Trees.write(src.resolve("d/big.bin"), Trees.random(new Random(1), BIG), T2);
        sync.sourceOut = fromSource.tap();
        MessageTrace needs = new MessageTrace();
        sync.destinationOut = needs.tap();

        SyncResult r = sync.runOk();

        assertThat(r.filesTransferred()).isEqualTo(1);
        assertThat(fromSource.count(Message.MetaEager.class)).isZero();
        assertThat(needs.count(Message.Need.class)).isEqualTo(1);
        Trees.assertSameTree(src, dst);
    }

    @Test
    void fileThatAppearsAtTheDestinationAfterItsScan_isKept_andTheEagerBytesDropped() throws Exception {
        // Planned: the source has the destination's lists (its scan is done) and has sent no entry yet.
        sync.sourceListener = new SyncListener() {
            @Override
            public void planned(long files, long bytes) {
                try {
                    Trees.write(dst.resolve("d/big.bin"), big, T1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        sync.sourceOut = fromSource.tap();

        SyncResult r = sync.runOk();

        assertThat(fromSource.count(Message.MetaEager.class)).isEqualTo(2);
        assertThat(r.errors()).isEmpty();
        assertThat(r.filesTransferred()).as("the copy that turned up is not transferred").isEqualTo(3);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
        // the next run finds everything in place
        assertThat(sync.runOk().filesTransferred()).isZero();
    }
}
