package io.farsync.transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * Benchmark, not a test: moves {@code MB} megabytes one way through two {@link UdpTransport}s
 * on 127.0.0.1 and prints the goodput. Arguments: megabytes, datagram size, rate in bit/s.
 */
public final class LoopbackThroughput {

    private LoopbackThroughput() {
    }

    public static void main(String[] args) throws Exception {
        long bytes = (args.length > 0 ? Long.parseLong(args[0]) : 500) * 1_000_000L;
        int datagram = args.length > 1 ? Integer.parseInt(args[1]) : 1472;
        long rate = args.length > 2 ? Long.parseLong(args[2]) : 10_000_000_000L;
        TransportConfig config = TransportConfig.defaults().withRate(rate).withDatagramSize(datagram)
                .withIdleTimeout(Duration.ofSeconds(30));
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (UdpTransport server = UdpTransport.bind(new InetSocketAddress(lo, 0), config);
             UdpTransport client = UdpTransport.bind(new InetSocketAddress(lo, 0), config)) {
            SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
            TransportConnection s = server.accept(keys);
            TransportConnection c = client.connect(new InetSocketAddress(lo, server.localPort()), keys);
            long start = System.nanoTime();
            Thread writer = new Thread(() -> {
                byte[] buf = new byte[1 << 20];
                try (OutputStream out = c.output()) {
                    for (long left = bytes; left > 0; left -= buf.length) {
                        out.write(buf, 0, (int) Math.min(buf.length, left));
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }, "writer");
            writer.start();
            byte[] buf = new byte[1 << 20];
            long total = 0;
            InputStream in = s.input();
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            writer.join();
            System.out.printf("datagram %d, rate %.1f Gbit/s: %d MB in %.2f s = %.0f MB/s%n  sender   %s%n  receiver %s%n",
                    datagram, rate / 1e9, total / 1_000_000, seconds, total / 1e6 / seconds, c.stats(), s.stats());
            c.close();
            s.close();
        }
    }
}
