package io.farsync.daemon;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.BidiOptions;
import io.farsync.sync.Checksum;
import io.farsync.sync.ConflictPolicy;
import io.farsync.sync.DeleteLimit;
import io.farsync.sync.SyncOptions;
import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Symlinks;
import java.util.List;
import java.util.Map;

/** Sync options as they travel in a session request: string-valued, unknown keys ignored. */
public final class JobOptions {
    static final String DELETE = "delete";
    static final String CHECKSUM = "checksum";
    static final String DELETE_DELAY = "delete_delay";
    static final String MIRROR = "mirror";
    static final String MAX_DELETE = "max_delete";
    /** Filter rules, one per line ({@code + PATTERN} or {@code - PATTERN}). */
    static final String FILTER = "filter";
    static final String PRESERVE_OWNER = "preserve_owner";
    static final String XATTRS = "xattrs";
    /** {@code copy|skip|follow} ({@link Symlinks}); a server older than it fails at the Hello (sync protocol 10). */
    static final String SYMLINKS = "symlinks";
    /**
     * "true": a dry run ({@link SyncOptions#dryRun}). A server older than it would ignore the key and
     * sync for real, so it came with sync protocol 11: such a server fails at the Hello, before the
     * source offers anything, but not before what it does ahead of the Hello (as a destination: makes
     * DST, opens its snapshot database and notes the run, removes stale temp files).
     */
    static final String DRY_RUN = "dry_run";

    /** Bidirectional sync: the conflict policy ({@code keep-both|newest|source|dest}). */
    static final String CONFLICT = "conflict";
    /** Bidirectional sync: "true" if the server's path is SRC (named first on the command line). */
    static final String SERVER_IS_SOURCE = "server_is_source";

    /**
     * "true": a persistent session (continuous mode), many batches on one transport session
     * ({@link io.farsync.sync.BatchServer}). Older servers ignore it and the first batch fails
     * with a protocol error naming the unknown message.
     */
    static final String PERSISTENT = "persistent_session";

    private JobOptions() {
    }

    /** {@code options} asking for a persistent session. */
    public static Map<String, String> withPersistentSession(Map<String, String> options) {
        Map<String, String> m = new java.util.HashMap<>(options);
        m.put(PERSISTENT, "true");
        return m;
    }

    /** True if the request asks for a persistent session. */
    public static boolean persistent(Map<String, String> options) {
        return Boolean.parseBoolean(options.getOrDefault(PERSISTENT, "false"));
    }

    /** True if the request asks for a dry run (read before the options are checked). */
    public static boolean dryRun(Map<String, String> options) {
        return Boolean.parseBoolean(options.getOrDefault(DRY_RUN, "false"));
    }

    /** {@code options} plus what the server needs for a bidirectional job. */
    public static Map<String, String> withBidi(Map<String, String> options, ConflictPolicy conflicts, boolean serverIsSource) {
        Map<String, String> m = new java.util.HashMap<>(options);
        m.put(CONFLICT, conflicts.label());
        m.put(SERVER_IS_SOURCE, Boolean.toString(serverIsSource));
        return m;
    }

    /** The server's bidirectional options; throws {@code USAGE} for a bad policy or with --mirror. */
    public static BidiOptions parseBidi(Map<String, String> options, String host) {
        try {
            if (parse(options).mirror()) {
                throw new IllegalArgumentException("--mirror contradicts --bidi");
            }
            return new BidiOptions(ConflictPolicy.parse(options.getOrDefault(CONFLICT, ConflictPolicy.KEEP_BOTH.label())),
                    Boolean.parseBoolean(options.getOrDefault(SERVER_IS_SOURCE, "false")), host);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, "invalid sync options: " + e.getMessage(), e);
        }
    }

    public static Map<String, String> encode(SyncOptions options) {
        return Map.of(DELETE, Boolean.toString(options.propagateDeletes()),
                CHECKSUM, options.checksum().id(),
                DELETE_DELAY, Boolean.toString(options.deleteDelay()),
                MIRROR, Boolean.toString(options.mirror()),
                MAX_DELETE, options.maxDelete().format(),
                FILTER, String.join("\n", options.filter().rules()),
                PRESERVE_OWNER, Boolean.toString(options.preserveOwner()),
                XATTRS, Boolean.toString(options.xattrs()),
                SYMLINKS, options.symlinks().label(),
                DRY_RUN, Boolean.toString(options.dryRun()));
    }

    /** Throws {@code USAGE} for values that do not parse or contradict each other. */
    public static SyncOptions parse(Map<String, String> options) {
        try {
            return parse0(options);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, "invalid sync options: " + e.getMessage(), e);
        }
    }

    private static SyncOptions parse0(Map<String, String> options) {
        SyncOptions d = SyncOptions.defaults();
        return new SyncOptions(
                Boolean.parseBoolean(options.getOrDefault(DELETE, Boolean.toString(d.propagateDeletes()))),
                checksum(options.getOrDefault(CHECKSUM, d.checksum().id())),
                Boolean.parseBoolean(options.getOrDefault(DELETE_DELAY, Boolean.toString(d.deleteDelay()))),
                Boolean.parseBoolean(options.getOrDefault(MIRROR, Boolean.toString(d.mirror()))),
                DeleteLimit.fromString(options.getOrDefault(MAX_DELETE, d.maxDelete().format())),
                filter(options.getOrDefault(FILTER, "")),
                Boolean.parseBoolean(options.getOrDefault(PRESERVE_OWNER, "false")),
                Boolean.parseBoolean(options.getOrDefault(XATTRS, "false")),
                Symlinks.parse(options.getOrDefault(SYMLINKS, Symlinks.COPY.label())),
                Boolean.parseBoolean(options.getOrDefault(DRY_RUN, "false")));
    }

    /** A checksum name; "true" and "false" are what clients before --checksum sent. */
    private static Checksum checksum(String value) {
        return switch (value) {
            case "true" -> Checksum.XXH64;
            case "false" -> Checksum.NONE;
            default -> Checksum.parse(value);
        };
    }

    private static Filter filter(String rules) {
        return rules.isEmpty() ? Filter.NONE : Filter.of(List.of(rules.split("\n", -1)));
    }
}
