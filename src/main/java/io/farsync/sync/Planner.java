package io.farsync.sync;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.ScanResult;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides what the source offers. A source entry is a candidate unless the source's snapshot
 * records it unchanged, the destination reported no deviation there, and the snapshot was made
 * with this very destination database (else nothing recorded is trusted and the destination's
 * quick check decides). An entry recorded but gone from the source is deleted, unless the scan
 * could not read it or a parent. The parent directories of everything touched are candidates
 * too, so the destination can restore their mtimes after writing inside them.
 */
final class Planner {

    private Planner() {
    }

    /**
     * @param candidates source entries to offer, sorted (a directory before its contents)
     * @param deletes    recorded entries to delete, children before their directory
     * @param files      regular files among the candidates (an upper bound of files to send)
     * @param bytes      their total size
     */
    record Plan(List<Entry> candidates, List<Entry> deletes, long files, long bytes) {
    }

    static Plan plan(ScanResult scan, NavigableMap<String, Entry> recorded, Set<String> deviations, boolean trusted,
            boolean propagateDeletes) {
        NavigableMap<String, Entry> source = scan.entries();
        TreeMap<String, Entry> candidates = new TreeMap<>();
        for (Entry e : source.values()) {
            Entry r = recorded.get(e.path());
            if (!trusted || r == null || !r.unchangedAs(e) || deviations.contains(e.path())) {
                candidates.put(e.path(), e);
            }
        }
        List<Entry> deletes = new ArrayList<>();
        if (propagateDeletes) {
            for (Entry r : recorded.descendingMap().values()) {
                if (!source.containsKey(r.path()) && !scan.isUnknown(r.path())) {
                    deletes.add(r);
                }
            }
        }
        List<String> touched = new ArrayList<>(candidates.keySet());
        deletes.forEach(d -> touched.add(d.path()));
        for (String path : touched) {
            for (String p = Entry.parentOf(path); !p.isEmpty(); p = Entry.parentOf(p)) {
                Entry dir = source.get(p);
                if (dir == null || !dir.isDirectory() || candidates.putIfAbsent(p, dir) != null) {
                    break;
                }
            }
        }
        long files = 0;
        long bytes = 0;
        for (Entry e : candidates.values()) {
            if (e.isFile()) {
                files++;
                bytes += e.size();
            }
        }
        return new Plan(new ArrayList<>(candidates.values()), deletes, files, bytes);
    }
}
