package io.farsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A farsync server on 127.0.0.1 seen through a relay on {@link #HOST}, on the same port number
 * (a farsync server's UDP port is its SSH port's, and its welcome says so): TCP (SSH) and UDP
 * (the transport) are forwarded both ways.
 * {@link #freeze} makes the TCP connections open at that moment go quiet without closing (a
 * network that went away, a NAT that dropped its mapping); new connections work as before.
 */
final class FreezableProxy implements AutoCloseable {
    private final InetSocketAddress server;
    private final ServerSocket tcp;
    private final DatagramChannel udp;
    private final Set<AtomicBoolean> live = ConcurrentHashMap.newKeySet();
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    /** One upstream UDP socket per client address, so the server's answers find their client. */
    private final Map<SocketAddress, DatagramChannel> upstream = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The relay's address: another loopback address, so that it can have the server's port number. */
    static final String HOST = "127.0.0.2";

    FreezableProxy(int serverPort) throws IOException {
        server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
        InetAddress relay = InetAddress.getByName(HOST);
        tcp = new ServerSocket(serverPort, 50, relay);
        udp = DatagramChannel.open().bind(new InetSocketAddress(relay, serverPort));
        daemon(this::acceptTcp);
        daemon(this::relayUdp);
    }

    int port() {
        return tcp.getLocalPort();
    }

    /** The TCP connections open now stop carrying bytes, both ways, and stay open. */
    void freeze() {
        live.forEach(l -> l.set(false));
        live.clear();
    }

    private void acceptTcp() {
        try {
            while (!closed) {
                Socket client = tcp.accept();
                Socket up = new Socket(server.getAddress(), server.getPort());
                open.add(client);
                open.add(up);
                AtomicBoolean flowing = new AtomicBoolean(true);
                live.add(flowing);
                daemon(() -> pump(client, up, flowing));
                daemon(() -> pump(up, client, flowing));
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Copies while flowing; once frozen, reads and drops (the sender sees no error, the receiver nothing). */
    private static void pump(Socket from, Socket to, AtomicBoolean flowing) {
        byte[] buffer = new byte[64 << 10];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (flowing.get()) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            if (flowing.get()) {
                to.shutdownOutput();
            }
        } catch (IOException e) {
            // one side closed
        }
    }

    private void relayUdp() {
        ByteBuffer b = ByteBuffer.allocate(65536);
        try {
            while (!closed) {
                b.clear();
                SocketAddress client = udp.receive(b);
                b.flip();
                DatagramChannel up = upstream.computeIfAbsent(client, c -> {
                    try {
                        DatagramChannel ch = DatagramChannel.open().connect(server);
                        open.add(ch);
                        daemon(() -> relayBack(ch, c));
                        return ch;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                up.write(b);
            }
        } catch (IOException | RuntimeException e) {
            // closed
        }
    }

    private void relayBack(DatagramChannel up, SocketAddress client) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        try {
            while (!closed) {
                b.clear();
                up.read(b);
                b.flip();
                udp.send(b, client);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "test-proxy");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws Exception {
        closed = true;
        tcp.close();
        udp.close();
        for (AutoCloseable c : open) {
            c.close();
        }
    }
}
