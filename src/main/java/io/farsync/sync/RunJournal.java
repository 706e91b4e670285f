package io.farsync.sync;

import io.farsync.common.FarsyncException;
import io.farsync.sync.snapshot.RunRecord;
import io.farsync.sync.snapshot.SnapshotStore;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notes in an endpoint's snapshot who it is and how each run ended, for {@code farsync admin}.
 * Best effort: a snapshot that cannot take the note must not turn a sync's outcome into another
 * error, so failures are logged, never thrown.
 */
final class RunJournal {
    private static final Logger log = LoggerFactory.getLogger(RunJournal.class);

    private RunJournal() {
    }

    static void started(SnapshotStore snapshot, String role, Path root, long startedMillis) {
        try {
            snapshot.describeEndpoint(role, root, startedMillis);
        } catch (RuntimeException e) {
            log.warn("could not describe the session in {}: {}", snapshot.file(), e.getMessage());
        }
    }

    static void finished(SnapshotStore snapshot, long startedMillis, long endedMillis, SyncResult r, long resumable) {
        record(snapshot, new RunRecord(startedMillis, endedMillis, r.errors().isEmpty() ? "ok" : "partial", null,
                r.filesTransferred(), r.bytesTransferred(), r.filesDeleted(), r.filesMoved(), r.conflicts(), 0, resumable,
                r.errors()));
    }

    static void failed(SnapshotStore snapshot, long startedMillis, long endedMillis, Throwable e, long pending, long resumable,
            List<String> errors) {
        String message = e instanceof FarsyncException f ? f.getMessage() : String.valueOf(e);
        record(snapshot, new RunRecord(startedMillis, endedMillis, "error", message, 0, 0, 0, 0, 0, pending, resumable, errors));
    }

    private static void record(SnapshotStore snapshot, RunRecord run) {
        try {
            snapshot.recordRun(run);
        } catch (RuntimeException e) {
            log.warn("could not record the run in {}: {}", snapshot.file(), e.getMessage());
        }
    }
}
