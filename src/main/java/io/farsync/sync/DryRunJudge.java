package io.farsync.sync;

import io.farsync.sync.apply.Applier;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Stat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * A dry run's destination: the outcome each offer would have here, judged from this side's scan
 * and records with the same rules the {@link io.farsync.sync.apply.Applier} applies (the quick
 * check of size and mtime, a delete or move only of what is as synced), and nothing touched.
 *
 * <p>Each judgement sees the deletes and moves judged before it: what they took away is gone,
 * what a move made is there, and everything below a moved directory is found at its new path
 * with its records (as the real run renames the directory and moves its records along). New
 * entries are not remembered, so that a first dry run of a million files holds no million
 * records; nothing later depends on them but a hard link, which counts its target as in place.
 * Not modelled: a file's contents (a move is not checked against its hash: the real run then
 * sends the file instead), a partial file an interrupted run left (counted whole), xattrs and
 * owners, and failures only writing would meet (permissions, a full disk).
 */
final class DryRunJudge {
    private final NavigableMap<String, Entry> scanned;
    private final Map<String, Entry> recorded;
    /** Paths (as they are now) that a delete or a file move took away. */
    private final Set<String> gone = new HashSet<>();
    /** Files a move put at a new path: the entry that was at its old one, and its record. */
    private final Map<String, Entry> made = new HashMap<>();
    private final Map<String, Entry> madeRecords = new HashMap<>();
    /** How many of {@link #made} each directory holds, at any depth. */
    private final Map<String, Integer> madeBelow = new HashMap<>();
    /** Directory moves judged MOVED, in order: {from, to}. */
    private final List<String[]> directoryMoves = new ArrayList<>();
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
        Entry own = record(path);
        if (!Applier.isAsSynced(now, own != null ? own : expected.toEntry(), own != null)) {
            return Outcome.KEPT;
        }
        if (now.isDirectory() && holdsSurvivors(path)) {
            return Outcome.LEFT;
        }
        gone.add(path);
        unmake(path);
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
        String a = from.path();
        String b = to.path();
        Entry at = current(a);
        Entry own = record(a);
        Entry there = current(b);
        boolean movable = at != null && Applier.isAsSynced(at, own != null ? own : from.toEntry(), own != null)
                && !(at.isDirectory() && own != null && own.inode() != 0 && at.inode() != own.inode())
                && !(there != null && (there.isDirectory() || at.isDirectory()))
                && !(at.isDirectory() && recreated(a));
        if (!movable) {
            return meta(to);
        }
        if (at.isDirectory()) {
            directoryMoves.add(new String[] {a, b});
            // what was changed in the directory's listing before moves with it
            for (String t : new ArrayList<>(touched)) {
                if (Entry.isAtOrBelow(t, a)) {
                    touched.add(b + t.substring(a.length()));
                }
            }
        } else {
            gone.add(a);
            unmake(a);
            gone.remove(b);
            made.put(b, at);
            if (own != null) {
                madeRecords.put(b, own);
            }
            for (String d = Entry.parentOf(b); ; d = Entry.parentOf(d)) {
                madeBelow.merge(d, 1, Integer::sum);
                if (d.isEmpty()) {
                    break;
                }
            }
        }
        touched.add(Entry.parentOf(a));
        touched.add(Entry.parentOf(b));
        return Outcome.MOVED;
    }

    /** What is at {@code path} now, after the deletes and moves judged so far (null: nothing). */
    private Entry current(String path) {
        Entry m = made.get(path);
        if (m != null) {
            return m;
        }
        if (gone.contains(path)) {
            return null;
        }
        String o = original(path);
        return o == null ? null : scanned.get(o);
    }

    /** Forgets a file a move had put at {@code path}, if one had. */
    private void unmake(String path) {
        if (made.remove(path) != null) {
            madeRecords.remove(path);
            for (String d = Entry.parentOf(path); ; d = Entry.parentOf(d)) {
                madeBelow.merge(d, -1, Integer::sum);
                if (d.isEmpty()) {
                    break;
                }
            }
        }
    }

    /** The record of what is at {@code path} now, found where it was recorded before the moves. */
    private Entry record(String path) {
        Entry moved = madeRecords.get(path);
        if (moved != null) {
            return moved;
        }
        String o = original(path);
        return o == null ? null : recorded.get(o);
    }

    /**
     * Where what is at {@code path} now was before the directory moves judged so far (the scan's
     * and the records' path), or null if a directory holding it was moved away from there.
     */
    private String original(String path) {
        String p = path;
        for (int i = directoryMoves.size() - 1; i >= 0; i--) {
            String from = directoryMoves.get(i)[0];
            String to = directoryMoves.get(i)[1];
            if (Entry.isAtOrBelow(p, to)) {
                p = from + p.substring(to.length());
            } else if (Entry.isAtOrBelow(p, from)) {
                return null;
            }
        }
        return p;
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
        String o = original(dir);
        if (o == null) {
            return false;
        }
        boolean unrecorded = false;
        for (String p : scanned.subMap(o + "/", true, o + "0", false).keySet()) {
            if (p.indexOf('/', o.length() + 1) < 0) {
                if (recorded.containsKey(p)) {
                    return false;
                }
                unrecorded = true;
            }
        }
        return unrecorded;
    }

    /** Whether directory {@code dir} holds an entry of the scan that no delete or move judged so far took away. */
    private boolean holdsSurvivors(String dir) {
        String o = original(dir);
        if (o == null) {
            return false;
        }
        if (madeBelow.getOrDefault(dir, 0) > 0) {
            return true;
        }
        for (String p : scanned.subMap(o + "/", true, o + "0", false).keySet()) {
            String now = dir + p.substring(o.length());
            // not deleted, and not moved away with a directory below this one
            if (!gone.contains(now) && p.equals(original(now))) {
                return true;
            }
        }
        return false;
    }
}
