package io.farsync.sync;

import io.farsync.sync.scan.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * Hard links sent once. Source files with a link count above one that share device and inode
 * within the tree form a set; of the set's files this run offers, one (the leader: a member
 * renamed at the source, which travels as a move, else the first) travels as usual and the
 * others become {@link Planner.Link}s to it, sent only once the destination has
 * acknowledged the leader (so its complete contents are in place under their final name). When a
 * member of the set is already in place at the destination (recorded, unchanged, not offered:
 * a set that gained members), the offered ones link to it at once. A leader that fails hands the
 * set to its first follower, offered as usual.
 *
 * <p>The destination replaces files by renaming a new copy over them, so a later change of one
 * member never writes through the link into the others: each run re-links what is still linked
 * at the source. A member that left the set (now its own file) has another inode, so it is offered
 * and sent like any changed file.
 */
final class HardLinks {

    private record Key(long device, long inode) {
    }

    /** Followers by their leader's path, until the leader is settled. */
    private final Map<String, List<Entry>> waiting = new HashMap<>();

    /**
     * The items to offer, with hard-linked files rearranged: followers of an offered leader are
     * taken out (held until {@link #settled}); those whose set has a member in place become Links.
     * Only files with a link count above one are held here, not one object per file of the tree:
     * the other items keep the form {@code items} has them in ({@link Offers}).
     */
    List<Planner.Item> arrange(List<Planner.Item> items, NavigableMap<String, Entry> scan) {
        Map<Key, List<Entry>> sets = new HashMap<>();
        for (Entry e : scan.values()) {
            if (e.isFile() && e.nlink() > 1 && e.inode() != 0) {
                sets.computeIfAbsent(new Key(e.device(), e.inode()), k -> new ArrayList<>()).add(e);
            }
        }
        sets.values().removeIf(members -> members.size() < 2);
        if (sets.isEmpty()) {
            return items;
        }
        Set<String> members = new HashSet<>();
        sets.values().forEach(set -> set.forEach(m -> members.add(m.path())));
        Set<String> offered = new HashSet<>();
        for (Planner.Item i : items) {
            if (members.contains(i.entry().path())) {
                offered.add(i.entry().path());
            }
        }
        Offers in = Offers.of(items);
        Map<Key, String> leaders = new HashMap<>();
        // A member renamed at the source travels as a move and leads its set: the others wait
        // for the file it puts in place, whatever the order of the offers.
        for (int id = 0; id < in.size(); id++) {
            Planner.Item item = in.get(id);
            Entry e = item.entry();
            if (item instanceof Planner.Move && e.isFile() && sets.containsKey(new Key(e.device(), e.inode()))) {
                leaders.putIfAbsent(new Key(e.device(), e.inode()), e.path());
            }
        }
        Offers out = new Offers(in.table());
        for (int id = 0; id < in.size(); id++) {
            Planner.Item item = in.get(id);
            Entry e = item.entry();
            List<Entry> set = item instanceof Planner.Meta && e.isFile() ? sets.get(new Key(e.device(), e.inode())) : null;
            if (set == null) {
                out.addFrom(in, id);
                continue;
            }
            Entry inPlace = set.stream().filter(m -> !offered.contains(m.path())).findFirst().orElse(null);
            if (inPlace != null) {
                out.add(new Planner.Link(e, inPlace));
                continue;
            }
            String leader = leaders.putIfAbsent(new Key(e.device(), e.inode()), e.path());
            if (leader == null || leader.equals(e.path())) {
                out.addFrom(in, id);
            } else {
                waiting.computeIfAbsent(leader, k -> new ArrayList<>()).add(e);
            }
        }
        return out;
    }

    /**
     * The leader at {@code path} is settled: in place as {@code inPlace}, or failed ({@code null}).
     * Returns the items its followers now become: Links to it, or, if it failed, the first
     * follower as an ordinary offer that leads the others (so they are still linked to one copy).
     */
    List<Planner.Item> settled(String path, Entry inPlace) {
        List<Entry> followers = waiting.remove(path);
        if (followers == null) {
            return List.of();
        }
        if (inPlace == null) {
            Entry next = followers.get(0);
            if (followers.size() > 1) {
                waiting.put(next.path(), new ArrayList<>(followers.subList(1, followers.size())));
            }
            return List.of(new Planner.Meta(next));
        }
        List<Planner.Item> out = new ArrayList<>();
        for (Entry f : followers) {
            out.add(new Planner.Link(f, inPlace));
        }
        return out;
    }

    /** True when no follower waits for its leader. */
    boolean idle() {
        return waiting.isEmpty();
    }
}
