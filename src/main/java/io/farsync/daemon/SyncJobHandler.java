package io.farsync.daemon;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.history.Direction;
import io.farsync.history.HistoryStore;
import io.farsync.history.Recording;
import io.farsync.session.SessionHandler;
import io.farsync.session.SessionRequest;
import io.farsync.sync.BatchServer;
import io.farsync.sync.BidiEndpoint;
import io.farsync.sync.BidiOptions;
import io.farsync.sync.DestinationEndpoint;
import io.farsync.sync.HintPublisher;
import io.farsync.sync.PathJail;
import io.farsync.sync.SingleFileSource;
import io.farsync.sync.SourceEndpoint;
import io.farsync.sync.SyncListener;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.SyncResult;
import io.farsync.sync.scan.Symlinks;
import io.farsync.sync.snapshot.SnapshotLock;
import io.farsync.sync.snapshot.SnapshotStore;
import io.farsync.sync.watch.WatchMode;
import io.farsync.transport.TransportConnection;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of sync jobs: every requested path is resolved inside {@code root} (never
 * outside it), and each session keeps its snapshot database under {@code stateDir}. With a
 * {@link HistoryStore}, every job (refused ones included) and every entry it touches is recorded.
 */
public final class SyncJobHandler implements SessionHandler {
    private static final Logger log = LoggerFactory.getLogger(SyncJobHandler.class);
    /** How long a session request waits for the previous run of the same session to let go of its database. */
    private static final java.time.Duration RERUN_PATIENCE = java.time.Duration.ofSeconds(5);

    private final Path root;
    private final Path stateDir;
    private final HistoryStore history;
    /** The in-process server of a local sync: its client reports every entry's failure already. */
    private boolean entryFailuresAtDebug;

    public SyncJobHandler(Path root, Path stateDir) {
        this(root, stateDir, null);
    }

    /** @param history where jobs are recorded; null records nothing */
    public SyncJobHandler(Path root, Path stateDir, HistoryStore history) {
        this.root = root;
        this.stateDir = stateDir;
        this.history = history;
    }

    /**
     * Logs entries that failed at DEBUG instead of WARN: for the server inside a local sync, whose
     * client prints each failure itself (a WARN line here printed each one twice, even with -q).
     */
    public SyncJobHandler entryFailuresAtDebug() {
        this.entryFailuresAtDebug = true;
        return this;
    }

    @Override
    public Job open(SessionRequest request, String user) {
        return open(request, user, null);
    }

    @Override
    public Job open(SessionRequest request, String user, String peer) {
        String from = peer == null ? null : peer.replaceFirst("^/", "");
        Map<String, String> context = new HashMap<>();
        context.put(LogContext.SESSION, request.sessionId());
        context.put(LogContext.USER, user);
        context.put(LogContext.PEER, from);
        try (LogContext.Scope scope = LogContext.with(context)) {
            // a dry run transfers nothing: it is logged, not put in the transfer history
            if (history == null || JobOptions.dryRun(request.options())) {
                try {
                    return prepare(request, user, null, context);
                } catch (FarsyncException e) {
                    throw withoutServerPaths(e, request);
                }
            }
            Direction direction = SessionRequest.SOURCE.equals(request.serverRole()) ? Direction.SEND : Direction.RECEIVE;
            Recording recording = history.begin(user, from, direction, request.path());
            context.put(LogContext.HISTORY_ID, Long.toString(recording.id()));
            try {
                return prepare(request, user, recording, context);
            } catch (FarsyncException e) {
                recording.fail(e.getMessage());
                throw withoutServerPaths(e, request);
            } catch (RuntimeException e) {
                recording.fail(e.getMessage());
                throw e;
            }
        }
    }

    /**
     * A persistent session (continuous mode): a conversation per batch on one transport session;
     * a source is watched for the client meanwhile.
     */
    private BatchServer persistent(Path dir, String shownAs, SnapshotStore snapshot, SyncOptions options, SyncListener listener,
            boolean source) {
        HintPublisher hints = source ? new HintPublisher(dir, Set.of(stateDir), WatchMode.AUTO).showRootAs(shownAs) : null;
        return new BatchServer((scope, in, out) -> source
                ? new SourceEndpoint(dir, snapshot, options, listener).showRootAs(shownAs).scope(scope).withholdDeletesOverLimit().run(in, out)
                : destination(dir, shownAs, snapshot, options, listener).scope(scope).run(in, out), hints);
    }

    /**
     * A destination in {@code dir}, named {@code shownAs} in what the client is told; the account's
     * root itself keeps its own mode and mtime.
     */
    private DestinationEndpoint destination(Path dir, String shownAs, SnapshotStore snapshot, SyncOptions options,
            SyncListener listener) {
        DestinationEndpoint d = new DestinationEndpoint(dir, snapshot, options, listener).showRootAs(shownAs);
        boolean accountRoot;
        try {
            accountRoot = Files.isSameFile(dir, root);
        } catch (IOException e) {
            accountRoot = true; // cannot tell: leave the root alone
        }
        return accountRoot ? d.keepRootMetadata() : d;
    }

    private Job prepare(SessionRequest request, String user, Recording recording, Map<String, String> logContext) {

        Path named = PathJail.resolveInRoot(root, request.path());
        BidiOptions bidi = SessionRequest.BIDI.equals(request.serverRole())
                ? JobOptions.parseBidi(request.options(), BidiOptions.localHost()) : null;
        boolean source = SessionRequest.SOURCE.equals(request.serverRole()) || (bidi != null && bidi.source());
        SyncOptions requested = JobOptions.parse(request.options());
        // A one-time pull of a file, as rsync's: the file's directory is the root and a filter
        // picks the file (the client's destination is a directory, which it lands in).
        boolean singleFile = source && bidi == null && !JobOptions.persistent(request.options()) && !named.equals(root)
                && Files.exists(named, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(named);
        SyncOptions options = singleFile ? SingleFileSource.options(named, request.path(), " on the server", requested) : requested;
        Path dir = singleFile ? named.getParent() : named;
        // the client is told of the path it named, never of the server's own absolute one
        String shownAs = singleFile ? parentOf(request.path()) : request.path();
        java.util.function.UnaryOperator<String> shown = PathJail.showing(dir, shownAs);   // null: nothing to rewrite
        if (options.dryRun() && (bidi != null || JobOptions.persistent(request.options()))) {
            throw new FarsyncException(ExitCode.USAGE, "--dry-run is for one-time, one-way syncs");
        }
        if (source) {
            if (!Files.isDirectory(dir)) {
                throw new FarsyncException(ExitCode.SOURCE_NOT_FOUND, Files.exists(dir, LinkOption.NOFOLLOW_LINKS)
                        ? "source is not a directory on the server: " + request.path()
                        : "source not found on the server: " + request.path());
            }
        } else if (options.dryRun()) {
            // a dry run makes nothing: a path not there yet is an empty tree
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
                throw new FarsyncException(ExitCode.USAGE, "destination is not a directory on the server: " + request.path());
            }
        } else {
            try {
                Files.createDirectories(dir);
            } catch (AccessDeniedException e) {
                throw new FarsyncException(ExitCode.PERMISSION_DENIED, "permission denied creating " + request.path() + " on the server", e);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new FarsyncException(ExitCode.USAGE, "destination is not a directory on the server: " + request.path(), e);
            } catch (IOException e) {
                // the reason alone: the exception's message names the server's own absolute path
                String why = io.farsync.sync.scan.IoReasons.reason(e);
                throw new FarsyncException(why.equals("not a directory") ? ExitCode.USAGE : ExitCode.PERMISSION_DENIED,
                        "cannot create " + request.path() + " on the server: " + why, e);
            }
            // created through no symlink: check again now that the path exists
            PathJail.resolveInRoot(root, request.path());
        }
        if (options.symlinks() == Symlinks.FOLLOW && source) {
            // Following links would read outside the account's root (a link may lead anywhere).
            throw new FarsyncException(ExitCode.USAGE, "--symlinks follow: the server does not follow links for a pull");
        }
        if (options.symlinks() != Symlinks.COPY && bidi != null) {
            throw new FarsyncException(ExitCode.USAGE, "--symlinks " + options.symlinks().label() + " is for one-way syncs");
        }
        Path dbFile = stateDir.resolve("snapshots").resolve(request.sessionId() + ".remote.db");
        // patience: the last run of this session may still be closing its side when the client starts
        // again; a dry run only reads: no lock file, and a real run is not kept waiting for it
        SnapshotLock lock = options.dryRun() ? null
                : SnapshotLock.acquire(dbFile, "session " + request.sessionId() + " (" + request.path() + ") on the server", RERUN_PATIENCE);
        SnapshotStore snapshot;
        try {
            snapshot = options.dryRun() ? SnapshotStore.openForDryRun(dbFile) : SnapshotStore.open(dbFile);
        } catch (RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
        SyncListener logging = new SyncListener() {
            @Override
            public void entryFailed(String path, String reason) {
                if (entryFailuresAtDebug) {
                    log.debug("{} {}: {}", user, path, reason);
                } else {
                    log.warn("{} {}: {}", user, path, reason);
                }
            }
        };
        SyncListener listener = recording == null ? logging : recording.also(logging);
        return new Job() {
            @Override
            public void run(TransportConnection connection) throws IOException {
                try (LogContext.Scope scope = LogContext.with(logContext)) {
                    runJob(connection);
                }
            }

            private void runJob(TransportConnection connection) throws IOException {
                SyncResult result;
                try {
                    if (recording != null) {
                        recording.onStop(() -> connection.abort("stopped from the console"));
                    }
                    result = bidi != null
                            ? new BidiEndpoint(dir, snapshot, options, bidi, false, listener).showRootAs(shownAs).run(connection.input(), connection.output())
                            : JobOptions.persistent(request.options())
                            ? persistent(dir, shownAs, snapshot, options, listener, source).run(connection.input(), connection.output())
                            : source
                            ? new SourceEndpoint(dir, snapshot, options, listener).showRootAs(shownAs).run(connection.input(), connection.output())
                            : destination(dir, shownAs, snapshot, options, listener).endAtSummary().run(connection.input(), connection.output());
                } catch (FarsyncException e) {
                    if (recording != null) {
                        recording.fail(e.getMessage());
                    }
                    // what the client is told names the path it asked for, not the server's own (the
                    // server's log line, FarsyncServer's, then shows the client's form: this one the real one)
                    String told = shown == null ? e.getMessage() : shown.apply(e.getMessage());
                    if (told == null || told.equals(e.getMessage())) {
                        throw e;
                    }
                    log.info("{} {} {}: job failed: {}", user, request.serverRole(), request.path(), e.getMessage());
                    throw new FarsyncException(e.exitCode(), told, e);
                } catch (IOException | RuntimeException e) {
                    if (recording != null) {
                        recording.fail(e.getMessage() == null ? e.toString() : e.getMessage());
                    }
                    if (shown == null || !(e instanceof IOException ioe)) {
                        throw e;
                    }
                    // the operator's log keeps the server's path and the stack; the client gets the reason and its own path
                    log.warn("{} {} {}: job failed", user, request.serverRole(), request.path(), e);
                    String where = ioe instanceof java.nio.file.FileSystemException f && f.getFile() != null ? ": " + shown.apply(f.getFile()) : "";
                    throw new FarsyncException(ExitCode.TRANSFER_FAILED, io.farsync.sync.scan.IoReasons.reason(ioe) + where, e);
                }
                if (recording != null) {
                    recording.finish(result);
                }
                log.info("{} {} {}{}: {} files, {} bytes, {} deleted, {} errors", user, request.serverRole(), request.path(),
                        options.dryRun() ? " (dry run: what it would do)" : "",
                        result.filesTransferred(), result.bytesTransferred(), result.filesDeleted(), result.errors().size());
            }

            @Override
            public void close() {
                if (recording != null) {
                    // a job closed without running: the transport never came up
                    recording.fail("the session ended before the transfer started");
                }
                try {
                    snapshot.close();
                } finally {
                    if (lock != null) {
                        lock.close();
                    }
                }
            }
        };
    }

    /**
     * {@code e} as the client may see it: the server's own directories (its state directory, the
     * account's root) named by role, not by their absolute paths (a lock's holder, a database
     * that cannot be opened, a root that cannot be resolved).
     */
    private FarsyncException withoutServerPaths(FarsyncException e, SessionRequest request) {
        Path account = root.toAbsolutePath().normalize();
        if (account.getParent() == null || e.getMessage() == null) {
            return e;   // the in-process server of a local sync (root "/"): its paths are the user's own
        }
        String shown = PathJail.showing(stateDir.toAbsolutePath().normalize(), "(server state)").apply(e.getMessage());
        // not when the client's own path looks like the root (an account root /data, a request for
        // /data/x): the message may echo the request
        if (!request.path().startsWith(account.toString())) {
            shown = PathJail.showing(account, "(account root)").apply(shown);
        }
        if (shown.equals(e.getMessage())) {
            return e;
        }
        log.info("job refused: {}", e.getMessage());
        return new FarsyncException(e.exitCode(), shown, e);
    }

    /** The directory part of a path as the client wrote it ("" for a name alone). */
    private static String parentOf(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        int slash = p.lastIndexOf('/');
        return slash < 0 ? "" : slash == 0 ? "/" : p.substring(0, slash);
    }
}
