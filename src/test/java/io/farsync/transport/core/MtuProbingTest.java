package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import io.farsync.transport.sim.LinkProfile;
import io.farsync.transport.sim.Simulation;
import io.farsync.transport.sim.TransferApp;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Path MTU probing ({@link MtuProber}) end to end over a simulated link in virtual time whose
 * path MTU drops every larger datagram, as a router does with DF set.
 */
class MtuProbingTest {

    private static final long MS = 1_000_000L;
    private static final long RTT = 40 * MS;
    private static final long BYTES = 8L << 20;

    private static TransportConfig config(int size, boolean probe) {
        return TransportConfig.defaults().withRate(200_000_000L).withDatagramSize(size).withDatagramSizeProbing(probe)
                .withIdleTimeout(Duration.ofSeconds(30));
    }

    /** Both sides with {@code config}, {@link #RTT} apart, over a path carrying at most {@code pathMtu}. */
    private static Simulation sim(String test, TransportConfig config, int pathMtu, double loss) {
        LinkProfile way = LinkProfile.perfect(RTT / 2).withLoss(loss);
        Simulation sim = new Simulation(config, config, SessionKeys.generate(new SecureRandom(), 128), way, way,
                Simulation.seed(test));
        sim.link().setPathMtu(pathMtu);
        return sim;
    }

    private static TransferApp[] transfer(Simulation sim, long seed) {
        TransferApp sender = new TransferApp(BYTES, seed, seed + 1);
        TransferApp receiver = new TransferApp(0, seed + 1, seed);
        sim.setApp(0, sender);
        sim.setApp(1, receiver);
        return new TransferApp[] {sender, receiver};
    }

    private static void assertIntact(TransferApp receiver) {
        assertThat(receiver.readFailure()).isNull();
        assertThat(receiver.eof()).isTrue();
        assertThat(receiver.received()).isEqualTo(BYTES);
        assertThat(receiver.mismatchAt()).isEqualTo(-1);
    }

    @Test
    void converges_toTheLargestPlateauThePathCarries_withinTwoRoundTrips_withoutTouchingTheData() {
        Simulation sim = sim("converges", config(1472, true), 1400, 0);
        TransferApp[] apps = transfer(sim, 7);
        Connection client = sim.client();
        assertThat(client.datagramSize()).isEqualTo(MtuProber.BASE);
        long start = sim.clock().now();

        assertThat(sim.runUntil(() -> client.datagramSize() > MtuProber.BASE, 2_000 * MS)).isTrue();
        long rtts = (sim.clock().now() - start) / RTT;
        System.out.println("converged to " + client.datagramSize() + " after " + rtts + " RTTs, "
                + sim.link().mtuDrops() + " probes dropped by the path MTU");
        assertThat(rtts).isLessThanOrEqualTo(2);

        assertThat(sim.runUntil(() -> apps[1].eof(), 60_000 * MS)).isTrue();
        assertIntact(apps[1]);
        TransportStats stats = client.stats();
        // the largest common MTU plateau within the path MTU
        assertThat(stats.datagramSize()).isEqualTo(1392);
        // the probes that the path dropped were neither data loss nor a congestion signal
        assertThat(sim.link().mtuDrops()).isPositive();
        assertThat(stats.retransmittedBytes()).isZero();
        assertThat(stats.packetsLost()).isZero();
        assertThat(stats.lostBytes()).isZero();
        // the server, which sent only acknowledgements, had nothing worth probing for
        assertThat(sim.server().datagramSize()).isEqualTo(MtuProber.BASE);
    }

    @Test
    void randomLoss_isNotTakenForABlackHole_andProbingStillConverges() {
        Simulation sim = sim("randomLoss", config(1472, true), 1400, 0.05);
        TransferApp[] apps = transfer(sim, 19);

        assertThat(sim.runUntil(() -> apps[1].eof(), 120_000 * MS)).isTrue();
        assertIntact(apps[1]);
        // a probe lost at random costs at most a plateau
        assertThat(sim.client().datagramSize()).isBetween(1252, 1392);
        assertThat(sim.client().mtuBlackHoles()).isZero();
    }

    @Test
    void aPathThatCarriesTheCeiling_reachesItInOneProbe() {
        Simulation sim = sim("ceiling", config(9000, true), Integer.MAX_VALUE, 0);
        TransferApp[] apps = transfer(sim, 11);
        long start = sim.clock().now();

        assertThat(sim.runUntil(() -> sim.client().datagramSize() == 9000, 2_000 * MS)).isTrue();
        assertThat(sim.clock().now() - start).isLessThanOrEqualTo(3 * RTT);
        assertThat(sim.runUntil(() -> apps[1].eof(), 60_000 * MS)).isTrue();
        assertIntact(apps[1]);
    }

    @Test
    void aBlackHoleMidTransfer_dropsToTheBase_thenFindsTheSmallerPathMtu_andTheTransferCompletes() {
        Simulation sim = sim("blackHole", config(1472, true), Integer.MAX_VALUE, 0);
        TransferApp[] apps = transfer(sim, 13);
        Connection client = sim.client();
        assertThat(sim.runUntil(() -> client.datagramSize() == 1472, 2_000 * MS)).isTrue();
        assertThat(sim.runUntil(() -> apps[1].received() > BYTES / 4, 60_000 * MS)).isTrue();

        sim.link().setPathMtu(1300);
        long dropAt = sim.clock().now();
        assertThat(sim.runUntil(() -> client.datagramSize() <= 1300, 10_000 * MS)).isTrue();
        System.out.println("black hole noticed after " + (sim.clock().now() - dropAt) / MS + " ms");
        assertThat(sim.runUntil(() -> apps[1].eof(), 60_000 * MS)).isTrue();

        assertIntact(apps[1]);
        assertThat(client.datagramSize()).isEqualTo(1252);
    }

    @Test
    void anExplicitSize_isUsedFromTheStart_andNothingIsProbed() {
        Simulation sim = sim("override", config(1300, false), 1400, 0);
        TransferApp[] apps = transfer(sim, 17);
        assertThat(sim.client().datagramSize()).isEqualTo(1300);

        assertThat(sim.runUntil(() -> apps[1].eof(), 60_000 * MS)).isTrue();
        assertIntact(apps[1]);
        assertThat(sim.link().mtuDrops()).isZero();
        assertThat(sim.client().stats().datagramSize()).isEqualTo(1300);
    }
}
