package io.farsync.transport.core;

/**
 * Finds the largest datagram the path delivers, after DPLPMTUD (RFC 8899) as QUIC uses it
 * (RFC 9000 section 14.3): the connection starts at a size every IP path carries ({@link #BASE},
 * QUIC's 1200 bytes), sends padded PING-only probes of candidate sizes, and moves its datagram
 * size up to the largest size a probe of which is acknowledged. Hand-written because the JDK has
 * no path-MTU API for UDP and the decision needs the connection's own acknowledgements.
 *
 * <p>One search is one burst: a probe for each common MTU plateau ({@link #PLATEAUS}, after RFC
 * 1191's table) between the current size and the ceiling (the local interface's MTU less the IP
 * and UDP headers, or a configured maximum), plus the ceiling itself, all sent at once; the
 * search ends when every probe is acknowledged or lost, a round trip or so later. Why not a
 * binary search: Java 17 cannot set DF, and Linux sets it only until a router's ICMP
 * "fragmentation needed" teaches the kernel the path MTU, after which it fragments larger
 * datagrams locally and they, probes too, get through in fragments (measured on shared/wan, see
 * docs/PERFORMANCE.md). So only probes sent before that ICMP returns say the truth: a burst sends
 * them all within a fraction of a round trip; a search that waits for each answer would be misled
 * by every probe after the first one lost. Probes carry no stream data and count nothing in
 * flight, so their loss is neither data loss nor a congestion signal.
 *
 * <p>Black-hole detection (RFC 8899 section 4.3): when {@link #BLACK_HOLE_LOSSES} full-size
 * packets in a row are declared lost by acknowledgement events that acknowledge no full-size
 * packet (so smaller ones got through: the connection's probe-timeout repairs go out at the
 * base size), the path no longer carries the size; the connection falls back to the base and
 * searches again below the size that failed. After a search, the next one starts
 * {@link #RAISE_INTERVAL_NANOS} later, in case the path grew. Sans-IO and single-threaded like
 * {@link Connection}.
 */
final class MtuProber {

    /** UDP payload every IPv4 and IPv6 path is assumed to carry (QUIC's minimum). */
    static final int BASE = 1200;
    /**
     * UDP payloads (IPv4: MTU less 28 bytes) of common MTUs: 1280 (IPv6 minimum), 1400, 1420
     * (WireGuard), 1440, 1460, 1480 (IPv6 over IPv4 tunnels; IPv6 on Ethernet), 1492 (PPPoE),
     * 1500 (Ethernet), 4352 (FDDI), 9000 (jumbo frames), 16384.
     */
    static final int[] PLATEAUS = {1252, 1372, 1392, 1412, 1432, 1452, 1464, 1472, 4324, 8972, 16356};
    /**
     * A connection searches once its stream carries this many ceiling-size datagrams' worth: a
     * burst costs about 2.5 ceilings of probes, not worth it for a few control messages (a
     * 2000-file directory rename went from under 1 % of the data in wire bytes to over).
     */
    static final int WORTH_PROBING_DATAGRAMS = 16;
    /** Consecutive losses of full-size packets, while only smaller ones are acknowledged, that mean a black hole. */
    static final int BLACK_HOLE_LOSSES = 3;
    /** When to look for a larger size again after a search (RFC 8899 PMTU_RAISE_TIMER; Linux forgets a learned path MTU after as long). */
    static final long RAISE_INTERVAL_NANOS = 600_000_000_000L;

    private final int base;
    private final int ceiling;
    private final boolean enabled;

    private int current;
    /** The sizes of this search's burst, ascending; null when no search runs. */
    private int[] rungs;
    private int nextRung;
    /** Sizes from here up are known not to pass in this search. */
    private int limit;
    private int outstanding;
    private long nextSearch;

    private int largeLosses;
    private boolean largeAckedInEvent;

    private long probesSent;
    private long probesLost;
    private long blackHoles;

    /**
     * Probing from the base size up to {@code ceiling} when {@code probe}; otherwise a fixed
     * datagram size of {@code ceiling}.
     */
    MtuProber(int ceiling, boolean probe, long now) {
        this.ceiling = ceiling;
        this.base = Math.min(BASE, ceiling);
        this.enabled = probe && ceiling > base;
        this.current = enabled ? base : ceiling;
        this.nextSearch = now;
    }

    /** Starts a burst of probes between the current size and {@code below} (exclusive). */
    private void startSearch(int below) {
        limit = below;
        int top = Math.min(ceiling, below - 1);
        int[] sizes = new int[PLATEAUS.length + 1];
        int n = 0;
        for (int p : PLATEAUS) {
            if (p > current && p < top) {
                sizes[n++] = p;
            }
        }
        if (top > current) {
            sizes[n++] = top;
        }
        rungs = java.util.Arrays.copyOf(sizes, n);
        nextRung = 0;
    }

    /** The datagram size the connection sends now. */
    int current() {
        return current;
    }

    /** The largest size this prober may ever choose: the buffers must hold it. */
    int ceiling() {
        return ceiling;
    }

    /**
     * The size of probe-timeout repairs: the base while probing (their acknowledgement, when
     * full-size datagrams vanish, reveals the black hole), else the fixed size.
     */
    int repairSize() {
        return enabled ? base : current;
    }

    /** When {@link #probeDue} next returns a size; Long.MAX_VALUE when nothing is planned. */
    long nextProbeTime() {
        if (!enabled) {
            return Long.MAX_VALUE;
        }
        if (rungs == null) {
            return nextSearch;
        }
        return nextRung < rungs.length ? Long.MIN_VALUE : Long.MAX_VALUE;
    }

    /** The size of the probe to send now, or 0. */
    int probeDue(long now) {
        if (!enabled) {
            return 0;
        }
        if (rungs == null) {
            if (now < nextSearch) {
                return 0;
            }
            startSearch(ceiling + 1);
        }
        if (nextRung < rungs.length) {
            return rungs[nextRung];
        }
        endSearchIfAnswered(now);
        return 0;
    }

    void onProbeSent() {
        nextRung++;
        outstanding++;
        probesSent++;
    }

    /** A probe of {@code size} was acknowledged: the size passes. */
    void onProbeAcked(int size, long now) {
        outstanding = Math.max(0, outstanding - 1);
        if (size > current && size < limit) {
            current = size;
        }
        endSearchIfAnswered(now);
    }

    /** A probe of {@code size} was declared lost. */
    void onProbeLost(long now) {
        outstanding = Math.max(0, outstanding - 1);
        probesLost++;
        endSearchIfAnswered(now);
    }

    private void endSearchIfAnswered(long now) {
        if (rungs != null && nextRung == rungs.length && outstanding == 0) {
            rungs = null;
            nextSearch = now + RAISE_INTERVAL_NANOS;
        }
    }

    /** Whether a stream of {@code streamBytes} is long enough to search for a larger size. */
    boolean worthProbing(long streamBytes) {
        return streamBytes >= (long) WORTH_PROBING_DATAGRAMS * ceiling;
    }

    /** Whether a packet of {@code size} is large enough that its loss may mean a black hole. */
    boolean isLarge(int size) {
        return enabled && size > base;
    }

    /** A non-probe packet larger than the base size was acknowledged. */
    void onLargeAcked() {
        largeAckedInEvent = true;
    }

    /** A non-probe packet larger than the base size was declared lost. */
    void onLargeLost() {
        largeLosses++;
    }

    /**
     * Ends one acknowledgement or timeout event; returns whether it revealed a black hole, in
     * which case the datagram size is back at the base and a new search below the failed size
     * has begun.
     */
    boolean endEvent(long now) {
        boolean ackedLarge = largeAckedInEvent;
        largeAckedInEvent = false;
        if (ackedLarge) {
            largeLosses = 0;
            return false;
        }
        if (largeLosses < BLACK_HOLE_LOSSES || current <= base) {
            return false;
        }
        blackHoles++;
        largeLosses = 0;
        int failed = current;
        current = base;
        startSearch(failed);
        return true;
    }

    long probesSent() {
        return probesSent;
    }

    long probesLost() {
        return probesLost;
    }

    long blackHoles() {
        return blackHoles;
    }
}
