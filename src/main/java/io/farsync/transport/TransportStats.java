package io.farsync.transport;

/**
 * A snapshot of one connection's counters and of its rate controller's state, for progress
 * displays and {@code --stats-json}.
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
 * @param rateBitsPerSecond    current sending rate: the pacing rate, or the window per smoothed
 *                             round trip when that is lower
 * @param queueingDelayNanos   queueing delay on the path to the peer, measured from the peer's
 *                             receive timestamps (0 before the first sample, and under a policy
 *                             that does not measure it)
 * @param lostBytes            wire bytes of the packets declared lost (a loss later found to be
 *                             reordering still counts)
 * @param windowBytes          the rate controller's window, 0 if it only paces
 * @param bytesInFlight        wire bytes sent and neither acknowledged nor declared lost
 * @param datagramSize         UDP payload size of full datagrams now: the configured size, or
 *                             the largest one path MTU probing confirmed
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
        long rateBitsPerSecond,
        long queueingDelayNanos,
        long lostBytes,
        long windowBytes,
        long bytesInFlight,
        int datagramSize) {

    /** Fraction of the wire bytes sent that were declared lost, 0 before anything was sent. */
    public double lossRate() {
        return wireBytesSent == 0 ? 0 : (double) lostBytes / wireBytesSent;
    }

    /** Retransmitted stream bytes per distinct stream byte sent, 0 before anything was sent. */
    public double retransmissionRatio() {
        return streamBytesSent == 0 ? 0 : (double) retransmittedBytes / streamBytesSent;
    }
}
