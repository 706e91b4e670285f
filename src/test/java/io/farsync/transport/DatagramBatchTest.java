package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
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
 * separately, byte for byte, in order; a full send buffer loses nothing.
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
        assumeTrue(LINUX, "UDP GSO is Linux only");
        DatagramChannel channel = sender(DatagramChannel.open());
        UdpGso gso = UdpGso.open(channel);
        assertThat(gso).as("GSO on this kernel (6.18) through the channel's descriptor").isNotNull();
        DatagramBatch batch = new DatagramBatch(channel, gso);
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
        assumeTrue(LINUX, "UDP GSO is Linux only");
        DatagramChannel channel = sender(DatagramChannel.open(StandardProtocolFamily.INET));
        DatagramBatch batch = new DatagramBatch(channel, UdpGso.open(channel));
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
        assumeTrue(LINUX, "UDP GSO is Linux only");
        DatagramChannel channel = sender(DatagramChannel.open());
        DatagramBatch batch = new DatagramBatch(channel, UdpGso.open(channel));
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
    void gsoRefusedByTheKernel_sendsThatRunOneDatagramAtATime() throws IOException {
        assumeTrue(LINUX, "UDP GSO is Linux only");
        DatagramChannel channel = sender(DatagramChannel.open(StandardProtocolFamily.INET));
        UdpGso gso = UdpGso.open(channel);
        assertThat(gso).isNotNull();
        // without UDP checksums, Linux refuses GSO (EINVAL) but sends single datagrams
        Sockets.LIBC.setsockopt(ChannelDescriptor.of(channel).orElseThrow(), Sockets.SOL_SOCKET, Sockets.SO_NO_CHECK,
                new int[] {1}, 4);
        DatagramBatch batch = new DatagramBatch(channel, gso);
        DatagramSocket receiver = receiver();

        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(add(batch, FULL, receiver));
        }

        assertThat(batch.flush()).isTrue();
        assertThat(batch.gsoSends()).isZero();
        assertThat(batch.usesGso()).as("EINVAL refuses one call, not GSO on this socket").isTrue();
        assertReceived(receiver, sent);
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

    private DatagramSocket receiver() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        open.add(socket);
        socket.setReceiveBufferSize(4 << 20);
        // a generous bound for a loaded CI machine; the datagrams are already queued when we read
        socket.setSoTimeout(30_000);
        return socket;
    }

    /** Seals a random datagram of {@code size} bytes into the batch, to {@code to}; returns its bytes. */
    private byte[] add(DatagramBatch batch, int size, DatagramSocket to) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        System.arraycopy(data, 0, batch.array(), batch.offset(), size);
        batch.add(size, (InetSocketAddress) to.getLocalSocketAddress());
        return data;
    }

    private static void assertReceived(DatagramSocket receiver, List<byte[]> expected) throws IOException {
        byte[] buffer = new byte[65_536];
        for (int i = 0; i < expected.size(); i++) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            receiver.receive(packet);
            assertThat(packet.getLength()).as("length of datagram %d of %d", i, expected.size())
                    .isEqualTo(expected.get(i).length);
            assertThat(Arrays.equals(buffer, 0, packet.getLength(), expected.get(i), 0, expected.get(i).length))
                    .as("bytes of datagram %d of %d", i, expected.size()).isTrue();
        }
    }
}
