package io.farsync.transport.core;

/**
 * Finds the largest datagram the path delivers, after DPLPMTUD (RFC 8899) as QUIC uses it
 * (RFC 9000 section 14.3): the connection starts at a size every IP path carries ({@link #BASE},
 * QUIC's 1200 bytes), sends padded PING-only probes of candidate sizes, and moves its datagram
 * size up to each size a probe of which is acknowledged. Hand-written because the JDK has no
 * path-MTU API for UDP and the decision needs the connection's own acknowledgements.
 *
 * <p>The search tries the ceiling (the local interface's MTU less the IP and UDP headers, or a
 * configured maximum) first, since most paths carry it, then halves the interval between the
 * largest confirmed and the smallest failed size until it is narrower than {@link #RESOLUTION}.
 * A size fails after {@link #PROBE_ATTEMPTS} lost probes. Probes carry no stream data and count
 * nothing in flight, so their loss is neither data loss nor a congestion signal.
 *
 * <p>Black-hole detection (RFC 8899 section 4.3): when {@link #BLACK_HOLE_LOSSES} full-size
 * packets in a row are declared lost by acknowledgement events that acknowledge no full-size
 * packet (so smaller ones got through: the connection's probe-timeout repairs go out at the
 * base size), the path no longer carries the size; the connection falls back to the base and
 * searches again below the size that failed. After a finished search, the next one starts
 * {@link #RAISE_INTERVAL_NANOS} later, in case the path grew. Sans-IO and single-threaded like
 * {@link Connection}.
 */
final class MtuProber {

    /** UDP payload every IPv4 and IPv6 path is assumed to carry (QUIC's minimum). */
    static final int BASE = 1200;
    /** The search stops when the confirmed and failed sizes are closer than this. */
    static final int RESOLUTION = 16;
    /** Lost probes of one size after which the size counts as too large (RFC 8899 MAX_PROBES is 3). */
    static final int PROBE_ATTEMPTS = 2;
    /** Consecutive losses of full-size packets, while only smaller ones are acknowledged, that mean a black hole. */
    static final int BLACK_HOLE_LOSSES = 3;
    /** When to look for a larger size again after a search ended (RFC 8899 PMTU_RAISE_TIMER). */
    static final long RAISE_INTERVAL_NANOS = 600_000_000_000L;

    private final int base;
    private final int ceiling;
    private final boolean enabled;

    private int current;
    /** Largest size confirmed in this search. */
    private int low;
    /** Smallest size known not to pass, or ceiling + 1. */
    private int high;
    private boolean searching;
    private boolean topTried;
    private long nextSearch;
    private int inFlightSize;
    private int attempts;

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
        startSearch(now);
    }

    private void startSearch(long now) {
        low = current;
        high = ceiling + 1;
        searching = enabled && high - low > RESOLUTION;
        topTried = false;
        attempts = 0;
        nextSearch = now;
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

    /** When {@link #probeDue} turns non-zero, if no probe is in flight; Long.MAX_VALUE when nothing is planned. */
    long nextProbeTime() {
        if (!enabled || inFlightSize != 0) {
            return Long.MAX_VALUE;
        }
        return searching ? Long.MIN_VALUE : nextSearch;
    }

    /** The size of the probe to send now, or 0. */
    int probeDue(long now) {
        if (!enabled || inFlightSize != 0) {
            return 0;
        }
        if (!searching) {
            if (now < nextSearch) {
                return 0;
            }
            startSearch(now);
            if (!searching) {
                nextSearch = now + RAISE_INTERVAL_NANOS;
                return 0;
            }
        }
        return topTried ? low + (high - low) / 2 : high - 1;
    }

    void onProbeSent(int size) {
        inFlightSize = size;
        probesSent++;
        if (size == high - 1) {
            topTried = true;
        }
    }

    /** The probe in flight was acknowledged: its size passes. */
    void onProbeAcked(long now) {
        int size = inFlightSize;
        inFlightSize = 0;
        attempts = 0;
        if (size > low) {
            low = size;
        }
        current = Math.max(current, low);
        checkDone(now);
    }

    /** The probe in flight was declared lost. */
    void onProbeLost(long now) {
        int size = inFlightSize;
        inFlightSize = 0;
        probesLost++;
        if (++attempts >= PROBE_ATTEMPTS) {
            attempts = 0;
            high = Math.min(high, size);
            topTried = true;
        }
        checkDone(now);
    }

    private void checkDone(long now) {
        if (searching && high - low <= RESOLUTION) {
            searching = false;
            nextSearch = now + RAISE_INTERVAL_NANOS;
        }
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
     * which case the datagram size is back at the base and a new search has begun.
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
        startSearch(now);
        high = failed;
        topTried = true;
        searching = high - low > RESOLUTION;
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
