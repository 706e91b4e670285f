package io.farsync.sync.watch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Native watching that turns into polling when it cannot go on: the inotify watch limit is
 * reached (at start or for a directory created later) or the watch service fails. The switch is
 * announced in one warning line and followed by a rescan of the whole tree, since events may have
 * been lost between the failure and the polling baseline.
 */
final class FallbackTreeWatcher implements TreeWatcher {
    private final Path root;
    private final ChangeListener listener;
    private final Supplier<TreeWatcher> fallback;
    private final TreeWatcher primary;
    /** Guarded by this. */
    private TreeWatcher active;
    private boolean closed;

    /**
     * @param primary  builds the preferred watcher, given the callback it must call when it fails
     * @param fallback builds the polling watcher
     */
    FallbackTreeWatcher(Path root, ChangeListener listener, Function<Consumer<IOException>, TreeWatcher> primary,
            Supplier<TreeWatcher> fallback) {
        this.root = Objects.requireNonNull(root, "root");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.primary = primary.apply(this::primaryFailed);
    }

    @Override
    public void start() throws IOException {
        synchronized (this) {
            active = primary;
        }
        try {
            primary.start();
        } catch (NativeTreeWatcher.WatchLimitException e) {
            primary.close();
            switchToFallback(e);
        }
    }

    private void primaryFailed(IOException e) {
        try {
            switchToFallback(e);
        } catch (IOException again) {
            listener.warning("cannot poll " + root + " either (" + again.getMessage() + "); only periodic scans remain");
        }
        listener.rescan(root, "switched to polling");
    }

    private void switchToFallback(IOException cause) throws IOException {
        TreeWatcher poller;
        synchronized (this) {
            if (closed || active != primary) {
                return;
            }
            poller = fallback.get();
            active = poller;
        }
        poller.start();
        listener.warning(message(cause) + "; falling back to " + poller.describe());
    }

    private String message(IOException cause) {
        if (cause instanceof NativeTreeWatcher.WatchLimitException) {
            return cause.getMessage() + "; raise the limit with 'sysctl fs.inotify.max_user_watches=1048576'"
                    + " (persist it in /etc/sysctl.d/)";
        }
        return "file watching failed under " + root + " (" + cause.getMessage() + ")";
    }

    @Override
    public synchronized String describe() {
        return active == null ? primary.describe() : active.describe();
    }

    @Override
    public void close() {
        TreeWatcher a;
        synchronized (this) {
            closed = true;
            a = active;
        }
        primary.close();
        if (a != null && a != primary) {
            a.close();
        }
    }
}
