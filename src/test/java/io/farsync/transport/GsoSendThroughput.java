package io.farsync.transport;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark, not a test: the sending thread's CPU per datagram on 127.0.0.1, one datagram per
 * {@link DatagramChannel#send} against {@link UdpGso} calls of SEGMENTS datagrams (0: the JDK's
 * send). Arguments: datagram size, segments per call, datagrams. A receiver thread drains the
 * socket (datagrams it is too slow for are dropped by the kernel after the send, which is what is
 * measured). Prints two rounds, the first with the JIT warming up. The numbers of
 * docs/PERFORMANCE.md, "Session 9: UDP GSO".
 */
public final class GsoSendThroughput {

    private GsoSendThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        int segments = Integer.parseInt(args[1]);
        long datagrams = Long.parseLong(args[2]);
        try (DatagramChannel rx = DatagramChannel.open(); DatagramChannel tx = DatagramChannel.open()) {
            rx.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
            rx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress to = (InetSocketAddress) rx.getLocalAddress();
            AtomicLong received = new AtomicLong();
            Thread drain = new Thread(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(65_536);
                try {
                    while (true) {
                        b.clear();
                        rx.receive(b);
                        received.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    // closed at the end
                }
            }, "drain");
            drain.setDaemon(true);
            drain.start();
            tx.setOption(StandardSocketOptions.SO_SNDBUF, 8 << 20);
            tx.bind(new InetSocketAddress(0));
            tx.configureBlocking(false);
            UdpGso gso = segments > 0 ? UdpGso.open(tx) : null;
            if (segments > 0 && gso == null) {
                throw new IllegalStateException("no UDP GSO here");
            }
            byte[] data = new byte[size * Math.max(1, segments)];
            ByteBuffer one = ByteBuffer.wrap(data, 0, size);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int round = 0; round < 2; round++) {
                long cpu0 = threads.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                long received0 = received.get();
                long sent = 0;
                while (sent < datagrams) {
                    if (segments == 0) {
                        one.clear().limit(size);
                        sent += tx.send(one, to) == 0 ? 0 : 1;
                    } else {
                        sent += gso.send(data, 0, data.length, size, to) == 0 ? segments : 0;
                    }
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                long wall = System.nanoTime() - wall0;
                System.out.printf("size %d, %s: %.0f datagrams/s, sender CPU %.2f us per datagram, received %d of %d%n",
                        size, segments == 0 ? "one per send" : segments + " per GSO call", sent * 1e9 / wall,
                        cpu / 1e3 / sent, received.get() - received0, sent);
            }
        }
    }
}
