package io.farsync.sync;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.ScanResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source's part in a bidirectional pass: reconciles its scan with the destination's reported
 * changes ({@link Reconciler}), settles conflicts it loses under keep-both by keeping its own
 * version as a conflict copy ({@link ConflictCopies}; the copy then travels like any new file),
 * and narrows the one-way plan to what this side owns: nothing the peer changed is overwritten or
 * deleted from here; the reverse pass carries it (and replaces the loser, still under its name).
 */
final class BidiSource {
    private static final Logger log = LoggerFactory.getLogger(BidiSource.class);

    private final Map<String, Reconciler.Decision> decisions;
    private final boolean trusted;
    private final NavigableMap<String, Entry> recorded;
    private final Set<String> deviations;
    private final Map<String, Entry> peer;
    /** Paths below a directory this side renamed whose contents the peer changed (see {@link #restrict}). */
    private final Set<String> movedPeerChanges = new HashSet<>();
    /** Renames met by an edit on the other side, sent as moves the destination carries ({@link RenameEdit}). */
    private final List<RenameEdit> renameEdits;
    final ScanResult scan;
    final long conflicts;

    private BidiSource(Map<String, Reconciler.Decision> decisions, boolean trusted, NavigableMap<String, Entry> recorded,
            Set<String> deviations, Map<String, Entry> peer, ScanResult scan, long conflicts, List<RenameEdit> renameEdits) {
        this.renameEdits = renameEdits;
        this.decisions = decisions;
        this.trusted = trusted;
        this.recorded = recorded;
        this.deviations = deviations;
        this.peer = peer;
        this.scan = scan;
        this.conflicts = conflicts;
    }

    /**
     * @param extras  the destination's entries now at changed or never-synced paths
     * @param trusted this side's snapshot was made with this destination: else nothing recorded is
     *                a base (every path present on both sides and different is a conflict, and
     *                nothing is deleted)
     * @param rescan  scans the root again, after conflict copies were made
     */
    static BidiSource resolve(Path root, ScanResult scan, NavigableMap<String, Entry> recorded, Set<String> deviations,
            List<Entry> extras, boolean trusted, SyncOptions options, BidiOptions bidi, boolean report, SyncListener listener,
            Supplier<ScanResult> rescan) {
        Map<String, Entry> peer = new HashMap<>();
        extras.forEach(e -> peer.put(e.path(), e));
        NavigableMap<String, Entry> base = trusted ? recorded : new TreeMap<>();
        List<RenameEdit> renameEdits = trusted && options.propagateDeletes()
                ? RenameEdit.find(root, scan, recorded, deviations, peer, options.filter(), bidi) : List.of();
        if (renameEdits.stream().anyMatch(RenameEdit::peerRenamed)) {
            scan = rescan.get();
        }
        Map<String, Reconciler.Decision> decisions = Reconciler.reconcile(base, scan.entries(), trusted ? deviations : Set.of(), peer,
                options.filter(), bidi);
        for (RenameEdit c : renameEdits) {
            // The new path carries both effects: this side's name (and, if the peer renamed, edit) wins it.
            decisions.put(c.to(), new Reconciler.Decision(Reconciler.Action.SEND, true, false, scan.entries().get(c.to()), peer.get(c.to())));
        }
        long conflicts = 0;
        boolean renamed = false;
        for (Map.Entry<String, Reconciler.Decision> e : new TreeMap<>(decisions).entrySet()) {
            Reconciler.Decision d = e.getValue();
            if (d.action() != Reconciler.Action.CONFLICT) {
                continue;
            }
            String path = e.getKey();
            conflicts++;
            String me = bidi.source() ? "SRC" : "DST";
            String other = bidi.source() ? "DST" : "SRC";
            String winner = d.hereWins() ? me : other;
            String why = d.here().isDirectory() != d.peer().isDirectory() ? "the directory"
                    : bidi.conflicts() == ConflictPolicy.SOURCE || bidi.conflicts() == ConflictPolicy.DEST ? "--conflict " + bidi.conflicts().label()
                    : d.here().mtimeNanos() == d.peer().mtimeNanos() ? "same mtime: SRC" : "newer";
            String how;
            if (d.hereWins()) {
                how = winner + "'s version (" + why + ") keeps the name; " + other
                        + (d.keepBoth() ? "'s is kept beside it as a conflict copy" : "'s is replaced");
            } else if (d.keepBoth()) {
                String copy = ConflictCopies.keep(root, path, d.here(), d.peer(), bidi.copyHost(path, d.here()));
                renamed |= copy != null;
                how = copy == null ? "both changed; " + me + "'s version could not be kept aside and is left as it is"
                        : winner + "'s version (" + why + ") keeps the name; " + me + "'s is kept as " + copy;
            } else {
                how = winner + "'s version (" + why + ") keeps the name; " + me + "'s is replaced";
            }
            log.info("conflict {}: {}", path, how);
            if (report) {
                listener.conflict(path, how);
            }
        }
        return new BidiSource(decisions, trusted, recorded, trusted ? deviations : Set.of(), peer, renamed ? rescan.get() : scan,
                conflicts, renameEdits);
    }

    /**
     * The plan without what the peer owns: its changes (metas and deletes of paths it changed,
     * conflicts it won). Directories stay when something kept lies below them. Without a trusted
     * base nothing is deleted. A directory this side renamed carries the peer's changes inside it
     * along (the destination renames what it has), so what this side left unchanged below the new
     * name is not offered over them: the reverse pass brings the peer's version here.
     */
    Planner.Plan restrict(Planner.Plan planned) {
        Planner.Plan plan = new Planner.Plan(carryRenames(planned.items()), planned.late(), planned.files(), planned.bytes());
        for (Planner.Move m : plan.moves()) {
            if (!m.from().isDirectory()) {
                continue;
            }
            String a = m.from().path();
            String b = m.entry().path();
            for (String d : deviations) {
                if (d.length() > a.length() && Entry.isAtOrBelow(d, a)) {
                    String p = Entry.rebase(d, a, b);
                    Entry mine = scan.entries().get(p);
                    Entry base = recorded.get(d);
                    if (mine == null ? peer.containsKey(d) : base != null && base.unchangedAs(mine)) {
                        movedPeerChanges.add(p);
                    }
                }
            }
        }
        Set<String> neededDirs = new HashSet<>();
        List<Planner.Item> adjusted = new ArrayList<>(plan.items().size());
        List<Boolean> keep = new ArrayList<>(plan.items().size());
        for (Planner.Item original : plan.items()) {
            Planner.Item item = original;
            Boolean k;
            if (item instanceof Planner.Delete) {
                k = trusted && !owned(item.entry().path());
                Reconciler.Decision d = decisions.get(item.entry().path());
                if (d != null && d.action() == Reconciler.Action.DELETE_AT_PEER && d.peer() != null && !d.peer().isDirectory()) {
                    // The delete had seen the peer's newer version (vectors): it deletes that version.
                    item = new Planner.Delete(d.peer());
                }
            } else if (item instanceof Planner.Move m) {
                k = true;
                if (owned(m.entry().path()) && !m.entry().isDirectory()) {
                    // The peer won the target path: only the departure from the old path is ours.
                    k = trusted && !owned(m.from().path());
                    item = new Planner.Delete(m.from());
                }
            } else {
                k = item.entry().isDirectory() ? null : !owned(item.entry().path());
            }
            if (Boolean.TRUE.equals(k)) {
                for (String p = Entry.parentOf(item.entry().path()); !p.isEmpty(); p = Entry.parentOf(p)) {
                    neededDirs.add(p);
                }
            }
            keep.add(k);
            adjusted.add(item);
        }
        List<Planner.Item> items = new ArrayList<>();
        long files = 0;
        long bytes = 0;
        for (int i = 0; i < plan.items().size(); i++) {
            Planner.Item item = adjusted.get(i);
            Boolean k = keep.get(i);
            if (k == null) {
                String p = item.entry().path();
                k = !owned(p) || neededDirs.contains(p);
            }
            if (k) {
                items.add(item);
                if (item instanceof Planner.Meta m && m.entry().isFile()) {
                    files++;
                    bytes += m.entry().size();
                }
            }
        }
        List<Planner.Delete> late = plan.late().stream().filter(d -> trusted && !owned(d.entry().path())).toList();
        return new Planner.Plan(items, late, files, bytes);
    }

    /**
     * Each rename met by an edit becomes a Move from the synced version to the new path, in
     * place of the new path's Meta (whose parents come before it) and the old path's Delete; if
     * the edit is this side's, its Meta follows the Move.
     */
    private List<Planner.Item> carryRenames(List<Planner.Item> items) {
        if (renameEdits.isEmpty()) {
            return items;
        }
        Map<String, RenameEdit> byTarget = new HashMap<>();
        Set<String> departures = new HashSet<>();
        for (RenameEdit c : renameEdits) {
            byTarget.put(c.to(), c);
            departures.add(c.from());
        }
        List<Planner.Item> out = new ArrayList<>(items.size());
        for (Planner.Item item : items) {
            String p = item.entry().path();
            RenameEdit c = item instanceof Planner.Meta ? byTarget.get(p) : null;
            if (c != null) {
                out.add(new Planner.Move(c.base(), item.entry(), List.of(c.base())));
                if (c.peerRenamed()) {
                    out.add(item);
                }
            } else if (!(item instanceof Planner.Delete && departures.contains(p))) {
                out.add(item);
            }
        }
        return out;
    }

    /** True if {@code move} is one of this pass's carried renames (see {@link RenameEdit}). */
    boolean carries(Planner.Move move) {
        return renameEdits.stream().anyMatch(c -> c.from().equals(move.from().path()) && c.to().equals(move.entry().path()));
    }

    /** True if the peer's change to {@code path} wins: this side neither offers nor deletes it. */
    boolean owned(String path) {
        if (movedPeerChanges.contains(path)) {
            return true;
        }
        Reconciler.Decision d = decisions.get(path);
        return d != null && d.peerOwns();
    }
}
