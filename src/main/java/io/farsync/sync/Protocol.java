package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.SqliteFiles;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.snapshot.SnapshotStore;
import io.farsync.sync.version.VersionStore;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** Small pieces both endpoints share. */
final class Protocol {

    /**
     * Bump on any incompatible change of the conversation or the codec, or of what a request's
     * options mean (unknown options are ignored, so a peer that does not know one must fail here).
     * 6: entries carry uid, gid and xattrs; Link messages; version vectors before bidi passes; persistent sessions.
     * 7: content hashes after the version vectors where both sides changed a file to one size.
     * 8: FileInline (a small new file with its contents, no Need); Deviations say if the destination is empty.
     * 9: MetaEager (a large file's contents follow without a Need); Deviations say if the destination holds partial files.
     * 10: the request's {@code symlinks} option (an older server, as a pull's source, would copy links it was told to skip);
     *     filters know rsync's {@code dir/***}, {@code [^..]}, {@code [[:alpha:]]} and backslash escapes;
     *     MetaEnd carries the source root's mode and mtime.
     * 11: the request's {@code dry_run} option (an older server would ignore it and sync for real): the source
     *     offers its plan, the destination answers each entry with the outcome it would have and changes nothing.
     */
    static final int VERSION = 11;

    private Protocol() {
    }

    static FarsyncException violation(String what) {
        return new FarsyncException(ExitCode.TRANSFER_FAILED, "protocol error: " + what);
    }

    static <T extends Message> T expect(Message m, Class<T> type) {
        if (!type.isInstance(m)) {
            throw violation("expected " + type.getSimpleName() + ", got " + m.getClass().getSimpleName());
        }
        return type.cast(m);
    }

    static void checkVersion(Message.Hello h) {
        if (h.version() != VERSION) {
            throw new FarsyncException(ExitCode.TRANSFER_FAILED,
                    "peer speaks sync protocol version " + h.version() + ", this farsync speaks " + VERSION
                            + " (run the same farsync release on both ends)");
        }
    }

    /**
     * The snapshot database and its WAL files, when they live inside the synced tree (of
     * {@code root}), and the version store an older farsync kept beside them: farsync's own files,
     * never synced as the user's.
     */
    static Set<Path> snapshotFiles(SnapshotStore store, Path root) {
        return snapshotFiles(store.file(), root);
    }

    /** {@link #snapshotFiles(SnapshotStore, Path)} of the database at {@code dbFile}, open or not. */
    static Set<Path> snapshotFiles(Path dbFile, Path root) {
        Set<Path> files = new HashSet<>(VersionStore.legacyFiles(dbFile.getParent(), root));
        files.addAll(SqliteFiles.withSidecars(dbFile));
        return files;
    }

    /**
     * Tells {@code listener} of an entry the destination put in place as {@code outcome} says
     * (transferred, created, linked, or its attributes fixed); nothing for the other outcomes.
     */
    static void reportPlaced(SyncListener listener, String path, Outcome outcome, long size) {
        switch (outcome) {
            case TRANSFERRED -> listener.entryDone(path, SyncListener.EntryAction.TRANSFERRED, size);
            case DIRECTORY -> listener.entryDone(path, SyncListener.EntryAction.DIRECTORY, 0);
            case SYMLINK -> listener.entryDone(path, SyncListener.EntryAction.SYMLINK, 0);
            case METADATA -> listener.entryDone(path, SyncListener.EntryAction.METADATA, 0);
            case LINKED -> listener.entryDone(path, SyncListener.EntryAction.LINKED, 0);
            default -> {
            }
        }
    }

    static String error(String path, String reason) {
        return PathJail.show(path) + ": " + reason;
    }
}
