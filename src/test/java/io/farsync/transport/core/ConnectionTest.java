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

class ConnectionTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(100_000_000L)
            .withBuffers(4 << 20, 4 << 20)
            .withIdleTimeout(Duration.ofSeconds(10));

    private static SessionKeys keys() {
        return SessionKeys.generate(new SecureRandom(), 128);
    }

    @Test
    void transfer_bothDirections_atTenPercentLossWithReorderingAndDuplication() {
        long seed = Simulation.seed("transfer_bothDirections_atTenPercentLoss");
        LinkProfile lossy = LinkProfile.perfect(10 * MS).withLoss(0.10).withJitter(2 * MS).withDuplication(0.02);
        Simulation sim = new Simulation(CONFIG, CONFIG, keys(), lossy, lossy, seed);
        long size = 20_000_000L;
        TransferApp client = new TransferApp(size, 1, 2);
        TransferApp server = new TransferApp(size, 2, 1);
        sim.setApp(0, client);
        sim.setApp(1, server);

        boolean done = sim.runUntil(() -> client.eof() && server.eof(), 120 * S);

        TransportStats cs = sim.client().stats();
        TransportStats ss = sim.server().stats();
        System.out.printf("virtual %.2f s; client %s; server %s; spurious %d/%d%n",
                (sim.clock().now() - 1e9) / 1e9, cs, ss, sim.client().spuriousLosses(), sim.server().spuriousLosses());
        assertThat(done).as("both streams complete").isTrue();
        assertThat(client.received()).isEqualTo(size);
        assertThat(server.received()).isEqualTo(size);
        assertThat(client.mismatchAt()).isEqualTo(-1);
        assertThat(server.mismatchAt()).isEqualTo(-1);
    }
}
