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
 * a capture of all of them, and on request replays captured datagrams, flips bits, injects junk
 * and forged datagrams from a foreign address, and races copies of the client's datagrams from
 * that foreign address ahead of the originals (to make the server believe the client moved
 * there). It can also play a NAT that rebinds: {@link #rebind} moves the client's traffic to the
 * server onto a new source port and forgets the old mapping. Test code.
 */
final class HostileRelay implements AutoCloseable {
    private final DatagramChannel front;
    private final DatagramChannel foreign;
    private final InetSocketAddress server;
    private final Random random;
    private final List<byte[]> capture = new ArrayList<>();
    private volatile DatagramChannel toServer;
    private volatile boolean closed;
    private volatile SocketAddress client;
    /** Client datagrams seen so far (the relay thread's own count). */
    private long forwarded;
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();
    final AtomicLong injected = new AtomicLong();
    final AtomicLong raced = new AtomicLong();
    final AtomicLong raceBytesSent = new AtomicLong();
    /** What the server sent to the foreign address. */
    final AtomicLong foreignBytesReceived = new AtomicLong();
    final AtomicLong foreignDatagramsReceived = new AtomicLong();

    /** Probabilities per forwarded client datagram. */
    double replayProbability;
    double corruptProbability;
    double junkProbability;
    double raceProbability;

    HostileRelay(InetSocketAddress server, long seed) throws IOException {
        this.server = server;
        this.random = new Random(seed);
        InetAddress lo = InetAddress.getLoopbackAddress();
        this.front = DatagramChannel.open().bind(new InetSocketAddress(lo, 0));
        this.foreign = DatagramChannel.open().bind(new InetSocketAddress(lo, 0));
        this.toServer = openToServer();
        daemon("hostile-relay", this::run);
        daemon("hostile-relay-foreign", this::drainForeign);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** Every datagram seen in either direction, in order. */
    synchronized List<byte[]> capture() {
        return List.copyOf(capture);
    }

    /** Like a NAT rebinding: the client's datagrams reach the server from a new port from now on; the old one is gone. */
    void rebind() throws IOException {
        DatagramChannel old = toServer;
        toServer = openToServer();
        old.close();
    }

    /** A socket that carries the client's datagrams to the server and the server's answers back. */
    private DatagramChannel openToServer() throws IOException {
        DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        daemon("hostile-relay-from-server", () -> {
            ByteBuffer buf = ByteBuffer.allocate(70_000);
            try {
                while (!closed) {
                    buf.clear();
                    ch.receive(buf);
                    byte[] datagram = record(buf);
                    if (client != null) {
                        front.send(ByteBuffer.wrap(datagram), client);
                    }
                }
            } catch (IOException e) {
                // closed by rebind() or close()
            }
        });
        return ch;
    }

    private synchronized byte[] record(ByteBuffer buf) {
        buf.flip();
        byte[] datagram = new byte[buf.remaining()];
        buf.get(datagram);
        if (capture.size() < 200_000) {
            capture.add(datagram);
        }
        return datagram;
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(70_000);
        try {
            while (!closed) {
                buf.clear();
                client = front.receive(buf);
                try {
                    attack(record(buf));
                } catch (java.nio.channels.ClosedChannelException e) {
                    // the socket to the server was rebound meanwhile: this datagram is lost, as in a real NAT
                }
            }
        } catch (IOException e) {
            if (!closed) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void drainForeign() {
        ByteBuffer buf = ByteBuffer.allocate(70_000);
        try {
            while (!closed) {
                buf.clear();
                foreign.receive(buf);
                foreignDatagramsReceived.incrementAndGet();
                foreignBytesReceived.addAndGet(buf.position());
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void attack(byte[] datagram) throws IOException {
        DatagramChannel out = toServer;
        // Not the very first datagram: the server answers whichever address it hears its client
        // from first (as QUIC's server answers the client's Initial), within the amplification
        // limit (PathValidatorTest covers that first-address case); races are about moving later.
        boolean first = forwarded++ == 0;
        if (!first && random.nextDouble() < raceProbability) {
            foreign.send(ByteBuffer.wrap(datagram), server);
            raced.incrementAndGet();
            raceBytesSent.addAndGet(datagram.length);
        }
        if (random.nextDouble() < corruptProbability) {
            byte[] bad = datagram.clone();
            int bit = random.nextInt(bad.length * 8);
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            out.send(ByteBuffer.wrap(bad), server);
            corrupted.incrementAndGet();
        } else {
            out.send(ByteBuffer.wrap(datagram), server);
        }
        if (random.nextDouble() < replayProbability) {
            byte[] old;
            synchronized (this) {
                old = capture.get(random.nextInt(capture.size()));
            }
            out.send(ByteBuffer.wrap(old), server);
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
        toServer.close();
    }
}
