package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An Error (an OutOfMemoryError in a 1,000,000-entry sync at -Xmx256m) that ends a channel's
 * reader or writer thread fails the endpoint's next call; it used to leave the endpoint waiting
 * for messages or for room in the outbound queue forever, the process alive and idle.
 */
class PeerChannelErrorTest {

    @Test
    void anErrorEndingTheWriter_failsTheSender() throws Exception {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) {
                throw new OutOfMemoryError("test: no room");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                throw new OutOfMemoryError("test: no room");
            }
        };
        try (PipedOutputStream silent = new PipedOutputStream(); PeerChannel channel =
                new PeerChannel("test", new PipedInputStream(silent), broken, m -> false)) {
            channel.start();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> {
                for (int i = 0; i < 10_000; i++) {
                    channel.send(new Message.Need(i));
                }
            }).isInstanceOf(FarsyncException.class).hasMessageContaining("writing to peer: java.lang.OutOfMemoryError: test: no room"));
        }
    }

    @Test
    void anErrorEndingTheReader_failsTheReceiver() throws Exception {
        InputStream broken = new InputStream() {
            @Override
            public int read() {
                throw new OutOfMemoryError("test: no room");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                throw new OutOfMemoryError("test: no room");
            }
        };
        try (PeerChannel channel = new PeerChannel("test", broken, OutputStream.nullOutputStream(), m -> false)) {
            channel.start();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(channel::take)
                    .isInstanceOf(FarsyncException.class).hasMessageContaining("reading from peer: java.lang.OutOfMemoryError: test: no room"));
        }
    }
}
