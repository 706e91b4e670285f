package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.daemon.JobOptions;
import io.farsync.daemon.LogContext;
import io.farsync.daemon.SyncJobHandler;
import io.farsync.session.FarsyncServer;
import io.farsync.session.HostKeyTrust;
import io.farsync.session.KeyFiles;
import io.farsync.session.RemoteSession;
import io.farsync.session.SessionClient;
import io.farsync.session.SessionRequest;
import io.farsync.session.SshConnections;
import io.farsync.sync.AheadScan;
import io.farsync.sync.BidiEndpoint;
import io.farsync.sync.BidiOptions;
import io.farsync.sync.ConflictPolicy;
import io.farsync.sync.DestinationEndpoint;
import io.farsync.sync.SourceEndpoint;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.SyncResult;
import io.farsync.sync.snapshot.SnapshotLock;
import io.farsync.sync.snapshot.SnapshotStore;
import io.farsync.transport.PathMtu;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The client's side of {@code farsync sync}: decides direction, brings up the session (to a
 * remote server, or to an in-process server over loopback when both paths are local), runs the
 * local sync endpoint over the transport, and collects the numbers for the summary.
 */
final class SyncRunner {
    private static final Logger log = LoggerFactory.getLogger(SyncRunner.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Everything {@code farsync sync} was told.
     *
     * @param bidi the conflict policy of a bidirectional sync ({@code --bidi}); null for one-way
     * @param waitLock wait for another run of the same session to end instead of failing ({@code --wait-lock})
     */
    record Settings(
            Location source,
            Location destination,
            int port,
            Path identity,
            TransportConfig transport,
            int aesBits,
            SyncOptions options,
            ConflictPolicy bidi,
            boolean waitLock) {

        /** Fails at once if another run holds the session. */
        Settings(Location source, Location destination, int port, Path identity, TransportConfig transport, int aesBits,
                SyncOptions options, ConflictPolicy bidi) {
            this(source, destination, port, identity, transport, aesBits, options, bidi, false);
        }

        /** A one-way sync. */
        Settings(Location source, Location destination, int port, Path identity, TransportConfig transport, int aesBits,
                SyncOptions options) {
            this(source, destination, port, identity, transport, aesBits, options, null, false);
        }
    }

    /**
     * Probing datagram sizes towards a remote host: up to what the local interface towards it
     * carries (a 9000-byte jumbo frame link allows more than the default 1472), never beyond
     * the size a local sync uses (sizes above it were not measured).
     */
    private static TransportConfig probeCeiling(TransportConfig transport, String host) {
        if (!transport.probeDatagramSize()) {
            return transport;
        }
        try {
            return transport.withDatagramSize(PathMtu.ceilingTowards(InetAddress.getByName(host),
                    SyncCommand.LOOPBACK_DATAGRAM, transport.datagramSize()));
        } catch (UnknownHostException e) {
            return transport; // the SSH connection reports the unknown host
        }
    }

    /** What happened, for the summary and --stats-json. */
    record Outcome(ExitCode exit, String error, SyncResult result, TransportStats transport, long controlBytes,
            double seconds) {
    }

    private final FarsyncHome home;
    /** SSH connections kept between runs (the agent's), or null: each run connects and disconnects. */
    private final SshConnections connections;
    /** Set when a run on a kept connection failed before the server answered: the run again connects afresh (and keeps that). */
    private boolean avoidKept;
    /** The session of the run in progress, for {@link #abort}. */
    private volatile RemoteSession current;
    /** Set by {@link #abort}: a session that comes up afterwards is torn down at once. */
    private volatile String abortReason;
    /** The thread bringing a session up ({@link #openAbortably}), which an abort interrupts. */
    private Thread opening;

    SyncRunner(FarsyncHome home) {
        this(home, null);
    }

    SyncRunner(FarsyncHome home, SshConnections connections) {
        this.home = home;
        this.connections = connections;
    }

    /**
     * Tears down the session of the run in progress from another thread (continuous mode's stop):
     * the run then ends with an error, and the destination discards its unfinished temp files.
     */
    void abort(String reason) {
        RemoteSession s;
        synchronized (this) {
            abortReason = reason;
            if (opening != null) {
                opening.interrupt();   // a wait for the session's lock (--wait-lock), the SSH connect or login
            }
            s = current;
        }
        if (s != null) {
            s.abort(reason);
        }
    }

    /** Brings the session up; an {@link #abort} meanwhile interrupts the waits in it. */
    private Opened openAbortably(Settings s, RunDisplay progress) {
        synchronized (this) {
            if (abortReason != null) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "sync stopped: " + abortReason);
            }
            opening = Thread.currentThread();
        }
        try {
            return open(s, false, progress::note);
        } finally {
            synchronized (this) {
                opening = null;
                Thread.interrupted();   // an abort's interrupt is spent here: the run's file I/O must not see it
            }
        }
    }

    /**
     * A session brought up for a sync: the remote session, the in-process server when both paths
     * are local, and what the local endpoint needs.
     */
    record Opened(RemoteSession session, FarsyncServer embedded, SnapshotLock lock, Path localPath, boolean push, boolean bidi,
            String sessionId, CompletableFuture<SnapshotStore> snapshot, AheadScan scan) {
        /** Ends the session (cleanly if the sync succeeded), the in-process server, and the session's lock. */
        void close(boolean clean, String error) {
            if (scan != null) {
                scan.close();
            }
            try {
                if (clean) {
                    session.close();
                } else {
                    session.abort(error);
                }
            } finally {
                try {
                    if (embedded != null) {
                        embedded.close();
                    }
                } finally {
                    // a lock left held would make every later run in this JVM "busy"
                    if (lock != null) {
                        lock.close();
                    }
                }
            }
        }
    }

    /**
     * Checks the paths and brings up the session. {@code persistent}: ask the server for a
     * persistent session (continuous mode, one-way only). Throws {@link FarsyncException}.
     */
    Opened open(Settings s, boolean persistent, Consumer<String> note) {
        Location src = s.source();
        Location dst = s.destination();
        if (src instanceof Location.Remote && dst instanceof Location.Remote) {
            throw new FarsyncException(ExitCode.USAGE, "both SRC and DST are remote; one of them must be a local path");
        }
        boolean push = !(src instanceof Location.Remote);
        Path localPath = push ? ((Location.Local) src).path() : ((Location.Local) dst).path();
        localPath = localPath.toAbsolutePath().normalize();
        if (push) {
            checkSource(localPath);
        } else if (s.options().dryRun()) {
            // a dry run makes nothing: a DST not there yet is an empty tree
            if (Files.exists(localPath) && !Files.isDirectory(localPath)) {
                throw new FarsyncException(ExitCode.USAGE, "destination is not a directory: " + localPath);
            }
        } else {
            createDestination(localPath);
        }
        if (src instanceof Location.Local l && dst instanceof Location.Local d) {
            checkLocalPaths(l.path().toAbsolutePath().normalize(), d.path().toAbsolutePath().normalize(), s.options());
        }
        SessionClient.Target target;
        KeyPair identity;
        String remotePath;
        org.apache.sshd.client.keyverifier.ServerKeyVerifier verifier;
        AtomicReference<HostKeyTrust.Mismatch> mismatch = new AtomicReference<>();
        TransportConfig transport = s.transport();
        FarsyncServer embedded = null;
        SnapshotLock lock = null;
        CompletableFuture<SnapshotStore> store = null;
        AheadScan scan = null;
        try {
            if (dst instanceof Location.Local d && src instanceof Location.Local) {
                // both local: the same stack over loopback, to an in-process server with ephemeral keys
                KeyPair clientKey = KeyFiles.generate();
                identity = clientKey;
                KeyPair hostKey = KeyFiles.generate();
                embedded = FarsyncServer.start(new FarsyncServer.Settings(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), hostKey,
                        (user, key, sess) -> KeyUtils.compareKeys(clientKey.getPublic(), key),
                        new SyncJobHandler(Path.of("/"), home.dir()).entryFailuresAtDebug(), transport, Duration.ofSeconds(10), 4));
                target = new SessionClient.Target(System.getProperty("user.name"), "127.0.0.1", embedded.port());
                verifier = HostKeyTrust.exactly(hostKey.getPublic());
                remotePath = d.path().toAbsolutePath().normalize().toString();
            } else {
                Location.Remote r = (Location.Remote) (push ? dst : src);
                identity = KeyFiles.load(s.identity());
                target = new SessionClient.Target(r.user() == null ? System.getProperty("user.name") : r.user(), r.host(), s.port());
                transport = probeCeiling(transport, r.host());
                verifier = HostKeyTrust.trustOnFirstUse(home.knownHosts(), mismatch);
                remotePath = r.path();
            }
            // the embedded server's port changes every run: name the peer so the snapshots are found again
            boolean bidi = s.bidi() != null;
            String sessionId = sessionId(bidi ? (push ? "bidi-src" : "bidi-dst") : push ? "push" : "pull", localPath,
                    embedded != null ? "local" : target.toString(), remotePath);
            // Bidirectional: this (client) side sends first; the server's path is SRC when this one is not.
            Map<String, String> options = bidi ? JobOptions.withBidi(JobOptions.encode(s.options()), s.bidi(), !push)
                    : JobOptions.encode(s.options());
            SessionRequest request = new SessionRequest(SessionRequest.PROTOCOL,
                    bidi ? SessionRequest.BIDI : push ? SessionRequest.DESTINATION : SessionRequest.SOURCE, remotePath, sessionId, null,
                    transport.rateBitsPerSecond(), transport.datagramSize(),
                    persistent && !bidi ? JobOptions.withPersistentSession(options) : options,
                    transport.policy().label(), transport.minRateBitsPerSecond(), 0, transport.probeDatagramSize());
            MDC.put(LogContext.SESSION, sessionId);
            log.info("sync {} -> {} session {}", src, dst, sessionId);
            // before the session: a second run of the same sync fails here, touching nothing
            String what = "the sync " + src + " -> " + dst + " (session " + sessionId + ")";
            Path dbFile = snapshotFile(sessionId);
            // A dry run only reads (a WAL reader never waits for a writer nor blocks one) and makes
            // no lock file: a real run at the same time is not made to wait or fail for it.
            lock = s.options().dryRun() ? null
                    : s.waitLock() ? SnapshotLock.await(dbFile, what, note) : SnapshotLock.acquire(dbFile, what);
            // Opened while the session's round trips run: loading SQLite's native library and
            // opening the database took 0.1-0.7 s of CPU between the welcome and the first Hello.
            store = CompletableFuture.supplyAsync(() -> s.options().dryRun() ? SnapshotStore.openForDryRun(dbFile) : SnapshotStore.open(dbFile));
            // A one-shot push scans its tree while the session's round trips run, not after them.
            scan = push && !bidi && !persistent ? AheadScan.start(localPath, dbFile, store, s.options()) : null;
            // A one-shot run starts on the transport without waiting for the welcome (a round trip):
            // a refusal then ends it through the transport's abort, with the server's exit code
            // and message (throwServerError). Continuous mode keeps waiting for it.
            // the agent's kept connections: only to a server (the in-process one is new each run)
            SshConnections.Use keep = connections == null || embedded != null ? null
                    : new SshConnections.Use(connections, SshConnections.Key.of(target, identity.getPublic(), home.knownHosts().toString()),
                            verifier, avoidKept);
            RemoteSession session = persistent
                    ? SessionClient.open(target, identity, verifier, mismatch, request, transport, s.aesBits(), CONNECT_TIMEOUT)
                    : SessionClient.openWithoutWelcome(target, identity, verifier, mismatch, request, transport, s.aesBits(),
                            CONNECT_TIMEOUT, keep);
            return new Opened(session, embedded, lock, localPath, push, bidi, sessionId, store, scan);
        } catch (RuntimeException | Error e) {
            if (scan != null) {
                scan.close();    // before the database closes: the scan reads its records
            }
            if (store != null) {
                closeWhenOpen(store);
            }
            if (embedded != null) {
                embedded.close();
            }
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    private Path snapshotFile(String sessionId) {
        return home.dir().resolve("snapshots").resolve(sessionId + ".local.db");
    }

    /** Waits for a database being opened, then closes it; a failure to open it is the lesser news. */
    private static void closeWhenOpen(CompletableFuture<SnapshotStore> store) {
        try {
            store.join().close();
        } catch (RuntimeException ignored) {
            // the session's failure is the one reported
        }
    }

    /** The local snapshot database of a session (its opening began with the session's). */
    SnapshotStore snapshot(Opened o) {
        try {
            return o.snapshot().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    Outcome run(Settings s, RunDisplay progress) {
        long start = System.nanoTime();
        // a pull's DST is made before the session: a pull that fails takes back what it made and left empty
        Path made = !s.options().dryRun() && s.source() instanceof Location.Remote && s.destination() instanceof Location.Local d
                ? topNotExisting(d.path().toAbsolutePath().normalize()) : null;
        Attempt a = attempt(s, progress);
        if (a.keptConnectionFailed() && abortReason == null) {
            // the kept connection had died quietly (a network gone, a NAT's mapping dropped): the
            // server never saw the job, which runs again on a new connection
            log.info("the kept SSH connection failed before the server answered ({}); connecting again", a.error());
            avoidKept = true;
            a = attempt(s, progress);
        }
        // not when another run of this session holds it (SESSION_BUSY): what is there may be that run's
        // nor after an abort (the client's Ctrl-C): as a run killed by it, it leaves DST as it is
        if (made != null && a.exit() != ExitCode.OK && a.exit() != ExitCode.PARTIAL && a.exit() != ExitCode.SESSION_BUSY
                && abortReason == null) {
            removeIfOnlyEmptyDirectories(made);
        }
        MDC.remove(LogContext.SESSION);
        return new Outcome(a.exit(), a.error(), a.result(), a.stats(), a.controlBytes(), (System.nanoTime() - start) / 1e9);
    }

    /** One try at a run: {@link #run}'s, or a second after a kept connection failed. */
    private record Attempt(ExitCode exit, String error, SyncResult result, TransportStats stats, long controlBytes,
            boolean keptConnectionFailed) {
    }

    private Attempt attempt(Settings s, RunDisplay progress) {
        Opened opened = null;
        SyncResult result = null;
        ExitCode exit = ExitCode.OK;
        String error = null;
        try {
            opened = openAbortably(s, progress);
            RemoteSession session = opened.session();
            current = session;
            if (abortReason != null) {
                session.abort(abortReason);
            }
            progress.transport(session.transport()::stats);
            Path localPath = opened.localPath();
            boolean push = opened.push();
            try (SnapshotStore snapshot = snapshot(opened)) {
                result = opened.bidi()
                        ? new BidiEndpoint(localPath, snapshot, s.options(), new BidiOptions(s.bidi(), push, BidiOptions.localHost()), true,
                                progress).run(session.transport().input(), session.transport().output())
                        : push
                        ? source(opened, snapshot, s, progress).run(session.transport().input(), session.transport().output())
                        : new DestinationEndpoint(localPath, snapshot, s.options(), progress).run(session.transport().input(), session.transport().output());
            } catch (FarsyncException | IOException e) {
                throwServerError(session);
                throw e;
            }
            session.awaitOutcome(OUTCOME_TIMEOUT);
            log.debug("timeline: server outcome in");
            exit = result.errors().isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
            if (exit != ExitCode.OK) {
                error = result.errors().size() + " entries could not be synchronized";
            }
        } catch (IOException | RuntimeException e) {
            // a bug (RuntimeException) too: still tear the session and the embedded server down below
            Failure f = Failure.of(e);
            exit = f.exit();
            error = f.error();
        } catch (Error e) {
            // out of memory, say: in the agent's JVM, which lives on, the session's lock must not stay held
            if (opened != null) {
                current = null;
                opened.close(false, e.toString());
            }
            throw e;
        }
        TransportStats stats = null;
        long controlBytes = 0;
        if (opened != null) {
            current = null;
            try {
                stats = opened.session().transport().stats();
                controlBytes = opened.session().controlWireBytes();
            } finally {
                opened.close(exit == ExitCode.OK || exit == ExitCode.PARTIAL, error);
                log.debug("timeline: session closed");
            }
        }
        return new Attempt(exit, error, result, stats, controlBytes, opened != null && exit != ExitCode.OK && exit != ExitCode.PARTIAL
                && opened.session().keptConnectionFailed());
    }

    /** The highest directory of {@code path} that does not exist yet (the first a mkdir -p would make), or null. */
    private static Path topNotExisting(Path path) {
        Path top = null;
        for (Path p = path; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            top = p;
        }
        return top;
    }

    /** Deletes {@code dir} if it holds nothing but directories (a failed pull's own); never a file or link. */
    private static void removeIfOnlyEmptyDirectories(Path dir) {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            java.util.List<Path> found = all.toList();
            if (found.stream().allMatch(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
                for (int i = found.size() - 1; i >= 0; i--) {
                    Files.delete(found.get(i));
                }
            }
        } catch (IOException e) {
            log.debug("could not remove {} after a failed pull: {}", dir, e.toString());
        }
    }

    private static SourceEndpoint source(Opened opened, SnapshotStore snapshot, Settings s, RunDisplay progress) {
        SourceEndpoint source = new SourceEndpoint(opened.localPath(), snapshot, s.options(), progress);
        return opened.scan() == null ? source : source.scannedAhead(opened.scan());
    }

    /** A failed sync's exit code and one-line error. */
    record Failure(ExitCode exit, String error) {
        static Failure of(Exception e) {
            log.debug("sync failed", e);
            if (e instanceof FarsyncException f) {
                return new Failure(f.exitCode(), f.getMessage());
            }
            if (e instanceof IOException) {
                return new Failure(ExitCode.TRANSFER_FAILED, "transfer failed: " + e.getMessage());
            }
            return new Failure(ExitCode.INTERNAL, "internal error: " + e + " (FARSYNC_LOG_LEVEL=DEBUG shows where)");
        }
    }

    /** Throws the server's own error when it reported one: it says more than a broken stream. */
    static void throwServerError(RemoteSession session) {
        FarsyncException remote = session.serverError(Duration.ofSeconds(2));
        if (remote != null) {
            throw remote;
        }
    }

    private static void checkSource(Path path) {
        if (!Files.exists(path)) {
            throw new FarsyncException(ExitCode.SOURCE_NOT_FOUND, "source not found: " + path);
        }
        if (!Files.isDirectory(path)) {
            // the same code the server gives for a remote SRC that is not a directory
            throw new FarsyncException(ExitCode.SOURCE_NOT_FOUND, "source is not a directory: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "permission denied reading source: " + path);
        }
    }

    /**
     * Refuses two local paths that overlap where a sync would harm the source: DST at or above SRC
     * (the source would be part of the destination's tree: --mirror would delete it), or DST inside
     * SRC unless a filter leaves it out (each run would copy the last one's copy again). Also a DST
     * that is a file, before the in-process server is started for nothing.
     */
    private static void checkLocalPaths(Path src, Path dst, SyncOptions options) {
        Path realSrc = realOrSelf(src);
        Path realDst = realOrSelf(dst);
        if (Files.exists(dst) && !Files.isDirectory(dst)) {
            throw new FarsyncException(ExitCode.USAGE, "destination is not a directory: " + dst);
        }
        if (realSrc.equals(realDst) && options.filter().picksOneEntry()) {
            throw new FarsyncException(ExitCode.USAGE, "DST " + dst + " is the directory SRC is in: the file would be copied onto itself");
        }
        // a single-file SRC may be copied into a directory above it: the filter hides all the rest
        if (realSrc.equals(realDst) || (realSrc.startsWith(realDst) && !options.filter().picksOneEntry())) {
            throw new FarsyncException(ExitCode.USAGE, realSrc.equals(realDst) ? "SRC and DST are the same directory: " + src
                    : "SRC " + src + " is inside DST " + dst + ": choose a DST outside it");
        }
        if (realDst.startsWith(realSrc) && !options.filter().hides(realSrc.relativize(realDst).toString(), true)) {
            throw new FarsyncException(ExitCode.USAGE, "DST " + dst + " is inside SRC " + src + ": exclude it (--exclude /"
                    + realSrc.relativize(realDst) + "/) or choose a DST outside it");
        }
    }

    /** The path with its symlinks resolved as far as it exists (a DST not made yet is under a real parent). */
    private static Path realOrSelf(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p));
        } catch (IOException e) {
            return p;
        }
    }

    private static void createDestination(Path path) {
        try {
            Files.createDirectories(path);
        } catch (AccessDeniedException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "permission denied creating destination: " + e.getFile(), e);
        } catch (FileAlreadyExistsException e) {
            throw new FarsyncException(ExitCode.USAGE, "destination is not a directory: " + e.getFile(), e);
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot create destination " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stable across runs of the same command, so the snapshot databases are found again.
     *
     * @param direction push, pull, bidi-src (this side is SRC) or bidi-dst
     */
    static String sessionId(String direction, Path localPath, String peer, String remotePath) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String key = "farsync-session-v1\n" + direction + "\n" + localPath + "\n" + peer + "\n" + remotePath;
            return HexFormat.of().formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
