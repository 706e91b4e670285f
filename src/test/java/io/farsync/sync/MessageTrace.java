package io.farsync.sync;

import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Records what one endpoint sends (for a test's {@code sourceOut} or {@code destinationOut}) and
 * decodes it afterwards: which messages crossed, in order. Keeps every byte, so for small runs.
 */
final class MessageTrace {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /** Wraps a stream so that whatever is written through it is also recorded here. */
    UnaryOperator<OutputStream> tap() {
        return out -> new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                synchronized (bytes) {
                    bytes.write(b, off, len);
                }
            }
        };
    }

    /** The messages recorded, up to the last whole one. */
    List<Message> messages() throws IOException {
        byte[] all;
        synchronized (bytes) {
            all = bytes.toByteArray();
        }
        MessageCodec.Reader r = new MessageCodec.Reader(new ByteArrayInputStream(all));
        List<Message> list = new ArrayList<>();
        try {
            while (true) {
                list.add(r.read());
            }
        } catch (EOFException end) {
            return list;
        }
    }

    /** How many recorded messages are of {@code type}. */
    long count(Class<? extends Message> type) throws IOException {
        return messages().stream().filter(type::isInstance).count();
    }
}
