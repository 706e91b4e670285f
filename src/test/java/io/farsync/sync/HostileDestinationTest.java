package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.EntryType;
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

/** A real source endpoint against a scripted, hostile destination. */
class HostileDestinationTest {

    private static final long T = 1_600_000_000_000_000_000L;

    @TempDir
    Path tmp;
    Path src;
    EndpointPipes pipes = new EndpointPipes();
    MessageCodec.Writer out = new MessageCodec.Writer(pipes.toSrc.out);
    MessageCodec.Reader in = new MessageCodec.Reader(pipes.toDst.in);
    SnapshotStore store;
    Future<SyncResult> source;

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        Trees.write(src.resolve("f.txt"), "file", T);
        Files.createDirectories(src.resolve("d"));
        store = SnapshotStore.open(tmp.resolve("db/src.db"));
        source = pipes.pool.submit(() -> {
            try {
                return new SourceEndpoint(src, store, SyncOptions.defaults().withMirror(true), SyncListener.NONE)
                        .run(pipes.toSrc.in, pipes.toDst.out);
            } finally {
                pipes.toDst.out.close();
            }
        });
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

    private void handshake(List<WireEntry> extras) throws IOException {
        assertThat(in.read()).isInstanceOf(Message.Hello.class);
        send(new Message.Hello(Protocol.VERSION, "hostile"));
        send(new Message.Deviations(List.of(), true));
        send(new Message.Extras(extras, true));
    }

    private FarsyncException sourceFailure() throws Exception {
        try {
            SyncResult r = source.get(30, TimeUnit.SECONDS);
            throw new AssertionError("source accepted it: " + r);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(FarsyncException.class);
            return (FarsyncException) e.getCause();
        }
    }

    /** The id the source gave {@code path} in its Metas. */
    private int metaId(String path) throws IOException {
        while (true) {
            if (in.read() instanceof Message.Meta m && m.entry().path().equals(path)) {
                return m.id();
            }
        }
    }

    /** The FileInline the source sent for {@code path}, failing on a Meta for it. */
    private Message.FileInline inlined(String path) throws IOException {
        while (true) {
            Message m = in.read();
            if (m instanceof Message.Meta meta && meta.entry().path().equals(path)) {
                throw new AssertionError("sent as a Meta: " + meta);
            }
            if (m instanceof Message.FileInline f && f.entry().path().equals(path)) {
                return f;
            }
        }
    }

    @Test
    void emptyDestination_getsASmallFileWithItsContents_withoutANeed() throws Exception {
        assertThat(in.read()).isInstanceOf(Message.Hello.class);
        send(new Message.Hello(Protocol.VERSION, "hostile"));
        send(new Message.Deviations(List.of(), true, true));
        send(new Message.Extras(List.of(), true));

        Message.FileInline f = inlined("f.txt");

        assertThat(f.data()).isEqualTo("file".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Checksum.Digest xxh64 = Checksum.XXH64.start();
        xxh64.update(f.data(), 0, f.data().length);
        assertThat(f.digest()).isEqualTo(xxh64.finish());
    }

    @Test
    void needForAnInlineFile_sendsItOnceMore_andAThirdTime_isAProtocolError() throws Exception {
        assertThat(in.read()).isInstanceOf(Message.Hello.class);
        send(new Message.Hello(Protocol.VERSION, "hostile"));
        send(new Message.Deviations(List.of(), true, true));
        send(new Message.Extras(List.of(), true));
        int id = inlined("f.txt").id();
        send(new Message.Need(id));
        Message m;
        do {
            m = in.read();
        } while (!(m instanceof Message.FileEnd));
        assertThat(((Message.FileEnd) m).id()).isEqualTo(id);
        send(new Message.Need(id));

        assertThat(sourceFailure().getMessage()).contains("unexpected NEED for entry " + id);
    }

    @Test
    void extraOutsideTheRoot_endsTheSyncWithPathEscape() throws Exception {
        handshake(List.of(new WireEntry("../../etc/passwd", EntryType.FILE, 1, T, 0644, null)));

        FarsyncException e = sourceFailure();

        assertThat(e.exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
    }

    @Test
    void needForADirectory_isAProtocolError() throws Exception {
        handshake(List.of());
        send(new Message.Need(metaId("d")));

        assertThat(sourceFailure().getMessage()).contains("unexpected NEED for entry");
    }

    @Test
    void needingAFileAThirdTime_isAProtocolError() throws Exception {
        handshake(List.of());
        int id = metaId("f.txt");
        send(new Message.Need(id));
        send(new Message.Need(id));
        send(new Message.Need(id));

        assertThat(sourceFailure().getMessage()).contains("unexpected NEED for entry " + id);
    }

    @Test
    void movedOutcomeForAMeta_isAProtocolError() throws Exception {
        handshake(List.of());
        send(new Message.Ack(metaId("f.txt"), Outcome.MOVED, null));

        assertThat(sourceFailure().getMessage()).contains("outcome MOVED for entry");
    }

    @Test
    void resumeOfferingBlocksBeyondTheFile_isAProtocolError() throws Exception {
        handshake(List.of());
        send(new Message.Resume(metaId("f.txt"), 1 << 20, new long[] {1}));

        assertThat(sourceFailure().getMessage()).contains("offers 1 blocks of 1048576 bytes, beyond its 4 bytes");
    }

    @Test
    void resumeAfterNeed_isAProtocolError() throws Exception {
        handshake(List.of());
        int id = metaId("f.txt");
        send(new Message.Need(id));
        send(new Message.Resume(id, 1 << 20, new long[] {1}));

        assertThat(sourceFailure().getMessage()).contains("unexpected RESUME for entry " + id);
    }
}
