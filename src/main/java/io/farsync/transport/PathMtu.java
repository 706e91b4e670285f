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
 *
 * <p>The same goes for a path MTU the kernel already learned from a router's ICMP (it keeps it
 * for ten minutes): above it, datagrams go out in fragments and get through, so probing cannot
 * see that limit. Java cannot read it ({@code IP_MTU}), so on Linux this asks {@code ip route get}
 * (iproute2), best effort, and caps the ceiling at what it reports.
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
            mtu = Math.min(mtu, learnedPathMtu(peer));
            int headers = peer instanceof Inet6Address ? IPV6_UDP_HEADERS : IPV4_UDP_HEADERS;
            return Math.max(TransportConfig.MIN_DATAGRAM, Math.min(limit, mtu - headers));
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    /** The path MTU the kernel learned towards {@code peer} ({@code ip route get}), or Integer.MAX_VALUE if none or unknown. */
    static int learnedPathMtu(InetAddress peer) {
        try {
            Process p = new ProcessBuilder("ip", "route", "get", peer.getHostAddress()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return Integer.MAX_VALUE;
            }
            return parseRouteMtu(out);
        } catch (IOException e) {
            return Integer.MAX_VALUE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Integer.MAX_VALUE;
        }
    }

    /** The {@code mtu N} of {@code ip route get} output, Integer.MAX_VALUE if it has none. */
    static int parseRouteMtu(String routeGetOutput) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bmtu (\\d{3,5})\\b").matcher(routeGetOutput);
        return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }
}
