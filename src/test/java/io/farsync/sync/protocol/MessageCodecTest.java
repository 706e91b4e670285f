package io.farsync.sync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.EntryType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    private static final WireEntry FILE = new WireEntry("dir/ü file", EntryType.FILE, 123, -5_000_000_001L, 0755, null);
    private static final WireEntry OWNED = new WireEntry("owned", EntryType.DIRECTORY, 0, 9, 0700, null, 4242, 4343,
            new java.util.TreeMap<>(java.util.Map.of("mime", "text/plain".getBytes(), "empty", new byte[0])));
    private static final WireEntry LINK = new WireEntry("ln", EntryType.SYMLINK, 0, 7, 0, "/abs/target");

    private static byte[] encode(Message... ms) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MessageCodec.Writer w = new MessageCodec.Writer(bytes);
        for (Message m : ms) {
            w.write(m);
        }
        w.flush();
        return bytes.toByteArray();
    }

    @Test
    void entryWithMoreExtendedAttributesThanTheFrameHolds_isRefused() throws IOException {
        byte[] frame = encode(new Message.Meta(1, OWNED));
        // the xattr count sits after path, type, size, mtime, mode, no link target, uid, gid
        int at = 4 + 1 + 4 + 4 + "owned".length() + 1 + 8 + 8 + 4 + 1 + 4 + 4;
        java.nio.ByteBuffer.wrap(frame).putInt(at, 1_000_000);

        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(frame)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("extended attribute count 1000000 invalid");
    }

    @Test
    void inlineFileWhoseBytesDifferFromItsSize_isRefused() throws IOException {
        byte[] frame = encode(new Message.FileInline(1, FILE, new byte[123], new byte[8]));
        // the data length sits right before the data, at the end of the frame
        java.nio.ByteBuffer.wrap(frame).putInt(frame.length - 123 - 4, 122);

        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(frame)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("inline file of 122 bytes for a FILE of 123 bytes");
    }

    @Test
    void inlineFileLargerThanTheInlineBound_isNotEncoded() {
        WireEntry big = new WireEntry("big", EntryType.FILE, MessageCodec.INLINE_MAX + 1, 0, 0644, null);

        assertThatThrownBy(() -> encode(new Message.FileInline(1, big, new byte[MessageCodec.INLINE_MAX + 1], new byte[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inline file of " + (MessageCodec.INLINE_MAX + 1));
    }

    @Test
    void hardLinkOfADirectory_isRefused() throws IOException {
        byte[] frame = encode(new Message.Link(1, OWNED, FILE));

        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(frame)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("hard link of a non-file: owned");
    }

    @Test
    void eagerContentsOfADirectory_areRefused() throws IOException {
        byte[] frame = encode(new Message.MetaEager(1, OWNED));

        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(frame)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("eager contents announced for a DIRECTORY");
    }

    @Test
    void everyMessage_roundTrips() throws IOException {
        List<Message> all = List.of(
                new Message.Hello(1, "uuid"),
                new Message.Deviations(List.of("a", "b/c"), true),
                new Message.Deviations(List.of(), true, true),
                new Message.Deviations(List.of(), true, true, true),
                new Message.FileInline(17, FILE, new byte[123], new byte[] {9, 8, 7, 6, 5, 4, 3, 2}),
                new Message.Extras(List.of(FILE, LINK), false),
                new Message.Extras(List.of(), true),
                new Message.Delete(3, LINK),
                new Message.Meta(4, FILE),
                new Message.Meta(15, OWNED),
                new Message.MetaEager(18, FILE),
                new Message.Link(16, FILE, new WireEntry("first", EntryType.FILE, 123, -5_000_000_001L, 0755, null)),
                new Message.Ack(16, Outcome.LINKED, null),
                new Message.Move(10, FILE, new WireEntry("moved/elsewhere.txt", FILE.type(), FILE.size(), FILE.mtimeNanos(), 0600, null), 42L),
                new Message.Move(11, FILE, new WireEntry("carried.txt", FILE.type(), FILE.size(), FILE.mtimeNanos(), 0600, null), 43L, true),
                new Message.Ack(11, Outcome.MOVED, null),
                new Message.EntryError("x", "permission denied"),
                new Message.MetaEnd(99),
                new Message.MetaEnd(7, 0755, 946_684_800_123_456_789L),
                new Message.Need(5),
                new Message.Ack(6, Outcome.FAILED, "why"),
                new Message.Ack(7, Outcome.TRANSFERRED, null),
                new Message.FileEnd(8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
                new Message.FileEnd(12, new byte[32]),
                new Message.FileEnd(13, new byte[0]),
                new Message.FileAbort(9, "changed during transfer"),
                new Message.FileRestart(14, FILE),
                new Message.Summary(1, 2, 3, 5, 4, List.of("e1", "e2")),
                new Message.Abort(8, "no space left on device writing /x"),
                new Message.Bye());
        MessageCodec.Reader r = new MessageCodec.Reader(new ByteArrayInputStream(encode(all.toArray(Message[]::new))));
        for (Message m : all) {
            assertThat(r.read()).isEqualTo(m);
        }
        assertThatThrownBy(r::read).isInstanceOf(EOFException.class);
    }

    @Test
    void fileData_roundTripsItsBytes() throws IOException {
        byte[] chunk = new byte[MessageCodec.MAX_CHUNK];
        chunk[0] = 1;
        chunk[chunk.length - 1] = 2;
        Message m = new MessageCodec.Reader(new ByteArrayInputStream(encode(new Message.FileData(1, chunk)))).read();
        assertThat(((Message.FileData) m).data()).isEqualTo(chunk);
    }

    @Test
    void fileDataFrame_isLengthTypeIdLengthData_andItsLengthsAreChecked() throws IOException {
        byte[] frame = encode(new Message.FileData(7, new byte[] {5, 6}));
        assertThat(frame).containsExactly(0, 0, 0, 11, 9, 0, 0, 0, 7, 0, 0, 0, 2, 5, 6);

        byte[] longer = {0, 0, 0, 12, 9, 0, 0, 0, 7, 0, 0, 0, 2, 5, 6, 0};
        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(longer)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("1 stray bytes after FileData");
        byte[] overlong = {0, 0, 0, 11, 9, 0, 0, 0, 7, 0, 0, 0, 3, 5, 6};
        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(overlong)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("chunk length 3 invalid");
        // a frame too short for the id and length must not read into the next frame
        byte[] shortThenBye = {0, 0, 0, 3, 9, 0, 0, 0, 0, 0, 1, 99};
        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(shortThenBye)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("malformed message of type 9");
    }

    @Test
    void oneByteAtATimeStream_stillDecodes() throws IOException {
        byte[] bytes = encode(new Message.Meta(1, FILE), new Message.Bye());
        InputStream slow = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        MessageCodec.Reader r = new MessageCodec.Reader(slow);
        assertThat(r.read()).isEqualTo(new Message.Meta(1, FILE));
        assertThat(r.read()).isEqualTo(new Message.Bye());
    }

    @Test
    void truncatedFrame_isEof() throws IOException {
        byte[] bytes = encode(new Message.Meta(1, FILE));
        MessageCodec.Reader r = new MessageCodec.Reader(new ByteArrayInputStream(bytes, 0, bytes.length - 3));
        assertThatThrownBy(r::read).isInstanceOf(EOFException.class);
    }

    @Test
    void malformedContents_areProtocolErrors() throws IOException {
        byte[] bytes = encode(new Message.EntryError("ab", "cd"));
        bytes[10] = (byte) 0xff; // inside the UTF-8 of "ab"
        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(bytes)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("UTF-8");

        byte[] unknown = {0, 0, 0, 1, 99};
        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(unknown)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("unknown message type 99");

        byte[] stray = encode(new Message.Need(1));
        byte[] longer = java.util.Arrays.copyOf(stray, stray.length + 1);
        longer[3]++;
        assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(longer)).read())
                .isInstanceOf(FarsyncException.class).hasMessageContaining("stray");
    }

    @Test
    void hugeErrorList_isCutToFitOneFrame() throws IOException {
        List<String> errors = java.util.Collections.nCopies(100_000, "some/long/path/name.txt: permission denied");
        Message.Summary s = (Message.Summary) new MessageCodec.Reader(
                new ByteArrayInputStream(encode(new Message.Summary(0, 0, 0, 0, 0, errors)))).read();
        assertThat(s.errors().size()).isLessThan(errors.size());
        assertThat(s.errors().get(s.errors().size() - 1)).contains("more errors");
    }
}
