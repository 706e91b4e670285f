package io.farsync.sync.scan;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds the path-ordered maps the engine compares (scans, snapshot loads) from arrays of entries,
 * in linear time where the array is sorted already, and shares equal entries between two such
 * maps of one endpoint.
 *
 * <p>Why: on a 200,000-entry re-sync, inserting the entries one by one into a {@code TreeMap}
 * (a walk of ~18 string comparisons each) and holding the scan's and the snapshot's copy of every
 * unchanged entry were among the largest costs in CPU and heap (JFR, docs/PERFORMANCE.md). The
 * JDK builds a {@code TreeMap} from a {@code SortedMap} in one linear pass; this class hands it a
 * read-only sorted view of the array.
 *
 * <p>Order: {@link String#compareTo}, the order of every map of the engine. SQLite's BINARY
 * collation (UTF-8 bytes) agrees with it except for characters above U+FFFF against those between
 * U+E000 and U+FFFF, so rows read in the database's order are checked and sorted again if needed.
 */
public final class SortedEntries {

    /** Orders entries as their paths: the engine's one order. */
    public static final Comparator<Entry> BY_PATH = (a, b) -> a.path().compareTo(b.path());

    private SortedEntries() {
    }

    /**
     * {@code entries} (sorted here if they are not) as a map by path; of entries with the same
     * path the last one is kept, as {@code put} one by one would.
     */
    public static TreeMap<String, Entry> treeOf(Entry[] entries) {
        if (!isSorted(entries)) {
            Arrays.parallelSort(entries, BY_PATH);    // stable: the last of equal paths stays last
            entries = lastOfEach(entries);
        }
        return new TreeMap<>(new SortedView<>(entries, Entry::path));
    }

    private static Entry[] lastOfEach(Entry[] sorted) {
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i + 1 < sorted.length && sorted[i].path().equals(sorted[i + 1].path())) {
                continue;
            }
            sorted[n++] = sorted[i];
        }
        return n == sorted.length ? sorted : Arrays.copyOf(sorted, n);
    }

    /** {@code entries} as a map by path (see {@link #treeOf(Entry[])}). */
    public static TreeMap<String, Entry> treeOf(List<Entry> entries) {
        return treeOf(entries.toArray(new Entry[0]));
    }

    private static boolean isSorted(Entry[] entries) {
        for (int i = 1; i < entries.length; i++) {
            if (entries[i - 1].path().compareTo(entries[i].path()) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Removes the entries strictly below directory {@code dir} from {@code map}; returns them in
     * path order. An {@link EntryOverlay} has no sub-map views: it does this itself.
     */
    public static List<Entry> removeBelow(NavigableMap<String, Entry> map, String dir) {
        if (map instanceof EntryOverlay overlay) {
            return overlay.removeBelow(dir);
        }
        // '0' follows '/': [dir/, dir0) is everything below dir
        NavigableMap<String, Entry> below = map.subMap(dir + "/", true, dir + "0", false);
        List<Entry> out = new java.util.ArrayList<>(below.values());
        below.clear();
        return out;
    }

    /**
     * Looks up paths of a sorted map in ascending order by walking its values once: one string
     * comparison per step instead of a tree descent per lookup. Asking for a path below the one
     * asked before is a programming error.
     */
    public static final class Cursor {
        /** Set for a map in another order than the paths' own: then each lookup is a {@code get}. */
        private final NavigableMap<String, Entry> unordered;
        private final Iterator<Entry> values;
        private Entry current;
        private String last;

        public Cursor(NavigableMap<String, Entry> map) {
            this.unordered = map.comparator() == null ? null : map;
            this.values = map.values().iterator();
            this.current = unordered == null && values.hasNext() ? values.next() : null;
        }

        /** The entry at {@code path}, or null; {@code path} must not sort before the previous one. */
        public Entry get(String path) {
            if (unordered != null) {
                return unordered.get(path);
            }
            if (last != null && last.compareTo(path) > 0) {
                throw new IllegalStateException("cursor asked for " + path + " after " + last);
            }
            last = path;
            while (current != null && current.path().compareTo(path) < 0) {
                current = values.hasNext() ? values.next() : null;
            }
            return current != null && current.path().equals(path) ? current : null;
        }

    }

    /**
     * A read-only sorted map over an array sorted by its keys: just enough for
     * {@code new TreeMap(SortedMap)}, which reads only the size and the entries in order.
     */
    private static final class SortedView<V> extends AbstractMap<String, V> implements SortedMap<String, V> {
        private final V[] values;
        private final Function<V, String> key;

        SortedView(V[] values, Function<V, String> key) {
            this.values = values;
            this.key = key;
        }

        @Override
        public Comparator<? super String> comparator() {
            return null;
        }

        @Override
        public Set<Map.Entry<String, V>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, V>> iterator() {
                    return new Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < values.length;
                        }

                        @Override
                        public Map.Entry<String, V> next() {
                            if (i >= values.length) {
                                throw new NoSuchElementException();
                            }
                            V v = values[i++];
                            return new SimpleImmutableEntry<>(key.apply(v), v);
                        }
                    };
                }

                @Override
                public int size() {
                    return values.length;
                }
            };
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public SortedMap<String, V> subMap(String fromKey, String toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<String, V> headMap(String toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<String, V> tailMap(String fromKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String firstKey() {
            throw new UnsupportedOperationException();
        }

        @Override
        public String lastKey() {
            throw new UnsupportedOperationException();
        }
    }
}
