package io.farsync.sync;

import io.farsync.sync.scan.Scanner;
import io.farsync.sync.snapshot.SnapshotStore;
import io.farsync.sync.version.ContentHashes;
import io.farsync.sync.version.PairVersions;
import io.farsync.sync.version.VersionExchange;
import io.farsync.sync.version.VersionRow;
import io.farsync.sync.version.VersionStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One endpoint of a bidirectional sync: two one-way passes over the same stream, the first
 * endpoint sending in the first pass and receiving in the second, the other the reverse. Each
 * pass reconciles three ways against the snapshots (see {@link Reconciler}): the first pass's
 * source decides every conflict and sends only what changed on its side alone (or won); the
 * second pass then carries the other side's changes, conflict copies included. Both endpoints
 * return the sum of the two passes; only the first endpoint counts conflicts. Around the passes
 * each endpoint keeps its root's version vectors ({@link VersionStore}), which order changes that
 * reached the two sides through other replicas (n-way sync).
 */
public final class BidiEndpoint {
    private final Path root;
    private final SnapshotStore snapshot;
    private final SyncOptions options;
    private final BidiOptions bidi;
    private final boolean first;
    private final SyncListener listener;
    /** How messages for the peer name {@link #root} ({@link #showRootAs}); null: as it is. */
    private String shownAs;
    /** Runs between the scan after the passes and the settle of the vectors: tests interleave another session there. */
    private Runnable beforeSettle = () -> {
    };

    /**
     * @param first this endpoint sends in the first pass (the client's side); the peer must be
     *              constructed with the opposite value
     */
    public BidiEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, BidiOptions bidi, boolean first,
            SyncListener listener) {
        this.root = Objects.requireNonNull(root, "root");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.options = Objects.requireNonNull(options, "options");
        this.bidi = Objects.requireNonNull(bidi, "bidi");
        this.first = first;
        this.listener = Objects.requireNonNull(listener, "listener");
        if (options.mirror()) {
            throw new IllegalArgumentException("--mirror contradicts --bidi");
        }
    }

    /**
     * Runs both passes; throws like {@link SourceEndpoint#run} if either fails (the second then does
     * not run). Before them the replicas exchange their version vectors (the first endpoint sends
     * first); after them each adopts the peer's vector where it now holds the peer's version.
     */
    /** Errors and reasons for the peer show the root as {@code name} (a server: the path the client asked for). */
    public BidiEndpoint showRootAs(String name) {
        this.shownAs = name;
        return this;
    }

    public SyncResult run(InputStream fromPeer, OutputStream toPeer) throws IOException {
        Scanner scanner = new Scanner(false, excluded(), options.filter());
        try (RootSessions.Registration active = RootSessions.enter(root);
                VersionStore versions = VersionStore.openFor(root, snapshot.file().getParent())) {
            NavigableMap<String, VersionRow> mine = versions.refresh(root, scanner.scan(root), bidi.host());
            NavigableMap<String, VersionRow> theirs;
            if (first) {
                VersionExchange.send(toPeer, Protocol.VERSION, versions.replicaId(), mine.values());
                theirs = VersionExchange.receive(fromPeer, Protocol.VERSION);
            } else {
                theirs = VersionExchange.receive(fromPeer, Protocol.VERSION);
                VersionExchange.send(toPeer, Protocol.VERSION, versions.replicaId(), mine.values());
            }
            // Content hashes, only where both changed a file to the same size (usually none: nothing sent).
            List<String> ask = ContentHashes.candidates(mine, theirs);
            Map<String, Long> myHashes = Map.of();
            Map<String, Long> theirHashes = Map.of();
            if (!ask.isEmpty()) {
                myHashes = ContentHashes.hash(root, ask, mine);
                if (first) {
                    ContentHashes.send(toPeer, ask, myHashes);
                    theirHashes = ContentHashes.receive(fromPeer, ask);
                } else {
                    theirHashes = ContentHashes.receive(fromPeer, ask);
                    ContentHashes.send(toPeer, ask, myHashes);
                }
            }
            Map<String, String> carried = new ConcurrentHashMap<>();
            SyncResult r = passes(bidi.withVersions(new PairVersions(mine, theirs, myHashes, theirHashes)), carried, fromPeer, toPeer);
            NavigableMap<String, io.farsync.sync.scan.Entry> now = scanner.scan(root).entries();
            beforeSettle.run();
            versions.settle(root, mine, theirs, carried, now);
            return r;
        }
    }

    /** Test hook: {@code hook} runs after the passes' final scan, just before the vectors are settled. */
    BidiEndpoint beforeSettle(Runnable hook) {
        this.beforeSettle = Objects.requireNonNull(hook, "hook");
        return this;
    }

    private SyncResult passes(BidiOptions bidi, Map<String, String> carried, InputStream fromPeer, OutputStream toPeer)
            throws IOException {
        SyncResult a;
        SyncResult b;
        io.farsync.common.InterProcessLock receiving = RootSessions.receiving(root);
        if (first) {
            a = new SourceEndpoint(root, snapshot, options, listener).showRootAs(shownAs).bidi(bidi, true, carried).run(fromPeer, toPeer);
            receiving.lock();
            try {
                b = new DestinationEndpoint(root, snapshot, options, listener).showRootAs(shownAs).bidi(bidi, carried).run(fromPeer, toPeer);
            } finally {
                receiving.unlock();
            }
        } else {
            DestinationEndpoint receive = new DestinationEndpoint(root, snapshot, options, listener).showRootAs(shownAs).bidi(bidi, carried);
            receiving.lock();
            try {
                a = receive.run(fromPeer, toPeer);
            } finally {
                receiving.unlock();
            }
            SourceEndpoint send = new SourceEndpoint(root, snapshot, options, listener).showRootAs(shownAs).bidi(bidi, false, carried);
            // Records made with another database than the peer's (it was recreated) are no base.
            b = (receive.knewSource() ? send : send.distrustRecords()).run(fromPeer, toPeer);
        }
        List<String> errors = new ArrayList<>(a.errors());
        errors.addAll(b.errors());
        return new SyncResult(a.filesTransferred() + b.filesTransferred(), a.bytesTransferred() + b.bytesTransferred(),
                a.filesDeleted() + b.filesDeleted(), a.filesMoved() + b.filesMoved(), a.conflicts() + b.conflicts(),
                Math.max(a.entriesChecked(), b.entriesChecked()), errors);
    }

    /** farsync's files when they live inside the tree (see {@link Protocol#snapshotFiles}; the replica directory is never scanned). */
    private Set<Path> excluded() {
        return Protocol.snapshotFiles(snapshot, root);
    }
}
