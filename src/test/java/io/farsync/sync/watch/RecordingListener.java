package io.farsync.sync.watch;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every hint, rescan and warning; thread-safe. */
final class RecordingListener implements ChangeListener {
    final Set<Path> changed = ConcurrentHashMap.newKeySet();
    final List<Path> rescans = new CopyOnWriteArrayList<>();
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @Override
    public void changed(Path path) {
        changed.add(path);
    }

    @Override
    public void rescan(Path subtree, String reason) {
        rescans.add(subtree);
    }

    @Override
    public void warning(String message) {
        warnings.add(message);
    }
}
