package io.farsync.sync.watch;

import java.nio.file.Path;

/**
 * Receives hints from a {@link TreeWatcher}. Hints say only that something at or below a path may
 * have changed; the snapshot-based sync decides what did. Called from watcher threads: implementations
 * must be thread-safe and must not block.
 */
public interface ChangeListener {

    /** The entry at {@code path} (absolute) was created, modified or deleted, or a directory's listing changed. */
    void changed(Path path);

    /**
     * Events under {@code subtree} (absolute) may have been lost: the whole subtree must be compared
     * again. {@code reason} is a short phrase for the user ("event queue overflowed").
     */
    void rescan(Path subtree, String reason);

    /** Something the user must hear about, in one line (watch limit reached, fell back to polling). */
    void warning(String message);
}
