package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.IoReasons;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.Scanner;
import io.farsync.sync.scan.Stat;
import io.farsync.sync.scan.Symlinks;
import io.farsync.sync.scan.Xattrs;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sending side of a one-way sync. */
public final class SourceEndpoint {

    private static final Logger log = LoggerFactory.getLogger(SourceEndpoint.class);
    /** Metadata messages sent between checks for NEEDs, so contents start flowing early. */
    private static final int META_BURST = 64;
    /**
     * Offered files, links, deletes and moves the destination has not settled yet, at most: beyond
     * it the source waits for answers before offering more (deletes and moves since session 11: a
     * source emptied of a million files queued a million Deletes the same way). The destination
     * queues what it has not handled (control messages are never refused, see {@link PeerChannel}), and a first sync that
     * finds 1,000,000 files already in place runs faster at the source than at the destination:
     * 753,000 queued Metas (~230 MB) ended it with an OutOfMemoryError in {@code -Xmx256m}. At
     * ~330 bytes of heap per queued Meta this bounds that queue to ~33 MB; answers come at the
     * destination's commits (every 512 rows or 200 ms), so 100,000 leaves a records-only sync
     * at 100,000+ entries/s up to ~0.8 s of round trip and commit wait.
     */
    static final int MAX_AWAITING = 100_000;
    /** Times a file that changes while being sent is sent again before it is reported as failed. */
    static final int MAX_RESENDS = 3;
    /** A changed file is sent again once it has not been modified for this long... */
    static final long SETTLE_NANOS = 1_000_000_000L;
    /** ...or once this long has passed since it first changed, quiet or not. */
    static final long MAX_SETTLE_WAIT_NANOS = 10_000_000_000L;
    private static final String CHANGED = "changed during transfer";
    /** Why the contents of an eagerly sent file the destination settled without them stop (see {@link #sendFile}). */
    static final String NOT_NEEDED = "not needed: settled without its contents";
    /** Destination-only entries a mirror run accepts: bounds what a hostile destination can make us hold. */
    private static final int MAX_EXTRAS = 10_000_000;
    /** Snapshot meta key: the owner/xattr settings the records were made with ({@link SyncOptions#metadataKey()}). */
    private static final String METADATA_KEY = "metadata_options";

    private final Path root;
    private final SnapshotStore snapshot;
    private final SyncOptions options;
    private final SyncListener listener;
    private final LongSupplier wallClock;
    /** Set for a pass of bidirectional sync (see {@link BidiSource}); null for one-way sync. */
    private BidiOptions bidi;
    private boolean reportConflicts;
    /** Bidirectional: renames carried along with an edit, old path to new. */
    private Map<String, String> carried = Map.of();
    /** Bidirectional: this side's records are no base even if the peer's database is the recorded one. */
    private boolean distrustRecords;
    /** What this run compares (continuous mode's batches); the whole tree by default. */
    private Scope scope = Scope.WHOLE;
    /** Continuous mode: a pass over the delete limit withholds its deletes instead of refusing everything. */
    private boolean withholdOverLimit;
    /** Runs after the scope is worked out, before it is scanned: tests change the tree there, as a racing writer would. */
    private Runnable beforeScan = () -> { };
    private int maxAwaiting = MAX_AWAITING;
    /** The whole tree's scan begun before the run (see {@link #scannedAhead}); null: the run scans. */
    private AheadScan ahead;
    /** How messages for the peer name {@link #root} ({@link #showRootAs}); null: as it is. */
    private String shownAs;

    public SourceEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, SyncListener listener) {
        this(root, snapshot, options, listener, () -> {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        });
    }

    /** @param wallClock nanoseconds since the epoch (the time base of file mtimes) */
    SourceEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, SyncListener listener, LongSupplier wallClock) {
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Makes this the sending pass of a bidirectional sync: only what changed here and not at the
     * destination (or won a conflict) is sent or deleted. {@code reportConflicts}: count and
     * report conflicts (the first pass does; the second only carries out what the first decided).
     * {@code carried} collects the renames sent as moves that carry the peer's edit (old path to
     * new, see {@link RenameEdit}) for the version vectors.
     */
    SourceEndpoint bidi(BidiOptions options, boolean reportConflicts, Map<String, String> carried) {
        this.bidi = Objects.requireNonNull(options, "options");
        this.reportConflicts = reportConflicts;
        this.carried = Objects.requireNonNull(carried, "carried");
        return this;
    }

    /**
     * Errors and reasons for the peer show the root as {@code name} (a server: the path the client
     * asked for), not as this side's absolute path.
     */
    public SourceEndpoint showRootAs(String name) {
        this.shownAs = name;
        return this;
    }

    /**
     * Limits the run to {@code scope}: only its subtrees are scanned, planned and deleted from.
     * If the destination's database is not the recorded one, the run widens to the whole tree.
     */
    public SourceEndpoint scope(Scope scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
        return this;
    }

    /**
     * Continuous mode: a pass whose deletes exceed {@code --max-delete} does not refuse
     * everything (rsync's {@code --max-delete} does not either): it sends and moves as usual and
     * withholds its deletes, reported as one entry error ({@link DeleteLimit#withheld}), so
     * their records stay and a later pass tries again. An emptied source is still refused.
     */
    public SourceEndpoint withholdDeletesOverLimit() {
        this.withholdOverLimit = true;
        return this;
    }

    /**
     * Takes the tree's scan and records from {@code scan}, begun before the session was up
     * (used by a whole-tree run only), instead of scanning once the run starts; {@link #beforeScan}
     * then does not run. The run closes it.
     */
    public SourceEndpoint scannedAhead(AheadScan scan) {
        if (!scan.root().equals(root)) {
            throw new IllegalArgumentException("scan of " + scan.root() + " given to the source of " + root);
        }
        this.ahead = scan;
        return this;
    }

    /**
     * The source's scanner of {@code root}: farsync's own files (the database at {@code dbFile}
     * when it lives in the tree) left out, the run's filter, extended attributes as asked. One
     * place, so a scan made ahead ({@link AheadScan}) sees exactly what the run's own would.
     */
    static Scanner scanner(Path dbFile, Path root, SyncOptions options) {
        return new Scanner(false, Protocol.snapshotFiles(dbFile, root), options.filter()).withXattrs(options.xattrs())
                .withSymlinks(options.symlinks());
    }

    /** Lowers {@link #MAX_AWAITING} (tests: the bound at work on a small tree). */
    SourceEndpoint maxAwaiting(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("maxAwaiting " + entries);
        }
        this.maxAwaiting = entries;
        return this;
    }

    /** Runs {@code hook} between working out the scope and scanning it (tests: race the scan). */
    SourceEndpoint beforeScan(Runnable hook) {
        this.beforeScan = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /**
     * Bidirectional second pass after a first pass whose destination (this side) did not know the
     * source's database: the records are from another peer, so nothing recorded is trusted.
     */
    SourceEndpoint distrustRecords() {
        this.distrustRecords = true;
        return this;
    }

    /**
     * Runs the sync protocol over a reliable byte stream to a {@link DestinationEndpoint} and
     * returns when both sides agree it is over. Throws {@link io.farsync.common.FarsyncException}
     * for errors that end the whole sync (source missing, peer gone, protocol violation).
     */
    public SyncResult run(InputStream fromPeer, OutputStream toPeer) throws IOException {
        PeerChannel peer = new PeerChannel("source", fromPeer, toPeer, m -> m instanceof Message.Summary);
        peer.showing(PathJail.showing(root, shownAs));
        peer.start();
        long started = wallClock.getAsLong() / 1_000_000L;
        // a dry run records nothing, not even that it ran (its database is read-only)
        boolean journal = !options.dryRun();
        if (journal) {
            RunJournal.started(snapshot, "source", root, started);
        }
        Session session = new Session(peer);
        try {
            Message.Summary summary = session.run();
            SyncResult r = new SyncResult(summary.filesTransferred(), summary.bytesTransferred(), summary.filesDeleted(),
                    summary.filesMoved(), session.conflicts, summary.entriesChecked(), summary.errors());
            if (journal) {
                RunJournal.finished(snapshot, started, wallClock.getAsLong() / 1_000_000L, r, 0);
            }
            return r;
        } catch (FarsyncException e) {
            if (journal) {
                RunJournal.failed(snapshot, started, wallClock.getAsLong() / 1_000_000L, e, session.unsettled(), 0, List.of());
            }
            peer.abort(e);
            throw e;
        } catch (RuntimeException e) {
            FarsyncException f = new FarsyncException(ExitCode.INTERNAL, "internal error in the sync source: " + e, e);
            if (journal) {
                RunJournal.failed(snapshot, started, wallClock.getAsLong() / 1_000_000L, f, session.unsettled(), 0, List.of());
            }
            peer.abort(f);
            throw f;
        } finally {
            if (ahead != null) {
                ahead.close();
            }
            peer.close();
            if (journal) {
                try {
                    snapshot.flush();
                } catch (RuntimeException e) {
                    log.warn("could not commit the source snapshot: {}", e.getMessage());
                }
            }
        }
    }

    /** A file to send again under the same id once it has been quiet for a while. */
    private record Restart(int id, long since) {
    }

    /** One run's state; used by the endpoint's thread only. */
    private final class Session {
        private final PeerChannel peer;
        private ScanResult scan;
        /** Everything offered, by id; grows when the destination refuses a move. */
        private Offers items = new Offers(io.farsync.sync.scan.EntryTable.empty());
        /** Moves sent and neither acknowledged nor refused: MetaEnd waits for them. */
        private int unresolvedMoves;
        /** Deletes held back until every transfer is in place ({@code deleteDelay}). */
        private final List<Planner.Item> late = new ArrayList<>();
        private boolean lateReleased;
        /**
         * Sent files, symlinks and refused file moves not yet settled: transfers that may still
         * happen. Sets of ids are bit sets: a first sync has one id per entry of the tree.
         */
        private final BitSet awaiting = new BitSet();
        /** The bits set in {@link #awaiting} (its cardinality() walks a first sync's million bits). */
        private int awaitingCount;
        /** Deletes sent and not yet acknowledged: with {@link #awaitingCount} and the moves, what the bound counts. */
        private int unackedDeletes;
        /** Files that changed while being sent, restarted at the destination, waiting to settle. */
        private final ArrayDeque<Restart> restarts = new ArrayDeque<>();
        private final Map<Integer, Integer> resends = new HashMap<>();
        private final BitSet needed = new BitSet();
        /** Files the destination asked for twice (checksum mismatch); a third time is a violation. */
        private final BitSet resent = new BitSet();
        private final ArrayDeque<Integer> needQueue = new ArrayDeque<>();
        private final BitSet settled = new BitSet();
        private int settledCount;
        private final XXHashFactory hashes = XXHashFactory.fastestInstance();
        /** Files the destination holds a partial copy of, until they are sent. */
        private final Map<Integer, Message.Resume> resumes = new HashMap<>();
        private long conflicts;
        /** Hard-linked files waiting for their set's leader to be in place. */
        private final HardLinks links = new HardLinks();
        /** The bidirectional pass's reconciliation; null for one-way sync. */
        private BidiSource reconciled;
        /** This run withholds its deletes (over the limit, continuous mode). */
        private boolean withholding;
        /** Which small files go out as FileInline (see {@link #inline}); none until planned. */
        private Predicate<Entry> inlined = e -> false;
        /** Whether larger files go out as MetaEager with their contents at once (see {@link #eagerTo}). */
        private boolean eagerFiles;
        /** Files sent as MetaEager: their contents were queued without a Need. */
        private final BitSet eager = new BitSet();
        /**
         * Each eager file's entry as its MetaEager announced it. A destination that settles such a
         * file without its contents decides on this version and ignores our FileRestarts for it
         * (it drops what follows), so its Ack speaks of this entry, not of a restart's.
         */
        private final Map<Integer, Entry> eagerAnnounced = new HashMap<>();
        /**
         * Eager files we gave up on (FileAbort) and settled ourselves. The destination may have
         * settled one without its contents before our abort reached it: then exactly one Ack of
         * its own is still on its way (a file it was receiving gets none).
         */
        private final BitSet eagerAbandoned = new BitSet();
        /** One byte past a file's end: whether it grew while read whole. */
        private final ByteBuffer probe = ByteBuffer.allocate(1);

        Session(PeerChannel peer) {
            this.peer = peer;
        }

        /** Entries offered and not yet settled by the destination. */
        int unsettled() {
            return items.size() - settledCount;
        }

        Message.Summary run() {
            log.debug("timeline: source starts");
            peer.send(new Message.Hello(Protocol.VERSION, snapshot.id()));
            if (!Files.isDirectory(root)) {
                String what = Files.exists(root, LinkOption.NOFOLLOW_LINKS) ? "source is not a directory: " : "source not found: ";
                throw new FarsyncException(ExitCode.SOURCE_NOT_FOUND, what + root);
            }
            // stops when the peer is gone: a server that refused the sync is reported at once
            Scanner scanner = scanner(snapshot.file(), root, options).stopWhen(peer::failed);
            Scope effective;
            NavigableMap<String, Entry> recorded;
            try {
                if (ahead != null && scope.isWhole()) {
                    AheadScan.Result early = ahead.await(peer::failed);
                    effective = Scope.WHOLE;
                    scan = early.scan();
                    recorded = early.recorded();
                } else {
                    Scope.Scanned scanned = scope.scanAtSource(root, scanner, options.filter(), beforeScan);
                    effective = scanned.scope();
                    scan = scanned.scan();
                    recorded = effective.load(snapshot, scan);
                }
            } catch (Scanner.Stopped e) {
                throw peer.failureAfter(e);
            }
            log.debug("timeline: scanned {} entries", scan.entries().size());

            Message.Hello hello = Protocol.expect(peer.take(), Message.Hello.class);
            Protocol.checkVersion(hello);
            Set<String> deviations = new HashSet<>();
            Message.Deviations d;
            do {
                d = Protocol.expect(peer.take(), Message.Deviations.class);
                deviations.addAll(d.paths());
            } while (!d.last());
            boolean destinationEmpty = d.emptyTree();

            List<Entry> extras = new ArrayList<>();
            Message.Extras x;
            do {
                x = Protocol.expect(peer.take(), Message.Extras.class);
                for (WireEntry w : x.entries()) {
                    PathJail.checkWirePath(w.path());
                    if (extras.size() >= MAX_EXTRAS) {
                        throw Protocol.violation("more than " + MAX_EXTRAS + " destination-only entries");
                    }
                    extras.add(w.toEntry());
                }
            } while (!x.last());
            log.debug("timeline: the destination's hello, deviations and extras are in");

            boolean trusted = !distrustRecords && snapshot.peerId().map(hello.snapshotId()::equals).orElse(false);
            if (!trusted) {
                log.info("destination snapshot {} is not the one recorded; every entry is a candidate", hello.snapshotId());
            } else if (!options.metadataKey().equals(snapshot.meta(METADATA_KEY).orElse(SyncOptions.defaults().metadataKey()))) {
                log.info("owner or xattr settings changed since the last sync; every entry is a candidate");
                trusted = false;
            }
            if (!trusted && !effective.isWhole()) {
                // a scoped run must not record the new database as the peer's: compare everything
                effective = Scope.WHOLE;
                scan = scanner.scan(root);
                recorded = snapshot.loadAll(scan.entries());
            }
            Planner.Plan plan;
            if (bidi == null) {
                plan = Planner.plan(scan, recorded, deviations, extras, trusted, options);
                inlined = newHere(recorded, trusted, destinationEmpty);
                eagerFiles = eagerTo(destinationEmpty, d.partials());
            } else {
                // Extras carry the destination's changes here, not --mirror's candidates.
                BidiSource b = BidiSource.resolve(root, scan, recorded, deviations, extras, trusted, options, bidi, reportConflicts,
                        listener, () -> scanner(snapshot.file(), root, options).scan(root));
                scan = b.scan;
                reconciled = b;
                conflicts = reportConflicts ? b.conflicts : 0;
                plan = b.restrict(Planner.plan(scan, recorded, deviations, List.of(), trusted, options));
            }
            log.info("source {}: {} entries, {} candidates, {} deletes, {} moves, {} deviations and {} extras reported",
                    root, scan.entries().size(), plan.count(Planner.Meta.class), plan.count(Planner.Delete.class),
                    plan.count(Planner.Move.class),
                    deviations.size(), extras.size());
            String overLimit;
            FarsyncException refusal = null;
            try {
                overLimit = checkDeleteLimits(effective.isWhole() ? recorded.size() : snapshot.entryCount(),
                        effective.isWhole() ? recorded.size() + extras.size() : 0, plan.count(Planner.Delete.class),
                        Scope.rootEmpty(root, effective, scan));
            } catch (FarsyncException e) {
                if (!options.dryRun()) {
                    throw e;
                }
                // the real run would refuse: the dry run shows what it was refusing, then says so
                refusal = e;
                overLimit = null;
            }
            listener.planned(plan.files(), plan.bytes());
            for (Map.Entry<String, String> err : scan.errors().entrySet()) {
                peer.send(new Message.EntryError(err.getKey(), err.getValue()));
                listener.entryFailed(err.getKey(), err.getValue());
            }
            List<Planner.Item> offer = plan.items();
            if (overLimit != null) {
                withholding = true;
                String first = plan.deletes().get(0).path();
                String why = DeleteLimit.withheld(plan.count(Planner.Delete.class), overLimit);
                log.warn("{}", why);
                peer.send(new Message.EntryError(first, why));
                listener.entryFailed(first, why);
                offer = Offers.of(offer).filtered(i -> !(i instanceof Planner.Delete));
            } else {
                late.addAll(plan.late());
            }
            items = Offers.of(links.arrange(offer, scan.entries()));
            if (options.dryRun()) {
                Message.Summary summary = dryRunExchange(scan.entries().size());
                if (refusal != null) {
                    throw refusal;
                }
                sayBye();
                return summary;
            }
            Message.Summary summary = exchange(scan.entries().size());
            if (settledCount != items.size()) {
                throw Protocol.violation("summary before all entries were settled (" + settledCount + " of " + items.size() + ")");
            }
            snapshot.setPeerId(hello.snapshotId());
            snapshot.putMeta(METADATA_KEY, options.metadataKey());
            sayBye();
            return summary;
        }

        private void sayBye() {
            try {
                peer.send(new Message.Bye());
                peer.finish();
            } catch (FarsyncException e) {
                // A server's one-shot destination returns at its Summary and may close the
                // connection before the Bye goes out (DestinationEndpoint.endAtSummary): the sync
                // is complete either way. A destination that waits for the Bye fails on its own.
                log.debug("Bye not sent: {}", e.getMessage());
            }
        }

        /**
         * Refuses, before anything changed, a sync that would delete too much or that looks like
         * an unmounted source; in continuous mode returns why a pass over the limit withholds its
         * deletes instead (null: within the limit). A percentage is of the entries synced last
         * time; with {@code --mirror}, which also deletes what was never synced, of the destination's
         * entries as far as they are known ({@code destinationEntries}: those synced and the
         * destination-only ones) when those are more: a first mirror into a full directory is no
         * exception to the limit (it may refuse a first mirror into a copy holding many extras:
         * --max-delete allows it).
         */
        private String checkDeleteLimits(long recordedEntries, long destinationEntries, long deletes, boolean sourceEmpty) {
            if (!options.propagateDeletes() || options.maxDelete().unlimited() || deletes == 0) {
                return null;
            }
            if (sourceEmpty) {
                throw new FarsyncException(ExitCode.DELETE_LIMIT, emptiedSource(recordedEntries, deletes));
            }
            String why = options.mirror() && destinationEntries > recordedEntries
                    ? options.maxDelete().refusal(deletes, destinationEntries, "entries at the destination, by --mirror's count")
                    : options.maxDelete().refusal(deletes, recordedEntries);
            if (why != null && !withholdOverLimit) {
                throw new FarsyncException(ExitCode.DELETE_LIMIT, why + "; nothing was changed (raise --max-delete to allow it)");
            }
            return why;
        }

        /** Why a sync from an empty root is refused: a first one, a two-way pass, or a one-way sync. */
        private String emptiedSource(long recordedEntries, long deletes) {
            if (recordedEntries == 0) {
                return "source " + root + " is empty (not mounted?); refusing to delete the destination's " + deletes
                        + " entries (--max-delete 100% allows it)";
            }
            if (bidi != null) {
                return root + " is empty but held " + recordedEntries + " entries at the last sync (not mounted?);"
                        + " refusing to sync its deletions to the other side (--max-delete 100% allows it;"
                        + " what the other side renamed or changed since is kept there either way)";
            }
            return "source " + root + " is empty but held " + recordedEntries
                    + " entries at the last sync (not mounted?); refusing to delete them at the destination"
                    + " (--max-delete 100% allows it)";
        }

        private void add(Planner.Item item) {
            items.add(item);
        }

        /** Adds {@code id} to {@code set}; false if it was there already. */
        private static boolean add(BitSet set, int id) {
            boolean added = !set.get(id);
            set.set(id);
            return added;
        }

        /** Settles {@code id}; false if it was settled already. */
        private boolean settle(int id) {
            boolean added = add(settled, id);
            if (added) {
                settledCount++;
            }
            return added;
        }

        /**
         * Sends deletes, moves and metadata in bursts and file contents for each NEED as it
         * arrives; no message waits for a reply to the one before. MetaEnd waits until every
         * move is resolved, since a refused move adds items.
         */
        private Message.Summary exchange(long entriesChecked) {
            int next = 0;
            boolean endSent = false;
            while (true) {
                boolean settling = needQueue.isEmpty() && next >= items.size();
                // More to offer, nothing to send meanwhile, and the destination behind by the most allowed: wait for
                // it. Files, links, deletes and moves count (each gets its answer); directories do not (they are
                // acknowledged at the end). Restarted files wait for us (resent once all is offered), not for it:
                // they do not count. (An eager file the destination settled while we restarted it is in restarts
                // only: the bound loosens by one such file until it is dropped.)
                boolean full = awaitingCount - restarts.size() + unackedDeletes + unresolvedMoves >= maxAwaiting;
                boolean behind = needQueue.isEmpty() && next < items.size() && full;
                // Restarted files are sent when quiet: until then, wait for messages at most that long.
                long restartIn = settling && !restarts.isEmpty() ? restartDelay(restarts.peek()) : -1;
                // Moves add items until resolved; late deletes wait for every transfer's ack.
                boolean release = settling && restarts.isEmpty() && !lateReleased && unresolvedMoves == 0 && links.idle()
                        && (late.isEmpty() || awaiting.isEmpty());
                boolean idle = settling && restartIn != 0 && !release && (endSent || !lateReleased || restartIn > 0);
                Message m = behind ? peer.take() : !idle ? peer.poll() : restartIn > 0 ? peer.poll(restartIn) : peer.take();
                if (m != null) {
                    if (m instanceof Message.Summary s) {
                        log.debug("timeline: summary in");
                        return s;
                    }
                    handle(m);
                } else if (!needQueue.isEmpty()) {
                    sendFile(needQueue.poll());
                } else if (next < items.size() && !full) {    // (m == null: nothing changed since full was read)
                    for (int end = Math.min(items.size(), next + META_BURST); next < end; next++) {
                        peer.send(message(next, items.get(next)));
                    }
                    if (next == items.size()) {
                        log.debug("timeline: every entry offered");
                    }
                } else if (restartIn == 0) {
                    needQueue.add(restarts.poll().id());
                } else if (release) {
                    // Every transfer is acknowledged, so committed at the destination: now the deletes.
                    lateReleased = true;
                    late.forEach(this::add);
                    late.clear();
                } else if (!endSent && lateReleased) {
                    peer.send(rootEnd(entriesChecked));
                    endSent = true;
                }
            }
        }

        /**
         * A dry run's conversation: every item offered as the real run offers it but without
         * contents (no FileInline or MetaEager; a move without its file's hash), the destination's
         * answers (the outcome each would have) reported as the real run reports them, a refused
         * move offered again as its deletes and transfers, the delayed deletes last; nothing read
         * beyond the scan's metadata, nothing recorded. The destination's Summary holds what it
         * would have done.
         */
        private Message.Summary dryRunExchange(long entriesChecked) {
            int next = 0;
            // answers still to come for what was offered; directories are answered after the MetaEnd
            int awaited = 0;
            while (true) {
                if (next < items.size()) {
                    Planner.Item item = items.get(next);
                    peer.send(dryRunOffer(next, item));
                    next++;
                    if (!(item instanceof Planner.Meta && item.entry().isDirectory())) {
                        awaited++;
                    }
                    for (Message m = peer.poll(); m != null; m = peer.poll()) {
                        awaited -= dryRunAnswer(m, next);
                    }
                } else if (awaited > 0) {
                    awaited -= dryRunAnswer(peer.take(), next);
                } else if (!late.isEmpty()) {
                    late.forEach(this::add);
                    late.clear();
                } else {
                    break;
                }
            }
            peer.send(new Message.MetaEnd(entriesChecked));
            while (true) {
                Message m = peer.take();
                if (m instanceof Message.Summary summary) {
                    if (settledCount != items.size()) {
                        throw Protocol.violation("summary before all entries were answered (" + settledCount + " of " + items.size() + ")");
                    }
                    return summary;
                }
                dryRunAnswer(m, next);
            }
        }

        private Message dryRunOffer(int id, Planner.Item item) {
            if (item instanceof Planner.Move mv) {
                return new Message.Move(id, WireEntry.of(mv.from()), wire(mv.entry()), 0, false);
            }
            if (item instanceof Planner.Delete) {
                return new Message.Delete(id, WireEntry.of(item.entry()));
            }
            if (item instanceof Planner.Link l) {
                return new Message.Link(id, wire(l.entry()), WireEntry.of(l.target()));
            }
            return new Message.Meta(id, wire(item.entry()));
        }

        /**
         * Reports one of the destination's dry-run answers as {@link #onAck} reports the real one;
         * 1 if it was awaited (not a directory's). {@code offered}: how many items were offered.
         */
        private int dryRunAnswer(Message m, int offered) {
            Message.Ack a = Protocol.expect(m, Message.Ack.class);
            if (a.id() < 0 || a.id() >= offered || !settle(a.id())) {
                throw Protocol.violation("unexpected ACK for entry " + a.id());
            }
            Planner.Item item = items.get(a.id());
            Entry e = item.entry();
            String path = e.path();
            boolean fits = switch (a.outcome()) {
                case DELETED, GONE, LEFT, KEPT -> item instanceof Planner.Delete;
                case MOVED -> item instanceof Planner.Move;
                case FAILED -> true;
                default -> !(item instanceof Planner.Delete);
            };
            if (!fits) {
                throw Protocol.violation("outcome " + a.outcome() + " for entry " + a.id());
            }
            switch (a.outcome()) {
                case DELETED -> listener.entryDone(path, SyncListener.EntryAction.DELETED, 0);
                case MOVED -> listener.entryMoved(((Planner.Move) item).from().path(), path, e.size());
                case LINKED, TRANSFERRED, DIRECTORY, SYMLINK, METADATA -> Protocol.reportPlaced(listener, path, a.outcome(), e.size());
                case KEPT, FAILED -> listener.entryFailed(path, a.detail());
                case UNCHANGED, GONE, LEFT -> {
                }
            }
            if (item instanceof Planner.Move mv && a.outcome() != Outcome.MOVED) {
                fallBack(mv);
            }
            if ((item instanceof Planner.Meta || item instanceof Planner.Move) && e.isFile()) {
                links.settled(path, a.outcome().settled() ? e : null).forEach(this::add);
            }
            return item instanceof Planner.Meta && e.isDirectory() ? 0 : 1;
        }

        /**
         * The MetaEnd, with this root's mode and mtime for the destination's root (as rsync -a
         * gives them): not in a bidirectional pass, whose two roots are each their own, nor for a
         * single-file SRC, whose directory is not what DST should look like.
         */
        private Message.MetaEnd rootEnd(long entriesChecked) {
            if (bidi == null && !options.filter().picksOneEntry()) {
                try {
                    Entry r = Stat.followOrNull(root, "");
                    if (r != null && r.isDirectory()) {
                        return new Message.MetaEnd(entriesChecked, r.mode(), r.mtimeNanos());
                    }
                } catch (IOException e) {
                    log.info("root {} not read for its mode and mtime: {}", root, IoReasons.reason(e));
                }
            }
            return new Message.MetaEnd(entriesChecked);
        }

        /**
         * Files the destination cannot have yet, whose contents go out with their entry
         * (FileInline) instead of after a Need: every file when the destination's tree is empty;
         * with a trusted peer, files without a record or whose size or mtime changed since it (a
         * destination file of its own there costs at most {@link MessageCodec#INLINE_MAX} wasted
         * bytes: it answers as for a Meta and drops them). Not in bidirectional passes.
         */
        private Predicate<Entry> newHere(Map<String, Entry> recorded, boolean trusted, boolean destinationEmpty) {
            if (destinationEmpty) {
                return e -> true;
            }
            if (!trusted) {
                return e -> false;
            }
            return e -> {
                Entry r = recorded.get(e.path());
                return r == null || r.size() != e.size() || r.mtimeNanos() != e.mtimeNanos();
            };
        }

        /**
         * Whether files too large to inline go out as MetaEager, their contents streamed at once
         * as if the destination had asked (one round trip fewer before the first byte): only into
         * a destination whose tree is empty and holds no partial file. Stricter than
         * {@link #newHere}: the guess must not be wrong, since a whole file's bytes, not
         * {@link MessageCodec#INLINE_MAX}, are wasted if it is (only a file made there since the
         * destination's scan can make it so; the destination drops the bytes), and a partial file
         * must be resumed with a Resume, which only a Meta asks for. Not in bidirectional passes;
         * a scoped run's destination never reports its tree empty.
         */
        private boolean eagerTo(boolean destinationEmpty, boolean destinationPartials) {
            return destinationEmpty && !destinationPartials;
        }

        /**
         * {@code e}'s entry with all of its contents and their checksum, if it is a small file
         * {@link #inlined} picks that can be read whole and did not change while read (else null:
         * it goes out as a Meta, and its contents, should the destination need them, the usual
         * way, which also reports read errors and sends a changing file again). Saves the
         * destination's Need, one round trip before the contents, and three messages per file
         * (Need, FileData, FileEnd).
         */
        private Message.FileInline inline(int id, Entry e, WireEntry w) {
            if (!e.isFile() || e.size() > MessageCodec.INLINE_MAX || !inlined.test(e)
                    || MessageCodec.encodedSize(w) + e.size() > MessageCodec.LIST_BUDGET) {
                return null;
            }
            byte[] data = new byte[(int) e.size()];
            Path file = root.resolve(e.path());
            try (FileChannel ch = openToRead(file)) {
                if (!readFully(ch, data) || ch.read(probe.clear()) > 0) {
                    return null;
                }
                Entry now = statAsScanned(file, e.path());
                if (now == null || !now.isFile() || now.size() != e.size() || now.mtimeNanos() != e.mtimeNanos()) {
                    return null;
                }
            } catch (IOException ex) {
                return null;
            }
            Checksum.Digest hash = options.checksum().start();
            hash.update(data, 0, data.length);
            listener.progress(data.length);
            return new Message.FileInline(id, w, data, hash.finish());
        }

        /** Entry {@code id} now waits for the destination to settle it. */
        private void await(int id) {
            if (!awaiting.get(id)) {
                awaiting.set(id);
                awaitingCount++;
            }
        }

        /** Entry {@code id} no longer waits: settled, or given up on. */
        private void answered(int id) {
            if (awaiting.get(id)) {
                awaiting.clear(id);
                awaitingCount--;
            }
        }

        private Message message(int id, Planner.Item item) {
            if (item instanceof Planner.Move mv) {
                unresolvedMoves++;
                return new Message.Move(id, WireEntry.of(mv.from()), wire(mv.entry()), mv.entry().isFile() ? hash(mv.entry()) : 0,
                        reconciled != null && reconciled.carries(mv));
            }
            if (item instanceof Planner.Delete) {
                unackedDeletes++;
                return new Message.Delete(id, WireEntry.of(item.entry()));
            }
            if (item instanceof Planner.Link l) {
                await(id);
                return new Message.Link(id, wire(l.entry()), WireEntry.of(l.target()));
            }
            if (!item.entry().isDirectory()) {
                await(id);
            }
            WireEntry w = wire(item.entry());
            Message.FileInline inline = inline(id, item.entry(), w);
            if (inline != null) {
                // as if the destination had asked: a second Need (checksum mismatch) sends it again
                needed.set(id);
                return inline;
            }
            if (eagerFiles && item instanceof Planner.Meta && item.entry().isFile()) {
                // as if the destination had asked for all of it: contents right after this burst
                needed.set(id);
                eager.set(id);
                eagerAnnounced.put(id, item.entry());
                needQueue.add(id);
                return new Message.MetaEager(id, w);
            }
            return new Message.Meta(id, w);
        }

        private void handle(Message m) {
            if (m instanceof Message.Resume r) {
                int id = r.id();
                Planner.Item item = id >= 0 && id < items.size() ? items.get(id) : null;
                if (!(item instanceof Planner.Meta) || !item.entry().isFile() || needed.get(id)) {
                    throw Protocol.violation("unexpected RESUME for entry " + id);
                }
                if ((long) r.blockHashes().length * r.blockSize() > item.entry().size()) {
                    throw Protocol.violation("RESUME of entry " + id + " offers " + r.blockHashes().length + " blocks of "
                            + r.blockSize() + " bytes, beyond its " + item.entry().size() + " bytes");
                }
                resumes.put(id, r);
                handle(new Message.Need(id));
            } else if (m instanceof Message.Need n) {
                int id = n.id();
                Planner.Item item = id >= 0 && id < items.size() ? items.get(id) : null;
                boolean fileMeta = (item instanceof Planner.Meta || item instanceof Planner.Link) && item.entry().isFile();
                boolean refusedMove = item instanceof Planner.Move && !settled.get(id);
                if (item != null && item.entry().isFile() && !settled.get(id) && needed.get(id) && add(resent, id)) {
                    // The destination's checksum did not match: send it once more.
                    needQueue.add(id);
                    return;
                }
                if (!(fileMeta || refusedMove) || !add(needed, id)) {
                    throw Protocol.violation("unexpected NEED for entry " + id);
                }
                if (refusedMove) {
                    unresolvedMoves--;
                    fallBack((Planner.Move) item);
                }
                if (item.entry().isFile()) {
                    needQueue.add(id);
                    if (refusedMove) {
                        await(id);
                    }
                }
            } else if (m instanceof Message.Ack a) {
                onAck(a);
            } else {
                throw Protocol.violation("unexpected " + m.getClass().getSimpleName() + " from the destination");
            }
        }

        /**
         * The destination did not move: it will take {@code to} like a meta (a file's contents
         * follow its NEED), so delete what it has at {@code from} the usual way and offer what is
         * below a directory's new path.
         */
        private void fallBack(Planner.Move mv) {
            log.info("destination refused the move {} -> {}; sending it instead", mv.from().path(), mv.entry().path());
            for (Entry e : mv.fromTree()) {
                if ((reconciled != null && reconciled.owned(e.path())) || withholding) {
                    continue;
                }
                if (options.deleteDelay() && !lateReleased) {
                    late.add(new Planner.Delete(e));
                } else {
                    add(new Planner.Delete(e));
                }
            }
            if (mv.entry().isDirectory()) {
                String to = mv.entry().path();
                Set<String> offered = items.offeredAtOrBelow(to);
                for (Entry e : scan.entries().subMap(to + "/", true, to + "0", false).values()) {
                    if (!offered.contains(e.path())) {
                        add(new Planner.Meta(e));
                    }
                }
            }
        }

        private void onAck(Message.Ack a) {
            int id = a.id();
            if (id >= 0 && eagerAbandoned.get(id)) {
                // The destination settled it before our FileAbort arrived: it holds the announced
                // version (its failure was reported when we gave up on it).
                eagerAbandoned.clear(id);
                Entry announced = eagerAnnounced.remove(id);
                if (a.outcome().settled()) {
                    snapshot.put(announced);
                }
                return;
            }
            if (id < 0 || id >= items.size() || !settle(id)) {
                throw Protocol.violation("unexpected ACK for entry " + id);
            }
            answered(id);
            Planner.Item item = items.get(id);
            // Settled without its contents, an eager file was decided on as announced (see eagerAnnounced).
            Entry announced = eagerAnnounced.remove(id); // its one Ack: the entry is not needed after it
            Entry e = announced != null && a.outcome() != Outcome.TRANSFERRED ? announced : item.entry();
            String path = e.path();
            if (item instanceof Planner.Delete) {
                unackedDeletes--;
                if (a.outcome() == Outcome.LEFT) {
                    // The destination kept the directory for what it still holds: it stays recorded,
                    // so a later sync deletes it once emptied (forgotten, it would stay behind for
                    // good); without its identity, so a new directory reusing its inode is no move of it.
                    snapshot.put(new Entry(path, e.type(), e.size(), e.mtimeNanos(), e.mode(), 0, 0, e.linkTarget(), e.uid(),
                            e.gid(), e.nlink(), e.xattrHash()));
                } else if (a.outcome().settled()) {
                    snapshot.remove(path);
                }
                if (a.outcome() == Outcome.DELETED) {
                    listener.entryDone(path, SyncListener.EntryAction.DELETED, 0);
                } else if (a.outcome() == Outcome.KEPT || a.outcome() == Outcome.FAILED) {
                    listener.entryFailed(path, a.detail());
                }
                return;
            }
            if (item instanceof Planner.Move mv && !needed.get(id)) {
                unresolvedMoves--;
                if (a.outcome() == Outcome.MOVED) {
                    snapshot.moveTree(mv.from().path(), path);
                    if (reconciled != null && reconciled.carries(mv)) {
                        carried.put(mv.from().path(), path);
                    }
                    listener.entryMoved(mv.from().path(), path, e.size());
                    if (e.isFile()) {
                        links.settled(path, e).forEach(this::add);    // a moved file may lead a set of hard links
                    }
                    return;
                }
                if (a.outcome() != Outcome.FAILED) {
                    throw Protocol.violation("outcome " + a.outcome() + " for move " + id + " that was not refused");
                }
            }
            if ((item instanceof Planner.Meta || item instanceof Planner.Move) && e.isFile()) {
                links.settled(path, a.outcome().settled() ? e : null).forEach(this::add);
            }
            switch (a.outcome()) {
                case LINKED, TRANSFERRED, DIRECTORY, SYMLINK, METADATA -> Protocol.reportPlaced(listener, path, a.outcome(), e.size());
                case UNCHANGED -> {
                }
                case FAILED -> {
                    snapshot.remove(path);
                    listener.entryFailed(path, a.detail());
                    return;
                }
                default -> throw Protocol.violation("outcome " + a.outcome() + " for entry " + id);
            }
            snapshot.put(e);
        }

        /**
         * Streams one file in chunks with an xxHash64 of all of it. If it cannot be read, or its
         * size or mtime after reading differ from the scan, the destination is told to drop it.
         */
        private void sendFile(int id) {
            if (settled.isEmpty() && log.isDebugEnabled()) {
                log.debug("timeline: sending contents of entry {}", id);
            }
            Entry e = items.get(id).entry();
            if (eager.get(id) && settled.get(id)) {
                // The destination settled it without its contents (it is there already, or
                // refused): it drops what follows for this id up to this.
                peer.send(new Message.FileAbort(id, NOT_NEEDED));
                return;
            }
            Path file = root.resolve(e.path());
            Checksum.Digest hash = options.checksum().start();
            long sent = 0;
            String failure = null;
            try (FileChannel ch = openToRead(file)) {
                Message.Resume resume = resumes.remove(id);
                if (resume != null) {
                    sent = verifiedPrefix(ch, resume, hash);
                    peer.send(new Message.FileFrom(id, sent));
                    ch.position(sent);
                }
                while (sent < e.size()) {
                    // Chunks sized to what is left: small files must not cost a 256 KiB buffer each;
                    // whole chunks come from the channel's pool, back to it once written out.
                    byte[] chunk = peer.chunk((int) Math.min(e.size() - sent, MessageCodec.MAX_CHUNK));
                    if (!readFully(ch, chunk)) {
                        failure = CHANGED;
                        break;
                    }
                    hash.update(chunk, 0, chunk.length);
                    peer.send(new Message.FileData(id, chunk));
                    sent += chunk.length;
                    listener.progress(chunk.length);
                }
                if (failure == null) {
                    Entry now = statAsScanned(file, e.path());
                    if (ch.read(ByteBuffer.allocate(1)) > 0 || now == null || !now.isFile() || now.size() != e.size()
                            || now.mtimeNanos() != e.mtimeNanos()) {
                        failure = CHANGED;
                    }
                }
            } catch (IOException ex) {
                failure = IoReasons.reason(ex);
            }
            if (failure == null) {
                peer.send(new Message.FileEnd(id, hash.finish()));
            } else if (failure.equals(CHANGED) && restart(id, e)) {
                log.info("{} changed while being sent; sending it again once it is quiet", e.path());
            } else {
                peer.send(new Message.FileAbort(id, failure));
                // Not acknowledged: the source settles it itself. Its record (if any) stays: the
                // destination keeps the version synced before, so a later delete or move of the
                // path must still reach it, and the changed file is a candidate again anyway.
                // (An eagerly sent file the destination settled meanwhile was acknowledged.)
                if (settle(id)) {
                    answered(id);
                    listener.entryFailed(e.path(), failure);
                    links.settled(e.path(), null).forEach(this::add);
                    if (eager.get(id)) {
                        eagerAbandoned.set(id);
                    }
                }
            }
        }

        /**
         * The length of the prefix of our file that the destination's partial copy holds: the
         * blocks up to the first whose hash differs (or that we cannot read whole). Feeds that
         * prefix into the whole-file checksum, which the destination computes over its copy. The
         * prefix is read twice (hash the blocks, then the checksum), the second time from the
         * page cache; a block buffer instead would let a peer make us allocate a gigabyte.
         */
        private long verifiedPrefix(FileChannel ch, Message.Resume resume, Checksum.Digest whole) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(MessageCodec.MAX_CHUNK);
            long offset = 0;
            for (long expected : resume.blockHashes()) {
                StreamingXXHash64 h = hashes.newStreamingHash64(0L);
                long left = resume.blockSize();
                while (left > 0) {
                    buf.clear().limit((int) Math.min(buf.capacity(), left));
                    int n = ch.read(buf, offset + resume.blockSize() - left);
                    if (n < 0) {
                        break;
                    }
                    h.update(buf.array(), 0, n);
                    left -= n;
                }
                if (left > 0 || h.getValue() != expected) {
                    break;
                }
                offset += resume.blockSize();
            }
            for (long pos = 0; pos < offset; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), offset - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new IOException("file shrank while verifying a partial copy");
                }
                whole.update(buf.array(), 0, n);
                pos += n;
            }
            return offset;
        }

        /** {@code e} as it travels: with its extended attributes, read now, when the sync carries them. */
        private WireEntry wire(Entry e) {
            WireEntry w = WireEntry.of(e);
            if (!options.xattrs() || e.isSymlink()) {
                return w;
            }
            try {
                return w.withXattrs(Xattrs.read(root.resolve(e.path()), options.symlinks() == Symlinks.FOLLOW));
            } catch (IOException ex) {
                log.warn("{}: extended attributes not sent: {}", e.path(), IoReasons.reason(ex));
                return w;
            }
        }

        /** Opens a file the scan found for reading: through a symbolic link only with {@code --symlinks follow}. */
        private FileChannel openToRead(Path file) throws IOException {
            return options.symlinks() == Symlinks.FOLLOW ? FileChannel.open(file, StandardOpenOption.READ)
                    : FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }

        /**
         * The entry at {@code file} as the scan would see it now: a link's referent with
         * {@code --symlinks follow}, else the link (files that changed since they were scanned).
         */
        private Entry statAsScanned(Path file, String rel) throws IOException {
            if (options.symlinks() == Symlinks.FOLLOW) {
                Entry e = Stat.lstatOrNull(file, rel);
                return e != null && e.isSymlink() ? Stat.followOrNull(file, rel) : e;
            }
            return Stat.lstatOrNull(file, rel);
        }

        /**
         * xxHash64 of a file about to be offered as moved, read at disk speed here rather than
         * sent; 0 if it cannot be read (the destination then refuses the move and the failure
         * shows when the contents are sent).
         */
        private long hash(Entry e) {
            StreamingXXHash64 hash = hashes.newStreamingHash64(0L);
            byte[] buf = new byte[(int) Math.min(Math.max(e.size(), 1), MessageCodec.MAX_CHUNK)];
            try (InputStream in = java.nio.channels.Channels.newInputStream(openToRead(root.resolve(e.path())))) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    hash.update(buf, 0, n);
                }
                return hash.getValue();
            } catch (IOException ex) {
                log.info("cannot hash {} for a move: {}", e.path(), IoReasons.reason(ex));
                return 0;
            }
        }

        /**
         * Tells the destination to drop what it received of {@code id} and expect it again with
         * its metadata as of now; false if the file is gone or was sent too often already.
         */
        private boolean restart(int id, Entry sent) {
            int n = resends.merge(id, 1, Integer::sum);
            Entry now;
            try {
                now = statAsScanned(root.resolve(sent.path()), sent.path());
            } catch (IOException ex) {
                return false;
            }
            // an eagerly sent file the destination settled without its contents is not sent again
            if (n > MAX_RESENDS || now == null || !now.isFile() || settled.get(id)) {
                return false;
            }
            items.set(id, items.get(id) instanceof Planner.Move mv ? new Planner.Move(mv.from(), now, mv.fromTree()) : new Planner.Meta(now));
            peer.send(new Message.FileRestart(id, wire(now)));
            restarts.add(new Restart(id, wallClock.getAsLong()));
            return true;
        }

        /**
         * Nanoseconds until a restarted file may be sent: 0 once it has been unmodified for
         * {@link #SETTLE_NANOS} (re-announcing it if it changed since its restart), or
         * {@link #MAX_SETTLE_WAIT_NANOS} after it first changed.
         */
        private long restartDelay(Restart r) {
            long now = wallClock.getAsLong();
            Entry announced = items.get(r.id()).entry();
            Entry current;
            try {
                current = statAsScanned(root.resolve(announced.path()), announced.path());
            } catch (IOException ex) {
                return 0;
            }
            if (current != null && current.isFile() && (current.size() != announced.size()
                    || current.mtimeNanos() != announced.mtimeNanos())) {
                Planner.Item item = items.get(r.id());
                items.set(r.id(), item instanceof Planner.Move mv ? new Planner.Move(mv.from(), current, mv.fromTree()) : new Planner.Meta(current));
                peer.send(new Message.FileRestart(r.id(), wire(current)));
                announced = current;
            }
            long wait = Math.min(announced.mtimeNanos() + SETTLE_NANOS - now, r.since() + MAX_SETTLE_WAIT_NANOS - now);
            return Math.max(0, wait);
        }

        /** Fills {@code buf}; false if the file ends first. */
        private boolean readFully(FileChannel ch, byte[] buf) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(buf);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
