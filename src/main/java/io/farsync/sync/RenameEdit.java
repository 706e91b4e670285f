package io.farsync.sync;

import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.version.VersionVector.Order;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file renamed on one side of a bidirectional sync (old path {@code from}, new path {@code to})
 * whose old path the other side edited: the sync keeps both effects as one file, the edited
 * version under the new name. The source of a pass finds these before reconciling, in one of two
 * shapes:
 * <ul>
 *   <li>It renamed ({@code peerRenamed} false): its recorded file is gone, its identity (device
 *       and inode) reappears unchanged at a never-synced path, and the peer reports the old path
 *       modified. It sends a Move the destination <em>carries</em>: the destination renames its
 *       edited file to the new name and records the synced version there, so its edit travels
 *       back as a change of the new path in the reverse pass.</li>
 *   <li>The peer renamed ({@code peerRenamed} true): the peer reports the old path gone and a
 *       never-synced file of the synced version's size and mtime (the wire carries no inodes),
 *       and this side edited the old path. The source renames its edited file to the new name
 *       first, then sends the Move (which the destination finds already done) and the file.</li>
 * </ul>
 * Only clear cases are merged: one candidate new path, free on the other side, and the vectors
 * do not show the delete (the rename's departure) as made after seeing the edit. Anything else
 * stays with the three-way rules (two files, nothing lost). Syncthing and Unison do not merge
 * these; Dropbox-style clients do, by the same identity-then-content matching.
 *
 * @param base   the synced version at {@code from}, as this side recorded it
 * @param to     the new path
 */
record RenameEdit(Entry base, String to, boolean peerRenamed) {
    private static final Logger log = LoggerFactory.getLogger(RenameEdit.class);

    String from() {
        return base.path();
    }

    /**
     * Finds the cases and makes the peer-renamed ones' local renames; returns those that hold
     * afterwards (the caller rescans if any is {@code peerRenamed}).
     *
     * @param peer the peer's entries now at changed or never-synced paths
     */
    static List<RenameEdit> find(Path root, ScanResult scan, NavigableMap<String, Entry> recorded, Set<String> deviations,
            Map<String, Entry> peer, Filter filter, BidiOptions bidi) {
        NavigableMap<String, Entry> here = scan.entries();
        Map<Long, List<Entry>> newHereByInode = new HashMap<>();
        for (Entry e : here.values()) {
            if (e.isFile() && e.inode() != 0 && !recorded.containsKey(e.path())) {
                newHereByInode.computeIfAbsent(e.inode(), k -> new ArrayList<>(1)).add(e);
            }
        }
        Map<String, List<Entry>> newPeerBySize = new HashMap<>();
        for (Entry x : peer.values()) {
            if (x.isFile() && !recorded.containsKey(x.path()) && !here.containsKey(x.path())) {
                newPeerBySize.computeIfAbsent(Long.toString(x.size()), k -> new ArrayList<>(1)).add(x);
            }
        }
        List<RenameEdit> out = new ArrayList<>();
        for (String p : deviations) {
            Entry base = recorded.get(p);
            if (base == null || !base.isFile() || scan.isUnknown(p) || filter.hides(p, false)) {
                continue;
            }
            Entry mine = here.get(p);
            Entry theirs = peer.get(p);
            if (mine == null && theirs != null && theirs.isFile() && bidi.order(p, null, theirs) != Order.AFTER) {
                Entry moved = only(newHereByInode.getOrDefault(base.inode(), List.of()), e -> e.sameIdentity(base)
                        && e.size() == base.size() && e.mtimeNanos() == base.mtimeNanos());
                if (moved != null && !peer.containsKey(moved.path()) && !filter.hides(moved.path(), false)) {
                    out.add(new RenameEdit(base, moved.path(), false));
                }
            } else if (mine != null && mine.isFile() && !base.unchangedAs(mine) && theirs == null
                    && bidi.order(p, mine, null) != Order.BEFORE) {
                Entry moved = only(newPeerBySize.getOrDefault(Long.toString(base.size()), List.of()),
                        x -> Reconciler.same(x, base.withPath(x.path())));
                if (moved != null && !filter.hides(moved.path(), false) && renameHere(root, p, moved.path())) {
                    out.add(new RenameEdit(base, moved.path(), true));
                }
            }
        }
        return out;
    }

    /** The one entry of {@code candidates} that {@code test} accepts; null if none or several. */
    private static Entry only(List<Entry> candidates, java.util.function.Predicate<Entry> test) {
        Entry found = null;
        for (Entry e : candidates) {
            if (test.test(e)) {
                if (found != null) {
                    return null;
                }
                found = e;
            }
        }
        return found;
    }

    /**
     * Applies the peer's rename here: {@code from} (this side's edited file) becomes {@code to},
     * never over anything. Missing parents are made one by one, and each existing one must be a
     * real directory, so a symlinked parent never leads outside the root.
     */
    private static boolean renameHere(Path root, String from, String to) {
        try {
            Path dir = root;
            String parent = Entry.parentOf(to);
            for (String part : parent.isEmpty() ? new String[0] : parent.split("/")) {
                dir = dir.resolve(part);
                if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(dir);
                } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    return false;
                }
            }
            // The old directory's mtime is put back: the rename is the peer's change, not this
            // side's, and a directory "modified" here would survive the peer's delete of it.
            Path oldDir = root.resolve(from).getParent();
            java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(oldDir, LinkOption.NOFOLLOW_LINKS);
            Files.move(root.resolve(from), root.resolve(to));
            Files.setLastModifiedTime(oldDir, before);
            log.info("{} renamed to {} at the peer and edited here: renamed here too, the edit travels under the new name", from, to);
            return true;
        } catch (IOException | SecurityException e) {
            log.info("cannot rename {} to {} here ({}); both are kept as they are", from, to, e.toString());
            return false;
        }
    }
}
