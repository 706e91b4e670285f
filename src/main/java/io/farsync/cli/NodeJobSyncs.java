package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.daemon.OutboundSync;
import io.farsync.sync.ConflictPolicy;
import io.farsync.sync.SyncListener;
import io.farsync.sync.SyncOptions;
import io.farsync.transport.RatePolicy;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The syncs a node runs for the console's jobs ({@code farsync server --run-jobs}): exactly
 * {@code farsync sync} with this node's home (identity key {@code id_ed25519}, {@code known_hosts}
 * trusted on first use, client snapshots), so what works from the command line works here.
 */
public final class NodeJobSyncs implements OutboundSync {
    private final FarsyncHome home;
    private final Path identity;

    private NodeJobSyncs(FarsyncHome home, Path identity) {
        this.home = home;
        this.identity = identity;
    }

    /** Syncs with the identity, known_hosts and snapshots of the farsync home {@code dir}. */
    public static NodeJobSyncs forHome(Path dir) {
        FarsyncHome home = new FarsyncHome(dir);
        return new NodeJobSyncs(home, home.identity());
    }

    static NodeJobSyncs of(FarsyncHome home, Path identity) {
        return new NodeJobSyncs(home, identity);
    }

    @Override
    public Outcome run(Request r, SyncListener listener, Consumer<Runnable> onAbort) {
        SyncRunner.Settings settings;
        try {
            TransportConfig transport = TransportConfig.defaults().withRates(0, r.rateBps()).withPolicy(RatePolicy.parse(r.policy()))
                    .withWindowsForRate();
            Location local = new Location.Local(r.localPath());
            Location remote = new Location.Remote(r.user(), r.host(), r.remotePath());
            settings = new SyncRunner.Settings(r.push() ? local : remote, r.push() ? remote : local, r.port(), identity, transport, 128,
                    new SyncOptions(r.propagateDeletes(), true), r.bidi() ? ConflictPolicy.parse(r.conflict()) : null);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage(), e);
        }
        SyncRunner runner = new SyncRunner(home);
        onAbort.accept(() -> runner.abort("stopped from the console"));
        SyncRunner.Outcome o = runner.run(settings, new Listening(listener));
        return new Outcome(o.exit().code(), o.error(), o.result());
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NodeJobSyncs.class);

    /** A plain listener as the runner's display: no live line to draw. */
    private record Listening(SyncListener to) implements RunDisplay {
        @Override
        public void transport(Supplier<TransportStats> stats) {
        }

        @Override
        public void planned(long files, long bytes) {
            to.planned(files, bytes);
        }

        @Override
        public void progress(long bytes) {
            to.progress(bytes);
        }

        @Override
        public void entryDone(String path, EntryAction action, long size) {
            to.entryDone(path, action, size);
        }

        @Override
        public void entryMoved(String from, String to2, long size) {
            to.entryMoved(from, to2, size);
        }

        @Override
        public void entryFailed(String path, String reason) {
            to.entryFailed(path, reason);
        }

        @Override
        public void conflict(String path, String resolution) {
            to.conflict(path, resolution);
        }

        @Override
        public void note(String line) {
            log.info("{}", line);
        }

        @Override
        public void close() {
        }
    }
}
