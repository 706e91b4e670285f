package io.farsync.sync;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.version.PairVersions;
import io.farsync.sync.version.VersionVector;
import java.util.Objects;

/**
 * What one endpoint of a bidirectional sync needs beyond {@link SyncOptions}.
 *
 * @param conflicts how a path changed on both sides is settled
 * @param source    this endpoint is the side named first (SRC): it wins ties and {@code --conflict source}
 * @param host      names this endpoint's conflict copies ({@code NAME.conflict-HOST-TIME.EXT});
 *                  reduced to letters, digits, '.', '_' and '-'; also the writer's name recorded
 *                  with this replica's version vectors
 * @param versions  both replicas' version vectors for this sync ({@link PairVersions#NONE} until
 *                  they were exchanged): where they are known they order two changes causally,
 *                  and only concurrent changes are conflicts
 */
public record BidiOptions(ConflictPolicy conflicts, boolean source, String host, PairVersions versions) {

    public BidiOptions {
        Objects.requireNonNull(conflicts, "conflicts");
        host = ConflictNames.cleanHost(Objects.requireNonNull(host, "host"));
        Objects.requireNonNull(versions, "versions");
    }

    public BidiOptions(ConflictPolicy conflicts, boolean source, String host) {
        this(conflicts, source, host, PairVersions.NONE);
    }

    /** These options with the vectors exchanged for one sync. */
    BidiOptions withVersions(PairVersions v) {
        return new BidiOptions(conflicts, source, host, v);
    }

    /** How this side's version at a path relates causally to the peer's; null if unknown. */
    VersionVector.Order order(String path, Entry here, Entry peer) {
        return versions.order(path, here, peer);
    }

    /**
     * The host that names {@code here}'s conflict copy: the replica that wrote that version where
     * the vectors know it (so every replica that keeps it aside picks the same name), else this one.
     */
    String copyHost(String path, Entry here) {
        String origin = versions.origin(path, here);
        return origin != null ? ConflictNames.cleanHost(origin) : host;
    }

    /** True if this side's file at {@code path} and the peer's hold the same bytes (content hashes). */
    boolean sameBytes(String path, Entry here, Entry peer) {
        return here != null && peer != null && here.isFile() && peer.isFile() && versions.sameBytes(path, here, peer);
    }

    /** This machine's host name for conflict copies: $HOSTNAME, else the resolver's, else "host". */
    public static String localHost() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                h = "host";
            }
        }
        int dot = h.indexOf('.');
        return dot > 0 ? h.substring(0, dot) : h;
    }

    /** The same options for the other endpoint of the sync, whose host is {@code otherHost}. */
    public BidiOptions peer(String otherHost) {
        return new BidiOptions(conflicts, !source, otherHost, versions);
    }

    /** True if {@code here} (this side's version) beats {@code peer} (the other side's) in a conflict. */
    boolean wins(io.farsync.sync.scan.Entry here, io.farsync.sync.scan.Entry peer) {
        if (here.isDirectory() != peer.isDirectory()) {
            return here.isDirectory();
        }
        return switch (conflicts) {
            case SOURCE -> source;
            case DEST -> !source;
            case KEEP_BOTH, NEWEST -> here.mtimeNanos() != peer.mtimeNanos() ? here.mtimeNanos() > peer.mtimeNanos() : tieWins(here, peer);
        };
    }

    /** Equal mtimes: the smaller writer name wins where both are known (the same answer at every pair), else SRC. */
    private boolean tieWins(Entry here, Entry peer) {
        String a = versions.origin(here.path(), here);
        String b = versions.peerOrigin(peer.path(), peer);
        return a != null && b != null && !a.equals(b) ? a.compareTo(b) < 0 : source;
    }

    /**
     * True if the losing version of a conflict between {@code here} (this side's) and {@code peer}
     * is kept as a copy; never when the vectors show {@code here} was already superseded by it.
     */
    boolean keepsBoth(Entry here, Entry peer) {
        if (here.isDirectory() != peer.isDirectory()) {
            return true;
        }
        return conflicts == ConflictPolicy.KEEP_BOTH && order(here.path(), here, peer) != VersionVector.Order.BEFORE;
    }
}
