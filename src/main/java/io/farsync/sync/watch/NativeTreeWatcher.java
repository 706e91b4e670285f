package io.farsync.sync.watch;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Recursive watching on the JDK WatchService, which watches one directory per key (inotify on
 * Linux: one watch descriptor per directory, limited per user by fs.inotify.max_user_watches).
 *
 * New directories: on ENTRY_CREATE of a directory we first register it and only then list it,
 * recursing the same way. Whatever is created in it before the registration shows up in the
 * listing; whatever is created after raises an event. Nothing falls in between. (Files.walkFileTree
 * opens a directory before preVisitDirectory runs, so it cannot give that order.)
 *
 * Moved directories: inotify watches inodes, so a directory renamed inside the tree keeps its
 * watch, and the JDK keeps reporting its events under the old name. We map keys to paths
 * ourselves: a DELETE of a watched path cancels the watches of that subtree, and the CREATE at
 * the new name registers it afresh (if the CREATE comes first, the JDK hands back the existing
 * key and we re-point it). Events are hints, so a stale name costs at most a spurious sync.
 *
 * OVERFLOW (the kernel queue of max_queued_events filled up) means events were lost anywhere
 * under the key's directory: we report a rescan of it and walk it again to register directories
 * whose CREATE was lost. Keys drained in one go are coalesced, so a queue overflow, which the
 * JDK signals on every key, gives one rescan of the root rather than one per directory.
 */
final class NativeTreeWatcher implements TreeWatcher {
    private static final Logger log = LoggerFactory.getLogger(NativeTreeWatcher.class);

    /** Registers one directory with the watch service; replaceable in tests. */
    interface Registrar {
        WatchKey register(Path dir) throws IOException;
    }

    /** Registration hit the per-user limit of watches. */
    static final class WatchLimitException extends IOException {
        WatchLimitException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path root;
    private final Predicate<Path> excluded;
    private final WatchService service;
    private final Registrar registrar;
    private final ChangeListener listener;
    private final ThreadFactory threads;
    private final Consumer<IOException> onFailure;
    /** Guarded by this: our own key-to-path map (the JDK's watchable() goes stale on moves). */
    private final Map<WatchKey, Path> dirs = new HashMap<>();
    /** Guarded by this: path string to key, sorted so a subtree is one range. */
    private final NavigableMap<String, WatchKey> keys = new TreeMap<>();
    private volatile boolean closed;

    /**
     * @param onFailure called once, from the watcher thread, when watching cannot go on (the
     *                  watch limit was reached while registering a new directory, or the service
     *                  failed); the watcher has stopped reporting by then
     */
    NativeTreeWatcher(Path root, Predicate<Path> excluded, WatchService service, Registrar registrar,
            ChangeListener listener, ThreadFactory threads, Consumer<IOException> onFailure) {
        this.root = Objects.requireNonNull(root, "root");
        this.excluded = Objects.requireNonNull(excluded, "excluded");
        this.service = Objects.requireNonNull(service, "service");
        this.registrar = Objects.requireNonNull(registrar, "registrar");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    static Registrar registrarFor(WatchService service) {
        return dir -> dir.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    }

    /** Throws {@link WatchLimitException} when the tree has more directories than the limit allows. */
    @Override
    public void start() throws IOException {
        if (!register(root)) {
            throw new IOException("cannot watch " + root);
        }
        registerBelow(root, false);
        threads.newThread(this::loop).start();
    }

    @Override
    public synchronized String describe() {
        return "native events (" + service.getClass().getSimpleName().replace("WatchService", "").toLowerCase(Locale.ROOT)
                + "), " + dirs.size() + " directories";
    }

    synchronized int watchedDirectories() {
        return dirs.size();
    }

    private void loop() {
        try {
            while (!closed) {
                WatchKey key = service.take();
                List<Path> overflowed = new ArrayList<>();
                do {
                    handle(key, overflowed);
                    key = service.poll();
                } while (key != null && !closed);
                recover(overflowed);
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException e) {
            log.error("file watcher for {} failed", root, e);
            fail(new IOException(e.toString(), e));
        }
    }

    private void fail(IOException e) {
        if (!closed) {
            close();
            onFailure.accept(e);
        }
    }

    private void handle(WatchKey key, List<Path> overflowed) throws IOException {
        Path dir;
        synchronized (this) {
            dir = dirs.get(key);
        }
        List<WatchEvent<?>> events = key.pollEvents();
        if (dir == null) {
            return; // cancelled by a move or delete; its events are stale
        }
        for (WatchEvent<?> e : events) {
            if (e.kind() == OVERFLOW) {
                overflowed.add(dir);
                continue;
            }
            Path child = dir.resolve((Path) e.context());
            if (excluded.test(child)) {
                continue;
            }
            listener.changed(child);
            if (e.kind() == ENTRY_CREATE) {
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && register(child)) {
                    registerBelow(child, true);
                }
            } else if (e.kind() == ENTRY_DELETE) {
                forgetSubtree(child);
            }
        }
        if (!key.reset()) {
            synchronized (this) {
                if (dirs.remove(key) != null) {
                    keys.remove(dir.toString());
                }
            }
            if (dir.equals(root)) {
                listener.warning("the watched directory " + root + " was removed or moved away; relying on periodic scans");
                listener.rescan(root, "the watched root went away");
            }
        }
    }

    private void recover(List<Path> overflowed) throws IOException {
        if (overflowed.isEmpty()) {
            return;
        }
        TreeSet<Path> tops = new TreeSet<>(overflowed);
        for (Path p : List.copyOf(tops)) {
            for (Path a = p.getParent(); a != null; a = a.getParent()) {
                if (tops.contains(a)) {
                    tops.remove(p);
                    break;
                }
            }
        }
        for (Path top : tops) {
            log.info("event queue overflowed: rescanning {}", top);
            listener.rescan(top, "the event queue overflowed");
            if (register(top)) {
                registerBelow(top, false);
            }
        }
    }

    /**
     * Registers every directory below {@code top} (already registered), each before it is listed.
     * With {@code report}, every entry found is reported as changed (it appeared with a new directory).
     */
    private void registerBelow(Path top, boolean report) throws IOException {
        Deque<Path> todo = new ArrayDeque<>();
        todo.push(top);
        boolean first = true;
        while (!todo.isEmpty()) {
            Path dir = todo.pop();
            if (!first && !register(dir)) {
                continue;
            }
            first = false;
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    if (excluded.test(child)) {
                        continue;
                    }
                    if (report) {
                        listener.changed(child);
                    }
                    if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                        todo.push(child);
                    }
                }
            } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                // gone again, or unreadable: its parent's events and the sync's scan report it
                log.debug("cannot list {}: {}", dir, e.toString());
            }
        }
    }

    /** False when the directory is gone or cannot be watched (then the sync's scan reports it). */
    private boolean register(Path dir) throws IOException {
        WatchKey key;
        try {
            key = registrar.register(dir);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return false;
        } catch (ClosedWatchServiceException e) {
            throw e;
        } catch (IOException e) {
            if (isWatchLimit(e)) {
                int n;
                synchronized (this) {
                    n = dirs.size();
                }
                throw new WatchLimitException("inotify watch limit reached after " + n + " directories under " + root, e);
            }
            log.warn("cannot watch {}: {}", dir, e.toString());
            return false;
        }
        synchronized (this) {
            Path old = dirs.put(key, dir);
            if (old != null && !old.equals(dir)) {
                keys.remove(old.toString());
            }
            keys.put(dir.toString(), key);
        }
        return true;
    }

    static boolean isWatchLimit(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("inotify watches") || m.contains("user limit") || m.contains("no space left on device");
    }

    private synchronized void forgetSubtree(Path path) {
        String p = path.toString();
        List<String> gone = new ArrayList<>(keys.subMap(p + "/", true, p + "0", false).keySet());
        if (keys.containsKey(p)) {
            gone.add(p);
        }
        for (String s : gone) {
            WatchKey k = keys.remove(s);
            dirs.remove(k);
            k.cancel();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            service.close();
        } catch (IOException e) {
            log.debug("closing the watch service: {}", e.toString());
        }
    }
}
