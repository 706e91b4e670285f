package io.farsync.sync;

import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.Scanner;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What one sync compares: the whole tree, or only some subtrees (a continuous sync's batch, the
 * paths its watcher hinted at). Both endpoints scan the subtrees plus their ancestors' own entries
 * and load the same part of their snapshots, so a change, a delete or a move inside the scope is
 * found exactly as a whole-tree sync would find it, while nothing outside it is looked at. Events
 * are only hints: the scan and the snapshot still decide what changed.
 *
 * <p>Immutable. The subtrees are relative paths, none below another.
 */
public final class Scope {
    /** Everything: the one-time sync. */
    public static final Scope WHOLE = new Scope(List.of());

    /** Sorted; empty for the whole tree. */
    private final List<String> subtrees;

    private Scope(List<String> subtrees) {
        this.subtrees = List.copyOf(subtrees);
    }

    /**
     * The subtrees at {@code paths} (relative, validated as wire paths); a path below another is
     * dropped, and {@code ""} anywhere makes it {@link #WHOLE}. No paths at all is an empty scope
     * only if {@code paths} is empty: use {@link #WHOLE} for everything.
     */
    public static Scope of(Collection<String> paths) {
        TreeSet<String> sorted = new TreeSet<>();
        for (String p : paths) {
            if (p.isEmpty()) {
                return WHOLE;
            }
            sorted.add(PathJail.checkWirePath(p));
        }
        List<String> kept = new ArrayList<>();
        for (String p : sorted) {
            // sorted order puts "a" before "a/b" (and "a-b" between them, which is not below "a")
            if (kept.stream().noneMatch(k -> Entry.isAtOrBelow(p, k))) {
                kept.add(p);
            }
        }
        return kept.isEmpty() ? WHOLE : new Scope(kept);
    }

    public boolean isWhole() {
        return subtrees.isEmpty();
    }

    /** The subtrees; empty for the whole tree. */
    public List<String> paths() {
        return subtrees;
    }

    /**
     * This scope as the source must use it: a subtree whose ancestor is gone or is no longer a
     * directory becomes that ancestor's subtree, so deleting the ancestor also covers every
     * recorded entry below it, not only the hinted ones.
     */
    Scope widen(Path root) {
        if (isWhole()) {
            return this;
        }
        List<String> widened = new ArrayList<>();
        for (String p : subtrees) {
            widened.add(firstBrokenAncestor(root, p));
        }
        return of(widened);
    }

    private static String firstBrokenAncestor(Path root, String path) {
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            String ancestor = path.substring(0, slash);
            if (!Files.isDirectory(root.resolve(ancestor), LinkOption.NOFOLLOW_LINKS)) {
                return ancestor;
            }
        }
        return path;
    }

    /** A scope as the source scanned it, and the scan. */
    record Scanned(Scope scope, ScanResult scan) {
    }

    /** Tries of {@link #scanAtSource} before it scans the whole tree instead. */
    private static final int MAX_WIDENINGS = 3;

    /**
     * This scope {@link #widen widened} and scanned at the source. The ancestors are checked
     * before the scan, so one renamed or removed in between (the tree is live) would be missing
     * from the scan while its record is loaded: the plan would delete that whole directory at the
     * destination without looking at its other entries, which the destination then keeps it for
     * while both sides forget it. So if an ancestor is missing, widen and scan again; after
     * {@value #MAX_WIDENINGS} tries, scan the whole tree. {@code filter} is the scanner's (an
     * ancestor it excludes is never scanned, nor deleted). {@code beforeScan} runs before the
     * first scan (tests race it there).
     */
    Scanned scanAtSource(Path root, Scanner scanner, Filter filter, Runnable beforeScan) {
        Scope effective = widen(root);
        beforeScan.run();
        ScanResult scan = effective.scan(scanner, root);
        for (int tries = 1; !effective.ancestorsIn(scan, filter); tries++) {
            effective = tries < MAX_WIDENINGS ? widen(root) : WHOLE;
            scan = effective.scan(scanner, root);
        }
        return new Scanned(effective, scan);
    }

    /** True if every ancestor of the subtrees is a directory in {@code scan} (or one it could not or must not look at). */
    private boolean ancestorsIn(ScanResult scan, Filter filter) {
        for (String p : subtrees) {
            for (String a = Entry.parentOf(p); !a.isEmpty(); a = Entry.parentOf(a)) {
                Entry e = scan.entries().get(a);
                if ((e == null || !e.isDirectory()) && !scan.isUnknown(a) && !filter.hides(a, true)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Scans the scope (see {@link Scanner#scan(Path, Collection)}). */
    ScanResult scan(Scanner scanner, Path root) {
        return isWhole() ? scanner.scan(root) : scanner.scan(root, subtrees);
    }

    /**
     * The recorded entries in the scope, and those of the subtrees' ancestors; unchanged ones
     * share the objects of {@code scan} ({@link SnapshotStore#loadAll(NavigableMap)}).
     */
    NavigableMap<String, Entry> load(SnapshotStore snapshot, ScanResult scan) {
        if (isWhole()) {
            return snapshot.loadAll(scan.entries());
        }
        NavigableMap<String, Entry> recorded = new java.util.TreeMap<>();
        for (String p : subtrees) {
            recorded.putAll(snapshot.loadSubtree(p));
            for (String a = Entry.parentOf(p); !a.isEmpty(); a = Entry.parentOf(a)) {
                if (!recorded.containsKey(a)) {
                    snapshot.get(a).ifPresent(e -> recorded.put(e.path(), e));
                }
            }
        }
        return recorded;
    }

    /**
     * True if the source root holds nothing: a scoped scan cannot tell, and an empty source
     * (an unmounted disk) must be caught whatever the scope.
     */
    static boolean rootEmpty(Path root, Scope scope, ScanResult scan) {
        if (scope.isWhole()) {
            return scan.entries().isEmpty();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return isWhole() ? "whole tree" : subtrees.size() + (subtrees.size() == 1 ? " subtree" : " subtrees");
    }
}
