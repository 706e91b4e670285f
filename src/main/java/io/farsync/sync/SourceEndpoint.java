package io.farsync.sync;

import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/** The sending side of a one-way sync. */
public final class SourceEndpoint {

    public SourceEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, SyncListener listener) {
    }

    /**
     * Runs the sync protocol over a reliable byte stream to a {@link DestinationEndpoint} and
     * returns when both sides agree it is over. Throws {@link io.farsync.common.FarsyncException}
     * for errors that end the whole sync (source missing, peer gone, protocol violation).
     */
    public SyncResult run(InputStream fromPeer, OutputStream toPeer) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
