package io.farsync.transport;

/**
 * A snapshot of one connection's counters.
 *
 * @param wireBytesSent        UDP payload plus 28 bytes of IPv4+UDP header per datagram sent
 * @param wireBytesReceived    the same for datagrams received (authenticated or not)
 * @param datagramsSent        all datagrams sent, retransmissions and acks included
 * @param datagramsReceived    all datagrams that reached this connection
 * @param datagramsDropped     received but discarded: failed authentication, replayed, malformed
 * @param streamBytesSent      distinct stream bytes sent (first transmissions only)
 * @param retransmittedBytes   stream bytes sent again after a loss
 * @param packetsLost          packets declared lost by the loss detector
 * @param smoothedRttNanos     smoothed round-trip time, 0 before the first sample
 * @param minRttNanos          smallest round-trip time seen, 0 before the first sample
 * @param rateBitsPerSecond    current pacing rate
 */
public record TransportStats(
        long wireBytesSent,
        long wireBytesReceived,
        long datagramsSent,
        long datagramsReceived,
        long datagramsDropped,
        long streamBytesSent,
        long retransmittedBytes,
        long packetsLost,
        long smoothedRttNanos,
        long minRttNanos,
        long rateBitsPerSecond) {
}
