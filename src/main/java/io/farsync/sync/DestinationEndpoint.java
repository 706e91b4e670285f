package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.apply.Applier;
import io.farsync.sync.apply.BlockHashes;
import io.farsync.sync.apply.EntryFailure;
import io.farsync.sync.apply.GroupSync;
import io.farsync.sync.apply.Metadata;
import io.farsync.sync.apply.TempFile;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.protocol.Outcome;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.IoReasons;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.SortedEntries;
import io.farsync.sync.scan.Scanner;
import io.farsync.sync.scan.TempNames;
import io.farsync.sync.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The receiving side of a one-way sync. Writes only inside {@code root}. */
public final class DestinationEndpoint {

    private static final Logger log = LoggerFactory.getLogger(DestinationEndpoint.class);
    private static final int DEVIATIONS_PER_MESSAGE = 1000;
    /** Why a delete was refused: the destination's copy is not the one synced (the same words in a dry run). */
    private static final String CHANGED_NOT_DELETED = "changed at the destination since the last sync; not deleted";
    /** Acknowledgements wait for their snapshot commit; commit at least this often under load. */
    static final int ACKS_PER_COMMIT = 512;
    private static final long COMMIT_INTERVAL_NANOS = 200_000_000L;
    /**
     * Files fsynced concurrently before their renames: overlapping fsyncs share journal commits.
     * First sync of 20k small files over in-memory pipes on ext4: 13.6 s with one fsync at a
     * time, 5.6-7 s with 8 overlapping, 4.5 s with no fsync at all. See {@link #MAX_PENDING_COMMITS}
     * for why 32.
     */
    private static final int FSYNC_THREADS = 32;
    /**
     * Threads that create and write the temp files of small files received whole (FileInline),
     * beside the session thread, which keeps the protocol, the checks, the renames and the
     * snapshot: creating a file is most of a small file's cost at the destination (openat with
     * O_CREAT: ext4's inode and directory-entry allocation), and the session thread was the
     * critical path of a sync of many new small files while the other core idled
     * (docs/PERFORMANCE.md, "Session 11"). One is enough on two cores; more where there are more.
     */
    static final int WRITER_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
    /**
     * Received files whose fsync is under way (each holds an open descriptor). Only beyond this
     * does the receiving loop wait for an fsync; below it, it renames what is done and goes on
     * reading, so the link never idles behind the disk. 10,000 files of ~50 KB on loopback:
     * see docs/PERFORMANCE.md, "many small files".
     */
    private static final int MAX_PENDING_COMMITS = 512;
    /** With fsyncs under way and no message waiting, look again for finished ones this often. */
    private static final long COMMIT_POLL_NANOS = 2_000_000L;
    /** How long a failed run waits for the writer threads' files in all, to remove them (else they go when written). */
    private static final long DISCARD_WAIT_SECONDS = 10;

    private final Path root;
    private final SnapshotStore snapshot;
    private final SyncOptions options;
    private final SyncListener listener;
    /** Set for a pass of bidirectional sync; null for one-way sync. */
    private BidiOptions bidi;
    /** Bidirectional: renames carried along with this side's edit, old path to new. */
    private Map<String, String> carried = Map.of();
    /** After {@link #run}: this side's records were made with the source's database (else they are no base). */
    private volatile boolean knewSource;
    /** fsync of one file: what runs where no {@link GroupSync} barrier serves (another OS, a mount point). */
    private static final Fsync PER_FILE = TempFile::force;
    /**
     * Makes a received temp file's contents durable; tests hold it to prove renames wait for it.
     * Left at {@link #PER_FILE}, files on the root's file system share {@link GroupSync} barriers.
     */
    private Fsync fsync = PER_FILE;
    /** Writer threads for small files received whole ({@link #WRITER_THREADS}; 0: none, tests). */
    private int writerThreads = WRITER_THREADS;

    /** The fsync of one received file, run on the destination's fsync threads. */
    @FunctionalInterface
    interface Fsync {
        void force(TempFile temp) throws IOException;
    }
    /** What this run compares (continuous mode's batches); the whole tree by default. */
    private Scope scope = Scope.WHOLE;
    /** Whether the run waits for the source's Bye after its Summary (see {@link #endAtSummary}). */
    private boolean awaitBye = true;
    /** Whether a first sync gives the root the source root's mode and mtime ({@link #keepRootMetadata}). */
    private boolean rootMetadata = true;
    /** How messages for the peer name {@link #root} ({@link #showRootAs}); null: as it is. */
    private String shownAs;

    public DestinationEndpoint(Path root, SnapshotStore snapshot, SyncOptions options, SyncListener listener) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Makes this the receiving pass of a bidirectional sync: the source hears of this side's
     * changes (the extras carry every entry changed or never synced here), and a changed local
     * file or symlink about to be replaced is first kept aside as a conflict copy when
     * {@code options} keep both versions. {@code carried} collects the renames met by an edit
     * (old path to new path, see {@link RenameEdit}) for the version vectors.
     */
    DestinationEndpoint bidi(BidiOptions options, Map<String, String> carried) {
        this.bidi = Objects.requireNonNull(options, "options");
        this.carried = Objects.requireNonNull(carried, "carried");
        return this;
    }

    /** With {@code n} writer threads for small files received whole (0: the session thread writes them). */
    DestinationEndpoint writerThreads(int n) {
        this.writerThreads = n;
        return this;
    }

    /** Replaces how received files are fsynced (tests: delay one to watch the pipeline). */
    DestinationEndpoint fsyncWith(Fsync fsync) {
        this.fsync = Objects.requireNonNull(fsync, "fsync");
        return this;
    }

    /**
     * Errors and reasons for the peer show the root as {@code name} (a server: the path the client
     * asked for), not as this side's absolute path.
     */
    public DestinationEndpoint showRootAs(String name) {
        this.shownAs = name;
        return this;
    }

    /**
     * Limits the run to {@code scope}: deviations and extras are looked for only in its subtrees
     * (and everywhere if the source's database is not the recorded one).
     */
    public DestinationEndpoint scope(Scope scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
        return this;
    }

    /**
     * Returns as soon as the Summary is sent, without waiting for the source's Bye: for a
     * conversation that is alone on its stream (a one-shot server job). Everything is applied,
     * made durable and acknowledged before the Summary, so the Bye only tells the destination
     * that the source heard it; waiting for it made the server's outcome, which the client
     * waits for, leave a round trip after the Summary instead of with it. Not for persistent
     * sessions or bidi, where the next conversation follows on the same stream and its first
     * message must not reach this run's reader (which, closed, discards up to the Bye).
     */
    public DestinationEndpoint endAtSummary() {
        this.awaitBye = false;
        return this;
    }

    /**
     * Never gives the root the source root's mode and mtime: for a server whose client named the
     * account's root itself (the operator's directory, not the client's to chmod).
     */
    public DestinationEndpoint keepRootMetadata() {
        this.rootMetadata = false;
        return this;
    }

    /** True if the last {@link #run} found its snapshot made with the source's database. */
    boolean knewSource() {
        return knewSource;
    }

    /** Counterpart of {@link SourceEndpoint#run}. */
    public SyncResult run(InputStream fromPeer, OutputStream toPeer) throws IOException {
        PeerChannel peer = new PeerChannel("destination", fromPeer, toPeer, m -> m instanceof Message.Bye);
        peer.showing(PathJail.showing(root, shownAs));
        peer.start();
        long started = System.currentTimeMillis();
        // a dry run records nothing, not even that it ran (its database is read-only)
        boolean dry = options.dryRun();
        if (!dry) {
            RunJournal.started(snapshot, "destination", root, started);
        }
        Session session = new Session(peer);
        // Rows are committed by commitDurably alone, after the directories they describe are
        // synced: a full batch, a read or a side-table write committing could claim a rename a
        // power loss undoes.
        snapshot.commitOnFlushOnly(true);
        try {
            SyncResult r = session.run();
            if (!dry) {
                RunJournal.finished(snapshot, started, System.currentTimeMillis(), r, 0);
            }
            return r;
        } catch (FarsyncException e) {
            if (!dry) {
                int pending = session.unsettled();
                session.salvage(e.exitCode() != ExitCode.DISK_FULL);
                RunJournal.failed(snapshot, started, System.currentTimeMillis(), e, pending, session.kept(), session.errors);
            }
            peer.abort(e);
            throw e;
        } catch (RuntimeException e) {
            FarsyncException f = new FarsyncException(ExitCode.INTERNAL, "internal error in the sync destination: " + e, e);
            if (!dry) {
                int pending = session.unsettled();
                session.salvage(true);
                RunJournal.failed(snapshot, started, System.currentTimeMillis(), f, pending, session.kept(), session.errors);
            }
            peer.abort(f);
            throw f;
        } finally {
            session.fsyncs.shutdownNow();
            if (session.writers != null) {
                // not shutdownNow: a write dropped from the queue would never complete, and its temp
                // file's discard (registered by discardTemps) and its directory handle would be lost
                session.writers.shutdown();
            }
            session.applier.close();
            peer.close();
            try {
                if (!dry) {
                    session.commitDurably();
                }
            } catch (RuntimeException e) {
                log.warn("could not commit the destination snapshot: {}", e.getMessage());
            }
            snapshot.commitOnFlushOnly(false);
            if (session.group != null) {
                session.group.close();
            }
        }
    }

    /**
     * A received, verified file on its way into place: {@code written} (at once, or by a writer
     * thread), then {@code synced} (its fsync or barrier, after the write), then renamed.
     */
    private record PendingCommit(int id, WireEntry entry, CompletableFuture<TempFile> written, CompletableFuture<?> synced) {
        /** The temp file if its write has ended well, else null (a failed write removed its own). */
        TempFile tempIfWritten() {
            return written.isDone() && !written.isCompletedExceptionally() ? written.join() : null;
        }
    }

    /** A file the destination asked for and is receiving. */
    private static final class Incoming {
        final WireEntry entry;
        TempFile temp;
        String failure;
        /** For a file of at least one block: the partial name it is received under, else null. */
        String partialName;
        /** After a Resume: FileFrom must come first, within the blocks offered. */
        boolean awaitingFrom;
        int blockSize;
        int offeredBlocks;

        Incoming(WireEntry entry) {
            this.entry = entry;
        }
    }

    /** One run's state; used by the endpoint's thread only. */
    private final class Session {
        private final PeerChannel peer;
        private final Metadata metadata = Metadata.of(options.preserveOwner(), options.xattrs(), Metadata.runningAsRoot());
        private final Applier applier = new Applier(root, metadata);
        private NavigableMap<String, Entry> recorded;
        /** The source numbers entries 0, 1, 2... in sending order; anything else is refused. */
        private int nextId;
        private final Map<Integer, Incoming> incoming = new HashMap<>();
        /** MetaEager files settled or refused without their contents: what follows for them is dropped. */
        private final Set<Integer> dropping = new HashSet<>();
        private long droppedBytes;
        /** Files asked for a second time after a checksum mismatch. */
        private final Set<Integer> resent = new HashSet<>();
        private final Map<Integer, WireEntry> directories = new HashMap<>();
        private final Map<Integer, Boolean> createdDirectories = new HashMap<>();
        private final List<Message.Ack> acksAfterCommit = new ArrayList<>();
        private final ArrayDeque<PendingCommit> commits = new ArrayDeque<>();
        private final ExecutorService fsyncs = Executors.newFixedThreadPool(FSYNC_THREADS, r -> {
            // Daemon: an fsync stuck on a dead disk must not keep the JVM alive.
            Thread t = new Thread(r, "farsync-destination-fsync");
            t.setDaemon(true);
            return t;
        });
        /** See {@link #WRITER_THREADS}; null: the session thread writes every file itself. */
        private final ExecutorService writers = writerThreads <= 0 ? null : Executors.newFixedThreadPool(writerThreads, r -> {
            Thread t = new Thread(r, "farsync-destination-writer");
            t.setDaemon(true);
            return t;
        });
        /** Barriers that make many received files and renames durable at once; null: fsync each. */
        private GroupSync group;
        /** When the oldest ack or rename still waiting for a commit became pending. */
        private long firstPending;
        private boolean salvaging;
        private final List<String> errors = new ArrayList<>();
        private long filesTransferred;
        private long bytesTransferred;
        private long filesDeleted;
        private long filesMoved;
        private long entriesChecked;
        /** The source's MetaEnd: the root's mode and mtime for {@link #finishRoot}. */
        private Message.MetaEnd rootEnd;
        /** The whole tree was scanned and held nothing: a first sync into a new or empty DST. */
        private boolean rootWasEmpty;
        /** The source's snapshot database id: part of every partial file's name. */
        private String sourceDb;
        /** Partial files found by the scan and not yet claimed by a file this run receives. */
        private Map<String, Path> partials = Map.of();
        private int keptPartials;
        private long resumedBytes;

        Session(PeerChannel peer) {
            this.peer = peer;
        }

        /** Files being received or verified and not yet in place. */
        int unsettled() {
            return incoming.size() + commits.size();
        }

        /** Partial files kept for a later run to resume. */
        int kept() {
            return keptPartials;
        }

        SyncResult run() {
            peer.send(new Message.Hello(Protocol.VERSION, snapshot.id()));
            metadata.warnings().forEach(w -> log.warn("{} ({})", w, root));
            boolean dry = options.dryRun();
            // a dry run creates nothing: a root that is not there yet is an empty tree
            boolean rootThere = dry ? checkRoot() : prepareRoot();
            group = !dry && fsync == PER_FILE ? GroupSync.open(root) : null;
            // leftover temp files are removed unless another session in this JVM may be writing them
            // (or this is a dry run); stops when the peer is gone (a server that refused the sync):
            // reported at once, and no more stale temp files removed
            Scanner scanner = new Scanner(!dry && RootSessions.alone(root), Protocol.snapshotFiles(snapshot, root))
                    .stopWhen(peer::failed);
            ScanResult scan;
            try {
                scan = rootThere ? scope.scan(scanner, root) : new ScanResult(new TreeMap<>(), Map.of(), Set.of(), 0);
            } catch (Scanner.Stopped e) {
                throw peer.failureAfter(e);
            }
            partials = new HashMap<>(scanner.partials());
            rootWasEmpty = scope.isWhole() && scan.entries().isEmpty();
            recorded = scope.load(snapshot, scan);
            // The lists go out before the source's hello arrives when they cannot depend on it
            // (a whole-tree run: no widening; no mirror or bidi: Extras is empty): the source then
            // has them one round trip sooner, when its own scan is done.
            boolean early = scope.isWhole();
            boolean earlyExtras = early && !options.mirror() && bidi == null;
            if (early) {
                sendDeviations(scan, true);
            }
            if (earlyExtras) {
                sendExtras(scan, false);
            }
            log.debug("timeline: scanned {} entries{}", scan.entries().size(), early ? ", lists sent" : "");
            // The source says hello before it scans: this waits for the link, not for its scan.
            Message.Hello hello = Protocol.expect(peer.take(), Message.Hello.class);
            Protocol.checkVersion(hello);
            boolean sameSource = snapshot.peerId().map(hello.snapshotId()::equals).orElse(false);
            if (!sameSource && !scope.isWhole() && rootThere) {
                scan = scanner.scan(root);
                recorded = snapshot.loadAll(scan.entries());
            }
            partials = new HashMap<>(scanner.partials());
            knewSource = sameSource;
            if (!dry) {
                snapshot.setPeerId(hello.snapshotId());
            }
            sourceDb = hello.snapshotId();
            if (!early) {
                sendDeviations(scan, scope.isWhole() || !sameSource);
            }
            if (!earlyExtras) {
                sendExtras(scan, sameSource);
            }
            if (dry) {
                return dryRun(new DryRunJudge(scan.entries(), recorded));
            }

            boolean metaEnd = false;
            while (!metaEnd || !incoming.isEmpty() || !dropping.isEmpty()) {
                Message m = peer.poll();
                if (m == null && commits.isEmpty()) {
                    commitAndAck(false);
                    m = peer.take();
                } else if (m == null) {
                    // fsyncs under way: rename those that are done, never wait for one still running.
                    completeCommits(false);
                    m = peer.poll(COMMIT_POLL_NANOS);
                }
                if (m instanceof Message.MetaEnd end) {
                    metaEnd = true;
                    entriesChecked = end.entriesChecked();
                    rootEnd = end;
                } else if (m != null) {
                    handle(m);
                }
                commitIfDue();
            }
            completeCommits(true);
            // before the directories get their mtimes, which removing a file changes
            removeUnclaimedPartials();
            if (scope.isWhole()) {
                // a scoped batch saw only its subtrees' partial files: the others' notes stay
                snapshot.clearPartials();
            }
            finishDirectories();
            finishRoot();
            commitAndAck(true);
            if (resumedBytes > 0) {
                log.info("resumed partial files in {}: {} bytes not sent again", root, resumedBytes);
            }
            if (droppedBytes > 0) {
                log.info("dropped {} bytes sent eagerly for files settled without them in {}", droppedBytes, root);
            }
            return end();
        }

        /** Sends the Summary of what was done (or, in a dry run, would be), waits for the Bye if it should. */
        private SyncResult end() {
            List<String> reported = MessageCodec.fitInFrame(errors);
            if (!reported.equals(errors)) {
                errors.forEach(e -> log.warn("not synced: {}", e));
            }
            Message.Summary summary = new Message.Summary(filesTransferred, bytesTransferred, filesDeleted, filesMoved, entriesChecked, reported);
            peer.send(summary);
            log.debug("timeline: summary sent");
            if (awaitBye) {
                Protocol.expect(peer.take(), Message.Bye.class);
            }
            peer.finish();
            return new SyncResult(filesTransferred, bytesTransferred, filesDeleted, filesMoved, 0, entriesChecked, summary.errors());
        }

        /** A dry run's {@link #prepareRoot}: true if the root is there, and nothing created. */
        private boolean checkRoot() {
            if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root)) {
                throw new FarsyncException(ExitCode.USAGE, "destination is not a directory: " + root);
            }
            return Files.isDirectory(root);
        }

        /**
         * A dry run's conversation after the lists: each offer answered at once with the outcome
         * it would have ({@link DryRunJudge}) and reported as the real run reports it; the Summary
         * counts what would have been done. Nothing is written, created or recorded.
         */
        private SyncResult dryRun(DryRunJudge judge) {
            // directories are answered last, deepest first, as the real run finishes them
            List<Map.Entry<String, Message.Ack>> directoryAnswers = new ArrayList<>();
            while (true) {
                Message m = peer.take();
                if (m instanceof Message.MetaEnd end) {
                    entriesChecked = end.entriesChecked();
                    break;
                }
                if (m instanceof Message.EntryError err) {
                    fail(err.path(), err.reason());
                    continue;
                }
                int id;
                WireEntry e;
                Outcome o;
                String from = null;
                if (m instanceof Message.Meta meta) {
                    id = meta.id();
                    e = meta.entry();
                    o = judge.meta(checked(e));
                } else if (m instanceof Message.Link link) {
                    id = link.id();
                    e = link.entry();
                    o = judge.link(checked(e), checked(link.target()));
                } else if (m instanceof Message.Delete del) {
                    id = del.id();
                    e = del.expected();
                    o = judge.delete(checked(e));
                } else if (m instanceof Message.Move move) {
                    id = move.id();
                    e = move.to();
                    checkMove(move.from(), e);
                    from = move.from().path();
                    o = judge.move(move.from(), e);
                } else {
                    throw Protocol.violation("unexpected " + m.getClass().getSimpleName() + " from the source in a dry run");
                }
                claimId(id);
                if (m instanceof Message.Meta && e.type() == io.farsync.sync.scan.EntryType.DIRECTORY) {
                    directoryAnswers.add(Map.entry(e.path(), new Message.Ack(id, o, null)));
                    continue;
                }
                reportDryRun(id, e, o, from);
            }
            directoryAnswers.sort(Map.Entry.<String, Message.Ack>comparingByKey().reversed());
            for (Map.Entry<String, Message.Ack> d : directoryAnswers) {
                Outcome o = judge.finishDirectory(d.getKey(), d.getValue().outcome());
                reportDryRun(d.getValue().id(), new WireEntry(d.getKey(), io.farsync.sync.scan.EntryType.DIRECTORY, 0, 0, 0, null), o, null);
            }
            return end();
        }

        /** Counts and reports one dry-run answer as the real run would, and sends it. */
        private void reportDryRun(int id, WireEntry e, Outcome o, String from) {
            String detail = null;
            switch (o) {
                case TRANSFERRED -> {
                    filesTransferred++;
                    bytesTransferred += e.size();
                    Protocol.reportPlaced(listener, e.path(), o, e.size());
                }
                case DIRECTORY, SYMLINK, METADATA, LINKED -> Protocol.reportPlaced(listener, e.path(), o, e.size());
                case DELETED -> {
                    filesDeleted++;
                    listener.entryDone(e.path(), SyncListener.EntryAction.DELETED, 0);
                }
                case MOVED -> {
                    filesMoved++;
                    listener.entryMoved(from, e.path(), e.size());
                }
                case KEPT -> {
                    detail = CHANGED_NOT_DELETED;
                    fail(e.path(), detail);
                }
                default -> {
                }
            }
            peer.send(new Message.Ack(id, o, detail));
        }

        /** A move the protocol allows: valid paths, one type, neither end inside the other. */
        private static void checkMove(WireEntry from, WireEntry to) {
            String a = PathJail.checkWirePath(from.path());
            String b = PathJail.checkWirePath(to.path());
            if (from.type() != to.type() || Entry.isAtOrBelow(b, a) || Entry.isAtOrBelow(a, b)) {
                throw Protocol.violation("invalid move " + PathJail.show(a) + " -> " + PathJail.show(b));
            }
        }

        private static WireEntry checked(WireEntry e) {
            PathJail.checkWirePath(e.path());
            return e;
        }

        /** Makes the root if needed; true (it is there). */
        private boolean prepareRoot() {
            if (checkRoot()) {
                return true;
            }
            try {
                Files.createDirectories(root);
                return true;
            } catch (AccessDeniedException e) {
                throw new FarsyncException(ExitCode.PERMISSION_DENIED, "permission denied: " + root, e);
            } catch (IOException e) {
                if (IoReasons.isDiskFull(e)) {
                    throw new FarsyncException(ExitCode.DISK_FULL, "no space left on device creating " + root, e);
                }
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "cannot create destination " + root + ": " + IoReasons.reason(e), e);
            }
        }

        /**
         * Paths whose state differs from what this side's snapshot recorded as synced; the last
         * message says whether the tree is empty ({@code whole}: {@code scan} is of all of it).
         */
        private void sendDeviations(ScanResult scan, boolean whole) {
            List<String> batch = new ArrayList<>();
            int bytes = 0;
            SortedEntries.Cursor scanned = new SortedEntries.Cursor(scan.entries());
            for (Entry r : recorded.values()) {
                Entry now = scanned.get(r.path());
                if (now == null || !r.unchangedAs(now)) {
                    // Long paths fill a frame before the count does.
                    int size = 4 + r.path().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                    if (batch.size() == DEVIATIONS_PER_MESSAGE || bytes + size > MessageCodec.LIST_BUDGET) {
                        peer.send(new Message.Deviations(batch, false));
                        batch = new ArrayList<>();
                        bytes = 0;
                    }
                    batch.add(r.path());
                    bytes += size;
                }
            }
            peer.send(new Message.Deviations(batch, true, whole && scan.entries().isEmpty(), !partials.isEmpty()));
            if (scan.staleTempsRemoved() > 0) {
                log.info("removed {} temp files left by an interrupted sync in {}", scan.staleTempsRemoved(), root);
            }
        }

        /**
         * For {@code --mirror}: what this side has and never synced with this source, so the
         * source can delete what it does not have. Everything, if the records are not from this
         * source (its database was recreated).
         */
        private void sendExtras(ScanResult scan, boolean sameSource) {
            List<WireEntry> batch = new ArrayList<>();
            int bytes = 0;
            if (options.mirror() || bidi != null) {
                for (Entry e : scan.entries().values()) {
                    Entry r = recorded.get(e.path());
                    if (sameSource && r != null && (bidi == null || r.unchangedAs(e))) {
                        continue;
                    }
                    WireEntry w = WireEntry.of(e);
                    int size = MessageCodec.encodedSize(w);
                    if (bytes + size > MessageCodec.LIST_BUDGET) {
                        peer.send(new Message.Extras(batch, false));
                        batch = new ArrayList<>();
                        bytes = 0;
                    }
                    batch.add(w);
                    bytes += size;
                }
            }
            peer.send(new Message.Extras(batch, true));
        }

        private void handle(Message m) {
            if (m instanceof Message.Meta meta) {
                claimId(meta.id());
                onMeta(meta.id(), meta.entry(), null, false);
            } else if (m instanceof Message.FileInline f) {
                claimId(f.id());
                onMeta(f.id(), f.entry(), f, false);
            } else if (m instanceof Message.MetaEager eager) {
                claimId(eager.id());
                onMeta(eager.id(), eager.entry(), null, true);
                if (!incoming.containsKey(eager.id())) {
                    // settled or refused without its contents, which are on their way anyway
                    dropping.add(eager.id());
                }
            } else if (m instanceof Message.Link link) {
                claimId(link.id());
                onLink(link.id(), link.entry(), link.target());
            } else if (m instanceof Message.Move move) {
                claimId(move.id());
                onMove(move.id(), move.from(), move.to(), move.xxhash64(), move.carry());
            } else if (m instanceof Message.Delete del) {
                claimId(del.id());
                onDelete(del.id(), del.expected());
            } else if (m instanceof Message.FileData data) {
                if (dropping.contains(data.id())) {
                    droppedBytes += data.data().length;
                } else {
                    onData(data);
                }
                peer.recycle(data); // written (or dropped): its array goes back to the reader
            } else if (m instanceof Message.FileEnd end) {
                if (!dropping.remove(end.id())) {
                    onEnd(end);
                }
            } else if (m instanceof Message.FileFrom from) {
                onFrom(from);
            } else if (m instanceof Message.FileRestart restart && dropping.contains(restart.id())) {
                log.debug("entry {} restarted, still dropped", restart.id());
            } else if (m instanceof Message.FileRestart restart) {
                Incoming in = incoming.get(restart.id());
                WireEntry e = restart.entry();
                if (in == null || !PathJail.checkWirePath(e.path()).equals(in.entry.path()) || e.type() != in.entry.type()) {
                    throw Protocol.violation("FileRestart for entry " + restart.id() + " that is not being received as " + PathJail.show(e.path()));
                }
                if (in.temp != null) {
                    in.temp.discard();
                } else if (in.partialName != null) {
                    deleteQuietly(applier.target(in.entry.path()).resolveSibling(in.partialName));
                }
                incoming.put(restart.id(), incomingFor(e));
            } else if (m instanceof Message.FileAbort abort && dropping.remove(abort.id())) {
                log.debug("entry {} dropped: {}", abort.id(), abort.reason());
            } else if (m instanceof Message.FileAbort abort) {
                Incoming in = incoming.remove(abort.id());
                if (in == null) {
                    throw Protocol.violation("FileAbort for entry " + abort.id() + " that was not requested");
                }
                if (in.temp != null) {
                    in.temp.discard();
                }
                fail(in.entry.path(), abort.reason());
            } else if (m instanceof Message.EntryError err) {
                fail(err.path(), err.reason());
            } else {
                throw Protocol.violation("unexpected " + m.getClass().getSimpleName() + " from the source");
            }
        }

        private void claimId(int id) {
            if (id != nextId) {
                throw Protocol.violation("entry id " + id + " out of order (expected " + nextId + ")");
            }
            nextId++;
        }

        /**
         * A Meta, or with {@code inline} a FileInline: its contents are there if they are needed;
         * or with {@code eager} a MetaEager: they are on their way.
         */
        private void onMeta(int id, WireEntry e, Message.FileInline inline, boolean eager) {
            PathJail.checkWirePath(e.path());
            try {
                if (bidi != null) {
                    keepLocalChange(e);
                }
                switch (e.type()) {
                    case DIRECTORY -> {
                        createdDirectories.put(id, applier.ensureDirectory(e));
                        directories.put(id, e);
                    }
                    case SYMLINK -> {
                        boolean changed = applier.ensureSymlink(e);
                        settle(id, e.path(), applier.current(e.path()), changed ? Outcome.SYMLINK : Outcome.UNCHANGED);
                    }
                    case FILE -> {
                        // Refuse before asking for the contents, not after they crossed the link.
                        applier.requireParents(e.path());
                        Entry now = applier.current(e.path());
                        // a hard-linked copy whose mode differs is replaced, not chmodded: that would change its other links too
                        if (now != null && now.isFile() && now.size() == e.size()
                                && Applier.mtimeMatches(e.mtimeNanos(), now.mtimeNanos())
                                && (now.nlink() <= 1 || now.mode() == (e.mode() & io.farsync.sync.scan.Stat.MODE_MASK))) {
                            Applier.Applied fixed = applier.fixMetadata(e);
                            settle(id, e.path(), fixed.entry(), fixed.changed() ? Outcome.METADATA : Outcome.UNCHANGED);
                        } else if (bidi != null && bidi.sameBytes(e.path(), now, e.toEntry())) {
                            settle(id, e.path(), applier.retime(e).entry(), Outcome.METADATA);
                        } else if (inline != null) {
                            takeInline(id, inline);
                        } else if (eager) {
                            takeEager(id, e);
                        } else {
                            askFor(id, e);
                        }
                    }
                }
            } catch (EntryFailure f) {
                failAck(id, e.path(), f.getMessage());
            }
        }

        /**
         * Makes {@code e} a hard link to {@code target} if the target is in place as described
         * (else asks for {@code e}'s contents like a Meta); nothing to do if it already is one.
         */
        private void onLink(int id, WireEntry e, WireEntry target) {
            PathJail.checkWirePath(e.path());
            PathJail.checkWirePath(target.path());
            if (e.path().equals(target.path())) {
                throw Protocol.violation("hard link of " + PathJail.show(e.path()) + " to itself");
            }
            try {
                if (bidi != null) {
                    keepLocalChange(e);
                }
                applier.requireParents(e.path());
                Entry t = applier.current(target.path());
                if (t == null || !t.isFile() || t.size() != target.size() || !Applier.mtimeMatches(target.mtimeNanos(), t.mtimeNanos())) {
                    log.info("not linking {} to {}: the target is not in place as expected; asking for it", e.path(), target.path());
                    askFor(id, e);
                    return;
                }
                Entry now = applier.current(e.path());
                if (now != null && now.isFile() && now.sameIdentity(t)) {
                    settle(id, e.path(), now, Outcome.UNCHANGED);
                    return;
                }
                settle(id, e.path(), applier.link(e, target.path()), Outcome.LINKED);
            } catch (EntryFailure f) {
                failAck(id, e.path(), f.getMessage());
            }
        }

        /**
         * Bidirectional keep-both: a file or symlink changed here since the last sync that the
         * source's version would replace is kept as a conflict copy first ({@link ConflictCopies}:
         * a file is copied, and stays under its name until the received version replaces it).
         */
        private void keepLocalChange(WireEntry incoming) throws EntryFailure {
            Entry now = applier.current(incoming.path());
            if (now == null || now.isDirectory()) {
                return;
            }
            Entry theirs = new Entry(incoming.path(), incoming.type(), incoming.size(), incoming.mtimeNanos(), incoming.mode(), 0,
                    incoming.linkTarget());
            Entry r = recorded.get(incoming.path());
            if ((r != null && r.unchangedAs(now)) || Reconciler.same(now, theirs) || bidi.sameBytes(incoming.path(), now, theirs)
                    || !bidi.keepsBoth(now, theirs)) {
                return;
            }
            String copy = ConflictCopies.keep(root, incoming.path(), now, theirs, bidi.copyHost(incoming.path(), now));
            if (copy == null) {
                throw new EntryFailure("changed on both sides and could not be kept aside; not replaced");
            }
            log.info("conflict {}: kept this side's version as {}", incoming.path(), copy);
        }

        /**
         * Renames {@code from} to {@code to} if what is there is what was synced and {@code to}
         * can take it; otherwise asks for {@code to} (NEED) and takes it like a meta: the source
         * then deletes {@code from} the usual way and offers what a directory holds.
         */
        private void onMove(int id, WireEntry from, WireEntry to, long xxhash64, boolean carry) {
            checkMove(from, to);
            String a = from.path();
            String b = to.path();
            try {
                applier.requireParents(b);
                if (bidi != null) {
                    if (carry && carryRename(a, b, to)) {
                        ackAfterCommit(new Message.Ack(id, Outcome.MOVED, null));
                        return;
                    }
                    keepLocalChange(to);
                }
                Entry own = own(a);
                if ((bidi != null || !recreatedHere(a, from)) && applier.move(a, b, own != null ? own : from.toEntry(), own != null, xxhash64)) {
                    moveRecords(a, b);
                    if (carry) {
                        // the source records every carried move acked MOVED: so does this side
                        carried.put(a, b);
                    }
                    filesMoved++;
                    listener.entryMoved(a, b, to.size());
                    ackAfterCommit(new Message.Ack(id, Outcome.MOVED, null));
                    return;
                }
                log.info("not moving {} -> {}: not as synced, or the target is taken; asking for it", a, b);
                peer.send(new Message.Need(id));
                switch (to.type()) {
                    case FILE -> incoming.put(id, new Incoming(to));
                    case DIRECTORY -> {
                        createdDirectories.put(id, applier.ensureDirectory(to));
                        directories.put(id, to);
                    }
                    case SYMLINK -> {
                        boolean changed = applier.ensureSymlink(to);
                        settle(id, b, applier.current(b), changed ? Outcome.SYMLINK : Outcome.UNCHANGED);
                    }
                }
            } catch (EntryFailure f) {
                failAck(id, b, f.getMessage());
            }
        }

        /**
         * Bidirectional: the source renamed the synced file {@code a} to {@code b} and this side
         * edited it, or this side renamed it and the source edited it ({@link RenameEdit}). Either
         * the rename is already done here (it is recorded as made; the source's edit follows as a
         * Meta), or this side's edited file is renamed to {@code b} and the synced version is
         * recorded there, so the edit travels back as a change of {@code b} in the reverse pass.
         * Asked only for moves the source marked as carried, so both sides record the same
         * renames; false, changing nothing, if the files are not (or no longer) as that needs.
         */
        private boolean carryRename(String a, String b, WireEntry to) throws EntryFailure {
            Entry own = own(a);
            if (own == null || !own.isFile() || to.type() != io.farsync.sync.scan.EntryType.FILE) {
                return false;
            }
            Entry at = applier.current(a);
            Entry there = applier.current(b);
            if (at == null && there != null && there.isFile() && there.sameIdentity(own) && there.size() == own.size()
                    && there.mtimeNanos() == own.mtimeNanos()) {
                moveRecords(a, b);
                carried.put(a, b);
                return true;
            }
            if (at == null || !at.isFile() || own.unchangedAs(at) || there != null || !applier.carry(a, b)) {
                return false;
            }
            recorded.remove(a);
            recorded.put(b, own.withPath(b));
            snapshot.moveTree(a, b);
            filesMoved++;
            listener.entryMoved(a, b, at.size());
            carried.put(a, b);
            log.info("moved {} -> {} with this side's edit; it travels back under the new name", a, b);
            return true;
        }

        /**
         * True if the directory {@code a} is not the synced one although its inode says so: a
         * directory deleted and made again here can get the same inode back. Then it holds none
         * of the entries recorded below it and some it never recorded; moving it would carry
         * those along under the source's name. (A synced directory that merely gained a few
         * files of its own, say a .DS_Store, still moves, with them.) Not asked in bidirectional
         * sync, where this side's new entries travel with their directory.
         */
        private boolean recreatedHere(String a, WireEntry from) throws EntryFailure {
            if (from.type() != io.farsync.sync.scan.EntryType.DIRECTORY) {
                return false;
            }
            Entry now = applier.current(a);
            if (now == null || !now.isDirectory()) {
                return false;
            }
            boolean unrecorded = false;
            try (java.nio.file.DirectoryStream<Path> names = Files.newDirectoryStream(applier.target(a))) {
                for (Path name : names) {
                    String n = name.getFileName().toString();
                    if (recorded.containsKey(a + "/" + n)) {
                        return false;
                    }
                    unrecorded |= !io.farsync.sync.scan.TempNames.isTempName(n);
                }
                return unrecorded;
            } catch (IOException e) {
                return true; // cannot tell: transfer instead of moving
            }
        }

        /** This side's records of {@code a} and below now live below {@code b} (one snapshot statement). */
        private void moveRecords(String a, String b) throws EntryFailure {
            List<Entry> tree = new ArrayList<>();
            Entry top = recorded.remove(a);
            if (top != null) {
                tree.add(top);
            }
            tree.addAll(SortedEntries.removeBelow(recorded, a));
            for (Entry e : tree) {
                String moved = Entry.rebase(e.path(), a, b);
                recorded.put(moved, e.withPath(moved));
            }
            snapshot.moveTree(a, b);
            Entry now = applier.current(b);
            if (now != null) {
                recorded.put(b, now);
                snapshot.put(now);
            }
        }


        private void onDelete(int id, WireEntry expected) {
            String path = PathJail.checkWirePath(expected.path());
            Entry own = own(path);
            // Bidirectional: a delete whose version vector had seen this side's later version
            // names that version, not the synced one; it deletes only that version.
            if (own != null && bidi != null && !own.isDirectory() && !Reconciler.same(own, expected.toEntry())) {
                own = null;
            }
            Entry reference = own != null ? own : expected.toEntry();
            try {
                Applier.DeleteResult r = applier.delete(path, reference, own != null);
                if (r != Applier.DeleteResult.LEFT) {
                    // a kept directory stays recorded, as at the source: a later sync deletes it once emptied
                    forget(path);
                }
                switch (r) {
                    case DELETED -> {
                        filesDeleted++;
                        listener.entryDone(path, SyncListener.EntryAction.DELETED, 0);
                        ackAfterCommit(new Message.Ack(id, Outcome.DELETED, null));
                    }
                    case GONE -> ackAfterCommit(new Message.Ack(id, Outcome.GONE, null));
                    case LEFT -> {
                        log.info("kept directory {}: it holds entries the source never had", path);
                        ackAfterCommit(new Message.Ack(id, Outcome.LEFT, null));
                    }
                    case KEPT -> {
                        String why = CHANGED_NOT_DELETED;
                        errors.add(Protocol.error(path, why));
                        listener.entryFailed(path, why);
                        ackAfterCommit(new Message.Ack(id, Outcome.KEPT, why));
                    }
                }
            } catch (EntryFailure f) {
                failAck(id, path, f.getMessage());
            }
        }

        /** An incoming file, named for resuming if it is at least one block long. */
        private Incoming incomingFor(WireEntry e) {
            Incoming in = new Incoming(e);
            if (e.size() >= BlockHashes.BLOCK) {
                in.partialName = TempNames.forPartial(applier.target(e.path()).getFileName().toString(), sourceDb, e.path(),
                        e.size(), e.mtimeNanos());
                // the partial name may be truncated: note the final path for farsync admin
                String parent = Entry.parentOf(e.path());
                snapshot.notePartial(parent.isEmpty() ? in.partialName : parent + "/" + in.partialName, e.path());
            }
            return in;
        }

        /**
         * Asks for a file's contents: Resume with the hashes of the blocks of its partial file
         * when an earlier run left one for this very source file, else Need.
         */
        private void askFor(int id, WireEntry e) {
            Incoming in = incomingFor(e);
            incoming.put(id, in);
            if (in.partialName != null) {
                Path partial = partials.remove(partialKey(in));
                if (partial != null) {
                    try {
                        int blockSize = BlockHashes.blockSizeFor(e.size());
                        long[] hashes = BlockHashes.of(partial, Math.min(Files.size(partial), e.size()), blockSize);
                        if (hashes.length > 0) {
                            in.awaitingFrom = true;
                            in.blockSize = blockSize;
                            in.offeredBlocks = hashes.length;
                            peer.send(new Message.Resume(id, blockSize, hashes));
                            return;
                        }
                    } catch (IOException ex) {
                        log.info("cannot read partial file {}: {}; receiving {} from the start", partial, IoReasons.reason(ex), e.path());
                    }
                }
            }
            peer.send(new Message.Need(id));
        }

        /**
         * Receives a MetaEager's contents, coming from offset 0 without a Need. The source sends
         * one only when our Deviations reported no partial file; should one be there anyway, it
         * is overwritten from the start (no bytes are lost, only the resume).
         */
        private void takeEager(int id, WireEntry e) {
            Incoming in = incomingFor(e);
            incoming.put(id, in);
            if (in.partialName != null && partials.remove(partialKey(in)) != null) {
                log.info("{} sent whole though a partial copy was here; receiving it from the start", e.path());
            }
        }

        /** {@code in}'s partial file as the scan lists it: its path in the tree. */
        private String partialKey(Incoming in) {
            String parent = Entry.parentOf(in.entry.path());
            return parent.isEmpty() ? in.partialName : parent + "/" + in.partialName;
        }

        /** The source verified a prefix of our partial file: keep it and append from there. */
        private void onFrom(Message.FileFrom from) {
            Incoming in = incoming.get(from.id());
            if (in == null || !in.awaitingFrom) {
                throw Protocol.violation("FileFrom for entry " + from.id() + " that was not resumed");
            }
            if (from.offset() % in.blockSize != 0 || from.offset() > (long) in.offeredBlocks * in.blockSize) {
                throw Protocol.violation("FileFrom offset " + from.offset() + " for entry " + from.id() + " is not one of the "
                        + in.offeredBlocks + " blocks of " + in.blockSize + " bytes offered");
            }
            in.awaitingFrom = false;
            try {
                in.temp = applier.openPartial(in.entry, in.partialName, from.offset(), options.checksum());
                resumedBytes += from.offset();
            } catch (EntryFailure f) {
                in.failure = f.getMessage();
            }
        }

        /** Partial files of an earlier run that this complete run did not resume: stale now. */
        private void removeUnclaimedPartials() {
            for (Path p : partials.values()) {
                log.info("removing stale partial file {}", p);
                deleteQuietly(p);
            }
            partials.clear();
        }

        private void deleteQuietly(Path p) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("could not remove {}: {}", p, IoReasons.reason(e));
            }
        }

        private TempFile newTemp(Incoming in) throws EntryFailure {
            return in.partialName != null
                    ? applier.openPartial(in.entry, in.partialName, 0, options.checksum())
                    : applier.createTemp(in.entry, options.checksum());
        }

        private void onData(Message.FileData data) {
            Incoming in = incoming.get(data.id());
            if (in == null) {
                throw Protocol.violation("data for entry " + data.id() + " that was not requested");
            }
            if (in.awaitingFrom) {
                throw Protocol.violation("data for entry " + data.id() + " before the FileFrom answering its Resume");
            }
            if (bytesTransferred == 0 && log.isDebugEnabled()) {
                log.debug("timeline: first file data in (entry {})", data.id());
            }
            bytesTransferred += data.data().length;
            listener.progress(data.data().length);
            if (in.failure != null) {
                return;
            }
            try {
                if (in.temp == null) {
                    in.temp = newTemp(in);
                }
                if (in.temp.written() + data.data().length > in.entry.size()) {
                    in.failure = "changed during transfer (more data than announced)";
                    in.temp.discard();
                    return;
                }
                in.temp.write(data.data());
            } catch (EntryFailure f) {
                in.failure = f.getMessage();
            }
        }

        /**
         * Receives a FileInline's contents as if they had followed a Need. Its size is below
         * one block (the codec's bound), so it never has a partial name.
         */
        private void takeInline(int id, Message.FileInline f) {
            if (f.entry().size() >= BlockHashes.BLOCK) {
                throw Protocol.violation("inline file of " + f.entry().size() + " bytes");
            }
            Incoming in = new Incoming(f.entry());
            bytesTransferred += f.data().length;
            listener.progress(f.data().length);
            if (writers != null) {
                writeInline(id, in, f);
                return;
            }
            try {
                in.temp = newTemp(in);
                in.temp.write(f.data());
            } catch (EntryFailure x) {
                in.failure = x.getMessage();
            }
            complete(id, in, f.digest());
        }

        /**
         * {@link #takeInline} with a writer thread: the checks, the checksum and the directory
         * here, the temp file's creation, contents, mode and mtime there; the rename comes here
         * in order like any other file's ({@link #completeCommits}).
         */
        private void writeInline(int id, Incoming in, Message.FileInline f) {
            WireEntry e = in.entry;
            byte[] data = f.data();
            try {
                if (data.length != e.size()) {
                    throw new EntryFailure("changed during transfer (" + data.length + " of " + e.size() + " bytes)");
                }
                if (!verified(id, in, checksumOf(data), f.digest())) {
                    return;
                }
                Applier.NewTemp prepared = applier.prepareTemp(e);
                boolean covered = group != null && group.coversNewFile(prepared.path());
                markPending();
                CompletableFuture<TempFile> written;
                try {
                    written = CompletableFuture.supplyAsync(() -> {
                        try {
                            // hashed above: the file's own checksum would only repeat it
                            TempFile t = prepared.open(Checksum.NONE);
                            t.write(data);
                            applier.finishContents(t, e);
                            return t;
                        } catch (EntryFailure x) {
                            throw new CompletionException(x);
                        }
                    }, writers);
                } catch (RejectedExecutionException x) {
                    prepared.abandon();
                    throw x;
                }
                commits.add(new PendingCommit(id, e, written, written.thenCompose(t -> durable(t, covered))));
                completeCommits(false);
            } catch (EntryFailure x) {
                failAck(id, e.path(), x.getMessage());
            }
        }

        private byte[] checksumOf(byte[] data) {
            Checksum.Digest d = options.checksum().start();
            d.update(data, 0, data.length);
            return d.finish();
        }

        /**
         * Whether a received file's checksum is the source's (or unchecked); on a first mismatch
         * asks for the file again (false), on a second fails it ({@link EntryFailure}).
         */
        private boolean verified(int id, Incoming in, byte[] digest, byte[] expected) throws EntryFailure {
            if (!options.verifyChecksum() || Arrays.equals(digest, expected)) {
                return true;
            }
            String what = String.format("checksum mismatch (%s %s, expected %s)", options.checksum().id(),
                    HexFormat.of().formatHex(digest), HexFormat.of().formatHex(expected));
            if (!resent.add(id)) {
                throw new EntryFailure(what + " twice; not applied");
            }
            // Corrupted on the way or on our disk: ask once more, in the same run.
            log.warn("{}: {}; asking for it again", in.entry.path(), what);
            if (in.temp != null) {
                in.temp.discard();
                in.temp = null;
            }
            incoming.put(id, in);
            peer.send(new Message.Need(id));
            return false;
        }

        /**
         * The fsync of a written temp file: a barrier where one serves its directory
         * ({@code covered}: asked on this thread, {@link GroupSync#coversNewFile} is not thread-safe), else its own fsync.
         */
        private CompletableFuture<TempFile> durable(TempFile temp, boolean covered) {
            CompletableFuture<Void> done = covered ? group.force(temp)
                    : CompletableFuture.runAsync(() -> {
                        try {
                            fsync.force(temp);
                        } catch (IOException x) {
                            throw new CompletionException(x);
                        }
                    }, fsyncs);
            return done.thenApply(v -> temp);
        }

        private void onEnd(Message.FileEnd end) {
            Incoming in = incoming.remove(end.id());
            if (in == null) {
                throw Protocol.violation("FileEnd for entry " + end.id() + " that was not requested");
            }
            if (in.awaitingFrom) {
                throw Protocol.violation("FileEnd for entry " + end.id() + " before the FileFrom answering its Resume");
            }
            complete(end.id(), in, end.digest());
        }

        /**
         * All of entry {@code id}'s contents arrived: verifies size and checksum (a mismatch asks
         * once more with a Need) and queues the file for its fsync and rename.
         */
        private void complete(int id, Incoming in, byte[] expected) {
            WireEntry e = in.entry;
            try {
                if (in.failure != null) {
                    throw new EntryFailure(in.failure);
                }
                if (in.temp == null) {
                    in.temp = newTemp(in);
                }
                if (in.temp.written() != e.size()) {
                    throw new EntryFailure("changed during transfer (" + in.temp.written() + " of " + e.size() + " bytes)");
                }
                if (!verified(id, in, in.temp.digest(), expected)) {
                    return;
                }
                TempFile temp = in.temp;
                if (filesTransferred == 0 && commits.isEmpty() && log.isDebugEnabled()) {
                    log.debug("timeline: last byte of entry {} written, checksum verified", id);
                }
                markPending();
                CompletableFuture<TempFile> written = CompletableFuture.completedFuture(temp);
                commits.add(new PendingCommit(id, e, written, durable(temp, group != null && group.coversNewFile(temp.path()))));
                completeCommits(false);
            } catch (EntryFailure f) {
                if (in.temp != null) {
                    in.temp.discard();
                }
                failAck(id, e.path(), f.getMessage());
            }
        }

        /**
         * Renames fsynced files into place, in the order they were received: with {@code all},
         * every pending one (waiting for its fsync); else those at the head whose fsync is done,
         * and beyond {@link #MAX_PENDING_COMMITS} the oldest, waiting for them.
         *
         * <p>Crash safety does not depend on when this runs: a file is renamed to its final name
         * only after its own fsync returned (the future below), so after a crash the final name
         * holds either the old contents or the complete new ones, never a partial or empty file;
         * the rename itself becomes durable with the directory fsync in {@link #commitAndAck},
         * which comes before the snapshot commit and before the source hears the ack.
         */
        private void completeCommits(boolean all) {
            if (all && group != null && !commits.isEmpty()) {
                group.request(); // the files' barrier starts now, not after GroupSync's gathering
            }
            while (!commits.isEmpty() && (all || commits.peek().synced().isDone() || commits.size() > MAX_PENDING_COMMITS)) {
                PendingCommit c = commits.poll();
                TempFile temp = null;
                try {
                    try {
                        c.synced().get();
                        temp = c.written().join();
                    } catch (ExecutionException ex) {
                        temp = c.tempIfWritten();
                        Throwable cause = ex.getCause();
                        if (cause instanceof EntryFailure f) {
                            throw f; // the writer thread's: its temp file is gone
                        }
                        if (cause instanceof RuntimeException r) {
                            throw r; // the writer thread's full disk (FarsyncException), or a bug
                        }
                        if (cause instanceof IOException io && IoReasons.isDiskFull(io)) {
                            throw new FarsyncException(ExitCode.DISK_FULL, "no space left on device writing " + root.resolve(c.entry().path()), io);
                        }
                        throw new EntryFailure("cannot write " + root.resolve(c.entry().path()) + ": "
                                + (cause instanceof IOException io ? IoReasons.reason(io) : String.valueOf(cause)), cause);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted while writing " + c.entry().path(), ex);
                    }
                    if (filesTransferred == 0 && log.isDebugEnabled()) {
                        log.debug("timeline: entry {} durable", c.id());
                    }
                    Entry now = applier.commit(temp, c.entry());
                    filesTransferred++;
                    settle(c.id(), c.entry().path(), now, Outcome.TRANSFERRED);
                } catch (EntryFailure f) {
                    if (temp != null) {
                        temp.discard();
                    }
                    failAck(c.id(), c.entry().path(), f.getMessage());
                } catch (RuntimeException fatal) {
                    if (temp != null) {
                        temp.discard();
                    } else {
                        // interrupted while its write or fsync ran: it is off the queue, so it goes once written
                        c.written().thenAccept(TempFile::discard);
                    }
                    throw fatal;
                }
            }
        }

        /**
         * Gives a root that held nothing when this run began (a new or empty DST) the source root's
         * mode and mtime, after everything inside it, as rsync -a does, keeping its owner's rwx so
         * that later runs can write into it. A root that held entries keeps its own (it may be a
         * home directory or another user's choice). A failure is logged, not the sync's.
         */
        private void finishRoot() {
            if (!rootMetadata || !rootWasEmpty || rootEnd == null || rootEnd.rootMode() == Message.MetaEnd.NO_ROOT) {
                return;
            }
            try {
                applier.finishRoot(rootEnd.rootMode() | 0700, rootEnd.rootMtimeNanos());
            } catch (EntryFailure f) {
                log.warn("{}", f.getMessage());
            }
        }

        /** Gives directories their mode and mtime, deepest first, after everything inside them. */
        private void finishDirectories() {
            List<Map.Entry<Integer, WireEntry>> dirs = new ArrayList<>(directories.entrySet());
            dirs.sort(Comparator.comparing((Map.Entry<Integer, WireEntry> d) -> d.getValue().path()).reversed());
            for (Map.Entry<Integer, WireEntry> d : dirs) {
                int id = d.getKey();
                WireEntry e = d.getValue();
                try {
                    Applier.Applied done = applier.finishDirectory(e);
                    Outcome o = createdDirectories.get(id) ? Outcome.DIRECTORY : done.changed() ? Outcome.METADATA : Outcome.UNCHANGED;
                    settle(id, e.path(), done.entry(), o);
                } catch (EntryFailure f) {
                    failAck(id, e.path(), f.getMessage());
                }
                commitIfDue();
            }
        }

        /** Records the entry as synced and acknowledges it once that is committed. */
        private void settle(int id, String path, Entry now, Outcome outcome) {
            if (now == null) {
                failAck(id, path, "vanished right after it was written");
                return;
            }
            snapshot.put(now);
            if (bidi != null || recorded.containsKey(now.path())) {
                // Read again this run only where a record was there before it (a move's or a
                // delete's path) or for a conflict: a first sync of a million files would otherwise
                // hold a million entries here (docs/PERFORMANCE.md, "Session 5").
                recorded.put(now.path(), now);
            }
            Protocol.reportPlaced(listener, now.path(), outcome, now.size());
            ackAfterCommit(new Message.Ack(id, outcome, null));
        }

        /**
         * Removes {@code path}'s record. The row goes whether or not {@code recorded} held it:
         * a path created in this run has a row but no longer an entry there (see
         * {@link #settle}), and a later delete of it must not leave the row.
         */
        private void forget(String path) {
            recorded.remove(path);
            snapshot.remove(path);
        }

        /**
         * This side's record of {@code path}. A scoped run loaded only its scope's records, and
         * the source may act outside it (it widens a subtree whose parent is gone): those are
         * read from the snapshot.
         */
        private Entry own(String path) {
            Entry r = recorded.get(path);
            if (r == null && !scope.isWhole()) {
                r = snapshot.get(path).orElse(null);
                if (r != null) {
                    recorded.put(path, r);
                }
            }
            return r;
        }

        private void ackAfterCommit(Message.Ack ack) {
            markPending();
            acksAfterCommit.add(ack);
        }

        private void markPending() {
            if (acksAfterCommit.isEmpty() && commits.isEmpty()) {
                firstPending = System.nanoTime();
            }
        }

        private void failAck(int id, String path, String reason) {
            fail(path, reason);
            if (!salvaging) {
                peer.send(new Message.Ack(id, Outcome.FAILED, reason));
            }
        }

        private void fail(String path, String reason) {
            errors.add(Protocol.error(path, reason));
            listener.entryFailed(path, reason);
        }

        /**
         * Commits (and acknowledges) once enough waits, or has waited long enough: bounds both
         * the transaction and the source's wait. Rows count as well as acks: a file move is two
         * (the rename and the entry) for one ack, and a directory finished at the end one row.
         */
        private void commitIfDue() {
            boolean pending = !acksAfterCommit.isEmpty() || !commits.isEmpty();
            if (acksAfterCommit.size() >= ACKS_PER_COMMIT || snapshot.pendingCount() >= ACKS_PER_COMMIT
                    || (pending && System.nanoTime() - firstPending > COMMIT_INTERVAL_NANOS)) {
                commitAndAck(false);
            }
        }

        /**
         * Makes renames and deletes durable, commits the snapshot, then releases the acks: the
         * source records an entry only after this side has, so its snapshot never claims more.
         */
        private void commitAndAck(boolean all) {
            completeCommits(all);
            if (acksAfterCommit.isEmpty() && snapshot.pendingCount() == 0) {
                return;
            }
            commitDurably();
            acksAfterCommit.forEach(peer::send);
            acksAfterCommit.clear();
            // What is still in flight waits a whole interval, not a commit per message.
            firstPending = System.nanoTime();
        }

        /**
         * Makes the renames and deletes since the last commit durable, then commits the snapshot:
         * it must not claim a file whose rename a power loss could still undo. Also after a
         * failed run (salvage, the final commit), whose rows are committed whatever happens
         * (the run's record and closing the snapshot commit them).
         */
        void commitDurably() {
            syncDirectories(applier.takeTouchedDirs());
            if (group != null) {
                group.forgetDirectories();
            }
            snapshot.flush();
        }

        /** Makes renames and deletes in {@code dirs} durable: one barrier for those it covers, an fsync for the rest. */
        private void syncDirectories(Set<Path> dirs) {
            boolean barrier = false;
            for (Path dir : dirs) {
                if (group != null && group.covers(dir)) {
                    barrier = true;
                } else {
                    Applier.syncDirectory(dir);
                }
            }
            if (barrier) {
                try {
                    group.request().get();
                } catch (ExecutionException e) {
                    log.warn("syncfs of {} failed ({}); fsyncing the directories one by one", root, e.getCause().toString());
                    dirs.forEach(Applier::syncDirectory);
                } catch (InterruptedException e) {
                    // Durable all the same, one by one with the interrupt held back (an interrupted
                    // thread's fsync fails): the rows of these renames get committed later anyway.
                    dirs.forEach(Applier::syncDirectory);
                    Thread.currentThread().interrupt();
                    throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted while making renames durable in " + root, e);
                }
            }
        }

        /**
         * After a fatal error: files that arrived complete and verified still go into place and
         * into the snapshot (a resumed sync need not send them again); of the partial ones, those of
         * at least one block stay under their partial names for the next run to resume, the rest
         * are removed; with {@code keepPartials} false (a full disk: the space is what the user
         * needs back) all are.
         */
        void salvage(boolean keepPartials) {
            salvaging = true;
            try {
                completeCommits(true);
                commitDurably();
            } catch (RuntimeException e) {
                log.warn("could not keep the files received before the sync failed: {}", e.getMessage());
            }
            discardTemps(keepPartials);
        }

        private void discardTemps(boolean keepPartials) {
            // A writer thread's write is short: wait for them (all together at most DISCARD_WAIT_SECONDS) so
            // that their temp files go now; one still running goes once written (the writers finish their
            // queue after the run: see run's finally).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DISCARD_WAIT_SECONDS);
            for (PendingCommit c : commits) {
                c.synced().cancel(true);
                try {
                    c.written().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).discard();
                } catch (TimeoutException stuck) {
                    c.written().thenAccept(TempFile::discard);
                } catch (InterruptedException x) {
                    c.written().thenAccept(TempFile::discard);
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | CancellationException failed) {
                    // a failed write removed its own temp file
                }
            }
            commits.clear();
            for (Incoming in : incoming.values()) {
                if (!keepPartials) {
                    if (in.temp != null) {
                        in.temp.discard();
                    } else if (in.awaitingFrom) {
                        deleteQuietly(applier.target(in.entry.path()).resolveSibling(in.partialName));
                    }
                } else if (in.temp != null ? in.temp.keepForResume() : in.awaitingFrom) {
                    keptPartials++;
                }
            }
            incoming.clear();
        }
    }
}
