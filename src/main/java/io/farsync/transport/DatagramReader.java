package io.farsync.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the datagrams waiting on a non-blocking UDP socket, each with the time it reached this
 * host. {@link UdpTransport}'s I/O thread owns one; the selector keeps doing readiness.
 *
 * <p>Why the arrival time matters: a datagram can wait in the socket buffer while the JVM does
 * not read it (descheduled on a loaded machine, collecting, compiling). Stamped when read, that
 * wait looks to the peer's rate controller like a queue at the bottleneck; stamped when it
 * arrived, it does not (see {@link io.farsync.transport.core.Connection#receive(byte[], int, int,
 * long, long)}). Only the kernel knows the arrival: {@link KernelTimestampReader} on Linux, and
 * elsewhere {@link NioDatagramReader}, whose arrival is the time of the read.
 */
interface DatagramReader extends AutoCloseable {

    /** Receives each datagram read; {@code data} is valid only during the call. */
    interface Sink {
        /**
         * @param len       the datagram's length; a datagram longer than the reader's buffer
         *                  ({@link TransportConfig#MAX_DATAGRAM} + 1 bytes) arrives cut to it
         * @param arrivedAt when it reached this host, on the {@link System#nanoTime()} scale
         */
        void accept(InetSocketAddress source, byte[] data, int len, long arrivedAt);
    }

    /**
     * Reads up to {@code max} waiting datagrams, without blocking, handing each to {@code sink} in
     * the order the kernel queued them; returns how many it read (0: none was waiting).
     */
    int read(int max, Sink sink) throws IOException;

    /** Frees what the reader holds (not the channel); idempotent. */
    @Override
    void close();

    /** The kernel-timestamped reader where it works (64-bit Linux, JNA, the descriptor reachable), else NIO's. */
    static DatagramReader open(DatagramChannel channel) {
        Logger log = LoggerFactory.getLogger(DatagramReader.class);
        String unavailable = KernelTimestampReader.unavailableReason();
        if (unavailable == null) {
            try {
                DatagramReader reader = KernelTimestampReader.open(channel);
                log.debug("UDP receive path: recvmmsg with kernel receive timestamps");
                return reader;
            } catch (IOException | RuntimeException | LinkageError e) {
                unavailable = e.toString();
            }
        }
        log.debug("UDP receive path: NIO, arrival = time of the read ({})", unavailable);
        return new NioDatagramReader(channel);
    }
}
