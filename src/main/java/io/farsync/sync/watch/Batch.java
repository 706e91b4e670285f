package io.farsync.sync.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Changes released together by a {@link ChangeAggregator}: one sync covers them all.
 *
 * @param hints     change hints received (events, rescans), however many paths they named
 * @param paths     the distinct paths named, at most the aggregator's limit; empty when {@code wholeTree}
 * @param wholeTree too many paths to list, or a rescan of the root: everything must be compared
 * @param reasons   why beyond plain changes ("periodic scan", "the event queue overflowed"); a few at most
 * @param waited    from the first hint (or request) to the release
 */
public record Batch(long hints, Set<Path> paths, boolean wholeTree, Set<String> reasons, Duration waited) {
    public Batch {
        paths = Set.copyOf(paths);
        reasons = Set.copyOf(reasons);
    }
}
