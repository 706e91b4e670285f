package io.farsync.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link ArrivalClock} with injected clock readings: a step of the wall clock, forward or back,
 * between the kernel's stamp and the read never makes an arrival earlier than it was, and
 * arrivals never go backwards.
 */
class ArrivalClockTest {

    private static final long SECOND = 1_000_000_000L;
    /** Wall clock minus nanoTime before any step. */
    private static final long OFFSET = 1_700_000_000L * SECOND;
    private static final long PRECISE = 100;

    private final ArrivalClock clock = new ArrivalClock();

    @Test
    void arrival_isBoundedToTheReadAndTheLongestHostDelay() {
        long readAt = 10 * SECOND;
        assertThat(ArrivalClock.bounded(readAt + 5, readAt)).isEqualTo(readAt);
        assertThat(ArrivalClock.bounded(readAt - 7, readAt)).isEqualTo(readAt - 7);
        assertThat(ArrivalClock.bounded(0, readAt)).isEqualTo(readAt - ArrivalClock.MAX_HOST_DELAY_NANOS);
    }

    @Test
    void withoutAStep_aStampIsTheKernelsArrival() {
        clock.batchRead(OFFSET, PRECISE, 10 * SECOND);
        assertThat(clock.arrival(OFFSET + 9 * SECOND)).isEqualTo(9 * SECOND);
        assertThat(clock.arrival(-1)).as("no stamp: the read").isEqualTo(10 * SECOND);
    }

    @Test
    void forwardStep_betweenBatchesOfOneBacklog_noBatchIsStampedEarly() {
        long step = 300_000_000L;
        clock.batchRead(OFFSET, PRECISE, 10 * SECOND);
        assertThat(clock.arrival(OFFSET + 10 * SECOND - 1000)).isEqualTo(10 * SECOND - 1000);
        clock.batchDone(true);

        // three full batches wait, all stamped before the step, at 10.1 s; the step comes before the first read
        long stampedAt = 10 * SECOND + 100_000_000L;
        long[] readAts = {11 * SECOND, 11 * SECOND + 1000, 11 * SECOND + 2000};
        for (int batch = 0; batch < 3; batch++) {
            clock.batchRead(OFFSET + step, PRECISE, readAts[batch]);
            long arrival = clock.arrival(OFFSET + stampedAt);
            assertThat(arrival).as("batch %d: not before the true arrival", batch).isGreaterThanOrEqualTo(stampedAt);
            assertThat(arrival).as("batch %d: read on arrival", batch).isEqualTo(readAts[batch]);
            clock.batchDone(batch == 2);
        }

        // the backlog drained: stamps count again, with the new offset
        clock.batchRead(OFFSET + step, PRECISE, 12 * SECOND);
        assertThat(clock.arrival(OFFSET + step + 12 * SECOND - 5000)).isEqualTo(12 * SECOND - 5000);
    }

    @Test
    void backwardStep_neverMakesAnArrivalLaterThanTheRead_norEarlierThanTheLast() {
        clock.batchRead(OFFSET, PRECISE, 10 * SECOND);
        long first = clock.arrival(OFFSET + 10 * SECOND - 1000);
        clock.batchDone(true);

        clock.batchRead(OFFSET - 200_000_000L, PRECISE, 11 * SECOND);
        long second = clock.arrival(OFFSET + 10 * SECOND + 500_000_000L);
        clock.batchDone(true);

        assertThat(second).isEqualTo(11 * SECOND).isGreaterThan(first);
    }

    @Test
    void impreciseReading_keepsThePreciseOffset_unlessItShowsAStep() {
        clock.batchRead(OFFSET, PRECISE, 10 * SECOND);
        clock.batchDone(true);

        // a reading 40 ms wide (the thread was descheduled), 15 ms off: within its own imprecision
        clock.batchRead(OFFSET + 15_000_000L, 40_000_000L, 11 * SECOND);
        assertThat(clock.arrival(OFFSET + 11 * SECOND - 3000)).as("the last precise offset").isEqualTo(11 * SECOND - 3000);
        clock.batchDone(true);

        // an imprecise reading 500 ms off: a step, whatever its imprecision
        clock.batchRead(OFFSET + 500_000_000L, 40_000_000L, 12 * SECOND);
        assertThat(clock.arrival(OFFSET + 12 * SECOND - 400_000_000L)).as("read on arrival").isEqualTo(12 * SECOND);
    }

    @Test
    void arrivals_neverGoBackwards_evenWhenTheOffsetReadingWobbles() {
        clock.batchRead(OFFSET, PRECISE, 10 * SECOND);
        long first = clock.arrival(OFFSET + 10 * SECOND - 1000);
        clock.batchDone(true);
        // the next reading is 25 us higher (within the step threshold): the next stamp, 10 us later, converts 15 us earlier
        clock.batchRead(OFFSET + 25_000, PRECISE, 10 * SECOND + 50_000);
        long second = clock.arrival(OFFSET + 10 * SECOND + 9000);

        assertThat(second).isGreaterThanOrEqualTo(first);
    }
}
