package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.farsync.transport.core.Connection;
import io.farsync.transport.sim.Pattern;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpTransportTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(2_000_000_000L)
            .withBuffers(16 << 20, 16 << 20)
            .withIdleTimeout(Duration.ofSeconds(10));

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private UdpTransport server;
    private UdpTransport client;

    @BeforeEach
    void bind() throws IOException {
        server = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), CONFIG);
        client = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), CONFIG);
    }

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
        client.close();
        server.close();
    }

    private InetSocketAddress serverAddress() {
        return new InetSocketAddress(LOOPBACK, server.localPort());
    }

    private static SessionKeys keys() {
        return SessionKeys.generate(new SecureRandom(), 128);
    }

    /** Writes {@code size} bytes of pattern {@code seed}, then closes the output. */
    private Future<Void> send(TransportConnection c, long size, long seed) {
        return CompletableFuture.runAsync(() -> {
            Pattern p = new Pattern(seed);
            byte[] buf = new byte[256 * 1024];
            try (OutputStream out = c.output()) {
                for (long off = 0; off < size; ) {
                    int n = (int) Math.min(buf.length, size - off);
                    p.fill(off, buf, 0, n);
                    out.write(buf, 0, n);
                    off += n;
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, pool);
    }

    /** Reads to end of stream; returns the byte count, failing on the first byte off the pattern. */
    private Future<Long> receive(TransportConnection c, long seed) {
        return CompletableFuture.supplyAsync(() -> {
            Pattern p = new Pattern(seed);
            byte[] buf = new byte[256 * 1024];
            long total = 0;
            try {
                InputStream in = c.input();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long bad = p.firstMismatch(total, buf, 0, n);
                    if (bad >= 0) {
                        throw new AssertionError("byte " + bad + " differs");
                    }
                    total += n;
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return total;
        }, pool);
    }

    @Test
    void datagramsSentBeforeTheServerAccepted_areDeliveredWhenItDoes() throws Exception {
        SessionKeys keys = keys();
        // held far longer than a loaded machine can take from their arrival to accept(): the
        // default hold could expire first, and the re-sent datagrams would arrive normally
        server.holdEarlyDatagramsFor(Duration.ofMinutes(10));
        TransportConnection c = client.connect(serverAddress(), keys);
        long size = 20_000L;
        Future<Void> up = send(c, size, 7);
        // the client's first datagrams reach the server before it knows the keys (as when the
        // session request's welcome is still on its way): held, not dropped
        await().atMost(Duration.ofSeconds(30)).until(() -> server.datagramsDropped() > 0);
        TransportConnection s = server.accept(keys);
        assertThat(receive(s, 7).get(60, TimeUnit.SECONDS)).isEqualTo(size);
        up.get(60, TimeUnit.SECONDS);
        System.out.println("early datagrams delivered: " + server.earlyDatagramsDelivered() + ", server " + s.stats());
        assertThat(server.earlyDatagramsDelivered()).isPositive();
    }

    @Test
    void transfer_50MegabytesBothDirections_arrivesIntact() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        long size = 50_000_000L;

        long start = System.nanoTime();
        Future<Void> up = send(c, size, 1);
        Future<Void> down = send(s, size, 2);
        Future<Long> atServer = receive(s, 1);
        Future<Long> atClient = receive(c, 2);

        assertThat(atServer.get(100, TimeUnit.SECONDS)).isEqualTo(size);
        assertThat(atClient.get(100, TimeUnit.SECONDS)).isEqualTo(size);
        up.get();
        down.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("100 MB total in %.2f s (%.0f MB/s); client %s%n", seconds, 2 * size / 1e6 / seconds, c.stats());
        TransportStats cs = c.stats();
        assertThat(cs.streamBytesSent()).isEqualTo(size);
        assertThat(cs.wireBytesSent()).isGreaterThan(size);
        assertThat(cs.smoothedRttNanos()).isPositive();
        c.close();
        s.close();
    }

    @Test
    void transfer_withLargestDatagrams_arrivesIntact() throws Exception {
        TransportConfig big = CONFIG.withDatagramSize(TransportConfig.MAX_DATAGRAM);
        try (UdpTransport bigServer = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), big);
             UdpTransport bigClient = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), big)) {
            SessionKeys keys = keys();
            TransportConnection s = bigServer.accept(keys);
            TransportConnection c = bigClient.connect(new InetSocketAddress(LOOPBACK, bigServer.localPort()), keys);
            long size = 20_000_000L;
            Future<Void> up = send(c, size, 4);
            Future<Long> atServer = receive(s, 4);

            assertThat(atServer.get(60, TimeUnit.SECONDS)).isEqualTo(size);
            up.get();
            TransportStats st = c.stats();
            assertThat(st.datagramsSent()).as("about size / 65000 datagrams").isLessThan(size / 50_000);
        }
    }

    @Test
    void close_afterWriting_peerReadsAllThenEndOfStream() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        Future<Long> atServer = receive(s, 7);
        Pattern p = new Pattern(7);
        byte[] data = new byte[1_000_000];
        p.fill(0, data, 0, data.length);
        c.output().write(data);
        c.close();

        assertThat(atServer.get(30, TimeUnit.SECONDS)).isEqualTo(data.length);
        assertThat(c.stats().retransmittedBytes()).isLessThanOrEqualTo(c.stats().streamBytesSent());
        assertThatThrownBy(() -> c.output().write(1)).isInstanceOf(IOException.class);
    }

    @Test
    void abort_deliversReasonToPeer() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        c.output().write(new byte[] {1, 2, 3});
        assertThat(s.input().read(new byte[3])).isPositive();

        c.abort("disk full on the client");

        assertThatThrownBy(() -> s.input().read(new byte[10]))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("disk full on the client");
        assertThatThrownBy(() -> c.input().read())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("disk full on the client");
    }

    @Test
    void junkDatagrams_duringTransfer_areDroppedAndTransferCompletes() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        long size = 10_000_000L;
        AtomicBoolean spraying = new AtomicBoolean(true);
        Future<Integer> junk = pool.submit(() -> spray(keys.connectionId(), spraying));
        // junk is arriving before the data starts (at 2 Gbit/s the 10 MB can be over before a
        // busy machine schedules the sprayer): it arrives during the transfer, not after it
        await().atMost(Duration.ofSeconds(30)).until(() -> s.stats().datagramsDropped() > 0 && server.datagramsDropped() > 0);

        Future<Void> up = send(c, size, 3);
        Future<Long> atServer = receive(s, 3);

        assertThat(atServer.get(60, TimeUnit.SECONDS)).isEqualTo(size);
        up.get();
        spraying.set(false);
        int sprayed = junk.get();
        System.out.println("sprayed " + sprayed + " junk datagrams; server " + s.stats());
        // junk reached the live connection and the server before the transfer (the wait above) and
        // went on during it as far as the scheduler allowed; the transfer came through intact.
        // Whether junk landed inside the transfer's window is not asserted: a loaded machine may not
        // run the sprayer in it, and a test that sometimes fails would only teach to ignore it.
        assertThat(sprayed).isPositive();
    }

    /** Sends random datagrams, half of them with the connection's header, until told to stop. */
    private int spray(int connectionId, AtomicBoolean spraying) throws IOException {
        Random random = new Random(42);
        int count = 0;
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(LOOPBACK, 0));
            while (spraying.get() && count < 200_000) {
                byte[] b = new byte[random.nextInt(1500)];
                random.nextBytes(b);
                if (count % 2 == 0 && b.length >= 13) {
                    ByteBuffer.wrap(b).put((byte) 0x11).putInt(connectionId).putLong(random.nextInt(100_000));
                }
                ch.send(ByteBuffer.wrap(b), serverAddress());
                count++;
                if (count % 64 == 0) {
                    Thread.sleep(1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return count;
    }

    @Test
    void wrongKeys_neverGetDataThrough() throws Exception {
        TransportConfig shortIdle = CONFIG.withIdleTimeout(Duration.ofSeconds(1));
        try (UdpTransport impostor = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), shortIdle)) {
            SessionKeys real = keys();
            SessionKeys fake = SessionKeys.generate(new SecureRandom(), 128);
            SessionKeys forged = new SessionKeys(real.connectionId(), fake.clientToServerKey(),
                    fake.clientToServerIv(), fake.serverToClientKey(), fake.serverToClientIv());
            TransportConnection s = server.accept(real);
            TransportConnection c = impostor.connect(serverAddress(), forged);
            Future<Void> writing = send(c, 100_000, 9);

            await().atMost(Duration.ofSeconds(10)).until(() -> s.stats().datagramsDropped() > 0);
            assertThatThrownBy(() -> c.input().read())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no datagram from");
            assertThat(s.input().available()).isZero();
            assertThat(s.stats().datagramsReceived()).isEqualTo(s.stats().datagramsDropped());
            writing.cancel(true);
        }
    }

    /**
     * During a bulk send the application's threads are woken when they can go on, not after every
     * round of the I/O thread: the writer, ahead of the path, waits for a MiB of room at a time
     * ({@link UdpConnection#WRITE_WAKE_BYTES}; 64 MiB in 256 KiB writes waited 191 times on
     * loopback when any room woke it), and a reader waiting for the peer's answer wakes for the
     * answer (606 times before, at each round that carried acknowledgements).
     */
    @Test
    void aBulkSend_wakesItsWriterPerMegabyteOfRoom_andAWaitingReaderOnlyForTheAnswer() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        long size = 64L << 20;
        Future<Long> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return (long) c.input().read();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, pool);
        Future<Long> received = receive(s, 5);
        send(c, size, 5).get(60, TimeUnit.SECONDS);
        assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(size);
        s.output().write(42);
        s.output().flush();
        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(42);

        UdpConnection.Waits waits = ((UdpConnection) c).waits();
        System.out.println("while 64 MiB went out: " + waits);
        assertThat(waits.writer()).isBetween(1L, size / (UdpConnection.WRITE_WAKE_BYTES / 2));
        assertThat(waits.reader()).isBetween(1L, 3L);
    }

    /**
     * A writer that needs less than the wake threshold, while the peer's application reads only a
     * little (its credit used up), is woken as soon as what it needs is free: two ends that each
     * write before they read must not wait for each other. Here the writer blocks with 64 KiB left
     * (its 1 MiB buffer full behind the peer's 256 KiB window), the peer reads 64 KiB and stops; the
     * room that frees is what the writer needs, below its 128 KiB threshold.
     */
    @Test
    void aWriterNeedingLessThanTheThreshold_finishesWhenThePeerReadsThatMuch() throws Exception {
        TransportConfig small = CONFIG.withBuffers(1 << 20, 256 << 10);
        try (UdpTransport smallServer = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), small);
                UdpTransport smallClient = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), small)) {
            SessionKeys keys = keys();
            TransportConnection s = smallServer.accept(keys);
            TransportConnection c = smallClient.connect(new InetSocketAddress(LOOPBACK, smallServer.localPort()), keys);
            // the peer's window and the writer's buffer, exactly: returns once the window's part is acknowledged
            c.output().write(new byte[(256 << 10) + (1 << 20)]);
            long waitsBefore = ((UdpConnection) c).waits().writer();
            Future<?> writing = CompletableFuture.runAsync(() -> {
                try {
                    c.output().write(new byte[64 << 10]);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, pool);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ((UdpConnection) c).waits().writer() > waitsBefore);

            assertThat(s.input().readNBytes(64 << 10)).hasSize(64 << 10);

            writing.get(10, TimeUnit.SECONDS);
        }
    }

    /** A connection that sent enough leaves its path's rate and RTT for the next one to the same peer. */
    @Test
    void aConnectionThatSentEnough_recordsItsPathWhenItEnds() throws Exception {
        long start = System.nanoTime();
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        long size = 8L << 20;
        Future<Long> received = receive(s, 8);
        send(c, size, 8).get(60, TimeUnit.SECONDS);
        assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(size);
        c.close();
        s.close();
        client.close();

        Connection.PathRecord recorded = PathHistory.shared().recordedSince(LOOPBACK, start);
        assertThat(recorded).as("the sender's record of the path to %s", LOOPBACK).isNotNull();
        assertThat(recorded.rateBitsPerSecond()).isPositive();
        assertThat(recorded.minRttNanos()).isPositive();
    }

    @Test
    void aWriterWaitingForRoom_failsAsSoonAsThePeerAborts() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        TransportConnection c = client.connect(serverAddress(), keys);
        // nobody reads at the server: its window fills, then the client's send buffer, then the writer waits
        Future<Void> writing = send(c, 1L << 30, 6);
        await().atMost(Duration.ofSeconds(30)).until(() -> ((UdpConnection) c).waits().writer() > 0);

        s.abort("stop");

        assertThatThrownBy(() -> writing.get(10, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(IOException.class)
                .rootCause().hasMessageContaining("stop");
    }

    @Test
    void close_ofTransport_failsBlockedReader() throws Exception {
        SessionKeys keys = keys();
        TransportConnection s = server.accept(keys);
        Future<Long> reading = receive(s, 1);

        server.close();

        assertThatThrownBy(() -> reading.get(10, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(IOException.class)
                .rootCause().hasMessageContaining("closed");
    }
}
