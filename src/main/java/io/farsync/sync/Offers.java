package io.farsync.sync;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryTable;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What a source offers, by id (an item's id on the wire is its index here). A {@link Planner.Meta}
 * of a scanned entry is kept as its row in the scan's {@link EntryTable} (4 bytes) and made again
 * each time it is asked for; moves, deletes, links and entries from elsewhere are kept as objects.
 *
 * <p>Why: the first sync of a tree offers every entry. As {@code Meta} objects with their
 * {@code Entry} and path string, a 1,000,000-file offer held ~150 MB of heap for the whole run
 * (class histogram, docs/PERFORMANCE.md "Session 5"); as rows it holds 4 MB.
 */
final class Offers extends AbstractList<Planner.Item> implements RandomAccess {

    private final EntryTable table;
    private final List<Planner.Item> objects = new ArrayList<>();
    /** Per id: a row of {@link #table} (a Meta of it), or {@code -1 - i} for {@code objects.get(i)}. */
    private int[] refs = new int[16];
    private int size;
    /**
     * The index {@link #offeredAtOrBelow} answers from, built at its first call (a refused move
     * is rare) and then kept up to date by appends: the rows offered then, sorted (the table is
     * in path order), and the paths offered otherwise (objects that are not deletes, later rows).
     * Null until then and after a {@link #set}.
     */
    private int[] sortedRows;
    private TreeSet<String> otherPaths;

    /** @param table the rows {@link #addRow} refers to */
    Offers(EntryTable table) {
        this.table = table;
    }

    /** {@code items} as offers: themselves if they are, else a copy holding every item as an object. */
    static Offers of(List<Planner.Item> items) {
        if (items instanceof Offers o) {
            return o;
        }
        Offers out = new Offers(EntryTable.empty());
        out.addAll(items);
        return out;
    }

    /** The table the rows refer to. */
    EntryTable table() {
        return table;
    }

    /** Appends a Meta of {@code row} of the table. */
    void addRow(int row) {
        append(row);
    }

    /** Appends item {@code i} of {@code other}, which must have the same table, as it is kept there. */
    void addFrom(Offers other, int i) {
        int row = other.rowAt(i);
        if (row >= 0) {
            addRow(row);
        } else {
            add(other.get(i));
        }
    }

    @Override
    public boolean add(Planner.Item item) {
        objects.add(item);
        append(-objects.size());
        return true;
    }

    private void append(int ref) {
        if (size == refs.length) {
            refs = Arrays.copyOf(refs, size + (size >> 1));
        }
        refs[size++] = ref;
        if (otherPaths != null) {
            indexOther(ref);
        }
    }

    private void indexOther(int ref) {
        if (ref >= 0) {
            otherPaths.add(table.pathAt(ref));
        } else {
            Planner.Item item = objects.get(-1 - ref);
            if (!(item instanceof Planner.Delete)) {
                otherPaths.add(item.entry().path());
            }
        }
    }

    @Override
    public Planner.Item get(int i) {
        int ref = refs[checked(i)];
        return ref >= 0 ? new Planner.Meta(table.entryAt(ref)) : objects.get(-1 - ref);
    }

    @Override
    public Planner.Item set(int i, Planner.Item item) {
        Planner.Item old = get(i);
        sortedRows = null;
        otherPaths = null;
        int ref = refs[i];
        if (ref < 0) {
            objects.set(-1 - ref, item);
        } else {
            objects.add(item);
            refs[i] = -objects.size();
        }
        return old;
    }

    @Override
    public int size() {
        return size;
    }

    /** The table row item {@code i} is a Meta of, or -1 if it is kept as an object. */
    int rowAt(int i) {
        return Math.max(-1, refs[checked(i)]);
    }

    /** How many items are of {@code kind}, without making the rows' entries. */
    int count(Class<? extends Planner.Item> kind) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += refs[i] >= 0 ? (kind == Planner.Meta.class ? 1 : 0) : (kind.isInstance(objects.get(-1 - refs[i])) ? 1 : 0);
        }
        return n;
    }

    /** The items {@code keep} accepts, in order (rows stay rows). */
    Offers filtered(Predicate<Planner.Item> keep) {
        Offers out = new Offers(table);
        for (int i = 0; i < size; i++) {
            if (keep.test(get(i))) {
                out.addFrom(this, i);
            }
        }
        return out;
    }

    /**
     * The paths offered (every item but deletes) at or below {@code dir}: by binary search in
     * an index built once, so that each refused directory move does not walk every offer.
     */
    Set<String> offeredAtOrBelow(String dir) {
        if (otherPaths == null) {
            buildIndex();
        }
        int lo = bound(table.indexOf(dir));
        int hi = bound(table.indexOf(dir + "0"));    // '0' follows '/': [dir, dir0) holds dir and what is below it
        Set<String> out = new HashSet<>();
        for (int k = bound(Arrays.binarySearch(sortedRows, lo)); k < sortedRows.length && sortedRows[k] < hi; k++) {
            String path = table.pathAt(sortedRows[k]);
            if (Entry.isAtOrBelow(path, dir)) {
                out.add(path);
            }
        }
        for (String path : otherPaths.subSet(dir, true, dir + "0", false)) {
            if (Entry.isAtOrBelow(path, dir)) {
                out.add(path);
            }
        }
        return out;
    }

    private void buildIndex() {
        int rows = 0;
        for (int i = 0; i < size; i++) {
            rows += refs[i] >= 0 ? 1 : 0;
        }
        sortedRows = new int[rows];
        otherPaths = new TreeSet<>();
        rows = 0;
        for (int i = 0; i < size; i++) {
            if (refs[i] >= 0) {
                sortedRows[rows++] = refs[i];
            } else {
                indexOther(refs[i]);
            }
        }
        Arrays.sort(sortedRows);
    }

    private static int bound(int indexOf) {
        return indexOf >= 0 ? indexOf : -indexOf - 1;
    }

    private int checked(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("item " + i + " of " + size);
        }
        return i;
    }
}
