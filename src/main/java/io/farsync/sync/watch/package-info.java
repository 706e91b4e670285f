/**
 * Watching a local tree for continuous sync. Callers need four types: {@link
 * io.farsync.sync.watch.Watchers#create} builds a {@link io.farsync.sync.watch.TreeWatcher}
 * (native events through the JDK WatchService, inotify on Linux, falling back to polling when the
 * watch limit is reached; or polling from the start, for network file systems) that reports hints
 * to a {@link io.farsync.sync.watch.ChangeListener}; a {@link io.farsync.sync.watch.ChangeAggregator}
 * turns the hints into {@link io.farsync.sync.watch.Batch}es once the tree has been quiet for the
 * cooloff period.
 *
 * <pre>{@code
 * ChangeAggregator agg = new ChangeAggregator(root, Settings.withCooloff(Duration.ofSeconds(1)), System::nanoTime);
 * try (TreeWatcher w = Watchers.create(root, WatchMode.AUTO, Set.of(stateDir), listenerFeeding(agg))) {
 *     w.start();                       // changes from here on are reported
 *     while ((batch = agg.await(Long.MAX_VALUE)) != null) {
 *         runOneTimeSync();             // the snapshots decide what actually changed
 *     }
 * }
 * }</pre>
 *
 * <p>Hints are only hints: duplicated, spurious or coarse (a rescan of a subtree after the event
 * queue overflowed) but never silently missing: what cannot be watched is announced through
 * {@link io.farsync.sync.watch.ChangeListener#warning} and covered by polling or rescans. Memory
 * is bounded by the number of watched directories and a fixed number of pending paths, never by
 * running time.
 */
package io.farsync.sync.watch;
