package io.farsync.transport.core;

import java.util.Arrays;

/**
 * A set of {@code long}s kept as sorted, non-overlapping, non-adjacent half-open ranges
 * {@code [start, end)}: received packet numbers, acknowledged and lost stream bytes, received
 * stream bytes. Two parallel sorted arrays with binary search; the common case (adding at the
 * top, as packets and bytes mostly arrive in order) is O(1), anything else is an O(ranges)
 * array copy, which stays cheap because callers bound the number of ranges.
 */
final class RangeSet {

    private long[] starts = new long[8];
    private long[] ends = new long[8];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long start(int i) {
        return starts[i];
    }

    long end(int i) {
        return ends[i];
    }

    /** The largest member plus one; only valid when not empty. */
    long max() {
        return ends[size - 1];
    }

    boolean contains(long value) {
        int i = firstEndAbove(value);
        return i < size && starts[i] <= value;
    }

    /** True when every value of {@code [start, end)} is in the set. */
    boolean containsAll(long start, long end) {
        if (start >= end) {
            return true;
        }
        int i = firstEndAbove(start);
        return i < size && starts[i] <= start && ends[i] >= end;
    }

    /** Index of the first range whose end is greater than {@code value}, or {@link #size()}. */
    int firstEndAbove(long value) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private int firstStartAbove(long value) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] > value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Adds {@code [start, end)}, merging with overlapping or adjacent ranges. */
    void add(long start, long end) {
        if (start >= end) {
            return;
        }
        if (size == 0 || start > ends[size - 1]) {
            insert(size, start, end);
            return;
        }
        if (start >= starts[size - 1]) {
            ends[size - 1] = Math.max(ends[size - 1], end);
            return;
        }
        int i = firstEndAbove(start - 1);     // first range that ends at or after start
        int j = firstStartAbove(end);         // first range that starts after end
        if (i == j) {
            insert(i, start, end);
            return;
        }
        starts[i] = Math.min(start, starts[i]);
        ends[i] = Math.max(end, ends[j - 1]);
        delete(i + 1, j);
    }

    /** Removes {@code [start, end)}, splitting a range that contains it. */
    void remove(long start, long end) {
        if (start >= end || size == 0) {
            return;
        }
        int i = firstEndAbove(start);
        while (i < size && starts[i] < end) {
            long a = starts[i];
            long b = ends[i];
            if (a < start && b > end) {
                ends[i] = start;
                insert(i + 1, end, b);
                return;
            } else if (a < start) {
                ends[i] = start;
                i++;
            } else if (b > end) {
                starts[i] = end;
                return;
            } else {
                delete(i, i + 1);
            }
        }
    }

    /** Drops the {@code n} lowest ranges. */
    void removeFirst(int n) {
        delete(0, Math.min(n, size));
    }

    void clear() {
        size = 0;
    }

    private void insert(int index, long start, long end) {
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            ends = Arrays.copyOf(ends, size * 2);
        }
        System.arraycopy(starts, index, starts, index + 1, size - index);
        System.arraycopy(ends, index, ends, index + 1, size - index);
        starts[index] = start;
        ends[index] = end;
        size++;
    }

    private void delete(int from, int to) {
        if (from >= to) {
            return;
        }
        System.arraycopy(starts, to, starts, from, size - to);
        System.arraycopy(ends, to, ends, from, size - to);
        size -= to - from;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(starts[i]).append("..").append(ends[i]);
        }
        return sb.append(']').toString();
    }
}
