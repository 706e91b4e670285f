package io.farsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.Checksum;
import io.farsync.sync.ConflictPolicy;
import io.farsync.sync.DeleteLimit;
import io.farsync.sync.SingleFileSource;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.SyncResult;
import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Symlinks;
import io.farsync.transport.RatePolicy;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sync", sortOptions = false,
        description = {"Synchronize SRC to DST. Either may be a local path or [user@]host:path.",
                "The side named first is the source: push when DST is remote, pull when SRC is remote.",
                "With both local, the full stack runs over loopback through an in-process server."})
final class SyncCommand implements Callable<Integer> {
    /** Loopback has a 64 KiB MTU: big datagrams cut per-packet costs (syscalls, AEAD setup). */
    static final int LOOPBACK_DATAGRAM = 32 * 1024;

    private final Main.Context context;

    @Parameters(index = "0", paramLabel = "SRC")
    String source;

    @Parameters(index = "1", paramLabel = "DST")
    String destination;

    @Option(names = {"-P", "--port"}, defaultValue = "33001", description = "server port, TCP for SSH and UDP for data (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = {"-i", "--identity"}, paramLabel = "FILE", description = "private key (default: ~/.farsync/id_ed25519)")
    Path identity;

    @Option(names = "--rate", paramLabel = "RATE", converter = Rates.class, defaultValue = "1G",
            description = "target (maximum) rate in bits/s, e.g. 500M, 1G (default: ${DEFAULT-VALUE})")
    long rate;

    @Option(names = "--min-rate", paramLabel = "RATE", converter = Rates.class,
            description = "minimum rate in bits/s (used by adaptive policies)")
    Long minRate;

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "fair",
            description = "fixed: always the target rate; fair: fill free bandwidth, share it equally; high: about twice a fair share;"
                    + " low: only what others leave (default: ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--datagram-size", paramLabel = "BYTES",
            description = "UDP payload size; disables path MTU probing (default: probed from 1200 up to 1472, or up to "
                    + LOOPBACK_DATAGRAM + " when both paths are local)")
    Integer datagramSize;

    @Option(names = "--cipher", paramLabel = "aes128|aes256", defaultValue = "aes128", description = "AES-GCM key size for the data (default: ${DEFAULT-VALUE})")
    String cipher;

    @Option(names = "--ignore-delete", description = "do not propagate deletions to the destination")
    boolean ignoreDelete;

    @Option(names = "--checksum", paramLabel = "xxh64|sha256|none", defaultValue = "xxh64",
            description = "whole-file checksum verified before a file is put in place; a mismatch is sent again (default: ${DEFAULT-VALUE})")
    String checksum;

    @Option(names = "--delete-delay", description = "delete at the destination only after every transfer is in place")
    boolean deleteDelay;

    @Option(names = "--mirror", description = "also delete what exists only at the destination (never synced), inside DST only")
    boolean mirror;

    @Option(names = "--preserve-owner", description = "give entries the source's owner and group (when the receiving side runs as root)")
    boolean preserveOwner;

    @Option(names = "--xattrs", description = "also sync user.* extended attributes of files and directories")
    boolean xattrs;

    @Option(names = "--symlinks", paramLabel = "copy|skip|follow",
            description = "symbolic links at the source: copy them as links, skip them (neither sent nor deleted at the"
                    + " destination), or follow them and sync what they point to (a local source only; not with --bidi)"
                    + " (default: copy)")
    String symlinks = "copy";

    @Option(names = "--wait-lock", description = "if another farsync run is syncing the same session, wait for it to end (default: exit 12)")
    boolean waitLock;

    @Option(names = "--max-delete", paramLabel = "N|N%",
            // %% : picocli formats descriptions with String.format (a lone % warned three times at every --help)
            description = "refuse to run if it would delete more than N entries, or N%% of the entries synced last time"
                    + " (default: 50%% of trees over 100 entries); 100%% also allows emptying DST when SRC is empty")
    String maxDelete;

    /**
     * Filter rules in command-line order, the three options interleaved as given. Each option is
     * repeatable: picocli calls its setter once per occurrence with every value of that option so
     * far (after one call with none), so the newest value is the last one. (With a single-value
     * setter picocli refused a second --exclude: "should be specified only once".)
     */
    private final List<String> filterRules = new ArrayList<>();

    @Option(names = "--include", paramLabel = "PATTERN",
            description = "sync what matches PATTERN even if a later --exclude matches it (first match wins; repeatable)")
    void include(List<String> patterns) {
        newest(patterns).ifPresent(p -> filterRules.add("+ " + p));
    }

    @Option(names = "--exclude", paramLabel = "PATTERN",
            description = "leave out what matches PATTERN: * within a name, ** across directories, ?, [..];"
                    + " leading / anchors at SRC, trailing / matches directories only (repeatable)")
    void exclude(List<String> patterns) {
        newest(patterns).ifPresent(p -> filterRules.add("- " + p));
    }

    @Option(names = "--exclude-from", paramLabel = "FILE",
            description = "read exclude patterns from FILE, one per line ('+ PATTERN' includes; # comments; repeatable)")
    void excludeFrom(List<Path> files) {
        newest(files).ifPresent(f -> filterRules.add("@ " + f));
    }

    private static <T> java.util.Optional<T> newest(List<T> values) {
        return values.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(values.get(values.size() - 1));
    }

    @Option(names = "--bidi", description = "two-way: changes on either side since the last sync reach the other")
    boolean bidi;

    @Option(names = "--conflict", paramLabel = "keep-both|newest|source|dest",
            description = "with --bidi, a file changed on both sides: keep-both (the newer keeps the name, the other becomes"
                    + " NAME.conflict-HOST-TIME.EXT on both sides), newest, source (SRC wins) or dest (default: keep-both)")
    String conflict;

    @Option(names = {"-n", "--dry-run"}, description = "change nothing on either side: list what the sync would transfer,"
            + " delete and move, and exit as it would (a delete limit it would hit included)")
    boolean dryRun;

    @Option(names = "--stats-json", paramLabel = "FILE", description = "on exit, write a JSON summary to FILE")
    Path statsJson;

    @Option(names = {"-q", "--quiet"}, description = "print only errors")
    boolean quiet;

    @Option(names = "--json", description = "machine-readable output: one JSON object per line on stdout (entries, progress every"
            + " second, a summary with the --stats-json fields; an error object with exit_code and message on failure)")
    boolean json;

    @CommandLine.Mixin
    ContinuousOptions continuous = new ContinuousOptions();

    /** Set by {@link #settings}: SRC is a file, synced as the one entry of its directory. */
    private boolean singleFile;

    @CommandLine.Mixin
    LogFormat logFormat = new LogFormat();

    SyncCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (context.agentRun() != null) {
            context.agentRun().checkCanRun(continuous.continuous, logFormat);
        } else {
            logFormat.apply();
        }
        SyncRunner.Settings settings = settings();
        continuous.checkUnused();
        if (singleFile && continuous.continuous) {
            throw new FarsyncException(ExitCode.USAGE, "--continuous watches a directory; SRC " + source + " is a file");
        }
        if (json && continuous.continuous) {
            throw new FarsyncException(ExitCode.USAGE, "--json is for one-time syncs, not --continuous");
        }
        if (dryRun && continuous.continuous) {
            throw new FarsyncException(ExitCode.USAGE, "--dry-run is for one-time syncs, not --continuous");
        }
        if (json) {
            return runWithJson(settings);
        }
        if (continuous.continuous) {
            return ContinuousRunner.runUntilSignalled(ContinuousRunner.forCli(settings,
                    // with --bidi one side is never watched: periodic syncs as for a remote source
                    continuous.settings(bidi), context.home(), context.out(), context.err(), quiet).withStatsJson(statsJson));
        }
        SyncRunner.Outcome outcome;
        try (Progress progress = new Progress(context.out(), context.err(), quiet, context.terminal(), System::nanoTime)) {
            outcome = runner().run(settings, progress);
        }
        if (outcome.exit() != ExitCode.OK) {
            context.err().println("farsync: " + outcome.error());
        }
        if (!quiet && outcome.result() != null) {
            context.out().println(summary(outcome, dryRun));
        }
        if (statsJson != null) {
            writeStats(stats(outcome));
        }
        return outcome.exit().code();
    }

    private int runWithJson(SyncRunner.Settings settings) {
        JsonEvents events = new JsonEvents(context.out(), System::nanoTime);
        SyncRunner.Outcome outcome;
        try (events) {
            outcome = runner().run(settings, events);
        }
        Map<String, Object> stats = stats(outcome);
        events.finish(stats, outcome.exit(), outcome.error());
        if (statsJson != null) {
            writeStats(stats);
        }
        return outcome.exit().code();
    }

    /** The runner of this one-time sync; when the agent runs it, the client's Ctrl-C aborts it. */
    private SyncRunner runner() {
        SyncRunner runner = new SyncRunner(context.home(), context.agentRun() == null ? null : context.agentRun().connections());
        if (context.agentRun() != null) {
            context.agentRun().onCancel(runner::abort);
        }
        return runner;
    }

    private SyncRunner.Settings settings() {
        Location src;
        Location dst;
        try {
            src = Location.parse(source, context.cwd());
            dst = Location.parse(destination, context.cwd());
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        RatePolicy ratePolicy;
        try {
            ratePolicy = RatePolicy.parse(policy);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        if (minRate != null && minRate > rate) {
            throw new FarsyncException(ExitCode.USAGE, "--min-rate (" + Rates.format(minRate) + ") exceeds --rate (" + Rates.format(rate) + ")");
        }
        int aesBits = switch (cipher.toLowerCase(Locale.ROOT)) {
            case "aes128", "aes-128" -> 128;
            case "aes256", "aes-256" -> 256;
            default -> throw new FarsyncException(ExitCode.USAGE, "unknown --cipher '" + cipher + "': expected aes128 or aes256");
        };
        boolean local = src instanceof Location.Local && dst instanceof Location.Local;
        int size = datagramSize != null ? datagramSize : local ? LOOPBACK_DATAGRAM : TransportConfig.defaults().datagramSize();
        TransportConfig transport;
        try {
            transport = TransportConfig.defaults().withRates(minRate == null ? 0 : minRate, rate).withPolicy(ratePolicy)
                    .withDatagramSize(size).withDatagramSizeProbing(datagramSize == null).withWindowsForRate();
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        SyncOptions options;
        try {
            options = new SyncOptions(!ignoreDelete, true)
                    .withChecksum(Checksum.parse(checksum))
                    .withDeleteDelay(deleteDelay)
                    .withMirror(mirror)
                    .withPreserveOwner(preserveOwner)
                    .withXattrs(xattrs)
                    .withSymlinks(Symlinks.parse(symlinks))
                    .withMaxDelete(maxDelete == null ? DeleteLimit.DEFAULT : DeleteLimit.parse(maxDelete))
                    .withFilter(Filter.of(expandFilterFiles()))
                    .withDryRun(dryRun);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        ConflictPolicy conflicts;
        try {
            conflicts = conflict == null ? ConflictPolicy.KEEP_BOTH : ConflictPolicy.parse(conflict);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        if (conflict != null && !bidi) {
            throw new FarsyncException(ExitCode.USAGE, "--conflict needs --bidi");
        }
        if (bidi && dryRun) {
            throw new FarsyncException(ExitCode.USAGE, "--dry-run is for one-way syncs; it does not work with --bidi yet");
        }
        if (bidi && mirror) {
            throw new FarsyncException(ExitCode.USAGE, "--mirror contradicts --bidi");
        }
        if (bidi && options.symlinks() != Symlinks.COPY) {
            throw new FarsyncException(ExitCode.USAGE, "--symlinks " + symlinks + " is for one-way syncs; --bidi copies links as links");
        }
        if (options.symlinks() == Symlinks.FOLLOW && src instanceof Location.Remote) {
            // The server would read through links its account's root does not contain.
            throw new FarsyncException(ExitCode.USAGE, "--symlinks follow needs a local SRC: a server never follows links for a pull");
        }
        if (src instanceof Location.Local l && isSingleEntry(l.path())) {
            // "farsync sync FILE DST", as rsync: FILE's directory is the root and a filter picks FILE,
            // which lands in DST; nothing else there is sent or deleted (--mirror included)
            if (bidi) {
                throw new FarsyncException(ExitCode.USAGE, "--bidi syncs two directories; SRC " + l + " is a file");
            }
            Path file = l.path().toAbsolutePath().normalize();
            options = SingleFileSource.options(file, l.toString(), "", options);
            src = new Location.Local(file.getParent());
            singleFile = true;
        }
        return new SyncRunner.Settings(src, dst, port, identity != null ? identity : context.home().identity(),
                transport, aesBits, options, bidi ? conflicts : null, waitLock);
    }

    /** A local SRC that is there and is not a directory (nor a link to one): synced as that one entry. */
    private static boolean isSingleEntry(Path path) {
        return Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path)
                && path.toAbsolutePath().normalize().getParent() != null;
    }

    private List<String> expandFilterFiles() {
        List<String> rules = new ArrayList<>();
        for (String r : filterRules) {
            if (r.startsWith("@ ")) {
                Path file = Path.of(r.substring(2));
                try {
                    for (String rule : Filter.readExcludeFile(file)) {
                        if (rule.equals(Filter.CLEAR)) {
                            rules.clear();  // as rsync: a '!' line drops every rule before it
                        } else {
                            rules.add(rule);
                        }
                    }
                } catch (IOException e) {
                    throw new FarsyncException(ExitCode.USAGE, "cannot read --exclude-from " + file + ": " + e.getMessage());
                }
            } else {
                rules.add(r);
            }
        }
        return rules;
    }

    /** The one-line summary of a sync, for a one-time run and for each batch of a continuous one. */
    static String summary(SyncRunner.Outcome o) {
        return summary(o, false);
    }

    /** The one-line summary of a one-time run, or of a dry run: what it would have done. */
    static String summary(SyncRunner.Outcome o, boolean dryRun) {
        SyncResult r = o.result();
        if (dryRun) {
            return dryRunSummary(o);
        }
        if (r.upToDate()) {
            return String.format(Locale.ROOT, "already in sync: nothing to transfer (%s checked in %.1f s)",
                    entries(r.entriesChecked()), o.seconds());
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "sent %d %s, %s in %.1f s (%s)", r.filesTransferred(),
                r.filesTransferred() == 1 ? "file" : "files", Rates.bytes(r.bytesTransferred()), o.seconds(),
                Rates.format(r.bytesTransferred() * 8 / Math.max(o.seconds(), 1e-3))));
        if (r.filesMoved() > 0) {
            s.append(", moved ").append(r.filesMoved());
        }
        if (r.filesDeleted() > 0) {
            s.append(", deleted ").append(r.filesDeleted());
        }
        if (r.conflicts() > 0) {
            s.append(", ").append(r.conflicts()).append(r.conflicts() == 1 ? " conflict" : " conflicts");
        }
        if (!r.errors().isEmpty()) {
            s.append(", ").append(r.errors().size()).append(" failed");
        }
        TransportStats t = o.transport();
        if (t != null && r.bytesTransferred() > 0) {
            s.append(String.format(Locale.ROOT, "; %.1f%% retransmitted", 100.0 * t.retransmittedBytes() / Math.max(1, t.streamBytesSent())));
        }
        return s.toString();
    }

    private static String dryRunSummary(SyncRunner.Outcome o) {
        SyncResult r = o.result();
        if (r.upToDate()) {
            return String.format(Locale.ROOT, "dry run: already in sync, nothing to do (%s checked in %.1f s)",
                    entries(r.entriesChecked()), o.seconds());
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "dry run: would send %d %s, %s", r.filesTransferred(),
                r.filesTransferred() == 1 ? "file" : "files", Rates.bytes(r.bytesTransferred())));
        if (r.filesMoved() > 0) {
            s.append(", move ").append(r.filesMoved());
        }
        if (r.filesDeleted() > 0) {
            s.append(", delete ").append(r.filesDeleted());
        }
        if (!r.errors().isEmpty()) {
            s.append(", fail on ").append(r.errors().size());
        }
        s.append(String.format(Locale.ROOT, "; nothing was changed (%s checked in %.1f s)", entries(r.entriesChecked()), o.seconds()));
        return s.toString();
    }

    private static String entries(long n) {
        return n + (n == 1 ? " entry" : " entries");
    }

    /** The --stats-json summary, also the --json summary event. */
    private Map<String, Object> stats(SyncRunner.Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        SyncResult r = o.result();
        TransportStats t = o.transport();
        long udpBytes = t == null ? 0 : t.wireBytesSent() + t.wireBytesReceived();
        m.put("status", o.exit() == ExitCode.OK ? "ok" : o.exit() == ExitCode.PARTIAL ? "partial" : "error");
        m.put("exit_code", o.exit().code());
        // a dry run's counts are what the sync would do
        m.put("dry_run", dryRun);
        m.put("error", o.error());
        m.put("files_transferred", r == null ? 0 : r.filesTransferred());
        m.put("bytes_transferred", r == null ? 0 : r.bytesTransferred());
        m.put("wire_bytes", udpBytes + o.controlBytes());
        m.put("udp_wire_bytes", udpBytes);
        m.put("control_wire_bytes", o.controlBytes());
        m.put("retransmitted_bytes", t == null ? 0 : t.retransmittedBytes());
        m.put("files_deleted", r == null ? 0 : r.filesDeleted());
        m.put("files_moved", r == null ? 0 : r.filesMoved());
        m.put("conflicts", r == null ? 0 : r.conflicts());
        m.put("entries_checked", r == null ? 0 : r.entriesChecked());
        m.put("errors", r == null ? java.util.List.of() : r.errors());
        m.put("duration_seconds", Math.round(o.seconds() * 1000) / 1000.0);
        m.put("rtt_ms", t == null ? null : t.smoothedRttNanos() / 1e6);
        m.put("min_rtt_ms", t == null ? null : t.minRttNanos() / 1e6);
        m.put("queueing_delay_ms", t == null ? null : t.queueingDelayNanos() / 1e6);
        m.put("rate_bps", t == null ? null : t.rateBitsPerSecond());
        m.put("lost_bytes", t == null ? 0 : t.lostBytes());
        m.put("policy", policy);
        m.put("datagrams_sent", t == null ? 0 : t.datagramsSent());
        m.put("datagrams_received", t == null ? 0 : t.datagramsReceived());
        m.put("datagrams_dropped", t == null ? 0 : t.datagramsDropped());
        m.put("datagram_size", t == null ? null : t.datagramSize());
        m.put("packets_lost", t == null ? 0 : t.packetsLost());
        return m;
    }

    private void writeStats(Map<String, Object> m) {
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(statsJson.toFile(), m);
        } catch (IOException e) {
            context.err().println("farsync: cannot write --stats-json " + statsJson + ": " + e.getMessage());
        }
    }
}
