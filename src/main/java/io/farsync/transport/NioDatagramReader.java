package io.farsync.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The portable {@link DatagramReader}: one {@link DatagramChannel#receive} per datagram, its
 * arrival the time of the read (the JDK does not expose the kernel's receive timestamp).
 */
final class NioDatagramReader implements DatagramReader {

    private final DatagramChannel channel;
    private final ByteBuffer rx = ByteBuffer.allocate(TransportConfig.MAX_DATAGRAM + 1);

    NioDatagramReader(DatagramChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read(int max, Sink sink) throws IOException {
        for (int i = 0; i < max; i++) {
            rx.clear();
            InetSocketAddress source = (InetSocketAddress) channel.receive(rx);
            if (source == null) {
                return i;
            }
            sink.accept(source, rx.array(), rx.position(), System.nanoTime());
        }
        return max;
    }

    @Override
    public void close() {
    }
}
