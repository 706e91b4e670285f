package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both {@link DatagramReader}s over real loopback sockets: every datagram byte-identical, in the
 * order sent, from its sender, with an arrival stamp that is plausible (not before the test, not
 * after the read); a datagram over the largest size comes cut, for the transport to drop. The
 * kernel reader's stamp is the kernel's: a datagram that waited before the read keeps the time
 * it arrived.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatagramReaderTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private DatagramChannel receiver;
    private DatagramChannel sender;
    private DatagramReader reader;

    /** One datagram as the sink saw it. */
    private record Read(InetSocketAddress source, byte[] data, long arrivedAt, long handedAt) {
    }

    @BeforeEach
    void open() throws IOException {
        receiver = DatagramChannel.open();
        receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 8 << 20);
        receiver.bind(new InetSocketAddress(LOOPBACK, 0));
        receiver.configureBlocking(false);
        sender = DatagramChannel.open();
        sender.bind(new InetSocketAddress(LOOPBACK, 0));
    }

    @AfterEach
    void close() throws IOException {
        if (reader != null) {
            reader.close();
        }
        sender.close();
        receiver.close();
    }

    private static final Function<DatagramChannel, DatagramReader> KERNEL = c -> {
        try {
            return KernelTimestampReader.open(c);
        } catch (IOException e) {
            throw new AssertionError("kernel timestamps unavailable on this Linux test JVM", e);
        }
    };

    private DatagramReader reader(String kind) {
        return kind.equals("kernel") ? KERNEL.apply(receiver) : new NioDatagramReader(receiver);
    }

    /** Reads until {@code count} datagrams came, recording each with the time it was handed over. */
    private List<Read> readAll(int count) {
        return readUntil(new ArrayList<>(), count);
    }

    /** Reads into {@code reads} until it holds {@code count} datagrams; returns it. */
    private List<Read> readUntil(List<Read> reads, int count) {
        DatagramReader.Sink sink = (source, data, len, arrivedAt) ->
                reads.add(new Read(source, Arrays.copyOf(data, len), arrivedAt, System.nanoTime()));
        await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).until(() -> {
            // everything waiting, 7 at a time, before awaitility's next poll
            while (reads.size() < count && reader.read(7, sink) > 0) {
                // read on
            }
            return reads.size() >= count;
        });
        return reads;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kernel", "nio"})
    void everyDatagram_arrivesIntactInOrderWithAPlausibleStamp(String kind) throws IOException {
        reader = reader(kind);
        long seed = new Random().nextLong();
        System.out.println(kind + ": seed " + seed);
        Random random = new Random(seed);
        long testStart = System.nanoTime();
        List<byte[]> sent = new ArrayList<>();
        List<Read> reads = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] d = new byte[i == 150 ? TransportConfig.MAX_DATAGRAM : 1 + random.nextInt(2000)];
            random.nextBytes(d);
            sent.add(d);
            sender.send(ByteBuffer.wrap(d), receiver.getLocalAddress());
            if (i % 16 == 15) {
                // read while sending: a default net.core.rmem_max (208 KiB) holds far fewer than 300
                readUntil(reads, sent.size());
            }
        }
        readUntil(reads, sent.size());
        byte[] oversized = new byte[TransportConfig.MAX_DATAGRAM + 100];
        random.nextBytes(oversized);
        sender.send(ByteBuffer.wrap(oversized), receiver.getLocalAddress());

        readUntil(reads, sent.size() + 1);

        assertThat(reads).hasSize(sent.size() + 1);
        long previous = testStart;
        for (int i = 0; i < sent.size(); i++) {
            Read r = reads.get(i);
            assertThat(r.data()).as("datagram %d (seed %d)", i, seed).isEqualTo(sent.get(i));
            assertThat(r.source()).isEqualTo(sender.getLocalAddress());
            assertThat(r.arrivedAt()).as("datagram %d's stamp", i).isBetween(previous, r.handedAt());
            previous = r.arrivedAt();
        }
        byte[] cut = reads.get(sent.size()).data();
        assertThat(cut.length).as("oversized datagram's length").isGreaterThan(TransportConfig.MAX_DATAGRAM);
        assertThat(cut).isEqualTo(Arrays.copyOf(oversized, cut.length));
    }

    @Test
    void kernelStamp_isWhenTheDatagramArrived_notWhenItWasRead() throws IOException {
        reader = reader("kernel");
        // Linux turns receive timestamps on for the whole system lazily (a static key, switched by
        // a work item) when the first socket asks; until then it stamps a datagram when it is read.
        // Primed once a datagram that waited 5 ms before its read shows it.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            sender.send(ByteBuffer.wrap(new byte[] {0}), receiver.getLocalAddress());
            stall(5_000_000L);
            Read primer = readAll(1).get(0);
            return primer.handedAt() - primer.arrivedAt() > 2_000_000L;
        });
        long beforeSend = System.nanoTime();
        sender.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), receiver.getLocalAddress());
        // on loopback the datagram is in the receiver's buffer when send returns
        long afterSend = System.nanoTime();
        stall(50_000_000L);
        long readFrom = System.nanoTime();

        List<Read> reads = readAll(1);

        long arrivedAt = reads.get(0).arrivedAt();
        System.out.printf("sent in [0, %d] us, read from %d us, stamped %d us%n", (afterSend - beforeSend) / 1000,
                (readFrom - beforeSend) / 1000, (arrivedAt - beforeSend) / 1000);
        // the wall clock and nanoTime are read a few microseconds apart: 1 ms of slack
        assertThat(arrivedAt).isBetween(beforeSend - 1_000_000, afterSend + 1_000_000);
        assertThat(arrivedAt).isLessThan(readFrom);
    }

    /** The host under test does not read for {@code nanos} (a stall, not a wait for anything). */
    private static void stall(long nanos) {
        long from = System.nanoTime();
        while (System.nanoTime() - from < nanos) {
            LockSupport.parkNanos(nanos);
        }
    }

    @Test
    void open_choosesTheKernelReaderHere_andNioWhenTheDescriptorIsUnusable() throws IOException {
        try (DatagramReader chosen = DatagramReader.open(receiver)) {
            assertThat(chosen).isInstanceOf(KernelTimestampReader.class);
        }
        DatagramChannel closed = DatagramChannel.open();
        closed.close();
        try (DatagramReader chosen = DatagramReader.open(closed)) {
            assertThat(chosen).isInstanceOf(NioDatagramReader.class);
        }
    }
}
