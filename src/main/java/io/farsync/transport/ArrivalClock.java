package io.farsync.transport;

/**
 * Puts the kernel's receive stamps ({@code CLOCK_REALTIME}) on the {@link System#nanoTime()}
 * scale for {@link KernelTimestampReader}, given one reading of the offset between the two
 * clocks (wall clock minus nanoTime) per {@code recvmmsg} batch. Its own class so that the clock
 * readings can be injected in a test: a step of the wall clock cannot be made on demand.
 *
 * <p>The rules, each against a stamp that is too early (which would lower the one-way delay base
 * every later sample is measured from, and at a sender make an RTT sample negative):
 * <ul>
 * <li>an arrival is never later than the read, nor more than {@link #MAX_HOST_DELAY_NANOS}
 *     before it;
 * <li>arrivals never go backwards: the socket's queue is in arrival order;
 * <li>a reading whose offset moved by more than {@link #CLOCK_STEP_NANOS} since the last (plus
 *     the reading's own imprecision) means the wall clock was stepped: datagrams stamped before
 *     the step would be converted with the new offset, so until the socket's backlog is drained
 *     (a batch smaller than asked) every datagram counts as read on arrival;
 * <li>an imprecise reading (its nanoTimes more than {@link #OFFSET_PRECISION_NANOS} apart: the
 *     thread was descheduled in between) does not replace the last precise offset.
 * </ul>
 *
 * <p>Single-threaded: the I/O thread's.
 */
final class ArrivalClock {

    /** A datagram counts as waiting at most this long in the socket buffer. */
    static final long MAX_HOST_DELAY_NANOS = 1_000_000_000L;
    /** More change than this in (wall clock - nanoTime) between batches is a step of the wall clock. */
    static final long CLOCK_STEP_NANOS = 1_000_000L;
    /** The most time between the nanoTimes around a wall-clock reading for it to count as precise. */
    static final long OFFSET_PRECISION_NANOS = 50_000L;

    private static final long NONE = Long.MIN_VALUE;

    private long lastOffset = NONE;
    private boolean afterStep;
    private long batchOffset = NONE;
    private long readAt;
    private long lastArrival = Long.MIN_VALUE;

    /**
     * A batch was read at {@code readAt} (nanoTime), with an offset reading {@code offset} (wall
     * clock minus nanoTime, nanoseconds) whose two nanoTimes were {@code spread} apart.
     */
    void batchRead(long offset, long spread, long readAt) {
        this.readAt = readAt;
        long tolerance = CLOCK_STEP_NANOS + Math.min(spread, MAX_HOST_DELAY_NANOS);
        if (lastOffset != NONE && Math.abs(offset - lastOffset) > tolerance) {
            afterStep = true;
        }
        if (spread <= OFFSET_PRECISION_NANOS) {
            lastOffset = offset;
        }
        batchOffset = afterStep ? NONE : lastOffset;
    }

    /**
     * The arrival on the nanoTime scale of a datagram of the current batch that the kernel stamped
     * {@code wallStamp} (nanoseconds of the wall clock; negative if it has no stamp).
     */
    long arrival(long wallStamp) {
        long at = batchOffset == NONE || wallStamp < 0 ? readAt : bounded(wallStamp - batchOffset, readAt);
        at = Math.max(at, lastArrival);
        lastArrival = at;
        return at;
    }

    /** The current batch is over; {@code drained}: it was smaller than asked, nothing older waits. */
    void batchDone(boolean drained) {
        if (drained) {
            afterStep = false;
        }
    }

    /** {@code arrivedAt} bounded to [readAt - MAX_HOST_DELAY_NANOS, readAt]. */
    static long bounded(long arrivedAt, long readAt) {
        return Math.max(Math.min(arrivedAt, readAt), readAt - MAX_HOST_DELAY_NANOS);
    }
}
