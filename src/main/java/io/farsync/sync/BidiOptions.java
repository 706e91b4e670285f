package io.farsync.sync;

import java.util.Objects;

/**
 * What one endpoint of a bidirectional sync needs beyond {@link SyncOptions}.
 *
 * @param conflicts how a path changed on both sides is settled
 * @param source    this endpoint is the side named first (SRC): it wins ties and {@code --conflict source}
 * @param host      names this endpoint's conflict copies ({@code NAME.conflict-HOST-TIME.EXT});
 *                  reduced to letters, digits, '.', '_' and '-'
 */
public record BidiOptions(ConflictPolicy conflicts, boolean source, String host) {

    public BidiOptions {
        Objects.requireNonNull(conflicts, "conflicts");
        host = ConflictNames.cleanHost(Objects.requireNonNull(host, "host"));
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
        return new BidiOptions(conflicts, !source, otherHost);
    }

    /** True if {@code here} (this side's version) beats {@code peer} (the other side's) in a conflict. */
    boolean wins(io.farsync.sync.scan.Entry here, io.farsync.sync.scan.Entry peer) {
        if (here.isDirectory() != peer.isDirectory()) {
            return here.isDirectory();
        }
        return switch (conflicts) {
            case SOURCE -> source;
            case DEST -> !source;
            case KEEP_BOTH, NEWEST -> here.mtimeNanos() != peer.mtimeNanos() ? here.mtimeNanos() > peer.mtimeNanos() : source;
        };
    }

    /** True if the losing version of a conflict between these two is kept as a copy. */
    boolean keepsBoth(io.farsync.sync.scan.Entry a, io.farsync.sync.scan.Entry b) {
        return conflicts == ConflictPolicy.KEEP_BOTH || a.isDirectory() != b.isDirectory();
    }
}
