package io.farsync.sync;

import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryOverlay;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.scan.EntryType;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.SortedEntries;
import io.farsync.sync.scan.Symlinks;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides what the source offers. A source entry is a candidate unless the source's snapshot
 * records it unchanged, the destination reported no deviation there, and the snapshot was made
 * with this very destination database (else nothing recorded is trusted and the destination's
 * quick check decides). An entry recorded but gone from the source is deleted, unless the scan
 * could not read it or a parent, or the filter now excludes it (or a parent). The parent directories of everything touched are candidates
 * too, so the destination can restore their mtimes after writing inside them.
 *
 * <p>Moves (when deletes propagate): a recorded entry gone from its path whose identity (device
 * and inode) reappears at a path that was never recorded is moved there, if the type matches
 * and, for a file, size and mtime too (a symlink: its target). Source entries are visited
 * parents first, so a renamed directory is one move and its children, now recorded below the
 * new name, need nothing. The plan works on a <em>view</em>: the recorded tree with the moves
 * applied (and the destination's deviations renamed with them); candidates and deletes are
 * computed against that view, so a moved file whose mode also changed is a move plus a Meta.
 * A file the destination reported as changed is not moved (it is sent, and its old copy goes
 * through the delete checks). Targets never replace a recorded entry, so a move at the
 * destination never overwrites something that was synced.
 *
 * <p>Order of the moves: a move goes after every move out of a path at or above its target (the
 * old directory must leave before a new one is made under its name, else the destination would
 * rename the old one away with the moved entry inside), and after the move whose target is
 * above its own (that directory must be in place). The view follows the same order, so each
 * move's {@code from} is where the destination has the entry at that moment. A cycle of such
 * dependencies (directories moved into new directories of each other's names) is broken by
 * dropping one move of it: that entry is deleted and sent instead, which costs a transfer,
 * never data. Renaming through a temporary name would avoid the transfer but would need the
 * destination to undo a refused half-move; not done.
 *
 * <p>Order on the wire: each move, in that order, preceded by the candidate directories above
 * its target (so the target's parent exists; none of them is a path a later move leaves); then
 * the deletes, children first (after the moves, so a move out of a deleted directory comes
 * first; before the other metas, so a directory emptied of deleted entries can become a file);
 * then the other candidates, parents first.
 */
final class Planner {

    private Planner() {
    }

    /** One thing the source offers, in sending order. */
    sealed interface Item {
        /** The entry as the source has it now (meta, move), or as it was synced (delete). */
        Entry entry();
    }

    /** Offer a source entry (answered by a quick check, then maybe a NEED). */
    record Meta(Entry entry) implements Item {
    }

    /** Delete a recorded entry, given as synced. */
    record Delete(Entry entry) implements Item {
    }

    /**
     * Make the file {@code entry} a hard link to {@code target}, a file of the same device and
     * inode that the destination has in place ({@link HardLinks}); not made by {@link #plan}.
     */
    record Link(Entry entry, Entry target) implements Item {
    }

    /**
     * Rename {@code from} (as synced, in the view at the time of the move) to {@code entry}'s
     * path. {@code fromTree} is what the destination has at and below {@code from} if it
     * refuses the move, as synced and children first: the source then deletes those.
     */
    record Move(Entry from, Entry entry, List<Entry> fromTree) implements Item {
    }

    /**
     * @param items  everything to offer, in sending order (but {@code late}); from {@link #plan},
     *               {@link Offers} (metas kept as rows of the scan)
     * @param late   deletes to send once every transfer is in place ({@code --delete-delay})
     * @param files  regular files among the metas (an upper bound of files to send)
     * @param bytes  their total size
     */
    record Plan(List<Item> items, List<Delete> late, long files, long bytes) {
        /** The entries offered as metas, in sending order. */
        List<Entry> candidates() {
            return items.stream().filter(i -> i instanceof Meta).map(Item::entry).toList();
        }

        /** The entries to delete, as synced, in sending order (late ones last). */
        List<Entry> deletes() {
            List<Entry> all = new ArrayList<>(items.stream().filter(i -> i instanceof Delete).map(Item::entry).toList());
            late.forEach(d -> all.add(d.entry()));
            return all;
        }

        List<Move> moves() {
            return items.stream().filter(i -> i instanceof Move).map(i -> (Move) i).toList();
        }

        /** How many items (late deletes too) are of {@code kind}; rows of {@link Offers} are counted, not made. */
        int count(Class<? extends Item> kind) {
            int n = kind == Delete.class ? late.size() : 0;
            return n + (items instanceof Offers o ? o.count(kind) : (int) items.stream().filter(kind::isInstance).count());
        }
    }

    /**
     * @param extras entries the destination has and never synced ({@code --mirror} only)
     * @param trusted the source's snapshot was made with this destination's database
     */
    static Plan plan(ScanResult scan, NavigableMap<String, Entry> recorded, Set<String> deviations, List<Entry> extras,
            boolean trusted, SyncOptions options) {
        NavigableMap<String, Entry> source = scan.entries();
        TreeSet<String> devs = new TreeSet<>(deviations);
        TreeMap<String, Entry> foreign = new TreeMap<>();
        if (options.mirror()) {
            extras.forEach(e -> foreign.put(e.path(), e));
        }
        boolean propagateDeletes = options.propagateDeletes();
        Filter filter = options.filter();
        // Candidates as rows of the scan's table: a first sync offers every entry (see Offers).
        EntryTable rows = EntryTable.copyOf(source);
        MoveFinder finder = new MoveFinder(scan, rows, recorded, devs, foreign, filter);
        List<Move> moves = propagateDeletes ? finder.find() : List.of();
        NavigableMap<String, Entry> view = finder.view;

        Set<String> targets = new HashSet<>();
        moves.forEach(m -> targets.add(m.entry().path()));
        BitSet candidates = new BitSet(rows.size());
        EntryOverlay overScan = view instanceof EntryOverlay o ? o : null;
        // Both in path order: walked side by side, not looked up entry by entry.
        SortedEntries.Cursor inView = new SortedEntries.Cursor(view);
        for (int i = 0; i < rows.size(); i++) {
            if (trusted && overScan != null && overScan.holdsRow(rows, i) && (devs.isEmpty() || !devs.contains(rows.pathAt(i)))) {
                // Recorded exactly as scanned, nothing deviates: unchanged, and no entry made for it
                // (a 1,000,000-entry re-sync made two per row here).
                continue;
            }
            Entry e = rows.entryAt(i);
            Entry r = inView.get(e.path());
            // A move target needs a meta only if it changed: its move (or its fallback) carries it.
            boolean untrusted = !trusted && !targets.contains(e.path());
            if (untrusted || r == null || !r.unchangedAs(e) || devs.contains(e.path())) {
                candidates.set(i);
            }
        }
        // Recorded entries and (mirror) the destination's own, merged so children go first.
        TreeMap<String, Entry> gone = new TreeMap<>();
        if (propagateDeletes) {
            SortedEntries.Cursor inSource = new SortedEntries.Cursor(source);
            // --symlinks skip leaves links out on both sides: a link recorded or found there is never deleted
            boolean keepLinks = options.symlinks() == Symlinks.SKIP;
            for (Entry r : unlikeScan(view, rows)) {
                if (inSource.get(r.path()) == null && !scan.isUnknown(r.path()) && !filter.hides(r.path(), r.isDirectory())
                        && !(keepLinks && r.isSymlink())) {
                    gone.put(r.path(), r);
                }
            }
            for (Entry x : foreign.values()) {
                if (!source.containsKey(x.path()) && !scan.isUnknown(x.path()) && !filter.hides(x.path(), x.isDirectory())
                        && !(keepLinks && x.isSymlink())) {
                    gone.putIfAbsent(x.path(), x);
                }
            }
        }
        List<Entry> deletes = new ArrayList<>(gone.descendingMap().values());
        // The parents of everything touched; a parent marked here is walked past in the loop (it sorts before).
        for (int i = candidates.nextSetBit(0); i >= 0; i = candidates.nextSetBit(i + 1)) {
            markParents(rows.pathAt(i), rows, candidates);
        }
        deletes.forEach(d -> markParents(d.path(), rows, candidates));
        for (Move m : moves) {
            markParents(m.from().path(), rows, candidates);
            markParents(m.entry().path(), rows, candidates);
        }

        Offers items = new Offers(rows);
        BitSet emitted = new BitSet();
        for (Move m : moves) {
            Deque<Integer> above = new ArrayDeque<>();
            for (String p = Entry.parentOf(m.entry().path()); !p.isEmpty(); p = Entry.parentOf(p)) {
                int row = rows.indexOf(p);
                if (row >= 0 && candidates.get(row) && !emitted.get(row)) {
                    above.push(row);
                }
            }
            for (int row : above) {
                items.addRow(row);
                emitted.set(row);
            }
            items.add(m);
        }
        List<Delete> late = new ArrayList<>();
        for (Entry d : deletes) {
            // Late deletes wait for the transfers, unless a new file or symlink needs their place.
            if (options.deleteDelay() && !inTheWay(d.path(), source)) {
                late.add(new Delete(d));
            } else {
                items.add(new Delete(d));
            }
        }
        long files = 0;
        long bytes = 0;
        for (int i = candidates.nextSetBit(0); i >= 0; i = candidates.nextSetBit(i + 1)) {
            if (!emitted.get(i)) {
                items.addRow(i);
            }
            if (rows.typeAt(i) == EntryType.FILE) {
                files++;
                bytes += rows.sizeAt(i);
            }
        }
        return new Plan(items, late, files, bytes);
    }

    /** Marks the directories above {@code path} as candidates, up to the first that already is one. */
    private static void markParents(String path, EntryTable rows, BitSet candidates) {
        for (String p = Entry.parentOf(path); !p.isEmpty(); p = Entry.parentOf(p)) {
            int row = rows.indexOf(p);
            if (row < 0 || candidates.get(row) || rows.typeAt(row) != EntryType.DIRECTORY) {
                break;
            }
            candidates.set(row);
        }
    }

    /**
     * The recorded entries that can be gone from the scan or differ from it: of a snapshot loaded
     * over the scan ({@link EntryOverlay}), only those not marked as the scan's rows; walking just
     * those spares decoding every row of an unchanged tree.
     */
    private static java.util.Collection<Entry> unlikeScan(NavigableMap<String, Entry> recorded, EntryTable rows) {
        return recorded instanceof EntryOverlay o ? o.entriesBesides(rows) : recorded.values();
    }

    /** True if a parent of {@code path} is now something else than a directory at the source. */
    private static boolean inTheWay(String path, NavigableMap<String, Entry> source) {
        for (String p = Entry.parentOf(path); !p.isEmpty(); p = Entry.parentOf(p)) {
            Entry e = source.get(p);
            if (e != null) {
                return !e.isDirectory();
            }
        }
        return false;
    }

    /** Finds the moves and applies them to the view (and the deviations, and extras) as it goes. */
    private static final class MoveFinder {
        /** A recorded entry gone from where it was recorded, and where the view has it now. */
        private static final class Gone {
            final Entry recorded;
            String path;
            boolean used;

            Gone(Entry recorded) {
                this.recorded = recorded;
                this.path = recorded.path();
            }
        }

        /** A matched move: the gone entry and the source entry it becomes. */
        private static final class Pair {
            final Gone gone;
            final Entry to;
            boolean pending = true;
            boolean onStack;

            Pair(Gone gone, Entry to) {
                this.gone = gone;
                this.to = to;
            }
        }

        private final ScanResult scan;
        private final EntryTable rows;
        private final NavigableMap<String, Entry> source;
        private final NavigableMap<String, Entry> recorded;
        /** The recorded tree until the first move, then a copy with the moves applied. */
        private NavigableMap<String, Entry> view;
        private TreeSet<String> devs;
        private TreeMap<String, Entry> foreign;
        private final TreeSet<String> devsOut;
        private final TreeMap<String, Entry> foreignOut;
        private final Filter filter;
        private final Map<Long, List<Gone>> byInode = new HashMap<>();
        private final Map<String, Gone> byPath = new HashMap<>();
        /** Pending moves by their gone entry and by their target path (ordering phase only). */
        private final Map<Gone, Pair> pendingByGone = new HashMap<>();
        private final Map<String, Pair> pendingByTarget = new HashMap<>();

        MoveFinder(ScanResult scan, EntryTable rows, NavigableMap<String, Entry> recorded, TreeSet<String> devs,
                TreeMap<String, Entry> foreign, Filter filter) {
            this.rows = rows;
            this.foreignOut = foreign;
            this.filter = filter;
            this.scan = scan;
            this.source = scan.entries();
            this.recorded = recorded;
            this.view = recorded;
            this.devsOut = devs;
            this.devs = devs;
            this.foreign = foreign;
        }

        /**
         * Matches in two phases. First, source entries parents first against a scratch view
         * with each match applied at once, so a renamed directory is one move and what it
         * carries needs nothing. Then the matched moves are applied again, to the real view, in
         * an order the destination can follow: a move waits for every pending move whose source
         * path is at or above its target (that path must be vacated before the new directory is
         * made there), and for the pending move whose target is above its own (that directory
         * must be in place). A cycle of such waits is broken by dropping the move that closes
         * it: its entry is deleted and sent instead. A move no longer possible when its turn
         * comes is dropped the same way.
         */
        List<Move> find() {
            SortedEntries.Cursor inSource = new SortedEntries.Cursor(source);
            for (Entry r : unlikeScan(recorded, rows)) {
                Entry now = inSource.get(r.path());
                if (r.inode() != 0 && (now == null || !now.sameIdentity(r)) && !scan.isUnknown(r.path())
                        && !filter.hides(r.path(), r.isDirectory())) {
                    Gone g = new Gone(r);
                    byInode.computeIfAbsent(r.inode(), k -> new ArrayList<>(1)).add(g);
                    byPath.put(r.path(), g);
                }
            }
            if (byInode.isEmpty()) {
                return List.of();
            }
            // Phase 1: match, on scratch copies of the view, deviations and extras.
            devs = new TreeSet<>(devsOut);
            foreign = new TreeMap<>(foreignOut);
            List<Pair> pairs = new ArrayList<>();
            for (Entry s : source.values()) {
                if (s.inode() == 0 || recorded.containsKey(s.path()) || view.containsKey(s.path())) {
                    continue;
                }
                List<Gone> same = byInode.get(s.inode());
                if (same == null) {
                    continue;
                }
                for (Gone g : same) {
                    if (movable(g, s)) {
                        g.used = true;
                        apply(view.get(g.path), s);
                        pairs.add(new Pair(g, s));
                        break;
                    }
                }
            }
            if (pairs.isEmpty()) {
                view = recorded;
                devs = devsOut;
                foreign = foreignOut;
                return List.of();
            }
            // Phase 2: start again from the recorded tree and apply the moves in a safe order.
            view = recorded;
            devs = devsOut;
            foreign = foreignOut;
            byPath.clear();
            for (List<Gone> gs : byInode.values()) {
                for (Gone g : gs) {
                    g.path = g.recorded.path();
                    byPath.put(g.path, g);
                }
            }
            for (Pair p : pairs) {
                pendingByGone.put(p.gone, p);
                pendingByTarget.put(p.to.path(), p);
            }
            List<Move> moves = new ArrayList<>(pairs.size());
            Deque<Pair> stack = new ArrayDeque<>();
            for (Pair first : pairs) {
                if (!first.pending) {
                    continue;
                }
                first.onStack = true;
                stack.push(first);
                while (!stack.isEmpty()) {
                    Pair top = stack.peek();
                    Pair before = top.pending ? blocker(top) : null;
                    if (before == null || before.onStack) {
                        // Free to go, or closing a cycle (then dropped, which frees the others).
                        stack.pop();
                        top.onStack = false;
                        if (top.pending) {
                            settle(top);
                            if (before == null && stillMovable(top)) {
                                moves.add(apply(view.get(top.gone.path), top.to));
                            } else {
                                top.gone.used = false;
                            }
                        }
                    } else {
                        before.onStack = true;
                        stack.push(before);
                    }
                }
            }
            return moves;
        }

        private void settle(Pair p) {
            p.pending = false;
            pendingByGone.remove(p.gone);
            pendingByTarget.remove(p.to.path(), p);
        }

        /** A pending move that must happen before {@code p}, or null. */
        private Pair blocker(Pair p) {
            String target = p.to.path();
            for (String a = target; !a.isEmpty(); a = Entry.parentOf(a)) {
                Gone g = byPath.get(a);
                Pair q = g == null || g == p.gone ? null : pendingByGone.get(g);
                if (q != null) {
                    return q;
                }
                if (!a.equals(target)) {
                    q = pendingByTarget.get(a);
                    if (q != null && q != p) {
                        return q;
                    }
                }
            }
            return null;
        }

        /** The checks of the match, against the view as it is when the move's turn comes. */
        private boolean stillMovable(Pair p) {
            Gone g = p.gone;
            String to = p.to.path();
            if (!view.containsKey(g.path) || view.containsKey(to) || scan.isUnknown(g.path)
                    || Entry.isAtOrBelow(to, g.path)) {
                return false;
            }
            Entry there = source.get(g.path);
            return there == null || !there.sameIdentity(g.recorded);
        }

        private boolean movable(Gone g, Entry s) {
            Entry r = g.recorded;
            if (g.used || !r.sameIdentity(s) || r.type() != s.type()) {
                return false;
            }
            boolean sameContent = switch (s.type()) {
                case FILE -> r.size() == s.size() && r.mtimeNanos() == s.mtimeNanos();
                case SYMLINK -> r.linkTarget().equals(s.linkTarget());
                case DIRECTORY -> true;
            };
            if (!sameContent || !view.containsKey(g.path) || scan.isUnknown(g.path)
                    || Entry.isAtOrBelow(s.path(), g.path)) {
                return false;
            }
            // An ancestor's move may have carried it to where the source has it anyway.
            Entry there = source.get(g.path);
            if (there != null && there.sameIdentity(r)) {
                return false;
            }
            // A directory's own deviation is its mtime after local additions; those move along.
            return s.isDirectory() || !devs.contains(g.path);
        }

        /** Moves {@code from} and its subtree in the view; returns the move. */
        private Move apply(Entry from, Entry to) {
            String a = from.path();
            String b = to.path();
            if (view == recorded) {
                // Copied only now: a run without moves (the usual case) keeps one map of a large tree.
                view = recorded instanceof EntryOverlay overlay ? overlay.copy() : new TreeMap<>(recorded);
            }
            List<Entry> tree = new ArrayList<>();
            tree.add(view.remove(a));
            if (from.isDirectory()) {
                tree.addAll(SortedEntries.removeBelow(view, a));
                NavigableSet<String> devsBelow = devs.subSet(a + "/", true, a + "0", false);
                List<String> movedDevs = new ArrayList<>(devsBelow);
                devsBelow.clear();
                movedDevs.forEach(d -> devs.add(Entry.rebase(d, a, b)));
                // The destination's own entries below a renamed directory move along with it.
                NavigableMap<String, Entry> foreignBelow = foreign.subMap(a + "/", true, a + "0", false);
                List<Entry> carried = new ArrayList<>(foreignBelow.values());
                foreignBelow.clear();
                carried.forEach(x -> foreign.put(Entry.rebase(x.path(), a, b), x.withPath(Entry.rebase(x.path(), a, b))));
            }
            if (devs.remove(a)) {
                devs.add(b);
            }
            for (Entry e : tree) {
                String np = Entry.rebase(e.path(), a, b);
                view.put(np, e.withPath(np));
                Gone g = byPath.remove(e.path());
                if (g != null) {
                    g.path = np;
                    byPath.put(np, g);
                }
            }
            Collections.reverse(tree);
            return new Move(from, to, tree);
        }
    }
}
