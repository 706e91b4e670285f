package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The hold for datagrams that come before their connection: bounded, ordered, and brief. */
class EarlyDatagramsTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 4000);
    private final EarlyDatagrams early = new EarlyDatagrams();

    @Test
    void take_returnsOneConnectionsDatagrams_inArrivalOrder_once() {
        early.hold(1, PEER, new byte[] {1}, 1, 0);
        early.hold(2, PEER, new byte[] {9}, 1, 0);
        early.hold(1, PEER, new byte[] {2, 0}, 1, 0);
        assertThat(early.take(1, 0)).extracting(h -> h.data()[0]).containsExactly((byte) 1, (byte) 2);
        assertThat(early.take(1, 0)).isEmpty();
        assertThat(early.size()).isEqualTo(1);
    }

    @Test
    void aFloodOfInventedIds_keepsOnlyTheNewest_withinTheBounds() {
        byte[] big = new byte[TransportConfig.MAX_DATAGRAM];
        for (int id = 0; id < 1000; id++) {
            early.hold(id, PEER, big, big.length, 0);
        }
        assertThat(early.size()).isLessThanOrEqualTo(EarlyDatagrams.MAX_BYTES / TransportConfig.MAX_DATAGRAM);
        assertThat(early.take(999, 0)).hasSize(1);
        assertThat(early.take(0, 0)).isEmpty();
        for (int id = 0; id < 1000; id++) {
            early.hold(id, PEER, new byte[10], 10, 0);
        }
        assertThat(early.size()).isEqualTo(EarlyDatagrams.MAX_DATAGRAMS);
    }

    @Test
    void aDatagramHeldLongerThanTheLimit_isGone() {
        early.hold(1, PEER, new byte[] {1}, 1, 0);
        assertThat(early.take(1, EarlyDatagrams.HOLD_NANOS + 1)).isEmpty();
        assertThat(early.size()).isZero();
    }

    @Test
    void aLongerHold_keepsADatagramPastTheDefaultLimit() {
        early.holdFor(EarlyDatagrams.HOLD_NANOS * 100);
        early.hold(1, PEER, new byte[] {1}, 1, 0);
        assertThat(early.take(1, EarlyDatagrams.HOLD_NANOS + 1)).hasSize(1);
    }
}
