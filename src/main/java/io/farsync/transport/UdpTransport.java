package io.farsync.transport;

import io.farsync.transport.core.Connection;
import io.farsync.transport.core.PathValidator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket driver: one UDP socket and one I/O thread serving any number of connections,
 * demultiplexed by connection id. The protocol itself lives in {@code transport.core}.
 *
 * <p>The I/O thread loops: drain the socket, handing each datagram to its connection; let every
 * connection emit what pacing allows, its datagrams of the round sent together at the end of its
 * turn ({@link DatagramBatch}: UDP GSO where Linux offers it); sleep until the earliest timer, an
 * incoming datagram or an application's wake-up. Waits under a millisecond use
 * {@link LockSupport#parkNanos}, because {@link Selector#select(long)} only counts milliseconds;
 * the pacer's one-millisecond burst allowance absorbs the oversleep (parking typically lasts 50
 * to 80 us at least). The thread never spins: spinning through pacing gaps under 20 us measured
 * no faster on 2-core loopback runs (2 GB, 1472- and 16384-byte datagrams, within run-to-run
 * noise) and burns a core.
 */
public final class UdpTransport implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UdpTransport.class);

    private static final int SOCKET_BUFFER_BYTES = 8 << 20;
    /** Datagrams per connection per round, so that incoming acks get their turn. */
    private static final int SEND_BATCH = 64;
    private static final int RECEIVE_BATCH = 256;
    private static final long JOIN_MILLIS = 2_000;

    private final TransportConfig config;
    private final DatagramChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final int port;
    private final Thread ioThread;
    private final Map<Integer, UdpConnection> connections = new ConcurrentHashMap<>();
    /** Reads the socket, with each datagram's arrival time (I/O thread only). */
    private final DatagramReader reader;
    private final DatagramReader.Sink onDatagram = this::onDatagram;
    /** The datagrams sealed this round and not sent yet (I/O thread only). */
    private final DatagramBatch batch;
    private final AtomicBoolean workSignalled = new AtomicBoolean();
    private final AtomicLong datagramsDropped = new AtomicLong();
    private final AtomicLong earlyDatagramsDelivered = new AtomicLong();
    /** Datagrams that came before their connection was accepted (I/O thread only). */
    private final EarlyDatagrams early = new EarlyDatagrams();
    /** Connections accepted since the I/O thread last looked: it hands them their early datagrams. */
    private final Queue<UdpConnection> accepted = new ConcurrentLinkedQueue<>();
    private final SecureRandom challengeRandom = new SecureRandom();
    private volatile boolean sleeping;
    private volatile boolean closed;
    /** The kernel had no room for the batch's datagrams: they go before anything else. */
    private boolean blocked;

    private UdpTransport(TransportConfig config, DatagramChannel channel, Selector selector) throws IOException {
        this.config = config;
        this.channel = channel;
        this.selector = selector;
        this.key = channel.register(selector, SelectionKey.OP_READ);
        this.reader = DatagramReader.open(channel);
        this.port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        this.batch = new DatagramBatch(channel, UdpGso.open(channel));
        this.ioThread = new Thread(this::run, "farsync-udp-" + port);
        this.ioThread.setDaemon(true);
    }

    /** Binds a UDP socket ({@code port} 0 picks a free one) and starts the I/O thread. */
    public static UdpTransport bind(InetSocketAddress local, TransportConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        Connection.warmUpCrypto();
        DatagramChannel channel = DatagramChannel.open();
        Selector selector = null;
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            channel.bind(local);
            if (config.probeDatagramSize()) {
                setDontFragment(channel);
            }
            channel.configureBlocking(false);
            selector = Selector.open();
            UdpTransport transport = new UdpTransport(config, channel, selector);
            transport.ioThread.start();
            return transport;
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (selector != null) {
                selector.close();
            }
            throw new IOException("cannot bind UDP socket to " + local + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sets DF on a probing socket where the JDK can (IP_DONTFRAGMENT, JDK 19 and later; looked up
     * by name since we build for 17). Without it Linux sets DF only on datagrams within the path
     * MTU the kernel knows (IP_PMTUDISC_WANT): after a router's ICMP "fragmentation needed" it
     * fragments larger ones locally, so they, and probes, get through in fragments (measured on
     * shared/wan, see docs/PERFORMANCE.md). With DF, a send above the known path MTU fails and
     * counts as lost, which is what the probing needs.
     */
    @SuppressWarnings("unchecked")
    private static void setDontFragment(DatagramChannel channel) {
        try {
            Object option = Class.forName("jdk.net.ExtendedSocketOptions").getField("IP_DONTFRAGMENT").get(null);
            if (channel.supportedOptions().contains(option)) {
                channel.setOption((java.net.SocketOption<Boolean>) option, true);
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            log.debug("no DF on UDP sockets in this JDK: {}", e.toString());
        }
    }

    /** The bound local port. */
    public int localPort() {
        return port;
    }

    /**
     * Server side: registers a connection that the peer holding {@code keys} will open by sending
     * to this socket. The peer's address is learned from its first authenticated datagram.
     */
    public TransportConnection accept(SessionKeys keys) {
        return accept(keys, config);
    }

    /**
     * As {@link #accept(SessionKeys)}, with this connection's own settings (the rate and datagram
     * size a client asked for), instead of the ones the socket was bound with.
     */
    public TransportConnection accept(SessionKeys keys, TransportConfig connectionConfig) {
        return accept(keys, connectionConfig, null);
    }

    /**
     * As {@link #accept(SessionKeys, TransportConfig)}, for a peer expected to send from
     * {@code expectedPeer} (its SSH session's address; null if unknown): the connection may resume
     * the rate this process's last connection to that address measured ({@link PathHistory}).
     */
    public TransportConnection accept(SessionKeys keys, TransportConfig connectionConfig, InetAddress expectedPeer) {
        Objects.requireNonNull(connectionConfig, "connectionConfig");
        return register(keys, null, connectionConfig, expectedPeer);
    }

    /** Client side: opens a connection to {@code server}, which must have {@link #accept}ed {@code keys}. */
    public TransportConnection connect(InetSocketAddress server, SessionKeys keys) {
        Objects.requireNonNull(server, "server");
        if (server.isUnresolved()) {
            throw new IllegalArgumentException("server address " + server + " is unresolved");
        }
        return register(keys, server, config, server.getAddress());
    }

    /**
     * Registers a client's connection to {@code peer}, or a server's ({@code peer} null) expecting
     * its client at {@code expectedPeer} (null if unknown): with the rate the path to that address
     * recently carried, if {@link PathHistory} has it for a connection starting now.
     */
    private TransportConnection register(SessionKeys keys, InetSocketAddress peer, TransportConfig config,
            InetAddress expectedPeer) {
        if (closed) {
            throw new IllegalStateException("transport on port " + port + " is closed");
        }
        long now = System.nanoTime();
        long rate = PathHistory.shared().open(expectedPeer, config.initialRtt().toNanos(), now);
        UdpConnection c;
        try {
            TransportConfig connectionConfig = rate > 0 ? config.withResumeRate(rate) : config;
            Connection core = peer != null ? Connection.client(connectionConfig, keys, now)
                    : Connection.server(connectionConfig, keys, now);
            c = new UdpConnection(this, core, peer, connectionConfig, challengeRandom, expectedPeer);
        } catch (RuntimeException e) {
            PathHistory.shared().close(expectedPeer, null, null, now);
            throw e;
        }
        Connection core = c.core();
        if (connections.putIfAbsent(core.connectionId(), c) != null) {
            c.remember(PathHistory.shared());
            throw new IllegalStateException("connection id " + Integer.toHexString(core.connectionId())
                    + " is already in use on port " + port);
        }
        if (peer == null) {
            accepted.add(c);
        }
        wakeup();
        return c;
    }

    /**
     * Datagrams that arrived before {@link #accept} registered their connection and were handed to
     * it when it was (see {@link EarlyDatagrams}).
     */
    public long earlyDatagramsDelivered() {
        return earlyDatagramsDelivered.get();
    }

    /**
     * Holds datagrams that arrive before their connection is accepted for {@code hold} instead of
     * {@link EarlyDatagrams#HOLD_NANOS}: a test that proves they are delivered sets a hold longer
     * than a loaded machine can take between their arrival and {@link #accept}.
     */
    public void holdEarlyDatagramsFor(Duration hold) {
        early.holdFor(hold.toNanos());
    }

    /**
     * Datagrams dropped before reaching a connection: unknown connection id or not this protocol.
     * One held for a connection not accepted yet counts until that connection takes it.
     */
    public long datagramsDropped() {
        return datagramsDropped.get();
    }

    /** Aborts every connection and closes the socket; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (UdpConnection c : connections.values()) {
            c.remember(PathHistory.shared());
            c.abort("transport on port " + port + " closed");
        }
        wakeup();
        if (Thread.currentThread() != ioThread) {
            try {
                ioThread.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Makes the I/O thread run a round soon: an application wrote, read or changed state. */
    void wakeup() {
        workSignalled.set(true);
        if (sleeping) {
            selector.wakeup();
            LockSupport.unpark(ioThread);
        }
    }

    // ---------------------------------------------------------------- I/O thread

    private void run() {
        try {
            while (!closed) {
                deliverEarly();
                receiveAll();
                long earliest = serviceConnections();
                sleepUntil(earliest);
            }
            // one last round so that the CLOSE frames of the aborts go out
            receiveAll();
            serviceConnections();
        } catch (ClosedChannelException e) {
            log.debug("UDP socket on port {} closed", port);
        } catch (IOException | RuntimeException | Error e) {
            log.error("I/O thread of UDP port {} failed", port, e);
            for (UdpConnection c : connections.values()) {
                c.abort("I/O thread failed: " + e);
            }
        } finally {
            reader.close();
            try {
                selector.close();
                channel.close();
            } catch (IOException e) {
                log.debug("closing UDP socket on port {}", port, e);
            }
        }
    }

    private void receiveAll() throws IOException {
        for (int read = 0, n; read < RECEIVE_BATCH; read += n) {
            n = reader.read(RECEIVE_BATCH - read, onDatagram);
            if (n == 0) {
                return;
            }
        }
    }

    private void onDatagram(InetSocketAddress source, byte[] data, int len, long arrivedAt) {
        long id = Connection.connectionIdOf(data, 0, len);
        if (id < 0 || len > TransportConfig.MAX_DATAGRAM) {
            datagramsDropped.incrementAndGet();
            return;
        }
        UdpConnection c = connections.get((int) id);
        if (c == null) {
            // counted as dropped until (unless) its connection is accepted
            early.hold((int) id, source, data, len, System.nanoTime());
            datagramsDropped.incrementAndGet();
            return;
        }
        deliver(c, source, data, len, arrivedAt);
    }

    /** Hands each newly accepted connection the datagrams that came for it before it existed. */
    private void deliverEarly() {
        for (UdpConnection c; (c = accepted.poll()) != null; ) {
            for (EarlyDatagrams.Held h : early.take(c.core().connectionId(), System.nanoTime())) {
                deliver(c, h.source(), h.data(), h.data().length, System.nanoTime());
                earlyDatagramsDelivered.incrementAndGet();
                datagramsDropped.decrementAndGet();
            }
        }
    }

    private static void deliver(UdpConnection c, InetSocketAddress source, byte[] data, int len, long arrivedAt) {
        c.lock.lock();
        try {
            int result = c.core().receive(data, 0, len, System.nanoTime(), arrivedAt);
            if (result != Connection.DROPPED) {
                c.onAuthentic(source, len, result == Connection.ACCEPTED_NEWEST);
            }
        } finally {
            c.lock.unlock();
        }
    }

    /** Runs timers and sends for every connection; returns the earliest next wake-up. */
    private long serviceConnections() throws IOException {
        if (blocked && !flush()) {
            return Long.MAX_VALUE;
        }
        long earliest = Long.MAX_VALUE;
        for (UdpConnection c : connections.values()) {
            c.lock.lock();
            try {
                Connection core = c.core();
                long now = System.nanoTime();
                if (core.nextWakeupNanos() <= now) {
                    core.onTimeout(now);
                }
                sendChallenge(c, now);
                boolean limited = false;
                for (int i = 0; i < SEND_BATCH && !blocked; i++) {
                    if (!c.maySend()) {
                        limited = true;
                        break;
                    }
                    if (!batch.hasRoom() && !flush()) {
                        break;
                    }
                    int n = core.poll(batch.array(), batch.offset(), batch.room(), now);
                    if (n == 0) {
                        break;
                    }
                    batch.add(n, c.peer());
                    if (c.paths() != null) {
                        c.paths().onSent(c.peer(), n);
                    }
                }
                // this connection's datagrams leave in its turn, as one datagram per call did
                if (!blocked) {
                    flush();
                }
                earliest = Math.min(earliest, limited ? limitedWakeup(c) : core.nextWakeupNanos());
                if (c.paths() != null) {
                    earliest = Math.min(earliest, c.paths().nextTimer(Connection.PATH_CHALLENGE_DATAGRAM));
                }
                c.signalWaiters();
                if (core.isClosed()) {
                    // draining takes three probe timeouts and sends nothing: the next connection to
                    // the peer (a server's next job from the same client) need not wait for it
                    c.remember(PathHistory.shared());
                }
                if (core.isTerminated()) {
                    connections.remove(core.connectionId(), c);
                }
            } finally {
                c.lock.unlock();
            }
        }
        return earliest;
    }

    /** A server's path challenge that is due, to the address under validation; none while the batch is full. */
    private void sendChallenge(UdpConnection c, long now) throws IOException {
        if (c.paths() == null || blocked || !batch.hasRoom()) {
            return;
        }
        Connection core = c.core();
        PathValidator.Challenge<InetSocketAddress> challenge = c.paths().pollChallenge(now, core.probeTimeoutNanos(),
                Connection.PATH_CHALLENGE_DATAGRAM);
        if (challenge != null) {
            int n = core.sealPathChallenge(batch.array(), batch.offset(), challenge.data(), now);
            if (n > 0) {
                batch.add(n, challenge.address());
            }
        }
    }

    /**
     * The wake-up of a connection that may not send to its unvalidated address: the next challenge
     * or the idle timeout, not the connection's own (due) timers, which would spin the loop.
     */
    private static long limitedWakeup(UdpConnection c) {
        return Math.min(c.paths().nextTimer(Connection.PATH_CHALLENGE_DATAGRAM), c.core().idleDeadlineNanos());
    }

    /**
     * Sends the batch; true once it is empty. While the kernel has no room, the socket is also
     * watched for writability, so that the I/O thread wakes when it drains.
     */
    private boolean flush() throws IOException {
        boolean wasBlocked = blocked;
        blocked = !batch.flush();
        if (blocked != wasBlocked) {
            key.interestOps(blocked ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
        return !blocked;
    }

    private void sleepUntil(long deadline) throws IOException {
        sleeping = true;
        try {
            if (workSignalled.getAndSet(false) || closed) {
                return;
            }
            long wait = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (blocked) {
                selector.select(1);
            } else if (wait <= 0) {
                return;
            } else if (wait < 1_000_000) {
                LockSupport.parkNanos(this, wait);
            } else {
                selector.select(wait == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
            }
            selector.selectedKeys().clear();
        } finally {
            sleeping = false;
            workSignalled.set(false);
        }
    }
}
