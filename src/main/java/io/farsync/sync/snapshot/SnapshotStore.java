package io.farsync.sync.snapshot;

import java.nio.file.Path;

/**
 * The snapshot database of one endpoint of one sync session: a SQLite file (WAL, every batch in
 * a transaction) recording the state of each entry as of its last successful sync.
 */
public final class SnapshotStore implements AutoCloseable {

    private SnapshotStore() {
    }

    /** Opens or creates the database at {@code file}, creating parent directories. */
    public static SnapshotStore open(Path file) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
