package io.farsync.transport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;

/**
 * The largest UDP payload the local interface towards a peer carries in one IP packet: its MTU
 * less the IP and UDP headers (28 bytes for IPv4, 48 for IPv6). Path MTU probing never tries
 * beyond it, because Java 17 cannot set DF on a UDP socket ({@code IP_DONTFRAGMENT} arrived in
 * JDK 19's {@code jdk.net.ExtendedSocketOptions}) and Linux fragments a datagram larger than the
 * interface MTU locally: a probe of that size would be confirmed through fragmentation, and
 * fragments make every loss cost a whole datagram. Below the interface MTU, Linux's default
 * ({@code IP_PMTUDISC_WANT}) sets DF, so a router with a smaller MTU drops the probe.
 */
public final class PathMtu {

    private static final int IPV4_UDP_HEADERS = 28;
    private static final int IPV6_UDP_HEADERS = 48;

    private PathMtu() {
    }

    /**
     * The interface ceiling towards {@code peer}, at most {@code limit}; {@code fallback} when
     * the route or the interface's MTU cannot be found out. Sends nothing: connecting a UDP
     * socket only asks the kernel for the route.
     */
    public static int ceilingTowards(InetAddress peer, int limit, int fallback) {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(peer, 9));
            InetAddress local = probe.getLocalAddress();
            NetworkInterface nif = local == null ? null : NetworkInterface.getByInetAddress(local);
            int mtu = nif == null ? -1 : nif.getMTU();
            if (mtu <= 0) {
                return fallback;
            }
            int headers = peer instanceof Inet6Address ? IPV6_UDP_HEADERS : IPV4_UDP_HEADERS;
            return Math.max(TransportConfig.MIN_DATAGRAM, Math.min(limit, mtu - headers));
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}
