package io.farsync.sync.apply;

import io.farsync.sync.scan.Entry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The directories that received files go into, kept open from one file to the next, so a
 * directory of 1,000 new files is walked down to once instead of 1,000 times (each walk opened
 * the root and every directory below it: a handful of system calls and objects per file;
 * docs/PERFORMANCE.md, "Session 5: new files").
 *
 * <p>A handle names the directory it was opened on, not its path. So the {@link Applier} drops
 * them all ({@link #forget()}) whenever it moves, replaces or deletes a directory itself and at
 * every commit ({@link Applier#takeTouchedDirs()}), and none is used once {@link #MAX_AGE_NANOS}
 * old: a directory that someone else renames during the sync receives files under its new name
 * for at most that long, as a file already being received did before (its handle stays open
 * until its rename). Handles are shared by
 * reference counting ({@link DirectoryHandle#retain()}): one dropped here stays open until the
 * last temp file in it is committed or discarded. At most {@link #MAX_OPEN} are kept (one
 * descriptor each). Not thread-safe: used by the applier's thread.
 */
final class OpenDirectories {

    /** Received files arrive directory by directory; a few handles cover interleaved trees. */
    static final int MAX_OPEN = 16;
    /** The destination's commit interval: how long a handle is trusted to be the directory at its path. */
    static final long MAX_AGE_NANOS = 200_000_000L;

    private final Path root;
    private final LongSupplier nanoTime;
    /** When the handles kept now were dropped last; none of them is older. */
    private long since;
    private final Map<String, DirectoryHandle> open = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DirectoryHandle> eldest) {
            if (size() <= MAX_OPEN) {
                return false;
            }
            eldest.getValue().closeQuietly();
            return true;
        }
    };

    OpenDirectories(Path root) {
        this(root, System::nanoTime);
    }

    OpenDirectories(Path root, LongSupplier nanoTime) {
        this.root = root;
        this.nanoTime = nanoTime;
        this.since = nanoTime.getAsLong();
    }

    /** The directory holding {@code rel} (a validated wire path), open; the caller closes it once. */
    DirectoryHandle parentOf(String rel) throws IOException, EntryFailure {
        if (nanoTime.getAsLong() - since > MAX_AGE_NANOS) {
            forget();
        }
        String parent = Entry.parentOf(rel);
        DirectoryHandle h = open.get(parent);
        if (h == null) {
            h = DirectoryHandle.openParent(root, rel);
            open.put(parent, h);
        }
        return h.retain();
    }

    /** Drops every handle (each closes once its last temp file is done with it). */
    void forget() {
        since = nanoTime.getAsLong();
        if (open.isEmpty()) {
            return;
        }
        open.values().forEach(DirectoryHandle::closeQuietly);
        open.clear();
    }
}
