package io.farsync.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An on-path attacker between a client and a server on loopback: forwards every datagram, keeps
 * a capture of all of them, and on request replays captured datagrams, flips bits, and injects
 * junk and forged datagrams from a foreign address. Test code; one thread.
 */
final class HostileRelay implements AutoCloseable {
    private final DatagramChannel front;
    private final DatagramChannel foreign;
    private final InetSocketAddress server;
    private final Random random;
    private final List<byte[]> capture = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile SocketAddress client;
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();
    final AtomicLong injected = new AtomicLong();

    /** Probabilities per forwarded client datagram. */
    double replayProbability;
    double corruptProbability;
    double junkProbability;

    HostileRelay(InetSocketAddress server, long seed) throws IOException {
        this.server = server;
        this.random = new Random(seed);
        this.front = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.foreign = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::run, "hostile-relay");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** Every datagram seen in either direction, in order. */
    synchronized List<byte[]> capture() {
        return List.copyOf(capture);
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(70_000);
        try {
            while (!closed) {
                buf.clear();
                SocketAddress from = front.receive(buf);
                buf.flip();
                byte[] datagram = new byte[buf.remaining()];
                buf.get(datagram);
                synchronized (this) {
                    if (capture.size() < 200_000) {
                        capture.add(datagram);
                    }
                }
                if (from.equals(server)) {
                    if (client != null) {
                        front.send(ByteBuffer.wrap(datagram), client);
                    }
                    continue;
                }
                client = from;
                attack(datagram);
            }
        } catch (IOException e) {
            if (!closed) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void attack(byte[] datagram) throws IOException {
        if (random.nextDouble() < corruptProbability) {
            byte[] bad = datagram.clone();
            int bit = random.nextInt(bad.length * 8);
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            front.send(ByteBuffer.wrap(bad), server);
            corrupted.incrementAndGet();
        } else {
            front.send(ByteBuffer.wrap(datagram), server);
        }
        if (random.nextDouble() < replayProbability) {
            byte[] old;
            synchronized (this) {
                old = capture.get(random.nextInt(capture.size()));
            }
            front.send(ByteBuffer.wrap(old), server);
            replayed.incrementAndGet();
        }
        if (random.nextDouble() < junkProbability) {
            byte[] junk = new byte[1 + random.nextInt(1500)];
            random.nextBytes(junk);
            if (junk.length > 5 && random.nextBoolean()) {
                System.arraycopy(datagram, 0, junk, 0, 5); // right version and connection id, forged rest
            }
            foreign.send(ByteBuffer.wrap(junk), server);
            injected.incrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        foreign.close();
    }
}
