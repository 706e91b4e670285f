package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AckTrackerTest {

    private static final long US = 1_000L;

    private final AckTracker tracker = new AckTracker(0);

    /** Decodes an ACK frame into [low, high] pairs, highest first. */
    private static List<long[]> decode(byte[] buf, int len) throws FrameReader.Malformed {
        FrameReader r = new FrameReader();
        r.reset(buf, 0, len);
        assertThat(r.u8()).isEqualTo(Frames.ACK);
        long high = r.varint();
        r.varint();
        r.varint();
        long count = r.varint();
        List<long[]> ranges = new ArrayList<>();
        long low = high - r.varint();
        ranges.add(new long[] {low, high});
        for (int i = 1; i < count; i++) {
            high = low - r.varint() - 2;
            low = high - r.varint();
            ranges.add(new long[] {low, high});
        }
        return ranges;
    }

    @Test
    void duplicates_andPacketsBelowTheFloor_areDetected() {
        tracker.onReceived(5, true, 0);

        assertThat(tracker.isDuplicate(5)).isTrue();
        assertThat(tracker.isDuplicate(4)).isFalse();
    }

    @Test
    void ack_isDelayed_untilEnoughPacketsOrMaxDelay() {
        tracker.onReceived(0, true, 0);
        assertThat(tracker.ackDeadline()).isEqualTo(AckTracker.MAX_ACK_DELAY);
        for (int pn = 1; pn < AckTracker.ACK_EVERY; pn++) {
            tracker.onReceived(pn, true, pn * US);
        }

        assertThat(tracker.ackDeadline()).isEqualTo((AckTracker.ACK_EVERY - 1) * US);
    }

    @Test
    void gap_triggersImmediateAck() {
        tracker.onReceived(0, true, 0);
        tracker.onReceived(2, true, 10 * US);

        assertThat(tracker.ackDeadline()).isEqualTo(10 * US);
    }

    @Test
    void nonAckElicitingPackets_scheduleNoAck() {
        tracker.onReceived(0, false, 0);

        assertThat(tracker.ackPending()).isFalse();
        assertThat(tracker.ackDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void ackFrame_listsRangesHighestFirst() throws Exception {
        for (long pn : new long[] {0, 1, 2, 5, 6, 9}) {
            tracker.onReceived(pn, true, pn * US);
        }
        byte[] buf = new byte[100];
        int len = tracker.writeAck(buf, 0, buf.length, 20 * US);

        assertThat(decode(buf, len)).containsExactly(new long[] {9, 9}, new long[] {5, 6}, new long[] {0, 2});
        assertThat(tracker.ackPending()).isFalse();
    }

    @Test
    void ackFrame_withLittleSpace_keepsTheHighestRanges() throws Exception {
        for (long pn = 0; pn < 400; pn += 2) {
            tracker.onReceived(pn, true, pn * US);
        }
        byte[] buf = new byte[40];
        int len = tracker.writeAck(buf, 0, buf.length, 500 * US);

        List<long[]> ranges = decode(buf, len);
        assertThat(len).isLessThanOrEqualTo(40);
        assertThat(ranges.get(0)).containsExactly(398, 398);
        assertThat(ranges.size()).isGreaterThan(5);
    }

    @Test
    void trackedRanges_areBounded_andOldPacketsThenCountAsReplays() {
        for (long pn = 0; pn < 2L * AckTracker.MAX_RANGES + 10; pn++) {
            tracker.onReceived(2 * pn, false, 0);
        }

        assertThat(tracker.isDuplicate(1)).as("below the floor").isTrue();
        assertThat(tracker.isDuplicate(4L * AckTracker.MAX_RANGES + 21)).isFalse();
    }
}
