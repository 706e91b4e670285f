package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.daemon.LogContext;
import io.farsync.session.RemoteSession;
import io.farsync.sync.BatchClient;
import io.farsync.sync.DestinationEndpoint;
import io.farsync.sync.Scope;
import io.farsync.sync.SourceEndpoint;
import io.farsync.sync.SyncResult;
import io.farsync.sync.snapshot.SnapshotStore;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Continuous one-way sync over one session: the SSH connection and the UDP transport are brought
 * up once and carry every batch (see {@link io.farsync.sync.BatchServer}), so a batch costs its
 * conversation's few round trips instead of a handshake plus a scan of both whole trees.
 *
 * <p>When a batch fails the session is dropped; the next batch (the runner's retry, after its
 * backoff) opens a new one and compares the whole tree, since changes may have been missed
 * meanwhile. The snapshots make that cheap: nothing already done is sent again.
 *
 * <p>Used by the runner's thread only, except {@link #abort}.
 */
final class PersistentSync implements ContinuousRunner.Syncer {
    private static final Logger log = LoggerFactory.getLogger(PersistentSync.class);
    private static final Duration END_TIMEOUT = Duration.ofSeconds(10);

    private final SyncRunner runner;
    private final SyncRunner.Settings settings;
    private final BatchClient.HintListener hints;
    private SyncRunner.Opened opened;
    private SnapshotStore snapshot;
    private BatchClient client;
    private volatile RemoteSession current;
    private long sessions;
    private long lastWireBytes = -1;
    private long lastRetransmitted = -1;

    /** @param hints where a remote source's change hints go */
    PersistentSync(SyncRunner runner, SyncRunner.Settings settings, BatchClient.HintListener hints) {
        this.runner = runner;
        this.settings = settings;
        this.hints = hints;
    }

    @Override
    public SyncRunner.Outcome sync(Progress progress, Scope scope) {
        long start = System.nanoTime();
        SyncResult result = null;
        ExitCode exit = ExitCode.OK;
        String error = null;
        long wireBefore = 0;
        long retransmittedBefore = 0;
        lastWireBytes = -1;
        lastRetransmitted = -1;
        try {
            if (opened == null) {
                connect();
                // what changed while there was no session is unknown
                scope = Scope.WHOLE;
            } else {
                wireBefore = wireBytes();
                retransmittedBefore = opened.session().transport().stats().retransmittedBytes();
            }
            RemoteSession session = opened.session();
            progress.transport(session.transport()::stats);
            try {
                result = client.batch(scope, (sc, in, out) -> opened.push()
                        ? new SourceEndpoint(opened.localPath(), snapshot, settings.options(), progress).scope(sc)
                                .withholdDeletesOverLimit().run(in, out)
                        : new DestinationEndpoint(opened.localPath(), snapshot, settings.options(), progress).scope(sc).run(in, out));
            } catch (java.io.IOException | RuntimeException e) {
                SyncRunner.throwServerError(session);
                throw e;
            }
            exit = result.errors().isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
            if (exit != ExitCode.OK) {
                error = result.errors().size() + " entries could not be synchronized";
            }
        } catch (java.io.IOException | RuntimeException e) {
            SyncRunner.Failure f = SyncRunner.Failure.of(e);
            exit = f.exit();
            error = f.error();
        }
        if (opened != null) {
            lastWireBytes = wireBytes() - wireBefore;
            lastRetransmitted = opened.session().transport().stats().retransmittedBytes() - retransmittedBefore;
        }
        SyncRunner.Outcome o = new SyncRunner.Outcome(exit, error, result,
                opened == null ? null : opened.session().transport().stats(),
                opened == null ? 0 : opened.session().controlWireBytes(), (System.nanoTime() - start) / 1e9);
        if (exit != ExitCode.OK && exit != ExitCode.PARTIAL) {
            disconnect(false, error);
        }
        return o;
    }

    private void connect() {
        try {
            opened = runner.open(settings, true, line -> log.info("{}", line));
        } catch (RuntimeException e) {
            MDC.remove(LogContext.SESSION);
            throw e;
        }
        current = opened.session();
        sessions++;
        try {
            snapshot = runner.snapshot(opened);
            client = new BatchClient(opened.session().transport().input(), opened.session().transport().output(),
                    opened.push() ? null : hints);
        } catch (RuntimeException e) {
            disconnect(false, e.getMessage());
            throw e;
        }
        log.info("persistent session #{} open", sessions);
    }

    /** UDP datagrams both ways (headers included) plus the SSH connection's bytes, of the session so far. */
    private long wireBytes() {
        var t = opened.session().transport().stats();
        return t.wireBytesSent() + t.wireBytesReceived() + opened.session().controlWireBytes();
    }

    @Override
    public long sessions() {
        return sessions;
    }

    @Override
    public long lastWireBytes() {
        return lastWireBytes;
    }

    @Override
    public long lastRetransmittedBytes() {
        return lastRetransmitted;
    }

    /** Ends the session: cleanly (SessionEnd, the server's verdict) or at once after a failure. */
    private void disconnect(boolean clean, String error) {
        SyncRunner.Opened o = opened;
        if (o == null) {
            return;
        }
        opened = null;
        current = null;
        boolean ok = clean;
        if (clean && client != null) {
            try {
                client.end();
                o.session().awaitOutcome(END_TIMEOUT);
            } catch (RuntimeException e) {
                log.debug("session did not end cleanly: {}", e.getMessage());
                ok = false;
            }
        }
        client = null;
        // the snapshot first: closing the session also lets go of the session's lock
        try {
            if (snapshot != null) {
                snapshot.close();
            }
        } finally {
            snapshot = null;
            try {
                o.close(ok, error == null ? "session ended" : error);
            } finally {
                MDC.remove(LogContext.SESSION);
            }
        }
    }

    @Override
    public void close() {
        disconnect(true, null);
    }

    @Override
    public void abort(String reason) {
        RemoteSession s = current;
        if (s != null) {
            s.abort(reason);
        }
    }
}
