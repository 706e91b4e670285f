package io.farsync.sync.protocol;

import io.farsync.common.FarsyncException;
import io.farsync.fuzz.FuzzTarget;
import io.farsync.fuzz.Mutator;
import io.farsync.sync.scan.EntryType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fuzzes the sync protocol's message decoder ({@link MessageCodec.Reader}), which reads what the
 * peer sends over the transport stream: every message type, encoded genuinely, then mutated
 * (including the frame length and the type byte), plus random frames. The only acceptable
 * failures are the decoder's refusals: an {@link IOException} (the stream ended) or a
 * {@link FarsyncException} (a protocol error, which ends the sync with its exit code); anything
 * else escaping is a crash.
 */
public final class MessageFuzzTarget implements FuzzTarget {

    private final List<byte[]> templates = new ArrayList<>();
    private long parsed;
    private long refused;

    public MessageFuzzTarget() {
        WireEntry file = new WireEntry("dir/file.txt", EntryType.FILE, 1234, 1_700_000_000_123_456_789L, 0644, null);
        WireEntry link = new WireEntry("dir/link", EntryType.SYMLINK, 0, 1L, 0777, "../target");
        WireEntry dir = new WireEntry("dir", EntryType.DIRECTORY, 0, 2L, 0755, null);
        List<Message> messages = List.of(
                new Message.Hello(1, "snap-1"),
                new Message.Deviations(List.of("a", "b/c"), false),
                new Message.Extras(List.of(file, link, dir), true),
                new Message.Delete(7, file),
                new Message.Move(8, file, link, 0x1234_5678_9abcL),
                new Message.Meta(9, file),
                new Message.MetaEager(10, file),
                new Message.EntryError("x/y", "permission denied"),
                new Message.MetaEnd(42),
                new Message.Need(9),
                new Message.Resume(9, MessageCodec.MIN_RESUME_BLOCK, new long[] {1, 2, 3}),
                new Message.FileFrom(9, 65536),
                new Message.Ack(9, Outcome.TRANSFERRED, "ok"),
                new Message.FileData(9, new byte[] {1, 2, 3, 4, 5}),
                new Message.FileEnd(9, new byte[8]),
                new Message.FileInline(10, new WireEntry("dir/small", EntryType.FILE, 5, 3L, 0644, null), new byte[] {1, 2, 3, 4, 5}, new byte[8]),
                new Message.FileRestart(9, file),
                new Message.FileAbort(9, "vanished"),
                new Message.Summary(1, 2, 3, 4, 5, List.of("e1")),
                new Message.Abort(8, "disk full"),
                new Message.Bye());
        for (Message m : messages) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                MessageCodec.Writer w = new MessageCodec.Writer(out);
                w.write(m);
                w.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            templates.add(out.toByteArray());
        }
    }

    @Override
    public String name() {
        return "sync-message decoder";
    }

    @Override
    public void run(long index, Random r) {
        byte[] input;
        if (r.nextInt(10) == 0) {
            input = new byte[4 + r.nextInt(300)];
            r.nextBytes(input);
            if (r.nextBoolean()) {
                int n = input.length - 4;
                input[0] = 0;
                input[1] = 0;
                input[2] = (byte) (n >>> 8);
                input[3] = (byte) n;
            }
        } else {
            input = Mutator.mutate(templates.get(r.nextInt(templates.size())), r);
        }
        try {
            new MessageCodec.Reader(new ByteArrayInputStream(input)).read();
            parsed++;
        } catch (IOException | FarsyncException expected) {
            refused++;
        }
    }

    @Override
    public String summary() {
        return parsed + " parsed, " + refused + " refused (IOException or protocol error)";
    }
}
