package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A live transfer through an on-path attacker on real loopback sockets: what the attacker sees
 * holds none of the plaintext, and replayed, bit-flipped, junk and forged datagrams change
 * nothing but the drop counters.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OnPathAttackTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final byte[] MARKER = "FARSYNC-KNOWN-PLAINTEXT-7f3a9c".getBytes(StandardCharsets.US_ASCII);
    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(400_000_000L)
            .withBuffers(8 << 20, 8 << 20)
            .withIdleTimeout(Duration.ofSeconds(20));

    @Test
    void transferThroughHostileRelay_arrivesIntact_leaksNoPlaintext_andCountsDrops() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        byte[] payload = knownPlaintext(6 << 20, new Random(SEED));
        SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (UdpTransport server = UdpTransport.bind(new InetSocketAddress(lo, 0), CONFIG);
                UdpTransport client = UdpTransport.bind(new InetSocketAddress(lo, 0), CONFIG);
                HostileRelay relay = new HostileRelay(new InetSocketAddress(lo, server.localPort()), SEED)) {
            relay.replayProbability = 0.05;
            relay.corruptProbability = 0.03;
            relay.junkProbability = 0.05;
            TransportConnection accepted = server.accept(keys);
            TransportConnection connected = client.connect(relay.address(), keys);

            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readAll(accepted.input()));
            try (OutputStream out = connected.output()) {
                for (int off = 0; off < payload.length; off += 65536) {
                    out.write(payload, off, Math.min(65536, payload.length - off));
                }
            }
            byte[] got = received.get(90, TimeUnit.SECONDS);
            connected.close();
            accepted.close();

            assertThat(Arrays.equals(got, payload)).as("payload intact").isTrue();
            assertThat(relay.replayed.get()).isPositive();
            assertThat(relay.corrupted.get()).isPositive();
            assertThat(relay.injected.get()).isPositive();
            TransportStats stats = accepted.stats();
            System.out.printf("replayed %d, corrupted %d, injected %d; server dropped %d in the connection, %d at the socket%n",
                    relay.replayed.get(), relay.corrupted.get(), relay.injected.get(), stats.datagramsDropped(),
                    server.datagramsDropped());
            assertThat(stats.datagramsDropped() + server.datagramsDropped())
                    .as("every replayed, corrupted or injected datagram is dropped")
                    .isGreaterThanOrEqualTo(relay.replayed.get() + relay.corrupted.get() + relay.injected.get() / 2);
            for (byte[] datagram : relay.capture()) {
                assertThat(indexOf(datagram, Arrays.copyOf(MARKER, 12))).as("plaintext visible on the wire").isEqualTo(-1);
            }
        }
    }

    /** Random bytes with the marker every 4 KiB, so any leak of a plaintext run shows. */
    private static byte[] knownPlaintext(int size, Random random) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        for (int off = 0; off + MARKER.length <= size; off += 4096) {
            System.arraycopy(MARKER, 0, data, off, MARKER.length);
        }
        return data;
    }

    private static byte[] readAll(InputStream in) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
