package io.farsync.transport;

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
        LoopbackTransfer r = LoopbackTransfer.run(config, bytes);
        System.out.printf("datagram %d, rate %.1f Gbit/s: %d MB in %.2f s = %.0f MB/s%n  sender   %s%n  receiver %s%n",
                datagram, rate / 1e9, r.received() / 1_000_000, r.seconds(), r.received() / 1e6 / r.seconds(), r.sender(), r.receiver());
    }
}
