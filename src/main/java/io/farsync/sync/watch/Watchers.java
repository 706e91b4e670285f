package io.farsync.sync.watch;

import io.farsync.sync.scan.ReplicaDir;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Predicate;

/** Builds the {@link TreeWatcher} for a root. */
public final class Watchers {
    /** Shortest interval between two polls; the polling watcher stretches it for big trees. */
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

    /** File system types (as {@link FileStore#type()} names them on Linux) that deliver no remote changes as events. */
    private static final Set<String> NO_EVENTS = Set.of("nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs",
            "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs", "beegfs", "davfs", "fuse.sshfs", "fuse.rclone", "vboxsf");

    private Watchers() {
    }

    /**
     * A watcher for {@code root} (absolute) reporting to {@code listener}. Entries at or below the
     * {@code excluded} paths (e.g. farsync's own state directory) and in a {@link ReplicaDir} are not reported. Call
     * {@link TreeWatcher#start()} next.
     */
    public static TreeWatcher create(Path root, WatchMode mode, Set<Path> excluded, ChangeListener listener) throws IOException {
        Predicate<Path> isExcluded = exclusion(root, excluded);
        WatchMode m = mode == WatchMode.AUTO ? detect(root) : mode;
        if (m == WatchMode.POLL) {
            return polling(root, isExcluded, listener);
        }
        WatchService service = root.getFileSystem().newWatchService();
        return new FallbackTreeWatcher(root, listener,
                onFailure -> new NativeTreeWatcher(root, isExcluded, service, NativeTreeWatcher.registrarFor(service),
                        listener, daemon("farsync-watcher"), onFailure),
                () -> polling(root, isExcluded, listener));
    }

    /** True at or below an {@code excluded} path or a {@link ReplicaDir} (in any letter case) below {@code root}. */
    static Predicate<Path> exclusion(Path root, Set<Path> excluded) {
        List<Path> skip = excluded.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        return p -> {
            if (p.startsWith(root)) {
                for (Path name : root.relativize(p)) {
                    if (ReplicaDir.isReserved(name.toString())) {
                        return true; // the sync's own version database and lock
                    }
                }
            }
            for (Path x : skip) {
                if (p.startsWith(x)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static TreeWatcher polling(Path root, Predicate<Path> excluded, ChangeListener listener) {
        return new PollingTreeWatcher(root, excluded, listener, POLL_INTERVAL, System::nanoTime,
                daemon("farsync-poller"));
    }

    /** Native unless the file system is a network or FUSE one, or the JDK itself only polls (macOS). */
    static WatchMode detect(Path root) throws IOException {
        FileStore store = Files.getFileStore(root);
        String type = store.type().toLowerCase(Locale.ROOT);
        if (NO_EVENTS.contains(type) || type.startsWith("fuse")) {
            return WatchMode.POLL;
        }
        try (WatchService probe = FileSystems.getDefault().newWatchService()) {
            return probe.getClass().getName().contains("Polling") ? WatchMode.POLL : WatchMode.NATIVE;
        }
    }

    /** Named daemon threads: the watcher must never keep the JVM alive on its own. */
    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
