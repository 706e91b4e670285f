package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The destination's side of the opening exchange: in a whole-tree run without --mirror its lists
 * do not depend on the source's Hello, so it sends them without waiting for it (the source has
 * them one round trip sooner); the version check still refuses a peer of another version.
 */
class OpeningExchangeTest {

    @TempDir
    Path tmp;
    final EndpointPipes pipes = new EndpointPipes();

    @AfterEach
    void tearDown() throws Exception {
        pipes.close();
    }

    @Test
    @Timeout(60) // before the change, the destination waited for the Hello: the reads below blocked
    void destinationSendsItsListsBeforeTheSourcesHello_andStillRefusesAnotherVersion() throws Exception {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Files.writeString(dst.resolve("own.txt"), "never synced");
        try (SnapshotStore store = SnapshotStore.open(tmp.resolve("db/dst.db"))) {
            Future<SyncResult> destination = pipes.pool.submit(() -> {
                try {
                    return new DestinationEndpoint(dst, store, SyncOptions.defaults(), SyncListener.NONE).run(pipes.toDst.in, pipes.toSrc.out);
                } finally {
                    pipes.toSrc.out.close();
                }
            });
            MessageCodec.Reader in = new MessageCodec.Reader(pipes.toSrc.in);
            // nothing sent to the destination yet: all three arrive anyway
            assertThat(in.read()).isInstanceOf(Message.Hello.class);
            Message.Deviations d = (Message.Deviations) in.read();
            assertThat(d.last()).isTrue();
            assertThat(d.paths()).isEmpty();
            Message.Extras x = (Message.Extras) in.read();
            assertThat(x.last()).isTrue();
            assertThat(x.entries()).as("no --mirror: the destination's own files are not listed").isEmpty();

            MessageCodec.Writer out = new MessageCodec.Writer(pipes.toDst.out);
            out.write(new Message.Hello(Protocol.VERSION + 1, "newer source"));
            pipes.toDst.out.flush();
            try {
                destination.get(30, TimeUnit.SECONDS);
                throw new AssertionError("the destination accepted another protocol version");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(FarsyncException.class)
                        .hasMessageContaining("peer speaks sync protocol version " + (Protocol.VERSION + 1));
            }
            assertThat(dst.resolve("own.txt")).hasContent("never synced");
        }
    }
}
