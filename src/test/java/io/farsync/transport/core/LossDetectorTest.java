package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossDetectorTest {

    private static final long MS = 1_000_000L;
    private static final int DATA = LossDetector.FLAG_ACK_ELICITING | LossDetector.FLAG_STREAM;

    private final List<Long> acked = new ArrayList<>();
    private final List<Long> lost = new ArrayList<>();
    private final RttEstimator rtt = new RttEstimator(0);
    /** Stream offset = packet number, so the listener can tell packets apart. */
    private final LossDetector detector = new LossDetector(new LossDetector.Listener() {
        @Override
        public void onPacketAcked(int flags, long offset, int length) {
            acked.add(offset);
        }

        @Override
        public void onPacketLost(int flags, long offset, int length) {
            lost.add(offset);
        }
    }, rtt, 0, 0);

    private void send(int count, long now) {
        for (int i = 0; i < count; i++) {
            long pn = detector.nextPacketNumber();
            detector.onPacketSent(now, DATA, pn, 1);
        }
    }

    private void ack(long low, long high, long now) {
        detector.beginAck();
        detector.ackRange(low, high, high);
        detector.endAck(high, 0, now, now);
    }

    @Test
    void ackArrivalStampedBeforeTheSend_endsTheRttSampleAtNow_notAtOneNanosecond() {
        send(1, 100 * MS);
        detector.beginAck();
        detector.ackRange(0, 0, 0);
        // the receive stamp says 50 ms (a wrong one); the ACK is handled at 110 ms
        detector.endAck(0, 0, 50 * MS, 110 * MS);

        assertThat(acked).containsExactly(0L);
        assertThat(rtt.min()).isEqualTo(10 * MS);
        assertThat(rtt.smoothed()).isEqualTo(10 * MS);
    }

    @Test
    void packetThreshold_declaresLossThreePacketsBehind() {
        send(5, 0);
        ack(3, 3, 10 * MS);

        assertThat(lost).containsExactly(0L);
        assertThat(acked).containsExactly(3L);
        assertThat(rtt.smoothed()).isEqualTo(10 * MS);
    }

    @Test
    void timeThreshold_declaresLossAfterNineEighthsRtt() {
        send(1, 0);
        send(1, 1 * MS);
        ack(1, 1, 11 * MS);        // rtt 10 ms; packet 0 is only one behind
        assertThat(lost).isEmpty();
        assertThat(detector.timerDeadline()).isEqualTo(0 + 10 * MS * 9 / 8);

        detector.onTimeout(detector.timerDeadline());

        assertThat(lost).containsExactly(0L);
    }

    /**
     * The sender reads two ACKs 5 ms after they arrived (more than an eighth of the 10 ms RTT):
     * the first acknowledges packet 2, the second packet 1, which was only reordered. Judged at
     * the arrival, packet 1 is not yet past the time threshold when the first ACK is handled, so
     * the second one acknowledges it; judged at the late read, it was declared lost (spuriously).
     */
    @Test
    void ackReadLate_judgesLossesAtItsArrival_notAtTheRead() {
        send(1, 0);
        ack(0, 0, 10 * MS);                       // rtt 10 ms: threshold 11.25 ms
        send(1, 20 * MS);
        send(1, 21 * MS);
        long stall = 5 * MS;

        detector.beginAck();
        detector.ackRange(2, 2, 2);
        detector.endAck(2, 0, 31 * MS, 31 * MS + stall);
        assertThat(lost).as("packet 1 (sent at 20 ms) at 31 ms: 11 ms, below 11.25 ms").isEmpty();
        assertThat(detector.timerDeadline()).isEqualTo(20 * MS + 10 * MS * 9 / 8);

        detector.beginAck();
        detector.ackRange(1, 2, 2);
        detector.endAck(2, 0, 32 * MS, 32 * MS + stall);

        assertThat(lost).isEmpty();
        assertThat(acked).containsExactly(0L, 2L, 1L);
        assertThat(detector.spuriousLosses()).isZero();
    }

    @Test
    void ackReadLate_holeStillDeclaredLost_whenTheLossTimerFiresAtItsDeadline() {
        send(1, 0);
        ack(0, 0, 10 * MS);
        send(1, 20 * MS);
        send(1, 21 * MS);
        detector.beginAck();
        detector.ackRange(2, 2, 2);
        detector.endAck(2, 0, 31 * MS, 36 * MS);
        assertThat(lost).isEmpty();

        detector.onTimeout(detector.timerDeadline());

        assertThat(lost).containsExactly(1L);
    }

    @Test
    void probeTimeout_firesWithoutAcks_andBacksOff() {
        send(1, 0);
        long first = detector.timerDeadline();
        assertThat(detector.onTimeout(first - 1)).isFalse();
        assertThat(detector.onTimeout(first)).isTrue();
        long second = detector.timerDeadline();

        assertThat(second).isEqualTo(2 * first);
        assertThat(lost).as("a PTO only probes; it declares nothing lost").isEmpty();
    }

    @Test
    void spuriousLoss_raisesPacketThreshold() {
        send(10, 0);
        ack(5, 9, 10 * MS);
        assertThat(lost).containsExactly(0L, 1L, 2L, 3L, 4L);

        ack(0, 0, 11 * MS);            // packet 0 was only reordered, 9 packets deep

        assertThat(detector.spuriousLosses()).isEqualTo(1);
        assertThat(detector.packetThreshold()).isEqualTo(10);
        assertThat(acked).contains(0L);
    }

    @Test
    void duplicateAck_isIgnored() {
        send(3, 0);
        ack(0, 2, 5 * MS);
        ack(0, 2, 6 * MS);

        assertThat(acked).containsExactly(0L, 1L, 2L);
        assertThat(detector.ackElicitingInFlight()).isZero();
        assertThat(detector.timerDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void manyPacketsInFlight_growTheRing() {
        send(5_000, 0);
        ack(0, 4_999, 10 * MS);

        assertThat(acked).hasSize(5_000);
        assertThat(lost).isEmpty();
    }
}
