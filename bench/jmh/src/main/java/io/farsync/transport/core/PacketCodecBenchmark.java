package io.farsync.transport.core;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * AES-GCM sealing and opening of one datagram, at the WAN size (1472-byte datagrams) and the
 * loopback sizes (32 KiB, and 65,000 bytes: the largest UDP payload a 65,536-byte loopback MTU carries, less headroom). Multiply ops/s by the payload to get bytes/s per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PacketCodecBenchmark {

    @Param({"1443", "32739", "64971"})
    int payload;

    @Param({"16", "32"})
    int keyBytes;

    private PacketCodec sender;
    private PacketCodec receiver;
    private byte[] plain;
    private byte[] datagram;
    private byte[] opened;
    private long packetNumber;

    @Setup
    public void setUp() {
        byte[] k1 = new byte[keyBytes];
        byte[] k2 = new byte[keyBytes];
        byte[] iv1 = new byte[12];
        byte[] iv2 = new byte[12];
        k1[0] = 1;
        k2[0] = 2;
        iv1[0] = 3;
        iv2[0] = 4;
        sender = new PacketCodec(k1, iv1, k2, iv2);
        receiver = new PacketCodec(k2, iv2, k1, iv1);
        plain = new byte[payload];
        datagram = new byte[payload + PacketCodec.OVERHEAD];
        opened = new byte[payload];
    }

    @Benchmark
    public int seal() {
        return sender.seal(7, packetNumber++, plain, payload, datagram, 0);
    }

    @Benchmark
    public int sealThenOpen() {
        int len = sender.seal(7, packetNumber++, plain, payload, datagram, 0);
        return receiver.open(datagram, 0, len, opened);
    }
}
