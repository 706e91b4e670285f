package io.farsync.sync.version;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A version vector: for each replica that ever wrote a path, how many of its writes this version
 * has seen. Version a happened before b when every counter of a is at most b's and one is
 * smaller; neither before the other means they were written concurrently (a conflict). This is
 * the classic structure of Parker et al., "Detection of Mutual Inconsistency in Distributed
 * Systems" (1983), as Syncthing and Dynamo use it; farsync keeps one per path and replica root.
 * Immutable.
 */
public record VersionVector(Map<String, Long> counters) {

    public static final VersionVector EMPTY = new VersionVector(Map.of());

    /** How this version relates to another. */
    public enum Order {
        EQUAL, BEFORE, AFTER, CONCURRENT;

        public Order reversed() {
            return switch (this) {
                case BEFORE -> AFTER;
                case AFTER -> BEFORE;
                default -> this;
            };
        }
    }

    public VersionVector {
        TreeMap<String, Long> sorted = new TreeMap<>();
        counters.forEach((k, v) -> {
            Objects.requireNonNull(k, "replica");
            if (v < 0) {
                throw new IllegalArgumentException("counter of " + k + " (" + v + ") must not be negative");
            }
            if (v > 0) {
                sorted.put(k, v);
            }
        });
        counters = java.util.Collections.unmodifiableMap(sorted);
    }

    public long get(String replica) {
        return counters.getOrDefault(replica, 0L);
    }

    /** This version with one more write by {@code replica}. */
    public VersionVector bump(String replica) {
        TreeMap<String, Long> m = new TreeMap<>(counters);
        m.merge(replica, 1L, Long::sum);
        return new VersionVector(m);
    }

    /** The least version that has seen everything both have seen. */
    public VersionVector merge(VersionVector other) {
        TreeMap<String, Long> m = new TreeMap<>(counters);
        other.counters.forEach((k, v) -> m.merge(k, v, Math::max));
        return new VersionVector(m);
    }

    public Order compare(VersionVector other) {
        boolean less = false;
        boolean more = false;
        TreeMap<String, Long> keys = new TreeMap<>(counters);
        keys.putAll(other.counters);
        for (String k : keys.keySet()) {
            long a = get(k);
            long b = other.get(k);
            less |= a < b;
            more |= a > b;
        }
        return less && more ? Order.CONCURRENT : less ? Order.BEFORE : more ? Order.AFTER : Order.EQUAL;
    }

    /** {@code id:n,id:n} in replica order; "" for the empty vector. */
    public String encode() {
        StringBuilder sb = new StringBuilder();
        counters.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append(':').append(v));
        return sb.toString();
    }

    /** Inverse of {@link #encode}; throws IllegalArgumentException naming the bad text. */
    public static VersionVector parse(String s) {
        TreeMap<String, Long> m = new TreeMap<>();
        if (!s.isEmpty()) {
            for (String part : s.split(",")) {
                int colon = part.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("bad version vector '" + s + "'");
                }
                try {
                    m.put(part.substring(0, colon), Long.parseLong(part.substring(colon + 1)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad version vector '" + s + "'", e);
                }
            }
        }
        return new VersionVector(m);
    }

    @Override
    public String toString() {
        return "{" + encode() + "}";
    }
}
