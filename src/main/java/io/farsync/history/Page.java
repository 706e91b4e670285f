package io.farsync.history;

import java.util.List;

/** One page of a search: {@code items}, and how many matched in all. */
public record Page<T>(List<T> items, long total, int limit, int offset) {
    public Page {
        items = List.copyOf(items);
    }
}
