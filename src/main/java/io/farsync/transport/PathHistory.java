package io.farsync.transport;

import io.farsync.transport.core.Connection;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this process's last connection to each peer measured about the path: the rate the peer
 * acknowledged at its end and the minimum RTT, so that the next connection to the same peer,
 * soon after, may start from half that rate instead of its usual first flight (careful resume:
 * draft-ietf-tsvwg-careful-resume; the policy is {@code DelayController}'s). A resident process
 * gains from it: {@code farsync agent} running one sync after another, a server answering the same
 * client's pulls. A one-shot command starts empty.
 *
 * <p>An entry is used only while it is recent ({@link #MAX_AGE_NANOS}) and the RTT now is close to
 * the one recorded ({@link #RTT_RATIO}): a different RTT is a different path, or a queue that was
 * not there before. Each connection that sent enough to measure its path replaces the entry, a
 * lower rate as well as a higher one, so the history says what the path did last. Keyed by the
 * peer's address alone (not its port: every job has a fresh UDP port at the client). Bounded;
 * thread-safe.
 */
public final class PathHistory {

    /** How long a measurement is trusted: minutes, as other traffic comes and goes over hours. */
    static final long MAX_AGE_NANOS = 10L * 60 * 1_000_000_000L;
    /** The RTT now must be within this factor of the recorded one, either way. */
    static final double RTT_RATIO = 2.0;
    /** Peers remembered at most; the least recently recorded go first. */
    static final int MAX_PEERS = 1024;

    private static final PathHistory SHARED = new PathHistory();

    private record Entry(long rateBitsPerSecond, long minRttNanos, long atNanos) {
    }

    private final Map<InetAddress, Entry> entries = new LinkedHashMap<>();

    /** A history of its own (tests); the process's is {@link #shared()}. */
    PathHistory() {
    }

    /** The history of this JVM's connections. */
    public static PathHistory shared() {
        return SHARED;
    }

    /** Remembers what a connection to {@code peer} measured at {@code now} (nanoTime); null records nothing. */
    public synchronized void record(InetAddress peer, Connection.PathRecord measured, long now) {
        if (peer == null || measured == null) {
            return;
        }
        entries.remove(peer);
        entries.put(peer, new Entry(measured.rateBitsPerSecond(), measured.minRttNanos(), now));
        for (Iterator<InetAddress> it = entries.keySet().iterator(); entries.size() > MAX_PEERS; ) {
            it.next();
            it.remove();
        }
    }

    /**
     * The rate, bits/s, that a connection to {@code peer} starting at {@code now} with a measured
     * RTT of {@code rttNanos} may resume from; 0 if nothing recent at a similar RTT is known.
     */
    public synchronized long resumeRate(InetAddress peer, long rttNanos, long now) {
        Entry e = peer == null ? null : entries.get(peer);
        if (e == null || rttNanos <= 0 || now - e.atNanos() > MAX_AGE_NANOS) {
            return 0;
        }
        if (rttNanos > e.minRttNanos() * RTT_RATIO || rttNanos * RTT_RATIO < e.minRttNanos()) {
            return 0;
        }
        return e.rateBitsPerSecond();
    }

    /** Forgets everything (tests). */
    synchronized void clear() {
        entries.clear();
    }
}
