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
 * <p>Each judgement sees the deletes and moves judged before it, by exact path: what they took
 * away is gone, what a move made is there (new entries are not remembered, so that a first dry
 * run of a million files holds no million records; nothing later depends on them but a hard link,
 * which counts its target as in place). Not modelled, so reported as the scan shows them: the
 * subtree below a moved directory, a file's contents (a move is not checked against its hash:
 * the real run then sends the file instead), xattrs and owners, and failures only writing would
 * meet (permissions, a full disk).
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
            // a hard-linked copy whose mode differs is replaced, not chmodded (as the real run does)
            case FILE -> now != null && now.isFile() && now.size() == e.size() && Applier.mtimeMatches(e.mtimeNanos(), now.mtimeNanos())
                    && (now.nlink() <= 1 || now.mode() == (e.mode() & Stat.MODE_MASK))
                    ? attributes(e, now) : Outcome.TRANSFERRED;
        };
        if (o != Outcome.UNCHANGED && o != Outcome.METADATA) {
            touched.add(Entry.parentOf(e.path()));
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

    /**
     * A Link: nothing to do if the entry already is that hard link, else it becomes one (the
     * real run offers it once its target is in place).
     */
    Outcome link(WireEntry e, WireEntry target) {
        Entry now = current(e.path());
        Entry t = current(target.path());
        if (now != null && t != null && now.isFile() && t.isFile() && t.inode() != 0 && now.sameIdentity(t)) {
            return Outcome.UNCHANGED;
        }
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
     * A Move from {@code from} to {@code to}, with the real run's checks ({@code Applier.move}):
     * MOVED if the entry at {@code from} is as synced (a directory: the same one, not one made
     * again since) and {@code to} is free or a file that a file replaces; else what a Meta of
     * {@code to} would be (the real run asks for it).
     */
    Outcome move(WireEntry from, WireEntry to) {
        Entry at = current(from.path());
        Entry own = recorded.get(from.path());
        Entry there = current(to.path());
        boolean movable = at != null && Applier.isAsSynced(at, own != null ? own : asSynced(from), own != null)
                && !(at.isDirectory() && own != null && own.inode() != 0 && at.inode() != own.inode())
                && !(there != null && (there.isDirectory() || at.isDirectory()))
                && !(at.isDirectory() && recreated(from.path()));
        if (movable) {
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

    /**
     * Whether directory {@code dir} holds none of the entries recorded in it but entries of its
     * own: made again since the sync, so not the one whose records would move with it.
     */
    private boolean recreated(String dir) {
        boolean unrecorded = false;
        for (String p : scanned.subMap(dir + "/", true, dir + "0", false).keySet()) {
            if (p.indexOf('/', dir.length() + 1) < 0) {
                if (recorded.containsKey(p)) {
                    return false;
                }
                unrecorded = true;
            }
        }
        return unrecorded;
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
