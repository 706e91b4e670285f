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
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A real destination endpoint against a scripted, hostile source. */
class HostileSourceTest {

    private static final long T = 1_600_000_000_000_000_000L;

    @TempDir
    Path tmp;
    Path dst;
    Path outside;
    Set<String> before;
    EndpointPipes pipes = new EndpointPipes();
    MessageCodec.Writer out = new MessageCodec.Writer(pipes.toDst.out);
    MessageCodec.Reader in = new MessageCodec.Reader(pipes.toSrc.in);
    SnapshotStore store;
    Future<SyncResult> destination;

    @BeforeEach
    void setUp() throws IOException {
        dst = Files.createDirectories(tmp.resolve("dst"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Trees.write(outside.resolve("passwd"), "secret", T);
        store = SnapshotStore.open(tmp.resolve("db/dst.db"));
        before = outsideListing();
    }

    @AfterEach
    void tearDown() throws Exception {
        pipes.close();
        store.close();
        assertThat(outsideListing()).as("nothing written outside the destination root").isEqualTo(before);
        assertThat(outside.resolve("passwd")).hasContent("secret");
    }

    private Set<String> outsideListing() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> !p.startsWith(dst) && !p.startsWith(tmp.resolve("db")))
                    .map(p -> tmp.relativize(p).toString()).collect(Collectors.toSet());
        }
    }

    /**
     * Starts the destination on the first message, not in {@link #setUp}: a test plants files
     * (partials, symlinks) in the destination first, and the destination's scan must see them.
     */
    private void send(Message m) throws IOException {
        if (destination == null) {
            destination = pipes.pool.submit(() -> {
                try {
                    return new DestinationEndpoint(dst, store, SyncOptions.defaults(), SyncListener.NONE).run(pipes.toDst.in, pipes.toSrc.out);
                } finally {
                    pipes.toSrc.out.close();
                }
            });
        }
        out.write(m);
        pipes.toDst.out.flush();
    }

    private void handshake() throws IOException {
        send(new Message.Hello(Protocol.VERSION, "hostile"));
        assertThat(in.read()).isInstanceOf(Message.Hello.class);
        Message m;
        do {
            m = in.read();
        } while (!((Message.Deviations) m).last());
        do {
            m = in.read();
        } while (!((Message.Extras) m).last());
    }

    private static WireEntry file(String path, long size) {
        return new WireEntry(path, EntryType.FILE, size, T, 0644, null);
    }

    private FarsyncException destinationFailure() throws Exception {
        try {
            SyncResult r = destination.get(30, TimeUnit.SECONDS);
            throw new AssertionError("destination accepted it: " + r);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(FarsyncException.class);
            return (FarsyncException) e.getCause();
        }
    }

    /** Reads what the destination sends until its Abort, and returns that. */
    /** Ends a conversation of one entry, which the destination must ack FAILED; returns its result. */
    private SyncResult endWithTheOneEntryFailed() throws Exception {
        send(new Message.MetaEnd(1));
        Message reply = in.read();
        assertThat(reply).isInstanceOf(Message.Ack.class);
        assertThat(((Message.Ack) reply).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(in.read()).isInstanceOf(Message.Summary.class);
        send(new Message.Bye());
        return destination.get(30, TimeUnit.SECONDS);
    }

    private Message.Abort abortFromDestination() throws IOException {
        while (true) {
            Message m = in.read();
            if (m instanceof Message.Abort a) {
                return a;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/etc/x", "a/../../x", "../outside/passwd", "a\0b", "", "a//b", "./x", "x/", "."})
    void invalidPathInMetadata_endsTheSyncWithPathEscape_andWritesNothing(String path) throws Exception {
        handshake();
        send(new Message.Meta(0, file(path, 5)));
        send(new Message.FileData(0, "owned".getBytes(StandardCharsets.UTF_8)));

        FarsyncException e = destinationFailure();

        assertThat(e.exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
        assertThat(e.getMessage()).containsAnyOf("path escapes the root", "invalid path from peer").doesNotContain("\0");
        assertThat(abortFromDestination().exitCode()).isEqualTo(ExitCode.PATH_ESCAPE.code());
        try (Stream<Path> s = Files.list(dst)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void invalidPathInDelete_endsTheSyncWithPathEscape() throws Exception {
        handshake();
        send(new Message.Delete(0, file("../outside/passwd", 6)));

        FarsyncException e = destinationFailure();

        assertThat(e.exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
        assertThat(e.getMessage()).isEqualTo("path escapes the root: ../outside/passwd");
    }

    @Test
    void overlongComponent_isRefused() throws Exception {
        handshake();
        send(new Message.Meta(0, file("a".repeat(256), 1)));

        assertThat(destinationFailure().getMessage()).contains("component longer than 255 bytes");
    }

    @Test
    void symlinkParent_isNeverWrittenThrough() throws Exception {
        handshake();
        send(new Message.Meta(0, new WireEntry("a", EntryType.SYMLINK, 0, T, 0777, outside.toString())));
        send(new Message.Meta(1, file("a/passwd", 6)));
        send(new Message.Meta(2, new WireEntry("a/sub", EntryType.DIRECTORY, 0, T, 0755, null)));
        send(new Message.Meta(3, new WireEntry("a/evil", EntryType.SYMLINK, 0, T, 0777, "/")));
        send(new Message.Delete(4, file("a/passwd", 6)));
        send(new Message.MetaEnd(5));

        List<Message> replies = new ArrayList<>();
        Message m;
        while (!((m = in.read()) instanceof Message.Summary)) {
            replies.add(m);
            if (m instanceof Message.Need n) {
                byte[] evil = "hacked".getBytes(StandardCharsets.UTF_8);
                send(new Message.FileData(n.id(), evil));
                send(new Message.FileEnd(n.id(), xxh64(evil)));
            }
        }
        send(new Message.Bye());
        SyncResult r = destination.get(30, TimeUnit.SECONDS);

        assertThat(replies).contains(new Message.Ack(0, Outcome.SYMLINK, null));
        assertThat(replies).noneMatch(x -> x instanceof Message.Need);
        assertThat(replies).filteredOn(x -> x instanceof Message.Ack a && a.id() >= 1 && a.id() <= 3)
                .allMatch(x -> ((Message.Ack) x).outcome() == Outcome.FAILED)
                .hasSize(3);
        assertThat(replies).contains(new Message.Ack(4, Outcome.GONE, null));
        assertThat(r.errors()).hasSize(3).allMatch(e -> e.contains("path escapes the root"));
        assertThat(outside.resolve("sub")).doesNotExist();
        assertThat(Files.isSymbolicLink(dst.resolve("a"))).isTrue();
    }

    @Test
    void moreDataThanAnnounced_isNotApplied() throws Exception {
        handshake();
        send(new Message.Meta(0, file("f", 3)));
        assertThat(in.read()).isEqualTo(new Message.Need(0));
        send(new Message.FileData(0, new byte[10]));
        send(new Message.FileEnd(0, new byte[0]));
        SyncResult r = endWithTheOneEntryFailed();

        assertThat(r.errors()).singleElement().asString().contains("more data than announced");
        assertThat(dst.resolve("f")).doesNotExist();
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    private static byte[] xxh64(byte[] data) {
        return java.nio.ByteBuffer.allocate(8).putLong(XXHashFactory.fastestInstance().hash64().hash(data, 0, data.length, 0)).array();
    }

    @Test
    void inlineFileOutsideTheRoot_endsTheSyncWithPathEscape_andWritesNothing() throws Exception {
        handshake();
        byte[] evil = "owned".getBytes(StandardCharsets.UTF_8);
        send(new Message.FileInline(0, file("../outside/passwd", evil.length), evil, xxh64(evil)));

        assertThat(destinationFailure().exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
        try (Stream<Path> s = Files.list(dst)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void inlineFileWithABadChecksum_isAskedForOnce_andNeverApplied() throws Exception {
        handshake();
        byte[] bytes = "corrupt".getBytes(StandardCharsets.UTF_8);
        byte[] wrong = new byte[8];
        send(new Message.FileInline(0, file("f", bytes.length), bytes, wrong));
        assertThat(in.read()).isEqualTo(new Message.Need(0));
        send(new Message.FileData(0, bytes));
        send(new Message.FileEnd(0, wrong));
        SyncResult r = endWithTheOneEntryFailed();

        assertThat(r.errors()).singleElement().asString().contains("checksum mismatch").contains("twice; not applied");
        assertThat(dst.resolve("f")).doesNotExist();
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void inlineFileTheDestinationAlreadyHas_isAcknowledged_andItsBytesDropped() throws Exception {
        Trees.write(dst.resolve("f"), "mine!", T);
        handshake();
        byte[] theirs = "other".getBytes(StandardCharsets.UTF_8);
        send(new Message.FileInline(0, file("f", theirs.length), theirs, xxh64(theirs)));
        send(new Message.MetaEnd(1));
        Message ack = in.read();
        assertThat(ack).isInstanceOf(Message.Ack.class);
        assertThat(((Message.Ack) ack).outcome()).isIn(Outcome.UNCHANGED, Outcome.METADATA);
        assertThat(in.read()).isInstanceOf(Message.Summary.class);
        send(new Message.Bye());

        SyncResult r = destination.get(30, TimeUnit.SECONDS);

        assertThat(r.filesTransferred()).isZero();
        assertThat(dst.resolve("f")).hasContent("mine!");
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void fileDataAfterAnInlineFile_isAProtocolError() throws Exception {
        handshake();
        byte[] bytes = "abc".getBytes(StandardCharsets.UTF_8);
        send(new Message.FileInline(0, file("f", bytes.length), bytes, xxh64(bytes)));
        send(new Message.FileData(0, bytes));

        assertThat(destinationFailure().getMessage()).contains("data for entry 0 that was not requested");
    }

    @Test
    void unrequestedFileData_isAProtocolError() throws Exception {
        handshake();
        send(new Message.FileData(7, new byte[] {1}));

        FarsyncException e = destinationFailure();

        assertThat(e.exitCode()).isEqualTo(ExitCode.TRANSFER_FAILED);
        assertThat(e.getMessage()).startsWith("protocol error: ");
    }

    @Test
    void hugeFrameLength_isRefusedWithoutAllocating() throws Exception {
        handshake();
        DataOutputStream raw = new DataOutputStream(pipes.toDst.out);
        raw.writeInt(Integer.MAX_VALUE);
        raw.flush();

        FarsyncException e = destinationFailure();

        assertThat(e.exitCode()).isEqualTo(ExitCode.TRANSFER_FAILED);
        assertThat(e.getMessage()).contains("frame length");
    }

    @Test
    void reusedOrSkippedEntryId_isAProtocolError() throws Exception {
        handshake();
        send(new Message.Meta(0, new WireEntry("d", EntryType.DIRECTORY, 0, T, 0755, null)));
        send(new Message.Meta(0, new WireEntry("e", EntryType.DIRECTORY, 0, T, 0755, null)));

        assertThat(destinationFailure().getMessage()).contains("entry id 0 out of order (expected 1)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside/passwd", "/etc/passwd", "a/../../x", ""})
    void invalidPathInMove_endsTheSyncWithPathEscape(String path) throws Exception {
        Trees.write(dst.resolve("mine.txt"), "mine", T);
        handshake();
        send(new Message.Move(0, file("mine.txt", 4), file(path, 4), 0));

        assertThat(destinationFailure().exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
        assertThat(dst.resolve("mine.txt")).hasContent("mine");
    }

    @Test
    void moveFromOutsideOrIntoItself_isRefused() throws Exception {
        handshake();
        send(new Message.Move(0, new WireEntry("d", EntryType.DIRECTORY, 0, T, 0755, null),
                new WireEntry("d/inside", EntryType.DIRECTORY, 0, T, 0755, null), 0));

        assertThat(destinationFailure().getMessage()).contains("invalid move d -> d/inside");
    }

    @Test
    void moveThroughASymlinkedParent_neverTouchesWhatTheLinkPointsTo() throws Exception {
        Files.createSymbolicLink(dst.resolve("a"), outside);
        Files.createDirectories(dst.resolve("b"));
        handshake();
        // Outside's passwd: 6 bytes, mtime T, just as a synced file would be.
        send(new Message.Move(0, file("a/passwd", 6), file("b/passwd", 6), 0));
        send(new Message.Move(1, file("b/x", 6), file("a/passwd2", 6), 0));
        send(new Message.MetaEnd(0));

        List<Message> replies = new ArrayList<>();
        Message m;
        while (!((m = in.read()) instanceof Message.Summary)) {
            replies.add(m);
            if (m instanceof Message.Need n) {
                send(new Message.FileAbort(n.id(), "not sending it"));
            }
        }
        send(new Message.Bye());
        destination.get(30, TimeUnit.SECONDS);

        assertThat(replies).noneMatch(x -> x instanceof Message.Ack a && a.outcome() == Outcome.MOVED);
        assertThat(replies).contains(new Message.Ack(1, Outcome.FAILED, "path escapes the root: parent a of a/passwd2 is a symlink"));
        assertThat(outside.resolve("passwd")).hasContent("secret");
    }

    @Test
    void fileRestart_forAnotherPathOrAnEntryNotBeingReceived_isAProtocolError() throws Exception {
        handshake();
        send(new Message.Meta(0, file("f", 3)));
        assertThat(in.read()).isEqualTo(new Message.Need(0));
        send(new Message.FileRestart(0, file("../outside/passwd", 3)));

        assertThat(destinationFailure().exitCode()).isEqualTo(ExitCode.PATH_ESCAPE);
    }

    @Test
    void fileRestart_forAnotherEntry_isAProtocolError() throws Exception {
        handshake();
        send(new Message.Meta(0, file("f", 3)));
        assertThat(in.read()).isEqualTo(new Message.Need(0));
        send(new Message.FileRestart(0, file("g", 3)));

        assertThat(destinationFailure().getMessage()).contains("FileRestart for entry 0 that is not being received as g");
    }

    @Test
    void fileFromForAFileThatWasNotResumed_isAProtocolError() throws Exception {
        handshake();
        send(new Message.Meta(0, file("f.bin", 5)));
        assertThat(in.read()).isEqualTo(new Message.Need(0));
        send(new Message.FileFrom(0, 0));

        assertThat(destinationFailure().getMessage()).contains("FileFrom for entry 0 that was not resumed");
    }

    /** A partial copy of {@code big.bin} as the hostile source "hostile" would have left it. */
    private void plantPartial(int bytes) throws IOException {
        Files.write(dst.resolve(io.farsync.sync.scan.TempNames.forPartial("big.bin", "hostile", "big.bin", 3 << 20, T)),
                new byte[bytes]);
    }

    @Test
    void fileFromBeyondTheBlocksOffered_isAProtocolError() throws Exception {
        plantPartial(2 << 20);
        handshake();
        send(new Message.Meta(0, file("big.bin", 3 << 20)));
        Message.Resume resume = (Message.Resume) in.read();
        assertThat(resume.blockHashes()).hasSize(2);
        send(new Message.FileFrom(0, 3 << 20));

        assertThat(destinationFailure().getMessage()).contains("FileFrom offset 3145728 for entry 0 is not one of the 2 blocks");
    }

    @Test
    void dataBeforeFileFrom_isAProtocolError() throws Exception {
        plantPartial(1 << 20);
        handshake();
        send(new Message.Meta(0, file("big.bin", 3 << 20)));
        assertThat(in.read()).isInstanceOf(Message.Resume.class);
        send(new Message.FileData(0, new byte[10]));

        assertThat(destinationFailure().getMessage()).contains("before the FileFrom answering its Resume");
    }

    @Test
    void eagerFileThroughASymlinkedParent_isRefused_andItsBytesDropped() throws Exception {
        Files.createSymbolicLink(dst.resolve("a"), outside);
        handshake();
        byte[] evil = "hacked".getBytes(StandardCharsets.UTF_8);
        send(new Message.MetaEager(0, file("a/passwd", evil.length)));
        send(new Message.FileData(0, evil));
        send(new Message.FileEnd(0, xxh64(evil)));
        SyncResult r = endWithTheOneEntryFailed();

        assertThat(r.errors()).singleElement().asString().contains("path escapes the root");
        assertThat(r.bytesTransferred()).isZero();
        assertThat(Files.isSymbolicLink(dst.resolve("a"))).isTrue();
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    /** Offers {@code f} as MetaEager where the destination already has it as described; returns the bytes to send. */
    private byte[] offerEagerlyWhatIsThere() throws IOException {
        Trees.write(dst.resolve("f"), "mine!", T);
        handshake();
        byte[] theirs = "other".getBytes(StandardCharsets.UTF_8);
        send(new Message.MetaEager(0, file("f", theirs.length)));
        return theirs;
    }

    @Test
    void eagerFileTheDestinationAlreadyHas_isAcknowledged_andItsBytesDroppedThroughARestart() throws Exception {
        byte[] theirs = offerEagerlyWhatIsThere();
        send(new Message.FileData(0, theirs));
        send(new Message.FileRestart(0, file("f", theirs.length)));
        send(new Message.FileData(0, theirs));
        send(new Message.FileAbort(0, SourceEndpoint.NOT_NEEDED));
        send(new Message.MetaEnd(1));
        Message ack = in.read();
        assertThat(ack).isInstanceOf(Message.Ack.class);
        assertThat(((Message.Ack) ack).outcome()).isIn(Outcome.UNCHANGED, Outcome.METADATA);
        Message summary = in.read();
        assertThat(summary).isInstanceOf(Message.Summary.class);
        send(new Message.Bye());

        SyncResult r = destination.get(30, TimeUnit.SECONDS);

        assertThat(r.errors()).isEmpty();
        assertThat(r.filesTransferred()).isZero();
        assertThat(dst.resolve("f")).hasContent("mine!");
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void fileDataAfterADroppedEagerFileEnded_isAProtocolError() throws Exception {
        byte[] theirs = offerEagerlyWhatIsThere();
        send(new Message.FileEnd(0, xxh64(theirs)));
        send(new Message.FileData(0, theirs));

        assertThat(destinationFailure().getMessage()).contains("data for entry 0 that was not requested");
    }

    @Test
    void eagerFileOverAPartialCopy_isReceivedFromTheStart() throws Exception {
        plantPartial(1 << 20);
        send(new Message.Hello(Protocol.VERSION, "hostile"));
        assertThat(in.read()).isInstanceOf(Message.Hello.class);
        Message.Deviations d = (Message.Deviations) in.read();
        assertThat(d.last()).isTrue();
        assertThat(d.partials()).as("partials reported").isTrue();
        assertThat(((Message.Extras) in.read()).last()).isTrue();
        byte[] data = Trees.random(new java.util.Random(3), 3 << 20);
        send(new Message.MetaEager(0, file("big.bin", data.length)));
        for (int off = 0; off < data.length; off += MessageCodec.MAX_CHUNK) {
            send(new Message.FileData(0, java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + MessageCodec.MAX_CHUNK))));
        }
        send(new Message.FileEnd(0, xxh64(data)));
        send(new Message.MetaEnd(1));
        assertThat(in.read()).isEqualTo(new Message.Ack(0, Outcome.TRANSFERRED, null));
        assertThat(in.read()).isInstanceOf(Message.Summary.class);
        send(new Message.Bye());

        SyncResult r = destination.get(30, TimeUnit.SECONDS);

        assertThat(r.errors()).isEmpty();
        assertThat(Files.readAllBytes(dst.resolve("big.bin"))).isEqualTo(data);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }
}
