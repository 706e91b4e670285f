package io.farsync.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The socket driver: one UDP socket and one I/O thread serving any number of connections,
 * demultiplexed by connection id. The protocol itself lives in {@code transport.core}.
 */
public final class UdpTransport implements AutoCloseable {

    private UdpTransport() {
    }

    /** Binds a UDP socket ({@code port} 0 picks a free one) and starts the I/O thread. */
    public static UdpTransport bind(InetSocketAddress local, TransportConfig config) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /** The bound local port. */
    public int localPort() {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Server side: registers a connection that the peer holding {@code keys} will open by sending
     * to this socket. The peer's address is learned from its first authenticated datagram.
     */
    public TransportConnection accept(SessionKeys keys) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Client side: opens a connection to {@code server}, which must have {@link #accept}ed {@code keys}. */
    public TransportConnection connect(InetSocketAddress server, SessionKeys keys) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Aborts every connection and closes the socket; idempotent. */
    @Override
    public void close() {
    }
}
