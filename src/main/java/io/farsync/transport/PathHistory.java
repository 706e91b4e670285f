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
 * peer's address alone (not its port: every job has a fresh UDP port at the client). Only a
 * connection that starts while no other to the same peer runs may resume: two jobs starting
 * together at half the rate each would send the whole rate for a round trip, on a path that may
 * be shared since, and the history cannot tell how the running ones share it. Bounded;
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
    /** Connections opened ({@link #open}) and not yet closed, per peer. */
    private final Map<InetAddress, Integer> live = new java.util.HashMap<>();

    /** A history of its own (tests); the process's is {@link #shared()}. */
    PathHistory() {
    }

    /** The history of this JVM's connections. */
    public static PathHistory shared() {
        return SHARED;
    }

    /**
     * A connection to {@code peer} (null: unknown) starts at {@code now} with a measured RTT of
     * {@code rttNanos}: returns the rate, bits/s, it may resume from (0: none; see
     * {@link #resumeRate}, and none while another connection to the peer runs) and counts it as
     * running until {@link #close}.
     */
    public synchronized long open(InetAddress peer, long rttNanos, long now) {
        if (peer == null) {
            return 0;
        }
        int running = live.getOrDefault(peer, 0);
        live.put(peer, running + 1);
        return running == 0 ? resumeRate(peer, rttNanos, now) : 0;
    }

    /**
     * A connection {@link #open}ed to {@code opened} (null if it was not) ended; records what it
     * measured (null: nothing) for the peer it ended with, {@code peer}.
     */
    public synchronized void close(InetAddress opened, InetAddress peer, Connection.PathRecord measured, long now) {
        if (opened != null) {
            live.computeIfPresent(opened, (k, n) -> n > 1 ? n - 1 : null);
        }
        record(peer, measured, now);
    }

    /** Remembers what a connection to {@code peer} measured at {@code now} (nanoTime); null records nothing. */
    synchronized void record(InetAddress peer, Connection.PathRecord measured, long now) {
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
    synchronized long resumeRate(InetAddress peer, long rttNanos, long now) {
        Entry e = peer == null ? null : entries.get(peer);
        if (e == null || rttNanos <= 0 || now - e.atNanos() > MAX_AGE_NANOS) {
            return 0;
        }
        if (rttNanos > e.minRttNanos() * RTT_RATIO || rttNanos * RTT_RATIO < e.minRttNanos()) {
            return 0;
        }
        return e.rateBitsPerSecond();
    }

    /** What was recorded for {@code peer} at or after {@code since} (nanoTime), or null (tests). */
    synchronized Connection.PathRecord recordedSince(InetAddress peer, long since) {
        Entry e = entries.get(peer);
        return e == null || e.atNanos() < since ? null : new Connection.PathRecord(e.rateBitsPerSecond(), e.minRttNanos());
    }
}
