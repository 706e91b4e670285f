package io.farsync.sync.scan;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.SortedMap;

/**
 * What the engine's compact path-ordered maps ({@link EntryTable}, {@link EntryOverlay}) share:
 * natural {@link String} order, views of the entries made from one iterator in path order, and
 * {@link UnsupportedOperationException} for every navigation a subclass does not offer (a wrong
 * use fails loudly instead of silently copying a large tree).
 *
 * <p>(Inside a {@code Map}, the simple name {@code Entry} is {@code Map.Entry}: the engine's
 * entry is written out in full here and in the subclasses.)
 */
abstract class EntryMapBase extends AbstractMap<String, io.farsync.sync.scan.Entry>
        implements NavigableMap<String, io.farsync.sync.scan.Entry> {

    /** The entries in path order; the iterator need not support removal. */
    abstract Iterator<io.farsync.sync.scan.Entry> entries();

    @Override
    public final Collection<io.farsync.sync.scan.Entry> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<io.farsync.sync.scan.Entry> iterator() {
                return entries();
            }

            @Override
            public int size() {
                return EntryMapBase.this.size();
            }
        };
    }

    @Override
    public final Set<Map.Entry<String, io.farsync.sync.scan.Entry>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, io.farsync.sync.scan.Entry>> iterator() {
                Iterator<io.farsync.sync.scan.Entry> it = entries();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Map.Entry<String, io.farsync.sync.scan.Entry> next() {
                        io.farsync.sync.scan.Entry e = it.next();
                        return new SimpleImmutableEntry<>(e.path(), e);
                    }
                };
            }

            @Override
            public int size() {
                return EntryMapBase.this.size();
            }
        };
    }

    @Override
    public final Comparator<? super String> comparator() {
        return null;
    }

    UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(getClass().getSimpleName() + " has no " + what);
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> lowerEntry(String key) {
        throw unsupported("lowerEntry");
    }

    @Override
    public String lowerKey(String key) {
        return keyOrNull(lowerEntry(key));
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> floorEntry(String key) {
        throw unsupported("floorEntry");
    }

    @Override
    public String floorKey(String key) {
        return keyOrNull(floorEntry(key));
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> ceilingEntry(String key) {
        throw unsupported("ceilingEntry");
    }

    @Override
    public String ceilingKey(String key) {
        return keyOrNull(ceilingEntry(key));
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> higherEntry(String key) {
        throw unsupported("higherEntry");
    }

    @Override
    public String higherKey(String key) {
        return keyOrNull(higherEntry(key));
    }

    private static String keyOrNull(Map.Entry<String, io.farsync.sync.scan.Entry> e) {
        return e == null ? null : e.getKey();
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> firstEntry() {
        throw unsupported("firstEntry");
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> lastEntry() {
        throw unsupported("lastEntry");
    }

    @Override
    public String firstKey() {
        throw unsupported("firstKey");
    }

    @Override
    public String lastKey() {
        throw unsupported("lastKey");
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> pollFirstEntry() {
        throw unsupported("pollFirstEntry");
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> pollLastEntry() {
        throw unsupported("pollLastEntry");
    }

    @Override
    public NavigableMap<String, io.farsync.sync.scan.Entry> descendingMap() {
        throw unsupported("descending view");
    }

    @Override
    public NavigableSet<String> navigableKeySet() {
        throw unsupported("navigable key set");
    }

    @Override
    public NavigableSet<String> descendingKeySet() {
        throw unsupported("descending view");
    }

    @Override
    public NavigableMap<String, io.farsync.sync.scan.Entry> subMap(String fromKey, boolean fromInclusive, String toKey,
            boolean toInclusive) {
        throw unsupported("sub-map view");
    }

    @Override
    public NavigableMap<String, io.farsync.sync.scan.Entry> headMap(String toKey, boolean inclusive) {
        throw unsupported("sub-map view");
    }

    @Override
    public NavigableMap<String, io.farsync.sync.scan.Entry> tailMap(String fromKey, boolean inclusive) {
        throw unsupported("sub-map view");
    }

    @Override
    public SortedMap<String, io.farsync.sync.scan.Entry> subMap(String fromKey, String toKey) {
        return subMap(fromKey, true, toKey, false);
    }

    @Override
    public SortedMap<String, io.farsync.sync.scan.Entry> headMap(String toKey) {
        return headMap(toKey, false);
    }

    @Override
    public SortedMap<String, io.farsync.sync.scan.Entry> tailMap(String fromKey) {
        return tailMap(fromKey, true);
    }
}
