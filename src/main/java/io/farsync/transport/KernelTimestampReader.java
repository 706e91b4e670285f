package io.farsync.transport;

import static io.farsync.transport.LinuxSockets.AF_INET;
import static io.farsync.transport.LinuxSockets.AF_INET6;
import static io.farsync.transport.LinuxSockets.EAGAIN;
import static io.farsync.transport.LinuxSockets.EINTR;
import static io.farsync.transport.LinuxSockets.MSG_DONTWAIT;
import static io.farsync.transport.LinuxSockets.SOL_SOCKET;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.time.Instant;
import java.util.Arrays;

/**
 * The Linux {@link DatagramReader}: {@code recvmmsg(2)} on the channel's descriptor with
 * {@code SO_TIMESTAMPNS}, so each datagram comes with the time the kernel received it, up to
 * {@link #BATCH} per call. The JDK offers neither (its {@code receive} reads one datagram and no
 * control messages), hence this binding through JNA.
 *
 * <p>The kernel stamps with {@code CLOCK_REALTIME}; each batch is put on the
 * {@link System#nanoTime()} scale with one offset read right after the call (wall clock minus
 * nanoTime, read together, see {@link #readClockOffset()}), by an {@link ArrivalClock}, which
 * also guards against a step of the wall clock: a wrong stamp would shift the one-way delay
 * samples, and a smaller one would lower the base that every later sample's queue is measured
 * from.
 *
 * <p>A datagram whose source address the kernel reports in a family other than IPv4 or IPv6 is
 * dropped and counted ({@link #droppedSources()}), not allowed to end the I/O thread.
 *
 * <p>No allocation per datagram: native headers, addresses, control messages and data slots are
 * allocated once; each datagram is copied from its slot into one reused array, and its source
 * address is parsed only when it differs from the previous datagram's. The descriptor comes from
 * {@link ChannelDescriptor}. The layouts below are LP64 Linux's (x86-64, aarch64),
 * the only platforms {@link #unavailableReason()} lets through. Single-threaded: the I/O thread's.
 */
final class KernelTimestampReader implements DatagramReader {

    /** Datagrams per {@code recvmmsg}: one JNA call's cost spread over a run of datagrams. */
    static final int BATCH = 32;
    /** Readings of the clock offset per batch at most; the tightest counts. */
    private static final int OFFSET_ATTEMPTS = 5;
    /** A reading this tight needs no other (the kstamp review measured 97.5 % of readings within 100 ns). */
    private static final long TIGHT_READING_NANOS = 3_000L;

    /** Also the control message's type, SCM_TIMESTAMPNS (asm-generic and x86). */
    private static final int SO_TIMESTAMPNS = 35;

    // struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; } on LP64
    private static final int MMSGHDR = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_LEN = 56;
    private static final int IOVEC = 16;
    /** Room for a sockaddr_in6 (28 bytes). */
    private static final int NAME = 32;
    /** CMSG_SPACE(sizeof(struct timespec)) is 32; room for one more message. */
    private static final int CONTROL = 64;
    private static final int CMSG_HEADER = 16;
    private static final int SLOT = TransportConfig.MAX_DATAGRAM + 1;

    private static final int HEADERS_AT = 0;
    private static final int IOVECS_AT = HEADERS_AT + BATCH * MMSGHDR;
    private static final int NAMES_AT = IOVECS_AT + BATCH * IOVEC;
    private static final int CONTROLS_AT = NAMES_AT + BATCH * NAME;
    private static final int META_BYTES = CONTROLS_AT + BATCH * CONTROL;

    /** libc through JNA's direct mapping: a plain native call, cheaper than an interface proxy. */
    private static final class Libc {
        static native int recvmmsg(int fd, Pointer msgvec, int vlen, int flags, Pointer timeout);

        static native int setsockopt(int fd, int level, int name, int[] value, int len);
    }

    private static final String UNAVAILABLE;

    static {
        String reason;
        try {
            reason = LinuxSockets.unsupportedReason();
            if (reason == null) {
                Native.register(Libc.class, Platform.C_LIBRARY_NAME);
            }
        } catch (RuntimeException | LinkageError e) {
            // no JNA or no C library
            reason = e.toString();
        }
        UNAVAILABLE = reason;
    }

    private final int fd;
    private final Memory meta = new Memory(META_BYTES);
    private final Memory slots = new Memory((long) BATCH * SLOT);
    private final ByteBuffer headers;
    private final ByteBuffer data;
    private final byte[] datagram = new byte[SLOT];
    private final byte[] name = new byte[NAME];
    private final byte[] lastName = new byte[NAME];
    private int lastNameLength = -1;
    private InetSocketAddress lastSource;
    private final ArrivalClock clock = new ArrivalClock();
    private long droppedSources;
    private boolean closed;

    private KernelTimestampReader(int fd) {
        this.fd = fd;
        this.headers = meta.getByteBuffer(0, META_BYTES).order(ByteOrder.nativeOrder());
        this.data = slots.getByteBuffer(0, (long) BATCH * SLOT);
        long metaAddress = Pointer.nativeValue(meta);
        long slotsAddress = Pointer.nativeValue(slots);
        for (int i = 0; i < BATCH; i++) {
            int h = HEADERS_AT + i * MMSGHDR;
            int iov = IOVECS_AT + i * IOVEC;
            headers.putLong(iov, slotsAddress + (long) i * SLOT);
            headers.putLong(iov + 8, SLOT);
            headers.putLong(h + MSG_NAME, metaAddress + NAMES_AT + i * NAME);
            headers.putLong(h + MSG_IOV, metaAddress + iov);
            headers.putLong(h + MSG_IOVLEN, 1);
            headers.putLong(h + MSG_CONTROL, metaAddress + CONTROLS_AT + i * CONTROL);
        }
    }

    /** Null where this reader works; else why not (the platform, JNA, the JDK's descriptor). */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** A reader on {@code channel}'s descriptor, with kernel receive timestamps turned on. */
    static KernelTimestampReader open(DatagramChannel channel) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IOException("kernel receive timestamps unavailable: " + UNAVAILABLE);
        }
        int fd = ChannelDescriptor.of(channel)
                .orElseThrow(() -> new IOException("no descriptor for " + channel + " (the JDK's channel closed to us: no --add-opens)"));
        if (!channel.isOpen()
                || Libc.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, new int[] {1}, Integer.BYTES) != 0) {
            throw new IOException("SO_TIMESTAMPNS refused on descriptor " + fd + " (errno " + Native.getLastError() + ")");
        }
        return new KernelTimestampReader(fd);
    }

    @Override
    public int read(int max, Sink sink) throws IOException {
        if (closed) {
            throw new IOException("reader on descriptor " + fd + " is closed");
        }
        int n = Math.min(max, BATCH);
        for (int i = 0; i < n; i++) {
            int h = HEADERS_AT + i * MMSGHDR;
            headers.putInt(h + MSG_NAMELEN, NAME);
            headers.putLong(h + MSG_CONTROLLEN, CONTROL);
        }
        int got = Libc.recvmmsg(fd, meta, n, MSG_DONTWAIT, null);
        if (got < 0) {
            int errno = Native.getLastError();
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            throw new IOException("recvmmsg on descriptor " + fd + " failed (errno " + errno + ")");
        }
        readClockOffset();
        for (int i = 0; i < got; i++) {
            int h = HEADERS_AT + i * MMSGHDR;
            long arrivedAt = clock.arrival(stamp(h, CONTROLS_AT + i * CONTROL));
            InetSocketAddress source = source(h, NAMES_AT + i * NAME);
            if (source == null) {
                droppedSources++;
                continue;
            }
            int len = Math.min(headers.getInt(h + MSG_LEN), SLOT);
            data.get(i * SLOT, datagram, 0, len);
            sink.accept(source, datagram, len, arrivedAt);
        }
        clock.batchDone(got < n);
        return got;
    }

    /** Datagrams dropped because the kernel reported a source address of an unexpected family or length. */
    long droppedSources() {
        return droppedSources;
    }

    /**
     * Reads the wall clock minus nanoTime for {@link #clock}, right after a batch was read. The two
     * clocks are read one after the other, nanoTime on both sides of the wall clock: a thread
     * descheduled in between (for tens of milliseconds on a loaded machine) would put half that
     * pause into every stamp of the batch. So the tightest of a few readings counts, and the clock
     * keeps its last precise offset if none is precise (NTP slews the wall clock by at most 0.5 ms
     * a second).
     */
    private void readClockOffset() {
        long offset = 0;
        long spread = Long.MAX_VALUE;
        for (int attempt = 0; attempt < OFFSET_ATTEMPTS && spread > TIGHT_READING_NANOS; attempt++) {
            long before = System.nanoTime();
            Instant wall = Instant.now();
            long after = System.nanoTime();
            if (after - before < spread) {
                spread = after - before;
                offset = wall.getEpochSecond() * 1_000_000_000L + wall.getNano() - (before + spread / 2);
            }
        }
        clock.batchRead(offset, spread, System.nanoTime());
    }

    /** The SCM_TIMESTAMPNS of the message with header {@code h}, nanoseconds of the wall clock; -1 if none. */
    private long stamp(int h, int control) {
        long length = Math.min(headers.getLong(h + MSG_CONTROLLEN), CONTROL);
        for (long off = 0; off + CMSG_HEADER <= length; ) {
            int at = control + (int) off;
            long cmsgLength = headers.getLong(at);
            if (cmsgLength < CMSG_HEADER || off + cmsgLength > length) {
                return -1;
            }
            if (headers.getInt(at + 8) == SOL_SOCKET && headers.getInt(at + 12) == SO_TIMESTAMPNS
                    && cmsgLength >= CMSG_HEADER + 16) {
                return headers.getLong(at + CMSG_HEADER) * 1_000_000_000L + headers.getLong(at + CMSG_HEADER + 8);
            }
            off += (cmsgLength + 7) & ~7L;
        }
        return -1;
    }

    /**
     * The source address of the message with header {@code h}, reused while the same peer sends;
     * null if the kernel gave one of another family or too short.
     */
    private InetSocketAddress source(int h, int at) {
        int length = Math.min(headers.getInt(h + MSG_NAMELEN), NAME);
        headers.get(at, name, 0, length);
        if (length == lastNameLength && Arrays.equals(name, 0, length, lastName, 0, length)) {
            return lastSource;
        }
        int family = headers.getShort(at) & 0xffff;
        int port = (name[2] & 0xff) << 8 | name[3] & 0xff;
        try {
            InetAddress address;
            if (family == AF_INET && length >= 8) {
                address = InetAddress.getByAddress(Arrays.copyOfRange(name, 4, 8));
            } else if (family == AF_INET6 && length >= 28) {
                int scope = headers.getInt(at + 24);
                byte[] bytes = Arrays.copyOfRange(name, 8, 24);
                InetAddress plain = InetAddress.getByAddress(bytes);
                // a v4-mapped address comes back as IPv4, as from the JDK's receive
                address = scope == 0 || !(plain instanceof java.net.Inet6Address)
                        ? plain : java.net.Inet6Address.getByAddress(null, bytes, scope);
            } else {
                return null;
            }
            lastSource = new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            // getByAddress refuses only lengths other than 4 and 16, which the branches above rule out
            return null;
        }
        System.arraycopy(name, 0, lastName, 0, length);
        lastNameLength = length;
        return lastSource;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            meta.close();
            slots.close();
        }
    }
}
