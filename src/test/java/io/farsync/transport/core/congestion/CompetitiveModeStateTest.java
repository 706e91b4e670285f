package io.farsync.transport.core.congestion;

import static io.farsync.transport.core.congestion.FlowRun.MS;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link CompetitiveMode}'s drain tests driven directly, round trip by round trip on a virtual
 * clock, as a reviewer's probe did: what one drain test remembers for the next must not outlive
 * the run of tests it belongs to (a drained test, or leaving the mode, ends it).
 */
class CompetitiveModeStateTest {

    private static final long RTT = 100 * MS;
    /** Above the 18 ms threshold at 100 ms: a loss-based flow's queue. */
    private static final long LONG_QUEUE = 40 * MS;
    /** More than {@link #LONG_QUEUE}: a drain test that finds the queue grown. */
    private static final long GROWN_QUEUE = 50 * MS;
    /** Under a quarter of the threshold: a drain test that finds the queue drained. */
    private static final long DRAINED_QUEUE = 1 * MS;
    private static final double WINDOW = 1_000_000;
    private static final double DELIVERY = WINDOW / RTT;

    /** One {@code fair} mode and its virtual clock. */
    private static final class Probe {
        final CompetitiveMode mode = new CompetitiveMode(1500, 1);
        long now;

        double epoch(long queueMin) {
            now += RTT;
            return mode.onEpoch(now, queueMin, RTT, RTT, WINDOW, DELIVERY);
        }

        /** From the delay rule to CUBIC's rule: a long queue for DETECT_EPOCHS, then a congestion loss. */
        void compete() {
            for (int i = 0; i < CompetitiveMode.DETECT_EPOCHS; i++) {
                epoch(LONG_QUEUE);
            }
            assertThat(mode.ramping()).as("competing").isTrue();
            now += 10 * RTT;
            mode.onLoss(now, LONG_QUEUE, RTT, RTT, WINDOW);
        }

        /** Round trips of long queue under CUBIC's rule until a drain test, which finds {@code queueMin}. */
        void drainTest(long queueMin) {
            for (int i = 0; i < CompetitiveMode.DRAIN_TEST_EPOCHS; i++) {
                epoch(LONG_QUEUE);
            }
            retest(queueMin);
        }

        /** The drain test's two round trips (the first only waits), the second finding {@code queueMin}. */
        void retest(long queueMin) {
            epoch(queueMin);
            epoch(queueMin);
        }

        /** Whether the mode holds its window: a congestion loss then leaves it alone. */
        boolean holding() {
            now += 10 * RTT;
            return mode.onLoss(now, LONG_QUEUE, RTT, RTT, WINDOW) == WINDOW;
        }
    }

    @Test
    void firstGrownDrainTest_afterLeavingAndComingBack_doesNotHold() {
        Probe fresh = new Probe();
        fresh.compete();
        fresh.drainTest(GROWN_QUEUE);
        assertThat(fresh.holding()).as("a fresh mode after one grown drain test").isFalse();

        Probe back = new Probe();
        back.compete();
        back.drainTest(GROWN_QUEUE);
        back.drainTest(DRAINED_QUEUE);
        back.retest(DRAINED_QUEUE);
        assertThat(back.mode.active()).as("two drained tests in a row leave the mode").isFalse();
        back.compete();
        back.drainTest(GROWN_QUEUE);
        assertThat(back.holding()).as("the first grown drain test after coming back").isFalse();
    }

    @Test
    void grownThenDrainedThenGrown_isNotTwoGrownInARow() {
        Probe probe = new Probe();
        probe.compete();
        probe.drainTest(GROWN_QUEUE);
        probe.drainTest(DRAINED_QUEUE);
        probe.retest(GROWN_QUEUE);
        assertThat(probe.holding()).as("grown, drained, grown").isFalse();

        Probe twice = new Probe();
        twice.compete();
        twice.drainTest(GROWN_QUEUE);
        twice.drainTest(GROWN_QUEUE);
        assertThat(twice.holding()).as("grown twice in a row still holds").isTrue();
    }
}
