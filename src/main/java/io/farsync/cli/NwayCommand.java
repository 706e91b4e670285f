package io.farsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.SyncResult;
import io.farsync.sync.nway.NwayJob;
import io.farsync.sync.nway.Schedule;
import io.farsync.transport.RatePolicy;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code farsync nway JOB}: keeps the endpoints of a job file in sync, hub-and-spoke or mesh
 * ({@link Schedule}), by rounds of pairwise bidirectional syncs until a round changes nothing.
 * Each link is one {@code farsync sync --bidi} session ({@link SyncRunner}); the hub's
 * distribute phase runs its links at once, each on its own thread and session.
 */
@Command(name = "nway", sortOptions = false,
        description = {"Keep three or more endpoints in sync (hub-and-spoke or mesh), as described by a JSON job file.",
                "Runs rounds of pairwise --bidi syncs until a round changes nothing."})
final class NwayCommand implements Callable<Integer> {

    private final Main.Context context;

    @Parameters(index = "0", paramLabel = "JOB", description = "the job file (JSON; see README, N-way sync)")
    Path jobFile;

    @Option(names = "--self", paramLabel = "NAME",
            description = "mesh job run on every node: this node's endpoint (its \"local\" path is here); it syncs with the endpoints listed after it")
    String self;

    @Option(names = {"-i", "--identity"}, paramLabel = "FILE", description = "private key (default: ~/.farsync/id_ed25519)")
    Path identity;

    @Option(names = "--max-rounds", paramLabel = "N", defaultValue = "5",
            description = "give up (exit 1) if the endpoints still differ after N rounds (default: ${DEFAULT-VALUE})")
    int maxRounds;

    @Option(names = "--stats-json", paramLabel = "FILE", description = "on exit, write a JSON summary with one entry per link sync")
    Path statsJson;

    @Option(names = {"-q", "--quiet"}, description = "print only errors")
    boolean quiet;

    @Option(names = "--continuous", description = "keep running: settle again whenever a local endpoint changes, and every"
            + " --scan-interval for the remote ones (stop with SIGTERM or Ctrl-C: exit 0)")
    boolean continuous;

    @Option(names = "--scan-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "with --continuous: settle at least this often (default: ${DEFAULT-VALUE})")
    double scanInterval;

    NwayCommand(Main.Context context) {
        this.context = context;
    }

    /** One link's sync in one round. */
    private record LinkRun(int round, String phase, Schedule.Link link, long rate, SyncRunner.Outcome outcome) {
    }

    @Override
    public Integer call() {
        if (maxRounds < 1) {
            throw new FarsyncException(ExitCode.USAGE, "--max-rounds (" + maxRounds + ") must be at least 1");
        }
        NwayJob job;
        List<Schedule.Phase> phases;
        try {
            job = NwayJob.read(jobFile);
            phases = Schedule.of(job, e -> isLocal(e), self);
        } catch (NoSuchFileException e) {
            throw new FarsyncException(ExitCode.USAGE, "job file not found: " + jobFile);
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.USAGE, "cannot read job file " + jobFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        if (!continuous) {
            return settle(job, phases);
        }
        if (!(scanInterval > 0 && scanInterval <= 31_536_000)) {
            throw new FarsyncException(ExitCode.USAGE, "--scan-interval (" + scanInterval + ") must be between 0 (exclusive) and 31536000 seconds");
        }
        List<Path> local = new ArrayList<>();
        for (NwayJob.Endpoint e : job.endpoints()) {
            if (isLocal(e)) {
                local.add(localPath(e));
            }
        }
        NwayLoop loop = new NwayLoop(local, java.util.Set.of(context.home().dir().toAbsolutePath()),
                java.time.Duration.ofMillis(Math.round(scanInterval * 1000)), context.err());
        // As sync --continuous: a requested stop (SIGTERM, Ctrl-C) is a success once the settle in progress ended.
        Thread hook = new Thread(() -> {
            loop.stopAndWait(java.time.Duration.ofSeconds(60));
            Runtime.getRuntime().halt(0);
        }, "farsync-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return loop.run(() -> settle(job, phases));
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and will halt the JVM
            }
        }
    }

    /** Rounds of the job's phases until one changes nothing (or --max-rounds); prints and returns the exit code. */
    private int settle(NwayJob job, List<Schedule.Phase> phases) {
        long start = System.nanoTime();
        List<LinkRun> runs = new ArrayList<>();
        ExitCode exit = ExitCode.OK;
        String error = null;
        int round = 0;
        boolean quietRound = false;
        while (!quietRound && exit == ExitCode.OK && round < maxRounds) {
            round++;
            quietRound = true;
            for (Schedule.Phase phase : phases) {
                List<LinkRun> done = runPhase(job, phase, round);
                runs.addAll(done);
                for (LinkRun r : done) {
                    SyncRunner.Outcome o = r.outcome();
                    if (o.exit() != ExitCode.OK && exit == ExitCode.OK) {
                        exit = o.exit();
                        error = r.link().label() + ": " + o.error();
                    }
                    quietRound &= o.result() != null && o.result().upToDate() && o.result().conflicts() == 0;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit == ExitCode.OK && !quietRound) {
            exit = ExitCode.PARTIAL;
            error = "the endpoints still changed in round " + round + " of --max-rounds " + maxRounds + " (changes made during the job?)";
        }
        if (exit != ExitCode.OK) {
            context.err().println("farsync: " + error);
        } else if (!quiet) {
            context.out().printf(Locale.ROOT, "in sync: %d endpoints, %d rounds (the last changed nothing), %.1f s%n",
                    job.endpoints().size(), round, seconds);
        }
        if (statsJson != null) {
            writeStats(exit, error, round, seconds, runs);
        }
        return exit.code();
    }

    private List<LinkRun> runPhase(NwayJob job, Schedule.Phase phase, int round) {
        List<LinkRun> out = new ArrayList<>();
        if (!phase.concurrent() || phase.links().size() == 1) {
            for (Schedule.Link l : phase.links()) {
                out.add(report(runLink(job, phase, l, round, 1)));
            }
            return out;
        }
        // One thread and one session per spoke: the hub sends to all of them at once.
        ExecutorService pool = Executors.newFixedThreadPool(phase.links().size(), r -> {
            Thread t = new Thread(r, "farsync-nway-link");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<LinkRun>> futures = new ArrayList<>();
            for (Schedule.Link l : phase.links()) {
                futures.add(pool.submit(() -> runLink(job, phase, l, round, phase.links().size())));
            }
            for (Future<LinkRun> f : futures) {
                out.add(report(f.get()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted", e);
        } catch (ExecutionException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "internal error: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private LinkRun runLink(NwayJob job, Schedule.Phase phase, Schedule.Link link, int round, int concurrent) {
        Location local = new Location.Local(localPath(link.local()));
        Location peer = location(link.peer());
        long rate = rateOf(job, link.peer());
        if (concurrent > 1 && job.share() == NwayJob.Share.SPLIT) {
            rate = Math.max(1, rate / concurrent);
        }
        boolean loopback = peer instanceof Location.Local;
        TransportConfig transport;
        try {
            String policy = link.peer().policy() != null ? link.peer().policy() : job.policy() != null ? job.policy() : "fair";
            transport = TransportConfig.defaults().withRates(0, rate).withPolicy(RatePolicy.parse(policy))
                    .withDatagramSize(loopback ? SyncCommand.LOOPBACK_DATAGRAM : TransportConfig.defaults().datagramSize())
                    .withWindowsForRate();
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, jobFile + ": endpoint '" + link.peer().name() + "': " + e.getMessage());
        }
        int port = link.peer().port() != null ? link.peer().port() : 33001;
        SyncRunner.Settings settings = new SyncRunner.Settings(local, peer, port,
                identity != null ? identity : context.home().identity(), transport, 128, SyncOptions.defaults(), job.conflicts());
        SyncRunner.Outcome o;
        try (Progress progress = new Progress(context.out(), context.err(), true, false, System::nanoTime)) {
            o = new SyncRunner(context.home()).run(settings, progress);
        }
        return new LinkRun(round, phase.name(), link, rate, o);
    }

    private LinkRun report(LinkRun r) {
        SyncRunner.Outcome o = r.outcome();
        String what = o.result() == null ? "failed: " + o.error() : SyncCommand.summary(o);
        if (!quiet || o.exit() != ExitCode.OK) {
            (o.exit() == ExitCode.OK ? context.out() : context.err()).printf(Locale.ROOT, "round %d %s %s: %s%n", r.round(), r.phase(),
                    r.link().label(), what);
        }
        return r;
    }

    private long rateOf(NwayJob job, NwayJob.Endpoint e) {
        String text = e.rate() != null ? e.rate() : job.rate() != null ? job.rate() : "1G";
        try {
            return Rates.parse(text);
        } catch (IllegalArgumentException ex) {
            throw new FarsyncException(ExitCode.USAGE, jobFile + ": endpoint '" + e.name() + "': " + ex.getMessage());
        }
    }

    private boolean isLocal(NwayJob.Endpoint e) {
        return e.name().equals(self) || location(e) instanceof Location.Local;
    }

    /** This node's path of a local endpoint: with --self its "local" path, else its path. */
    private Path localPath(NwayJob.Endpoint e) {
        if (e.name().equals(self) && e.local() != null) {
            return Path.of(e.local());
        }
        if (parse(e) instanceof Location.Local l) {
            return l.path();
        }
        throw new FarsyncException(ExitCode.USAGE, jobFile + ": endpoint '" + e.name() + "' is remote (" + e.path()
                + "): give its path on its own node as \"local\"");
    }

    private Location location(NwayJob.Endpoint e) {
        return e.name().equals(self) ? new Location.Local(localPath(e)) : parse(e);
    }

    private Location parse(NwayJob.Endpoint e) {
        try {
            return Location.parse(e.path());
        } catch (IllegalArgumentException ex) {
            throw new FarsyncException(ExitCode.USAGE, jobFile + ": endpoint '" + e.name() + "': " + ex.getMessage());
        }
    }

    private void writeStats(ExitCode exit, String error, int rounds, double seconds, List<LinkRun> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", exit == ExitCode.OK ? "ok" : exit == ExitCode.PARTIAL ? "partial" : "error");
        m.put("exit_code", exit.code());
        m.put("error", error);
        m.put("rounds", rounds);
        m.put("duration_seconds", Math.round(seconds * 1000) / 1000.0);
        long files = 0;
        long bytes = 0;
        long conflicts = 0;
        List<Map<String, Object>> links = new ArrayList<>();
        for (LinkRun r : runs) {
            SyncResult res = r.outcome().result();
            TransportStats t = r.outcome().transport();
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("round", r.round());
            l.put("phase", r.phase());
            l.put("link", r.link().label());
            l.put("target_rate_bps", r.rate());
            l.put("exit_code", r.outcome().exit().code());
            l.put("files_transferred", res == null ? 0 : res.filesTransferred());
            l.put("bytes_transferred", res == null ? 0 : res.bytesTransferred());
            l.put("files_deleted", res == null ? 0 : res.filesDeleted());
            l.put("files_moved", res == null ? 0 : res.filesMoved());
            l.put("conflicts", res == null ? 0 : res.conflicts());
            l.put("wire_bytes", (t == null ? 0 : t.wireBytesSent() + t.wireBytesReceived()) + r.outcome().controlBytes());
            l.put("retransmitted_bytes", t == null ? 0 : t.retransmittedBytes());
            l.put("duration_seconds", Math.round(r.outcome().seconds() * 1000) / 1000.0);
            l.put("payload_rate_bps", res == null ? 0 : Math.round(res.bytesTransferred() * 8 / Math.max(r.outcome().seconds(), 1e-3)));
            links.add(l);
            if (res != null) {
                files += res.filesTransferred();
                bytes += res.bytesTransferred();
                conflicts += res.conflicts();
            }
        }
        m.put("files_transferred", files);
        m.put("bytes_transferred", bytes);
        m.put("conflicts", conflicts);
        m.put("links", links);
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(statsJson.toFile(), m);
        } catch (IOException e) {
            context.err().println("farsync: cannot write --stats-json " + statsJson + ": " + e.getMessage());
        }
    }
}
