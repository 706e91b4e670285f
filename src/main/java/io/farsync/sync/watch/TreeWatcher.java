package io.farsync.sync.watch;

/**
 * Watches a directory tree and reports changes below it to a {@link ChangeListener}.
 *
 * <p>Contract: once {@link #start()} returns, every change made afterwards below the root is
 * reported, as a {@link ChangeListener#changed} hint or as part of a {@link ChangeListener#rescan}
 * (never silently missed); changes made before may or may not be. Hints may be duplicated or
 * spurious. {@link #close()} is idempotent, stops the watcher's threads and may be called from any
 * thread, including a listener callback.
 */
public interface TreeWatcher extends AutoCloseable {

    /** Registers the tree and starts reporting. Throws if the root cannot be watched at all. */
    void start() throws java.io.IOException;

    /** How this watcher works, for the user: "inotify, 312 directories", "polling every 2.0 s". */
    String describe();

    @Override
    void close();
}
