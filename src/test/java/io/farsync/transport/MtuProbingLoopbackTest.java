package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.sim.Pattern;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Path MTU probing over real UDP sockets on loopback, whose 65536-byte MTU carries large datagrams. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MtuProbingLoopbackTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int CEILING = 32 * 1024;

    @Test
    void probing_onLoopback_reachesTheCeiling_andTheDataArrivesIntact() throws Exception {
        int ceiling = PathMtu.ceilingTowards(LOOPBACK, CEILING, 1472);
        assertThat(ceiling).as("loopback interface ceiling").isEqualTo(CEILING);
        TransportConfig config = TransportConfig.defaults().withRate(2_000_000_000L).withDatagramSize(ceiling)
                .withDatagramSizeProbing(true).withBuffers(16 << 20, 16 << 20).withIdleTimeout(Duration.ofSeconds(10));
        long size = 20_000_000L;
        try (UdpTransport server = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), config);
                UdpTransport client = UdpTransport.bind(new InetSocketAddress(LOOPBACK, 0), config)) {
            SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
            TransportConnection s = server.accept(keys);
            TransportConnection c = client.connect(new InetSocketAddress(LOOPBACK, server.localPort()), keys);
            assertThat(c.stats().datagramSize()).isEqualTo(1200);

            CompletableFuture<Void> up = CompletableFuture.runAsync(() -> write(c, size));
            long received = read(s);
            up.get(60, TimeUnit.SECONDS);

            assertThat(received).isEqualTo(size);
            System.out.println("loopback probing: datagram size " + c.stats().datagramSize());
            assertThat(c.stats().datagramSize()).isEqualTo(CEILING);
        }
    }

    @Test
    void theKernelsLearnedPathMtu_isReadFromIpRouteGet() {
        assertThat(PathMtu.parseRouteMtu("10.77.2.2 via 10.77.1.1 dev pmtu-a0 src 10.77.1.2 uid 0 \n"
                + "    cache expires 597sec mtu 1400 \n")).isEqualTo(1400);
        assertThat(PathMtu.parseRouteMtu("127.0.0.1 dev lo src 127.0.0.1 uid 0 \n    cache <local> \n"))
                .isEqualTo(Integer.MAX_VALUE);
    }

    private static void write(TransportConnection c, long size) {
        Pattern p = new Pattern(5);
        byte[] buf = new byte[256 * 1024];
        try (OutputStream out = c.output()) {
            for (long off = 0; off < size; off += buf.length) {
                int n = (int) Math.min(buf.length, size - off);
                p.fill(off, buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long read(TransportConnection c) throws java.io.IOException {
        Pattern p = new Pattern(5);
        byte[] buf = new byte[256 * 1024];
        long total = 0;
        InputStream in = c.input();
        int n;
        while ((n = in.read(buf)) >= 0) {
            assertThat(p.firstMismatch(total, buf, 0, n)).as("first differing byte").isEqualTo(-1);
            total += n;
        }
        return total;
    }
}
