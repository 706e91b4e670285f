package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.RatePolicy;
import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import io.farsync.transport.sim.LinkProfile;
import io.farsync.transport.sim.Simulation;
import io.farsync.transport.sim.TransferApp;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The protocol end to end, two {@link Connection}s over a {@link io.farsync.transport.sim.SimulatedLink}
 * in virtual time. Randomized tests print their seed; replay one with -Dfarsync.sim.seed=N.
 */
class ConnectionTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int WINDOW = 4 << 20;

    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(100_000_000L)
            .withBuffers(WINDOW, WINDOW)
            .withIdleTimeout(Duration.ofSeconds(10));
    private static final LinkProfile CLEAN = LinkProfile.perfect(10 * MS);
    private static final LinkProfile HOSTILE = CLEAN.withLoss(0.10).withJitter(2 * MS).withDuplication(0.02);

    private final SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);

    private Simulation simulation(String test, LinkProfile link) {
        return new Simulation(CONFIG, CONFIG, keys, link, link, Simulation.seed(test));
    }

    private static void print(String test, Simulation sim) {
        System.out.printf("%s: virtual %.2f s%n  client %s%n  server %s%n", test,
                (sim.clock().now() - S) / 1e9, sim.client().stats(), sim.server().stats());
    }

    /** Runs until the server has heard the client. */
    private static void handshake(Simulation sim) {
        assertThat(sim.runUntil(() -> sim.server().isPeerValidated() && sim.client().stats().smoothedRttNanos() > 0,
                10 * S)).isTrue();
    }

    // ------------------------------------------------------------------ transfers

    @Test
    void transfer_bothDirections_atTenPercentLossWithReorderingAndDuplication() {
        Simulation sim = simulation("transfer_bothDirections_atTenPercentLoss", HOSTILE);
        long size = 20_000_000L;
        TransferApp client = new TransferApp(size, 1, 2);
        TransferApp server = new TransferApp(size, 2, 1);
        sim.setApp(0, client);
        sim.setApp(1, server);

        boolean done = sim.runUntil(() -> client.eof() && server.eof(), 120 * S);

        print("transfer_bothDirections_atTenPercentLoss", sim);
        assertThat(done).as("both streams complete").isTrue();
        assertThat(client.received()).isEqualTo(size);
        assertThat(server.received()).isEqualTo(size);
        assertThat(client.mismatchAt()).as("first corrupt byte at the client").isEqualTo(-1);
        assertThat(server.mismatchAt()).as("first corrupt byte at the server").isEqualTo(-1);
        assertThat(sim.server().stats().datagramsDropped()).as("duplicates dropped").isPositive();
    }

    @Test
    void transfer_bothDirections_atZeroLoss_retransmitsNothing() {
        Simulation sim = simulation("transfer_atZeroLoss", CLEAN);
        long size = 20_000_000L;
        TransferApp client = new TransferApp(size, 3, 4);
        TransferApp server = new TransferApp(size, 4, 3);
        sim.setApp(0, client);
        sim.setApp(1, server);

        assertThat(sim.runUntil(() -> client.eof() && server.eof(), 60 * S)).isTrue();

        print("transfer_atZeroLoss", sim);
        assertThat(client.mismatchAt()).isEqualTo(-1);
        assertThat(server.mismatchAt()).isEqualTo(-1);
        for (TransportStats st : List.of(sim.client().stats(), sim.server().stats())) {
            assertThat(st.streamBytesSent()).isEqualTo(size);
            assertThat(st.retransmittedBytes()).isZero();
            assertThat(st.packetsLost()).isZero();
            assertThat(st.datagramsDropped()).isZero();
            assertThat(st.minRttNanos()).isBetween(20 * MS, 21 * MS);
            assertThat(st.wireBytesSent()).isGreaterThan(st.streamBytesSent());
        }
        // 20 MB at the 100 Mbit/s pacing rate takes 1.6 s; allow the handshake and the tail
        assertThat(sim.clock().now() - S).isLessThan(2500 * MS);
    }

    @Test
    void retransmittedBytes_atTenPercentLoss_stayCloseToTheBytesLost() {
        Simulation sim = simulation("retransmittedBytes_atTenPercentLoss", HOSTILE);
        long size = 20_000_000L;
        TransferApp client = new TransferApp(size, 5, 0);
        TransferApp server = new TransferApp(0, 0, 5);
        sim.setApp(0, client);
        sim.setApp(1, server);

        assertThat(sim.runUntil(server::eof, 120 * S)).isTrue();

        long retransmitted = sim.client().stats().retransmittedBytes();
        long lost = sim.link().droppedBytes(0);
        System.out.printf("retransmitted %d bytes for %d bytes lost on the link (%.2fx), %d spurious losses%n",
                retransmitted, lost, (double) retransmitted / lost, sim.client().spuriousLosses());
        assertThat(server.mismatchAt()).isEqualTo(-1);
        assertThat(retransmitted).isLessThanOrEqualTo(lost * 3 / 2);
        assertThat(retransmitted).isGreaterThanOrEqualTo(lost / 2);
    }

    @Test
    void transfer_throughOverloadedBottleneck_arrivesIntact() {
        // fixed pacing at twice the bottleneck rate: the tail-drop queue loses about half of the datagrams
        LinkProfile narrow = CLEAN.withBottleneck(50_000_000L, 100_000);
        TransportConfig fixed = CONFIG.withPolicy(RatePolicy.FIXED);
        Simulation sim = new Simulation(fixed, fixed, keys, narrow, narrow, Simulation.seed("transfer_throughOverloadedBottleneck"));
        TransferApp client = new TransferApp(2_000_000, 11, 0);
        TransferApp server = new TransferApp(0, 0, 11);
        sim.setApp(0, client);
        sim.setApp(1, server);

        assertThat(sim.runUntil(server::eof, 60 * S)).isTrue();

        print("transfer_throughOverloadedBottleneck", sim);
        assertThat(server.received()).isEqualTo(2_000_000);
        assertThat(server.mismatchAt()).isEqualTo(-1);
        assertThat(sim.link().droppedDatagrams(0)).isPositive();
    }

    @Test
    void close_ofServerThatNeverHeardItsClient_endsAtOnce() {
        Connection server = Connection.server(CONFIG, keys, 0);
        server.write(new byte[10], 0, 10);

        server.close(1);

        assertThat(server.isClosed()).isTrue();
        assertThat(server.isTerminated()).isTrue();
    }

    @Test
    void flowControl_unreadData_boundsWhatThePeerSends() {
        Simulation sim = simulation("flowControl_unreadData", CLEAN);
        TransferApp client = new TransferApp(20_000_000L, 6, 0);
        sim.setApp(0, client);

        sim.runUntil(() -> false, 3 * S);

        assertThat(sim.client().stats().streamBytesSent()).isEqualTo(WINDOW);
        assertThat(sim.server().available()).isEqualTo(WINDOW);
        assertThat(client.written()).as("the send buffer filled too").isEqualTo(2L * WINDOW);
        assertThat(sim.client().failure()).isNull();
        assertThat(sim.server().failure()).isNull();
    }

    // ------------------------------------------------------------------ end of stream, close, abort

    @Test
    void finish_peerReadsEverythingThenEndOfStream() {
        Simulation sim = simulation("finish_peerReadsEverything", HOSTILE);
        TransferApp client = new TransferApp(1000, 7, 0);
        TransferApp server = new TransferApp(0, 0, 7);
        sim.setApp(0, client);
        sim.setApp(1, server);

        assertThat(sim.runUntil(server::eof, 30 * S)).isTrue();

        assertThat(server.received()).isEqualTo(1000);
        assertThat(server.mismatchAt()).isEqualTo(-1);
        assertThat(sim.server().readFailure()).isNull();
        assertThat(sim.server().read(new byte[10], 0, 10)).isEqualTo(-1);
        assertThat(sim.client().writeFailure()).isEqualTo("output already closed");
    }

    @Test
    void close_waitsForAcks_thenPeerSeesEndOfStreamAndBothEnd() {
        Simulation sim = simulation("close_graceful", HOSTILE);
        TransferApp client = new TransferApp(300_000, 8, 0);
        TransferApp server = new TransferApp(0, 0, 8);
        sim.setApp(0, client);
        sim.setApp(1, server);
        sim.runUntil(() -> client.written() == 300_000, 10 * S);

        sim.client().close(sim.clock().now());
        assertThat(sim.client().isClosed()).as("not before the data is acknowledged").isFalse();
        assertThat(sim.runUntil(() -> sim.client().isTerminated() && server.eof(), 30 * S)).isTrue();

        assertThat(server.received()).isEqualTo(300_000);
        assertThat(server.mismatchAt()).isEqualTo(-1);
        assertThat(sim.server().writeFailure()).contains("closed by sim-client");
        assertThat(sim.client().readFailure()).isEqualTo("connection closed");
        assertThat(sim.runUntil(sim.server()::isTerminated, 10 * S)).isTrue();
    }

    @Test
    void closeNow_endsWithoutWaitingForAcks_andThePeerSeesAGracefulClose() {
        Simulation sim = simulation("closeNow", HOSTILE);
        TransferApp client = new TransferApp(300_000, 8, 0);
        TransferApp server = new TransferApp(0, 0, 8);
        sim.setApp(0, client);
        sim.setApp(1, server);
        sim.runUntil(() -> client.written() == 300_000, 10 * S);

        sim.client().closeNow(sim.clock().now());

        assertThat(sim.client().isClosed()).as("at once, data in flight or not").isTrue();
        assertThat(sim.client().failure()).isNull();
        assertThat(sim.runUntil(() -> sim.server().isClosed(), 10 * S)).isTrue();
        assertThat(sim.server().writeFailure()).contains("closed by sim-client");
        assertThat(sim.runUntil(() -> sim.client().isTerminated() && sim.server().isTerminated(), 10 * S)).isTrue();
    }

    @Test
    void abort_deliversReasonToPeer_overALossyLink() {
        Simulation sim = simulation("abort_deliversReason", HOSTILE);
        TransferApp client = new TransferApp(5_000_000, 9, 0);
        sim.setApp(0, client);
        sim.runUntil(() -> sim.server().available() > 0, 10 * S);

        sim.client().abort("disk full on the client", sim.clock().now());
        assertThat(sim.runUntil(() -> sim.server().failure() != null, 10 * S)).isTrue();

        assertThat(sim.server().readFailure()).isEqualTo("connection aborted by sim-client: disk full on the client");
        assertThat(sim.server().writeFailure()).contains("disk full on the client");
        assertThat(sim.client().readFailure()).isEqualTo("connection aborted: disk full on the client");
    }

    // ------------------------------------------------------------------ timers

    @Test
    void idleTimeout_onDeadLink_failsNamingThePeer() {
        Simulation sim = simulation("idleTimeout_onDeadLink", CLEAN);
        handshake(sim);
        long cutAt = sim.clock().now();
        sim.link().cut();

        assertThat(sim.runUntil(() -> sim.client().isTerminated() && sim.server().isTerminated(), 60 * S)).isTrue();

        assertThat(sim.client().failure()).isEqualTo("no datagram from sim-server for 10 s");
        assertThat(sim.server().failure()).isEqualTo("no datagram from sim-client for 10 s");
        assertThat(sim.client().readFailure()).isEqualTo(sim.client().failure());
        assertThat(sim.clock().now() - cutAt).isBetween(9_900 * MS, 10_100 * MS);
    }

    @Test
    void keepAlive_quietConnection_staysOpen() {
        Simulation sim = simulation("keepAlive_quietConnection", HOSTILE);
        handshake(sim);

        sim.runUntil(() -> false, 120 * S);

        assertThat(sim.client().failure()).isNull();
        assertThat(sim.server().failure()).isNull();
        assertThat(sim.client().stats().datagramsSent()).isGreaterThan(10);
    }

    @Test
    void server_sendsNothing_beforeHearingTheClient() {
        Connection server = Connection.server(CONFIG, keys, 0);

        assertThat(server.poll(new byte[2000], 0, 2000, 0)).isZero();
        assertThat(server.nextWakeupNanos()).isEqualTo(10 * S);
        server.onTimeout(10 * S);
        assertThat(server.failure()).startsWith("no datagram from peer of connection");
    }

    // ------------------------------------------------------------------ hostile input

    /** Datagrams the client would send, made by a twin of the client (same keys): authentic. */
    private List<byte[]> clientDatagrams(int count) {
        Connection twin = Connection.client(CONFIG, keys, 0);
        twin.write(new byte[count * 1400], 0, count * 1400);
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[2000];
        for (int i = 0; i < count; i++) {
            int n = twin.poll(buf, 0, buf.length, i * MS);
            assertThat(n).isPositive();
            out.add(java.util.Arrays.copyOf(buf, n));
        }
        return out;
    }

    @Test
    void receive_replayedDatagram_isDropped() {
        Connection server = Connection.server(CONFIG, keys, 0);
        byte[] datagram = clientDatagrams(1).get(0);

        assertThat(server.receive(datagram, 0, datagram.length, 1)).isEqualTo(Connection.ACCEPTED_NEWEST);
        assertThat(server.receive(datagram, 0, datagram.length, 2)).isEqualTo(Connection.DROPPED);
        assertThat(server.stats().datagramsDropped()).isEqualTo(1);
        assertThat(server.stats().datagramsReceived()).isEqualTo(2);
    }

    @Test
    void receive_olderDatagram_isAcceptedButNotNewest() {
        Connection server = Connection.server(CONFIG, keys, 0);
        List<byte[]> d = clientDatagrams(2);

        assertThat(server.receive(d.get(1), 0, d.get(1).length, 1)).isEqualTo(Connection.ACCEPTED_NEWEST);
        assertThat(server.receive(d.get(0), 0, d.get(0).length, 2)).isEqualTo(Connection.ACCEPTED);
    }

    @Test
    void receive_fuzzedDatagrams_areDroppedWithoutHarm() {
        long seed = Simulation.seed("receive_fuzzedDatagrams");
        Random random = new Random(seed);
        Simulation sim = new Simulation(CONFIG, CONFIG, keys, HOSTILE, HOSTILE, seed);
        handshake(sim);
        Connection server = sim.server();
        List<byte[]> genuine = clientDatagrams(20);
        PacketCodec forger = new PacketCodec(keys.clientToServerKey(), keys.clientToServerIv(),
                keys.serverToClientKey(), keys.serverToClientIv());
        long droppedBefore = server.stats().datagramsDropped();
        int attempts = 5_000;
        for (int i = 0; i < attempts; i++) {
            byte[] d;
            switch (i % 5) {
                case 0 -> {                                  // noise of any length
                    d = new byte[random.nextInt(1600)];
                    random.nextBytes(d);
                }
                case 1 -> {                                  // noise behind a plausible header
                    d = new byte[PacketCodec.OVERHEAD + random.nextInt(1500)];
                    random.nextBytes(d);
                    java.nio.ByteBuffer.wrap(d).put((byte) 0x11).putInt(keys.connectionId())
                            .putLong(1_000_000L + random.nextInt(1_000_000));
                }
                case 2 -> {                                  // genuine, some bits flipped
                    d = genuine.get(random.nextInt(genuine.size())).clone();
                    for (int f = 1 + random.nextInt(3); f > 0; f--) {
                        int bit = random.nextInt(d.length * 8);
                        d[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    java.nio.ByteBuffer.wrap(d).putLong(5, 2_000_000L + i);   // dodge the replay check
                }
                case 3 -> {                                  // genuine, truncated
                    byte[] g = genuine.get(random.nextInt(genuine.size()));
                    d = java.util.Arrays.copyOf(g, random.nextInt(g.length));
                }
                default -> {                                 // authentic, but frames that do not parse
                    byte[] frames = malformedFrames(random);
                    d = new byte[frames.length + PacketCodec.OVERHEAD];
                    forger.seal(keys.connectionId(), 3_000_000L + i, frames, frames.length, d, 0);
                }
            }
            assertThat(server.receive(d, 0, d.length, sim.clock().now())).as("datagram %d", i).isEqualTo(Connection.DROPPED);
        }
        assertThat(server.stats().datagramsDropped() - droppedBefore).isEqualTo(attempts);
        assertThat(server.failure()).isNull();

        TransferApp client = new TransferApp(1_000_000, 10, 0);
        TransferApp receiver = new TransferApp(0, 0, 10);
        sim.setApp(0, client);
        sim.setApp(1, receiver);
        assertThat(sim.runUntil(receiver::eof, 30 * S)).as("still works afterwards").isTrue();
        assertThat(receiver.mismatchAt()).isEqualTo(-1);
    }

    private static byte[] malformedFrames(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> new byte[] {Frames.PING, 0x7f};                         // unknown frame type
            case 1 -> new byte[] {Frames.STREAM, 0, 0, 0x40, (byte) 200, 1, 2, 3}; // length past the end
            case 2 -> new byte[] {Frames.ACK, 5, 0, 0, 1, 9};                 // range below packet 0
            default -> new byte[] {Frames.CLOSE, 0, 0x10, 'x'};               // reason past the end
        };
    }

    @Test
    void authenticDataBeyondCredit_failsConnectionWithProtocolViolation() {
        Simulation sim = simulation("dataBeyondCredit", CLEAN);
        handshake(sim);
        PacketCodec forger = new PacketCodec(keys.clientToServerKey(), keys.clientToServerIv(),
                keys.serverToClientKey(), keys.serverToClientIv());
        byte[] frames = new byte[20];
        int len = Frames.writeStreamHeader(frames, 0, 0, 100_000_000L, 4, 1, false) + 4;
        byte[] d = new byte[len + PacketCodec.OVERHEAD];
        forger.seal(keys.connectionId(), 1_000_000L, frames, len, d, 0);

        sim.server().receive(d, 0, d.length, sim.clock().now());
        assertThat(sim.runUntil(() -> sim.client().failure() != null, 5 * S)).isTrue();

        assertThat(sim.server().failure()).startsWith("protocol violation by sim-client: stream data up to offset");
        assertThat(sim.client().failure()).startsWith("sim-server reports a protocol violation: stream data");
    }
}
