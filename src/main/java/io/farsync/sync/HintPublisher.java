package io.farsync.sync;

import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.watch.ChangeListener;
import io.farsync.sync.watch.TreeWatcher;
import io.farsync.sync.watch.WatchMode;
import io.farsync.sync.watch.Watchers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server that is the source of a persistent session watches its root and tells the client what
 * changed, so a remote source is synced as promptly as a local one instead of being polled. The
 * watcher is the one a local source gets ({@link Watchers}: inotify, polling on network file
 * systems or when the watch limit is reached); its hints are sent as {@link Message.Hints}
 * between conversations only (paused while one runs, kept meanwhile). Pending paths are bounded:
 * past {@link #MAX_PATHS} they collapse to "everything".
 */
public final class HintPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HintPublisher.class);
    static final int MAX_PATHS = 10_000;

    private final Path root;
    private final Set<Path> excluded;
    private final WatchMode mode;
    // guarded by this
    private final Set<String> pending = new LinkedHashSet<>();
    private boolean wholeTree;
    private final List<String> warnings = new ArrayList<>();
    private boolean paused;
    /** A Hints message is being written: pause() waits for it, so it never lands inside a conversation. */
    private boolean sending;
    private boolean closed;
    private TreeWatcher watcher;
    private Thread sender;
    /** Shows the root as the client named it in warnings ({@link #showRootAs}); null: as it is. */
    private java.util.function.UnaryOperator<String> shown;

    /** @param excluded paths never reported (the server's state directory) */
    public HintPublisher(Path root, Set<Path> excluded, WatchMode mode) {
        this.root = root.toAbsolutePath().normalize();
        this.excluded = Set.copyOf(excluded);
        this.mode = mode;
    }

    /** Warnings for the client name the root {@code name} (the path it asked for), not by this side's absolute path. */
    public HintPublisher showRootAs(String name) {
        this.shown = PathJail.showing(root, name);
        return this;
    }

    /** Starts watching and sending; a root that cannot be watched at all is reported to the client as a warning. */
    void start(SessionWriter writer) {
        try {
            watcher = Watchers.create(root, mode, excluded, new ChangeListener() {
                @Override
                public void changed(Path path) {
                    hint(path);
                }

                @Override
                public void rescan(Path subtree, String reason) {
                    hint(subtree);
                }

                @Override
                public void warning(String message) {
                    warn("server: " + message);
                }
            });
            watcher.start();
            log.info("watching {} for the client ({})", root, watcher.describe());
        } catch (IOException | RuntimeException e) {
            if (watcher != null) {
                watcher.close();
            }
            watcher = null;
            warn("the server cannot watch " + root.getFileName() + " (" + e.getMessage() + "); only periodic syncs find its changes");
        }
        sender = new Thread(() -> sendLoop(writer), "farsync-hint-sender");
        sender.setDaemon(true);
        sender.start();
    }

    private synchronized void hint(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            wholeTree = true;
            pending.clear();
        } else if (!wholeTree) {
            String rel = root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
            pending.add(rel);
            if (pending.size() > MAX_PATHS) {
                wholeTree = true;
                pending.clear();
            }
        }
        notifyAll();
    }

    private synchronized void warn(String message) {
        warnings.add(shown == null ? message : shown.apply(message));
        notifyAll();
    }

    /** Holds hints back while a conversation has the stream; returns once none is being written. */
    synchronized void pause() throws java.io.InterruptedIOException {
        paused = true;
        while (sending) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted pausing the hints");
            }
        }
    }

    synchronized void resume() {
        paused = false;
        notifyAll();
    }

    private void sendLoop(SessionWriter writer) {
        try {
            while (true) {
                Message.Hints h;
                synchronized (this) {
                    while (!closed && (paused || (pending.isEmpty() && !wholeTree && warnings.isEmpty()))) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                    h = take();
                    sending = true;
                }
                try {
                    writer.send(h);
                } finally {
                    synchronized (this) {
                        sending = false;
                        notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException e) {
            log.debug("hint sender stopped: {}", e.getMessage());
        }
    }

    /** The pending hints, at most one frame's worth of paths. */
    private Message.Hints take() {
        List<String> paths = new ArrayList<>();
        int bytes = 0;
        var it = pending.iterator();
        while (it.hasNext()) {
            String p = it.next();
            int size = 4 + p.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MessageCodec.LIST_BUDGET / 2) {
                break;
            }
            paths.add(p);
            bytes += size;
            it.remove();
        }
        String warning = warnings.isEmpty() ? null : warnings.remove(0);
        Message.Hints h = new Message.Hints(paths, wholeTree, warning);
        wholeTree = false;
        return h;
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
        if (watcher != null) {
            watcher.close();
        }
    }
}
