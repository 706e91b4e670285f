package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DatagramBatch} and {@link UdpGso} over real UDP sockets on loopback: whatever way a
 * batch leaves (GSO runs, one datagram per call, a mix), a plain receiver gets each datagram
 * separately, byte for byte, in order, each exactly once; a full send buffer loses nothing; a run
 * the kernel refuses is sent one datagram per call and not offered again.
 *
 * <p>The GSO tests skip (with the reason) where GSO is not available; the fallback tests run
 * everywhere.
 */
class DatagramBatchTest {

    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    private static final int FULL = 1472;

    private final List<AutoCloseable> open = new ArrayList<>();
    private Random random;

    @BeforeEach
    void seed() {
        long seed = System.nanoTime();
        System.out.println("DatagramBatchTest seed " + seed);
        random = new Random(seed);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void gsoRun_arrivesAsSeparateDatagrams_byteIdenticalInOrder() throws IOException {
        DatagramBatch batch = gsoBatch(DatagramChannel.open());
        DatagramSocket receiver = receiver();

        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 44; i++) {
            sent.add(add(batch, FULL, receiver));
        }
        sent.add(add(batch, 300, receiver));

        assertThat(batch.flush()).isTrue();
        assertThat(batch.gsoSends()).as("one call for 44 full datagrams and a shorter last one").isEqualTo(1);
        assertThat(batch.isEmpty()).isTrue();
        assertReceived(receiver, sent);
    }

    @Test
    void manySmallDatagrams_splitIntoRunsOfAtMost64_onAnIpv4Socket() throws IOException {
        DatagramBatch batch = gsoBatch(DatagramChannel.open(StandardProtocolFamily.INET));
        DatagramSocket receiver = receiver();

        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            sent.add(add(batch, 100, receiver));
        }

        assertThat(batch.flush()).isTrue();
        assertThat(batch.gsoSends()).as("64 + 64 + 22").isEqualTo(3);
        assertReceived(receiver, sent);
    }

    @Test
    void changesOfSizeOrAddress_endARun_andLoneDatagramsGoOneByOne() throws IOException {
        DatagramBatch batch = gsoBatch(DatagramChannel.open());
        DatagramSocket a = receiver();
        DatagramSocket b = receiver();

        List<byte[]> toA = new ArrayList<>();
        List<byte[]> toB = new ArrayList<>();
        // runs: [A 1472 x3 + 600] [A 1472 x2] [B 1472 x2] then A 900 alone (a larger one follows) and A 1472 alone
        for (int size : new int[] {FULL, FULL, FULL, 600, FULL, FULL}) {
            toA.add(add(batch, size, a));
        }
        toB.add(add(batch, FULL, b));
        toB.add(add(batch, FULL, b));
        toA.add(add(batch, 900, a));
        toA.add(add(batch, FULL, a));

        assertThat(batch.flush()).isTrue();
        assertThat(batch.gsoSends()).isEqualTo(3);
        assertReceived(a, toA);
        assertReceived(b, toB);
    }

    @Test
    void fullSendBuffer_keepsTheUnsentDatagramsInOrder_andSendsThemOnceItDrains() throws IOException {
        RefusingChannel channel = new RefusingChannel(DatagramChannel.open());
        sender(channel);
        assertThat(UdpGso.open(channel)).as("no descriptor behind a channel that is not the JDK's").isNull();
        DatagramBatch batch = new DatagramBatch(channel, null);
        DatagramSocket receiver = receiver();

        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(add(batch, i == 9 ? 77 : FULL, receiver));
        }
        channel.fullAfter(3);

        assertThat(batch.flush()).isFalse();
        assertThat(batch.flush()).as("still full").isFalse();
        assertThat(batch.isEmpty()).isFalse();
        assertReceived(receiver, sent.subList(0, 3));

        channel.drain();
        sent.add(add(batch, FULL, receiver));
        assertThat(batch.flush()).isTrue();
        assertThat(channel.refused()).isEqualTo(2);
        assertReceived(receiver, sent.subList(3, sent.size()));
    }

    @Test
    void gsoRefusedByTheKernel_sendsThatRunOneDatagramAtATime_andDoesNotOfferItAgain() throws IOException {
        DatagramChannel channel = sender(DatagramChannel.open(StandardProtocolFamily.INET));
        DatagramBatch batch = new DatagramBatch(channel, gsoRefusingEveryRun(channel));
        DatagramSocket receiver = receiver();

        for (int flush = 0; flush < 3; flush++) {
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(add(batch, FULL, receiver));
            }
            assertThat(batch.flush()).isTrue();
            assertReceived(receiver, sent);
        }
        assertThat(batch.gsoSends()).isZero();
        assertThat(batch.gsoRefused()).as("refused once; later runs like it go one by one without asking").isEqualTo(1);
        assertThat(batch.usesGso()).as("EINVAL refuses runs, not GSO on this socket").isTrue();
    }

    @Test
    void aRefusal_holdsForThatDestinationAtThatSegmentSizeOrLarger_only() throws IOException {
        DatagramChannel channel = sender(DatagramChannel.open(StandardProtocolFamily.INET));
        DatagramBatch batch = new DatagramBatch(channel, gsoRefusingEveryRun(channel));
        DatagramSocket a = receiver();
        DatagramSocket b = receiver();

        long[] refusedAfter = new long[4];
        // A 1000 (refused), A 1472 (larger: not offered), A 600 (smaller: offered), B 1000 (another destination)
        Object[][] runs = {{a, 1000}, {a, FULL}, {a, 600}, {b, 1000}};
        for (int r = 0; r < runs.length; r++) {
            DatagramSocket to = (DatagramSocket) runs[r][0];
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                sent.add(add(batch, (int) runs[r][1], to));
            }
            assertThat(batch.flush()).isTrue();
            assertReceived(to, sent);
            refusedAfter[r] = batch.gsoRefused();
        }
        assertThat(refusedAfter).containsExactly(1, 1, 2, 3);
    }

    @Test
    void sameIpv6AddressWithAnotherScopeId_isAnotherDestination_andEndsTheRun() throws IOException {
        DatagramBatch batch = gsoBatch(DatagramChannel.open(StandardProtocolFamily.INET6));
        DatagramSocket receiver = receiver(InetAddress.getByName("::1"));
        int port = receiver.getLocalPort();
        byte[] loopback = InetAddress.getByName("::1").getAddress();
        // Linux ignores the scope id of ::1 (it needs none), so both reach the receiver
        InetSocketAddress scope1 = new InetSocketAddress(Inet6Address.getByAddress(null, loopback, 1), port);
        InetSocketAddress scope2 = new InetSocketAddress(Inet6Address.getByAddress(null, loopback, 2), port);
        assertThat(scope1).as("what the JDK says").isEqualTo(scope2);

        List<byte[]> sent = new ArrayList<>();
        for (InetSocketAddress to : List.of(scope1, scope1, scope1, scope2, scope2, scope2)) {
            sent.add(add(batch, FULL, to));
        }

        assertThat(batch.flush()).isTrue();
        assertThat(batch.gsoSends()).as("one run per scope id").isEqualTo(2);
        assertReceived(receiver, sent);
    }

    @Test
    void randomSizesAndDestinations_fillingTheBatch_allArriveExactlyOnce() throws IOException {
        DatagramBatch batch = gsoBatch(DatagramChannel.open());
        DatagramSocket a = receiver();
        DatagramSocket b = receiver();
        int[] sizes = {TransportConfig.MIN_DATAGRAM, 1000, FULL, FULL, FULL, 8192, 30_000, TransportConfig.MAX_DATAGRAM};

        // what each receiver's socket surely holds unread (a default net.core.rmem_max caps it at 416 KiB,
        // and a datagram costs the buffer more than its payload): the full batch where that allows it
        int budget = Math.min(a.getReceiveBufferSize(), b.getReceiveBufferSize()) / 4 - TransportConfig.MAX_DATAGRAM;
        for (int round = 0; round < 6; round++) {
            List<byte[]> toA = new ArrayList<>();
            List<byte[]> toB = new ArrayList<>();
            // runs of random length, size and destination until the batch is full: every limit a run meets
            while (roomFor(batch, budget, toA, toB)) {
                boolean toFirst = random.nextInt(4) != 0;
                int size = sizes[random.nextInt(sizes.length)];
                for (int k = random.nextInt(80); k >= 0 && roomFor(batch, budget, toA, toB); k--) {
                    int length = random.nextInt(8) == 0 ? 1 + random.nextInt(size) : size;
                    (toFirst ? toA : toB).add(add(batch, length, toFirst ? a : b));
                }
            }
            assertThat(batch.flush()).isTrue();
            assertReceived(a, toA);
            assertReceived(b, toB);
        }
        assertThat(batch.gsoRefused()).isZero();
        assertThat(batch.gsoSends()).isPositive();
    }

    @Test
    void udpGso_refusesARunItCannotDescribe_beforeAnySystemCall() throws IOException {
        DatagramChannel channel = sender(DatagramChannel.open());
        UdpGso gso = gsoOrSkip(channel);
        InetSocketAddress to = (InetSocketAddress) receiver().getLocalSocketAddress();
        byte[] data = new byte[2 * UdpGso.MAX_BYTES];

        assertThatThrownBy(() -> gso.send(data, 0, UdpGso.MAX_BYTES + 1, 1000, to))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65508 bytes");
        assertThatThrownBy(() -> gso.send(data, 0, 65 * 100, 100, to))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 64 segments");
        assertThatThrownBy(() -> gso.send(data, 0, 60_000, 0x10000, to))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segments of 65536");
        assertThatThrownBy(() -> gso.send(data, data.length - 100, 200, 100, to))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("200 bytes at");
        assertThat(gso.send(data, 0, 64 * 100, 100, to)).as("64 segments are fine").isZero();
    }

    // ---------------------------------------------------------------- helpers

    /** The C library's setsockopt, for a socket option the production code never sets. */
    interface Sockets extends Library {
        int SOL_SOCKET = 1;
        int SO_NO_CHECK = 11;
        Sockets LIBC = Native.load("c", Sockets.class);

        int setsockopt(int fd, int level, int name, int[] value, int length) throws LastErrorException;
    }

    private <C extends DatagramChannel> C sender(C channel) throws IOException {
        open.add(channel);
        channel.bind(new InetSocketAddress(0));
        channel.configureBlocking(false);
        return channel;
    }

    /**
     * GSO on {@code channel}, or the test is skipped: it needs Linux 4.18 or later, 64-bit, JNA and
     * the descriptor ({@code --add-opens java.base/sun.nio.ch}, which the surefire configuration passes).
     */
    private static UdpGso gsoOrSkip(DatagramChannel channel) {
        assumeTrue(LINUX, "UDP GSO is Linux only");
        UdpGso gso = UdpGso.open(channel);
        assumeTrue(gso != null, "no UDP GSO here (kernel before 4.18, no JNA, or no --add-opens java.base/sun.nio.ch)");
        return gso;
    }

    /** A batch sending through GSO on {@code channel}, bound on loopback; skips the test where GSO is not available. */
    private DatagramBatch gsoBatch(DatagramChannel channel) throws IOException {
        return new DatagramBatch(sender(channel), gsoOrSkip(channel));
    }

    /** GSO on {@code channel}, whose socket sends no UDP checksums: Linux then refuses every GSO run (EINVAL) and sends single datagrams. */
    private static UdpGso gsoRefusingEveryRun(DatagramChannel channel) {
        UdpGso gso = gsoOrSkip(channel);
        Sockets.LIBC.setsockopt(ChannelDescriptor.of(channel).orElseThrow(), Sockets.SOL_SOCKET, Sockets.SO_NO_CHECK,
                new int[] {1}, 4);
        return gso;
    }

    private DatagramSocket receiver() throws IOException {
        return receiver(InetAddress.getLoopbackAddress());
    }

    private DatagramSocket receiver(InetAddress address) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0));
        open.add(socket);
        socket.setReceiveBufferSize(4 << 20);
        // a generous bound for a loaded CI machine; the datagrams are already queued when we read
        socket.setSoTimeout(30_000);
        return socket;
    }

    /** Seals a random datagram of {@code size} bytes into the batch, to {@code to}; returns its bytes. */
    private byte[] add(DatagramBatch batch, int size, DatagramSocket to) {
        return add(batch, size, (InetSocketAddress) to.getLocalSocketAddress());
    }

    private byte[] add(DatagramBatch batch, int size, InetSocketAddress to) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        System.arraycopy(data, 0, batch.array(), batch.offset(), size);
        batch.add(size, to);
        return data;
    }

    /** True while one more datagram fits both the batch and each receiver's {@code budget} of unread bytes. */
    private static boolean roomFor(DatagramBatch batch, int budget, List<byte[]> toA, List<byte[]> toB) {
        return batch.hasRoom() && Math.max(bytes(toA), bytes(toB)) < budget;
    }

    private static int bytes(List<byte[]> datagrams) {
        return datagrams.stream().mapToInt(d -> d.length).sum();
    }

    /**
     * Reads {@code expected} from {@code receiver}, in order, byte for byte; then sends a sentinel
     * through a plain socket and asserts that it is the next datagram, so that a datagram sent
     * twice (or one more than expected) fails the test. The sentinel leaves after every expected
     * datagram has arrived, so on loopback nothing sent correctly can come after it.
     */
    private void assertReceived(DatagramSocket receiver, List<byte[]> expected) throws IOException {
        byte[] buffer = new byte[65_536];
        for (int i = 0; i < expected.size(); i++) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            receiver.receive(packet);
            assertThat(packet.getLength()).as("length of datagram %d of %d", i, expected.size())
                    .isEqualTo(expected.get(i).length);
            assertThat(Arrays.equals(buffer, 0, packet.getLength(), expected.get(i), 0, expected.get(i).length))
                    .as("bytes of datagram %d of %d", i, expected.size()).isTrue();
        }
        byte[] sentinel = "sentinel after the batch".getBytes(StandardCharsets.US_ASCII);
        try (DatagramSocket plain = new DatagramSocket(new InetSocketAddress(receiver.getLocalAddress(), 0))) {
            plain.send(new DatagramPacket(sentinel, sentinel.length, receiver.getLocalSocketAddress()));
        }
        DatagramPacket next = new DatagramPacket(buffer, buffer.length);
        receiver.receive(next);
        assertThat(Arrays.equals(buffer, 0, next.getLength(), sentinel, 0, sentinel.length))
                .as("the next datagram after the %d expected (%d bytes) is the sentinel, not one more from the batch",
                        expected.size(), next.getLength())
                .isTrue();
    }
}
