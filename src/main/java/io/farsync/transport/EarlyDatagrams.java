package io.farsync.transport;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Datagrams that arrived for a connection id no connection has yet, held for a moment: a client
 * starts its transport as soon as it has sent the session request (the keys) over SSH, without
 * waiting a round trip for the server's welcome, so its first datagrams can arrive before the
 * server has accepted the keys. Without this they were dropped and re-sent a probe timeout later.
 *
 * <p>Nothing here is trusted: the datagrams are authenticated when the connection they name
 * replays them, and a forged one is dropped then as always. The hold is bounded in count, bytes
 * and time, so a flood of datagrams with invented ids costs at most {@link #MAX_BYTES} (a datagram
 * is at most {@link TransportConfig#MAX_DATAGRAM}) and can
 * only push a genuine early datagram out, which is then re-sent as before this class existed.
 * Used by the I/O thread only.
 */
final class EarlyDatagrams {
    static final int MAX_DATAGRAMS = 64;
    static final int MAX_BYTES = 256 * 1024;
    /** Longer than a session request takes to be accepted after its first datagram, at any RTT. */
    static final long HOLD_NANOS = 3_000_000_000L;

    /** One held datagram. */
    record Held(int connectionId, InetSocketAddress source, byte[] data, long arrivedNanos) {
    }

    /** Oldest first, for eviction. */
    private final Map<Long, Held> held = new LinkedHashMap<>();
    private long sequence;
    private int bytes;
    /** {@link #HOLD_NANOS} unless a test lengthened it (see {@link UdpTransport#holdEarlyDatagramsFor}). */
    private volatile long holdNanos = HOLD_NANOS;

    /** How long a datagram is held from its arrival; set from any thread. */
    void holdFor(long nanos) {
        holdNanos = nanos;
    }

    /**
     * Keeps a copy of {@code data[0, len)} from {@code source} for {@code connectionId}, dropping
     * the oldest held datagrams to make room, and any held too long.
     */
    void hold(int connectionId, InetSocketAddress source, byte[] data, int len, long now) {
        expire(now);
        while (!held.isEmpty() && (held.size() >= MAX_DATAGRAMS || bytes + len > MAX_BYTES)) {
            evictOldest();
        }
        held.put(sequence++, new Held(connectionId, source, Arrays.copyOf(data, len), now));
        bytes += len;
    }

    /** Removes and returns the datagrams held for {@code connectionId}, in arrival order. */
    List<Held> take(int connectionId, long now) {
        expire(now);
        List<Held> taken = new ArrayList<>();
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.connectionId() == connectionId) {
                taken.add(h);
                bytes -= h.data().length;
                it.remove();
            }
        }
        return taken;
    }

    int size() {
        return held.size();
    }

    private void expire(long now) {
        while (!held.isEmpty() && now - held.values().iterator().next().arrivedNanos() > holdNanos) {
            evictOldest();
        }
    }

    private void evictOldest() {
        Iterator<Held> it = held.values().iterator();
        bytes -= it.next().data().length;
        it.remove();
    }
}
