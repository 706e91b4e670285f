package io.farsync.sync.scan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A sorted, mutable map of entries kept as a difference against a scan: a row of the scan's
 * {@link EntryTable} marked by one bit is present with exactly the scan's values; every other
 * entry is held in a small map of its own. An endpoint's snapshot is loaded this way
 * ({@code SnapshotStore.loadAll}), so an unchanged entry, the usual case, costs one bit beside
 * the scan instead of a second object and tree node (~230 bytes a row before; see
 * docs/PERFORMANCE.md, "Scale, session 4").
 *
 * <p>Invariant: a path is either a marked row or a key of the own map, never both. Iteration
 * merges the two in path order; iterators do not support removal. Of the navigation methods
 * none is offered ({@link #removeBelow} stands for the one sub-map use the engine has).
 */
public final class EntryOverlay extends EntryMapBase {

    private final EntryTable base;
    private final BitSet same;
    private int marked;
    private final TreeMap<String, io.farsync.sync.scan.Entry> own;

    /** An empty map over {@code base}: rows become present by {@link #markSame}. */
    public EntryOverlay(EntryTable base) {
        this(base, new BitSet(base.size()), 0, new TreeMap<>());
    }

    private EntryOverlay(EntryTable base, BitSet same, int marked, TreeMap<String, io.farsync.sync.scan.Entry> own) {
        this.base = base;
        this.same = same;
        this.marked = marked;
        this.own = own;
    }

    /** A copy that changes independently of this map (the base is shared: it is read-only). */
    public EntryOverlay copy() {
        return new EntryOverlay(base, (BitSet) same.clone(), marked, new TreeMap<>(own));
    }

    /**
     * Makes row {@code i} of the base present, as it is there. Its path must not be a key of the
     * own map (as when loading rows of distinct paths): checking would decode every path.
     */
    public void markSame(int i) {
        if (!same.get(i)) {
            same.set(i);
            marked++;
        }
    }

    /**
     * True if row {@code i} of {@code table} is present here exactly as it is there: this map is
     * over that very table and the row is marked. Decodes nothing.
     */
    public boolean holdsRow(EntryTable table, int i) {
        return table == base && same.get(i);
    }

    /**
     * The entries other than marked rows of {@code table}, in path order (read-only): the own
     * map's when this map is over that table, else every entry. Where the table is a scan, these
     * are the only entries that can differ from it or be gone from it.
     */
    public java.util.Collection<io.farsync.sync.scan.Entry> entriesBesides(EntryTable table) {
        return table == base ? java.util.Collections.unmodifiableCollection(own.values()) : values();
    }

    /** The present base row of {@code path}, or -1. */
    private int markedRow(String path) {
        int i = base.indexOf(path);
        return i >= 0 && same.get(i) ? i : -1;
    }

    @Override
    public io.farsync.sync.scan.Entry get(Object key) {
        if (!(key instanceof String path)) {
            return null;
        }
        io.farsync.sync.scan.Entry e = own.get(path);
        if (e != null) {
            return e;
        }
        int i = markedRow(path);
        return i >= 0 ? base.entryAt(i) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String path && (own.containsKey(path) || markedRow(path) >= 0);
    }

    @Override
    public io.farsync.sync.scan.Entry put(String path, io.farsync.sync.scan.Entry e) {
        io.farsync.sync.scan.Entry before = unmark(path);
        io.farsync.sync.scan.Entry replaced = own.put(path, e);
        return before != null ? before : replaced;
    }

    @Override
    public io.farsync.sync.scan.Entry remove(Object key) {
        if (!(key instanceof String path)) {
            return null;
        }
        io.farsync.sync.scan.Entry e = own.remove(path);
        return e != null ? e : unmark(path);
    }

    /** Clears the mark of {@code path}'s row; returns its entry if it was present. */
    private io.farsync.sync.scan.Entry unmark(String path) {
        int i = markedRow(path);
        if (i < 0) {
            return null;
        }
        same.clear(i);
        marked--;
        return base.entryAt(i);
    }

    /** Removes the entries strictly below directory {@code dir}; returns them in path order. */
    public List<io.farsync.sync.scan.Entry> removeBelow(String dir) {
        String lo = dir + "/";
        String hi = dir + "0";    // '0' follows '/': [dir/, dir0) is everything below dir
        List<io.farsync.sync.scan.Entry> out = new ArrayList<>();
        int first = base.indexOf(lo);
        first = first >= 0 ? first : -first - 1;
        int end = base.indexOf(hi);
        end = end >= 0 ? end : -end - 1;
        SortedMap<String, io.farsync.sync.scan.Entry> ownBelow = own.subMap(lo, hi);
        Iterator<io.farsync.sync.scan.Entry> mine = new ArrayList<>(ownBelow.values()).iterator();
        ownBelow.clear();
        io.farsync.sync.scan.Entry m = mine.hasNext() ? mine.next() : null;
        for (int i = same.nextSetBit(first); i >= 0 && i < end; i = same.nextSetBit(i + 1)) {
            io.farsync.sync.scan.Entry b = base.entryAt(i);
            while (m != null && m.path().compareTo(b.path()) < 0) {
                out.add(m);
                m = mine.hasNext() ? mine.next() : null;
            }
            out.add(b);
            same.clear(i);
            marked--;
        }
        while (m != null) {
            out.add(m);
            m = mine.hasNext() ? mine.next() : null;
        }
        return out;
    }

    @Override
    public int size() {
        return marked + own.size();
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public void clear() {
        same.clear();
        marked = 0;
        own.clear();
    }

    @Override
    Iterator<io.farsync.sync.scan.Entry> entries() {
        return new Merged();
    }

    /** The marked rows and the own entries, merged in path order. */
    private final class Merged implements Iterator<io.farsync.sync.scan.Entry> {
        private final Iterator<io.farsync.sync.scan.Entry> mine = own.values().iterator();
        private io.farsync.sync.scan.Entry m;
        private int row;

        Merged() {
            this.m = mine.hasNext() ? mine.next() : null;
            this.row = same.nextSetBit(0);
        }

        @Override
        public boolean hasNext() {
            return m != null || row >= 0;
        }

        @Override
        public io.farsync.sync.scan.Entry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            io.farsync.sync.scan.Entry e;
            if (row >= 0 && (m == null || base.comparePathAt(row, m.path()) < 0)) {
                e = base.entryAt(row);
                row = same.nextSetBit(row + 1);
            } else {
                e = m;
                m = mine.hasNext() ? mine.next() : null;
            }
            return e;
        }
    }
}
