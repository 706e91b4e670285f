package io.farsync.sync;

import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/** The receiving side of a one-way sync. Writes only inside {@code root}. */
public final class DestinationEndpoint {

    public DestinationEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, SyncListener listener) {
    }

    /** Counterpart of {@link SourceEndpoint#run}. */
    public SyncResult run(InputStream fromPeer, OutputStream toPeer) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
