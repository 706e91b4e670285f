package io.farsync.transport;

import java.time.Duration;

/**
 * Immutable settings of one transport endpoint. Start from {@link #defaults()} and adjust with
 * the {@code with...} methods.
 *
 * @param rateBitsPerSecond    fixed pacing rate (target rate) for outgoing datagrams, bits/s
 * @param datagramSize         UDP payload size in bytes, headers and AEAD tag included
 * @param sendBufferBytes      how much unacknowledged outgoing stream data a connection holds
 * @param receiveWindowBytes   flow-control window granted to the peer, bytes
 * @param idleTimeout          a connection fails when no authenticated datagram arrives for this long
 */
public record TransportConfig(
        long rateBitsPerSecond,
        int datagramSize,
        int sendBufferBytes,
        int receiveWindowBytes,
        Duration idleTimeout) {

    public static final int MIN_DATAGRAM = 256;
    public static final int MAX_DATAGRAM = 65_000;

    public TransportConfig {
        if (rateBitsPerSecond < 8_000) {
            throw new IllegalArgumentException("rate (" + rateBitsPerSecond + " bit/s) must be at least 8 kbit/s");
        }
        if (datagramSize < MIN_DATAGRAM || datagramSize > MAX_DATAGRAM) {
            throw new IllegalArgumentException("datagram size (" + datagramSize + ") must be in ["
                    + MIN_DATAGRAM + ", " + MAX_DATAGRAM + "]");
        }
        if (sendBufferBytes < datagramSize || receiveWindowBytes < datagramSize) {
            throw new IllegalArgumentException("buffers must hold at least one datagram");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout (" + idleTimeout + ") must be positive");
        }
    }

    /** 1 Gbit/s, 1472-byte datagrams (a 1500-byte IPv4 MTU), 64 MiB windows, 30 s idle timeout. */
    public static TransportConfig defaults() {
        return new TransportConfig(1_000_000_000L, 1472, 64 << 20, 64 << 20, Duration.ofSeconds(30));
    }

    public TransportConfig withRate(long bitsPerSecond) {
        return new TransportConfig(bitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, idleTimeout);
    }

    public TransportConfig withDatagramSize(int size) {
        return new TransportConfig(rateBitsPerSecond, size, sendBufferBytes, receiveWindowBytes, idleTimeout);
    }

    public TransportConfig withBuffers(int sendBytes, int receiveWindow) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBytes, receiveWindow, idleTimeout);
    }

    public TransportConfig withIdleTimeout(Duration timeout) {
        return new TransportConfig(rateBitsPerSecond, datagramSize, sendBufferBytes, receiveWindowBytes, timeout);
    }
}
