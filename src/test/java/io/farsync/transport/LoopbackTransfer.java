package io.farsync.transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;

/**
 * Moves a number of zero bytes one way through two real {@link UdpTransport}s on 127.0.0.1 (a
 * writer thread on the client connection, the caller's thread reading at the server), for the
 * loopback test and benchmark.
 *
 * @param received bytes the server read
 * @param seconds  from the connections' set-up to the last byte read
 * @param sender   the client connection's statistics at the end
 * @param receiver the server connection's statistics at the end
 */
record LoopbackTransfer(long received, double seconds, TransportStats sender, TransportStats receiver) {

    static LoopbackTransfer run(TransportConfig config, long bytes) throws Exception {
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
                    throw new IllegalStateException(e);
                }
            }, "loopback-writer");
            writer.start();
            byte[] buf = new byte[1 << 20];
            long total = 0;
            InputStream in = s.input();
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            writer.join();
            LoopbackTransfer done = new LoopbackTransfer(total, seconds, c.stats(), s.stats());
            c.close();
            s.close();
            return done;
        }
    }

    double retransmissionRatio() {
        return sender.retransmissionRatio();
    }
}
