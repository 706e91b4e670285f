package io.farsync.sync;

import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One endpoint of a bidirectional sync: two one-way passes over the same stream, the first
 * endpoint sending in the first pass and receiving in the second, the other the reverse. Each
 * pass reconciles three ways against the snapshots (see {@link Reconciler}): the first pass's
 * source decides every conflict and sends only what changed on its side alone (or won); the
 * second pass then carries the other side's changes, conflict copies included. Both endpoints
 * return the sum of the two passes; only the first endpoint counts conflicts.
 */
public final class BidiEndpoint {
    private final Path root;
    private final SnapshotStore snapshot;
    private final SyncOptions options;
    private final BidiOptions bidi;
    private final boolean first;
    private final SyncListener listener;

    /**
     * @param first this endpoint sends in the first pass (the client's side); the peer must be
     *              constructed with the opposite value
     */
    public BidiEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, BidiOptions bidi, boolean first,
            SyncListener listener) {
        this.root = Objects.requireNonNull(root, "root");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.options = Objects.requireNonNull(options, "options");
        this.bidi = Objects.requireNonNull(bidi, "bidi");
        this.first = first;
        this.listener = Objects.requireNonNull(listener, "listener");
        if (options.mirror()) {
            throw new IllegalArgumentException("--mirror contradicts --bidi");
        }
    }

    /** Runs both passes; throws like {@link SourceEndpoint#run} if either fails (the second then does not run). */
    public SyncResult run(InputStream fromPeer, OutputStream toPeer) throws IOException {
        SyncResult a;
        SyncResult b;
        if (first) {
            a = new SourceEndpoint(root, snapshot, options, listener).bidi(bidi, true).run(fromPeer, toPeer);
            b = new DestinationEndpoint(root, snapshot, options, listener).bidi(bidi).run(fromPeer, toPeer);
        } else {
            DestinationEndpoint receive = new DestinationEndpoint(root, snapshot, options, listener).bidi(bidi);
            a = receive.run(fromPeer, toPeer);
            SourceEndpoint send = new SourceEndpoint(root, snapshot, options, listener).bidi(bidi, false);
            // Records made with another database than the peer's (it was recreated) are no base.
            b = (receive.knewSource() ? send : send.distrustRecords()).run(fromPeer, toPeer);
        }
        List<String> errors = new ArrayList<>(a.errors());
        errors.addAll(b.errors());
        return new SyncResult(a.filesTransferred() + b.filesTransferred(), a.bytesTransferred() + b.bytesTransferred(),
                a.filesDeleted() + b.filesDeleted(), a.filesMoved() + b.filesMoved(), a.conflicts() + b.conflicts(),
                Math.max(a.entriesChecked(), b.entriesChecked()), errors);
    }
}
