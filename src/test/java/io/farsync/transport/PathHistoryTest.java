package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.core.Connection;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** What a later connection may resume from: recent, same peer, similar RTT, latest measurement. */
class PathHistoryTest {

    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000_000_000L;

    @Test
    void aRecentMeasurementAtASimilarRtt_isResumed_andOnlyForThatPeer() throws Exception {
        PathHistory h = new PathHistory();
        InetAddress b = InetAddress.getByName("10.77.2.2");
        h.record(b, new Connection.PathRecord(490_000_000L, 100 * MS), T0);

        assertThat(h.resumeRate(b, 101 * MS, T0 + 1000 * MS)).isEqualTo(490_000_000L);
        assertThat(h.resumeRate(InetAddress.getByName("10.77.2.3"), 100 * MS, T0)).as("another peer").isZero();
        assertThat(h.resumeRate(b, 0, T0)).as("RTT unknown").isZero();
        assertThat(h.resumeRate(b, 201 * MS, T0)).as("RTT more than twice the recorded").isZero();
        assertThat(h.resumeRate(b, 49 * MS, T0)).as("RTT less than half the recorded").isZero();
        assertThat(h.resumeRate(b, 100 * MS, T0 + PathHistory.MAX_AGE_NANOS + 1)).as("too old").isZero();
    }

    @Test
    void theLatestMeasurementReplacesTheOlder_evenALowerOne_andNothingMeasuredReplacesNothing() throws Exception {
        PathHistory h = new PathHistory();
        InetAddress b = InetAddress.getByName("10.77.2.2");
        h.record(b, new Connection.PathRecord(490_000_000L, 100 * MS), T0);
        h.record(b, new Connection.PathRecord(120_000_000L, 100 * MS), T0 + 1);
        assertThat(h.resumeRate(b, 100 * MS, T0 + 2)).isEqualTo(120_000_000L);
        h.record(b, null, T0 + 3);
        assertThat(h.resumeRate(b, 100 * MS, T0 + 4)).as("a connection that measured nothing").isEqualTo(120_000_000L);
    }

    @Test
    void isBounded_forgettingTheOldestPeersFirst() throws Exception {
        PathHistory h = new PathHistory();
        for (int i = 0; i <= PathHistory.MAX_PEERS; i++) {
            h.record(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}),
                    new Connection.PathRecord(1_000_000L + i, 10 * MS), T0 + i);
        }
        assertThat(h.resumeRate(InetAddress.getByAddress(new byte[] {10, 0, 0, 0}), 10 * MS, T0 + 2000)).isZero();
        assertThat(h.resumeRate(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 10 * MS, T0 + 2000)).isEqualTo(1_000_001L);
    }

    @Test
    void aConnectionStartingWhileAnotherToThePeerRuns_doesNotResume_andTheNextOneAfterItsEndDoes() throws Exception {
        PathHistory h = new PathHistory();
        InetAddress b = InetAddress.getByName("10.77.2.2");
        h.record(b, new Connection.PathRecord(490_000_000L, 100 * MS), T0);

        assertThat(h.open(b, 100 * MS, T0 + 1)).as("the first").isEqualTo(490_000_000L);
        assertThat(h.open(b, 100 * MS, T0 + 2)).as("a second beside it").isZero();
        h.close(b, b, null, T0 + 3);
        assertThat(h.open(b, 100 * MS, T0 + 4)).as("a third while the second runs").isZero();
        h.close(b, b, new Connection.PathRecord(300_000_000L, 100 * MS), T0 + 5);
        h.close(b, b, null, T0 + 6);
        assertThat(h.open(b, 100 * MS, T0 + 7)).as("once none runs: the latest measurement").isEqualTo(300_000_000L);
        assertThat(h.open(null, 100 * MS, T0 + 8)).as("peer unknown").isZero();
    }
}
