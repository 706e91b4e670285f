package io.farsync.transport.sim;

import java.util.PriorityQueue;
import java.util.Random;

/**
 * Two-way datagram link in virtual time: per direction a {@link LinkProfile} (delay, jitter,
 * loss, duplication, bottleneck). All randomness comes from one seeded {@link Random}, so a run
 * is reproducible from its seed. Datagrams wait in an event queue ordered by arrival time.
 */
public final class SimulatedLink {

    /** A datagram in flight. */
    public record Delivery(long arrival, long sequence, int toSide, byte[] datagram) {
    }

    private final LinkProfile[] profiles;
    private final Random random;
    private final PriorityQueue<Delivery> inFlight = new PriorityQueue<>(
            (a, b) -> a.arrival != b.arrival ? Long.compare(a.arrival, b.arrival) : Long.compare(a.sequence, b.sequence));
    private final long[] bottleneckFreeAt = new long[2];
    private final long[] droppedBytes = new long[2];
    private final long[] droppedDatagrams = new long[2];
    private final long[] sentDatagrams = new long[2];
    private long sequence;
    private boolean cut;

    /** {@code aToB} applies to datagrams from side 0 to side 1, {@code bToA} the other way. */
    public SimulatedLink(LinkProfile aToB, LinkProfile bToA, Random random) {
        this.profiles = new LinkProfile[] {aToB, bToA};
        this.random = random;
    }

    /** From now on every datagram is lost in both directions. */
    public void cut() {
        cut = true;
    }

    /** Sends {@code datagram[0, len)} from {@code fromSide} (0 or 1) at {@code now}. */
    public void send(int fromSide, byte[] datagram, int len, long now) {
        LinkProfile p = profiles[fromSide];
        sentDatagrams[fromSide]++;
        if (cut || random.nextDouble() < p.lossRate()) {
            drop(fromSide, len);
            return;
        }
        long departure = now;
        if (p.bandwidthBitsPerSecond() > 0) {
            long serialization = len * 8L * 1_000_000_000L / p.bandwidthBitsPerSecond();
            long start = Math.max(now, bottleneckFreeAt[fromSide]);
            long queued = (start - now) * p.bandwidthBitsPerSecond() / 8_000_000_000L;
            if (queued + len > p.queueBytes()) {
                drop(fromSide, len);
                return;
            }
            bottleneckFreeAt[fromSide] = start + serialization;
            departure = start + serialization;
        }
        byte[] copy = new byte[len];
        System.arraycopy(datagram, 0, copy, 0, len);
        enqueue(fromSide, departure, p, copy);
        if (random.nextDouble() < p.duplicateRate()) {
            enqueue(fromSide, departure, p, copy.clone());
        }
    }

    private void enqueue(int fromSide, long departure, LinkProfile p, byte[] datagram) {
        long jitter = p.jitterNanos() > 0 ? (long) (random.nextDouble() * p.jitterNanos()) : 0;
        inFlight.add(new Delivery(departure + p.delayNanos() + jitter, sequence++, 1 - fromSide, datagram));
    }

    private void drop(int fromSide, int len) {
        droppedBytes[fromSide] += len;
        droppedDatagrams[fromSide]++;
    }

    /** Arrival time of the next datagram, Long.MAX_VALUE if none is in flight. */
    public long nextArrival() {
        Delivery d = inFlight.peek();
        return d == null ? Long.MAX_VALUE : d.arrival;
    }

    /** The next datagram if it has arrived by {@code now}, else null. */
    public Delivery poll(long now) {
        Delivery d = inFlight.peek();
        return d != null && d.arrival <= now ? inFlight.poll() : null;
    }

    public long droppedBytes(int fromSide) {
        return droppedBytes[fromSide];
    }

    public long droppedDatagrams(int fromSide) {
        return droppedDatagrams[fromSide];
    }

    public long sentDatagrams(int fromSide) {
        return sentDatagrams[fromSide];
    }
}
