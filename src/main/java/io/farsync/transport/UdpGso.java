package io.farsync.transport;

import static io.farsync.transport.LinuxSockets.AF_INET;
import static io.farsync.transport.LinuxSockets.AF_INET6;
import static io.farsync.transport.LinuxSockets.EAGAIN;
import static io.farsync.transport.LinuxSockets.EINTR;
import static io.farsync.transport.LinuxSockets.MSG_DONTWAIT;
import static io.farsync.transport.LinuxSockets.SOL_SOCKET;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux UDP generic segmentation offload: one {@code sendmsg(2)} with a {@code UDP_SEGMENT}
 * control message hands the kernel up to {@link #MAX_SEGMENTS} datagrams laid end to end, all of
 * one size but the last, which may be shorter; they go through the stack once and are split into
 * separate datagrams as late as possible (by the NIC, or in software before the device). The JDK
 * has no such call (Java 17 NIO sends one datagram per system call), hence this JNA binding.
 *
 * <p>Bound with JNA direct mapping and one preallocated native block holding the {@code msghdr},
 * its {@code iovec}, the control message, the destination address and the datagrams: a send
 * allocates nothing. x86-64 and aarch64 Linux only ({@link LinuxSockets}: the structure offsets
 * below are LP64's). {@link #open} returns null where GSO is not available: elsewhere, no JNA, the descriptor not
 * reachable ({@link ChannelDescriptor}), or a kernel without {@code UDP_SEGMENT} (before 4.18).
 *
 * <p>A UDP send is atomic: the kernel queues the whole buffer or, when the socket's send buffer
 * is full, nothing ({@code EAGAIN}); {@link #send} reports the latter as {@link #bufferFull}.
 *
 * <p>Not thread-safe: one instance per socket, used by its I/O thread.
 */
final class UdpGso {

    private static final Logger log = LoggerFactory.getLogger(UdpGso.class);

    /** Segments per call; the kernel's {@code UDP_MAX_SEGMENTS} (64 until 6.x raised it to 128). */
    static final int MAX_SEGMENTS = 64;
    /** Bytes per call: the largest UDP payload over IPv4 (a GSO buffer is one IP packet's worth). */
    static final int MAX_BYTES = 65_507;

    static final int EIO = 5;

    private static final int SO_DOMAIN = 39;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;

    // LP64 layout: struct msghdr (56 bytes), struct iovec (16), one cmsghdr + u16 (CMSG_SPACE 24),
    // struct sockaddr_in6 (28; sockaddr_in takes its first 16), then the datagrams
    private static final int MSGHDR = 0;
    private static final int IOVEC = 64;
    private static final int CMSG = 80;
    private static final int CMSG_LEN = 16 + 2;
    private static final int CMSG_SPACE = 24;
    private static final int ADDR = 112;
    private static final int DATA = 256;

    private static final boolean BOUND = bind();

    private final int fd;
    private final boolean ipv6Socket;
    private final Memory block = new Memory(DATA + MAX_BYTES);
    private InetSocketAddress lastTo;

    private UdpGso(int fd, boolean ipv6Socket) {
        this.fd = fd;
        this.ipv6Socket = ipv6Socket;
        block.clear();
        block.setPointer(MSGHDR, block.share(ADDR));
        block.setPointer(MSGHDR + 16, block.share(IOVEC));
        block.setLong(MSGHDR + 24, 1);
        block.setPointer(MSGHDR + 32, block.share(CMSG));
        block.setLong(MSGHDR + 40, CMSG_SPACE);
        block.setPointer(IOVEC, block.share(DATA));
        block.setLong(CMSG, CMSG_LEN);
        block.setInt(CMSG + 8, SOL_UDP);
        block.setInt(CMSG + 12, UDP_SEGMENT);
    }

    /** GSO on {@code channel}'s socket, or null where it is not available (see the class comment). */
    static UdpGso open(DatagramChannel channel) {
        if (!BOUND) {
            return null;
        }
        OptionalInt fd = ChannelDescriptor.of(channel);
        if (fd.isEmpty()) {
            return null;
        }
        try (Memory value = new Memory(4); Memory length = new Memory(4)) {
            length.setInt(0, 4);
            getsockopt(fd.getAsInt(), SOL_UDP, UDP_SEGMENT, value, length);
            length.setInt(0, 4);
            getsockopt(fd.getAsInt(), SOL_SOCKET, SO_DOMAIN, value, length);
            int domain = value.getInt(0);
            if (domain != AF_INET && domain != AF_INET6) {
                return null;
            }
            return new UdpGso(fd.getAsInt(), domain == AF_INET6);
        } catch (LastErrorException e) {
            log.debug("no UDP GSO on this kernel (errno {})", e.getErrorCode());
            return null;
        }
    }

    /** True if this socket can send to {@code to} here (an IPv4 socket cannot reach an IPv6 address). */
    boolean canReach(InetSocketAddress to) {
        return to.getAddress() instanceof Inet4Address || (ipv6Socket && to.getAddress() instanceof Inet6Address);
    }

    /**
     * Sends {@code data[off, off + len)} to {@code to} as datagrams of {@code segmentSize} bytes,
     * the last one shorter if {@code len} is not a multiple. At most {@link #MAX_SEGMENTS}
     * segments and {@link #MAX_BYTES} bytes; {@code to} must be {@link #canReach reachable}.
     * Nothing is allocated, even when the kernel refuses (no exception: the caller may meet a
     * refusal on every run until it learns to stop offering them, {@link GsoRefusals}).
     *
     * @return 0 when the kernel took all of them; otherwise the {@code errno} of a call that sent
     *         nothing: {@link #bufferFull} (try again once the socket's send buffer drains),
     *         {@link #gsoUnsupported}, or a refusal of this run (a segment above the route's MTU
     *         gives {@code EINVAL}, or {@code EMSGSIZE} on kernels with the UDP GSO MTU check fix,
     *         where the same datagram sent alone would go out in fragments)
     * @throws IllegalArgumentException for a run the kernel's buffer or control message cannot
     *         describe (a caller's mistake: {@link DatagramBatch} never builds one)
     */
    int send(byte[] data, int off, int len, int segmentSize, InetSocketAddress to) {
        checkRun(data, off, len, segmentSize);
        if (!sameDestination(to, lastTo)) {
            writeAddress(to);
            lastTo = to;
        }
        block.write(DATA, data, off, len);
        block.setLong(IOVEC + 8, len);
        block.setShort(CMSG + 16, (short) segmentSize);
        return sendmsg(fd, block, MSG_DONTWAIT) >= 0 ? 0 : Native.getLastError();
    }

    /** True for the {@code errno} of a send that found the socket's send buffer full. */
    static boolean bufferFull(int errno) {
        return errno == EAGAIN || errno == EINTR;
    }

    /**
     * True for the {@code errno} of a send refused because the socket cannot do GSO at all
     * ({@code EIO}: no checksum offload on the route's device, or IPsec), as opposed to a refusal
     * of this one run.
     */
    static boolean gsoUnsupported(int errno) {
        return errno == EIO;
    }

    /**
     * True if {@code a} and {@code b} are the same socket address down to the IPv6 scope id, which
     * {@link java.net.Inet6Address#equals} ignores: {@code fe80::1%2} and {@code fe80::1%3} are
     * different hosts on different links.
     */
    static boolean sameDestination(InetSocketAddress a, InetSocketAddress b) {
        if (a == b) {
            return true;
        }
        if (a == null || !a.equals(b)) {
            return false;
        }
        return !(a.getAddress() instanceof Inet6Address v6) || !(b.getAddress() instanceof Inet6Address w6)
                || v6.getScopeId() == w6.getScopeId();
    }

    private static void checkRun(byte[] data, int off, int len, int segmentSize) {
        if (off < 0 || len <= 0 || len > MAX_BYTES || off > data.length - len) {
            throw new IllegalArgumentException("GSO run of " + len + " bytes at " + off + " in " + data.length
                    + " (at most " + MAX_BYTES + ")");
        }
        if (segmentSize <= 0 || segmentSize > 0xFFFF || (len + segmentSize - 1) / segmentSize > MAX_SEGMENTS) {
            throw new IllegalArgumentException("GSO run of " + len + " bytes in segments of " + segmentSize
                    + " (at most " + MAX_SEGMENTS + " segments of at most 65535 bytes)");
        }
    }

    private void writeAddress(InetSocketAddress to) {
        byte[] ip = to.getAddress().getAddress();
        int port = to.getPort();
        block.setMemory(ADDR, DATA - ADDR, (byte) 0);
        block.setByte(ADDR + 2, (byte) (port >>> 8));
        block.setByte(ADDR + 3, (byte) port);
        if (!ipv6Socket) {
            block.setShort(ADDR, (short) AF_INET);
            block.write(ADDR + 4, ip, 0, 4);
            block.setInt(MSGHDR + 8, 16);
            return;
        }
        block.setShort(ADDR, (short) AF_INET6);
        if (ip.length == 4) {
            // an IPv4 destination from a dual-stack socket: the IPv4-mapped address ::ffff:a.b.c.d
            block.setByte(ADDR + 8 + 10, (byte) 0xff);
            block.setByte(ADDR + 8 + 11, (byte) 0xff);
            block.write(ADDR + 8 + 12, ip, 0, 4);
        } else {
            block.write(ADDR + 8, ip, 0, 16);
            block.setInt(ADDR + 24, ((Inet6Address) to.getAddress()).getScopeId());
        }
        block.setInt(MSGHDR + 8, 28);
    }

    // ---------------------------------------------------------------- binding

    /** Returns -1 on failure, the errno then in {@link Native#getLastError} (no exception to build). */
    private static native long sendmsg(int fd, Pointer msg, int flags);

    private static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length)
            throws LastErrorException;

    private static boolean bind() {
        String unsupported = LinuxSockets.unsupportedReason();
        if (unsupported != null) {
            log.debug("UDP GSO not bound: {}", unsupported);
            return false;
        }
        try {
            Native.register(UdpGso.class, "c");
            return true;
        } catch (LinkageError | RuntimeException e) {
            log.debug("UDP GSO not bound: {}", e.toString());
            return false;
        }
    }
}
