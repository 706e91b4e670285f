package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a destination's conversation ends: by default it waits for the source's Bye after its
 * Summary; a one-shot server job ({@link DestinationEndpoint#endAtSummary}) returns with the
 * Summary, so the server's outcome leaves with it instead of a round trip later.
 */
class DestinationEndTest {

    @TempDir
    Path tmp;
    private final EndpointPipes pipes = new EndpointPipes();
    private final MessageCodec.Writer out = new MessageCodec.Writer(pipes.toDst.out);
    private final MessageCodec.Reader in = new MessageCodec.Reader(pipes.toSrc.in);

    @AfterEach
    void tearDown() throws Exception {
        pipes.close();
    }

    /** Runs a destination of an empty tree up to its Summary, which it returns; the source sends no Bye. */
    private Future<SyncResult> upToSummary(SnapshotStore store, UnaryOperator<DestinationEndpoint> how) throws Exception {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Future<SyncResult> destination = pipes.pool.submit(() -> {
            try {
                return how.apply(new DestinationEndpoint(dst, store, SyncOptions.defaults(), SyncListener.NONE)).run(pipes.toDst.in, pipes.toSrc.out);
            } finally {
                pipes.toSrc.out.close();
            }
        });
        out.write(new Message.Hello(Protocol.VERSION, "source"));
        out.write(new Message.MetaEnd(0));
        pipes.toDst.out.flush();
        Message m;
        do {
            m = in.read();
        } while (!(m instanceof Message.Summary));
        return destination;
    }

    @Test
    void endAtSummary_returnsWithoutTheSourcesBye() throws Exception {
        try (SnapshotStore store = SnapshotStore.open(tmp.resolve("db/dst.db"))) {
            SyncResult r = upToSummary(store, DestinationEndpoint::endAtSummary).get(30, TimeUnit.SECONDS);

            assertThat(r.errors()).isEmpty();
            assertThat(r.filesTransferred()).isZero();
        }
    }

    @Test
    void byDefault_theDestinationWaitsForBye() throws Exception {
        try (SnapshotStore store = SnapshotStore.open(tmp.resolve("db/dst.db"))) {
            Future<SyncResult> destination = upToSummary(store, d -> d);
            // the Summary is read: without a Bye the run cannot have returned
            assertThat(destination.isDone()).isFalse();
            out.write(new Message.Bye());
            pipes.toDst.out.flush();

            assertThat(destination.get(30, TimeUnit.SECONDS).errors()).isEmpty();
        }
    }
}
