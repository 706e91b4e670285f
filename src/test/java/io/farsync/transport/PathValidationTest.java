package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.farsync.transport.core.Connection;
import io.farsync.transport.core.PathValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Address changes on real loopback sockets, through a {@link HostileRelay}: datagrams raced from a
 * foreign address never redirect the server (it only challenges that address, within the
 * anti-amplification limit), and a client whose NAT rebinds mid-transfer is followed once the new
 * address answered its challenge.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PathValidationTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final InetAddress LO = InetAddress.getLoopbackAddress();
    private final SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(200_000_000L)
            .withBuffers(4 << 20, 4 << 20)
            .withIdleTimeout(Duration.ofSeconds(20));

    @Test
    void datagramsRacedFromAForeignAddress_neverRedirectTheServer_andTheTransferCompletes() throws Exception {
        byte[] payload = seededPayload(4 << 20);
        try (UdpTransport server = UdpTransport.bind(new InetSocketAddress(LO, 0), CONFIG);
                UdpTransport client = UdpTransport.bind(new InetSocketAddress(LO, 0), CONFIG);
                HostileRelay relay = new HostileRelay(new InetSocketAddress(LO, server.localPort()), SEED)) {
            relay.raceProbability = 0.3;
            UdpConnection accepted = (UdpConnection) server.accept(keys);
            TransportConnection connected = client.connect(relay.address(), keys);

            byte[] got = transfer(connected, accepted, payload, new AtomicLong(), () -> { });

            assertThat(Arrays.equals(got, payload)).as("payload intact").isTrue();
            String paths = pathsOf(accepted);
            System.out.printf("raced %d datagrams (%d bytes) from the foreign address; it received %d datagrams, %d bytes; %s%n",
                    relay.raced.get(), relay.raceBytesSent.get(), relay.foreignDatagramsReceived.get(),
                    relay.foreignBytesReceived.get(), paths);
            assertThat(relay.raced.get()).isPositive();
            assertThat(relay.foreignBytesReceived.get()).as("only path challenges went to the foreign address")
                    .isEqualTo(relay.foreignDatagramsReceived.get() * Connection.PATH_CHALLENGE_DATAGRAM)
                    .isLessThanOrEqualTo(PathValidator.AMPLIFICATION_FACTOR * relay.raceBytesSent.get());
            accepted.lock.lock();
            try {
                PathValidator<InetSocketAddress> v = accepted.paths();
                assertThat(v.migrations()).as(paths).isZero();
                assertThat(v.datagramsFromUnvalidated()).as(paths).isPositive();
                assertThat(v.challengesSent()).as(paths).isPositive();
                assertThat(v.isValidated(v.current())).isTrue();
            } finally {
                accepted.lock.unlock();
            }
        }
    }

    @Test
    void natRebindingMidTransfer_isValidated_andTheServerFollowsTheClient() throws Exception {
        byte[] payload = seededPayload(12 << 20);
        TransportConfig slow = CONFIG.withRate(40_000_000L);
        try (UdpTransport server = UdpTransport.bind(new InetSocketAddress(LO, 0), slow);
                UdpTransport client = UdpTransport.bind(new InetSocketAddress(LO, 0), slow);
                HostileRelay relay = new HostileRelay(new InetSocketAddress(LO, server.localPort()), SEED)) {
            UdpConnection accepted = (UdpConnection) server.accept(keys);
            TransportConnection connected = client.connect(relay.address(), keys);
            AtomicLong received = new AtomicLong();

            byte[] got = transfer(connected, accepted, payload, received, () -> {
                await().atMost(Duration.ofSeconds(60)).until(() -> received.get() > payload.length / 3);
                try {
                    relay.rebind();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });

            assertThat(Arrays.equals(got, payload)).as("payload intact").isTrue();
            String paths = pathsOf(accepted);
            System.out.println(paths);
            accepted.lock.lock();
            try {
                PathValidator<InetSocketAddress> v = accepted.paths();
                assertThat(v.migrations()).as(paths).isEqualTo(1);
                assertThat(v.validations()).as("the first address and the new one").isEqualTo(2);
                assertThat(v.isValidated(v.current())).isTrue();
            } finally {
                accepted.lock.unlock();
            }
        }
    }

    private static byte[] seededPayload(int size) {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        byte[] payload = new byte[size];
        new Random(SEED).nextBytes(payload);
        return payload;
    }

    private static String pathsOf(UdpConnection c) {
        c.lock.lock();
        try {
            return c.paths().toString();
        } finally {
            c.lock.unlock();
        }
    }

    /** Sends {@code payload} from client to server while {@code meanwhile} runs; returns what arrived. */
    private static byte[] transfer(TransportConnection from, TransportConnection to, byte[] payload, AtomicLong received,
            Runnable meanwhile) throws Exception {
        CompletableFuture<byte[]> arrived = CompletableFuture.supplyAsync(() -> readAll(to.input(), payload.length, received));
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try (OutputStream out = from.output()) {
                for (int off = 0; off < payload.length; off += 65536) {
                    out.write(payload, off, Math.min(65536, payload.length - off));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        meanwhile.run();
        byte[] got = arrived.get(90, TimeUnit.SECONDS);
        sent.get(10, TimeUnit.SECONDS);
        from.close();
        to.close();
        return got;
    }

    private static byte[] readAll(InputStream in, int expected, AtomicLong received) {
        byte[] all = new byte[expected + 1];
        int n = 0;
        try {
            for (int r; (r = in.read(all, n, Math.min(65536, all.length - n))) > 0; ) {
                n += r;
                received.set(n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Arrays.copyOf(all, n);
    }
}
