package io.farsync.sync.scan;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A read-only map of entries by path, sorted ({@link String#compareTo}), stored column by column
 * in primitive arrays: each path as UTF-8 bytes in one shared array, size, mtime and inode in
 * arrays of their own, and the fields most rows share (type, mode, device, owner, link count) as
 * an index into a small table of the distinct tuples. An {@link Entry} is made only when one is
 * asked for.
 *
 * <p>Why: a scanned tree held as {@code Entry} objects in a {@code TreeMap} costs ~190 bytes of
 * heap per entry (record, path string, tree node); one endpoint of a 1,000,000-file re-sync held
 * two such maps, both endpoints ~0.6 GB (docs/PERFORMANCE.md). Here an entry costs its path's
 * bytes plus ~32 bytes, so both endpoints of that re-sync fit in {@code -Xmx256m}. Lookups are a
 * binary search that compares the asked path with the stored bytes in place, without decoding.
 *
 * <p>Views ({@link #subMap}, {@link #headMap}, {@link #tailMap}) share the arrays and are tables
 * over a range of rows. Mutators throw {@link UnsupportedOperationException}; so do the
 * descending views and polls, which nothing in the engine asks a table for.
 */
public final class EntryTable extends EntryMapBase {

    /** What many rows share: their type, mode, device, owner and link count. */
    private record Kind(EntryType type, int mode, long device, int uid, int gid, int nlink) {
    }

    private final Columns c;
    private final int from;
    private final int to;

    private EntryTable(Columns c, int from, int to) {
        this.c = c;
        this.from = from;
        this.to = to;
    }

    /** The empty table. */
    public static EntryTable empty() {
        return new Builder(0).build();
    }

    /** The rows of every table: a view is a range of them. */
    private static final class Columns {
        byte[] paths;
        /** Row i's path is {@code paths[ends[i - 1] .. ends[i])} (from 0 for row 0). */
        int[] ends;
        long[] sizes;
        long[] mtimes;
        long[] inodes;
        /**
         * Row i's type, mode, device, owner and link count: {@code kinds[ofKind[i]]}. A tree has
         * few distinct such tuples, so one int a row stands for 25 bytes of columns.
         */
        int[] ofKind;
        List<Kind> kinds = new ArrayList<>();
        /** Null while every row's hash is 0 (no {@code --xattrs}): 8 bytes a row saved. */
        long[] xattrs;
        /** Symlink targets by row: symlinks are few, a column for them would be mostly empty. */
        Map<Integer, String> links = new HashMap<>();
        int count;
        int pathBytes;

        int start(int i) {
            return i == 0 ? 0 : ends[i - 1];
        }
    }

    /**
     * Appends rows in ascending path order; {@link #build} makes the table. Not thread-safe. The
     * order is the caller's to keep (the scanner sorts each listing, {@link #merge} merges):
     * checking it here cost 6.5 % of the CPU samples of a 200,000-entry re-sync (JFR).
     */
    public static final class Builder {
        private final Columns c = new Columns();

        /** @param capacity rows expected (grows beyond it) */
        public Builder(int capacity) {
            this(capacity, Math.max(capacity, 1) * 24);
        }

        /** @param capacity rows expected, @param pathBytes their paths' UTF-8 bytes (both grow beyond) */
        public Builder(int capacity, int pathBytes) {
            int n = Math.max(capacity, 1);
            c.paths = new byte[Math.max(pathBytes, 16)];
            c.ends = new int[n];
            c.sizes = new long[n];
            c.mtimes = new long[n];
            c.inodes = new long[n];
            c.ofKind = new int[n];
        }

        /** Appends {@code e}, whose path must sort after the previous row's (not checked). */
        public Builder add(io.farsync.sync.scan.Entry e) {
            byte[] path = e.path().getBytes(StandardCharsets.UTF_8);
            int i = open(path, 0, path.length);
            c.sizes[i] = e.size();
            c.mtimes[i] = e.mtimeNanos();
            c.inodes[i] = e.inode();
            c.ofKind[i] = kindIndex(new Kind(e.type(), e.mode(), e.device(), e.uid(), e.gid(), e.nlink()));
            setXattr(i, e.xattrHash());
            if (e.linkTarget() != null) {
                c.links.put(i, e.linkTarget());
            }
            return this;
        }

        /** Appends row {@code index} of {@code t} (no {@link Entry} made). */
        public void copy(EntryTable t, int index) {
            Columns s = t.c;
            int row = t.from + index;
            int i = open(s.paths, s.start(row), s.ends[row]);
            c.sizes[i] = s.sizes[row];
            c.mtimes[i] = s.mtimes[row];
            c.inodes[i] = s.inodes[row];
            c.ofKind[i] = kindIndex(s.kinds.get(s.ofKind[row]));
            setXattr(i, s.xattrs == null ? 0 : s.xattrs[row]);
            String link = s.links.isEmpty() ? null : s.links.get(row);
            if (link != null) {
                c.links.put(i, link);
            }
        }

        private final Map<Kind, Integer> kindIndex = new HashMap<>();
        /** The last kind looked up: consecutive rows (a directory's files) mostly share one. */
        private Kind lastKind;
        private int lastIndex;

        private int kindIndex(Kind k) {
            if (k.equals(lastKind)) {
                return lastIndex;
            }
            Integer at = kindIndex.get(k);
            if (at == null) {
                at = c.kinds.size();
                c.kinds.add(k);
                kindIndex.put(k, at);
            }
            lastKind = k;
            lastIndex = at;
            return at;
        }

        private void setXattr(int i, long hash) {
            if (hash != 0 && c.xattrs == null) {
                c.xattrs = new long[c.inodes.length];
            }
            if (c.xattrs != null) {
                c.xattrs[i] = hash;
            }
        }

        /** Adds a row with this path; returns its index. */
        private int open(byte[] path, int start, int end) {
            int i = c.count;
            if (i == c.inodes.length) {
                grow(Math.max(16, i + (i >> 1)));
            }
            int len = end - start;
            if (c.pathBytes + len > c.paths.length) {
                c.paths = Arrays.copyOf(c.paths, Math.max(c.pathBytes + len, c.paths.length + (c.paths.length >> 1)));
            }
            System.arraycopy(path, start, c.paths, c.pathBytes, len);
            c.pathBytes += len;
            c.ends[i] = c.pathBytes;
            c.count++;
            return i;
        }

        private void grow(int n) {
            c.ends = Arrays.copyOf(c.ends, n);
            c.sizes = Arrays.copyOf(c.sizes, n);
            c.mtimes = Arrays.copyOf(c.mtimes, n);
            c.inodes = Arrays.copyOf(c.inodes, n);
            c.ofKind = Arrays.copyOf(c.ofKind, n);
            if (c.xattrs != null) {
                c.xattrs = Arrays.copyOf(c.xattrs, n);
            }
        }

        /** The table of the rows added (the builder must not be used after). */
        public EntryTable build() {
            if (c.count != c.inodes.length) {
                grow(c.count);
            }
            if (c.pathBytes != c.paths.length) {
                c.paths = Arrays.copyOf(c.paths, c.pathBytes);
            }
            return new EntryTable(c, 0, c.count);
        }
    }

    // ---- rows ----

    /** The entry of row {@code i} of this table (0-based within this view). */
    public io.farsync.sync.scan.Entry entryAt(int i) {
        return entry(c, from + i);
    }

    /** The type of row {@code i} of this table (no {@link Entry} made). */
    public EntryType typeAt(int i) {
        return c.kinds.get(c.ofKind[from + i]).type;
    }

    /** The size of row {@code i} of this table (no {@link Entry} made). */
    public long sizeAt(int i) {
        return c.sizes[from + i];
    }

    /**
     * {@code map} as a table: itself if it is one, else a copy of its entries in path order
     * (whatever order the map keeps them in).
     */
    public static EntryTable copyOf(java.util.NavigableMap<String, io.farsync.sync.scan.Entry> map) {
        if (map instanceof EntryTable t) {
            return t;
        }
        List<io.farsync.sync.scan.Entry> all = new ArrayList<>(map.values());
        if (map.comparator() != null) {
            all.sort(SortedEntries.BY_PATH);
        }
        Builder b = new Builder(all.size());
        all.forEach(b::add);
        return b.build();
    }

    /** The path of row {@code i} of this table. */
    public String pathAt(int i) {
        return pathOf(c, from + i);
    }

    /**
     * The row of {@code path} in this table, or {@code -(insertion point) - 1} (as
     * {@link Arrays#binarySearch}).
     */
    public int indexOf(String path) {
        int lo = from;
        int hi = to - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = compareRow(c, mid, path);
            if (cmp < 0) {
                lo = mid + 1;
            } else if (cmp > 0) {
                hi = mid - 1;
            } else {
                return mid - from;
            }
        }
        return -(lo - from) - 1;
    }

    /** Compares row {@code i}'s path with {@code path} ({@link String#compareTo} order), decoding nothing. */
    public int comparePathAt(int i, String path) {
        return compareRow(c, from + i, path);
    }

    /**
     * Merges tables, each sorted, into one (a path in several keeps one of its rows). Runs laid in
     * the order of their first paths mostly follow one another (a scan's directory listings), so
     * each step copies rows of the smallest run while they sort below the next run's head: near
     * linear time, no {@link Entry} made. The runs are taken out of {@code runs} and each is let
     * go as soon as it is copied, so the peak heap is about one copy of the rows, not two.
     */
    public static EntryTable merge(java.util.Queue<EntryTable> runs) {
        int rows = 0;
        int bytes = 0;
        java.util.PriorityQueue<Run> heap = new java.util.PriorityQueue<>();
        for (EntryTable t = runs.poll(); t != null; t = runs.poll()) {
            if (!t.isEmpty()) {
                rows += t.size();
                bytes += t.c.start(t.to) - t.c.start(t.from);
                heap.add(new Run(t));
            }
        }
        Builder out = new Builder(rows, bytes);
        while (!heap.isEmpty()) {
            Run r = heap.poll();
            Run next = heap.peek();
            while (r.i < r.t.size() && (next == null || r.t.comparePathAt(r.i, next.head) < 0)) {
                out.copy(r.t, r.i++);
            }
            if (next != null && r.i < r.t.size() && r.t.comparePathAt(r.i, next.head) == 0) {
                r.i++;    // the same path in two runs: the other run's row is kept
            }
            if (r.i < r.t.size()) {
                r.head = r.t.pathAt(r.i);
                heap.add(r);
            }
        }
        return out.build();
    }

    /** A table being merged and its next row. */
    private static final class Run implements Comparable<Run> {
        final EntryTable t;
        int i;
        String head;

        Run(EntryTable t) {
            this.t = t;
            this.head = t.pathAt(0);
        }

        @Override
        public int compareTo(Run o) {
            return head.compareTo(o.head);
        }
    }

    /**
     * True if row {@code i} holds exactly {@code e} (as {@link Entry#equals}), checked on the
     * columns without making an entry.
     */
    public boolean rowEquals(int i, io.farsync.sync.scan.Entry e) {
        int r = from + i;
        return sameColumns(r, e.type(), e.size(), e.mtimeNanos(), e.mode(), e.device(), e.inode(), e.linkTarget(), e.uid(),
                e.gid(), e.nlink(), e.xattrHash()) && compareRow(c, r, e.path()) == 0;
    }

    /**
     * True if row {@code i} holds exactly the entry {@code v} stands for (as
     * {@link #rowEquals(int, Entry)} of {@link RowValues#toEntry}), checked without decoding its
     * path or making an entry.
     */
    public boolean rowEquals(int i, RowValues v) {
        int r = from + i;
        return sameColumns(r, v.type(), v.size(), v.mtimeNanos(), v.mode(), v.device(), v.inode(), v.linkTarget(), v.uid(),
                v.gid(), 1, v.xattrHash()) && comparePathBytes(r, v.path()) == 0;
    }

    /** True if every column of row {@code r} but its path holds the value given (an {@link Entry}'s fields, in order). */
    private boolean sameColumns(int r, EntryType type, long size, long mtimeNanos, int mode, long device, long inode,
            String linkTarget, int uid, int gid, int nlink, long xattrHash) {
        Kind k = c.kinds.get(c.ofKind[r]);
        return c.sizes[r] == size && c.mtimes[r] == mtimeNanos && c.inodes[r] == inode
                && k.type == type && k.mode == mode && k.device == device
                && k.uid == uid && k.gid == gid && k.nlink == nlink
                && (c.xattrs == null ? 0 : c.xattrs[r]) == xattrHash
                && java.util.Objects.equals(c.links.isEmpty() ? null : c.links.get(r), linkTarget);
    }

    /**
     * Compares row {@code i}'s path with the UTF-8 bytes {@code utf8} as unsigned bytes: SQLite's
     * BINARY order of text, which is {@link String#compareTo}'s but for characters above U+FFFF
     * against U+E000-U+FFFF.
     */
    public int comparePathBytesAt(int i, byte[] utf8) {
        return comparePathBytes(from + i, utf8);
    }

    private int comparePathBytes(int r, byte[] utf8) {
        return Arrays.compareUnsigned(c.paths, c.start(r), c.ends[r], utf8, 0, utf8.length);
    }

    private static io.farsync.sync.scan.Entry entry(Columns c, int r) {
        Kind k = c.kinds.get(c.ofKind[r]);
        return new io.farsync.sync.scan.Entry(pathOf(c, r), k.type, c.sizes[r], c.mtimes[r], k.mode, k.device, c.inodes[r],
                c.links.isEmpty() ? null : c.links.get(r), k.uid, k.gid, k.nlink, c.xattrs == null ? 0 : c.xattrs[r]);
    }

    private static String pathOf(Columns c, int r) {
        int s = c.start(r);
        return new String(c.paths, s, c.ends[r] - s, StandardCharsets.UTF_8);
    }

    private static int compareRow(Columns c, int r, String path) {
        return Utf8Order.compare(c.paths, c.start(r), c.ends[r], path);
    }


    // ---- the map ----

    @Override
    public int size() {
        return to - from;
    }

    @Override
    public boolean isEmpty() {
        return to == from;
    }

    @Override
    public io.farsync.sync.scan.Entry get(Object key) {
        if (!(key instanceof String path)) {
            return null;
        }
        int i = indexOf(path);
        return i >= 0 ? entryAt(i) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String path && indexOf(path) >= 0;
    }

    @Override
    Iterator<io.farsync.sync.scan.Entry> entries() {
        return new Iterator<>() {
            private int r = from;

            @Override
            public boolean hasNext() {
                return r < to;
            }

            @Override
            public io.farsync.sync.scan.Entry next() {
                if (r >= to) {
                    throw new NoSuchElementException();
                }
                return entry(c, r++);
            }
        };
    }

    /** Rows {@code [a, b)} of this view (indices within it) as a table. */
    private EntryTable range(int a, int b) {
        return new EntryTable(c, from + a, from + Math.max(a, b));
    }

    /** The first row at or above {@code key} (inclusive) or above it. */
    private int lowerBound(String key, boolean inclusive) {
        int i = indexOf(key);
        return i >= 0 ? (inclusive ? i : i + 1) : -i - 1;
    }

    /** One past the last row at or below {@code key} (inclusive) or below it. */
    private int upperBound(String key, boolean inclusive) {
        int i = indexOf(key);
        return i >= 0 ? (inclusive ? i + 1 : i) : -i - 1;
    }

    @Override
    public EntryTable subMap(String fromKey, boolean fromInclusive, String toKey, boolean toInclusive) {
        return range(lowerBound(fromKey, fromInclusive), upperBound(toKey, toInclusive));
    }

    @Override
    public EntryTable headMap(String toKey, boolean inclusive) {
        return range(0, upperBound(toKey, inclusive));
    }

    @Override
    public EntryTable tailMap(String fromKey, boolean inclusive) {
        return range(lowerBound(fromKey, inclusive), size());
    }




    private Map.Entry<String, io.farsync.sync.scan.Entry> entryOrNull(int i) {
        if (i < 0 || i >= size()) {
            return null;
        }
        io.farsync.sync.scan.Entry e = entryAt(i);
        return new SimpleImmutableEntry<>(e.path(), e);
    }


    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> lowerEntry(String key) {
        return entryOrNull(upperBound(key, false) - 1);
    }


    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> floorEntry(String key) {
        return entryOrNull(upperBound(key, true) - 1);
    }


    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> ceilingEntry(String key) {
        return entryOrNull(lowerBound(key, true));
    }


    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> higherEntry(String key) {
        return entryOrNull(lowerBound(key, false));
    }


    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> firstEntry() {
        return entryOrNull(0);
    }

    @Override
    public Map.Entry<String, io.farsync.sync.scan.Entry> lastEntry() {
        return entryOrNull(size() - 1);
    }

    @Override
    public String firstKey() {
        if (isEmpty()) {
            throw new NoSuchElementException();
        }
        return pathAt(0);
    }

    @Override
    public String lastKey() {
        if (isEmpty()) {
            throw new NoSuchElementException();
        }
        return pathAt(size() - 1);
    }





}
