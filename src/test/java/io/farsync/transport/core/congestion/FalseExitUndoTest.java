package io.farsync.transport.core.congestion;

import static io.farsync.transport.core.congestion.FlowRun.MS;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link DelayController}'s undo of a false slow-start exit, driven directly by acks on a virtual
 * clock: a receiver that reads slowly (acks at {@link #ACK_RATE} with a queue of
 * {@link #SLOW_QUEUE}) ends slow start with a deep cut, and round trips with an empty queue
 * and a full window follow. The undo is for the connection's first exit only, is vetoed by a
 * loss of much of what was sent since (not by a random one), and never happens to the scavenger.
 */
class FalseExitUndoTest {

    private static final long RTT = 100 * MS;
    private static final long TICK = 1 * MS;
    /** 20 Mbit/s, in bytes per tick. */
    private static final long ACK_RATE = 20_000_000L / 8 / 1000;
    private static final long SLOW_QUEUE = 30 * MS;
    private static final long BASE_DELAY = RTT / 2;
    /** A queue a loss-based flow keeps: above {@link CompetitiveMode#QUEUE_FLOOR_NANOS}. */
    private static final long COMPETING_QUEUE = 22 * MS;
    /** Round trips after an exit by which an undo has happened: it comes in the third, a restart only in the fifth. */
    private static final long UNDO_WITHIN = 3 * RTT + RTT / 2;

    /** A controller and its virtual clock; every tick acks {@link #ACK_RATE} with the window full. */
    private static final class Driver {
        final DelayController controller;
        long now;

        Driver(DelayController controller) {
            this.controller = controller;
        }

        /** Bytes acked per tick. */
        long ackRate = ACK_RATE;

        void tick(long queue) {
            tick(queue, 1);
        }

        /** One tick with {@code queue} and the bytes in flight at {@code used} of the window. */
        void tick(long queue, double used) {
            now += TICK;
            long inFlight = (long) (controller.windowBytes() * used);
            controller.onPacketSent(now, 1500, inFlight);
            controller.onAck(now, ackRate, inFlight, RTT, RTT, BASE_DELAY + queue);
        }

        /** One round trip (an epoch, when it starts at an exit) of {@code queue}, the window used to {@code used}. */
        void roundTrip(long queue, double used) {
            for (long t = 0; t < RTT; t += TICK) {
                tick(queue, used);
            }
        }

        /** An empty queue in slow start, for a few round trips: the window grows. */
        void grow() {
            for (long t = 0; t < 5 * RTT; t += TICK) {
                tick(0);
            }
        }

        /** The slow receiver's queue until slow start ends; returns the window cut by the exit. */
        double slowReceiverExit() {
            assertThat(controller.inSlowStart()).as("in slow start before the exit").isTrue();
            double before = controller.windowBytes();
            for (long t = 0; controller.inSlowStart(); t += TICK) {
                assertThat(t).as("slow start ends on the receiver's queue").isLessThan(RTT);
                before = controller.windowBytes();
                tick(SLOW_QUEUE);
            }
            assertThat((double) controller.windowBytes()).as("a deep cut").isLessThan(DelayController.UNDO_CUT_BELOW * before);
            return before;
        }

        /** Round trips with an empty queue and a full window; returns whether the exit was undone. */
        boolean emptyRoundTrips() {
            for (long t = 0; t < UNDO_WITHIN; t += TICK) {
                tick(0);
            }
            return controller.inSlowStart();
        }
    }

    private static Driver fair() {
        return new Driver(new FastRate(new RateController.Limits(0, 1_000_000_000L, 1500), 1, 0, RTT, 0));
    }

    @Test
    void fair_firstFalseExit_isUndone_aSecondIsNot() {
        Driver d = fair();
        d.grow();
        double before = d.slowReceiverExit();
        assertThat(d.emptyRoundTrips()).as("the first false exit is undone").isTrue();
        assertThat((double) d.controller.windowBytes()).isGreaterThanOrEqualTo(before);

        d.slowReceiverExit();
        assertThat(d.emptyRoundTrips()).as("a second false exit is not undone").isFalse();
    }

    @Test
    void fair_lossOfMuchSentAfterTheExit_vetoesTheUndo() {
        Driver d = fair();
        d.grow();
        d.slowReceiverExit();
        // a tail drop of the last doubling: a window's worth, against 3.5 windows sent after the exit
        d.controller.onLoss(d.now, d.controller.windowBytes());
        assertThat(d.emptyRoundTrips()).as("undone after a loss of a window").isFalse();
    }

    @Test
    void fair_randomLossAfterTheExit_doesNotVetoTheUndo() {
        Driver d = fair();
        d.grow();
        d.slowReceiverExit();
        d.controller.onLoss(d.now, 1500);
        assertThat(d.emptyRoundTrips()).as("undone after a datagram's loss").isTrue();
    }

    @Test
    void fair_undoPendingWhenCompetingStarts_isForgotten() {
        Driver d = fair();
        d.ackRate = ACK_RATE / 20;
        d.grow();
        d.slowReceiverExit();
        // round trips with a queue above the competitive threshold (18 ms) that a window of
        // alpha and a little more counts as empty, the window mostly unused: the undo stays pending
        d.roundTrip(COMPETING_QUEUE, 0.4);
        d.roundTrip(COMPETING_QUEUE, 0.4);
        d.roundTrip(COMPETING_QUEUE, 0.4);
        d.roundTrip(COMPETING_QUEUE, 1);
        d.roundTrip(COMPETING_QUEUE, 1);
        // competing now, until a congestion loss puts it under CUBIC's rule
        d.controller.onLoss(d.now, 1500);
        // then to two drained drain tests, which hand back to the delay rule
        for (int i = 0; i < CompetitiveMode.DRAIN_TEST_EPOCHS + 4; i++) {
            d.roundTrip(1 * MS, 1);
        }
        d.roundTrip(0, 1);
        assertThat(d.controller.inSlowStart()).as("an exit from before competing undone after it").isFalse();
    }

    @Test
    void low_falseExit_isNotUndone() {
        Driver d = new Driver(new Scavenger(new RateController.Limits(0, 1_000_000_000L, 1500), 0));
        d.grow();
        d.slowReceiverExit();
        assertThat(d.emptyRoundTrips()).as("the scavenger's exit undone").isFalse();
    }
}
