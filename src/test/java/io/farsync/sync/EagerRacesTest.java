package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An eagerly sent file (MetaEager) that the destination settles without its contents while the
 * source is still about to send them: the destination's Ack and the source's own decision cross
 * (found by review of the eager path; both failed before the fix).
 */
class EagerRacesTest extends SyncFixture {
    private final byte[] big = Trees.random(new Random(1), 8 << 20);

    /** Set up after the plan, before any contents leave: runs {@code change} then. */
    private void afterPlan(IoAction change) {
        sync.sourceListener = new SyncListener() {
            @Override
            public void planned(long files, long bytes) {
                try {
                    change.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    @Test
    void settledThere_vanishedHere_theLateAckIsNoProtocolError_andTheDeleteFollows() throws Exception {
        Trees.write(src.resolve("d/big.bin"), big, T1);
        Trees.write(src.resolve("z-small.txt"), "last", T1);
        afterPlan(() -> {
            Trees.write(dst.resolve("d/big.bin"), big, T1);   // the destination gets it by another way
            Files.delete(src.resolve("d/big.bin"));           // and the source loses it before reading it
        });

        SyncRun.Result first = sync.run();

        assertThat(first.sourceError()).isNull();
        assertThat(first.destinationError()).isNull();
        sync.sourceListener = SyncListener.NONE;
        sync.runOk();
        Trees.assertSameTree(src, dst);
    }

    @Test
    void settledThere_changedHereWhileSent_theNewVersionFollowsNextRun() throws Exception {
        byte[] bigger = Trees.random(new Random(3), (8 << 20) + 100);
        Trees.write(src.resolve("d/big.bin"), big, T1);
        Trees.write(src.resolve("z-small.txt"), "last", T1);
        afterPlan(() -> {
            Trees.write(dst.resolve("d/big.bin"), big, T1);     // the destination holds the scanned version
            Trees.write(src.resolve("d/big.bin"), bigger, T2);  // the source changes before it is read
        });

        sync.run();
        sync.sourceListener = SyncListener.NONE;
        SyncResult second = sync.runOk();

        assertThat(second.filesTransferred()).isEqualTo(1);
        Trees.assertSameTree(src, dst);
    }

    private interface IoAction {
        void run() throws IOException;
    }
}
