package io.farsync.transport.sim;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Two-way datagram link in virtual time: per direction a {@link LinkProfile} (delay, jitter,
 * loss, duplication, bottleneck). All randomness comes from one seeded {@link Random}, so a run
 * is reproducible from its seed. Datagrams wait in an event queue ordered by arrival time.
 *
 * <p>Sides come in pairs: side {@code 2k} talks to side {@code 2k + 1}. Even sides send in the
 * first direction, odd sides in the second, and all pairs share the direction's bottleneck and
 * its tail-drop queue, as flows share a real bottleneck router. With one pair (sides 0 and 1)
 * this is a plain two-way link.
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
    private final long[] queueDrops = new long[2];
    private final long[] queueDelaySum = new long[2];
    private final long[] queueDelayMax = new long[2];
    private final long[] queued = new long[2];
    private final Map<Integer, long[]> droppedBySide = new HashMap<>();
    private long sequence;
    private boolean cut;
    private int pathMtu = Integer.MAX_VALUE;
    private long mtuDrops;

    /** {@code aToB} applies to datagrams from side 0 to side 1, {@code bToA} the other way. */
    public SimulatedLink(LinkProfile aToB, LinkProfile bToA, Random random) {
        this.profiles = new LinkProfile[] {aToB, bToA};
        this.random = random;
    }

    /** From now on every datagram is lost in both directions. */
    public void cut() {
        cut = true;
    }

    /**
     * From now on datagrams larger than {@code payloadBytes} (UDP payload) are dropped in both
     * directions, as a router with a smaller MTU drops a datagram with DF set; Integer.MAX_VALUE
     * for no limit.
     */
    public void setPathMtu(int payloadBytes) {
        pathMtu = payloadBytes;
    }

    /** Datagrams dropped for exceeding the path MTU. */
    public long mtuDrops() {
        return mtuDrops;
    }

    /** Sends {@code datagram[0, len)} from {@code fromSide} to its partner at {@code now}. */
    public void send(int fromSide, byte[] datagram, int len, long now) {
        int dir = fromSide & 1;
        LinkProfile p = profiles[dir];
        sentDatagrams[dir]++;
        if (len > pathMtu) {
            mtuDrops++;
            drop(fromSide, len);
            return;
        }
        if (cut || random.nextDouble() < p.lossRate()) {
            drop(fromSide, len);
            return;
        }
        long departure = now;
        if (p.bandwidthBitsPerSecond() > 0) {
            long serialization = len * 8L * 1_000_000_000L / p.bandwidthBitsPerSecond();
            long start = Math.max(now, bottleneckFreeAt[dir]);
            long queuedBytes = (start - now) * p.bandwidthBitsPerSecond() / 8_000_000_000L;
            if (queuedBytes + len > p.queueBytes()) {
                queueDrops[dir]++;
                drop(fromSide, len);
                return;
            }
            bottleneckFreeAt[dir] = start + serialization;
            departure = start + serialization;
            queueDelaySum[dir] += start - now;
            queueDelayMax[dir] = Math.max(queueDelayMax[dir], start - now);
            queued[dir]++;
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
        inFlight.add(new Delivery(departure + p.delayNanos() + jitter, sequence++, fromSide ^ 1, datagram));
    }

    private void drop(int fromSide, int len) {
        droppedBytes[fromSide & 1] += len;
        droppedDatagrams[fromSide & 1]++;
        droppedBySide.computeIfAbsent(fromSide, k -> new long[2])[0] += len;
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

    /** Bytes lost or tail-dropped in the direction {@code fromSide} sends in, all pairs together. */
    public long droppedBytes(int fromSide) {
        return droppedBytes[fromSide & 1];
    }

    /** Bytes lost or tail-dropped that side {@code side} itself sent. */
    public long droppedBytesOf(int side) {
        long[] d = droppedBySide.get(side);
        return d == null ? 0 : d[0];
    }

    public long droppedDatagrams(int fromSide) {
        return droppedDatagrams[fromSide & 1];
    }

    /** Datagrams the bottleneck's full queue dropped in {@code fromSide}'s direction (random loss not counted). */
    public long queueDrops(int fromSide) {
        return queueDrops[fromSide & 1];
    }

    public long sentDatagrams(int fromSide) {
        return sentDatagrams[fromSide & 1];
    }

    /**
     * Mean time datagrams that entered the bottleneck in {@code fromSide}'s direction waited in
     * its queue since the last {@link #resetQueueStats}, nanoseconds (0 if none did).
     */
    public long meanQueueDelay(int fromSide) {
        int dir = fromSide & 1;
        return queued[dir] == 0 ? 0 : queueDelaySum[dir] / queued[dir];
    }

    /** Longest wait in that bottleneck queue since the last {@link #resetQueueStats}, nanoseconds. */
    public long maxQueueDelay(int fromSide) {
        return queueDelayMax[fromSide & 1];
    }

    /** Starts a new measuring period for {@link #meanQueueDelay} and {@link #maxQueueDelay}. */
    public void resetQueueStats() {
        Arrays.fill(queueDelaySum, 0);
        Arrays.fill(queueDelayMax, 0);
        Arrays.fill(queued, 0);
    }
}
