package io.farsync.sync;

/**
 * Progress events of one sync, called from engine threads (implementations must be thread-safe
 * and fast). Paths are relative to the synchronized root, '/'-separated.
 */
public interface SyncListener {

    /** The source now knows how much it will send: {@code files} files holding {@code bytes} bytes. */
    default void planned(long files, long bytes) {
    }

    /** {@code bytes} more file payload bytes were sent (source) or written (destination). */
    default void progress(long bytes) {
    }

    /** One entry reached the destination: a file transferred, a directory or link created, an entry deleted. */
    default void entryDone(String path, EntryAction action, long size) {
    }

    /**
     * An entry (a directory with everything in it) was renamed at the destination instead of
     * being sent again. Calls {@link #entryDone} with {@link EntryAction#MOVED} and the new path
     * unless overridden.
     */
    default void entryMoved(String from, String to, long size) {
        entryDone(to, EntryAction.MOVED, size);
    }

    /** An entry could not be synchronized; the sync goes on with the rest. */
    default void entryFailed(String path, String reason) {
    }

    /**
     * Bidirectional sync found {@code path} changed on both sides since the last sync and settled
     * it as {@code resolution} says (reported once, by the endpoint that decides).
     */
    default void conflict(String path, String resolution) {
    }

    enum EntryAction { TRANSFERRED, DIRECTORY, SYMLINK, DELETED, METADATA, MOVED, LINKED }

    SyncListener NONE = new SyncListener() {
    };
}
