package io.farsync.transport.core.congestion;

/**
 * The queueing delay a bottleneck can have built, without the delay a stalled host adds: the
 * filtered queue ({@link QueueDelayFilter}) less the part of its samples' rises that the
 * acknowledged bytes cannot account for.
 *
 * <p>Why: a bottleneck's FIFO queue grows only by the bytes that arrive at it, so from one
 * acknowledged packet to the next their one-way delay rises by at most the bytes sent between
 * them over the bottleneck's rate, and that rate is at least what the flow has seen delivered. A
 * host that stalls (a receiver whose JVM compiles or collects garbage, on two cores shared with
 * the sender and the link emulator; a sender descheduled between stamping a batch and sending it)
 * holds datagrams and stamps them late: its delay samples jump by the stall's length between two
 * acks that carry a few datagrams each, then fall as the backlog is read at once. On the emulated
 * 100 ms link slow start ended on such samples ({@code [9.56 44.98 49.98 104.96] ms}: 35 ms
 * between two acks of 8 datagrams at 72 Mbit/s, which queue 1.3 ms at that rate) and cut the
 * window from 4002 to 1002 KB; in the small-file run the samples reached 306 ms, three times
 * what the emulator's one-BDP queue can hold (docs/PERFORMANCE.md, session 7).
 *
 * <p>So a sample's rise beyond {@link #RISE_FACTOR} times its ack's bytes over the path's rate is
 * set aside as a stall ({@link #stalled}), and the set-aside shrinks as later samples fall: the
 * host reading its backlog. Not with time: a host that catches up only a little faster than the
 * path delivers keeps its backlog, and the delay of it, for several round trips (in RampTest a
 * receiver stopped for 300 ms and then reading at 600 Mbit/s behind a 500 Mbit/s link; forgetting
 * the set-aside at a tenth of real time still ended slow start at 5437 KB of a 6250 KB path,
 * forgetting it at real time at 3719 KB). A queue the flow builds in slow start rises by the bytes
 * sent over the bottleneck's rate less the time they took to send, within the bound while the
 * rate it uses is under twice the bottleneck's (the best delivery rate is capped at the window's,
 * {@link DeliveryRate}); a jump that another flow's burst makes is set aside too, until its queue
 * drains, but this flow's own bytes on top of it still end slow start. Without a delivery rate
 * yet (the first quarter round trip of acks) nothing is set aside.
 */
final class ClockedQueue {

    /** How many times the acknowledged bytes' own queueing time a sample may rise by. */
    static final double RISE_FACTOR = 2;

    private long lastSample = -1;
    private long stalled;

    /**
     * Takes one delay sample.
     *
     * @param sampleQueue      the sample's queueing delay (the sample less the base), ns
     * @param ackedBytes       bytes the ack carrying the sample newly acknowledged
     * @param pathBytesPerNano the least rate the bottleneck delivers at (the flow's recent best), 0 if unknown
     */
    void onSample(long sampleQueue, long ackedBytes, double pathBytesPerNano) {
        if (lastSample >= 0) {
            long rise = sampleQueue - lastSample;
            if (rise < 0) {
                stalled = Math.max(0, stalled + rise);
            } else if (pathBytesPerNano > 0) {
                stalled += Math.max(0, rise - (long) (RISE_FACTOR * ackedBytes / pathBytesPerNano));
            }
        }
        lastSample = sampleQueue;
    }

    /** The delay, ns, of the latest samples' rises that no queue can have made: a host's stall. */
    long stalled() {
        return stalled;
    }

    /** {@code filteredQueue} less what a stall added to it, ns. */
    long pathQueue(long filteredQueue) {
        return Math.max(0, filteredQueue - stalled);
    }
}
