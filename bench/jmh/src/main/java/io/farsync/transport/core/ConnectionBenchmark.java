package io.farsync.transport.core;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import java.security.SecureRandom;
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
 * One MiB of stream data through the whole sans-IO core of both ends, on one thread, with no
 * sockets: framing, AES-GCM both ways, acks, flow control, reassembly. The inverse of the score
 * is the protocol's CPU cost per MiB (sender and receiver together), the floor under any socket
 * driver's cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConnectionBenchmark {
    private static final int MIB = 1 << 20;
    /** Virtual time per step: at 1 Tbit/s pacing never holds a datagram back. */
    private static final long STEP_NANOS = 10_000;

    @Param({"1472", "32768"})
    int datagramSize;

    private Connection client;
    private Connection server;
    private final byte[] chunk = new byte[MIB];
    private final byte[] sink = new byte[MIB];
    private final byte[] datagram = new byte[TransportConfig.MAX_DATAGRAM];
    private long now;

    @Setup
    public void setUp() {
        TransportConfig config = TransportConfig.defaults().withRate(1_000_000_000_000L).withDatagramSize(datagramSize);
        SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
        client = Connection.client(config, keys, now);
        server = Connection.server(config, keys, now);
    }

    @Benchmark
    public long transferOneMebibyte() {
        int written = 0;
        long received = 0;
        while (received < MIB) {
            if (written < MIB) {
                written += client.write(chunk, written, MIB - written);
            }
            now += STEP_NANOS;
            if (client.nextWakeupNanos() <= now) {
                client.onTimeout(now);
            }
            if (server.nextWakeupNanos() <= now) {
                server.onTimeout(now);
            }
            int n;
            while ((n = client.poll(datagram, 0, datagram.length, now)) > 0) {
                server.receive(datagram, 0, n, now);
            }
            while ((n = server.poll(datagram, 0, datagram.length, now)) > 0) {
                client.receive(datagram, 0, n, now);
            }
            int r;
            while ((r = server.read(sink, 0, sink.length)) > 0) {
                received += r;
            }
        }
        return received;
    }
}
