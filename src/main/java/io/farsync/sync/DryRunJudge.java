package io.farsync.sync;

import io.farsync.sync.apply.Applier;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Stat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * A dry run's destination: the outcome each offer would have here, judged from this side's scan
 * and records with the same rules the {@link io.farsync.sync.apply.Applier} applies (the quick
 * check of size and mtime, a delete or move only of what is as synced), and nothing touched.
 *
 * <p>Each judgement sees the offers judged before it, by exact path: what a delete or a move
 * took away is gone, what a move or a new entry made is there. Not modelled, so reported as the
 * scan shows them: the subtree below a moved directory, a file's contents (a move is not checked
 * against its hash: the real run then sends the file instead), xattrs and owners.
 */
final class DryRunJudge {
    private final NavigableMap<String, Entry> scanned;
    private final Map<String, Entry> recorded;
    private final Set<String> gone = new HashSet<>();
    private final Map<String, Entry> made = new HashMap<>();
    /** Directories whose listing the offers judged so far change: their mtime then needs fixing. */
    private final Set<String> touched = new HashSet<>();

    /** @param scanned this side's scan; @param recorded its records of the entries synced before */
    DryRunJudge(NavigableMap<String, Entry> scanned, Map<String, Entry> recorded) {
        this.scanned = scanned;
        this.recorded = recorded;
    }

    /** A Meta: create, replace, fix the mode or mtime of, or leave the entry at {@code e}'s path. */
    Outcome meta(WireEntry e) {
        Entry now = current(e.path());
        Outcome o = switch (e.type()) {
            case DIRECTORY -> now == null || !now.isDirectory() ? Outcome.DIRECTORY : attributes(e, now);
            case SYMLINK -> now != null && now.isSymlink() && now.linkTarget().equals(e.linkTarget()) ? Outcome.UNCHANGED
                    : Outcome.SYMLINK;
            case FILE -> now != null && now.isFile() && now.size() == e.size() && Applier.mtimeMatches(e.mtimeNanos(), now.mtimeNanos())
                    ? attributes(e, now) : Outcome.TRANSFERRED;
        };
        if (o != Outcome.UNCHANGED) {
            made.put(e.path(), asSynced(e));
            if (o != Outcome.METADATA) {
                touched.add(Entry.parentOf(e.path()));
            }
        }
        return o;
    }

    /**
     * A directory's final outcome, once every offer was judged (the real run finishes
     * directories last, deepest first): one whose own outcome was UNCHANGED gets its mtime fixed
     * when something was created, replaced, moved or deleted in it.
     */
    Outcome finishDirectory(String path, Outcome judged) {
        return judged == Outcome.UNCHANGED && touched.contains(path) ? Outcome.METADATA : judged;
    }

    /** A Link: the entry becomes a hard link to {@code target} (or a copy of it). */
    Outcome link(WireEntry e) {
        made.put(e.path(), asSynced(e));
        touched.add(Entry.parentOf(e.path()));
        return Outcome.LINKED;
    }

    /**
     * A Delete: nothing there (GONE), changed since it was synced (KEPT, an error), a directory
     * still holding entries nothing deletes (LEFT), or DELETED.
     */
    Outcome delete(WireEntry expected) {
        String path = expected.path();
        Entry now = current(path);
        if (now == null) {
            return Outcome.GONE;
        }
        Entry own = recorded.get(path);
        if (!Applier.isAsSynced(now, own != null ? own : asSynced(expected), own != null)) {
            return Outcome.KEPT;
        }
        if (now.isDirectory() && holdsSurvivors(path)) {
            return Outcome.LEFT;
        }
        gone.add(path);
        made.remove(path);
        touched.add(Entry.parentOf(path));
        return Outcome.DELETED;
    }

    /**
     * A Move from {@code from} to {@code to}: MOVED if the entry at {@code from} is as synced and
     * nothing is at {@code to}; else what a Meta of {@code to} would be (the real run asks for it).
     */
    Outcome move(WireEntry from, WireEntry to) {
        Entry at = current(from.path());
        Entry own = recorded.get(from.path());
        if (at != null && current(to.path()) == null && Applier.isAsSynced(at, own != null ? own : asSynced(from), own != null)) {
            gone.add(from.path());
            made.remove(from.path());
            made.put(to.path(), asSynced(to));
            touched.add(Entry.parentOf(from.path()));
            touched.add(Entry.parentOf(to.path()));
            return Outcome.MOVED;
        }
        return meta(to);
    }

    private Entry current(String path) {
        Entry m = made.get(path);
        if (m != null) {
            return m;
        }
        return gone.contains(path) ? null : scanned.get(path);
    }

    private static Outcome attributes(WireEntry e, Entry now) {
        boolean same = (now.mode() & Stat.MODE_MASK) == (e.mode() & Stat.MODE_MASK)
                && Applier.mtimeMatches(e.mtimeNanos(), now.mtimeNanos());
        return same ? Outcome.UNCHANGED : Outcome.METADATA;
    }

    /** Whether the scan holds an entry below directory {@code dir} that no earlier offer took away. */
    private boolean holdsSurvivors(String dir) {
        for (String p : scanned.subMap(dir + "/", true, dir + "0", false).keySet()) {
            if (!gone.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static Entry asSynced(WireEntry e) {
        return new Entry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(), 0, e.linkTarget());
    }
}
