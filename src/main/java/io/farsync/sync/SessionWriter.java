package io.farsync.sync;

import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes the messages of a persistent session between conversations (batch control and hints),
 * each flushed at once. Synchronized: the hint publisher and the batch loop share it; during a
 * conversation the endpoint's own writer has the stream and nobody calls this.
 */
final class SessionWriter {
    private final OutputStream out;
    private final MessageCodec.Writer writer;

    SessionWriter(OutputStream out) {
        this.out = out;
        this.writer = new MessageCodec.Writer(out);
    }

    synchronized void send(Message m) {
        try {
            writer.write(m);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
