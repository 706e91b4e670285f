package io.farsync.sync.nway;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The order of pairwise syncs in one round of an n-way job. Every link is a bidirectional sync
 * run from its {@code local} endpoint (a path on this machine) to its {@code peer}.
 *
 * <ul>
 *   <li>Hub: the hub syncs with all spokes at once, one session (and thread) per spoke, sharing
 *       its rate ("distribute"). What the hub holds reaches every spoke in the first round; a
 *       change made at a spoke reaches the hub in that round and the other spokes in the next.
 *       Two spokes may write the same hub path at once: the hub's receiving side keeps a version
 *       it did not sync with this spoke aside as a conflict copy before replacing it, so neither
 *       is lost.</li>
 *   <li>Mesh: every pair once, in a fixed order, one at a time (pairs that share an endpoint
 *       would otherwise write the same tree at once), except a node's own pairs in a job run
 *       with {@code self}: they share only the local root and run at once, as a hub's do. A change reaches every endpoint in one
 *       round, directly or through a third replica; version vectors make the second arrival a
 *       no-op rather than a conflict.</li>
 * </ul>
 * Rounds repeat until one changes nothing; the vectors guarantee that happens (no ping-pong).
 */
public final class Schedule {

    /** One bidirectional sync: {@code local} is a path here, {@code peer} local or remote. */
    public record Link(NwayJob.Endpoint local, NwayJob.Endpoint peer) {
        public String label() {
            return local.name() + " <-> " + peer.name();
        }
    }

    /** Links run one after another, or all at once. */
    public record Phase(String name, List<Link> links, boolean concurrent) {
        public Phase {
            links = List.copyOf(links);
        }
    }

    private Schedule() {
    }

    /**
     * The phases of one round.
     *
     * @param isLocal true for an endpoint whose path is on this machine
     * @param self    with a shared mesh job run on every node: this node's endpoint name, whose
     *                pairs with later-named endpoints this node runs; null to run every pair
     *                that has a local endpoint
     * @throws IllegalArgumentException if some pair could not be run from here
     */
    public static List<Phase> of(NwayJob job, Predicate<NwayJob.Endpoint> isLocal, String self) {
        List<Phase> phases = new ArrayList<>();
        if (job.topology() == NwayJob.Topology.HUB) {
            NwayJob.Endpoint hub = job.endpoint(job.hub());
            if (!isLocal.test(hub)) {
                throw new IllegalArgumentException("the hub '" + hub.name() + "' must be a local path where the job runs (it is "
                        + hub.path() + ")");
            }
            List<Link> spokes = new ArrayList<>();
            for (NwayJob.Endpoint e : job.endpoints()) {
                if (e != hub) {
                    spokes.add(new Link(hub, e));
                }
            }
            phases.add(new Phase("distribute", spokes, true));
            return phases;
        }
        if (self != null) {
            job.endpoint(self);
        }
        List<Link> pairs = new ArrayList<>();
        List<NwayJob.Endpoint> all = job.endpoints();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                NwayJob.Endpoint a = all.get(i);
                NwayJob.Endpoint b = all.get(j);
                if (self != null) {
                    // Each pair is run by exactly one node: the one named first in the job.
                    if (a.name().equals(self)) {
                        pairs.add(new Link(a, b));
                    }
                } else if (isLocal.test(a)) {
                    pairs.add(new Link(a, b));
                } else if (isLocal.test(b)) {
                    pairs.add(new Link(b, a));
                } else {
                    throw new IllegalArgumentException("mesh pair " + a.name() + "-" + b.name() + " joins two remote endpoints: run the job"
                            + " on each node with --self NAME (each node then syncs with the endpoints listed after it)");
                }
            }
        }
        // A node's own pairs (--self) share only its local root, whose receiving passes take turns
        // anyway: they run at once, like a hub's, so its links overlap instead of queueing.
        phases.add(new Phase("mesh", pairs, self != null && pairs.size() > 1));
        return phases;
    }
}
