package io.farsync.sync.version;

import io.farsync.sync.scan.Entry;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What two replicas told each other about their versions at the start of a sync: each side's rows
 * (tombstones included). Answers, for a path, how this side's version relates causally to the
 * peer's, but only while both sides still hold what the rows describe (a row made stale by the
 * sync's own first pass answers "unknown", and the pairwise base decides alone).
 */
public final class PairVersions {
    /** No vectors known: every answer is "unknown". */
    public static final PairVersions NONE = new PairVersions(new TreeMap<>(), new TreeMap<>());

    private final NavigableMap<String, VersionRow> mine;
    private final NavigableMap<String, VersionRow> peer;
    private final Map<String, Long> myHashes;
    private final Map<String, Long> peerHashes;

    public PairVersions(NavigableMap<String, VersionRow> mine, NavigableMap<String, VersionRow> peer) {
        this(mine, peer, Map.of(), Map.of());
    }

    /** With both sides' {@link ContentHashes} of the paths where type and size could not tell. */
    public PairVersions(NavigableMap<String, VersionRow> mine, NavigableMap<String, VersionRow> peer, Map<String, Long> myHashes,
            Map<String, Long> peerHashes) {
        this.mine = mine;
        this.peer = peer;
        this.myHashes = myHashes;
        this.peerHashes = peerHashes;
    }

    /**
     * True if this side's file at {@code path} ({@code here}) and the peer's ({@code theirs})
     * hold the same bytes, as their content hashes showed, while both rows still describe them.
     */
    public boolean sameBytes(String path, Entry here, Entry theirs) {
        Long a = myHashes.get(path);
        Long b = peerHashes.get(path);
        VersionRow m = mine.get(path);
        VersionRow q = peer.get(path);
        return a != null && b != null && a != ContentHashes.UNKNOWN && a.equals(b) && m != null && q != null && m.describes(here)
                && q.describes(theirs);
    }

    /**
     * How this side's version at {@code path} ({@code here}, null if none) relates to the peer's
     * ({@code theirs}, null if none): BEFORE means the peer's was written after seeing this one.
     * Null when either side's row is missing or does not describe what is there.
     */
    public VersionVector.Order order(String path, Entry here, Entry theirs) {
        VersionRow m = mine.get(path);
        VersionRow q = peer.get(path);
        if (m == null || q == null || !m.describes(here) || !q.describes(theirs)) {
            return null;
        }
        return m.vector().compare(q.vector());
    }

    /** The replica name that wrote this side's version at {@code path}, if the row describes {@code here}; else null. */
    public String origin(String path, Entry here) {
        VersionRow m = mine.get(path);
        return m != null && m.describes(here) ? m.origin() : null;
    }

    /** The replica name that wrote the peer's version at {@code path}, if its row describes {@code theirs}; else null. */
    public String peerOrigin(String path, Entry theirs) {
        VersionRow q = peer.get(path);
        return q != null && q.describes(theirs) ? q.origin() : null;
    }

    /** The peer's rows, for {@link VersionStore#settle} after the sync. */
    public Map<String, VersionRow> peerRows() {
        return peer;
    }
}
