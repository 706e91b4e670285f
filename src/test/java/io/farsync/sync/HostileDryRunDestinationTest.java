package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real source endpoint in a dry run against a scripted destination whose answers do not fit what it offered. */
class HostileDryRunDestinationTest {

    private static final long T = 1_600_000_000_000_000_000L;

    @TempDir
    Path tmp;
    EndpointPipes pipes = new EndpointPipes();
    MessageCodec.Writer out = new MessageCodec.Writer(pipes.toSrc.out);
    MessageCodec.Reader in = new MessageCodec.Reader(pipes.toDst.in);
    SnapshotStore store;
    Future<SyncResult> source;

    @BeforeEach
    void setUp() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Trees.write(src.resolve("a.txt"), "a", T);
        Trees.write(src.resolve("b.txt"), "b", T);
        store = SnapshotStore.openForDryRun(tmp.resolve("db/src.db"));
        source = pipes.pool.submit(() -> {
            try {
                return new SourceEndpoint(src, store, SyncOptions.defaults().withDryRun(true), SyncListener.NONE)
                        .run(pipes.toSrc.in, pipes.toDst.out);
            } finally {
                pipes.toDst.out.close();
            }
        });
        assertThat(in.read()).isInstanceOf(Message.Hello.class);
        send(new Message.Hello(Protocol.VERSION, "hostile"));
        send(new Message.Deviations(List.of(), true, true));
        send(new Message.Extras(List.of(), true));
        // a dry run offers Metas, never contents, even into an empty destination
        assertThat(in.read()).isInstanceOf(Message.Meta.class);
        assertThat(in.read()).isInstanceOf(Message.Meta.class);
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        pipes.close();
        store.close();
    }

    private void send(Message m) throws IOException {
        out.write(m);
        pipes.toSrc.out.flush();
    }

    private String protocolError() throws Exception {
        try {
            SyncResult r = source.get(30, TimeUnit.SECONDS);
            throw new AssertionError("source accepted it: " + r);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(FarsyncException.class);
            assertThat(((FarsyncException) e.getCause()).exitCode()).isEqualTo(ExitCode.TRANSFER_FAILED);
            return e.getCause().getMessage();
        }
    }

    @Test
    void aMoveOutcomeForAFile_isAProtocolError() throws Exception {
        send(new Message.Ack(0, Outcome.MOVED, null));
        assertThat(protocolError()).contains("protocol error: outcome MOVED for entry 0");
    }

    @Test
    void anAnswerTwice_isAProtocolError() throws Exception {
        send(new Message.Ack(0, Outcome.TRANSFERRED, null));
        send(new Message.Ack(0, Outcome.TRANSFERRED, null));
        assertThat(protocolError()).contains("protocol error: unexpected ACK for entry 0");
    }

    @Test
    void anAnswerForAnEntryNeverOffered_isAProtocolError() throws Exception {
        send(new Message.Ack(7, Outcome.TRANSFERRED, null));
        assertThat(protocolError()).contains("protocol error: unexpected ACK for entry 7");
    }

    @Test
    void answersThenASummary_endTheDryRun_withTheDestinationsCounts() throws Exception {
        send(new Message.Ack(0, Outcome.TRANSFERRED, null));
        send(new Message.Ack(1, Outcome.TRANSFERRED, null));
        assertThat(in.read()).isInstanceOf(Message.MetaEnd.class);
        send(new Message.Summary(2, 2, 0, 0, 2, List.of()));
        assertThat(source.get(30, TimeUnit.SECONDS).filesTransferred()).isEqualTo(2);
    }
}
