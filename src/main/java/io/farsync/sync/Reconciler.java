package io.farsync.sync;

import io.farsync.sync.apply.Applier;
import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.version.VersionVector.Order;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeSet;

/**
 * Three-way reconciliation for bidirectional sync, seen from one endpoint ("here") facing its
 * peer. The base is the last synced state, as this side's snapshot recorded it (both snapshots
 * hold the same state after a complete sync). Each side's change to a path is one of unchanged,
 * added, modified or deleted; a move is a delete at the old path and an add at the new one here
 * (the planner still sends it as a move). The decision per path:
 *
 * <pre>
 *   here \ peer   unchanged       added/modified             deleted
 *   unchanged     nothing         receive                    delete here
 *   added/mod.    send            conflict (same: nothing)   send (modify wins)
 *   deleted       delete at peer  receive (modify wins)      nothing
 * </pre>
 *
 * "Same" means both sides ended up with the same thing: directories (their contents are
 * reconciled path by path), files of equal size and mtime, symlinks with equal targets. Files of
 * equal size whose content hashes match ({@link io.farsync.sync.version.ContentHashes}) are no
 * conflict either: only the winner's mtime travels. A
 * conflict's winner follows {@link BidiOptions#wins}. This is the idea of Unison's and
 * Syncthing's reconciliation for two replicas.
 *
 * <p>With three or more replicas a pair's base is not enough: a version the peer brings may have
 * been written after this side's, having reached the peer through a third replica. Where both
 * replicas' version vectors are known ({@link BidiOptions#versions}) they settle the three cells
 * the base alone cannot: both changed (the later version wins outright; only concurrent ones are
 * a conflict), modified here and deleted there (the delete wins if made after seeing this
 * version), and the reverse.
 *
 * <p>The peer's side arrives as the one-way protocol's deviations (recorded paths that changed or
 * vanished there) plus, in bidi mode, its current entries at changed or never-synced paths.
 */
final class Reconciler {

    private Reconciler() {
    }

    enum Change { UNCHANGED, ADDED, MODIFIED, DELETED }

    /** Seen from "here": SEND and DELETE_AT_PEER go here → peer; RECEIVE and DELETE_HERE peer → here. */
    enum Action { NOTHING, SEND, DELETE_AT_PEER, RECEIVE, DELETE_HERE, CONFLICT }

    /**
     * @param hereWins for a conflict: this side's version keeps the name
     * @param keepBoth for a conflict: the losing version is kept as a conflict copy
     * @param here     this side's entry now (null: none)
     * @param peer     the peer's entry now, where known (null: none or unchanged)
     */
    record Decision(Action action, boolean hereWins, boolean keepBoth, Entry here, Entry peer) {
        static final Decision NOTHING = new Decision(Action.NOTHING, false, false, null, null);

        /** True if this side must not offer its own version (or absence) of the path. */
        boolean peerOwns() {
            return action == Action.RECEIVE || action == Action.DELETE_HERE || (action == Action.CONFLICT && !hereWins);
        }
    }

    static Change change(Entry base, Entry now) {
        if (base == null) {
            return now == null ? Change.UNCHANGED : Change.ADDED;
        }
        if (now == null) {
            return Change.DELETED;
        }
        return base.unchangedAs(now) ? Change.UNCHANGED : Change.MODIFIED;
    }

    /** The decision for one path, given each side's change and entry now. */
    static Decision decide(String path, Change hereChange, Entry here, Change peerChange, Entry peer, BidiOptions bidi) {
        boolean hereChanged = hereChange == Change.ADDED || hereChange == Change.MODIFIED;
        boolean peerChanged = peerChange == Change.ADDED || peerChange == Change.MODIFIED;
        Action a;
        if (hereChange == Change.UNCHANGED) {
            a = peerChanged ? Action.RECEIVE : peerChange == Change.DELETED ? Action.DELETE_HERE : Action.NOTHING;
        } else if (hereChanged) {
            if (peerChange == Change.UNCHANGED) {
                a = Action.SEND;
            } else if (peerChange == Change.DELETED) {
                // modify beats delete, unless the delete was made after seeing this version
                a = !here.isDirectory() && bidi.order(path, here, null) == Order.BEFORE ? Action.DELETE_HERE : Action.SEND;
            } else if (same(here, peer)) {
                a = Action.NOTHING;
            } else if (bidi.sameBytes(path, here, peer)) {
                // the same bytes with other mtimes: no conflict; the winner's mtime goes across
                a = bidi.wins(here, peer) ? Action.SEND : Action.RECEIVE;
            } else {
                Order o = here.isDirectory() != peer.isDirectory() ? null : bidi.order(path, here, peer);
                if (o == Order.AFTER) {
                    a = Action.SEND;
                } else if (o == Order.BEFORE) {
                    a = Action.RECEIVE;
                } else {
                    return new Decision(Action.CONFLICT, bidi.wins(here, peer), bidi.keepsBoth(here, peer), here, peer);
                }
            }
        } else if (peerChanged) {
            a = !peer.isDirectory() && bidi.order(path, null, peer) == Order.AFTER ? Action.DELETE_AT_PEER : Action.RECEIVE;
        } else {
            a = peerChange == Change.DELETED ? Action.NOTHING : Action.DELETE_AT_PEER;
        }
        return a == Action.NOTHING ? Decision.NOTHING : new Decision(a, false, false, here, peer);
    }

    /**
     * Decisions for every path changed on either side (others: nothing), leaving out what
     * {@code filter} hides.
     *
     * @param recorded       this side's snapshot (the base); empty when it is not trusted
     * @param here           this side's scan
     * @param peerDeviations recorded paths that changed or vanished at the peer
     * @param peerCurrent    the peer's entries now at changed or never-synced paths
     */
    static Map<String, Decision> reconcile(NavigableMap<String, Entry> recorded, NavigableMap<String, Entry> here,
            Set<String> peerDeviations, Map<String, Entry> peerCurrent, Filter filter, BidiOptions bidi) {
        Set<String> paths = new TreeSet<>(peerDeviations);
        paths.addAll(peerCurrent.keySet());
        for (Entry e : here.values()) {
            Entry r = recorded.get(e.path());
            if (r == null || !r.unchangedAs(e)) {
                paths.add(e.path());
            }
        }
        for (Entry r : recorded.values()) {
            if (!here.containsKey(r.path())) {
                paths.add(r.path());
            }
        }
        Map<String, Decision> out = new HashMap<>();
        for (String p : paths) {
            Entry h = here.get(p);
            Entry base = recorded.get(p);
            Entry peer = peerCurrent.get(p);
            Entry any = h != null ? h : base != null ? base : peer;
            if (any != null && filter.hides(p, any.isDirectory())) {
                continue;
            }
            Change peerChange = peerDeviations.contains(p) ? (peer == null ? Change.DELETED : Change.MODIFIED)
                    : peer != null ? Change.ADDED : Change.UNCHANGED;
            Decision d = decide(p, change(base, h), h, peerChange, peer, bidi);
            if (d.action() != Action.NOTHING) {
                out.put(p, d);
            }
        }
        return out;
    }

    /** Both sides hold the same thing at a path, so there is nothing to settle. */
    static boolean same(Entry a, Entry b) {
        if (a == null || b == null || a.type() != b.type()) {
            return a == b;
        }
        return switch (a.type()) {
            case DIRECTORY -> true;
            case FILE -> a.size() == b.size() && (Applier.mtimeMatches(a.mtimeNanos(), b.mtimeNanos())
                    || Applier.mtimeMatches(b.mtimeNanos(), a.mtimeNanos()));
            case SYMLINK -> a.linkTarget().equals(b.linkTarget());
        };
    }
}
